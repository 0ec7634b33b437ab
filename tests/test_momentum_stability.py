"""Heavy-ball toolbox (lrtheory.symbolic.heavy_ball, lrtheory.models.heavy_ball) and the M2/M3
models, against brute force."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from lrtheory.claims.momentum_damping import _m3_params, _model_m3, _points_m3, _polyak
from lrtheory.claims.momentum_stability import (
    _m2_params,
    _model_m2,
    _points_m2,
    rate_checks,
    rule_name,
)
from lrtheory.errors import ParameterError
from lrtheory.models.heavy_ball import (
    derived_radius,
    edge_check,
    exact_power,
    exact_rows,
    growth_probability,
    numeric_matrix,
    precise_radius,
    rate_band,
    sign_change_checks,
    sign_change_probability,
    sign_rounding_bound,
    step_error,
)
from lrtheory.optimizers import heavy_ball, heavy_ball_lr_in_velocity, nesterov
from lrtheory.symbolic.heavy_ball import (
    Rule,
    critical_beta,
    half_line,
    heavy_ball_discriminant,
    heavy_ball_matrix,
    heavy_ball_polynomial,
    polyak_minimax,
    polyak_rate,
    rest_at_critical,
)
from lrtheory.symbolic.jury import radius_conditions, spectral_radius

ETA, LAM, BETA = sp.symbols("eta lambda beta", positive=True)
Z = sp.Symbol("z")


def test_matrices_and_polynomial_come_from_the_rules() -> None:
    assert heavy_ball_matrix(ETA, LAM, BETA) == sp.Matrix([[1 - ETA * LAM, -BETA * ETA],
                                                           [LAM, BETA]])
    assert heavy_ball_matrix(ETA, LAM, BETA, heavy_ball_lr_in_velocity) == sp.Matrix(
        [[1 - ETA * LAM, -BETA], [ETA * LAM, BETA]])
    for rule in (heavy_ball, heavy_ball_lr_in_velocity):
        poly = heavy_ball_polynomial(ETA, LAM, BETA, Z, rule)
        assert sp.expand(poly - (Z**2 - (1 + BETA - ETA * LAM) * Z + BETA)) == 0
    assert sp.expand(heavy_ball_discriminant(ETA, LAM, BETA)
                     - ((1 + BETA - ETA * LAM) ** 2 - 4 * BETA)) == 0


@pytest.mark.parametrize("h", [0.04, 0.25, 0.81, 1.0, 2.25, 3.9])
def test_critical_beta_gives_a_double_eigenvalue(h: float) -> None:
    beta = float(critical_beta(sp.nsimplify(h)))
    assert 0.0 <= beta < 1.0
    assert beta == pytest.approx((1 - np.sqrt(h)) ** 2, abs=1e-15)
    eig = np.linalg.eigvals(numeric_matrix(h, 1.0, beta))
    assert abs(eig[0] - eig[1]) < 1e-6  # a double root (split only by √ε rounding)
    # Just below β_c the roots are real and distinct, just above complex (when β_c > 0).
    if beta > 1e-3:
        below = np.linalg.eigvals(numeric_matrix(h, 1.0, beta - 1e-3))
        above = np.linalg.eigvals(numeric_matrix(h, 1.0, beta + 1e-3))
        assert np.all(np.isreal(below))
        assert not np.any(np.isreal(above))


def test_critical_beta_is_symbolic_and_rejects_non_positive_input() -> None:
    h = sp.Symbol("h", positive=True)
    assert sp.expand(critical_beta(h) - (1 - sp.sqrt(h)) ** 2) == 0
    assert sp.expand(critical_beta(ETA * LAM) - (1 - sp.sqrt(ETA * LAM)) ** 2) == 0
    for bad in (0, -1.0, sp.Symbol("x", real=True)):
        with pytest.raises(ParameterError, match="eta_lam"):
            critical_beta(bad)


def test_polyak_minimax_matches_a_brute_force_search() -> None:
    mu, big_l = sp.symbols("mu L", positive=True)
    pm = polyak_minimax(mu, big_l)
    eta_s, beta_s, rate = _polyak(1.0, 10.0)
    assert rate == pytest.approx((np.sqrt(10) - 1) / (np.sqrt(10) + 1), rel=1e-14)
    assert float(pm.eta.subs({mu: 1, big_l: 10})) == pytest.approx(eta_s)
    assert beta_s == pytest.approx(rate**2)
    # Worst radius over λ ∈ [1, 10] on a grid of (η, β): nothing beats the derived rate.
    lam = np.linspace(1.0, 10.0, 61)
    etas, betas = np.linspace(0.05, 0.6, 56), np.linspace(0.0, 0.9, 46)
    worst = np.array([[np.max(derived_radius(e * lam, b)) for b in betas] for e in etas])
    assert np.min(worst) >= rate - 1e-12
    assert np.min(worst) < rate + 0.02  # and the grid gets close to it
    assert np.max(derived_radius(eta_s * lam, beta_s)) == pytest.approx(rate, abs=1e-7)


def test_radius_conditions_agree_with_the_roots() -> None:
    rng = np.random.default_rng(3)
    r = sp.Symbol("r", positive=True)
    c1, c0 = sp.symbols("c1 c0", real=True)
    conds = [sp.lambdify((c1, c0, r), c) for c in radius_conditions(Z**2 + c1 * Z + c0, Z, r)]
    for _ in range(200):
        a1, a0, radius = rng.uniform(-1.5, 1.5), rng.uniform(-0.9, 0.9), rng.uniform(0.3, 1.2)
        inside = all(f(a1, a0, radius) > 0 for f in conds)
        assert inside == (spectral_radius([a0, a1, 1.0]) < radius)


def test_sign_change_probability_against_sampling_and_known_cases() -> None:
    rows = exact_rows(0.25, 1.0, 0.3, 15)
    rng = np.random.default_rng(0)
    phi = rng.uniform(0, 2 * np.pi, 200_000)
    x = rows @ np.stack([np.cos(phi), np.sin(phi)])
    changes = np.sum(x[1:] * x[:-1] < 0, axis=0)
    for k in (1, 2, 3):
        exact = sign_change_probability(rows, k)
        se = np.sqrt(exact * (1 - exact) / phi.size) + 1e-12
        assert abs(np.mean(changes >= k) - exact) < 5 * se
    assert sign_change_probability([[1.0, 0.0], [2.0, 0.0]], 1) == 0.0
    assert sign_change_probability([[1.0, 0.0], [-1.0, 0.0], [1.0, 0.0]], 2) == 1.0
    assert sign_change_probability([[1.0, 0.0], [0.0, 1.0]], 1) == pytest.approx(0.5)
    with pytest.raises(ParameterError, match="rows"):
        sign_change_probability([[1.0, 0.0], [0.0, 0.0]], 1)
    with pytest.raises(ParameterError, match="rows"):
        sign_change_probability([1.0, 2.0], 1)


def test_growth_probability_against_sampling_and_known_cases() -> None:
    a = exact_power(3.6, 1.0, 0.9, 5, heavy_ball_lr_in_velocity)
    rng = np.random.default_rng(1)
    s = rng.normal(size=(2, 200_000))
    grew = np.sum((a @ s) ** 2, axis=0) > np.sum(s**2, axis=0)
    p = growth_probability(a)
    assert 0 < p < 1
    assert abs(np.mean(grew) - p) < 5 * np.sqrt(p * (1 - p) / s.shape[1])
    assert growth_probability(np.eye(2) * 0.5) == 0.0
    assert growth_probability(np.eye(2) * 2.0) == 1.0
    assert growth_probability(np.diag([2.0, 0.5])) == pytest.approx(
        2 / np.pi * np.arctan(np.sqrt(3.0 / 0.75)))
    assert growth_probability(a, 1e-3) < p < growth_probability(a, -1e-3)
    with pytest.raises(ParameterError, match="matrix"):
        growth_probability(np.eye(3))


def test_exact_powers_match_floating_point_and_the_rules() -> None:
    for rule in (heavy_ball, heavy_ball_lr_in_velocity):
        m = numeric_matrix(0.7, 1.3, 0.6, rule)
        np.testing.assert_allclose(exact_power(0.7, 1.3, 0.6, 17, rule),
                                   np.linalg.matrix_power(m, 17), rtol=1e-12, atol=1e-15)
    rows = exact_rows(0.7, 1.3, 0.6, 9)
    np.testing.assert_allclose(rows[9], exact_power(0.7, 1.3, 0.6, 9)[0], rtol=1e-14)
    with pytest.raises(ParameterError, match="steps"):
        exact_rows(0.7, 1.3, 0.6, 0)


def test_derived_radius_equals_the_numerical_eigenvalues() -> None:
    h = np.linspace(0.01, 5.0, 97)
    for beta in (0.0, 0.3, 0.9):
        numeric = np.max(np.abs(np.linalg.eigvals(numeric_matrix(1.0, h, beta))), axis=-1)
        np.testing.assert_allclose(derived_radius(h, beta), numeric, atol=1e-7)


def test_rate_band_contains_the_measured_rate_and_rounding_bounds_are_tiny() -> None:
    lam = np.linspace(0.05, 4.0, 23)
    b = rate_band(0.9, lam, 0.7, 500, heavy_ball_lr_in_velocity)
    assert not np.any(b.misses())
    assert np.all(b.rounding < 1e-7)  # rigorous, yet far below the bracket widths
    assert 0 < sign_rounding_bound(0.25, 1.0, 0.25, 15) < 1e-10
    assert np.all(step_error(0.9, lam, 0.7) < 1e-14)


def test_precise_radius_is_exact_at_a_double_root() -> None:
    # h = 0.25, β_c = 0.25: (z − 1/2)²; the NumPy roots split by √ε, the 60-digit ones do not
    rho, err = precise_radius(0.25, np.array([1.0]), 0.25)
    assert float(rho[0]) == 0.5
    assert float(err[0]) < 1e-15
    rng = np.random.default_rng(5)
    for eta, lam, beta in zip(rng.uniform(0.1, 3, 20), rng.uniform(0.1, 2, 20),
                              rng.uniform(0, 0.99, 20), strict=True):
        rho, _ = precise_radius(eta, np.array([lam]), beta)
        assert float(rho[0]) == pytest.approx(float(derived_radius(eta * lam, beta)), abs=1e-7)


@pytest.mark.parametrize("rule", [heavy_ball, heavy_ball_lr_in_velocity])
@pytest.mark.parametrize(("lam", "beta"), [(1.0, 0.5), (1.0, 0.9), (0.25, 0.8)])
def test_edge_check_locates_the_edge_and_refutes_a_shifted_one(rule: Rule, lam: float,
                                                               beta: float) -> None:
    eta = 2 * (1 + beta) / lam
    check = edge_check("t", eta, beta, lam, rule)
    assert check.abs_error <= check.tolerance
    for factor in (0.995, 1.005):  # an edge 0.5 % off either way is outside the band
        bad = edge_check("t", eta, beta, lam * factor, rule)
        assert bad.abs_error > bad.tolerance


def test_rate_checks_refute_a_wrong_radius_on_either_side() -> None:
    lam = np.array([1.0, 3.0, 0.4])
    good = rate_checks("test", 0.5, lam, 0.8, 1000, heavy_ball)
    assert all(c.abs_error <= c.tolerance for c in good)
    rho, err = precise_radius(0.5, lam, 0.8)
    for factor in (0.99, 1.01):
        b = rate_band(0.5, lam, 0.8, 1000, heavy_ball, rho * factor, err)
        assert np.all(b.misses())


def test_sign_change_checks_hold_in_every_regime() -> None:
    for eta, beta in ((0.25, 0.25), (0.25, 0.3), (2.25, 0.25), (0.25, 0.125)):
        checks = sign_change_checks(eta, 1.0, beta, 15)
        assert checks
        assert all(c.abs_error <= c.tolerance for c in checks)
    # complex roots at ω = 0.289: every start crosses once within 15 steps, not within 5
    assert sign_change_probability(exact_rows(0.25, 1.0, 0.3, 15), 1) == pytest.approx(1.0)
    assert sign_change_probability(exact_rows(0.25, 1.0, 0.3, 5), 1) < 1.0
    with pytest.raises(ParameterError, match="eta"):
        sign_change_checks(float("nan"), 1.0, 0.25, 15)


def test_m3_monte_carlo_points_have_interior_probabilities() -> None:
    for point in (p for p in _points_m3() if p.monte_carlo):
        q = _m3_params(point.params)
        rows = exact_rows(q["eta"], float(q["lam"][0]), q["beta"], q["T"])
        once = sign_change_probability(rows, 1) - sign_change_probability(rows, 2)
        assert 0.02 < once < 0.98, point.label


def test_half_line_and_symbolic_helpers() -> None:
    x, a = sp.Symbol("x", real=True), sp.Symbol("a", positive=True)
    assert half_line(2 - a * x, x) == sp.Interval.open(-sp.oo, 2 / a)
    assert half_line((x - 1) / a, x) == sp.Interval.open(1, sp.oo)
    with pytest.raises(ParameterError, match="condition"):
        half_line((x - 1) / (a - 2), x)  # the denominator's sign is unknown
    with pytest.raises(ParameterError, match="condition"):
        half_line(sp.Symbol("b", real=True) * x - 1, x)  # nor is the slope's
    kappa = sp.Symbol("kappa", positive=True)
    assert sp.simplify(polyak_rate(kappa) - (sp.sqrt(kappa) - 1) / (sp.sqrt(kappa) + 1)) == 0
    h, t = sp.Symbol("h", positive=True), sp.Symbol("t", integer=True, nonnegative=True)
    theta1, rest = rest_at_critical(h, t)
    assert sp.expand(theta1 - (1 - h)) == 0
    rows = exact_rows(0.25, 1.0, 0.25, 6)
    for k in range(7):  # θ_t from rest against the exact rows of the derived matrix
        assert float(rest.subs({h: sp.Rational(1, 4), t: k})) == pytest.approx(rows[k, 0],
                                                                               abs=1e-15)
    with pytest.raises(ParameterError, match="kappa"):
        polyak_rate(sp.Symbol("k"))


def test_bad_inputs_name_the_parameter() -> None:
    nan, inf = float("nan"), float("inf")
    for bad in (nan, inf, -0.5, 0.0):
        with pytest.raises(ParameterError, match="eta"):
            exact_power(bad, 1.0, 0.5, 3)
        with pytest.raises(ParameterError, match="eta"):
            exact_rows(bad, 1.0, 0.5, 3)
    for bad in (nan, -inf):
        with pytest.raises(ParameterError, match="lam"):
            exact_power(0.5, bad, 0.5, 3)
    for bad in (-0.1, 1.0, nan):
        with pytest.raises(ParameterError, match="beta"):
            exact_rows(0.5, 1.0, bad, 3)
        with pytest.raises(ParameterError, match="beta"):
            derived_radius(1.0, bad)
    with pytest.raises(ParameterError, match="beta"):
        derived_radius(1.0, 2.0)
    with pytest.raises(ParameterError, match="eta_lam"):
        derived_radius(-1.0, 0.5)
    with pytest.raises(ParameterError, match="eta"):
        numeric_matrix(-1.0, 1.0, 0.5)
    with pytest.raises(ParameterError, match="lam"):
        numeric_matrix(1.0, np.array([1.0, nan]), 0.5)
    with pytest.raises(ParameterError, match="steps"):
        exact_power(0.5, 1.0, 0.5, -1)
    with pytest.raises(ParameterError, match="rule"):
        rule_name(nesterov)
    with pytest.raises(ParameterError, match="eta"):
        heavy_ball_matrix(-1, LAM, BETA)
    with pytest.raises(ParameterError, match="beta"):
        heavy_ball_polynomial(ETA, LAM, sp.Rational(3, 2), Z)
    with pytest.raises(ParameterError, match="z"):
        heavy_ball_polynomial(ETA, LAM, BETA, 2)
    with pytest.raises(ParameterError, match="lam"):
        heavy_ball_discriminant(1, nan, 0.5)
    with pytest.raises(ParameterError, match="mu"):
        polyak_minimax(sp.Symbol("m"), sp.Symbol("L", positive=True))
    with pytest.raises(ParameterError, match="margin"):
        growth_probability(np.eye(2), -2.0)
    with pytest.raises(ParameterError, match="lam"):
        rate_checks("x", 1.0, np.array([1.0]), 0.5, 10, heavy_ball)


def test_m2_model_reports_each_edge_once_and_passes() -> None:
    points = _points_m2()
    names = [[c.name for c in _model_m2(p) if "largest stable" in c.name] for p in points[2:4]]
    assert len(names[0]) == 2  # β = 0.9: the first point with (λ, β) reports the edge
    assert names[1] == []  # the second, sharing (λ, β), does not
    checks = _model_m2(points[1])
    assert all(c.abs_error <= c.tolerance for c in checks)


def test_parameters_are_validated_by_name() -> None:
    base = {"beta": 0.5, "lam": 1.0, "frac": 0.8, "T": 10, "rate_steps": 100,
            "bisect_steps": 100}
    assert _m2_params(base)["eta"] == pytest.approx(2.4)
    for name, bad in (("beta", 1.0), ("lam", 0.0), ("frac", -1.0), ("T", 2.5)):
        with pytest.raises(ParameterError, match=name):
            _m2_params({**base, name: bad})
    with pytest.raises(ParameterError, match="params"):
        _m2_params({"beta": 0.5})
    point = _points_m3()[0].params
    assert _m3_params(point)["beta"] == pytest.approx(0.25)
    for name, bad in (("mu", 0.0), ("h", 4.0), ("scale", 5.0), ("d", 0)):
        with pytest.raises(ParameterError, match=name if name != "scale" else "beta"):
            _m3_params({**point, name: bad})


def test_m3_model_at_polyak_s_point() -> None:
    point = next(p for p in _points_m3() if p.params["polyak"] and p.params["L"] == 100.0)
    checks = _model_m3(point)
    assert all(c.abs_error <= c.tolerance for c in checks)
    minimax = next(c for c in checks if c.name.startswith("minimax"))
    assert minimax.closed_form == pytest.approx(9 / 11)
    names = [c.name for c in checks]
    assert len(names) == len(set(names))  # no row repeated
