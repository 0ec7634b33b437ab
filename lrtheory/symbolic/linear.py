"""Linear stability of one-dimensional iteration factors, solved exactly with SymPy.

GD on a quadratic acts on each eigen-direction by a factor q(η, λ); the iteration is stable
iff |q| < 1. For a factor that is affine in η (q = a − bη, b > 0) the stable set is the
open interval where −1 < q < 1, found here by solving the two one-sided inequalities.
"""

from __future__ import annotations

from functools import cache

import sympy as sp


@cache  # SymPy's inequality solver is slow, and claims ask for the same factors
def stable_interval(factor: sp.Expr, eta: sp.Symbol) -> sp.Interval:
    """The set of η > 0 with |factor(η)| < 1, for a factor affine in η."""
    domain = sp.Interval.open(0, sp.oo)
    upper = sp.solve_univariate_inequality(factor < 1, eta, relational=False)
    lower = sp.solve_univariate_inequality(factor > -1, eta, relational=False)
    return intersect_open_intervals(upper, lower, domain)


def intersect_open_intervals(*intervals: sp.Set) -> sp.Interval:
    """Intersection of open intervals with symbolic ends: (max of starts, min of ends).

    SymPy's ``Intersection`` stays unevaluated when it cannot order symbolic ends; Max and
    Min simplify under the symbols' assumptions (e.g. Min(2/λ, ∞) = 2/λ).
    """
    for i in intervals:
        if not (isinstance(i, sp.Interval) and i.left_open and i.right_open):
            raise ValueError(f"expected an open interval, got {i}")
    start = sp.Max(*(i.start for i in intervals))
    end = sp.Min(*(i.end for i in intervals))
    return sp.Interval.open(start, end)


def equal_modulus_point(factor: sp.Expr, eta: sp.Symbol, lam: sp.Symbol,
                        lo: sp.Expr, hi: sp.Expr) -> sp.Expr:
    """The η where the factors at the two ends of [lo, hi] have equal modulus and opposite
    sign, q(η, lo) = −q(η, hi): the minimiser of max over λ ∈ [lo, hi] of |q(η, λ)| when q is
    affine and decreasing in ηλ."""
    sol = sp.solve(sp.Eq(factor.subs(lam, lo), -factor.subs(lam, hi)), eta)
    if len(sol) != 1:  # pragma: no cover
        raise ValueError(f"expected one crossing, found {sol}")
    return sp.simplify(sol[0])
