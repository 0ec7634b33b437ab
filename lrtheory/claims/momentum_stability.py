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

from lrtheory.arrays import astype
from lrtheory.claim import Claim, Derivation, Estimate, Identity, ModelCheck, Point, Source, Step
from lrtheory.errors import ParameterError, check_int, check_positive, check_real
from lrtheory.models.heavy_ball import (
    edge_check,
    exact_power,
    growth_probability,
    numeric_matrix,
    rate_band,
)
from lrtheory.models.linear_rate import measured_rate
from lrtheory.models.rounding import EPS, recursion_rounding
from lrtheory.montecarlo.runner import ChunkRNG, Ensemble, indicator_proportion
from lrtheory.montecarlo.stats import mean_statistic
from lrtheory.optimizers import heavy_ball, heavy_ball_lr_in_velocity
from lrtheory.plotting import new_figure
from lrtheory.results import ClaimResult
from lrtheory.sources import SEED_000, SEED_003
from lrtheory.symbolic.heavy_ball import (
    Rule,
    critical_beta,
    derived_roots,
    half_line,
    heavy_ball_matrix,
    heavy_ball_polynomial,
)
from lrtheory.symbolic.jury import jury_conditions
from lrtheory.symbolic.linear import intersect_open_intervals

ETA, LAM, BETA = sp.symbols("eta lambda beta", positive=True)
Z = sp.Symbol("z")
RULES: dict[str, Rule] = {"seed 000": heavy_ball, "seed 003": heavy_ball_lr_in_velocity}


@cache
def _m2() -> tuple[Derivation, sp.Expr]:
    m_a, m_b = (heavy_ball_matrix(ETA, LAM, BETA, r) for r in RULES.values())
    p_a, p_b = (heavy_ball_polynomial(ETA, LAM, BETA, Z, r) for r in RULES.values())
    conditions = jury_conditions(p_a, Z)
    # Jury's first two conditions are affine in η; the third, 1 − β > 0, involves β only.
    sets = [half_line(c, ETA) for c in conditions[:2]]
    region = intersect_open_intervals(*sets, sp.Interval.open(0, sp.oo))
    edge = region.end
    edge_roots = sp.roots(sp.Poly(p_a.subs(ETA, edge), Z))
    plus, minus, _, beta = derived_roots()
    product = sp.expand(plus * minus)
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
    return Derivation(steps, identities), sp.simplify(edge * LAM)  # the edge in ηλ


def _m2_params(p: Mapping[str, float]) -> dict[str, float]:
    """M2's point parameters, checked: 0 ≤ β < 1, λ > 0, frac = ηλ/(2(1+β)) > 0 and the
    integer horizons T (Monte Carlo), rate_steps (measured rates) and bisect_steps (the
    first run length of the threshold search, doubled as needed) ≥ 1."""
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


def rule_name(rule: Rule) -> str:
    """"seed 000's rule" or "seed 003's rule" for the two heavy-ball conventions."""
    for name, r in RULES.items():
        if r is rule:
            return f"{name}'s rule"
    raise ParameterError("rule", rule, "heavy_ball (seed 000) or heavy_ball_lr_in_velocity "
                         "(seed 003) from lrtheory.optimizers")


def rate_checks(label: str, eta: float, lam: Any, beta: float, steps: int,
                rule: Rule) -> list[ModelCheck]:
    """Measured ‖Mᵀ‖^{1/T} of ``rule`` in the one-sided bracket [ρ, U] of the derived radius
    (:func:`~lrtheory.models.heavy_ball.rate_band`, one batched run over an array of
    curvatures): at the first λ, and at the worst of the others."""
    lam = np.atleast_1d(np.asarray(lam, dtype=float))
    if lam.ndim != 1 or lam.size < 2:
        raise ParameterError("lam", lam, "a 1-D array of ≥ 2 curvatures (the point, a grid)")
    band = rate_band(eta, lam, beta, steps, rule)
    name = rule_name(rule)
    return [band.check(f"measured rate vs derived ρ at {label}, {name}", 0),
            band.check(f"measured vs derived ρ, worst of {lam.size - 1} cells ηλ ∈ "
                       f"(0, 2.4(1+β)), {name}", band.worst(range(1, lam.size)))]


def _reports_edge(point: Point) -> bool:
    """Points sharing (λ, β) share the edge check: the first of M2's points with a given
    (λ, β) reports it (and any point that is not one of M2's)."""
    first: dict[tuple[float, float], str] = {}
    for q in _points_m2():
        first.setdefault((q.params["lam"], q.params["beta"]), q.label)
    return first.get((point.params["lam"], point.params["beta"]), point.label) == point.label


def _model_m2(point: Point) -> list[ModelCheck]:
    p = _m2_params(point.params)
    beta, lam, eta = p["beta"], p["lam"], p["eta"]
    checks = []
    if _reports_edge(point):
        # The derived edge ηλ < E(β), searched in λ at η = E(β)/λ (so that points sharing
        # (λ, β) share it): the largest stable curvature there is E(β)/η.
        edge_h = float(_m2()[1].subs(BETA, beta))
        eta_edge = edge_h / lam
        checks += [edge_check(f"largest stable λ at η = 2(1+β)/λ = {eta_edge:.4g}, "
                              f"{rule_name(rule)}", eta_edge, beta, edge_h / eta_edge, rule,
                              int(p["bisect_steps"])) for rule in RULES.values()]
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
        return xp.stack([(theta_a * theta_a + v_a * v_a) / size0, astype(xp, grew, rng.dtype)],
                        axis=1)

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
        Point("β = 0 (plain GD), ηλ = 0.9·2", {**base, "beta": 0.0, "lam": 4.0, "frac": 0.9,
                                              "bisect_steps": 1600},
              regime="boundary", monte_carlo=False,
              note="the edge of momentum's range: the region is GD's 0 < ηλ < 2"),
        Point("β = 0.5, ηλ = 0.8·2(1+β)", {**base, "beta": 0.5, "frac": 0.8, "bisect_steps": 400},
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
    derive=lambda: _m2()[0],
    model=_model_m2,
    points=_points_m2(),
    figure=_figure_m2,
    simulate=_simulate_m2,
    statistics=M2_STATISTICS,
    findings=(
        "The seeds give the heavy-ball updates and GD's bound 2/λ_max but no region for "
        "momentum; lrtheory derives 0 < ηλ < 2(1+β) from Jury's conditions on the polynomial "
        "computed from the update rule. The two conventions (seeds 000 and 003) are the same "
        "map in the scaled state (θ, ηv) (M1), so they share polynomial and region.",
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
        "The edge located by runs (a grid search over λ at η = 2(1+β)/λ on r_T < 1, both "
        "rules) lies in the one-sided band Henrici's bound leaves below the derived edge at "
        "every β: at β = 0.5 the flip is at λ ∈ [0.99902, 0.99985] against 1, band 0.28 % "
        "(T = 400); an edge 0.5 % off either way falls outside.",
    ),
)

CLAIMS = (M2,)
