"""SymPy objects across a process boundary, exactly as they were built.

SymPy pickles an expression as (constructor, arguments) and unpickles it by calling the
constructor again, which *evaluates*: an equation between a symbol and a matrix becomes
``False``, an unevaluated product written for display is multiplied out. A derivation
computed in a worker process (``verify(jobs=…)``) must come back as computed, so
:func:`freeze` records the tree and :func:`thaw` rebuilds it, passing ``evaluate=False`` to
the constructors that evaluate (sums, products, powers, functions, relations) and rebuilding
every other node from its arguments as SymPy itself would.
"""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.core.relational import Relational

_UNEVALUATED = (sp.Add, sp.Mul, sp.Pow, sp.Function)


def freeze(obj: Any) -> Any:
    """A picklable record of ``obj``'s expression tree (non-SymPy values pass through)."""
    if isinstance(obj, sp.Basic) and obj.args and not obj.is_Atom:
        return ("node", obj.func, tuple(freeze(a) for a in obj.args))
    if isinstance(obj, tuple):
        return ("tuple", tuple(freeze(a) for a in obj))
    return ("leaf", obj)


def thaw(record: Any) -> Any:
    """The object :func:`freeze` recorded, rebuilt without evaluating it."""
    kind, *rest = record
    if kind == "leaf":
        return rest[0]
    if kind == "tuple":
        return tuple(thaw(a) for a in rest[0])
    func, args = rest
    values = [thaw(a) for a in args]
    if isinstance(func, type) and (issubclass(func, _UNEVALUATED)
                                   or issubclass(func, Relational)):
        return func(*values, evaluate=False)
    return func(*values)
