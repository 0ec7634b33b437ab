"""The array module an array belongs to (NumPy, CuPy or any array-API namespace), and the
way back to NumPy.

Model code written once against ``xp`` runs on CPU and GPU alike; it finds ``xp`` from its
inputs with :func:`namespace` rather than importing CuPy (which is optional and needs a GPU).
Arrays of other array-API libraries (such as ``array_api_strict``, used to test that the
ensemble code is portable) name their namespace themselves, through the standard's
``__array_namespace__``; no array-API helper package is needed.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np


def namespace(*arrays: Any) -> ModuleType:
    """The namespace of the first non-NumPy array among ``arrays``: CuPy for a CuPy array,
    ``a.__array_namespace__()`` for another array-API array; otherwise NumPy (scalars,
    lists and NumPy arrays)."""
    for a in arrays:
        if isinstance(a, np.ndarray | np.generic):
            continue
        if type(a).__module__.split(".")[0] == "cupy":  # pragma: no cover - GPU only
            import cupy

            module: ModuleType = cupy
            return module
        get_namespace = getattr(a, "__array_namespace__", None)
        if callable(get_namespace):
            found: ModuleType = get_namespace()
            return found
    return np


def astype(xp: ModuleType, a: Any, dtype: Any) -> Any:
    """``a`` converted to ``dtype``: the array API's ``xp.astype`` where the namespace has it
    (NumPy ≥ 2, array-api-strict), else the method ``a.astype`` (CuPy before version 14)."""
    function = getattr(xp, "astype", None)
    return function(a, dtype) if callable(function) else a.astype(dtype)


def to_numpy(a: Any) -> Any:
    """A NumPy copy of a CuPy array (``.get()``) or of another array-API array (DLPack);
    anything else unchanged."""
    if isinstance(a, np.ndarray):
        return a
    get = getattr(a, "get", None)
    if callable(get):
        return get()
    if hasattr(a, "__array_namespace__") and hasattr(a, "__dlpack__"):
        return np.from_dlpack(a)
    return a
