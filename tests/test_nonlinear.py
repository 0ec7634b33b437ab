"""N1 clipping-two-cycle: derivation, exact model, Monte Carlo, validity domain and figure.

Quotes, completeness and the generic verdicts are checked for every claim in test_claims.py;
the clipped-GD model itself in test_clipping.py.
"""

from __future__ import annotations

import pytest
import sympy as sp

from lrtheory import Settings, registry, verify
from lrtheory.claim import Derivation, Verdict
from lrtheory.claims.nonlinear import N1, N1_STATISTICS, VALIDITY_A
from lrtheory.models.clipping import C_SYM, ETA, LAM
from lrtheory.results import ClaimResult
from lrtheory.symbolic.identity import identical


@pytest.fixture(scope="module")
def derivation() -> Derivation:
    return N1.derive()


@pytest.fixture(scope="module")
def result() -> ClaimResult:
    return verify(registry.select(["N1"]), Settings(seed=7, backend="numpy")).claims[0]


def test_every_identity_decided_as_expected(derivation: Derivation) -> None:
    assert len(derivation.identities) >= 25
    for identity in derivation.identities:
        assert identical(identity.derived, identity.stated) == identity.expect_equal, identity.name


def test_identities_are_not_vacuous(derivation: Derivation) -> None:
    by_name = {i.name: i.derived for i in derivation.identities}
    eta, lam, C = ETA, LAM, C_SYM
    top = by_name["largest amplitude over the 2-cycles, ηλ > 2"]
    assert not identical(top, C * eta * lam / lam)
    assert not identical(top, eta * C / 2)
    assert not identical(by_name["mean amplitude, uniform starts, ηλ > 2"], top)
    assert not identical(by_name["multiplier of every clipped 2-cycle (neutral)"], -1)
    # The derived tail is not the uniform law on [C/λ, A] (the landing law of |x|).
    tail = by_name["P(amplitude > A − δ) = δ/(A − ηC/2) for 0 < δ ≤ A − ηC/2, ηλ > 2"]
    assert not identical(tail[0], sp.Symbol("delta", positive=True) / (top - C / lam))


def test_density_identities_come_from_the_pushforward(derivation: Derivation) -> None:
    by_name = {i.name: i for i in derivation.identities}
    landing = by_name["landing point uniform on C/λ ≤ |x| ≤ A, ηλ > 2"]
    assert landing.provenance == "derived"
    assert "N = 3" in landing.note
    assert "mechanised" in landing.note
    steps = {s.name: s.expr for s in derivation.steps}
    repeat = next(v for k, v in steps.items() if k.startswith("ηλ = 2+s: unlanded density"))
    s = sp.Symbol("s", positive=True)
    assert identical(repeat[1], 1 / (1 + s))  # the unlanded part shrinks by 1/(ηλ−1)


def test_derivation_steps(derivation: Derivation) -> None:
    steps = {s.name: s.expr for s in derivation.steps}
    by_itinerary = steps["ηλ = 2+s: period-2 sets by itinerary (points, multiplier)"]
    names = [tuple(str(b) for b in entry[0]) for entry in by_itinerary]
    assert ("clipped +", "clipped −") in names
    # The linear-linear itinerary gives only the fixed point 0, repelling as (ηλ−1)² > 1.
    linear = by_itinerary[names.index(("linear", "linear"))]
    assert linear[1] == sp.FiniteSet(0)
    assert steps["origin attracting for η in"] == sp.Interval.open(0, 2 / LAM)
    assert steps["1 < ηλ < 2: prime period-2 points"] == sp.Tuple()


def test_model_checks_pass_at_every_point(result: ClaimResult) -> None:
    for point in result.points:
        assert point.model, point.point.label
        for m in point.model:
            assert m.verdict == Verdict.VERIFIED, (point.point.label, m.reason)
            assert m.check.exact


def test_monte_carlo_verified_and_controls_rejected(result: ClaimResult) -> None:
    assert result.verdict == Verdict.VERIFIED
    assert result.controls_rejected
    mc = [m for p in result.points for m in p.monte_carlo]
    assert len(mc) == 4 * len(N1_STATISTICS) == 4 * len(N1.statistics)
    assert all(m.verdict == Verdict.VERIFIED for m in mc)
    tails = [m.estimate.prediction for m in mc if m.estimate.name == N1_STATISTICS[3]]
    assert tails == pytest.approx([0.0, 0.25, 0.4, 0.25], rel=1e-12)


def test_validity_and_figure(result: ClaimResult) -> None:
    v = result.validity
    assert v is not None
    assert v.values == VALIDITY_A
    assert v.errors[0] == pytest.approx(1.0, abs=1e-3)  # ηλ = 2: amplitude uniform on [0, C/λ]
    for a, err in zip(v.values[2:], v.errors[2:], strict=True):
        assert err == pytest.approx((a - 2) / (3 * a - 2), abs=2e-3)
    fig = N1.figure(result)
    assert len(fig.axes) == 2
    assert all(ax.get_xlabel() and ax.get_ylabel() for ax in fig.axes)
