"""M1 (momentum's effective learning rate) and M8 (decoupled weight decay)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import sympy as sp
from matplotlib.figure import Figure

from lrtheory import registry
from lrtheory.claim import Claim, Derivation, Point, Verdict
from lrtheory.claims.momentum import M1
from lrtheory.claims.weight_decay import M8
from lrtheory.errors import ParameterError
from lrtheory.montecarlo.runner import Ensemble
from lrtheory.montecarlo.stats import z_critical, z_test
from lrtheory.optimizers import heavy_ball, heavy_ball_lr_in_velocity
from lrtheory.plotting import close
from lrtheory.results import RunResult
from lrtheory.symbolic.identity import identical
from lrtheory.verify import Settings, verify


def _step(derivation: Derivation, name: str) -> Any:
    return next(s.expr for s in derivation.steps if s.name == name)


def _point(claim: Claim, label: str) -> Point:
    return next(p for p in claim.points if p.label.startswith(label))


@pytest.fixture(scope="module")
def small_run() -> RunResult:
    """M1 and M8 verified at a small Monte Carlo budget (resolution 5 %)."""
    return verify(registry.select(["M1", "M8"]),
                  Settings(seed=11, backend="numpy", resolution=0.05))


def test_every_identity_decides_as_expected(small_run: RunResult) -> None:
    for result in small_run.claims:
        assert len(result.identities) >= 8
        for r in result.identities:
            i = r.identity
            assert r.equal == identical(i.derived, i.stated) == i.expect_equal, i.name
            assert r.verdict == Verdict.VERIFIED
        assert any(not r.equal for r in result.identities) == (result.claim.id == "M8")


def test_m1_velocity_step_matches_the_unrolled_rule() -> None:
    beta, g = sp.Rational(3, 4), sp.Integer(2)
    v_t = _step(M1.derive(), "seed 000: v_{t+1} = βv_t + g, v_0 = 0 (rsolve)").rhs
    v = sp.Integer(0)
    for n in range(1, 5):
        _, v = heavy_ball(0, v, g, sp.Integer(1), beta)
        assert v_t.subs({sp.Symbol("beta", positive=True): beta, sp.Symbol("g", real=True): g,
                         sp.Symbol("t", integer=True, nonnegative=True): n}) == v


def test_m1_schedule_difference_step_in_exact_arithmetic() -> None:
    # β = 1/2, η: 1 for τ = 2 steps, then 1/4 until T = 5; g = 1, rationals throughout.
    beta, quarter = sp.Rational(1, 2), sp.Rational(1, 4)
    etas = [sp.Integer(1)] * 2 + [quarter] * 3
    th_a = v = th_b = u = sp.Integer(0)
    for eta in etas:
        th_a, v = heavy_ball(th_a, v, sp.Integer(1), eta, beta)
        th_b, u = heavy_ball_lr_in_velocity(th_b, u, sp.Integer(1), eta, beta)
    diff = _step(M1.derive(), "difference Δθ_B − Δθ_A").rhs
    names = {s.name: s for s in diff.free_symbols}
    value = diff.subs({names["beta"]: beta, names["g"]: 1, names["eta_1"]: 1,
                       names["eta_2"]: quarter, names["tau"]: 2, names["T"]: 5})
    assert value == th_b - th_a
    assert isinstance(value, sp.Rational)
    assert th_b != th_a


def test_m1_any_schedule_difference_in_exact_arithmetic() -> None:
    # The derived D_T = Σ_s (summand) against both rules iterated in rationals under an
    # irregular schedule (T = 7 > the finitely many cases any earlier check unrolled).
    beta, g = sp.Rational(2, 3), sp.Rational(-3, 2)
    etas = [sp.Rational(x, 10) for x in (3, 1, 4, 1, 5, 9, 2)]
    th_a = v = th_b = u = sp.Integer(0)
    for eta in etas:
        th_a, v = heavy_ball(th_a, v, g, eta, beta)
        th_b, u = heavy_ball_lr_in_velocity(th_b, u, g, eta, beta)
    general = _step(M1.derive(), "any schedule: difference after T steps").rhs
    (eta_s,) = {x.base for x in general.atoms(sp.Indexed)}
    names = {x.name: x for x in general.free_symbols if isinstance(x, sp.Symbol)}
    value = general.subs({names["beta"]: beta, names["g"]: g, names["T"]: len(etas)}).doit()
    value = value.subs({eta_s[i]: e for i, e in enumerate(etas)})
    assert value == th_b - th_a != 0


def test_m1_induction_identities_are_for_every_t() -> None:
    names = [i.name for i in M1.derive().identities]
    assert any(n.startswith("any schedule, induction base") for n in names)
    assert any(n.startswith("any schedule, induction step") for n in names)
    assert not any("no difference after any T" in n for n in names)  # the circular one


def test_m8_fixed_point_step_is_a_fixed_point() -> None:
    d = M8.derive()
    w_star = _step(d, "fixed point of w ← (1−λ_wd)w − η∇f(w)").rhs
    names = {s.name: s for s in w_star.free_symbols}
    eta, wd, h, c = (names[n] for n in ("eta", "lambda_wd", "h", "c"))
    assert sp.simplify((1 - wd) * w_star - eta * h * (w_star - c) - w_star) == 0
    alpha = _step(d, "α matching the shrunk point u*").rhs
    assert sp.simplify(alpha.subs({wd: sp.Rational(1, 5), eta: sp.Rational(1, 2)})) == \
        sp.Rational(1, 2)  # λ/(η(1−λ)) = 0.2/(0.5·0.8)


@pytest.mark.parametrize("claim", [M1, M8], ids=lambda c: c.id)
def test_model_checks_hold_at_every_point(claim: Claim) -> None:
    for point in claim.points:
        checks = claim.model(point)
        assert any(c.exact for c in checks)
        for c in checks:
            assert math.isfinite(c.closed_form)
            assert math.isfinite(c.model)
            if c.exact:
                assert c.abs_error <= c.tolerance, (point.label, c.name)


def test_m1_steady_state_error_is_beta_to_the_tau() -> None:
    p = _point(M1, "β = 0.999").params
    check = next(c for c in M1.model(_point(M1, "β = 0.999")) if not c.exact)
    b = p["beta"] ** p["tau"]
    assert check.rel_error == pytest.approx(b / (1 - b), rel=1e-9)
    assert check.rel_error > 4.0


def test_m8_sequential_reading_misses_lambda_over_eta_outside() -> None:
    checks = [c for c in M8.model(_point(M8, "η = 1")) if not c.exact]
    assert min(c.rel_error for c in checks) > 0.2


def test_monte_carlo_at_a_small_budget(small_run: RunResult) -> None:
    for result in small_run.claims:
        assert result.verdict != Verdict.REFUTED
        mc = [m for p in result.points for m in p.monte_carlo]
        assert len(mc) == result.claim.n_mc_checks
        assert all(m.verdict == Verdict.VERIFIED for m in mc), [m.reason for m in mc]
        assert all(o.rejected for m in mc for _, o in m.controls)


def test_monte_carlo_sees_the_transient_and_the_sequential_shift() -> None:
    # The step at τ for β = 0.99 is 13 % short of −η₁g/(1−β): Monte Carlo rejects the limit.
    point = _point(M1, "β = 0.99")
    assert M1.simulate is not None
    est = M1.simulate(point, Ensemble(seed=1), 4000)[0]
    steady = -point.params["eta1"] * point.params["g"] / (1 - point.params["beta"])
    assert z_test(est.sample.value, est.sample.se, steady, 1e-6).rejected
    # The shrink-then-gradient state is not the L2 solution at α = λ_wd/η near the edge.
    point = _point(M8, "η = 0.76")
    assert M8.simulate is not None
    est8 = M8.simulate(point, Ensemble(seed=1), 4000)
    assert z_test(est8[2].sample.value, est8[2].sample.se, est8[0].prediction, 1e-6).rejected
    assert abs(est8[0].sample.value - est8[0].prediction) < z_critical(1e-6) * est8[0].sample.se


def test_figures_and_validity(small_run: RunResult) -> None:
    for result in small_run.claims:
        fig = result.claim.figure(result)
        assert isinstance(fig, Figure)
        ax = fig.axes[0]
        assert ax.get_xlabel()
        assert ax.get_ylabel()
        assert ax.get_legend() is not None
        close(fig)
    m1, m8 = (c.validity() for c in (M1, M8) if c.validity)
    assert all(np.diff(m1.errors) < 0)  # the transient dies out
    x = np.array(m1.values) / (1 - 0.99)
    np.testing.assert_allclose(m1.errors, 0.99**x / (1 - 0.99**x), rtol=1e-9)
    np.testing.assert_allclose(m8.errors, m8.values, rtol=1e-9)  # |α/α_seq − 1| = λ_wd


@pytest.mark.parametrize(("change", "name"), [
    ({"beta": 1.0}, "beta"),
    ({"tau": 70}, "tau"),  # τ > T = 60
    ({"tau": 0}, "tau"),
    ({"tau": 20.5}, "tau"),
    ({"T": 0}, "T"),
    ({"eta2": 0.0}, "eta2"),
    ({"g": math.inf}, "g"),
    ({"sigma": -1.0}, "sigma"),
])
def test_m1_bad_point_parameters_raise(change: dict[str, float], name: str) -> None:
    bad = Point("bad", {**_point(M1, "β = 0.9").params, **change})
    assert M1.simulate is not None
    with pytest.raises(ParameterError, match=rf"^{name} must be"):
        M1.simulate(bad, Ensemble(seed=0), 100)
    if name != "sigma":
        with pytest.raises(ParameterError, match=rf"^{name} must be"):
            M1.model(bad)


def test_m1_tau_equal_to_t_is_allowed() -> None:
    p = {**_point(M1, "β = 0.9").params, "tau": 60}
    for c in M1.model(Point("τ = T", p)):
        if c.exact:
            assert c.abs_error <= c.tolerance, c.name


@pytest.mark.parametrize("eta", [0.81, 0.9, 5.0])
def test_m8_unstable_eta_raises(eta: float) -> None:
    # h₂ = 2, λ_wd = 0.38: the decoupled rule contracts only for η < (2 − 0.38)/2 = 0.81
    # (at 0.81 the factor is exactly −1; beyond it the old code reported 0 as fixed point).
    bad = Point("bad", {**_point(M8, "η = 0.76").params, "eta": eta})
    with pytest.raises(ParameterError, match=r"^eta must be in \(0, \(2 − λ_wd\)/max h\)"):
        M8.model(bad)
    assert M8.simulate is not None
    with pytest.raises(ParameterError, match=r"^eta must be"):
        M8.simulate(bad, Ensemble(seed=0), 100)


@pytest.mark.parametrize(("change", "name"), [
    ({"h1": 0.0}, "h1"), ({"c2": math.nan}, "c2"), ({"wd": -0.1}, "wd"), ({"eta": 0.0}, "eta"),
])
def test_m8_bad_point_parameters_raise(change: dict[str, float], name: str) -> None:
    bad = Point("bad", {**_point(M8, "η = 0.2").params, **change})
    with pytest.raises(ParameterError, match=rf"^{name} must be"):
        M8.model(bad)


def test_bad_point_parameters_raise() -> None:
    bad = Point("bad", {**_point(M1, "β = 0.5").params, "beta": 1.0})
    with pytest.raises(ParameterError, match="beta"):
        M1.model(bad)
    bad = Point("bad", {**_point(M8, "η = 0.2").params, "wd": 1.5})
    with pytest.raises(ParameterError, match="wd"):
        M8.model(bad)
