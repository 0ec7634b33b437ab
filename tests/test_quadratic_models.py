"""Random quadratic problems, GD's measured growth factor, linear stability and sums."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from lrtheory.claim import Estimate
from lrtheory.errors import ParameterError
from lrtheory.models.quadratic import gd_growth_rate, growth_rate_rounding, spd_matrix
from lrtheory.models.rounding import EPS, recursion_rounding
from lrtheory.montecarlo.kernels import sgd_diagonal_quadratic
from lrtheory.montecarlo.stats import mean_statistic, proportion_statistic
from lrtheory.symbolic.linear import equal_modulus_point, stable_interval
from lrtheory.symbolic.series import finite_sum, limit_geometric
from lrtheory.verify import bias_is_negligible


def test_spd_matrix_has_the_requested_spectrum() -> None:
    h = spd_matrix(30, 0.1, 7.0, seed=4)
    lam = np.linalg.eigvalsh(h)
    np.testing.assert_allclose([lam[0], lam[-1]], [0.1, 7.0], rtol=1e-12)
    np.testing.assert_allclose(h, h.T, atol=0)


@pytest.mark.parametrize(("args", "name"), [((0, 0.1, 1.0, 1), "d"), ((3, -1.0, 1.0, 1), "lam_min"),
                                            ((3, 2.0, 1.0, 1), "lam_max")])
def test_spd_matrix_rejects_bad_input(args: tuple[int, float, float, int], name: str) -> None:
    with pytest.raises(ParameterError, match=rf"^{name} must be"):
        spd_matrix(*args)


@pytest.mark.parametrize("frac", [0.2, 0.7, 0.999, 1.001, 1.4])
def test_growth_rate_equals_the_spectral_radius(frac: float) -> None:
    h = spd_matrix(12, 0.05, 3.0, seed=9)
    lam = np.linalg.eigvalsh(h)
    eta = frac * 2.0 / lam[-1]
    rho = float(np.max(np.abs(1.0 - eta * lam)))
    measured = gd_growth_rate(h, eta, 40)
    assert abs(measured - rho) <= growth_rate_rounding(h, eta, 40)
    # the bound is a real bound, not a blanket: far below the size of a wrong factor
    assert growth_rate_rounding(h, eta, 40) < 1e-12 * max(rho, 1.0)


def test_growth_rate_rejects_bad_input() -> None:
    h = np.eye(2)
    with pytest.raises(ParameterError, match=r"^eta must be"):
        gd_growth_rate(h, -1.0, 10)
    with pytest.raises(ParameterError, match=r"^steps must be"):
        gd_growth_rate(h, 0.1, 0)
    with pytest.raises(ParameterError, match=r"^h must be"):
        gd_growth_rate(np.ones((2, 3)), 0.1, 5)


def test_stable_interval_and_minimax_point() -> None:
    eta, lam, a, b = sp.symbols("eta lambda a b", positive=True)
    assert stable_interval(1 - eta * lam, eta) == sp.Interval.open(0, 2 / lam)
    assert stable_interval(1 - eta * lam / 2, eta) == sp.Interval.open(0, 4 / lam)
    assert sp.simplify(equal_modulus_point(1 - eta * lam, eta, lam, a, b) - 2 / (a + b)) == 0


def test_finite_sum_and_geometric_limit() -> None:
    beta = sp.Symbol("beta", positive=True)
    t, k = sp.symbols("t k", integer=True, nonnegative=True)
    s = finite_sum(beta**k, k, 0, t - 1)
    assert sp.simplify(s - (1 - beta**t) / (1 - beta)) == 0
    assert sp.simplify(limit_geometric(s, beta, t) - 1 / (1 - beta)) == 0
    with pytest.raises(ValueError, match="not a function of"):
        limit_geometric(s + t, beta, t)


def test_recursion_rounding_scales_with_steps_and_size() -> None:
    assert recursion_rounding(10, 2.0) == pytest.approx(4 * EPS * 18 * 2.0)
    assert recursion_rounding(100, 1.0) > recursion_rounding(10, 1.0)


def test_bias_rule_for_means_and_proportions() -> None:
    mean = Estimate("m", 1.0, mean_statistic(1.0, 0.01, 5000), bias_bound=0.0005)
    assert bias_is_negligible(mean, 1e-4)
    assert not bias_is_negligible(Estimate("m", 1.0, mean.sample, bias_bound=0.005), 1e-4)
    certain = proportion_statistic(0, 1000)
    assert bias_is_negligible(Estimate("p", 0.0, certain, scale=1.0, bias_bound=1e-12), 1e-4)
    assert not bias_is_negligible(Estimate("p", 0.0, certain, scale=1.0, bias_bound=1e-6), 1e-4)


def test_sgd_kernel_rejects_bad_input() -> None:
    with pytest.raises(ParameterError, match=r"^eta must be"):
        sgd_diagonal_quadratic(0.0, np.ones(2), 1.0, 10)
    with pytest.raises(ParameterError, match=r"^curvatures must be"):
        sgd_diagonal_quadratic(0.1, np.ones((2, 2)), 1.0, 10)
    with pytest.raises(ParameterError, match=r"^x0 must be"):
        sgd_diagonal_quadratic(0.1, np.ones(2), 1.0, 10, x0=np.ones(3))
