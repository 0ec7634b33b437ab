"""The heavy ball as a damped particle, derived with SymPy (claim M4).

From the update rule itself (``lrtheory.optimizers.heavy_ball``: v ← βv + g, θ ← θ − ηv; and
seed 003's v ← βv + ηg, θ ← θ − v) with the machinery of
:mod:`lrtheory.symbolic.continuous_limit`: the rule as a second-order difference, its mass
and friction at unit time step, the continuous limit θ'' + γθ' + ∇L = 0 (η = h²,
β = 1 − γh) and its energy rate dE/ds = −γθ'², the ODE's critical damping against the
discrete one, the one-step change of the discrete energy L + ‖Δθ‖²/(2η) as a quadratic form,
the jump across a restart in either convention, and the stationary energy under gradient
noise (discrete Lyapunov).

:func:`derivation` assembles M4's steps and identities (and the forms the model checks
evaluate); :func:`numeric` turns derived forms into NumPy functions, and :func:`noisy_map`
gives a rule's linear map (θ, v) ← A(θ, v) + bξ on λθ²/2 with gradient noise ξ.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import sympy as sp

from lrtheory.claim import Derivation, Identity, Step
from lrtheory.models import second_moments as sm
from lrtheory.optimizers import heavy_ball, heavy_ball_lr_in_velocity
from lrtheory.symbolic import continuous_limit as cl
from lrtheory.symbolic.heavy_ball import critical_beta, heavy_ball_polynomial
from lrtheory.symbolic.lyapunov import discrete_lyapunov

ETA, BETA, LAM, H, GAMMA, SIGMA = sp.symbols("eta beta lambda h gamma sigma", positive=True)
ETA_LO, ETA_HI, MASS, FRICTION, Y, DELTA = sp.symbols("eta_lo eta_hi m mu y delta",
                                                      positive=True)
S = sp.Symbol("s", real=True)
TH_PREV, TH_NOW, TH_NEXT, G, V, V_PREV, G_PREV, XI = sp.symbols(
    r"\theta_{t-1} theta_t \theta_{t+1} g v v_{t-1} g_{t-1} xi", real=True)
RULES = {"000": heavy_ball, "003": heavy_ball_lr_in_velocity}
THETA, X = sp.Function("theta")(S), sp.Symbol("x", real=True)
GRAD = sp.Derivative(sp.Function("L")(X), X).subs(X, THETA)  # ∇L(Θ(s))
SCALING = {ETA: H**2, BETA: 1 - GAMMA * H}  # time step h = √η, friction γ


@cache
def second_order(rule: str) -> cl.SecondOrder:
    """``rule`` with v eliminated: θ_{t+1} in θ_t, θ_{t−1}, g_t; v_t and the step Δθ(v_t)."""
    return cl.second_order_difference(lambda th, v, g: RULES[rule](th, v, g, ETA, BETA),
                                      (TH_PREV, TH_NOW), (V_PREV, V), (G_PREV, G))


def energy(rule: str) -> Callable[[Any, Any, Any], sp.Expr]:
    """E(θ, v; η) = λθ²/2 + ½Δθ²/η, Δθ = −ηv (seed 000's v) or −u (seed 003's u = ηv)."""
    step = second_order(rule).displacement
    return lambda th, v, eta: LAM * th**2 / 2 + cl.kinetic_energy(
        step.subs({V: v, ETA: eta}, simultaneous=True), eta)


def energy_step(rule: str, eta_before: sp.Expr, eta_step: sp.Expr) -> sp.Expr:
    """E_{t+1} − E_t on λθ²/2 for one step of ``rule`` at ``eta_step`` from (θ, V), E_t's
    kinetic term taken with the rate of the step that made V (``eta_before``)."""
    return cl.energy_change(lambda th, v, eta: RULES[rule](th, v, LAM * th, eta, BETA),
                            energy(rule), (TH_NOW, V), eta_before, eta_step)


def dissipation(rule: str, eta: sp.Expr) -> sp.Expr:
    """The stated one-step dissipation −(η/2)[v² − 2βvv' + (1 − ηλ)v'²], in the rule's own
    velocity (seed 003's u is ηv)."""
    v1 = RULES[rule](TH_NOW, V, LAM * TH_NOW, eta, BETA)[1]
    scale = 1 if rule == "000" else 1 / eta
    a, b = V * scale, v1 * scale
    return -eta / 2 * (a**2 - 2 * BETA * a * b + (1 - eta * LAM) * b**2)


@cache
def derivation() -> tuple[Derivation, dict[str, sp.Expr]]:
    """M4's steps and identities, with the forms the model checks evaluate: ``z_plus`` (the
    discrete root at β_ode, ηλ = y⁴), ``beta_ode``, ``beta_disc``, the dissipation ``form``
    M and the restart jumps ``jump_000``, ``jump_003``."""
    # (a) The update as a second-order difference: eliminate v with the previous step.
    hb = second_order("000")
    second = sp.collect(hb.difference, [G, BETA])
    # (b) Mass and friction at unit time step, two ways of differencing the friction.
    masses = {}
    for name, diff in (("forward", TH_NEXT - TH_NOW), ("backward", TH_NOW - TH_PREV)):
        fit = cl.fit_coefficients(MASS * (TH_NEXT - 2 * TH_NOW + TH_PREV) + FRICTION * diff + G,
                                  (MASS, FRICTION), TH_NEXT, hb.next_position, (TH_NOW, TH_PREV, G))
        masses[name] = sp.Tuple(fit[MASS], fit[FRICTION])
    # (c) Continuous limit: θ_{t+k} = Θ(s + kh), η = h², β = 1 − γh, h → 0.
    limit = cl.continuous_limit(TH_NEXT - hb.next_position,
                                {TH_NEXT: 1, TH_NOW: 0, TH_PREV: -1}, THETA, H,
                                {**SCALING, G: GRAD}, force=GRAD)
    ode, gamma_of = limit.ode, cl.limit_parameter(SCALING, H, GAMMA)
    # (d) Energy of the ODE, with θ'' from the ODE itself.
    de_ds = cl.energy_rate(ode, THETA, sp.Function("L")(THETA))
    th_next, v_next = heavy_ball(TH_NOW, V, G, ETA, BETA)
    velocity = sp.expand((th_next - TH_NOW) / sp.sqrt(ETA))
    # (e) Critical damping: the ODE on λθ²/2 (Θ = e^{rs}) against the discrete map.
    r, z = sp.symbols("r z")
    ode_poly = cl.exponential_ansatz(ode.subs(GRAD, LAM * THETA), THETA, r)
    (gamma_c,) = [g for g in sp.roots(sp.discriminant(ode_poly, r), GAMMA) if g.is_positive]
    beta_ode = cl.linear_root(sp.Eq(gamma_of, gamma_c), BETA)
    beta_disc = critical_beta(ETA * LAM)
    at_ode_beta = heavy_ball_polynomial(Y**4, 1, 1 - 2 * Y**2, z)  # ηλ = y⁴
    z_plus = max(sp.roots(at_ode_beta, z), key=lambda e: float(e.subs(Y, sp.Rational(1, 10))))
    z_series = sp.series(z_plus, Y, 0, 5).removeO()
    # (f) Discrete energy, constant η, as a form in (v_t, v_{t+1}); across a restart.
    change = energy_step("000", ETA, ETA)
    change_form = cl.quadratic_form(change, (TH_NOW, V), (V, v_next.subs(G, LAM * TH_NOW)))
    form = (-2 / ETA * change_form.matrix).applyfunc(sp.cancel)  # ΔE = −(η/2) wᵀ M w
    # (g) Noise: the stationary energy of the linear map with g = λθ + σξ.
    a_mat, b_vec = noisy_map("000")
    cov = discrete_lyapunov(a_mat, SIGMA**2 * b_vec * b_vec.T)
    e_stat = sp.factor(LAM * cov[0, 0] / 2 + ETA * cov[1, 1] / 2)
    # The seed's energy with the update's own v (seed 000), one step from rest (v = 0).
    theta1, v1 = heavy_ball(TH_NOW, 0, LAM * TH_NOW, ETA, BETA)
    raw_first = sp.factor(LAM * theta1**2 / 2 + v1**2 / 2 - LAM * TH_NOW**2 / 2)
    jumps = {"000": (ETA_HI - ETA_LO) * V**2 / 2, "003": V**2 / 2 * (1 / ETA_HI - 1 / ETA_LO)}
    eq = Step.equation
    steps = (
        eq("velocity from positions (previous step)", "v_t", hb.velocity),
        eq("heavy ball as a second-order difference", "θ_{t+1} − 2θ_t + θ_{t−1}", second),
        eq("unit time step, friction μ(θ_{t+1} − θ_t): mass, friction", "(m, μ)",
           masses["forward"]),
        eq("unit time step, friction μ(θ_t − θ_{t−1}): mass, friction", "(m, μ)",
           masses["backward"]),
        eq("θ_{t+k} = Θ(s + kh), η = h², β = 1 − γh: residual to O(h³)", "R(h)",
           limit.expansion),
        eq("h² coefficient: the ODE", "0", ode),
        eq("friction from β = 1 − γ√η", "γ", gamma_of),
        eq("ODE energy E = L + ½θ'²: dE/ds with θ'' from the ODE", "dE/ds", de_ds),
        eq("ODE velocity of one step, (θ_{t+1} − θ_t)/√η", "θ'", velocity),
        eq("ODE on λθ²/2 with Θ = e^{rs}", "0", ode_poly),
        eq("ODE critical damping (discriminant in r = 0)", "γ_c", gamma_c),
        eq("… as a momentum", "β_ode", beta_ode),
        eq("discrete critical damping (symbolic.heavy_ball)", "β_disc", beta_disc),
        eq("discrete polynomial at β_ode, ηλ = y⁴: its larger root", "z₊", z_series),
        eq("one-step energy change, constant η (seed 000)", "ΔE", sp.factor(change)),
        eq("its quadratic form in (v_t, v_{t+1}): matrix, ΔE = −(η/2) wᵀMw", "M", form),
        eq("stationary mean energy under gradient noise σξ", "E_∞", e_stat),
    )
    identities = (
        Identity("second-order difference of the update", second,
                 -(1 - BETA) * (TH_NOW - TH_PREV) - ETA * G, "derived"),
        Identity("friction differenced forward: mass β/η, friction (1 − β)/η",
                 masses["forward"], sp.Tuple(BETA / ETA, (1 - BETA) / ETA), "derived"),
        Identity("friction differenced backward: mass 1/η (no β), friction (1 − β)/η",
                 masses["backward"], sp.Tuple(1 / ETA, (1 - BETA) / ETA), "derived"),
        Identity("continuous limit θ'' + γθ' + ∇L = 0", ode,
                 THETA.diff(S, 2) + GAMMA * THETA.diff(S) + GRAD, "derived"),
        Identity("the iterates leave the ODE at O(√η): h³ term −γθ''/2", limit.correction,
                 -GAMMA * THETA.diff(S, 2) / 2, "derived"),
        Identity("friction γ = (1 − β)/√η", gamma_of, (1 - BETA) / sp.sqrt(ETA), "derived"),
        Identity("a low learning rate is high friction: sign ∂γ/∂η = −1 (β = 1 − δ, δ > 0)",
                 sp.sign(sp.diff(gamma_of, ETA).subs(BETA, 1 - DELTA)), sp.Integer(-1),
                 note="seed 001's 'A low learning rate corresponds to high friction'"),
        Identity("energy dissipation dE/ds = −γθ'²", de_ds, -GAMMA * THETA.diff(S) ** 2,
                 "derived"),
        Identity("the seed's ½‖v‖² with the update's v: the ODE's ½θ'² over it is η, not 1",
                 sp.simplify(velocity**2 / 2 / (v_next**2 / 2)), sp.Integer(1),
                 expect_equal=False,
                 note="θ' = −√η v: the ODE's kinetic energy is ½η‖v‖² (seed 000's v)"),
        Identity("L + ½v² with the update's v rises on the first step from rest",
                 raw_first, LAM**2 * TH_NOW**2 * (1 - 2 * ETA + ETA**2 * LAM) / 2, "derived",
                 note="positive whenever 2η − η²λ < 1, e.g. every η < 1/2"),
        Identity("ODE critical damping γ_c = 2√λ", gamma_c, 2 * sp.sqrt(LAM), "derived"),
        Identity("ODE critical momentum β_ode = 1 − 2√(ηλ)", beta_ode,
                 1 - 2 * sp.sqrt(ETA * LAM), "derived"),
        Identity("discrete minus ODE critical momentum = ηλ", sp.expand(beta_disc - beta_ode),
                 ETA * LAM, "derived"),
        Identity("discrete at β_ode: z₊ = 1 − √(ηλ) + (ηλ)^{3/4} − ηλ/2 + O((ηλ)^{5/4})",
                 z_series, 1 - Y**2 + Y**3 - Y**4 / 2, "derived"),
        Identity("constant η: ΔE = −(η/2)[v² − 2βvv' + (1 − ηλ)v'²]",
                 change, dissipation("000", ETA), "derived"),
        Identity("the form is positive definite iff β² + ηλ < 1: det M",
                 cl.leading_minors(form)[-1], 1 - BETA**2 - ETA * LAM, "derived"),
        Identity("restart, seed 000 (v ← βv + g, θ ← θ − ηv): kinetic energy injected",
                 sp.factor(energy_step("000", ETA_LO, ETA_HI) - dissipation("000", ETA_HI)),
                 jumps["000"], "derived"),
        Identity("restart, seed 003 (v ← βv + ηg, θ ← θ − v): kinetic energy removed",
                 sp.factor(energy_step("003", ETA_LO, ETA_HI) - dissipation("003", ETA_HI)),
                 jumps["003"], "derived"),
        Identity("stationary mean energy under noise", e_stat,
                 ETA * SIGMA**2 * (BETA + 3) / (2 * (1 - BETA) * (2 * (1 + BETA) - ETA * LAM)),
                 "derived"),
    )
    forms = {"z_plus": z_plus, "beta_ode": beta_ode, "beta_disc": beta_disc, "form": form,
             "jump_000": jumps["000"], "jump_003": jumps["003"]}
    return Derivation(steps, identities), forms


@cache
def noisy_map(rule: str) -> tuple[sp.Matrix, sp.Matrix]:
    """(A, b) of ``rule`` on λθ²/2 with gradient noise ξ: (θ, v) ← A(θ, v) + bξ, derived."""
    return sm.noisy_linear_map(lambda th, v: RULES[rule](th, v, LAM * th + XI, ETA, BETA),
                               (TH_NOW, V), XI)


@cache
def numeric(name: str) -> Callable[..., Any]:
    """Derived forms as NumPy functions: the one-step dissipation of either rule in (θ, v,
    η, β, λ), the restart jumps in (v, η_lo, η_hi), the update matrices and noise vectors of
    both rules in (η, β, λ), one per curvature (shape (d, rows, cols))."""
    function: Callable[..., Any]
    if name.startswith("dissipation"):
        function = sp.lambdify((TH_NOW, V, ETA, BETA, LAM), dissipation(name[-3:], ETA),
                               "numpy")
    elif name.startswith("jump"):  # the forms the identities prove equal to the derivation
        function = sp.lambdify((V, ETA_LO, ETA_HI), derivation()[1][name], "numpy")
    elif name == "form":
        function = sp.lambdify((ETA, BETA, LAM), derivation()[1]["form"], "numpy")
    else:
        a_mat, b_vec = noisy_map(name[-3:])
        function = sm.per_direction(a_mat if name.startswith("matrix") else b_vec,
                                    (ETA, BETA, LAM))
    return function
