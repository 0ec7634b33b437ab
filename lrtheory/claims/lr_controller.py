"""Family G, claim G5 lr-controller: a PI controller on the learning rate, in closed loop.

The plant (GD on a quadratic, measured by its gradient-norm ratio), the PI law and the checks
that judge the loop live in :mod:`lrtheory.models.controller` (certificates and noise
covariances of a loop in :mod:`lrtheory.models.basin`); the loop's linearisation,
characteristic polynomial and Jury region are derived from those very functions in
:mod:`lrtheory.symbolic.lr_controller`. This module checks them against the loop: measured
contraction, a certified basin, the basin at rest, the variance under measurement noise.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from lrtheory.claim import Claim, Estimate, ModelCheck, Point, Source, ValidityDomain
from lrtheory.models.basin import Certificate, covariance_path
from lrtheory.models.controller import (
    branch_certificate,
    certified_run,
    converged,
    linear_loop,
    linear_noise_covariance,
    linear_plant,
    noisy_loop,
    pi_step_rounding,
    rate_misses,
    rest_starts,
    run_loop,
    run_rate_rounding,
)
from lrtheory.models.linear_rate import rate_bracket
from lrtheory.models.rounding import EPS
from lrtheory.montecarlo.runner import Ensemble, indicator_proportion
from lrtheory.montecarlo.stats import mean_statistic
from lrtheory.plotting import new_figure
from lrtheory.results import ClaimResult
from lrtheory.sources import SEED_003, SEED_004
from lrtheory.symbolic import lr_controller as slc
from lrtheory.symbolic.jury import jury_region, quadratic_radius

CONVERGED = 0.05  # |x_T − x*| that counts as converged (every other run has run away)
#: (K_p, K_i) grid, step 0.31, offset so that no node lies on an edge of the Jury region
GAIN_GRID = (-2.57 + 0.31 * np.arange(17), -0.53 + 0.31 * np.arange(17))

# --------------------------------------------------------------------------------------
# model
# --------------------------------------------------------------------------------------


def _rate_check(p: dict[str, float]) -> ModelCheck:
    steps = int(p["model_steps"])
    A = slc.matrix(p)
    b = rate_bracket(linear_loop(p["kp"], p["ki"], float(A[1, 0])), A, steps,
                     rho=np.asarray(slc.radius(p)))
    slack = run_rate_rounding(A, steps, pi_step_rounding(p["kp"], p["ki"], float(A[1, 0])))
    return ModelCheck(
        "contraction of the linearised loop: measured ‖M^T‖^{1/T} in the bracket of the "
        "spectral radius of P(z) (its midpoint shown)",
        float(b.rho + b.upper) / 2, float(b.measured), float(b.upper - b.rho) / 2 + slack,
        f"one-sided Henrici bracket ρ = {float(b.rho):.6g} ≤ r_T ≤ {float(b.upper):.6g} at "
        f"T = {steps}, checked as midpoint ± half-width, plus float64 rounding")


def _certificate(p: dict[str, float], upper: bool = False) -> Certificate:
    """The certified basin at the lower (or upper) equilibrium (:func:`branch_certificate`)."""
    return branch_certificate(slc.matrix(p, "jac_up" if upper else "jac"), p["kp"], p["ki"],
                              p["target"], upper)


def _certified_check(p: dict[str, Any], x0: Any, e0: Any, upper: bool = False) -> ModelCheck:
    """Run the nonlinear loop from the starts; the certificate bounds |s_T − s*| from the
    first step at which every run is inside its start ball (:func:`certified_run`)."""
    x_eq = slc.equilibrium(p, "x_up" if upper else "x_lo")
    cert = _certificate(p, upper)
    final, bound, t0 = certified_run(cert, x0, e0, p["kp"], p["ki"], p["target"],
                                     int(p["model_steps"]), x_eq)
    where = "x_u = log(1 + y*)" if upper else "x* = log(1 − y*)"
    return ModelCheck(
        f"nonlinear loop → {where}: max |s_T − s*| (certified ball entered at t = {t0})",
        0.0, final, bound,
        f"quadratic Lyapunov certificate: start radius {cert.start_radius:.3g}, V falls by "
        f"{cert.decay:.3g} per step; plus float64 rounding carried by the contraction")


def _rest_grid(p: dict[str, float]) -> tuple[np.ndarray[Any, Any], tuple[float, float]]:
    lo = math.log(p["eta0"] * p["lam_lo"])
    hi = math.log(p["eta0"] * p["lam_hi"])
    grid = np.linspace(lo, hi, 10001)
    x_up = slc.equilibrium(p, "x_up")
    return np.concatenate([grid, [x_up - 1e-12, x_up + 1e-12]]), (lo, hi)


def _rest_check(p: dict[str, float]) -> ModelCheck:
    grid, _ = _rest_grid(p)
    ok = converged(grid, p["kp"], p["ki"], p["target"], int(p["rest_steps"]),
                   slc.equilibrium(p), CONVERGED)
    predicted = grid < slc.equilibrium(p, "x_up")
    return ModelCheck(
        f"at rest, {grid.size} starts x₀ = log(η₀λ): outcome ≠ (η₀λ < 1 + y*)", 0.0,
        float(np.sum(ok != predicted)), 0.0,
        "a count; x₀ ≥ log(1 + y*) provably never converges (e_t ≥ 0 and non-decreasing)")


def _noise_check(p: dict[str, float]) -> ModelCheck:
    sigma, error = linear_noise_covariance(p["kp"], p["ki"], float(slc.matrix(p)[1, 0]),
                                           p["sigma"])
    closed = float(slc.numeric("variance")(p["kp"], p["ki"], p["target"], p["sigma"]))
    return ModelCheck(
        "Var(log η) under measurement noise: derived closed form vs solve_discrete_lyapunov",
        closed, float(sigma[0, 0]), error + 32 * EPS * abs(closed),
        "a-posteriori Lyapunov bound ‖residual‖/σ_min(I − A⊗A), plus evaluation")


def _outcome_check(p: dict[str, float]) -> ModelCheck:
    x_eq = slc.equilibrium(p)
    ok = converged(x_eq + 1e-3, p["kp"], p["ki"], p["target"], int(p["model_steps"]), x_eq,
                   1e-4, last=20)
    return ModelCheck("Jury verdict (1 = converges) vs nonlinear loop from x* + 10⁻³ at rest: "
                      "its last 20 steps within 10⁻⁴ of x*",
                      float(slc.radius(p) < 1.0), float(bool(ok)), 0.0, "a yes/no outcome")


def _grid_check(p: dict[str, Any]) -> ModelCheck:
    """Measured r_T of the linearised loop over a grid of gains against the derived ρ and
    the Jury region: a count of points outside [ρ, Henrici bound] ± rounding, or where the
    Jury conditions disagree with the roots."""
    steps = int(p["model_steps"])
    kp, ki = np.meshgrid(*GAIN_GRID)
    grid = {**p, "kp": kp, "ki": ki}
    region = jury_region(slc.derivation()[1]["conditions"], (slc.KP, slc.KI, slc.G))(
        kp, ki, 1 - p["target"])
    coeffs, A = slc.evaluate("poly", grid), slc.matrix(grid)
    rho = quadratic_radius(coeffs[..., 1], coeffs[..., 0])  # P(z) is monic
    misses = rate_misses(kp, ki, float(slc.matrix(p)[1, 0]), A, rho, steps)
    bad = int(np.sum(misses | (region != (rho < 1.0))))
    return ModelCheck(
        f"grid of {kp.size} gains: measured r_T outside [ρ, Henrici bound], or Jury region "
        "≠ {ρ < 1}", 0.0, float(bad), 0.0, "a count")


def _model_g5(point: Point) -> list[ModelCheck]:
    p = dict(point.params)
    checks = [_rate_check(p), _outcome_check(p)]
    if slc.radius(p) < 1.0:
        a = _certificate(p).start_radius
        phi = np.linspace(0.0, 2.0 * math.pi, 64, endpoint=False)
        checks += [_certified_check(p, slc.equilibrium(p) + a * np.cos(phi), a * np.sin(phi)),
                   _rest_check(p), _noise_check(p)]
    elif slc.radius(p, "poly_up") < 1.0:
        checks.append(_certified_check(p, np.array(slc.equilibrium(p) + 1e-3), np.array(0.0),
                                       upper=True))
    if p.get("grid"):
        checks.append(_grid_check(p))
    return checks


# --------------------------------------------------------------------------------------
# Monte Carlo
# --------------------------------------------------------------------------------------

G5_STATISTICS = (
    "fraction of curvatures λ (log-uniform, η₀ fixed, at rest) whose loop converges",
    "mean of (log η_t − log η*)² over t = T/3 … T, noisy ratio measurements (linearised loop)",
)


def _simulate_g5(point: Point, ensemble: Ensemble, n: int) -> list[Estimate]:
    """(a) The nonlinear loop from η₀ with λ log-uniform on [λ_lo, λ_hi], at rest: it
    converges iff η₀λ < 1 + y* (the upper half provably runs away; the lower half is the
    model's grid check), so the fraction is the log-length below (1 + y*)/η₀. The bias bound
    is the probability of starting within 10⁻¹² of log(1 + y*), where a run may not yet have
    left the repelling point (or float rounding may misplace it); the grid check includes
    both x_u ± 10⁻¹². (b) The controller on the linearised plant with noisy
    measurements y + σξ, started at η*: E(log η_t − log η*)² is exactly [Σ_t]₁₁ of
    Σ_{t+1} = JΣJᵀ + bbᵀ from Σ₀ = diag(0, σ²) (one earlier noisy measurement); each chain
    averages t = T/3 … T (less spread per chain than one time), so the prediction is the
    average of the exact [Σ_t]₁₁: linear dynamics, no bias."""
    p = dict(point.params)
    x_star, x_up = slc.equilibrium(p), slc.equilibrium(p, "x_up")
    _, (lo, hi) = _rest_grid(p)
    rest = ensemble.run(rest_starts(p["kp"], p["ki"], p["target"], (lo, hi), x_star,
                                    int(p["rest_steps"]), CONVERGED), n,
                        what="G5 loop from random curvatures")
    plant = linear_plant(float(slc.matrix(p)[1, 0]), x_star, p["target"])
    steps = int(p["noise_steps"])
    first = steps // 3
    noisy = ensemble.run(noisy_loop(p["kp"], p["ki"], p["target"], p["sigma"], steps, x_star,
                                    plant, average_from=first), n,
                         what="G5 linearised loop, noisy measurements")
    b = slc.matrix(p, "noise")[:, 0]
    covariances = covariance_path(slc.matrix(p), np.outer(b, b), steps,
                                  np.diag([0.0, p["sigma"] ** 2]), record=True)
    return [
        Estimate(G5_STATISTICS[0], min(1.0, max(0.0, (x_up - lo) / (hi - lo))),
                 indicator_proportion(rest, 0, ensemble), bias_bound=2e-12 / (hi - lo)),
        Estimate(G5_STATISTICS[1], float(np.mean(covariances[first:, 0, 0])),
                 mean_statistic(noisy.mean[0], noisy.stderr_mean[0], noisy.n)),
    ]


# --------------------------------------------------------------------------------------
# validity, figure, points
# --------------------------------------------------------------------------------------

RADII = (0.25, 0.5, 0.75, 1.0, 1.05, 1.1, 1.15, 1.25, 1.5, 2.0, 3.0)


def _circle_failures(p: dict[str, Any], radius: float, count: int = 720) -> float:
    """Fraction of starts s₀ on the circle |s₀ − s*| = radius (x₀ and the stored error) from
    which the nonlinear loop does not reach |x_T − x*| ≤ CONVERGED in 300 steps."""
    phi = np.linspace(0.0, 2.0 * math.pi, count, endpoint=False)
    x_eq = slc.equilibrium(p)
    return float(np.mean(~converged(x_eq + radius * np.cos(phi), p["kp"], p["ki"], p["target"],
                                    300, x_eq, CONVERGED, previous_error=radius * np.sin(phi))))


def _validity_g5() -> ValidityDomain:
    p = dict(G5.points[0].params)
    a_c = _certificate(p).start_radius
    radii = sorted((round(a_c, 4), *RADII))
    gap = slc.equilibrium(p, "x_up") - slc.equilibrium(p)
    return ValidityDomain(
        f"Jury's conditions are local. At y* = {p['target']:g}, K_p = {p['kp']:g}, K_i = "
        f"{p['ki']:g} a quadratic Lyapunov function certifies every start within {a_c:.3f} "
        f"of (x*, 0); simulated, every start converges out to about the distance "
        f"{gap:.3f} = log((1 + y*)/(1 − y*)) of the repelling upper equilibrium, beyond "
        "which a growing share runs away (η → ∞, GD diverges)",
        "radius |s₀ − s*| (log η and stored error)", tuple(float(r) for r in radii),
        tuple(_circle_failures(p, r) for r in radii),
        error_label="share of 720 starts not converging")


def _figure_g5(result: ClaimResult) -> Any:
    """Left: the Jury triangle in (K_p, K_i) with the nonlinear loop's outcome from x* + 10⁻³
    on a grid, and the claim's points. Right: x_t − x* at the points."""
    p = dict(result.claim.points[0].params)
    fig, (left, right) = new_figure(2, width=12.0)
    g = 1 - p["target"]
    tri = np.array([[-1 / g, 0.0], [1 / g, 0.0], [-1 / g, 4 / g], [-1 / g, 0.0]])
    left.fill(tri[:, 0], tri[:, 1], color="C0", alpha=0.15, label="Jury region (derived)")
    kp, ki = np.meshgrid(np.linspace(-2.6, 2.4, 31), np.linspace(-0.6, 8.4, 31))
    x_eq = slc.equilibrium(p)
    ok = converged(np.full(kp.shape, x_eq + 1e-3), kp, ki, p["target"], 300, x_eq, 1e-4,
                   last=20)
    left.plot(kp[ok], ki[ok], ".", color="C2", ms=3, label="nonlinear loop converges")
    left.plot(kp[~ok], ki[~ok], "x", color="C3", ms=3, label="does not converge")
    for point in result.claim.points:
        q = point.params
        if q["target"] == p["target"]:
            left.plot(q["kp"], q["ki"], "o", mfc="none", mec="k", ms=8)
            left.annotate(point.label.split(":")[0], (q["kp"], q["ki"]), fontsize=7,
                          xytext=(4, 4), textcoords="offset points")
    left.set_xlabel("proportional gain K_p")
    left.set_ylabel("integral gain K_i")
    left.set_title(f"PI on log η, target ratio y* = {p['target']:g}")
    left.legend(fontsize=7, loc="upper right")
    for point in result.claim.points:
        q = point.params
        if q["target"] != p["target"]:
            continue
        path = run_loop(x_eq + 0.05, q["kp"], q["ki"], q["target"], 120).x
        right.plot(np.arange(121), path - x_eq, "-", lw=1, label=point.label)
    right.axhline(slc.equilibrium(p, "x_up") - x_eq, color="grey", ls=":", lw=0.8,
                  label="upper equilibrium ηλ = 1 + y*")
    right.set_ylim(-1.0, 1.3)
    right.set_xlabel("step t")
    right.set_ylabel("log(η_t/η*)")
    right.set_title("the loop from log(η₀/η*) = 0.05")
    right.legend(fontsize=7)
    return fig


def _points_g5() -> tuple[Point, ...]:
    base = {"target": 0.5, "sigma": 0.05, "noise_steps": 60, "eta0": 0.1, "lam_lo": 0.1,
            "lam_hi": 100.0, "rest_steps": 60, "model_steps": 200}
    return (
        Point("A: K_p = 0.5, K_i = 1", {**base, "kp": 0.5, "ki": 1.0, "grid": 1.0}),
        Point("B: deadbeat K_p = 0, K_i = 1/(1 − y*)", {**base, "kp": 0.0, "ki": 2.0},
              monte_carlo=False, note="both roots at z = 0: the linearised loop settles in "
              "two steps"),
        Point("C: K_p = 0.5, K_i = 2.85, 5 % inside the flip edge",
              {**base, "kp": 0.5, "ki": 2.85, "rest_steps": 100}, regime="boundary",
              note="P(−1) = 0.075 > 0: a root at z = −0.94"),
        Point("D: K_p = 0.5, K_i = 3.15, 5 % past the flip edge",
              {**base, "kp": 0.5, "ki": 3.15}, regime="outside", monte_carlo=False,
              note="a root at z = −1.07: the loop settles on a 2-cycle in log η"),
        Point("E: K_p = −2.1, K_i = 0.5, past g|K_p| = 1", {**base, "kp": -2.1, "ki": 0.5},
              regime="outside", monte_carlo=False,
              note="a complex pair of modulus 1.02: a slow oscillation that grows"),
        Point("F: K_p = 0.5, K_i = −0.1, integral of the wrong sign",
              {**base, "kp": 0.5, "ki": -0.1, "model_steps": 400}, regime="outside",
              monte_carlo=False,
              note="a root at z = 1.03: the loop leaves x* and settles at the upper "
                   "equilibrium ηλ = 1 + y*, which is stable for these gains"),
        Point("G: y* = 0.9, K_p = 2.5, K_i = 5 (same gK as A)",
              {**base, "target": 0.9, "kp": 2.5, "ki": 5.0},
              monte_carlo=False, note="slow target, gains scaled by 1/g = 10"),
    )


G5 = Claim(
    id="G5",
    slug="lr-controller",
    title="A PI controller on the learning rate is stable inside the Jury region of its "
          "characteristic polynomial",
    statement=(
        "GD on a quadratic, measured by its gradient-norm ratio y_t = |1 − η_tλ|, with the PI "
        "law log η_{t+1} = log η_t + K_p(e_t − e_{t−1}) + K_i e_t, e_t = y_t − y*, is a loop "
        "in x = log(ηλ) that does not involve λ. Linearised at ηλ = 1 − y* its "
        "characteristic polynomial is z² − (1 − g(K_p + K_i))z − gK_p, g = 1 − y*, Schur "
        "stable iff gK_i > 0, g(2K_p + K_i) < 2 and g|K_p| < 1 (Jury). From rest the loop "
        "converges iff η₀λ < 1 + y*; under measurement noise σ, Var(log η) = "
        "σ²(K_i + gK_p(K_i + 2K_p))/(g(1 + gK_p)(2 − g(2K_p + K_i)))."),
    sources=(
        Source(SEED_004, "Control Theory",
               "For instance, one could design a Proportional-Integral (PI) controller that "
               "sets the [learning rate](@entry_id:140210) based on the error between a "
               "measured geometric property of the loss landscape and a reference value."),
        Source(SEED_004, "Control Theory",
               "such as by examining the roots of the system's [characteristic polynomial]"
               "(@entry_id:150909) in the Z-domain"),
        Source(SEED_003, "Common Pitfalls and Best Practices",
               "adaptive schedulers such as PID controllers dynamically adjust the learning "
               "rate based on client feedback"),
    ),
    derive=lambda: slc.derivation()[0],
    model=_model_g5,
    points=_points_g5(),
    figure=_figure_g5,
    simulate=_simulate_g5,
    statistics=G5_STATISTICS,
    validity=_validity_g5,
    findings=(
        "Seed 004 says only that a PI controller can set η from 'a measured geometric "
        "property' and that the loop's stability can be read from the roots of its "
        "characteristic polynomial in the Z-domain. The plant (the gradient-norm ratio "
        "|1 − η_tλ|), the PI law on log η and every formula here are lrtheory's modelling "
        "and derivation (provenance 'derived').",
        "In x = log(ηλ) the loop does not involve λ, so its Jury region gK_i > 0, "
        "g(2K_p + K_i) < 2, g|K_p| < 1 (g = 1 − y*) holds for every curvature: gains need "
        "only scale with 1/(1 − y*) (point G: y* = 0.9 with gains ×10 has A's ρ = 0.640). "
        "K_p = 0, K_i = 1/(1 − y*) is deadbeat (both roots at 0).",
        "A ratio cannot tell overshoot from slow progress: the loop has a second "
        "equilibrium at ηλ = 1 + y*, unstable for every K_i > 0 (P_u(1) = −(1 + y*)K_i). "
        "From rest it converges iff η₀λ < 1 + y* (a 10001-start grid; Monte Carlo over λ "
        "spanning three decades: 72.5 %); above, e_t ≥ 0 keeps growing and η runs away, so "
        "GD diverges. With K_i = −0.1 (F) the loop leaves ηλ = 0.5 and settles at "
        "ηλ = 1.5, where GD flips sign each step but still contracts by 0.5.",
        "Jury's conditions are local: a quadratic Lyapunov certificate covers starts within "
        "0.32 of (x*, 0) at A but only 0.012 at C (5 % inside the flip edge); simulated, "
        "starts converge out to ≈ 1.10 = log((1 + y*)/(1 − y*)) at both (validity domain).",
        "Past the flip edge (D, K_i = 3.15) the loop settles on a 2-cycle with η swinging by "
        "a factor 1.96; past g|K_p| = 1 (E) it oscillates quasi-periodically (η by a factor "
        "4.1). An unstable loop is not a diverging GD here: the ratio stays ≤ 0.66 (0.79) "
        "and GD contracts by 0.47 (0.43) per step on average, faster than the target 0.5.",
        "Noise σ on the measured ratio: Var(log η) = σ²(K_i + gK_p(K_i + 2K_p))/(g(1 + "
        "gK_p)(2 − g(2K_p + K_i))), infinite on the flip and g|K_p| = 1 edges, finite as "
        "K_i → 0 (the noise enters differenced); 2.4σ² at A, 81σ² at C, σ²/g² deadbeat. "
        "The Monte Carlo check runs the linearised loop; the nonlinear loop's noise "
        "response is not checked.",
    ),
)

CLAIMS = (G5,)
