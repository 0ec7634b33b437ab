"""H1 and its toolbox (lrtheory.models.schedule_noise): SGD on a linear loss, exact step
values, quadrature, and the claim's closed forms against brute force (the cells of a
schedule: tests/test_schedule_cells.py)."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

from lrtheory.claims.schedule_forms import H1, _at, _closed, _exact_rates
from lrtheory.errors import ParameterError
from lrtheory.models.schedule_noise import (
    cell_step_values,
    exact_step_values,
    linear_loss_moments,
    linear_loss_sgd,
    rates_at_steps,
    schedule_quadrature,
    step_sums,
)
from lrtheory.montecarlo.runner import Ensemble
from lrtheory.schedules import cosine, step_decay
from lrtheory.symbolic.schedule_forms import CASES, E0, EMIN, NK, closed_forms

t = sp.Symbol("t", nonnegative=True)
u = sp.Symbol("u", positive=True)


# -- SGD on a linear loss ---------------------------------------------------------------


def test_linear_loss_moments_by_hand() -> None:
    mean, var = linear_loss_moments([0.1, 0.2, 0.3], g=2.0, sigma=3.0)
    assert mean == pytest.approx(2.0 * 0.6)
    assert var == pytest.approx(9.0 * (0.01 + 0.04 + 0.09))


def test_noiseless_sgd_moves_exactly_g_times_the_sum() -> None:
    rates = rates_at_steps(step_decay(0.1, 0.5, 3), 7)
    m = Ensemble(seed=1).run(linear_loss_sgd(rates, g=1.5, sigma=0.0), 1000)
    assert float(m.mean[0]) == pytest.approx(1.5 * math.fsum(rates), rel=1e-14)
    assert float(m.variance[0]) < 1e-28


def test_noisy_sgd_mean_and_variance_within_five_standard_errors() -> None:
    rates = rates_at_steps(cosine(0.2, 12), 12)
    mean, var = linear_loss_moments(rates, g=1.0, sigma=2.0)
    m = Ensemble(seed=3).run(linear_loss_sgd(rates, g=1.0, sigma=2.0), 100_000)
    assert abs(float(m.mean[0]) - mean) < 5 * float(m.stderr_mean[0])
    assert abs(float(m.variance[0]) - var) < 5 * float(m.stderr_variance[0])
    # the continuum ∫η² would be rejected: it is 1/T short of the sum (trapezoid gap)
    integral = 4.0 * schedule_quadrature(cosine(0.2, 12), 12).second
    assert abs(float(m.variance[0]) - integral) > 5 * float(m.stderr_variance[0])


def test_bad_inputs_name_the_parameter() -> None:
    with pytest.raises(ParameterError, match="steps"):
        rates_at_steps(cosine(0.1, 10), 0)
    with pytest.raises(ParameterError, match="rates"):
        linear_loss_sgd([0.1, -0.2], 1.0, 1.0)
    with pytest.raises(ParameterError, match="sigma"):
        linear_loss_moments([0.1], 1.0, -1.0)
    with pytest.raises(ParameterError, match="rate_error"):
        step_sums([0.1], -1.0)
    with pytest.raises(ParameterError, match="upper"):
        schedule_quadrature(cosine(0.1, 10), 0.0)


# -- sums, quadrature, exact values ------------------------------------------------------


def test_step_sums_against_fractions() -> None:
    rates = np.array([0.1, 0.3, 0.7])
    sums = step_sums(rates, 1e-17)
    exact = sum(Fraction(x) for x in rates)
    assert abs(sums.first - float(exact)) <= sums.first_error
    assert sums.second_error > 3 * 1e-17  # the rates' own error enters the bound


def test_quadrature_of_cosine_and_of_step_decay() -> None:
    q = schedule_quadrature(cosine(1.0, 10), 10)
    assert abs(q.first - 5.0) <= q.first_error
    assert abs(q.second - 3.75) <= q.second_error
    q = schedule_quadrature(step_decay(1.0, 0.5, 2), 6, breaks=[2, 4])
    assert abs(q.first - 2 * (1 + 0.5 + 0.25)) <= q.first_error


def test_exact_step_values_and_rejection_of_jumps() -> None:
    values = exact_step_values(cosine(sp.Rational(1, 10), 10)(t), t, 10)
    # exact to the last bit or two: the NumPy formula rounds a few times (≤ 4ε·η₀)
    np.testing.assert_allclose(values, cosine(0.1, 10)(np.arange(10.0)), rtol=0, atol=4e-17)
    with pytest.raises(ParameterError, match="expr"):
        exact_step_values(step_decay(1, 0.5, 2)(t), t, 4)


def test_cell_step_values_take_the_value_after_a_jump() -> None:
    cells = [(sp.Integer(2 * j), sp.Integer(2), sp.Rational(1, 2**j)) for j in range(3)]
    np.testing.assert_array_equal(cell_step_values(cells, u, 6),
                                  [1, 1, 0.5, 0.5, 0.25, 0.25])
    with pytest.raises(ParameterError, match="cells"):
        cell_step_values(cells[:2], u, 6)


# -- H1's closed forms against brute force ------------------------------------------------


@pytest.mark.parametrize("index", range(len(H1.points)))
def test_closed_forms_against_brute_force_sums(index: int) -> None:
    at = _at(H1.points[index])
    rates = rates_at_steps(at.schedule, at.steps)
    np.testing.assert_allclose(_exact_rates(at), rates, rtol=1e-13, atol=1e-18)
    sums = _closed(at, "sum")
    if sums is not None:
        assert sums[0] == pytest.approx(math.fsum(rates), rel=1e-12)
        assert sums[1] == pytest.approx(math.fsum(rates**2), rel=1e-12)


def test_numbers_quoted_in_the_findings() -> None:
    cosine_pt = _at(H1.points[2])
    ints, sums = _closed(cosine_pt, "int"), _closed(cosine_pt, "sum")
    assert ints is not None
    assert sums is not None
    assert (sums[0] - ints[0]) / ints[0] == pytest.approx(0.098, abs=5e-4)
    c = -math.log(0.95)
    assert c / (1 - math.exp(-c)) == pytest.approx(1.026, abs=5e-4)
    tri = _at(H1.points[1])
    ints, sums = _closed(tri, "int"), _closed(tri, "sum")
    assert ints is not None
    assert sums is not None
    assert (sums[1] - ints[1]) / ints[1] == pytest.approx(0.02, abs=1e-3)


def test_sgdr_restarts_each_add_the_cosine_gap() -> None:
    forms = closed_forms()
    index = next(i for i, c in enumerate(CASES) if c.label.startswith("SGDR"))
    gap = forms.sums[index][0] - forms.integrals[index][0]
    assert sp.simplify(gap - NK * (E0 - EMIN) / 2) == 0
    # and at numbers: two cycles of T₀ = 10, 20 from 0.1 to 0.001 (the point's SGDR)
    at = _at(next(p for p in H1.points if p.params["case"] == index))
    rates = rates_at_steps(at.schedule, at.steps)
    integral = schedule_quadrature(at.schedule, at.steps, at.breaks).first
    assert math.fsum(rates) - integral == pytest.approx(2 * (0.1 - 0.001) / 2, rel=1e-9)
