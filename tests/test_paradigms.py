"""G3 continual-forgetting: derivation, models, Monte Carlo, findings, input checks."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from lrtheory import Settings, registry, verify
from lrtheory.claim import Derivation
from lrtheory.claims.paradigms import G3, SCHEDULES
from lrtheory.models.continual import ode_closed_form
from lrtheory.results import ClaimResult
from lrtheory.symbolic.identity import identical


@pytest.fixture(scope="module")
def derivation() -> Derivation:
    return G3.derive()


@pytest.fixture(scope="module")
def result() -> ClaimResult:
    settings = Settings(seed=11, backend="numpy", resolution=0.05, pilot_chains=1000)
    return verify(registry.select(["G3"]), settings).claims[0]


def test_every_identity_decided_as_expected(derivation: Derivation) -> None:
    assert len(derivation.identities) >= 15
    for identity in derivation.identities:
        assert identical(identity.derived, identity.stated) == identity.expect_equal, identity.name


def test_provenance_labels(derivation: Derivation) -> None:
    by_name = {i.name: i for i in derivation.identities}
    assert by_name["skill P = 1 − exp(−a∫η)"].provenance == "modelled"
    assert by_name["retention R = exp(−b∫η²)"].provenance == "modelled"
    stated = [i for i in derivation.identities if i.provenance == "stated"]
    assert {i.name for i in stated} == {
        "skill grows at a rate ∝ η (per-step relative gain)",
        "retention decays at a rate ∝ η² (per-step log loss)"}


def test_identities_are_not_vacuous(derivation: Derivation) -> None:
    by_name = {i.name: i for i in derivation.identities}
    eta0, T = sp.symbols("eta_0 T", positive=True)
    # A wrong stated integral would be caught.
    assert not identical(by_name["cosine: ∫₀ᵀη²"].derived, eta0**2 * T / 3)
    assert not identical(by_name["linear decay: frontier factor c = T∫η²/(∫η)²"].derived,
                         sp.Integer(1))


def test_derivation_steps(derivation: Derivation) -> None:
    steps = {s.name: s.expr for s in derivation.steps}
    c = sp.Symbol("c", positive=True)
    assert identical(steps["E(cos cζ) from the Gaussian moments (2n − 1)!!"].rhs,
                     sp.exp(-c**2 / 2))
    separable = steps["dsolve (P, separable)"]
    assert isinstance(separable, sp.Equality)
    assert separable.lhs.has(sp.log)
    assert identical(steps["stationary schedule"].rhs,
                     sp.Symbol("A", positive=True) / sp.Symbol("T", positive=True))


def test_model_checks_at_every_point() -> None:
    for point in G3.points:
        checks = G3.model(point)
        exact = [c for c in checks if c.exact]
        assert len(exact) == 2 * len(SCHEDULES)
        for check in exact:
            assert check.abs_error <= check.tolerance, (point.label, check.name)
            assert check.tolerance < 1e-8


def test_mean_field_gap_grows_with_the_step() -> None:
    validity = G3.validity()  # type: ignore[misc]
    errors = np.array(validity.errors)
    assert np.all(np.diff(errors) > 0)
    assert errors[0] < 2e-3 < 0.1 < errors[-1]
    gaps = {p.label: max(c.rel_error for c in G3.model(p) if not c.exact) for p in G3.points}
    assert gaps["deep mean field: aη₀ = 0.002, T = 1000"] < 2e-3
    assert gaps["large steps: aη₀ = 0.25, T = 8"] > 0.05


def test_schedule_comparison_findings() -> None:
    eta0, total, a, b = 0.1, 100.0, 0.2, 0.4
    ends = {name: ode_closed_form(f, total, eta0, total, a, b) for name, f in SCHEDULES}
    const, lin, cos, equal = (ends[n] for n, _ in SCHEDULES)
    # Equal peak: decaying schedules forget less and learn less.
    assert lin[1] > cos[1] > const[1]
    assert const[0] > lin[0]
    # Equal progress: the constant schedule keeps most (exponent ratios 4/3, 3/2).
    assert np.isclose(lin[0], equal[0])
    assert np.isclose(cos[0], equal[0])
    assert equal[1] > lin[1] > cos[1]
    assert np.log(lin[1]) / np.log(equal[1]) == pytest.approx(4 / 3)
    assert np.log(cos[1]) / np.log(equal[1]) == pytest.approx(3 / 2)


def test_monte_carlo_small_budget(result: ClaimResult) -> None:
    assert result.verdict != "refuted"
    runs = [mc for p in result.points for mc in p.monte_carlo]
    assert len(runs) == len(G3.statistics) * len(G3.mc_points) == 12
    for mc in runs:
        assert mc.verdict == "verified", (mc.estimate.name, mc.reason)
        assert all(outcome.rejected for _, outcome in mc.controls)
    assert all(i.verdict == "verified" for i in result.identities)


def test_figure(result: ClaimResult) -> None:
    fig = G3.figure(result)
    axes = fig.get_axes()
    assert len(axes) == 2
    assert all(ax.get_xlabel() and ax.get_ylabel() for ax in axes)


def test_points_cover_regimes() -> None:
    regimes = {p.regime for p in G3.points}
    assert regimes == {"inside", "boundary", "outside"}
    # the per-step gain aη₀ orders the regimes: mean field, its edge, large steps
    gain = {p.regime: p.params["a"] * p.params["eta0"] for p in G3.points}
    inside = [p.params["a"] * p.params["eta0"] for p in G3.points if p.regime == "inside"]
    assert max(inside) < gain["boundary"] < gain["outside"]
    # Monte Carlo runs inside the mean field and where the ODE fails
    assert {p.regime for p in G3.mc_points} == {"inside", "outside"}


def test_model_tolerances_come_from_the_dop853_bound() -> None:
    from lrtheory.claims.paradigms import ATOL, RTOL
    for check in G3.model(G3.points[0]):
        if check.exact:
            assert "dop853_error_bound" in check.tolerance_reason
            steps = check.tolerance / (ATOL + RTOL)
            assert steps == pytest.approx(round(steps), abs=1e-6)
            assert f"{round(steps)} accepted DOP853 steps" in check.tolerance_reason


def test_finding_quotes_the_full_comparison() -> None:
    text = " ".join(G3.findings)
    assert "better compromise than a constant high learning rate" in text
    assert "does not contradict the source" in text
