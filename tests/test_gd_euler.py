"""S4 gd-euler: GD is forward Euler on the gradient flow (derivation, models, Monte Carlo)."""

from __future__ import annotations

import dataclasses
import math
from functools import partial

import numpy as np
import pytest
import sympy as sp

from lrtheory import Settings, Verdict, registry, verify
from lrtheory.claim import Derivation
from lrtheory.claims import euler
from lrtheory.claims.euler import S4
from lrtheory.errors import ParameterError
from lrtheory.models.flow import (
    convergence_order,
    double_well_loss,
    error_sequence,
    global_error,
    gradient_descent,
    halving,
    integrate_flow,
    measure_order,
    one_sided_lipschitz,
    quadratic_loss,
    steps_to_time,
    stiff_mode_growth,
    truncation_error,
    truncation_rounding,
)
from lrtheory.results import RunResult
from lrtheory.symbolic.flows import (
    expected_double_well_truncation,
    first_modified_field,
    flow_taylor_series,
    step_taylor_polynomial,
)
from lrtheory.symbolic.identity import identical
from lrtheory.verify import judge_model


@pytest.fixture(scope="module")
def derivation() -> Derivation:
    return S4.derive()


@pytest.fixture(scope="module")
def run() -> RunResult:
    return verify(registry.select(["S4"]), Settings(seed=11, backend="numpy"))


def test_registered() -> None:
    assert registry.get("gd-euler") is S4
    assert S4.statistics == ("one-step truncation error / η²",)


def test_gd_is_forward_euler_is_a_step_not_an_identity(derivation: Derivation) -> None:
    # True by construction (the Lie series' O(h) term is the field), so not an identity.
    assert not any("forward Euler" in i.name for i in derivation.identities)
    steps = {s.name: s.expr for s in derivation.steps}
    x, y = sp.symbols("x y", real=True)
    eta = sp.Symbol("eta", positive=True)
    L = sp.Function("L")(x, y)
    gd = sp.Matrix([x - eta * L.diff(x), y - eta * L.diff(y)])
    assert identical(steps["… at h = η: the GD update"].rhs, gd)


def test_steps_spot_checks(derivation: Derivation) -> None:
    steps = {s.name: s.expr for s in derivation.steps}
    # An equation that SymPy evaluated to True/False would be an empty step.
    assert not any(isinstance(e, sp.logic.boolalg.BooleanAtom) for e in steps.values())
    lam, h = sp.symbols("lambda h", positive=True)
    assert identical(steps["Euler's stability interval at μ = −λ"], sp.Interval.open(0, 2 / lam))
    assert identical(steps["Euler amplification on y' = μy"].rhs,
                     1 + h * sp.Symbol("mu", real=True))
    # The modified curvature of ½λx² is λ + ηλ²/2 (the Hessian of L + (η/4)L'²).
    eta = sp.Symbol("eta", positive=True)
    assert identical(steps["modified curvature of ½λx²"].rhs, lam + eta * lam**2 / 2)
    # A wrong stated form must not pass: the correction with 1/2 instead of 1/4.
    f1 = steps["modified-equation correction"].rhs
    x, y = sp.symbols("x y", real=True)
    L = sp.Function("L")(x, y)
    n2 = L.diff(x) ** 2 + L.diff(y) ** 2
    assert not identical(f1, -sp.Matrix([n2.diff(x), n2.diff(y)]) / 2)


def test_flow_taylor_series_of_a_linear_flow() -> None:
    # θ' = −λθ: the Lie series must be the exponential's Taylor polynomial.
    x = sp.Symbol("x", real=True)
    lam, h = sp.symbols("lambda h", positive=True)
    series = flow_taylor_series(sp.Matrix([-lam * x]), sp.Matrix([x]), h, 3)[0]
    expected = sp.series(sp.exp(-lam * h), h, 0, 4).removeO() * x
    assert identical(series, expected)


def test_model_checks_pass_at_every_point(run: RunResult) -> None:
    claim = run.claims[0]
    for point in claim.points:
        for m in point.model:
            if m.check.exact:
                assert m.verdict is Verdict.VERIFIED, (point.point.label, m.reason)
                assert m.check.abs_error <= m.check.tolerance
            else:
                assert m.verdict is Verdict.APPROXIMATE


def _rows(run: RunResult, label: str) -> dict[str, tuple[float, float, bool]]:
    point = next(p for p in run.claims[0].points if p.point.label == label)
    return {m.check.name: (m.check.closed_form, m.check.model, m.check.exact)
            for m in point.model}


def test_orders_are_measured_one_and_two_on_a_non_quadratic_loss(run: RunResult) -> None:
    rows = _rows(run, "double well ¼(x²−1)² + 2y²")
    plain = rows["order of GD's global error vs the gradient flow (Richardson)"]
    modified = rows["order of GD's global error vs the modified flow (Richardson)"]
    assert plain[2]  # certified, not merely reported
    assert modified[2]
    assert abs(plain[1] - 1.0) < 1e-3
    assert abs(modified[1] - 2.0) < 1e-2
    # The leading truncation term alone misses the η³, η⁴ terms by more than the MC resolution.
    lead = rows["one-step truncation error vs ½η²gᵀHg"]
    assert abs(lead[0] - lead[1]) / abs(lead[1]) > 0.02


def test_order_estimate_degrades_next_to_eulers_bound(run: RunResult) -> None:
    rows = _rows(run, "stiff quadratic κ=10⁴, η₀λ_max = 1.96")
    coarse = [v for k, v in rows.items() if k.startswith("local order vs the gradient flow")]
    assert len(coarse) == 1
    assert abs(coarse[0][1] - 1.0) > 0.5
    out = _rows(run, "stiff quadratic, η = 1.02·2/λ_max")
    growth = next(v for k, v in out.items() if k.startswith("GD factor per step"))
    assert growth[1] > 1.0
    assert growth[0] == pytest.approx(1.04)


def test_monte_carlo_verified_and_controls_rejected(run: RunResult) -> None:
    claim = run.claims[0]
    assert claim.verdict is not Verdict.REFUTED
    mc = [r for p in claim.points for r in p.monte_carlo]
    assert len(mc) == 2
    for r in mc:
        assert r.verdict is Verdict.VERIFIED, r.reason
        assert all(outcome.rejected for _, outcome in r.controls)


def test_monte_carlo_rejects_the_leading_term_alone(run: RunResult) -> None:
    point = next(p for p in run.claims[0].points if p.point.label.startswith("double well"))
    sample = point.monte_carlo[0].estimate.sample
    p = point.point.params
    args = (p["a"], p["eta"], (p["mc_x"], p["mc_y"]), p["mc_sd"])
    leading = expected_double_well_truncation(*args, leading=True)
    exact = expected_double_well_truncation(*args)
    assert abs(sample.value - exact) < 5 * sample.se
    assert abs(sample.value - leading) > 20 * sample.se


def test_validity_domain_fails_near_two(run: RunResult) -> None:
    v = run.claims[0].validity
    assert v is not None
    errors = dict(zip(v.values, v.errors, strict=True))
    small = [e for x, e in errors.items() if x <= 0.1]
    near = [e for x, e in errors.items() if x >= 1.95]
    assert max(small) < 1e-3
    assert min(near) > 0.5


def test_figure_builds(run: RunResult) -> None:
    fig = S4.figure(run.claims[0])
    assert len(fig.axes) == 2
    assert fig.axes[0].get_xlabel()


def test_expected_truncation_matches_quadrature() -> None:
    a, eta, means, sd = 4.0, 0.1, (1.5, 0.0), 0.3
    nodes, weights = np.polynomial.hermite_e.hermegauss(40)
    weights = weights / weights.sum()
    loss = double_well_loss(a)
    total = 0.0
    for zx, wx in zip(nodes, weights, strict=True):
        for zy, wy in zip(nodes, weights, strict=True):
            theta = np.array([means[0] + sd * zx, means[1] + sd * zy])
            total += wx * wy * truncation_error(loss, theta, eta) / eta**2
    assert expected_double_well_truncation(a, eta, means, sd) == pytest.approx(total, rel=1e-10)


def test_modified_flow_error_coefficient_on_a_line() -> None:
    # Derived: GD − modified flow ≈ −η² λ³ t e^{−λt} x₀ / 3 on ½λx².
    lam, t, x0 = 0.8, 2.0, 1.3
    loss = quadratic_loss(np.array([[lam]]))
    for eta in (0.01, 0.005):
        k = steps_to_time(t, eta)
        gd = gradient_descent(loss, np.array([x0]), eta, k)[0]
        flow = integrate_flow(loss, np.array([x0]), t, correction=eta)
        leading = -(eta**2) * lam**3 * t * math.exp(-lam * t) * x0 / 3
        assert (gd - flow.theta[0]) / leading == pytest.approx(1.0, abs=3 * eta)


def test_convergence_order_on_synthetic_errors() -> None:
    etas = halving(0.1, 6)
    errors = [3.0 * e**2 * (1 + 2.0 * e + 5.0 * e**2) for e in etas]
    o = convergence_order(etas, errors)
    assert abs(o.extrapolated_order - 2.0) <= o.tolerance < 1e-2
    assert abs(o.fitted_order - 2.0) > abs(o.extrapolated_order - 2.0)
    # An order of 1.5 is neither 1 nor 2 within the tolerance.
    half = convergence_order(etas, [e**1.5 * (1 + e) for e in etas])
    assert abs(half.extrapolated_order - 1.5) <= half.tolerance
    assert min(abs(half.extrapolated_order - p) for p in (1.0, 2.0)) > half.tolerance


def test_measure_order_against_flows() -> None:
    loss = double_well_loss(2.0)
    theta0 = np.array([1.5, 0.5])
    o = measure_order(loss, theta0, 1.0, halving(0.05, 5), modified=False)
    assert abs(o.extrapolated_order - 1.0) <= o.tolerance
    assert not abs(o.extrapolated_order - 2.0) <= o.tolerance
    g = global_error(loss, theta0, 1.0, 0.05, modified=True)
    assert g.steps == 20
    assert 0.0 < g.error_bound < g.error


def _inside_only(orders: tuple[float, float]) -> RunResult:
    """S4's models at its inside points only, with the global-error orders ``orders``."""
    points = tuple(dataclasses.replace(p, monte_carlo=False) for p in S4.points
                   if p.regime == "inside")
    claim = dataclasses.replace(S4, points=points, model=partial(euler._model_s4, orders=orders),
                                derive=lambda: Derivation((), ()), validity=None)
    return verify([claim], Settings(seed=0, backend="numpy"))


def test_inside_order_checks_are_exact_and_can_fail() -> None:
    # A wrong order (2 vs the flow, 1 vs the modified flow) must be refuted, not downgraded.
    result = _inside_only((2.0, 1.0)).claims[0]
    assert result.verdict is Verdict.REFUTED
    for point in result.points:
        richardson = [m for m in point.model if "(Richardson)" in m.check.name]
        assert len(richardson) == 2
        assert all(m.check.exact and m.verdict is Verdict.REFUTED for m in richardson)
    # The right orders pass at the same points.
    assert _inside_only((1.0, 2.0)).claims[0].verdict is not Verdict.REFUTED


def test_order_that_does_not_settle_is_refuted_inside_and_reported_outside() -> None:
    etas = halving(0.1, 6)
    o = convergence_order(etas, [e * math.exp(0.05 * (-2.0) ** j) for j, e in enumerate(etas)])
    assert not o.asymptotic
    assert o.contraction >= 1.0
    inside = euler._order_check(o, 1.0, "gradient flow", "inside")
    assert inside.exact
    assert judge_model(inside).verdict is Verdict.REFUTED
    boundary = euler._order_check(o, 1.0, "gradient flow", "boundary")
    assert not boundary.exact
    assert "not settled" in boundary.name
    assert judge_model(boundary).verdict is Verdict.APPROXIMATE


def test_stiff_mode_growth_is_eulers_factor() -> None:
    h = np.diag([0.01, 3.0, 100.0])
    for eta_lam in (1.9, 1.96, 2.04):
        mg = stiff_mode_growth(h, eta_lam / 100.0, 64)
        assert mg.euler_factor == pytest.approx(abs(1.0 - eta_lam), abs=1e-15)
        assert abs(mg.growth - mg.euler_factor) <= mg.tolerance < 1e-12


def test_symbolic_flow_helpers() -> None:
    x = sp.Symbol("x", real=True)
    eta, lam = sp.symbols("eta lambda", positive=True)
    # The Taylor series of a cubic along a unit step terminates: all terms give (x + η)³.
    assert identical(step_taylor_polynomial(x**3, [x], [1], eta, 0, 3), (x + eta) ** 3)
    # A method that matches the flow to O(h²) has no O(h) correction.
    field, line = sp.Matrix([-lam * x]), sp.Matrix([x])
    step = line + eta * field + eta**2 / 2 * lam**2 * line
    _, f1, _ = first_modified_field(field, step, line, eta)
    assert identical(f1, sp.zeros(1, 1))


def test_gd_rounding_bound_is_small_and_positive() -> None:
    loss = double_well_loss(4.0)
    g = global_error(loss, np.array([1.8, 0.8]), 2.0, 0.05, modified=False)
    assert 0.0 < g.error_bound < 1e-9 < g.error


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: double_well_loss(0.0), "a"),
        (lambda: quadratic_loss(np.array([[1.0, 2.0], [0.0, 1.0]])), "h"),
        (lambda: quadratic_loss(np.array([[np.nan]])), "h"),
        (lambda: gradient_descent(double_well_loss(1.0), np.zeros(2), -0.1, 3), "eta"),
        (lambda: gradient_descent(double_well_loss(1.0), np.zeros(2), 0.1, -1), "steps"),
        (lambda: gradient_descent(double_well_loss(1.0), np.array([np.nan, 0.0]), 0.1, 1),
         "theta0"),
        (lambda: integrate_flow(double_well_loss(1.0), np.ones(2), 0.0), "horizon"),
        (lambda: integrate_flow(double_well_loss(1.0), np.ones((2, 2)), 1.0), "theta0"),
        (lambda: integrate_flow(double_well_loss(1.0), np.ones(2), 1.0, correction=-1.0),
         "correction"),
        (lambda: truncation_error(double_well_loss(1.0), np.ones(2), 0.0), "eta"),
        (lambda: truncation_error(double_well_loss(1.0), np.array([]), 0.1), "theta"),
        (lambda: truncation_rounding(double_well_loss(1.0), np.ones(2), -1.0), "eta"),
        (lambda: truncation_rounding(double_well_loss(1.0), [1.0, math.inf], 0.1), "theta"),
        (lambda: stiff_mode_growth(np.diag([1.0, 2.0]), 0.1, 0), "steps"),
        (lambda: stiff_mode_growth(np.diag([1.0, 2.0]), 0.0, 8), "eta"),
        (lambda: stiff_mode_growth(np.eye(2), 0.1, 8), "h"),
        # ηλ_max = 0.5: the stiff mode decays below the rounding kept alive in the slow one.
        (lambda: stiff_mode_growth(np.diag([0.01, 3.0, 100.0]), 0.005, 64), "steps"),
        (lambda: one_sided_lipschitz(lambda th: -th, np.ones(2)), "points"),
        (lambda: one_sided_lipschitz(lambda th: -th, np.ones((2, 3)), scale=0.0), "scale"),
        (lambda: steps_to_time(1.0, 0.3), "eta"),
        (lambda: steps_to_time(0.0, 0.1), "horizon"),
        (lambda: error_sequence(double_well_loss(1.0), np.ones(2), 1.0, [], False),
         "step_sizes"),
        (lambda: global_error(double_well_loss(1.0), np.ones(2), 1.0, 0.1, True,
                              integrate_flow(double_well_loss(1.0), np.ones(2), 1.0)), "flow"),
        (lambda: convergence_order([0.1, 0.05, 0.025], [1.0, 0.5, 0.25]), "step_sizes"),
        (lambda: convergence_order([0.1, 0.05, 0.02, 0.01], [1.0, 0.5, 0.2, 0.1]),
         "step_sizes"),
        (lambda: convergence_order(halving(0.1, 4), [1.0, -0.5, 0.25, 0.1]), "errors"),
        (lambda: convergence_order(halving(0.1, 4), [1.0, 0.5, 0.25, 0.1], [0, -1, 0, 0]),
         "error_bounds"),
        (lambda: halving(0.0, 4), "first"),
        (lambda: expected_double_well_truncation(4.0, 0.1, (1.0, 0.0), 0.0), "sd"),
        (lambda: expected_double_well_truncation(4.0, 0.1, (1.0,), 0.3), "means"),  # type: ignore[arg-type]
        (lambda: flow_taylor_series(sp.Matrix([1]), sp.Matrix([sp.Symbol("x")]),
                                    sp.Symbol("h"), -1), "order"),
        (lambda: flow_taylor_series(sp.Matrix([1, 2]), sp.Matrix([sp.Symbol("x")]),
                                    sp.Symbol("h"), 2), "field"),
        (lambda: step_taylor_polynomial(sp.Symbol("x"), [sp.Symbol("x")], [1],
                                        sp.Symbol("h"), 3, 2), "hi"),
    ],
)
def test_bad_input_raises(call: object, name: str) -> None:
    with pytest.raises(ParameterError) as info:
        call()  # type: ignore[operator]
    assert info.value.name == name
