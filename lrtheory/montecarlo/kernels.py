"""Ensemble kernels shared by several claims, written once against the array namespace.

Each kernel is a factory: it takes the model's parameters and returns a function of the
chunk's RNG (:class:`lrtheory.montecarlo.runner.ChunkRNG`) that simulates every chain of
the chunk and returns per-chain statistics.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lrtheory.montecarlo.runner import ChunkRNG, Kernel


def sgd_diagonal_quadratic(eta: float, curvatures: np.ndarray[Any, Any], noise_sd: float,
                           steps: int, x0: np.ndarray[Any, Any] | None = None) -> Kernel:
    """SGD on L(x) = ½ Σ λ_i x_i² with additive Gaussian gradient noise.

        x_{t+1} = x_t − η (λ ⊙ x_t + s ξ_t),   ξ_t ~ N(0, I),   s = σ/√B,

    run for ``steps`` steps from ``x0`` (default 0); returns the final iterates, shape (n, d).
    Written in place (``x *= 1 − ηλ``, ``x += −ηs ξ``) so a step costs one normal fill and
    two passes over a chunk that stays in cache.
    """
    lam = np.asarray(curvatures, dtype=np.float64)
    start = np.zeros_like(lam) if x0 is None else np.asarray(x0, dtype=np.float64)

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        d = lam.shape[0]
        contraction = xp.asarray(1.0 - eta * lam, dtype=rng.dtype)
        kick = -eta * noise_sd
        x = xp.empty((rng.n, d), dtype=rng.dtype)
        x[...] = xp.asarray(start, dtype=rng.dtype)
        for _ in range(steps):
            xi = rng.normal(d)
            x *= contraction
            xi *= kick
            x += xi
        return x

    return kernel
