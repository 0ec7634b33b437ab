"""What the update rules share: hyperparameter checks and elementwise functions that work on
NumPy/CuPy arrays, Python floats and SymPy expressions alike (internal to
:mod:`lrtheory.optimizers` and :mod:`lrtheory.adaptive`)."""

from __future__ import annotations

import math
from typing import Any

import sympy as sp

from lrtheory.arrays import namespace
from lrtheory.errors import ParameterError, check_real

Array = Any
"""A NumPy/CuPy array, a Python float or a SymPy expression/matrix."""



def _hyper(name: str, value: Any, lo: float, hi: float = math.inf, *,
           lo_open: bool = False) -> Any:
    """A hyperparameter: a SymPy expression passes, a number must lie in [lo, hi)."""
    if isinstance(value, sp.Basic):
        if not isinstance(value, sp.Expr) or value.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
            raise ParameterError(name, value, "finite (a number or a SymPy expression)")
        return value
    return check_real(name, value, lo, hi, lo_open=lo_open)


def _eta(eta: Any) -> Any:
    return _hyper("eta", eta, 0.0, lo_open=True)


def _positive(name: str, value: Any) -> Any:
    return _hyper(name, value, 0.0, lo_open=True)


def _lr_scaled_wd(eta: Any, wd: Any) -> Any:
    """λ_wd of a decay multiplied by η: the shrink factor 1 − ηλ_wd must stay in (0, 1]."""
    if isinstance(eta, sp.Basic):
        return _hyper("wd", wd, 0.0)
    wd = _hyper("wd", wd, 0.0)
    if not isinstance(wd, sp.Basic) and wd >= 1.0 / eta:
        raise ParameterError("wd", wd, f"in [0, 1/eta) = [0, {1 / eta:g}) so that the shrink "
                             "factor 1 − eta·wd stays positive")
    return wd


def _sqrt(x: Array) -> Array:
    """Elementwise √x: ``sp.sqrt`` for a SymPy expression, the array module's otherwise."""
    if isinstance(x, sp.Basic):
        return sp.sqrt(x)
    return namespace(x).sqrt(x)


def _abs(x: Array) -> Array:
    """Elementwise |x|: ``sp.Abs`` for a SymPy expression, the array module's otherwise."""
    if isinstance(x, sp.Basic):
        return sp.Abs(x)
    return namespace(x).abs(x)


def _scaled(grad: Array, second_moment: Array, eps: Any, eps_inside: bool) -> Array:
    """g/(√s + ε), or g/√(s + ε) with ``eps_inside`` (seed 003's form)."""
    if eps_inside:
        return grad / _sqrt(second_moment + eps)
    return grad / (_sqrt(second_moment) + eps)
