"""Minibatches of a finite data set: exact moments of the minibatch mean, and sampling them.

A data set holds n per-example values g_1 … g_n (one coordinate of the per-example
gradients, say), with population mean and variance

    μ = (1/n) Σ_i g_i,        σ² = (1/n) Σ_i (g_i − μ)².

A minibatch of size B is drawn either **with replacement** (B independent uniform indices:
all n^B ordered tuples equally likely) or **without replacement** (a uniform B-subset: all
C(n, B) subsets equally likely), and ĝ_B is the mean of its values.

* :func:`population_moments` gives (μ, σ²) exactly (fractions);
* :func:`minibatch_moments` (one B) and :func:`moments_by_size` (every B up to a maximum)
  give E[ĝ_B] and Var(ĝ_B) *exactly*, over every batch, by a recursion over the examples
  (integers or fractions, no rounding, O(nB) steps for any n: C(64, 32) ≈ 1.8·10¹⁸ subsets
  cost 2000 steps); :func:`enumerated_moments` lists the batches instead (small cases), and
  :func:`symbolic_batch_spread` does so on symbolic data;
* :func:`least_squares_gradients` gives the per-example gradients x_i(x_iᵀw − y_i) of the
  least-squares loss (1/2n)Σ(x_iᵀw − y_i)² (integers for integer data), and
  :func:`sign_design` a small integer data set for it;
* :func:`batch_counts` draws every Monte Carlo chain's minibatch as counts c_i (any
  backend), :func:`minibatch_means` turns them into ĝ_B = (1/B)Σc_ig_i, and
  :func:`sampling_distance` bounds how far the sampled law of a batch can be from the exact
  one (the float grid of the uniforms).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from lrtheory.arrays import astype, contiguous, einsum
from lrtheory.errors import MAX_SIZE, ParameterError, check_int
from lrtheory.montecarlo.runner import ChunkRNG


@dataclass(frozen=True)
class BatchMoments:
    """Exact moments of the minibatch mean ĝ_B over ``batches`` equally likely batches."""

    mean: Fraction
    variance: Fraction
    batches: int


def _values(values: Iterable[Any]) -> list[Fraction]:
    """The data as exact fractions (a float is the rational it stores)."""
    out = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int | float | Fraction | np.integer
                                                 | np.floating):
            raise ParameterError("values", v, "real numbers (int, float or Fraction)")
        if isinstance(v, float | np.floating) and not math.isfinite(float(v)):
            raise ParameterError("values", v, "finite numbers")
        out.append(Fraction(int(v)) if isinstance(v, np.integer)
                   else Fraction(float(v)) if isinstance(v, np.floating) else Fraction(v))
    if len(out) < 1:
        raise ParameterError("values", out, "at least one example")
    return out


def _batch(batch: object, n: int, replacement: bool, name: str = "batch") -> int:
    return check_int(name, batch, 1, MAX_SIZE if replacement else n)


def population_moments(values: Iterable[Any]) -> tuple[Fraction, Fraction]:
    """(μ, σ²) of the data set, exactly: σ² with the 1/n of a population (the variance of one
    uniformly drawn example), not the 1/(n − 1) of a sample."""
    g = _values(values)
    mu = sum(g, Fraction(0)) / len(g)
    return mu, sum(((x - mu) ** 2 for x in g), Fraction(0)) / len(g)


def minibatch_moments(values: Iterable[Any], batch: int, replacement: bool) -> BatchMoments:
    """E[ĝ_B] and Var(ĝ_B) over every batch of size B, exactly (:func:`moments_by_size`)."""
    g = _values(values)
    return moments_by_size(g, _batch(batch, len(g), replacement), replacement)[-1]


def moments_by_size(values: Iterable[Any], max_batch: int,
                    replacement: bool) -> list[BatchMoments]:
    """The exact :class:`BatchMoments` of ĝ_k for every batch size k = 1 … ``max_batch``.

    Let N_k, S_k, Q_k be the number of batches of size k, the sum of their totals T = Σ g
    and of T². Without replacement (k-subsets) the examples are added one at a time: the
    next value g either stays out or joins a (k − 1)-subset, so N_k += N_{k−1},
    S_k += S_{k−1} + gN_{k−1}, Q_k += Q_{k−1} + 2gS_{k−1} + g²N_{k−1} (k from the top down,
    so that each example joins a subset once). With replacement (ordered k-tuples) one more
    draw ranges over all n examples: with p₁ = Σg and p₂ = Σg², N_k = nN_{k−1},
    S_k = nS_{k−1} + p₁N_{k−1}, Q_k = nQ_{k−1} + 2p₁S_{k−1} + p₂N_{k−1}. Then
    E[ĝ_k] = S_k/(kN_k) and Var(ĝ_k) = (Q_k/N_k − (S_k/N_k)²)/k². Integer data are summed
    as Python integers (no rounding, no overflow), other data as fractions; O(n·k) steps.
    """
    g = _values(values)
    top = _batch(max_batch, len(g), replacement, "max_batch")
    data: list[Fraction] | list[int] = (
        [int(x) for x in g] if all(x.denominator == 1 for x in g) else g)
    counts = [1] + [0] * top
    totals: list[Any] = [0] * (top + 1)
    squares: list[Any] = [0] * (top + 1)
    if replacement:
        n, p1, p2 = len(data), sum(data), sum(x * x for x in data)
        for k in range(1, top + 1):
            counts[k] = n * counts[k - 1]
            totals[k] = n * totals[k - 1] + p1 * counts[k - 1]
            squares[k] = n * squares[k - 1] + 2 * p1 * totals[k - 1] + p2 * counts[k - 1]
    else:
        for x in data:
            for k in range(top, 0, -1):
                counts[k] += counts[k - 1]
                squares[k] += squares[k - 1] + 2 * x * totals[k - 1] + x * x * counts[k - 1]
                totals[k] += totals[k - 1] + x * counts[k - 1]
    out = []
    for k in range(1, top + 1):
        mean_total = Fraction(totals[k]) / counts[k]
        out.append(BatchMoments(mean_total / k,
                                (Fraction(squares[k]) / counts[k] - mean_total**2) / k**2,
                                counts[k]))
    return out


def enumerated_moments(values: Iterable[Any], batch: int, replacement: bool,
                       limit: int = 200_000) -> BatchMoments:
    """The same moments by listing every batch (n^B tuples or C(n, B) subsets, at most
    ``limit``) and summing each: independent of :func:`moments_by_size`' recursion. Integer
    data are summed in int64 arrays (exact: |T| ≤ B·max|g| is checked to keep Σ T² below
    2⁶³), other data as fractions."""
    g = _values(values)
    b = _batch(batch, len(g), replacement)
    size = len(g) ** b if replacement else math.comb(len(g), b)
    if size > limit:
        raise ParameterError("batch", batch, f"small enough to list every batch (≤ {limit})")
    idx = (np.indices((len(g),) * b).reshape(b, -1).T if replacement
           else np.array(list(itertools.combinations(range(len(g)), b)), dtype=np.int64))
    top = b * max(abs(x) for x in g)
    if all(x.denominator == 1 for x in g) and size * top * top < 2**62:
        totals = np.array([int(x) for x in g], dtype=np.int64)[idx].sum(axis=1)
        s1, s2 = int(totals.sum()), int((totals * totals).sum())
        var = Fraction(s2 * size - s1 * s1, size * size)
        return BatchMoments(Fraction(s1, size * b), var / b**2, size)
    sums = [sum((g[i] for i in row), Fraction(0)) for row in idx]
    mean = sum(sums, Fraction(0)) / size
    spread = sum(((t - mean) ** 2 for t in sums), Fraction(0)) / size
    return BatchMoments(mean / b, spread / b**2, size)


def symbolic_batch_spread(n: int, batch: int, replacement: bool) -> tuple[Any, Any]:
    """Brute force on symbolic data g₁ … g_n (SymPy): (the average of (ĝ_B − μ)² over every
    batch, σ²), both expanded polynomials in the g_i — a check of any closed form."""
    import sympy as sp

    n = check_int("n", n, 1, 8)
    b = _batch(batch, n, replacement)
    if (n**b if replacement else math.comb(n, b)) > 10_000:
        raise ParameterError("batch", batch, "small enough for ≤ 10 000 batches (n^B tuples "
                             "or C(n, B) subsets) to be listed symbolically")
    g = sp.symbols(f"g_1:{n + 1}", real=True)
    mu = sp.Add(*g) / n
    batches = (list(itertools.product(g, repeat=b)) if replacement
               else list(itertools.combinations(g, b)))
    spread = sp.Add(*((sp.Add(*c) / b - mu) ** 2 for c in batches)) / len(batches)
    return sp.expand(spread), sp.expand(sp.Add(*((x - mu) ** 2 for x in g)) / n)


def least_squares_gradients(x: Any, y: Any, w: Any) -> np.ndarray[Any, Any]:
    """Per-example gradients g_i = x_i(x_iᵀw − y_i) of L(w) = (1/2n)Σ_i (x_iᵀw − y_i)², shape
    (n, d); their mean is ∇L(w). Integer inputs give integers (int64), so every minibatch
    sum of them is exact in floating point while it stays below 2⁵³ (2²⁴ in float32)."""
    xa, ya, wa = (np.asarray(a) for a in (x, y, w))
    for name, a in (("x", xa), ("y", ya), ("w", wa)):
        if a.dtype.kind not in "iuf" or not np.all(np.isfinite(a)):
            raise ParameterError(name, a.shape, "finite real numbers")
    if xa.ndim != 2 or ya.shape != (xa.shape[0],) or wa.shape != (xa.shape[1],):
        raise ParameterError("x", xa.shape, f"an (n, d) array with y of shape (n,) and w of "
                                            f"shape (d,) (got y {ya.shape}, w {wa.shape})")
    return np.asarray(xa * (xa @ wa - ya)[:, None])


# --------------------------------------------------------------------------------------
# Sampling (Monte Carlo, any backend)
# --------------------------------------------------------------------------------------


def batch_counts(rng: ChunkRNG, n: int, batch: int, replacement: bool) -> Any:
    """How often each example is in every chain's minibatch: counts c, shape (chains, n),
    Σ_i c_i = B, on the chunk's backend — the indicator counts of the derivation.

    With replacement, B draws ⌊n·U⌋ are tallied one at a time. Without replacement, selection
    sampling (Fan, Muller & Rezucha 1962; Knuth's Algorithm S): example i joins with
    probability (B − k)/(n − i), k the number taken so far, which gives every B-subset the
    probability 1/C(n, B); n vectorised passes, no sort.
    """
    n = check_int("n", n, 1)
    b = _batch(batch, n, replacement)
    xp = rng.xp
    if replacement:
        counts = xp.zeros((rng.n, n), dtype=rng.dtype)
        examples = xp.arange(n, dtype=rng.dtype)
        draws = xp.minimum(xp.floor(rng.uniform(b) * n), n - 1)
        for j in range(b):  # tally draw j: add the indicator row [⌊nU⌋ = i] (exact in floats)
            counts += astype(xp, draws[:, j:j + 1] == examples, rng.dtype)
        return counts
    u = contiguous(xp, rng.uniform(n).T)  # one row per example: contiguous passes
    chosen = xp.empty((n, rng.n), dtype=rng.dtype)
    taken = xp.zeros(rng.n, dtype=rng.dtype)
    for i in range(n):
        # U < (B − k)/(n − i), without a division
        chosen[i, ...] = astype(xp, u[i, ...] * (n - i) < b - taken, rng.dtype)
        taken += chosen[i, ...]
    return chosen.T


def minibatch_means(rng: ChunkRNG, per_example: Any, batch: int, replacement: bool) -> Any:
    """ĝ_B = (1/B) Σ_i c_i g_i of every chain, shape (chains, d), for per-example values of
    shape (n, d) (:func:`batch_counts`)."""
    xp = rng.xp
    data = xp.asarray(per_example, dtype=rng.dtype)
    if data.ndim != 2:
        raise ParameterError("per_example", data.shape, "an (n, d) array")
    counts = batch_counts(rng, data.shape[0], batch, replacement)
    return einsum(xp, "ci,id->cd", counts, data) / batch  # not BLAS: (chains × n)·(n × d)


def sampling_distance(n: int, batch: int, replacement: bool, dtype: Any) -> float:
    """A bound on the total-variation distance between a sampled batch and the exact law.

    The uniforms lie on a grid of spacing h ≤ ε(dtype) (NumPy: 2⁻⁵³ in float64), so an event
    {U < p} has probability within h of p, and one {⌊nU⌋ = i} within h of 1/n (exactly 1/n
    when n divides 1/h, i.e. n is a power of two). B draws are then within B·h·n of the exact
    law (0 for n a power of two); selection sampling makes n comparisons U·(n − i) < B − k,
    each off by at most h (the grid, and the rounding of the product next to an integer),
    so within n·h; at B = n every comparison reads U·m < m, true for every grid point, so
    the batch is exact. A union bound over the draws or comparisons gives these totals.
    """
    n = check_int("n", n, 1)
    b = _batch(batch, n, replacement)
    h = float(np.finfo(dtype).eps)
    if replacement:
        return 0.0 if n & (n - 1) == 0 else b * n * h
    return 0.0 if b == n else n * h


def sign_design(n: int, d: int, seed: int) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """A reproducible integer least-squares data set (x, y): the rows of x run through the
    2^d sign patterns in {−1, 1}^d (n a multiple of 2^d: every pattern n/2^d times, so the
    features are uncorrelated), y uniform on {−1, 0, 1}. Small integers keep every minibatch
    sum of the per-example gradients exact in floating point."""
    d = check_int("d", d, 1, 10)
    n = check_int("n", n, 2**d, MAX_SIZE)
    if n % 2**d:
        raise ParameterError("n", n, f"a multiple of 2^d = {2**d}")
    patterns = np.array(list(itertools.product((-1, 1), repeat=d)), dtype=np.int64)
    gen = np.random.default_rng(check_int("seed", seed, 0))
    return np.tile(patterns, (n // 2**d, 1)), gen.integers(-1, 2, size=n)


def column(per_example: Any, j: int) -> Sequence[int]:
    """Column j of an (n, d) integer array as Python ints (exact input for the moment
    functions); a float array is refused rather than rounded."""
    data = np.asarray(per_example)
    if data.ndim != 2 or data.shape[0] < 1 or data.dtype.kind not in "iu":
        raise ParameterError("per_example", getattr(data, "shape", per_example),
                             f"a non-empty (n, d) integer array (got dtype {data.dtype})")
    j = check_int("j", j, 0, data.shape[1] - 1)
    return [int(v) for v in data[:, j]]
