"""M4's rows beside the ODE: critical damping at λ_max and the iterates' energy against the
flow's (kept apart so that :mod:`lrtheory.claims.heavy_ball_ode` stays short).

The energy row is held to the first-order modified equation of the heavy ball. With
h = √η and γh = 1 − β the update θ_{k+1} − 2θ_k + θ_{k−1} + γh(θ_k − θ_{k−1}) + h²∇L(θ_k) = 0
is, for a smooth interpolant y(kh) = θ_k (Taylor to h³),

    y'' + γy' + ∇L(y) = (γh/2) y'' + O(h²),

so y = θ + δ + O(h²) with δ'' + γδ' + ∇²L(θ)δ = (γh/2)θ'', δ(0) = 0 and, from the first
step θ₁ = θ₀ − h²∇L(θ₀), δ'(0) = −(h/2)∇L(θ₀). The iterates' energy uses the backward
difference (θ_k − θ_{k−1})/h = y' − (h/2)y'' + O(h²), so

    E_k − E(kh) = ∇L(θ)·δ + θ'·δ' − (h/2) θ'·θ'' + O(h²) =: e₁(kh) + O(h²),

the O(√η) departure the claim states, with its constant: :func:`first_order_energy_gap`
solves for e₁ (DOP853 on (θ, θ', δ, δ')).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy.integrate import solve_ivp

from lrtheory.claim import ModelCheck, Regime
from lrtheory.models import damped_flow as df
from lrtheory.models.envelopes import envelope_check
from lrtheory.models.heavy_ball import numeric_matrix
from lrtheory.models.linear_rate import rate_bracket
from lrtheory.models.rounding import EPS
from lrtheory.optimizers import heavy_ball
from lrtheory.symbolic import heavy_ball_ode as shb


def first_order_energy_gap(flow: df.DampedFlow, eta: float, beta: float, at: float) -> float:
    """e₁(s) at s = ``at``: the O(√η) term of E_k − E(kh) (module docstring) for the flow's
    loss and start, h = √η, γ = (1 − β)/h (the flow's friction)."""
    loss, h = flow.loss, math.sqrt(eta)
    gamma, d = (1.0 - beta) / h, flow.theta0.size

    def field(_s: float, y: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        th, v, dl, dv = y[:d], y[d:2 * d], y[2 * d:3 * d], y[3 * d:]
        acc = -gamma * v - loss.gradient(th)
        return np.concatenate([v, acc, dv, -gamma * dv - loss.hessian(th) @ dl
                               + 0.5 * gamma * h * acc])

    y0 = np.concatenate([flow.theta0, np.zeros(2 * d), -0.5 * h * loss.gradient(flow.theta0)])
    sol = solve_ivp(field, (0.0, at), y0, method="DOP853", rtol=1e-11, atol=1e-13)
    if not sol.success:  # pragma: no cover - a smooth, dissipative linear system
        raise RuntimeError(f"solve_ivp failed: {sol.message}")
    th, v, dl, dv = np.split(sol.y[:, -1], 4)
    acc = -gamma * v - loss.gradient(th)
    return float(loss.gradient(th) @ dl + v @ dv - 0.5 * h * (v @ acc))


def energy_check(name: str, compared: df.EnergyComparison, flow: df.DampedFlow, eta: float,
                 beta: float, regime: Regime) -> ModelCheck:
    """The iterates' last energy against the flow's at the same time, held to |e₁|/|E_k|,
    the O(√η) term with its constant from the first-order modified equation; at an outside
    point (√η far from 0) measured only."""
    discrete, exact = float(compared.discrete[-1]), float(compared.flow[-1])
    gap = first_order_energy_gap(flow, eta, beta, float(compared.times[-1]))
    return envelope_check(
        name, exact, discrete, abs(gap) / abs(discrete),
        "the O(√η) term e₁ of the first-order modified equation, |e₁|/|E_k|",
        rounding=1e-9 + flow.bound / abs(discrete),  # e₁'s solve (rtol 1e-11), the flow's
        inside=regime != "outside",
        tolerance_reason="approximation: the iterates leave the ODE at O(√η)",
        beyond=f"far from the ODE: √η = {math.sqrt(eta):.2g}, 1 − β = {1 - beta:.2g}; the "
               f"first-order term alone is {abs(gap) / abs(discrete):.2g}")


def damping_checks(p: Mapping[str, Any]) -> list[ModelCheck]:
    """Critical damping at λ_max: the discrete heavy ball run at the ODE's β_ode, its
    measured contraction against the derived root z₊, and both against the discrete
    optimum 1 − √(ηλ) at β_disc."""
    eta, lam = p["eta"], float(p["lam_max"])
    forms = shb.derivation()[1]
    beta_ode = float(forms["beta_ode"].subs({shb.ETA: eta, shb.LAM: lam}))
    beta_disc = float(forms["beta_disc"].subs({shb.ETA: eta, shb.LAM: lam}))
    # β_disc − β_ode = ηλ exactly: relative error ηλ/(1 − √(ηλ))², below 1 iff β_ode ≥ 0.
    checks = [envelope_check("ODE's critical β_ode = 1 − 2√(ηλ) vs the discrete (1 − √(ηλ))²",
                             beta_ode, beta_disc, eta * lam / beta_disc,
                             "exact: ηλ/(1 − √(ηλ))², plus rounding",
                             rounding=8 * EPS * (abs(beta_ode) / beta_disc + 1),
                             tolerance_reason="approximation: they differ by ηλ",
                             beyond=f"β_ode = {beta_ode:.3g} < 0: no momentum realises the "
                                    "ODE's critical damping (√(ηλ) > ½)")]
    if beta_ode < 0:
        return checks  # no momentum realises the ODE's critical damping
    z_plus = float(forms["z_plus"].subs(shb.Y, (eta * lam) ** 0.25))
    steps = 2000
    run = rate_bracket(lambda s: heavy_ball(s[0], s[1], lam * s[0], eta, beta_ode),
                       numeric_matrix(eta, lam, beta_ode), steps, rho=np.array(z_plus))
    checks += [
        ModelCheck(f"contraction at β_ode, measured over {steps} steps, in the bracket of "
                   "the derived z₊ (its midpoint shown)",
                   float(z_plus + run.upper) / 2, float(run.measured),
                   float(run.upper - z_plus) / 2 + float(run.rounding),
                   "one-sided: Henrici's bracket z₊ ≤ ‖Mᵀ‖^{1/T} ≤ (Σ_j C(T,j)z₊^{T−j}ν^j)^{1/T}, "
                   "checked as midpoint ± half-width, plus float64 rounding of r_T"),
        ModelCheck("rate lost at β_ode: 1 − z₊ vs the discrete optimum √(ηλ)",
                   math.sqrt(eta * lam), 1 - z_plus, 0.0,
                   "approximation: the ODE's β costs a fraction ≈ (ηλ)^{1/4} of the rate",
                   exact=False, breakdown="a finding: at β_ode the rate 1 − z₊ = √(ηλ) − "
                   "(ηλ)^{3/4} + … misses the discrete optimum √(ηλ) by a fraction ≈ "
                   "(ηλ)^{1/4}; no equality is claimed")]
    return checks


__all__: list[str] = ["damping_checks", "energy_check", "first_order_energy_gap"]
