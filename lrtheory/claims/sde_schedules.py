"""D4 sde-schedule-variance: the SDE moment ODE gives SGD's variance under any schedule."""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from lrtheory import schedules as sch
from lrtheory.claim import (
    Claim,
    Derivation,
    Estimate,
    Identity,
    ModelCheck,
    Point,
    Source,
    Step,
    ValidityDomain,
)
from lrtheory.claims import sde_schedules_rows as rows
from lrtheory.models import nqm
from lrtheory.models import schedule_ranking as sr
from lrtheory.models import sde_moments as sm
from lrtheory.models.rounding import EPS
from lrtheory.montecarlo.runner import Ensemble
from lrtheory.montecarlo.stats import mean_statistic
from lrtheory.plotting import new_figure
from lrtheory.results import ClaimResult
from lrtheory.sources import SEED_001
from lrtheory.symbolic import lyapunov as sl
from lrtheory.symbolic import sde_moments as ss

eta0, lam, sigma, B, T, kappa = sp.symbols("eta_0 lambda sigma B T kappa", positive=True)
t, V, V0 = ss.TIME, ss.V, ss.V0
S2 = sigma**2 / B
ETA_NOW, D_ETA = sp.symbols("eta_t eta_t'", real=True)
CLOSED = ("constant", "step decay", "exponential", "linear decay")
ADIABATIC = ("exponential", "linear decay", "cosine", "polynomial p=2")
SIMULATED = tuple(s.name for s in sm.standard_schedules(1.0, 8))  # every schedule of H1
PLOTTED = ("constant", "step decay", "exponential", "linear decay", "cosine")


# --------------------------------------------------------------------------------------
# Derivation
# --------------------------------------------------------------------------------------


@cache
def _derive() -> dict[str, Any]:
    """Every closed form of D4, computed from the SGD step (cached: derive and model share)."""
    r: dict[str, Any] = {"ode": ss.moment_ode(lam, S2)}
    r["adiabatic"] = ss.adiabatic_series(lam, S2, 1)
    eta_t, d_eta = ss.ETA(t), sp.diff(ss.ETA(t), t)
    r["epsilon"] = -d_eta / (2 * lam * eta_t**2)
    r["constant"] = ss.constant_rate_solution(eta0, lam, S2)
    r["constant_if"] = ss.integrating_factor_solution(eta0, lam, S2)["V"]
    exp_rate = sch.exponential_decay(eta0, sp.exp(-kappa))(t)
    r["exp_rate"] = exp_rate
    r["exponential"] = ss.integrating_factor_solution(exp_rate, lam, S2)
    lin_rate = sch.linear_decay(eta0, T)(t)
    r["lin_rate"] = lin_rate
    r["linear"] = ss.integrating_factor_solution(lin_rate, lam, S2)
    v_ad = r["adiabatic"][0].subs(eta_t, exp_rate)
    eps_exp = sp.powsimp(sp.cancel(r["epsilon"].subs(eta_t, exp_rate).doit()))
    r["exp_eps"] = eps_exp
    r["exp_particular"] = sp.expand(v_ad * (1 + eps_exp))
    r["exp_transient"] = ss.normal_form(
        (r["exponential"]["V"] - r["exp_particular"]) * sp.exp(2 * lam * r["exponential"]["I"]))
    # V depends on t only through w = e^{−κt}, which → 0⁺ as t → ∞: the limit is w = 0.
    w = sp.Symbol("w", positive=True)
    in_w = r["exponential"]["V"].subs(sp.exp(-kappa * t), w)
    if in_w.has(t):  # pragma: no cover - the structure of the integrating-factor solution
        raise RuntimeError("exponential-decay solution not a function of e^{−κt}")
    r["exp_frozen"] = sp.factor(in_w.subs(w, 0))
    return r


def _derive_d4() -> Derivation:
    r = _derive()
    ode, (v_ad, v_1) = r["ode"], r["adiabatic"]
    eta_t = ss.ETA(t)
    c = 2 * lam * eta0 / kappa
    steps = (
        Step.equation("SGD step, ξ ~ N(0, σ²/B), rate η(t) at step t", "x_{t+1}",
                      sl.X - eta_t * (lam * sl.X + sl.XI)),
        Step.equation("diffusion limit, Δt = 1 step: drift", "mu(x)", ode["drift"]),
        Step.equation("diffusion limit: variance per step", "D", ode["diffusion"]),
        Step.equation("moment ODE from the Itô generator on x²", "dV/dt", ode["rhs"]),
        Step.equation("exact recursion E[x_{t+1}²]", "m_{t+1}", ode["recursion"]),
        Step.equation("(m_{t+1} − m_t) − ODE right side: what the SDE drops", "Δ",
                      ode["dropped"]),
        Step.equation("quasi-static solution: dV/dt = 0", "V_ad", v_ad),
        Step.equation("first adiabatic order: dV/dt = dV_ad/dt", "V_1", v_1),
        Step.equation("constant η₀ (dsolve)", "V(t)", r["constant"]),
        Step.equation("constant η₀ (integrating factor)", "V(t)", r["constant_if"]),
        Step.equation("exponential η₀e^{−κt}: ∫η", "I(t)", r["exponential"]["I"]),
        Step.equation("exponential: integrating-factor solution", "V(t)",
                      r["exponential"]["V"]),
        Step.equation("exponential: decay speed ε = −η′/(2λη²)", "epsilon(t)", r["exp_eps"]),
        Step.equation("exponential: frozen variance t → ∞", "V_∞", r["exp_frozen"]),
        Step.equation("linear η₀(1 − t/T): ∫η", "I(t)", r["linear"]["I"]),
        Step.equation("linear: ∫η²e^{2λI} by completing the square", "F(t)", r["linear"]["F"]),
        Step.equation("linear: integrating-factor solution", "V(t)", r["linear"]["V"]),
        Step("step decay: each stage is the constant solution from the previous stage's end",
             r["constant"], note="composed stage by stage in the model"),
    )
    identities = (
        Identity("moment ODE dV/dt = −2λη(t)V + η(t)²σ²/B", ode["rhs"],
                 -2 * lam * eta_t * V + eta_t**2 * sigma**2 / B, "derived",
                 note="the seeds name the SDE but print no formula"),
        Identity("the SDE drops η²λ²V from the exact increment (relative size ηλ/2 of the "
                 "drift)", ode["dropped"], eta_t**2 * lam**2 * V, "derived"),
        Identity("slow decay tracks η(t)σ²/(2Bλ) (quasi-static solution)", v_ad,
                 eta_t * sigma**2 / (2 * B * lam), "derived"),
        Identity("first adiabatic order: V₁ = V_ad(1 + ε), ε = −η′/(2λη²)", v_1 / v_ad - 1,
                 r["epsilon"], "derived"),
        Identity("constant η: dsolve = integrating factor", r["constant"], r["constant_if"],
                 "derived"),
        Identity("exponential: V(0) = V₀", r["exponential"]["V"].subs(t, 0), V0, "derived"),
        Identity("exponential: the solution satisfies the ODE",
                 ss.ode_residual(r["exponential"]["V"], r["exp_rate"], t, lam, S2),
                 sp.Integer(0), "derived"),
        Identity("exponential: memoryless part is exactly V_ad(1 + ε) (first order exact)",
                 r["exp_transient"], V0 - r["exp_particular"].subs(t, 0), "derived"),
        Identity("exponential: variance freezes at e^{−c}V₀ + σ²κ(1 − (1 + c)e^{−c})/(4Bλ²), "
                 "c = 2λη₀/κ", r["exp_frozen"],
                 sp.exp(-c) * V0 + sigma**2 * kappa * (1 - (1 + c) * sp.exp(-c))
                 / (4 * B * lam**2), "derived", note="∫η < ∞: the noise never anneals away"),
        Identity("linear: V(0) = V₀", r["linear"]["V"].subs(t, 0), V0, "derived"),
        Identity("linear: dF/dt = η²e^{2λI}", ss.normal_form(
            sp.diff(r["linear"]["F"], t) - r["lin_rate"] ** 2 * sp.exp(2 * lam * r["linear"]["I"])),
            sp.Integer(0), "derived"),
    )
    return Derivation(steps, identities)


@cache
def _closed_forms() -> dict[str, Any]:
    """The derived solutions as mpmath functions (erf and e^{λη₀T} evaluated at 30 digits)."""
    r = _derive()
    args = (eta0, lam, sigma, B, V0)
    f = ss.as_function
    return {
        "constant": f(r["constant"], *args, t),
        "exponential": f(r["exponential"]["V"], *args, kappa, t),
        "linear decay": f(r["linear"]["V"], *args, T, t),
        "first_order": f(r["adiabatic"][1].subs(sp.Derivative(ss.ETA(t), t), D_ETA)
                         .subs(ss.ETA(t), ETA_NOW), ETA_NOW, D_ETA, lam, sigma, B),
    }


# --------------------------------------------------------------------------------------
# Model
# --------------------------------------------------------------------------------------


def _setup(point: Point) -> dict[str, Any]:
    p = point.params
    total = int(p["steps"])
    e0 = p["eta_lam"] / p["lam"]
    s2 = p["sigma"] ** 2 / p["B"]
    return {"T": total, "eta0": e0, "lam": p["lam"], "s2": s2, "sigma": p["sigma"],
            "B": p["B"], "v0": e0 * s2 / (2 * p["lam"]),
            "schedules": sm.standard_schedules(e0, total)}


def _closed_value(name: str, c: dict[str, Any], time: float) -> float:
    """The derived closed form of schedule ``name`` at ``time`` (30-digit evaluation)."""
    f = _closed_forms()
    base = (c["eta0"], c["lam"], c["sigma"], c["B"], c["v0"])
    with mpmath.workdps(30):
        if name == "constant":
            return float(f["constant"](*base, time))
        if name == "exponential":  # κ = −ln γ from the schedule itself
            rate = sm.select(c["schedules"], ("exponential",))[0].schedule
            return float(f["exponential"](*base, math.log(rate(0.0) / rate(1.0)), time))
        if name == "linear decay":
            return float(f["linear decay"](*base, c["T"], time))
        # step decay: the constant solution composed over the stages
        step = sm.select(c["schedules"], ("step decay",))[0]
        v = mpmath.mpf(c["v0"])
        for eta_k, span in sm.constant_stages(step, time):
            v = f["constant"](eta_k, c["lam"], c["sigma"], c["B"], v, span)
        return float(v)


@cache
def _solved(key: tuple[tuple[str, float], ...]) -> tuple[Any, Any]:
    """(SDE path at T/2 and T, exact recursion m_0 … m_T) for every schedule at a point."""
    c = _setup(Point("", dict(key)))
    path, m = sr.sde_and_recursion(c["schedules"], [c["lam"]], c["s2"], c["v0"], c["T"],
                                   [c["T"] / 2, float(c["T"])], rtol=1e-8, atol=1e-14)
    return path, m[:, :, 0]


def _model_d4(point: Point) -> list[ModelCheck]:
    c = _setup(point)
    path, m = _solved(tuple(sorted(point.params.items())))
    names = [s.name for s in c["schedules"]]
    checks = rows.sde_rows(c["schedules"], c["lam"], c["s2"], path, m, c["T"])
    for name in CLOSED:
        j = names.index(name)
        closed = _closed_value(name, c, float(c["T"]))
        checks.append(ModelCheck(
            f"{name}: SymPy closed form V(T) vs solve_ivp", closed, float(path.values[1, j, 0]),
            tolerance=float(path.bounds[1]) + EPS * abs(closed),
            tolerance_reason=f"DOP853 bound ({path.n_steps} steps, contractive ODE) + "
                             "rounding of the 30-digit value to float64"))
    first = _closed_forms()["first_order"]
    half = c["T"] / 2
    for name in ADIABATIC:
        j = names.index(name)
        rate, slope = (sm.rate_at(c["schedules"][j], half, k) for k in (0, 1))
        sde = float(path.values[0, j, 0])
        where = (c["schedules"][j], c["lam"], c["s2"], c["v0"], half)
        checks.append(rows.adiabatic_row(f"{name}: adiabatic η(t)σ²/(2Bλ) vs SDE at t = T/2",
                                         rate * c["s2"] / (2 * c["lam"]), sde,
                                         float(path.bounds[0]), *where, order=0))
        eps = -slope / (2 * c["lam"] * rate**2)
        checks.append(rows.adiabatic_row(
            f"{name}: first order V_ad(1 + ε) vs SDE at t = T/2 (ε = {eps:.3g})",
            float(first(rate, slope, c["lam"], c["sigma"], c["B"])), sde,
            float(path.bounds[0]), *where, order=1))
    return checks


# --------------------------------------------------------------------------------------
# Monte Carlo
# --------------------------------------------------------------------------------------


def _simulate_d4(point: Point, ensemble: Ensemble, n: int) -> list[Estimate]:
    """θ_T² of n chains per schedule, all schedules on the same noise, from θ₀ = √V₀ (so
    E[θ₀²] = V₀): its mean is the exact m_T of the recursion under that schedule."""
    c = _setup(point)
    chosen = sm.select(c["schedules"], SIMULATED)
    rates = sm.rates(chosen, c["T"])
    kernel = sm.common_noise_sgd([c["lam"]], math.sqrt(c["s2"]), rates, math.sqrt(c["v0"]))
    mom = ensemble.run(kernel, n, what=f"D4 scheduled SGD at {point.label}")
    m = nqm.sgd_second_moments([c["lam"]], c["s2"], rates, c["v0"])[-1, :, 0]
    # the kernel returns ½λθ²: divide by ½λ for θ²
    half = 0.5 * c["lam"]
    return [Estimate(f"E[θ_T²], {name}", float(m[j]),
                     mean_statistic(mom.mean[j] / half, mom.stderr_mean[j] / half, mom.n))
            for j, name in enumerate(SIMULATED)]


# --------------------------------------------------------------------------------------
# Validity, figure, points
# --------------------------------------------------------------------------------------

#: Peak η₀λ over the validity grid, at a fixed number of relaxation times λη₀T = 8.
VALIDITY_GRID = (0.01, 0.03, 0.1, 0.3, 1.0)
RELAXATIONS = 8.0


def _validity_d4() -> ValidityDomain:
    names, err = sr.sde_error_grid(VALIDITY_GRID, RELAXATIONS)
    worst = err.max(axis=1)
    slope = float(np.polyfit(np.log(VALIDITY_GRID[:3]), np.log(worst[:3]), 1)[0])
    const = err[:, names.index("constant")]
    who = names[int(np.argmax(err[-1]))]
    i = VALIDITY_GRID.index(0.1)
    best = names[int(np.argmin(err[i]))]
    return ValidityDomain(
        statement=(
            f"The SDE variance V(T) against the exact recursion m_T, at λη₀T = "
            f"{RELAXATIONS:g} relaxation times and V₀ = η₀σ²/(2Bλ), worst over the "
            f"{len(names)} schedules of H1: {worst[0]:.2%} at η₀λ = {VALIDITY_GRID[0]}, "
            f"{worst[i]:.1%} at η₀λ = 0.1, {worst[-1]:.0%} at η₀λ = 1 "
            f"({who}); fitted order {slope:.2f} in η₀λ (first order: the SDE drops η²λ²V and "
            f"takes the step to the limit). Constant η: {const[i]:.1%} at η₀λ = 0.1 "
            f"(D3's ηλ/2 relative to the exact stationary value); {best} only "
            f"{err[i].min():.1%}: annealed to a small rate, the SDE's error shrinks with it."),
        parameter="η₀λ (peak)",
        values=VALIDITY_GRID,
        errors=tuple(float(e) for e in worst),
        error_label="max over schedules |V_SDE(T) − m_T|/m_T")


def _figure_d4(result: ClaimResult) -> Any:
    fig, (ax, ax_val, ax_ad) = new_figure(ncols=3, width=15.0)
    mc = next(pr for pr in result.points if pr.monte_carlo)
    c = _setup(mc.point)
    chosen = sm.select(c["schedules"], PLOTTED)
    scale = c["eta0"] * c["s2"] / (2 * c["lam"])
    steps, grid = np.arange(c["T"] + 1), np.linspace(0.0, c["T"], 17)[1:]
    sde, m = sr.sde_and_recursion(chosen, [c["lam"]], c["s2"], c["v0"], c["T"], list(grid))
    for j, s in enumerate(chosen):
        ax.plot(steps, m[:, j, 0] / scale, color=f"C{j}", label=f"{s.name}: exact recursion")
        ax.plot(grid, sde.values[:, j, 0] / scale, "--", color=f"C{j}", lw=1)
        ax.plot(steps, s.schedule(steps) * c["s2"] / (2 * c["lam"]) / scale, ":",
                color=f"C{j}", lw=1)
        est = next(e for e in mc.monte_carlo if e.estimate.name == f"E[θ_T²], {s.name}")
        value, bar = sr.ci_bar(est, scale)
        ax.errorbar([c["T"]], [value], yerr=bar, fmt="o", color=f"C{j}", ms=3, capsize=3)
    ax.plot([], [], "k--", lw=1, label="SDE (solve_ivp)")
    ax.plot([], [], "k:", lw=1, label="adiabatic η(t)σ²/(2Bλ)")
    ax.plot([], [], "ko", ms=3, label="Monte Carlo E[θ_T²], (1 − α) CI")
    ax.set_xlabel("step t")
    ax.set_ylabel("variance / (η₀σ²/(2Bλ))")
    ax.set_title(f"Variance under schedules, {mc.point.label}")
    ax.legend(fontsize=6, ncol=2, loc="lower left")
    if result.validity is not None:
        v = result.validity
        ax_val.loglog(v.values, v.errors, "o-", ms=3, label="worst schedule (measured)")
        u = np.array(v.values)
        ax_val.loglog(u, u / 2, "--", lw=1, label="η₀λ/2 (first order)")
        ax_val.set_xlabel(v.parameter)
        ax_val.set_ylabel(v.error_label)
        ax_val.set_title(f"SDE vs exact recursion, λη₀T = {RELAXATIONS:g}")
        ax_val.legend()
    _adiabatic_panel(ax_ad)
    return fig


def _adiabatic_panel(ax: Any) -> None:
    """V/V_ad − 1 against the decay speed ε(t) along exponential and linear decays
    (closed forms), with the derived first order ε."""
    c = _setup(Point("", {"lam": 1.0, "sigma": 1.0, "B": 1.0, "eta_lam": 0.05, "steps": 400}))
    times = np.linspace(0.3, 0.97, 14) * c["T"]  # from V₀ = V_ad(0)
    for named in sm.select(c["schedules"], ("exponential", "linear decay")):
        rate, slope = (np.array([sm.rate_at(named, s, k) for s in times]) for k in (0, 1))
        v = np.array([_closed_value(named.name, c, s) for s in times])
        ax.loglog(-slope / (2 * c["lam"] * rate**2), v / (rate * c["s2"] / (2 * c["lam"])) - 1,
                  "o", ms=3, label=named.name)
    e = np.geomspace(1e-2, 3, 30)
    ax.loglog(e, e, "k--", lw=1, label="first order: ε")
    ax.set_xlabel("decay speed ε = −η′/(2λη²)")
    ax.set_ylabel("V/V_ad − 1 (SDE closed forms)")
    ax.set_title("Annealing: tracking error vs decay speed")
    ax.legend()


def _points_d4() -> tuple[Point, ...]:
    base = {"lam": 1.0, "sigma": 1.0, "B": 1.0}
    return (
        Point("η₀λ = 0.25, T = 32 (λη₀T = 8)", {**base, "eta_lam": 0.25, "steps": 32}),
        Point("η₀λ = 0.05, T = 160 (λη₀T = 8): SDE accurate",
              {**base, "eta_lam": 0.05, "steps": 160, "sigma": 2.0, "B": 4.0},
              monte_carlo=False),
        Point("η₀λ = 0.05, T = 16 (λη₀T = 0.8): decay faster than relaxation",
              {**base, "eta_lam": 0.05, "steps": 16}, regime="outside", monte_carlo=False,
              note="ε ≫ 1: the variance cannot track η(t)σ²/(2Bλ)"),
        Point("η₀λ = 1.9, T = 40: peak next to the stability boundary",
              {**base, "eta_lam": 1.9, "steps": 40, "lam": 4.0}, regime="boundary",
              monte_carlo=False, note="exact variance ≫ SDE while η stays near the peak"),
    )


D4 = Claim(
    id="D4",
    slug="sde-schedule-variance",
    title="The SDE moment ODE gives SGD's variance under a schedule; slow decay anneals",
    statement=(
        "For SGD on ½λx² with gradient noise σ²/B under a schedule η(t), the diffusion limit "
        "(Δt = one step) gives dV/dt = −2λη(t)V + η(t)²σ²/B, solved by V(t) = e^{−2λI(t)}"
        "(V₀ + (σ²/B)∫₀ᵗη²e^{2λI}), I = ∫η: in closed form for constant, step, exponential "
        "and linear decay. It approximates the exact recursion m_{t+1} = (1 − η_tλ)²m_t + "
        "η_t²σ²/B to O(η₀λ). When η changes slowly compared with the relaxation time "
        "1/(2λη), V tracks η(t)σ²/(2Bλ), with relative lag ε = −η′/(2λη²) (annealing)."),
    sources=(
        Source(SEED_001, "The Ghost in the Machine: How Schedules Shape the Solution",
               "A continuous-time model of this process, the **Stochastic Differential "
               "Equation (SDE)**, allows us to precisely derive how the variance of the "
               "parameter distribution evolves over time as a function of the schedule "
               "$\\eta(t)$"),
        Source(SEED_001, "The Ghost in the Machine: How Schedules Shape the Solution",
               "we start \"hot\" to explore the landscape broadly, then \"cool\" the system "
               "slowly to freeze it into a high-quality, low-energy state."),
    ),
    derive=_derive_d4,
    model=_model_d4,
    points=_points_d4(),
    figure=_figure_d4,
    simulate=_simulate_d4,
    statistics=tuple(f"E[θ_T²], {name}" for name in SIMULATED),
    validity=_validity_d4,
    findings=(
        "The seed says the SDE 'allows us to precisely derive' the variance under η(t) but "
        "prints no equation; the moment ODE, its solutions (erf for linear decay, elementary "
        "for exponential and step decay) and both error terms are derived here.",
        "'Precisely' is first order: the SDE drops η²λ²V per step, so its error grows like "
        "η₀λ/2 (validity domain: 0.5 % at η₀λ = 0.01, 5 % at 0.1, 68 % at 1 for the worst "
        "schedule). Schedules that end at a high rate (constant, cyclical, step decay) keep "
        "the error of that rate; those annealed to 0 end with a smaller one.",
        "Annealing is quantitative: V tracks η(t)σ²/(2Bλ) with a relative lag ≈ ε = "
        "−η′/(2λη²), the relaxation time over the rate's time scale; the first-order value "
        "V_ad(1 + ε) is exact for exponential decay, where ε = κ/(2λη(t)) grows as η falls — "
        "the variance lags ever more and freezes at a positive value (∫η < ∞) instead of "
        "following η to 0. 'Cool slowly' means ε ≪ 1; at ε ≳ 1 (λη₀T = 0.8) tracking fails.",
    ),
)

CLAIMS = (D4,)
