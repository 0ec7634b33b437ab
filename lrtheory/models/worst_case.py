"""Worst-case convergence of GD on quadratics, and how its counts are judged.

On one eigen-direction of a quadratic, GD multiplies the error by q(η, λ) = 1 − ηλ
(:func:`lrtheory.symbolic.linear.direction_factor`). Over all starts the error after t steps
is ‖G_{t−1} ⋯ G_0‖₂ (:func:`worst_case_passage`); for commuting symmetric iterations it is
max_i Π_τ |q_{τ,i}|, which the all-ones start in the eigenbasis measured with
:func:`sup_norm` attains. Worst-case steps to ``tol`` are ⌈ln tol / ln ρ⌉ for a constant
rate ρ (:func:`lrtheory.models.convergence.geometric_steps`), and the first step common to
every component's interval when the factors change in phases
(:func:`piecewise_geometric_steps`).

Judging counts: a counted step number is exact unless its continuous value lies within
rounding of an integer (:func:`count_tolerance`); a counted fraction of runs is an exact
binomial count recovered from the runner's merged mean
(:func:`lrtheory.montecarlo.runner.indicator_proportion`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from lrtheory.arrays import namespace
from lrtheory.errors import (
    ParameterError,
    check_int,
    check_positive,
    check_real,
    float_array,
    operands,
)
from lrtheory.models.convergence import FirstPassage, steps_to_tolerance

Array = np.ndarray[Any, Any]

INTEGER_COUNT_REASON = ("integer first-passage counts: exact unless ln tol/ln ρ lies within "
                        "rounding of an integer")


# --------------------------------------------------------------------------------------
# Worst case over all starts
# --------------------------------------------------------------------------------------


@operands("state")
def sup_norm(state: Any) -> Any:
    """max_i |x_i| over the last axis. From the all-ones start in an eigenbasis of commuting
    symmetric iterations this is the worst case over all starts, ‖G_t ⋯ G_1‖₂."""
    xp = namespace(state)
    return xp.max(xp.abs(state), axis=-1)


def spectral_norm(state: Array) -> Array:
    """‖E‖₂ of each matrix of a (batch, d, d) stack."""
    return np.asarray(np.linalg.norm(state, 2, axis=(1, 2)))


def linear_step(g: Array) -> Callable[[Any, int], Any]:
    """The batch step e ← eGᵀ for :func:`steps_to_tolerance` (rows are runs)."""
    return lambda e, t: e @ g.T


def constant_iteration(g: Array) -> Callable[[int], Array]:
    """A time-invariant iteration matrix as a batch of one, for :func:`worst_case_passage`."""
    return lambda t: g[None]


def worst_case_passage(iteration: Callable[[int], Array], d: int, tol: float, max_steps: int,
                       blowup: float = 1e100) -> FirstPassage:
    """Steps until the worst case over all starts, ‖G_{t−1} ⋯ G_0‖₂, is ≤ ``tol``.

    ``iteration(t)`` returns the (batch, d, d) iteration matrices of step t. Every start is
    run at once (E₀ = I, E ← G_t E), so the measure is the spectral norm of the product.
    """
    d = check_int("d", d, 1)
    g0 = np.asarray(iteration(0))
    if g0.ndim != 3 or g0.shape[1:] != (d, d):
        raise ParameterError("iteration(0)", g0.shape, f"a (batch, {d}, {d}) array")
    start = np.broadcast_to(np.eye(d), g0.shape).copy()
    return steps_to_tolerance(lambda e, t: iteration(t) @ e, start, tol, max_steps,
                              measure=spectral_norm, blowup=blowup)


def piecewise_geometric_steps(factors: Sequence[Sequence[float]], lengths: Sequence[int],
                              tol: float) -> int:
    """First t with max_i |x_i(t)| ≤ tol when every |x_i(0)| = 1 and x_i is multiplied by
    ``factors[p][i]`` at each of the ``lengths[p]`` steps of phase p (the last phase lasts
    for ever). Within a phase each ln|x_i| is affine in the step, so the steps where it is
    ≤ ln tol form an interval found with ⌈·⌉ / ⌊·⌋; the answer is the first step common to
    every component's interval. −1 if no step qualifies.
    """
    q = np.abs(float_array("factors", factors))
    if q.ndim != 2 or len(lengths) != q.shape[0] - 1:
        raise ParameterError("lengths", list(lengths), "one length per phase but the last")
    tol = check_positive("tol", tol)
    log_tol = math.log(tol)
    level = np.zeros(q.shape[1])  # ln|x_i| at the start of the phase
    start = 0
    for p in range(q.shape[0]):
        span = math.inf if p == q.shape[0] - 1 else check_int("lengths", int(lengths[p]), 1)
        lo, hi = 0.0, span - 1
        for i, factor in enumerate(q[p]):
            gap = log_tol - level[i]
            if math.isinf(gap):  # x_i is exactly 0 from an earlier zero factor
                continue
            if factor == 0.0:
                lo = max(lo, 0.0 if gap >= 0 else 1.0)
            elif factor == 1.0:
                hi = hi if gap >= 0 else -1.0
            elif factor < 1.0:
                lo = max(lo, 0.0 if gap >= 0 else math.ceil(gap / math.log(factor)))
            else:
                hi = min(hi, math.floor(gap / math.log(factor)) if gap >= 0 else -1.0)
        if lo <= hi:
            return int(start + lo)
        if span == math.inf:
            return -1
        with np.errstate(divide="ignore"):
            level = level + span * np.log(q[p])
        start += int(span)
    return -1  # pragma: no cover - the last phase always returns


# --------------------------------------------------------------------------------------
# Judging counts
# --------------------------------------------------------------------------------------


def integer_margin(x: float) -> float:
    """Distance of x to the nearest integer: how far a ⌈·⌉ count is from flipping."""
    x = check_real("x", x)
    return abs(x - round(x))


def count_tolerance(x: float, rounding: float) -> float:
    """Tolerance of a step count ⌈x⌉ (or ⌊x⌋ + 1) computed by iterating: 0 when x is more
    than ``rounding`` from an integer (the count cannot flip), else one step."""
    return 0.0 if integer_margin(x) > check_positive("rounding", rounding) else 1.0
