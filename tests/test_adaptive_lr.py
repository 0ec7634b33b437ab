"""M6 (adaptive methods' effective learning rates) and the toolbox lrtheory.models.adam_moments."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import sympy as sp
from matplotlib.figure import Figure
from scipy.special import erf, gammaln

from lrtheory import registry
from lrtheory.claim import Point, Verdict
from lrtheory.claims.adaptive_lr import M6, _simulate_m6, steady_ratio_error
from lrtheory.errors import ParameterError
from lrtheory.models.adam_moments import (
    adagrad_inverse_sqrt,
    adam_step_expectation,
    ema_weights,
    inverse_power_expectation,
    ratio_bound,
    ratio_expectation,
    stationary_step_expectation,
    stationary_steps,
)
from lrtheory.montecarlo.runner import Ensemble
from lrtheory.optimizers import AdamState, adam, rmsprop
from lrtheory.plotting import close
from lrtheory.results import RunResult
from lrtheory.symbolic.identity import identical
from lrtheory.verify import Settings, verify

# --------------------------------------------------------------------------------------
# Toolbox: weights, bounds, quadratures
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("beta", [0.0, 0.5, 0.9, 0.999])
def test_ema_weights_are_the_rules_own_weights(beta: float) -> None:
    # Feed Adam unit impulses: the gradient at lag j alone gives m̂ = a_j.
    t = 7
    impulses = np.eye(t)[::-1]  # column j: gradient 1 at step t − j
    state = AdamState.zeros(np.zeros(t))
    for k in range(t):
        _, state = adam(np.zeros(t), state, impulses[k], 1.0, beta, 0.5)
    np.testing.assert_allclose(state.m / (1 - beta**t), ema_weights(beta, t), rtol=1e-13)
    assert ema_weights(beta, t).sum() == pytest.approx(1.0, rel=1e-14)
    raw = ema_weights(beta, t, corrected=False)
    assert raw.sum() == pytest.approx(1 - beta**t, abs=1e-15)


def test_ratio_bound_is_attained_and_never_exceeded() -> None:
    rng = np.random.default_rng(3)
    a, w = ema_weights(0.9, 12), ema_weights(0.95, 12)
    bound = ratio_bound(a, w)
    g = rng.normal(size=(20000, 12)) * 3 + 0.5
    assert np.max(np.abs(g @ a) / np.sqrt((g * g) @ w)) <= bound * (1 + 1e-12)
    best = a / w  # Cauchy–Schwarz equality
    assert abs(best @ a) / math.sqrt((best * best) @ w) == pytest.approx(bound, rel=1e-12)
    assert ratio_bound([1.0, 1.0], [1.0, 0.0]) == math.inf


@pytest.mark.parametrize("r", [0.01, 0.3, 1.0, 2.5, 8.0])
def test_first_step_is_erf(r: float) -> None:
    q = ratio_expectation([1.0], [1.0], r, 1.0)
    assert abs(q.value - erf(r / math.sqrt(2))) <= q.error + 1e-16
    assert q.error < 1e-11


@pytest.mark.parametrize(("t", "mu", "s"), [(2, 0.0, 1.0), (3, 0.7, 2.0), (25, 1.5, 0.5),
                                            (400, 0.1, 1.0)])
def test_inverse_sqrt_quadrature_matches_the_1f1_closed_form(t: int, mu: float, s: float) -> None:
    q = inverse_power_expectation(np.ones(t), mu, s)
    closed = adagrad_inverse_sqrt(t, mu, s)
    assert abs(q.value - closed) <= q.error + 8e-16 * closed
    if mu == 0.0:  # central χ²: Γ((t−1)/2)/(√2Γ(t/2))/s
        assert closed == pytest.approx(
            math.exp(gammaln((t - 1) / 2) - gammaln(t / 2)) / (math.sqrt(2) * s), rel=1e-14)


def test_inverse_first_moment_is_one_over_t_minus_two() -> None:
    q = inverse_power_expectation(np.ones(9), 0.0, 2.0, 1.0)  # E[1/χ²_9]/s² = 1/(7·4)
    assert abs(q.value - 1 / 28) <= q.error + 1e-17


def test_ratio_expectation_against_monte_carlo() -> None:
    rng = np.random.default_rng(7)
    a, w = ema_weights(0.8, 6), ema_weights(0.9, 6)
    g = 0.6 + 1.3 * rng.normal(size=(400_000, 6))
    sample = (g @ a) / np.sqrt((g * g) @ w)
    se = sample.std() / math.sqrt(sample.size)
    exact = ratio_expectation(a, w, 0.6, 1.3).value
    assert abs(sample.mean() - exact) < 4.5 * se
    approx = 0.6 / math.sqrt(0.6**2 + 1.3**2)
    assert abs(sample.mean() - approx) > 6 * se  # the ratio of expectations is resolved off


def test_quadrature_invariances_and_step_refinement() -> None:
    a, w = ema_weights(0.9, 30), ema_weights(0.99, 30)
    base = ratio_expectation(a, w, 0.4, 1.0)
    assert ratio_expectation(a, 4.0 * w, 0.4, 1.0).value == pytest.approx(base.value / 2,
                                                                           rel=1e-13)
    assert ratio_expectation(a, w, 1.2, 3.0).value == pytest.approx(base.value, rel=1e-13)
    assert ratio_expectation(a, w, -0.4, 1.0).value == pytest.approx(-base.value, rel=1e-13)
    fine = ratio_expectation(a, w, 0.4, 1.0, h=0.125)
    assert abs(fine.value - base.value) <= base.error + fine.error
    # ε outside the root: the bound on its shift joins the error and contains the change.
    shifted = ratio_expectation(a, w, 0.4, 1.0, eps=1e-3)
    assert shifted.error > base.error + 1e-4


def test_stationary_regime() -> None:
    assert stationary_steps(0.9, 0.999) == 37000
    assert stationary_steps(0.0, 0.0) == 1
    q = stationary_step_expectation(0.0, 0.0, 1.0, 1.0)
    assert q.value == pytest.approx(erf(1 / math.sqrt(2)), abs=1e-14)
    # β₂ → 1: v̂ concentrates and the ratio of expectations becomes exact.
    assert adam_step_expectation(0.9, 0.999, 37000, 0.5, 1.0).value == pytest.approx(
        0.5 / math.sqrt(1.25), rel=1e-3)


@pytest.mark.parametrize(("call", "name"), [
    (lambda: ema_weights(1.0, 3), "beta"),
    (lambda: ema_weights(0.5, 0), "t"),
    (lambda: ratio_expectation([1.0], [1.0], 0.5, 0.0), "s"),
    (lambda: ratio_expectation([1.0], [-1.0], 0.5, 1.0), "w"),
    (lambda: ratio_expectation([1.0, 2.0], [1.0], 0.5, 1.0), "a"),
    (lambda: ratio_expectation([1.0, 1.0], [1.0, 0.0], 0.5, 1.0), "a"),
    (lambda: ratio_expectation([0.5, 0.5, 0.5], [1.0, 1.0, 0.0], 0.5, 1.0, eps=1e-8), "eps"),
    (lambda: inverse_power_expectation([1.0, 1.0], 0.0, 1.0, 1.0), "w"),
    (lambda: inverse_power_expectation([1.0, 1.0, 1.0], 0.0, 1.0, 1.0, eps=1e-8), "w"),
    (lambda: inverse_power_expectation([1.0, 1.0, 1.0], 0.0, 1.0, -1.0), "p"),
    (lambda: adagrad_inverse_sqrt(1, 0.0, 1.0), "t"),
])
def test_bad_toolbox_input_raises(call: Any, name: str) -> None:
    with pytest.raises(ParameterError) as info:
        call()
    assert info.value.name == name


# --------------------------------------------------------------------------------------
# The claim
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_run() -> RunResult:
    """M6 verified at a small Monte Carlo budget (resolution 10 %)."""
    return verify(registry.select(["M6"]), Settings(seed=13, backend="numpy", resolution=0.1))


def test_every_identity_decides_as_expected(small_run: RunResult) -> None:
    (result,) = small_run.claims
    assert len(result.identities) >= 15
    for r in result.identities:
        assert r.verdict == Verdict.VERIFIED, r.identity.name
        assert r.equal == identical(r.identity.derived, r.identity.stated) == \
            r.identity.expect_equal
    assert [r.identity.name for r in result.identities if not r.equal] == [
        "small μ/s: (exact first step / ratio)² → 2/π, not 1"]


def _step(name: str) -> Any:
    return next(s.expr for s in M6.derive().steps if s.name == name).rhs


def test_unrolled_averages_match_the_rules_in_exact_arithmetic() -> None:
    rho, q = sp.Rational(9, 10), sp.Rational(5, 2)
    v = sp.Integer(0)
    for _ in range(6):
        _, v = rmsprop(sp.Integer(0), v, sp.sqrt(q), sp.Integer(1), rho, sp.Rational(1, 10))
    ev = _step("RMSProp: E v_t (unrolled, g² → E g²)")
    names = {x.name: x for x in ev.free_symbols}
    # E g² = μ² + s² = q at μ = 1/2, s = √(9/4)
    value = ev.subs({names["rho"]: rho, names["t"]: 6, names["mu"]: sp.Rational(1, 2),
                     names["s"]: sp.Rational(3, 2)})
    assert value == v == (1 - rho**6) * q


def test_model_checks_hold_at_every_point() -> None:
    for point in M6.points:
        checks = M6.model(point)
        for c in checks:
            assert math.isfinite(c.closed_form)
            assert math.isfinite(c.model)
            if c.exact:
                assert c.abs_error <= c.tolerance, (point.label, c.name)
        approx = {c.name: c.rel_error for c in checks if not c.exact}
        ratio = approx["Adam: ratio of expectations μ/√(μ² + s²) vs exact E[m̂/√v̂]"]
        second = approx["Adam: second order (delta method) vs exact E[m̂/√v̂]"]
        assert second < ratio / 5, point.label  # the derived correction explains the error


def test_where_the_ratio_of_expectations_fails() -> None:
    by_label = {p.label: p for p in M6.points}
    errors = {label: next(c.rel_error for c in M6.model(p) if c.name.startswith(
        "Adam: ratio")) for label, p in by_label.items()}
    assert errors["first step t = 1, μ/s = 0.3"] > 0.2
    assert errors["β = (0, 0.5), t = 8: short second-moment memory"] > 0.07
    assert errors["β = (0.9, 0.999), t = 5000, μ/s = 0.2"] < 1e-3
    # The validity domain shrinks like 1 − β₂ and the findings quote it.
    v = M6.validity() if M6.validity else None
    assert v is not None
    assert all(b < a for a, b in zip(v.errors, v.errors[1:], strict=False))
    gaps = np.array(v.values)
    assert np.all(np.abs(np.array(v.errors)[gaps <= 0.01] / gaps[gaps <= 0.01] - 0.58) < 0.03)
    assert steady_ratio_error(0.9, 0.5, 0.2)[0] == pytest.approx(-0.135, abs=5e-4)
    assert steady_ratio_error(0.0, 0.0, 2.0)[0] == pytest.approx(-0.063, abs=5e-4)


def test_monte_carlo_at_a_small_budget(small_run: RunResult) -> None:
    (result,) = small_run.claims
    assert result.verdict != Verdict.REFUTED
    assert all(m.verdict == Verdict.VERIFIED for m in result.monte_carlo)
    assert result.controls_rejected


def test_monte_carlo_resolves_what_the_approximations_miss() -> None:
    point = next(p for p in M6.points if p.label.startswith("β = (0, 0.5)"))
    est = {e.name: e for e in _simulate_m6(point, Ensemble(seed=2), 200_000)}
    step = est["Adam: mean step m̂_t/(√v̂_t + ε) (exact quadrature)"].sample
    assert abs(step.value - 1 / math.sqrt(2)) > 10 * step.se  # αμ/√(μ²+s²) rejected
    rate = est["AdaGrad: mean rate η/(√Σg² + ε) (₁F₁ closed form)"].sample
    assert abs(rate.value - 1e-3 / math.sqrt(16)) > 10 * rate.se  # Jensen's gap
    # Adam's defaults at t = 10: without the bias correction v_t holds 1 % of E g².
    defaults = {e.name: e for e in _simulate_m6(M6.points[0], Ensemble(seed=2), 4000)}
    v_hat = defaults["Adam: mean v̂_t (= μ² + s², unbiased)"]
    assert abs(v_hat.sample.value - v_hat.prediction) < 4.5 * v_hat.sample.se
    assert v_hat.sample.value * (1 - 0.999**10) < 0.03


def test_figure(small_run: RunResult) -> None:
    fig = M6.figure(small_run.claims[0])
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 2
    close(fig)


@pytest.mark.parametrize(("change", "name"), [
    ({"t": 2.5}, "t"), ({"t": 0}, "t"), ({"mu": 0.0}, "mu"), ({"s": -1.0}, "s"),
    ({"beta2": 1.0}, "beta2"), ({"rho": -0.1}, "rho"), ({"eps": 0.0}, "eps"),
])
def test_bad_point_parameters_raise(change: dict[str, float], name: str) -> None:
    point = Point("bad", {**M6.points[0].params, **change})
    with pytest.raises(ParameterError) as info:
        M6.model(point)
    assert info.value.name == name


def test_monte_carlo_needs_three_steps() -> None:
    point = next(p for p in M6.points if p.label.startswith("first step"))
    with pytest.raises(ParameterError) as info:
        _simulate_m6(point, Ensemble(seed=0), 1000)
    assert info.value.name == "t"
