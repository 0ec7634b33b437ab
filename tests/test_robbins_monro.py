"""Power-law rates: exact products, bounds, slopes, the common-noise kernel, and the
symbolic asymptotics toolbox (dominant balance, Γ-function limits, the p-series test)."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import sympy as sp

from lrtheory.errors import ParameterError
from lrtheory.models import robbins_monro as rm
from lrtheory.models.nqm import sgd_second_moments
from lrtheory.montecarlo.runner import Ensemble
from lrtheory.symbolic import robbins_monro as srm

# --------------------------------------------------------------------------------------
# Numerical models
# --------------------------------------------------------------------------------------


def test_power_law_rates_are_c_over_t_to_the_p() -> None:
    rates = rm.power_law_rates(0.5, [0.0, 0.5, 1.0, 2.0], 4)
    t = np.arange(1, 5, dtype=float)
    np.testing.assert_allclose(rates, 0.5 * np.stack([t**0, t**-0.5, 1 / t, t**-2], axis=1))


@pytest.mark.parametrize(("args", "name"), [
    ((0.0, [1.0], 3), "c"), ((1.0, [-1.0], 3), "powers[0]"), ((1.0, [1.0], 0), "steps"),
    ((1.0, [], 3), "powers")])
def test_power_law_rates_reject_bad_input(args: tuple[float, list[float], int],
                                          name: str) -> None:
    with pytest.raises(ParameterError, match=rf"^{re.escape(name)}"):
        rm.power_law_rates(*args)


@pytest.mark.parametrize("a", [0.3, 1.5, 2.5, 7.2])
def test_harmonic_product_is_the_brute_force_product(a: float) -> None:
    t = np.arange(1, 61, dtype=float)
    brute = float(np.prod(1 - a / t))
    assert rm.harmonic_product(a, 60) == pytest.approx(brute, rel=1e-12)


def test_harmonic_product_vanishes_at_whole_a_and_rejects_a_nonpositive() -> None:
    assert rm.harmonic_product(3.0, 10) == 0.0
    with pytest.raises(ParameterError, match=r"^a"):
        rm.harmonic_product(0.0, 10)


@pytest.mark.parametrize("a", [0.25, 0.9, 2.0])
def test_euler_tail_bound_brackets_the_partial_product(a: float) -> None:
    steps = 200
    partial = float(np.prod(1 - a / np.arange(1, steps + 1) ** 2))
    gap = abs(math.log(partial / rm.euler_product(a)))
    assert 0 < gap <= rm.euler_tail_bound(a, steps)
    # and the bound is not loose by more than a factor 2 (tail ≈ a/T)
    assert rm.euler_tail_bound(a, steps) < 2 * gap


def test_wallis_value_of_the_euler_product() -> None:
    assert rm.euler_product(0.25) == pytest.approx(2 / math.pi, rel=1e-15)


@pytest.mark.parametrize("a", [0.3, 1.0, 1.5, 3.5])
def test_stall_bracket_contains_the_exact_second_moment(a: float) -> None:
    lam, s2, steps = 2.0, 0.3, 500
    c = a / lam
    m = sgd_second_moments(lam, s2, rm.power_law_rates(c, [2.0], steps)[:, 0], 0.7)
    lo, hi = rm.stall_bracket(a, c, s2, 0.7, steps)
    assert lo <= m[-1, 0] <= hi
    assert lo < hi


def test_stall_bracket_needs_a_below_four() -> None:
    with pytest.raises(ParameterError, match=r"^a"):
        rm.stall_bracket(4.0, 1.0, 1.0, 1.0, 10)


def test_loglog_slope_of_a_power_law() -> None:
    t = np.arange(0, 1001, dtype=float)
    values = np.where(t > 0, 3.0 * np.maximum(t, 1) ** -0.7, 1.0)
    assert rm.loglog_slope(values, 10, 1000) == pytest.approx(-0.7, rel=1e-12)
    with pytest.raises(ParameterError, match=r"^t2"):
        rm.loglog_slope(values, 10, 10)


def test_product_rounding_skips_exact_zero_factors() -> None:
    assert rm.product_rounding(np.array([1.0, 0.5])) == rm.product_rounding(np.array([0.5]))
    assert rm.product_rounding(np.array([0.5])) < 20 * np.finfo(float).eps


def test_common_noise_kernel_columns_have_the_exact_means() -> None:
    rates = rm.power_law_rates(0.8, [0.0, 1.0], 12)
    kernel = rm.common_noise_sgd(1.0, 0.5, rates, [6, 12], x0=1.0)
    moments = Ensemble(seed=3, threads=1).run(kernel, 40_000)
    exact = sgd_second_moments(1.0, 0.25, rates, 1.0)[[6, 12], :, 0].T.ravel()
    z = (moments.mean - exact) / moments.stderr_mean
    assert moments.mean.shape == (4,)
    assert np.all(np.abs(z) < 5), z


def test_common_noise_kernel_rejects_bad_rates_and_steps() -> None:
    with pytest.raises(ParameterError, match=r"^rates"):
        rm.common_noise_sgd(1.0, 1.0, np.ones(5), [1])
    with pytest.raises(ParameterError, match=r"^record\[0\]"):
        rm.common_noise_sgd(1.0, 1.0, np.ones((5, 2)), [6])


# --------------------------------------------------------------------------------------
# Symbolic toolbox
# --------------------------------------------------------------------------------------

t = sp.Symbol("t", positive=True)
m = sp.Symbol("m", positive=True)


def test_p_series_converges_iff_q_above_one() -> None:
    q = sp.Symbol("q", positive=True)
    assert srm.p_series_convergence(q, t) == sp.Interval.open(1, sp.oo)
    with pytest.raises(ParameterError):
        srm.p_series_convergence(sp.Symbol("r"), t)


def test_dominant_balance_recovers_the_running_mean() -> None:
    # m_{t+1} = (1 − 1/(t+1))² m_t + 1/(t+1)² is solved exactly by m_t = 1/t; the t⁻²
    # coefficient is the free constant of the homogeneous solution ∝ t^(−2), so it is absent.
    rhs = (1 - 1 / (t + 1)) ** 2 * m + 1 / (t + 1) ** 2
    a1, a2, a3 = sp.symbols("a1 a2 a3")
    sol = srm.expansion_coefficients(rhs, m, t, a1 * srm.U + a2 * srm.U**2 + a3 * srm.U**3,
                                     [a1, a2, a3], 1, 4)
    assert sol == {a1: 1, a3: 0}


def test_dominant_balance_rejects_an_inconsistent_ansatz() -> None:
    rhs = (1 - 1 / (t + 1)) ** 2 * m + 1 / (t + 1) ** 2
    a1 = sp.Symbol("a1")
    with pytest.raises(ParameterError, match=r"^ansatz"):  # 1/√t cannot balance this
        srm.expansion_coefficients(rhs, m, t, a1 * srm.U, [a1], 2, 4)


def test_homogeneous_exponent() -> None:
    a = sp.Symbol("a", positive=True)
    assert srm.homogeneous_exponent((1 - a / t) ** 2, t) == 2 * a
    assert srm.homogeneous_exponent((1 - a / t**2) ** 2, t) == 0
    assert srm.homogeneous_exponent(sp.Rational(1, 4) + 0 * t, t) is None  # geometric


def test_gamma_ratio_limit_and_infinite_product() -> None:
    a = sp.Symbol("a", positive=True)
    assert srm.gamma_ratio_limit([a], [0], -a) == 1          # Γ(x + a)/Γ(x) ~ x^a
    with pytest.raises(ParameterError, match=r"^power"):
        srm.gamma_ratio_limit([a], [0])
    wallis = srm.infinite_product(1 - sp.Rational(1, 4) / t**2, t, 1)
    assert sp.simplify(wallis - 2 / sp.pi) == 0


def test_integrating_factor_solution_constant_rate_is_the_ou_variance() -> None:
    lam, c, s2, C = sp.symbols("lambda c s2 C", positive=True)
    sol = srm.integrating_factor_solution(c + 0 * t, lam, s2, t, C)
    assert sp.simplify(sp.diff(sol, t) - (-2 * lam * c * sol + c**2 * s2)) == 0
    assert sp.limit(sol, t, sp.oo) == c * s2 / (2 * lam)


def test_power_law_moments_batch_equals_one_schedule_at_a_time() -> None:
    index, paths = rm.power_law_moments(2.0, 0.3, 1.0, [(1.0, 0.75), (0.5, 1.5)], 50)
    single = sgd_second_moments(2.0, 0.3, rm.power_law_rates(1.5 / 2.0, [0.5], 50)[:, 0], 1.0)
    np.testing.assert_array_equal(paths[:, index[(0.5, 1.5)], 0], single[:, 0])
    clean = sgd_second_moments(2.0, 0.0, rm.power_law_rates(0.75 / 2.0, [1.0], 50)[:, 0], 1.0)
    np.testing.assert_array_equal(paths[:, index[(1.0, 0.75)], 1], clean[:, 0])


@pytest.mark.parametrize("pair", [(1.0, 0.0), (1.0, -0.5), (-1.0, 1.0), (1.0, math.nan)])
def test_power_law_moments_rejects_bad_pairs(pair: tuple[float, float]) -> None:
    with pytest.raises(ParameterError, match=r"^pairs"):
        rm.power_law_moments(1.0, 0.25, 1.0, [(0.5, 1.0), pair], 10)
