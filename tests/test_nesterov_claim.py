"""M5 (Nesterov on a quadratic): the derived forms against brute force, and the claim's run."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import sympy as sp
from matplotlib.figure import Figure

from lrtheory import registry
from lrtheory.claim import Point, Verdict
from lrtheory.claims import nesterov as m5
from lrtheory.errors import ParameterError
from lrtheory.models import nesterov as mn
from lrtheory.models.rate_checks import rate_band, step_rounding
from lrtheory.montecarlo.runner import Ensemble
from lrtheory.optimizers import nesterov, nesterov_rewritten
from lrtheory.plotting import close
from lrtheory.results import RunResult
from lrtheory.symbolic import nesterov as sn
from lrtheory.symbolic.identity import identical
from lrtheory.symbolic.jury import quadratic_radius
from lrtheory.verify import Settings, verify


def _rule_matrix(eta: float, lam: float, beta: float) -> np.ndarray:
    """M of the look-ahead rule, column by column from the basis states (no SymPy)."""
    cols = [nesterov(th, v, lambda y: lam * y, eta, beta) for th, v in ((1.0, 0.0), (0.0, 1.0))]
    return np.array(cols, dtype=float).T


def _rewritten_matrix(eta: float, lam: float, beta: float) -> np.ndarray:
    cols = [nesterov_rewritten(p, v, lam * p, eta, beta) for p, v in ((1.0, 0.0), (0.0, 1.0))]
    return np.array(cols, dtype=float).T


@pytest.fixture(scope="module")
def run() -> RunResult:
    """M5 verified at a coarse resolution (10 %): cheap, and every check still runs."""
    return verify(registry.select(["M5"]), Settings(seed=3, backend="numpy", resolution=0.1))


def test_derived_matrix_and_radius_match_the_rule_itself() -> None:
    rng = np.random.default_rng(0)
    for eta, lam, beta in zip(rng.uniform(0.05, 2.0, 25), rng.uniform(0.1, 3.0, 25),
                              rng.uniform(0.0, 0.99, 25), strict=True):
        brute = _rule_matrix(eta, lam, beta)
        np.testing.assert_allclose(mn.nag_matrix(eta, lam, beta), brute, atol=1e-14)
        rho = max(abs(np.linalg.eigvals(brute)))
        assert mn.nag_radius(eta * lam, beta) == pytest.approx(rho, rel=1e-6, abs=1e-7)
        # the rewritten form is similar: same spectrum
        rho_rw = max(abs(np.linalg.eigvals(_rewritten_matrix(eta, lam, beta))))
        assert rho_rw == pytest.approx(rho, rel=1e-6, abs=1e-7)


def test_stability_region_is_exactly_the_brute_force_one() -> None:
    """ρ < 1 from the eigenvalues of the rule's matrix ⟺ ηλ < 2(1+β)/(1+2β), off a thin band."""
    bound = mn.forms()["bound"]
    for beta in np.linspace(0.0, 0.98, 15):
        b = float(bound(beta))
        assert b == pytest.approx(2 * (1 + beta) / (1 + 2 * beta))
        for h in np.linspace(0.01, 2.5 * b, 80):
            if abs(h - b) < 1e-6:
                continue
            rho = max(abs(np.linalg.eigvals(_rule_matrix(h, 1.0, float(beta)))))
            assert (rho < 1) == (h < b), (beta, h, rho)
    # heavy ball's bound is wider by 1 + 2β
    assert mn.forms()["hb_bound"](0.9) / bound(0.9) == pytest.approx(2.8)


def test_quadratic_radius_known_values_and_broadcasting() -> None:
    assert float(quadratic_radius(0.0, -1.0)) == pytest.approx(1.0)  # z² − 1
    assert float(quadratic_radius(-1.0, 0.25)) == pytest.approx(0.5)  # (z − ½)²
    assert float(quadratic_radius(0.0, 0.25)) == pytest.approx(0.5)  # z² + ¼: ±i/2
    assert float(quadratic_radius(-3.0, 2.0)) == pytest.approx(2.0)  # (z − 1)(z − 2)
    out = quadratic_radius(np.zeros((3, 4)), np.full((3, 4), 0.09))
    assert out.shape == (3, 4)
    np.testing.assert_allclose(out, 0.3)


def test_critical_damping_gives_a_double_root_at_one_minus_root_h() -> None:
    beta_c = mn.forms()["beta_c"]
    for h in (0.01, 0.2, 0.7):
        nag_c, hb_c = beta_c(h)
        assert hb_c == pytest.approx((1 - h) * nag_c)
        roots = np.linalg.eigvals(_rule_matrix(h, 1.0, float(nag_c)))
        np.testing.assert_allclose(roots.real, 1 - math.sqrt(h), atol=1e-6)


@pytest.mark.parametrize("kappa", [4.0, 30.0, 100.0])
def test_tuned_rates_against_a_brute_force_scan(kappa: float) -> None:
    n = mn.forms()
    mu = 1 / kappa
    lams = np.geomspace(mu, 1.0, 400)
    eta, beta, rate = n["standard"](mu, 1.0)
    assert (eta, beta) == pytest.approx((1.0, (math.sqrt(kappa) - 1) / (math.sqrt(kappa) + 1)))
    worst = max(max(abs(np.linalg.eigvals(_rule_matrix(eta, lam, beta)))) for lam in lams)
    assert worst == pytest.approx(rate, rel=1e-6)
    assert rate == pytest.approx(1 - 1 / math.sqrt(kappa))
    eta, beta, rate = n["minimax"](mu, 1.0)
    assert eta == pytest.approx(4 / (3 + mu))
    worst = max(max(abs(np.linalg.eigvals(_rule_matrix(eta, lam, beta)))) for lam in lams)
    assert worst == pytest.approx(rate, rel=1e-6)
    # the minimax beats the textbook choice and a nearby perturbation of itself
    assert rate < 1 - 1 / math.sqrt(kappa)
    for d_eta, d_beta in ((0.02, 0), (-0.02, 0), (0, 0.01), (0, -0.01)):
        other = max(float(mn.nag_radius((eta + d_eta) * lam, beta + d_beta))
                    for lam in (mu, 1.0))
        assert other > rate


def test_predictions_match_the_moment_recursion() -> None:
    """The exact predictions vs iterating the covariance Σ ← MΣMᵀ + σ²bbᵀ by hand."""
    for eta, lam, beta in ((1.2, 1.0, 0.5), (1.384, 1.0, 0.9), (1.0, 0.01, 9 / 11)):
        mat = _rule_matrix(eta, lam, beta)
        b = np.array([[-eta], [eta]])  # ξ enters the gradient: v += ηξ, θ −= ηξ
        power, sig = np.eye(2), np.zeros((2, 2))
        for _ in range(25):
            power = mat @ power
            sig = mat @ sig @ mat.T + 0.49 * (b @ b.T)
        a, c = mn.predictions(eta, lam, beta, 0.7, 25)
        assert a == pytest.approx((power[0, 0] ** 2 + power[0, 1] ** 2) / 2, rel=1e-10)
        assert c == pytest.approx(math.sqrt(2 * sig[0, 0] / math.pi), rel=1e-9)


def test_seed_forms_written_from_the_seed_match_the_rule() -> None:
    """Seed 003's equations, coded directly (not through nesterov()), give the rule's iterates
    once v_{t−1} = θ_{t−2} − θ_{t−1}; from any v₀ one step of them enforces that."""
    rng = np.random.default_rng(2)
    for eta, lam, beta in zip(rng.uniform(0.1, 1.5, 10), rng.uniform(0.1, 2.0, 10),
                              rng.uniform(0.0, 0.95, 10), strict=True):
        theta, prev = 1.0, 0.7
        v = prev - theta
        t2, p2 = theta, prev
        t3, p3, v3 = theta, prev, v
        _, p_bad, v_bad = sn.seed_step(theta, prev, 5.0, lam, eta, beta)  # inconsistent v₀
        t_bad = p_bad - v_bad
        def grad(y: float, lam: float = lam) -> float:
            return lam * y

        for _ in range(12):
            theta, v = nesterov(theta, v, grad, eta, beta)
            t2, p2 = sn.seed_two_step(t2, p2, lam, eta, beta)
            t3, p3, v3 = sn.seed_step(t3, p3, v3, lam, eta, beta)
            assert t2 == pytest.approx(theta, rel=1e-10, abs=1e-12)
            assert (t3, v3) == pytest.approx((theta, v), rel=1e-10, abs=1e-12)
        t_next, p_next, v_next = sn.seed_step(t_bad, p_bad, v_bad, lam, eta, beta)
        assert v_next == pytest.approx(p_next - t_next, abs=1e-12)
    with pytest.raises(ParameterError, match="beta"):
        sn.seed_two_step(1.0, 0.5, 1.0, 0.5, 1.5)
    with pytest.raises(ParameterError, match="eta"):
        sn.seed_step(1.0, 0.5, 0.0, 1.0, -0.5, 0.5)


def test_edge_check_brackets_the_derived_bound_and_refutes_shifted_ones() -> None:
    for beta in (0.5, 0.9):
        bound = 2 * (1 + beta) / (1 + 2 * beta)
        check = mn.nag_edge_check(beta, bound)
        assert check.abs_error <= check.tolerance < 0.004
        for factor in (0.995, 1.005):
            bad = mn.nag_edge_check(beta, bound * factor)
            assert bad.abs_error > bad.tolerance
        # heavy ball's bound 2(1 + β) is far off: refuted, not an error
        far = mn.nag_edge_check(beta, 2 * (1 + beta))
        assert far.abs_error > far.tolerance


def test_nag_band_holds_the_derived_radius_and_only_it() -> None:
    h = np.linspace(0.05, 1.5, 30)
    band = mn.nag_band(1.0, h, 0.5, 800)
    assert not np.any(band.misses())
    rate = band.measured
    assert np.all(rate[h > 1.5] > 1)  # past the bound ρ > 1, and r_T ≥ ρ
    assert np.all(rate[band.upper < 1] < 1)  # where even Henrici's bound is < 1
    assert np.sum(band.upper < 1) > 20
    rho, err = mn.precise_nag_radius(1.0, h, 0.5)
    big = band.upper - band.lower < 0.011 * rho  # where Henrici's bracket is < 1.1 % wide
    assert np.sum(big) == h.size - 1  # all but ρ = 0 at ηλ = 1
    for factor in (0.98, 1.02):  # a radius 2 % off is refuted there
        wrong = rate_band(mn.lookahead_step(h, 1.0, 0.5), mn.rule_matrices(1.0, h, 0.5),
                          rho * factor, 800, step_rounding(mn.lookahead, 2, 1.0, h, 0.5), err)
        assert np.all(wrong.misses()[big])


def test_models_validate_their_inputs() -> None:
    with pytest.raises(ParameterError, match="beta"):
        mn.nag_radius(1, 2.0)
    with pytest.raises(ParameterError, match="h"):
        mn.nag_radius(-1.0, 0.5)
    with pytest.raises(ParameterError, match="steps"):
        mn.predictions(1.0, 1.0, 0.5, 1.0, -1)
    with pytest.raises(ParameterError, match="sigma"):
        mn.predictions(1.0, 1.0, 0.5, 0.0, 10)
    with pytest.raises(ParameterError, match="eta"):
        mn.precise_nag_radius(float("nan"), np.array([1.0]), 0.5)
    with pytest.raises(ParameterError, match="lam"):
        mn.nag_band(1.0, np.array([1.0, -1.0]), 0.5, 10)
    with pytest.raises(ParameterError, match="eta"):
        mn.nag_matrix(0.0, 1.0, 0.5)


def test_setting_validates_the_point() -> None:
    with pytest.raises(ParameterError, match="beta"):
        m5._setting({"beta": 1.0, "eta_frac": 0.5})
    with pytest.raises(ParameterError, match="eta_frac"):
        m5._setting({"beta": 0.5, "eta_frac": -0.1})
    with pytest.raises(ParameterError, match="kappa"):
        m5._setting({"kappa": 0.5, "tuning": 1})
    with pytest.raises(ParameterError, match="tuning"):
        m5._setting({"kappa": 10.0, "tuning": 3})
    bad_steps = Point("t", {"beta": 0.5, "eta_frac": 0.8, "T": 2.5, "sigma": 1.0})
    with pytest.raises(ParameterError, match="T"):
        m5.M5.simulate(bad_steps, Ensemble(seed=1), 100)  # type: ignore[misc]
    eta, _beta, lams, lam = m5._setting({"kappa": 100.0, "tuning": 1})
    assert (eta, lam, lams[0], lams[-1]) == pytest.approx((1.0, 0.01, 0.01, 1.0))


def test_derivation_steps_and_identities() -> None:
    derivation = m5.M5.derive()
    region = next(s.expr.rhs for s in derivation.steps if s.name.startswith("stable set"))
    beta = sn.BETA
    assert identical(region, sp.Interval.open(0, 2 * (beta + 1) / (2 * beta + 1)))
    assert not identical(region, sp.Interval.open(0, 2 * (beta + 1)))
    names = [i.name for i in derivation.identities]
    assert len(names) == len(set(names))
    stated = [i for i in derivation.identities if i.provenance == "stated"]
    assert [i.name for i in stated] == [
        "the rule's look-ahead point is seed 003's y_t = θ_{t−1} + β(θ_{t−1} − θ_{t−2})"]
    seed = next(i for i in derivation.identities if i.name.startswith("seed 003's three"))
    assert sp.expand(seed.derived - seed.stated) == 0
    assert sp.factor(seed.derived).has(sn.Z)


def test_simulate_returns_the_declared_statistics_near_their_predictions() -> None:
    point = Point("t", {"beta": 0.5, "eta_frac": 0.8, "T": 10.0, "sigma": 1.0})
    est = m5.M5.simulate(point, Ensemble(seed=1), 20000)  # type: ignore[misc]
    assert tuple(e.name for e in est) == m5.M5_STATISTICS
    for e in est:
        assert abs(e.sample.value - e.prediction) < 5 * e.sample.se


def test_the_claim_verifies_and_its_figure_renders(run: RunResult) -> None:
    result = run.claims[0]
    checks: list[Any] = [(p.point.label, c) for p in result.points
                         for c in (*p.model, *p.monte_carlo)]
    assert result.verdict == Verdict.VERIFIED, [
        (label, c.reason) for label, c in checks if c.verdict != "verified"]
    assert result.controls_rejected
    outside = next(p for p in result.points if p.point.regime == "outside")
    assert outside.monte_carlo[0].estimate.prediction > 1.0  # θ_T²/‖s₀‖² grows past the bound
    fig: Any = m5.M5.figure(result)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 3
    close(fig)
    assert result.validity is not None
    assert result.validity.errors[-1] < 0.01
