"""Schedules: one callable for arrays and SymPy; formulas, integrals and input checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from lrtheory.errors import ParameterError
from lrtheory.schedules import constant, cosine, integrals, linear_decay

t, T, eta0 = sp.symbols("t T eta_0", positive=True)


def test_numeric_values_at_landmarks() -> None:
    steps = np.array([0.0, 25.0, 50.0, 100.0, 150.0])
    np.testing.assert_allclose(constant(0.3)(steps), np.full(5, 0.3))
    np.testing.assert_allclose(linear_decay(0.3, 100)(steps), [0.3, 0.225, 0.15, 0.0, 0.0])
    half = 0.15 * (1 + math.cos(math.pi / 4))
    np.testing.assert_allclose(cosine(0.3, 100)(steps), [0.3, half, 0.15, 0.0, 0.0],
                               atol=1e-15)


def test_scalars_integers_and_shape() -> None:
    assert float(linear_decay(2.0, 10)(5)) == pytest.approx(1.0)
    assert float(cosine(2.0, 10)(-3)) == pytest.approx(2.0)  # held at t = 0
    grid = np.arange(12).reshape(3, 4)
    for schedule in (constant(1.0), linear_decay(1.0, 11), cosine(1.0, 11)):
        out = schedule(grid)
        assert out.shape == grid.shape
        assert out.dtype == np.float64


def test_symbolic_formulas() -> None:
    assert sp.simplify(constant(eta0)(t) - eta0) == 0
    assert sp.simplify(linear_decay(eta0, T)(t) - eta0 * (1 - t / T)) == 0
    assert sp.simplify(cosine(eta0, T)(t) - eta0 * (1 + sp.cos(sp.pi * t / T)) / 2) == 0


@pytest.mark.parametrize(("factory", "first", "second"), [
    (lambda: constant(eta0), eta0 * T, eta0**2 * T),
    (lambda: linear_decay(eta0, T), eta0 * T / 2, eta0**2 * T / 3),
    (lambda: cosine(eta0, T), eta0 * T / 2, 3 * eta0**2 * T / 8),
])
def test_symbolic_integrals(factory: object, first: sp.Expr, second: sp.Expr) -> None:
    got_first, got_second = integrals(factory(), t, T)  # type: ignore[operator]
    assert sp.simplify(got_first - first) == 0
    assert sp.simplify(got_second - second) == 0
    assert sp.simplify(got_second - 2 * second) != 0  # the check can fail


def test_integrals_up_to_t_are_antiderivatives() -> None:
    s = sp.Symbol("s", positive=True)
    schedule = cosine(eta0, T)
    first, second = integrals(schedule, s, t)
    assert sp.simplify(sp.diff(first, t) - schedule(t)) == 0
    assert sp.simplify(sp.diff(second, t) - schedule(t) ** 2) == 0
    assert first.subs(t, 0) == 0


@pytest.mark.parametrize("make", [
    lambda p, h: linear_decay(p, h), lambda p, h: cosine(p, h), lambda p, h: constant(p)])
def test_symbolic_and_numeric_agree(make: object) -> None:
    expr = make(eta0, T)(t)  # type: ignore[operator]
    f = sp.lambdify((t, T, eta0), expr, "numpy")
    grid = np.linspace(0.0, 40.0, 17)
    numeric = make(0.7, 40.0)(grid)  # type: ignore[operator]
    np.testing.assert_allclose(np.broadcast_to(f(grid, 40.0, 0.7), grid.shape), numeric,
                               rtol=1e-14, atol=1e-15)


def test_numeric_integrals_match_quadrature() -> None:
    from scipy.integrate import quad

    for schedule, want in ((linear_decay(0.5, 8.0), 0.25 * 8 / 3),
                           (cosine(0.5, 8.0), 3 * 0.25 * 8 / 8)):
        value, err = quad(lambda s, f=schedule: float(f(s)) ** 2, 0.0, 8.0)
        assert abs(value - want) <= 10 * err + 1e-14


@pytest.mark.parametrize("bad", [0.0, -0.1, math.nan, math.inf, "0.1", True, sp.Integer(-2)])
def test_bad_peak_rate(bad: object) -> None:
    with pytest.raises(ParameterError, match="eta0"):
        constant(bad)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="eta0"):
        cosine(bad, 10)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [0, -5, math.nan, None, sp.Integer(0)])
def test_bad_horizon(bad: object) -> None:
    with pytest.raises(ParameterError, match="total"):
        linear_decay(0.1, bad)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="total"):
        cosine(0.1, bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [math.nan, np.array([0.0, math.inf]), "3", None, True])
def test_bad_time(bad: object) -> None:
    for schedule in (constant(0.1), linear_decay(0.1, 10), cosine(0.1, 10)):
        with pytest.raises(ParameterError, match=r"^t "):
            schedule(bad)


@pytest.mark.parametrize(("args", "name"), [
    ((0.1, t, T), "schedule"),
    ((cosine(eta0, T), "t", T), "t"),
    ((cosine(eta0, T), t, -1.0), "upper"),
    ((cosine(eta0, T), t, -T), "upper"),
    ((cosine(eta0, T), t, math.inf), "upper"),
])
def test_bad_integrals(args: tuple[object, object, object], name: str) -> None:
    with pytest.raises(ParameterError) as info:
        integrals(*args)  # type: ignore[arg-type]
    assert info.value.name == name
