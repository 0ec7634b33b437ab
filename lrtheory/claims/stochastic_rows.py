"""Claim D3's model rows (split from :mod:`lrtheory.claims.stochastic` to keep it short):
the 1-D recursion, Lyapunov solves and the SDE value against them, and the d-D stationary
loss.

Every approximation row declares its envelope from the theory: the SDE value is off by
exactly ηλ/2 of Var_∞ (derived), and in d dimensions the SDE loss η tr C/(4B) falls short of
½tr(HΣ) by (η/4)tr(H²Σ) ≤ (ηλ_max/2)·½tr(HΣ) (H, Σ positive semidefinite). The
per-eigen-direction formula for non-commuting H, C is a finding, not an approximation.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from lrtheory.claim import ModelCheck, Point
from lrtheory.models import lyapunov as lyap
from lrtheory.models.rounding import EPS

#: Roundings in evaluating a closed form such as ησ²/(Bλ(2 − ηλ)): ≤ 16, each ≤ ε relative.
EVAL_ROUNDING = 16 * EPS


def envelope(gap: float, tolerance: float, value: float) -> float:
    """The relative error a closed form x(1 − ``gap``) (within EVAL_ROUNDING) can show
    against a solver's value within ``tolerance`` of x: (gap + τ)/(1 − τ), τ = tolerance/
    (value − tolerance), plus the closed form's and the division's rounding."""
    tau = tolerance / (value - tolerance)
    return (gap + tau) / (1 - tau) + 2 * EVAL_ROUNDING + 4 * EPS


def problem(point: Point) -> tuple[float, np.ndarray[Any, Any], np.ndarray[Any, Any], float]:
    """(η, H, C, B) of a point: H has eigenvalues (λ, λ₂) turned by ``angle``; C = σ²diag(1, c₂)."""
    p = point.params
    eta_ = p["eta_lam"] / p["lam"]
    H = lyap.rotated_quadratic([p["lam"], p["lam2"]], p["angle"])
    C = p["sigma"] ** 2 * np.diag([1.0, p["c2"]])
    return eta_, H, C, p["B"]


def model_1d(point: Point, f: Mapping[str, Any]) -> list[ModelCheck]:
    """The 1-D rows: the rsolve path, Var_∞ (Lyapunov) and the SDE value against it; ``f``
    the derived forms as functions of (η, λ, σ, B) (``exact``, ``sde``, ``path``,
    ``sde_error``)."""
    p = point.params
    eta_, T = p["eta_lam"] / p["lam"], int(p["steps"])
    args = (eta_, p["lam"], p["sigma"], p["B"])
    s2 = p["sigma"] ** 2 / p["B"]
    v_T = f["path"](*args, 0.0, T)
    checks = [ModelCheck(
        f"1-D V_T, T = {T}: rsolve closed form vs iterated recursion", v_T,
        float(lyap.variance_path(eta_, p["lam"], s2, T)[-1]),
        tolerance=lyap.variance_path_rounding(eta_, p["lam"], T) * abs(v_T),
        tolerance_reason="rounding of T positive multiply-adds and of (1−ηλ)^{2T}")]
    stable = p["eta_lam"] < 2.0
    h1, c1 = np.array([[p["lam"]]]), np.array([[p["sigma"] ** 2]])
    fixed = lyap.stationary_covariance(eta_, h1, c1, p["B"], require_stable=stable)
    name = "Var_∞" if stable else "fixed point of the recursion (repelling, negative)"
    checks.append(ModelCheck(
        f"1-D {name}: ησ²/(Bλ(2−ηλ)) vs solve_discrete_lyapunov", f["exact"](*args),
        float(fixed[0, 0]),
        tolerance=lyap.stationary_error_bound(eta_, h1, c1, p["B"], fixed)
        + EVAL_ROUNDING * abs(float(fixed[0, 0])),
        tolerance_reason="a-posteriori Lyapunov bound ‖op⁻¹‖·residual, plus evaluation"))
    if stable:  # the SDE value against Var_∞, within that row's Lyapunov bound
        checks.append(ModelCheck("1-D SDE value ησ²/(2Bλ) vs exact Var_∞", f["sde"](*args),
                                 float(fixed[0, 0]), tolerance=0.0,
                                 tolerance_reason="approximation", exact=False,
                                 bound=envelope(f["sde_error"](*args), checks[-1].tolerance,
                                                 float(fixed[0, 0])),
                                 bound_reason="exact: (Var_∞ − SDE)/Var_∞ = ηλ/2 (derived), "
                                              "plus the Lyapunov bound"))
    return checks


def model_dd(point: Point, f: Mapping[str, Any]) -> list[ModelCheck]:
    """The d-D rows: SDE and exact stationary losses, the commuting per-direction form, and
    for non-commuting H, C the Lyapunov solve, its recursion and the per-direction form."""
    eta_, H, C, B_ = problem(point)
    loss_d, err_d, sig_d = lyap.stationary_loss(eta_, H, C, B_)
    loss_c, err_c, _ = lyap.stationary_loss(eta_, H, C, B_, sde=True)
    loss_sde = eta_ * float(np.trace(C)) / (4 * B_)
    why = "a-posteriori Lyapunov bound, times ½‖H‖_F, plus evaluation"
    excess = eta_ / 4 * float(np.trace(H @ H @ sig_d))
    checks = [
        ModelCheck("d-D SDE loss η tr C/(4B) vs ½tr(HΣ), continuous Lyapunov", loss_sde, loss_c,
                   tolerance=err_c + EVAL_ROUNDING * loss_sde, tolerance_reason=why),
        ModelCheck("d-D SDE loss η tr C/(4B) vs exact ½tr(HΣ), discrete Lyapunov", loss_sde,
                   loss_d, tolerance=0.0, tolerance_reason="approximation", exact=False,
                   bound=envelope(eta_ * float(np.linalg.eigvalsh(H)[-1]) / 2, err_d, loss_d),
                   bound_reason="proved: the excess (η/4)tr(H²Σ) ≤ (ηλ_max/2)·½tr(HΣ), "
                                "plus the Lyapunov bound"),
        ModelCheck("d-D exact loss η tr C/(4B) + (η/4)tr(H²Σ) vs ½tr(HΣ), discrete Lyapunov",
                   loss_sde + excess, loss_d, tolerance_reason=why,
                   tolerance=err_d * (1 + eta_ * float(np.linalg.norm(H)) / 2)
                   + EVAL_ROUNDING * loss_d),
    ]
    lam_i, u = np.linalg.eigh(H)
    if point.params["angle"] == 0.0:  # commuting: the derived 1-D formula per direction
        per_dir = sum(0.5 * li * f["exact"](eta_, li, math.sqrt(ci), B_)
                      for li, ci in zip(lam_i, np.diag(u.T @ C @ u), strict=True))
        checks.append(ModelCheck("d-D commuting: Σ ½λ_i·(1-D Var_∞) vs ½tr(HΣ), discrete",
                                 per_dir, loss_d, tolerance=err_d + EVAL_ROUNDING * loss_d,
                                 tolerance_reason=why))
        return checks
    rec, err_rec, steps = lyap.iterated_stationary_covariance(eta_, H, C, B_)
    err_lyap = lyap.stationary_error_bound(eta_, H, C, B_, sig_d)
    naive = lyap.per_direction_covariance(eta_, H, C, B_)
    return [*checks,
            ModelCheck(f"d-D Σ₁₁: solve_discrete_lyapunov vs recursion run {steps} steps",
                       float(sig_d[0, 0]), float(rec[0, 0]), tolerance=err_lyap + err_rec,
                       tolerance_reason="Lyapunov bound + recursion rounding + ρ^{2T}‖Σ‖ left"),
            ModelCheck("d-D non-commuting Σ₁₁: per-eigen-direction 1-D formula vs exact",
                       float(naive[0, 0]), float(sig_d[0, 0]), tolerance=0.0,
                       tolerance_reason="approximation", exact=False,
                       breakdown="a finding: for non-commuting H and C the per-direction "
                                 "formula drops the cross-covariances u_iᵀCu_j; not claimed")]
