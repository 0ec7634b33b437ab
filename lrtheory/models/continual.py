"""A mechanistic two-task SGD model of continual learning (plasticity ∝ η, forgetting ∝ η²).

Its mean-field limit is the ODE pair dP/dt = aη(1 − P), dR/dt = −bη²R of claim G3; its
expectations after K steps are known exactly, so Monte Carlo tests it without bias.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from lrtheory.errors import ParameterError, check_positive
from lrtheory.montecarlo.runner import ChunkRNG, Kernel

FloatArray = NDArray[np.float64]


def discrete_expectations(etas: FloatArray, a: float, b: float) -> tuple[FloatArray,
                                                                         FloatArray]:
    """Exact expectations of the two-task SGD model after each step, for rates η_k (last axis).

    E[P_K] = 1 − Π_{k<K}(1 − aη_k) and E[R_K] = exp(−b Σ_{k<K} η_k²); returned for
    K = 1 … len(η) (the last entry is the end of training).
    """
    a = check_positive("a", a)
    b = check_positive("b", b)
    etas = np.asarray(etas, dtype=np.float64)
    if etas.ndim == 0 or etas.shape[-1] == 0 or not np.all(np.isfinite(etas)):
        raise ParameterError("etas", etas, "a non-empty finite array of learning rates")
    skill: FloatArray = 1.0 - np.cumprod(1.0 - a * etas, axis=-1, dtype=np.float64)
    retention: FloatArray = np.exp(-b * np.cumsum(etas**2, axis=-1))
    return skill, retention


def two_task_sgd(etas: FloatArray, a: float, b: float) -> Kernel:
    """Ensemble kernel of the two-task SGD model, one column pair per schedule (row of η).

    New task: SGD on ℓ(u) = ½(x(u − u*))² with a fresh feature x ~ N(0, a) each step, so the
    weight error e = u − u* (e₀ = 1) follows e_{k+1} = (1 − η_k x_k²) e_k and the skill is
    P = 1 − e. Old task: the new task's gradient noise leaks into the old task's weights and
    rotates them by the angle η_k σ ζ_k (ζ_k ~ N(0, 1), σ = √(2b)); the retention is the
    cosine similarity R = cos φ with the old solution. Per chain the schedules share x_k and
    ζ_k (common random numbers); each column is still an exact sample of its own schedule.
    Returns columns (P_T, R_T) for each schedule in turn.
    """
    a = check_positive("a", a)
    sigma = math.sqrt(2.0 * check_positive("b", b))
    rates = np.asarray(etas, dtype=np.float64)
    if rates.ndim != 2 or 0 in rates.shape or not np.all(np.isfinite(rates)):
        raise ParameterError("etas", etas, "a finite (schedules, steps) array")
    n_sched, steps = rates.shape

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        per_step = xp.asarray(rates.T, dtype=rng.dtype)
        error = xp.ones((rng.n, n_sched), dtype=rng.dtype)
        angle = xp.zeros((rng.n, n_sched), dtype=rng.dtype)
        for k in range(steps):
            x = rng.normal(1)
            zeta = rng.normal(1)
            error -= (a * x * x) * per_step[k] * error
            angle += zeta * (sigma * per_step[k])
        return xp.stack([1.0 - error, xp.cos(angle)], axis=2).reshape(rng.n, 2 * n_sched)

    return kernel
