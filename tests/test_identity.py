"""Exact identity checks: the symbolic verdict of every claim."""

from __future__ import annotations

import sympy as sp

from lrtheory.symbolic.identity import identical

x, y = sp.symbols("x y", positive=True)


def test_expressions_equal_after_simplification() -> None:
    assert identical((x**2 - y**2) / (x - y), x + y)
    assert not identical(x / (x + y), y / (x + y))


def test_infinities_and_sets() -> None:
    assert identical(sp.oo, sp.oo)
    assert not identical(sp.oo, -sp.oo)
    assert identical(sp.Interval.open(0, 2 / x), sp.Interval.open(0, 4 / (2 * x)))
    assert not identical(sp.Interval.open(0, 2 / x), sp.Interval(0, 2 / x))
    assert identical(sp.FiniteSet(x, 2 * y), sp.FiniteSet(y + y, x))


def test_relations_tuples_matrices() -> None:
    assert identical(sp.Eq(x, y), sp.Eq(y, x))
    assert identical(sp.Tuple(x, x * y), sp.Tuple(x, y * x))
    assert identical(sp.Matrix([[x, 1]]), sp.Matrix([[x, 1]]))
    assert not identical(sp.Matrix([[x, 1]]), sp.Matrix([[x], [1]]))
    assert not identical(sp.Matrix([[x]]), x)
