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


def permute_dims(xp: ModuleType, a: Any, axes: tuple[int, ...]) -> Any:
    """``a`` with its axes in the order ``axes`` (a view): ``xp.permute_dims`` where the
    namespace has it, else ``xp.transpose`` (NumPy 1.26, CuPy 13)."""
    function = getattr(xp, "permute_dims", None) or xp.transpose
    return function(a, axes)


def contiguous(xp: ModuleType, a: Any) -> Any:
    """``a`` laid out C-contiguously (``xp.ascontiguousarray``: NumPy, CuPy) for fast passes
    over its last axis; unchanged where the namespace has no such notion (the array API
    leaves memory layout to the library). The values are the same either way."""
    function = getattr(xp, "ascontiguousarray", None)
    return function(a) if callable(function) else a


def cumulative_sum(xp: ModuleType, a: Any, axis: int = 0) -> Any:
    """The running sums along ``axis`` (same shape): the array API's ``xp.cumulative_sum``
    where the namespace has it, else ``xp.cumsum`` (NumPy 1.26, CuPy 13); both add in
    order, so the numbers are the same."""
    function = getattr(xp, "cumulative_sum", None) or xp.cumsum
    return function(a, axis=axis)


def einsum(xp: ModuleType, subscripts: str, *operands: Any) -> Any:
    """The Einstein sum ``subscripts`` of ``operands``: ``xp.einsum`` where the namespace has
    it (NumPy, CuPy: their numbers unchanged), else an emulation through the array API.

    The emulation (explicit ``->`` output; ``...`` allowed; no letter twice in one operand)
    aligns every operand on the output letters followed by the summed ones
    (``permute_dims``, size-1 axes for absent letters), multiplies them with broadcasting and
    sums the summed letters: out[o] = Σ_s Π_k op_k[o, s]. Exact up to rounding; its
    summation order is not NumPy's, so a sum over K terms can differ from NumPy's by
    about K·ε·Σ|terms| (ε the unit roundoff). It forms the full broadcast product, of
    size Π (every letter's extent): fine for the small contractions of the models.
    """
    function = getattr(xp, "einsum", None)
    if callable(function):
        return function(subscripts, *operands)
    return _einsum_emulated(xp, subscripts, operands)


def _einsum_emulated(xp: ModuleType, subscripts: str, operands: Sequence[Any]) -> Any:
    """:func:`einsum` through ``permute_dims``, ``reshape``, ``*`` and ``sum`` alone."""
    spec = subscripts.replace(" ", "")
    if "->" not in spec:
        raise ValueError(f"einsum emulation needs an explicit output ('->'): {subscripts!r}")
    inputs, output = spec.split("->")
    terms = inputs.split(",")
    if len(terms) != len(operands):
        raise ValueError(f"einsum {subscripts!r}: {len(terms)} terms, {len(operands)} operands")
    pairs = list(zip(terms, operands, strict=True))
    # "..." stands for an operand's leading axes, right-aligned across operands
    extra = [op.ndim - len(t.replace("...", "")) if "..." in t else 0 for t, op in pairs]
    dots = "".join([c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in spec][:max(extra)])
    terms = [t.replace("...", dots[len(dots) - k:]) for (t, _), k in zip(pairs, extra,
                                                                          strict=True)]
    output = output.replace("...", dots)
    order = output + "".join(dict.fromkeys(c for t in terms for c in t if c not in output))
    product = None
    for term, op in zip(terms, operands, strict=True):
        if len(set(term)) != len(term) or len(term) != op.ndim:
            raise ValueError(f"einsum emulation: term {term!r} for an operand of shape "
                             f"{tuple(op.shape)} (one letter per axis, none repeated)")
        ranked = sorted(term, key=order.index)
        aligned = xp.permute_dims(op, tuple(term.index(c) for c in ranked))
        shape = tuple(op.shape[term.index(c)] if c in term else 1 for c in order)
        aligned = xp.reshape(aligned, shape)
        product = aligned if product is None else product * aligned
    summed = tuple(range(len(output), len(order)))
    return xp.sum(product, axis=summed) if summed else product


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
