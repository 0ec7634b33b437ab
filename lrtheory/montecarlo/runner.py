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

DEFAULT_BLOCK = 16384
DEFAULT_CHUNK = 16384


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
        statistics are not finite: a divergence is a result, not a NaN.
        """
        check_int("n_chains", n_chains, 2)

        def one(rng: ChunkRNG) -> Moments:
            # Overflow is how a chain diverges; it is detected below and reported as
            # divergence, so the floating-point warnings would only be noise. (errstate is
            # thread-local: it must be set inside the worker.)
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                out = self.backend.to_numpy(kernel(rng))
            if out.shape[0] != rng.n:
                raise ValueError(f"kernel returned {out.shape[0]} rows for {rng.n} chains")
            bad = ~np.isfinite(out)
            if bad.any():
                rows = int(bad.reshape(rng.n, -1).any(axis=1).sum())
                raise DivergenceError(what, None, rows)
            return Moments.of(out)

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

