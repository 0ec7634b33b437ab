"""H3: samplers, hit probabilities and grids, against brute force and a negative control."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lrtheory.claims.lr_search import (
    H3,
    _simulate_h3,
    grid_count,
    hit_probability,
    linear_uniform,
    log_uniform,
    sampler_hit_measure,
    shifted_grid_measure,
    shifted_grid_probability,
)
from lrtheory.errors import ParameterError
from lrtheory.montecarlo.runner import Ensemble
from lrtheory.montecarlo.stats import binomial_test

LO, HI = 1e-5, 1e-1


def test_samplers_map_the_unit_interval_onto_the_range() -> None:
    u = np.array([0.0, 0.25, 0.5, 1.0])
    np.testing.assert_allclose(log_uniform(u, LO, HI), [1e-5, 1e-4, 1e-3, 1e-1], rtol=1e-14)
    np.testing.assert_allclose(linear_uniform(u, LO, HI), LO + (HI - LO) * u, rtol=1e-15)


def test_hit_probability_against_the_complement_product() -> None:
    p = math.log(3) / math.log(HI / LO)
    assert hit_probability(LO, HI, 2e-4, 6e-4, 7) == pytest.approx(1 - (1 - p) ** 7, rel=1e-14)
    p_lin = 4e-4 / (HI - LO)
    assert hit_probability(LO, HI, 2e-4, 6e-4, 7, log=False) == pytest.approx(
        1 - (1 - p_lin) ** 7, rel=1e-12)
    assert hit_probability(LO, HI, LO, HI, 1) == 1.0


def test_sampler_hit_measure_is_p_to_the_bisection_width() -> None:
    measure, tol = sampler_hit_measure(2e-4, 6e-4, lambda u: log_uniform(u, LO, HI))
    assert abs(measure - math.log(3) / math.log(HI / LO)) <= tol + 1e-14
    assert tol < 1e-14


def test_grid_count_against_counting_the_grid() -> None:
    rng = np.random.default_rng(4)
    for _ in range(60):
        a, b = np.sort(np.exp(rng.uniform(math.log(LO), math.log(HI), 2)))
        n = int(rng.integers(2, 40))
        for log, grid in ((True, np.geomspace), (False, np.linspace)):
            points = grid(LO, HI, n)
            counted = int(np.count_nonzero((points >= a) & (points <= b)))
            assert grid_count(LO, HI, float(a), float(b), n, log) == counted


def test_log_grid_is_not_monotone_in_n() -> None:
    # the finding: 4 points hit [2e-4, 6e-4], 5 miss (10⁻⁴, 10⁻³), 6 … 9 hit, 10 ≥ 1 + 1/p
    hits = [grid_count(LO, HI, 2e-4, 6e-4, n) > 0 for n in range(2, 13)]
    assert hits == [False, False, True, False] + [True] * 7
    p = math.log(3) / math.log(HI / LO)
    assert 9 < 1 + 1 / p < 10
    assert math.ceil(math.log(0.05) / math.log(1 - p)) == 24


def test_shifted_grid_measure_is_min_one_np() -> None:
    rng = np.random.default_rng(5)
    for _ in range(200):
        alpha, p = rng.uniform(0, 1), rng.uniform(0, 0.3)
        n = int(rng.integers(1, 12))
        beta = min(1.0, alpha + p)
        assert shifted_grid_measure(alpha, beta, n) == pytest.approx(
            shifted_grid_probability(beta - alpha, n), abs=1e-12)


def test_log_uniform_wins_exactly_below_the_logarithmic_mean() -> None:
    mean = (HI - LO) / math.log(HI / LO)
    for a in (0.5 * mean, 0.9 * mean, 1.1 * mean, 2.0 * mean):
        b = a * 1.0001  # a narrow target: the crossover is at a = L(lo, hi)
        better = hit_probability(LO, HI, a, b, 5) > hit_probability(LO, HI, a, b, 5, False)
        assert better == (a < mean)


def test_bad_inputs_name_the_parameter() -> None:
    with pytest.raises(ParameterError, match="a must"):
        hit_probability(LO, HI, 1e-6, 1e-4, 3)
    with pytest.raises(ParameterError, match="b must"):
        hit_probability(LO, HI, 1e-4, 1.0, 3)
    with pytest.raises(ParameterError, match="n must"):
        grid_count(LO, HI, 1e-4, 2e-4, 1)
    with pytest.raises(ParameterError, match="hi must"):
        hit_probability(1e-3, 1e-4, 1e-4, 2e-4, 3)


def test_negative_control_uniform_draws_reject_the_log_uniform_prediction() -> None:
    point = H3.points[0]
    est = _simulate_h3(point, Ensemble(seed=7), 20_000)
    uniform = est[1].sample
    assert uniform.successes is not None
    assert not binomial_test(uniform.successes, uniform.n, est[1].prediction, 1e-4).rejected
    assert binomial_test(uniform.successes, uniform.n, est[0].prediction, 1e-4).rejected
    log = est[0].sample
    assert log.successes is not None
    assert binomial_test(log.successes, log.n, est[1].prediction, 1e-4).rejected
