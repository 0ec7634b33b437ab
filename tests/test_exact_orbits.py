"""Exact fates of piecewise-affine GD maps (lrtheory.models.exact_orbits): single orbits and
the exact measure of each fate, against closed forms and float simulation."""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest

from lrtheory.errors import ParameterError
from lrtheory.models.exact_orbits import Branch, U, fate_measures, first_fate

NAMES = ("in", "out", "undecided")
IN, OUT, UNDECIDED = 0, 1, 2


def _contraction(x: Fraction) -> tuple[Fraction, Fraction]:
    return Fraction(1, 2), Fraction(0)  # x ↦ x/2


def _flip(x: Fraction) -> tuple[Fraction, Fraction]:
    return Fraction(3), Fraction(0)  # x ↦ −2x


def _near(x: Fraction) -> int:
    return IN if abs(x) <= 1 else UNDECIDED


def _far(x: Fraction) -> int:
    return OUT if abs(x) > 1 else UNDECIDED


def _step(branch: Branch, x: Fraction) -> Fraction:
    a, c = branch(x)
    return x - a * (x - c)


def test_first_fate_is_the_first_certified_step() -> None:
    # x ↦ x/2 from 20: 20, 10, 5, 5/2, 5/4, 5/8 — certified at t = 5
    assert first_fate(lambda x: _step(_contraction, x), _near, Fraction(20), 10, UNDECIDED) \
        == (IN, 5)
    assert first_fate(lambda x: _step(_contraction, x), _near, Fraction(20), 3, UNDECIDED) \
        == (UNDECIDED, 3)
    # x ↦ −2x from 1/8: 1/8, −1/4, 1/2, −1 (on the edge, |x| > 1 is open), 2 — t = 4
    assert first_fate(lambda x: _step(_flip, x), _far, Fraction(1, 8), 10, UNDECIDED) == (OUT, 4)
    assert first_fate(lambda x: _step(_flip, x), _far, Fraction(0), 10, UNDECIDED) \
        == (UNDECIDED, 10)
    with pytest.raises(ParameterError, match="steps"):
        first_fate(lambda x: x, _near, Fraction(0), -1, UNDECIDED)


@pytest.mark.parametrize("steps", [0, 1, 2, 3, 5])
def test_contraction_measures_match_the_closed_form(steps: int) -> None:
    """x₀ uniform on [−8, 8] under x ↦ x/2 is in [−1, 1] by step T iff |x₀| ≤ 2^T."""
    m = fate_measures(_contraction, _near, [Fraction(-1), Fraction(1)],
                      (Fraction(-8), Fraction(8)), steps, NAMES, UNDECIDED)
    inside = Fraction(min(2**steps, 8), 8)
    assert m.fractions == (inside, Fraction(0), 1 - inside)
    assert m["in"] == inside
    assert len(m.boundaries) == (2 if steps < 3 else 0)


@pytest.mark.parametrize("steps", [1, 4, 10])
def test_expansion_leaves_a_shrinking_interval_undecided(steps: int) -> None:
    """x₀ uniform on [−1, 1] under x ↦ −2x is still in [−1, 1] after T steps iff
    |x₀| ≤ 2^(−T)."""
    m = fate_measures(_flip, _far, [Fraction(-1), Fraction(1)], (Fraction(-1), Fraction(1)),
                      steps, NAMES, UNDECIDED)
    assert m["undecided"] == Fraction(1, 2**steps)
    assert m["out"] == 1 - Fraction(1, 2**steps)
    assert m.fate(Fraction(0)) == UNDECIDED
    assert m.fate(Fraction(1, 2**steps) * 3 / 2) == OUT
    assert m.fate(Fraction(2)) is None  # outside the start interval


def test_two_branches_and_the_partition() -> None:
    """x ↦ x/2 on x ≤ 0 and x ↦ −2x + 6 (a = 3, c = 2) on x > 0, certificate x < −1."""
    def branch(x: Fraction) -> tuple[Fraction, Fraction]:
        return (Fraction(1, 2), Fraction(0)) if x <= 0 else (Fraction(3), Fraction(2))

    def fate(x: Fraction) -> int:
        return IN if x < -1 else UNDECIDED

    lo, hi = Fraction(-4), Fraction(5)
    steps = 6
    m = fate_measures(branch, fate, [Fraction(-1), Fraction(0)], (lo, hi), steps, NAMES,
                      UNDECIDED)
    ends = [(a, b) for a, b, _ in m.partition]
    assert ends[0][0] == lo
    assert ends[-1][1] == hi
    assert all(b == a2 for (_, b), (a2, _) in itertools.pairwise(ends))
    assert sum(m.fractions) == 1
    for k in range(1, 720):  # every start's exact orbit agrees with the partition
        x0 = lo + (hi - lo) * Fraction(k, 720)
        assigned = m.fate(x0)
        if assigned is not None:
            assert assigned == first_fate(lambda x: _step(branch, x), fate, x0, steps,
                                          UNDECIDED)[0], x0


def test_float_orbits_agree_away_from_the_boundaries() -> None:
    """A float orbit differs from the exact one only within the shadowing radius w of a
    class boundary, and ``rounding`` ≥ 2w/|J| per boundary: starts rounding·|J| away from
    each boundary, on either side, end in the class the exact measure gives them."""
    steps = 20
    m = fate_measures(_flip, _far, [Fraction(-1), Fraction(1)], (Fraction(-1), Fraction(1)),
                      steps, NAMES, UNDECIDED)
    assert len(m.boundaries) == 2
    assert 0 < m.rounding < 1e-9
    away = Fraction(m.rounding) * 2
    starts = [b + s * away for b in m.boundaries for s in (-1, 1)]
    x = np.array([float(s) for s in starts])
    alive = np.ones(x.shape, dtype=bool)
    for _ in range(steps):
        x = np.where(alive, x - 1.5 * (2.0 * (x - 0.0)), x)  # η = 1.5, λ = 2: a = 3
        alive &= np.abs(x) <= 1
    exact = [m.fate(s) for s in starts]
    assert exact == [OUT, UNDECIDED, UNDECIDED, OUT]
    assert [UNDECIDED if a else OUT for a in alive] == exact
    assert m.rounding >= 2 * (2 * U + 2.0**-53 * 2) / 2  # at least the sampling terms


def test_bad_input_is_rejected_by_name() -> None:
    with pytest.raises(ParameterError, match="steps"):
        fate_measures(_flip, _far, [], (Fraction(-1), Fraction(1)), -1, NAMES, UNDECIDED)
    with pytest.raises(ParameterError, match="start"):
        fate_measures(_flip, _far, [], (Fraction(1), Fraction(1)), 3, NAMES, UNDECIDED)
    with pytest.raises(ParameterError, match="undecided"):
        fate_measures(_flip, _far, [], (Fraction(-1), Fraction(1)), 3, NAMES, 3)
