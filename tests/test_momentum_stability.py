"""Heavy-ball toolbox (lrtheory.symbolic.heavy_ball) and the M2/M3 models, against brute force."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from lrtheory.claims.momentum_damping import _m3_params, _model_m3, _points_m3, _polyak
from lrtheory.claims.momentum_stability import (
    _m2_params,
    numeric_threshold,
    rate_checks,
    simulated_threshold,
)
from lrtheory.errors import ParameterError
from lrtheory.optimizers import heavy_ball, heavy_ball_lr_in_velocity
from lrtheory.symbolic.heavy_ball import (
    critical_beta,
    derived_radius,
    exact_power,
    exact_rows,
    growth_probability,
    heavy_ball_discriminant,
    heavy_ball_matrix,
    heavy_ball_polynomial,
    numeric_matrix,
    polyak_minimax,
    rate_bracket,
    sign_change_probability,
    sign_rounding_bound,
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


def test_rate_bracket_contains_the_measured_rate_and_rounding_bound_is_tiny() -> None:
    lam = np.linspace(0.05, 4.0, 23)
    b = rate_bracket(0.9, lam, 0.7, 500, heavy_ball_lr_in_velocity)
    assert np.all(b.rho <= b.measured + b.rounding)
    assert np.all(b.measured <= b.upper + b.rounding)
    assert 0 < sign_rounding_bound(0.25, 1.0, 0.25, 15) < 1e-10


def test_simulated_threshold_locates_the_edge_and_refutes_gd_s_bound() -> None:
    for rule in (heavy_ball, heavy_ball_lr_in_velocity):
        check = simulated_threshold(1.0, 0.6, 200, rule)
        assert check.abs_error <= check.tolerance
        assert check.closed_form == pytest.approx(3.2)
        # The plain-GD bound 2/λ is far outside the measured bracket.
        assert abs(2.0 - check.model) > 10 * check.tolerance
    assert numeric_threshold(2.0, 0.5) == pytest.approx(1.5, rel=1e-12)


def test_rate_checks_refute_a_wrong_radius() -> None:
    good = rate_checks("test", 0.5, np.array([1.0, 3.0]), 0.8, 1000, heavy_ball)
    assert all(c.abs_error <= c.tolerance for c in good)
    # A radius 2 % too small is outside the Henrici bracket.
    assert all(abs(c.closed_form * 0.98 - c.model) > c.tolerance for c in good)


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
