"""Log-log slopes with intervals, the exact mean slope of Gaussian quadratic forms, and bounds
checked at every t (lrtheory.models.slopes)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from scipy.special import digamma

from lrtheory.errors import ParameterError
from lrtheory.models import slopes

T = np.array([2.0, 4.0, 8.0, 16.0, 32.0])


def test_weights_read_off_the_exponent_of_any_power_law() -> None:
    w = slopes.slope_weights(T)
    assert w.sum() == pytest.approx(0.0, abs=1e-15)
    assert w @ np.log(T) == pytest.approx(1.0)
    y = np.stack([3.0 * T**-1.5, 0.2 * T**0.5, np.exp(1.0) * T**-2.0])
    assert slopes.loglog_slope(T, y) == pytest.approx([-1.5, 0.5, -2.0])


def test_the_slope_is_ordinary_least_squares_on_the_logs() -> None:
    rng = np.random.default_rng(3)
    y = np.exp(rng.normal(size=T.size)) * T**-1.0
    assert slopes.loglog_slope(T, y) == pytest.approx(np.polyfit(np.log(T), np.log(y), 1)[0])
    assert slopes.local_slopes(T, T**-0.5) == pytest.approx(np.full(T.size - 1, -0.5))


@pytest.mark.parametrize(("t", "y", "name"), [
    ([1.0], [1.0], "t"),
    ([2.0, 1.0], [1.0, 1.0], "t"),
    ([1.0, 2.0], [1.0, 0.0], "y"),
    ([1.0, 2.0], [1.0, 2.0, 3.0], "y"),
])
def test_bad_inputs_name_the_parameter(t: list[float], y: list[float], name: str) -> None:
    with pytest.raises(ParameterError) as err:
        slopes.loglog_slope(t, np.array(y))
    assert err.value.name == name


def test_replicate_interval_is_the_student_t_interval() -> None:
    rng = np.random.default_rng(0)
    s = rng.normal(-1.0, 0.2, size=30)
    ci = slopes.replicate_interval(s, level=0.9)
    lo, hi = stats.t.interval(0.9, s.size - 1, loc=s.mean(), scale=stats.sem(s))
    assert (ci.lo, ci.hi) == pytest.approx((lo, hi))
    assert ci.contains(ci.slope)
    assert not ci.contains(ci.hi + 1e-9)
    assert ci.statistic().value == ci.slope
    assert ci.statistic().n == 30
    with pytest.raises(ParameterError):
        slopes.replicate_interval([1.0])


def test_estimate_interval_propagates_independent_errors() -> None:
    means, ses = 2.0 * T**-0.5, 0.01 * T**-0.5
    ci = slopes.estimate_interval(T, means, ses, n=100)
    assert ci.slope == pytest.approx(-0.5)
    # Var(Σ w ln ŷ) = Σ w² (se/ŷ)², here (se/ŷ) = 0.005 for every t.
    assert ci.se == pytest.approx(0.005 * np.linalg.norm(slopes.slope_weights(T)))
    # Monte Carlo of independent Gaussian estimates agrees with the delta method.
    rng = np.random.default_rng(1)
    draws = means + ses * rng.standard_normal((20000, T.size))
    fitted = slopes.loglog_slope(T, draws)
    assert fitted.std() == pytest.approx(ci.se, rel=0.03)


def test_normal_interval_is_the_gaussian_interval() -> None:
    ci = slopes.normal_interval(-0.43, 0.002, 9000, level=0.99)
    lo, hi = stats.norm.interval(0.99, loc=-0.43, scale=0.002)
    assert (ci.lo, ci.hi) == pytest.approx((lo, hi))
    assert (ci.se, ci.n, ci.level) == (0.002, 9000, 0.99)
    # estimate_interval is the same interval around its delta-method slope and se
    est = slopes.estimate_interval(T, 2.0 * T**-0.5, 0.01 * T**-0.5, n=100)
    assert slopes.normal_interval(est.slope, est.se, 100) == est


@pytest.mark.parametrize(("args", "name"), [
    ((math.nan, 0.1, 10), "slope"),
    ((-0.5, -0.1, 10), "se"),
    ((-0.5, 0.1, 0), "n"),
])
def test_normal_interval_rejects_bad_input(args: tuple[float, float, int], name: str) -> None:
    with pytest.raises(ParameterError) as err:
        slopes.normal_interval(*args)
    assert err.value.name == name


@pytest.mark.parametrize("k", [1, 2, 5])
def test_gaussian_log_mean_of_chi_square(k: int) -> None:
    value, err = slopes.gaussian_log_mean(np.ones((1, k)) * 3.0)
    assert value[0] == pytest.approx(digamma(k / 2) + math.log(2) + math.log(3.0), abs=1e-10)
    assert err[0] < 1e-10


def test_gaussian_slope_mean_matches_simulated_slopes() -> None:
    rng = np.random.default_rng(7)
    a = rng.random((T.size, 6)) * np.linspace(1.0, 0.1, T.size)[:, None] ** 2
    exact, err = slopes.gaussian_slope_mean(T, a)
    z2 = rng.standard_normal((200000, 6)) ** 2
    sim = slopes.loglog_slope(T, z2 @ a.T)
    assert abs(sim.mean() - exact) < 4 * sim.std() / math.sqrt(sim.size)
    assert err < 1e-9
    with pytest.raises(ParameterError) as bad:
        slopes.gaussian_log_mean(-a)
    assert bad.value.name == "weights"


def test_bound_check_counts_only_an_excess() -> None:
    bound = 1.0 / T
    ok = slopes.bound_check("b", T, 0.5 / T, bound, rel_tol=1e-12)
    assert ok.model == 0.0
    assert ok.abs_error <= ok.tolerance
    assert "0.5" in ok.name
    values = 0.5 / T
    values[2] = 1.25 * bound[2]
    bad = slopes.bound_check("b", T, values, bound, rel_tol=1e-12)
    assert bad.model == pytest.approx(0.25)
    assert bad.abs_error > bad.tolerance
    assert "t = 8" in bad.name
    assert slopes.first_violation(T, values, bound) == 8.0
    assert slopes.first_violation(T, 0.5 / T, bound) is None
    with pytest.raises(ParameterError):
        slopes.bound_check("b", T, values, np.zeros_like(T), 0.0)


def test_within_bound_is_a_per_replicate_indicator() -> None:
    values = np.array([[0.1, 0.2, 0.3], [0.1, 0.5, 0.3]])
    bound = np.array([0.4, 0.4, 0.4])
    assert slopes.within_bound(values, bound).tolist() == [1.0, 0.0]
    assert slopes.within_bound(values, bound, rel_tol=0.3).tolist() == [1.0, 1.0]
