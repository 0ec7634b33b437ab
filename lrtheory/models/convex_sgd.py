"""The subgradient method and SGD on convex Lipschitz problems, run exactly (claim D10).

Both problems are non-smooth, convex, with subgradients bounded by G, and are run with the
update rule ``gradient_step`` and a (stochastic) subgradient at the constant rate
η = D/(G√T) of a horizon T:

* **the random-sign walk**: f(x) = ρG|x| on ℝ, x* = 0, started at x₁ = D, with the oracle
  g = G·s, P(s = sign x) = (1 + ρ)/2 (s = ±1 with probability ½ at x = 0). Then E[g | x] =
  ρG sign x ∈ ∂f(x) and ‖g‖ = G exactly. With √T a whole number the iterates stay on the
  lattice x = (D/√T)k, k₁ = √T, a birth–death chain on ℤ whose law is propagated exactly
  (:func:`walk_moments`: E|k_t|, E k_t²; :func:`walk_mean_abs_sum`: E|Σ_t k_t|, the
  averaged iterate, by the joint law of (k_t, Σ k)); :func:`walk_kernel` simulates it.
* **a worst case for the last iterate** (after Harvey, Liaw, Plan & Randhawa 2019, adapted
  to a constant step): f(x) = max_{i ≤ T+1} h_iᵀx on ℝ^T with h_i = (a₁, …, a_{i−1}, −b,
  0, …) (h_{T+1} = (a₁, …, a_T)), a_j = 1/(8(T − j + 1)), b = 1/4, started at x₁ = 0 with
  the oracle returning the h_i of smallest index among the maximisers
  (:func:`worst_case_run`). Step t returns h_t, so x_{t+1} = −ηΣ_{s≤t}h_s has positive
  coordinates η(b − a_j(t − j)) and f(x_{T+1}) = η(H_T + H_T^{(2)})/64 grows like ln T
  while x* = 0 (0 lies inside the simplex of the h_i) and f* = 0.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, NamedTuple

import numpy as np

from lrtheory.errors import (
    MAX_STEPS,
    ParameterError,
    check_int,
    check_positive,
    check_real,
    float_array,
)
from lrtheory.models.slopes import loglog_slope, slope_weights
from lrtheory.montecarlo.runner import ChunkRNG, Kernel
from lrtheory.optimizers import gradient_step


def _horizon(steps: int) -> int:
    """A horizon T whose √T is a whole number (so the walk's lattice contains x* = 0)."""
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= MAX_STEPS:
        raise ParameterError("T", steps, f"an integer in [1, {MAX_STEPS:.0e}] (the horizon, "
                             "argument steps)")
    if math.isqrt(steps) ** 2 != steps:
        raise ParameterError("T", steps, "a perfect square (√T steps of D/√T reach x* = 0; "
                             "argument steps)")
    return steps


def _rho(rho: float) -> float:
    return check_real("rho", rho, 0.0, 1.0, hi_open=False)


# --------------------------------------------------------------------------------------
# The random-sign walk: exact law
# --------------------------------------------------------------------------------------


def _down_probability(k: np.ndarray, rho: float) -> np.ndarray:
    """P(k → k − 1): (1 + ρ)/2 above 0, (1 − ρ)/2 below, ½ at 0."""
    out: np.ndarray = (1.0 + rho * np.sign(k)) / 2.0
    return out


class WalkMoments(NamedTuple):
    """Exact moments of the lattice index k_t = x_t√T/D, t = 1 … T + 1 (index t − 1)."""

    mean_abs: np.ndarray
    mean_square: np.ndarray


def walk_moments(rho: float, steps: int, extra: int = 1) -> WalkMoments:
    """E|k_t| and E k_t² for t = 1 … T + ``extra`` from k₁ = √T, by propagating the law of
    k on [k₁ − T − extra, k₁ + T + extra] (no mass can leave it): O(T²) operations."""
    rho, steps = _rho(rho), _horizon(steps)
    extra = check_int("extra", extra, 0)
    k1, n = math.isqrt(steps), steps + extra
    ks = np.arange(k1 - n, k1 + n + 1)
    down = _down_probability(ks.astype(float), rho)
    law = (ks == k1).astype(float)
    mean_abs, mean_sq = [float(k1)], [float(k1 * k1)]
    absk, sqk = np.abs(ks).astype(float), (ks * ks).astype(float)
    for _ in range(n - 1):
        new = np.zeros_like(law)
        new[:-1] += law[1:] * down[1:]
        new[1:] += law[:-1] * (1.0 - down[:-1])
        law = new
        mean_abs.append(float(law @ absk))
        mean_sq.append(float(law @ sqk))
    return WalkMoments(np.array(mean_abs), np.array(mean_sq))


def walk_mean_abs_sum(rho: float, steps: int) -> float:
    """E|Σ_{t=1}^T k_t| exactly, from the joint law of (k_t, S_t = Σ_{s≤t} k_s) on the whole
    reachable grid (|k_t − k₁| < t, S between the sums of the lowest and highest paths):
    O(T³) operations, for T ≤ 144."""
    rho, steps = _rho(rho), _horizon(steps)
    if steps > 144:
        raise ParameterError("T", steps, "at most 144, argument steps (the joint law "
                             "has O(T³) entries)")
    k1 = math.isqrt(steps)
    ks = np.arange(k1 - steps, k1 + steps + 1)  # |k − k₁| < T, and one empty row each side
    s_lo = steps * k1 - steps * (steps - 1) // 2  # the all-down path
    s_hi = steps * k1 + steps * (steps - 1) // 2  # the all-up path
    law = np.zeros((ks.size, s_hi - s_lo + 1))
    law[steps, k1 - s_lo] = 1.0  # k₁ at row T, S₁ = k₁
    down = _down_probability(ks.astype(float), rho)[:, None]
    width = law.shape[1]
    for t in range(1, steps):  # after t moves: k − k₁ ∈ {−t, −t + 2, …, t}, S a sum of t + 1
        lo, hi = steps - t, steps + t + 1  # rows lo, lo + 2, …, hi − 1 are occupied after it
        c_lo = (t + 1) * k1 - t * (t + 1) // 2 - s_lo  # the columns S can occupy after it
        c_hi = (t + 1) * k1 + t * (t + 1) // 2 - s_lo + 1
        a, b = max(0, c_lo - int(ks[hi - 1])), min(width, c_hi - int(ks[lo]))  # sources
        old = law[lo - 1: hi + 1: 2, a:b].copy()  # rows lo − 1, lo + 1, …, hi
        law[lo - 1: hi + 1: 2, a:b] = 0.0
        moved = old[1:] * down[lo + 1: hi + 1: 2] + old[:-1] * (1.0 - down[lo - 1: hi - 1: 2])
        source = np.arange(c_lo, c_hi)[None, :] - ks[lo:hi:2, None] - a  # S_{t+1} = S_t + k
        inside = (source >= 0) & (source < b - a)
        law[lo:hi:2, c_lo:c_hi] = np.where(
            inside, np.take_along_axis(moved, np.clip(source, 0, b - a - 1), axis=1), 0.0)
    s = np.abs(np.arange(s_lo, s_hi + 1)).astype(float)
    return float(np.sum(law.sum(axis=0) * s))


def walk_abs_sum_law(rho: float, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """The exact law of A_T = Σ_{t=1}^T |k_t| (T(1/T)Σ f(x_t) − f* in units of ρDG/√T): its
    support 0 … A_max and probabilities, from the joint law of (k_t, A_t) propagated over
    k ∈ [k₁ − T, k₁ + T] and A ≤ A_max = Tk₁ + T(T − 1)/2 (the all-up path): O(T³)
    operations, T ≤ 144. A_T ≥ k₁ = √T > 0, so ln A_T is finite."""
    rho, steps = _rho(rho), _horizon(steps)
    if steps > 144:
        raise ParameterError("T", steps, "at most 144, argument steps (the joint law "
                             "has O(T³) entries)")
    k1 = math.isqrt(steps)
    ks = np.arange(k1 - steps, k1 + steps + 1)
    a_max = steps * k1 + steps * (steps - 1) // 2
    law = np.zeros((ks.size, a_max + 1))
    law[steps, k1] = 1.0  # k₁ at row T, A₁ = k₁
    down = _down_probability(ks.astype(float), rho)[:, None]
    shift = np.abs(ks)
    for t in range(1, steps):  # after t moves k − k₁ ∈ {−t, −t + 2, …, t}: rows lo, lo + 2, …
        lo, hi = steps - t, steps + t + 1
        width = t * k1 + t * (t - 1) // 2 + 1  # A_t ≤ the all-up path's: columns < width
        old = law[lo - 1: hi + 1: 2, :width].copy()  # rows lo − 1, lo + 1, …, hi
        law[lo - 1: hi + 1: 2, :width] = 0.0
        moved = old[1:] * down[lo + 1: hi + 1: 2] + old[:-1] * (1.0 - down[lo - 1: hi - 1: 2])
        for j, row in enumerate(range(lo, hi, 2)):  # A_{t+1} = A_t + |k_{t+1}|
            law[row, shift[row]: shift[row] + width] = moved[j]
    probs = law.sum(axis=0)
    return np.arange(a_max + 1, dtype=float), probs


def walk_mean_log_abs_sum(rho: float, steps: int) -> float:
    """E ln Σ_{t=1}^T |k_t|, exactly (:func:`walk_abs_sum_law`)."""
    values, probs = walk_abs_sum_law(rho, steps)
    k1 = math.isqrt(steps)
    return float(probs[k1:] @ np.log(values[k1:]))  # A_T ≥ k₁: no mass below


def walk_slope_mean(rho: float, horizons: tuple[int, ...]) -> float:
    """The exact mean of :func:`walk_kernel`'s per-chain log-log slope: the running average
    at T is ρDG·A_T/T^{3/2} with A_T = Σ|k_t|, so the slope Σ_j w_j ln(·) has mean
    Σ_j w_j (E ln A_{T_j} − (3/2) ln T_j) (w the slope weights, Σ w_j = 0 removes ρDG)."""
    w = slope_weights(horizons)
    logs = [walk_mean_log_abs_sum(rho, h) - 1.5 * math.log(h) for h in horizons]
    return float(w @ np.array(logs))


def _exact_lattice(D: float, G: float, steps: int) -> None:
    """The oracle's law depends on whether x = 0 exactly, so float64 must keep x on the
    lattice (D/√T)ℤ exactly: the step ηG = (D/(G√T))·G as computed must equal D/√T, and
    D/√T must be a dyadic p/2^q with |p|(T + √T + 1) < 2⁵³, so that every multiple the walk
    can reach, and every difference of two, is a float64 number (no rounding at all)."""
    root = math.isqrt(steps)
    step = D / root
    frac = Fraction(step)
    dyadic = frac.denominator & (frac.denominator - 1) == 0
    if (D / (G * root)) * G != step or step * root != D or not dyadic or \
            abs(frac.numerator) * (steps + root + 1) >= 2**53:
        raise ParameterError("T", steps, f"a horizon whose lattice step D/√T = {step!r} and "
                                         "ηG are exact in float64 (e.g. √T, D, G powers of two)")


def walk_kernel(rho: float, horizons: tuple[int, ...], D: float, G: float) -> Kernel:
    """SGD on f = ρG|x| from x₁ = D at η = D/(G√T) for each horizon T side by side (an
    independent walk per horizon): per chain and horizon, (1/T)Σ_{t≤T}(f(x_t) − f*) and
    f(x̄_T) − f*, x̄_T = (1/T)Σ_{t≤T} x_t, both in units of DG/√T, then the chain's log-log
    slope of (1/T)Σ_{t≤T}(f(x_t) − f*) over the horizons (ln of the running average in
    absolute units, > 0 as f(x₁) = ρGD; mean: :func:`walk_slope_mean`): columns
    [averages…, averaged iterates…, slope]."""
    rho = _rho(rho)
    hs = tuple(_horizon(h) for h in horizons)
    if len(hs) < 2 or sorted(set(hs)) != list(hs):
        raise ParameterError("horizons", horizons, "at least two increasing horizons")
    D, G = check_positive("D", D), check_positive("G", G)
    for h in hs:
        _exact_lattice(D, G, h)
    etas = np.array([D / (G * math.sqrt(h)) for h in hs])
    unit = np.array([D * G / math.sqrt(h) for h in hs])
    longest = max(hs)

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        xs = [xp.full(rng.n, D, dtype=rng.dtype) for _ in hs]
        sum_f = [xp.zeros(rng.n, dtype=rng.dtype) for _ in hs]
        sum_x = [xp.zeros(rng.n, dtype=rng.dtype) for _ in hs]
        plus, minus = xp.asarray(1.0), xp.asarray(-1.0)  # the signs ±1 (float64, as before)
        for t in range(1, longest + 1):
            u = rng.uniform(len(hs))  # one uniform per horizon and step, drawn every step
            for j, steps in enumerate(hs):
                if t > steps:
                    continue
                x = xs[j]
                sum_f[j] += rho * G * xp.abs(x)
                sum_x[j] += x
                g = G * xp.where(u[:, j] < (1.0 + rho * xp.sign(x)) / 2.0, plus, minus)
                xs[j] = gradient_step(x, g, float(etas[j]))
        cols = [sum_f[j] / (steps * float(unit[j])) for j, steps in enumerate(hs)]
        cols += [rho * G * xp.abs(sum_x[j] / steps) / float(unit[j])
                 for j, steps in enumerate(hs)]
        running = xp.stack([sum_f[j] / steps for j, steps in enumerate(hs)], axis=1)
        cols.append(loglog_slope(hs, running))
        return xp.stack(cols, axis=1)

    return kernel


# --------------------------------------------------------------------------------------
# The worst case for the last iterate
# --------------------------------------------------------------------------------------


class WorstCase(NamedTuple):
    """A run of the subgradient method on the max-of-affine instance of horizon T."""

    last: float  #: f(x_{T+1})
    averaged: float  #: f(x̄_T), x̄_T = (1/T)Σ_{t≤T} x_t
    G: float  #: max_i ‖h_i‖, the subgradient bound
    picks_in_order: bool  #: the oracle returned h_t at step t, every t


def _instance(steps: int, b: float) -> tuple[np.ndarray, float]:
    a = 1.0 / (8.0 * (steps - np.arange(1, steps + 1) + 1.0))
    return a, b


def _values(x: np.ndarray, a: np.ndarray, b: float) -> np.ndarray:
    """h_iᵀx for i = 1 … T + 1 in O(T): h_iᵀx = Σ_{j<i} a_j x_j − b x_i (i ≤ T)."""
    prefix = np.concatenate([[0.0], np.cumsum(a * x)])
    return np.concatenate([prefix[:-1] - b * x, prefix[-1:]])


def max_affine(x: np.ndarray, steps: int, b: float = 0.25) -> float:
    """f(x) = max_i h_iᵀx of the instance of horizon T."""
    a, b = _instance(check_int("steps", steps, 1), check_positive("b", b))
    return float(np.max(_values(float_array("x", x), a, b)))


def instance_rows(steps: int, b: float = 0.25) -> np.ndarray:
    """The (T + 1, T) matrix of the h_i (for checks; the run never forms it)."""
    a, b = _instance(check_int("steps", steps, 1), check_positive("b", b))
    rows = np.tril(np.broadcast_to(a, (steps + 1, steps)), k=-1).copy()
    rows[np.arange(steps), np.arange(steps)] = -b
    return rows


def barycentric_weights(steps: int, b: float = 0.25) -> np.ndarray:
    """λ with Σ_i λ_i h_i = 0 and Σ_i λ_i = 1 (least squares on the (T + 1) × (T + 1) system):
    all positive exactly when 0 lies inside the simplex of the h_i, i.e. f(x) > 0 = f(0) for
    every x ≠ 0, so that x* = 0 and f* = 0."""
    rows = instance_rows(steps, b)
    system = np.vstack([rows.T, np.ones(steps + 1)])
    rhs = np.zeros(steps + 1)
    rhs[-1] = 1.0
    weights: np.ndarray = np.linalg.lstsq(system, rhs, rcond=None)[0]
    return weights


def worst_case_run(steps: int, D: float, b: float = 0.25) -> WorstCase:
    """The subgradient method x_{t+1} = x_t − ηg_t (``gradient_step``) at η = D/(G√T) from
    x₁ = 0, the oracle returning the smallest-index maximiser (ties within 64ε of the
    largest |term| count as ties: exact ties occur, h_iᵀx_t being equal for i ≥ t)."""
    steps, D = check_int("steps", steps, 1), check_positive("D", D)
    a, b = _instance(steps, check_positive("b", b))
    G = math.sqrt(b * b + float(np.sum(a[:-1] ** 2)))  # ‖h_T‖, the longest row
    eta = D / (G * math.sqrt(steps))
    x = np.zeros(steps)
    total = np.zeros(steps)
    in_order = True
    for t in range(1, steps + 1):
        total += x
        values = _values(x, a, b)
        slack = 64 * np.finfo(float).eps * (1.0 + float(np.max(np.abs(a * x))) * steps
                                            + b * float(np.max(np.abs(x))))
        i = int(np.flatnonzero(values >= values.max() - slack)[0])  # 0-based index of h
        in_order &= i == t - 1
        g = np.zeros(steps)
        g[:i] = a[:i]
        if i < steps:
            g[i] = -b
        x = gradient_step(x, g, eta)
    return WorstCase(float(np.max(_values(x, a, b))), float(np.max(_values(total / steps, a,
                                                                               b))),
                     G, bool(in_order))


# --------------------------------------------------------------------------------------
# What the derived limits may miss at a finite horizon (the approximate rows' bounds)
# --------------------------------------------------------------------------------------


def walk_transient(rho: float, steps: int) -> float:
    """An estimate of how far E k², E|k| at step T + 1 can still be from their stationary
    values: the walk needs ≈ √T/ρ steps to reach 0 (twice that allowed), after which its law
    relaxes at the rate √(1 − ρ²) per step (2√(pq), the reflected walk's spectral radius),
    from a start of size ≤ T: T·(1 − ρ²)^((T − 2√T/ρ)/2); ∞ where T is too short."""
    rho, steps = _rho(rho), _horizon(steps)
    left = steps - 2 * math.sqrt(steps) / rho
    if rho == 0.0 or left <= 0:
        return math.inf
    return steps * math.exp(left / 2 * math.log1p(-rho * rho))


def instance_rate_envelope(lo: float, hi: float) -> float:
    """max over T ∈ [lo, hi] of |d f/d ln T − 1/(3 + π²/6)| for the instance's derived
    f(T) = (H_T + H_T^(2))/(H_T^(2) + 3), continued to real T by H_T = ψ(T + 1) + γ and
    H_T^(2) = π²/6 − ψ′(T + 1). A least-squares slope of f on ln T over points in [lo, hi]
    is a positively weighted mean of secant slopes, each a mean of d f/d ln T: it lies in
    the range of d f/d ln T there, so its distance from the limit is at most this."""
    from scipy.special import polygamma, psi

    x = np.geomspace(check_positive("lo", lo), check_positive("hi", hi), 4097)
    h1 = psi(x + 1) + np.euler_gamma
    h2 = math.pi**2 / 6 - polygamma(1, x + 1)
    d1, d2 = polygamma(1, x + 1), -polygamma(2, x + 1)  # dH/dT, dH^(2)/dT
    rate = x * ((d1 + d2) / (h2 + 3) - (h1 + h2) * d2 / (h2 + 3) ** 2)
    return float(np.max(np.abs(rate - 1 / (3 + math.pi**2 / 6))))
