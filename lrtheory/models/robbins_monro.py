"""Power-law rates η_t = c·t^(−p) on the noisy quadratic: rates, exact products, bounds, and
a Monte Carlo kernel that runs several schedules on common random numbers.

Per eigen-direction the error of SGD obeys e_{t+1} = f_t e_t − η_tξ_t with f_t = 1 − λη_t, so
m_t = E[e_t²] solves m_{t+1} = f_t² m_t + η_t²s² (:func:`lrtheory.models.nqm.sgd_second_moments`)
and, unrolled,

    m_T = P_T² m₀ + s² Σ_{k=1}^{T} η_k² ∏_{t=k+1}^{T} f_t²,    P_T = ∏_{t=1}^{T} f_t.

* :func:`power_law_rates`: η_t = c·t^(−p) for t = 1…T, several p side by side;
* :func:`harmonic_product`: P_T for η_t = c/t, = Γ(T + 1 − a)/(Γ(1 − a)Γ(T + 1)) with a = λc,
  from log-Gamma (no T-fold product), and :func:`product_rounding`, the rounding bound of the
  T-fold product that the recursion forms instead;
* :func:`euler_product` (with :func:`euler_product_rounding`) and :func:`euler_tail_bound`:
  for η_t = c/t², P_∞ = sin(π√a)/(π√a) and a bound on |log(P_T/P_∞)|;
* :func:`stall_bracket`: for η_t = c/t², the exact bracket
  P_T²m₀ + c²s²Q_T Z_T ≤ m_T ≤ P_T²m₀ + c²s²Z_T with Z_T = Σ_{k≤T} k⁻⁴ and
  Q_T = ∏_{t=2}^{T}(1 − a/t²)² (valid for 0 < a < 4, where every factor with t ≥ 2 is in
  (0, 1]);
* :func:`power_law_moments`: m_t of many (p, λc) in one batched recursion;
* :func:`loglog_slope`: the measured exponent log(m_{t₂}/m_{t₁})/log(t₂/t₁);
* :func:`common_noise_sgd`: the Monte Carlo kernel.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.special import gammaln, gammasgn

from lrtheory.errors import (
    MAX_STEPS,
    ParameterError,
    check_int,
    check_positive,
    check_real,
    finite_result,
    float_array,
)
from lrtheory.models.nqm import sgd_second_moments
from lrtheory.models.rounding import EPS
from lrtheory.montecarlo.runner import ChunkRNG, Kernel

FloatArray = NDArray[np.float64]


def power_law_rates(c: float, powers: Sequence[float], steps: int) -> FloatArray:
    """η_t = c·t^(−p) for t = 1…T (the first step uses η₁ = c): shape (T, len(powers))."""
    c = check_positive("c", c)
    check_int("steps", steps, 1, MAX_STEPS)
    if not powers:
        raise ParameterError("powers", powers, "at least one exponent p ≥ 0")
    p = np.array([check_real(f"powers[{i}]", v, 0.0, lo_open=False)
                  for i, v in enumerate(powers)])
    t = np.arange(1, steps + 1, dtype=np.float64)[:, None]
    return np.asarray(c * t ** (-p))


def _a(a: float) -> float:
    return check_real("a", a, 0.0, lo_open=True)


@finite_result
def harmonic_product(a: float, steps: int) -> float:
    """P_T = ∏_{t=1}^{T}(1 − a/t) = Γ(T + 1 − a)/(Γ(1 − a)Γ(T + 1)); 0 when a is an integer
    ≤ T (the factor at t = a vanishes)."""
    a = _a(a)
    check_int("steps", steps, 1, MAX_STEPS)
    if a == round(a) and a <= steps:
        return 0.0
    sign = float(gammasgn(steps + 1 - a) / gammasgn(1 - a))
    return sign * math.exp(float(gammaln(steps + 1 - a) - gammaln(1 - a) - gammaln(steps + 1)))


@finite_result
def harmonic_product_rounding(a: float, steps: int) -> float:
    """Relative error of :func:`harmonic_product`: exp of a sum of three log-Gammas, each
    with a relative error of a few ε, so ≤ 4ε·(|lnΓ(T+1−a)| + |lnΓ(1−a)| + |lnΓ(T+1)|) + 2ε."""
    a = _a(a)
    steps = check_int("steps", steps, 1, MAX_STEPS)
    terms = abs(gammaln(steps + 1 - a)) + abs(gammaln(1 - a)) + abs(gammaln(steps + 1))
    return float(4 * EPS * terms + 2 * EPS)


def product_rounding(eta_lam: Any) -> float:
    """Relative rounding bound of ∏_t (1 − η_tλ)² formed step by step in float64, with η_t
    itself rounded (≤ 2ε relative, from c·t^(−p)): per step the factor 1 − η_tλ is off by
    ≤ ε(1 + 3η_tλ)/|1 − η_tλ| relative, squaring doubles it, and the product adds ε:
    Σ_t [2ε(1 + 3η_tλ)/|1 − η_tλ| + 3ε], to first order (the sum is ≪ 1 here). A factor
    that is exactly 0 (η_tλ = 1 in float64) wipes out what came before it and is skipped."""
    u = float_array("eta_lam", eta_lam)
    if u.ndim != 1 or not np.all(np.isfinite(u)):
        raise ParameterError("eta_lam", eta_lam, "a finite 1-D array of η_tλ")
    u = u[u != 1.0]
    return float(np.sum(2 * EPS * (1 + 3 * u) / np.abs(1 - u) + 3 * EPS))


def euler_product(a: float) -> float:
    """P_∞ = ∏_{t≥1}(1 − a/t²) = sin(π√a)/(π√a) (Euler's product for the sine)."""
    r = math.sqrt(_a(a))
    return math.sin(math.pi * r) / (math.pi * r)


def euler_product_rounding(a: float) -> float:
    """Absolute error of :func:`euler_product` in float64: the argument π√a is off by
    ≤ 2ε·π√a, sin adds ε, the quotient ε relative: ≤ 2ε(1 + 1/(π√a)) + ε·|P_∞|."""
    r = math.pi * math.sqrt(_a(a))
    return 2 * EPS * (1 + 1 / r) + EPS * abs(math.sin(r) / r)


def euler_tail_bound(a: float, steps: int) -> float:
    """A bound on |log(P_T/P_∞)| = |Σ_{t>T} log(1 − a/t²)|: with x = a/t² ≤ a/(T+1)² < 1,
    −log(1 − x) ≤ x/(1 − x), and Σ_{t>T} t⁻² ≤ 1/T, so the tail is ≤ a/(T(1 − a/(T+1)²))."""
    a = _a(a)
    check_int("steps", steps, 1, MAX_STEPS)
    x_max = a / (steps + 1) ** 2
    if x_max >= 1:
        raise ParameterError("steps", steps, f"with (T + 1)² > a = {a}")
    return a / (steps * (1 - x_max))


@finite_result
def stall_bracket(a: float, c: float, noise_var: float, m0: float,
                  steps: int) -> tuple[float, float]:
    """(lo, hi) with lo ≤ m_T ≤ hi for η_t = c/t², a = λc ∈ (0, 4) (module docstring)."""
    a = check_real("a", a, 0.0, 4.0)
    c, m0 = check_positive("c", c), check_real("m0", m0, 0.0, lo_open=False)
    noise_var = check_real("noise_var", noise_var, 0.0, lo_open=False)
    check_int("steps", steps, 1, MAX_STEPS)
    t = np.arange(1, steps + 1, dtype=np.float64)
    f = 1.0 - a / t**2
    p_t2 = float(np.prod(f)) ** 2
    q_t = float(np.prod(f[1:] ** 2))
    z_t = float(np.sum(t ** -4.0))
    noise = c**2 * noise_var * z_t
    return p_t2 * m0 + q_t * noise, p_t2 * m0 + noise


def power_law_moments(lam: float, noise_var: float, m0: float,
                      pairs: Sequence[tuple[float, float]],
                      steps: int) -> tuple[dict[tuple[float, float], int], FloatArray]:
    """E[e_t²], t = 0…T, for every (p, a = λc) in ``pairs``, in one batched recursion of
    :func:`lrtheory.models.nqm.sgd_second_moments`: returns (column of each pair, paths of
    shape (T + 1, len(pairs), 2)), the last axis noisy (s² = ``noise_var``) and noiseless."""
    lam = check_positive("lam", lam)
    if not pairs:
        raise ParameterError("pairs", pairs, "at least one (p, λc)")
    for p, a in pairs:
        if not (math.isfinite(p) and p >= 0 and math.isfinite(a) and a > 0):
            raise ParameterError("pairs", pairs, "pairs (p ≥ 0, λc > 0), all finite")
    noise_var = check_real("noise_var", noise_var, 0.0, lo_open=False)
    m0 = check_real("m0", m0, 0.0, lo_open=False)
    rates = np.hstack([power_law_rates(a / lam, [p], steps) for p, a in pairs])
    paths = sgd_second_moments([lam, lam], [noise_var, 0.0], rates, m0)
    return {pair: i for i, pair in enumerate(pairs)}, paths


def loglog_slope(values: Any, t1: int, t2: int) -> float:
    """log(m_{t₂}/m_{t₁})/log(t₂/t₁): the measured power-law exponent between two steps."""
    m = float_array("values", values)
    check_int("t1", t1, 1)
    check_int("t2", t2, t1 + 1, m.shape[0] - 1)
    if m[t1] <= 0 or m[t2] <= 0:
        raise ParameterError("values", (m[t1], m[t2]), "positive at both steps")
    return float(math.log(m[t2] / m[t1]) / math.log(t2 / t1))


def common_noise_sgd(curvature: float, noise_sd: float, rates: Any, record: Sequence[int],
                     x0: float = 1.0) -> Kernel:
    """SGD on ½λe² under S schedules side by side, driven by the *same* noise:

        e_{t+1}^{(s)} = (1 − η_t^{(s)}λ)e_t^{(s)} − η_t^{(s)}·sd·ξ_t,   ξ_t ~ N(0, 1),

    from e₀ = x0, with ``rates`` of shape (T, S). Each schedule's chain has exactly its own
    law (the noise it sees is N(0, sd²) and independent over steps); sharing ξ only
    correlates the S columns, which are tested one by one, and costs one normal per step
    instead of S. Returns e_t² at the steps in ``record``: shape (n, S·R), column s·R + r
    for schedule s and recorded step r; its mean is m_t of ``sgd_second_moments``."""
    lam = check_positive("curvature", curvature)
    sd = check_real("noise_sd", noise_sd, 0.0, lo_open=False)
    x0 = check_real("x0", x0)
    eta = float_array("rates", rates)
    if eta.ndim != 2 or eta.shape[0] < 1 or not np.all(np.isfinite(eta)) or np.any(eta < 0):
        raise ParameterError("rates", rates, "a (T, S) array of finite rates ≥ 0")
    steps = [check_int(f"record[{i}]", k, 0, eta.shape[0]) for i, k in enumerate(record)]
    if not steps:
        raise ParameterError("record", record, "at least one step in [0, T]")
    contraction, kick = 1.0 - lam * eta, -sd * eta

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        n_sched = eta.shape[1]
        e = xp.full((rng.n, n_sched), x0, dtype=rng.dtype)
        out = xp.empty((rng.n, n_sched, len(steps)), dtype=rng.dtype)
        for t in range(eta.shape[0] + 1):
            for j, step in enumerate(steps):
                if step == t:
                    out[:, :, j] = e * e
            if t == eta.shape[0]:
                break
            xi = rng.normal(1)
            e *= xp.asarray(contraction[t], dtype=rng.dtype)
            e += xi * xp.asarray(kick[t], dtype=rng.dtype)
        return xp.reshape(out, (rng.n, -1))

    return kernel
