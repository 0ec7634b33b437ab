"""The learning-rate finder's models (S10): Imhof probabilities, the restart search and its
exact law, the continuing test, and what a rate costs."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import f as f_dist

from lrtheory.errors import ParameterError
from lrtheory.models.lr_finder import (
    _power,
    check_spectrum,
    continuing_detection,
    contraction,
    detection_law,
    doubling_multiples,
    doubling_search,
    mean_restart_threshold,
    measured_growth,
    measured_worst_case_steps,
    offset_averaged_expectations,
    positive_form_probability,
    restart_threshold_bound,
    restart_thresholds,
    restart_weights,
    search_expectations,
    simulated_restart_thresholds,
    threshold_half_width,
    worst_case_steps,
)
from lrtheory.models.range_test import diagonal_hvp, gd_step, quadratic_loss

LAM = np.array([0.1, 0.15, 0.3, 0.45, 0.8, 1.0])


@pytest.mark.parametrize(("d", "b"), [(2, 0.3), (2, 5.0), (5, 0.1), (20, 0.05), (40, 1e-3)])
def test_imhof_matches_the_f_distribution_for_two_level_weights(d: int, b: float) -> None:
    # z_1² > b·χ²_{d−1} ⟺ F_{1,d−1} > b(d − 1): an exact special-function value.
    p = positive_form_probability(np.array([1.0] + [-b] * (d - 1)))
    gap = abs(float(p.value[0]) - f_dist.sf(b * (d - 1), 1, d - 1))
    assert gap < 1e-10
    assert gap <= float(p.error[0]) < 1e-5  # the error bound is honest and small


def test_imhof_matches_a_large_simulation_for_general_weights() -> None:
    w = np.array([[2.0, -0.5, -1.5, 0.3, -0.2], [0.1, -3.0, 1.0, -0.4, -0.7]])
    z = np.random.default_rng(4).standard_normal((400_000, 5))
    for row in w:
        hits = float(np.mean((z * z) @ row > 0))
        p = float(positive_form_probability(row).value[0])
        assert abs(hits - p) < 5 * math.sqrt(p * (1 - p) / z.shape[0])


def test_imhof_degenerate_rows_are_exact() -> None:
    p = positive_form_probability([[-1.0, -2.0], [1.0, 0.0], [0.0, 0.0], [np.inf, -1.0],
                                   [-np.inf, 5.0]])
    assert p.value.tolist() == [0.0, 1.0, 0.0, 1.0, 0.0]
    assert p.error.tolist() == [0.0] * 5


def test_restart_weights_give_the_simulated_loss_change() -> None:
    c = np.random.default_rng(1).standard_normal((7, LAM.size))
    hvp = diagonal_hvp(LAM)
    for eta, steps in ((0.5, 3), (2.3, 4), (5.0, 2)):
        e = c
        for _ in range(steps):
            e = gd_step(hvp, e, eta)
        change = quadratic_loss(hvp, e) - quadratic_loss(hvp, c)
        w = restart_weights(LAM, eta, steps)[0]
        np.testing.assert_allclose(change, 0.5 * (c * c) @ w, rtol=1e-10, atol=1e-12)


def test_the_search_never_stops_below_the_limit_and_its_flags_are_nested() -> None:
    etas = 2.0 * doubling_multiples(1.3, 4, 5) / LAM[-1]
    c = np.random.default_rng(2).standard_normal((500, LAM.size))
    index, flags = doubling_search(diagonal_hvp(LAM), c, etas, 3)
    assert not flags[:, etas < 2.0 / LAM[-1]].any()
    assert not (np.diff(flags.astype(int), axis=1) < 0).any()
    assert np.all(index >= 4)
    # One grid per row gives the same answer as the shared grid.
    per_row, _ = doubling_search(diagonal_hvp(LAM), c, np.tile(etas, (500, 1)), 3)
    np.testing.assert_array_equal(per_row, index)


def test_the_detection_law_matches_simulated_searches() -> None:
    etas = 2.0 * doubling_multiples(1.05, 2, 4) / LAM[-1]
    law = detection_law(LAM, etas, 5)
    assert abs(float(law.stop.sum()) - 1.0) < 1e-12
    assert np.all(law.stop >= 0)
    assert np.all(law.flagged[etas < 2.0 / LAM[-1]] == 0.0)
    c = np.random.default_rng(3).standard_normal((100_000, LAM.size))
    index, _ = doubling_search(diagonal_hvp(LAM), c, etas, 5)
    freq = np.bincount(index, minlength=etas.size + 1) / c.shape[0]
    se = np.sqrt(law.stop * (1 - law.stop) / c.shape[0]) + 1e-12
    assert np.all(np.abs(freq - law.stop) <= 5 * se)


def test_the_restart_threshold_lies_between_the_limit_and_its_bound() -> None:
    c = np.random.default_rng(5).standard_normal((20, LAM.size))
    hvp = diagonal_hvp(LAM)
    bound = restart_threshold_bound(LAM, c, 4)
    grid = np.linspace(2.0 / LAM[-1] * (1 - 1e-9), float(bound.max()) * 1.0001, 400)
    for row, b in zip(c, bound, strict=True):
        flagged = []
        for eta in grid:
            e = row[None, :]
            for _ in range(4):
                e = gd_step(hvp, e, float(eta))
            flagged.append(bool(quadratic_loss(hvp, e)[0] > quadratic_loss(hvp, row[None])[0]))
        assert not flagged[0]
        assert all(flagged[k] for k in range(grid.size) if grid[k] >= b)


def test_continuing_detection_agrees_with_a_direct_loop() -> None:
    rates = 2.0 * doubling_multiples(1.2, 6, 5) / LAM[-1]
    starts = np.random.default_rng(6).standard_normal((30, LAM.size))
    found = continuing_detection(diagonal_hvp(LAM), starts, rates, 2, 4.0)
    for row, got in zip(starts, found, strict=True):
        e, best, expected = row.copy(), 0.5 * float(np.sum(LAM * row**2)), math.inf
        for eta in np.repeat(rates, 2):
            e = e * (1 - eta * LAM)
            loss = 0.5 * float(np.sum(LAM * e**2))
            if loss > 4.0 * best:
                expected = float(eta)
                break
            best = min(best, loss)
        assert got == expected


def test_what_a_rate_costs() -> None:
    assert float(contraction(LAM, 1.0)) == pytest.approx(0.9)
    for eta in (0.2, 1.0, 1.6):
        assert measured_worst_case_steps(LAM, eta, 1e-3) == worst_case_steps(LAM, eta, 1e-3)
        assert measured_growth(LAM, eta, 32) == pytest.approx(float(contraction(LAM, eta)),
                                                              rel=1e-12)
    assert worst_case_steps(LAM, 2.5, 1e-3) == math.inf


def test_search_expectations_of_a_one_direction_problem_are_known() -> None:
    # One direction: every rate past the limit is flagged at once.
    lam = np.array([1.0])
    law = search_expectations(lam, doubling_multiples(1.5, 3, 3), 2)
    np.testing.assert_allclose(law.values, [1.5, 1.0], atol=1e-12)
    # Over a uniform grid offset the stop is 2^u: mean 1/ln 2.
    avg = offset_averaged_expectations(lam, 3, 3, 2)
    np.testing.assert_allclose(avg.values, [1 / math.log(2), 1.0], atol=1e-9)
    assert np.all(avg.errors < 1e-8)
    # ... and its threshold is the limit itself.
    assert mean_restart_threshold(lam, 3).value == 1.0


def test_restart_thresholds_closed_form_simulated_and_flags_agree() -> None:
    c = np.random.default_rng(7).standard_normal((40, LAM.size))
    hvp = diagonal_hvp(LAM)
    closed = restart_thresholds(LAM, c, 3, 44)
    limit = 2.0 / LAM[-1]
    sim, half = simulated_restart_thresholds(hvp, c, 3, limit, 2.0 / LAM[0], 44)
    assert np.all(closed > limit)
    assert np.all(closed <= 2.0 / LAM[0])
    np.testing.assert_allclose(closed, sim, rtol=1e-10)
    assert np.all(half < 1e-12)
    assert threshold_half_width(LAM, 44) == pytest.approx((2 / LAM[0] - limit) / 2**45)
    # The doubling search flags exactly the grid rates above each start's threshold.
    etas = 2.0 * doubling_multiples(1.1, 2, 4) / LAM[-1]
    _, flags = doubling_search(hvp, c, etas, 3)
    np.testing.assert_array_equal(flags, etas[None, :] > closed[:, None])
    assert np.all(closed <= restart_threshold_bound(LAM, c, 3) * (1 + 1e-12))


@pytest.mark.parametrize("steps", [1, 4])
def test_mean_restart_threshold_matches_a_large_simulation(steps: int) -> None:
    exact = mean_restart_threshold(LAM, steps)
    assert exact.error < 1e-5
    # The error bound is honest: a much finer rule lands within it.
    assert abs(mean_restart_threshold(LAM, steps, 256).value - exact.value) <= exact.error
    c = np.random.default_rng(steps).standard_normal((100_000, LAM.size))
    x = restart_thresholds(LAM, c, steps, 30) * LAM[-1] / 2
    assert abs(float(np.mean(x)) - exact.value) < 5 * float(np.std(x)) / math.sqrt(x.size)
    # A wrong law is far outside that: the threshold is well above the limit.
    assert exact.value > 1.05


def test_repeated_squaring_is_the_power() -> None:
    base = np.array([0.3, -1.7, 2.0, -0.999])
    for k in range(1, 40):
        np.testing.assert_allclose(_power(base, k), base**k, rtol=1e-13)


def test_bad_inputs_name_the_parameter() -> None:
    with pytest.raises(ParameterError, match="first_above"):
        doubling_multiples(2.5, 2, 2)
    with pytest.raises(ParameterError, match="steps"):
        restart_weights(LAM, 1.0, 0)
    with pytest.raises(ParameterError, match="weights"):
        positive_form_probability([[1.0, np.nan]])
    with pytest.raises(ParameterError, match="factor"):
        continuing_detection(diagonal_hvp(LAM), np.ones((1, LAM.size)), [1.0], 1, 0.5)
    with pytest.raises(ParameterError, match="lam"):
        check_spectrum([1.0, 0.5])
    with pytest.raises(ParameterError, match="etas"):
        detection_law(LAM, [2.0, 1.0], 3)
    with pytest.raises(ParameterError, match="lam"):
        contraction([-1.0, 2.0], 1.0)
    with pytest.raises(ParameterError, match="eta"):
        contraction(LAM, [0.5, -1.0])
    with pytest.raises(ParameterError, match="eta"):
        measured_growth(LAM, -0.5, 4)
    with pytest.raises(ParameterError, match="lam"):
        restart_threshold_bound([1.0, -2.0], [[1.0, 0.0]], 3)
    with pytest.raises(ParameterError, match="c"):
        restart_threshold_bound(LAM, [[1.0, 0.0]], 3)
    hvp, starts = diagonal_hvp(LAM), np.ones((2, LAM.size))
    for etas in ([2.0, 1.0], [-1.0, 1.0], [1.0, np.inf], []):
        with pytest.raises(ParameterError, match="etas"):
            doubling_search(hvp, starts, etas, 2)
    with pytest.raises(ParameterError, match="etas"):
        doubling_search(hvp, starts, np.ones((3, 2)).cumsum(axis=1), 2)
    with pytest.raises(ParameterError, match="e0"):
        doubling_search(hvp, np.ones(LAM.size), [1.0, 2.0], 2)
    with pytest.raises(ParameterError, match="halvings"):
        restart_thresholds(LAM, starts, 2, -1)
    with pytest.raises(ParameterError, match="hi"):
        simulated_restart_thresholds(hvp, starts, 2, 1.0, 0.5, 4)


def test_a_list_of_rates_is_a_grid() -> None:
    starts = np.random.default_rng(8).standard_normal((5, LAM.size))
    etas = [0.5, 1.0, 2.5, 5.0]
    index, flags = doubling_search(diagonal_hvp(LAM), starts, etas, 2)
    same, _ = doubling_search(diagonal_hvp(LAM), starts, np.array(etas), 2)
    np.testing.assert_array_equal(index, same)
    assert flags.shape == (5, 4)
