"""Fixed points, k-cycles, images and densities of piecewise-affine maps (smooth maps:
``test_cycles.py``)."""

from __future__ import annotations

import pytest
import sympy as sp

from lrtheory.errors import ParameterError
from lrtheory.symbolic.identity import identical
from lrtheory.symbolic.intervals import UndecidableOrderError
from lrtheory.symbolic.maps import (
    Branch,
    PiecewiseAffineMap,
    as_set,
    density_expectation,
    density_mass,
)

x = sp.Symbol("x", real=True)
r, s = sp.symbols("r s", positive=True)


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
    with pytest.raises(ParameterError, match="continuum"):
        PiecewiseAffineMap(x, [Branch("id", x, sp.Interval(0, 1))]).prime_periodic_points(2)


def test_bad_input_is_rejected() -> None:
    with pytest.raises(UndecidableOrderError, match="sign"):
        _clip_unit(s).periodic_points(2)  # is s − 1 > 0? not decidable for s > 0
    with pytest.raises(ParameterError, match="affine"):
        PiecewiseAffineMap(x, [Branch("sq", x**2, sp.Interval(0, 1))])
    with pytest.raises(ParameterError, match="at least one"):
        PiecewiseAffineMap(x, [])
    with pytest.raises(ParameterError, match="Symbol"):
        PiecewiseAffineMap(x + 1, [Branch("id", x, sp.Interval(0, 1))])
    with pytest.raises(ParameterError, match="k must be"):
        _tent().periodic_sets(0)
    with pytest.raises(ParameterError, match="branch must be one of"):
        _tent().preimage("middle", sp.Interval(0, 1))
    with pytest.raises(ParameterError, match="rational function"):
        PiecewiseAffineMap(x, [Branch("e", sp.exp(r) * x, sp.Interval(0, 1))])
    with pytest.raises(ParameterError, match="interval or a single point"):
        _tent().image(sp.FiniteSet(0, 1))


def test_constant_branch_and_unbounded_domains() -> None:
    f = PiecewiseAffineMap(x, [Branch("flat", sp.Rational(1, 2) + 0 * x, sp.Interval(0, 1)),
                               Branch("up", x - 1, sp.Interval.open(1, sp.oo))])
    assert f.periodic_points(1) == [sp.FiniteSet(sp.Rational(1, 2))]
    assert f.image(sp.Interval(0, 3)) == [sp.Interval.Lopen(0, 2)]  # {1/2} ∪ (0, 2]
    assert f.preimage("flat", sp.Interval(0, 1)) == sp.Interval(0, 1)
    assert f.preimage("flat", sp.Interval(2, 3)) is sp.S.EmptySet
    assert f.preimage("up", sp.Interval(5, sp.oo)) == sp.Interval(6, sp.oo)


def test_transfer_operator_pushes_densities_forward() -> None:
    tent, half = _tent(), sp.Rational(1, 2)
    uniform = [(sp.Interval(0, 1), sp.Integer(1))]
    assert tent.transfer(uniform) == uniform  # Lebesgue measure is invariant under the tent
    # A cell on the left branch is stretched by the Jacobian 2: value 4 → 2 on twice the width.
    assert tent.transfer([(sp.Interval(0, sp.Rational(1, 4)), sp.Integer(4))]) == [
        (sp.Interval(0, half), sp.Integer(2))]
    # Overlapping images add up: both halves of [0, 1] land on [0, 1].
    assert tent.transfer([(sp.Interval(0, half), sp.Integer(1)),
                          (sp.Interval(half, 1), sp.Integer(1))]) == uniform
    assert density_mass(uniform) == 1
    v = sp.Symbol("v")
    assert density_expectation([(sp.Interval(0, 2), half)], v, v) == 1


def test_absorption_sums_the_geometric_tail() -> None:
    # x ↦ 2x on [0, 1]: half of the unlanded mass reaches [1, 2] at every step (r = 1/2).
    double = PiecewiseAffineMap(x, [Branch("double", 2 * x, sp.Interval(0, 1))])
    ab = double.absorption([(sp.Interval(0, 1), sp.Integer(1))], [sp.Interval(1, 2)])
    assert ab.ratio == sp.Rational(1, 2)
    assert ab.geometric == 2
    assert ab.landed == [(sp.Interval(1, 2), sp.Integer(1))]
    assert ab.unlanded == [(sp.Interval(0, 1), sp.Integer(1))]
    # Symbolic: the clipped map beyond the bound, starts uniform on one period [−a, a].
    f = _clip_unit(2 + s)
    clip = f.absorption([(sp.Interval(-2 - s, 2 + s), 1 / (2 * (2 + s)))],
                        f.periodic_points(2))
    assert identical(clip.ratio, 1 / (1 + s))
    assert density_mass(clip.landed) == 1
    amplitude = f.max_modulus_map(f.prime_periodic_points(2))
    assert [b.name for b in amplitude.branches] == ["M: |u|", "M: |f(u)|", "P: |f(u)|", "P: |u|"]
    h = amplitude.transfer(clip.landed)
    assert len(h) == 1
    assert identical(sp.Tuple(*h[0]), sp.Tuple(sp.Interval(1 + s / 2, 1 + s), 2 / s))


def test_absorption_rejects_what_never_lands() -> None:
    still = PiecewiseAffineMap(x, [Branch("id", x, sp.Interval(0, 1))])
    with pytest.raises(ParameterError, match="vanishes"):
        still.absorption([(sp.Interval(0, 1), sp.Integer(1))], [sp.Interval(2, 3)])
    with pytest.raises(ParameterError, match="max_steps"):
        _tent().absorption([(sp.Interval(0, sp.Rational(1, 3)), sp.Integer(3))],
                           [sp.Interval(sp.Rational(9, 10), 1)], max_steps=3)
    with pytest.raises(ParameterError, match="branch domains"):
        still.transfer([(sp.Interval(0, 2), sp.Rational(1, 2))])
    with pytest.raises(ParameterError, match="bounded"):
        still.transfer([(sp.Interval(0, sp.oo), sp.Integer(1))])
    with pytest.raises(ParameterError, match="target"):
        still.absorption([(sp.Interval(0, 1), sp.Integer(1))], [])
    with pytest.raises(ParameterError, match="cells"):
        still.transfer([sp.Interval(0, 1)])
    with pytest.raises(ParameterError, match="cells"):
        density_mass([(sp.Interval(0, sp.oo), 1)])
    with pytest.raises(ParameterError, match="sets"):
        as_set([1, 2])
    with pytest.raises(ParameterError, match="point, not a density"):
        PiecewiseAffineMap(x, [Branch("flat", 0 * x + 1, sp.Interval(0, 1))]).transfer(
            [(sp.Interval(0, 1), sp.Integer(1))])
