"""Checking the symbolic arguments of public functions: a clear ParameterError naming the
parameter, never a SymPy traceback from deep inside."""

from __future__ import annotations

import sympy as sp

from lrtheory.errors import ParameterError


def check_expr(name: str, value: object, positive: bool = False) -> sp.Expr:
    """``value`` as a SymPy expression (numbers are sympified; strings are refused); with
    ``positive``, one not known to be ≤ 0."""
    try:
        expr = sp.sympify(value, strict=True)
    except (sp.SympifyError, TypeError):
        raise ParameterError(name, value, "a SymPy expression or number") from None
    if not isinstance(expr, sp.Expr) or (positive and expr.is_positive is False):
        raise ParameterError(name, value, "a positive SymPy expression or number" if positive
                             else "a SymPy expression or number")
    return expr


def check_symbol(name: str, value: object) -> sp.Symbol:
    """``value`` itself, if it is a SymPy symbol."""
    if not isinstance(value, sp.Symbol):
        raise ParameterError(name, value, "a SymPy symbol")
    return value
