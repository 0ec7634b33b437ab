"""The two-task SGD model of continual learning and its mean-field ODEs
(lrtheory.models.continual): exact expectations, kernel, closed forms, DOP853 solve."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import sympy as sp

from lrtheory.errors import ParameterError
from lrtheory.models.continual import (
    HORIZON,
    PEAK,
    TIME,
    discrete_expectations,
    ode_closed_form,
    schedule_integrals,
    solve_mean_field,
    two_task_sgd,
)
from lrtheory.montecarlo.runner import Ensemble
from lrtheory.schedules import constant, cosine, linear_decay


def test_discrete_expectations_match_the_recursion() -> None:
    rng = np.random.default_rng(0)
    etas = rng.uniform(0.0, 0.5, size=(2, 30))
    skill, keep = discrete_expectations(etas, 0.3, 0.7)
    one_minus_p, r = np.ones(2), np.ones(2)
    for k in range(30):
        one_minus_p *= 1 - 0.3 * etas[:, k]
        r *= np.exp(-0.7 * etas[:, k] ** 2)
        np.testing.assert_allclose(skill[:, k], 1 - one_minus_p, rtol=1e-13)
        np.testing.assert_allclose(keep[:, k], r, rtol=1e-13)


def test_kernel_columns() -> None:
    etas = np.full((3, 5), 0.1)
    moments = Ensemble(seed=1, threads=1).run(two_task_sgd(etas, 0.2, 0.4), 2000)
    assert moments.mean.shape == (6,)
    # Identical schedules with common random numbers give identical columns.
    np.testing.assert_allclose(moments.mean[0::2], moments.mean[0])
    np.testing.assert_allclose(moments.mean[1::2], moments.mean[1])


def test_schedule_integrals_are_sympy_integrals() -> None:
    first, second = schedule_integrals(cosine)
    assert sp.simplify(first.subs(TIME, HORIZON) - PEAK * HORIZON / 2) == 0
    assert sp.simplify(second.subs(TIME, HORIZON) - 3 * PEAK**2 * HORIZON / 8) == 0
    assert sp.simplify(sp.diff(first, TIME) - cosine(PEAK, HORIZON)(TIME)) == 0


def test_closed_form_broadcasts_and_starts_right() -> None:
    t = np.linspace(0.0, 50.0, 7)
    skill, keep = ode_closed_form(linear_decay, t, 0.1, 50.0, 0.2, 0.4)
    assert skill.shape == keep.shape == (7,)
    assert skill[0] == 0.0
    assert keep[0] == 1.0
    assert np.all(np.diff(skill) > 0)
    assert np.all(np.diff(keep) < 0)
    peaks = np.array([0.05, 0.1])
    skill, keep = ode_closed_form(constant_factory, 50.0, peaks, 50.0, 0.2, 0.4)
    np.testing.assert_allclose(skill, 1 - np.exp(-0.2 * peaks * 50.0), rtol=1e-14)
    np.testing.assert_allclose(keep, np.exp(-0.4 * peaks**2 * 50.0), rtol=1e-14)


def constant_factory(eta0: Any, total: Any) -> Any:
    return constant(eta0)


@pytest.mark.parametrize("factory", [constant_factory, linear_decay, cosine])
def test_solve_mean_field_within_its_bound(factory: Any) -> None:
    eta0, total, a, b = 0.3, 40.0, 0.5, 0.7
    skill, keep = solve_mean_field(factory(eta0, total), total, a, b, rtol=1e-10, atol=1e-12)
    closed = ode_closed_form(factory, total, eta0, total, a, b)
    for end, cf in zip((skill, keep), closed, strict=True):
        assert end.steps > 0
        assert end.error_bound == pytest.approx(end.steps * (1e-12 + 1e-10), rel=1e-12)
        assert abs(end.value - float(cf)) <= end.error_bound
    # a loose solve must also stay within its (larger) bound
    loose, _ = solve_mean_field(factory(eta0, total), total, a, b, rtol=1e-4, atol=1e-6)
    assert abs(loose.value - float(closed[0])) <= loose.error_bound


@pytest.mark.parametrize(("call", "name"), [
    (lambda: discrete_expectations(np.ones(3), -1.0, 0.1), "a"),
    (lambda: discrete_expectations(np.ones(3), 0.1, 0.0), "b"),
    (lambda: discrete_expectations(np.array([np.nan]), 0.1, 0.1), "etas"),
    (lambda: discrete_expectations(np.array([0.1, -0.1]), 0.1, 0.1), "etas"),
    (lambda: discrete_expectations("fast", 0.1, 0.1), "etas"),
    (lambda: two_task_sgd(np.ones(3), 0.1, 0.1), "etas"),
    (lambda: two_task_sgd(-np.ones((1, 3)), 0.1, 0.1), "etas"),
    (lambda: two_task_sgd(np.ones((1, 3)), 0.1, np.inf), "b"),
    (lambda: ode_closed_form("cosine", 1.0, 0.1, 10.0, 0.2, 0.4),  # type: ignore[arg-type]
     "factory"),
    (lambda: ode_closed_form(cosine, 1.0, -5.0, 10.0, 0.2, 0.4), "eta0"),
    (lambda: ode_closed_form(cosine, 1.0, [0.1, 0.0], 10.0, 0.2, 0.4), "eta0"),
    (lambda: ode_closed_form(cosine, 1.0, math.nan, 10.0, 0.2, 0.4), "eta0"),
    (lambda: ode_closed_form(cosine, 11.0, 0.1, 10.0, 0.2, 0.4), "t"),
    (lambda: ode_closed_form(cosine, -1.0, 0.1, 10.0, 0.2, 0.4), "t"),
    (lambda: ode_closed_form(cosine, "end", 0.1, 10.0, 0.2, 0.4), "t"),
    (lambda: ode_closed_form(cosine, 1.0, 0.1, 0.0, 0.2, 0.4), "total"),
    (lambda: ode_closed_form(cosine, 1.0, 0.1, 10.0, 0.0, 0.4), "a"),
    (lambda: ode_closed_form(cosine, 1.0, 0.1, 10.0, 0.2, -0.4), "b"),
    (lambda: schedule_integrals(3), "factory"),
    (lambda: solve_mean_field(None, 10.0, 0.2, 0.4, rtol=1e-8, atol=1e-10),  # type: ignore[arg-type]
     "schedule"),
    (lambda: solve_mean_field(cosine(0.1, 10.0), 10.0, 0.2, 0.4, rtol=0.0, atol=1e-10), "rtol"),
    (lambda: solve_mean_field(cosine(0.1, 10.0), -1.0, 0.2, 0.4, rtol=1e-8, atol=1e-10),
     "total"),
    (lambda: solve_mean_field(lambda t: -1.0, 10.0, 0.2, 0.4, rtol=1e-8, atol=1e-10),
     "schedule"),
])
def test_bad_input(call: Callable[[], Any], name: str) -> None:
    with pytest.raises(ParameterError) as info:
        call()
    assert info.value.name == name
