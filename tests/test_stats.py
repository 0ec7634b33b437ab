"""Calibration and power of the statistics that decide every Monte Carlo check."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as st

from lrtheory.errors import ParameterError
from lrtheory.montecarlo import stats
from lrtheory.montecarlo.moments import Moments

N_CHECKS = 10_000


def _upper_binomial(rate: float, n: int, alpha: float = 1e-4) -> int:
    """Largest count of events still consistent with ``rate`` (one-sided, level alpha)."""
    return int(st.binom.isf(alpha, n, rate))


def _z_rejections(samples: np.ndarray, prediction: float, alpha: float) -> int:
    m = Moments.of(samples.T)
    return sum(stats.z_test(float(mu), float(se), prediction, alpha).rejected
               for mu, se in zip(m.mean, m.stderr_mean, strict=True))


def test_z_test_false_alarm_rate_matches_nominal_on_null_data() -> None:
    """10 000 null checks at α = 0.01 (skewed data, n = 1000 each): rate within its interval."""
    rng = np.random.default_rng(11)
    alpha = 0.01
    data = rng.exponential(2.0, size=(N_CHECKS, 1000))
    k = _z_rejections(data, 2.0, alpha)
    lo, hi = stats.wilson_interval(k, N_CHECKS, 1e-4)
    assert lo <= alpha <= hi, (k, lo, hi)


def test_variance_standard_error_is_calibrated() -> None:
    """The 4th-moment standard error of s² gives a z-test at its nominal rate."""
    rng = np.random.default_rng(12)
    alpha = 0.01
    data = rng.standard_normal((N_CHECKS, 2000)) * 1.5
    m = Moments.of(data.T)
    k = sum(stats.z_test(float(v), float(se), 2.25, alpha).rejected
            for v, se in zip(m.variance, m.stderr_variance, strict=True))
    lo, hi = stats.wilson_interval(k, N_CHECKS, 1e-4)
    assert lo <= alpha <= hi, (k, lo, hi)


def test_variance_standard_error_matches_normal_theory() -> None:
    x = np.random.default_rng(3).standard_normal(200_000)
    m = Moments.of(x)
    expected = math.sqrt(2.0 / (m.n - 1)) * float(m.variance[0])
    assert float(m.stderr_variance[0]) == pytest.approx(expected, rel=0.02)


def test_binomial_test_is_conservative() -> None:
    rng = np.random.default_rng(13)
    alpha, p0, n = 0.01, 0.3, 400
    counts = rng.binomial(n, p0, size=2000)
    k = sum(stats.binomial_test(int(c), n, p0, alpha).rejected for c in counts)
    assert k <= _upper_binomial(alpha, 2000)


def test_sized_budget_reaches_its_power() -> None:
    """With n from ``chains_for_power``, a prediction off by δ is rejected ≥ 99 % of the time."""
    rng = np.random.default_rng(14)
    alpha, power, delta, sd = 1e-3, 0.99, 0.02, 0.2
    n = stats.chains_for_power(sd, delta * 1.0, alpha, power)
    assert 2000 < n < 5000  # a real sizing, not the MIN_CHAINS floor
    trials = 1000
    data = 1.0 + sd * rng.standard_normal((trials, n))  # the truth is 1.0
    misses = trials - _z_rejections(data, 1.0 + delta, alpha)
    assert misses <= _upper_binomial(1 - power, trials)


def test_required_chains_uses_an_upper_bound_on_the_pilot_spread() -> None:
    pilot = stats.mean_statistic(1.0, 0.1, 4000)
    n = stats.required_chains(pilot, 1.0, 1.0, 0.02, 1e-3, 0.99)
    plain = stats.chains_for_power(0.1 * math.sqrt(4000), 0.02, 1e-3, 0.99)
    assert n > plain


def test_binomial_budget_for_a_certain_event() -> None:
    """p0 = 1 against 0.98: n must make 0.98^n < α and leave power ≥ target."""
    n = stats.trials_for_power_binomial(1.0, 0.02, 1e-4, 0.999)
    assert 0.98**n < 1e-3
    assert stats.binomial_test(n, n, 0.98, 1e-4).rejected


def test_wilson_interval_contains_p_hat_and_stays_in_unit_interval() -> None:
    lo, hi = stats.wilson_interval(0, 50, 0.05)
    assert lo == 0.0
    assert 0 < hi < 0.1
    lo, hi = stats.wilson_interval(50, 50, 0.05)
    assert 0.9 < lo < 1.0
    assert hi == 1.0


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"estimate": 1.0, "se": -1.0, "prediction": 1.0, "alpha": 0.1}, "se"),
    ({"estimate": math.nan, "se": 1.0, "prediction": 1.0, "alpha": 0.1}, "estimate"),
    ({"estimate": 1.0, "se": 1.0, "prediction": 1.0, "alpha": 1.5}, "alpha"),
])
def test_bad_inputs_name_the_parameter(kwargs: dict[str, float], name: str) -> None:
    with pytest.raises(ParameterError, match=rf"^{name} must be"):
        stats.z_test(**kwargs)


def test_bonferroni_splits_the_familywise_rate() -> None:
    assert stats.bonferroni(1e-3, 40) == pytest.approx(2.5e-5)
    with pytest.raises(ParameterError, match="number of checks"):
        stats.bonferroni(1e-3, 0)


@pytest.mark.parametrize(("n", "p0", "alpha"), [(50, 0.3, 0.01), (400, 0.25, 1e-4),
                                                (1000, 1.0, 1e-5), (2000, 0.5, 1e-3)])
def test_binomial_acceptance_matches_scipys_exact_test(n: int, p0: float, alpha: float) -> None:
    lo, hi = stats.binomial_acceptance(n, p0, alpha)
    accepted = [k for k in range(n + 1) if st.binomtest(k, n, p0).pvalue >= alpha]
    assert (lo, hi) == (accepted[0], accepted[-1])
    assert len(accepted) == hi - lo + 1


@pytest.mark.parametrize(("n", "p0", "alpha"), [(700_000, 0.01, 1e-5), (200_000, 0.5, 1e-6),
                                                (50_000, 0.999, 1e-4), (30_000, 0.0, 1e-5)])
def test_binomial_acceptance_ends_match_scipy_for_large_n(n: int, p0: float,
                                                          alpha: float) -> None:
    lo, hi = stats.binomial_acceptance(n, p0, alpha)
    assert st.binomtest(lo, n, p0).pvalue >= alpha
    assert st.binomtest(hi, n, p0).pvalue >= alpha
    if lo > 0:
        assert st.binomtest(lo - 1, n, p0).pvalue < alpha
    if hi < n:
        assert st.binomtest(hi + 1, n, p0).pvalue < alpha


@pytest.mark.parametrize(("p0", "shift"), [(0.3, 0.006), (0.036, 0.02), (0.9, 0.02)])
def test_binomial_budget_reaches_its_power_against_both_controls(p0: float,
                                                                 shift: float) -> None:
    alpha, power = 1e-5, 0.999

    def worst_power(n: int) -> float:
        lo, hi = stats.binomial_acceptance(n, p0, alpha)
        return min(1.0 - (st.binom.cdf(hi, n, p) - st.binom.cdf(lo - 1, n, p))
                   for p in (p0 - shift, p0 + shift) if 0.0 <= p <= 1.0)

    n = stats.trials_for_power_binomial(p0, shift, alpha, power)
    assert worst_power(n) >= power
    # ... and it is not wasteful: 3 % fewer trials fall short.
    assert worst_power(int(0.97 * n)) < power
