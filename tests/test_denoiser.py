"""Tests of lrtheory.models.denoiser (claim G7's linear denoiser per noise level)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from lrtheory.errors import ParameterError
from lrtheory.models import denoiser as dn
from lrtheory.models.quadratic import spd_matrix
from lrtheory.montecarlo.runner import Ensemble
from lrtheory.symbolic import denoiser as sd


def test_levels_of_each_scheme() -> None:
    assert dn.level("ve", 2.0) == dn.Level(1.0, 2.0, 1.0)
    assert dn.level("ve-eps", 2.0).weight == pytest.approx(0.25)
    assert dn.level("ve-power", 2.0, p=1.0).weight == pytest.approx(0.5)
    vp = dn.level("vp", 0.6)
    assert vp.a == pytest.approx(0.8)
    assert vp.weight == 1.0
    assert dn.level("edm", 2.0, sigma_data=1.0).weight == pytest.approx(0.2)


def test_bad_levels_name_the_parameter() -> None:
    with pytest.raises(ParameterError, match=r"^scheme must"):
        dn.level("ddim", 1.0)
    with pytest.raises(ParameterError, match=r"^sigma must"):
        dn.level("vp", 1.0)
    with pytest.raises(ParameterError, match=r"^sigma must"):
        dn.level("ve", 0.0)
    with pytest.raises(ParameterError, match=r"^p must"):
        dn.level("ve-power", 1.0, p=-1.0)
    with pytest.raises(ParameterError, match=r"^cov must"):
        dn.level_hessian(np.array([[1.0, 2.0], [2.0, 1.0]]), dn.level("ve", 1.0))


def test_hessian_is_twice_the_weighted_input_covariance() -> None:
    # Brute force: the empirical second moment of x_σ = ax + σε over many samples.
    rng = np.random.default_rng(5)
    cov = spd_matrix(3, 0.5, 2.0, 1)
    lv = dn.level("vp", 0.6)
    n = 400_000
    x = rng.multivariate_normal(np.zeros(3), cov, size=n)
    xs = lv.a * x + lv.sigma * rng.standard_normal((n, 3))
    empirical = 2 * lv.weight * xs.T @ xs / n
    np.testing.assert_allclose(dn.level_hessian(cov, lv), empirical, atol=0.02)


def test_curvature_is_the_top_eigenvalue() -> None:
    cov = np.diag([4.0, 1.0, 0.25])
    for scheme, sigma in (("ve", 0.5), ("ve-eps", 3.0), ("vp", 0.9), ("edm", 2.0)):
        lv = dn.level(scheme, sigma, sigma_data=1.0)
        assert dn.curvature(cov, lv) == pytest.approx(
            2 * lv.weight * (lv.a**2 * 4.0 + sigma**2), rel=1e-13)


def test_stability_threshold_is_two_over_the_curvature() -> None:
    cov = np.diag([4.0, 1.0, 0.25])
    lv = dn.level("ve", 2.0)
    value, tol = dn.stability_threshold(cov, lv, 64)
    assert abs(value - 2 / dn.curvature(cov, lv)) <= tol


@pytest.mark.parametrize("batch", [1, 2, 5, 32])
def test_batch_factor(batch: int) -> None:
    for r in (0.3, 1.0, 1.7):
        value, error = dn.batch_factor(r, batch)
        assert error < 1e-11
        assert value == pytest.approx(1 - 2 * r + r * r * (1 + 2 / batch), abs=1e-12)


def test_batch_factor_by_monte_carlo() -> None:
    rng = np.random.default_rng(2)
    u = rng.chisquare(3, size=1_000_000) / 3
    assert np.mean((1 - 0.6 * u) ** 2) == pytest.approx(dn.batch_factor(0.6, 3)[0], rel=5e-3)


@pytest.mark.parametrize("batch", [1, 4, 16])
def test_mean_square_edge(batch: int) -> None:
    edge = dn.mean_square_edge(batch)
    assert abs(edge.value - 2 * batch / (batch + 2)) <= edge.tolerance + 1e-11


def test_optimum_is_the_wiener_weight() -> None:
    lv = dn.level("vp", 0.6)
    # Least squares of x on x_σ by brute force: cov(x, x_σ)/var(x_σ).
    lam = 2.5
    assert dn.optimum(lam, lv) == pytest.approx(lv.a * lam / (lv.a**2 * lam + 0.36))


def test_denoiser_sgd_mean_contracts_by_one_minus_eta_c() -> None:
    lam = 4.0
    levels = [dn.level("ve", 0.5), dn.level("ve-eps", 2.0)]
    c = np.array([2 * lv.weight * (lv.a**2 * lam + lv.sigma**2) for lv in levels])
    etas = np.array([0.3, 0.1]) / c
    m = Ensemble().run(dn.denoiser_sgd(lam, levels, etas, 4, 2, e0=1.0), 60_000)
    expected = (1 - etas * c) ** 2
    assert np.all(np.abs(m.mean - expected) < 5 * m.stderr_mean)
    assert m.mean.shape == (2,)


def test_denoiser_sgd_bad_inputs() -> None:
    with pytest.raises(ParameterError, match=r"^levels must"):
        dn.denoiser_sgd(1.0, [], [0.1], 1, 1)
    with pytest.raises(ParameterError, match=r"^etas must"):
        dn.denoiser_sgd(1.0, [dn.level("ve", 1.0)], [-0.1], 1, 1)
    with pytest.raises(ParameterError, match=r"^batch must"):
        dn.denoiser_sgd(1.0, [dn.level("ve", 1.0)], [0.1], 0, 1)
    with pytest.raises(ParameterError, match=r"^r must"):
        dn.batch_factor(0.0, 1)
    assert math.isfinite(dn.batch_factor(0.5, 1)[0])


def test_level_rejects_what_makes_the_hessian_indefinite() -> None:
    with pytest.raises(ParameterError, match=r"^a must"):
        dn.Level(-0.5, 1.0, 1.0)
    with pytest.raises(ParameterError, match=r"^weight must"):
        dn.Level(1.0, 1.0, -1.0)
    with pytest.raises(ParameterError, match=r"^sigma must"):
        dn.Level(1.0, 0.0, 1.0)
    with pytest.raises(ParameterError, match=r"^a must"):
        dn.Level(math.nan, 1.0, 1.0)
    assert dn.Level(0.0, 1.0, 1.0).a == 0.0  # pure noise is allowed: H = 2wσ²I


def test_whitened_inputs_have_mean_one_and_see_a_wrong_hessian() -> None:
    cov = spd_matrix(4, 0.3, 3.0, 2)
    levels = [dn.level("vp", 0.6), dn.level("ve-eps", 2.0), dn.level("edm", 0.5)]
    m = Ensemble().run(dn.whitened_inputs(cov, levels), 40_000)
    assert m.mean.shape == (3,)
    assert np.all(np.abs(m.mean - 1.0) < 5 * m.stderr_mean)
    # The test has power against a wrong Hessian: whitening the VP level's samples
    # (a² = 0.64) by aΣ + σ²I (a instead of a²) gives E q = tr((aΣ + σ²I)⁻¹(a²Σ + σ²I))/d,
    # far from 1 next to the standard error above.
    a, s2 = levels[0].a, levels[0].sigma ** 2
    true = a**2 * cov + s2 * np.eye(4)
    shifted = np.trace(np.linalg.solve(a * cov + s2 * np.eye(4), true)) / 4
    assert abs(shifted - 1.0) > 0.05
    assert abs(shifted - 1.0) > 20 * m.stderr_mean[0]


def test_matrix_hessian_is_derived_from_the_loss() -> None:
    pointwise, hessian, cov = sd.matrix_hessian(2)
    assert not pointwise.has(sd.Y)
    expected = 2 * sd.WT * (sd.A**2 * cov + sd.SIG**2 * sp.eye(2))
    assert (hessian - expected).applyfunc(sp.expand) == sp.zeros(2, 2)
