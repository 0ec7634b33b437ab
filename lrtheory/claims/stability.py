"""Family S: stability of gradient descent and the curvature that limits it."""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp
from scipy.optimize import minimize_scalar

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
from lrtheory.models.quadratic import (
    ITERATION_ROUNDING,
    ITERATION_ROUNDING_REASON,
    spd_matrix,
)
from lrtheory.montecarlo.runner import ChunkRNG, Ensemble
from lrtheory.montecarlo.stats import proportion_statistic
from lrtheory.plotting import new_figure
from lrtheory.results import ClaimResult
from lrtheory.sources import SEED_000
from lrtheory.symbolic.linear import equal_modulus_point, stable_interval

# --------------------------------------------------------------------------------------
# S1 gd-stability
# --------------------------------------------------------------------------------------


def _hessian(point: Point) -> np.ndarray[Any, Any]:
    p = point.params
    return spd_matrix(int(p["d"]), p["lam_min"], p["lam_max"], int(p["matrix_seed"]))


def growth_rate(h: np.ndarray[Any, Any], eta: float, steps: int) -> float:
    """Worst-case growth factor per step of GD, max over e₀ of (‖e_t‖/‖e₀‖)^{1/t}.

    GD is run on every initial error at once, E ← E − ηHE from E₀ = I, so E_t = (I − ηH)^t
    and the worst case over e₀ is the spectral norm ‖E_t‖₂. For symmetric H this equals
    ρ(I − ηH)^t at every t, so the measurement has no transient: only rounding (the matrix is
    renormalised each step and the scale kept in logarithms, so nothing overflows).
    """
    e = np.eye(h.shape[0])
    log_scale = 0.0
    for _ in range(steps):
        e = e - eta * (h @ e)
        norm = float(np.linalg.norm(e))
        log_scale += np.log(norm)
        e /= norm
    return float(np.exp((log_scale + np.log(np.linalg.norm(e, 2))) / steps))


def _derive_s1() -> Derivation:
    eta, lam, lam_min, lam_max, kappa = sp.symbols(
        "eta lambda lambda_min lambda_max kappa", positive=True)
    e = sp.Symbol("e", real=True)
    loss = lam * e**2 / 2
    update = e - eta * sp.diff(loss, e)
    factor = sp.simplify(sp.diff(update, e))
    interval = stable_interval(factor, eta)
    bound = interval.end
    # 2/λ decreases in λ, so over λ ∈ [λ_min, λ_max] the binding bound is the one at λ_max.
    slope = sp.diff(bound, lam)
    joint = interval.subs(lam, lam_max)
    eta_star = equal_modulus_point(factor, eta, lam, lam_min, lam_max)
    rate = sp.simplify(factor.subs({eta: eta_star, lam: lam_min}))
    rate_kappa = sp.simplify(rate.subs(lam_max, kappa * lam_min))
    steps = (
        Step("per-direction loss", sp.Eq(sp.Symbol("L"), loss)),
        Step("GD update of the error", sp.Eq(sp.Symbol("e_{t+1}"), update)),
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


def _model_s1(point: Point) -> list[ModelCheck]:
    h = _hessian(point)
    lam = np.linalg.eigvalsh(h)
    lo, hi = float(lam[0]), float(lam[-1])
    burn = int(point.params["model_steps"])
    checks: list[ModelCheck] = []
    # Divergence threshold by bisection on the measured growth factor.
    a, b = 0.5 * 2.0 / hi, 1.5 * 2.0 / hi
    for _ in range(40):
        mid = 0.5 * (a + b)
        a, b = (mid, b) if growth_rate(h, mid, burn) < 1.0 else (a, mid)
    checks.append(ModelCheck(
        "divergence threshold (bisection on η)", 2.0 / hi, 0.5 * (a + b),
        tolerance=2.0**-39 * 2.0 / hi,
        tolerance_reason="bisection bracket: 2⁻⁴⁰ of the initial width 2/λ_max"))
    # Asymptotic contraction at several η against the spectral radius.
    for frac in (0.3, 0.9):
        eta = frac * 2.0 / hi
        rho = float(np.max(np.abs(1.0 - eta * lam)))
        checks.append(ModelCheck(
            f"contraction at η = {frac}·2/λ_max", rho, growth_rate(h, eta, burn),
            tolerance=ITERATION_ROUNDING, tolerance_reason=ITERATION_ROUNDING_REASON))
    eta_star = 2.0 / (lo + hi)
    rho_star = (hi - lo) / (hi + lo)
    checks.append(ModelCheck(
        "contraction at η* = 2/(λ_min+λ_max)", rho_star, growth_rate(h, eta_star, burn),
        tolerance=ITERATION_ROUNDING, tolerance_reason=ITERATION_ROUNDING_REASON))
    best = minimize_scalar(lambda x: growth_rate(h, x, burn), bounds=(0.2 / hi, 1.99 / hi),
                           method="bounded", options={"xatol": 1e-7 / hi})
    checks.append(ModelCheck(
        "best fixed η (Brent on measured contraction)", eta_star, float(best.x),
        tolerance=3e-7 / hi,
        tolerance_reason="Brent's stopping rule, |x − x*| ≤ 2·xatol (xatol = 1e-7/λ_max)"))
    return checks


def _simulate_s1(point: Point, ensemble: Ensemble, n: int) -> list[Estimate]:
    """Fraction of random initial errors with ‖e_T‖ < ‖e_0‖: 1 below the bound, 0 above."""
    h = _hessian(point)
    hi = float(np.linalg.eigvalsh(h)[-1])
    eta = point.params["eta_frac"] * 2.0 / hi
    steps = int(point.params["steps"])
    g = np.eye(h.shape[0]) - eta * h

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        e0 = rng.normal(h.shape[0])
        e = e0
        gx = xp.asarray(g)
        for _ in range(steps):
            e = e @ gx
        return xp.linalg.norm(e, axis=1) < xp.linalg.norm(e0, axis=1)

    m = ensemble.run(kernel, n, what="S1 random initial errors")
    successes = round(float(m.mean[0]) * m.n)
    predicted = 1.0 if point.params["eta_frac"] < 1.0 else 0.0
    return [Estimate("fraction converging", predicted, proportion_statistic(successes, m.n),
                     scale=1.0)]


def _figure_s1(result: ClaimResult) -> Any:
    point = result.claim.points[1]
    h = _hessian(point)
    lam = np.linalg.eigvalsh(h)
    fig, ax = new_figure()
    x = np.linspace(0.01, 1.15, 400) * 2.0 / lam[-1]
    ax.plot(x * lam[-1], np.max(np.abs(1.0 - np.outer(x, lam)), axis=1), label="ρ(I − ηH)")
    xs = np.linspace(0.05, 1.1, 12) * 2.0 / lam[-1]
    ax.plot(xs * lam[-1], [growth_rate(h, v, 64) for v in xs], "o", ms=4,
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
    base = {"lam_min": 0.1, "model_steps": 64, "steps": 400}
    return (
        Point("d=2, κ=10", {**base, "d": 2, "lam_max": 1.0, "matrix_seed": 1, "eta_frac": 0.98}),
        Point("d=20, κ=30, just below 2/λ_max",
              {**base, "d": 20, "lam_min": 1 / 30, "lam_max": 1.0, "matrix_seed": 2,
               "eta_frac": 0.98}, regime="boundary"),
        Point("d=20, κ=30, just above 2/λ_max",
              {**base, "d": 20, "lam_min": 1 / 30, "lam_max": 1.0, "matrix_seed": 2,
               "eta_frac": 1.02}, regime="boundary",
              note="outside the stable set: every random e₀ must diverge"),
        Point("d=100, κ=50", {**base, "d": 100, "lam_min": 0.2, "lam_max": 10.0,
                              "matrix_seed": 3, "eta_frac": 0.9}, monte_carlo=False),
    )


S1 = Claim(
    id="S1",
    slug="gd-stability",
    title="Gradient descent is stable iff 0 < η < 2/λ_max",
    statement=(
        "GD on ½eᵀHe iterates e_{t+1} = (I − ηH)e_t; it converges for every e₀ iff "
        "0 < η < 2/λ_max, each eigen-direction contracting by 1 − ηλ_i. The best fixed "
        "rate is η* = 2/(λ_min + λ_max), with contraction (κ − 1)/(κ + 1)."),
    sources=(Source(
        SEED_000, "The Learning Rate and Stability in Quadratic Bowls",
        "The eigenvalues of the iteration matrix $G = I - \\eta H$ are simply "
        "$1 - \\eta \\lambda_i$."),),
    derive=_derive_s1,
    model=_model_s1,
    points=_points_s1(),
    figure=_figure_s1,
    simulate=_simulate_s1,
    statistics=("fraction converging",),
    findings=(
        "The source states the bound 0 < η < 2/λ_max; the best fixed rate 2/(λ_min+λ_max) "
        "and its contraction (κ−1)/(κ+1) are derived here (catalog additions).",),
)

CLAIMS = (S1,)
