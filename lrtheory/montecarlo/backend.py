"""Array backends: NumPy always, CuPy when it is importable and a CUDA device is present.

A :class:`Backend` bundles the array namespace ``xp``, a factory for per-stream random
generators and a way back to NumPy. It is the one backend-specific piece of the ensemble
code; everything else is written once against ``xp``. CuPy is imported lazily, only when
asked for (or when ``auto`` probes for it), so importing lrtheory never needs a GPU.

A third backend, ``array-api-strict`` (:func:`strict_backend`), is for tests only: its
``xp`` is :mod:`array_api_strict`, the standard's minimal namespace, and its generator is
NumPy's (the same SFC64 streams) handing back strict arrays, so that ensemble code that
runs there touches nothing beyond the array API and gives NumPy's numbers.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Final, Literal, Protocol

import numpy as np

from lrtheory.errors import LrtheoryError, UnknownNameError

BackendName = Literal["numpy", "cupy", "array-api-strict"]
BACKEND_CHOICES = ("auto", "numpy", "cupy")
#: The test-only backend (not a command-line choice): :func:`strict_backend`.
STRICT: Final = "array-api-strict"


class NormalSource(Protocol):
    """The RNG interface the runner needs from one stream: fill an array with N(0, 1)."""

    def standard_normal(self, size: Any = ..., dtype: Any = ..., out: Any = ...) -> Any: ...

    def random(self, size: Any = ..., dtype: Any = ..., out: Any = ...) -> Any: ...


@dataclass(frozen=True)
class Backend:
    """An array namespace with its RNG factory and device description."""

    name: BackendName
    xp: ModuleType
    device: str

    @property
    def fills_in_place(self) -> bool:
        """Whether the generators fill a slice of an existing array (``out=``); the array
        API has no ``out``, so the strict backend's draws are assigned into place instead."""
        return self.name != STRICT

    def dtype(self, dtype: Any) -> Any:
        """The namespace's dtype object for a NumPy dtype (``np.float64`` → ``xp.float64``);
        NumPy's and CuPy's are NumPy's own, returned unchanged."""
        if self.name != STRICT:
            return dtype
        return getattr(self.xp, np.dtype(dtype).name)

    def generator(self, seed: np.random.SeedSequence) -> NormalSource:
        """An independent generator for one stream (one block of chains).

        NumPy: ``Generator(SFC64)``, a small fast state for many short streams. CuPy: its
        counter-based cuRAND Philox4x32-10 generator, which takes the same SeedSequence.
        This keeps every kernel runnable on CuPy unchanged; fused GPU kernels with their own
        in-register counter-based RNG are the planned fast path for the hot ensembles.
        array-api-strict: NumPy's generator, its draws converted to strict arrays.
        """
        if self.name == "numpy":
            return np.random.Generator(np.random.SFC64(seed))
        if self.name == STRICT:
            return _StrictGenerator(np.random.Generator(np.random.SFC64(seed)), self.xp)
        bitgen = self.xp.random.Philox4x3210(seed)
        gen: NormalSource = self.xp.random.Generator(bitgen)
        return gen

    def to_numpy(self, a: Any) -> np.ndarray[Any, Any]:
        """Bring an array back to host memory as a NumPy array (NumPy arrays unchanged)."""
        if isinstance(a, np.ndarray):
            return a
        if self.name == "cupy":
            return self.xp.asnumpy(a)  # type: ignore[no-any-return]
        if self.name == STRICT and hasattr(a, "__dlpack__"):
            # Explicitly, as CuPy's asnumpy: not through __array__, which a CuPy array
            # refuses (so the strict backend can be made to refuse it too).
            return np.from_dlpack(a)
        return np.asarray(a)


class _StrictGenerator:
    """A NumPy generator whose draws come back as strict arrays: the same random numbers as
    the NumPy backend's, through the array API's only way in, ``xp.asarray``."""

    def __init__(self, gen: np.random.Generator, xp: ModuleType) -> None:
        self._gen = gen
        self._xp = xp

    def standard_normal(self, size: Any = None, dtype: Any = None, out: Any = None) -> Any:
        """N(0, 1) draws of ``size`` (``out`` is not part of the array API: must be None)."""
        return self._draw(self._gen.standard_normal, size, dtype, out)

    def random(self, size: Any = None, dtype: Any = None, out: Any = None) -> Any:
        """U[0, 1) draws of ``size`` (``out`` must be None)."""
        return self._draw(self._gen.random, size, dtype, out)

    def _draw(self, fill: Any, size: Any, dtype: Any, out: Any) -> Any:
        if out is not None:
            raise TypeError("array-api-strict arrays cannot be filled in place (out=)")
        return self._xp.asarray(fill(size=size, dtype=_numpy_dtype(dtype)))


def _numpy_dtype(dtype: Any) -> np.dtype[Any]:
    """NumPy's dtype for a NumPy or a strict dtype (``array_api_strict.float64`` → float64)."""
    if dtype is None:
        return np.dtype(np.float64)
    try:
        found: np.dtype[Any] = np.dtype(dtype)
    except TypeError:
        found = np.dtype(str(dtype).rsplit(".", 1)[-1])
    return found


def _cupy_backend() -> Backend:
    try:
        cp = importlib.import_module("cupy")
    except ImportError as exc:  # pragma: no cover - depends on the machine
        raise LrtheoryError(
            "backend 'cupy' needs CuPy: pip install 'lrtheory[gpu]'") from exc
    try:
        n = int(cp.cuda.runtime.getDeviceCount())
    except Exception as exc:  # pragma: no cover - CuPy raises driver-specific errors
        raise LrtheoryError(f"backend 'cupy': no usable CUDA device ({exc})") from exc
    if n < 1:  # pragma: no cover
        raise LrtheoryError("backend 'cupy': no CUDA device found")
    props = cp.cuda.runtime.getDeviceProperties(0)
    name = props["name"].decode() if isinstance(props["name"], bytes) else str(props["name"])
    return Backend("cupy", cp, f"cuda:0 {name}")


def cpu_model() -> str:
    """The processor's model name (from /proc/cpuinfo on Linux, else ``platform``)."""
    import platform

    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "cpu"


def numpy_backend() -> Backend:
    return Backend("numpy", np, f"cpu: {cpu_model()} ({os.cpu_count()} cores)")


def strict_backend() -> Backend:
    """The test backend: ``xp`` = :mod:`array_api_strict` on its CPU device (module
    docstring). Needs the ``array-api-strict`` package."""
    try:
        xp = importlib.import_module("array_api_strict")
    except ImportError as exc:
        raise LrtheoryError("backend 'array-api-strict' needs the array-api-strict package: "
                            "pip install array-api-strict") from exc
    return Backend(STRICT, xp, "cpu: array-api-strict (NumPy underneath)")


def backend_named(name: str) -> Backend:
    """A backend by its exact name, the test backend included: how a Dask worker rebuilds
    the backend the client chose (``auto`` is resolved on the client, never here)."""
    if name == STRICT:
        return strict_backend()
    if name not in ("numpy", "cupy"):
        raise UnknownNameError("backend", name, ["numpy", "cupy", STRICT])
    return get_backend(name)


def get_backend(name: str = "auto") -> Backend:
    """``auto`` (CuPy if usable, else NumPy), ``numpy`` or ``cupy``."""
    if name not in BACKEND_CHOICES:
        raise UnknownNameError("backend", name, list(BACKEND_CHOICES))
    if name == "numpy":
        return numpy_backend()
    if name == "cupy":
        return _cupy_backend()
    try:
        return _cupy_backend()
    except LrtheoryError:
        return numpy_backend()
