"""Hypergradient rules, the exact law of the stationary signal g_{t+1}ᵀg_t, and the η dynamics."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lrtheory.errors import ParameterError
from lrtheory.models import hypergradient as hg
from lrtheory.models.lyapunov import rotated_quadratic
from lrtheory.montecarlo.runner import Ensemble


def test_hypergradient_is_the_derivative_of_the_next_loss() -> None:
    rng = np.random.default_rng(1)
    a = rng.normal(size=(4, 4))
    H = a @ a.T + np.eye(4)
    theta, eta = rng.normal(size=4), 0.07

    def next_loss(e: float) -> float:
        v = theta - e * (H @ theta)
        return float(v @ H @ v / 2)

    step = 1e-4  # L(θ − ηg) is quadratic in η: the central difference is exact but rounding
    numeric = (next_loss(eta + step) - next_loss(eta - step)) / (2 * step)
    g = H @ theta
    assert float(hg.hypergradient(H @ (theta - eta * g), g)) == pytest.approx(numeric, rel=1e-8)


def test_exp_rule_stays_positive_where_the_additive_one_goes_negative() -> None:
    eta = np.array([0.5, 0.5])
    g, g_next = np.array([[10.0], [1.0]]), np.array([[-10.0], [1.0]])
    additive = hg.additive_lr_step(eta, g_next, g, 0.1)
    exponential = hg.exp_lr_step(eta, g_next, g, 0.1)
    np.testing.assert_allclose(additive, [0.5 - 10.0, 0.6])
    assert additive[0] < 0 < exponential[0]
    np.testing.assert_allclose(exponential, 0.5 * np.exp(0.1 * 0.5 * np.array([-100.0, 1.0])))
    with pytest.raises(ParameterError, match=r"^alpha"):
        hg.additive_lr_step(eta, g_next, g, 0.0)


@pytest.mark.parametrize("u", [0.1, 1.0, 1.9])
def test_one_dimensional_signal_moments_match_the_derived_forms(u: float) -> None:
    lam, s2 = 2.0, 0.3
    a, s, sigma = hg.signal_form(u / lam, lam, s2)
    mu = hg.form_eigenvalues(a, s)
    mom = hg.form_moments(mu)
    assert sigma[0, 0] == pytest.approx(u / lam * s2 / (lam * (2 - u)), rel=1e-12)
    assert mom["mean"] == pytest.approx(-u * s2 / (2 - u), rel=1e-12)
    assert mom["variance"] == pytest.approx((4 + u * u) * s2**2 / (2 - u) ** 2, rel=1e-12)


def test_d_dimensional_mean_is_minus_trace_h_sigma_h() -> None:
    H = rotated_quadratic([1.0, 0.2], 0.6)
    C = np.array([[0.5, 0.1], [0.1, 0.2]])
    a, s, sigma = hg.signal_form(0.9, H, C)
    mom = hg.form_moments(hg.form_eigenvalues(a, s))
    assert mom["mean"] == pytest.approx(-np.trace(H @ sigma @ H), rel=1e-12)


def test_mgf_of_a_product_of_independent_normals() -> None:
    a = np.array([[0.0, 0.5], [0.5, 0.0]])  # h = XY, X, Y ~ N(0, 1): μ = ±½
    mom = hg.form_moments(hg.form_eigenvalues(a, np.eye(2)), 0.3)
    assert mom["mgf"] == pytest.approx(1 / math.sqrt(1 - 0.3**2), rel=1e-14)
    with pytest.raises(ParameterError, match=r"^k"):
        hg.form_moments(np.array([0.5, -0.5]), 0.5)


def test_sgd_kernel_from_zero_agrees_with_the_finite_time_moments() -> None:
    H, C = rotated_quadratic([1.0, 0.4], 0.3), np.diag([0.6, 0.2])
    eta, alpha, steps = 1.1, 0.1, 1
    a, s, sigma = hg.signal_form(eta, H, C, steps)
    g = np.eye(2) - eta * H
    brute = np.zeros((2, 2))
    for _ in range(steps):
        brute = g @ brute @ g + eta**2 * C
    np.testing.assert_allclose(sigma, brute, rtol=1e-14)
    mom = hg.form_moments(hg.form_eigenvalues(a, s), alpha * eta)
    m = Ensemble(seed=2, threads=1).run(hg.sgd_signal(eta, H, C, alpha, steps), 60_000)
    z = (m.mean - [mom["mean"], mom["mgf"]]) / m.stderr_mean
    assert np.all(np.abs(z) < 5), z
    # 1-D at ηλ = 1.9, one step from 0: E[h] = λ²(1 − ηλ)η²s² − ληs² = −5.149, not the
    # stationary −ληs²/(2 − ηλ) = −19; the kernel sees the transient
    m = Ensemble(seed=3, threads=1).run(hg.sgd_signal(1.9, 1.0, 1.0, 0.001, 1), 20_000)
    assert abs(m.mean[0] - (-0.9 * 1.9**2 - 1.9)) < 5 * m.stderr_mean[0]
    assert abs(m.mean[0] + 19.0) > 20 * m.stderr_mean[0]


def test_bad_inputs_raise_parameter_errors() -> None:
    with pytest.raises(ParameterError, match=r"^eta0"):
        hg.annealing_kernel(1.0, 1.0, 2.0, 0.01, 10, [0], exponential=False)
    with pytest.raises(ParameterError, match=r"^H"):
        hg.line_search_check(np.diag([1.0, -0.5]), [0.7, -0.4])
    with pytest.raises(ParameterError, match=r"^steps"):
        hg.signal_form(0.5, 1.0, 1.0, -1)


def test_signal_form_needs_a_stable_rate() -> None:
    with pytest.raises(ParameterError, match=r"^eta"):
        hg.signal_form(2.5, 1.0, 1.0)
    with pytest.raises(ParameterError, match=r"^H"):
        hg.signal_form(0.5, [[1.0, 2.0], [0.0, 1.0]], np.eye(2))


@pytest.mark.parametrize("eta0", [0.1, 1.9])
def test_noiseless_rate_moves_toward_the_line_search_but_stops_short(eta0: float) -> None:
    etas, thetas = hg.noiseless_run(1.0, eta0, 0.1, 1.0, 300)
    lo, hi = hg.stall_bracket(1.0, eta0, 0.1, 1.0)
    u = 1 - etas
    assert np.all(np.diff(np.abs(u)) <= 0)
    assert np.all(np.sign(u) == np.sign(u[0]))
    assert lo <= abs(u[-1]) <= hi
    assert abs(u[-1]) > 0.3
    assert abs(thetas[-1]) < 1e-20


def test_mean_field_flow_solves_its_ode() -> None:
    lam, s2, alpha, eta0 = 1.5, 0.4, 0.02, 0.8
    t = np.array([0.0, 50.0, 50.001])
    eta = hg.mean_field_eta(t, eta0, lam, s2, alpha)
    assert eta[0] == pytest.approx(eta0, rel=1e-14)
    slope = (eta[2] - eta[1]) / 0.001
    assert slope == pytest.approx(-alpha * lam * eta[1] * s2 / (2 - lam * eta[1]), rel=1e-5)


def test_annealing_kernel_exp_rule_never_reaches_zero() -> None:
    kernel = hg.annealing_kernel(1.0, 1.0, 1.0, 0.005, 400, [0, 400], exponential=True)
    m = Ensemble(seed=4, threads=1).run(kernel, 200)
    assert m.mean[0] == 1.0
    assert m.mean[1] < 1.0
    assert m.mean[-1] == 0.0


def test_numerical_checks_of_the_hypergradient_and_its_zero() -> None:
    H = rotated_quadratic([2.0, 0.5], 0.4)
    formula, derivative, tol = hg.complex_step_check(0.3, H, [0.7, -0.4])
    assert abs(formula - derivative) <= tol
    assert tol < 1e-12
    exact, root, tol = hg.line_search_check(H, [0.7, -0.4])
    assert abs(exact - root) <= tol
    assert 1 / 2.0 <= exact <= 1 / 0.5
    with pytest.raises(ParameterError, match=r"^theta0"):
        hg.complex_step_check(0.3, H, [1.0])


def test_signal_moments_error_bounds_are_small_and_cover_the_closed_form() -> None:
    mom = hg.signal_moments(1.2, 1.0, 0.5)
    assert abs(mom["mean"] - (-1.2 * 0.5 / 0.8)) <= mom["mean_error"] < 1e-12
