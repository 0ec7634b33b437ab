"""Family M, claim M1: momentum's effective learning rate and its two conventions."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from functools import cache
from typing import Any

import numpy as np
import sympy as sp

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
from lrtheory.models.rounding import RECURSION_ROUNDING_REASON, recursion_rounding
from lrtheory.montecarlo.runner import ChunkRNG, Ensemble
from lrtheory.montecarlo.stats import mean_statistic
from lrtheory.optimizers import (
    Array,
    heavy_ball,
    heavy_ball_lr_in_velocity,
)
from lrtheory.plotting import new_figure
from lrtheory.results import ClaimResult
from lrtheory.sources import SEED_000, SEED_003
from lrtheory.symbolic.series import finite_sum, limit_geometric

BETA = sp.Symbol("beta", positive=True)
G = sp.Symbol("g", real=True)
ETA, ETA1, ETA2 = sp.symbols("eta eta_1 eta_2", positive=True)
t, k, s = sp.symbols("t k s", integer=True, nonnegative=True)
T, TAU = sp.symbols("T tau", integer=True, positive=True)
THETA, V = sp.symbols("theta v", real=True)



# --------------------------------------------------------------------------------------
# M1 momentum-effective-lr
# --------------------------------------------------------------------------------------


@cache
def _m1() -> tuple[Derivation, dict[str, sp.Expr]]:
    v, u = sp.Function("v"), sp.Function("u")
    # Seed 000's heavy ball under a constant gradient, from v_0 = 0.
    v_t = sp.rsolve(v(t + 1) - heavy_ball(THETA, v(t), G, ETA, BETA)[1], v(t), {v(0): 0})
    v_ss = limit_geometric(v_t, BETA, t)
    step_ss = sp.simplify(heavy_ball(THETA, v_ss, G, ETA, BETA)[0] - THETA)
    eta_eff = sp.simplify(step_ss / -G)
    # One step of each convention, seed 003's from u = ηv.
    theta_a, v_a = heavy_ball(THETA, V, G, ETA, BETA)
    after_b = sp.Matrix(heavy_ball_lr_in_velocity(THETA, ETA * V, G, ETA, BETA))
    # Step schedule: η₁ for steps 1..τ, η₂ for steps τ+1..T. Seed 000's v never sees η;
    # seed 003's u is solved per segment, the second one from u(τ).
    u_1 = sp.rsolve(u(t + 1) - heavy_ball_lr_in_velocity(THETA, u(t), G, ETA1, BETA)[1],
                    u(t), {u(0): 0})
    u_2 = sp.rsolve(u(k + 1) - heavy_ball_lr_in_velocity(THETA, u(k), G, ETA2, BETA)[1],
                    u(k), {u(0): u_1.subs(t, TAU)})  # u at step τ + k
    disp_a = -(finite_sum(ETA1 * v_t, t, 1, TAU) + finite_sum(ETA2 * v_t, t, TAU + 1, T))
    disp_b = -(finite_sum(u_1, t, 1, TAU) + finite_sum(u_2, k, 1, T - TAU))
    diff = sp.factor(sp.simplify(disp_b - disp_a))
    diff_inf = limit_geometric(diff, BETA, T)
    v_tau = v_t.subs(t, TAU)
    step_a, step_b = -ETA2 * v_t.subs(t, T), -u_2.subs(k, T - TAU)
    # Any schedule η_s (s = 0..T−1): the general sum against both rules unrolled.
    eta_s = sp.IndexedBase("eta")
    general = -G / (1 - BETA) * sp.Sum(eta_s[s] * (BETA**(s + 1) - BETA**(T - s)), (s, 0, T - 1))
    unrolled = []
    for n in range(1, 6):
        th_a = th_b = vel_a = vel_b = sp.Integer(0)
        for i in range(n):
            th_a, vel_a = heavy_ball(th_a, vel_a, G, eta_s[i], BETA)
            th_b, vel_b = heavy_ball_lr_in_velocity(th_b, vel_b, G, eta_s[i], BETA)
        unrolled.append(th_b - th_a)
    sym = sp.Symbol
    steps = (
        Step("seed 000: v_{t+1} = βv_t + g, v_0 = 0 (rsolve)", sp.Eq(sym("v_t"), v_t)),
        Step("β^t → 0", sp.Eq(sym("v_ss"), v_ss)),
        Step("steady step θ_{t+1} − θ_t at v = v_ss", sp.Eq(sym("Δθ_ss"), step_ss)),
        Step("η_eff = −Δθ_ss/g", sp.Eq(sym("eta_eff"), eta_eff)),
        Step("one step of seed 003 from u = ηv", sp.Eq(sym("(θ', u')"), after_b, evaluate=False)),
        Step("seed 003's velocity, steps 1..τ (η₁)", sp.Eq(sym("u_t"), u_1)),
        Step("seed 003's velocity at step τ + k (η₂)", sp.Eq(sym("u_{τ+k}"), u_2)),
        Step("displacement after T steps, seed 000", sp.Eq(sym("Δθ_A"), disp_a)),
        Step("displacement after T steps, seed 003", sp.Eq(sym("Δθ_B"), disp_b)),
        Step("difference Δθ_B − Δθ_A", sp.Eq(sym("D_T"), diff)),
        Step("T → ∞", sp.Eq(sym("D_∞"), diff_inf)),
        Step("any schedule η_s", sp.Eq(sym("D_T"), general)),
    )
    identities = (
        Identity("velocity transient", v_t, G * (1 - BETA**t) / (1 - BETA), "derived"),
        Identity("terminal velocity v_ss", v_ss, G / (1 - BETA)),
        Identity("steady-state update", step_ss, -ETA / (1 - BETA) * G),
        Identity("effective learning rate", eta_eff, ETA / (1 - BETA)),
        Identity("constant η: seed 003 from u = ηv stays at u = ηv", after_b,
                 sp.Matrix([theta_a, ETA * v_a]), "derived"),
        Identity("constant η: no difference after any T",
                 finite_sum(BETA**(s + 1) - BETA**(T - s), s, 0, T - 1), sp.Integer(0), "derived"),
        Identity("any schedule: difference after T = 1..5 steps, unrolled", sp.Tuple(*unrolled),
                 sp.Tuple(*(general.subs(T, n).doit() for n in range(1, 6))), "derived"),
        Identity("step change: displacement difference", diff,
                 -G * BETA * (ETA1 - ETA2) * (1 - BETA**TAU) * (1 - BETA**(T - TAU))
                 / (1 - BETA)**2, "derived"),
        Identity("step change: seed 003 moves on with η₁ for β/(1−β) extra steps", diff_inf,
                 -(ETA1 - ETA2) * v_tau * BETA / (1 - BETA), "derived"),
        Identity("step change: seed 003's step keeps (η₁ − η₂)β^{T−τ}v_τ", step_b - step_a,
                 -(ETA1 - ETA2) * BETA**(T - TAU) * v_tau, "derived"),
    )
    forms = {"velocity": v_t, "step_tau": -ETA1 * v_tau, "step_a": step_a, "step_b": step_b,
             "difference": diff}
    return Derivation(steps, identities), forms


@cache
def _m1_form(name: str) -> Callable[..., float]:
    expr = sp.powsimp(_m1()[1][name])  # β^T/β^τ → β^(T−τ): finite at β = 0
    return sp.lambdify((BETA, G, ETA1, ETA2, TAU, T, t), expr,  # type: ignore[no-any-return]
                       modules="math")


def _m1_closed(name: str, p: Mapping[str, float], at: int = 0) -> float:
    """M1's closed form ``name`` at the point's parameters (and step ``at``)."""
    return float(_m1_form(name)(p["beta"], p["g"], p["eta1"], p["eta2"], int(p["tau"]),
                                int(p["T"]), at))


def _m1_trajectory(p: Mapping[str, float], gradient: Callable[[], Array],
                   zero: Array) -> Iterator[tuple[Array, Array, Array, Array]]:
    """Both conventions driven by the same gradients under the step schedule (η₁ for steps
    1..τ, η₂ after): yields (θ_A, v, θ_B, u) after each step t = 1..T, from θ = v = u = 0."""
    theta_a = v = theta_b = u = zero
    for step in range(int(p["T"])):
        eta = p["eta1"] if step < p["tau"] else p["eta2"]
        grad = gradient()
        theta_a, v = heavy_ball(theta_a, v, grad, eta, p["beta"])
        theta_b, u = heavy_ball_lr_in_velocity(theta_b, u, grad, eta, p["beta"])
        yield theta_a, v, theta_b, u


def _noiseless_m1(p: Mapping[str, float]) -> np.ndarray[Any, Any]:
    """Rows t = 0..T of (θ_A, v, θ_B, u) under the constant gradient g."""
    path = list(_m1_trajectory(p, lambda: p["g"], 0.0))
    return np.array([(0.0, 0.0, 0.0, 0.0), *path])


def _model_m1(point: Point) -> list[ModelCheck]:
    p = point.params
    tau = int(p["tau"])
    theta_a, v, theta_b, _ = path = _noiseless_m1(p).T
    tol = recursion_rounding(int(p["T"]), float(np.max(np.abs(path))))

    def exact(name: str, closed: float, model: float) -> ModelCheck:
        return ModelCheck(name, closed, float(model), tol, RECURSION_ROUNDING_REASON)

    return [
        exact("velocity v_τ, seed 000", _m1_closed("velocity", p, tau), v[tau]),
        exact("max |θ_B − θ_A| for t ≤ τ (constant η)", 0.0,
              np.max(np.abs(theta_b[:tau + 1] - theta_a[:tau + 1]))),
        exact("step at t = T, seed 003", _m1_closed("step_b", p), theta_b[-1] - theta_b[-2]),
        exact("displacement difference θ_B − θ_A at T", _m1_closed("difference", p),
              theta_b[-1] - theta_a[-1]),
        ModelCheck("steady-state step −η₁g/(1−β) vs the step at τ",
                   -p["eta1"] * p["g"] / (1 - p["beta"]), float(theta_a[tau] - theta_a[tau - 1]),
                   tol, RECURSION_ROUNDING_REASON, exact=False),
    ]


M1_STATISTICS = (
    "mean step at t = τ (η₁ so far; either convention)",
    "mean step at t = T, seed 000 (v ← βv + g, θ ← θ − ηv)",
    "mean step at t = T, seed 003 (v ← βv + ηg, θ ← θ − v)",
    "mean displacement difference θ_B − θ_A at T",
)


def _simulate_m1(point: Point, ensemble: Ensemble, n: int) -> list[Estimate]:
    """Noisy constant gradient g + σξ_t, the same ξ for both conventions: the step at τ
    and at T, and the difference of the displacements after T steps. After τ both u and η₂v
    obey u ← βu + η₂g, so u − η₂v decays deterministically: per chain the difference is
    −(η₁−η₂)v_τ·β(1−β^{T−τ})/(1−β), a fixed multiple of the step at τ (its z equals that
    statistic's), and seed 003's step at T is seed 000's plus −(η₁−η₂)β^{T−τ}v_τ."""
    p = point.params

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        zero = xp.zeros(rng.n, dtype=rng.dtype)
        before = now = (zero,) * 4
        step_tau = zero
        for step, now in enumerate(
                _m1_trajectory(p, lambda: p["g"] + p["sigma"] * rng.normal(), zero), start=1):
            if step == p["tau"]:
                step_tau = now[0] - before[0]
            if step < p["T"]:
                before = now
        return xp.stack([step_tau, now[0] - before[0], now[2] - before[2], now[2] - now[0]],
                        axis=1)

    m = ensemble.run(kernel, n, what="M1 heavy ball, noisy constant gradient")
    forms = ("step_tau", "step_a", "step_b", "difference")
    return [Estimate(name, _m1_closed(form, p), mean_statistic(m.mean[i], m.stderr_mean[i], m.n))
            for i, (name, form) in enumerate(zip(M1_STATISTICS, forms, strict=True))]


def _figure_m1(result: ClaimResult) -> Any:
    index = 2
    p = result.claim.points[index].params
    steps = -np.diff(_noiseless_m1(p), axis=0) / p["g"]
    t_axis = np.arange(1, int(p["T"]) + 1)
    fig, ax = new_figure()
    ax.plot(t_axis, steps[:, 0], label="seed 000: v ← βv + g, θ ← θ − ηv")
    ax.plot(t_axis, steps[:, 2], "--", label="seed 003: v ← βv + ηg, θ ← θ − v")
    for eta, name in ((p["eta1"], "η₁"), (p["eta2"], "η₂")):
        ax.axhline(eta / (1 - p["beta"]), color="grey", ls=":", lw=0.8)
        ax.annotate(f"{name}/(1−β)", (1, eta / (1 - p["beta"])), va="bottom", fontsize=8)
    if mc := result.points[index].monte_carlo:
        ax.errorbar((p["tau"], p["T"], p["T"]), [-r.estimate.sample.value / p["g"] for r in mc[:3]],
                    yerr=[r.test.threshold * r.estimate.sample.se / p["g"] for r in mc[:3]],
                    fmt="o", color="C3", ms=4, label="Monte Carlo mean (g + noise)")
    ax.axvline(p["tau"], color="C2", lw=0.8)
    ax.set_xlabel("step t")
    ax.set_ylabel("step length −Δθ_t / g")
    ax.set_title(f"Heavy ball, constant gradient, β = {p['beta']}, η₁ → η₂ at τ = {p['tau']:.0f}")
    ax.legend()
    return fig


def _validity_m1() -> ValidityDomain:
    beta, horizon = 0.99, np.array([10, 30, 100, 200, 300, 460, 700, 1000])
    p = {"beta": beta, "g": 1.0, "eta1": 0.1, "eta2": 0.1, "tau": 1.0, "T": float(horizon[-1])}
    exact = -p["eta1"] * _noiseless_m1(p)[horizon, 1]  # the step at t is −η v_t
    steady = -p["eta1"] / (1 - beta)
    return ValidityDomain(
        "η_eff = η/(1−β) needs the transient to be over: −ηg/(1−β) vs the step at t, β = 0.99",
        "t (1 − β)", tuple(float(x) for x in horizon * (1 - beta)),
        tuple(float(x) for x in np.abs(steady - exact) / np.abs(exact)))


def _m1_points() -> tuple[Point, ...]:
    base = {"g": 1.0, "sigma": 0.5, "eta1": 0.1, "eta2": 0.01}
    return (
        Point("β = 0 (no momentum)", {**base, "beta": 0.0, "tau": 20, "T": 40},
              regime="boundary", monte_carlo=False,
              note="no memory: both conventions are plain GD and η_eff = η"),
        Point("β = 0.5", {**base, "beta": 0.5, "tau": 20, "T": 22}),
        Point("β = 0.9", {**base, "beta": 0.9, "tau": 50, "T": 60}),
        Point("β = 0.99, slow transient", {**base, "beta": 0.99, "tau": 200, "T": 300},
              regime="boundary", note="β^τ = 0.13: the step at τ is still 13 % short"),
        Point("β = 0.999, transient not over", {**base, "beta": 0.999, "tau": 200, "T": 400},
              regime="outside", monte_carlo=False,
              note="β^τ = 0.82: η/(1−β) overstates the step at τ 5.5-fold"),
    )


M1 = Claim(
    id="M1",
    slug="momentum-effective-lr",
    title="Heavy-ball momentum multiplies the learning rate by 1/(1−β)",
    statement=(
        "Under a constant gradient g the heavy-ball velocity v ← βv + g is "
        "v_t = g(1−β^t)/(1−β) → g/(1−β), so the step tends to −ηg/(1−β): η_eff = η/(1−β). "
        "The conventions v ← βv + g, θ ← θ − ηv (seed 000) and v ← βv + ηg, θ ← θ − v "
        "(seed 003) give identical iterates for constant η; after a step change η₁ → η₂ at τ "
        "seed 003's velocity keeps η₁, and the displacements differ by "
        "−gβ(η₁−η₂)(1−β^τ)(1−β^{T−τ})/(1−β)²."),
    sources=(
        Source(SEED_000, "Interaction with Momentum",
               "the velocity converges to a terminal value $v_{ss} = \\frac{g}{1-\\beta}$"),
        Source(SEED_000, "Interaction with Momentum",
               "creating an **effective [learning rate](@entry_id:140210)** of "
               "$\\eta_{\\mathrm{eff}} = \\frac{\\eta}{1-\\beta}$"),
        Source(SEED_003, "Adaptive Methods",
               "v_t = \\beta v_{t-1} + \\alpha \\nabla L(\\theta_{t-1}),"),
    ),
    derive=lambda: _m1()[0],
    model=_model_m1,
    points=_m1_points(),
    figure=_figure_m1,
    simulate=_simulate_m1,
    statistics=M1_STATISTICS,
    validity=_validity_m1,
    findings=(
        "Seed 000's v_ss = g/(1−β) and η_eff = η/(1−β) are limits: t steps after v = 0 the "
        "step is η_eff·g·(1−β^t) (derived), so coming within 1 % of η_eff takes "
        "ln 100/(−ln β) steps: 459 at β = 0.99, 4603 at β = 0.999.",
        "Seeds 000 and 003 put η in different places. For constant η the iterates are "
        "identical (u = ηv); under a schedule they are not: the displacements differ by "
        "−g/(1−β)·Σ_s η_s(β^{s+1} − β^{T−s}). After a step η₁ → η₂ seed 003's velocity still "
        "carries η₁ and fades as β^{t−τ}, so its schedule change takes effect as if "
        "β/(1−β) steps late (9 steps at β = 0.9, 99 at β = 0.99).",
    ),
)


CLAIMS = (M1,)
