"""Linear stability of one-dimensional iteration factors, solved exactly with SymPy.

GD on a quadratic acts on each eigen-direction by a factor q(η, λ) = ∂e_{t+1}/∂e_t, derived
from the per-direction loss λe²/2 and the update e − η ∂L/∂e (:func:`gd_direction`,
:func:`direction_factor`); the iteration is stable iff |q| < 1. For a factor that is affine
in η (q = a − bη, b > 0) the stable set is the open interval where −1 < q < 1, found here
by solving the two one-sided inequalities.
"""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

import sympy as sp


class DirectionMap(NamedTuple):
    """GD on one eigen-direction of a quadratic: the loss, the update and its factor."""

    error: sp.Symbol  #: e, the error along the direction
    loss: sp.Expr  #: L = λe²/2
    update: sp.Expr  #: e_{t+1} = e − η ∂L/∂e
    factor: sp.Expr  #: q = ∂e_{t+1}/∂e_t


def gd_direction(eta: sp.Expr, lam: sp.Expr) -> DirectionMap:
    """The per-direction GD map on L = λe²/2: e_{t+1} = e − η ∂L/∂e, and its factor
    q = ∂e_{t+1}/∂e_t = 1 − ηλ, both computed with ``sp.diff``."""
    e = sp.Symbol("e", real=True)
    loss = lam * e**2 / 2
    update = e - eta * sp.diff(loss, e)
    return DirectionMap(e, loss, update, sp.diff(update, e))


def direction_factor(eta: sp.Expr, lam: sp.Expr) -> sp.Expr:
    """q(η, λ) = ∂e_{t+1}/∂e_t = 1 − ηλ, the factor by which GD multiplies the error along an
    eigen-direction of curvature λ (derived by :func:`gd_direction`)."""
    return gd_direction(eta, lam).factor


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
