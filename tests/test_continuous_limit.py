"""lrtheory.symbolic.continuous_limit on cases with known answers: gradient descent tends to
gradient flow, the heavy ball to θ'' + γθ' + ∇L = 0 with γ = (1 − β)/√η, Nesterov (Su–Boyd–
Candès scaling) to θ'' + (3/s)θ' + ∇L = 0; wrong scalings are refused."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from lrtheory.errors import ParameterError
from lrtheory.optimizers import heavy_ball, heavy_ball_lr_in_velocity, nesterov
from lrtheory.symbolic import continuous_limit as cl

ETA, BETA, LAM, H, GAMMA = sp.symbols("eta beta lambda h gamma", positive=True)
ETA_LO, ETA_HI = sp.symbols("eta_lo eta_hi", positive=True)
S = sp.Symbol("s", positive=True)
TH0, TH1, TH2, V0, V1, G0, G1 = sp.symbols("theta0 theta1 theta2 v0 v1 g0 g1", real=True)
THETA = sp.Function("theta")(S)
X = sp.Symbol("x", real=True)
GRAD = sp.Derivative(sp.Function("L")(X), X).subs(X, THETA)
SHIFTS = {TH2: 1, TH1: 0, TH0: -1}
D1, D2 = THETA.diff(S), THETA.diff(S, 2)


def _zero(expr: sp.Expr) -> bool:
    return bool(sp.simplify(expr) == 0)


def _second(rule: cl.Rule) -> cl.SecondOrder:
    return cl.second_order_difference(rule, (TH0, TH1), (V0, V1), (G0, G1))


def test_linear_root() -> None:
    assert cl.linear_root(sp.Eq(2 * X + ETA, 3), X) == (3 - ETA) / 2
    assert _zero(cl.linear_root(D2 + GAMMA * D1 + GRAD, D2) + GAMMA * D1 + GRAD)
    with pytest.raises(ParameterError, match=r"^equation"):
        cl.linear_root(X**2 - 1, X)
    with pytest.raises(ParameterError, match=r"^equation"):
        cl.linear_root(ETA - 1, X)


@pytest.mark.parametrize(("rule", "step"), [
    (lambda th, v, g: heavy_ball(th, v, g, ETA, BETA), -ETA * V1),
    (lambda th, v, g: heavy_ball_lr_in_velocity(th, v, g, ETA, BETA), -V1),
    (lambda th, v, g: nesterov(th, v, lambda _: g, ETA, BETA), -V1),  # g opaque
])
def test_momentum_rules_are_one_second_order_difference(rule: cl.Rule, step: sp.Expr) -> None:
    form = _second(rule)
    assert _zero(form.difference - (-(1 - BETA) * (TH1 - TH0) - ETA * G1))
    assert _zero(form.displacement - step)
    assert _zero(form.next_position - (form.difference + 2 * TH1 - TH0))


def test_second_order_difference_against_a_run() -> None:
    """A rule whose step uses the old velocity (θ ← θ − ηv, then v ← βv + g) lags the gradient
    by a step: θ_{t+1} = θ_t + β(θ_t − θ_{t−1}) − ηg_{t−1}. Checked on numbers."""
    def lagged(th: sp.Expr, v: sp.Expr, g: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
        return th - ETA * v, BETA * v + g
    form = _second(lagged)
    assert form.next_position.has(G0)
    eta, beta, lam = 0.3, 0.7, 1.7
    th, v, path, grads = 1.0, 0.4, [1.0], []
    for _ in range(6):
        grads.append(lam * th)
        th, v = th - eta * v, beta * v + lam * th
        path.append(th)
    f = sp.lambdify((TH0, TH1, G0, G1, ETA, BETA), form.next_position)
    for t in range(1, 5):
        assert f(path[t - 1], path[t], grads[t - 1], grads[t], eta, beta) == pytest.approx(
            path[t + 1], rel=1e-14)
    with pytest.raises(ParameterError, match=r"^rule"):  # v never reaches θ
        _second(lambda th, v, g: (th - ETA * g, v))
    with pytest.raises(ParameterError, match=r"^positions"):
        cl.second_order_difference(lagged, (TH0, 1), (V0, V1), (G0, G1))  # type: ignore[arg-type]


def test_fit_coefficients_mass_and_friction() -> None:
    m, mu = sp.symbols("m mu")
    hb = _second(lambda th, v, g: heavy_ball(th, v, g, ETA, BETA))
    template = m * (TH2 - 2 * TH1 + TH0) + mu * (TH2 - TH1) + G1
    fit = cl.fit_coefficients(template, (m, mu), TH2, hb.next_position, (TH1, TH0, G1))
    assert _zero(fit[m] - BETA / ETA)
    assert _zero(fit[mu] - (1 - BETA) / ETA)
    with pytest.raises(ParameterError, match=r"^template"):  # no friction term: no fit
        cl.fit_coefficients(m * (TH2 - 2 * TH1 + TH0) + G1, (m,), TH2, hb.next_position,
                            (TH1, TH0, G1))


def test_gradient_descent_tends_to_gradient_flow() -> None:
    residual = TH2 - (TH1 - ETA * G1)
    limit = cl.continuous_limit(residual, SHIFTS, THETA, H, {ETA: H, G1: GRAD}, force=GRAD)
    assert limit.power == 1
    assert _zero(limit.ode - (D1 + GRAD))
    assert _zero(limit.correction - D2 / 2)  # θ_{t+1} − θ_t = hθ' + h²θ''/2 + …
    with pytest.raises(ParameterError, match=r"^substitutions"):  # η = h²: R = hθ', no force
        cl.continuous_limit(residual, SHIFTS, THETA, H, {ETA: H**2, G1: GRAD}, force=GRAD)
    with pytest.raises(ParameterError, match=r"^order"):
        cl.continuous_limit(residual, SHIFTS, THETA, H, {ETA: H, G1: GRAD}, force=GRAD,
                            order=1)
    with pytest.raises(ParameterError, match=r"^positions\[theta2\]"):
        cl.continuous_limit(residual, {**SHIFTS, TH2: 0.5}, THETA, H, {ETA: H, G1: GRAD},
                            force=GRAD)
    with pytest.raises(ParameterError, match=r"^residual"):  # ÷ h: a negative power
        cl.continuous_limit(residual / ETA, SHIFTS, THETA, H, {ETA: H, G1: GRAD}, force=GRAD)


def test_heavy_ball_tends_to_the_damped_oscillator() -> None:
    hb = _second(lambda th, v, g: heavy_ball(th, v, g, ETA, BETA))
    residual = TH2 - hb.next_position
    scaling = {ETA: H**2, BETA: 1 - GAMMA * H}
    limit = cl.continuous_limit(residual, SHIFTS, THETA, H, {**scaling, G1: GRAD}, force=GRAD)
    assert limit.power == 2
    assert _zero(limit.ode - (D2 + GAMMA * D1 + GRAD))
    assert _zero(limit.correction + GAMMA * D2 / 2)
    assert _zero(limit.expansion.coeff(H, 2) - limit.ode)
    gamma = cl.limit_parameter(scaling, H, GAMMA)
    assert _zero(gamma - (1 - BETA) / sp.sqrt(ETA))
    assert _zero(cl.energy_rate(limit.ode, THETA, sp.Function("L")(THETA)) + GAMMA * D1**2)
    wrong = [
        {ETA: H, BETA: 1 - GAMMA * H},  # R = h∇L + …: no derivative left
        {ETA: H**2, BETA: sp.Rational(1, 2)},  # R = h(1 − β)θ' + …: no force
    ]
    for bad in wrong:
        with pytest.raises(ParameterError, match=r"^substitutions"):
            cl.continuous_limit(residual, SHIFTS, THETA, H, {**bad, G1: GRAD}, force=GRAD)
    with pytest.raises(ParameterError, match=r"^residual"):  # β = 1 − γ√h: powers h^{1/2}
        cl.continuous_limit(residual, SHIFTS, THETA, H,
                            {ETA: H**2, BETA: 1 - GAMMA * sp.sqrt(H), G1: GRAD}, force=GRAD)
    with pytest.raises(ParameterError, match=r"^scaling"):
        cl.limit_parameter({ETA: H**2}, H, GAMMA)


def test_nesterov_tends_to_su_boyd_candes() -> None:
    """β_k = (k − 1)/(k + 2) = 1 − 3h/(s + 2h) at s = kh, η = h², the gradient at the
    look-ahead θ_t + β(θ_t − θ_{t−1}): θ'' + (3/s)θ' + ∇L = 0, energy rate −(3/s)θ'²."""
    dl = sp.Function("dL")
    form = _second(lambda th, v, g: nesterov(th, v, lambda _: g, ETA, BETA))
    look_ahead = TH1 + BETA * (TH1 - TH0)
    limit = cl.continuous_limit(TH2 - form.next_position, SHIFTS, THETA, H,
                                {ETA: H**2, BETA: 1 - 3 * H / (S + 2 * H), G1: dl(look_ahead)},
                                force=dl(THETA))
    assert limit.power == 2
    assert _zero(limit.ode - (D2 + 3 * D1 / S + dl(THETA)))
    assert not limit.correction.has(BETA)  # β inside the gradient was scaled too
    potential = sp.Function("L")(THETA)
    ode = limit.ode.subs(dl(THETA), potential.diff(THETA))
    assert _zero(cl.energy_rate(ode, THETA, potential) + 3 * D1**2 / S)
    with pytest.raises(ParameterError, match=r"^ode"):  # 3/s: not constant coefficients
        cl.exponential_ansatz(ode.subs(potential.diff(THETA), LAM * THETA), THETA,
                              sp.Symbol("r"))


def test_exponential_ansatz_and_bad_paths() -> None:
    r = sp.Symbol("r")
    poly = cl.exponential_ansatz(D2 + GAMMA * D1 + LAM * THETA, THETA, r)
    assert sp.expand(poly - (r**2 + GAMMA * r + LAM)) == 0
    with pytest.raises(ParameterError, match=r"^path"):
        cl.shifted(sp.Function("f")(S, X), H, 1, 2)
    with pytest.raises(ParameterError, match=r"^order"):
        cl.shifted(THETA, H, 1, -1)
    with pytest.raises(ParameterError, match=r"^equation"):  # not linear in θ''
        cl.energy_rate(D2**2 + GRAD, THETA, sp.Function("L")(THETA))


def _energy(convention: str) -> cl.Energy:
    """λθ²/2 + ½Δθ²/η with Δθ = −ηv (rate outside v) or −u (inside)."""
    def energy(th: sp.Expr, v: sp.Expr, eta: sp.Expr) -> sp.Expr:
        step = -eta * v if convention == "outside" else -v
        return LAM * th**2 / 2 + cl.kinetic_energy(step, eta)
    return energy


def test_energy_change_as_a_quadratic_form_against_brute_force() -> None:
    theta, v = sp.symbols("theta v", real=True)

    def rule(th: sp.Expr, vv: sp.Expr, eta: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
        return heavy_ball(th, vv, LAM * th, eta, BETA)

    change = cl.energy_change(rule, _energy("outside"), (theta, v), ETA, ETA)
    v_next = rule(theta, v, ETA)[1]
    form = cl.quadratic_form(change, (theta, v), (v, v_next))
    want = -ETA / 2 * sp.Matrix([[1, -BETA], [-BETA, 1 - ETA * LAM]])
    assert (form.matrix - want).applyfunc(sp.simplify) == sp.zeros(2, 2)
    assert _zero(form.minors[-1] - ETA**2 * (1 - BETA**2 - ETA * LAM) / 4)
    assert cl.leading_minors(sp.Matrix([[2, 1], [1, 3]])) == (2, 5)
    rng = np.random.default_rng(3)
    values = {ETA: 0.1, BETA: 0.9, LAM: 2.5}
    q = sp.lambdify((theta, v), change.subs(values))
    m = np.array(form.matrix.subs(values), dtype=float)
    for th, vv in rng.normal(size=(5, 2)):
        w = np.array([vv, 0.9 * vv + 2.5 * th])
        assert q(th, vv) == pytest.approx(w @ m @ w, rel=1e-12, abs=1e-15)
    with pytest.raises(ParameterError, match=r"^expr"):
        cl.quadratic_form(change + theta, (theta, v))
    with pytest.raises(ParameterError, match=r"^coordinates"):
        cl.quadratic_form(change, (theta, v), (v, 2 * v))
    with pytest.raises(ParameterError, match=r"^matrix"):
        cl.leading_minors(sp.Matrix([[1, 2]]))


@pytest.mark.parametrize(("convention", "jump"), [
    ("outside", (ETA_HI - ETA_LO) * sp.Symbol("v", real=True) ** 2 / 2),
    ("inside", sp.Symbol("v", real=True) ** 2 / 2 * (1 / ETA_HI - 1 / ETA_LO)),
])
def test_restart_jump_in_either_convention(convention: str, jump: sp.Expr) -> None:
    theta, v = sp.symbols("theta v", real=True)
    energy = _energy(convention)
    found = cl.restart_jump(energy, (theta, v), ETA_LO, ETA_HI)
    assert _zero(found - jump)
    assert cl.restart_jump(energy, (theta, 2), 1, 4) == found.subs({v: 2, ETA_LO: 1, ETA_HI: 4})
    with pytest.raises(ParameterError, match=r"^state"):
        cl.restart_jump(energy, (theta,), ETA_LO, ETA_HI)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match=r"^eta"):
        cl.kinetic_energy(v, 0)

    def rule(th: sp.Expr, vv: sp.Expr, eta: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
        if convention == "outside":
            return heavy_ball(th, vv, LAM * th, eta, BETA)
        return heavy_ball_lr_in_velocity(th, vv, LAM * th, eta, BETA)

    across = cl.energy_change(rule, energy, (theta, v), ETA_LO, ETA_HI)
    constant = cl.energy_change(rule, energy, (theta, v), ETA_HI, ETA_HI)
    assert _zero(across - constant - found)
