"""∫η and ∫η² of a schedule in closed form (SymPy), cut at the schedule's jumps."""

from __future__ import annotations

from itertools import pairwise

import sympy as sp

from lrtheory.errors import ParameterError, check_real
from lrtheory.schedules._base import Schedule, _exact


def integrals(schedule: Schedule, t: sp.Symbol,
              upper: sp.Expr | float) -> tuple[sp.Expr, sp.Expr]:
    """∫₀^upper η(t) dt and ∫₀^upper η(t)² dt by SymPy: the learning progress and the noise
    injected by a schedule (η² is expanded first, which SymPy integrates far faster).

    ``t`` is the integration variable (a SymPy symbol), ``upper`` a number ≥ 0 (taken as
    the exact rational its decimal form denotes) or a SymPy expression not known to be
    negative. A schedule that jumps (a ⌊·⌋ of t in its formula:
    :func:`step_decay`, :func:`warm_restarts`) is integrated piece by piece between its
    jumps, which needs a numeric ``upper`` and ⌊·⌋ arguments that are numbers at numeric t
    and monotone in it (the jumps are where they cross an integer)."""
    if not callable(schedule):
        raise ParameterError("schedule", schedule, "a callable t ↦ η(t)")
    if not isinstance(t, sp.Symbol):
        raise ParameterError("t", t, "a SymPy symbol")
    limit = upper if isinstance(upper, sp.Basic) else _exact(
        check_real("upper", upper, 0.0, lo_open=False))[0]
    if not isinstance(limit, sp.Expr) or limit.is_negative:
        raise ParameterError("upper", upper, "≥ 0 (a number or a SymPy expression)")
    rate = schedule(t)
    pieces = _pieces(rate, t, limit, upper)
    if len(pieces) == 1:
        return _termwise(rate, t, 0, limit), _termwise(sp.expand(rate**2), t, 0, limit)
    # Between its jumps a schedule is smooth: antiderivatives at the ends of each piece.
    first, second = sp.Integer(0), sp.Integer(0)
    for lo, hi, piece in pieces:
        first += _termwise(piece, t, lo, hi, definite=False)
        second += _termwise(sp.expand(piece**2), t, lo, hi, definite=False)
    return first, second


def _termwise(expr: sp.Expr, t: sp.Symbol, lo: sp.Expr | int, hi: sp.Expr,
              definite: bool = True) -> sp.Expr:
    """∫_lo^hi expr dt one term of the expanded sum at a time: SymPy integrates the terms
    faster, and integrating a whole sum such as 1/100 + 9t(99/100)ᵗ/250 + 81t²(99/100)²ᵗ/2500
    (exp_range squared) returns a wrong antiderivative (SymPy 1.14), while each term's is
    right. ``definite=False`` evaluates the antiderivative at the ends (far faster than
    SymPy's definite integration for the shifted cosines of SGDR)."""
    total = sp.Integer(0)
    for term in sp.Add.make_args(sp.expand(expr)):
        if definite:
            total += sp.integrate(term, (t, lo, hi))
        else:
            antiderivative = sp.integrate(term, t)
            total += antiderivative.subs(t, hi) - antiderivative.subs(t, lo)
    return total


def _pieces(rate: sp.Expr, t: sp.Symbol, limit: sp.Expr,
            upper: object) -> list[tuple[sp.Expr, sp.Expr, sp.Expr]]:
    """[(a, b, η on (a, b))]: the formula cut at its jumps in (0, limit), each ⌊·⌋ of t
    replaced by its constant value on the piece; one piece when nothing jumps."""
    floors = [f for f in rate.atoms(sp.floor) if f.has(t)]
    if not floors:
        return [(sp.Integer(0), limit, rate)]
    if not limit.is_number:
        raise ParameterError("upper", upper, "a number ≥ 0 for a schedule that jumps "
                             "(⌊·⌋ of t in its formula)")
    cuts = {sp.Integer(0), limit}
    for f in floors:
        arg = f.args[0]
        ends = [arg.subs(t, x) for x in (0, limit)]
        if not all(e.is_number and e.is_real for e in ends):
            raise ParameterError("schedule", rate, "jumps whose ⌊·⌋ arguments are numbers at "
                                 "numeric t (numeric period and factors)")
        lo, hi = sorted(int(sp.floor(e)) for e in ends)
        for k in range(lo + 1, hi + 1):
            cuts.update(x for x in sp.solve(sp.Eq(arg, k), t)
                        if x.is_real and 0 < x < limit)
    edges = sorted(cuts, key=float)
    pieces = []
    for a, b in pairwise(edges):
        mid = (a + b) / 2
        constant = {f: sp.floor(f.args[0].subs(t, mid)) for f in floors}
        pieces.append((a, b, rate.subs(constant)))
    return pieces
