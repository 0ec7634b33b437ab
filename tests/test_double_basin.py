"""The double-well model (lrtheory.models.double_basin): the wells, GD in floats and exact
rationals, certificates, exact fates and measures, the Monte Carlo kernel."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest

from lrtheory.errors import ParameterError
from lrtheory.models.double_basin import (
    DIVERGED,
    SHARP,
    UNDECIDED,
    WIDE,
    DoubleWell,
    basin_kernel,
    class_measures,
    classify,
    exact_fate,
    gd_orbit,
    image_bounds,
    start_grid,
    stays_sharp,
)
from lrtheory.montecarlo.runner import Ensemble
from lrtheory.symbolic.double_basin import DESIGN

WELL = DoubleWell(**DESIGN)  # λ_s = 2, λ_w = 1, b = 1, x_w = 5: J = [−3, 9]
CLOSE = DoubleWell(4.0, 1.0, 1.0, 9.0)  # κ = 4 with x_w = 9 < ((2κ−1)² + 1)b/2 = 25


# --------------------------------------------------------------------------------------
# The wells
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"lam_sharp": 1.0, "lam_wide": 1.0, "ridge": 1.0, "x_wide": 5.0}, "lam_sharp"),
    ({"lam_sharp": 2.0, "lam_wide": 0.0, "ridge": 1.0, "x_wide": 5.0}, "lam_wide"),
    ({"lam_sharp": 2.0, "lam_wide": 1.0, "ridge": -1.0, "x_wide": 5.0}, "ridge"),
    ({"lam_sharp": 2.0, "lam_wide": 1.0, "ridge": 1.0, "x_wide": 1.0}, "x_wide"),
    ({"lam_sharp": 2.0, "lam_wide": 1.0, "ridge": 1.0, "x_wide": math.inf}, "x_wide"),
])
def test_bad_wells_are_rejected_by_name(kwargs: dict[str, float], name: str) -> None:
    with pytest.raises(ParameterError, match=name):
        DoubleWell(**kwargs)


def test_the_wells_meet_at_the_ridge_and_at_the_far_crossing() -> None:
    e = WELL.exact
    assert (e["offset"], e["far_crossing"]) == (-7, -11)
    for well in (WELL, CLOSE, DoubleWell(3.0, 0.5, 0.75, 4.0, x_sharp=-0.5)):
        e = well.exact

        def gap(x: Fraction, e: dict[str, Fraction] = e) -> Fraction:
            return (e["lam_sharp"] * (x - e["x_sharp"]) ** 2 / 2
                    - e["lam_wide"] * (x - e["x_wide"]) ** 2 / 2 - e["offset"])

        assert gap(e["ridge"]) == 0
        assert gap(e["far_crossing"]) == 0
        assert gap((e["ridge"] + e["far_crossing"]) / 2) < 0  # the sharp well is lower inside
        assert gap(e["x_wide"]) > 0
        assert gap(e["far_crossing"] - 1) > 0


def test_the_loss_and_its_gd_step_come_from_the_lower_well() -> None:
    x = np.linspace(-15.0, 20.0, 3001)
    h = 1e-6
    slope = (WELL.loss(x + h) - WELL.loss(x - h)) / (2 * h)
    inside = ~np.any(np.abs(x[:, None] - np.array([-11.0, 1.0])) < 2 * h, axis=1)
    eta = 0.3
    assert np.allclose(WELL.step(x, eta)[inside], (x - eta * slope)[inside], atol=1e-6)
    assert WELL.loss(np.array([0.0, 5.0])).tolist() == [0.0, -7.0]


def test_float_and_exact_steps_agree_to_rounding() -> None:
    rng = np.random.default_rng(3)
    for x in rng.uniform(-20, 20, 200):
        for eta in (0.3, 1.7, 2.6):
            exact = WELL.exact_step(Fraction(x), Fraction(eta))
            assert abs(float(WELL.step(np.array(x), eta)) - float(exact)) <= 1e-14 * (1 + abs(x))


def test_capture_condition_matches_the_derived_bound() -> None:
    assert WELL.capture_interval == (-3.0, 9.0)
    assert WELL.captures
    assert not CLOSE.captures
    # κ = 3: x_w ≥ ((2κ−1)² + 1)b/2 = 13
    assert DoubleWell(3.0, 1.0, 1.0, 13.0).captures
    assert not DoubleWell(3.0, 1.0, 1.0, 12.5).captures


def test_capture_interval_is_invariant_up_to_two_over_lambda_wide() -> None:
    lo, hi = WELL.exact_capture
    for eta in (0.1, 0.5, 1.0, 1.5, 1.99, 2.0):
        a, b = image_bounds(WELL, eta, lo, hi)
        assert lo <= a, eta
        assert b <= hi, eta
    a, b = image_bounds(WELL, 2.01, lo, hi)
    assert a < lo  # beyond 2/λ_w the ridge's image leaves J


def test_image_bounds_against_dense_sampling() -> None:
    for eta, (lo, hi) in ((0.7, (-12.0, 3.0)), (1.3, (-2.0, 0.5)), (2.1, (0.5, 12.0))):
        a, b = image_bounds(WELL, eta, Fraction(lo), Fraction(hi))
        y = WELL.step(np.linspace(lo, hi, 200001), eta)
        assert float(a) <= y.min() + 1e-9
        assert y.max() <= float(b) + 1e-9
        assert y.min() - float(a) < 1e-3
        assert float(b) - y.max() < 1e-3
    with pytest.raises(ParameterError, match="hi"):
        image_bounds(WELL, 1.0, Fraction(2), Fraction(1))


# --------------------------------------------------------------------------------------
# Certificates and fates
# --------------------------------------------------------------------------------------


def test_classify_by_certificates() -> None:
    x = np.array([0.5, -1.0, 1.0, 3.0, 9.0, 9.5, -11.5, 21.5, -2.0, np.inf])
    assert classify(WELL, 0.5, x).tolist() == [SHARP, SHARP, SHARP, WIDE, WIDE, UNDECIDED,
                                              UNDECIDED, UNDECIDED, UNDECIDED, DIVERGED]
    # η = 2/λ_s: the sharp well is neutral, no sharp certificate
    assert classify(WELL, 1.0, x[:3]).tolist() == [UNDECIDED] * 3
    # beyond 2/λ_w: only divergence certifies, |x − x_w| > x_w − b₁ = 16
    assert classify(WELL, 2.5, np.array([3.0, -11.5, 21.5, 21.0])).tolist() == [
        UNDECIDED, DIVERGED, DIVERGED, UNDECIDED]
    with pytest.raises(ParameterError, match="eta"):
        classify(WELL, -1.0, x)


def test_exact_fates_of_single_orbits() -> None:
    assert exact_fate(WELL, 0.75, Fraction(-2), 5) == (SHARP, 1)  # −2 ↦ 1 ∈ S
    assert exact_fate(WELL, 0.75, Fraction(-5, 2), 5) == (WIDE, 1)  # ↦ 5/4 ∈ W
    assert exact_fate(WELL, 1.0, Fraction(1, 2), 50) == (UNDECIDED, 50)  # neutral flip
    # in the window (ρ = 2) the first t with 2^t|x₀| > b is ⌊log₂ 100⌋ + 1 = 7; a positive
    # start is on the ridge's side only at even t, so it crosses one step later
    assert exact_fate(WELL, 1.5, Fraction(-1, 100), 50) == (WIDE, 7)
    assert exact_fate(WELL, 1.5, Fraction(1, 100), 50) == (WIDE, 8)
    assert exact_fate(WELL, 1.5, Fraction(1, 64), 50) == (WIDE, 8)  # 2⁶/64 = b stays
    assert exact_fate(WELL, 1.5, Fraction(0), 50) == (UNDECIDED, 50)  # the repelling minimum
    with pytest.raises(ParameterError, match="steps"):
        exact_fate(WELL, 1.0, Fraction(0), -1)


def test_start_grid_leaves_out_the_sharp_minimum() -> None:
    grid = start_grid(WELL, 6)  # cell midpoints −2, 0, 2, …: 0 is dropped
    assert grid == [Fraction(-2), Fraction(2), Fraction(4), Fraction(6), Fraction(8)]
    assert len(start_grid(WELL, 48)) == 48
    with pytest.raises(ParameterError, match="n"):
        start_grid(WELL, 0)


def test_stays_sharp_flips_at_the_finite_t_switch() -> None:
    grid = [Fraction(1, 8), Fraction(-1, 8), Fraction(-5, 2)]
    steps = 40
    finite = (1 + 8 ** (1 / (steps - 1))) / 2  # ρ^(T−1)·h = b with h = 1/8
    assert stays_sharp(WELL, 0.9, grid, steps)
    assert stays_sharp(WELL, 1.0, grid, steps)
    assert stays_sharp(WELL, finite * (1 - 1e-9), grid, steps)
    assert not stays_sharp(WELL, finite * (1 + 1e-9), grid, steps)
    assert not stays_sharp(WELL, 0.9, [Fraction(-5, 2)], steps)  # exits on the first step


# --------------------------------------------------------------------------------------
# Exact measures of each fate
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("eta", "steps"), [(0.25, 8), (0.75, 8), (0.98, 8), (1.0, 8),
                                            (1.02, 50), (1.5, 40), (3.0, 6)])
def test_class_measures_against_a_fine_float_grid(eta: float, steps: int) -> None:
    cm = class_measures(WELL, eta, steps)
    assert sum(cm.fractions) == 1
    n = 120_000
    lo, hi = WELL.capture_interval
    x0 = lo + (hi - lo) * (np.arange(n) + 0.5) / n
    with np.errstate(over="ignore", invalid="ignore"):
        codes = classify(WELL, eta, gd_orbit(WELL, eta, x0, steps))
    grid = np.bincount(codes, minlength=4) / n
    # a midpoint grid misplaces at most one cell per class boundary
    slack = (len(cm.boundaries) + 1) / n
    assert np.all(np.abs(grid - np.array([float(f) for f in cm.fractions])) <= slack)
    assert 0 < cm.rounding < 1e-11



def test_the_partition_covers_j_and_agrees_with_single_exact_orbits() -> None:
    cm = class_measures(WELL, 3.0, 6)
    lo, hi = WELL.exact_capture
    ends = [(a, b) for a, b, _ in cm.partition]
    assert ends[0][0] == lo
    assert ends[-1][1] == hi
    assert all(b == a2 for (_, b), (a2, _) in itertools.pairwise(ends))
    for x0 in start_grid(WELL, 200):
        assigned = cm.fate(x0)
        if assigned is not None:
            assert assigned == exact_fate(WELL, 3.0, x0, 6)[0], x0
    assert cm.fate(hi + 1) is None


def test_class_measures_reject_bad_input() -> None:
    with pytest.raises(ParameterError, match="eta"):
        class_measures(WELL, 0.0, 5)
    with pytest.raises(ParameterError, match="steps"):
        class_measures(WELL, 1.0, -1)
    with pytest.raises(ParameterError, match="starts"):
        class_measures(WELL, 1.0, 5, starts=(2.0, 1.0))


def test_the_kernel_reproduces_the_exact_fractions() -> None:
    eta, steps = 0.98, 8
    m = Ensemble(seed=11).run(basin_kernel(WELL, eta, steps), 40_000)
    exact = class_measures(WELL, eta, steps).fractions
    for k in range(4):
        se = max(float(m.stderr_mean[k]), 1e-12)
        assert abs(float(m.mean[k]) - float(exact[k])) <= 4.5 * se + 1e-12, k
    with pytest.raises(ParameterError, match="eta"):
        basin_kernel(WELL, -1.0, 5)


# --------------------------------------------------------------------------------------
# Beyond 2/λ_w
# --------------------------------------------------------------------------------------


def test_bounded_wandering_between_two_over_lambda_wide_and_eta_c() -> None:
    eta_c = 1 + math.sqrt(6) / 2
    lo, hi = WELL.capture_interval
    x0 = np.linspace(lo, hi, 4001)
    for eta in (2.0625, 2.2):
        x = gd_orbit(WELL, eta, x0, 3000)
        s = 1 - 2 * eta
        assert np.all((x >= s - 1e-9) & (x <= s * s + 1e-9)), eta  # inside K
    with np.errstate(over="ignore", invalid="ignore"):
        x = gd_orbit(WELL, eta_c + 0.05, x0, 3000)
    assert np.mean(classify(WELL, eta_c + 0.05, x) == DIVERGED) > 0.5

