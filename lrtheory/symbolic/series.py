"""Sums and limits of the geometric kind that momentum and averaging recursions produce."""

from __future__ import annotations

import sympy as sp


def finite_sum(term: sp.Expr, index: sp.Symbol, lo: sp.Expr, hi: sp.Expr) -> sp.Expr:
    """Σ_{index=lo}^{hi} term, term by term with constants pulled out (much faster than one
    ``summation``). SymPy splits a geometric sum at ratio 1 into a Piecewise; the generic
    branch is kept, so callers must have ratios ≠ 1 (e.g. 0 ≤ β < 1)."""
    total = sp.Integer(0)
    for part in sp.Add.make_args(sp.expand(term)):
        coeff, dep = part.as_independent(index, as_Add=False)
        total += coeff * sp.summation(sp.powsimp(dep), (index, lo, hi))
    return total.replace(lambda e: isinstance(e, sp.Piecewise), lambda e: e.args[-1].expr)


def limit_geometric(expr: sp.Expr, base: sp.Symbol, n: sp.Symbol) -> sp.Expr:
    """lim_{n→∞} of ``expr`` for 0 < base < 1, where ``expr`` depends on n only through
    base**n: substituting x = base**n (x → 0) leaves a rational function of x."""
    x = sp.Dummy("x", positive=True)
    in_x = sp.expand_power_exp(sp.expand(expr)).subs(base**n, x)
    if in_x.has(n):
        raise ValueError(f"{expr} is not a function of {base}^{n} alone")
    return sp.simplify(sp.limit(in_x, x, 0))
