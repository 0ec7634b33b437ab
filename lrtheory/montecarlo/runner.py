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
* Or, with ``scheduler`` set, on a Dask cluster (:mod:`lrtheory.montecarlo.distributed`):
  each task carries its chunk's :class:`ChunkSpec` (seed, key, block range) and builds the
  generators on the worker; the moments come back and are merged here in the same order,
  so a cluster gives the local runner's numbers bit for bit.

Everything a kernel sees is written against the backend's namespace ``rng.xp`` (the array
API), so that the same kernel runs on NumPy, CuPy and, in the tests, array-api-strict.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from lrtheory.arrays import astype, namespace
from lrtheory.errors import DivergenceError, ParameterError, check_int
from lrtheory.montecarlo.backend import Backend, NormalSource, numpy_backend
from lrtheory.montecarlo.moments import Moments
from lrtheory.montecarlo.stats import SampleStatistic, proportion_statistic

DEFAULT_BLOCK = 16384
DEFAULT_CHUNK = 16384
#: A per-chain value above this has a fourth power (times the chain count) beyond float64.
_MOMENT_LIMIT = 1e75


@dataclass(frozen=True)
class ChunkSpec:
    """Which chains a chunk simulates and where their random numbers come from: chains
    [start, stop), block ``b`` of them drawing from ``SeedSequence(seed, spawn_key=(*key,
    b))``. Small and picklable: a remote worker rebuilds the generators from it."""

    seed: int
    key: tuple[int, ...]
    block: int
    start: int
    stop: int

    def streams(self, backend: Backend) -> list[tuple[NormalSource, int, int]]:
        """One (generator, first chain, end) per block the chunk overlaps."""
        out = []
        for start in range(self.start, self.stop, self.block):
            ss = np.random.SeedSequence(self.seed, spawn_key=(*self.key, start // self.block))
            out.append((backend.generator(ss), start, min(start + self.block, self.stop)))
        return out

    def rng(self, backend: Backend, dtype: Any) -> ChunkRNG:
        """The chunk's random draws on ``backend``."""
        return ChunkRNG(backend, self.streams(backend), dtype)


class ChunkRNG:
    """Random draws for the chains of one chunk, each row from its own block's stream.

    ``dtype`` is the namespace's own (``backend.dtype``): kernels pass ``rng.dtype`` to
    ``xp`` functions."""

    def __init__(self, backend: Backend, streams: list[tuple[NormalSource, int, int]],
                 dtype: Any) -> None:
        self.backend = backend
        self.xp = backend.xp
        self.dtype = backend.dtype(dtype)
        self._streams = streams
        self.n = streams[-1][2] - streams[0][1]
        self._offset = streams[0][1]

    @property
    def streams(self) -> tuple[tuple[NormalSource, int, int], ...]:
        """The chunk's (generator, first chain, end) triples, in chain order: what a compiled
        kernel needs to draw exactly what :meth:`normal` would."""
        return tuple(self._streams)

    def _fill(self, method: str, shape: tuple[int, ...]) -> Any:
        if len(self._streams) == 1:  # one block: its draws are the whole array
            return getattr(self._streams[0][0], method)(size=(self.n, *shape), dtype=self.dtype)
        out = self.xp.empty((self.n, *shape), dtype=self.dtype)
        for gen, start, stop in self._streams:
            a, b = start - self._offset, stop - self._offset
            if self.backend.fills_in_place:
                getattr(gen, method)(size=(b - a, *shape), dtype=self.dtype, out=out[a:b, ...])
            else:
                out[a:b, ...] = getattr(gen, method)(size=(b - a, *shape), dtype=self.dtype)
        return out

    def normal(self, *shape: int) -> Any:
        """An (n, *shape) array of independent N(0, 1) draws."""
        return self._fill("standard_normal", shape)

    def uniform(self, *shape: int) -> Any:
        """An (n, *shape) array of independent U[0, 1) draws."""
        return self._fill("random", shape)


Kernel = Callable[[ChunkRNG], Any]
"""A kernel maps the chunk's RNG to an (n,) or (n, k) array of per-chain statistics."""


def chunk_moments(kernel: Kernel, rng: ChunkRNG, what: str) -> Moments:
    """Run ``kernel`` on one chunk and reduce its rows to :class:`Moments` (in the kernel's
    namespace; only the moments come back to the host).

    Raises :class:`DivergenceError` (with the number of chains) if any chain's statistics
    are not finite, or if their fourth powers overflow float64; a kernel that watches its
    chains raises it itself, with the step they had diverged by, and it is re-raised here
    under ``what``.
    """
    # Overflow is how a chain diverges; it is detected below and reported as divergence,
    # so the floating-point warnings would only be noise. (errstate is thread-local: it
    # must be set where the chunk runs.)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        try:
            out = kernel(rng)
        except DivergenceError as exc:
            raise DivergenceError(what, exc.step, exc.n_chains) from None
        xp = namespace(out)
        out = xp.asarray(out)
        if out.shape[0] != rng.n:
            raise ValueError(f"kernel returned {out.shape[0]} rows for {rng.n} chains")
        if not bool(xp.all(xp.isfinite(out))):
            raise DivergenceError(what, None, _rows(xp, ~xp.isfinite(out), rng.n))
        moments = Moments.of(out)
        if not all(np.all(np.isfinite(a)) for a in (moments.m2, moments.m3, moments.m4)):
            # Finite chains whose fourth powers overflow: as good as diverged, for the
            # standard error of a variance needs the fourth moment.
            rows = _rows(xp, xp.abs(out) > _MOMENT_LIMIT, rng.n)
            raise DivergenceError(f"{what} (values beyond {_MOMENT_LIMIT:.0e}, whose fourth "
                                  "moment overflows)", None, max(rows, 1))
    return moments


def _rows(xp: Any, flags: Any, n: int) -> int:
    """How many of the n rows of a boolean (n, …) array have any flag set."""
    per_row = xp.any(xp.reshape(flags, (n, -1)), axis=1)
    return int(xp.sum(astype(xp, per_row, xp.int64)))


@dataclass(frozen=True)
class Ensemble:
    """How Monte Carlo runs: backend, seed and stream key, block/chunk sizes, threads.

    ``scheduler``: ``None`` (this machine's threads), a Dask scheduler address
    (``tcp://host:8786``) or a ``distributed.Client``; with one, the chunks run on that
    cluster (``threads`` is then the workers' business) and give the same numbers.
    """

    backend: Backend = field(default_factory=numpy_backend)
    seed: int = 0
    key: tuple[int, ...] = ()
    block: int = DEFAULT_BLOCK
    chunk: int = DEFAULT_CHUNK
    threads: int = 0  # 0: one per CPU core on NumPy, one on a GPU
    dtype: Any = np.float64
    progress: Callable[[int], None] | None = None
    scheduler: Any = None  # None, an address "tcp://…" or a distributed.Client

    def __post_init__(self) -> None:
        check_int("seed", self.seed, 0)
        check_int("block", self.block, 1)
        check_int("chunk", self.chunk, 1)
        check_int("threads", self.threads, 0, 1024)
        if isinstance(self.scheduler, str) and not self.scheduler.strip():
            raise ParameterError("scheduler", self.scheduler,
                                 "a Dask scheduler address such as tcp://host:8786")

    def with_key(self, *key: int) -> Ensemble:
        """The same ensemble with a further stream key (independent streams)."""
        return replace(self, key=(*self.key, *key))

    @property
    def n_threads(self) -> int:
        if self.threads:
            return self.threads
        return 1 if self.backend.name == "cupy" else (os.cpu_count() or 1)

    def chunk_specs(self, n_chains: int) -> list[ChunkSpec]:
        """The chunks of a run of ``n_chains``, in merge order: whole blocks of chains
        (``chunk`` rounded down to a multiple of ``block``, at least one block)."""
        per_chunk = max(1, self.chunk // self.block) * self.block
        return [ChunkSpec(self.seed, self.key, self.block, lo, min(lo + per_chunk, n_chains))
                for lo in range(0, n_chains, per_chunk)]

    def _chunk_rngs(self, n_chains: int) -> Iterator[ChunkRNG]:
        for spec in self.chunk_specs(n_chains):
            yield spec.rng(self.backend, self.dtype)

    def run(self, kernel: Kernel, n_chains: int, what: str = "simulation") -> Moments:
        """Run ``n_chains`` chains through ``kernel``; return the moments of its columns.

        Raises :class:`DivergenceError` (with the number of chains) if any chain's
        statistics are not finite: a divergence is a result, not a NaN (see
        :func:`chunk_moments`); the first diverged chunk in merge order is reported.
        """
        check_int("n_chains", n_chains, 2)
        if self.scheduler is not None:
            from lrtheory.montecarlo.distributed import run_on_cluster

            return run_on_cluster(self, kernel, n_chains, what)

        def one(rng: ChunkRNG) -> Moments:
            return chunk_moments(kernel, rng, what)

        total = Moments.empty()
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
