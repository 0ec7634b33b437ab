"""The learning-rate finder on a quadratic: a doubling search for the divergence point.

Seed 003's practice raises η (often by doubling) until the loss diverges and then takes a
rate about one order of magnitude lower. On L = ½eᵀHe in eigen-coordinates (H = diag λ,
start coefficients c) two versions of the search are modelled:

* **Restart search** (:func:`doubling_search`): at each rate η_k = η₀2^k a short run of T
  GD steps from the same start, flagged as divergent when it ends above its start:
  L_T(η) − L₀ = ½Σλ_ic_i²[(1 − ηλ_i)^{2T} − 1]. Every term is convex in η and negative
  for η < 2/λ_max, so the flagged rates form a half-line (η_c, ∞) with η_c ≥ 2/λ_max:
  the search never stops below the stability limit, and it stops at the first grid point
  above η_c. Over starts c ~ N(0, I) the chance that η_k is flagged is P(Σ w_iz_i² > 0)
  with w_i = λ_i[(1 − η_kλ_i)^{2T} − 1] (:func:`restart_weights`), which Imhof's integral
  gives to quadrature accuracy (:func:`positive_form_probability`); the law of the detected
  point is then exact (:func:`detection_law`). Each start's threshold η_c itself is found
  by bisection on the closed-form loss change (:func:`restart_thresholds`); its mean over
  starts is E[η_c] = 2/λ_max + ∫ P(η < η_c) dη, with P(η < η_c) = 1 − P(flag at η) from
  Imhof (:func:`mean_restart_threshold`).
* **Continuing test** (:func:`continuing_detection`, fast.ai style): one run, η doubled
  every m steps, stopped when the loss exceeds ``factor`` times its minimum so far.

The GD steps and losses are those of :mod:`lrtheory.models.range_test`; Imhof's integral is
:mod:`lrtheory.models.imhof` and what a rate costs (ρ(η), worst-case steps) is
:mod:`lrtheory.models.rate_cost`, both importable from here too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from lrtheory.arrays import astype, concat, namespace
from lrtheory.errors import ParameterError, check_int, check_real, float_array
from lrtheory.models.imhof import (
    IMHOF_TAIL,
    FormProbability,
    legendre_unit,
    positive_form_probability,
)
from lrtheory.models.range_test import HVP, gd_step, quadratic_loss, run_range_test
from lrtheory.models.rate_cost import (
    check_spectrum,
    contraction,
    measured_growth,
    measured_worst_case_steps,
    worst_case_steps,
)

__all__ = [
    "IMHOF_TAIL",
    "DetectionLaw",
    "Expectation",
    "FormProbability",
    "SearchExpectations",
    "check_spectrum",
    "continuing_detection",
    "contraction",
    "detection_law",
    "doubling_multiples",
    "doubling_search",
    "legendre_unit",
    "mean_restart_threshold",
    "measured_growth",
    "measured_worst_case_steps",
    "offset_averaged_expectations",
    "positive_form_probability",
    "restart_threshold_bound",
    "restart_thresholds",
    "restart_weights",
    "search_expectations",
    "simulated_restart_thresholds",
    "stopping_outcomes",
    "threshold_half_width",
    "worst_case_steps",
]

Array = np.ndarray[Any, Any]


# --------------------------------------------------------------------------------------
# The restart search and its exact law
# --------------------------------------------------------------------------------------


def doubling_multiples(first_above: float, below: int, above: int) -> Array:
    """Grid rates as multiples of the limit, x_k = η_kλ_max/2 = first_above·2^j for
    j = −below, …, above − 1: ``below`` doublings under the limit, then ``above`` over it
    (``first_above`` ∈ (1, 2] is where the first rate past the limit lands)."""
    x = check_real("first_above", first_above, 1.0, 2.0, hi_open=False)
    below = check_int("below", below, 0, 1074)  # 2^-1074: the smallest float
    above = check_int("above", above, 1, 1023)  # 2^1024 overflows
    return np.asarray(x * 2.0 ** np.arange(-below, above, dtype=np.float64))


def restart_weights(lam: Any, etas: Any, steps: int) -> Array:
    """w_ki = λ_i[(1 − η_kλ_i)^{2T} − 1]: L_T − L₀ = ½Σ_i w_kic_i² for the run at η_k."""
    lam = float_array("lam", lam)
    etas = np.atleast_1d(float_array("etas", etas))
    steps = check_int("steps", steps, 1)
    if lam.ndim != 1 or not np.all(lam > 0):
        raise ParameterError("lam", lam, "a 1-D array of positive curvatures")
    if not np.all(etas > 0):
        raise ParameterError("etas", etas, "positive learning rates")
    with np.errstate(over="ignore"):
        return np.asarray(lam * ((1.0 - np.outer(etas, lam)) ** (2 * steps) - 1.0))


@dataclass(frozen=True)
class DetectionLaw:
    """Law of the rate at which the restart search stops, over starts c ~ N(0, I), for one
    grid (K,) or a batch of grids (m, K).

    ``flagged[..., k]`` = P(the run at η_k ends above L₀); ``stop[..., k]`` = P(the search
    stops at η_k) for k < K and ``stop[..., K]`` = P(no rate of the grid is flagged);
    ``error`` bounds the quadrature error of every entry."""

    etas: Array
    flagged: Array
    stop: Array
    error: float

    def mean(self, values: Any) -> Any:
        """E[g(stop)] for the K + 1 values g(η_0), …, g(η_{K−1}), g(no stop) (per grid)."""
        values = float_array("values", values)
        if values.shape[-1] != self.stop.shape[-1]:
            raise ParameterError("values", values.shape, f"K + 1 = {self.stop.shape[-1]} "
                                 "values along the last axis")
        return np.sum(values * self.stop, axis=-1)


def detection_law(lam: Any, etas: Any, steps: int, nodes: int = 256) -> DetectionLaw:
    """The exact law of the restart search's stopping rate (module docstring): the flagged
    sets are nested, so P(stop at η_k) = P_k − P_{k−1}. ``etas``: an increasing grid (K,)
    or a batch of them (m, K), evaluated in one vectorised Imhof call."""
    etas = float_array("etas", etas)
    if etas.ndim not in (1, 2) or np.any(np.diff(etas, axis=-1) <= 0):
        raise ParameterError("etas", etas.shape, "an increasing grid (K,) or grids (m, K)")
    prob = positive_form_probability(restart_weights(lam, etas.ravel(), steps), nodes)
    # The events are nested, so P_k never decreases (the max only absorbs quadrature error).
    flagged = np.maximum.accumulate(prob.value.reshape(etas.shape), axis=-1)
    edges = np.ones((*etas.shape[:-1], 1))
    stop = np.diff(np.concatenate([0.0 * edges, flagged, edges], axis=-1), axis=-1)
    return DetectionLaw(etas, flagged, stop, float(2.0 * np.max(prob.error)))


def doubling_search(hvp: HVP, e0: Any, etas: Any, steps: int, xp: Any = np) -> tuple[Any, Any]:
    """Simulate the restart search from the rows of ``e0`` (n, d): at every η_k run ``steps``
    GD steps from e0 and flag η_k if the loss ends above its start. ``etas`` is one
    increasing grid of positive rates (K,) or one per row (n, K), on the backend ``xp``.
    Returns (index of the first flagged rate, K where none is; the (n, K) flags)."""
    steps = check_int("steps", steps, 1)
    etas = _check_grid(xp.asarray(etas, dtype=getattr(e0, "dtype", np.float64)), xp)
    if getattr(e0, "ndim", 0) != 2:
        raise ParameterError("e0", getattr(e0, "shape", e0), "an (n, d) batch of starts")
    if etas.ndim == 2 and etas.shape[0] != e0.shape[0]:
        raise ParameterError("etas", etas.shape,
                             f"one grid (K,) or one per start ({e0.shape[0]}, K)")
    start = quadratic_loss(hvp, e0)
    flags = []
    for k in range(etas.shape[-1]):
        eta = etas[:, k:k + 1] if etas.ndim == 2 else etas[k]
        e = e0
        for _ in range(steps):
            e = gd_step(hvp, e, eta)
        flags.append(quadratic_loss(hvp, e) > start)
    flagged = xp.stack(flags, axis=1)
    first = xp.argmax(astype(xp, flagged, xp.int8), axis=1)  # the first flagged rate
    index = xp.where(xp.any(flagged, axis=1), first, etas.shape[-1])
    return index, flagged


def _check_grid(etas: Any, xp: Any) -> Any:
    """``etas`` if it is a (K,) or (n, K) grid of finite positive rates, increasing along its
    last axis; else ParameterError."""
    if etas.ndim not in (1, 2) or etas.shape[-1] == 0:
        raise ParameterError("etas", etas.shape, "a grid of rates (K,) or one per start (n, K)")
    if not bool(xp.all(xp.isfinite(etas)) & xp.all(etas > 0)
                & xp.all(xp.diff(etas, axis=-1) > 0)):
        raise ParameterError("etas", etas, "finite positive rates, increasing along the grid")
    return etas


def restart_threshold_bound(lam: Any, c: Any, steps: int) -> Array:
    """An upper bound on η_c per start: the top term alone exceeds 2L₀ once
    (ηλ_max − 1)^{2T}λ_maxc_1² ≥ 2L₀, i.e. η ≥ [1 + (2L₀/(λ_maxc_1²))^{1/(2T)}]/λ_max
    (λ_max = lam[-1]; rows of ``c`` are starts; ∞ where c_1 = 0)."""
    lam = check_spectrum(lam)
    c = _check_starts(c, lam.size)
    steps = check_int("steps", steps, 1)
    with np.errstate(divide="ignore"):
        ratio = np.sum(lam * c * c, axis=1) / (lam[-1] * c[:, -1] ** 2)
    return np.asarray((1.0 + ratio ** (1.0 / (2 * steps))) / lam[-1])


def _check_starts(c: Any, d: int) -> Array:
    starts: Array = np.atleast_2d(float_array("c", c))
    if starts.ndim != 2 or starts.shape[1] != d or not np.all(np.isfinite(starts)):
        raise ParameterError("c", np.shape(c), f"finite starts, one per row, {d} coefficients each")
    return starts


def restart_thresholds(lam: Any, c: Any, steps: int, halvings: int, xp: Any = np) -> Any:
    """Each start's restart threshold η_c (rows of ``c``, shape (n, d), on the backend
    ``xp``): the root in (2/λ_max, 2/λ_min] of L_T(η) − L₀ = ½Σλ_ic_i²[(1 − ηλ_i)^{2T} − 1],
    bisected ``halvings`` times on its sign from the bracket [2/λ_max, 2/λ_min]. The bracket
    holds for every start: below 2/λ_max every term is negative, above 2/λ_min every term
    is positive; L_T − L₀ is convex in η with L_T − L₀ = 0 at η = 0, so it has one root
    there and the flagged rates are exactly (η_c, ∞). Returns the midpoints of the final
    brackets; each is within :func:`threshold_half_width` of η_c (plus the rounding of the
    loss change near the root, far smaller)."""
    lam = check_spectrum(lam)
    steps = check_int("steps", steps, 1)
    lam_x = xp.asarray(lam, dtype=getattr(c, "dtype", np.float64))
    weight = lam_x * c * c

    def flagged(eta: Any) -> Any:
        return xp.sum(weight * (_power((1.0 - eta[..., None] * lam_x) ** 2, steps) - 1.0),
                      axis=-1) > 0

    lo = xp.full(c.shape[:-1], 2.0 / float(lam[-1]), dtype=lam_x.dtype)
    mid, _ = _bisect_rows(flagged, lo, lo * 0.0 + 2.0 / float(lam[0]), halvings, xp)
    return mid


def _bisect_rows(flagged: Any, lo: Any, hi: Any, halvings: int, xp: Any) -> tuple[Any, Any]:
    """Bisect a nested flag, row by row: ``flagged(η)`` (n,) → bools, false at ``lo`` and
    true at ``hi``. Returns (the final midpoints, their half-widths)."""
    for _ in range(check_int("halvings", halvings, 0)):
        mid = 0.5 * (lo + hi)
        up = flagged(mid)
        hi = xp.where(up, mid, hi)
        lo = xp.where(up, lo, mid)
    return 0.5 * (lo + hi), 0.5 * (hi - lo)


def _power(base: Any, k: int) -> Any:
    """base^k for an integer k ≥ 1 by repeated squaring (a few multiplications instead of
    one call of ``pow`` per element)."""
    result = None
    while k:
        if k & 1:
            result = base if result is None else result * base
        k >>= 1
        if k:
            base = base * base
    return result


def simulated_restart_thresholds(hvp: HVP, c: Any, steps: int, lo: Any, hi: Any,
                                 halvings: int, xp: Any = np) -> tuple[Any, Any]:
    """η_c per row of ``c`` (n, d) bisected on *simulated* runs: η is flagged when ``steps``
    GD steps from c end above L₀. ``lo`` must not be flagged and ``hi`` must be (numbers or
    (n,) arrays); the flags are nested (:func:`restart_thresholds`), so η_c stays in the
    bracket. Returns (the final midpoints, their half-widths), vectorised over the rows."""
    steps = check_int("steps", steps, 1)
    start = quadratic_loss(hvp, c)
    lo, hi = lo + 0.0 * start, hi + 0.0 * start
    if not bool(xp.all(lo < hi)):
        raise ParameterError("hi", hi, "above lo in every row")

    def flagged(eta: Any) -> Any:
        e = c
        for _ in range(steps):
            e = gd_step(hvp, e, eta[:, None])
        return quadratic_loss(hvp, e) > start

    return _bisect_rows(flagged, lo, hi, halvings, xp)


def threshold_half_width(lam: Any, halvings: int) -> float:
    """Half the width of :func:`restart_thresholds`' final bracket, the same for every start:
    (2/λ_min − 2/λ_max)/2^{halvings + 1}."""
    lam = check_spectrum(lam)
    width = 2.0 / float(lam[0]) - 2.0 / float(lam[-1])
    return width / 2.0 ** (check_int("halvings", halvings, 0, 60) + 1)


@dataclass(frozen=True)
class Expectation:
    """An expectation computed by quadrature, with a bound on its error."""

    value: float
    error: float


def mean_restart_threshold(lam: Any, steps: int, nodes: int = 32) -> Expectation:
    """E[η_c]·λ_max/2 over starts c ~ N(0, I), in multiples x of the limit 2/λ_max:
    x_c ∈ [1, κ] and P(x_c > x) = 1 − P(the run at x is flagged), so
    E[x_c] = 1 + ∫_1^κ [1 − P_flag(x)] dx, P_flag from Imhof (:func:`restart_weights`,
    :func:`positive_form_probability`). Gauss–Legendre with ``nodes`` nodes on each of the
    panels [1, 5/4], [5/4, 2], [2, 4], [4, κ] (the integrand falls from 1 to 0 near x = 1
    for long runs); the error adds the gap to the half-order rule and (κ − 1)·the
    quadrature error of P_flag."""
    lam = check_spectrum(lam)
    steps = check_int("steps", steps, 1)
    kappa = float(lam[-1] / lam[0])
    if kappa == 1.0:
        return Expectation(1.0, 0.0)
    edges = np.array([e for e in (1.0, 1.25, 2.0, 4.0) if e < kappa] + [kappa])
    nodes = check_int("nodes", nodes, 2)
    rules = [legendre_unit(n) for n in (nodes, nodes // 2)]
    # Both rules on every panel, in one vectorised Imhof call.
    a, b = edges[:-1, None], edges[1:, None]
    x = np.concatenate([(a + (b - a) * s).ravel() for s, _ in rules])
    p = positive_form_probability(restart_weights(lam, 2.0 * x / lam[-1], steps))
    tail = 1.0 - p.value
    values = []
    for s, q in rules:
        part, tail = tail[:a.size * s.size], tail[a.size * s.size:]
        values.append(1.0 + float(np.sum((b - a) * (part.reshape(a.size, s.size) @ q[:, None]))))
    error = abs(values[0] - values[1]) + (kappa - 1.0) * float(np.max(p.error))
    return Expectation(values[0], error)


def stopping_outcomes(x: Any) -> Any:
    """Where the search stops, as multiples of the limit: the K grid values x (last axis),
    then the next doubling — the value given when no rate of the grid is flagged."""
    return concat(namespace(x), [x, 2.0 * x[..., -1:]], axis=-1)


@dataclass(frozen=True)
class SearchExpectations:
    """Exact expectations over starts c ~ N(0, I) of (the stopping multiple η_stopλ_max/2,
    the indicator of stopping at the first doubling past the limit), with bounds on their
    quadrature errors."""

    values: Array
    errors: Array


def search_expectations(lam: Any, x: Any, steps: int) -> SearchExpectations:
    """:class:`SearchExpectations` for a grid of multiples x (K,), or one per row (m, K)."""
    lam = check_spectrum(lam)
    lam_max = float(lam[-1])
    law = detection_law(lam, 2.0 * np.asarray(x) / lam_max, steps)
    outcomes = stopping_outcomes(float_array("x", x))
    first = ((outcomes > 1.0) & (outcomes <= 2.0)) * 1.0
    values = np.stack([law.mean(outcomes), law.mean(first)], axis=-1)
    # |E_exact − E| ≤ Σ_k |g_k|·|Δstop_k| ≤ (K + 1)·max|g|·(error of one entry).
    scale = outcomes.shape[-1] * np.array([np.max(outcomes), 1.0])
    return SearchExpectations(values, law.error * scale)


def offset_averaged_expectations(lam: Any, below: int, above: int, steps: int,
                                 nodes: int = 16) -> SearchExpectations:
    """:func:`search_expectations` averaged over a uniform offset u of the grid (the first
    rate past the limit at 2^u·2/λ_max: a log-uniform problem scale against the grid).
    Gauss–Legendre on [0, 0.1], [0.1, 0.4], [0.4, 1]; P(flag) grows like √u near u = 0, so
    the first panel is taken in u = s²/10. The errors add the gap to the half-order rule."""
    def average(n: int) -> SearchExpectations:
        s, qs = legendre_unit(n)
        us = np.concatenate([0.1 * s**2, 0.1 + 0.3 * s, 0.4 + 0.6 * s])
        ws = np.concatenate([0.2 * s * qs, 0.3 * qs, 0.6 * qs])
        grids = np.stack([doubling_multiples(2.0**u, below, above) for u in us])
        law = search_expectations(lam, grids, steps)
        return SearchExpectations(ws @ law.values, law.errors)

    fine = average(check_int("nodes", nodes, 2))
    coarse = average(nodes // 2)
    return SearchExpectations(fine.values, fine.errors + np.abs(fine.values - coarse.values))


# --------------------------------------------------------------------------------------
# The continuing (fast.ai-style) test
# --------------------------------------------------------------------------------------


def continuing_detection(hvp: HVP, e0: Any, etas: Any, per_rate: int, factor: float,
                         xp: Any = np) -> Any:
    """One run through the rates, ``per_rate`` GD steps at each; the detected rate is the
    one whose step first takes the loss above ``factor`` × the smallest loss so far
    (np.inf where that never happens)."""
    per_rate = check_int("per_rate", per_rate, 1)
    factor = check_real("factor", factor, 1.0, math.inf, lo_open=False)
    rates = np.repeat(float_array("etas", etas), per_rate)
    losses = run_range_test(hvp, e0, rates, xp).losses
    best = xp.minimum.accumulate(losses, axis=1)[:, :-1]
    jumped = losses[:, 1:] > factor * best
    found = xp.any(jumped, axis=1)
    return xp.where(found, xp.asarray(rates)[xp.argmax(jumped, axis=1)], xp.inf)
