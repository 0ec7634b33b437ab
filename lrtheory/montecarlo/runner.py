"""The chunked ensemble runner: independent chains, bounded memory, both CPU cores.

A *kernel* simulates a batch of independent chains and returns one row of per-chain
statistics per chain (final error, loss, an indicator …). The runner decides *how*:

* Chains are grouped in fixed **stream blocks** of ``block`` chains; block ``b`` draws from
  its own generator seeded by ``SeedSequence(seed, spawn_key=(*key, b))``. Which random
  numbers a chain sees depends only on (seed, key, its index), never on chunking or threads.
* Blocks are grouped in **chunks** (a multiple of ``block`` chains) that are simulated
  whole; peak memory is O(threads × chunk), independent of the number of chains.
* Chunks run on a thread pool (NumPy releases the GIL in its fills and ufuncs), are reduced
  to :class:`Moments` and merged in chunk order, so the thread count cannot change a result
  and the chunk size changes only the floating-point summation order.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from lrtheory.errors import DivergenceError, check_int
from lrtheory.montecarlo.backend import Backend, NormalSource, numpy_backend
from lrtheory.montecarlo.moments import Moments
from lrtheory.montecarlo.stats import SampleStatistic, proportion_statistic

DEFAULT_BLOCK = 16384
DEFAULT_CHUNK = 16384
#: A per-chain value above this has a fourth power (times the chain count) beyond float64.
_MOMENT_LIMIT = 1e75


class ChunkRNG:
    """Random draws for the chains of one chunk, each row from its own block's stream."""

    def __init__(self, backend: Backend, streams: list[tuple[NormalSource, int, int]],
                 dtype: Any) -> None:
        self.backend = backend
        self.xp = backend.xp
        self.dtype = dtype
        self._streams = streams
        self.n = streams[-1][2] - streams[0][1]
        self._offset = streams[0][1]

    def _fill(self, method: str, shape: tuple[int, ...]) -> Any:
        out = self.xp.empty((self.n, *shape), dtype=self.dtype)
        for gen, start, stop in self._streams:
            a, b = start - self._offset, stop - self._offset
            getattr(gen, method)(size=(b - a, *shape), dtype=self.dtype, out=out[a:b])
        return out

    def normal(self, *shape: int) -> Any:
        """An (n, *shape) array of independent N(0, 1) draws."""
        return self._fill("standard_normal", shape)

    def uniform(self, *shape: int) -> Any:
        """An (n, *shape) array of independent U[0, 1) draws."""
        return self._fill("random", shape)


Kernel = Callable[[ChunkRNG], Any]
"""A kernel maps the chunk's RNG to an (n,) or (n, k) array of per-chain statistics."""


@dataclass(frozen=True)
class Ensemble:
    """How Monte Carlo runs: backend, seed and stream key, block/chunk sizes, threads."""

    backend: Backend = field(default_factory=numpy_backend)
    seed: int = 0
    key: tuple[int, ...] = ()
    block: int = DEFAULT_BLOCK
    chunk: int = DEFAULT_CHUNK
    threads: int = 0  # 0: one per CPU core on NumPy, one on a GPU
    dtype: Any = np.float64
    progress: Callable[[int], None] | None = None

    def __post_init__(self) -> None:
        check_int("seed", self.seed, 0)
        check_int("block", self.block, 1)
        check_int("chunk", self.chunk, 1)
        check_int("threads", self.threads, 0, 1024)

    def with_key(self, *key: int) -> Ensemble:
        """The same ensemble with a further stream key (independent streams)."""
        return replace(self, key=(*self.key, *key))

    @property
    def n_threads(self) -> int:
        if self.threads:
            return self.threads
        return 1 if self.backend.name == "cupy" else (os.cpu_count() or 1)

    def _chunk_rngs(self, n_chains: int) -> Iterator[ChunkRNG]:
        per_chunk = max(1, self.chunk // self.block) * self.block
        for lo in range(0, n_chains, per_chunk):
            hi = min(lo + per_chunk, n_chains)
            streams = []
            for start in range(lo, hi, self.block):
                ss = np.random.SeedSequence(self.seed, spawn_key=(*self.key, start // self.block))
                streams.append((self.backend.generator(ss), start, min(start + self.block, hi)))
            yield ChunkRNG(self.backend, streams, self.dtype)

    def run(self, kernel: Kernel, n_chains: int, what: str = "simulation") -> Moments:
        """Run ``n_chains`` chains through ``kernel``; return the moments of its columns.

        Raises :class:`DivergenceError` (with the number of chains) if any chain's
        statistics are not finite: a divergence is a result, not a NaN. A kernel that
        watches its chains raises it itself, with the step they had diverged by; it is
        reported under ``what`` too.
        """
        check_int("n_chains", n_chains, 2)

        def one(rng: ChunkRNG) -> Moments:
            # Overflow is how a chain diverges; it is detected below and reported as
            # divergence, so the floating-point warnings would only be noise. (errstate is
            # thread-local: it must be set inside the worker.)
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                try:
                    out = self.backend.to_numpy(kernel(rng))
                except DivergenceError as exc:
                    raise DivergenceError(what, exc.step, exc.n_chains) from None
            if out.shape[0] != rng.n:
                raise ValueError(f"kernel returned {out.shape[0]} rows for {rng.n} chains")
            bad = ~np.isfinite(out)
            if bad.any():
                rows = int(bad.reshape(rng.n, -1).any(axis=1).sum())
                raise DivergenceError(what, None, rows)
            with np.errstate(over="ignore", invalid="ignore"):
                moments = Moments.of(out)
            if not all(np.all(np.isfinite(a)) for a in (moments.m2, moments.m3, moments.m4)):
                # Finite chains whose fourth powers overflow: as good as diverged, for the
                # standard error of a variance needs the fourth moment.
                rows = int((np.abs(out) > _MOMENT_LIMIT).reshape(rng.n, -1).any(axis=1).sum())
                raise DivergenceError(f"{what} (values beyond {_MOMENT_LIMIT:.0e}, whose "
                                      "fourth moment overflows)", None, max(rows, 1))
            return moments

        total = Moments(0, np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0))
        chunks = self._chunk_rngs(n_chains)
        if self.n_threads == 1:
            results: Iterator[Moments] = map(one, chunks)
            for m in results:
                total = total.merge(m)
                self._report(m.n)
            return total
        with ThreadPoolExecutor(self.n_threads) as pool:
            # map() yields in submission order: the merge order is fixed.
            for m in pool.map(one, chunks):
                total = total.merge(m)
                self._report(m.n)
        return total

    def _report(self, n: int) -> None:
        if self.progress is not None:
            self.progress(n)


_EPS = float(np.finfo(np.float64).eps)


def indicator_proportion(moments: Moments, column: int, ensemble: Ensemble) -> SampleStatistic:
    """The exact binomial statistic (count k of n) of a 0/1 indicator column of a run.

    The runner returns merged means, not counts, so k is recovered as round(mean·n). That is
    exact, not a float guess: each chunk's mean is its integer count, summed exactly in float64
    (every partial sum is an integer < 2⁵³), over its size; chunks are merged by Pébay's
    mean_a + (mean_b − mean_a)·n_b/n. All values lie in [0, 1], so a merge passes on a convex
    combination of the parts' errors plus at most 4u of its own rounding (u = ε/2, ε = 2⁻⁵²),
    and after c chunks |mean − k/n| ≤ 5u·c ≤ 5ε·c/2; the product mean·n adds ε·n/2. Hence
    |mean·n − k| ≤ n·ε·(5c + 1)/2 < 1/2 makes round() exact. A chunk holds at least
    ``ensemble.block`` chains (but the last), so c ≤ ⌈n/block⌉: exact up to n ≈ 3·10⁹ chains
    at the default block of 16384, and up to n ≈ 3·10⁷ for any chunking. Beyond the bound,
    or where mean·n is farther from an integer than the bound allows (then the column cannot
    be a 0/1 indicator), this raises rather than guess.
    """
    n = moments.n
    chunks = -(-n // ensemble.block)
    bound = n * _EPS * (5 * chunks + 1) / 2
    if bound >= 0.5:
        raise ValueError(f"{n} chains in {chunks} chunks: the merged mean no longer fixes the "
                         f"count (rounding bound {bound:.2g} ≥ 1/2)")
    scaled = float(moments.mean[column]) * n
    count = round(scaled)
    if abs(scaled - count) > bound:
        raise ValueError(f"column {column} is not a 0/1 indicator: mean·n = {scaled!r} is "
                         f"{abs(scaled - count):.2g} from an integer (rounding bound {bound:.2g})")
    return proportion_statistic(count, n)
