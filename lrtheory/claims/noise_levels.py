"""Family G, claim G4 noise-level-lr: one learning rate per noise level of a diffusion model.

The model, in :mod:`lrtheory.models.noise_levels` (a modelling choice; the source only says
"approximating the loss as a local quadratic"): noise level ℓ is a quadratic of curvature
c_ℓ in its error e, trained by SGD e ← e − η_ℓ(c_ℓe + σ_ℓξ), levels uncoupled. This module
derives the per-level factor, the one-step optimal rate, the shared rate's slowdown and the
noise floors with SymPy, and checks them against GD runs, Lyapunov solves and Monte Carlo.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import sympy as sp
from numpy.typing import NDArray

from lrtheory.arrays import concat
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
from lrtheory.models import lyapunov as lyap
from lrtheory.models.convergence import geometric_steps
from lrtheory.models.noise_levels import (
    RULES,
    gd_factor,
    gd_factor_rounding,
    gd_steps,
    level_moments,
    level_rates,
    per_level_sgd,
    shared_rate_threshold,
)
from lrtheory.models.rounding import EPS
from lrtheory.models.worst_case import INTEGER_COUNT_REASON, count_tolerance, integer_margin
from lrtheory.montecarlo.runner import ChunkRNG, Ensemble
from lrtheory.montecarlo.stats import mean_statistic
from lrtheory.plotting import new_figure
from lrtheory.results import ClaimResult
from lrtheory.sources import SEED_004
from lrtheory.symbolic import lyapunov as sl
from lrtheory.symbolic.linear import equal_modulus_point, gd_direction, stable_interval
from lrtheory.symbolic.moments import centred_moments, expectation, gaussian_moments

FloatArray = NDArray[np.float64]

# --------------------------------------------------------------------------------------
# G4: derivation
# --------------------------------------------------------------------------------------

C, R, ETA, SIG, S = sp.symbols("c r eta sigma s", positive=True)
CMIN, CMAX, KAPPA = sp.symbols("c_min c_max kappa", positive=True)
E0, P = sp.symbols("e_0 p", real=True)
T = sp.Symbol("T", integer=True, nonnegative=True)


@cache
def _g4() -> tuple[Derivation, dict[str, sp.Expr]]:
    d = gd_direction(ETA, C)
    q = d.factor
    after = d.loss.subs(d.error, d.update)
    (eta_star,) = sp.solve(sp.diff(after, ETA), ETA)
    q_level = q.subs(ETA, R / C)
    loss_ratio = sp.factor(sp.cancel(after.subs(ETA, R / C) / d.loss))
    r_interval = stable_interval(q_level, R)
    eta_interval = stable_interval(q, ETA)
    q_shared = sp.expand(q.subs(ETA, R / CMAX).subs(C, CMAX / KAPPA))
    slowdown = sp.log(q_level) / sp.log(q_shared)  # N_shared/N_level, 0 < r < 1
    slope = sp.limit(slowdown / KAPPA, KAPPA, sp.oo)
    eta_best = equal_modulus_point(q, ETA, C, CMIN, CMAX)
    rate_best = sp.factor(q.subs({ETA: eta_best, C: CMIN}).subs(CMAX, KAPPA * CMIN))
    # Noise: E[·] of the SGD step over ξ ~ N(0, 1) (lrtheory.symbolic.moments) gives the
    # affine moment maps m ↦ a_m m and V ↦ a V + q; their T-step solutions are summed.
    x, xi = sl.X, sl.XI
    update = x - ETA * (C * x + SIG * xi)
    noise = {xi: gaussian_moments(1)}
    mean_rhs = expectation(update, noise)
    var_rhs = expectation(update**2, {x: centred_moments(sl.V), **noise})
    a_mean, _ = sl.affine_coefficients(mean_rhs, x)
    a_var, q_var = sl.affine_coefficients(var_rhs, sl.V)
    mean_path = sl.geometric_solution(a_mean, 0, E0, T)
    stationary = sl.affine_fixed_point(var_rhs, sl.V)
    stationary_level = sp.factor(stationary.subs(ETA, R / C))
    path = sl.geometric_solution(a_var, q_var, 0, T)
    path_level = sp.factor(sp.cancel(path.subs(ETA, R / C)))
    loss_level = sp.factor(C * stationary_level / 2)
    equal_loss = sp.solve(sp.diff(sp.expand_log(sp.log(loss_level.subs(SIG, S * C ** (P / 2))),
                                                force=True), C), P)
    steps = (
        Step.equation("per-level loss", "L_t", d.loss),
        Step.equation("GD update of the error", "e_{t+1}", d.update),
        Step.equation("per-level factor q = ∂e_{t+1}/∂e_t", "q", q),
        Step.equation("loss after one step", "L(e_{t+1})", after),
        Step.equation("one-step optimal rate: ∂L(e_{t+1})/∂η = 0", "eta^*", eta_star),
        Step.equation("η_t = r/c_t: factor", "q_t", q_level),
        Step.equation("η_t = r/c_t: loss ratio per step", "L(e_{t+1})/L(e_t)", loss_ratio),
        Step("stable set in r, {r > 0 : |1 − r| < 1}", r_interval),
        Step("shared η: stable set of a level of curvature c", eta_interval,
             "2/c falls with c: the stiffest level binds, η < 2/c_max"),
        Step.equation("shared η = r/c_max: factor of a level with κ_t = c_max/c_t", "q_t",
                      q_shared),
        Step.equation("steps to a tolerance, shared over per-level: S = N_shared/N_level",
                      "S", slowdown),
        Step.equation("… as κ_t → ∞: lim S/κ_t", "lim", slope),
        Step.equation("best shared η (minimax over [c_min, c_max])", "eta_best", eta_best),
        Step.equation("its slowest-level rate, κ = c_max/c_min", "rho_best", rate_best),
        Step.equation("SGD x ← x − η(cx + σξ): E x_{t+1} over ξ", "E x_{t+1}", mean_rhs),
        Step.equation("… E x²_{t+1} over x_t (centred, variance V) and ξ", "V_{t+1}", var_rhs),
        Step.equation("mean after T steps (summed)", "E e_T", mean_path),
        Step.equation("stationary variance, fixed point of V ↦ aV + q", "V_inf", stationary),
        Step.equation("… at η_t = r/c_t", "V_inf", stationary_level),
        Step.equation("variance after T steps from a fixed e₀, η_t = r/c_t", "V_T", path_level),
        Step.equation("stationary excess loss c_tV/2 at η_t = r/c_t", "E L_t", loss_level),
        Step.equation("σ_t² = s²c_t^p: exponents p with E L_t the same at every level", "p",
                      sp.FiniteSet(*equal_loss)),
    )
    identities = (
        Identity("per-level factor", q, 1 - ETA * C, "derived"),
        Identity("one-step optimal rate η*_t", eta_star, 1 / C, "derived"),
        Identity("η*_t·c_t does not depend on c_t: η_t ∝ 1/c_t", sp.diff(eta_star * C, C),
                 sp.Integer(0), "stated"),
        Identity("η_t = r/c_t: the same factor at every level (d q_t/dc_t = 0)",
                 sp.diff(q_level, C), sp.Integer(0), "stated",
                 note="the source: a desired rate of progress maintained at each stage"),
        Identity("η_t = r/c_t: factor 1 − r", q_level, 1 - R, "derived"),
        Identity("η_t = r/c_t: loss contracts by (1 − r)² per step", loss_ratio, (1 - R) ** 2,
                 "derived"),
        Identity("η_t = r/c_t: every level stable iff 0 < r < 2", r_interval,
                 sp.Interval.open(0, 2), "derived"),
        Identity("shared η: stable iff η < 2/c_max", eta_interval.subs(C, CMAX),
                 sp.Interval.open(0, 2 / CMAX), "derived"),
        Identity("shared η = r/c_max: factor 1 − r/κ_t", q_shared, 1 - R / KAPPA, "derived"),
        Identity("slowdown of a flat level ≈ κ_t·(−ln(1 − r))/r", slope, -sp.log(1 - R) / R,
                 "derived"),
        Identity("best shared η", eta_best, 2 / (CMIN + CMAX), "derived"),
        Identity("best shared η: slowest level's rate", rate_best, (KAPPA - 1) / (KAPPA + 1),
                 "derived"),
        Identity("SGD mean: E e_T = (1 − ηc)^T e₀", mean_path, (1 - ETA * C) ** T * E0,
                 "derived"),
        Identity("SGD stationary variance", stationary, ETA * SIG**2 / (C * (2 - ETA * C)),
                 "derived"),
        Identity("η_t = r/c_t: stationary variance", stationary_level,
                 R * SIG**2 / (C**2 * (2 - R)), "derived"),
        Identity("η_t = r/c_t: c_t²V_T/σ_t² = r(1 − (r − 1)^{2T})/(2 − r), the same at "
                 "every level", sp.cancel(path_level * C**2 / SIG**2),
                 R * (1 - (R - 1) ** (2 * T)) / (2 - R), "derived"),
        Identity("η_t = r/c_t equalises the stationary loss iff σ_t² ∝ c_t",
                 sp.FiniteSet(*equal_loss), sp.FiniteSet(1), "derived"),
    )
    forms = {"factor": q, "mean": mean_path, "path": path, "stationary": stationary}
    return Derivation(steps, identities), forms


@cache
def _form(name: str) -> Callable[..., Any]:
    """A derived form as a NumPy function of (η, c, σ, e₀, T)."""
    return sp.lambdify((ETA, C, SIG, E0, T), _g4()[1][name], "numpy")  # type: ignore[no-any-return]


# --------------------------------------------------------------------------------------
# G4: model
# --------------------------------------------------------------------------------------

#: The levels of every point: curvatures over three orders of magnitude.
LEVELS = (0.01, 0.1, 1.0, 10.0)


def _setup(point: Point) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(c_ℓ, η_ℓ, σ_ℓ) of a point: ``rule`` 0 is η_ℓ = r/c_ℓ, 1 a shared η = r/c_max, 2 the
    best shared η = 2/(c_min + c_max); σ_ℓ = s·c_ℓ·e₀ (gradient noise relative to c_ℓe₀)."""
    p = point.params
    c = np.array(LEVELS)
    rule = int(p["rule"])
    if rule == 2:
        etas = np.full_like(c, 2.0 / (c.min() + c.max()))
    else:
        etas = level_rates(c, p["r"], RULES[rule])
    return c, etas, p["noise"] * c * p["e0"]


def _factor_check(c: float, eta: float, steps: int) -> ModelCheck:
    """GD run on the level (:func:`gd_factor`) against the derived factor |1 − ηc|."""
    closed = abs(float(_form("factor")(eta, c, 0.0, 0.0, 0)))
    return ModelCheck(f"level c = {c:g}: GD's |e_T/e₀|^{{1/T}} vs |1 − ηc| (T = {steps})",
                      closed, gd_factor(c, eta, steps), gd_factor_rounding(c, eta),
                      "float64 rounding of the T-step product")


def _steps_checks(c: FloatArray, etas: FloatArray, tol: float) -> list[ModelCheck]:
    """Steps to |e| ≤ tol from e₀ = 1, per contracting level: GD against ⌈ln tol/ln|q|⌉."""
    checks = []
    for cl, el in zip(c, etas, strict=True):
        q = abs(1.0 - el * cl)
        if q >= 1.0:
            continue
        closed = geometric_steps(q, tol)
        n = math.log(tol) / math.log(q)
        checks.append(ModelCheck(
            f"level c = {cl:g}: steps to |e| ≤ {tol:g}, GD vs ⌈ln tol/ln|1 − ηc|⌉",
            float(closed), float(gd_steps(float(cl), float(el), tol, closed + 1)),
            count_tolerance(n, 1e-9), f"{INTEGER_COUNT_REASON} (margin {integer_margin(n):.2g})"))
    return checks


def _variance_checks(c: FloatArray, etas: FloatArray, sd: FloatArray) -> list[ModelCheck]:
    checks = []
    for cl, el, sl_ in zip(c, etas, sd, strict=True):
        if el * cl >= 2.0:
            continue
        h, noise = np.array([[cl]]), np.array([[sl_**2]])
        solved = lyap.stationary_covariance(el, h, noise, 1.0)
        closed = float(_form("stationary")(el, cl, sl_, 0.0, 0))
        checks.append(ModelCheck(
            f"level c = {cl:g}: stationary Var e, derived ησ²/(c(2 − ηc)) vs "
            "solve_discrete_lyapunov", closed, float(solved[0, 0]),
            lyap.stationary_error_bound(el, h, noise, 1.0, solved) + 16 * EPS * abs(closed),
            "a-posteriori Lyapunov bound ‖op⁻¹‖·residual, plus evaluation"))
    return checks


def _threshold_check(c: FloatArray, steps: int) -> ModelCheck:
    """The largest stable shared η, bisected on GD's measured growth over all levels."""
    found, tolerance = shared_rate_threshold(c, steps, halvings=40)
    return ModelCheck("shared η: divergence threshold (bisection on η) vs 2/c_max",
                      2.0 / c.max(), found, tolerance,
                      "bisection: 40 halvings of a bracket of width 1.1·2/c_max, plus the "
                      "growth-rate rounding over the slope c_max")


def _model_g4(point: Point) -> list[ModelCheck]:
    c, etas, sd = _setup(point)
    steps = int(point.params["model_steps"])
    checks = [_factor_check(float(cl), float(el), steps) for cl, el in zip(c, etas, strict=True)]
    checks += _steps_checks(c, etas, point.params["tol"])
    checks += _variance_checks(c, etas, sd)
    if int(point.params["rule"]) != 0:
        checks.append(_threshold_check(c, steps))
    return checks


# --------------------------------------------------------------------------------------
# G4: Monte Carlo
# --------------------------------------------------------------------------------------

G4_STATISTICS = (*(f"mean e_T/e₀ at level c = {c:g}" for c in LEVELS),
                 "mean over levels of (e_T − E e_T)²/Var e_T (predicted Var)")


def _simulate_g4(point: Point, ensemble: Ensemble, n: int) -> list[Estimate]:
    """SGD on all levels from e₀, T steps: per level the mean of e_T/e₀, exactly (1 − η_ℓc_ℓ)^T
    (the dynamics are linear and the noise centred); and the squared deviations from that
    mean, each over its derived variance η²σ²(1 − q^{2T})/(1 − q²), averaged over the
    levels: its expectation is exactly 1 if every level's variance is right."""
    c, etas, sd = _setup(point)
    e0, steps = point.params["e0"], int(point.params["steps"])
    mean = np.asarray(_form("mean")(etas, c, sd, e0, steps), dtype=float)
    var = np.asarray(_form("path")(etas, c, sd, 0.0, steps), dtype=float)
    sgd = per_level_sgd(c, etas, sd, e0, steps)

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        e = sgd(rng)
        z = xp.mean((e - xp.asarray(mean, dtype=rng.dtype)) ** 2
                    / xp.asarray(var, dtype=rng.dtype), axis=1)
        return concat(xp, [e / e0, z[:, None]], axis=1)

    m = ensemble.run(kernel, n, what=f"G4 per-level SGD at {point.label}")
    predictions = [*(mean / e0), 1.0]
    return [Estimate(name, float(pred), mean_statistic(m.mean[j], m.stderr_mean[j], m.n))
            for j, (name, pred) in enumerate(zip(G4_STATISTICS, predictions, strict=True))]


# --------------------------------------------------------------------------------------
# G4: validity, figure, points
# --------------------------------------------------------------------------------------

KAPPAS = (1.5, 2.0, 5.0, 10.0, 30.0, 100.0, 1000.0, 10000.0)


def _validity_g4() -> ValidityDomain:
    """Slowdown of a level κ times flatter than the stiffest under a shared η = r/c_max:
    the asymptote κ(−ln(1 − r))/r against the exact ratio ln(1 − r)/ln(1 − r/κ) of step
    counts (r = 0.5)."""
    r = 0.5
    kappa = np.array(KAPPAS)
    exact = np.log1p(-r) / np.log1p(-r / kappa)
    asymptote = kappa * -np.log1p(-r) / r
    errors = np.abs(asymptote - exact) / exact
    below = kappa[errors < 0.01]
    return ValidityDomain(
        "A level κ_t = c_max/c_t times flatter than the stiffest needs N_shared/N_level = "
        "ln(1 − r)/ln(1 − r/κ_t) times the steps under a shared η = r/c_max; the asymptote "
        f"κ_t(−ln(1 − r))/r (r = {r}) overstates it by about r/(2κ_t): below 1 % from "
        f"κ_t = {below.min():g} of this grid on",
        "κ_t = c_max/c_t", tuple(float(k) for k in kappa), tuple(float(e) for e in errors))


def _figure_g4(result: ClaimResult) -> Any:
    """Expected per-level loss E L_ℓ(e_k)/L_ℓ(e₀) = E e_k²/e₀² against k: the shared
    η = r/c_max (left) and η_ℓ = r/c_ℓ (right), from the exact moment recursions."""
    fig, axes = new_figure(2, width=12.0, sharey=True)
    steps = 60
    for ax, index in zip(axes, (1, 0), strict=True):
        point = result.claim.points[index]
        c, etas, sd = _setup(point)
        e0 = point.params["e0"]
        mean, var = level_moments(c, etas, sd, e0, steps)
        loss = (mean * mean + var) / e0**2
        for j, cl in enumerate(c):
            ax.semilogy(np.arange(steps + 1), loss[:, j], lw=4.5 - j if index == 0 else 1.5,
                        ls="-" if index == 0 else "--",
                        label=f"level c = {cl:g}, η = {etas[j]:.3g}")
        floor = point.params["noise"] ** 2 * point.params["r"] / (2 - point.params["r"])
        ax.axhline(floor, color="grey", ls=":", lw=0.8,
                   label="per-level stationary floor s²r/(2 − r)")
        ax.set_xlabel("step k")
        ax.set_title(point.label + (": the four curves coincide" if index == 0 else ""))
        ax.legend(fontsize=7)
    axes[0].set_ylabel("expected loss E L(e_k)/L(e₀), per level")
    axes[0].set_ylim(1e-5, 2.0)
    return fig


def _points_g4() -> tuple[Point, ...]:
    base = {"r": 0.5, "noise": 0.02, "e0": 1.0, "steps": 6, "model_steps": 60, "tol": 1e-3}
    return (
        Point("η_t = r/c_t, r = 0.5", {**base, "rule": 0}),
        Point("shared η = r/c_max, r = 0.5", {**base, "rule": 1},
              note="the stiffest level as fast as per-level, the flattest 1000× slower"),
        Point("best shared η = 2/(c_min + c_max)", {**base, "rule": 2}, monte_carlo=False,
              note="slowest level's rate (κ − 1)/(κ + 1) = 0.998"),
        Point("η_t = r/c_t, r = 1.9, near the edge r = 2", {**base, "rule": 0, "r": 1.9},
              regime="boundary", note="every level oscillates with factor −0.9; the "
              "stationary variance is r/(2 − r) = 19 times σ²/c²"),
        Point("shared η = 2.05/c_max, past the stiffest level's edge",
              {**base, "rule": 1, "r": 2.05}, regime="outside", monte_carlo=False,
              note="the stiffest level diverges (factor −1.05), the others still contract"),
    )


G4 = Claim(
    id="G4",
    slug="noise-level-lr",
    title="One learning rate per noise level, η_t = r/c_t, gives every level the same "
          "contraction",
    statement=(
        "Noise level t of a diffusion model, modelled as a quadratic of curvature c_t "
        "trained by (S)GD: the factor per step is 1 − η_tc_t, so η_t = r/c_t gives every "
        "level the factor 1 − r (loss (1 − r)²), stable iff 0 < r < 2, and is, at r = 1, "
        "the one-step optimal rate 1/c_t. A shared η must stay below 2/c_max; at "
        "η = r/c_max a level κ_t = c_max/c_t times flatter contracts by 1 − r/κ_t and needs "
        "≈ κ_t(−ln(1 − r))/r times the steps. With gradient noise σ_t the stationary "
        "variance is ησ²/(c(2 − ηc)), i.e. rσ_t²/(c_t²(2 − r)) at η_t = r/c_t; the "
        "stationary loss is the same at every level iff σ_t² ∝ c_t."),
    sources=(
        Source(SEED_004, "Denoising Diffusion Models",
               "By approximating the loss as a local quadratic function, one can derive an "
               "optimal [learning rate](@entry_id:140210) for each [denoising](@entry_id:"
               "165626) step that is inversely proportional to the local curvature, $\\eta_t "
               "\\propto 1/c_t$."),
        Source(SEED_004, "Denoising Diffusion Models",
               "This adaptive approach ensures that a desired rate of progress is maintained "
               "at each stage of the generative process, from coarse structure to fine details"),
        Source(SEED_004, "Denoising Diffusion Models",
               "This suggests that a single, fixed [learning rate](@entry_id:140210) is "
               "suboptimal."),
    ),
    derive=lambda: _g4()[0],
    model=_model_g4,
    points=_points_g4(),
    figure=_figure_g4,
    simulate=_simulate_g4,
    statistics=G4_STATISTICS,
    validity=_validity_g4,
    findings=(
        "Seed 004 calls η_t ∝ 1/c_t the optimal per-level rate and says it keeps 'a desired "
        "rate of progress' at each stage. On a level's quadratic both hold exactly: the "
        "one-step optimal rate is 1/c_t (exact line search), and η_t = r/c_t gives the factor "
        "1 − r at every level (loss (1 − r)² per step), stable iff 0 < r < 2 whatever the "
        "curvatures. One quadratic per level, levels uncoupled, is lrtheory's model of the "
        "source's 'local quadratic'.",
        "A single η (the source: 'suboptimal') is capped by the stiffest level, η < 2/c_max. "
        "At η = r/c_max (r = 0.5, c_t from 0.01 to 10) GD needs 10, 135, 1379 and 13813 "
        "steps to reach 10⁻³ on the four levels: the flattest is 1381× slower, near the "
        "derived asymptote κ(−ln(1 − r))/r = 1386 (validity domain: error ≈ r/(2κ)). The "
        "best shared η = 2/(c_min + c_max) still needs 3454 steps at both ends (rate "
        "(κ − 1)/(κ + 1) = 0.998).",
        "Just past 2/c_max (η = 2.05/c_max) only the stiffest level diverges (factor −1.05) "
        "while the others keep contracting: one stiff level decides a shared rate.",
        "With gradient noise σ_t the stationary variance is ησ²/(c(2 − ηc)); at η_t = r/c_t "
        "it is rσ_t²/(c_t²(2 − r)). Equal contraction is not equal noise floors: the "
        "stationary loss rσ_t²/(2c_t(2 − r)) is the same at every level iff σ_t² ∝ c_t "
        "(derived). The floor grows like 1/(2 − r) near the edge (19σ_t²/c_t² at r = 1.9).",
    ),
)

CLAIMS = (G4,)
