"""The pieces every schedule shares: parameter checks, the time argument, exact rationals."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeAlias

import numpy as np
import sympy as sp

from lrtheory.errors import ParameterError, check_positive, check_real

Schedule: TypeAlias = Callable[[Any], Any]
"""A learning-rate schedule: step or time ``t`` (number, array or SymPy expression) ↦ η(t)."""

Parameter: TypeAlias = "float | sp.Expr"
"""A schedule parameter: a positive number or a SymPy expression not known to be ≤ 0."""


_NOT_FINITE = (sp.nan, sp.zoo, sp.oo, -sp.oo)


def _symbolic_finite(value: sp.Basic) -> bool:
    """A SymPy expression that is not NaN or infinite (nor contains one)."""
    return isinstance(value, sp.Expr) and not value.has(*_NOT_FINITE)


def _parameter(name: str, value: object) -> Parameter:
    """A positive number, or a SymPy expression that is not known to be non-positive."""
    if isinstance(value, sp.Basic):
        if not _symbolic_finite(value) or value.is_positive is False:
            raise ParameterError(name, value, "positive (a number or a positive SymPy symbol)")
        expr: sp.Expr = value
        return expr
    return check_positive(name, value)


def _is_symbolic(*values: object) -> bool:
    return any(isinstance(v, sp.Basic) for v in values)


def _time(t: Any) -> Any:
    """A numeric step or time (number or array) must be real and finite; SymPy passes."""
    if _is_symbolic(t):
        if not _symbolic_finite(t):
            raise ParameterError("t", t, "finite")
        return t
    if isinstance(t, bool | str | bytes | complex) or t is None:
        raise ParameterError("t", t, "a finite real number or array of them")
    try:
        kind = getattr(t, "dtype", None) or np.asarray(t).dtype
        if kind.kind not in "biuf":
            raise TypeError(kind)
        finite = bool(np.all(np.isfinite(t)))
    except (TypeError, ValueError):
        raise ParameterError("t", t, "a finite real number or array of them") from None
    if not finite:
        raise ParameterError("t", t, "finite")
    return t


def _progress(t: Any, total: Parameter) -> Any:
    """The fraction t/total of the horizon: clipped to [0, 1] for numbers and arrays, the
    plain ratio for SymPy (whose formulas are stated on [0, total])."""
    if _is_symbolic(t, total):
        return _time(t) / _exact(total)[0]
    return np.clip(_time(t), 0.0, total) / total



def _fraction(name: str, value: object) -> Parameter:
    """A decay factor: a number in (0, 1], or a SymPy expression not known to be ≤ 0."""
    if isinstance(value, sp.Basic):
        return _parameter(name, value)
    return check_real(name, value, 0.0, 1.0, hi_open=False)


def _exact(*values: Parameter | int) -> tuple[sp.Expr, ...]:
    """Parameters for a SymPy formula: numbers as the exact rationals their decimal forms
    denote (0.1 ↦ 1/10, 10.0 ↦ 10), so that jumps and integrals come out exact."""
    return tuple(v if isinstance(v, sp.Basic) else sp.Rational(str(float(v))) for v in values)


def _from_zero(t: Any) -> Any:
    """A numeric step or time held at 0 from below (schedules without a horizon); SymPy
    passes, its formulas being stated for t ≥ 0."""
    if _is_symbolic(t):
        return t
    return np.maximum(_time(t), 0.0)


def _floor_rate(eta_min: object, top: Parameter, name: str = "eta_min") -> Parameter:
    """η_min ∈ [0, η_max]: a number, or a SymPy expression not known to be negative."""
    if isinstance(eta_min, sp.Basic):
        if not _symbolic_finite(eta_min) or eta_min.is_negative:
            raise ParameterError(name, eta_min, "≥ 0 (a number or a SymPy expression)")
        return eta_min
    hi = math.inf if isinstance(top, sp.Basic) else top
    return check_real(name, eta_min, 0.0, hi, lo_open=False, hi_open=False)
