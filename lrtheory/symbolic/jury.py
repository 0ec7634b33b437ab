"""Stability of linear recursions from their characteristic polynomials (Jury / Schur–Cohn).

A linear recursion x_{t+1} = M x_t (momentum on a quadratic, a controller in closed loop, …) is
asymptotically stable iff every root of its characteristic polynomial
P(z) = a_n zⁿ + … + a_1 z + a_0 lies in the open unit disk (P is *Schur stable*). The
conditions on the coefficients come from Jury's table [Jury 1964]: with a_n > 0,

    P(1) > 0,    (−1)ⁿ P(−1) > 0,    |a_0| < a_n,

and, for n ≥ 3, one more inequality per row of the table: row b_k = a_0 a_k − a_n a_{n−k}
(k = 0…n−1) must satisfy |b_0| > |b_{n−1}|, the next row c_k = b_0 b_k − b_{n−1} b_{n−2−k}
|c_0| > |c_{n−2}|, and so on down to a row of three. For a quadratic z² + c_1 z + c_0 they
reduce to the triangle |c_0| < 1, |c_1| < 1 + c_0.

:func:`jury_conditions` builds them symbolically (so a stability region in the parameters
comes out as inequalities SymPy can solve); :func:`jury_region` evaluates them over a grid;
:func:`schur_stable` and :func:`spectral_radius` decide them numerically from the roots,
which is how the tests and the claims cross-check the symbolic region.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import sympy as sp

from lrtheory.errors import ParameterError


def coefficients(poly: sp.Expr, z: sp.Symbol) -> list[sp.Expr]:
    """Coefficients a_0, a_1, …, a_n of P(z) (lowest degree first), normalised so that the
    leading coefficient is the one SymPy reports (its sign is the caller's business)."""
    p = sp.Poly(sp.expand(poly), z)
    if p.degree() < 1:
        raise ParameterError("poly", poly, f"a polynomial of degree ≥ 1 in {z}")
    return [sp.sympify(c) for c in reversed(p.all_coeffs())]


def jury_conditions(poly: sp.Expr, z: sp.Symbol) -> list[sp.Expr]:
    """Jury's conditions for P(z) to be Schur stable, as expressions that must all be > 0.

    Assumes the leading coefficient a_n is positive (multiply P by −1 first otherwise).
    Returned in the order: P(1), (−1)ⁿP(−1), a_n − |a_0|, then |first| − |last| of each
    further row of the Jury table (n − 2 of them). All of them positive ⟺ all roots of P
    in |z| < 1.
    """
    a = coefficients(poly, z)
    n = len(a) - 1
    p1 = sp.expand(poly.subs(z, 1))
    pm1 = sp.expand((-1) ** n * poly.subs(z, -1))
    conditions: list[sp.Expr] = [p1, pm1, a[n] - sp.Abs(a[0])]
    row = a
    while len(row) > 3:
        m = len(row) - 1
        row = [sp.expand(row[0] * row[k] - row[m] * row[m - k]) for k in range(m)]
        conditions.append(sp.Abs(row[0]) - sp.Abs(row[-1]))
    return conditions


def quadratic_region(c1: sp.Expr, c0: sp.Expr) -> list[sp.Expr]:
    """Jury's conditions for z² + c_1 z + c_0, each > 0: 1 + c_1 + c_0, 1 − c_1 + c_0,
    1 − |c_0| (the triangle |c_0| < 1, |c_1| < 1 + c_0)."""
    z = sp.Dummy("z")
    return jury_conditions(z**2 + c1 * z + c0, z)


def radius_conditions(poly: sp.Expr, z: sp.Symbol, r: sp.Expr) -> list[sp.Expr]:
    """Jury's conditions (each > 0) for every root of ``poly`` in |z| < r, r > 0: those of
    Q(w) = P(rw)/(a_n rⁿ), whose roots are P's divided by r (a rate r, not only stability)."""
    w = sp.Dummy("w")
    q = sp.Poly(sp.expand(poly.subs(z, r * w)), w)
    return [sp.cancel(c) for c in jury_conditions(sp.expand(q.as_expr() / q.LC()), w)]


def affine_root(condition: sp.Expr, x: sp.Symbol) -> tuple[sp.Expr, sp.Expr]:
    """(root, slope) of a condition whose numerator a·x + b is affine in x: the numerator
    changes sign at x = −b/a, and a is its slope. The condition's own sign is the
    numerator's times the denominator's, so a's sign says on which side the condition is
    positive only where the denominator is known to be positive (a Jury condition linear in
    η or h is then a half-line)."""
    num = sp.Poly(sp.numer(sp.together(condition)), x)
    if num.degree() != 1:
        raise ParameterError("condition", condition, f"affine in {x} (in its numerator)")
    a, b = num.all_coeffs()
    return sp.factor(-b / a), sp.factor(a)


def quadratic_radius(c1: Any, c0: Any) -> np.ndarray:
    """max |z| over the roots of z² + c₁z + c₀, elementwise over arrays of real coefficients
    (the spectral radius of a 2×2 recursion from its characteristic polynomial)."""
    c1, c0 = np.asarray(c1, dtype=float), np.asarray(c0, dtype=float)
    root = np.sqrt(c1 * c1 - 4.0 * c0 + 0j)
    out: np.ndarray = np.maximum(np.abs(-c1 + root), np.abs(-c1 - root)) / 2.0
    return out


def _roots(coeffs: Sequence[float]) -> np.ndarray:
    c = np.asarray(coeffs, dtype=float)
    if c.ndim != 1 or c.size < 2 or not np.all(np.isfinite(c)) or c[-1] == 0:
        raise ParameterError("coeffs", list(coeffs),
                             "≥ 2 finite numbers a_0 … a_n, lowest degree first, a_n ≠ 0")
    return np.roots(c[::-1])


def spectral_radius(coeffs: Sequence[float]) -> float:
    """max |z| over the roots of a_0 + a_1 z + … + a_n zⁿ (coefficients lowest first): the
    asymptotic contraction factor per step of the recursion whose characteristic polynomial
    it is."""
    return float(np.max(np.abs(_roots(coeffs))))


def schur_stable(coeffs: Sequence[float]) -> bool:
    """Whether every root of a_0 + a_1 z + … + a_n zⁿ lies in the open unit disk (numerical,
    from the roots)."""
    return spectral_radius(coeffs) < 1.0


def jury_region(conditions: Sequence[sp.Expr],
                params: Sequence[sp.Symbol]) -> Callable[..., np.ndarray]:
    """The symbolic region as a fast vectorised test: ``region(*arrays)`` is True where every
    condition is > 0 (``lambdify`` over NumPy, so a whole (η, β) grid is one call)."""
    funcs = [sp.lambdify(list(params), c, "numpy") for c in conditions]

    def region(*values: np.ndarray | float) -> np.ndarray:
        inside = np.ones(np.broadcast(*values).shape, dtype=bool)
        for f in funcs:
            inside &= np.asarray(f(*values)) > 0
        return inside

    return region
