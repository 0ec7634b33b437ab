"""Least squares with exact second moments, Jacobi preconditioning, the two-feature SymPy
helpers, and claim S2 feature-scaling."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from lrtheory.claims import feature_scaling
from lrtheory.errors import ParameterError
from lrtheory.models import least_squares as ls
from lrtheory.models.quadratic import gd_growth_rate
from lrtheory.montecarlo.runner import Ensemble
from lrtheory.symbolic import least_squares as sls


def _data(n: int = 16, flips: int = 4, rms: tuple[float, float] = (10.0, 1.0),
          seed: int = 0) -> np.ndarray:
    signs = np.where(np.random.default_rng(seed).random(n) < 0.5, -1.0, 1.0)
    return ls.sign_design(signs, ls.paired_patterns(n, flips), np.asarray(rms))


# --------------------------------------------------------------------------------------
# Synthetic data
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("n", "flips", "c"), [(8, 4, 0.0), (8, 1, 0.75), (16, 12, -0.5)])
def test_paired_patterns_have_the_stated_correlation(n: int, flips: int, c: float) -> None:
    f = ls.paired_patterns(n, flips)
    np.testing.assert_array_equal(f.T @ f / n, [[1.0, c], [c, 1.0]])


def test_orthogonal_patterns_give_any_diagonal_moments_exactly() -> None:
    f = ls.orthogonal_patterns(16, 5)
    np.testing.assert_array_equal(f.T @ f / 16, np.eye(5))
    rms = np.array([8.0, 4.0, 2.0, 1.0, 0.5])
    signs = np.where(np.random.default_rng(0).random((3, 16)) < 0.5, -1.0, 1.0)
    np.testing.assert_array_equal(ls.hessian(ls.sign_design(signs, f, rms))[1],
                                  np.diag(rms**2))


def test_every_sign_design_has_exactly_the_prescribed_moments() -> None:
    f = ls.paired_patterns(16, 8)
    rng = np.random.default_rng(3)
    signs = np.where(rng.random((50, 16)) < 0.5, -1.0, 1.0)
    x = ls.sign_design(signs, f, np.array([10.0, 1.0]))
    assert x.shape == (50, 16, 2)
    # exact in floating point, not just close: every product and sum is representable
    np.testing.assert_array_equal(ls.hessian(x), np.broadcast_to(np.diag([100.0, 1.0]),
                                                                 (50, 2, 2)))
    np.testing.assert_array_equal(ls.design_moments(f, [10.0, 1.0]), np.diag([100.0, 1.0]))


def test_scale_features_multiplies_the_hessian_by_dhd() -> None:
    x = _data(flips=2)
    h = ls.hessian(x)
    d = np.diag([10.0, 1.0])
    np.testing.assert_allclose(ls.hessian(ls.scale_features(x, np.array([10.0, 1.0]))),
                               d @ h @ d, rtol=1e-15)


# --------------------------------------------------------------------------------------
# Loss, gradient, GD
# --------------------------------------------------------------------------------------


def test_gradient_is_the_derivative_of_the_loss() -> None:
    x, y = _data(flips=3), np.random.default_rng(1).normal(size=16)
    w, step = np.array([0.3, -0.7]), 1e-6
    fd = [(ls.loss(x, y, w + step * e) - ls.loss(x, y, w - step * e)) / (2 * step)
          for e in np.eye(2)]
    np.testing.assert_allclose(ls.gradient(x, y, w), fd, rtol=1e-7)


def test_the_minimiser_zeroes_the_gradient_batched() -> None:
    rng = np.random.default_rng(2)
    signs = np.where(rng.random((7, 8)) < 0.5, -1.0, 1.0)
    x = ls.sign_design(signs, ls.paired_patterns(8, 1), np.array([10.0, 1.0]))
    y = rng.normal(size=(7, 8))
    w = ls.minimiser(x, y)
    assert w.shape == (7, 2)
    assert np.max(np.abs(ls.gradient(x, y, w))) < 1e-12


def test_gd_error_follows_i_minus_eta_h_whatever_the_targets() -> None:
    x = ls.scale_features(_data(flips=2), np.array([3.0, 1.0]))
    h = ls.hessian(x)
    for seed in (0, 1):
        y = np.random.default_rng(seed).normal(size=16) * 5.0
        w_hat = ls.minimiser(x, y)
        e0 = np.array([0.4, -1.1])
        w, eta = w_hat + e0, 0.9 / np.linalg.eigvalsh(h)[-1]
        for _ in range(20):
            w = ls.gd_step(x, y, w, eta)
        expected = np.linalg.matrix_power(np.eye(2) - eta * h, 20) @ e0
        np.testing.assert_allclose(w - w_hat, expected, atol=1e-11)


def test_preconditioned_step_is_gd_in_v_coordinates() -> None:
    """w ← w − ηD⁻²∇L(w) maps to v ← v − η∇_v L(D⁻¹v) with v = Dw: GD on the data XD⁻¹."""
    x, y = ls.scale_features(_data(flips=1), np.array([7.0, 1.0])), np.linspace(-1, 1, 16)
    d = ls.jacobi_scaling(ls.hessian(x))
    w = np.array([0.2, 0.5])
    v_next = ls.gd_step(x / d, y, d * w, 0.6)
    np.testing.assert_allclose(d * ls.gd_step(x, y, w, 0.6, d), v_next, rtol=1e-13)


# --------------------------------------------------------------------------------------
# Jacobi preconditioning and κ
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("c", [0.0, 0.5, 0.75, -0.9])
@pytest.mark.parametrize("s", [1.0, 30.0])
def test_jacobi_gives_unit_diagonal_and_kappa_from_the_correlation(c: float, s: float) -> None:
    h = np.array([[100.0 * s * s, 10.0 * s * c], [10.0 * s * c, 1.0]])
    hj = ls.reparameterised_hessian(h, ls.jacobi_scaling(h))
    np.testing.assert_allclose(np.diag(hj), 1.0, rtol=1e-15)
    kappa = (1 + abs(c)) / (1 - abs(c))
    assert abs(ls.condition_number(hj) - kappa) <= ls.condition_number_rounding(hj)
    assert ls.condition_number(hj) <= ls.condition_number(h) * (1 + 1e-12)


def test_jacobi_can_raise_kappa_with_three_features() -> None:
    h = np.array([[4.0, 3.0, 1.0], [3.0, 4.0, 1.0], [1.0, 1.0, 2.0]])
    hj = ls.reparameterised_hessian(h, ls.jacobi_scaling(h))
    assert ls.condition_number(h) == pytest.approx((9 + math.sqrt(33)) / 2, rel=1e-13)
    assert ls.condition_number(hj) == pytest.approx(8.0, rel=1e-13)


def test_reparameterised_hessian_takes_a_full_matrix() -> None:
    h = np.array([[2.0, 0.5], [0.5, 1.0]])
    dm = np.array([[1.0, 2.0], [0.0, 3.0]])
    inv = np.linalg.inv(dm)
    np.testing.assert_allclose(ls.reparameterised_hessian(h, dm), inv.T @ h @ inv)


def test_condition_number_rounding_is_a_real_bound_not_a_blanket() -> None:
    h = ls.design_moments(ls.paired_patterns(8, 1), [10.0, 1.0])
    tol = ls.condition_number_rounding(h)
    assert 0 < tol < 1e-9 * ls.condition_number(h)


# --------------------------------------------------------------------------------------
# Growth factor of GD on the data
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("eta", [0.005, 0.0199, 0.0201, 0.01])
@pytest.mark.parametrize("s", [1.0, 10.0])
def test_data_growth_rate_is_the_spectral_radius(eta: float, s: float) -> None:
    x = ls.scale_features(_data(flips=2), np.array([s, 1.0]))
    h = ls.hessian(x)
    rho = float(np.max(np.abs(1 - eta * np.linalg.eigvalsh(h))))
    measured = ls.data_growth_rate(x, eta, 50)
    tol = ls.data_growth_rounding(x, eta, 50)
    assert abs(measured - rho) <= tol
    assert abs(measured - gd_growth_rate(h, eta, 50)) <= 2 * tol
    assert tol < 1e-11 * max(rho, 1.0)


def test_the_seeds_learning_rate_is_stable_before_and_divergent_after_rescaling() -> None:
    x = _data(n=8)
    assert ls.data_growth_rate(x, 0.01, 40) == pytest.approx(0.99, rel=1e-13)
    x10 = ls.scale_features(x, np.array([10.0, 1.0]))
    assert ls.data_growth_rate(x10, 0.01, 40) == pytest.approx(99.0, rel=1e-13)


# --------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------


def test_bad_input_names_the_parameter() -> None:
    f = ls.paired_patterns(8, 4)
    cases = [
        (lambda: ls.paired_patterns(1, 0), "n"),
        (lambda: ls.paired_patterns(8, 9), "flips"),
        (lambda: ls.orthogonal_patterns(12, 2), "n"),
        (lambda: ls.orthogonal_patterns(8, 9), "d"),
        (lambda: ls.design_moments(f, [1.0]), "rms"),
        (lambda: ls.design_moments(f * 2, [1.0, 1.0]), "patterns"),
        (lambda: ls.sign_design(np.ones(5), f, np.ones(2)), "row_signs"),
        (lambda: ls.gd_step(_data(), np.zeros(16), np.zeros(2), 0.0), "eta"),
        (lambda: ls.reparameterised_hessian(np.eye(2), np.zeros((2, 2))), "scaling"),
        (lambda: ls.reparameterised_hessian(np.eye(2), np.ones(3)), "scaling"),
        (lambda: ls.condition_number(np.array([[1.0, 2.0], [2.0, 1.0]])), "h"),
        (lambda: ls.condition_number(np.array([[1.0, 2.0], [0.0, 1.0]])), "h"),
        (lambda: ls.data_growth_rate(np.ones(3), 0.1, 5), "x"),
        (lambda: ls.data_growth_rate(_data(), -0.1, 5), "eta"),
        (lambda: ls.data_growth_rounding(_data(), 0.1, 0), "steps"),
    ]
    for call, name in cases:
        with pytest.raises(ParameterError, match=rf"^{name} must be"):
            call()



# --------------------------------------------------------------------------------------
# The SymPy helpers and claim S2's derived laws
# --------------------------------------------------------------------------------------


def test_hessian_in_moments_is_the_moment_matrix_scaled() -> None:
    s = sp.Symbol("s", positive=True)
    h = sls.in_moments(sp.hessian(sls.loss(s), sls.W))
    m1, m2, c = sls.M1, sls.M2, sls.C
    expected = sp.Matrix([[s**2 * m1, s * c * sp.sqrt(m1 * m2)], [s * c * sp.sqrt(m1 * m2), m2]])
    assert sp.simplify(h - expected) == sp.zeros(2, 2)
    assert sp.simplify(sls.in_moments(sls.gram()) - expected.subs(s, 1)) == sp.zeros(2, 2)


def test_circle_sign_law_is_solved_not_typed() -> None:
    law = sls.circle_sign_law()
    assert law.second == sp.Rational(1, 2)
    a1, a2 = law.a1, law.a2
    assert sp.simplify(law.law - 2 * sp.atan(sp.sqrt(a1 / -a2)) / sp.pi) == 0
    k = sp.Symbol("k", positive=True)
    assert law.in_ratio(k).subs(k, 1) == sp.Rational(1, 2)


@pytest.mark.parametrize(("a1", "a2"), [(1.19, -0.00407), (3.0, -1.0), (0.2, -5.0)])
def test_circle_law_matches_a_fine_angle_grid(a1: float, a2: float) -> None:
    theta = (np.arange(2_000_000) + 0.5) * (2 * np.pi / 2_000_000)
    frac = np.mean(a1 * np.cos(theta) ** 2 + a2 * np.sin(theta) ** 2 > 0)
    assert feature_scaling._s2().circle(math.sqrt(a1 / -a2)) == pytest.approx(frac, abs=2e-6)


def test_s2_spectrum_follows_the_scale_and_the_preconditioner() -> None:
    base = dict(feature_scaling._S2_BASE)
    np.testing.assert_allclose(feature_scaling._s2_spectrum(base, 10.0), [1.0, 1e4])
    jac = {**base, "flips": 1, "jacobi": 1}
    np.testing.assert_allclose(feature_scaling._s2_spectrum(jac, 37.0), [0.25, 1.75])


def test_s2_model_rejects_a_wrong_bound() -> None:
    """The model check would catch the seed's 0.02 if applied after rescaling."""
    point = feature_scaling._S2_POINTS[1]
    checks = feature_scaling._model_s2(point)
    thr = next(c for c in checks if "threshold" in c.name)
    assert abs(thr.model - 2e-4) <= thr.tolerance
    assert abs(thr.model - 0.02) > 1e3 * thr.tolerance


def test_s2_every_start_diverges_after_rescaling_and_none_before() -> None:
    ens = Ensemble(seed=4, threads=1)
    after = feature_scaling._simulate_s2(feature_scaling._S2_POINTS[1], ens, 2000)
    before = feature_scaling._simulate_s2(feature_scaling._S2_POINTS[0], ens, 2000)
    assert after[0].sample.value == 1.0
    assert after[0].prediction == 1.0
    assert before[0].sample.value == 0.0
    assert before[0].prediction == 0.0
    # the declared biases are negligible for the engine at these sizes
    assert after[0].bias_bound * 2000 < 1e-6


def test_implied_moments_recover_a_real_data_set() -> None:
    """Gradients computed from actual data give back that data's moments, exactly."""
    import sympy as sp

    from lrtheory.symbolic.least_squares import implied_moments

    x = [sp.Integer(v) for v in (1, 2, 4, 5)]
    y = [sp.Integer(v) for v in (3, -1, 2, 7)]
    alpha, theta = sp.Rational(1, 10), (sp.Rational(1, 2), sp.Integer(-1))

    def grad(t0: sp.Expr, t1: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
        r = [t0 + t1 * xi - yi for xi, yi in zip(x, y, strict=True)]
        return (2 * sum(r) / 4, 2 * sum(ri * xi for ri, xi in zip(r, x, strict=True)) / 4)

    g1 = grad(*theta)
    g2 = grad(theta[0] - alpha * g1[0], theta[1] - alpha * g1[1])
    found = {str(k): v for k, v in implied_moments(alpha, theta, (g1, g2)).moments.items()}
    assert found == {"xbar": sp.Rational(3), "x2bar": sp.Rational(23, 2),
                     "ybar": sp.Rational(11, 4), "xybar": sp.Rational(11)}
    assert implied_moments(alpha, theta, (g1, g2)).variance == sp.Rational(5, 2)


def test_seed_003_worked_example_needs_a_negative_variance() -> None:
    import sympy as sp

    from lrtheory.symbolic.least_squares import WORKED_ALPHA, WORKED_GRADIENTS, implied_moments

    zero = (sp.S.Zero, sp.S.Zero)
    assert implied_moments(WORKED_ALPHA, zero, WORKED_GRADIENTS).variance == sp.Rational(-5, 8)
    assert implied_moments(WORKED_ALPHA, zero, WORKED_GRADIENTS, sp.S.One).variance < 0
