"""Gradient descent as forward Euler on the gradient flow, derived with SymPy (claim S4).

The flow dθ/dt = −∇L as a Taylor series in the time step h: cut after the O(h) term it is
forward Euler, at h = η the GD update, with local error ½h²H∇L. The linear model's one-step
loss error is ½η²gᵀHg on a quadratic and its leading term on any smooth L; Euler's
amplification 1 + hμ on y' = μy gives the stability interval 0 < η < 2/λ_max and κ/2
stable steps per slowest time constant. Matching one GD step to O(η³) gives the modified
flow of L + (η/4)‖∇L‖² (the O(η³) mismatch left does not vanish), and on ½λx² GD's global
error at t = kη is O(η) against the flow and O(η²) against the modified flow. The double
well's flow and truncation polynomial come from :mod:`lrtheory.symbolic.flows`.

:func:`derivation` assembles S4's steps and identities.
"""

from __future__ import annotations

import sympy as sp

from lrtheory.claim import Derivation, Identity, Step
from lrtheory.symbolic.flows import (
    double_well,
    double_well_flow_x,
    double_well_gradient,
    double_well_truncation,
    first_modified_field,
    flow_taylor_series,
    power_coefficient,
    step_taylor_polynomial,
)
from lrtheory.symbolic.linear import stable_interval


def derivation() -> Derivation:
    """S4's steps and identities (module docstring)."""
    eta, h, t, lam, lam_min, lam_max, kappa = sp.symbols(
        "eta h t lambda lambda_min lambda_max kappa", positive=True)
    x, y, x0 = sp.symbols("x y x_0", real=True)
    theta = sp.Matrix([x, y])
    L = sp.Function("L")(x, y)
    grad = sp.Matrix([L.diff(x), L.diff(y)])
    hess = sp.hessian(L, (x, y))
    # Forward Euler = the flow's Taylor series cut after the O(h) term.
    flow = flow_taylor_series(-grad, theta, h, 2)
    euler = flow.applyfunc(lambda e: power_coefficient(e, h, 0) + h * power_coefficient(e, h, 1))
    local_error = flow.applyfunc(lambda e: power_coefficient(e, h, 2))
    # Truncation error of the linear model: exact on a quadratic, leading order in general.
    h11, h12, h22, b1, b2 = sp.symbols("h_11 h_12 h_22 b_1 b_2", real=True)
    H = sp.Matrix([[h11, h12], [h12, h22]])
    quad = (theta.T * H * theta)[0] / 2 + b1 * x + b2 * y
    gq = sp.Matrix([quad.diff(x), quad.diff(y)])
    stepped = quad.subs({x: x - eta * gq[0], y: y - eta * gq[1]}, simultaneous=True)
    trunc_q = sp.expand(stepped - (quad - eta * (gq.T * gq)[0]))
    f = sp.Function("L")
    g1 = f(x).diff(x)
    trunc_1 = sp.series(f(x - eta * g1) - (f(x) - eta * g1**2), eta, 0, 4).removeO().doit()
    # Euler's stability region on the test equation y' = −λy, and the stiffness it implies.
    mu = sp.Symbol("mu", real=True)
    amplification = sp.simplify((y + h * mu * y) / y)
    region = stable_interval(amplification.subs(mu, -lam), h)
    tau = sp.solve(sp.exp(-lam_min * t) - sp.exp(-1), t)[0]
    n_steps = sp.simplify((tau / region.end.subs(lam, lam_max)).subs(lam_max, kappa * lam_min))
    # Modified equation: θ' = −∇L + η f₁ matches one GD step to O(η³); on a line (d = 1)
    # the O(η³) mismatch left does not vanish.
    order2, f1_found, _ = first_modified_field(-grad, theta - eta * grad, theta, eta)
    norm2 = (grad.T * grad)[0]
    stated_f1 = -sp.Rational(1, 4) * sp.Matrix([norm2.diff(x), norm2.diff(y)])
    L1 = sp.Function("L")(x)
    line, line_gd = sp.Matrix([x]), sp.Matrix([x - eta * L1.diff(x)])
    residual3 = first_modified_field(sp.Matrix([-L1.diff(x)]), line_gd, line, eta,
                                     residual=True)[2][0]
    # Global error at fixed t = kη on ½λx²: plain flow O(η), modified flow O(η²).
    e = sp.Symbol("e", real=True)
    modified_rate = sp.diff(lam * e**2 / 2 + eta / 4 * sp.diff(lam * e**2 / 2, e) ** 2, e, 2)
    gd = x0 * sp.exp(t / eta * sp.log(1 - eta * lam))
    err_plain = sp.series(gd - x0 * sp.exp(-lam * t), eta, 0, 2).removeO()
    err_mod = sp.series(gd - x0 * sp.exp(-modified_rate * t), eta, 0, 3).removeO()
    # The double well: its flow in closed form and its one-step truncation error.
    xt, tt, _ = double_well_flow_x()
    dw_loss, (dx, dy, _da, deta) = double_well()
    dw_trunc = double_well_truncation()
    dw_taylor = step_taylor_polynomial(dw_loss, (dx, dy), [-g for g in double_well_gradient()],
                                       deta, 2, 4)
    eq = Step.equation
    steps = (
        eq("gradient flow", "dθ/dt", -grad),
        eq("flow's Taylor series in the time step h", "θ(h)", flow),
        eq("forward Euler: cut after O(h)", "θ_1", euler),
        eq("… at h = η: the GD update", "θ_1", euler.subs(h, eta),
           "true by construction (the series' O(h) term is the field −∇L), so shown, not "
           "checked as an identity"),
        eq("Euler's local error (h² term)", "θ(h) − θ_1", h**2 * local_error),
        eq("one-step truncation error, quadratic L", "T", sp.factor(trunc_q)),
        eq("one-step truncation error, any smooth L along −g", "T", trunc_1),
        eq("Euler amplification on y' = μy", "R(hμ)", amplification),
        Step("Euler's stability interval at μ = −λ", region),
        eq("time constant of the slowest mode", "τ", tau),
        eq("stable steps per time constant", "N", n_steps),
        Step("O(η²) coefficient of θ_flow(η) − θ_GD, set to 0",
             sp.Eq(order2, sp.zeros(2, 1), evaluate=False)),
        eq("modified-equation correction", "f_1", f1_found),
        eq("O(η³) mismatch left (d = 1)", "r_3", residual3),
        eq("modified curvature of ½λx²", "λ̃", modified_rate),
        eq("global error vs flow at t = kη, leading term", "e", err_plain),
        eq("global error vs modified flow, leading term", "ẽ", err_mod),
        eq("double-well flow (Bernoulli, u = x⁻²)", "x(t)", xt),
        eq("double-well truncation error", "T", dw_trunc),
    )
    identities = (
        Identity("Euler's local error", local_error, hess * grad / 2, "derived"),
        Identity("truncation error ∝ η² (quadratic L)",
                 sp.diff(sp.expand(trunc_q / eta**2), eta), sp.Integer(0),
                 note="the seed prints 'proportional to .' (its math was stripped); the power 2 "
                      "is lrtheory's reading of 'double your step size … quadruple it'"),
        Identity("truncation error = ½η²gᵀHg (quadratic L)", trunc_q,
                 eta**2 * (gq.T * H * gq)[0] / 2, "derived"),
        Identity("leading truncation error, any smooth L", power_coefficient(trunc_1, eta, 2),
                 g1**2 * f(x).diff(x, 2) / 2, "derived"),
        Identity("Euler's stability bound = GD's", region.subs(lam, lam_max),
                 sp.Interval.open(0, 2 / lam_max)),
        Identity("stable steps per slowest time constant", n_steps, kappa / 2, "derived"),
        Identity("modified flow is the gradient flow of L + (η/4)‖∇L‖²", f1_found, stated_f1,
                 "derived"),
        Identity("η³ mismatch does not vanish (order exactly 2)", residual3, sp.Integer(0),
                 "derived", expect_equal=False,
                 note="the modified flow agrees with GD to O(η³) per step and no better"),
        Identity("global error vs flow, O(η) coefficient", power_coefficient(err_plain, eta, 1),
                 -lam**2 * t * sp.exp(-lam * t) * x0 / 2, "derived"),
        Identity("global error vs modified flow has no O(η) term",
                 power_coefficient(err_mod, eta, 1), sp.Integer(0), "derived"),
        Identity("global error vs modified flow, O(η²) coefficient",
                 power_coefficient(err_mod, eta, 2),
                 -lam**3 * t * sp.exp(-lam * t) * x0 / 3, "derived"),
        Identity("double-well flow solves x' = x − x³", sp.diff(xt, tt) - (xt - xt**3),
                 sp.Integer(0), "derived"),
        Identity("double-well truncation = its η², η³, η⁴ Taylor terms along −g (the series "
                 "terminates: L is quartic)", dw_trunc, dw_taylor, "derived"),
    )
    return Derivation(steps, identities)
