"""M10's model: AdaGrad on sparse (Bernoulli) gradient streams."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import binom

from lrtheory.errors import ParameterError
from lrtheory.models import sparse_streams as ss
from lrtheory.models.rounding import EPS
from lrtheory.optimizers import adagrad, gradient_step

RARE = ss.Stream(p=0.1, c=1.0, alpha=0.1)


@pytest.mark.parametrize(("p", "t"), [(0.1, 0), (0.1, 50), (0.5, 200), (0.03, 400), (1.0, 7)])
def test_count_pmf_is_the_binomial_law(p: float, t: int) -> None:
    pmf = ss.count_pmf(p, t)
    assert pmf.shape == (t + 1,)
    assert abs(pmf.sum() - 1.0) <= ss.pmf_rounding(t)
    np.testing.assert_allclose(pmf, binom.pmf(np.arange(t + 1), t, p), rtol=1e-11, atol=1e-300)


def test_rates_are_the_rules_rates() -> None:
    st = ss.Stream(0.2, 0.7, 0.05, eps=1e-3)  # a large ε, so that its place matters
    s_prev = st.c**2 * np.arange(30)
    rule = -adagrad(np.zeros(30), s_prev, st.c, st.alpha, st.eps)[0] / st.c
    np.testing.assert_allclose(ss.rates(st, 30), rule, rtol=16 * EPS)
    assert ss.paths(st, 30)[0] == 0.0
    np.testing.assert_allclose(np.diff(ss.paths(st, 30)), st.c * rule, rtol=16 * EPS)


@pytest.mark.parametrize("t", [1, 2, 20, 200])
def test_expectations_agree_with_the_30_digit_sums(t: int) -> None:
    rate, exact = ss.expected_rate(RARE, t), ss.expected_rate_exact(RARE, t)
    assert abs(rate - exact) <= (ss.pmf_rounding(t) + 8 * EPS) * exact
    path, exact_path = ss.expected_path(RARE, t), ss.expected_path_exact(RARE, t)
    assert abs(path - exact_path) <= (ss.pmf_rounding(t) + (t + 8) * EPS) * exact_path


def test_curves_match_the_pointwise_expectations() -> None:
    ts = np.array([1, 3, 10, 57, 200])
    rates, paths = ss.expected_curves(RARE, ts)
    for t, r, pth in zip(ts, rates, paths, strict=True):
        assert r == pytest.approx(ss.expected_rate(RARE, int(t)), rel=1e-13)
        assert pth == pytest.approx(ss.expected_path(RARE, int(t)), rel=1e-13)


def test_expected_rate_by_brute_force_enumeration_of_streams() -> None:
    """Every activation pattern of 6 steps, weighted by its probability, through the rule."""
    st, t = ss.Stream(0.3, 2.0, 0.5, eps=1e-6), 6
    total = 0.0
    for pattern in range(2 ** (t - 1)):
        bits = [(pattern >> i) & 1 for i in range(t - 1)]
        weight = math.prod(st.p if b else 1 - st.p for b in bits)
        s = 0.0
        for b in bits:
            s = adagrad(0.0, s, st.c * b, st.alpha, st.eps)[1]
        total += weight * -adagrad(0.0, s, st.c, st.alpha, st.eps)[0] / st.c
    assert total == pytest.approx(ss.expected_rate_exact(st, t), rel=1e-13)


def test_sgd_path_is_the_sum_over_the_global_clock() -> None:
    t = 300
    mean = sum(RARE.p * abs(gradient_step(0.0, RARE.c, RARE.eta0 / math.sqrt(tau)))
               for tau in range(1, t + 1))
    assert ss.sgd_expected_path(RARE, t) == pytest.approx(mean, rel=1e-12)
    np.testing.assert_allclose(ss.sgd_expected_path(RARE, np.array([1, 300])),
                               [RARE.eta0 * RARE.c * RARE.p, mean], rtol=1e-12)


def test_dense_feature_adagrad_is_sgd_on_the_global_clock() -> None:
    dense = ss.Stream(1.0, 3.0, 0.2, eps=0.0)
    np.testing.assert_allclose(ss.paths(dense, 50)[1:],
                               ss.sgd_expected_path(dense, np.arange(1, 51)), rtol=1e-13)


@pytest.mark.parametrize("k", [1, 2, 10, 1000, 10**6])
def test_harmonic_half_bounds_bracket_the_sum(k: int) -> None:
    total = float(np.sum(1.0 / np.sqrt(np.arange(1, k + 1))))
    lower, upper = ss.harmonic_half_bounds(k)
    assert lower <= total <= upper
    lows, ups = ss.harmonic_half_bounds(np.array([k, 1]))
    assert (lows[0], ups[0]) == (lower, upper)


@pytest.mark.parametrize("distance", [0.05, 1.0, 3.7])
def test_activations_to_reach_is_the_first_count_with_path_beyond_d(distance: float) -> None:
    k = ss.activations_to_reach(RARE, distance)
    path = ss.paths(RARE, k)
    assert path[k] >= distance > path[k - 1]
    ratio = distance / RARE.alpha
    assert ((ratio + 1) / 2) ** 2 - 1 <= k <= ((ratio + 2) / 2) ** 2 + 1


def test_reach_times() -> None:
    r = ss.reach(RARE, 1.0)
    assert r.adagrad_mean_steps == r.activations / RARE.p
    t = r.sgd_mean_path_steps
    assert ss.sgd_expected_path(RARE, t) >= 1.0 > ss.sgd_expected_path(RARE, t - 1)
    t = r.adagrad_mean_path_steps  # the first t whose exact mean path reaches D
    assert ss.expected_path_exact(RARE, t) >= 1.0 > ss.expected_path_exact(RARE, t - 1)
    # Jensen on the concave path: E P(N_t) ≤ P(pt) (interpolated), so t_A ≥ (K* − 1)/p.
    assert t >= (r.activations - 1) / RARE.p
    # Beyond the 2√k law's finite-size offsets, SGD's mean path takes ~1/p times longer.
    ratios = [x.sgd_mean_path_steps / x.adagrad_mean_path_steps
              for x in (r, ss.reach(RARE, 3.0))]
    assert 0.7 / RARE.p < ratios[0] < ratios[1] < 1.0 / RARE.p


def test_sgd_mean_first_passage_exceeds_the_mean_path_crossing() -> None:
    """The bound of :class:`Reach`: E T_SGD > t_S − 1, here with T_SGD simulated."""
    rng = np.random.default_rng(7)
    st, distance, n = ss.Stream(0.1, 1.0, 0.5), 1.0, 4000
    t_s = ss.sgd_mean_path_steps(st, distance)
    steps = 6 * t_s
    weights = st.eta0 * st.c / np.sqrt(np.arange(1, steps + 1))
    paths = np.cumsum((rng.uniform(size=(n, steps)) < st.p) * weights, axis=1)
    reached = paths >= distance
    assert reached[:, -1].all()
    first = reached.argmax(axis=1) + 1
    assert first.mean() - 5 * first.std() / math.sqrt(n) > t_s - 1


def test_second_order_error_of_the_stated_rate() -> None:
    """α/√(ptq) overstates E rate by (1 − p)/(8pt) + O(t⁻²): the remainder times t² stays
    bounded as t grows."""
    p = 0.2
    st = ss.Stream(p, 1.0, 1.0, eps=0.0)
    remainders = []
    for t in (100, 200, 400, 800):
        exact = ss.expected_rate(st, t)
        first = 1.0 / math.sqrt(p * t) * (1 - (1 - p) / (8 * p * t))
        remainders.append(abs(first / exact - 1) * t * t)
    assert max(remainders) < 2 * min(remainders)
    assert 1.0 / math.sqrt(p * 800) > ss.expected_rate(st, 800)


def test_bad_inputs_name_the_parameter() -> None:
    with pytest.raises(ParameterError, match="p"):
        ss.Stream(0.0, 1.0, 0.1)
    with pytest.raises(ParameterError, match="c"):
        ss.Stream(0.5, -1.0, 0.1)
    with pytest.raises(ParameterError, match="t"):
        ss.count_pmf(0.5, -1)
    with pytest.raises(ParameterError, match="t"):
        ss.sgd_expected_path(RARE, 0)
    with pytest.raises(ParameterError, match="ts"):
        ss.expected_curves(RARE, np.array([3, 2]))
    with pytest.raises(ParameterError, match="distance"):
        ss.activations_to_reach(RARE, -1.0)
    with pytest.raises(ParameterError, match="distance"):
        ss.sgd_mean_path_steps(RARE, math.nan)
    for k in (-3, 0, 2.5, np.array([4, -1]), np.array([])):
        with pytest.raises(ParameterError, match=r"^k must"):
            ss.harmonic_half_bounds(k)
