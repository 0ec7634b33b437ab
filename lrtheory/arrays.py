"""The array module an array belongs to (NumPy or CuPy), and the way back to NumPy.

Model code written once against ``xp`` runs on CPU and GPU alike; it finds ``xp`` from its
inputs with :func:`namespace` rather than importing CuPy (which is optional and needs a GPU).
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np


def namespace(*arrays: Any) -> ModuleType:
    """CuPy if any argument is a CuPy array, otherwise NumPy (scalars and lists included)."""
    for a in arrays:
        if type(a).__module__.split(".")[0] == "cupy":  # pragma: no cover - GPU only
            import cupy

            module: ModuleType = cupy
            return module
    return np


def to_numpy(a: Any) -> Any:
    """A NumPy copy of a CuPy array (``.get()``); anything else unchanged."""
    if isinstance(a, np.ndarray):
        return a
    get = getattr(a, "get", None)
    return get() if callable(get) else a
