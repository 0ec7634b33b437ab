"""Range tests on quadratics (lrtheory.models.range_test), the symbolic slopes they read
(lrtheory.symbolic.quadratic_slope) and claim S5 (lrtheory.claims.range_test)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import sympy as sp

from lrtheory.claims import range_test
from lrtheory.errors import ParameterError
from lrtheory.models.range_test import (
    diagonal_hvp,
    expected_slope,
    geometric_learning_rates,
    loss_drop,
    matrix_hvp,
    measured_log_slope,
    one_step_loss,
    one_step_slope,
    quadratic_loss,
    range_test_transfer,
    row_dot,
    run_range_test,
    stated_slope,
    stated_slope_ratio,
    steepest_slope_eta,
)
from lrtheory.symbolic.identity import identical
from lrtheory.symbolic.quadratic_slope import eigen_quadratic, log_slope

Array = np.ndarray[Any, Any]


# ---------------------------------------------------------------------------- one step


def test_row_dot_is_the_rowwise_inner_product() -> None:
    a = np.random.default_rng(0).standard_normal((4, 3, 5))
    b = np.random.default_rng(1).standard_normal((4, 3, 5))
    np.testing.assert_allclose(row_dot(a, b), np.sum(a * b, axis=-1), rtol=1e-14)
    assert row_dot(a[0, 0], b[0, 0]) == pytest.approx(float(a[0, 0] @ b[0, 0]), rel=1e-14)


def test_one_step_slope_is_the_log_derivative_of_the_simulated_loss(problem: Any) -> None:
    h = problem[0]
    hvp = matrix_hvp(h)
    e = np.random.default_rng(1).standard_normal((5, 8))
    for eta in (1e-3, 0.3, 1.7):
        # Brute force: a symmetric difference in u = ln η of the simulated one-step loss.
        du = 1e-5
        brute = (one_step_loss(hvp, e, eta * math.exp(du))
                 - one_step_loss(hvp, e, eta * math.exp(-du))) / (2 * du)
        exact = one_step_slope(hvp, e, eta)
        np.testing.assert_allclose(brute, exact, rtol=1e-8)
        np.testing.assert_allclose(measured_log_slope(hvp, e, eta), exact, rtol=1e-12)
        drop = one_step_loss(hvp, e, eta) - quadratic_loss(hvp, e)
        np.testing.assert_allclose(loss_drop(hvp, e, eta), drop, rtol=1e-12, atol=1e-14)


def test_stated_form_is_exact_to_first_order_only_on_the_top_eigenvector(problem: Any) -> None:
    h, lam, vecs = problem
    hvp, top = matrix_hvp(h), vecs[:, -1][None, :]
    for eta in (1e-4, 0.1, 0.4):
        ratio = one_step_slope(hvp, top, eta) / stated_slope(hvp, top, eta, lam[-1])
        assert ratio[0] == pytest.approx(1.0 - eta * lam[-1], rel=1e-12)
        assert stated_slope_ratio(lam, np.eye(8)[-1], eta) == pytest.approx(1 - eta * lam[-1])
    # Off the top direction the first-order slope is strictly smaller in magnitude.
    coeffs = np.random.default_rng(2).standard_normal((200, 8))
    ratios = [stated_slope_ratio(lam, c, 1e-9) for c in coeffs]
    assert max(ratios) < 1.0
    assert min(ratios) > lam[0] / lam[-1]
    e = coeffs[:3] @ vecs.T
    direct = one_step_slope(hvp, e, 0.2) / stated_slope(hvp, e, 0.2, lam[-1])
    np.testing.assert_allclose(direct, [stated_slope_ratio(lam, c, 0.2) for c in coeffs[:3]],
                               rtol=1e-10)


def test_steepest_slope_is_the_minimum_over_eta(problem: Any) -> None:
    h, lam, vecs = problem
    hvp = matrix_hvp(h)
    e = np.random.default_rng(3).standard_normal((1, 8))
    grid = np.linspace(1e-4, 2.0 / lam[-1], 20001)
    slopes = [float(one_step_slope(hvp, e, float(x))[0]) for x in grid]
    assert float(steepest_slope_eta(hvp, e)[0]) == pytest.approx(
        grid[int(np.argmin(slopes))], abs=grid[1] - grid[0])
    top = vecs[:, -1][None, :]
    assert float(steepest_slope_eta(hvp, top)[0]) == pytest.approx(0.5 / lam[-1], rel=1e-10)


# ---------------------------------------------------------------------------- range test


def test_range_test_records_the_losses_and_the_transfer(problem: Any) -> None:
    h, lam, vecs = problem
    etas = geometric_learning_rates(1e-3, 1.5, 12)
    assert etas[1] / etas[0] == pytest.approx(1.5)
    e0 = np.random.default_rng(4).standard_normal((3, 8))
    test = run_range_test(matrix_hvp(h), e0, etas)
    e = e0.copy()
    for t, eta in enumerate(etas):
        assert test.losses[:, t] == pytest.approx(0.5 * np.sum(e * (e @ h), axis=1))
        e = e - eta * (e @ h)
    np.testing.assert_allclose(test.final, e, rtol=1e-12)
    # In the eigenbasis e_t = m ⊙ e₀ with m_i = Π(1 − η_kλ_i).
    m = range_test_transfer(lam, etas)
    np.testing.assert_allclose(test.final @ vecs, (e0 @ vecs) * m, rtol=1e-9, atol=1e-12)


def test_expected_slope_is_a_trace_and_matches_sampling(problem: Any) -> None:
    h, lam, _ = problem
    etas = geometric_learning_rates(0.01, 1.3, 10)
    eta = 0.4
    m = range_test_transfer(lam, etas)
    big_m = np.linalg.multi_dot([np.eye(8) - x * h for x in etas])
    for drop, c in ((False, 1.0), (True, 0.5)):
        a = -eta * h @ h + c * eta**2 * h @ h @ h
        assert expected_slope(lam, eta, m, drop=drop) == pytest.approx(
            np.trace(big_m.T @ a @ big_m), rel=1e-10)
    e0 = np.random.default_rng(5).standard_normal((200_000, 8))
    sample = measured_log_slope(diagonal_hvp(lam), run_range_test(diagonal_hvp(lam), e0,
                                                                    etas).final, eta)
    se = sample.std() / math.sqrt(sample.size)
    assert abs(sample.mean() - expected_slope(lam, eta, m)) < 5 * se


# ---------------------------------------------------------------------------- symbolic


def test_eigen_quadratic_step_and_one_step_loss() -> None:
    quad = eigen_quadratic(2)
    (l1, l2), (c1, c2), eta = quad.lam, quad.c, quad.eta
    assert quad.gradient == (l1 * c1, l2 * c2)
    assert quad.step == {c1: c1 - eta * l1 * c1, c2: c2 - eta * l2 * c2}
    expected = (l1 * (1 - eta * l1) ** 2 * c1**2 + l2 * (1 - eta * l2) ** 2 * c2**2) / 2
    assert sp.expand(quad.after_step - expected) == 0
    assert sp.expand(quad.grad_curvature - (l1**3 * c1**2 + l2**3 * c2**2)) == 0
    shared = sp.Symbol("eta", positive=True)
    assert eigen_quadratic(1, shared).eta is shared
    with pytest.raises(ParameterError, match=r"^d must be"):
        eigen_quadratic(0)


def test_log_slope_is_eta_times_the_derivative() -> None:
    eta, a = sp.Symbol("eta", positive=True), sp.Symbol("a", positive=True)
    for expr in (eta**2, sp.log(eta), a * eta**3 - eta, sp.exp(-a * eta)):
        assert sp.simplify(log_slope(expr, eta) - eta * sp.diff(expr, eta)) == 0
    assert log_slope(eta**2, eta) == 2 * eta**2


# ---------------------------------------------------------------------------- the claim


def test_identities_and_model_checks() -> None:
    claim = range_test.S5
    derivation = claim.derive()
    for identity in derivation.identities:
        assert identical(identity.derived, identity.stated) == identity.expect_equal, \
            identity.name
    for point in claim.points:
        for check in claim.model(point):
            assert math.isfinite(check.model), (point.label, check.name)
            if check.exact:
                assert check.abs_error <= check.tolerance, (point.label, check.name)
    assert claim.validity is not None
    domain = claim.validity()
    np.testing.assert_allclose(domain.errors, np.array(domain.values) / (1 - np.array(
        domain.values)), rtol=1e-9)  # the exact top-direction error ηλ_max/(1 − ηλ_max)


def test_bad_inputs_name_the_parameter() -> None:
    lam = np.array([0.5, 1.0])
    cases = [
        (lambda: geometric_learning_rates(-1.0, 1.2, 5), "eta0"),
        (lambda: geometric_learning_rates(1e-3, 1.0, 5), "growth"),
        (lambda: geometric_learning_rates(1e-3, 1.2, 0), "steps"),
        (lambda: matrix_hvp(np.array([[1.0, 2.0], [0.0, 1.0]])), "h"),
        (lambda: run_range_test(diagonal_hvp(lam), np.ones((1, 2)), np.array([0.1, -0.1])),
         "etas"),
        (lambda: measured_log_slope(diagonal_hvp(lam), np.ones((1, 2)), 0.0), "eta"),
    ]
    for call, name in cases:
        with pytest.raises(ParameterError, match=rf"^{name} must be"):
            call()
