"""Fused ensembles: one GPU thread per chain (CuPy ``RawKernel``), or their CPU reference.

The hot ensembles — SGD and heavy ball on a diagonal quadratic, clipped GD and a few other
1-D maps — run as one kernel launch on CuPy (:mod:`lrtheory.montecarlo.cuda_source`):
state in registers for all T steps, Philox4x32-10 normals drawn in the kernel, per-block
shifted power sums reduced in the kernel. On NumPy the *same algorithm* runs vectorised
over chains: the same Philox counters (:mod:`lrtheory.montecarlo.philox`), the same update
in the same floating-point order, the same block reduction, so the two backends agree to
rounding (the normals' last bits depend on the device's log and sin/cos; the GPU also fuses
multiply-adds). Chains are simulated in chunks of whole blocks, so memory stays
O(threads × chunk) on the CPU and O(chains / 256) on the GPU.

Which random numbers chain ``c`` sees depends only on (seed, key, c): the block sums, and so
the returned :class:`~lrtheory.montecarlo.moments.Moments`, do not depend on the chunk size or
the thread count, not even in the last bit: a block's sums are formed the same way in any
chunk, and blocks are merged in fixed groups of :data:`MERGE_GROUP` (a vectorised pass each,
:func:`block_moments`), the groups in order by Pébay's update (which bounds the memory).
"""

from __future__ import annotations

import functools
import importlib
import math
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

from lrtheory.errors import (
    DivergenceError,
    ParameterError,
    UnknownNameError,
    check_int,
    check_real,
)
from lrtheory.montecarlo.backend import Backend, get_backend
from lrtheory.montecarlo.cuda_source import BLOCK, GRADIENTS, KernelName, source
from lrtheory.montecarlo.moments import Moments
from lrtheory.montecarlo.philox import Keys, lanes, normals, start_uniforms, stream_keys

FloatArray = NDArray[np.float64]
DEFAULT_CHUNK = 16384  # chains per CPU chunk (a multiple of BLOCK)
STEP_GROUP = 64  # steps whose normals the CPU reference draws at once
MAX_LAUNCH = 1 << 22  # chains per GPU launch (bounds the per-block sums)
MERGE_GROUP = 4096  # blocks turned into Moments at once, then merged in order


# --------------------------------------------------------------------------------------
# Block sums → moments
# --------------------------------------------------------------------------------------


def block_sums(values: FloatArray) -> tuple[FloatArray, FloatArray]:
    """(shifts, sums) of consecutive blocks of :data:`BLOCK` rows of ``values`` (n, k), the
    kernel's reduction: shift = the block's first row, sums[b, j, p−1] = Σ (x − shift)^p."""
    n, k = values.shape
    nb = -(-n // BLOCK)
    pad = np.zeros((nb * BLOCK, k))
    pad[:n] = values
    shifts = pad[::BLOCK].copy()
    y = pad.reshape(nb, BLOCK, k) - shifts[:, None, :]
    y.reshape(-1, k)[n:] = 0.0  # the padding adds nothing, as the kernel's idle threads
    y2 = y * y
    sums = np.stack([y.sum(axis=1), y2.sum(axis=1), (y2 * y).sum(axis=1),
                     (y2 * y2).sum(axis=1)], axis=-1)
    return shifts, sums


def block_moments(counts: NDArray[np.int64], shifts: FloatArray, sums: FloatArray) -> Moments:
    """Merge per-block shifted power sums into the moments of the whole sample.

    A block of n values with shift K and S_p = Σ(x − K)^p has mean K + d, d = S₁/n, and
    central sums M₂ = S₂ − dS₁, M₃ = S₃ − 3dS₂ + 2nd³, M₄ = S₄ − 4dS₃ + 6d²S₂ − 3nd⁴.
    About the overall mean μ, with δ_b = mean_b − μ, the blocks add up exactly to
    M₂ = Σ M₂,b + n_bδ_b², M₃ = Σ M₃,b + 3δ_bM₂,b + n_bδ_b³,
    M₄ = Σ M₄,b + 4δ_bM₃,b + 6δ_b²M₂,b + n_bδ_b⁴ (the binomial expansion of (x − μ)^p)."""
    n = counts.astype(np.float64)[:, None]
    s1, s2, s3, s4 = (sums[..., p] for p in range(4))
    d = s1 / n
    mean_b = shifts + d
    m2 = s2 - d * s1
    m3 = s3 - 3.0 * d * s2 + 2.0 * n * d**3
    m4 = s4 - 4.0 * d * s3 + 6.0 * d * d * s2 - 3.0 * n * d**4
    total = float(n.sum())
    mean = (n * mean_b).sum(axis=0) / total
    delta = mean_b - mean
    return Moments(int(counts.sum()), mean, (m2 + n * delta**2).sum(axis=0),
                   (m3 + 3.0 * delta * m2 + n * delta**3).sum(axis=0),
                   (m4 + 4.0 * delta * m3 + 6.0 * delta**2 * m2 + n * delta**4).sum(axis=0))


# --------------------------------------------------------------------------------------
# The problems: parameters, CPU reference, kernel arguments
# --------------------------------------------------------------------------------------


def _floats(name: str, value: Any, allowed: str) -> FloatArray:
    """``value`` as a finite float64 array of at most one axis, else a ParameterError."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError(name, value, allowed) from None
    if arr.ndim > 1 or not np.all(np.isfinite(arr)):
        raise ParameterError(name, value, allowed)
    return arr


def _rates(eta: Any, steps: int) -> FloatArray:
    """η as ``steps`` rates: a positive number, or an array of ``steps`` rates ≥ 0."""
    check_int("steps", steps, 1, 2**31 - 1)
    if np.ndim(eta) == 0:
        return np.full(steps, check_real("eta", eta, 0.0))
    allowed = f"a number > 0 or {steps} finite rates ≥ 0"
    arr = _floats("eta", eta, allowed)
    if arr.shape != (steps,) or np.any(arr < 0):
        raise ParameterError("eta", eta, allowed)
    return arr


def _per_coordinate(name: str, value: Any, d: int, positive: bool) -> FloatArray:
    allowed = f"finite{' and ≥ 0' if positive else ''}: a number or {d} numbers"
    arr = _floats(name, value, allowed)
    if arr.size not in (1, d) or (positive and np.any(arr < 0)):
        raise ParameterError(name, value, allowed)
    return np.array(np.broadcast_to(arr, (d,)))


@dataclass(frozen=True)
class Quadratic:
    """SGD (β = 0) or heavy ball on L(x) = ½Σλ_i x_i² with gradient noise s_i ξ:
    g = λ ⊙ x + s ⊙ ξ_t; SGD x ← x − η_t g; heavy ball v ← βv − η_t g, x ← x + v, v₀ = 0.
    Columns: x_{T,i} for i < d, then the loss ½Σλ_i x_{T,i}²."""

    rates: FloatArray
    lam: FloatArray
    sd: FloatArray
    x0: FloatArray
    beta: float = 0.0
    kernel: KernelName = "diag_quadratic"

    @property
    def ncols(self) -> int:
        return self.lam.size + 1

    def defines(self) -> dict[str, Any]:
        return {"d": self.lam.size, "momentum": self.beta != 0.0}

    def reference(self, keys: Keys, chains: NDArray[np.uint64], dtype: Any) -> FloatArray:
        n, steps = chains.size, self.rates.size
        rates, lam, sd, x0 = (a.astype(dtype) for a in (self.rates, self.lam, self.sd, self.x0))
        beta = dtype(self.beta)
        out = np.empty((n, self.ncols))
        loss = np.zeros(n)
        g = np.empty(n, dtype=dtype)
        for i in range(lam.size):
            x = np.full(n, x0[i], dtype=dtype)
            v = np.zeros(n, dtype=dtype)
            for t0 in range(0, steps, STEP_GROUP):
                m = min(STEP_GROUP, steps - t0)
                noise = sd[i] * np.ascontiguousarray(
                    normals(keys.noise, chains, i * steps + t0, m, dtype).T)
                for j in range(m):
                    np.multiply(lam[i], x, out=g)
                    g += noise[j]
                    g *= rates[t0 + j]
                    if self.beta:
                        v *= beta
                        v -= g
                        x += v
                    else:
                        x -= g
            xt = x.astype(np.float64)
            out[:, i] = xt
            loss += 0.5 * float(lam[i]) * xt * xt
        out[:, -1] = loss
        return out

    def cuda_args(self, cp: Any, dtype: Any) -> tuple[Any, ...]:
        arrays = (cp.asarray(a.astype(dtype)) for a in (self.lam, self.sd, self.x0))
        lam, sd, x0 = arrays
        return (cp.asarray(self.rates.astype(dtype)), np.int32(self.rates.size), lam, sd, x0,
                dtype(self.beta))


@dataclass(frozen=True)
class Map1D:
    """x ← x − η_t·clip(g(x) + sξ_t, −C, C) from x₀ uniform on [lo, hi] (the start key);
    g one of :data:`~lrtheory.montecarlo.cuda_source.GRADIENTS`, C = ∞ for no clipping.
    Columns: x_T, x_{T−1} and the amplitude max(|x_T|, |x_{T−1}|)."""

    g: str
    rates: FloatArray
    lam: float
    sd: float
    clip: float
    start: tuple[float, float]
    kernel: KernelName = "map1d"
    ncols: int = 3

    def defines(self) -> dict[str, Any]:
        return {"gkind": GRADIENTS[self.g][0]}

    def reference(self, keys: Keys, chains: NDArray[np.uint64], dtype: Any) -> FloatArray:
        steps = self.rates.size
        lo, hi = self.start
        x = (lo + (hi - lo) * start_uniforms(keys.start, chains)).astype(dtype)
        lam, sd, clip, one = dtype(self.lam), dtype(self.sd), dtype(self.clip), dtype(1.0)
        rates = self.rates.astype(dtype)
        gkind = GRADIENTS[self.g][0]
        prev = x
        for t0 in range(0, steps, STEP_GROUP):
            m = min(STEP_GROUP, steps - t0)
            noise = sd * np.ascontiguousarray(normals(keys.noise, chains, t0, m, dtype).T) \
                if self.sd else None
            for j in range(m):
                lx = lam * x
                g = lx if gkind == 0 else lx * (x * x - one) if gkind == 1 else lx * (one - x)
                if noise is not None:
                    g = g + noise[j]
                np.clip(g, -clip, clip, out=g)
                prev, x = x, x - rates[t0 + j] * g
        last, before = x.astype(np.float64), prev.astype(np.float64)
        return np.stack([last, before, np.fmax(np.abs(last), np.abs(before))], axis=1)

    def cuda_args(self, cp: Any, dtype: Any) -> tuple[Any, ...]:
        return (cp.asarray(self.rates.astype(dtype)), np.int32(self.rates.size),
                dtype(self.lam), dtype(self.sd), dtype(self.clip), np.float64(self.start[0]),
                np.float64(self.start[1]))


Problem = Quadratic | Map1D


def quadratic_problem(eta: Any, curvatures: Any, noise_sd: Any, steps: int,
                      x0: Any = 0.0, beta: float = 0.0) -> Quadratic:
    """A validated :class:`Quadratic` (d ≤ 1024 coordinates)."""
    rates = _rates(eta, steps)
    lam = np.atleast_1d(_floats("curvatures", curvatures, "1 to 1024 finite numbers"))
    if not 1 <= lam.size <= 1024:
        raise ParameterError("curvatures", curvatures, "1 to 1024 finite numbers")
    beta = check_real("beta", beta, 0.0, 1.0, lo_open=False)
    return Quadratic(rates, lam, _per_coordinate("noise_sd", noise_sd, lam.size, True),
                     _per_coordinate("x0", x0, lam.size, False), beta)


def map_problem(g: str, eta: Any, lam: float, noise_sd: float, steps: int,
                start: tuple[float, float], clip: float = math.inf) -> Map1D:
    """A validated :class:`Map1D`."""
    if not isinstance(g, str) or g not in GRADIENTS:
        raise UnknownNameError("gradient", str(g), list(GRADIENTS))
    rates = _rates(eta, steps)
    if not isinstance(start, tuple | list) or len(start) != 2:
        raise ParameterError("start", start, "a pair (lo, hi) of finite numbers, lo ≤ hi")
    lo = check_real("start[0]", start[0])
    hi = check_real("start[1]", start[1], lo, lo_open=False)
    clip = math.inf if clip == math.inf else check_real("clip", clip, 0.0)
    return Map1D(g, rates, check_real("lam", lam), check_real("noise_sd", noise_sd, 0.0,
                 lo_open=False), clip, (lo, hi))


# --------------------------------------------------------------------------------------
# Running: NumPy reference or CuPy kernel
# --------------------------------------------------------------------------------------


def _dtype(dtype: DTypeLike) -> Any:
    lanes(dtype)  # float64 or float32, else ParameterError
    return np.dtype(dtype).type


def chains(problem: Problem, first: int, n: int, seed: int = 0, key: tuple[int, ...] = (),
           dtype: DTypeLike = np.float64, backend: str | Backend = "numpy") -> FloatArray:
    """Per-chain statistics (n, ncols) of chains ``first … first + n − 1``: the CPU
    reference, or the kernel with ``store`` on (for tests of the output distribution)."""
    be = backend if isinstance(backend, Backend) else get_backend(backend)
    dt, keys = _dtype(dtype), stream_keys(seed, key)
    if be.name == "cupy":
        return _launch(problem, be, dt, keys, first, n, store=True)[1]
    idx = np.arange(first, first + n, dtype=np.uint64)
    with np.errstate(over="ignore", invalid="ignore"):
        return problem.reference(keys, idx, dt)


def run(problem: Problem, n_chains: int, seed: int = 0, dtype: DTypeLike = np.float64,
        backend: str | Backend = "auto", *, key: tuple[int, ...] = (),
        chunk: int = DEFAULT_CHUNK, threads: int = 0, what: str = "fused simulation") -> Moments:
    """Moments of the problem's columns over ``n_chains`` chains of (seed, key).

    Raises :class:`DivergenceError` (with the number of chains) if a chain's statistics are
    not finite, or if the fourth moments overflow, as the runner does."""
    check_int("n_chains", n_chains, 2)
    check_int("chunk", chunk, 1)
    check_int("threads", threads, 0, 1024)
    be = backend if isinstance(backend, Backend) else get_backend(backend)
    dt, keys = _dtype(dtype), stream_keys(seed, key)
    work: Callable[[int], tuple[int, FloatArray, FloatArray]]
    if be.name == "cupy":
        step, workers = MAX_LAUNCH, 1

        def work(lo: int) -> tuple[int, FloatArray, FloatArray]:
            return _launch(problem, be, dt, keys, lo, min(step, n_chains - lo))[0]
    else:
        step = max(1, chunk // BLOCK) * BLOCK
        work = functools.partial(_reference_sums, problem, keys, dt, n_chains, step)
        workers = threads or os.cpu_count() or 1
    bad, total = 0, Moments(0, np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0))
    shifts, sums, done = np.zeros((0, problem.ncols)), np.zeros((0, problem.ncols, 4)), 0
    with ThreadPoolExecutor(workers) as pool, np.errstate(over="ignore", invalid="ignore"):
        for part_bad, part_shifts, part_sums in pool.map(work, range(0, n_chains, step)):
            bad += part_bad
            shifts, sums = np.concatenate([shifts, part_shifts]), np.concatenate([sums, part_sums])
            while len(shifts) >= MERGE_GROUP or (len(shifts) and done + len(shifts) * BLOCK
                                                   >= n_chains):
                k = min(MERGE_GROUP, len(shifts))  # fixed groups of blocks: chunk-free merges
                counts = np.minimum(BLOCK, n_chains - BLOCK * np.arange(done // BLOCK,
                                                                        done // BLOCK + k))
                total = total.merge(block_moments(counts, shifts[:k], sums[:k]))
                shifts, sums, done = shifts[k:], sums[k:], done + k * BLOCK
    if bad:
        raise DivergenceError(what, None, bad)
    if not all(np.all(np.isfinite(a)) for a in (total.mean, total.m2, total.m4)):
        raise DivergenceError(f"{what} (fourth moments overflow)", None, 1)
    return total


def _reference_sums(problem: Problem, keys: Keys, dtype: Any, n_chains: int, step: int,
                    lo: int) -> tuple[int, FloatArray, FloatArray]:
    idx = np.arange(lo, min(lo + step, n_chains), dtype=np.uint64)
    with np.errstate(over="ignore", invalid="ignore"):
        values = problem.reference(keys, idx, dtype)
        bad = int((~np.isfinite(values)).any(axis=1).sum())
        shifts, sums = block_sums(values)
    return bad, shifts, sums


@functools.cache
def _compiled(kernel: KernelName, double: bool, d: int, momentum: bool, gkind: int) -> Any:
    """The CuPy RawKernel of one variant, compiled once per process (and cached on disk by
    CuPy)."""
    cp = importlib.import_module("cupy")
    return cp.RawKernel(source(double, d=d, momentum=momentum, gkind=gkind), kernel)


def _launch(problem: Problem, be: Backend, dtype: Any, keys: Keys, first: int, n: int,
            store: bool = False) -> tuple[tuple[int, FloatArray, FloatArray], FloatArray]:
    """One launch over chains first … first + n − 1: ((bad, shifts, sums), per-chain
    values if ``store`` else an empty array)."""
    cp = be.xp
    defines = {"d": 1, "momentum": False, "gkind": 0, **problem.defines()}
    kern = _compiled(problem.kernel, dtype is np.float64, **defines)
    nb = -(-n // BLOCK)
    sums = cp.zeros((nb, problem.ncols, 4), dtype=cp.float64)
    shifts = cp.zeros((nb, problem.ncols), dtype=cp.float64)
    bad = cp.zeros(1, dtype=cp.uint64)
    out = cp.empty((n if store else 1, problem.ncols), dtype=cp.float64)
    ids: tuple[Any, ...] = (np.uint64(n), np.uint64(first), np.uint32(keys.noise[0]),
                            np.uint32(keys.noise[1]))
    if problem.kernel == "map1d":
        ids += (np.uint32(keys.start[0]), np.uint32(keys.start[1]))
    kern((nb,), (BLOCK,), (*problem.cuda_args(cp, dtype), *ids, sums, shifts, bad,
                           np.int32(store), out))
    values = cp.asnumpy(out) if store else np.empty((0, problem.ncols))
    return (int(cp.asnumpy(bad)[0]), cp.asnumpy(shifts), cp.asnumpy(sums)), values


# --------------------------------------------------------------------------------------
# The public entry points
# --------------------------------------------------------------------------------------


def fused_sgd_quadratic(eta: Any, curvatures: Any, noise_sd: Any, steps: int, n_chains: int,
                        seed: int = 0, dtype: DTypeLike = np.float64,
                        backend: str | Backend = "auto", **kw: Any) -> Moments:
    """SGD on ½Σλ_i x_i² with noise s_i ξ from x₀ (keyword ``x0``, default 0): moments of
    (x_{T,1}, …, x_{T,d}, loss) over ``n_chains`` chains (:class:`Quadratic`)."""
    problem = quadratic_problem(eta, curvatures, noise_sd, steps, kw.pop("x0", 0.0))
    return run(problem, n_chains, seed, dtype, backend, **kw)


def fused_heavy_ball_quadratic(eta: Any, beta: float, curvatures: Any, noise_sd: Any,
                               steps: int, n_chains: int, seed: int = 0,
                               dtype: DTypeLike = np.float64, backend: str | Backend = "auto",
                               **kw: Any) -> Moments:
    """Heavy ball (v₀ = 0) on the same quadratic; the columns of :func:`fused_sgd_quadratic`."""
    problem = quadratic_problem(eta, curvatures, noise_sd, steps, kw.pop("x0", 0.0), beta)
    return run(problem, n_chains, seed, dtype, backend, **kw)


def fused_clipped_gd(eta: Any, lam: float, clip: float, noise_sd: float, steps: int,
                     n_chains: int, start: tuple[float, float], seed: int = 0,
                     dtype: DTypeLike = np.float64, backend: str | Backend = "auto",
                     **kw: Any) -> Moments:
    """Clipped GD by value on λx²/2, x ← x − η·clip(λx + sξ, −C, C), from x₀ uniform on
    ``start``: moments of (x_T, x_{T−1}, max(|x_T|, |x_{T−1}|))."""
    problem = map_problem("linear", eta, check_real("lam", lam, 0.0), noise_sd, steps, start,
                          check_real("clip", clip, 0.0))
    return run(problem, n_chains, seed, dtype, backend, **kw)


def fused_map_1d(g: str, eta: Any, lam: float, noise_sd: float, steps: int, n_chains: int,
                 start: tuple[float, float], seed: int = 0, dtype: DTypeLike = np.float64,
                 backend: str | Backend = "auto", *, clip: float = math.inf,
                 **kw: Any) -> Moments:
    """x ← x − η(g(x) + sξ) for g in :data:`~lrtheory.montecarlo.cuda_source.GRADIENTS`
    (optionally clipped to [−C, C]): moments of (x_T, x_{T−1}, max(|x_T|, |x_{T−1}|))."""
    return run(map_problem(g, eta, lam, noise_sd, steps, start, clip), n_chains, seed, dtype,
               backend, **kw)
