"""The benchmark's workloads: one cell (dtype, N chains, d coordinates, T steps) on each path.

The work is SGD on ½Σλ_i x_i² with gradient noise, as every stochastic claim runs it, in the
rescaled form of :func:`lrtheory.montecarlo.kernels.sgd_diagonal_quadratic`:
y ← c ⊙ y + ξ_t, c = 1 − ηλ (η = 0.1, λ = 1, s = 1), one N(0, 1) draw per chain-step. A
*fill* path draws the same N·d·T normals and does nothing else: the random-number roofline.

A path is a :class:`Workload`: ``prepare(k)`` does what must not be timed (JIT compilation
for k steps, first-touch allocation), ``run(k)`` runs k steps of every chain of the cell and
returns when the results exist (a JAX ``block_until_ready``, a CUDA synchronize). A path
that cannot run here raises :class:`Unavailable` with the reason, which becomes the row.
"""

from __future__ import annotations

import contextlib
import importlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from lrtheory.errors import LrtheoryError
from lrtheory.montecarlo import compiled, fused
from lrtheory.montecarlo.backend import Backend, get_backend
from lrtheory.montecarlo.kernels import sgd_diagonal_quadratic
from lrtheory.montecarlo.runner import ChunkRNG, Ensemble

ETA, CURVATURE, NOISE_SD = 0.1, 1.0, 1.0
#: A fill writes this many normals per call: a buffer that stays in the L2 cache (SFC64's
#: fastest of 4096, 65536 and 2²⁰ on the benchmark machine), so the roofline is not a
#: memory-bandwidth figure.
FILL_BUFFER = 65536
SEED = 0
#: The fused CPU reference is timed only where N·d is at most this (a step of N·d = 10⁸
#: would take it about 10 s).
REFERENCE_LIMIT = 1_000_000


class Unavailable(Exception):  # noqa: N818 - a reason, not an error
    """This path cannot run here; the message says why (becomes a skipped row)."""


@dataclass(frozen=True)
class Cell:
    """One benchmark configuration."""

    dtype: str
    chains: int
    d: int
    steps: int

    @property
    def np_dtype(self) -> np.dtype[Any]:
        return np.dtype(self.dtype)

    @property
    def label(self) -> str:
        return f"{self.dtype} N={self.chains:.0e} d={self.d} T={self.steps}".replace("e+0", "e")


class Workload:
    """A path's work on one cell (module docstring)."""

    #: "normals" (a fill) or "chain-steps"
    unit = "chain-steps"

    def prepare(self, steps: int) -> None:
        """What must not be timed before ``run(steps)``; nothing by default."""

    def run(self, steps: int) -> None:
        raise NotImplementedError


@dataclass(frozen=True)
class BenchPath:
    """A row kind: its name, device kind ("cpu" or "gpu"), thread count (None: the
    library's own) and how it builds its workload for a cell."""

    name: str
    device: str
    threads: int | None
    make: Callable[[Cell], Workload]
    #: A CPU path of this package: it counts for the CPU target.
    ours: bool = False


# ------------------------------------------------------------------------------ CPU paths


class NumpyFill(Workload):
    """N·d·T normals from one ``Generator(SFC64)`` on one thread, the ensemble's generator,
    :data:`FILL_BUFFER` at a time (``compiled``: the numba fill of the same numbers)."""

    unit = "normals"

    def __init__(self, cell: Cell, use_numba: bool = False) -> None:
        if use_numba:
            _need_numba()
        self.gen = np.random.Generator(np.random.SFC64(SEED))
        self.count = cell.chains * cell.d
        self.buf = np.empty(min(self.count, FILL_BUFFER), dtype=cell.np_dtype)
        self.use_numba = use_numba

    def _fill(self, out: np.ndarray[Any, Any]) -> None:
        if not (self.use_numba and compiled.fill(self.gen, out)):
            self.gen.standard_normal(dtype=out.dtype, out=out)

    def run(self, steps: int) -> None:
        full, rest = divmod(self.count * steps, self.buf.size)
        for _ in range(full):
            self._fill(self.buf)
        if rest:
            self._fill(self.buf[:rest])


class EnsembleSGD(Workload):
    """The chunked ensemble runner on :func:`sgd_diagonal_quadratic`, its array code (NumPy)
    or its compiled step loop (numba, :mod:`lrtheory.montecarlo.compiled`), ``threads``
    workers; each chain's statistic is its final loss ½Σλ_i x_i², so the runner's moments cost
    one column per chain whatever d is (returning all d coordinates, they would cost as much as
    3 to 5 steps of the chunk at d = 100, which a truncated run of a few steps would count)."""

    def __init__(self, cell: Cell, threads: int, use_numba: bool) -> None:
        if use_numba:
            _need_numba()
        self.cell, self.use_numba = cell, use_numba
        self.ensemble = Ensemble(seed=SEED, threads=threads, dtype=cell.np_dtype)

    def run(self, steps: int) -> None:
        lam = np.full(self.cell.d, CURVATURE)
        half_lam = (0.5 * lam).astype(self.cell.np_dtype)
        iterates = sgd_diagonal_quadratic(ETA, lam, NOISE_SD, steps)

        def loss(rng: ChunkRNG) -> Any:
            x = iterates(rng)
            np.square(x, out=x)
            return x @ half_lam

        with contextlib.nullcontext() if self.use_numba else compiled.numpy_only():
            self.ensemble.run(loss, self.cell.chains, what="bench")


class FusedReference(Workload):
    """The fused kernels' CPU reference (:func:`fused.run` on NumPy): Philox4x32-10 and
    Box–Muller normals, vectorised over chains, every core."""

    def __init__(self, cell: Cell, threads: int, backend: Backend | None = None) -> None:
        if backend is None and cell.chains * cell.d > REFERENCE_LIMIT:
            raise Unavailable(f"the CPU reference (≈10⁷ normals/s, a check, not a fast path) "
                              f"is timed only up to N·d = {REFERENCE_LIMIT:.0e}")
        self.cell, self.threads = cell, threads
        self.where: str | Backend = backend or "numpy"

    def run(self, steps: int) -> None:
        problem = fused.quadratic_problem(ETA, np.full(self.cell.d, CURVATURE), NOISE_SD, steps)
        fused.run(problem, self.cell.chains, SEED, self.cell.np_dtype, self.where,
                  threads=self.threads)


def _need_numba() -> None:
    if not compiled.installed():
        raise Unavailable("numba not installed (pip install 'lrtheory[fast]')")
    if not compiled.available():
        raise Unavailable(f"numba switched off ({compiled.ENV}=0)")
    compiled.warm_up()


# ---------------------------------------------------------------------- other libraries


def _import(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError:
        raise Unavailable(f"{name} not installed") from None


class JaxScan(Workload):
    """``jax.jit`` of a ``lax.scan`` over k steps, y ← c·y + ``jax.random.normal`` (its own
    threefry keys, split each step), on JAX's default device; compiled per k in
    ``prepare`` (ahead of time, not timed)."""

    def __init__(self, cell: Cell) -> None:
        self.jax = _import("jax")
        self.cell = cell
        self.compiled: dict[int, Any] = {}

    @contextlib.contextmanager
    def _precision(self) -> Iterator[None]:
        with self.jax.enable_x64(self.cell.dtype == "float64"):
            yield

    def prepare(self, steps: int) -> None:
        if steps in self.compiled:
            return
        jax, jnp, dtype = self.jax, self.jax.numpy, self.cell.dtype
        with self._precision():
            c = jnp.full((self.cell.d,), 1.0 - ETA * CURVATURE, dtype=dtype)

            def body(carry: Any, _: Any) -> Any:
                y, key = carry
                key, sub = jax.random.split(key)
                return (y * c + jax.random.normal(sub, y.shape, dtype=dtype), key), None

            def simulate(y: Any, key: Any) -> Any:
                return jax.lax.scan(body, (y, key), None, length=steps)[0]

            self.y0 = jnp.zeros((self.cell.chains, self.cell.d), dtype=dtype)
            self.key = jax.random.key(SEED)
            self.compiled[steps] = jax.jit(simulate).lower(self.y0, self.key).compile()

    def run(self, steps: int) -> None:
        with self._precision():
            y, _ = self.compiled[steps](self.y0, self.key)
            y.block_until_ready()


def jax_device() -> str:
    """"gpu" when JAX's default backend is a GPU, else "cpu" (also without JAX)."""
    try:
        jax = importlib.import_module("jax")
    except ImportError:
        return "cpu"
    return "gpu" if jax.default_backend() in ("gpu", "cuda", "rocm") else "cpu"


class TorchLoop(Workload):
    """PyTorch, eager: ``y.mul_(c).add_(torch.randn(…))`` per step on CUDA if present,
    else on the CPU with PyTorch's own thread pool."""

    def __init__(self, cell: Cell) -> None:
        self.torch = _import("torch")
        self.cell = cell
        self.device = "cuda" if self.torch.cuda.is_available() else "cpu"
        self.dtype = getattr(self.torch, cell.dtype)

    def run(self, steps: int) -> None:
        torch = self.torch
        gen = torch.Generator(device=self.device).manual_seed(SEED)
        y = torch.zeros((self.cell.chains, self.cell.d), dtype=self.dtype, device=self.device)
        c = torch.full((self.cell.d,), 1.0 - ETA * CURVATURE, dtype=self.dtype,
                       device=self.device)
        for _ in range(steps):
            y.mul_(c).add_(torch.randn(y.shape, generator=gen, dtype=self.dtype,
                                       device=self.device))
        if self.device == "cuda":
            torch.cuda.synchronize()


def torch_device() -> str:
    """"gpu" when PyTorch sees CUDA, else "cpu" (also without PyTorch)."""
    try:
        torch = importlib.import_module("torch")
    except ImportError:
        return "cpu"
    return "gpu" if torch.cuda.is_available() else "cpu"


# ------------------------------------------------------------------------------ GPU paths


def _gpu() -> Backend:
    try:
        return get_backend("cupy")
    except LrtheoryError as exc:
        raise Unavailable(f"no GPU: {exc}") from None


class CupyFill(Workload):
    """N·d normals per step from CuPy's Philox4x32-10 generator (the backend's), into one
    device array: the device's normal-fill rate."""

    unit = "normals"

    def __init__(self, cell: Cell) -> None:
        self.backend = _gpu()
        cp = self.backend.xp
        self.gen = self.backend.generator(np.random.SeedSequence(SEED))
        self.buf = cp.empty(cell.chains * cell.d, dtype=cell.np_dtype)

    def run(self, steps: int) -> None:
        for _ in range(steps):
            self.gen.standard_normal(size=self.buf.shape, dtype=self.buf.dtype, out=self.buf)
        self.backend.xp.cuda.Device().synchronize()


class CupyFused(FusedReference):
    """The fused CUDA kernel (:func:`fused.run` on CuPy): one thread per chain, Philox and
    the state in registers, block sums reduced in the kernel."""

    def __init__(self, cell: Cell) -> None:
        self.backend = _gpu()
        super().__init__(cell, 1, self.backend)

    def prepare(self, steps: int) -> None:  # compiles the RawKernel variant once
        problem = fused.quadratic_problem(ETA, np.full(self.cell.d, CURVATURE), NOISE_SD, 1)
        fused.run(problem, 512, SEED, self.cell.np_dtype, self.backend)

    def run(self, steps: int) -> None:
        super().run(steps)
        self.backend.xp.cuda.Device().synchronize()


def paths(cores: int) -> list[BenchPath]:
    """Every path, in table order: the references first, then the ensembles."""
    if cores < 1:
        cores = os.cpu_count() or 1
    jd, td = jax_device(), torch_device()
    cpu, mine = "cpu", True
    every = [
        BenchPath("numpy fill (reference)", cpu, 1, NumpyFill),
        BenchPath("numba fill", cpu, 1, lambda c: NumpyFill(c, use_numba=True)),
        BenchPath("numpy ensemble", cpu, 1, lambda c: EnsembleSGD(c, 1, False), mine),
        BenchPath("numpy ensemble", cpu, cores, lambda c: EnsembleSGD(c, cores, False), mine),
        BenchPath("numba ensemble", cpu, 1, lambda c: EnsembleSGD(c, 1, True), mine),
        BenchPath("numba ensemble", cpu, cores, lambda c: EnsembleSGD(c, cores, True), mine),
        BenchPath("fused CPU reference", "cpu", cores, lambda c: FusedReference(c, cores)),
        BenchPath("jax jit+lax.scan", jd, None, JaxScan),
        BenchPath("pytorch eager", td, None, TorchLoop),
        BenchPath("cupy fill (reference)", "gpu", None, CupyFill),
        BenchPath("cupy fused kernel", "gpu", None, CupyFused),
    ]
    unique: dict[tuple[str, int | None], BenchPath] = {}  # on one core, "every core" is 1
    for path in every:
        unique.setdefault((path.name, path.threads), path)
    return list(unique.values())
