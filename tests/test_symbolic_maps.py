"""Fixed points, k-cycles and multipliers of smooth and piecewise-affine maps."""

from __future__ import annotations

import pytest
import sympy as sp

from lrtheory.symbolic.identity import identical
from lrtheory.symbolic.maps import (
    Branch,
    PiecewiseAffineMap,
    UndecidableOrderError,
    as_set,
    cycle_multiplier,
    fixed_points,
    iterate,
    orbit,
    parameter_at_multiplier,
    prime_period_polynomial,
)

x = sp.Symbol("x", real=True)
r, eta, s = sp.symbols("r eta s", positive=True)


def test_iterate_composes() -> None:
    f = 2 * x + 1
    assert identical(iterate(f, x, 0), x)
    assert identical(iterate(f, x, 3), 8 * x + 7)
    with pytest.raises(ValueError, match="non-negative"):
        iterate(f, x, -1)


def test_logistic_two_cycle_and_its_flip() -> None:
    f = r * x * (1 - x)
    assert identical(fixed_points(f, x), sp.FiniteSet(0, 1 - 1 / r))
    p = prime_period_polynomial(f, x, 2)
    assert sp.degree(p, x) == 2  # the fixed points are divided out
    roots = sp.solve(p, x)
    assert all(identical(iterate(f, x, 2).subs(x, z), z) for z in roots)
    assert not any(identical(f.subs(x, z), z) for z in roots)
    m = cycle_multiplier(f, x, roots)
    assert identical(m, -(r**2) + 2 * r + 4)
    assert any(identical(v, 1 + sp.sqrt(6)) for v in parameter_at_multiplier(m, r))


def test_gd_on_double_well_first_flip_at_eta_one() -> None:
    f = x - eta * (x**3 - x)  # GD on (x²−1)²/4, the map of N2
    m = cycle_multiplier(f, x, [1])
    assert identical(m, 1 - 2 * eta)
    assert parameter_at_multiplier(m, eta) == [1]
    cyc = orbit(f, x, sp.sqrt((eta + 2) / eta), 2)
    assert identical(cyc[1], -cyc[0])  # the symmetric 2-cycle ±√((η+2)/η)
    assert identical(cycle_multiplier(f, x, cyc), (2 * eta + 5) ** 2)
    with pytest.raises(ValueError, match="positive"):
        prime_period_polynomial(f, x, 0)


def _tent() -> PiecewiseAffineMap:
    half = sp.Rational(1, 2)
    return PiecewiseAffineMap(x, [Branch("left", 2 * x, sp.Interval(0, half)),
                                  Branch("right", 2 - 2 * x, sp.Interval.Lopen(half, 1))])


def test_tent_map_isolated_cycles() -> None:
    tent = _tent()
    assert tent.periodic_points(1) == [sp.FiniteSet(0), sp.FiniteSet(sp.Rational(2, 3))]
    prime = tent.prime_periodic_points(2)
    assert prime == [sp.FiniteSet(sp.Rational(2, 5)), sp.FiniteSet(sp.Rational(4, 5))]
    by_path = {p.itinerary: p for p in tent.periodic_sets(2)}
    assert by_path[("left", "right")].points == sp.FiniteSet(sp.Rational(2, 5))
    assert by_path[("left", "right")].multiplier == -4
    assert len(tent.prime_periodic_points(3)) == 6  # two 3-cycles of the full tent map
    assert tent.image(sp.Interval(0, 1)) == [sp.Interval(0, 1)]


def _clip_unit(a: sp.Expr) -> PiecewiseAffineMap:
    return PiecewiseAffineMap(x, [Branch("L", x - a * x, sp.Interval(-1, 1)),
                                  Branch("P", x - a, sp.Interval.open(1, sp.oo)),
                                  Branch("M", x + a, sp.Interval.open(-sp.oo, -1))])


def test_clipped_map_continuum_of_two_cycles() -> None:
    f = _clip_unit(2 + s)
    pieces = f.prime_periodic_points(2)
    assert len(pieces) == 2
    assert identical(pieces[1], sp.Interval(1, 1 + s))
    assert identical(pieces[0], sp.Interval(-1 - s, -1))
    neutral = [p for p in f.periodic_sets(2) if p.itinerary == ("P", "M")]
    assert neutral
    assert neutral[0].multiplier == 1
    assert neutral[0].points == sp.Interval.open(1, 1 + s)
    assert f.periodic_points(3) == [sp.FiniteSet(0)]
    assert as_set(f.periodic_points(4)) == as_set(f.periodic_points(2))
    assert identical(sp.Tuple(*f.image(sp.Interval(-1 - s, 1 + s))),
                     sp.Tuple(sp.Interval(-1 - s, 1 + s)))
    assert f.preimage("P", sp.FiniteSet(0)) == sp.FiniteSet(2 + s)
    assert f.preimage("P", sp.Interval(-10 - s, -2 - s)) is sp.S.EmptySet
    # Below the bound there is no 2-cycle at all.
    assert _clip_unit(1 + 1 / (1 + s)).prime_periodic_points(2) == []


def test_clipped_map_at_the_bound_is_a_flip() -> None:
    f = _clip_unit(sp.Integer(2))
    assert f.periodic_points(2) == [sp.Interval(-1, 1)]
    with pytest.raises(ValueError, match="continuum"):
        PiecewiseAffineMap(x, [Branch("id", x, sp.Interval(0, 1))]).prime_periodic_points(2)


def test_bad_input_is_rejected() -> None:
    with pytest.raises(UndecidableOrderError, match="sign"):
        _clip_unit(s).periodic_points(2)  # is s − 1 > 0? not decidable for s > 0
    with pytest.raises(ValueError, match="not affine"):
        PiecewiseAffineMap(x, [Branch("sq", x**2, sp.Interval(0, 1))])
    with pytest.raises(ValueError, match="at least one"):
        PiecewiseAffineMap(x, [])
    with pytest.raises(ValueError, match="positive integer"):
        _tent().periodic_sets(0)
    with pytest.raises(ValueError, match="no branch"):
        _tent().preimage("middle", sp.Interval(0, 1))
    with pytest.raises(ValueError, match="rational function"):
        PiecewiseAffineMap(x, [Branch("e", sp.exp(r) * x, sp.Interval(0, 1))])


def test_constant_branch_and_unbounded_domains() -> None:
    f = PiecewiseAffineMap(x, [Branch("flat", sp.Rational(1, 2) + 0 * x, sp.Interval(0, 1)),
                               Branch("up", x - 1, sp.Interval.open(1, sp.oo))])
    assert f.periodic_points(1) == [sp.FiniteSet(sp.Rational(1, 2))]
    assert f.image(sp.Interval(0, 3)) == [sp.Interval.Lopen(0, 2)]  # {1/2} ∪ (0, 2]
    assert f.preimage("flat", sp.Interval(0, 1)) == sp.Interval(0, 1)
    assert f.preimage("flat", sp.Interval(2, 3)) is sp.S.EmptySet
    assert f.preimage("up", sp.Interval(5, sp.oo)) == sp.Interval(6, sp.oo)
