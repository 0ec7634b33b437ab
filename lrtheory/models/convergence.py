"""Counting steps to a tolerance, for a batch of runs at once.

A claim that one learning-rate rule "converges faster" than another is checked by counting:
from the same start, how many steps until the error measure falls to ``tol``? Every run of a
batch is advanced together (the state's leading axis is the batch); a run is frozen when it
reaches the tolerance, and one whose measure exceeds ``blowup`` (or leaves the finite floats)
is recorded as diverged at that step: divergence is a result, not a NaN.

For a linear contraction the count has a closed form: a component with factor q shrinks
below ``tol`` from 1 after ⌈ln tol / ln|q|⌉ steps (:func:`geometric_steps`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from lrtheory.arrays import namespace, to_numpy
from lrtheory.errors import ParameterError, check_int, check_positive, check_real

Step = Callable[[Any, int], Any]
"""``step(state, t) -> state``: one step (t = 0, 1, …) of every run in the batch."""
Measure = Callable[[Any], Any]
"""``measure(state) -> (batch,)`` non-negative error of each run."""


@dataclass(frozen=True)
class FirstPassage:
    """Per run: the first step with measure ≤ tol (``steps``; −1 if never within
    ``max_steps``) and the step at which it diverged (``diverged_at``; −1 if it did not)."""

    steps: np.ndarray[Any, Any]
    diverged_at: np.ndarray[Any, Any]
    max_steps: int

    @property
    def reached(self) -> np.ndarray[Any, Any]:
        return np.asarray(self.steps >= 0)

    @property
    def diverged(self) -> np.ndarray[Any, Any]:
        return np.asarray(self.diverged_at >= 0)


def euclidean(state: Any) -> Any:
    """The default measure: the Euclidean norm over the last axis of a (batch, d) state."""
    xp = namespace(state)
    return xp.sqrt(xp.sum(state * state, axis=-1))


def steps_to_tolerance(step: Step, state: Any, tol: float, max_steps: int, *,
                       measure: Measure = euclidean, blowup: float = 1e100) -> FirstPassage:
    """Advance every run until ``measure(state) ≤ tol`` or ``max_steps`` steps.

    ``steps[i] = min{t ≥ 0 : measure(x_t)_i ≤ tol}`` (t = 0 is the start itself), −1 if the
    tolerance is not reached by ``max_steps``; runs whose measure exceeds ``blowup`` or is not
    finite stop there with ``diverged_at[i] = t``. The loop ends early once every run is
    settled. The arrays are NumPy arrays whatever the backend of ``state``.
    """
    tol = check_positive("tol", tol)
    max_steps = check_int("max_steps", max_steps, 1)
    blowup = check_real("blowup", blowup, tol)
    m = np.asarray(to_numpy(measure(state)), dtype=np.float64)
    if m.ndim != 1:
        raise ParameterError("measure(state)", m.shape, "a 1-D array with one value per run")
    steps = np.full(m.shape, -1, dtype=np.int64)
    diverged = np.full(m.shape, -1, dtype=np.int64)
    for t in range(max_steps + 1):
        if t > 0:
            state = step(state, t - 1)
            m = np.asarray(to_numpy(measure(state)), dtype=np.float64)
        open_ = (steps < 0) & (diverged < 0)
        with np.errstate(invalid="ignore"):
            bad = open_ & ~(m <= blowup)
        steps[open_ & (m <= tol)] = t
        diverged[bad] = t
        if not np.any((steps < 0) & (diverged < 0)):
            break
    return FirstPassage(steps, diverged, max_steps)


def geometric_steps(factor: float, reduction: float) -> int:
    """Steps for |factor|^t ≤ reduction: ⌈ln(reduction)/ln|factor|⌉ (0 if reduction ≥ 1).

    >>> geometric_steps(0.5, 1e-3)
    10
    """
    q = abs(check_real("factor", factor, -1.0, 1.0))
    r = check_positive("reduction", reduction)
    if r >= 1.0:
        return 0
    if q == 0.0:
        return 1
    return max(0, math.ceil(math.log(r) / math.log(q)))
