"""Bisection of a simulated threshold."""

from __future__ import annotations

import math

import pytest

from lrtheory.errors import ParameterError
from lrtheory.models.threshold import bisect_threshold


@pytest.mark.parametrize("root", [0.3, 1.0, 1.7, 1.9999])
def test_bisection_brackets_the_flip_within_its_stated_tolerance(root: float) -> None:
    t = bisect_threshold(lambda x: x < root, 0.0, 2.0, halvings=25)
    assert t.contains(root)
    assert t.tolerance == pytest.approx(2.0 * 2.0**-26)
    # The tolerance is tight: the error is not an order of magnitude below it by design.
    assert abs(t.value - root) <= t.tolerance


def test_bisection_of_a_growth_factor_finds_two_over_lambda() -> None:
    lam = 3.7
    t = bisect_threshold(lambda eta: abs(1.0 - eta * lam) < 1.0, 0.1, 1.0, halvings=45)
    assert abs(t.value - 2.0 / lam) <= t.tolerance


def test_a_bracket_without_a_flip_is_an_error_naming_the_end() -> None:
    with pytest.raises(ParameterError, match=r"^hi must be"):
        bisect_threshold(lambda x: x < 5.0, 0.0, 2.0)
    with pytest.raises(ParameterError, match=r"^lo must be"):
        bisect_threshold(lambda x: x < -1.0, 0.0, 2.0)
    with pytest.raises(ParameterError, match=r"^hi must be in"):
        bisect_threshold(lambda x: x < 1.0, 2.0, 1.0)
    with pytest.raises(ParameterError, match=r"^halvings"):
        bisect_threshold(lambda x: x < 1.0, 0.0, 2.0, halvings=0)
    with pytest.raises(ParameterError, match=r"^lo must be finite"):
        bisect_threshold(lambda x: x < 1.0, -math.inf, 2.0)
