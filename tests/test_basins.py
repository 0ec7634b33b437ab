"""N3 edge-of-stability-escape: the SymPy derivation (lrtheory.symbolic.double_basin), its
predictions against the exact model, the claim's verification and the findings' numbers.
The model itself is tested in test_double_basin.py, the exact propagation in
test_exact_orbits.py.

Quotes, completeness and the generic verdicts are checked for every claim in test_claims.py.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

from lrtheory.claim import Derivation, Verdict
from lrtheory.claims.basins import N3, N3_STATISTICS
from lrtheory.errors import ParameterError
from lrtheory.models.double_basin import UNDECIDED, DoubleWell, class_measures, classify, gd_orbit
from lrtheory.results import ClaimResult
from lrtheory.symbolic.double_basin import (
    DESIGN,
    escape_forms,
    fate_fractions,
    rational_values,
    sharp_fraction_curve,
    trap_interval,
)
from lrtheory.symbolic.identity import identical
from lrtheory.verify import Settings, verify

WELL = DoubleWell(**DESIGN)  # λ_s = 2, λ_w = 1, b = 1, x_w = 5: J = [−3, 9]
CLOSE = DoubleWell(4.0, 1.0, 1.0, 9.0)  # κ = 4 with x_w = 9 < ((2κ−1)² + 1)b/2 = 25


# --------------------------------------------------------------------------------------
# The derived forms and their predictions
# --------------------------------------------------------------------------------------


def test_capture_bound_matches_the_model() -> None:
    bound = escape_forms()["xw_min_kappa"]
    assert bound.subs({sp.Symbol("kappa", positive=True): 3, sp.Symbol("b", positive=True): 1}
                      ) == 13
    for wells in ((3.0, 1.0, 1.0, 13.0), (3.0, 1.0, 1.0, 12.5), (4.0, 1.0, 1.0, 9.0),
                  (4.0, 1.0, 1.0, 25.0), (2.0, 1.0, 1.0, 5.0), (2.0, 1.0, 1.0, 4.75)):
        params = dict(zip(("lam_sharp", "lam_wide", "ridge", "x_wide"), wells, strict=True))
        derived = fate_fractions({**params, "eta": 0.25, "steps": 8}) is not None
        assert derived == DoubleWell(*wells).captures, wells


def test_class_measures_match_the_closed_forms() -> None:
    for eta, steps in ((0.25, 8), (0.75, 8), (0.98, 8), (1.0, 8), (1.02, 50), (1.9, 40)):
        point = next(p for p in N3.points if p.params["eta"] == eta)
        assert fate_fractions(point.params) == class_measures(WELL, eta, steps).fractions
    flip = class_measures(WELL, 1.0, 8)
    assert flip["undecided"] == Fraction(1, 6)
    assert flip["sharp"] == 0
    rho = Fraction(1.02) * 2 - 1
    assert class_measures(WELL, 1.02, 50)["undecided"] == (rho**-50 + rho**-49) / 12


def test_predictions_off_the_design_and_beyond_eta_c() -> None:
    other = {"lam_sharp": 3.0, "lam_wide": 1.0, "ridge": 1.0, "x_wide": 13.0}
    assert fate_fractions({**other, "eta": 0.5, "steps": 20}) == \
        class_measures(DoubleWell(**other), 0.5, 20).fractions  # ηλ_s = 1.5
    assert fate_fractions({**other, "eta": 2.2, "steps": 20}) is None  # K derived for DESIGN
    assert fate_fractions({**DESIGN, "eta": 2.2, "steps": 20}) == tuple(map(Fraction, (0, 0, 0, 1)))
    assert fate_fractions({**DESIGN, "eta": 3.0, "steps": 8}) is None  # beyond η_c


def test_trap_interval_and_the_sharp_curve() -> None:
    assert trap_interval(2.0625) == (Fraction(-25, 8), Fraction(625, 64))  # σ_s = −25/8
    etas = np.array([0.25, 0.75, 0.98, 1.0, 1.5])
    curve = sharp_fraction_curve(etas)
    for eta, value in zip(etas[:3], curve[:3], strict=True):
        assert value == pytest.approx(float(class_measures(WELL, float(eta), 8)["sharp"]),
                                      rel=1e-12)
    assert np.all(np.isnan(curve[3:]))
    assert rational_values({**DESIGN, "eta": 0.75})[sp.Symbol("eta", positive=True)] == \
        sp.Rational(3, 4)
    with pytest.raises(ParameterError, match="steps"):
        fate_fractions({**DESIGN, "eta": 0.5})
    with pytest.raises(ParameterError, match="x_wide"):
        rational_values({"lam_sharp": 2.0, "lam_wide": 1.0, "ridge": 1.0})


# --------------------------------------------------------------------------------------
# A wide well too close to capture (a finding's numbers)
# --------------------------------------------------------------------------------------


def test_a_wide_well_too_close_does_not_capture() -> None:
    """The finding's numbers: κ = 4, b = 1, x_w = 9 (capture needs 25), ηλ_w = 1.9."""
    eta = 1.9
    b1 = CLOSE.far_crossing
    x0 = np.linspace(b1, 2 * CLOSE.x_wide - CLOSE.ridge, 2401)
    x = gd_orbit(CLOSE, eta, x0, 2000)
    wandering = classify(CLOSE, eta, x) == UNDECIDED
    assert 0.17 < wandering.mean() < 0.19
    y = x[wandering & (x != 0)]  # x₀ = 0 is the repelling minimum itself
    logs = np.zeros_like(y)
    for _ in range(4000):
        sharp = CLOSE.in_sharp(y)
        logs += np.where(sharp, math.log(abs(1 - 4 * eta)), math.log(abs(1 - eta)))
        y = CLOSE.step(y, eta)
    assert np.all(logs / 4000 >= 0.19)  # positive Lyapunov exponents: chaos
    assert np.all(np.abs(y - CLOSE.x_wide) < 40)  # and bounded


# --------------------------------------------------------------------------------------
# The claim
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def derivation() -> Derivation:
    return N3.derive()


@pytest.fixture(scope="module")
def result() -> ClaimResult:
    return verify([N3], Settings(seed=5, backend="numpy")).claims[0]


def test_every_identity_decided_as_expected(derivation: Derivation) -> None:
    assert len(derivation.identities) >= 15
    for identity in derivation.identities:
        assert identical(identity.derived, identity.stated) == identity.expect_equal, identity.name


def test_identities_are_not_vacuous(derivation: Derivation) -> None:
    by_name = {i.name: i.derived for i in derivation.identities}
    eta, ls, b, xw = (sp.Symbol(n, positive=True) for n in ("eta", "lambda_s", "b", "x_w"))
    flip = by_name["sharp fraction as η → 2/λ_s⁻ (then 0: a jump)"]
    assert flip.subs({sp.Symbol("lambda_w", positive=True): 1, ls: 2, b: 1, xw: 5}) == \
        Fraction(1, 6)
    sharp = by_name["sharp fraction, 1 + b/|ℓ| ≤ ηλ_s < 2"]
    assert not identical(sharp, b / (2 * xw - b))
    assert not identical(by_name["window where only the wide minimum attracts"],
                         sp.Interval.open(2 / ls, 2 / sp.Symbol("lambda_w", positive=True)))
    assert by_name["no orbit stays in the sharp well (T → ∞)"] == 0
    assert eta in by_name["the oscillation's loss grows by (ηλ_s − 1)² a step"].free_symbols


def test_the_claim_verifies_and_draws(result: ClaimResult) -> None:
    assert result.verdict == Verdict.VERIFIED
    assert all(len(p.monte_carlo) == len(N3_STATISTICS) for p in result.points
               if p.point.monte_carlo)
    assert result.controls_rejected
    assert result.validity is not None
    errors = result.validity.errors
    assert all(a > b for a, b in itertools.pairwise(errors))  # slower near 2
    fig = N3.figure(result)
    assert len(fig.axes) == 2
    assert fig.axes[1].get_xlabel().startswith("η")


def test_the_switch_check_is_tight(result: ClaimResult) -> None:
    flip = next(p for p in result.points if p.point.params["eta"] == 1.0)
    rows = {m.check.name: m for m in flip.model}
    finite = next(m for name, m in rows.items() if name.startswith("switch by bisection vs the"))
    assert finite.check.tolerance < 1e-6
    assert finite.verdict == Verdict.VERIFIED
