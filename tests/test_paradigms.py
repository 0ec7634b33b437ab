"""G3 continual-forgetting: derivation, models, Monte Carlo, findings, input checks."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from lrtheory import Settings, registry, verify
from lrtheory.claim import Derivation, Point
from lrtheory.claims.paradigms import G3, SCHEDULES, ode_closed_form
from lrtheory.errors import ParameterError
from lrtheory.models.continual import discrete_expectations, two_task_sgd
from lrtheory.montecarlo.runner import Ensemble
from lrtheory.results import ClaimResult
from lrtheory.symbolic.identity import identical

from .conftest import SEEDS_DIR


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


def test_quotes_are_verbatim() -> None:
    if not SEEDS_DIR.is_dir():
        pytest.skip(f"seed texts not found at {SEEDS_DIR}")
    for source in G3.sources:
        assert source.quote in (SEEDS_DIR / source.seed).read_text(encoding="utf-8")


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


def test_discrete_expectations_match_the_recursion() -> None:
    rng = np.random.default_rng(0)
    etas = rng.uniform(0.0, 0.5, size=(2, 30))
    skill, keep = discrete_expectations(etas, 0.3, 0.7)
    one_minus_p, r = np.ones(2), np.ones(2)
    for k in range(30):
        one_minus_p *= 1 - 0.3 * etas[:, k]
        r *= np.exp(-0.7 * etas[:, k] ** 2)
        np.testing.assert_allclose(skill[:, k], 1 - one_minus_p, rtol=1e-13)
        np.testing.assert_allclose(keep[:, k], r, rtol=1e-13)


def test_schedule_comparison_findings() -> None:
    eta0, total, a, b = 0.1, 100.0, 0.2, 0.4
    ends = {name: ode_closed_form(name, total, eta0, total, a, b) for name, _ in SCHEDULES}
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


def test_kernel_columns() -> None:
    etas = np.full((3, 5), 0.1)
    moments = Ensemble(seed=1, threads=1).run(two_task_sgd(etas, 0.2, 0.4), 2000)
    assert moments.mean.shape == (6,)
    # Identical schedules with common random numbers give identical columns.
    np.testing.assert_allclose(moments.mean[0::2], moments.mean[0])
    np.testing.assert_allclose(moments.mean[1::2], moments.mean[1])


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


@pytest.mark.parametrize(("call", "name"), [
    (lambda: discrete_expectations(np.ones(3), -1.0, 0.1), "a"),
    (lambda: discrete_expectations(np.ones(3), 0.1, 0.0), "b"),
    (lambda: discrete_expectations(np.array([np.nan]), 0.1, 0.1), "etas"),
    (lambda: two_task_sgd(np.ones(3), 0.1, 0.1), "etas"),
    (lambda: two_task_sgd(np.ones((1, 3)), 0.1, np.inf), "b"),
    (lambda: ode_closed_form("step", 1.0, 0.1, 10.0, 0.2, 0.4), "name"),
    (lambda: ode_closed_form("cosine", 1.0, 0.1, 0.0, 0.2, 0.4), "total"),
    (lambda: ode_closed_form("cosine", 1.0, 0.1, 10.0, 0.2, -0.4), "b"),
])
def test_bad_input(call: object, name: str) -> None:
    with pytest.raises(ParameterError, match=f"^{name} "):
        call()  # type: ignore[operator]


def test_points_cover_regimes() -> None:
    regimes = {p.regime for p in G3.points}
    assert regimes == {"inside", "boundary", "outside"}
    assert all(isinstance(p, Point) for p in G3.points)
