"""D3 sgd-temperature: derivation, models, Monte Carlo, and the helpers it is built from."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from lrtheory import Settings, Verdict, registry, verify
from lrtheory.claim import Derivation
from lrtheory.claims import stochastic as st
from lrtheory.models import lyapunov as lyap
from lrtheory.montecarlo.runner import Ensemble
from lrtheory.results import RunResult
from lrtheory.symbolic import lyapunov as sl
from lrtheory.symbolic.identity import identical
from lrtheory.verify import judge_model

D3 = st.D3


@pytest.fixture(scope="module")
def derivation() -> Derivation:
    return D3.derive()


@pytest.fixture(scope="module")
def run() -> RunResult:
    # A small Monte Carlo budget: the negative controls are shifted by 10 % instead of 2 %.
    return verify(registry.select(["D3"]), Settings(seed=11, backend="numpy", resolution=0.1,
                                                    pilot_chains=2000))


# --- derivation ---------------------------------------------------------------------------


def test_registered() -> None:
    assert registry.get("D3") is D3
    assert registry.get("sgd-temperature") is D3
    assert D3.n_mc_checks == 2 * len(D3.mc_points) == 8


def test_every_identity_decided_as_expected(derivation: Derivation) -> None:
    for identity in derivation.identities:
        assert identical(identity.derived, identity.stated) == identity.expect_equal, \
            identity.name


def test_stated_identities_and_findings(derivation: Derivation) -> None:
    by_name = {i.name: i for i in derivation.identities}
    assert by_name["update noise Var(Δθ) = η²σ²/B"].provenance == "stated"
    exact_t = by_name["temperature ∝ learning rate (exact SGD)"]
    assert exact_t.expect_equal is False
    assert not identical(exact_t.derived, exact_t.stated)


def test_steps_spot_check() -> None:
    eta, lam, sigma, B = st.eta, st.lam, st.sigma, st.B
    r = st._derive_1d()
    # the fixed point really is one of the recursion
    assert sp.simplify(r["rhs"].subs(sl.V, r["exact"]) - r["exact"]) == 0
    # the stable set is (0, 2/λ) and the variance blows up at its end
    assert r["stable"] == sp.Interval.open(0, 2 / lam)
    assert r["blowup"] == sp.oo
    # exact value at ηλ = 1 is twice the SDE value
    assert sp.simplify((r["exact"] / r["sde"]).subs(eta, 1 / lam)) == 2
    # the OU path starts at V_0 and solves its moment ODE
    path = r["sde_path"]
    assert sp.simplify(path.subs(sl.TIME, 0) - sl.V0) == 0
    assert sp.simplify(sp.diff(path, sl.TIME) - r["sde_moment_ode"].subs(sl.V, path)) == 0
    # the rsolve path satisfies the recursion
    step = r["path"].subs(sl.STEP, sl.STEP + 1) - r["rhs"].subs(sl.V, r["path"])
    assert sp.simplify(sp.expand_power_base(sp.powsimp(step), force=True)) == 0
    # SDE temperature
    assert sp.simplify(r["temperature_sde"] - eta * sigma**2 / (2 * B)) == 0


# --- models --------------------------------------------------------------------------------


def test_model_checks_pass_at_every_point() -> None:
    for point in D3.points:
        for check in D3.model(point):
            result = judge_model(check)
            assert result.verdict != Verdict.REFUTED, (point.label, result.reason)
            if check.exact:
                assert check.abs_error <= check.tolerance


def test_sde_error_at_eta_lambda_one() -> None:
    point = next(p for p in D3.points if p.params["eta_lam"] == 1.0)
    check = next(c for c in D3.model(point) if c.name.startswith("1-D SDE"))
    assert not check.exact
    assert check.rel_error == pytest.approx(0.5, rel=1e-12)  # SDE = exact/2
    assert check.model / check.closed_form == pytest.approx(2.0, rel=1e-12)


def test_validity_domain_matches_derived_error() -> None:
    assert D3.validity is not None
    v = D3.validity()
    u = np.array(v.values)
    assert np.allclose(v.errors, u / (2 - u), rtol=1e-9)
    assert v.errors[-1] > 100  # diverges towards ηλ = 2


# --- Monte Carlo ---------------------------------------------------------------------------


def test_monte_carlo_small_budget(run: RunResult) -> None:
    claim = run.claims[0]
    assert claim.verdict != Verdict.REFUTED
    assert all(i.verdict == Verdict.VERIFIED for i in claim.identities)
    n_tests = 0
    for point in claim.points:
        assert point.divergence is None
        for mc in point.monte_carlo:
            n_tests += 1
            assert mc.verdict == Verdict.VERIFIED, (point.point.label, mc.reason)
            assert all(outcome.rejected for _, outcome in mc.controls)
    assert n_tests == D3.n_mc_checks


def test_wrong_prediction_is_rejected(run: RunResult) -> None:
    """The SDE variance as a prediction of the ηλ = 1 chains is far off: the test rejects it."""
    from lrtheory.montecarlo.stats import test_prediction
    point = next(p for p in run.claims[0].points if p.point.params["eta_lam"] == 1.0)
    mc = point.monte_carlo[0]
    p = point.point.params
    sde = st._numeric()["sde"](p["eta_lam"] / p["lam"], p["lam"], p["sigma"], p["B"])
    assert test_prediction(mc.estimate.sample, sde, mc.alpha).rejected
    assert mc.estimate.sample.value / sde == pytest.approx(2.0, rel=0.1)


def test_figure(run: RunResult) -> None:
    fig = D3.figure(run.claims[0])
    axes = fig.get_axes()
    assert len(axes) == 2
    assert all(ax.get_xlabel() and ax.get_ylabel() for ax in axes)
    assert axes[0].get_legend() is not None


def test_predictions_use_exact_finite_t() -> None:
    """At the small-ηλ point the slow direction is far from stationary at T: the loss
    prediction is the finite-T value, well below the stationary one."""
    point = D3.points[0]
    eta_, H, C, B = st._problem(point)
    finite = 0.5 * np.trace(H @ lyap.covariance_recursion(eta_, H, C, B,
                                                          int(point.params["steps"])))
    stationary, _, _ = lyap.stationary_loss(eta_, H, C, B)
    assert finite < 0.8 * stationary
    predicted = D3.simulate(point, Ensemble(seed=1), 1000)[1].prediction  # type: ignore[misc]
    assert math.isclose(predicted, finite, rel_tol=1e-12)
