"""The array module an array belongs to (NumPy, CuPy or any array-API namespace), and the
way back to NumPy.

Model code written once against ``xp`` runs on CPU and GPU alike; it finds ``xp`` from its
inputs with :func:`namespace` rather than importing CuPy (which is optional and needs a GPU).
Arrays of other array-API libraries (such as ``array_api_strict``, used to test that the
ensemble code is portable) name their namespace themselves, through the standard's
``__array_namespace__``; no array-API helper package is needed.
"""

from __future__ import annotations

from collections.abc import Sequence
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


def concat(xp: ModuleType, arrays: Sequence[Any], axis: int = 0) -> Any:
    """``arrays`` joined along ``axis``: the array API's ``xp.concat`` where the namespace
    has it (NumPy ≥ 2, array-api-strict), else ``xp.concatenate`` (NumPy 1.26, CuPy 13)."""
    function = getattr(xp, "concat", None) or xp.concatenate
    return function(list(arrays), axis=axis)


def vector_norm(xp: ModuleType, a: Any, axis: int = -1, keepdims: bool = False) -> Any:
    """The Euclidean norm ‖a‖₂ = √(Σ a²) along ``axis``: ``xp.linalg.vector_norm`` where the
    namespace has it, else ``xp.linalg.norm`` (the same numbers: NumPy's vector_norm calls
    norm for one axis)."""
    function = getattr(xp.linalg, "vector_norm", None) or xp.linalg.norm
    return function(a, axis=axis, keepdims=keepdims)


def bool_dtype(xp: ModuleType) -> Any:
    """The namespace's boolean dtype: ``xp.bool`` (array API, NumPy ≥ 2), else ``xp.bool_``
    (NumPy 1.26, CuPy 13); Python's ``bool`` is not an array-API dtype."""
    return getattr(xp, "bool", None) or xp.bool_


def matrix_transpose(xp: ModuleType, a: Any) -> Any:
    """The transpose of the last two axes (a view): ``xp.matrix_transpose`` where the
    namespace has it, else ``xp.swapaxes(a, -1, -2)`` (NumPy 1.26, CuPy 13)."""
    function = getattr(xp, "matrix_transpose", None)
    return function(a) if callable(function) else xp.swapaxes(a, -1, -2)


def diagonal(xp: ModuleType, a: Any) -> Any:
    """The main diagonals of a stack of matrices (…, n, n) → (…, n): the array API's
    ``xp.linalg.diagonal`` where the namespace has it, else ``xp.diagonal`` over the last
    two axes (NumPy 1.26, CuPy 13)."""
    function = getattr(xp.linalg, "diagonal", None)
    return function(a) if callable(function) else xp.diagonal(a, axis1=-2, axis2=-1)


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
