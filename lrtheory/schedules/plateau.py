"""Reduce-on-plateau: a learning-rate schedule with state, written as a pure function.

The other schedules are functions of the step, η(t); this one is feedback: it watches a
monitored loss once per epoch and cuts the rate when the loss stops improving (seed 002:
lower η "whenever progress stalls"; seed 003: "iteratively halving the learning rate").
The rule is PyTorch's ``ReduceLROnPlateau(mode="min")``, epoch by epoch, with loss L_j:

    improved  =  L_j < best·(1 − δ)   (threshold_mode "rel")  or  L_j < best − δ  ("abs")
    best ← L_j and bad ← 0 if improved, else bad ← bad + 1
    if cool > 0:    cool ← cool − 1 and bad ← 0          (bad epochs in a cooldown ignored)
    if bad > p:     η ← max(fη, η_min) unless that cuts by ≤ eps;  cool ← c;  bad ← 0

with factor f ∈ (0, 1), patience p, threshold δ, cooldown c; best starts at +∞, so the
first epoch always improves. A reduction therefore comes after p + 1 epochs in a row
without an improvement of more than δ (relative) over the best loss so far.

The shape is optax's: state in, (η, state) out, no hidden mutation::

    schedule = reduce_on_plateau(0.5, factor=0.5, patience=2, threshold=1e-3)
    state = schedule.init()                 # or init(shape) for many chains at once
    eta, state = schedule(state, loss)      # η for the next epoch

Every field of :class:`PlateauState` is an array of the loss's shape, so one call advances
any number of independent runs (a chain per entry, NumPy or CuPy arrays alike), each
reducing at its own epochs; a scalar loss gives 0-d arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from types import ModuleType
from typing import Any, Literal

import numpy as np

from lrtheory.arrays import astype, namespace
from lrtheory.errors import ParameterError, check_int, check_positive, check_real

ThresholdMode = Literal["rel", "abs"]


@dataclass(frozen=True)
class PlateauState:
    """The schedule's memory, one entry per run: the rate for the next epoch, the best
    monitored loss so far, the count of epochs since it improved, the cooldown left and the
    number of reductions made."""

    rate: Any
    best: Any
    bad: Any
    cooldown: Any
    reductions: Any


@dataclass(frozen=True)
class PlateauSchedule:
    """Reduce-on-plateau with checked parameters (build it with :func:`reduce_on_plateau`).

    ``init(shape)`` gives the starting state of ``shape`` runs; calling the schedule on a
    state and the epoch's monitored loss (an array of that shape) returns the rate for the
    next epoch and the new state."""

    eta0: float
    factor: float
    patience: int
    threshold: float
    threshold_mode: ThresholdMode
    cooldown: int
    eta_min: float
    eps: float

    def init(self, shape: tuple[int, ...] = (), xp: ModuleType = np) -> PlateauState:
        """The state before the first epoch: η = η₀, best = +∞, no bad epochs, no cooldown."""
        if not isinstance(shape, tuple) or not all(
                isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape):
            raise ParameterError("shape", shape, "a tuple of integers ≥ 0")
        zeros = [xp.zeros(shape, dtype=xp.int64) for _ in range(3)]  # three arrays
        return PlateauState(rate=xp.full(shape, self.eta0, dtype=xp.float64),
                            best=xp.full(shape, xp.inf, dtype=xp.float64),
                            bad=zeros[0], cooldown=zeros[1], reductions=zeros[2])

    def improved(self, loss: Any, best: Any) -> Any:
        """Whether ``loss`` beats ``best`` by more than the threshold (element-wise)."""
        if self.threshold_mode == "rel":
            return loss < best * (1.0 - self.threshold)
        return loss < best - self.threshold

    def __call__(self, state: PlateauState, loss: Any) -> tuple[Any, PlateauState]:
        xp = namespace(loss, state.best)
        current = xp.asarray(loss, dtype=xp.float64)
        if current.shape != state.best.shape:
            raise ParameterError("loss", getattr(loss, "shape", loss),
                                 f"an array of the state's shape {state.best.shape}")
        better = self.improved(current, state.best)
        best = xp.where(better, current, state.best)
        bad = xp.where(better, 0, state.bad + 1)
        cooling = state.cooldown > 0
        cooldown = xp.where(cooling, state.cooldown - 1, state.cooldown)
        bad = xp.where(cooling, 0, bad)
        due = bad > self.patience
        cut = xp.maximum(state.rate * self.factor, self.eta_min)
        reduce = due & (state.rate - cut > self.eps)
        rate = xp.where(reduce, cut, state.rate)
        new = replace(state, rate=rate, best=best, bad=xp.where(due, 0, bad),
                      cooldown=xp.where(due, self.cooldown, cooldown),
                      reductions=state.reductions + astype(xp, reduce, xp.int64))
        return rate, new


def reduce_on_plateau(eta0: float, factor: float = 0.1, patience: int = 10,
                      threshold: float = 1e-4, threshold_mode: ThresholdMode = "rel",
                      cooldown: int = 0, eta_min: float = 0.0,
                      eps: float = 1e-8) -> PlateauSchedule:
    """Reduce-on-plateau starting at η₀ (defaults: PyTorch's ``ReduceLROnPlateau``):
    multiply η by ``factor`` ∈ (0, 1) after ``patience`` + 1 epochs without an improvement
    of the monitored loss by more than ``threshold`` (relative to the best, or absolute),
    never below ``eta_min``; ``cooldown`` epochs after a cut ignore bad epochs, and a cut
    of ≤ ``eps`` is skipped."""
    eta0 = check_positive("eta0", eta0)
    factor = check_real("factor", factor, 0.0, 1.0)
    patience = check_int("patience", patience, 0)
    if not isinstance(threshold_mode, str) or threshold_mode not in ("rel", "abs"):
        raise ParameterError("threshold_mode", threshold_mode, "'rel' or 'abs'")
    hi = 1.0 if threshold_mode == "rel" else float("inf")
    threshold = check_real("threshold", threshold, 0.0, hi, lo_open=False)
    cooldown = check_int("cooldown", cooldown, 0)
    eta_min = check_real("eta_min", eta_min, 0.0, eta0, lo_open=False, hi_open=False)
    eps = check_real("eps", eps, 0.0, lo_open=False)
    return PlateauSchedule(eta0, factor, patience, threshold, threshold_mode, cooldown,
                           eta_min, eps)
