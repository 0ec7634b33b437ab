"""Numerical bifurcation analysis of maps of the line (lrtheory.models.bifurcation)."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import sympy as sp

from lrtheory.errors import ParameterError
from lrtheory.models.bifurcation import (
    FEIGENBAUM_DELTA,
    BifurcationError,
    Flip,
    MapFamily,
    aitken,
    aitken_limit,
    attractor,
    difference_ratios,
    feigenbaum_ratios,
    finite_time_lyapunov,
    flip_cascade,
    geometric_tail,
    locate_flip,
    map_maximum,
    orbit_stays,
    periodic_orbit,
)
from lrtheory.models.quartic_gd import (
    CHEBYSHEV_MAX_STEPS,
    arcsine_lyapunov_kernel,
    attracting_cycle,
    chebyshev_rounding_bias,
    exact_at,
)
from lrtheory.models.trapping import certify_contraction, certify_window, window_lyapunov_kernel
from lrtheory.montecarlo.runner import Ensemble
from lrtheory.symbolic.quartic_gd import ETA

x, r = sp.symbols("x r")
LOGISTIC = MapFamily.from_sympy(r * x * (1 - x), x, r)
WELL = MapFamily.from_sympy(x - r * (x**3 - x), x, r)  # GD on (x²−1)²/4 with η = r


def test_family_derivatives_match_sympy() -> None:
    f = x - r * (x**3 - x)
    xs, rs = np.array([0.3, -1.2, 2.0]), np.array([0.5, 1.7, 2.2])
    for fn, expr in ((WELL.f, f), (WELL.fx, sp.diff(f, x)), (WELL.fxx, sp.diff(f, x, 2)),
                     (WELL.feta, sp.diff(f, r)), (WELL.fxeta, sp.diff(f, x, r))):
        assert np.allclose(fn(xs, rs), sp.lambdify((x, r), expr)(xs, rs))
    with pytest.raises(ParameterError, match="expr must be a polynomial"):
        MapFamily.from_sympy(sp.exp(x) * r, x, r)
    with pytest.raises(ParameterError, match="eta must be a SymPy Symbol"):
        MapFamily.from_sympy(x * r, x, 2)


def test_periodic_orbit_matches_the_closed_form() -> None:
    """The logistic 2-cycle: x² − (r+1)/r·x + (r+1)/r² = 0, multiplier 4 + 2r − r²."""
    with mpmath.workdps(40):
        rr = mpmath.mpf("3.2")
        orbit = periodic_orbit(LOGISTIC, rr, 0.5, 2, dps=40)
        assert abs(orbit.x**2 - (rr + 1) / rr * orbit.x + (rr + 1) / rr**2) < 1e-35
        assert abs(orbit.points[0] + orbit.points[1] - (rr + 1) / rr) < 1e-35
        assert abs(orbit.multiplier - (4 + 2 * rr - rr**2)) < 1e-35
    with pytest.raises(BifurcationError):
        periodic_orbit(LOGISTIC, 3.2, 0.5, 2, dps=40, max_steps=1)


def test_flips_of_the_logistic_map() -> None:
    first = locate_flip(LOGISTIC, 1, 2.9, 0.6)
    second = locate_flip(LOGISTIC, 2, 3.4, 0.45)
    with mpmath.workdps(50):
        assert abs(first.eta - 3) < first.error
        assert abs(second.eta - (1 + mpmath.sqrt(6))) < second.error
        assert second.error == mpmath.mpf(10) ** -25
    with pytest.raises(BifurcationError):
        locate_flip(LOGISTIC, 2, 3.4, 0.45, max_steps=1)


def test_cascade_of_the_logistic_map_against_known_values() -> None:
    flips = flip_cascade(LOGISTIC, lambda _: 0.5, [(2.8, 2.95), (3.3, 3.45)], 6, dps=30)
    assert [f.period for f in flips] == [1, 2, 4, 8, 16, 32]
    # Literature values of the onsets of periods 8 and 16.
    assert abs(float(flips[2].eta) - 3.5440903596) < 1e-10
    assert abs(float(flips[3].eta) - 3.5644072661) < 1e-10
    ratios = feigenbaum_ratios(flips)
    assert len(ratios) == 4
    errors = [abs(q.value - float(FEIGENBAUM_DELTA)) for q in ratios]
    assert errors[-1] < 1e-3 < errors[0]  # δ_n → δ
    assert all(q.error < 1e-10 for q in ratios)


def test_double_well_flips_closed_forms() -> None:
    flips = flip_cascade(WELL, lambda e: math.sqrt((1 + e) / (3 * e)),
                         [(0.8, 0.95), (1.18, 1.25)], 3, dps=30)
    assert abs(flips[0].eta - 1) < flips[0].error
    assert abs(flips[1].eta - (mpmath.sqrt(5) - 1)) < flips[1].error


def test_sequence_acceleration_on_a_geometric_sequence() -> None:
    limit, q = 4.0, 0.25
    seq = [limit + 3.0 * q**n for n in range(8)]
    assert difference_ratios(seq) == pytest.approx([q] * 6, rel=1e-12)
    assert all(abs(a - limit) < 1e-12 for a in aitken(seq))
    tail = geometric_tail(seq)
    assert abs(tail.value - limit) <= tail.error * (1 + 1e-9)
    assert tail.error == pytest.approx(abs(seq[-1] - limit), rel=1e-9)  # exact for geometric
    extrapolated = aitken_limit(seq)
    assert abs(extrapolated.value - limit) < 1e-12
    assert extrapolated.error < 1e-12  # every ratio is q: no spread
    f = q / (1 - q)
    assert aitken_limit(seq, error=1e-6).error == pytest.approx((1 + 2 * f) ** 2 * 1e-6, rel=1e-5)
    with pytest.raises(ParameterError, match="shrink"):
        geometric_tail([1.0, 2.0, 4.0])
    with pytest.raises(ParameterError, match="monotone"):
        aitken_limit([limit + (-q) ** n for n in range(6)])  # alternating


def test_tail_bounds_hold_under_their_hypothesis_and_can_fail_without() -> None:
    # Ratios wobbling about 0.25 with shrinking amplitude: later ones stay in the observed range.
    seq = [1.0 + 3.0 * 0.25**n * (1 + 0.1 * (-0.5) ** n) for n in range(9)]
    for head in (seq[:6], seq[:7]):
        assert abs(geometric_tail(head).value - 1.0) <= geometric_tail(head).error
        assert abs(aitken_limit(head).value - 1.0) <= aitken_limit(head).error
    # A slower mode taking over later (ratios rising from 0.2 to 0.6): the hypothesis fails,
    # and so do the bounds computed from the first terms.
    seq = [0.2**n + 1e-4 * 0.6**n for n in range(6)]
    assert abs(geometric_tail(seq).value) > geometric_tail(seq).error
    assert abs(aitken_limit(seq).value) > aitken_limit(seq).error


def test_double_well_cascade_supports_the_tail_hypothesis_of_n2() -> None:
    """N2 bounds δ from δ₂ … δ₇ (flips to the 128-cycle) assuming that later ratios of
    successive differences stay in the observed range; continued to the 1024-cycle, they do,
    and (δ_n − δ)·δ^n settles to a constant (renormalization: δ_n − δ ~ C·δ^−n)."""
    flips = flip_cascade(WELL, lambda e: math.sqrt((1 + e) / (3 * e)),
                         [(0.8, 0.95), (1.18, 1.25)], 11, dps=40)
    values = [q.value for q in feigenbaum_ratios(flips)]
    head = values[:6]
    seen, later = difference_ratios(head), difference_ratios(values)[4:]
    assert len(later) == 3
    assert all(min(seen) <= q <= max(seen) for q in later)
    delta = float(FEIGENBAUM_DELTA)
    assert abs(geometric_tail(head).value - delta) <= geometric_tail(head).error
    assert abs(aitken_limit(head).value - delta) <= aitken_limit(head).error
    assert abs(aitken_limit(values).value - delta) < 1e-9
    c = [(v - delta) * delta**n for n, v in enumerate(values, 2)][2:]
    assert max(c) - min(c) < 0.01
    assert -2.9 < min(c) < max(c) < -2.85
    with pytest.raises(ParameterError, match="at least 3"):
        aitken([1.0, 2.0])
    flip = Flip(1, mpmath.mpf(1), mpmath.mpf(1), mpmath.mpf(0), 1)
    with pytest.raises(ParameterError, match="at least 3 flips"):
        feigenbaum_ratios([flip, flip])


def test_finite_time_lyapunov_exponents() -> None:
    linear = MapFamily.from_sympy(r * x, x, r)
    lam = finite_time_lyapunov(linear, np.array([0.5, -3.0]), np.array([1.0, 2.0]), 0, 5)
    assert np.allclose(lam, np.log([0.5, 3.0]))
    # The attracting fixed point 1 − 1/r of the logistic map: λ = ln|2 − r| after a burn-in.
    lam = finite_time_lyapunov(LOGISTIC, 2.8, np.array([0.3, 0.7]), 400, 10)
    assert np.allclose(lam, math.log(0.8), atol=1e-12)
    points, lam = attractor(LOGISTIC, np.array([3.2]), np.array([0.5]), 500, 4)
    assert points.shape == (4, 1)
    assert np.allclose(points[0], points[2])
    assert not np.allclose(points[0], points[1])
    assert np.allclose(lam, 0.5 * math.log(abs(4 + 6.4 - 3.2**2)))
    with pytest.raises(ParameterError, match="steps"):
        finite_time_lyapunov(LOGISTIC, 2.8, np.array([0.3]), 0, 0)


def test_map_maximum_is_the_critical_value() -> None:
    assert abs(map_maximum(LOGISTIC, 3.6, 0.0, 1.0) - 0.9) < 1e-13
    with pytest.raises(ParameterError, match="hi must be"):
        map_maximum(LOGISTIC, 3.6, 1.0, 0.0)


def test_orbit_stays() -> None:
    assert orbit_stays(LOGISTIC, 3.9, 0.3, 1000, 0.0, 1.0)
    assert not orbit_stays(LOGISTIC, 4.1, 0.5, 10, 0.0, 1.0)  # the critical value escapes


def test_certified_contraction_and_its_bias_bound() -> None:
    # Logistic fixed point 1 − 1/r = 0.6429 at r = 2.8, |f'| = 0.8 there.
    cell = certify_contraction(LOGISTIC, 1, (0.625, 0.66), (2.799, 2.801))
    assert 0.8 < cell.q < 1.0
    lam = finite_time_lyapunov(LOGISTIC, 2.8, np.array([0.625, 0.66]), 100, 10)
    assert np.all(np.abs(lam - math.log(0.8)) <= cell.bias_bound(100, 10))
    assert cell.bias_bound(200, 10) < cell.bias_bound(100, 10)
    with pytest.raises(ParameterError, match="multiples of the period"):
        certify_contraction(LOGISTIC, 2, (0.798, 0.801), (3.2, 3.2)).bias_bound(3, 4)
    with pytest.raises(BifurcationError, match="may vanish"):
        certify_contraction(LOGISTIC, 1, (0.45, 0.55), (2.8, 2.8))  # the critical point
    with pytest.raises(BifurcationError, match="does not contract"):
        certify_contraction(LOGISTIC, 1, (0.6, 0.68), (2.8, 2.8))  # |f'| > 1 at 0.68
    with pytest.raises(ParameterError, match="ordered"):
        certify_contraction(LOGISTIC, 1, (0.7, 0.6), (2.8, 2.8))


def test_window_kernel_mean_matches_the_window_average() -> None:
    """Logistic fixed point on r ∈ [2.55, 2.75]: the mean of ln|2 − r| = ln(r − 2)."""
    lo, hi = 2.55, 2.75
    cells = certify_window(LOGISTIC, 1, lambda e: 1 - 1 / e, 0.01, (lo, hi), 64)
    m = Ensemble(seed=3, threads=1).run(window_lyapunov_kernel(LOGISTIC, cells, 200, 8), 4000)
    exact = ((hi - 2) * math.log(hi - 2) - (lo - 2) * math.log(lo - 2)) / (hi - lo) - 1
    bias = max(c.bias_bound(200, 8) for c in cells)
    assert bias < 1e-9
    assert abs(float(m.mean[0]) - exact) < 5 * float(m.stderr_mean[0]) + bias
    with pytest.raises(ParameterError, match="cells"):
        window_lyapunov_kernel(LOGISTIC, (), 1, 1)


def test_quartic_gd_cycles_and_exact_values() -> None:
    one = attracting_cycle(1, 0.75)
    assert float(one.points[0]) == 1.0
    assert float(one.multiplier) == pytest.approx(1 - 2 * 0.75, abs=1e-15)
    two = attracting_cycle(2, 1.18)
    a = (math.sqrt(1.18 + 3) + math.sqrt(1.18 - 1)) / (2 * math.sqrt(1.18))
    assert float(max(two.points)) == pytest.approx(a, rel=1e-14)
    assert float(two.multiplier) == pytest.approx(9 - 2 * 2.18**2, rel=1e-13)
    with pytest.raises(ParameterError, match="k"):
        attracting_cycle(3, 1.3)
    assert exact_at(ETA**2, 0.1) == 0.01  # η = 1/10 exactly, unlike 0.1**2 in floats
    assert 0.1**2 != 0.01


def test_arcsine_kernel_and_its_rounding_bias() -> None:
    """One step from the arcsine law at η = 2: E ln|f'(x₀)| = ln 3 (f' = 3 − 6x²)."""
    m = Ensemble(seed=5, threads=1).run(arcsine_lyapunov_kernel(2.0, 1), 20_000)
    assert abs(float(m.mean[0]) - math.log(3)) < 5 * float(m.stderr_mean[0])
    assert 0 < chebyshev_rounding_bias(1) < chebyshev_rounding_bias(4) < 1e-8
    assert chebyshev_rounding_bias(8) < 1e-5 < chebyshev_rounding_bias(CHEBYSHEV_MAX_STEPS)
    # the bound needs the orbit error ≤ (1 − 1/√2)/2: about 14 steps at ≈ 9× per step
    assert CHEBYSHEV_MAX_STEPS == 14
    for bad in (0, CHEBYSHEV_MAX_STEPS + 1, 17, 20):
        with pytest.raises(ParameterError, match="steps"):
            chebyshev_rounding_bias(bad)
    with pytest.raises(ParameterError, match="steps"):
        arcsine_lyapunov_kernel(2.0, 0)
