"""Family S: stability of gradient descent and the curvature that limits it."""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp
from scipy.optimize import minimize_scalar

from lrtheory.arrays import astype, vector_norm
from lrtheory.claim import (
    Claim,
    Derivation,
    Estimate,
    Identity,
    ModelCheck,
    Point,
    Source,
    Step,
)
from lrtheory.models.quadratic import gd_growth_rate, growth_rate_rounding, spd_matrix
from lrtheory.models.rounding import EPS
from lrtheory.models.threshold import bisect_threshold
from lrtheory.montecarlo.runner import ChunkRNG, Ensemble, indicator_proportion
from lrtheory.montecarlo.stats import mean_statistic
from lrtheory.plotting import new_figure
from lrtheory.results import ClaimResult
from lrtheory.sources import SEED_000, SEED_003
from lrtheory.symbolic.least_squares import WORKED_ALPHA, WORKED_GRADIENTS, implied_moments
from lrtheory.symbolic.linear import equal_modulus_point, gd_direction, stable_interval

# --------------------------------------------------------------------------------------
# S1 gd-stability
# --------------------------------------------------------------------------------------


def _hessian(point: Point) -> np.ndarray[Any, Any]:
    p = point.params
    return spd_matrix(int(p["d"]), p["lam_min"], p["lam_max"], int(p["matrix_seed"]))


def _derive_s1() -> Derivation:
    eta, lam, lam_min, lam_max, kappa = sp.symbols(
        "eta lambda lambda_min lambda_max kappa", positive=True)
    direction = gd_direction(eta, lam)
    factor = direction.factor
    interval = stable_interval(factor, eta)
    bound = interval.end
    # 2/λ decreases in λ, so over λ ∈ [λ_min, λ_max] the binding bound is the one at λ_max.
    slope = sp.diff(bound, lam)
    joint = interval.subs(lam, lam_max)
    eta_star = equal_modulus_point(factor, eta, lam, lam_min, lam_max)
    rate = sp.simplify(factor.subs({eta: eta_star, lam: lam_min}))
    rate_kappa = sp.simplify(rate.subs(lam_max, kappa * lam_min))
    steps = (
        Step("per-direction loss", sp.Eq(sp.Symbol("L"), direction.loss)),
        Step("GD update of the error", sp.Eq(sp.Symbol("e_{t+1}"), direction.update)),
        Step("per-direction factor q = ∂e_{t+1}/∂e_t", sp.Eq(sp.Symbol("q"), factor)),
        Step("stable set {η > 0 : |q| < 1}", interval),
        Step("d(bound)/dλ < 0: λ_max binds", sp.Eq(sp.Symbol("d(2/λ)/dλ"), slope)),
        Step("minimax η: q(λ_min) = −q(λ_max)", sp.Eq(sp.Symbol("eta^*"), eta_star)),
        Step("rate at η*", sp.Eq(sp.Symbol("rho^*"), rate)),
        Step("rate with κ = λ_max/λ_min", sp.Eq(sp.Symbol("rho^*"), rate_kappa)),
    )
    identities = (
        Identity("per-direction factor", factor, 1 - eta * lam),
        Identity("stability interval", joint, sp.Interval.open(0, 2 / lam_max)),
        Identity("best fixed learning rate", eta_star, 2 / (lam_min + lam_max)),
        Identity("best rate", rate_kappa, (kappa - 1) / (kappa + 1)),
        Identity("bound decreasing in λ", sp.sign(slope), sp.Integer(-1), "derived"),
    )
    return Derivation(steps, identities)


ROUNDING_REASON = "rounding of the iterated matrix: ρ[d^{3/2}ε(1+η‖H‖)/ρ + 2ε + dε/t]"


def _model_s1(point: Point) -> list[ModelCheck]:
    h = _hessian(point)
    lam = np.linalg.eigvalsh(h)
    lo, hi = float(lam[0]), float(lam[-1])
    steps = int(point.params["model_steps"])
    checks: list[ModelCheck] = []
    # Divergence threshold: bisection on the measured worst-case growth factor over the
    # bracket [0.5, 1.6]·2/λ_max (asymmetric, so that no midpoint lands on the threshold
    # itself); the final midpoint is within half the final bracket of the crossing, and
    # rounding can misplace the crossing only where |ρ − 1| is below the growth-rate
    # rounding, i.e. by that amount divided by the slope dρ/dη = λ_max.
    width = 2.0 / hi
    threshold = bisect_threshold(lambda eta: gd_growth_rate(h, eta, steps) < 1.0,
                                 0.5 * width, 1.6 * width, halvings=40)
    slack = growth_rate_rounding(h, width, steps) / hi
    checks.append(ModelCheck(
        "divergence threshold (bisection on η)", width, threshold.value,
        tolerance=threshold.tolerance + slack,
        tolerance_reason=(f"bisection: {threshold.halvings} halvings of a bracket of width "
                          "1.1·2/λ_max, plus the growth-rate rounding over the slope λ_max")))
    # Worst-case contraction at several η against the spectral radius ρ(I − ηH).
    for frac in (0.3, 0.9):
        eta = frac * width
        rho = float(np.max(np.abs(1.0 - eta * lam)))
        checks.append(ModelCheck(
            f"contraction at η = {frac}·2/λ_max", rho, gd_growth_rate(h, eta, steps),
            tolerance=growth_rate_rounding(h, eta, steps), tolerance_reason=ROUNDING_REASON))
    eta_star = 2.0 / (lo + hi)
    rho_star = (hi - lo) / (hi + lo)
    checks.append(ModelCheck(
        "contraction at η* = 2/(λ_min+λ_max)", rho_star, gd_growth_rate(h, eta_star, steps),
        tolerance=growth_rate_rounding(h, eta_star, steps), tolerance_reason=ROUNDING_REASON))
    # SciPy's bounded Brent stops when |x − m| ≤ 2·tol − (b − a)/2 with
    # tol = √ε·|x| + xatol/3, so the returned x is within 2(√ε·|x| + xatol/3) of the minimiser.
    xatol = 1e-7 / hi
    best = minimize_scalar(lambda x: gd_growth_rate(h, x, steps), bounds=(0.2 / hi, 1.99 / hi),
                           method="bounded", options={"xatol": xatol})
    checks.append(ModelCheck(
        "best fixed η (Brent on measured contraction)", eta_star, float(best.x),
        tolerance=2.0 * (np.sqrt(EPS) * float(best.x) + xatol / 3.0),
        tolerance_reason="SciPy's bounded Brent stopping rule: 2(√ε·|x| + xatol/3)"))
    return checks


S1_STATISTICS = ("fraction with ‖e_T‖ < ‖e₀‖", "mean ‖e_t‖² at t = 5")


def _simulate_s1(point: Point, ensemble: Ensemble, n: int) -> list[Estimate]:
    """Random e₀ ~ N(0, I): (a) the fraction with ‖e_T‖ < ‖e₀‖ — exactly 1 below the bound,
    where ‖I − ηH‖ < 1, and 0 above it up to the probability that e₀'s component along the
    top eigenvector is too small, at most 2√(d−1)/((ρ^T − 1)√(2π)) (declared as the bias);
    (b) the mean of ‖e_t‖² at t = 5, whose exact expectation is tr((I − ηH)^{2t}) =
    Σ_i (1 − ηλ_i)^{2t}: a check of every per-direction factor 1 − ηλ_i at once."""
    h = _hessian(point)
    d = h.shape[0]
    lam = np.linalg.eigvalsh(h)
    eta = point.params["eta_frac"] * 2.0 / float(lam[-1])
    steps, t_mean = int(point.params["steps"]), 5
    g = np.eye(d) - eta * h

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        e0 = rng.normal(d)
        e, gx = e0, xp.asarray(g, dtype=rng.dtype)
        sq = None
        for t in range(1, steps + 1):
            e = e @ gx
            if t == t_mean:
                sq = xp.sum(e * e, axis=1)
        shrunk = vector_norm(xp, e, axis=1) < vector_norm(xp, e0, axis=1)
        return xp.stack([astype(xp, shrunk, rng.dtype), sq], axis=1)

    m = ensemble.run(kernel, n, what="S1 random initial errors")
    rho = float(np.max(np.abs(1.0 - eta * lam)))
    if rho < 1.0:
        predicted, bias = 1.0, 0.0
    else:
        predicted = 0.0
        bias = 2.0 * np.sqrt(d - 1) / ((rho**steps - 1.0) * np.sqrt(2.0 * np.pi))
    mean_sq = float(np.sum((1.0 - eta * lam) ** (2 * t_mean)))
    return [
        Estimate(S1_STATISTICS[0], predicted, indicator_proportion(m, 0, ensemble), scale=1.0,
                 bias_bound=float(bias)),
        Estimate(S1_STATISTICS[1], mean_sq,
                 mean_statistic(float(m.mean[1]), float(m.stderr_mean[1]), m.n)),
    ]


def _figure_s1(result: ClaimResult) -> Any:
    point = result.claim.points[1]
    h = _hessian(point)
    lam = np.linalg.eigvalsh(h)
    fig, ax = new_figure()
    x = np.linspace(0.01, 1.15, 400) * 2.0 / lam[-1]
    ax.plot(x * lam[-1], np.max(np.abs(1.0 - np.outer(x, lam)), axis=1), label="ρ(I − ηH)")
    xs = np.linspace(0.05, 1.1, 12) * 2.0 / lam[-1]
    ax.plot(xs * lam[-1], [gd_growth_rate(h, v, 64) for v in xs], "o", ms=4,
            label="measured growth of ‖e_t‖")
    ax.axhline(1.0, color="grey", lw=0.8)
    ax.axvline(2.0, ls="--", color="C3", label="η = 2/λ_max")
    ax.axvline(2 * lam[-1] / (lam[0] + lam[-1]), ls=":", color="C2",
               label="η* = 2/(λ_min+λ_max)")
    ax.set_xlabel("η · λ_max")
    ax.set_ylabel("contraction factor per step")
    ax.set_title(f"GD on a random quadratic, d = {h.shape[0]}, κ = {lam[-1] / lam[0]:.0f}")
    ax.legend()
    return fig


def _points_s1() -> tuple[Point, ...]:
    base = {"lam_min": 0.1, "model_steps": 64, "steps": 100}
    return (
        Point("d=2, κ=10", {**base, "d": 2, "lam_max": 1.0, "matrix_seed": 1, "eta_frac": 0.98}),
        Point("d=20, κ=30, just below 2/λ_max",
              {**base, "d": 20, "lam_min": 1 / 30, "lam_max": 1.0, "matrix_seed": 2,
               "eta_frac": 0.98}, regime="boundary"),
        Point("d=20, κ=30, just above 2/λ_max",
              {**base, "d": 20, "lam_min": 1 / 30, "lam_max": 1.0, "matrix_seed": 2,
               "eta_frac": 1.02, "steps": 1000}, regime="boundary",
              note="outside the stable set: every random e₀ must diverge"),
        Point("d=100, κ=50", {**base, "d": 100, "lam_min": 0.2, "lam_max": 10.0,
                              "matrix_seed": 3, "eta_frac": 0.9}, monte_carlo=False),
    )


def _worked_example_finding() -> str:
    """Seed 003's worked example, solved for the data it would need (SymPy, exact)."""
    two = implied_moments(WORKED_ALPHA, (sp.S.Zero, sp.S.Zero), WORKED_GRADIENTS)
    half = implied_moments(WORKED_ALPHA, (sp.S.Zero, sp.S.Zero), WORKED_GRADIENTS, sp.S.One)
    m = {str(k): v for k, v in two.moments.items()}
    return ("Seed 003's worked example (θ = (0, 0), α = 0.01, gradients (0.5, 2.0) then "
            "(0.4, 1.8)) is arithmetic of the update rule only: no data set gives those "
            f"gradients. Solved exactly, they force mean x = {m['xbar']} and mean x² = "
            f"{m['x2bar']}, a variance of {two.variance} < 0 ({half.variance} with the ½ "
            "convention). lrtheory keeps it as a doctest of optimizers.gradient_step.")


S1 = Claim(
    id="S1",
    slug="gd-stability",
    title="Gradient descent is stable iff 0 < η < 2/λ_max",
    statement=(
        "GD on ½eᵀHe iterates e_{t+1} = (I − ηH)e_t; it converges for every e₀ iff "
        "0 < η < 2/λ_max, each eigen-direction contracting by 1 − ηλ_i. The best fixed "
        "rate is η* = 2/(λ_min + λ_max), with contraction (κ − 1)/(κ + 1)."),
    sources=(
        Source(SEED_003, "Fixed Learning Rate in Gradient Descent",
               "In the first iteration, suppose the computed gradients are 0.5 and 2.0"),
        Source(SEED_000, "The Learning Rate and Stability in Quadratic Bowls",
               "The eigenvalues of the iteration matrix $G = I - \\eta H$ are simply "
               "$1 - \\eta \\lambda_i$."),
        Source(SEED_000, "The Learning Rate and Stability in Quadratic Bowls",
               "This gives us the fundamental stability condition for gradient descent:\n$$\n"
               "0  \\eta  \\frac{2}{\\lambda_{\\max}(H)}\n$$"),
    ),
    derive=_derive_s1,
    model=_model_s1,
    points=_points_s1(),
    figure=_figure_s1,
    simulate=_simulate_s1,
    statistics=S1_STATISTICS,
    findings=(
        "The source states the bound 0 < η < 2/λ_max (its '<' signs are lost in the seed "
        "text) and the factors 1 − ηλ_i; the best fixed rate 2/(λ_min+λ_max) and its "
        "contraction (κ−1)/(κ+1) are derived here (catalog additions).",
        _worked_example_finding()),
)

CLAIMS = (S1,)
