"""Moments of random variables and exact expectations of polynomials in them.

A law is given by its moment function k ↦ E[ξᵏ]; :func:`expectation` replaces every monomial
of a polynomial in *independent* variables by the product of their moments, which is exact.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import sympy as sp

from lrtheory.errors import ParameterError

MomentFn = Callable[[int], sp.Expr]


def gaussian_moments(variance: sp.Expr) -> MomentFn:
    """Moments of a centred normal variable: E[ξᵏ] = 0 for odd k, (k − 1)!!·sᵏ for even k."""
    v = sp.sympify(variance)

    def moment(k: int) -> sp.Expr:
        if k % 2:
            return sp.Integer(0)
        return sp.factorial2(k - 1) * v ** sp.Rational(k, 2)

    return moment


def centred_moments(variance: sp.Expr) -> MomentFn:
    """Moments up to the second of a centred variable of the given variance (any law)."""
    v = sp.sympify(variance)

    def moment(k: int) -> sp.Expr:
        if k > 2:
            raise ParameterError("moment order", k, "at most 2 for a law given by its variance")
        return (sp.Integer(1), sp.Integer(0), v)[k]

    return moment


def expectation(expr: sp.Expr, moments: Mapping[sp.Symbol, MomentFn]) -> sp.Expr:
    """E[expr] for a polynomial in *independent* random variables with the given moments.

    Every monomial c·∏ x_iᵏⁱ is replaced by c·∏ E[x_iᵏⁱ]; independence makes this exact.
    """
    if not moments:
        raise ParameterError("moments", {}, "at least one random variable")
    variables = tuple(moments)
    poly = sp.Poly(sp.expand(expr), *variables)
    total = sp.Integer(0)
    for powers, coeff in poly.terms():
        term = coeff
        for var, k in zip(variables, powers, strict=True):
            if k:
                term *= moments[var](k)
        total += term
    return sp.expand(total)


def gaussian_moments_about(mean: sp.Expr, sd: sp.Expr) -> MomentFn:
    """Raw moments of N(m, s²): E[(m + sZ)ᵏ] = Σ_{j even} C(k, j) m^{k−j} sʲ (j − 1)!!."""
    m, s = sp.sympify(mean), sp.sympify(sd)

    def moment(k: int) -> sp.Expr:
        return sp.Add(*(sp.binomial(k, j) * m ** (k - j) * s**j * sp.factorial2(j - 1)
                        for j in range(0, k + 1, 2)))

    return moment
