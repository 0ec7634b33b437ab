"""Family M, claim M1: momentum's effective learning rate and its two conventions."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
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
from lrtheory.claims.momentum_rows import steady_state_check
from lrtheory.errors import ParameterError, check_positive, check_real
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
from lrtheory.symbolic.series import (
    finite_sum,
    limit_geometric,
    shift_peeling_sums,
    swap_triangle,
)

BETA = sp.Symbol("beta", positive=True)
G = sp.Symbol("g", real=True)
ETA, ETA1, ETA2 = sp.symbols("eta eta_1 eta_2", positive=True)
t, k, s = sp.symbols("t k s", integer=True, nonnegative=True)
T, TAU = sp.symbols("T tau", integer=True, positive=True)
n = sp.Symbol("n", integer=True, nonnegative=True)
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
    # Any schedule η_s (step s + 1 uses η_s, s = 0..n−1). Seed 003's velocity is linear with
    # the kernel β^t of u ← βu (rsolve), so u_n = Σ_s β^{n−1−s}η_s g (Duhamel); seed 000's
    # θ_A moves by −η_s v_{s+1} at step s + 1. The displacements, seed 003's summed over the
    # triangle the other way round, are then proved for every n by induction: both vanish at
    # n = 0, and one step of each rule maps the closed forms at n to those at n + 1.
    eta_s = sp.IndexedBase("eta")
    kernel = sp.rsolve(u(t + 1) - heavy_ball_lr_in_velocity(THETA, u(t), 0, ETA, BETA)[1],
                       u(t), {u(0): 1})
    u_n = sp.Sum(kernel.subs(t, n - 1 - s) * eta_s[s] * G, (s, 0, n - 1))
    v_n = v_t.subs(t, n)
    travel_b = sp.Sum(u_n.subs(n, t), (t, 1, n))  # θ_B,n = −Σ_{t≤n} u_t
    travel_b_swapped = swap_triangle(travel_b)
    travel_a = sp.Sum(eta_s[s] * v_t.subs(t, s + 1), (s, 0, n - 1))
    theta_a_n, theta_b_n = -travel_a, -travel_b_swapped
    state = sp.Tuple(theta_a_n, v_n, theta_b_n, u_n)
    stepped = sp.Tuple(*heavy_ball(theta_a_n, v_n, G, eta_s[n], BETA),
                       *heavy_ball_lr_in_velocity(theta_b_n, u_n, G, eta_s[n], BETA))
    summand = sp.factor(sp.simplify(travel_a.function - travel_b_swapped.function)).subs(n, T)
    general = sp.Sum(summand, (s, 0, T - 1))
    # The step schedule as a special case of the general sum, summed segment by segment.
    segments = (finite_sum(summand.subs(eta_s[s], ETA1), s, 0, TAU - 1)
                + finite_sum(summand.subs(eta_s[s], ETA2), s, TAU, T - 1))
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
        Step("any schedule: kernel of u ← βu (rsolve)", sp.Eq(sym("K_t"), kernel)),
        Step("any schedule: seed 003's velocity (Duhamel)", sp.Eq(sym("u_n"), u_n)),
        Step("any schedule: seed 003's displacement Σ_{t≤n} u_t", sp.Eq(sym("θ_B,n"), -travel_b)),
        Step("any schedule: the same, summed over t first", sp.Eq(sym("θ_B,n"), theta_b_n)),
        Step("any schedule: seed 000's displacement", sp.Eq(sym("θ_A,n"), theta_a_n)),
        Step("any schedule: difference after T steps", sp.Eq(sym("D_T"), general)),
    )
    identities = (
        Identity("velocity transient", v_t, G * (1 - BETA**t) / (1 - BETA), "derived"),
        Identity("terminal velocity v_ss", v_ss, G / (1 - BETA)),
        Identity("steady-state update", step_ss, -ETA / (1 - BETA) * G),
        Identity("effective learning rate", eta_eff, ETA / (1 - BETA)),
        Identity("constant η: seed 003 from u = ηv stays at u = ηv (so, by induction, the "
                 "iterates agree after any T)", after_b, sp.Matrix([theta_a, ETA * v_a]),
                 "derived"),
        Identity("any schedule, induction base: (θ_A, v, θ_B, u) closed forms vanish at n = 0",
                 state.subs(n, 0).doit(), sp.Tuple(0, 0, 0, 0), "derived"),
        Identity("any schedule, induction step: one step of each rule (η_n) maps the closed "
                 "forms at n to those at n + 1", stepped, shift_peeling_sums(state, n), "derived"),
        Identity("any schedule: difference after every T", general,
                 -G / (1 - BETA) * sp.Sum(eta_s[s] * (BETA**(s + 1) - BETA**(T - s)),
                                          (s, 0, T - 1)), "derived"),
        Identity("step change: the general sum at η₁ (s < τ), η₂ (s ≥ τ) is the per-segment "
                 "difference", segments, diff, "derived"),
        Identity("step change: displacement difference", diff,
                 -G * BETA * (ETA1 - ETA2) * (1 - BETA**TAU) * (1 - BETA**(T - TAU))
                 / (1 - BETA)**2, "derived"),
        Identity("step change: seed 003 moves on with η₁ for β/(1−β) extra steps", diff_inf,
                 -(ETA1 - ETA2) * v_tau * BETA / (1 - BETA), "derived"),
        Identity("step change: seed 003's step keeps (η₁ − η₂)β^{T−τ}v_τ", step_b - step_a,
                 -(ETA1 - ETA2) * BETA**(T - TAU) * v_tau, "derived"),
    )
    forms = {"velocity": v_t, "step_tau": -ETA1 * v_tau, "step_a": step_a, "step_b": step_b,
             "difference": diff, "displacement_b": disp_b, "general_summand": summand}
    return Derivation(steps, identities), forms


@cache
def _m1_general_parts() -> Callable[..., Any]:
    """The additive parts of the derived any-schedule summand of D_T, as functions of
    (β, g, η_s, s, T) (their sum is the summand; their sizes bound its rounding)."""
    summand = _m1()[1]["general_summand"]
    (eta_s,) = summand.atoms(sp.Indexed)
    parts = [sp.powsimp(sp.factor(part))  # β^T/β^s → β^(T−s): finite at β = 0
             for part in sp.Add.make_args(sp.expand(summand.subs(eta_s, ETA)))]
    return sp.lambdify((BETA, G, ETA, s, T), parts,  # type: ignore[no-any-return]
                       modules="numpy")


@cache
def _m1_form(name: str) -> Callable[..., float]:
    expr = sp.powsimp(_m1()[1][name])  # β^T/β^τ → β^(T−τ): finite at β = 0
    return sp.lambdify((BETA, G, ETA1, ETA2, TAU, T, t), expr,  # type: ignore[no-any-return]
                       modules="math")


def _m1_closed(name: str, p: Mapping[str, float], at: int = 0) -> float:
    """M1's closed form ``name`` at the point's parameters (and step ``at``)."""
    return float(_m1_form(name)(p["beta"], p["g"], p["eta1"], p["eta2"], int(p["tau"]),
                                int(p["T"]), at))


def _whole(name: str, value: object, lo: int, hi: float = math.inf) -> int:
    """An integer-valued parameter (an int, or a float such as 20.0) in [lo, hi]."""
    x = check_real(name, value, lo, hi, lo_open=False, hi_open=False)
    if not x.is_integer():
        raise ParameterError(name, value, f"an integer in [{lo}, {hi:g}]")
    return int(x)


def _m1_params(p: Mapping[str, float], *, noise: bool = False) -> dict[str, float]:
    """M1's point parameters, checked: 0 ≤ β < 1, η₁, η₂ > 0, g real, integers
    1 ≤ τ ≤ T ≤ 10⁶ (η₁ for steps 1..τ, η₂ after) and, with ``noise``, σ ≥ 0."""
    names = ("beta", "g", "eta1", "eta2", "tau", "T") + (("sigma",) if noise else ())
    missing = [x for x in names if x not in p]
    if missing:
        raise ParameterError("params", dict(p), f"a mapping with keys {', '.join(names)}")
    horizon = _whole("T", p["T"], 1, 10**6)
    out = {
        "beta": check_real("beta", p["beta"], 0.0, 1.0, lo_open=False),
        "g": check_real("g", p["g"]),
        "eta1": check_positive("eta1", p["eta1"]),
        "eta2": check_positive("eta2", p["eta2"]),
        "tau": _whole("tau", p["tau"], 1, horizon),
        "T": horizon,
    }
    if noise:
        out["sigma"] = check_real("sigma", p["sigma"], 0.0, lo_open=False)
    return out


def _step_schedule(p: Mapping[str, float]) -> list[float]:
    """η₁ for steps 1..τ, η₂ for steps τ+1..T."""
    return [p["eta1"] if step < p["tau"] else p["eta2"] for step in range(int(p["T"]))]


def _linear_schedule(p: Mapping[str, float]) -> list[float]:
    """η falling linearly from η₁ at step 1 to η₂ at step T (the any-schedule check)."""
    return list(np.linspace(p["eta1"], p["eta2"], int(p["T"])))


def _m1_trajectory(p: Mapping[str, float], etas: Sequence[float], gradient: Callable[[], Array],
                   zero: Array) -> Iterator[tuple[Array, Array, Array, Array]]:
    """Both conventions driven by the same gradients, step s + 1 with η_s: yields
    (θ_A, v, θ_B, u) after each step t = 1..len(etas), from θ = v = u = 0."""
    theta_a = v = theta_b = u = zero
    for eta in etas:
        grad = gradient()
        theta_a, v = heavy_ball(theta_a, v, grad, eta, p["beta"])
        theta_b, u = heavy_ball_lr_in_velocity(theta_b, u, grad, eta, p["beta"])
        yield theta_a, v, theta_b, u


def _noiseless_m1(p: Mapping[str, float],
                  etas: Sequence[float] | None = None) -> np.ndarray[Any, Any]:
    """Rows t = 0..T of (θ_A, v, θ_B, u) under the constant gradient g (default schedule:
    the step η₁ → η₂ at τ)."""
    schedule = _step_schedule(p) if etas is None else etas
    path = list(_m1_trajectory(p, schedule, lambda: p["g"], 0.0))
    return np.array([(0.0, 0.0, 0.0, 0.0), *path])


def _model_m1(point: Point) -> list[ModelCheck]:
    p = _m1_params(point.params)
    tau, horizon = int(p["tau"]), int(p["T"])
    theta_a, v, theta_b, _ = path = _noiseless_m1(p).T
    tol = recursion_rounding(horizon, float(np.max(np.abs(path))))

    def exact(name: str, closed: float, model: float) -> ModelCheck:
        return ModelCheck(name, closed, float(model), tol, RECURSION_ROUNDING_REASON)

    # Any schedule: the derived sum D_T = Σ_s (parts of the summand) against the recursion
    # under a linear decay η₁ → η₂. Rounding: the recursion's bound plus that of the T-term
    # sum, 4ε(T + 8) times the sum of the parts' sizes.
    etas = np.array(_linear_schedule(p))
    steps = np.arange(horizon)
    parts = np.array([np.broadcast_to(x, steps.shape) for x in _m1_general_parts()(
        p["beta"], p["g"], etas, steps, horizon)])
    lin_path = _noiseless_m1(p, list(etas))
    lin_tol = (recursion_rounding(horizon, float(np.max(np.abs(lin_path))))
               + recursion_rounding(horizon, float(np.sum(np.abs(parts)))))
    return [
        exact("velocity v_τ, seed 000", _m1_closed("velocity", p, tau), v[tau]),
        exact("max |θ_B − θ_A| for t ≤ τ (constant η)", 0.0,
              np.max(np.abs(theta_b[:tau + 1] - theta_a[:tau + 1]))),
        exact("step at t = T, seed 003", _m1_closed("step_b", p), theta_b[-1] - theta_b[-2]),
        exact("displacement θ_B at T, seed 003", _m1_closed("displacement_b", p), theta_b[-1]),
        exact("displacement difference θ_B − θ_A at T", _m1_closed("difference", p),
              theta_b[-1] - theta_a[-1]),
        ModelCheck("any schedule (η linear from η₁ to η₂): θ_B − θ_A at T vs the derived sum",
                   float(np.sum(parts)), float(lin_path[-1, 2] - lin_path[-1, 0]), lin_tol,
                   "float64 rounding: ≤ 4ε of the largest magnitude per step of the recursion, "
                   "plus 4ε(T + 8) × Σ|parts| for the T-term sum"),
        steady_state_check(p, float(theta_a[tau] - theta_a[tau - 1]), tol),
    ]



M1_STATISTICS = (
    "mean step at t = τ (η₁ so far; either convention)",
    "mean step at t = T, seed 000 (v ← βv + g, θ ← θ − ηv)",
    "mean step at t = T, seed 003 (v ← βv + ηg, θ ← θ − v)",
    "mean displacement θ_B at T, seed 003",
)


def _simulate_m1(point: Point, ensemble: Ensemble, n_chains: int) -> list[Estimate]:
    """Noisy constant gradient g + σξ_t, the same ξ for both conventions: the step at τ
    (−η₁v_τ), seed 000's step at T (−η₂v_T) and seed 003's (−u_T), and seed 003's
    displacement θ_B,T = −Σ_{t≤T} u_t, which sums the noise of every step rather than the
    velocity at one time. The dynamics are linear in ξ, so each mean is its noiseless
    closed form exactly."""
    p = _m1_params(point.params, noise=True)
    schedule = _step_schedule(p)

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        zero = xp.zeros(rng.n, dtype=rng.dtype)
        before = now = (zero,) * 4
        step_tau = zero
        for step, now in enumerate(_m1_trajectory(
                p, schedule, lambda: p["g"] + p["sigma"] * rng.normal(), zero), start=1):
            if step == p["tau"]:
                step_tau = now[0] - before[0]
            if step < p["T"]:
                before = now
        return xp.stack([step_tau, now[0] - before[0], now[2] - before[2], now[2]], axis=1)

    m = ensemble.run(kernel, n_chains, what="M1 heavy ball, noisy constant gradient")
    forms = ("step_tau", "step_a", "step_b", "displacement_b")
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
        "identical (u = ηv); under a schedule they are not: after T steps (step s + 1 with "
        "η_s) the displacements differ by D_T = −g/(1−β)·Σ_{s<T} η_s(β^{s+1} − β^{T−s}), "
        "derived for every T (closed forms of both rules proved by induction on T, SymPy "
        "deciding base and step). After a step η₁ → η₂ seed 003's velocity still "
        "carries η₁ and fades as β^{t−τ}, so its schedule change takes effect as if "
        "β/(1−β) steps late (9 steps at β = 0.9, 99 at β = 0.99).",
    ),
)


CLAIMS = (M1,)
