"""N1 clipping-two-cycle: derivation, exact model, Monte Carlo, findings, input checks."""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from lrtheory import Settings, registry, verify
from lrtheory.claim import Derivation, Verdict
from lrtheory.claims.nonlinear import (
    C_SYM,
    ETA,
    LAM,
    N1,
    VALIDITY_A,
    attractor_kernel,
    max_amplitude,
    mean_amplitude,
)
from lrtheory.errors import ParameterError
from lrtheory.models.clipping import (
    clipped_gd_step,
    exact_landing,
    exact_step,
    predicted_landing,
)
from lrtheory.montecarlo.runner import Ensemble
from lrtheory.results import ClaimResult
from lrtheory.symbolic.identity import identical

SEEDS = Path("/work/shared/seeds")


@pytest.fixture(scope="module")
def derivation() -> Derivation:
    return N1.derive()


@pytest.fixture(scope="module")
def result() -> ClaimResult:
    return verify(registry.select(["N1"]), Settings(seed=7, backend="numpy")).claims[0]


def test_every_identity_decided_as_expected(derivation: Derivation) -> None:
    assert len(derivation.identities) >= 20
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


def test_quotes_are_verbatim() -> None:
    for source in N1.sources:
        assert source.quote in (SEEDS / source.seed).read_text(encoding="utf-8")


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


@pytest.mark.parametrize("eta", [1.0, 1.0625, 1.25, 5.0])
def test_predicted_landing_matches_exact_iteration(eta: float) -> None:
    rng = np.random.default_rng(3)
    e, lam, C = Fraction(eta), Fraction(2), Fraction(1, 2)
    starts = [Fraction(v).limit_denominator(10**6) for v in rng.uniform(-40, 40, 200)]
    starts += [Fraction(1, 10**7), e * C * 7, -e * C / 2]
    for x0 in starts:
        t, x, _ = exact_landing(x0, e, lam, C, 5000)
        assert (t, x) == predicted_landing(x0, e, lam, C), x0


def test_closed_forms() -> None:
    assert max_amplitude(1.25, 2.0, 0.5) == pytest.approx(0.5 * 1.5 / 2.0, rel=1e-15)
    assert max_amplitude(0.75, 2.0, 0.5) == 0.0
    assert mean_amplitude(1.25, 2.0, 0.5) == pytest.approx((0.625 / 2 + 0.375) / 2, rel=1e-15)
    assert mean_amplitude(1.0, 2.0, 0.5) == pytest.approx(0.125, rel=1e-15)


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
    assert len(mc) == 4 * len(N1.statistics)
    assert all(m.verdict == Verdict.VERIFIED for m in mc)
    assert result.timings["derive_s"] + result.timings["model_s"] < 15


def test_kernel_classifies_orbits() -> None:
    ens = Ensemble(seed=1, threads=1)
    at_25 = ens.run(attractor_kernel(1.25, 2.0, 0.5, 200), 2000)
    assert list(at_25.mean[:3]) == [1.0, 1.0, 1.0]
    below = ens.run(attractor_kernel(0.75, 2.0, 0.5, 200), 2000)
    assert list(below.mean) == [0.0, 1.0, 0.0, 0.0]
    # Too short a horizon leaves orbits unlanded near 2: the classification notices.
    early = ens.run(attractor_kernel(1.03125, 2.0, 0.5, 6), 2000)
    assert early.mean[0] < 1.0


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


def test_bad_input_raises() -> None:
    with pytest.raises(ParameterError, match="eta"):
        clipped_gd_step(np.zeros(2), -1.0, 2.0, 0.5)
    with pytest.raises(ParameterError, match="lam"):
        max_amplitude(1.0, 0.0, 0.5)
    with pytest.raises(ParameterError, match="C"):
        mean_amplitude(1.0, 2.0, math.nan)
    with pytest.raises(ParameterError, match="eta"):
        predicted_landing(Fraction(1), Fraction(1, 2), Fraction(2), Fraction(1, 2))
    with pytest.raises(ParameterError, match="steps"):
        attractor_kernel(1.0, 2.0, 0.5, 1)
    with pytest.raises(ParameterError, match="horizon"):
        exact_landing(Fraction(1), Fraction(1), Fraction(2), Fraction(1, 2), -1)
    with pytest.raises(ParameterError, match="C"):
        predicted_landing(Fraction(1), Fraction(1), Fraction(2), Fraction(0))
