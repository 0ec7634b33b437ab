"""Family M, claim M2: the heavy ball's stability region 0 < ηλ < 2(1 + β), from Jury's test.

Both conventions of the heavy ball act on one eigen-direction λθ²/2 as a 2×2 linear map of
(θ, v), derived from the update rules themselves (:mod:`lrtheory.symbolic.heavy_ball`); Jury's
conditions on its characteristic polynomial z² − (1 + β − ηλ)z + β give the region.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

import numpy as np
import sympy as sp
from scipy.optimize import brentq

from lrtheory.claim import Claim, Derivation, Estimate, Identity, ModelCheck, Point, Source, Step
from lrtheory.errors import ParameterError, check_int, check_positive, check_real
from lrtheory.models.linear_rate import departure_from_normality, henrici_upper, measured_rate
from lrtheory.models.rounding import EPS, recursion_rounding
from lrtheory.models.threshold import bisect_threshold
from lrtheory.montecarlo.runner import ChunkRNG, Ensemble, indicator_proportion
from lrtheory.montecarlo.stats import mean_statistic
from lrtheory.optimizers import heavy_ball, heavy_ball_lr_in_velocity
from lrtheory.plotting import new_figure
from lrtheory.results import ClaimResult
from lrtheory.sources import SEED_000, SEED_003
from lrtheory.symbolic.heavy_ball import (
    Rule,
    critical_beta,
    derived_radius,
    derived_roots,
    exact_power,
    growth_probability,
    heavy_ball_matrix,
    heavy_ball_polynomial,
    numeric_matrix,
    rate_bracket,
)
from lrtheory.symbolic.jury import jury_conditions
from lrtheory.symbolic.linear import intersect_open_intervals

ETA, LAM, BETA = sp.symbols("eta lambda beta", positive=True)
Z = sp.Symbol("z")
RULES: dict[str, Rule] = {"seed 000": heavy_ball, "seed 003": heavy_ball_lr_in_velocity}
BRACKET_REASON = ("Henrici: ρ ≤ ‖Mᵀ‖^{1/T} ≤ (ρᵀ + Tρ^{T−1}ν)^{1/T} (ν = departure from "
                  "normality), plus float64 rounding of the run and 4√ε‖M‖_F for the "
                  "numerical ρ in the bound")


@cache
def _m2() -> Derivation:
    m_a, m_b = (heavy_ball_matrix(ETA, LAM, BETA, r) for r in RULES.values())
    p_a, p_b = (heavy_ball_polynomial(ETA, LAM, BETA, Z, r) for r in RULES.values())
    conditions = jury_conditions(p_a, Z)
    # Jury's first two conditions are affine in η; the third, 1 − β > 0, involves β only.
    sets = [_affine_positive(c, ETA) for c in conditions[:2]]
    region = intersect_open_intervals(*sets, sp.Interval.open(0, sp.oo))
    edge = region.end
    edge_roots = sp.roots(sp.Poly(p_a.subs(ETA, edge), Z))
    plus, minus, _, beta = derived_roots()
    product = sp.expand(plus * minus)
    scale = sp.diag(1, ETA)
    eta_eff_bound = sp.simplify(edge / (1 - BETA) * LAM)
    steps = (
        Step.equation("update matrix, seed 000 (v ← βv + g, θ ← θ − ηv)", "M_A", m_a),
        Step.equation("update matrix, seed 003 (v ← βv + ηg, θ ← θ − v)", "M_B", m_b),
        Step.equation("characteristic polynomial det(zI − M)", "P(z)", p_a),
        Step("Jury: P(1) > 0, P(−1) > 0, 1 − |β| > 0", sp.Tuple(*conditions)),
        Step("stable set in η (first two conditions)", region),
        Step.equation("roots of P on the edge η = 2(1+β)/λ", "z", sp.FiniteSet(*edge_roots)),
        Step.equation("roots of P (h = ηλ)", "z_±", sp.Tuple(plus, minus)),
        Step.equation("product of the roots (a complex pair has |z|² = z₊z₋)", "z₊z₋", product),
        Step.equation("edge in terms of η_eff = η/(1−β)", "η_eff·λ", eta_eff_bound),
    )
    identities = (
        Identity("seed 003's matrix is seed 000's in the scaled state (θ, ηv)", m_b,
                 scale * m_a * scale.inv(), "derived"),
        Identity("characteristic polynomial", p_a, Z**2 - (1 + BETA - ETA * LAM) * Z + BETA,
                 "derived", note="the catalog's form; the seeds give only the update rules"),
        Identity("both conventions have the same polynomial (hence the same region)", p_b, p_a,
                 "derived"),
        Identity("Jury's conditions", sp.Tuple(*conditions),
                 sp.Tuple(ETA * LAM, 2 * (1 + BETA) - ETA * LAM, 1 - BETA), "derived"),
        Identity("stable set: 0 < ηλ < 2(1 + β)", region,
                 sp.Interval.open(0, 2 * (1 + BETA) / LAM), "derived"),
        Identity("β = 0 gives gradient descent's bound 2/λ", edge.subs(BETA, 0), 2 / LAM),
        Identity("on the edge one root is −1 (the other −β)", sp.FiniteSet(*edge_roots),
                 sp.FiniteSet(-1, -BETA), "derived"),
        Identity("a complex pair has modulus √β", product, beta, "derived"),
        Identity("the edge for η_eff = η/(1−β)", eta_eff_bound, 2 * (1 + BETA) / (1 - BETA),
                 "derived"),
    )
    return Derivation(steps, identities)


def _affine_positive(expr: sp.Expr, x: sp.Symbol) -> sp.Interval:
    """{x : expr > 0} for expr affine in x with a coefficient of known sign."""
    free = sp.Dummy("x", real=True)  # x's own assumptions (x > 0, say) would hide a root at 0
    slope, root = sp.diff(expr, x), sp.solve(expr.subs(x, free), free)
    if sp.diff(slope, x) != 0 or len(root) != 1 or sp.sign(slope) not in (1, -1):
        raise ParameterError("expr", expr, f"affine in {x} with a slope of known sign")
    return sp.Interval.open(root[0], sp.oo) if slope.is_positive else \
        sp.Interval.open(-sp.oo, root[0])


def _m2_params(p: Mapping[str, float]) -> dict[str, float]:
    """M2's point parameters, checked: 0 ≤ β < 1, λ > 0, frac = ηλ/(2(1+β)) > 0 and the
    integer horizons T (Monte Carlo), rate_steps (measured rates) and bisect_steps (the
    runs inside the threshold bisection) ≥ 1."""
    names = ("beta", "lam", "frac", "T", "rate_steps", "bisect_steps")
    if any(x not in p for x in names):
        raise ParameterError("params", dict(p), f"a mapping with keys {', '.join(names)}")
    out = {"beta": check_real("beta", p["beta"], 0.0, 1.0, lo_open=False),
           "lam": check_positive("lam", p["lam"]), "frac": check_positive("frac", p["frac"])}
    for name in ("T", "rate_steps", "bisect_steps"):
        out[name] = float(check_int(name, int(p[name]), 1))
        if p[name] != out[name]:
            raise ParameterError(name, p[name], "a whole number ≥ 1")
    out["eta"] = out["frac"] * 2 * (1 + out["beta"]) / out["lam"]
    return out


def numeric_threshold(lam: float, beta: float, level: float = 1.0,
                      rule: Rule = heavy_ball) -> float:
    """The η in (0, 3(1+β)/λ) where the *numerical* spectral radius of ``rule``'s matrix
    (eigenvalues of the map run for one step, no SymPy) crosses ``level`` ≤ 1, from above
    the band of η where it stays at or below √β (Brent's root finder)."""
    def radius(eta: float) -> float:
        return float(np.max(np.abs(np.linalg.eigvals(numeric_matrix(eta, lam, beta, rule)))))
    # ρ ≥ √β everywhere and ρ = 1 + ηλ/(1−β)·… grows past the edge: bracket from the top of
    # the complex band, (1 + √β)²/λ, to 3(1+β)/λ.
    return float(brentq(lambda e: radius(e) - level, (1 + np.sqrt(beta)) ** 2 / lam,
                        3 * (1 + beta) / lam, xtol=1e-15, rtol=4 * EPS))


@cache  # a pure function of its arguments; points sharing (λ, β) share the bisection
def simulated_threshold(lam: float, beta: float, steps: int, rule: Rule = heavy_ball,
                        halvings: int = 16) -> ModelCheck:
    """Bisect the η where the run's measured growth ‖Mᵀ‖^{1/T} crosses 1, against 2(1+β)/λ.

    ρ ≤ r_T, so the flip lies at or below the true edge η_c; and r_T < 1 wherever Henrici's
    bound (ρᵀ + Tρ^{T−1}ν)^{1/T} < 1, i.e. wherever ρ < ρ₋ with that bound = 1. The flip
    therefore lies in [η₋, η_c] (ρ(η₋) = ρ₋, numerical eigenvalues), and the tolerance is
    the bisection's half-width plus η_c − η₋ (the transient slack of a T-step run).
    """
    bound = 2 * (1 + beta) / lam

    def contracts(eta: float) -> bool:
        def step(s: tuple[np.ndarray, ...]) -> Any:
            return rule(s[0], s[1], lam * s[0], eta, beta)
        return bool(measured_rate(step, 2, steps) < 1.0)

    found = bisect_threshold(contracts, 0.5 * bound, 1.6 * bound, halvings=halvings)
    eta_c = numeric_threshold(lam, beta, 1.0, rule)
    low = 0.9 * eta_c
    while True:  # ν bounded over [η₋, η_c]: widen the range until it covers η₋
        nu = max(float(departure_from_normality(numeric_matrix(e, lam, beta, rule)))
                 for e in np.linspace(low, eta_c, 9))
        rho_minus = brentq(lambda r, n=nu: henrici_upper(r, n, 2, steps) - 1.0, 0.5, 1.0)
        eta_minus = numeric_threshold(lam, beta, rho_minus, rule)
        if eta_minus >= low:
            break
        low = eta_minus
    slack = eta_c - eta_minus
    return ModelCheck(
        f"divergence threshold, {_rule_name(rule)} (bisection on η, T = {steps})",
        bound, found.value, tolerance=found.tolerance + slack + 4 * EPS * bound,
        tolerance_reason=(f"bisection half-width {found.tolerance:.2g} plus the transient "
                          f"slack {slack:.2g}: r_T may exceed 1 once ρ > {rho_minus:.4f} "
                          "(Henrici), located from the map's eigenvalues"))


def _rule_name(rule: Rule) -> str:
    return next(name for name, r in RULES.items() if r is rule) + "'s rule"


def rate_checks(label: str, eta: float, lam: Any, beta: float, steps: int,
                rule: Rule) -> list[ModelCheck]:
    """Measured ‖Mᵀ‖^{1/T} against the derived radius at each λ of an array (one batched
    run): the first cell, and the worst cell (largest |r_T − ρ| relative to its width)."""
    lam = np.atleast_1d(np.asarray(lam, dtype=float))
    b = rate_bracket(eta, lam, beta, steps, rule)
    rho = derived_radius(eta * lam, beta)
    # Henrici's bound is evaluated at the numerical ρ, which near a double root is off by
    # up to √(ε‖M‖·‖M‖): 4√ε‖M‖_F covers it.
    eig = 4 * np.sqrt(EPS) * np.linalg.norm(numeric_matrix(eta, lam, beta, rule), axis=(-2, -1))
    width = b.upper - rho + b.rounding + eig
    worst = int(np.argmax(np.abs(b.measured - rho) / width))
    return [ModelCheck(f"{name}, {_rule_name(rule)} (T = {steps})", float(rho[i]),
                       float(b.measured[i]), float(width[i]), BRACKET_REASON)
            for name, i in ((f"measured rate vs derived ρ at {label}", 0),
                            (f"measured vs derived ρ, worst of {lam.size} cells ηλ ∈ "
                             "(0, 2.4(1+β))", worst))]


def _model_m2(point: Point) -> list[ModelCheck]:
    p = _m2_params(point.params)
    beta, lam, eta = p["beta"], p["lam"], p["eta"]
    checks = [simulated_threshold(lam, beta, int(p["bisect_steps"]), rule)
              for rule in RULES.values()]
    # The point's λ, then a grid of curvatures at the point's η (≠ 1: at η = 1 the two
    # conventions coincide), all in one batched run per rule.
    h = np.linspace(0.02, 1.2, 40) * 2 * (1 + beta)
    for rule in RULES.values():
        checks += rate_checks("the point", eta, np.concatenate([[lam], h / eta]), beta,
                              int(p["rate_steps"]), rule)
    return checks


M2_STATISTICS = (
    "mean ‖s_T‖²/‖s₀‖², s = (θ, v), seed 000's rule",
    "fraction with ‖s_T‖ > ‖s₀‖, seed 003's rule",
)


def _simulate_m2(point: Point, ensemble: Ensemble, n: int) -> list[Estimate]:
    """Random s₀ = (θ₀, v₀) ~ N(0, I), both rules for T steps on λθ²/2. The direction of s₀
    is uniform, so (a) E‖Mᵀs₀‖²/‖s₀‖² = ‖Mᵀ‖_F²/2 and (b) P(‖Mᵀs₀‖ > ‖s₀‖) is the arc of
    the double cone where Mᵀ stretches (:func:`growth_probability`), both from Mᵀ of the
    derived matrix in exact rational arithmetic. Rounding can flip (b) only within δ‖s₀‖²
    of a tie; the exact probability of that band is the declared bias."""
    p = _m2_params(point.params)
    beta, lam, eta, steps = p["beta"], p["lam"], p["eta"], int(p["T"])

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        s0 = rng.normal(2)
        (theta_a, v_a), (theta_b, v_b) = (s0[:, 0], s0[:, 1]), (s0[:, 0], s0[:, 1])
        for _ in range(steps):
            theta_a, v_a = heavy_ball(theta_a, v_a, lam * theta_a, eta, beta)
            theta_b, v_b = heavy_ball_lr_in_velocity(theta_b, v_b, lam * theta_b, eta, beta)
        size0 = xp.sum(s0 * s0, axis=1)
        grew = (theta_b * theta_b + v_b * v_b) > size0
        return xp.stack([(theta_a * theta_a + v_a * v_a) / size0, grew.astype(rng.dtype)], 1)

    m = ensemble.run(kernel, n, what="M2 heavy ball from random states")
    power_a = exact_power(eta, lam, beta, steps, heavy_ball)
    power_b = exact_power(eta, lam, beta, steps, heavy_ball_lr_in_velocity)
    grow = max(1.0, max(float(np.linalg.norm(np.linalg.matrix_power(
        numeric_matrix(eta, lam, beta, heavy_ball_lr_in_velocity), t), 2))
        for t in range(steps + 1)))
    delta = 2 * recursion_rounding(steps, grow) * grow + 4 * EPS
    bias = growth_probability(power_b, -delta) - growth_probability(power_b, delta)
    return [
        Estimate(M2_STATISTICS[0], float(np.sum(power_a**2)) / 2,
                 mean_statistic(float(m.mean[0]), float(m.stderr_mean[0]), m.n)),
        Estimate(M2_STATISTICS[1], growth_probability(power_b),
                 indicator_proportion(m, 1, ensemble), scale=1.0, bias_bound=bias),
    ]


def _measured(h: np.ndarray, beta: float, steps: int) -> np.ndarray:
    """‖Mᵀ‖^{1/T} of seed 000's rule at η = 1 over curvatures λ = h (one batched run)."""
    def step(s: tuple[np.ndarray, ...]) -> Any:
        return heavy_ball(s[0], s[1], h * s[0], 1.0, beta)
    return measured_rate(step, 2, steps, batch=h.shape)


def _figure_m2(result: ClaimResult) -> Any:
    fig, ax = new_figure(width=6.8, height=4.2)
    betas = np.linspace(0.0, 0.98, 50)
    h = np.linspace(0.02, 4.4, 110)
    rates = np.array([_measured(h, b, 120) for b in betas])
    mesh = ax.pcolormesh(h, betas, np.minimum(rates, 1.2), cmap="viridis", shading="auto",
                         vmin=0.0, vmax=1.2)
    fig.colorbar(mesh, ax=ax, label="measured ‖Mᵀ‖^{1/T}, T = 120 (capped at 1.2)")
    ax.contour(h, betas, rates, levels=[1.0], colors="white", linewidths=0.8, linestyles=":")
    edge = np.linspace(0.0, 0.98, 50)
    ax.plot(2 * (1 + edge), edge, color="C3", lw=2, label="Jury edge ηλ = 2(1+β)")
    hs = np.linspace(1e-3, 1.0, 100)
    h_sym = sp.Symbol("h", positive=True)
    crit = sp.lambdify(h_sym, critical_beta(h_sym), "numpy")(hs)
    ax.plot(hs, crit, color="white", lw=1.5,
            label="critical damping β = (1−√(ηλ))², ηλ ≤ 1 (no overshoot)")
    ax.plot((1 + np.sqrt(betas)) ** 2, betas, color="white", lw=1.0, ls="--",
            label="the same curve for ηλ > 1: double root 1 − √(ηλ) < 0")
    for kappa, marker in ((10.0, "o"), (100.0, "s")):
        r = (np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)
        ax.plot([(1 - r) ** 2, (1 + r) ** 2], [r**2, r**2], marker=marker, color="C1", ms=4,
                label=f"Polyak: η*λ for λ ∈ [μ, L] at β*, κ = {kappa:.0f}")
    ax.set_xlim(0, 4.4)
    ax.set_ylim(0, 0.98)
    ax.set_xlabel("ηλ (learning rate × curvature, dimensionless)")
    ax.set_ylabel("momentum β")
    ax.set_title("Heavy ball on λθ²/2: stability region and measured contraction")
    ax.legend(loc="lower right", fontsize=7, frameon=True)
    return fig


def _points_m2() -> tuple[Point, ...]:
    base = {"lam": 1.0, "T": 20, "rate_steps": 1000, "bisect_steps": 200}
    return (
        Point("β = 0 (plain GD), ηλ = 0.9·2", {**base, "beta": 0.0, "lam": 4.0, "frac": 0.9},
              regime="boundary", monte_carlo=False,
              note="the edge of momentum's range: the region is GD's 0 < ηλ < 2"),
        Point("β = 0.5, ηλ = 0.8·2(1+β)", {**base, "beta": 0.5, "frac": 0.8},
              monte_carlo=False),
        Point("β = 0.9, ηλ = 0.5·2(1+β), T = 5", {**base, "beta": 0.9, "frac": 0.5, "T": 5},
              note="inside, ρ = √β = 0.95, yet most random states grow over the first steps"),
        Point("β = 0.9, on the edge ηλ = 2(1+β)", {**base, "beta": 0.9, "frac": 1.0},
              regime="boundary", note="roots −1 and −β: neither contracting nor growing"),
        Point("β = 0.8, 1 % past the edge", {**base, "beta": 0.8, "lam": 0.25, "frac": 1.01},
              regime="outside", note="every state with a component on the root < −1 grows"),
    )


M2 = Claim(
    id="M2",
    slug="momentum-stability",
    title="Heavy ball on a quadratic is stable iff 0 < ηλ < 2(1 + β)",
    statement=(
        "On an eigen-direction of curvature λ the heavy ball (either convention) is the linear "
        "map of (θ, v) with characteristic polynomial z² − (1 + β − ηλ)z + β; by Jury's "
        "conditions it converges for every start iff 0 < ηλ < 2(1 + β) (and 0 ≤ β < 1). "
        "Its contraction per step is the spectral radius: √β for complex roots."),
    sources=(
        Source(SEED_000, "Interaction with Momentum",
               "$$\nv_{t+1} = \\beta v_t + \\nabla L(\\theta_t)\n$$\n$$\n\\theta_{t+1} = "
               "\\theta_t - \\eta v_{t+1}\n$$"),
        Source(SEED_003, "Adaptive Methods",
               "v_t = \\beta v_{t-1} + \\alpha \\nabla L(\\theta_{t-1}),"),
        Source(SEED_000, "The Learning Rate and Stability in Quadratic Bowls",
               "This gives us the fundamental stability condition for gradient descent:\n$$\n"
               "0  \\eta  \\frac{2}{\\lambda_{\\max}(H)}\n$$"),
    ),
    derive=_m2,
    model=_model_m2,
    points=_points_m2(),
    figure=_figure_m2,
    simulate=_simulate_m2,
    statistics=M2_STATISTICS,
    findings=(
        "The seeds give the heavy-ball updates and GD's bound 2/λ_max but no region for "
        "momentum; lrtheory derives 0 < ηλ < 2(1+β) from Jury's conditions on the polynomial "
        "computed from the update rule. The two conventions (seeds 000 and 003) are the same "
        "map in the scaled state (θ, ηv), so they share polynomial and region.",
        "Momentum raises the largest stable η only by the factor 1 + β (≤ 2), while the "
        "effective rate η_eff = η/(1−β) may go up to 2(1+β)/(1−β)·1/λ: 38/λ at β = 0.9. "
        "Compensating η for β as seed 000 suggests (η_eff fixed at a rate GD can take, "
        "η_eff λ < 2) therefore stays stable: ηλ = (1−β)η_eff λ < 2(1−β) < 2(1+β).",
        "Stable is asymptotic, not monotone. At β = 0.9, ηλ = 1.9 (half-way to the edge, "
        "ρ = √β = 0.95) 67 % of random states (θ, v) are larger after 5 steps than at the "
        "start; the exact fraction comes from Mᵀ and Monte Carlo confirms it. A rule that "
        "reads growth as divergence would misfire here.",
        "On the edge the roots are −1 and −β: the divergence at ηλ = 2(1+β) is a "
        "sign-flipping oscillation, as for GD.",
    ),
)

CLAIMS = (M2,)
