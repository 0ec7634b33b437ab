"""Family M, claim M3: critical damping β = (1 − √(ηλ))² and Polyak's optimal (η, β).

Everything is derived from the heavy ball's characteristic polynomial z² − (1 + β − ηλ)z + β
(:mod:`lrtheory.symbolic.heavy_ball`, computed from the update rule): the discriminant gives
critical damping, Jury's conditions on P(rw) give the minimax over a spectrum [μ, L].
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

import numpy as np
import sympy as sp

from lrtheory.arrays import astype
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
from lrtheory.errors import ParameterError, check_int, check_positive, check_real
from lrtheory.models.heavy_ball import (
    derived_radius,
    exact_power,
    exact_rows,
    fastest_beta,
    numeric_matrix,
    numeric_radius,
    rate_band,
    run_step,
    sign_change_checks,
    sign_change_probability,
    sign_rounding_bound,
)
from lrtheory.models.linear_rate import measured_rate
from lrtheory.models.rounding import EPS, RECURSION_ROUNDING_REASON, recursion_rounding
from lrtheory.montecarlo.runner import ChunkRNG, Ensemble, indicator_proportion
from lrtheory.montecarlo.stats import mean_statistic
from lrtheory.optimizers import heavy_ball
from lrtheory.plotting import new_figure
from lrtheory.results import ClaimResult
from lrtheory.sources import SEED_001, SEED_003
from lrtheory.symbolic.heavy_ball import (
    critical_beta,
    derived_roots,
    heavy_ball_discriminant,
    heavy_ball_polynomial,
    polyak_minimax,
    polyak_rate,
    rest_at_critical,
)

H = sp.Symbol("h", positive=True)  # ηλ
MU, BIG_L, KAPPA = sp.symbols("mu L kappa", positive=True)
Z = sp.Symbol("z")
t = sp.Symbol("t", integer=True, nonnegative=True)
EIG_REASON = ("eigenvalues of a 2×2 near a double root: a backward error ε‖M‖ moves them by "
              "up to √(ε‖M‖·‖M‖), so 4√ε‖M‖_F")


def _pairs(roots: Mapping[sp.Expr, int]) -> sp.Tuple:
    """SymPy's {root: multiplicity} as a tuple of (root, multiplicity) pairs."""
    return sp.Tuple(*(sp.Tuple(k, v) for k, v in roots.items()))


@cache
def _m3() -> tuple[Derivation, dict[str, sp.Expr]]:
    beta = sp.Symbol("beta", positive=True)
    disc = heavy_ball_discriminant(H, 1, beta)  # P depends on η, λ only through h = ηλ
    beta_c = critical_beta(H)
    q = sp.Symbol("q", positive=True)  # roots in q = √h, then h written back
    double = {r.subs(q, sp.sqrt(H)): k for r, k in sp.roots(sp.Poly(sp.expand(
        heavy_ball_polynomial(H, 1, beta_c, Z).subs(H, q**2)), Z)).items()}
    plus, minus, h, b = derived_roots()
    c = 1 + b - h
    slope = sp.simplify(sp.diff(plus, b) * 2 * sp.sqrt(heavy_ball_discriminant(h, 1, b)))
    theta1, rest_crit = rest_at_critical(H, t)
    # From rest with real roots: θ_t = A z₊ᵗ + B z₋ᵗ, fitted to θ₀ = 1 and θ₁ = 1 − h, with
    # 1 − h = z₊ + z₋ − β (Vieta, an identity below); then β = z₊z₋ gives A > 0 > B.
    coef_a, coef_b = sp.symbols("A B")
    zp, zm = sp.symbols("z_+ z_-", positive=True)
    ab = sp.solve([coef_a + coef_b - 1, coef_a * zp + coef_b * zm - (zp + zm - beta)],
                  [coef_a, coef_b])
    ab = sp.Tuple(ab[coef_a], ab[coef_b])
    pm = polyak_minimax(MU, BIG_L)
    r, beta_r = sp.symbols("r beta", positive=True)
    ratio_slope = sp.factor(sp.diff(pm.lower / pm.upper, beta_r))
    rate_k = polyak_rate(KAPPA)
    e_fold = -1 / sp.log(rate_k)
    e_fold_gd = -1 / sp.log((KAPPA - 1) / (KAPPA + 1))
    root_k = sp.Symbol("s", positive=True)  # s = √κ
    beta_k = sp.factor(pm.beta.subs(BIG_L, KAPPA * MU))
    slowest = sp.factor(sp.cancel(sp.factor((pm.eta * MU).subs(BIG_L, root_k**2 * MU))))
    stiffest = sp.factor(sp.cancel(sp.factor((pm.eta * BIG_L).subs(BIG_L, root_k**2 * MU))))
    beta_s = sp.factor(beta_k.subs(KAPPA, root_k**2))
    stiff_roots = sp.roots(sp.Poly(heavy_ball_polynomial(stiffest, 1, beta_s, Z), Z))
    steps = (
        Step.equation("discriminant of P(z) = z² − (1 + β − h)z + β, h = ηλ", "D", disc),
        Step.equation("critical damping: smaller root of D = 0 in β", "β_c", beta_c),
        Step.equation("roots at β_c (root, multiplicity)", "z", _pairs(double)),
        Step.equation("real roots (β < β_c, h ≤ 1: z₊ is the larger): 2√D·dz₊/dβ", "2√D·z₊'",
                      slope, note="< 0 since (2 − c)² − D = 4h > 0 and 2 − c = 1 − β + h > 0; "
                      "for 1 < h < 4 the model checks the minimum at β_c numerically"),
        Step("complex roots (β > β_c): |z| = √β, increasing in β; so β_c minimises ρ",
             sp.sqrt(beta)),
        Step.equation("from rest at β_c (rsolve, Cayley–Hamilton)", "θ_t", rest_crit),
        Step.equation("from rest, real roots: θ_t = A z₊ᵗ + B z₋ᵗ (θ₁ = 1 − h = z₊ + z₋ − β)",
                      "(A, B)", ab,
                      note="with β = z₊z₋: A > 0 > B and |B|z₋ᵗ < Az₊ᵗ for 0 < z₋ < z₊ < 1"),
        Step("Jury on P(rw): ρ(h) < r iff β < r², lower < h < upper", sp.Tuple(pm.lower, pm.upper)),
        Step.equation("d(lower/upper)/dβ < 0: the best β is r²", "slope", ratio_slope),
        Step.equation("η exists iff κ·lower < upper (β = r²)", "κ·lower − upper", pm.feasibility),
        Step.equation("least r (the minimax rate)", "r*", rate_k),
        Step.equation("η from ημ = lower, ηL = upper", "η*", pm.eta),
        Step.equation("η*μ and η*L, s = √κ", "(η*μ, η*L)", sp.Tuple(slowest, stiffest)),
        Step.equation("e-folds per iteration count", "N_e", e_fold),
    )
    sq = sp.sqrt(KAPPA)
    identities = (
        Identity("critical damping", beta_c, (1 - sp.sqrt(H)) ** 2, "derived",
                 note="seed 001 promises this relation without giving it"),
        Identity("double root at β_c (root, multiplicity)", _pairs(double),
                 sp.Tuple(sp.Tuple(1 - sp.sqrt(H), 2)), "derived"),
        Identity("real branch: 2√D·dz₊/dβ = √D + (1 + β − h) − 2", slope,
                 sp.sqrt(heavy_ball_discriminant(h, 1, b)) + c - 2, "derived"),
        Identity("(2 − c)² − D = 4h", sp.expand((2 - c) ** 2 - heavy_ball_discriminant(h, 1, b)),
                 4 * h, "derived"),
        Identity("fastest rate at fixed η: (double root)² = β_c, so ρ(β_c) = √β_c = |1 − √h|",
                 sp.expand(next(iter(double)) ** 2), beta_c, "derived"),
        Identity("from rest at β_c: θ_t = (1 + √h·t)(1 − √h)ᵗ", rest_crit,
                 (1 + sp.sqrt(H) * t) * (1 - sp.sqrt(H)) ** t, "derived"),
        Identity("one step of the rule from rest: θ₁ = 1 − ηλ", theta1, 1 - H, "derived"),
        Identity("Vieta: z₊ + z₋ = 1 + β − h, z₊z₋ = β",
                 sp.Tuple(sp.expand(plus + minus), sp.expand(plus * minus)), sp.Tuple(c, b),
                 "derived"),
        Identity("from rest, real roots: A = z₊(1 − z₋)/(z₊ − z₋), B = −z₋(1 − z₊)/(z₊ − z₋)",
                 ab.subs(beta, zp * zm), sp.Tuple(zp * (1 - zm) / (zp - zm),
                                                  -zm * (1 - zp) / (zp - zm)), "derived"),
        Identity("Jury on P(rw), solved for h", sp.Tuple(pm.lower, pm.upper),
                 sp.Tuple((1 - r) * (1 - beta_r / r), (1 + r) * (1 + beta_r / r)), "derived"),
        Identity("lower/upper falls with β", ratio_slope,
                 -2 * r * (1 - r) / ((1 + r) * (r + beta_r) ** 2), "derived"),
        Identity("Polyak's rate", rate_k, (sq - 1) / (sq + 1), "derived",
                 note="Polyak (1964), the catalog's form"),
        Identity("Polyak's β*", beta_k,
                 ((sq - 1) / (sq + 1)) ** 2, "derived"),
        Identity("Polyak's η*", pm.eta, 4 / (sp.sqrt(BIG_L) + sp.sqrt(MU)) ** 2, "derived"),
        Identity("η*μ = (1 − √β*)²: the slowest direction is critically damped",
                 critical_beta(slowest), beta_s, "derived", note="s = √κ"),
        Identity("the stiffest direction (η*L) has the double root −√β*", _pairs(stiff_roots),
                 sp.Tuple(sp.Tuple((1 - root_k) / (1 + root_k), 2)), "derived", note="s = √κ"),
        Identity("heavy ball: e-folds take √κ/2 iterations as κ → ∞",
                 sp.limit((e_fold / sq).subs(KAPPA, root_k**2), root_k, sp.oo),
                 sp.Rational(1, 2), "derived"),
        Identity("gradient descent at its best η: κ/2 iterations per e-fold",
                 sp.limit(e_fold_gd / KAPPA, KAPPA, sp.oo), sp.Rational(1, 2), "derived"),
    )
    forms = {"rate": pm.rate, "beta": pm.beta, "eta": pm.eta, "rest": rest_crit,
             "e_fold": e_fold}
    return Derivation(steps, identities), forms


@cache
def _polyak(mu: float, big_l: float) -> tuple[float, float, float]:
    """(η*, β*, r*) at these μ, L, from the derived expressions."""
    forms = _m3()[1]
    return tuple(float(forms[k].subs({MU: mu, BIG_L: big_l}))  # type: ignore[return-value]
                 for k in ("eta", "beta", "rate"))


def _m3_params(p: Mapping[str, float]) -> dict[str, Any]:
    """M3's point parameters, checked: 0 < μ ≤ L, d ≥ 1 directions (μ, L and d − 2 uniform
    draws between, seeded), and either Polyak's (η*, β*) (polyak = 1) or η = h/μ with
    β = scale·β_c(h), 0 < h < 4; horizons T (Monte Carlo) and rate_steps ≥ 1."""
    names = ("mu", "L", "d", "seed", "h", "scale", "polyak", "T", "rate_steps")
    if any(x not in p for x in names):
        raise ParameterError("params", dict(p), f"a mapping with keys {', '.join(names)}")
    mu = check_positive("mu", p["mu"])
    big_l = check_real("L", p["L"], mu, lo_open=False)
    whole = {k: check_int(k, int(p[k]), 1) for k in ("d", "T", "rate_steps")}
    for k, v in whole.items():
        if p[k] != v:
            raise ParameterError(k, p[k], "a whole number ≥ 1")
    d = whole["d"]
    rng = np.random.default_rng(int(p["seed"]))
    lam = np.sort(np.concatenate([[mu], [big_l] * (d > 1), rng.uniform(mu, big_l, max(0, d - 2))]))
    if p["polyak"]:
        eta, beta, _ = _polyak(mu, big_l)
    else:
        h = check_real("h", p["h"], 0.0, 4.0)
        eta = h / mu
        beta = check_real("scale", p["scale"], 0.0) * float(critical_beta(sp.nsimplify(h)))
        check_real("beta", beta, 0.0, 1.0, lo_open=False)
    return {"lam": lam, "eta": eta, "beta": beta, "T": whole["T"],
            "rate_steps": whole["rate_steps"], "h": eta * mu, "polyak": bool(p["polyak"])}


def _polyak_checks(lam: np.ndarray, eta: float, beta: float, eig_tol: float) -> list[ModelCheck]:
    rate = _polyak(float(lam[0]), float(lam[-1]))[2]
    rho = numeric_radius([(eta, beta)], lam)[0]
    grid = 1 + np.linspace(-0.2, 0.2, 21)
    worst = np.max(numeric_radius([(eta * g, beta * f) for g in grid for f in grid], lam), -1)
    return [
        ModelCheck("every direction: numerical ρ_i = (√κ−1)/(√κ+1) (max deviation)", 0.0,
                   float(np.max(np.abs(rho - rate))), eig_tol, EIG_REASON),
        ModelCheck("minimax: least worst-case numerical ρ over a 21×21 (η, β) grid of ±20 % "
                   "around (η*, β*)", rate, float(np.min(worst)), eig_tol, EIG_REASON),
    ]


def _model_m3(point: Point) -> list[ModelCheck]:
    p = _m3_params(point.params)
    lam, eta, beta, h, horizon = p["lam"], p["eta"], p["beta"], p["h"], p["T"]
    band = rate_band(eta, lam, beta, p["rate_steps"])
    checks = [band.check(f"measured rate vs derived ρ (60 digits), worst of {lam.size} "
                         "direction(s)")]
    eig_tol = 4 * np.sqrt(EPS) * float(np.max(np.linalg.norm(numeric_matrix(eta, lam, beta),
                                                             axis=(-2, -1))))
    checks += sign_change_checks(eta, float(lam[0]), beta, horizon)
    if p["polyak"]:
        return checks + _polyak_checks(lam, eta, beta, eig_tol)
    beta_c = float(critical_beta(sp.nsimplify(h)))
    best, spacing = fastest_beta(eta, float(lam[0]))
    checks.append(ModelCheck("fastest β at this η: argmin of numerical ρ over a β grid",
                             beta_c, best, spacing,
                             "grid spacing: ρ(β) falls to β_c and rises after it"))
    state, run = (1.0, 0.0), [1.0]  # from rest
    for _ in range(horizon):
        state = heavy_ball(*state, float(lam[0]) * state[0], eta, beta)
        run.append(state[0])
    theta = np.array(run)
    if h <= 1 and beta <= beta_c:
        checks.append(ModelCheck("sign changes of θ_t from rest, t ≤ T (no overshoot)", 0.0,
                                 float(np.sum(theta[1:] * theta[:-1] < 0)), 0.0,
                                 "an integer count"))
    if abs(beta - beta_c) <= 4 * EPS:
        closed = _rest_at_critical()(h, np.arange(horizon + 1))
        checks.append(ModelCheck("from rest at β_c: max |θ_t − (derived closed form)|", 0.0,
                                 float(np.max(np.abs(theta - closed))),
                                 recursion_rounding(horizon, 1.0), RECURSION_ROUNDING_REASON))
    return checks


@cache
def _rest_at_critical() -> Any:
    """The derived θ_t from rest at β_c as a NumPy function of (h, t)."""
    return sp.lambdify((H, t), _m3()[1]["rest"], "numpy")


M3_STATISTICS = (
    "fraction with exactly one sign change of θ_t along λ_min, t ≤ T",
    "mean over directions of ‖s_T,i‖²/‖s₀,i‖², s_i = (θ_i, v_i)",
)


def _simulate_m3(point: Point, ensemble: Ensemble, n: int) -> list[Estimate]:
    """Random s₀ ~ N(0, I) in R^{2d}, heavy ball (seed 000's rule) for T steps. Along λ_min
    (θ₀, v₀) is direction-uniform: exactly one sign change has probability P(≥ 1) − P(≥ 2),
    arcs of :func:`sign_change_probability` for the exact rows e₁ᵀMᵗ, strictly inside (0, 1)
    at the Monte Carlo points (events every start shares are :func:`sign_change_checks`);
    rounding can flip a sign only within :func:`sign_rounding_bound` (the declared bias).
    Per direction E‖s_T,i‖²/‖s₀,i‖² = ‖M_iᵀ‖_F²/2 (normalised so that stiff directions'
    large velocities do not dominate the variance)."""
    p = _m3_params(point.params)
    lam, eta, beta, steps = p["lam"], p["eta"], p["beta"], p["T"]
    d = lam.size

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        s0 = rng.normal(2 * d)
        lam_x = xp.asarray(lam, dtype=rng.dtype)
        theta, v = s0[:, :d], s0[:, d:]
        changes = xp.zeros(rng.n, dtype=rng.dtype)
        for _ in range(steps):
            before = theta[:, 0]
            theta, v = heavy_ball(theta, v, lam_x * theta, eta, beta)
            changes = changes + astype(xp, before * theta[:, 0] < 0, rng.dtype)
        start = s0[:, :d] ** 2 + s0[:, d:] ** 2
        ratio = xp.mean((theta * theta + v * v) / start, axis=1)
        return xp.stack([astype(xp, changes == 1, rng.dtype), ratio], axis=1)

    m = ensemble.run(kernel, n, what="M3 heavy ball from random states")
    rows = exact_rows(eta, float(lam[0]), beta, steps)
    bias = sign_rounding_bound(eta, float(lam[0]), beta, steps)
    mean = sum(float(np.sum(exact_power(eta, float(x), beta, steps) ** 2)) / 2 for x in lam) / d
    return [
        Estimate(M3_STATISTICS[0], sign_change_probability(rows, 1)
                 - sign_change_probability(rows, 2), indicator_proportion(m, 0, ensemble),
                 scale=1.0, bias_bound=bias),
        Estimate(M3_STATISTICS[1], mean,
                 mean_statistic(float(m.mean[1]), float(m.stderr_mean[1]), m.n)),
    ]


def _figure_m3(result: ClaimResult) -> Any:
    fig, (left, right) = new_figure(ncols=2, width=10.0, height=4.0)
    h, steps = 0.25, 16
    beta_c = float(critical_beta(sp.Rational(1, 4)))
    for scale, style in ((0.4, ":"), (1.0, "-"), (1.6, "--")):
        theta = exact_rows(h, 1.0, scale * beta_c, steps)[:, 0]
        left.plot(np.arange(steps + 1), theta, style, marker="o", ms=3,
                  label=f"β = {scale:g}·β_c" + (" (critical)" if scale == 1 else ""))
    left.axhline(0.0, color="grey", lw=0.8)
    left.set_xlabel("step t")
    left.set_ylabel("θ_t from rest (θ₀ = 1, v₀ = 0)")
    left.set_title(f"ηλ = {h}: β_c = (1 − √(ηλ))² = {beta_c:g} never overshoots")
    left.legend()
    mu, big_l = 1.0, 100.0
    eta, beta, rate = _polyak(mu, big_l)
    lam = np.geomspace(mu, big_l, 200)
    right.plot(lam, derived_radius(eta * lam, beta), label="heavy ball at Polyak's (η*, β*)")
    right.plot(lam, np.abs(1 - 2 / (mu + big_l) * lam), label="GD at η = 2/(μ+L)")
    right.plot(lam, derived_radius(eta * lam, 0.5 * beta), ":", label="heavy ball, η*, β = β*/2")
    right.axhline(rate, color="C3", lw=0.8, ls="--", label="(√κ−1)/(√κ+1)")
    polyak = next((q for q in result.claim.points if q.params.get("polyak")
                   and q.params["L"] == big_l), None)
    if polyak is not None:
        pp = _m3_params(polyak.params)
        measured = measured_rate(run_step(pp["eta"], pp["lam"], pp["beta"]), 2, 400,
                                 batch=pp["lam"].shape)
        right.plot(pp["lam"], measured, "o", ms=3, color="C0",
                   label="measured ‖Mᵀ‖^{1/T}, T = 400")
    right.set_xscale("log")
    right.set_ylim(0.0, 1.25)
    right.set_xlabel("curvature λ (κ = 100, μ = 1)")
    right.set_ylabel("contraction factor per step")
    right.set_title("Polyak's minimax: every λ ∈ [μ, L] contracts at √β*")
    right.legend(fontsize=7)
    return fig


def _validity_m3() -> ValidityDomain:
    kappa = np.array([1.5, 2.0, 4.0, 10.0, 100.0, 1e3, 1e4, 1e5])
    exact = sp.lambdify(KAPPA, _m3()[1]["e_fold"], "numpy")(kappa)  # the derived −1/ln r*
    return ValidityDomain(
        "seed 003's '√κ iterations': the e-fold count −1/ln r* against its limit √κ/2",
        "κ", tuple(float(k) for k in kappa),
        tuple(float(e) for e in np.abs(np.sqrt(kappa) / 2 - exact) / exact))


def _points_m3() -> tuple[Point, ...]:
    one = {"mu": 1.0, "L": 1.0, "d": 1, "seed": 0, "polyak": 0, "T": 15, "rate_steps": 1000}
    return (
        Point("critical damping: ηλ = 0.25, β = β_c = 0.25", {**one, "h": 0.25, "scale": 1.0},
              regime="boundary", note="the edge between over- and under-damped"),
        Point("over-damped: ηλ = 0.25, β = β_c/2", {**one, "h": 0.25, "scale": 0.5},
              monte_carlo=False),
        Point("under-damped: ηλ = 0.25, β = 1.2·β_c", {**one, "h": 0.25, "scale": 1.2},
              regime="outside", note="complex roots: every start oscillates"),
        Point("ηλ = 2.25 > 1: β_c = 0.25, double root −0.5", {**one, "h": 2.25, "scale": 1.0},
              regime="outside", monte_carlo=False, note="fastest β; θ_t flips sign every step"),
        Point("Polyak's (η*, β*), κ = 100, d = 12", {**one, "L": 100.0, "d": 12, "seed": 7,
                                                    "polyak": 1, "T": 25, "h": 0.0, "scale": 1.0}),
        Point("Polyak's (η*, β*), κ = 10, d = 30", {**one, "L": 10.0, "d": 30, "seed": 8,
                                                   "polyak": 1, "T": 25, "h": 0.0, "scale": 1.0},
              monte_carlo=False, note="another random spectrum, model checks only"),
    )


M3 = Claim(
    id="M3",
    slug="critical-damping",
    title="Critical damping β = (1 − √(ηλ))²; Polyak's optimum on [μ, L]",
    statement=(
        "For curvature λ and learning rate η, the heavy ball is critically damped at "
        "β = (1 − √(ηλ))², the double root of its characteristic polynomial: the fastest β "
        "for that η, and (for ηλ ≤ 1) the largest with no overshoot from rest. Over λ ∈ [μ, L] "
        "the worst-case rate is least at Polyak's β* = ((√κ−1)/(√κ+1))², "
        "η* = 4/(√L+√μ)², where every direction contracts at (√κ−1)/(√κ+1)."),
    sources=(
        Source(SEED_001, "The Mechanical Universe of Optimization",
               "By carefully co-designing the [learning rate](@article_id:139716) $\\eta_t$ and "
               "the momentum parameter $\\mu_t$, we can derive a relationship between them that "
               "ensures the system converges to a minimum as fast as possible without "
               "overshooting"),
        Source(SEED_003, "Adaptive Methods",
               "Introduced by Boris Polyak in 1964 as the heavy-ball method"),
        Source(SEED_003, "Adaptive Methods",
               "with a rate approaching \\sqrt{\\kappa} iterations where \\kappa is the "
               "condition number."),
    ),
    derive=lambda: _m3()[0],
    model=_model_m3,
    points=_points_m3(),
    figure=_figure_m3,
    simulate=_simulate_m3,
    statistics=M3_STATISTICS,
    validity=_validity_m3,
    findings=(
        "Seed 001 says co-designing η and the momentum gives descent 'as fast as possible "
        "without overshooting' but gives no relation. Derived from the discriminant: "
        "β_c = (1 − √(ηλ))². At fixed η it is the fastest β (ρ = |1 − √(ηλ)|, against "
        "1 − ηλ with no momentum), and for ηλ ≤ 1 the largest β for which θ_t started "
        "from rest never crosses the minimum: the roots are real and positive, and "
        "θ_t = A z₊ᵗ + B z₋ᵗ with A > 0 > B stays positive.",
        "'Without overshoot' holds from rest, not from every start. From a random (θ₀, v₀) "
        "the critically damped run (ηλ = 0.25) crosses zero once in 6.9 % of starts within "
        "15 steps, and never twice: real roots allow at most one crossing. At 1.2·β_c every "
        "start crosses (ω = 0.289, so ⌊ωT/π⌋ = 1) and 8.1 % cross twice within 15 steps.",
        "For 1 < ηλ < 4 the critical β is still the fastest, but its double root 1 − √(ηλ) "
        "is negative: at ηλ = 2.25 every start changes sign at ≥ 14 of 15 steps. Critical "
        "damping without overshoot needs η ≤ 1/λ.",
        "Polyak's optimum is derived as the minimax of the spectral radius over [μ, L], from "
        "Jury's conditions on P(rw). At (η*, β*) every curvature in [μ, L] has roots of "
        "modulus √β* = (√κ−1)/(√κ+1). The slowest direction is exactly critically damped and "
        "the stiffest sits on the opposite double root −√β*. A ±20 % (η, β) grid around it "
        "finds no smaller worst-case radius.",
        "Seed 003's 'rate approaching √κ iterations' is right in order. One e-fold takes "
        "−1/ln r* iterations, which tends to √κ/2 (3.5 % off at κ = 10, 0.3 % at κ = 100); GD at "
        "its best η needs κ/2. Momentum gains a factor √κ, at a cost of about 1.15·√κ "
        "iterations per decade.",
    ),
)

CLAIMS = (M3,)
