"""Block-diagonal quadratics with one learning rate per block (claim S6).

With H = diag(H_1, …, H_L) and one rate per block, GD's iteration matrix
G = diag(I − η_ℓ H_ℓ) is block-diagonal, so its spectrum is the union of the blocks'. For
η_ℓ = 2f/λ_max(H_ℓ) block ℓ contracts by max(|1 − 2f|, 1 − 2f/κ_ℓ); one global
η = 2f/λ_max(H) contracts by max(|1 − 2f|, 1 − 2f/κ). Worst-case steps to ``tol`` are
⌈ln tol / ln ρ⌉. The random law used here draws each block's k eigenvalues log-uniformly on
[1, e^A]; then ln κ_ℓ / A is the range of k uniforms (CDF k w^{k−1} − (k−1) w^k), ln κ / A the
range of all Lk, and expected counts are exact finite sums E N = Σ_j P(ρ^j > tol).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from lrtheory.arrays import namespace
from lrtheory.errors import (
    ParameterError,
    check_int,
    check_positive,
    check_real,
    check_reals,
    float_array,
)
from lrtheory.models.convergence import geometric_steps
from lrtheory.models.quadratic import spd_matrix

Array = np.ndarray[Any, Any]


def worst_case_rate(fraction: Any, kappa: Any) -> Any:
    """ρ = max(|1 − 2f|, 1 − 2f/κ): the contraction of η = 2f/λ_max on a spectrum with
    condition number κ (the factor |1 − ηλ| is largest at an end of [λ_max/κ, λ_max])."""
    fraction = check_reals("fraction", fraction, 0.0)
    kappa = check_reals("kappa", kappa, 1.0, lo_open=False)
    return np.maximum(np.abs(1.0 - 2.0 * fraction), 1.0 - 2.0 * fraction / kappa)


def range_cdf(w: Any, n: int) -> Any:
    """P(max − min ≤ w) for n independent U(0, 1): n w^{n−1} − (n − 1) w^n on [0, 1]."""
    n = check_int("n", n, 2)
    x = np.clip(float_array("w", w), 0.0, 1.0)
    return n * x ** (n - 1) - (n - 1) * x**n


@dataclass(frozen=True)
class BlockLaw:
    """L blocks of k eigenvalues each, every eigenvalue e^{A·U}, U ~ U(0, 1) independent."""

    blocks: int
    per_block: int
    log_range: float

    def __post_init__(self) -> None:
        check_int("blocks", self.blocks, 2)
        check_int("per_block", self.per_block, 2)
        check_positive("log_range", self.log_range)

    @property
    def dim(self) -> int:
        return self.blocks * self.per_block

    def layerwise_cdf(self, w: Any) -> Any:
        """CDF of ln κ_B / A, κ_B = max_ℓ κ_ℓ: the largest of L ranges of k uniforms."""
        return range_cdf(w, self.per_block) ** self.blocks

    def global_cdf(self, w: Any) -> Any:
        """CDF of ln κ / A, κ the condition number of H: the range of all Lk uniforms."""
        return range_cdf(w, self.dim)

    def shared_extremes(self) -> float:
        """P(one block holds both λ_max(H) and λ_min(H)) = (k − 1)/(Lk − 1): given the block
        of the largest draw, the smallest is any of the other Lk − 1 with equal chance."""
        return (self.per_block - 1) / (self.dim - 1)

    def sample(self, rng: Any) -> Any:
        """Spectra for every chain of a ChunkRNG: an (n, L, k) array."""
        xp = rng.xp
        return xp.exp(self.log_range * rng.uniform(self.blocks, self.per_block))

    def dense_blocks(self, seed: int) -> list[Array]:
        """One problem of the law as dense blocks H_ℓ in random bases (``spd_matrix``; with
        k = 2 the spectrum is exactly the two draws)."""
        lam = np.exp(self.log_range * np.random.default_rng(seed).uniform(
            size=(self.blocks, self.per_block)))
        return [spd_matrix(self.per_block, float(lo), float(hi), seed + i)
                for i, (lo, hi) in enumerate(zip(lam.min(1), lam.max(1), strict=True))]

    def max_steps(self, fraction: float, tol: float) -> int:
        """The largest possible worst-case count (κ ≤ e^A)."""
        return geometric_steps(float(worst_case_rate(fraction, math.exp(self.log_range))), tol)

    def expected_steps(self, fraction: float, tol: float, rule: str) -> float:
        """E⌈ln tol / ln ρ⌉ = Σ_{j≥0} P(ρ^j > tol), ρ = max(|1 − 2f|, 1 − 2f/κ); κ = κ_B for
        ``rule="layerwise"``, the global κ for ``rule="global"``. P(ρ^j > tol) is 1 when
        |1 − 2f|^j > tol and P(κ > 2f/(1 − tol^{1/j})) otherwise: a finite, exact sum."""
        f = check_real("fraction", fraction, 0.0, 1.0)
        tol = check_real("tol", tol, 0.0, 1.0)
        if rule not in ("layerwise", "global"):
            raise ParameterError("rule", rule, "'layerwise' or 'global'")
        cdf = self.layerwise_cdf if rule == "layerwise" else self.global_cdf
        j = np.arange(1, self.max_steps(f, tol) + 1, dtype=np.float64)
        level = tol ** (1.0 / j)
        with np.errstate(divide="ignore"):
            w = np.log(2.0 * f / (1.0 - level)) / self.log_range
        tail = np.where(abs(1.0 - 2.0 * f) > level, 1.0, 1.0 - cdf(w))
        return float(1.0 + tail.sum())

    def strict_speedup(self, fraction: float) -> float:
        """P(ρ_layerwise < ρ_global) = P(the extremes of H lie in different blocks)·P(κ >
        f/(1 − f)): which draws are extreme is independent of their values."""
        f = check_real("fraction", fraction, 0.0, 1.0)
        w = math.log(f / (1.0 - f)) / self.log_range if f > 0.5 else 0.0
        return (1.0 - self.shared_extremes()) * (1.0 - float(self.global_cdf(w)))


def block_factors(lam: Any, fraction: float, rule: str) -> Any:
    """Per-direction factors 1 − η_ℓλ of (…, L, k) block spectra: η_ℓ = 2f/λ_max(H_ℓ)
    (``"layerwise"``) or η = 2f/λ_max(H) (``"global"``); flattened to (…, Lk)."""
    xp = namespace(lam)
    if rule == "layerwise":
        top = xp.max(lam, axis=-1, keepdims=True)
    elif rule == "global":
        top = xp.max(lam, axis=(-2, -1), keepdims=True)
    else:
        raise ParameterError("rule", rule, "'layerwise' or 'global'")
    q = 1.0 - 2.0 * fraction * (lam / top)
    return xp.reshape(q, (*lam.shape[:-2], -1))


def block_rates(blocks: Sequence[Array], fraction: float, rule: str) -> Array:
    """Per-coordinate η of block-diagonal GD: 2f/λ_max(H_ℓ) on block ℓ, or 2f/λ_max(H)."""
    fraction = check_positive("fraction", fraction)
    tops = np.array([np.linalg.eigvalsh(b)[-1] for b in blocks])
    if rule == "global":
        tops = np.full_like(tops, tops.max())
    elif rule != "layerwise":
        raise ParameterError("rule", rule, "'layerwise' or 'global'")
    return np.repeat(2.0 * fraction / tops, [b.shape[0] for b in blocks])
