"""Array backends: NumPy always, CuPy when it is importable and a CUDA device is present.

A :class:`Backend` bundles the array namespace ``xp``, a factory for per-stream random
generators and a way back to NumPy. It is the one backend-specific piece of the ensemble
code; everything else is written once against ``xp``. CuPy is imported lazily, only when
asked for (or when ``auto`` probes for it), so importing lrtheory never needs a GPU.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Literal, Protocol

import numpy as np

from lrtheory.errors import LrtheoryError, UnknownNameError

BackendName = Literal["numpy", "cupy"]
BACKEND_CHOICES = ("auto", "numpy", "cupy")


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

    def generator(self, seed: np.random.SeedSequence) -> NormalSource:
        """An independent generator for one stream (one block of chains).

        NumPy: ``Generator(SFC64)``, a small fast state for many short streams. CuPy: its
        counter-based cuRAND Philox4x32-10 generator, which takes the same SeedSequence.
        This keeps every kernel runnable on CuPy unchanged; fused GPU kernels with their own
        in-register counter-based RNG are the planned fast path for the hot ensembles.
        """
        if self.name == "numpy":
            return np.random.Generator(np.random.SFC64(seed))
        bitgen = self.xp.random.Philox4x3210(seed)
        gen: NormalSource = self.xp.random.Generator(bitgen)
        return gen

    def to_numpy(self, a: Any) -> np.ndarray[Any, Any]:
        """Bring an array back to host memory as a NumPy array."""
        if self.name == "cupy":
            return self.xp.asnumpy(a)  # type: ignore[no-any-return]
        return np.asarray(a)


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
