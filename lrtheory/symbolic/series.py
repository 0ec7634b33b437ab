"""Sums and limits of the geometric kind that momentum and averaging recursions produce."""

from __future__ import annotations

from collections.abc import Callable

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


def shift_peeling_sums(expr: sp.Expr, n: sp.Symbol) -> sp.Expr:
    """``expr`` with n → n + 1, each Σ_{s=lo}^{n} so produced split into Σ_{s=lo}^{n−1} plus
    its last term (SymPy does not peel a sum with a symbolic upper limit by itself); an
    induction step is then an identity in the sums up to n − 1 that simplify decides."""

    def peel(total: sp.Sum) -> sp.Expr:
        term, (index, lo, hi) = total.function, total.limits[0]
        return sp.Sum(term, (index, lo, hi - 1)) + term.subs(index, hi)

    return expr.subs(n, n + 1).replace(
        lambda e: isinstance(e, sp.Sum) and e.limits[0][2].has(n), peel)


def swap_triangle(double: sp.Sum) -> sp.Expr:
    """Σ_{t=1}^{n} Σ_{s=0}^{t−1} f(s, t) = Σ_{s=0}^{n−1} Σ_{t=s+1}^{n} f(s, t), the inner sum
    done by SymPy (the triangle 0 ≤ s < t ≤ n summed the other way round)."""
    (s_, zero, t_less_1), (t_, one, n_) = double.limits
    if (zero, one, t_less_1) != (0, 1, t_ - 1):
        raise ValueError(f"not a sum over the triangle 0 ≤ s < t ≤ n: {double}")
    return sp.Sum(finite_sum(double.function, t_, s_ + 1, n_), (s_, 0, n_ - 1))


def unroll_affine(update: Callable[[sp.Expr], sp.Expr], t: sp.Symbol) -> sp.Expr:
    """x_t for x_{t+1} = update(x_t), x_0 = 0, when the update is affine, x' = cx + d:
    x_t = d·Σ_{k<t} c^k (SymPy's sum, its c = 1 branch dropped: callers have c = 1 exactly or
    c ≠ 1, and the c = 1 case sums without a branch). Raises ValueError if not affine."""
    x, k = sp.Dummy("x"), sp.Dummy("k", integer=True, nonnegative=True)
    new = sp.expand(update(x))
    c, d = sp.diff(new, x), new.subs(x, 0)
    if c.has(x):
        raise ValueError(f"update {new} is not affine in the state")
    total = sp.summation(c**k, (k, 0, t - 1))
    total = total.replace(lambda e: isinstance(e, sp.Piecewise), lambda e: e.args[-1].expr)
    return sp.factor(d * total)


def geometric_series(ratio: sp.Expr) -> sp.Expr:
    """Σ_{j≥0} ratio^j for 0 < ratio < 1: SymPy's partial sum to n, then ratioⁿ → 0."""
    r, n = sp.Dummy("r", positive=True), sp.Dummy("n", integer=True, positive=True)
    j = sp.Dummy("j", integer=True, nonnegative=True)
    partial = sp.summation(r**j, (j, 0, n - 1)).args[-1].expr
    return sp.expand_power_exp(partial).subs(r**n, 0).subs(r, ratio)
