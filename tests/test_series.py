"""Geometric sums and affine recursions, unrolled by SymPy, against brute force."""

from __future__ import annotations

import pytest
import sympy as sp

from lrtheory.symbolic.series import geometric_series, limit_geometric, unroll_affine


def test_unroll_affine_matches_iteration() -> None:
    t = sp.Symbol("t", integer=True, positive=True)
    c, d = sp.Rational(3, 5), sp.Rational(7, 2)
    closed = unroll_affine(lambda x: c * x + d, t)
    x = sp.Integer(0)
    for step in range(1, 8):
        x = c * x + d
        assert closed.subs(t, step) == x
    # c = 1 (AdaGrad's accumulator): x_t = d·t
    assert sp.simplify(unroll_affine(lambda x: x + d, t) - d * t) == 0
    with pytest.raises(ValueError, match="affine"):
        unroll_affine(lambda x: x**2 + 1, t)


def test_geometric_series_and_limit() -> None:
    b = sp.Symbol("b", positive=True)
    assert sp.simplify(geometric_series(b / 2) - 1 / (1 - b / 2)) == 0
    assert geometric_series(sp.Rational(1, 3)) == sp.Rational(3, 2)
    n = sp.Symbol("n", integer=True, positive=True)
    assert sp.simplify(limit_geometric((1 - b**n) / (1 - b), b, n) - 1 / (1 - b)) == 0
