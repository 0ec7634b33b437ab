"""A learning-rate controller in closed loop with gradient descent (claim G5), and the tools
to judge a discrete-time loop: its linearisation's certified basin and its noise covariance.

**Plant.** GD on f(θ) = λθ²/2 with rate η_t. The measured output is the gradient-norm
ratio y_t = |g_{t+1}|/|g_t| = |1 − η_tλ|, exact on a quadratic. In the normalised log-rate
x = log(ηλ) the plant is y = |1 − eˣ| (:func:`gradient_ratio`), the same for every λ.

**Controller.** PI in velocity form on log η (:func:`pi_velocity`),

    log η_{t+1} = log η_t + K_p (e_t − e_{t−1}) + K_i e_t,    e_t = y_t − y*,

with the target ratio y* ∈ (0, 1) (the contraction per step one asks for). As x = log η +
log λ, the same law moves x. The loop's state is s_t = (x_t, e_{t−1}): the rate and the
error the controller remembers (:func:`loop_step`, :func:`run_loop`).

**Judging the loop.** Near an equilibrium s* the loop is s ↦ A(s − s*) + r(s − s*) with
|r(d)| ≤ c(R)|d|² for |d| ≤ R. :func:`quadratic_certificate` turns that into a certified
basin: with V(d) = dᵀPd, AᵀPA − P = −I (P > 0 iff ρ(A) < 1),

    V(F(d)) − V(d) ≤ −|d|²(1 − 2‖PA‖c(R)R − ‖P‖c(R)²R²) ≤ −|d|²/2    for |d| ≤ R,

once R solves 2‖PA‖cR + ‖P‖c²R² ≤ ½. The sublevel set {V ≤ λ_min(P)R²} lies in that
ball, so it is invariant, V falls by the factor 1 − 1/(2λ_max(P)) per step inside it, and
every start with |d₀| ≤ R√(λ_min/λ_max) converges. :func:`covariance_path` and
:func:`lyapunov_error_bound` give the covariance of the loop driven by noise and the
a-posteriori error of a discrete Lyapunov solve.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import sympy as sp
from numpy.typing import NDArray
from scipy.linalg import solve_discrete_lyapunov
from scipy.special import gammaln

from lrtheory.arrays import namespace
from lrtheory.errors import ParameterError, check_int, check_positive, check_real
from lrtheory.models.linear_rate import departure_from_normality, henrici_upper
from lrtheory.models.rounding import EPS
from lrtheory.montecarlo.runner import ChunkRNG, Kernel

FloatArray = NDArray[np.float64]
Plant = Callable[[Any], Any]
"""The measured output y as a function of the loop variable x (arrays or SymPy)."""


def gradient_ratio(x: Any) -> Any:
    """y = |1 − eˣ|, the gradient-norm ratio |g_{t+1}|/|g_t| of a GD step with ηλ = eˣ on a
    quadratic (elementwise; SymPy expressions give ``Abs(1 - exp(x))``)."""
    if isinstance(x, sp.Basic):
        return sp.Abs(1 - sp.exp(x))
    xp = namespace(x)
    return xp.abs(-xp.expm1(x))


def pi_velocity(u: Any, error: Any, previous_error: Any, kp: Any, ki: Any) -> Any:
    """One step of the PI law in velocity form: u + K_p(e_t − e_{t−1}) + K_i e_t.

    ``u`` is the controlled variable (log η here); pure arithmetic, so it runs on arrays
    and on SymPy symbols alike."""
    return u + kp * (error - previous_error) + ki * error


def loop_step(x: Any, previous_error: Any, kp: Any, ki: Any, target: Any,
              plant: Plant = gradient_ratio, noise: Any = 0.0) -> tuple[Any, Any]:
    """One step of the closed loop: measure e_t = plant(x_t) + noise − y*, apply
    :func:`pi_velocity`; returns the new state (x_{t+1}, e_t)."""
    error = plant(x) + noise - target
    return pi_velocity(x, error, previous_error, kp, ki), error


def _gains(kp: Any, ki: Any, target: float) -> float:
    for name, value in (("kp", kp), ("ki", ki)):
        arr = np.asarray(value, dtype=np.float64)
        if not np.all(np.isfinite(arr)):
            raise ParameterError(name, value, "finite")
    return check_real("target", target, 0.0, 1.0)


class LoopPath(NamedTuple):
    """States s_t = (x_t, e_{t−1}) of a run, t = 0 … T: arrays of shape (T + 1, *batch)."""

    x: FloatArray
    e: FloatArray


def run_loop(x0: Any, kp: Any, ki: Any, target: float, steps: int,
             previous_error: Any = None, plant: Plant = gradient_ratio, *,
             record: bool = True) -> LoopPath:
    """The noiseless loop for T steps, vectorised over any batch shape of x0, e_{−1} and the
    gains (``record=False``: only the final state, as a path of length 1).

    ``previous_error`` is e_{−1}; by default the loop starts at rest, e_{−1} = e_0 (no
    proportional kick on the first step). A run that leaves the floats (GD diverging, so
    eˣ overflowing) shows as inf/nan from that step on."""
    target = _gains(kp, ki, target)
    check_int("steps", steps, 0)
    x = np.asarray(x0, dtype=np.float64)
    e_prev = plant(x) - target if previous_error is None else previous_error
    xs, es = [x], [e_prev]
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            x, e_prev = loop_step(x, e_prev, kp, ki, target, plant)
            if record:
                xs.append(x)
                es.append(e_prev)
    if not record:
        xs, es = [x], [e_prev]
    return LoopPath(np.stack(np.broadcast_arrays(*xs)), np.stack(np.broadcast_arrays(*es)))


def linear_plant(gain: float, x_star: float, target: float) -> Plant:
    """The plant linearised at an equilibrium: y ≈ y* + k(x − x*)."""
    return lambda x: target + gain * (x - x_star)


# --------------------------------------------------------------------------------------
# certified basin of a linearised loop
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Certificate:
    """A quadratic Lyapunov certificate V(d) = dᵀPd around an equilibrium.

    ``radius``: the ball |d| ≤ R where V falls by ≥ |d|²/2 per step; ``start_radius``:
    R√(λ_min/λ_max), every start within it converges; ``decay``: 1 − 1/(2λ_max(P)), the
    factor by which V falls per step inside the invariant set."""

    P: FloatArray
    radius: float
    start_radius: float
    decay: float

    @property
    def condition(self) -> float:
        """√(λ_max(P)/λ_min(P)): how much |d| can grow while V falls."""
        w = np.linalg.eigvalsh(self.P)
        return float(math.sqrt(w[-1] / w[0]))

    def bound(self, start: float, steps: int) -> float:
        """max |d_T| over starts with |d_0| ≤ ``start`` (≤ start_radius), after ``steps``."""
        if not 0.0 <= start <= self.start_radius:
            raise ParameterError("start", start, f"in [0, {self.start_radius:.6g}]")
        return float(start * self.condition * self.decay ** (check_int("steps", steps, 0) / 2))

    def bound_along(self, distances: Any) -> tuple[float, int]:
        """The bound on |d_T| for runs whose largest |d_t| is ``distances[t]``, t = 0 … T:
        from the first t₀ inside the start ball, (bound, t₀); (0.0, T) if never inside."""
        dist = np.asarray(distances, dtype=np.float64)
        inside = np.flatnonzero(dist <= self.start_radius)
        if inside.size == 0:
            return 0.0, dist.size - 1
        t0 = int(inside[0])
        return self.bound(float(dist[t0]), dist.size - 1 - t0), t0

    def carried(self, step_error: float) -> float:
        """Largest |d| an error ≤ ``step_error`` per step (rounding) can build up inside the
        invariant set: the V-norm contracts by √decay per step, so Σ_k √decay^k ·
        condition · step_error."""
        return float(step_error * self.condition / (1.0 - math.sqrt(self.decay)))


def quadratic_certificate(A: Any, remainder: Callable[[float], float],
                          r_max: float) -> Certificate:
    """Certify the basin of d ↦ Ad + r(d) with |r(d)| ≤ remainder(R)·|d|² for |d| ≤ R ≤ r_max
    (``remainder`` non-decreasing in R). Needs ρ(A) < 1 (module docstring)."""
    a = np.asarray(A, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or not np.all(np.isfinite(a)):
        raise ParameterError("A", np.shape(A), "a finite square matrix")
    if float(np.max(np.abs(np.linalg.eigvals(a)))) >= 1.0:
        raise ParameterError("A", "a matrix with spectral radius ≥ 1", "Schur stable")
    r_max = check_positive("r_max", r_max)
    P = solve_discrete_lyapunov(a.T, np.eye(a.shape[0]))
    P = (P + P.T) / 2.0
    w = np.linalg.eigvalsh(P)
    pa, pn = float(np.linalg.norm(P @ a, 2)), float(w[-1])

    def excess(R: float) -> float:
        c = remainder(R)
        return 2.0 * pa * c * R + pn * c * c * R * R - 0.5

    lo, hi = 0.0, r_max
    if excess(hi) > 0.0:
        for _ in range(200):  # bisection to the float grid: excess(lo) ≤ 0 kept
            mid = 0.5 * (lo + hi)
            if mid in (lo, hi):
                break
            lo, hi = (mid, hi) if excess(mid) <= 0.0 else (lo, mid)
    else:
        lo = hi
    return Certificate(P, lo, lo * math.sqrt(float(w[0]) / pn), 1.0 - 1.0 / (2.0 * pn))


# --------------------------------------------------------------------------------------
# covariance of a linear loop driven by noise
# --------------------------------------------------------------------------------------


def covariance_path(A: Any, Q: Any, steps: int, sigma0: Any = None) -> FloatArray:
    """Σ_T of Σ_{t+1} = AΣ_tAᵀ + Q from Σ_0 (default 0), in float64: the exact covariance
    after T steps of s ← As + w, w ~ N(0, Q)."""
    a, q = np.asarray(A, dtype=np.float64), np.asarray(Q, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or q.shape != a.shape:
        raise ParameterError("A, Q", (np.shape(A), np.shape(Q)), "square matrices of one size")
    check_int("steps", steps, 0)
    sigma = np.zeros_like(a) if sigma0 is None else np.asarray(sigma0, dtype=np.float64)
    for _ in range(steps):
        sigma = a @ sigma @ a.T + q
        sigma = (sigma + sigma.T) / 2.0
    return np.asarray(sigma)


def lyapunov_error_bound(A: Any, Q: Any, sigma: Any) -> float:
    """Frobenius bound on Σ̂ − Σ for a computed solution of Σ = AΣAᵀ + Q, any square A with
    ρ(A) < 1: the error solves E − AEAᵀ = −R, so ‖E‖_F ≤ ‖R‖_F/σ_min(I − A⊗A), plus the
    residual's own rounding (2d + 3)ε(‖A‖_F²‖Σ̂‖_F + ‖Q‖_F + ‖Σ̂‖_F)."""
    a, q, s = (np.asarray(m, dtype=np.float64) for m in (A, Q, sigma))
    d = a.shape[0]
    op = np.eye(d * d) - np.kron(a, a)
    gap = float(np.linalg.svd(op, compute_uv=False)[-1])
    if gap <= 0.0:
        raise ParameterError("A", "a matrix with μ_iμ_j = 1", "ρ(A) < 1")
    residual = float(np.linalg.norm(a @ s @ a.T + q - s))
    rounding = (2 * d + 3) * EPS * (np.linalg.norm(a) ** 2 * np.linalg.norm(s)
                                    + np.linalg.norm(q) + np.linalg.norm(s))
    return float((residual + rounding) / gap)


def measured_rate_rounding(matrix: Any, steps: int, flops_bound: float) -> float:
    """Absolute float64 rounding bound on r_T = ‖M^T‖^{1/T} measured by iterating a k×k linear
    step (:func:`lrtheory.models.linear_rate.measured_rate`).

    Each step commits an error ‖f_t‖ ≤ β‖s_t‖, β = ``flops_bound`` (ε times the sum of the
    magnitudes the step adds up, per unit state). Carried forward, the T-step error of each
    basis column is ≤ β Σ_j h(T−1−j)h(j) to first order, where h(m) = Σ_{i<k} C(m, i)
    ρ^{m−i}ν^i ≥ ‖A^m‖₂ (Henrici), while ‖M^T‖₂ ≥ ρ^T. So ‖M^T‖ is off by the relative δ =
    √k β Σ_j h(T−1−j)h(j)/ρ^T, plus 2ε per renormalisation (every 20 steps), and r_T by
    r_T(δ/T + 8ε) (the T-th root divides a relative error by T; 8ε for the norm, log, exp),
    with r_T at most Henrici's upper bound. A nilpotent 2×2 step (ρ = 0, A² = 0, a deadbeat
    loop) is a special case: a computed pair of steps is A E + E A + E² with ‖E‖ ≤ β, so
    r_T ≤ √(2β‖A‖ + β²)·max(1, ‖A‖ + β)^{1/T}.
    """
    a = np.asarray(matrix, dtype=np.float64)
    steps = check_int("steps", steps, 1)
    rho = float(np.max(np.abs(np.linalg.eigvals(a))))
    k = a.shape[0]
    if rho <= 0.0:
        if k != 2:
            raise ParameterError("matrix", "a nilpotent matrix larger than 2×2",
                                 "spectral radius > 0, or 2×2")
        size = float(np.linalg.norm(a, 2))
        pair = 2.0 * flops_bound * size + flops_bound**2
        return float(math.sqrt(pair) * max(1.0, size + flops_bound) ** (1.0 / steps)
                     * (1.0 + 8.0 * EPS))
    nu = float(departure_from_normality(a))
    m = np.arange(steps, dtype=np.float64)
    log_h = np.full(steps, -np.inf)
    for i in range(min(k, steps)):
        if i > 0 and nu == 0.0:
            continue
        log_binom = gammaln(m + 1) - gammaln(i + 1) - gammaln(np.maximum(m - i + 1, 1))
        term = np.where(m >= i, log_binom + (m - i) * math.log(rho) + i * _log(nu), -np.inf)
        log_h = np.logaddexp(log_h, term)
    log_sum = float(np.logaddexp.reduce(log_h[::-1] + log_h))  # Σ_j h(T−1−j) h(j)
    delta = math.sqrt(k) * flops_bound * math.exp(log_sum - steps * math.log(rho))
    delta += 2.0 * EPS * (steps // 20 + 1)
    return float(henrici_upper(rho, nu, k, steps) * (delta / steps + 8.0 * EPS))


def _log(x: float) -> float:
    return math.log(x) if x > 0 else 0.0


# --------------------------------------------------------------------------------------
# Monte Carlo kernels (vectorised over chains, any array backend)
# --------------------------------------------------------------------------------------


def noisy_loop(kp: float, ki: float, target: float, noise_sd: float, steps: int,
               x0: float, plant: Plant = gradient_ratio, average_from: int | None = None) -> Kernel:
    """The loop with noisy measurements y_t + σξ_t, ξ_t ~ N(0, 1), from x_0 with a previous
    measurement e_{−1} = plant(x_0) − y* + σξ_{−1}. Each chain returns the mean of
    (x_t − x_0)² over t = ``average_from`` … T (default: T alone), whose expectation is the
    average of the exact variances when x_0 is an equilibrium."""
    target = _gains(kp, ki, target)
    noise_sd = check_positive("noise_sd", noise_sd)
    steps = check_int("steps", steps, 1)
    first = steps if average_from is None else check_int("average_from", average_from, 1, steps)

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        x = xp.full(rng.n, x0, dtype=rng.dtype)
        e_prev = plant(x) - target + noise_sd * rng.normal()
        total = xp.zeros(rng.n, dtype=rng.dtype)
        for t in range(1, steps + 1):
            x, e_prev = loop_step(x, e_prev, kp, ki, target, plant, noise_sd * rng.normal())
            if t >= first:
                total += (x - x0) ** 2
        return total / (steps - first + 1)

    return kernel


def rest_starts(kp: float, ki: float, target: float, x_range: tuple[float, float],
                centre: float, steps: int, tol: float, plant: Plant = gradient_ratio) -> Kernel:
    """Starts at rest (e_{−1} = e_0) with x_0 uniform on ``x_range`` — e.g. a fixed η₀ and a
    curvature λ log-uniform, x_0 = log(η₀λ); each chain returns 1.0 if |x_T − centre| ≤
    ``tol`` after ``steps`` of the noiseless loop, else 0.0 (a run that blew up included)."""
    target = _gains(kp, ki, target)
    lo, hi = (check_real("x_range", v) for v in x_range)
    if not lo < hi:
        raise ParameterError("x_range", x_range, "an interval (lo, hi) with lo < hi")
    check_positive("tol", tol)
    check_int("steps", steps, 0)

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        x = lo + (hi - lo) * rng.uniform()
        e_prev = plant(x) - target
        for _ in range(steps):
            x, e_prev = loop_step(x, e_prev, kp, ki, target, plant)
        return (xp.abs(x - centre) <= tol).astype(rng.dtype)

    return kernel
