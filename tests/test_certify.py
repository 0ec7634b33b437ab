"""Worst-case certificates over function classes (lrtheory.certify, PEPit + Clarabel).

Tolerances: a certificate's value is compared with a closed form to ``Certificate.tolerance``
— the larger of Clarabel's stopping rule (10⁻⁸ absolute + 10⁻⁸ relative on the gap) and a
first-order error bound from the solution's own residuals (SolverReport.tolerance) — and that
tolerance must itself be below 10⁻⁶, so agreement is never bought with a wide band.
"""

from __future__ import annotations

import doctest
import json
import math
import pickle

import numpy as np
import pytest
import sympy as sp

pytest.importorskip("PEPit", reason="PEPit (the 'certify' extra) is not installed")
pytest.importorskip("clarabel", reason="Clarabel (installed with the 'certify' extra) is missing")

from lrtheory import optimizers
from lrtheory.certify import (
    BEYOND_CLAIMS,
    BeyondQuadratics,
    ConvexLipschitz,
    GradientDescent,
    HeavyBall,
    Nesterov,
    SmoothConvex,
    SmoothStronglyConvex,
    SubgradientMethod,
    beyond_figure,
    beyond_quadratics,
    certify,
    certify_over,
    cycle_figure,
    fit_rate,
    heavy_ball_cycle,
    rule_for,
)
from lrtheory.certify import pep as pep_module
from lrtheory.certify.cycle import polyak_parameters
from lrtheory.certify.quadratics import (
    drori_teboulle,
    gd_minimax,
    gd_minimax_values,
    gd_quadratic_gap,
    quadratic_worst,
)
from lrtheory.certify.verdicts import LABELS
from lrtheory.errors import ParameterError, UnknownNameError

TIGHT = 1e-6  # the largest tolerance a cross-check may claim


# --------------------------------------------------------------------------------------
# Cross-checks against closed forms
# --------------------------------------------------------------------------------------


def test_gd_minimax_is_derived() -> None:
    """η* and ρ* come from SymPy (the per-direction factor 1 − ηλ), not typed."""
    eta_star, rate, (mu, big_l) = gd_minimax()
    assert sp.simplify(eta_star - 2 / (mu + big_l)) == 0
    assert sp.simplify(rate - (big_l - mu) / (big_l + mu)) == 0


@pytest.mark.parametrize(("L", "mu", "n"), [(1.0, 0.1, 1), (1.0, 0.1, 6), (10.0, 1.0, 3),
                                           (3.0, 2.0, 3)])
def test_gd_strongly_convex_distance(L: float, mu: float, n: int) -> None:
    """GD at η = 2/(L+μ): worst ‖x_n − x*‖² over the class = ((L−μ)/(L+μ))^(2n), which is
    also the worst quadratic's (nothing is lost beyond quadratics)."""
    eta, rho = gd_minimax_values(L, mu)
    fc = SmoothStronglyConvex(L, mu)
    c = certify(GradientDescent(eta), fc, n)
    assert c.solver.solved
    assert c.tolerance < TIGHT
    assert abs(c.value - rho ** (2 * n)) <= c.tolerance
    assert quadratic_worst(GradientDescent(eta), fc, [n])[0] == pytest.approx(rho ** (2 * n),
                                                                             rel=1e-12)


@pytest.mark.parametrize(("L", "n"), [(1.0, 1), (1.0, 4), (3.0, 2), (2.0, 10)])
def test_gd_smooth_convex_gap_drori_teboulle(L: float, n: int) -> None:
    """GD at η = 1/L: worst f(x_n) − f* = L‖x₀ − x*‖²/(4n + 2) over L-smooth convex f."""
    c = certify(GradientDescent(1 / L), SmoothConvex(L), n, "function_gap")
    assert c.tolerance < TIGHT
    assert abs(c.value - drori_teboulle(n, L)) <= c.tolerance
    # Its quadratic counterpart (derived, claim M9) — the rule run on curvatures — is
    # smaller by (1 + 1/(2n))^(2n) → e: the worst function is not a quadratic (a Huber).
    quad = quadratic_worst(GradientDescent(1 / L), SmoothConvex(L), [n], "function_gap")[0]
    assert quad == pytest.approx(gd_quadratic_gap(n, L), rel=1e-6)
    assert c.value / quad == pytest.approx((1 + 1 / (2 * n)) ** (2 * n), rel=1e-6)


def test_quadratic_worst_matches_claim_m9_model() -> None:
    """The rule run on curvatures against claim M9's own envelope (Nesterov, η = 1/L)."""
    from lrtheory.models.acceleration import nag_momentum, worst_case_envelope

    ns = [1, 4, 10]
    rule = Nesterov(1.0, tuple(nag_momentum(10)))
    ours = quadratic_worst(rule, SmoothConvex(1.0), ns, "function_gap")
    theirs = worst_case_envelope(10, nag_momentum(10)).values
    assert ours == pytest.approx([theirs[n] for n in ns], rel=1e-6)


def test_quadratic_ratio_identity_symbolically() -> None:
    """(L/(4t+2)) / (worst quadratic) = (1 + 1/(2t))^(2t) for every t, in SymPy."""
    from lrtheory.symbolic.acceleration import T, derived

    ratio = 1 / (4 * T + 2) / derived()["gd_envelope"]
    assert sp.simplify(ratio - (1 + 1 / (2 * T)) ** (2 * T)) == 0


def test_wrapper_solves_the_same_sdp_as_pepit_cvxpy() -> None:
    """The Clarabel wrapper against PEPit's own CVXPY path on one heavy-ball PEP."""
    from PEPit import PEP
    from PEPit.functions import SmoothStronglyConvexFunction

    rule, fc, n = HeavyBall(0.3, 0.5), SmoothStronglyConvex(2.0, 0.2), 3
    ours = certify(rule, fc, n)
    problem = PEP()
    f = problem.declare_function(SmoothStronglyConvexFunction, mu=fc.mu, L=fc.L)
    xs, x0 = f.stationary_point(), problem.set_initial_point()
    problem.set_initial_condition((x0 - xs) ** 2 <= 1)
    x = rule.iterates(x0, f.gradient, n)[-1]
    problem.set_performance_metric((x - xs) ** 2)
    theirs = problem.solve(wrapper="cvxpy", solver="CLARABEL", verbose=0)
    assert ours.value == pytest.approx(theirs, rel=1e-6)


def test_certificate_runs_the_library_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    """The PEP is built by calling lrtheory.optimizers.heavy_ball on PEPit points."""
    calls = []
    original = optimizers.heavy_ball

    def spy(*args: object) -> object:
        calls.append(type(args[0]).__name__)
        return original(*args)

    monkeypatch.setattr(optimizers, "heavy_ball", spy)
    certify(HeavyBall(0.123, 0.456), SmoothStronglyConvex(1.0, 0.1), 4)
    assert calls == ["Point"] * 4


def test_deterministic_and_picklable() -> None:
    args = (GradientDescent(0.7), SmoothStronglyConvex(1.0, 0.3), 2, "function_gap", "distance")
    a, b = pep_module._certify.__wrapped__(*args), pep_module._certify.__wrapped__(*args)
    assert a == b
    assert pickle.loads(pickle.dumps(a)) == a
    json.dumps(a.to_dict())


def test_rate_fit_and_measures() -> None:
    fit = fit_rate([1, 2, 3], [0.5, 0.25, 0.125], "geometric")
    assert fit.rate == pytest.approx(0.5)
    assert fit.residual < 1e-12
    power = fit_rate([1, 2, 4], [1.0, 0.25, 0.0625], "power")
    assert power.rate == pytest.approx(-2.0)
    assert power.constant == pytest.approx(1.0)
    # GD, smooth convex: ‖∇f(x_n)‖² ≤ L²‖x₀ − x*‖²/(n + 1)² (tight at η = 1/L).
    c = certify(GradientDescent(1.0), SmoothConvex(1.0), 3, "gradient_norm")
    assert abs(c.value - 1 / 16) <= c.tolerance
    # A schedule, and a horizon-dependent rule over several n.
    sched = certify(GradientDescent((1.0, 1.0, 1.0)), SmoothConvex(1.0), 3, "function_gap")
    assert sched.value == pytest.approx(drori_teboulle(3), abs=sched.tolerance)
    curve = certify_over(lambda n: SubgradientMethod(1 / math.sqrt(n + 1)), ConvexLipschitz(1),
                         [1, 3], "average_gap")
    assert curve.values == pytest.approx([1 / math.sqrt(2), 1 / 2], abs=1e-6)
    # No finite worst case: ‖x_n − x*‖² is unbounded given only ‖∇f(x₀)‖² ≤ 1 (flat f).
    unbounded = certify(GradientDescent(1.0), SmoothConvex(1.0), 2, "distance", "gradient_norm")
    assert unbounded.value == math.inf
    best = certify(GradientDescent(1.0), SmoothConvex(1.0), 2, "best_gap")
    assert best.value <= certify(GradientDescent(1.0), SmoothConvex(1.0), 2,
                                 "function_gap").value + best.tolerance


def test_doctests() -> None:
    from lrtheory.certify import cycle

    for module in (pep_module, cycle):
        result = doctest.testmod(module)
        assert result.attempted > 0
        assert result.failed == 0


# --------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("make", "name"), [
    (lambda: SmoothStronglyConvex(L=1.0, mu=2.0), "mu"),
    (lambda: SmoothStronglyConvex(L=1.0, mu=-0.1), "mu"),
    (lambda: SmoothConvex(L=0.0), "L"),
    (lambda: ConvexLipschitz(G=-1.0), "G"),
    (lambda: certify(GradientDescent(1.0), SmoothConvex(1.0), 0), "n"),
    (lambda: certify(GradientDescent(1.0), SmoothConvex(1.0), 2.5), "n"),
    (lambda: certify(GradientDescent(1.0), SmoothConvex(1.0), 2, "loss"), "measure"),
    (lambda: certify(GradientDescent(1.0), SmoothConvex(1.0), 2, "distance", "x"), "initial"),
    (lambda: certify(GradientDescent((1.0, 0.5)), SmoothConvex(1.0), 3), "eta"),
    (lambda: certify(optimizers.gradient_step, SmoothConvex(1.0), 3), "rule"),
    (lambda: certify(GradientDescent(1.0), "smooth", 3), "function_class"),
    (lambda: rule_for(optimizers.adam, eta=0.1), "rule"),
    (lambda: rule_for(optimizers.clip_by_norm, C=1.0), "rule"),
    (lambda: rule_for(optimizers.heavy_ball, eta=0.1), "hyper"),
    (lambda: HeavyBall(eta=0.1, beta=1.0), "beta"),
    (lambda: Nesterov(eta=-1.0, beta=0.5), "eta"),
    (lambda: quadratic_worst(GradientDescent(1.0), ConvexLipschitz(1.0), [1]),
     "function_class"),
    (lambda: fit_rate([1, 2], [1.0, 0.0], "geometric"), "values"),
])
def test_bad_input_names_the_parameter(make: object, name: str) -> None:
    with pytest.raises(ParameterError) as err:
        make()  # type: ignore[operator]
    assert err.value.name == name
    assert err.value.allowed


def test_rule_for_and_unknown_claim() -> None:
    assert rule_for(optimizers.heavy_ball, eta=0.1, beta=0.9) == HeavyBall(0.1, 0.9)
    assert rule_for(optimizers.nesterov, eta=0.1, beta=(0.0, 0.5)) == Nesterov(0.1, (0.0, 0.5))
    with pytest.raises(UnknownNameError):
        beyond_quadratics("S9")


# --------------------------------------------------------------------------------------
# The heavy ball's 3-cycle and the six claims
# --------------------------------------------------------------------------------------


def test_heavy_ball_three_cycle() -> None:
    """Lessard, Recht & Packard: L = 25, μ = 1, x₀ = 3.07 → a 3-cycle, solved exactly."""
    eta, beta, rate = polyak_parameters(25.0, 1.0)
    assert (eta, beta, rate) == (sp.Rational(1, 9), sp.Rational(4, 9), sp.Rational(2, 3))
    c = heavy_ball_cycle(25.0, 1.0, 3.07)
    assert c.period == 3
    assert c.exact_text == ("792/1225", "-2208/1225", "2592/1225")
    assert c.closeness < 1e-12
    assert c.drift < 1e-12
    assert c.attracting
    assert c.floor > 0.04
    # The same method from x₀ = 3 converges: the detection is not blind to convergence.
    assert heavy_ball_cycle(25.0, 1.0, 3.0).exact == (0.0,)


@pytest.fixture(scope="module")
def results() -> dict[str, BeyondQuadratics]:
    return {cid: beyond_quadratics(cid) for cid in BEYOND_CLAIMS}


def test_six_results_labelled_finite_serialisable(results: dict[str, BeyondQuadratics]) -> None:
    for cid, r in results.items():
        assert r.claim_id == cid
        assert r.label in LABELS
        assert r.finding
        for s in r.series:
            numbers = [*s.worst, *s.reference, *s.tolerance, s.fit.rate, s.claimed_rate]
            assert all(math.isfinite(x) for x in numbers)
            assert s.label in LABELS
        assert pickle.loads(pickle.dumps(r)) == r
        json.dumps(r.to_dict())
    labels = {cid: r.label for cid, r in results.items()}
    assert labels == {"S1": "holds on the class", "M2": "quadratics only",
                      "M3": "quadratics only", "M5": "quadratics only",
                      "M9": "holds on the class", "D10": "holds on the class"}


def test_heavy_ball_worse_than_quadratics(results: dict[str, BeyondQuadratics]) -> None:
    """The striking case: Polyak's heavy ball at κ = 10 — the class's worst case after ten
    steps is orders of magnitude above the worst quadratic, and decays at a slower rate; at
    κ = 25 it lies above the Lessard–Recht–Packard run at every n."""
    ten, lrp = results["M3"].series
    worst, quad = ten.at(10)
    assert worst > 100 * quad
    assert ten.fit.rate > ten.claimed_rate
    assert all(w >= e for w, e in zip(lrp.worst, lrp.example, strict=True))
    d10 = results["D10"].series[0]
    assert np.allclose(d10.worst, d10.reference, rtol=1e-6)  # DG/√T is attained


def test_figures(results: dict[str, BeyondQuadratics]) -> None:
    from lrtheory.plotting import close

    fig = beyond_figure(results["M3"])
    assert len([ax for ax in fig.axes if ax.get_visible()]) == 4
    close(fig)
    fig = cycle_figure(heavy_ball_cycle())
    assert len(fig.axes) == 2
    close(fig)
