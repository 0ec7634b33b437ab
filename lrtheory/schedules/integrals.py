"""∫η and ∫η² of a schedule in closed form (SymPy), cut at the schedule's jumps."""

from __future__ import annotations

from functools import lru_cache
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
    # Between its jumps a schedule is smooth: antiderivatives at the ends of each piece,
    # shifted to start at 0 (t = a + x), so that e.g. a cosine restarting at a becomes
    # cos(πx/T) and its antiderivative vanishes at x = T outright.
    first, second = sp.Integer(0), sp.Integer(0)
    x = sp.Dummy("x", nonnegative=True)
    for lo, hi, piece in pieces:
        shifted = piece.subs(t, lo + x)
        first += _termwise(shifted, x, 0, hi - lo, definite=False)
        second += _termwise(sp.expand(shifted**2), x, 0, hi - lo, definite=False)
    return first, second


def _termwise(expr: sp.Expr, t: sp.Symbol, lo: sp.Expr | int, hi: sp.Expr,
              definite: bool = True) -> sp.Expr:
    """∫_lo^hi expr dt one term of the expanded sum at a time, each term's factors free of t
    pulled out: SymPy integrates the terms faster, and integrating a whole sum such as
    1/100 + 9t(99/100)ᵗ/250 + 81t²(99/100)²ᵗ/2500 (exp_range squared) returns a wrong
    antiderivative (SymPy 1.14), while each term's is right. A power of t is integrated
    as a polynomial; ``definite=False`` evaluates the antiderivative at the ends (far
    faster than SymPy's definite integration for the shifted cosines of SGDR)."""
    total = sp.Integer(0)
    for term in sp.Add.make_args(sp.expand(expr)):
        coeff, factor = term.as_independent(t, as_Add=False)
        if definite and not factor.is_polynomial(t):
            total += coeff * sp.integrate(factor, (t, lo, hi))
        else:
            antiderivative = _antiderivative(factor, t)
            total += coeff * (antiderivative.subs(t, hi) - antiderivative.subs(t, lo))
    return total


@lru_cache(maxsize=1024)
def _antiderivative(factor: sp.Expr, t: sp.Symbol) -> sp.Expr:
    """An antiderivative of ``factor`` in t: of a polynomial by its coefficients, else by
    SymPy (cached: the same factors, cos(πt)², tⁿ, …, recur from schedule to schedule)."""
    if factor.is_polynomial(t):
        return sp.Poly(factor, t).integrate().as_expr()
    return sp.integrate(factor, t)


def _pieces(rate: sp.Expr, t: sp.Symbol, limit: sp.Expr,
            upper: object) -> list[tuple[sp.Expr, sp.Expr, sp.Expr]]:
    """[(a, b, η on (a, b))]: the formula cut at its jumps in (0, limit), each ⌊·⌋ of t
    replaced by its constant value on the piece; a ``Piecewise`` in t < c₁ < c₂ … cut at
    the cᵢ (:func:`_branches`); one piece when nothing jumps."""
    floors = [f for f in rate.atoms(sp.floor) if f.has(t)]
    if not floors:
        return _branches(rate, t, limit) or [(sp.Integer(0), limit, rate)]
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
            cuts.update(x for x in _crossings(arg, t, k) if x.is_real and 0 < x < limit)
    edges = sorted(cuts, key=float)
    pieces = []
    for a, b in pairwise(edges):
        mid = (a + b) / 2
        constant = {f: sp.floor(f.args[0].subs(t, mid)) for f in floors}
        pieces.append((a, b, rate.subs(constant)))
    return pieces


def _crossings(arg: sp.Expr, t: sp.Symbol, k: int) -> list[sp.Expr]:
    """The t where the monotone ⌊·⌋ argument ``arg`` equals the integer k: by undoing its
    operations one by one, outermost first (x + b, a·x, log x, eˣ, x^p, b^x: the forms of
    every schedule's ⌊·⌋, e.g. SGDR's log(1 + μt/T₀)/log(1 + μ) = k ⇔ t = T₀((1 + μ)^k − 1)/μ),
    the root checked at 30 digits; else by ``sympy.solve`` without its simplification and
    checks (a root too many only cuts a piece in two; the crossing itself is among them)."""
    lhs, rhs = arg, sp.Integer(k)
    while lhs != t:
        if lhs.is_Add or lhs.is_Mul:
            rest, dep = lhs.as_independent(t, as_Add=lhs.is_Add)
            if type(dep) is type(lhs):  # t in two terms or factors: not undone here
                break
            lhs, rhs = dep, (rhs - rest if lhs.is_Add else rhs / rest)
        elif isinstance(lhs, (sp.log, sp.exp)):
            lhs, rhs = lhs.args[0], (sp.exp(rhs) if isinstance(lhs, sp.log) else sp.log(rhs))
        elif lhs.is_Pow and not lhs.exp.has(t):
            lhs, rhs = lhs.base, rhs ** (1 / lhs.exp)
        elif lhs.is_Pow and not lhs.base.has(t):
            lhs, rhs = lhs.exp, sp.log(rhs) / sp.log(lhs.base)
        else:
            break
    if lhs == t and rhs.is_number and rhs.is_real:
        miss = sp.N(arg.subs(t, rhs) - k, 30)
        if miss.is_number and abs(miss) < sp.Float("1e-20", 30) * (1 + abs(k)):
            return [rhs]
    return [x for x in sp.solve(sp.Eq(arg, k), t, simplify=False, check=False)
            if isinstance(x, sp.Expr)]


def _branches(rate: sp.Expr, t: sp.Symbol,
              limit: sp.Expr) -> list[tuple[sp.Expr, sp.Expr, sp.Expr]] | None:
    """[(cᵢ₋₁, cᵢ, ηᵢ)] for η = Piecewise((η₁, t < c₁), …, (ηₙ₊₁, True)) (a warm-up) when
    SymPy can show 0 ≤ c₁ ≤ … ≤ cₙ ≤ limit (c₀ = 0, cₙ₊₁ = limit); ``None`` for anything
    else, which SymPy then integrates as a whole."""
    if not isinstance(rate, sp.Piecewise):
        return None
    edges: list[sp.Expr] = [sp.Integer(0)]
    branches: list[sp.Expr] = []
    for expr, cond in rate.args:
        branches.append(expr)
        if cond == sp.true:
            break
        if not (isinstance(cond, sp.core.relational._Inequality) and cond.lts == t
                and not cond.gts.has(t)):
            return None
        edges.append(cond.gts)
    else:
        return None
    edges.append(limit)
    if not all((b - a).is_nonnegative for a, b in pairwise(edges)):
        return None
    return [(a, b, e) for (a, b), e in zip(pairwise(edges), branches, strict=True)]
