"""Learning-rate schedules as pure functions, in the style of optax.

A schedule is a factory: it checks its parameters once and returns a plain callable
``eta(t)`` of the step (or continuous time) ``t``. The same callable serves the simulation
and the algebra:

* **numbers and arrays** (Python scalars, NumPy arrays, CuPy arrays through NumPy's
  dispatch): evaluated element-wise with NumPy functions; ``t`` is held on the schedule's
  horizon ``[0, total]`` as optax does, so a decayed schedule stays at its final value;
* **SymPy expressions** (``t`` a symbol, or any parameter symbolic): the formula itself,
  built with SymPy functions, valid on ``[0, total]`` — ready for ``sympy.integrate`` of
  ∫η and ∫η² or for ``dsolve``.

A new schedule is one more factory here: validate the parameters with :func:`_parameter`,
pick the function namespace with :func:`_namespace` (``cos``, ``exp``, ``floor`` and ``pi``
exist under the same names in NumPy and SymPy) and return the closure.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any, TypeAlias

import numpy as np
import sympy as sp

from lrtheory.arrays import namespace
from lrtheory.errors import ParameterError, check_positive, check_real

Schedule: TypeAlias = Callable[[Any], Any]
"""A learning-rate schedule: step or time ``t`` (number, array or SymPy expression) ↦ η(t)."""

Parameter: TypeAlias = "float | sp.Expr"
"""A schedule parameter: a positive number or a SymPy expression not known to be ≤ 0."""


def _parameter(name: str, value: object) -> Parameter:
    """A positive number, or a SymPy expression that is not known to be non-positive."""
    if isinstance(value, sp.Basic):
        if not isinstance(value, sp.Expr) or value.is_positive is False:
            raise ParameterError(name, value, "positive (a number or a positive SymPy symbol)")
        expr: sp.Expr = value
        return expr
    return check_positive(name, value)


def _is_symbolic(*values: object) -> bool:
    return any(isinstance(v, sp.Basic) for v in values)


def _namespace(*values: object) -> ModuleType:
    """SymPy when any value is a SymPy object, else the arrays' module (NumPy or CuPy)."""
    return sp if _is_symbolic(*values) else namespace(*values)


def _time(t: Any) -> Any:
    """A numeric step or time (number or array) must be real and finite; SymPy passes."""
    if _is_symbolic(t):
        return t
    if isinstance(t, bool | str | bytes) or t is None:
        raise ParameterError("t", t, "a finite real number or array of them")
    try:
        finite = bool(np.all(np.isfinite(t)))
    except TypeError:
        raise ParameterError("t", t, "a finite real number or array of them") from None
    if not finite:
        raise ParameterError("t", t, "finite")
    return t


def _progress(t: Any, total: Parameter) -> Any:
    """The fraction t/total of the horizon: clipped to [0, 1] for numbers and arrays, the
    plain ratio for SymPy (whose formulas are stated on [0, total])."""
    if _is_symbolic(t, total):
        return t / total
    return np.clip(_time(t), 0.0, total) / total


def constant(eta0: Parameter) -> Schedule:
    """η(t) = η₀ for every t."""
    eta0 = _parameter("eta0", eta0)

    def schedule(t: Any) -> Any:
        if _is_symbolic(t, eta0):
            return sp.sympify(eta0)
        return eta0 * np.ones_like(_time(t), dtype=np.float64)

    return schedule


def linear_decay(eta0: Parameter, total: Parameter) -> Schedule:
    """η(t) = η₀ (1 − t/T) on [0, T] (T = ``total``), held at 0 for t > T.

    ∫₀ᵀ η dt = η₀T/2 and ∫₀ᵀ η² dt = η₀²T/3.
    """
    eta0 = _parameter("eta0", eta0)
    total = _parameter("total", total)

    def schedule(t: Any) -> Any:
        return eta0 * (1 - _progress(t, total))

    return schedule


def cosine(eta0: Parameter, total: Parameter) -> Schedule:
    """Cosine annealing η(t) = η₀ (1 + cos(π t/T)) / 2 on [0, T], held at 0 for t > T.

    ∫₀ᵀ η dt = η₀T/2 and ∫₀ᵀ η² dt = 3η₀²T/8.
    """
    eta0 = _parameter("eta0", eta0)
    total = _parameter("total", total)

    def schedule(t: Any) -> Any:
        xp = _namespace(t, eta0, total)
        return eta0 * (1 + xp.cos(xp.pi * _progress(t, total))) / 2

    return schedule


def integrals(schedule: Schedule, t: sp.Symbol,
              upper: sp.Expr | float) -> tuple[sp.Expr, sp.Expr]:
    """∫₀^upper η(t) dt and ∫₀^upper η(t)² dt by SymPy: the learning progress and the noise
    injected by a schedule (η² is expanded first, which SymPy integrates far faster).

    ``t`` is the integration variable (a SymPy symbol), ``upper`` a number ≥ 0 or a SymPy
    expression not known to be negative."""
    if not callable(schedule):
        raise ParameterError("schedule", schedule, "a callable t ↦ η(t)")
    if not isinstance(t, sp.Symbol):
        raise ParameterError("t", t, "a SymPy symbol")
    limit = upper if isinstance(upper, sp.Basic) else sp.sympify(
        check_real("upper", upper, 0.0, lo_open=False))
    if not isinstance(limit, sp.Expr) or limit.is_negative:
        raise ParameterError("upper", upper, "≥ 0 (a number or a SymPy expression)")
    rate = schedule(t)
    return sp.integrate(rate, (t, 0, limit)), sp.integrate(sp.expand(rate**2), (t, 0, limit))
