"""Sparse gradient streams: what AdaGrad's per-coordinate accumulator does to a rare feature.

A feature is *active* at step τ with probability p, independently over steps: its gradient
is g_τ = b_τ·x_τ with b_τ ~ Bernoulli(p). With a constant magnitude |x_τ| = c — a binary
feature of a linear model whose loss slope is saturated (|ℓ'| = 1: hinge, absolute or
saturated logistic loss) — AdaGrad's accumulator after t steps is s_t = c²N_t with
N_t ~ Binomial(t, p) the number of activations, and every quantity of the rule is a function
of N_t (ε outside the root, as in :func:`lrtheory.adaptive.adagrad`):

* the k-th activation is scaled by the rate r_k = α/(c√k + ε) and moves the parameter by
  c·r_k, so the rate a gradient arriving at step t receives is r_{1+N_{t−1}};
* the path length Σ|Δθ| after t steps is P(N_t), P(k) = Σ_{j≤k} c·r_j ∈ [2α(√(k+1) − 1),
  α(2√k − 1)] for ε = 0 (integral bounds on Σ j^{−½});
* the parameter first reaches a target at distance D after K* = min{k : P(k) ≥ D}
  activations, i.e. at the K*-th success of the Bernoulli stream: mean K*/p steps; its mean
  path E P(N_t) reaches D at a step t_A close to K*/p (:func:`adagrad_mean_path_steps`).

SGD on one global clock, η_τ = η₀/√τ (the decay that AdaGrad has for a dense feature: with
η₀ = α/c and p = 1 the two coincide), moves the same feature by η₀c Σ_τ b_τ/√τ, of mean
η₀cp Σ_{τ≤t} τ^{−½}: its k-th update happens near τ = k/p, with √p times AdaGrad's rate.

Expectations are finite binomial sums: :func:`count_pmf` propagates the law of N_t through
its one-step recursion (float64; :func:`pmf_rounding` bounds the rounding), and
:func:`binomial_expectation` evaluates Σ_k C(n, k)p^k(1 − p)^{n−k} f(k) in 30-digit
arithmetic as the closed form to compare with.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
from numpy.typing import NDArray

from lrtheory.errors import MAX_STEPS, ParameterError, check_int, check_positive, check_real
from lrtheory.models.rounding import EPS

FloatArray = NDArray[np.float64]


def check_rate(p: object) -> float:
    """An activation probability p ∈ (0, 1] (p = 1: a dense feature)."""
    return check_real("p", p, 0.0, 1.0, hi_open=False)


# --------------------------------------------------------------------------------------
# The law of the activation count
# --------------------------------------------------------------------------------------


def count_pmf(p: float, t: int) -> FloatArray:
    """P(N_t = k), k = 0 … t, for N_t the number of activations in t steps, propagated by
    P_{τ}(k) = (1 − p)P_{τ−1}(k) + p P_{τ−1}(k − 1) from P_0 = δ_0 (the Markov chain of the
    activation count itself; its law is Binomial(t, p))."""
    p, t = check_rate(p), check_int("t", t, 0, MAX_STEPS)
    pmf = np.ones(1)
    for _ in range(t):
        pmf = _advance(pmf, p)
    return pmf


def pmf_rounding(t: int) -> float:
    """Relative rounding bound on Σ_k P_t(k)f(k) for f ≥ 0 evaluated with :func:`count_pmf`:
    each of the t steps forms a sum of two products of non-negative numbers (≤ 3 roundings
    of u = ε/2 per entry), and the final dot product of t + 1 terms adds t + 1 more, so the
    relative error is at most γ_{4t+2} ≤ (2t + 2)ε."""
    return (2.0 * check_int("t", t, 0, MAX_STEPS) + 2.0) * EPS


def binomial_expectation(n: int, p: float, f: Callable[[int], Any]) -> float:
    """Σ_{k=0}^{n} C(n, k) p^k (1 − p)^{n−k} f(k) in 30-digit arithmetic (p taken exactly as
    the float it is); ``f`` returns an mpmath number (or a float)."""
    n, p = check_int("n", n, 0, MAX_STEPS), check_rate(p)
    with mpmath.workdps(30):
        q = mpmath.mpf(p)
        return float(mpmath.fsum(mpmath.binomial(n, k) * q**k * (1 - q) ** (n - k) * f(k)
                                 for k in range(n + 1)))


# --------------------------------------------------------------------------------------
# AdaGrad on the stream: rates and path lengths as functions of the count
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stream:
    """One feature's stream and the rules' constants: activation probability p, gradient
    magnitude c, AdaGrad's α and ε (SGD's global clock uses η₀ = α/c)."""

    p: float
    c: float
    alpha: float
    eps: float = 1e-10

    def __post_init__(self) -> None:
        check_rate(self.p)
        check_positive("c", self.c)
        check_positive("alpha", self.alpha)
        check_real("eps", self.eps, 0.0, lo_open=False)

    @property
    def eta0(self) -> float:
        """SGD's η₀ matched to AdaGrad on a dense feature: η₀c = α."""
        return self.alpha / self.c


def rates(stream: Stream, kmax: int) -> FloatArray:
    """r_k = α/(c√k + ε), k = 1 … kmax: the rate AdaGrad applies to the k-th activation."""
    k = np.arange(1, check_int("kmax", kmax, 1, MAX_STEPS) + 1, dtype=np.float64)
    return stream.alpha / (stream.c * np.sqrt(k) + stream.eps)


def paths(stream: Stream, kmax: int) -> FloatArray:
    """P(k) = Σ_{j≤k} c·r_j, k = 0 … kmax: AdaGrad's path length after k activations."""
    return np.concatenate([[0.0], np.cumsum(stream.c * rates(stream, kmax))])


def expected_rate(stream: Stream, t: int) -> float:
    """E r_{1+N_{t−1}}: the mean rate AdaGrad gives a gradient of this feature that arrives
    at step t (the accumulator includes that gradient), from :func:`count_pmf`."""
    t = check_int("t", t, 1, MAX_STEPS)
    return float(count_pmf(stream.p, t - 1) @ rates(stream, t))


def expected_rate_exact(stream: Stream, t: int) -> float:
    """:func:`expected_rate` as the binomial sum, in 30-digit arithmetic."""
    s = stream
    return binomial_expectation(check_int("t", t, 1, MAX_STEPS) - 1, s.p,
                                lambda k: s.alpha / (s.c * mpmath.sqrt(k + 1) + s.eps))


def expected_path(stream: Stream, t: int) -> float:
    """E P(N_t): AdaGrad's mean path length after t steps, from :func:`count_pmf`."""
    t = check_int("t", t, 1, MAX_STEPS)
    return float(count_pmf(stream.p, t) @ paths(stream, t))


def expected_path_exact(stream: Stream, t: int) -> float:
    """:func:`expected_path` as the binomial sum, in 30-digit arithmetic."""
    s = stream
    with mpmath.workdps(30):
        cum = [mpmath.mpf(0)]
        for j in range(1, check_int("t", t, 1, MAX_STEPS) + 1):
            cum.append(cum[-1] + s.c * s.alpha / (s.c * mpmath.sqrt(j) + s.eps))
    return binomial_expectation(t, s.p, lambda k: cum[k])


def expected_curves(stream: Stream, ts: Any) -> tuple[FloatArray, FloatArray]:
    """(E rate at step t, E path length after t steps) for every t of the increasing integer
    array ``ts`` — :func:`expected_rate` and :func:`expected_path` from one pass of the
    count recursion (O(t_max²) in all)."""
    steps = np.asarray(ts)
    if (steps.ndim != 1 or steps.size == 0 or not np.issubdtype(steps.dtype, np.integer)
            or steps[0] < 1 or np.any(np.diff(steps) <= 0)):
        raise ParameterError("ts", ts, "an increasing 1-D array of integers ≥ 1")
    top = int(steps[-1])
    r, path = rates(stream, top), paths(stream, top)
    rate_at, path_at = np.empty(steps.size), np.empty(steps.size)
    pmf, done = np.ones(1), 0
    for i, t in enumerate(steps):
        while done < t - 1:
            pmf, done = _advance(pmf, stream.p), done + 1
        rate_at[i] = pmf @ r[:t]
        path_at[i] = _advance(pmf, stream.p) @ path[: t + 1]
    return rate_at, path_at


def _advance(pmf: FloatArray, p: float) -> FloatArray:
    new = np.empty(pmf.size + 1)
    new[:-1] = (1.0 - p) * pmf
    new[-1] = 0.0
    new[1:] += p * pmf
    return new


def sgd_expected_path(stream: Stream, t: Any) -> Any:
    """SGD with η_τ = η₀/√τ: mean path length η₀cp Σ_{τ≤t} τ^{−½} after t steps (t an int
    or an integer array)."""
    steps = np.asarray(t) if not isinstance(t, str | bytes) else np.asarray(0.5)
    if not np.issubdtype(steps.dtype, np.integer) or steps.size == 0 or np.any(steps < 1):
        raise ParameterError("t", t, "integers ≥ 1")
    harmonic = np.cumsum(1.0 / np.sqrt(np.arange(1, int(steps.max()) + 1)))
    return stream.eta0 * stream.c * stream.p * harmonic[steps - 1]


def harmonic_half_bounds(k: Any) -> tuple[Any, Any]:
    """Integral bounds on H_k = Σ_{j≤k} j^{−½}: 2(√(k+1) − 1) ≤ H_k ≤ 2√k − 1, for k an
    integer ≥ 1 or an array of them (at k = 0 the upper bound −1 fails)."""
    counts = np.asarray(k)
    if (counts.size == 0 or not np.issubdtype(counts.dtype, np.integer)
            or np.any(counts < 1)):
        raise ParameterError("k", k, "integers ≥ 1")
    x = counts.astype(np.float64)
    return 2.0 * (np.sqrt(x + 1.0) - 1.0), 2.0 * np.sqrt(x) - 1.0


# --------------------------------------------------------------------------------------
# Steps to reach a target
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reach:
    """Reaching a target at distance D. AdaGrad: the activations K* it needs, its exact mean
    first-passage time K*/p, and the first step t_A at which its *mean* path E P(N_t) reaches
    D; SGD η₀/√τ: the first step t_S at which its mean path η₀cpH_t reaches D. The two
    crossing steps are the same kind of quantity, so t_S/t_A compares like with like.

    SGD's mean first-passage time T_S (the first t with η₀c Σ_{τ≤t} b_ττ^{−½} ≥ D) is not
    computed, but it is bounded below: S_t − η₀cpH_t is a martingale with bounded increments
    and E T_S < ∞, so optional stopping gives η₀cp E H_{T_S} = E S_{T_S} ≥ D; H, extended
    linearly between integers, is concave, so Jensen gives H(E T_S) ≥ E H_{T_S} ≥ D/(η₀cp),
    i.e. E T_S > t_S − 1."""

    activations: int
    adagrad_mean_steps: float
    adagrad_mean_path_steps: int
    sgd_mean_path_steps: int


def activations_to_reach(stream: Stream, distance: float) -> int:
    """K* = min{k : P(k) ≥ D}, the activations AdaGrad needs to move a distance D, from the
    rule's path lengths (for ε = 0, K* ∈ [((D/α + 1)/2)², ((D/α + 2)/2)² − 1] by the bounds
    of :func:`harmonic_half_bounds`; ε > 0 only lengthens the path needed, by a factor
    ≤ 1 + ε/c, so twice the upper end is searched)."""
    distance = check_positive("distance", distance)
    kmax = 2 * math.ceil(((distance / stream.alpha + 2.0) / 2.0) ** 2) + 2
    k = int(np.searchsorted(paths(stream, kmax), distance, side="left"))
    if k > kmax:
        raise ParameterError("distance", distance, f"reachable within {kmax} activations "
                             f"(ε = {stream.eps:g} is too large next to c = {stream.c:g})")
    return k


def adagrad_mean_path_steps(stream: Stream, distance: float) -> int:
    """t_A = min{t : E P(N_t) ≥ D}, the first step at which AdaGrad's mean path length
    reaches D, by one pass of the count recursion (E P(N_t) increases with t; it needs
    t ≥ K*, and O(t_A²) operations in all)."""
    k_star = activations_to_reach(stream, distance)
    top = 2 * k_star
    path = paths(stream, top)
    t, pmf = k_star - 1, count_pmf(stream.p, k_star - 1)
    while True:  # ends: E P(N_t) grows without bound
        t, pmf = t + 1, _advance(pmf, stream.p)
        if t > top:
            top *= 2
            path = paths(stream, top)
        if pmf @ path[: t + 1] >= distance:
            return t


def sgd_mean_path_steps(stream: Stream, distance: float) -> int:
    """t_S = min{t : η₀cpH_t ≥ D}, found by doubling a search range and bisecting the
    increasing sequence of mean path lengths."""
    distance = check_positive("distance", distance)
    hi = 1
    while sgd_expected_path(stream, hi) < distance:
        hi *= 2
    lo = hi // 2
    while hi - lo > 1:  # invariant: mean path at lo < D ≤ mean path at hi
        mid = (lo + hi) // 2
        if sgd_expected_path(stream, mid) < distance:
            lo = mid
        else:
            hi = mid
    return hi


def reach(stream: Stream, distance: float) -> Reach:
    """AdaGrad's K*, K*/p and t_A, and SGD's t_S, for a target at distance D (:class:`Reach`)."""
    k = activations_to_reach(stream, distance)
    return Reach(k, k / stream.p, adagrad_mean_path_steps(stream, distance),
                 sgd_mean_path_steps(stream, distance))
