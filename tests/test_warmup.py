"""Tests of lrtheory.models.warmup and lrtheory.symbolic.warmup (claim H7's toolbox)."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest
import sympy as sp

from lrtheory.errors import ParameterError
from lrtheory.models import warmup as wm
from lrtheory.optimizers import AdamState, adam
from lrtheory.symbolic import warmup as sw


class _FixedRNG:
    """A stand-in ChunkRNG that hands out prescribed normal draws, one column per call."""

    def __init__(self, draws: np.ndarray[Any, Any]) -> None:
        self.xp, self.dtype, self.n = np, np.float64, draws.shape[0]
        self._draws, self._next = draws, 0

    def normal(self, *shape: int) -> np.ndarray[Any, Any]:
        assert shape in ((), (1,))
        column = self._draws[:, self._next]
        self._next += 1
        return column.copy() if shape == () else column[:, None].copy()


# --------------------------------------------------------------------------------------
# (a) Adam's second moment
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("beta2", "t"), [(0.9, 1), (0.9, 7), (0.99, 50), (0.999, 300)])
def test_effective_samples_matches_impulse_responses(beta2: float, t: int) -> None:
    # Brute force: the weight of g²_{t−j} is v_t's response to a unit impulse at step t − j
    # (Adam's own update), divided by v_t's response to a constant unit input.
    # Column j of q holds an impulse at step t − 1 − j, the last column a constant input;
    # one Adam run over all columns at once.
    q = np.hstack([np.eye(t)[:, ::-1], np.ones((t, 1))])
    state = AdamState.zeros(np.zeros(t + 1))
    for k in range(t):
        _, state = adam(np.zeros(t + 1), state, np.sqrt(q[k]), 1.0, 0.9, beta2)
    weights = state.v[:t] / state.v[t]
    assert weights.sum() == pytest.approx(1.0, rel=1e-12)
    n = 1.0 / np.sum(weights**2)
    assert wm.effective_samples(beta2, t) == pytest.approx(n, rel=1e-10)
    closed = (1 + beta2) * (1 - beta2**t) / ((1 - beta2) * (1 + beta2**t))
    assert wm.effective_samples(beta2, t) == pytest.approx(closed, rel=1e-10)


@pytest.mark.parametrize(("beta2", "t"), [(0.5, 1), (0.9, 5), (0.99, 120)])
def test_second_moment_spread_is_twice_the_weight_concentration(beta2: float, t: int) -> None:
    # Var(Σ w g²)/(Σ w)² = 2Σw²/(Σw)² for g ~ N(0, 1): 2/n_eff.
    assert wm.second_moment_spread(beta2, t) == pytest.approx(
        2.0 / wm.effective_samples(beta2, t), rel=1e-11)


def test_second_moment_spread_by_monte_carlo() -> None:
    rng = np.random.default_rng(3)
    beta2, t = 0.8, 6
    g2 = rng.standard_normal((400_000, t)) ** 2
    w = (1 - beta2) * beta2 ** np.arange(t)[::-1]
    v = g2 @ w
    ratio = np.var(v) / np.mean(v) ** 2
    assert ratio == pytest.approx(wm.second_moment_spread(beta2, t), rel=0.02)


def test_rate_moments_reach_the_chi_square_limit() -> None:
    # β₂ → 1 at fixed t: v̂_t → χ²_t/t, so for t = 3 the mean is √(6/π) and the
    # variance t/(t − 2) − 6/π = 3 − 6/π.
    m = wm.effective_rate_moments(1 - 1e-9, 3)
    assert m.mean == pytest.approx(math.sqrt(6 / math.pi), rel=1e-7)
    assert m.variance == pytest.approx(3 - 6 / math.pi, rel=1e-7)
    assert m.error < 1e-9


def test_rate_moments_need_three_steps_and_a_valid_beta() -> None:
    with pytest.raises(ParameterError, match=r"^t must"):
        wm.effective_rate_moments(0.9, 2)
    with pytest.raises(ParameterError, match=r"^beta2 must"):
        wm.effective_rate_moments(1.0, 5)


def test_spread_falls_toward_the_stationary_value() -> None:
    sds = [wm.effective_rate_moments(0.9, t).sd for t in (3, 5, 10, 40, 200)]
    assert all(a > b for a, b in itertools.pairwise(sds))
    assert sds[-1] == pytest.approx(wm.stationary_rate_moments(0.9).sd, rel=1e-6)
    assert wm.warmup_spread_ratio(0.9, 0, 400) == pytest.approx(1.0, rel=1e-6)


def test_warmup_spread_peak_scans_every_step() -> None:
    # Brute force: S_W(t) at every t from 3 to 3W (past W it falls, as sd_t does).
    for beta2, w in ((0.9, 20), (0.99, 10)):
        values = {t: wm.warmup_spread_ratio(beta2, w, t) for t in range(3, 3 * w + 1)}
        at, peak = wm.warmup_spread_peak(beta2, w)
        assert at == max(values, key=values.__getitem__)
        assert peak == pytest.approx(values[at], rel=1e-13)
    assert wm.warmup_spread_peak(0.9, 20)[0] == 20  # long enough: the peak is at t = W
    assert wm.warmup_spread_peak(0.99, 10)[0] == 3  # short: the heavy tail at t = 3
    with pytest.raises(ParameterError, match=r"^warmup must"):
        wm.warmup_spread_peak(0.9, 2)


def test_delta_spread_is_one_over_root_tanh_at_the_peak() -> None:
    for beta2, w in ((0.9, 20), (0.99, 200), (0.95, 7)):
        t_star = 2 / -math.log(beta2)
        assert wm.delta_spread(beta2, w, w) == pytest.approx(
            1 / math.sqrt(math.tanh(w / t_star)), rel=1e-12)
    assert wm.delta_spread(0.9, 0, 5000) == pytest.approx(1.0, rel=1e-14)


def test_warmup_factor() -> None:
    assert wm.warmup_factor(0, 3) == 1.0
    assert wm.warmup_factor(8, 2) == 0.25
    assert wm.warmup_factor(8, 8) == wm.warmup_factor(8, 20) == 1.0
    with pytest.raises(ParameterError, match=r"^t must"):
        wm.warmup_factor(8, 0)


def test_adam_rate_kernel_runs_adams_second_moment() -> None:
    rng = np.random.default_rng(0)
    beta2, t = 0.95, 12
    draws = rng.standard_normal((5, t))
    out = wm.adam_rate_kernel(beta2, t)(_FixedRNG(draws))  # type: ignore[arg-type]
    state = AdamState.zeros(np.zeros(5))
    for k in range(t):
        _, state = adam(np.zeros(5), state, draws[:, k], 1.0, 0.9, beta2)
    np.testing.assert_allclose(out, 1 / np.sqrt(state.v / (1 - beta2**t)), rtol=1e-13)


# --------------------------------------------------------------------------------------
# (b) GD on λx²/2 + cx⁴/4
# --------------------------------------------------------------------------------------


def test_warmup_rates_follow_the_linear_schedule() -> None:
    # Steps t = 1, 2, …: the same ω_t = min(1, t/W) as Adam's warm-up factor.
    np.testing.assert_allclose(wm.warmup_rates(2.0, 4, 6), [0.5, 1.0, 1.5, 2.0, 2.0, 2.0])
    np.testing.assert_allclose(wm.warmup_rates(2.0, 4, 6) / 2.0,
                               [wm.warmup_factor(4, t) for t in range(1, 7)])
    np.testing.assert_allclose(wm.warmup_rates(2.0, 0, 3), [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(wm.warmup_rates(2.0, 1, 3), wm.warmup_rates(2.0, 0, 3))
    with pytest.raises(ParameterError, match=r"^eta must"):
        wm.warmup_rates(0.0, 4, 6)
    with pytest.raises(ParameterError, match=r"^warmup must"):
        wm.warmup_rates(1.0, -1, 6)


def test_quartic_gd_matches_a_hand_loop() -> None:
    x, lam, c = 1.3, 0.7, 2.0
    rates = wm.warmup_rates(0.3, 5, 12)
    expected = x
    for eta in rates:
        expected = expected - eta * (lam * expected + c * expected**3)
    assert wm.quartic_gd(x, rates, lam, c) == pytest.approx(expected, rel=1e-14)
    arr = wm.quartic_gd(np.array([x, -x]), rates, lam, c)
    np.testing.assert_allclose(arr, [expected, -expected], rtol=1e-14)


def test_constant_rate_threshold_is_the_secant_one() -> None:
    eta, lam, c = 0.8, 1.0, 3.0
    edge = math.sqrt((2 / eta - lam) / c)
    rates = wm.warmup_rates(eta, 0, wm.run_length(0))
    assert not wm.diverged(edge * (1 - 1e-6), rates, lam, c)
    assert wm.diverged(edge * (1 + 1e-6), rates, lam, c)
    # The local-sharpness bound 2/(λ + 3cx²) would call x = 0.9·edge unstable; it converges.
    assert 2 / (lam + 3 * c * (0.9 * edge) ** 2) < eta
    assert not wm.diverged(0.9 * edge, rates, lam, c)


def test_stable_starts_form_an_interval() -> None:
    eta, w, lam, c = 1.5, 20, 1.0, 1.0
    edge = wm.largest_stable_start(eta, w, lam, c)
    rates = wm.warmup_rates(eta, w, wm.run_length(w))
    xs = np.linspace(1e-3, 3 * edge.value, 4001)
    outcome = wm.diverged(xs, rates, lam, c)
    assert not outcome[xs < edge.value - 1e-9].any()
    assert outcome[xs > edge.value + 1e-9].all()


def test_divergence_past_two_over_lambda_is_detected_without_growth_above_x0() -> None:
    # At η = 2.05/λ the orbit shrinks during the warm-up and then grows by 1.05 per step:
    # |x_T| stays below |x₀|, but it grows at the end, which is what diverged() asks.
    rates = wm.warmup_rates(2.05, 100, wm.run_length(100))
    final = wm.quartic_gd(0.01, rates, 1.0, 1.0)
    assert abs(final) < 0.01
    assert wm.diverged(0.01, rates, 1.0, 1.0)
    assert not wm.diverged(0.01, wm.warmup_rates(1.95, 100, wm.run_length(100)), 1.0, 1.0)


def test_critical_z() -> None:
    roots = np.roots([1, -2, 1, -1])  # z(1 − z)² = 1
    real = float(roots[np.abs(roots.imag) < 1e-12].real[0])
    assert wm.critical_z(2).value == pytest.approx(real, abs=1e-13)
    assert wm.critical_z(1).value == pytest.approx(2.0, abs=1e-13)
    assert wm.critical_z(3).value < wm.critical_z(2).value
    assert wm.critical_z(400).value == pytest.approx(wm.critical_z(100).value, abs=1e-12)


@pytest.mark.parametrize("warmup", [2, 5, 30])
def test_pure_quartic_peak_is_scale_free(warmup: int) -> None:
    for x0, c in ((1.0, 1.0), (3.0, 0.5)):
        peak = wm.largest_stable_peak(x0, warmup, 0.0, c)
        assert peak.value == pytest.approx(wm.critical_z(warmup).value * warmup / (c * x0**2),
                                           rel=1e-11)


def test_peak_is_capped_by_the_final_sharpness() -> None:
    assert wm.largest_stable_peak(10.0, 0, 1.0, 1.0).value == pytest.approx(2 / 101, rel=1e-12)
    assert wm.largest_stable_peak(10.0, 200, 1.0, 1.0).value == 2.0
    middle = wm.largest_stable_peak(10.0, 20, 1.0, 1.0).value
    assert 2 / 101 < middle < 2.0


def test_peak_law() -> None:
    assert wm.peak_law(10.0, 0, 1.0, 1.0) == pytest.approx(2 / 101)
    assert wm.peak_law(10.0, 1000, 1.0, 1.0) == 2.0
    assert wm.peak_law(2.0, 7, 0.0, 1.0) == pytest.approx(
        wm.largest_stable_peak(2.0, 7, 0.0, 1.0).value, rel=1e-12)
    law, found = wm.peak_law(10.0, 20, 1.0, 1.0), wm.largest_stable_peak(10.0, 20, 1.0, 1.0)
    assert abs(law - found.value) / found.value < 0.01  # an approximation for λ > 0
    assert wm.critical_z_value(1) == 2.0


def test_stable_warmups_agree_with_diverged() -> None:
    ws = np.arange(0, 41)
    for eta in (0.3, 0.6):
        ok = wm.stable_warmups(10.0, eta, ws, 1.0, 1.0)
        each = [not wm.diverged(10.0, wm.warmup_rates(eta, int(w), wm.run_length(int(w))),
                                1.0, 1.0) for w in ws]
        np.testing.assert_array_equal(ok, each)
        assert ok.any()
        assert not ok.all()
    with pytest.raises(ParameterError, match=r"^warmups must"):
        wm.stable_warmups(10.0, 1.0, [2.5], 1.0, 1.0)


def test_stable_peak_grid_agrees_with_bisection() -> None:
    etas = np.linspace(0.2, 0.5, 301)
    ok = wm.stable_peak_grid(10.0, 20, 1.0, 1.0, etas)
    edge = wm.largest_stable_peak(10.0, 20, 1.0, 1.0).value
    assert ok[etas < edge - 1e-9].all()
    assert not ok[etas > edge + 1e-9].any()


def test_quartic_kernel_columns() -> None:
    draws = np.array([[0.1], [0.3], [3.0]])
    out = wm.quartic_kernel(1.5, 20, 1.0, 1.0, 1.0)(_FixedRNG(draws))  # type: ignore[arg-type]
    # thresholds: constant 0.577, warm-up 4.67
    np.testing.assert_array_equal(out, [[0, 0], [0, 0], [1, 0]])


def test_bad_inputs_name_the_parameter() -> None:
    with pytest.raises(ParameterError, match=r"^lam must"):
        wm.quartic_gd(1.0, [0.1], -1.0, 1.0)
    with pytest.raises(ParameterError, match=r"^c must"):
        wm.quartic_gd(1.0, [0.1], 1.0, 0.0)
    with pytest.raises(ParameterError, match=r"^eta must"):
        wm.largest_stable_start(2.5, 5, 1.0, 1.0)
    with pytest.raises(ParameterError, match=r"^rates must"):
        wm.diverged(1.0, [0.1, 0.0], 1.0, 1.0)
    with pytest.raises(ParameterError, match=r"^rates must"):
        wm.quartic_gd(1.0, [0.1, math.nan], 1.0, 1.0)
    with pytest.raises(ParameterError, match=r"^x0 must"):
        wm.quartic_gd(math.nan, [0.1], 1.0, 1.0)
    with pytest.raises(ParameterError, match=r"^x0 must"):
        wm.diverged(np.array([1.0, math.inf]), [0.1, 0.1], 1.0, 1.0)
    with pytest.raises(ParameterError, match=r"^etas must"):
        wm.stable_peak_grid(1.0, 5, 1.0, 1.0, [0.1, -0.1])
    with pytest.raises(ParameterError, match=r"^z1 must"):
        wm.z_stable(-0.5, 4)


# --------------------------------------------------------------------------------------
# symbolic helpers
# --------------------------------------------------------------------------------------


def test_ema_samples_of_a_generic_average() -> None:
    beta = sp.Symbol("b", positive=True)
    t = sp.Symbol("t", integer=True, positive=True)
    j = sp.Symbol("j", integer=True, nonnegative=True)
    e = sw.ema_samples(lambda x, q: beta * x + (1 - beta) * q, beta, t, j)
    assert e.total == 1
    assert e.early == t
    assert sp.simplify(e.stationary - (1 + beta) / (1 - beta)) == 0
    value = e.effective.subs({beta: sp.Rational(1, 2), t: 3})
    w = [sp.Rational(1, 2) * sp.Rational(1, 2) ** k / (1 - sp.Rational(1, 8)) for k in range(3)]
    assert value == 1 / sum(x * x for x in w)


def test_chi2_inverse_moments_and_their_convergence() -> None:
    k = sp.Symbol("k", positive=True)
    half = sw.chi2_inverse_moment(k, sp.Rational(1, 2))
    assert sw.convergence_set(half, k) == sp.Interval.open(1, sp.oo)
    assert sp.simplify(half.args[0].expr.subs(k, 3) - sp.sqrt(2 / sp.pi)) == 0
    one = sw.chi2_inverse_moment(k, 1)
    assert sp.simplify(one.args[0].expr - 1 / (k - 2)) == 0


def test_tangent_time_and_secant_curvature() -> None:
    t = sp.Symbol("t", positive=True)
    a = sp.Symbol("a", positive=True)
    assert sp.simplify(sw.tangent_time(1 - sp.exp(-a * t), t, sp.Integer(1)) - 1 / a) == 0
    x = sp.Symbol("x", real=True)
    assert sw.secant_curvature(x**2 / 2 + x**4, x) == 1 + 4 * x**2


@pytest.mark.parametrize("warmup", [2, 20])
def test_pure_quartic_start_threshold_is_the_z_law(warmup: int) -> None:
    # λ = 0: the largest stable |x₀| at peak η is √(z*(W)·W/(cη)), z* from the z-recursion.
    eta, c = 1.5, 2.0
    edge = wm.largest_stable_start(eta, warmup, 0.0, c)
    law = math.sqrt(wm.critical_z(warmup).value * warmup / (c * eta))
    assert edge.value == pytest.approx(law, rel=1e-12)
