"""The gradient-ratio rule on quadratics (lrtheory.models.gradient_ratio), the Gaussian
quadratic forms behind its firing probabilities (lrtheory.models.quadratic_forms), the
symbolic moments (lrtheory.symbolic.quadratic_slope) and claim S8 (lrtheory.claims.rollback).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import sympy as sp

from lrtheory.claims import rollback
from lrtheory.errors import ParameterError
from lrtheory.models.gradient_ratio import (
    cascade_time_bound,
    divergence_probability,
    firing_form,
    firing_time_bound,
    gd_gradient_ratios,
    grad_ratio_rule,
    gradient_ratio,
    limiting_ratio,
    ratio_rounding,
    recovery_deadline,
    rule_outcome,
    run_rollback_rule,
    transient_gap,
)
from lrtheory.models.quadratic_forms import form_nonpositive_bound, form_positive_probability
from lrtheory.models.range_test import diagonal_hvp, matrix_hvp
from lrtheory.symbolic.identity import identical
from lrtheory.symbolic.quadratic_slope import two_direction_ratio, weighted_moments

Array = np.ndarray[Any, Any]


# ---------------------------------------------------------------------------- the ratio


def test_gradient_ratio_closed_form_monotone_and_below_its_limit(problem: Any) -> None:
    h, lam, vecs = problem
    e0 = np.random.default_rng(6).standard_normal((1, 8))
    coeffs = (e0 @ vecs)[0]
    for x in (0.7, 2.3, 3.1):
        eta = x / lam[-1]
        measured = gd_gradient_ratios(matrix_hvp(h), e0, eta, 40)[0]
        closed = np.array([gradient_ratio(lam, coeffs, eta, t) for t in range(40)])
        np.testing.assert_allclose(measured, closed, rtol=1e-11)
        rho = limiting_ratio(lam, eta)
        assert np.all(closed <= rho * (1 + 1e-14))
        assert np.all(np.diff(closed) >= -1e-14)
        gaps = rho - closed
        bounds = [transient_gap(lam, coeffs, eta, t) for t in range(40)]
        assert np.all(gaps <= np.array(bounds) + 1e-14)


def test_closed_form_and_recursion_agree_within_the_rounding_bound(problem: Any) -> None:
    h, lam, vecs = problem
    e0 = np.random.default_rng(12).standard_normal((1, 8))
    coeffs = (e0 @ vecs)[0]
    for x in (0.7, 2.3, 3.1, 4.5):
        eta = x / lam[-1]
        measured = gd_gradient_ratios(matrix_hvp(h), e0, eta, 30)[0]
        for t in range(30):
            gap = abs(measured[t] - gradient_ratio(lam, coeffs, eta, t))
            assert gap <= ratio_rounding(lam, eta, t), (x, t)


def test_weighted_moments_are_log_convex_and_the_ratio_tends_to_the_top_factor() -> None:
    m = weighted_moments(2)
    (a1, a2), (s1, s2) = m.a, m.s
    assert m.moment(0) == a1 + a2
    assert sp.expand(m.moment(0) * m.moment(2) - m.moment(1) ** 2
                     - a1 * a2 * (s1 - s2) ** 2) == 0
    two = two_direction_ratio()
    assert two.limit == two.q**2
    values = {s: 1 for s in two.ratio_sq.free_symbols if s.name in ("w_1", "w_2")}
    values |= {two.q: 2, two.v: sp.Rational(1, 2)}
    at = two.ratio_sq.subs(values)
    assert sp.nsimplify(at.subs(two.t, 0)) == sp.Rational(26, 9)  # (4 + 16/9)/2
    assert abs(float(at.subs(two.t, 40)) - 4.0) < 1e-12


# ---------------------------------------------------------------------------- the rule


def test_the_rule_fires_strictly_above_the_threshold() -> None:
    ratio = np.array([1.0, 1.5, 1.5000001, 3.0])
    eta, accept = grad_ratio_rule(ratio, np.full(4, 0.2))
    np.testing.assert_array_equal(accept, [True, True, False, False])
    np.testing.assert_allclose(eta, [0.2, 0.2, 0.1, 0.1])
    eta, accept = grad_ratio_rule(ratio, np.full(4, 0.2), threshold=2.0, factor=0.25)
    np.testing.assert_allclose(eta, [0.2, 0.2, 0.2, 0.05])


def test_a_fired_step_is_rolled_back_exactly() -> None:
    lam = np.array([0.1, 1.0])
    e0 = np.array([[0.0, 1.0]])
    run = run_rollback_rule(diagonal_hvp(lam), e0, 4.5, 1)
    assert (int(run.first_fire[0]), int(run.fires[0])) == (0, 1)
    assert float(run.final_eta[0]) == 2.25
    assert float(run.log_growth[0]) == 0.0  # the state is the one before the step


def test_the_blind_spot_never_fires_and_diverges() -> None:
    rng = np.random.default_rng(7)
    lam = rng.uniform(0.1, 1.0, (4000, 6))
    lam[:, 0] = 1.0
    x = rng.uniform(2.01, 2.5, (4000, 1))
    run = run_rollback_rule(diagonal_hvp(x * lam), rng.standard_normal((4000, 6)), 1.0, 300)
    assert int(run.fires.max()) == 0
    # Growth ≥ (ηλ_max − 1)^T along the top: a start can hide it only if its top component
    # is tiny; at ηλ_max ≥ 2.1 that has probability ≤ 1e-12 per run.
    far = x[:, 0] >= 2.1
    assert form_nonpositive_bound(np.array([1.1 ** 600 - 1.0] + [-1.0] * 5)) < 1e-12
    assert np.all(run.log_growth[far] > 0)
    # Just above 5/2 the rule fires from generic starts.
    run = run_rollback_rule(diagonal_hvp(2.6 * lam), rng.standard_normal((4000, 6)), 1.0, 300)
    assert np.all(run.fires == 1)


@pytest.mark.parametrize(("x", "final", "fires"), [
    (1.9, 1.9, 0), (2.25, 2.25, 0), (2.5, 2.5, 0), (3.0, 1.5, 1), (4.5, 2.25, 1),
    (5.2, 1.3, 2), (9.0, 2.25, 2), (17.0, 2.125, 3)])
def test_rule_outcome_closed_form_and_simulation(x: float, final: float, fires: int) -> None:
    assert rule_outcome(x) == (pytest.approx(final), fires)
    lam = np.linspace(0.1, 1.0, 7)
    run = run_rollback_rule(diagonal_hvp(lam), np.ones((1, 7)), x, 400)
    if x != 2.5:  # at exactly 5/2 the limit equals the threshold: rounding decides
        assert float(run.final_eta[0]) == pytest.approx(final)
        assert int(run.fires[0]) == fires


def test_firing_within_k_steps_is_the_sign_of_a_quadratic_form(problem: Any) -> None:
    _, lam, _ = problem
    eta = 3.2 / lam[-1]
    z = np.random.default_rng(8).standard_normal((20_000, 8))
    run = run_rollback_rule(diagonal_hvp(lam), z, eta, 12)
    for k in (1, 2, 4):
        predicted = (z**2) @ firing_form(lam, eta, k) > 0
        fired = (run.first_fire >= 0) & (run.first_fire < k)
        np.testing.assert_array_equal(fired, predicted)
        p, err = form_positive_probability(firing_form(lam, eta, k))
        assert err < 1e-12
        assert abs(fired.mean() - p) < 5 * math.sqrt(p * (1 - p) / z.shape[0])


def test_firing_time_bound_and_recovery_deadline_hold_in_simulation(problem: Any) -> None:
    _, lam, _ = problem
    z = np.random.default_rng(11).standard_normal((300, 8))
    eta = 3.0 / lam[-1]
    run = run_rollback_rule(diagonal_hvp(lam), z, eta, 200)
    for i in range(0, 300, 30):
        assert run.first_fire[i] <= firing_time_bound(lam, (lam * z[i]) ** 2, eta)
    T = 120
    deadline = recovery_deadline(lam, eta, 0.5, T)
    assert 50 <= deadline < T // 2  # |1 − 3|^τ 2^{−(T−1−τ)} < 1 ⇔ τ < (T − 1)/2
    run = run_rollback_rule(diagonal_hvp(lam), z, eta, T)
    early = (run.first_fire >= 0) & (run.first_fire <= deadline)
    assert np.all(run.log_growth[early] < 0)
    assert firing_time_bound(lam, np.ones(8), 2.4 / lam[-1]) == 2001  # never fires


@pytest.mark.parametrize("x", [3.0, 4.5, 5.2, 9.0])
def test_the_cascade_finishes_within_its_time_bound(problem: Any, x: float) -> None:
    _, lam, _ = problem
    z = np.random.default_rng(13).standard_normal((10, 8))
    eta = x / lam[-1]
    final, fires = rule_outcome(x)
    for row in z:
        bound = cascade_time_bound(lam, (lam * row) ** 2, eta)
        assert bound <= 2000
        run = run_rollback_rule(diagonal_hvp(lam), row[None, :], eta, bound)
        assert int(run.fires[0]) == fires
        assert float(run.final_eta[0]) * lam[-1] == pytest.approx(final, rel=1e-14)
    assert cascade_time_bound(lam, np.ones(8), 2.4 / lam[-1]) == 0  # nothing to wait for


def test_divergence_probability_matches_simulated_runs(problem: Any) -> None:
    _, lam, _ = problem
    z = np.random.default_rng(14).standard_normal((4000, 8))
    for x, T, p_exact in ((4.5, 160, 1.0), (9.0, 200, 1.0), (3.0, 100, 0.0), (2.3, 200, 1.0),
                          (1.5, 50, 0.0), (2.0, 50, 0.0)):
        p, b = divergence_probability(lam, x, T)
        assert (p, b <= 1e-9) == (p_exact, True), x
        run = run_rollback_rule(diagonal_hvp(lam), z, x / lam[-1], T)
        np.testing.assert_array_equal(run.log_growth > 0, bool(p))
    # A short run in the blind spot: the bound is informative but not negligible.
    p, b = divergence_probability(lam, 2.3, 12)
    assert p == 1.0
    assert 0.01 < b < 0.2
    run = run_rollback_rule(diagonal_hvp(lam), z, 2.3 / lam[-1], 12)
    hidden = float(np.mean(run.log_growth <= 0))
    assert hidden <= b + 5 * math.sqrt(b * (1 - b) / z.shape[0])


# ---------------------------------------------------------------------------- quadratic forms


def test_imhof_probability_against_closed_forms_and_sampling() -> None:
    for a in ([1.0, -1.0], [1.0, -4.0], [3.0, -0.01], [1e-3, -1.0]):
        p, err = form_positive_probability(np.array(a))
        assert p == pytest.approx(2 / math.pi * math.atan(math.sqrt(-a[0] / a[1])), abs=1e-13)
        assert err < 1e-12
    assert form_positive_probability(np.array([1.0, 2.0])) == (1.0, 0.0)
    assert form_positive_probability(np.array([-1.0, 0.0])) == (0.0, 0.0)
    a = np.array([1.0, -0.3, -0.2, 0.5, -2.0, 1e-20])
    z = np.random.default_rng(9).standard_normal((400_000, a.size))
    p, _ = form_positive_probability(a)
    assert abs(np.mean(z**2 @ a > 0) - p) < 5 * math.sqrt(p * (1 - p) / z.shape[0])


def test_nonpositive_bound_dominates_the_exact_probability() -> None:
    rng = np.random.default_rng(10)
    for _ in range(30):
        a = np.concatenate([[rng.uniform(0.5, 2.0)], -rng.uniform(0, 1, 5) * 10.0 ** -rng
                            .integers(0, 6)])
        p, err = form_positive_probability(a)
        assert 1.0 - p <= form_nonpositive_bound(a) + err
    assert form_nonpositive_bound(np.array([-1.0, -2.0])) == 1.0


def test_bad_inputs_name_the_parameter() -> None:
    lam = np.array([0.5, 1.0])
    cases = [
        (lambda: grad_ratio_rule(np.ones(2), np.ones(2), factor=1.5), "factor"),
        (lambda: grad_ratio_rule(np.ones(2), np.ones(2), threshold=-1.0), "threshold"),
        (lambda: run_rollback_rule(diagonal_hvp(lam), np.ones((1, 2)), 0.1, 0), "steps"),
        (lambda: run_rollback_rule(diagonal_hvp(lam), np.zeros((1, 2)), 0.1, 5), "e0"),
        (lambda: rule_outcome(3.0, threshold=0.9), "threshold"),
        (lambda: rule_outcome(-1.0), "x"),
        (lambda: form_positive_probability(np.array([])), "a"),
        (lambda: firing_form(lam, 1.0, 0), "k"),
        (lambda: divergence_probability(lam, 5.2, 100), "x"),  # two firings, then rescued
        (lambda: divergence_probability(lam, 3.0, 0), "steps"),
        (lambda: weighted_moments(0), "count"),
    ]
    for call, name in cases:
        with pytest.raises(ParameterError, match=rf"^{name} must be"):
            call()


# ---------------------------------------------------------------------------- the claim


def test_identities_and_model_checks() -> None:
    claim = rollback.S8
    derivation = claim.derive()
    for identity in derivation.identities:
        assert identical(identity.derived, identity.stated) == identity.expect_equal, \
            identity.name
    for point in claim.points:
        for check in claim.model(point):
            assert math.isfinite(check.model), (point.label, check.name)
            if check.exact:
                assert check.abs_error <= check.tolerance, (point.label, check.name)
    assert claim.validity is not None
    gaps = np.array(claim.validity().errors)
    assert np.all(gaps >= 0)
    assert np.all(np.diff(gaps) <= 0)
