"""The clipped-GD model: exact steps and landing, the derived amplitude law, the kernel."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

from lrtheory.errors import ParameterError
from lrtheory.models.clipping import (
    C_SYM,
    DELTA,
    EPS,
    ETA,
    LAM,
    N_PERIODS,
    S,
    amplitude_law,
    attractor_kernel,
    clipped_gd_step,
    exact_landing,
    exact_step,
    last_two_iterates,
    max_amplitude,
    mean_amplitude,
    predicted_landing,
    start_grid,
    symbolic_map,
    tail_probability,
    to_x,
    truncation_bias,
    unit_map,
)
from lrtheory.montecarlo.runner import Ensemble
from lrtheory.montecarlo.stats import z_test
from lrtheory.symbolic.identity import identical


def test_exact_step_is_the_clipped_update() -> None:
    eta, lam, C = Fraction(5, 4), Fraction(2), Fraction(1, 2)
    assert exact_step(Fraction(1, 8), eta, lam, C) == Fraction(1, 8) * (1 - eta * lam)
    assert exact_step(Fraction(3), eta, lam, C) == 3 - eta * C
    assert exact_step(Fraction(-3), eta, lam, C) == -3 + eta * C
    # The threshold C/λ maps to −C(ηλ−1)/λ, the largest amplitude.
    assert exact_step(C / lam, eta, lam, C) == -C * (eta * lam - 1) / lam
    x = np.array([-3.0, -0.09375, 0.0, 0.125, 3.0])  # dyadic: float steps are exact
    expected = [float(exact_step(Fraction(v), eta, lam, C)) for v in x]
    assert np.array_equal(clipped_gd_step(x, 1.25, 2.0, 0.5), expected)
    # One orbit per η: an array of step sizes broadcasts against the states.
    etas = np.array([[1.25], [0.5]])
    both = clipped_gd_step(np.tile(x, (2, 1)), etas, 2.0, 0.5)
    assert np.array_equal(both[0], expected)
    assert np.array_equal(both[1], clipped_gd_step(x, 0.5, 2.0, 0.5))


@pytest.mark.parametrize("eta", [1.0, 1.0625, 1.25, 5.0])
def test_predicted_landing_matches_exact_iteration(eta: float) -> None:
    rng = np.random.default_rng(3)
    e, lam, C = Fraction(eta), Fraction(2), Fraction(1, 2)
    starts = [Fraction(v).limit_denominator(10**6) for v in rng.uniform(-40, 40, 200)]
    starts += [Fraction(1, 10**7), e * C * 7, -e * C / 2]
    for x0 in starts:
        t, x, _ = exact_landing(x0, e, lam, C, 5000)
        assert (t, x) == predicted_landing(x0, e, lam, C), x0


def test_start_grid_covers_whole_periods_and_special_points() -> None:
    eta, lam, C = Fraction(5, 4), Fraction(2), Fraction(1, 2)
    grid = start_grid(eta, lam, C, per_unit=4)
    assert grid == sorted(set(grid))
    assert max(grid) >= (N_PERIODS + 1) * eta * C
    assert min(grid) <= -(N_PERIODS + 1) * eta * C
    for p in (C / lam, (eta * lam - 1) * C / lam, eta * C):
        assert p in grid
        assert -p in grid


def test_symbolic_branches() -> None:
    m = symbolic_map()
    assert m.ratio_linear == 1
    assert identical(sp.Tuple(*m.clipped), sp.Tuple(C_SYM, -C_SYM))
    f = unit_map(2 + S)
    assert [b.name for b in f.branches] == ["linear", "clipped +", "clipped −"]
    assert identical(to_x(sp.Interval(1, 2)), sp.Interval(C_SYM / LAM, 2 * C_SYM / LAM))


def test_amplitude_law_is_a_pushforward() -> None:
    law = amplitude_law("beyond")
    ab = law.absorption
    # The unlanded part ends as a flat density on the linear region, scaled by 1/(ηλ−1)
    # per step; the geometric sum of the remaining steps is (ηλ−1)/(ηλ−2).
    assert identical(ab.ratio, 1 / (1 + S))
    assert identical(ab.geometric, (1 + S) / S)
    assert len(ab.unlanded) == 1
    assert identical(ab.unlanded[0][0], sp.Interval(-1, 1))
    assert len(ab.by_step) >= N_PERIODS + 1
    assert law.mass == 1
    A = C_SYM * (ETA * LAM - 1) / LAM
    assert identical(law.top, A)
    assert identical(law.tail, DELTA / (A - ETA * C_SYM / 2))
    bound = amplitude_law("bound")
    assert bound.absorption.ratio == 0  # at ηλ = 2 every start lands after the descents
    assert identical(bound.mean, C_SYM / (2 * LAM))


def test_closed_forms() -> None:
    assert max_amplitude(1.25, 2.0, 0.5) == pytest.approx(0.5 * 1.5 / 2.0, rel=1e-15)
    assert max_amplitude(0.75, 2.0, 0.5) == 0.0
    assert max_amplitude(1.0, 2.0, 0.5) == pytest.approx(0.25, rel=1e-15)
    assert mean_amplitude(1.25, 2.0, 0.5) == pytest.approx((0.625 / 2 + 0.375) / 2, rel=1e-15)
    assert mean_amplitude(1.0, 2.0, 0.5) == pytest.approx(0.125, rel=1e-15)
    assert mean_amplitude(0.75, 2.0, 0.5) == 0.0
    # A − ηC/2 = 0.375 − 0.3125 = 0.0625 at ηλ = 2.5.
    assert tail_probability(1.25, 2.0, 0.5, 0.025) == pytest.approx(0.4, rel=1e-14)
    assert tail_probability(1.0, 2.0, 0.5, 0.0625) == pytest.approx(0.25, rel=1e-14)
    assert tail_probability(0.75, 2.0, 0.5, 0.0625) == 0.0


def test_kernel_classifies_orbits() -> None:
    ens = Ensemble(seed=1, threads=1)
    at_25 = ens.run(attractor_kernel(1.25, 2.0, 0.5, 200, 0.025), 2000)
    assert list(at_25.mean[:3]) == [1.0, 1.0, 1.0]
    below = ens.run(attractor_kernel(0.75, 2.0, 0.5, 200, 0.0625), 2000)
    assert list(below.mean) == [0.0, 1.0, 0.0, 0.0, 0.0]
    # Too short a horizon leaves orbits unlanded near 2: the classification notices.
    early = ens.run(attractor_kernel(1.03125, 2.0, 0.5, 6, 0.001), 2000)
    assert early.mean[0] < 1.0


def test_tail_statistic_rejects_a_wrong_amplitude_bound() -> None:
    """An amplitude bound overstated or understated by 2 % moves the threshold A − δ and
    fails the tail test; the true one passes (ηλ = 2.5, where A − ηC/2 = A/6)."""
    eta, lam, C, delta = 1.25, 2.0, 0.5, 0.025
    A, half, n = C * (eta * lam - 1) / lam, eta * C / 2, 40_000
    ens = Ensemble(seed=5, threads=1)
    for error, rejected in ((0.0, False), (0.02, True), (-0.02, True)):
        wrong = A * (1 + error)
        # The kernel thresholds at its own A − δ'; δ' = δ − (wrong − A) puts it at wrong − δ.
        m = ens.run(attractor_kernel(eta, lam, C, 200, delta - (wrong - A)), n)
        test = z_test(float(m.mean[3]), float(m.stderr_mean[3]), delta / (wrong - half), 1e-4)
        assert test.rejected is rejected, (error, test.z)


def test_last_two_iterates_is_the_map_in_units() -> None:
    a = np.array([2.5, 4.0])
    x0 = np.array([[1.0, 0.3], [5.0, -7.0]])
    prev, last = last_two_iterates(a, x0, 3)
    x = x0
    for _ in range(3):
        p, x = x, x - a[:, None] * np.clip(x, -1, 1)
    assert np.array_equal(prev, p)
    assert np.array_equal(last, x)


def test_bad_input_raises() -> None:
    with pytest.raises(ParameterError, match="eta"):
        clipped_gd_step(np.zeros(2), -1.0, 2.0, 0.5)
    with pytest.raises(ParameterError, match="eta"):
        clipped_gd_step(np.zeros(2), np.array([1.0, -1.0]), 2.0, 0.5)
    with pytest.raises(ParameterError, match="lam"):
        max_amplitude(1.0, 0.0, 0.5)
    with pytest.raises(ParameterError, match="C"):
        mean_amplitude(1.0, 2.0, math.nan)
    with pytest.raises(ParameterError, match="delta"):
        tail_probability(1.25, 2.0, 0.5, 0.1)  # beyond A − ηC/2 = 0.0625
    with pytest.raises(ParameterError, match="delta"):
        tail_probability(0.75, 2.0, 0.5, 0.2)  # the threshold C(ηλ−1)/λ − δ would be < 0
    with pytest.raises(ParameterError, match="eta"):
        predicted_landing(Fraction(1), Fraction(1, 2), Fraction(2), Fraction(1, 2))
    with pytest.raises(ParameterError, match="C"):
        predicted_landing(Fraction(1), Fraction(1), Fraction(2), Fraction(0))
    with pytest.raises(ParameterError, match="steps"):
        attractor_kernel(1.0, 2.0, 0.5, 1, 0.1)
    with pytest.raises(ParameterError, match="delta"):
        attractor_kernel(1.0, 2.0, 0.5, 10, 0.0)
    with pytest.raises(ParameterError, match="horizon"):
        exact_landing(Fraction(1), Fraction(1), Fraction(2), Fraction(1, 2), -1)
    with pytest.raises(ParameterError, match="x0"):
        exact_landing(0.1, Fraction(1), Fraction(2), Fraction(1, 2), 5)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="lam"):
        exact_step(Fraction(1), Fraction(1), Fraction(-2), Fraction(1, 2))
    with pytest.raises(ParameterError, match="x"):
        exact_step(1.5, Fraction(1), Fraction(2), Fraction(1, 2))  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="eta"):
        exact_step(Fraction(1), 1.25, Fraction(2), Fraction(1, 2))  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="per_unit"):
        start_grid(Fraction(1), Fraction(2), Fraction(1, 2), per_unit=0)
    with pytest.raises(ParameterError, match="C"):
        start_grid(Fraction(1), Fraction(2), Fraction(0))
    with pytest.raises(ParameterError, match="regime"):
        amplitude_law("below")
    with pytest.raises(ParameterError, match="exact positive"):
        unit_map(sp.Float(2.5))
    with pytest.raises(ParameterError, match="exact positive"):
        unit_map(-S)
    with pytest.raises(ParameterError, match="piece"):
        to_x(sp.Union(sp.Interval(0, 1), sp.Interval(2, 3)))
    with pytest.raises(ParameterError, match="x0"):
        last_two_iterates(np.array([2.5]), np.zeros((2, 3)), 5)
    with pytest.raises(ParameterError, match="steps"):
        last_two_iterates(np.array([2.5]), np.zeros((1, 3)), 0)


def test_truncation_bias() -> None:
    # Below the bound 200 steps contract every orbit onto the fixed point: no bias at all.
    assert truncation_bias(0.75, 2.0, 0.5, 200, 0.0625) == (0.0, 0.0)
    mean_bias, tail_bias = truncation_bias(0.75, 2.0, 0.5, 10, 0.0625)
    assert mean_bias == pytest.approx(0.5**5 * 0.25)
    assert tail_bias == 0.0  # 0.0078 < C(ηλ−1)/λ − δ = 0.0625
    # Beyond it: rounding drift only (landing is certain long before 200 steps) ...
    mean_bias, tail_bias = truncation_bias(1.25, 2.0, 0.5, 200, 0.025)
    assert mean_bias == pytest.approx(200 * 2 * EPS * 0.375)
    assert tail_bias == pytest.approx(mean_bias / 0.0625)
    # ... but a short horizon leaves orbits unlanded near the bound.
    assert truncation_bias(1.03125, 2.0, 0.5, 10, 0.001)[1] > 0.1
    with pytest.raises(ParameterError, match="steps"):
        truncation_bias(1.25, 2.0, 0.5, 3, 0.025)
