"""Error correction and tracking: the models (lrtheory.models.tracking), the SymPy toolbox
(lrtheory.symbolic.tracking) and the S9 closed forms."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

from lrtheory.claims.error_correction import _closed, _fraction_in
from lrtheory.errors import ParameterError
from lrtheory.models import tracking as tr
from lrtheory.montecarlo.runner import Ensemble
from lrtheory.symbolic import tracking as st

# --- the discrete recursion ----------------------------------------------------------------


@pytest.mark.parametrize("k", [0.05, 0.5, 1.0, 1.3, 1.98, 2.05, 2.7])
def test_float_recursion_is_within_its_rounding_bound_of_the_exact_rational_one(k: float) -> None:
    c0, c_opt, steps = 5.0, 10.0, 30
    path = tr.correct(c0, k, np.full(steps, c_opt))
    exact = tr.exact_errors(c0, k, c_opt, steps)
    for n in range(steps + 1):
        error = abs(Fraction(float(path.values[n])) - (exact[n] + Fraction(c_opt)))
        assert error <= Fraction(float(path.rounding[n]))


def test_drifting_targets_follow_the_rational_recursion_too() -> None:
    targets = 0.3 * np.arange(50)
    path = tr.correct(-1.0, 0.7, targets)
    c = Fraction(-1.0)
    for n, target in enumerate(targets):
        c -= Fraction(0.7) * (c - Fraction(float(target)))
        assert abs(Fraction(float(path.values[n + 1])) - c) <= Fraction(float(path.rounding[n + 1]))


def test_closed_form_of_the_error_matches_the_recursion() -> None:
    for k in (0.25, 1.5, 2.2):
        exact = tr.exact_errors(5.0, k, 10.0, 12)
        for n in (0, 1, 7, 12):
            assert _closed("path")(k, -5.0, n) == pytest.approx(float(exact[n]), rel=1e-13)


def test_overshoots_every_trial_iff_k_above_one() -> None:
    assert tr.sign_changes(tr.exact_errors(5.0, 0.999, 10.0, 20)) == 0
    assert tr.sign_changes(tr.exact_errors(5.0, 1.0, 10.0, 20)) == 0  # dead-beat: e₁ = 0
    assert tr.sign_changes(tr.exact_errors(5.0, 1.001, 10.0, 20)) == 20
    assert tr.sign_changes([1.0, -2.0, 0.0, 3.0, -1.0]) == 2


@pytest.mark.parametrize(("kind", "edge", "lo", "hi"), [("monotone", 1.0, 0.3, 1.9),
                                                         ("stable", 2.0, 1.1, 2.9)])
def test_gain_edge_finds_the_derived_boundary(kind: str, edge: float, lo: float,
                                              hi: float) -> None:
    found = tr.gain_edge(kind, 5.0, 10.0, 20, lo, hi, halvings=45)
    assert abs(found.value - edge) <= found.tolerance
    assert found.tolerance == pytest.approx((hi - lo) * 2.0**-46)


def test_noisy_moments_against_brute_force_and_the_derived_variance() -> None:
    for k, n in ((0.4, 6), (1.7, 9), (2.0, 5)):
        q, e0, s = 1.0 - k, -5.0, 0.5
        mean, square = tr.noisy_moments(k, e0, s, n)
        assert mean == pytest.approx(q**n * e0, rel=1e-14)
        assert square - mean**2 == pytest.approx(sum(s**2 * q ** (2 * j) for j in range(n)))
        if k != 2.0:  # the rsolve form is 0/0 at k = 2
            assert square - mean**2 == pytest.approx(_closed("variance")(k, s, n), rel=1e-12)
    assert tr.noisy_moments(2.0, 1.0, 1.0, 7)[1] == pytest.approx(1.0 + 7.0)


def test_noisy_kernel_reproduces_the_exact_moments() -> None:
    k, c0, c_opt, sigma = 1.5, 5.0, 10.0, 0.5
    kernel = tr.noisy_correction(k, c0, c_opt, sigma, (2, 10))
    m = Ensemble(seed=3, threads=1).run(lambda rng: np.hstack([kernel(rng), kernel(rng) ** 2]),
                                        40_000)
    for col, n in ((0, 2), (1, 10)):
        mean, square = tr.noisy_moments(k, c0 - c_opt, sigma, n)
        assert abs(m.mean[col] - mean) < 5.0 * m.stderr_mean[col]
        assert abs(m.mean[col + 2] - square) < 5.0 * m.stderr_mean[col + 2]


@pytest.mark.parametrize(("lo", "hi"), [(0.5, 1.5), (1.8, 2.3), (0.2, 0.9), (2.1, 2.6)])
def test_random_gains_split_at_the_derived_edges(lo: float, hi: float) -> None:
    m = Ensemble(seed=1, threads=1).run(tr.random_gains(lo, hi, 8), 20_000)
    for col, name in ((0, "monotone"), (1, "stable")):
        share = _fraction_in(name, lo, hi)
        if share in (0.0, 1.0):
            assert m.mean[col] == share  # exact: no chain is misclassified
        else:
            assert abs(m.mean[col] - share) < 5.0 * math.sqrt(share * (1 - share) / m.n)
    assert 0.0 < tr.gain_decision_bias(lo, hi) < 1e-13


# --- the tracking ODE -----------------------------------------------------------------------


def test_track_is_within_its_bound_of_the_ramp_solution_at_every_accepted_point() -> None:
    kappa, v, p0 = 1.5, 2.0, 0.7
    sol = tr.track(kappa, lambda t: v * t, p0, 6.0)
    closed = np.array([_closed("ramp")(t, kappa, v, p0) for t in sol.t])
    assert np.all(np.abs(sol.p - closed) <= sol.error_bound)
    assert sol.error_bound < 1e-9
    later = tr.track(kappa, lambda t: v * t, float(sol.p[-1]), 9.0, t0=6.0,
                     initial_error=sol.error_bound)
    assert later.t[0] == 6.0
    assert abs(later.p[-1] - _closed("ramp")(9.0, kappa, v, p0)) <= later.error_bound


@pytest.mark.parametrize("horizon", [0.5, 2.0, 20.0])
def test_ramp_lag_transient_bound_is_exact_up_to_the_ode_error(horizon: float) -> None:
    kappa, v, p0 = 2.0, 1.0, 0.4
    lag = tr.ramp_lag(kappa, v, p0, horizon)
    true_gap = abs(v / kappa + p0) * math.exp(-kappa * horizon)  # |d(T) − v/κ|
    assert abs(lag.value - v / kappa) <= lag.tolerance
    assert lag.transient == pytest.approx(true_gap, rel=1e-6, abs=1e-12)


@pytest.mark.parametrize("gain", [0.3, 1.0, 1.9])
def test_drifting_gd_lag_is_v_over_k(gain: float) -> None:
    lag = tr.drifting_lag(gain, 0.25, -1.0, 400)
    assert abs(lag.value - 0.25 / gain) <= lag.tolerance
    assert lag.tolerance < 1e-11
    assert _closed("gd_lag")(0.25, gain) == pytest.approx(0.25 / gain)


def test_drifting_lag_refuses_a_gain_without_a_limit() -> None:
    with pytest.raises(ParameterError, match=r"^k must be in \(0, 2\)"):
        tr.drifting_lag(2.0, 1.0, 0.0, 10)


@pytest.mark.parametrize(("kappa", "omega", "p0"), [(1.0, 0.2, 0.0), (2.0, 2.0, -1.0),
                                                     (0.5, 8.0, 3.0)])
def test_sinusoid_fit_recovers_gain_and_phase_within_its_bounds(kappa: float, omega: float,
                                                                p0: float) -> None:
    fit = tr.sinusoid_response(kappa, 1.5, omega, p0)
    assert abs(fit.ratio - kappa / math.hypot(kappa, omega)) <= fit.ratio_error
    assert abs(fit.phase_lag - math.atan(omega / kappa)) <= fit.phase_error
    assert fit.ratio_error < 1e-8
    assert fit.phase_error < 1e-7


def test_a_short_settle_is_covered_by_the_transient_bound() -> None:
    fit = tr.sinusoid_response(1.0, 1.0, 1.0, p0=2.0, settle=2.0)
    assert fit.transient == pytest.approx(3.0 * math.exp(-2.0))
    error = abs(fit.ratio - 1.0 / math.sqrt(2.0))
    assert error <= fit.ratio_error
    assert error > 1e-6  # the transient really does bias the fit: the bound is not idle


def test_lead_time_of_a_tracker_starting_ahead() -> None:
    kappa, v, p0 = 2.0, 1.0, 1.0
    expected = math.log(1.0 + kappa * p0 / v) / kappa
    found = tr.lead_time(kappa, v, p0, 0.1, 1.0)
    assert abs(found.value - expected) <= found.tolerance
    assert _closed("lead")(kappa, v, p0) == pytest.approx(expected)


# --- the SymPy toolbox, on rules other than S9's -------------------------------------------

_k, _lam, _kap, _v, _s = sp.symbols("k lambda kappa v s", positive=True)
_c, _c_opt, _e0, _p, _target, _p0, _d = sp.symbols("c c^* e_0 p target p_0 d", real=True)
_n = sp.Symbol("n", integer=True, nonnegative=True)
_t = sp.Symbol("t", nonnegative=True)
_SCALED = _c - _k * _lam * (_c - _c_opt)  # the gain k acts through a curvature λ


def test_correction_of_a_scaled_rule_against_brute_force_iteration() -> None:
    r = st.correction(_SCALED, _c, _c_opt, _k, _e0, _n, _s)
    assert sp.simplify(r["factor"] - (1 - _k * _lam)) == 0
    c = _c_opt + _e0
    for n in range(6):  # the rsolve path equals the iterated rule, trial by trial
        assert sp.simplify(r["path"].subs(_n, n) - (c - _c_opt)) == 0
        c = _SCALED.subs(_c, c)
    assert r["stable"] == sp.Interval.open(0, 2 / _lam)
    assert r["monotone"] == sp.Interval.Lopen(0, 1 / _lam)
    assert r["overshoot"] == sp.Interval.open(1 / _lam, sp.oo)
    assert r["slow"] == sp.oo
    assert float(r["trials"].subs({_k: 0.1, _lam: 1, _s: math.log(50)})) == pytest.approx(
        math.log(50) / -math.log(0.9))


def test_gradient_gain_and_noisy_variance_of_the_scaled_rule() -> None:
    eta = sp.Symbol("eta", positive=True)
    g = st.gradient_gain(_c - _k * (_c - _c_opt), _lam * (_c - _c_opt) ** 2 / 2, _c, eta, _k)
    assert g["gain"] == eta * _lam
    assert g["rate"] == _k / _lam
    sigma = sp.Symbol("sigma", positive=True)
    w = st.noisy_variance(1 - _k * _lam, sigma, _k, _n)
    assert sp.simplify(w["stationary"] - sigma**2 / (1 - (1 - _k * _lam) ** 2)) == 0
    assert w["stable"] == sp.Interval.open(0, 2 / _lam)
    assert w["best"] == 1 / _lam
    assert w["curvature"].is_positive
    q, v = 0.3, 0.0  # the rsolve path against the recursion V ← q²V + σ², numerically
    for n in range(1, 8):
        v = q**2 * v + 0.25
        assert float(w["path"].subs({_k: 0.7, _lam: 1, sigma: 0.5, _n: n})) == pytest.approx(v)


def test_ramp_lag_and_lead_of_a_stiffer_flow() -> None:
    flow = st.gradient_flow(3 * _kap * (_p - _target) ** 2 / 2, _p)
    assert flow == -3 * _kap * (_p - _target)
    response = st.first_order_response(flow, _p, _target, _v * _t, _p0, _t)
    solution = response["solution"]
    assert sp.simplify(solution.subs(_t, 0) - _p0) == 0
    assert sp.simplify(sp.diff(solution, _t) - flow.subs({_p: solution, _target: _v * _t})) == 0
    lag = st.lag_behind(solution, _v * _t, _t)
    assert sp.simplify(lag["steady"] - _v / (3 * _kap)) == 0
    assert sp.simplify(lag["crossing"] - sp.log(1 + 3 * _kap * _p0 / _v) / (3 * _kap)) == 0


def test_sinusoid_response_and_transfer_function_agree_at_a_numeric_rate() -> None:
    a, omega = sp.Symbol("A", positive=True), sp.Symbol("omega", positive=True)
    flow = st.gradient_flow(2 * (_p - _target) ** 2 / 2, _p)  # κ = 2
    sine = st.first_order_response(flow, _p, _target, a * sp.sin(omega * _t), _p0, _t)
    response = st.sinusoid_gain_phase(sine["particular"], a, omega, _t)
    h = st.transfer_function(flow, _p, _target, omega, _t, a)
    assert sp.simplify(h["H"] - 2 / (2 + sp.I * omega)) == 0
    assert sp.simplify(response["ratio"] - 2 / sp.sqrt(4 + omega**2)) == 0
    assert sp.simplify(h["gain"] - response["ratio"]) == 0
    assert float(response["phase"].subs(omega, 3)) == pytest.approx(math.atan(1.5))
    assert float(h["phase"].subs(omega, 3)) == pytest.approx(math.atan(1.5))
    assert sp.simplify(h["sine"] - sine["particular"]) == 0


def test_drifting_lag_of_the_scaled_rule_and_by_iteration() -> None:
    gd = st.drifting_lag(_SCALED, _c, _c_opt, _v, _n, _d)
    assert sp.simplify(gd["lag"] - _v / (_k * _lam)) == 0
    lag = 0.0  # iterate the rule itself on c*_n = 0.25 n, k·λ = 0.4
    c = 0.0
    for n in range(300):
        c = c - 0.4 * (c - 0.25 * n)
        lag = 0.25 * (n + 1) - c
    assert lag == pytest.approx(float(gd["lag"].subs({_v: 0.25, _k: 0.4, _lam: 1})))


def test_interval_share_and_the_closed_form_table() -> None:
    assert st.interval_share(sp.Interval.open(0, 2), 1.0, 3.0) == pytest.approx(0.5)
    assert st.interval_share(sp.Interval.open(0, 2), 2.5, 3.0) == 0.0
    assert _fraction_in("monotone", 0.75, 1.25) == pytest.approx(0.5)
    assert set(st.ARGUMENTS) <= set(st.error_correction_derivation()[1])
    assert st.closed_form("steady")(1.0, 4.0) == pytest.approx(0.25)


# --- input validation -----------------------------------------------------------------------


@pytest.mark.parametrize(("call", "name"), [
    (lambda: tr.correct(0.0, -1.0, [1.0]), "k"),
    (lambda: tr.correct(0.0, 0.5, []), "targets"),
    (lambda: tr.correct(math.nan, 0.5, [1.0]), "c0"),
    (lambda: tr.correct(1.0, 1e200, np.zeros(5)), "k"),
    (lambda: tr.exact_errors(0.0, 0.5, 1.0, -1), "steps"),
    (lambda: tr.noisy_moments(0.5, 1.0, -1.0, 3), "sigma"),
    (lambda: tr.noisy_correction(0.5, 0.0, 1.0, 0.1, (3, 2)), "record"),
    (lambda: tr.random_gains(1.0, 0.5, 8), "k_hi"),
    (lambda: tr.random_gains(0.5, 1.0, 0), "steps"),
    (lambda: tr.gain_edge("fast", 0.0, 1.0, 5, 0.5, 1.5), "kind"),
    (lambda: tr.track(0.0, math.sin, 0.0, 1.0), "kappa"),
    (lambda: tr.track(1.0, math.sin, 0.0, -1.0), "horizon"),
    (lambda: tr.sinusoid_response(1.0, 1.0, 1.0, per_period=2), "per_period"),
    (lambda: tr.sinusoid_response(1.0, 0.0, 1.0), "amplitude"),
    (lambda: tr.lead_time(1.0, -1.0, 1.0, 0.1, 1.0), "v"),
    (lambda: st.correction(_c - _k * _c**2, _c, _c_opt, _k, _e0, _n, _s), "update"),
    (lambda: st.correction(_SCALED, "c", _c_opt, _k, _e0, _n, _s), "c"),
    (lambda: st.gradient_flow(_p**2, 1), "p"),
    (lambda: st.interval_share(sp.Interval(0, 1), 1.0, 1.0), "hi"),
    (lambda: st.closed_form("lag"), "name"),
])
def test_bad_input_names_the_parameter(call: object, name: str) -> None:
    with pytest.raises(ParameterError, match=rf"^{name} must be"):
        call()  # type: ignore[operator]
