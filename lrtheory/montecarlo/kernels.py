"""Ensemble kernels shared by several claims, written once against the array namespace.

Each kernel is a factory: it takes the model's parameters and returns a function of the
chunk's RNG (:class:`lrtheory.montecarlo.runner.ChunkRNG`) that simulates every chain of
the chunk and returns per-chain statistics. Only array-API functions of ``rng.xp`` touch the
chains (tested under array-api-strict), so the kernels run on NumPy and CuPy unchanged.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lrtheory.arrays import astype
from lrtheory.errors import DivergenceError, ParameterError, check_int, check_positive
from lrtheory.montecarlo.compiled import advance_sgd
from lrtheory.montecarlo.runner import ChunkRNG, Kernel

#: Kernels look for overflowed chains every this many steps (a 1/32 extra pass), so that a
#: divergence is reported with the step it had happened by.
DIVERGENCE_CHECK = 32


def check_finite(state: Any, step: int, xp: Any) -> None:
    """Raise :class:`DivergenceError` ("by step ``step``", with the number of chains) if any
    chain of ``state`` (n, …) has left the finite floats."""
    finite = xp.isfinite(state)
    if not bool(xp.all(finite)):
        bad = ~xp.all(xp.reshape(finite, (state.shape[0], -1)), axis=1)
        raise DivergenceError("simulation", step, int(xp.sum(astype(xp, bad, xp.int64))))


def _real_array(name: str, value: object, allowed: str) -> np.ndarray[Any, Any]:
    """``value`` as a float64 array, or a ParameterError if it holds anything but reals."""
    if isinstance(value, str | bytes | dict) or value is None:
        raise ParameterError(name, value, allowed)
    try:
        array = np.asarray(value)
        if array.dtype.kind not in "biuf":
            raise TypeError(array.dtype)
        return array.astype(np.float64)
    except (TypeError, ValueError):
        raise ParameterError(name, value, allowed) from None


def sgd_diagonal_quadratic(eta: float, curvatures: np.ndarray[Any, Any], noise_sd: float,
                           steps: int, x0: np.ndarray[Any, Any] | None = None) -> Kernel:
    """SGD on L(x) = ½ Σ λ_i x_i² with additive Gaussian gradient noise.

        x_{t+1} = x_t − η (λ ⊙ x_t + s ξ_t),   ξ_t ~ N(0, I),   s = σ/√B,

    run for ``steps`` steps from ``x0`` (default 0); returns the final iterates, shape (n, d).
    A chain that overflows (|1 − ηλ_i| > 1) raises :class:`DivergenceError` with the step
    (checked every :data:`DIVERGENCE_CHECK` steps) it had diverged by.

    The state is kept rescaled, y = x / (−ηs), so that a step is y ← (1 − ηλ) ⊙ y + ξ: one
    normal fill and two in-place passes over a chunk that stays in cache (x = −ηs·y at the
    end). The rescaling is exact algebra; it saves a third pass per step.
    """
    eta = check_positive("eta", eta)
    noise_sd = check_positive("noise_sd", noise_sd)
    check_int("steps", steps, 0)
    lam = _real_array("curvatures", curvatures, "a non-empty finite 1-D array")
    if lam.ndim != 1 or lam.size == 0 or not np.all(np.isfinite(lam)):
        raise ParameterError("curvatures", curvatures, "a non-empty finite 1-D array")
    start = np.zeros_like(lam) if x0 is None else _real_array(
        "x0", x0, f"a finite array of the shape of curvatures, {lam.shape}")
    if start.shape != lam.shape or not np.all(np.isfinite(start)):
        raise ParameterError("x0", x0, f"a finite array of the shape of curvatures, {lam.shape}")
    kick = -eta * noise_sd

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        d = lam.shape[0]
        contraction = xp.asarray(1.0 - eta * lam, dtype=rng.dtype)
        y = xp.empty((rng.n, d), dtype=rng.dtype)
        y[...] = xp.asarray(start / kick, dtype=rng.dtype)  # broadcast over the chains
        # numba installed (lrtheory[fast]) and a NumPy SFC64 stream: the same steps on the
        # same draws, compiled (lrtheory.montecarlo.compiled); otherwise the array code.
        if not advance_sgd(rng, contraction, y, steps, DIVERGENCE_CHECK):
            for step in range(1, steps + 1):
                xi = rng.normal(d)
                y *= contraction
                y += xi
                if step % DIVERGENCE_CHECK == 0 or step == steps:
                    check_finite(y, step, xp)
        y *= kick
        return y

    return kernel
