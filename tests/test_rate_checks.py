"""One-sided rate and edge checks (lrtheory.models.rate_checks): a value on the wrong side fails."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import pytest
import sympy as sp

from lrtheory.errors import ParameterError
from lrtheory.models.linear_rate import departure_from_normality, measured_rate
from lrtheory.models.rate_checks import (
    departure_bound,
    flip_search,
    max_rate_check,
    precise_quadratic_radius,
    rate_band,
    run_rounding,
    step_rounding,
    threshold_check,
)
from lrtheory.optimizers import heavy_ball, nesterov


def hb_step(s: Any, eta: Any, lam: Any, beta: Any) -> Any:
    return heavy_ball(s[0], s[1], lam * s[0], eta, beta)


def nag_step(s: Any, eta: Any, lam: Any, beta: Any) -> Any:
    return nesterov(s[0], s[1], lambda y: lam * y, eta, beta)


def gd2_step(s: Any, eta: Any) -> Any:
    """Gradient descent on the diagonal quadratic with curvatures 1 and 1/2 (normal M)."""
    return s[0] - eta * s[0], s[1] - eta * (0.5 * s[1])


def hb_matrix(eta: float, lam: np.ndarray, beta: float) -> np.ndarray:
    lam = np.asarray(lam, dtype=float)
    return np.stack([np.stack([1 - eta * lam, -beta * eta * np.ones_like(lam)], -1),
                     np.stack([lam, beta * np.ones_like(lam)], -1)], -2)


def test_departure_bound_covers_the_departure_and_is_tight() -> None:
    rng = np.random.default_rng(0)
    m = rng.normal(size=(50, 2, 2))
    bound, exact = departure_bound(m), departure_from_normality(m)
    assert np.all(bound >= exact)
    np.testing.assert_allclose(bound, exact, atol=1e-6)
    # a Jordan block: ν = |off-diagonal|; a normal matrix: only the rounding margin
    assert float(departure_bound(np.array([[0.5, 2.0], [0.0, 0.5]]))) == pytest.approx(2.0)
    assert 0 < float(departure_bound(np.eye(2) * 0.7)) < 1e-6
    three = rng.normal(size=(3, 3))
    assert float(departure_bound(three)) >= float(departure_from_normality(three))
    with pytest.raises(ParameterError, match="matrices"):
        departure_bound(np.ones((2, 3)))
    with pytest.raises(ParameterError, match="matrices"):
        departure_bound(np.array([[np.nan, 0.0], [0.0, 1.0]]))


@pytest.mark.parametrize("step", [hb_step, nag_step])
def test_step_rounding_bounds_the_actual_float_error(step: Any) -> None:
    """fl(step(s)) against the same step in exact rationals, over random states."""
    rng = np.random.default_rng(1)
    for _ in range(20):
        eta, lam, beta = rng.uniform(0.05, 3.0), rng.uniform(0.1, 3.0), rng.uniform(0.0, 0.99)
        e = float(step_rounding(step, 2, eta, lam, beta))
        assert 0 < e < 1e-13
        for _ in range(20):
            s = rng.normal(size=2)
            got = np.array(step(tuple(s), eta, lam, beta), dtype=float)
            exact = step(tuple(Fraction(x) for x in s), Fraction(eta), Fraction(lam),
                         Fraction(beta))
            err = float(np.linalg.norm([float(Fraction(g) - x) for g, x in zip(
                got, exact, strict=True)]))
            assert err <= e * float(np.linalg.norm(s))


def test_step_rounding_is_vectorised_and_rejects_non_linear_steps() -> None:
    lam = np.linspace(0.1, 2.0, 7)
    e = step_rounding(hb_step, 2, 0.5, lam, 0.9)
    assert e.shape == lam.shape
    assert np.all(np.diff(e) > 0)  # more curvature, larger entries, larger error
    with pytest.raises(ParameterError, match="step"):
        step_rounding(lambda s, a: (s[0] * s[1], s[1]), 2, 1.0)
    with pytest.raises(ParameterError, match="step"):
        step_rounding(lambda s, a: (s[0] + a, s[1]), 2, 1.0)
    with pytest.raises(ParameterError, match="params"):
        step_rounding(hb_step, 2, np.nan, 1.0, 0.5)


def test_precise_quadratic_radius_known_values() -> None:
    c1, c0, a = sp.Symbol("c1"), sp.Symbol("c0"), sp.Symbol("a")
    rho, err = precise_quadratic_radius(c1, c0, (c1, c0), [-1.0, 0.0, -3.0, 0.0],
                                        [0.25, 0.25, 2.0, -1.0])
    np.testing.assert_array_equal(rho, [0.5, 0.5, 2.0, 1.0])  # (z − ½)², z² + ¼, …
    assert np.all(err < 1e-15)
    # a double root at float parameters: ρ exact to one rounding, unlike the float formula
    h = 0.36
    rho, err = precise_quadratic_radius(-(2 - 2 * sp.sqrt(a)) + 0 * a, (1 - sp.sqrt(a)) ** 2,
                                        (a,), h)
    assert abs(float(rho[()]) - 0.4) <= float(err[()]) + 1e-16
    with pytest.raises(ParameterError, match="values"):
        precise_quadratic_radius(c1, c0, (c1, c0), 1.0)


def _band(rho_scale: float = 1.0) -> Any:
    lam = np.linspace(0.2, 3.5, 12)
    eta, beta, steps = 1.0, 0.6, 800
    m = hb_matrix(eta, lam, beta)
    rho = np.max(np.abs(np.linalg.eigvals(m)), axis=-1)
    return rate_band(lambda s: hb_step(s, eta, lam, beta), m, rho * rho_scale, steps,
                     step_rounding(hb_step, 2, eta, lam, beta), 1e-7 * rho), rho


def test_rate_band_holds_the_true_radius() -> None:
    band, _ = _band()
    assert not np.any(band.misses())
    assert np.all(band.lower <= band.measured + band.rounding)
    check = band.check("heavy ball")
    assert check.abs_error <= check.tolerance
    assert "T = 800" in check.name


def test_a_radius_on_the_wrong_side_is_refuted() -> None:
    band, rho = _band()
    # Just above r_T (but within the symmetric |ρ − r_T| ≤ U − ρ): refuted one-sidedly.
    wrong = band.measured + 0.5 * (band.measured - rho)
    assert np.all(np.abs(wrong - band.measured) <= band.upper - rho)  # the old test passes
    lam = np.linspace(0.2, 3.5, 12)
    m = hb_matrix(1.0, lam, 0.6)
    above = rate_band(lambda s: hb_step(s, 1.0, lam, 0.6), m, wrong, 800,
                      step_rounding(hb_step, 2, 1.0, lam, 0.6))
    moved = (band.measured - rho) > 1e-6  # cells where r_T is clear of ρ
    assert np.all(above.misses()[moved])
    # 1 % too low: Henrici's U of the smaller ρ is below the run
    low, _ = _band(0.99)
    assert np.any(low.misses())
    assert low.check("x").abs_error > low.check("x").tolerance


def test_max_rate_check_is_one_sided() -> None:
    band, rho = _band()
    lam = np.linspace(0.2, 3.5, 12)
    m = hb_matrix(1.0, lam, 0.6)
    rate = float(np.max(rho))
    good = max_rate_check("worst", band, rate, 1e-7, m)
    assert good.abs_error <= good.tolerance
    for factor in (0.99, 1.01):
        bad = max_rate_check("worst", band, rate * factor, 1e-7, m)
        assert bad.abs_error > bad.tolerance


def test_run_rounding_handles_a_nilpotent_matrix() -> None:
    nil = np.array([[0.0, 1.0], [0.0, 0.0]])
    assert 0 < run_rounding(nil, 0.0, 1.0, 50, 1e-16) < 1
    assert run_rounding(np.eye(2) * 0.5, 0.5, 0.0, 50, 1e-16) < 1e-13
    with pytest.raises(ParameterError, match="matrix"):
        run_rounding(np.eye(2) * 0.5, 0.0, 0.0, 50, 1e-16)
    with pytest.raises(ParameterError, match="step_error"):
        run_rounding(nil, 0.0, 1.0, 50, -1.0)


def test_flip_search_brackets_a_known_flip() -> None:
    a, b = flip_search(lambda x: x * x < 2.0, 1.0, 2.0, points=15, rounds=3)
    assert a < np.sqrt(2.0) <= b
    assert b - a == pytest.approx(1.0 / 16**3)
    with pytest.raises(ParameterError, match="lo"):
        flip_search(lambda x: x * x < 2.0, 1.5, 2.0)
    with pytest.raises(ParameterError, match="hi"):
        flip_search(lambda x: x * x < 2.0, 1.0, 1.2)
    with pytest.raises(ParameterError, match="points"):
        flip_search(lambda x: x * x < 2.0, 1.0, 2.0, points=0)


def _gd_threshold(edge: float) -> Any:
    def run_at(etas: np.ndarray) -> Any:
        return lambda s: gd2_step(s, etas)

    def matrices(etas: np.ndarray) -> np.ndarray:
        etas = np.asarray(etas, dtype=float)
        zero = np.zeros_like(etas)
        return np.stack([np.stack([1 - etas, zero], -1), np.stack([zero, 1 - 0.5 * etas], -1)],
                        -2)

    return threshold_check("GD, curvatures 1 and 1/2", run_at, matrices,
                           lambda etas: step_rounding(gd2_step, 2, etas), edge, 1.2, 2.6)


def test_threshold_check_accepts_the_edge_and_refutes_a_shifted_one() -> None:
    good = _gd_threshold(2.0)
    assert good.abs_error <= good.tolerance
    assert good.tolerance < 0.004  # a normal matrix: the band is the search width
    for edge in (2.0 * 0.995, 2.0 * 1.005):
        bad = _gd_threshold(edge)
        assert bad.abs_error > bad.tolerance, edge


def test_threshold_check_doubles_the_run_until_the_band_is_narrow() -> None:
    eta, beta, edge = 3.0, 0.5, 1.0  # heavy ball at η = 3: largest stable λ is 2(1+β)/η = 1
    check = threshold_check(
        "heavy ball", lambda lams: (lambda s: hb_step(s, eta, lams, beta)),
        lambda lams: hb_matrix(eta, lams, beta),
        lambda lams: step_rounding(hb_step, 2, eta, lams, beta), edge, 0.75, 1.6, steps=100,
        band_target=0.003)
    steps = int(check.name.rsplit("T = ", 1)[1].rstrip(")"))
    assert steps >= 400  # 100 doubled until the band is < 0.3 %
    assert check.abs_error <= check.tolerance
    far = threshold_check("x", lambda lams: (lambda s: hb_step(s, eta, lams, beta)),
                          lambda lams: hb_matrix(eta, lams, beta),
                          lambda lams: step_rounding(hb_step, 2, eta, lams, beta), 0.5, 0.3,
                          0.8)  # a claimed edge 0.5: ρ < 1 on all of [0.3, 0.8]
    assert far.model == 0.8
    assert far.abs_error > far.tolerance


def test_measured_rate_is_what_the_band_compares() -> None:
    band, _ = _band()
    direct = measured_rate(lambda s: hb_step(s, 1.0, np.linspace(0.2, 3.5, 12), 0.6), 2, 800,
                           batch=(12,))
    np.testing.assert_array_equal(direct, band.measured)
    with pytest.raises(ParameterError, match="index"):
        band.check("x", 12)
    with pytest.raises(ParameterError, match="rho"):
        rate_band(lambda s: s, np.eye(2), -1.0, 10, 0.0)
