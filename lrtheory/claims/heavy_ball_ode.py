"""Family M, claim M4: the heavy ball as a damped particle — its ODE, energy and restarts.

Derived in :mod:`lrtheory.symbolic.heavy_ball_ode`; checked here against the ODE on a smooth
loss (:mod:`lrtheory.models.damped_flow`), the discrete heavy ball on a quadratic and, by
Monte Carlo, the mean energy across an SGDR restart in both conventions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cache
from typing import Any

import numpy as np

from lrtheory.claim import Claim, Estimate, ModelCheck, Point, Source, ValidityDomain
from lrtheory.claims.heavy_ball_ode_rows import damping_checks, energy_check
from lrtheory.errors import ParameterError, check_int, check_positive, check_real
from lrtheory.models import damped_flow as df
from lrtheory.models import second_moments as sm
from lrtheory.montecarlo.runner import Ensemble
from lrtheory.montecarlo.stats import mean_statistic
from lrtheory.optimizers import heavy_ball
from lrtheory.plotting import new_figure
from lrtheory.results import ClaimResult
from lrtheory.schedules import warm_restarts
from lrtheory.sources import SEED_001
from lrtheory.symbolic import heavy_ball_ode as shb

# --------------------------------------------------------------------------------------
# the ODE θ'' + γθ' + ∇L = 0 on a smooth non-quadratic loss (lrtheory.models.damped_flow)
# --------------------------------------------------------------------------------------

THETA0 = (2.5, -1.5)
HORIZON = 8.0
COMPARE_AT = 2.0  # ODE time at which the discrete energy is compared with the ODE's


# --------------------------------------------------------------------------------------
# the discrete heavy ball on a quadratic: energy per step, restarts, critical damping
# --------------------------------------------------------------------------------------


def _params(p: Mapping[str, float], *, noise: bool = False) -> dict[str, Any]:
    """M4's point parameters, checked: η > 0, 0 ≤ β < 1, curvatures 0 < λ_min ≤ λ_max with
    d ≥ 1 directions (geometric grid) and ηλ_max < 2(1 + β) (the heavy ball stable), the
    SGDR restart (period ≥ 2 steps, 0 < η_min < η) and, with ``noise``, σ ≥ 0 and the
    spread of θ₀, θ_sd ≥ 0."""
    names = ("eta", "beta", "lam_min", "lam_max", "d", "period", "eta_min") + (
        ("sigma", "theta_sd") if noise else ())
    missing = [x for x in names if x not in p]
    if missing:
        raise ParameterError("params", dict(p), f"a mapping with keys {', '.join(names)}")
    out: dict[str, Any] = {"eta": check_positive("eta", p["eta"]),
                           "beta": check_real("beta", p["beta"], 0.0, 1.0, lo_open=False)}
    out["lam_max"] = check_positive("lam_max", p["lam_max"])
    out["lam_min"] = check_real("lam_min", p["lam_min"], 0.0, out["lam_max"], hi_open=False)
    for name in ("d", "period"):
        if not float(p[name]).is_integer():
            raise ParameterError(name, p[name], "a whole number")
    out["d"] = check_int("d", int(p["d"]), 1, 4096)
    out["period"] = check_int("period", int(p["period"]), 2)
    out["eta_min"] = check_real("eta_min", p["eta_min"], 0.0, out["eta"])
    if out["eta"] * out["lam_max"] >= 2 * (1 + out["beta"]):
        raise ParameterError("eta", p["eta"], f"below 2(1 + β)/λ_max = "
                             f"{2 * (1 + out['beta']) / out['lam_max']:.6g} (stable)")
    if noise:
        out["sigma"] = check_real("sigma", p["sigma"], 0.0, lo_open=False)
        out["theta_sd"] = check_real("theta_sd", p["theta_sd"], 0.0, lo_open=False)
    out["lams"] = np.geomspace(out["lam_min"], out["lam_max"], out["d"])
    return out


def restart_rates(p: Mapping[str, Any]) -> list[float]:
    """η_t, t = 0 … τ (τ = ``period``), of SGDR from η down towards η_min: step τ is the
    first after the restart."""
    sgdr = warm_restarts(p["eta"], p["period"], 1, p["eta_min"])
    return [float(x) for x in sgdr(np.arange(p["period"] + 1, dtype=np.float64))]


def _energy_checks(p: Mapping[str, Any]) -> list[ModelCheck]:
    """ΔE per step against the derived form (constant η, from θ₀ = 1, v₀ = 0), and the
    largest change of E over one step from the worst state of the stiffest direction."""
    lams, eta, beta, steps = p["lams"], p["eta"], p["beta"], 100
    theta, v = np.ones_like(lams), np.zeros_like(lams)
    worst_gap, bound = 0.0, 0.0
    form = shb.numeric("dissipation_000")
    for _ in range(steps):
        new, v_new = heavy_ball(theta, v, lams * theta, eta, beta)
        change = (df.quadratic_energy(lams, new, new - theta, eta)
                  - df.quadratic_energy(lams, theta, -eta * v, eta))
        worst_gap = max(worst_gap, abs(change - float(np.sum(form(theta, v, eta, beta, lams)))))
        bound = max(bound, df.energy_rounding(lams, (theta, v), (new, v_new)))
        theta, v = new, v_new
    # Worst unit (v_t, v_{t+1}) for λ_max: the eigenvector of the form's smallest
    # eigenvalue μ, made reachable; ΔE = −(η/2)μ.
    lam = float(p["lam_max"])
    worst = df.worst_energy_step(shb.numeric("form")(eta, beta, lam), eta, beta, lam)
    return [
        ModelCheck(f"max over {steps} steps |ΔE_t − derived dissipation form| (constant η)",
                   0.0, worst_gap, bound * 4, "float64 rounding of E and of the form: "
                   "16(d + 4)ε·(Σλθ² + Σv² + Σθ²) per evaluation, four evaluations"),
        ModelCheck("worst one-step ΔE, unit (v_t, v_{t+1}), λ_max: −(η/2)·μ_min(form) "
                   f"(β² + ηλ_max = {beta**2 + eta * lam:.4g})", worst.predicted,
                   worst.measured, worst.bound,
                   "float64 rounding of the eigenvector, one step and two energies"),
    ]


def _restart_checks(p: Mapping[str, Any]) -> list[ModelCheck]:
    """E_{τ+1} − E_τ across the SGDR restart (η_{τ−1} → η_τ) for both conventions, from
    θ₀ = 1, v₀ = 0, noiseless, against the derived dissipation plus jump."""
    lams, beta, rates = p["lams"], p["beta"], restart_rates(p)
    checks = []
    for rule in ("000", "003"):
        theta, v, prev = np.ones_like(lams), np.zeros_like(lams), np.ones_like(lams)
        for eta in rates[:-1]:
            prev = theta
            theta, v = shb.RULES[rule](theta, v, lams * theta, eta, beta)
        lo, hi = rates[-2], rates[-1]
        new, v_new = shb.RULES[rule](theta, v, lams * theta, hi, beta)
        measured = (df.quadratic_energy(lams, new, new - theta, hi)
                    - df.quadratic_energy(lams, theta, theta - prev, lo))
        dissipation = np.sum(shb.numeric(f"dissipation_{rule}")(theta, v, hi, beta, lams))
        jump = float(np.sum(shb.numeric(f"jump_{rule}")(v, lo, hi)))
        scale = 1.0 if rule == "000" else 1.0 / lo
        checks.append(ModelCheck(
            f"seed {rule}: E across the restart (η {lo:.3g} → {hi:.3g}) vs derived "
            f"dissipation + jump (jump = {jump:+.3g})", float(dissipation) + jump,
            float(measured), 4 * df.energy_rounding(lams, (theta, v * scale), (new, v_new * scale)),
            "float64 rounding of E and of the form, as for constant η"))
    return checks


def _model_m4(point: Point) -> list[ModelCheck]:
    p = _params(point.params)
    eta, beta = p["eta"], p["beta"]
    gamma = (1 - beta) / math.sqrt(eta)
    loss = df.log_cosh_loss()
    flow = df.damped_flow(loss, THETA0, gamma, HORIZON)
    compared = df.energy_comparison(flow, eta, beta, COMPARE_AT)
    steps = len(compared.times) - 1
    return [
        ModelCheck(f"ODE (γ = {gamma:.3g}) on {loss.name}: E(S) + γ∫θ'² − E(0), S = "
                   f"{HORIZON:g}", 0.0, flow.balance, flow.bound,
                   f"solve_ivp DOP853 bound ({flow.n_steps} steps, rtol {df.RTOL:g}, "
                   f"atol {df.ATOL:g}, one-sided Lipschitz growth) through |∇E| and 1/κ"),
        energy_check(f"discrete E after {steps} steps vs the ODE's E(t√η), t√η ≈ "
                     f"{COMPARE_AT:g}", compared, flow, eta, beta, point.regime),
        *_energy_checks(p), *_restart_checks(p), *damping_checks(p)]


# --------------------------------------------------------------------------------------
# Monte Carlo: mean energy across an SGDR restart, both conventions
# --------------------------------------------------------------------------------------

M4_STATISTICS = (
    "seed 000 (v ← βv + g, θ ← θ − ηv): mean E_τ, before the restart",
    "seed 000: mean E_{τ+1}, after the restart step",
    "seed 003 (v ← βv + ηg, θ ← θ − v): mean E_τ, before the restart",
    "seed 003: mean E_{τ+1}, after the restart step",
)


def mean_energies(p: Mapping[str, Any], rule: str) -> np.ndarray[Any, Any]:
    """E[E_t], t = 1 … τ + 1, for ``rule`` on ½Σλθ² with gradient noise σξ, θ₀ ~ N(0, θ_sd²I),
    v₀ = 0, under :func:`restart_rates`: the second moments of the linear map
    s_{t+1} = A_t s_t + σ b_t ξ_t (A, b derived from the rule) obey
    Σ_{t+1} = A_tΣ_tA_tᵀ + σ² b_tb_tᵀ exactly, and E_t is a quadratic form in s_t."""
    lams, beta, rates = p["lams"], p["beta"], restart_rates(p)
    maps = ((shb.numeric(f"matrix_{rule}")(eta, beta, lams),
             shb.numeric(f"noise_{rule}")(eta, beta, lams)) for eta in rates)
    path = sm.second_moment_path(sm.start_covariance((p["theta_sd"] ** 2, 0.0), len(lams)), maps,
                              p["sigma"] ** 2)
    out = []
    for eta, cov in zip(rates, path, strict=True):
        # the last step: −ηv (seed 000) or −u (seed 003)
        step_sq = eta**2 * cov[:, 1, 1] if rule == "000" else cov[:, 1, 1]
        out.append(0.5 * float(lams @ cov[:, 0, 0]) + float(np.sum(step_sq)) / (2 * eta))
    return np.array(out)


def _simulate_m4(point: Point, ensemble: Ensemble, n: int) -> list[Estimate]:
    """Both conventions from the same θ₀ ~ N(0, θ_sd²I), v₀ = 0, driven by the same noise
    σξ_t, through an SGDR restart: E_t = ½Σλθ_t² + ‖θ_t − θ_{t−1}‖²/(2η_{t−1}) at t = τ
    and τ + 1. Linear dynamics: each mean is the exact second-moment prediction."""
    p = _params(point.params, noise=True)
    kernel = df.energy_kernel(shb.RULES, p["lams"], restart_rates(p), p["beta"], p["sigma"],
                           p["theta_sd"], (p["period"] - 1, p["period"]))
    m = ensemble.run(kernel, n, what="M4 heavy ball across an SGDR restart")
    predictions = [e for rule in shb.RULES for e in mean_energies(p, rule)[-2:]]
    return [Estimate(name, float(pred), mean_statistic(m.mean[i], m.stderr_mean[i], m.n))
            for i, (name, pred) in enumerate(zip(M4_STATISTICS, predictions, strict=True))]


# --------------------------------------------------------------------------------------
# validity domain, figure, points, claim
# --------------------------------------------------------------------------------------

#: η values of the validity curve, at fixed friction γ = 1 (β = 1 − √η).
VALIDITY_ETAS = (1e-4, 4e-4, 1e-3, 4e-3, 0.01, 0.04, 0.1, 0.3)


@cache
def _validity_curve() -> tuple[float, ...]:
    """max_t |E_t − E(t√η)|/E(0) at friction γ = 1 (β = 1 − √η), t√η ≲ S."""
    flow = df.damped_flow(df.log_cosh_loss(), THETA0, 1.0, HORIZON)
    out = []
    for eta in VALIDITY_ETAS:
        _, discrete, ode = df.energy_comparison(flow, eta, 1 - math.sqrt(eta))
        out.append(float(np.max(np.abs(discrete - ode)) / ode[0]))
    return tuple(out)


def _validity_m4() -> ValidityDomain:
    return ValidityDomain(
        f"the iterates' energy L + ‖Δθ‖²/(2η) against the ODE's E(t√η), friction γ = 1, "
        f"{df.log_cosh_loss().name} (curvature ≤ 1), 0 ≤ t√η ≤ {HORIZON:g}",
        "√(η λ_max)", tuple(math.sqrt(e) for e in VALIDITY_ETAS), _validity_curve(),
        "max_t |E_t − E(t√η)| / E(0)")


def _figure_m4(result: ClaimResult) -> Any:
    fig, (left, right) = new_figure(2, width=11.0)
    loss = df.log_cosh_loss()
    flow = df.damped_flow(loss, THETA0, 1.0, HORIZON)
    fine = np.linspace(0, HORIZON, 300)
    energy = flow.energy_at(fine)
    left.semilogy(fine, energy, "k", lw=2, label="ODE θ'' + θ' + ∇L = 0: E(s)")
    left.semilogy(fine[::12], energy[0] - flow.dense(fine[::12])[-1] / df.KAPPA, "x", color="C3",
                  ms=5, label="E(0) − γ∫₀ˢθ'² (solve_ivp, dissipation)")
    for i, eta in enumerate((0.3, 0.1, 0.01)):
        times, discrete, _ = df.energy_comparison(flow, eta, 1 - math.sqrt(eta))
        left.semilogy(times, discrete, "o" if eta > 0.05 else "-", ms=3, color=f"C{i}",
                      label=f"heavy ball, η = {eta:g}, β = 1 − √η")
    left.set_xlabel("ODE time s = t√η")
    left.set_ylabel("energy L + ½‖θ'‖²")
    left.set_title(f"energy decays: {loss.name}, γ = 1")
    left.legend(fontsize=7)
    index = next(i for i, q in enumerate(result.claim.points) if q.monte_carlo)
    p = _params(result.claim.points[index].params, noise=True)
    steps = np.arange(1, p["period"] + 2)
    for rule, colour in (("000", "C0"), ("003", "C1")):
        right.plot(steps, mean_energies(p, rule), "-", color=colour,
                   label=f"seed {rule}: exact E[E_t]")
    if mc := result.points[index].monte_carlo:
        for i, r in enumerate(mc):
            right.errorbar(p["period"] + i % 2, r.estimate.sample.value, fmt="o",
                           color="C0" if i < 2 else "C1", ms=4,
                           yerr=r.test.threshold * r.estimate.sample.se)
        right.plot([], [], "ko", ms=4, label="Monte Carlo mean")
    twin = right.twinx()
    twin.plot(np.arange(1, p["period"] + 2), restart_rates(p), ":", color="grey")
    twin.set_ylabel("η of the step ending at t (SGDR, dotted)")
    right.axvline(p["period"], color="grey", lw=0.8)
    right.set_xlabel("step t (restart at t = τ)")
    right.set_ylabel("mean energy E_t")
    right.set_title("a restart: seed 000 injects energy, seed 003 removes it")
    right.legend(fontsize=7, loc="lower left")
    return fig


def _m4_points() -> tuple[Point, ...]:
    base = {"lam_min": 0.25, "d": 8, "theta_sd": 1.0}
    return (
        Point("η = 0.01, β = 0.9 (γ = 1), noisy", {**base, "eta": 0.01, "beta": 0.9,
                                                    "lam_max": 1.0, "period": 12,
                                                    "eta_min": 0.001, "sigma": 0.3},
              note="√(ηλ_max) = 0.1: near the ODE; SGDR 0.01 → 0.001, restart at τ = 12"),
        Point("η = 0.1, β = 0.9, λ_max = 2: β² + ηλ_max = 1.01",
              {**base, "eta": 0.1, "beta": 0.9, "lam_max": 2.0, "period": 12,
               "eta_min": 0.01, "sigma": 0.0}, regime="boundary",
              note="just past the edge where the discrete energy decays at every step; "
                   "noiseless, random θ₀"),
        Point("η = 0.5, β = 0.5, λ_max = 1: √(ηλ) = 0.71", {**base, "eta": 0.5, "beta": 0.5,
                                                           "lam_max": 1.0, "period": 10,
                                                           "eta_min": 0.05},
              regime="outside", monte_carlo=False,
              note="far from the ODE: its critical β = 1 − 2√(ηλ) is negative"),
    )


M4 = Claim(
    id="M4",
    slug="heavy-ball-ode",
    title="Momentum is a damped particle: θ'' + γθ' + ∇L = 0 with γ = (1 − β)/√η",
    statement=(
        "Heavy ball (v ← βv + g, θ ← θ − ηv) is θ_{t+1} − 2θ_t + θ_{t−1} + (1−β)(θ_t − θ_{t−1}) "
        "+ η∇L = 0; with time step √η it tends to θ'' + γθ' + ∇L = 0, γ = (1 − β)/√η, "
        "whose energy E = L + ½‖θ'‖² decays as dE/ds = −γ‖θ'‖². The ODE's critical damping "
        "β = 1 − 2√(ηλ) differs from the discrete (1 − √(ηλ))² by ηλ. On the iterates "
        "θ' = −√η v, so E = L + ½η‖v‖² decays at every step iff β² + ηλ_max < 1, and a "
        "restart η_lo → η_hi adds ½(η_hi − η_lo)‖v‖² (seed 000) or multiplies the kinetic "
        "energy by η_lo/η_hi (seed 003)."),
    sources=(
        Source(SEED_001, "The Mechanical Universe of Optimization",
               "The update rules can be seen as a discrete-time simulation of a heavy ball or a "
               "particle with mass, rolling down the landscape subject to friction ."),
        Source(SEED_001, "The Mechanical Universe of Optimization",
               "The momentum parameter $\\beta$ relates to the particle's mass (its tendency to "
               "keep moving in the same direction), while the friction is related to both "
               "$\\beta$ and the learning rate $\\eta_t$."),
        Source(SEED_001, "The Mechanical Universe of Optimization",
               "The [total mechanical energy](@article_id:166859) is the sum of potential "
               "energy, $L(\\theta)$, and kinetic energy, $\\frac{1}{2}\\|v\\|^2$. A low "
               "[learning rate](@article_id:139716) corresponds to high friction, which "
               "dissipates energy and allows the particle to come to rest in a valley."),
        Source(SEED_001, "The Mechanical Universe of Optimization",
               "By periodically increasing the [learning rate](@article_id:139716) to a large "
               "value, we are essentially giving the particle a powerful \"kick,\" injecting "
               "a burst of kinetic energy into the system."),
    ),
    derive=lambda: shb.derivation()[0],
    model=_model_m4,
    points=_m4_points(),
    figure=_figure_m4,
    simulate=_simulate_m4,
    statistics=M4_STATISTICS,
    validity=_validity_m4,
    findings=(
        "The ODE is not in the seeds (seed 001: the update 'can be seen as a discrete-time "
        "simulation of a heavy ball'). Derived from the update rule: with time step √η the "
        "heavy ball tends to θ'' + γθ' + ∇L = 0, γ = (1 − β)/√η, and the iterates leave it "
        "at O(√η) (residual −γh³θ''/2). Measured on a log-cosh loss at γ = 1: "
        "max_t |E_t − E(t√η)|/E(0) = 0.28 % at √η = 0.01, 2.8 % at 0.1, 15 % at 0.55 — "
        "linear in √(ηλ_max).",
        "'β relates to the particle's mass' is a convention. At unit time step the update "
        "is m(θ_{t+1} − 2θ_t + θ_{t−1}) + μ(θ_{t+1} − θ_t) + ∇L = 0 with m = β/η, "
        "μ = (1 − β)/η (mass grows with β, the seed's reading), but equally "
        "m(…) + μ(θ_t − θ_{t−1}) + ∇L = 0 with m = 1/η and no β; in the ODE's time the mass "
        "is 1. What holds in every reading: friction depends on β and η, and a low learning "
        "rate is high friction (∂γ/∂η < 0), as the seed says.",
        "The seed's kinetic energy ½‖v‖² is the ODE's only for v = dθ/ds. With the update's "
        "v (seed 000) θ' = −√η v, so the energy that decays is L + ½η‖v‖², with "
        "dE/ds = −γ‖θ'‖² (derived for any L; solve_ivp on a non-quadratic loss keeps "
        "E(S) + γ∫θ'² = E(0) to 5·10⁻¹⁴, bound 3·10⁻⁷). L + ½‖v‖² with the raw v is no "
        "Lyapunov function: its first step from rest raises it by λ²θ²(1 − 2η + η²λ)/2 > 0 "
        "for every η < 1/2.",
        "On the iterates (constant η) E changes by exactly −(η/2)[v_t² − 2βv_tv_{t+1} + "
        "(1 − ηλ)v_{t+1}²] per step: it decays at every step from every state iff "
        "β² + ηλ_max < 1, a strict part of the stable region ηλ < 2(1 + β). Just past it "
        "(β = 0.9, ηλ_max = 0.2, β² + ηλ_max = 1.01) one step from the worst state raises E "
        "by 2.8·10⁻⁴ per unit ‖(v_t, v_{t+1})‖², as derived and as run.",
        "The ODE's critical momentum 1 − 2√(ηλ) lies exactly ηλ below the discrete "
        "(1 − √(ηλ))², and is negative for ηλ > 1/4. Small as the gap is, it falls on the "
        "branch point of the discrete roots: at β_ode the heavy ball contracts by "
        "z₊ = 1 − √(ηλ) + (ηλ)^{3/4} − ηλ/2 + …, so its rate 1 − z₊ misses the discrete "
        "optimum √(ηλ) by a fraction ≈ (ηλ)^{1/4}: z₊ = 0.927 per step (run: 0.928) against "
        "0.900 at ηλ = 0.01 (27 % slower), 0.768 against 0.553 at ηλ = 0.2 (48 % slower).",
        "Restarts inject energy only in seed 000's (PyTorch's) convention: v is continuous "
        "across the jump but θ' = −√η v is not, so η_lo → η_hi adds ½(η_hi − η_lo)‖v‖², "
        "multiplying the kinetic energy by η_hi/η_lo. In seed 003's convention (v ← βv + ηg, "
        "θ ← θ − v) the step is continuous, θ' = −v/√η, and a restart divides the kinetic "
        "energy by η_hi/η_lo. Exact mean energy across the restart step (Monte Carlo "
        "agrees): SGDR 0.01 → 0.001 → 0.01 with noise, +26 % (seed 000, 1.64 → 2.06) and "
        "−45 % (seed 003, 2.52 → 1.38); noiseless at η = 0.1, +188 % and −52 %. While η "
        "anneals it is the other way round: seed 003's energy rises (its v still carries "
        "the larger rates).",
        "With gradient noise σ the stationary mean energy is ησ²(β + 3)/(2(1 − β)(2(1 + β) "
        "− ηλ)) (derived, discrete Lyapunov), ∝ η: a restart heats the particle in both "
        "conventions, relaxing to an η_hi/η_lo-times higher level at the speed of the "
        "dynamics; the instant 'kick' is seed 000's convention alone.",
    ),
)

CLAIMS = (M4,)
