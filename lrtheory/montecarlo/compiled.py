"""The compiled CPU path (numba, optional): SGD on a diagonal quadratic with NumPy's own draws.

The NumPy kernel :func:`lrtheory.montecarlo.kernels.sgd_diagonal_quadratic` spends each step
on three passes over the chunk: a normal fill, ``y *= c`` and ``y += ξ``. Here the step is one
compiled loop, y_j ← c ⊙ y_j + ξ_{t,j}, with NumPy's SFC64 generator and ziggurat sampler
inlined into it (:mod:`lrtheory.montecarlo.compiled_sfc64`): no normal array, no indirect
call per draw, the generator state in registers. The draws are *the same numbers* as the
NumPy path's: each stream block's generator ``Generator(SFC64(SeedSequence(seed,
spawn_key=(*key, block))))`` is read out of the chunk's RNG, advanced in the same order
(step-major, then chain, then coordinate, as ``rng.normal(d)`` fills an (n, d) array), and
written back. With the same two roundings per step (a product, then a sum), a compiled run
returns the NumPy path's result bit for bit (tests/test_compiled.py), and the runner's
thread pool runs chunks side by side (the compiled loops release the GIL).

The path is used when numba is importable, the backend is NumPy, every stream is an SFC64
generator and the dtype is float64 or float32; otherwise the NumPy kernel runs.
``LRTHEORY_NUMBA=0`` in the environment, or :func:`numpy_only`, turns it off.

Speed (AMD EPYC, one thread, a 16384-chain chunk, medians of 15 interleaved pairs): the
compiled step loop runs at 1.9–2.3× NumPy's one-thread normal-fill rate (float64 and float32,
d = 1 and 100), the NumPy kernel at 0.74–0.91×; ``lrtheory bench`` times whole ensembles on
every core. A port of the fused GPU kernels' Philox4x32-10 and Box–Muller normals to numba (a
counter-based stream, a chain's state in a register for all T steps) reached only 1.8·10⁷
chain-steps/s per thread, about 15× slower: a log, a square root and a sine or cosine per
normal cost more than a ziggurat draw, which needs one 64-bit output and a table look-up
99 % of the time.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import os
from collections.abc import Iterator
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

from lrtheory.errors import DivergenceError

if TYPE_CHECKING:
    from lrtheory.montecarlo.runner import ChunkRNG

#: Environment variable: "0" turns the compiled path off.
ENV = "LRTHEORY_NUMBA"
_DTYPES = (np.dtype(np.float64), np.dtype(np.float32))
_off = 0  # depth of numpy_only() blocks


@functools.cache
def _kernels() -> ModuleType | None:
    """The compiled kernels' module, or None without numba (imported on first use only)."""
    try:
        return importlib.import_module("lrtheory.montecarlo.compiled_sfc64")
    except ImportError:
        return None


def installed() -> bool:
    """Whether numba (and the numba build of NumPy's ziggurat tables) can be imported."""
    return _kernels() is not None


def available() -> bool:
    """Whether kernels take the compiled path now: numba installed, not switched off by
    ``LRTHEORY_NUMBA=0`` or inside :func:`numpy_only`."""
    return _off == 0 and os.environ.get(ENV, "1") != "0" and installed()


@contextlib.contextmanager
def numpy_only() -> Iterator[None]:
    """Run every kernel on the NumPy path inside the block (process-wide, for benchmarks and
    comparisons: the runner's worker threads see it too)."""
    global _off
    _off += 1
    try:
        yield
    finally:
        _off -= 1


def sfc64_words(gen: Any) -> np.ndarray[Any, np.dtype[np.uint64]] | None:
    """The state of a NumPy ``Generator(SFC64)`` as six words: a, b, c, w and NumPy's held
    32-bit half (``has_uint32``, ``uinteger``); None for any other generator."""
    bitgen = getattr(gen, "bit_generator", None)
    if not isinstance(gen, np.random.Generator) or not isinstance(bitgen, np.random.SFC64):
        return None
    state = bitgen.state
    return np.array([*state["state"]["state"], state["has_uint32"], state["uinteger"]],
                    dtype=np.uint64)


def set_sfc64_words(gen: np.random.Generator, words: np.ndarray[Any, Any]) -> None:
    """Put six state words (:func:`sfc64_words`) back into a ``Generator(SFC64)``."""
    gen.bit_generator.state = {"bit_generator": "SFC64",
                               "state": {"state": np.array(words[:4], dtype=np.uint64)},
                               "has_uint32": int(words[4]), "uinteger": int(words[5])}


def fill(gen: Any, out: np.ndarray[Any, Any]) -> bool:
    """``gen.standard_normal(out=out)`` compiled, for a 1-D float64 or float32 ``out`` and a
    ``Generator(SFC64)``: the same numbers and the same generator state after; False (nothing
    drawn) where that does not apply or numba is unavailable."""
    words, kernels = sfc64_words(gen), _kernels() if available() else None
    if (words is None or kernels is None or out.ndim != 1 or out.dtype not in _DTYPES
            or not out.flags.c_contiguous):
        return False
    (kernels.fill64 if out.dtype == np.float64 else kernels.fill32)(words, out)
    set_sfc64_words(gen, words)
    return True


def advance_sgd(rng: ChunkRNG, contraction: np.ndarray[Any, Any], y: np.ndarray[Any, Any],
                steps: int, check: int = 32) -> bool:
    """Advance ``y`` (n, d) in place by ``steps`` steps y ← c ⊙ y + ξ_t with ξ_t the draws
    ``rng.normal(d)`` would make at step t, and leave ``rng``'s generators where those
    calls would. Every ``check`` steps and at the last one, rows holding a non-finite value
    raise :class:`DivergenceError` ("simulation", that step, their number), as
    :func:`lrtheory.montecarlo.kernels.check_finite` does.

    Returns False, having drawn nothing, where the compiled path does not apply (numba
    unavailable or switched off, a non-NumPy backend, a generator other than SFC64, a dtype
    other than float64 and float32, ``y`` not a C-contiguous (n, d) array of the RNG's
    dtype, ``contraction`` not d values of it)."""
    if rng.xp is not np:  # only NumPy arrays and NumPy's dtypes from here on
        return False
    kernels = _kernels() if available() else None
    dtype = np.dtype(rng.dtype)
    if (kernels is None or dtype not in _DTYPES
            or not isinstance(y, np.ndarray) or y.dtype != dtype or y.ndim != 2
            or y.shape[0] != rng.n or not y.flags.c_contiguous):
        return False
    contraction = np.ascontiguousarray(contraction)
    if contraction.dtype != dtype or contraction.shape != (y.shape[1],):
        return False
    streams = rng.streams
    gens: list[Any] = [gen for gen, _, _ in streams]
    words = [sfc64_words(gen) for gen in gens]
    if any(w is None for w in words):
        return False
    if steps == 0:
        return True
    states = np.stack(words)  # type: ignore[arg-type]
    first = streams[0][1]
    bounds = np.array([start - first for _, start, _ in streams] + [streams[-1][2] - first],
                      dtype=np.int64)
    run = kernels.sgd64 if dtype == np.float64 else kernels.sgd32
    step, bad = run(states, bounds, y, contraction, steps, check)
    for gen, state in zip(gens, states, strict=True):
        set_sfc64_words(gen, state)
    if bad:
        raise DivergenceError("simulation", int(step), int(bad))
    return True


def warm_up() -> bool:
    """Compile (or load from numba's cache) every kernel once, so that a timing excludes it;
    False without numba."""
    kernels = _kernels()
    if kernels is None:
        return False
    for dtype, run in ((np.float64, kernels.sgd64), (np.float32, kernels.sgd32)):
        for d in (1, 2):
            y = np.zeros((2, d), dtype=dtype)
            run(np.zeros((1, 6), dtype=np.uint64), np.array([0, 2]), y,
                np.ones(d, dtype=dtype), 1, 1)
        (kernels.fill64 if dtype == np.float64 else kernels.fill32)(
            np.zeros(6, dtype=np.uint64), np.empty(2, dtype=dtype))
    return True
