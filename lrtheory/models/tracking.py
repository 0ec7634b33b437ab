"""Error correction and tracking: a learner following a target, discrete and continuous.

Discrete — motor learning, a thermostat, or GD on ½λ(C − C*)² with gain k = ηλ:

    C_{n+1} = C_n − k(C_n − C*_n) (+ σξ_n),

for a fixed target C*_n = C_opt, a drifting one C*_n = v·n, or with noise ξ_n ~ N(0, 1). The
error e_n = C_n − C_opt of the noiseless recursion is (1 − k)ⁿe₀; with noise its mean is
the same and its variance σ²Σ_{j<n}(1 − k)^{2j}.

Continuous — the predator: dp/dt = −κ(p − p*(t)), the gradient flow of ½κ(p − p*)², solved
with ``solve_ivp`` (DOP853). ∂ṗ/∂p = −κ < 0, so the flow is contractive and the local errors
of the accepted steps are not amplified: the bound of
:func:`lrtheory.models.ode.dop853_error_bound` with growth 0 holds at *every* accepted step.
Measurements are taken at the solver's own accepted points, never from its interpolant, so
that bound covers every value used.

Every measurement comes with a tolerance built from the method (rounding, the ODE bound) and a
transient bound computed from *measured* values and the structure of the equation, never
from the closed form it is compared with.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.integrate import solve_ivp

from lrtheory.arrays import astype, bool_dtype
from lrtheory.errors import ParameterError, check_int, check_positive, check_real, float_array
from lrtheory.models.ode import dop853_error_bound
from lrtheory.models.rounding import EPS
from lrtheory.models.threshold import Threshold, bisect_threshold
from lrtheory.montecarlo.runner import ChunkRNG, Kernel

FloatArray = NDArray[np.float64]
Target = Callable[[float], float]

RTOL = 1e-12
ATOL = 1e-12

# --------------------------------------------------------------------------------------
# Discrete error correction
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CorrectionPath:
    """C₀ … C_N of the float64 recursion and, per n, a bound on |C̃_n − C_n| (rounding)."""

    values: FloatArray
    rounding: FloatArray


def _finite_vector(name: str, value: Any) -> FloatArray:
    try:
        arr = float_array(name, value)
    except (TypeError, ValueError):
        raise ParameterError(name, value, "a non-empty finite 1-D array") from None
    if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)):
        raise ParameterError(name, value, "a non-empty finite 1-D array")
    return arr


def correct(c0: float, k: float, targets: Any) -> CorrectionPath:
    """Iterate C_{n+1} = C_n − k(C_n − C*_n) for n = 0 … N − 1 (``targets`` = C*₀ … C*_{N−1}).

    Rounding: one step computes d = fl(C − C*), m = fl(k·d), C' = fl(C − m); against the exact
    step from the computed C its error is at most (2ε + ε²)|k(C − C*)| + ε|C'|/(1 − ε)
    ≤ 3ε(|m| + |C'|) (ε the unit roundoff). Errors already made are carried by the exact
    step with the factor |1 − k|, so the bound r_{n+1} = (|1 − k|r_n + 3ε(|m_n| + |C_{n+1}|))
    · (1 + 4ε) holds, the last factor covering the bound's own evaluation.
    """
    c = check_real("c0", c0)
    k = check_positive("k", k)
    targets = _finite_vector("targets", targets)
    u = EPS / 2.0
    q = abs(1.0 - k)
    values = np.empty(targets.size + 1)
    rounding = np.zeros(targets.size + 1)
    values[0], r = c, 0.0
    for n, target in enumerate(targets.tolist()):  # Python floats: overflow gives inf
        m = k * (c - target)
        c = c - m
        if not math.isfinite(c):
            raise ParameterError("k", k, f"a gain whose {targets.size} steps stay finite")
        r = (q * r + 3.0 * u * (abs(m) + abs(c))) * (1.0 + 4.0 * u)
        values[n + 1], rounding[n + 1] = c, r
    return CorrectionPath(values, rounding)


def sign_changes(errors: Sequence[Any]) -> int:
    """How many consecutive pairs of a sequence of numbers (floats, Fractions) have strictly
    opposite signs: the overshoots of an error sequence."""
    values = list(errors)
    return sum(1 for a, b in itertools.pairwise(values) if a * b < 0)


def exact_errors(c0: float, k: float, c_opt: float, steps: int) -> list[Fraction]:
    """e_n = C_n − C_opt, n = 0 … ``steps``, of C_{n+1} = C_n − k(C_n − C_opt) in exact
    rational arithmetic from the float64 inputs: no rounding, so every sign and every
    comparison of |e_n| is exact (the numbers grow by ≤ 53 bits per step)."""
    c = Fraction(check_real("c0", c0))
    gain = Fraction(check_positive("k", k))
    target = Fraction(check_real("c_opt", c_opt))
    steps = check_int("steps", steps, 0, 4096)
    errors = [c - target]
    for _ in range(steps):
        c = c - gain * (c - target)
        errors.append(c - target)
    return errors


def gain_edge(kind: str, c0: float, c_opt: float, steps: int, lo: float, hi: float,
              halvings: int = 40) -> Threshold:
    """The gain where exact ``steps``-trial runs (:func:`exact_errors`) stop being monotone
    (``kind="monotone"``: no sign change of the error) or stop shrinking the error
    (``kind="stable"``: |e_N| < |e₀|), located by bisection on [lo, hi]. The runs are exact,
    so the bisection's half-width is the whole tolerance."""
    if kind not in ("monotone", "stable"):
        raise ParameterError("kind", kind, "'monotone' or 'stable'")
    lo, hi = check_positive("lo", lo), check_positive("hi", hi)
    if not lo < hi:
        raise ParameterError("lo, hi", (lo, hi), "a bracket with lo < hi")

    def below(gain: float) -> bool:
        e = exact_errors(c0, gain, c_opt, steps)
        return sign_changes(e) == 0 if kind == "monotone" else abs(e[-1]) < abs(e[0])

    return bisect_threshold(below, lo, hi, halvings)


def noisy_moments(k: float, e0: float, sigma: float, n: int) -> tuple[float, float]:
    """Exact E[e_n] and E[e_n²] of e_{n+1} = (1 − k)e_n + σξ_n, e₀ fixed, ξ_n ~ N(0, 1):
    E e_n = (1 − k)ⁿe₀, E e_n² = (E e_n)² + σ²Σ_{j<n}(1 − k)^{2j} (the sum taken term by
    term, so k = 2, where the closed form σ²(1 − q^{2n})/(1 − q²) is 0/0, is covered)."""
    k = check_positive("k", k)
    e0 = check_real("e0", e0)
    sigma = check_real("sigma", sigma, 0.0, lo_open=False)
    n = check_int("n", n, 0)
    q = 1.0 - k
    mean = q**n * e0
    return mean, mean * mean + sigma**2 * float(np.sum(q ** (2.0 * np.arange(n))))


def noisy_correction(k: float, c0: float, c_opt: float, sigma: float,
                     record: Sequence[int]) -> Kernel:
    """Ensemble kernel of C_{n+1} = C_n − k(C_n − C_opt) + σξ_n from C₀ = ``c0``: one column
    C_n − C_opt per n in ``record`` (strictly increasing, ≥ 1), in that order."""
    k = check_positive("k", k)
    c0, c_opt = check_real("c0", c0), check_real("c_opt", c_opt)
    sigma = check_positive("sigma", sigma)
    steps = [check_int("record", int(s), 1) for s in record]
    if not steps or any(b <= a for a, b in itertools.pairwise(steps)):
        raise ParameterError("record", list(record), "a non-empty increasing list of steps ≥ 1")

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        c = xp.full(rng.n, c0, dtype=rng.dtype)
        noise = rng.normal(steps[-1])
        out = []
        for n in range(steps[-1]):
            c = c - k * (c - c_opt) + sigma * noise[:, n]
            if n + 1 in steps:
                out.append(c - c_opt)
        return xp.stack(out, axis=1)

    return kernel


def gain_decision_bias(k_lo: float, k_hi: float) -> float:
    """Bound on the probability that :func:`random_gains` misclassifies a chain in float64.

    The decisions are exact except where fl(k·e) can round to e or 2e: k within 4ε of 1 or
    of 2 (Sterbenz makes e − fl(k·e) exact for k ∈ [½, 2]). With k uniform on [k_lo, k_hi)
    (drawn on a grid (k_hi − k_lo)·2⁻⁵³) that has probability ≤ 2·(4ε + ε)/(k_hi − k_lo).
    """
    k_lo = check_positive("k_lo", k_lo)
    k_hi = check_real("k_hi", k_hi, k_lo)
    return 10.0 * EPS / (k_hi - k_lo)


def random_gains(k_lo: float, k_hi: float, steps: int) -> Kernel:
    """Ensemble kernel: noiseless chains with gain k ~ U[k_lo, k_hi) and initial error
    e₀ ~ N(0, 1), iterated e ← e − k·e for ``steps`` steps. Columns: 1 if the error never
    changes sign (no overshoot), 1 if |e_N| < |e₀| (the error shrank); else 0.

    In exact arithmetic the first is the indicator of 1 − k ≥ 0 and the second of
    |1 − k| < 1; in float64 see :func:`gain_decision_bias`. The error form is the recursion
    with C_opt = 0 (it is translation invariant), so no rounding near C_opt can hide a sign.
    """
    k_lo = check_positive("k_lo", k_lo)
    k_hi = check_real("k_hi", k_hi, k_lo)
    steps = check_int("steps", steps, 1, 64)

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        k = k_lo + (k_hi - k_lo) * rng.uniform()
        e0 = rng.normal()
        e, flips = e0, xp.zeros(rng.n, dtype=bool_dtype(xp))
        for _ in range(steps):
            nxt = e - k * e
            flips |= (e * nxt) < 0.0
            e = nxt
        shrank = xp.abs(e) < xp.abs(e0)
        return xp.stack([astype(xp, ~flips, rng.dtype), astype(xp, shrank, rng.dtype)], axis=1)

    return kernel


# --------------------------------------------------------------------------------------
# Continuous tracking: dp/dt = −κ(p − p*(t))
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrackingSolution:
    """p at the solver's accepted times, and a bound on |p̃(t_j) − p(t_j)| valid at each."""

    t: FloatArray
    p: FloatArray
    error_bound: float
    n_steps: int
    rtol: float
    atol: float


def track(kappa: float, target: Target, p0: float, horizon: float, max_step: float = math.inf,
          rtol: float = RTOL, atol: float = ATOL, t0: float = 0.0,
          initial_error: float = 0.0) -> TrackingSolution:
    """Solve dp/dt = −κ(p − p*(t)), p(t₀) = p₀, on [t₀, horizon] with DOP853.

    Error bound: ``initial_error`` (a bound on p₀'s own error, if p₀ comes from an earlier
    solve) plus n_steps · (atol + rtol·max|p|) (:func:`dop853_error_bound`, d = 1, growth 0:
    ∂ṗ/∂p = −κ < 0 makes the flow contractive, so no error is amplified); the j-th accepted
    point carries at most j local errors, so the bound holds at every accepted point.
    """
    kappa = check_positive("kappa", kappa)
    p0 = check_real("p0", p0)
    t0 = check_real("t0", t0)
    horizon = check_real("horizon", horizon, t0)
    max_step = check_positive("max_step", max_step) if math.isfinite(max_step) else math.inf
    check_real("rtol", rtol, 100 * EPS, 1.0, lo_open=False)
    atol = check_positive("atol", atol)
    initial_error = check_real("initial_error", initial_error, 0.0, lo_open=False)
    sol = solve_ivp(lambda t, y: -kappa * (y - target(t)), (t0, horizon), [p0],
                    method="DOP853", rtol=rtol, atol=atol, max_step=max_step)
    if not sol.success:  # pragma: no cover - a linear contractive ODE with smooth forcing
        raise RuntimeError(f"solve_ivp failed: {sol.message}")
    p: FloatArray = sol.y[0]
    n_steps = p.size - 1
    bound = initial_error + dop853_error_bound(n_steps, 1, rtol, atol, float(np.max(np.abs(p))))
    return TrackingSolution(np.asarray(sol.t), p, bound, n_steps, rtol, atol)


@dataclass(frozen=True)
class Lag:
    """A measured lag behind a drifting target and a bound on its distance from the steady
    lag: ``transient`` (what is left of the start) plus ``numerical`` (ODE or rounding)."""

    value: float
    transient: float
    numerical: float

    @property
    def tolerance(self) -> float:
        return self.transient + self.numerical


def ramp_lag(kappa: float, v: float, p0: float, horizon: float, rtol: float = RTOL,
             atol: float = ATOL) -> Lag:
    """The lag d(T) = vT − p(T) of dp/dt = −κ(p − vt) at T = ``horizon``.

    d obeys ḋ = v − κd, so d(t) − d_∞ = (d(0) − d_∞)e^{−κt}; eliminating the unknown d_∞
    with d(0) and d(T) gives |d(T) − d_∞| = |d(T) − d(0)|·ρ/(1 − ρ), ρ = e^{−κT}: a transient
    bound from measured values alone (with the ODE error E added to |d(T) − d(0)|).
    Numerical part: E plus the rounding of vT − p(T).
    """
    v = check_real("v", v)
    sol = track(kappa, lambda t: v * t, p0, horizon, rtol=rtol, atol=atol)
    d = v * sol.t[-1] - sol.p[-1]
    rho = math.exp(-kappa * sol.t[-1])
    err = sol.error_bound
    transient = (abs(d + p0) + err) * rho / (1.0 - rho)
    return Lag(float(d), transient, err + EPS * (abs(v * sol.t[-1]) + abs(sol.p[-1])))


def drifting_lag(k: float, v_step: float, c0: float, steps: int) -> Lag:
    """The lag d_N = C*_N − C_N of C_{n+1} = C_n − k(C_n − C*_n) behind C*_n = v·n.

    d obeys d_{n+1} = (1 − k)d_n + v (the step uses the target of its own time), so
    d_N − d_∞ = (1 − k)(d_{N−1} − d_∞) and d_N − d_{N−1} = −k(d_{N−1} − d_∞):
    |d_N − d_∞| = |1 − k|·|d_N − d_{N−1}|/k, from measured values (plus their rounding).
    Numerical part: the path's rounding bound, the targets' own rounding (ε|C*| each, entering
    every step with weight k and carried by |1 − k|, and once more in d_N) and that of the
    subtraction.
    """
    k = check_positive("k", k)
    v = check_real("v_step", v_step)
    steps = check_int("steps", steps, 2)
    if k >= 2.0:
        raise ParameterError("k", k, "in (0, 2): the lag has no limit otherwise")
    targets = v * np.arange(steps + 1, dtype=np.float64)
    path = correct(c0, k, targets[:-1])
    lag = targets - path.values
    q = abs(1.0 - k)
    u = EPS / 2.0
    inputs = u * float(np.max(np.abs(targets))) * (1.0 + k / (1.0 - q))
    numerical = path.rounding[-1] + inputs + u * abs(float(lag[-1]))
    step_diff = abs(float(lag[-1] - lag[-2])) + 2.0 * numerical
    return Lag(float(lag[-1]), q * step_diff / k, numerical)


@dataclass(frozen=True)
class SinusoidFit:
    """The steady response R·sin(ωt − φ) to p* = A sin ωt, fitted after the transient, with
    bounds on the errors of the amplitude ratio R/A and of the phase lag φ."""

    ratio: float
    phase_lag: float
    ratio_error: float
    phase_error: float
    transient: float
    ode_error: float
    samples: int


def sinusoid_response(kappa: float, amplitude: float, omega: float, p0: float = 0.0,
                      settle: float = 30.0, periods: int = 3, per_period: int = 16,
                      rtol: float = RTOL, atol: float = ATOL) -> SinusoidFit:
    """Fit a·sin ωt + b·cos ωt to the solve_ivp solution of dp/dt = −κ(p − A sin ωt) at its
    accepted points in [t_s, t_s + periods·2π/ω], t_s = settle/κ (max step 2π/(ω·per_period)
    there; the run to t_s is a separate solve whose error bound is carried over).

    Error of every sample against the steady periodic solution p_ss: δ = E + (|p₀| + A)e^{−κt_s}.
    The second term: p − p_ss solves the homogeneous equation, so it decays as e^{−κt} from
    p₀ − p_ss(0), and |p_ss| ≤ A (at a maximum of p_ss, ṗ_ss = 0 forces p_ss = p*). Least
    squares maps sample errors to the coefficients c = (a, b) with ‖δc‖ ≤ √m·δ/σ_min(X);
    rounding of the fit adds 4mε·cond(X)(‖c‖ + ‖p‖/σ_min). Then |ΔR| ≤ ‖δc‖ and the angle
    of c moves by at most arcsin(‖δc‖/(‖c‖ − ‖δc‖)).
    """
    kappa = check_positive("kappa", kappa)
    amplitude = check_positive("amplitude", amplitude)
    omega = check_positive("omega", omega)
    settle = check_positive("settle", settle)
    periods = check_int("periods", periods, 1)
    per_period = check_int("per_period", per_period, 4)
    period = 2.0 * math.pi / omega
    t_s = settle / kappa
    def target(t: float) -> float:
        return amplitude * math.sin(omega * t)

    settled = track(kappa, target, p0, t_s, rtol=rtol, atol=atol)
    sol = track(kappa, target, float(settled.p[-1]), t_s + periods * period,
                max_step=period / per_period, rtol=rtol, atol=atol, t0=t_s,
                initial_error=settled.error_bound)
    t, p = sol.t, sol.p
    X = np.stack([np.sin(omega * t), np.cos(omega * t)], axis=1)
    c, *_ = np.linalg.lstsq(X, p, rcond=None)
    sv = np.linalg.svd(X, compute_uv=False)
    m = t.size
    transient = (abs(p0) + amplitude) * math.exp(-kappa * t_s)
    delta = sol.error_bound + transient
    norm_c = float(np.linalg.norm(c))
    rounding = 4.0 * m * EPS * (sv[0] / sv[-1]) * (norm_c + float(np.linalg.norm(p)) / sv[-1])
    dc = math.sqrt(m) * delta / sv[-1] + rounding
    phase_err = math.asin(min(1.0, dc / (norm_c - dc))) if norm_c > 2.0 * dc else math.pi
    return SinusoidFit(norm_c / amplitude, math.atan2(-c[1], c[0]), dc / amplitude,
                       phase_err, transient, sol.error_bound, m)


@dataclass(frozen=True)
class Crossing:
    """When a tracker that starts ahead of a drifting target falls behind it (lag = 0)."""

    value: float
    tolerance: float
    ode_error: float
    halvings: int


def lead_time(kappa: float, v: float, p0: float, lo: float, hi: float,
              halvings: int = 36) -> Crossing:
    """Bisection on t ∈ [lo, hi] of the sign of the lag d(t) = vt − p(t) of
    dp/dt = −κ(p − vt), one solve_ivp run to each t (no interpolant).

    Tolerance: the bisection's half-width plus E/(v − κE), E the largest ODE bound of the
    runs: d has slope ḋ = v − κd, at least v − κE where |d| ≤ E, so a sign read wrongly
    because of the ODE error misplaces the crossing by at most that much.
    """
    kappa = check_positive("kappa", kappa)
    v = check_positive("v", v)
    bounds: list[float] = []

    def ahead(t: float) -> bool:
        sol = track(kappa, lambda u: v * u, p0, t)
        bounds.append(sol.error_bound)
        return bool(v * t - sol.p[-1] < 0.0)

    found = bisect_threshold(ahead, lo, hi, halvings)
    worst = max(bounds)
    if kappa * worst >= v:  # pragma: no cover - the ODE bound is ~1e-10
        raise ParameterError("kappa", kappa, f"small enough that κE < v (E = {worst:g})")
    return Crossing(found.value, found.tolerance + worst / (v - kappa * worst), worst,
                    found.halvings)
