"""Family D: stochastic gradients, temperature and scaling rules."""

from __future__ import annotations

import math
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
from lrtheory.claims import stochastic_rows as sc
from lrtheory.models import lyapunov as lyap
from lrtheory.montecarlo.kernels import sgd_diagonal_quadratic
from lrtheory.montecarlo.runner import ChunkRNG, Ensemble
from lrtheory.montecarlo.stats import mean_statistic, variance_statistic
from lrtheory.plotting import new_figure
from lrtheory.results import ClaimResult
from lrtheory.sources import SEED_000, SEED_001, SEED_002
from lrtheory.symbolic import lyapunov as sl

# --------------------------------------------------------------------------------------
# D3 sgd-temperature: the derivation
# --------------------------------------------------------------------------------------

eta, lam, sigma, B = sp.symbols("eta lambda sigma B", positive=True)
V, V0, t_step = sl.V, sl.V0, sl.STEP


@cache
def _derive_1d() -> dict[str, Any]:
    """The 1-D results, computed from the SGD step x ← x − η(λx + ξ), ξ ~ N(0, σ²/B)."""
    return sl.stationary_sgd(eta, lam, sigma**2 / B)


@cache
def _derive_dd() -> dict[str, Any]:
    """d-D: Lyapunov equations solved for diagonal (commuting) H, C and traced in general."""
    l1, l2, c1, c2 = sp.symbols("lambda_1 lambda_2 c_1 c_2", positive=True)
    H, C = sp.diag(l1, l2), sp.diag(c1, c2)
    traced = sl.traced_losses(eta, B)
    return {"l": (l1, l2), "c": (c1, c2), "trC": traced["trC"],
            "discrete": sl.discrete_lyapunov(sp.eye(2) - eta * H, eta**2 / B * C),
            "continuous": sl.continuous_lyapunov(H, eta / B * C),
            "loss_sde": traced["sde"], "loss_excess": traced["excess"]}


def _derive_d3() -> Derivation:
    r, m = _derive_1d(), _derive_dd()
    lin_t = eta * sp.diff(r["temperature_exact"], eta).subs(eta, 0)  # T ∝ η: η·T'(0)
    (l1, l2), (c1, c2) = m["l"], m["c"]
    one_d = sp.Lambda((lam, sigma), r["exact"])
    steps = (
        Step.equation("SGD step, ξ ~ N(0, σ²/B)", "x_{t+1}", r["update"]),
        Step.equation("update noise Var(Δx | x)", "Var(Δx)", r["update_var"]),
        Step.equation("variance recursion E[x_{t+1}²]", "V_{t+1}", r["rhs"]),
        Step.equation("stationary variance: fixed point", "Var_∞", r["exact"]),
        Step.equation("finite-t variance (rsolve)", "V_t", r["path"]),
        Step.equation("finite-t variance (geometric sum)", "V_t", r["geometric"]),
        Step("stable set {η > 0 : (1 − ηλ)² < 1}", r["stable"]),
        Step.equation("limit at the boundary", "lim_{η→2/λ⁻} Var_∞", r["blowup"]),
        Step.equation("diffusion limit, Δt = η: drift", "mu(x)", r["sde_drift"]),
        Step.equation("diffusion limit: variance per unit time", "D", r["sde_diffusion"]),
        Step.equation("moment ODE from the Itô generator on x²", "dV/dt", r["sde_moment_ode"]),
        Step.equation("OU variance (dsolve)", "V(t)", r["sde_path"]),
        Step.equation("SDE stationary variance: t → ∞", "Var_SDE", r["sde"]),
        Step.equation("stationary Fokker–Planck density", "p(x)", r["sde_density"]),
        Step.equation("temperature: p ∝ exp(−L/T), L = ½λx²", "T", r["temperature_sde"]),
        Step.equation("exact temperature T = λ·Var_∞", "T", r["temperature_exact"]),
        Step.equation("Var_∞ / Var_SDE", "ratio", r["ratio"]),
        Step.equation("(Var_∞ − Var_SDE)/Var_SDE", "err", r["rel_error"]),
        Step.equation("Var_∞ to first order in η", "Var_∞", r["leading"]),
        Step("discrete Lyapunov, H = diag(λ₁, λ₂), C = diag(c₁, c₂)", m["discrete"]),
        Step("continuous Lyapunov, same H, C", m["continuous"]),
        Step.equation("trace of HΣ + ΣH = (η/B)C, any symmetric H, C", "E[L]", m["loss_sde"]),
        Step.equation("trace of the discrete equation", "E[L] − (η/4)tr(H²Σ)", m["loss_excess"]),
    )
    identities = (
        Identity("update noise Var(Δθ) = η²σ²/B", r["update_var"], eta**2 * sigma**2 / B),
        Identity("temperature ∝ learning rate (SDE limit)", r["temperature_sde"],
                 eta * sp.diff(r["temperature_sde"], eta), note="seeds 001, 002"),
        Identity("temperature ∝ learning rate (exact SGD)", r["temperature_exact"], lin_t,
                 expect_equal=False,
                 note="exact T = ησ²/(B(2 − ηλ)) is not linear in η; its linear part is the SDE"
                      " temperature"),
        Identity("exact temperature ∝ 1/B at fixed η", r["temperature_exact"],
                 r["temperature_exact"].subs(B, 1) / B, "derived"),
        Identity("variance recursion", r["rhs"], (1 - eta * lam) ** 2 * V + eta**2 * sigma**2 / B,
                 "derived"),
        Identity("exact stationary variance", r["exact"],
                 eta * sigma**2 / (B * lam * (2 - eta * lam)), "derived"),
        Identity("finite-t variance: rsolve = geometric sum", r["path"], r["geometric"],
                 "derived"),
        Identity("V_t − Var_∞ = (ηλ − 1)^{2t}(V₀ − Var_∞)", r["path"] - r["exact"],
                 (eta * lam - 1) ** (2 * t_step) * (V0 - r["exact"]), "derived"),
        Identity("stationary iff 0 < η < 2/λ", r["stable"], sp.Interval.open(0, 2 / lam),
                 "derived"),
        Identity("Var_∞ > 0 on the same set", r["positive"], r["stable"], "derived"),
        Identity("variance blows up at ηλ → 2: 1/Var_∞ → 0", r["inverse_at_boundary"],
                 sp.Integer(0), "derived"),
        Identity("SDE diffusion coefficient", r["sde_diffusion"], eta * sigma**2 / B, "modelled",
                 note="diffusion limit with time step Δt = η"),
        Identity("moment ODE", r["sde_moment_ode"], -2 * lam * V + eta * sigma**2 / B, "derived"),
        Identity("OU stationary variance", r["sde"], eta * sigma**2 / (2 * B * lam), "derived"),
        Identity("exact = SDE / (1 − ηλ/2)", r["ratio"], 1 / (1 - eta * lam / 2), "derived"),
        Identity("relative error of the SDE value", r["rel_error"],
                 eta * lam / (2 - eta * lam), "derived"),
        Identity("SDE error relative to the exact value", r["rel_error_exact"],
                 eta * lam / 2, "derived"),
        Identity("SDE value = first order of Var_∞ in η", r["leading"], r["sde"], "derived"),
        Identity("discrete Lyapunov, commuting H, C: 1-D formula per direction",
                 m["discrete"], sp.diag(one_d(l1, sp.sqrt(c1)), one_d(l2, sp.sqrt(c2))),
                 "derived"),
        Identity("continuous Lyapunov, commuting H, C: SDE formula per direction",
                 m["continuous"], sp.diag(eta * c1 / (2 * B * l1), eta * c2 / (2 * B * l2)),
                 "derived"),
        Identity("SDE stationary loss η tr C/(4B), any H", m["loss_sde"],
                 eta * m["trC"] / (4 * B), "derived"),
        Identity("exact loss = η tr C/(4B) + (η/4) tr(H²Σ)", m["loss_excess"],
                 eta * m["trC"] / (4 * B), "derived"),
    )
    return Derivation(steps, identities)


@cache
def _numeric() -> dict[str, Any]:
    """The derived closed forms as NumPy functions (so predictions come from the derivation)."""
    r = _derive_1d()
    args = (eta, lam, sigma, B)
    return {
        "exact": sp.lambdify(args, r["exact"], "math"),
        "sde": sp.lambdify(args, r["sde"], "math"),
        "path": sp.lambdify((*args, V0, t_step), r["path"], "math"),
        "sde_error": sp.lambdify(args, r["rel_error_exact"], "math"),  # ηλ/2, derived
    }


# --------------------------------------------------------------------------------------
# D3: the models (the rows are built in lrtheory.claims.stochastic_rows)
# --------------------------------------------------------------------------------------


def _problem(point: Point) -> tuple[float, np.ndarray[Any, Any], np.ndarray[Any, Any], float]:
    """(η, H, C, B) of a point (:func:`lrtheory.claims.stochastic_rows.problem`)."""
    return sc.problem(point)


def _model_d3(point: Point) -> list[ModelCheck]:
    checks = sc.model_1d(point, _numeric())
    if point.params["eta_lam"] < 2.0:
        checks += sc.model_dd(point, _numeric())
    return checks


# --------------------------------------------------------------------------------------
# D3: Monte Carlo
# --------------------------------------------------------------------------------------


def _simulate_d3(point: Point, ensemble: Ensemble, n: int) -> list[Estimate]:
    """Final iterates x_T of n chains from x₀ = 0: the sample variance of the first
    coordinate and the mean loss ½x_TᵀHx_T, against the exact finite-T values."""
    p = point.params
    eta_, H, C, B_ = _problem(point)
    T = int(p["steps"])
    diagonal = p["angle"] == 0.0 and p["c2"] == 1.0
    if diagonal:  # the shared kernel: x_i ← (1 − ηλ_i)x_i − η(σ/√B)ξ_i
        base = sgd_diagonal_quadratic(eta_, np.diag(H).copy(), p["sigma"] / math.sqrt(B_), T)
    else:
        base = lyap.sgd_correlated_quadratic(eta_, H, C / B_, T)

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        x_T = base(rng)
        loss = 0.5 * xp.sum((x_T @ xp.asarray(H, dtype=rng.dtype)) * x_T, axis=1)
        return xp.stack([x_T[:, 0], loss], axis=1)

    m = ensemble.run(kernel, n, what=f"D3 SGD chains at {point.label}")
    sigma_T = lyap.covariance_recursion(eta_, H, C, B_, T)
    if diagonal:  # the 1-D chain along e₁: the derived finite-t variance
        var_pred = _numeric()["path"](eta_, p["lam"], p["sigma"], B_, 0.0, T)
    else:
        var_pred = float(sigma_T[0, 0])
    return [
        Estimate("variance of x_T along e₁", var_pred,
                 variance_statistic(m.variance[0], m.stderr_variance[0], m.n)),
        Estimate("mean loss ½x_TᵀHx_T", 0.5 * float(np.trace(H @ sigma_T)),
                 mean_statistic(m.mean[1], m.stderr_mean[1], m.n)),
    ]


# --------------------------------------------------------------------------------------
# D3: validity, figure, points
# --------------------------------------------------------------------------------------

#: ηλ from 0.005 to 1 geometrically, then towards 2 with 2 − ηλ geometric down to 0.005.
VALIDITY_GRID = tuple(float(u) for u in np.round(np.concatenate(
    [np.geomspace(0.005, 1.0, 16), 2.0 - np.geomspace(0.5, 0.005, 9)]), 4))


def _validity_d3() -> ValidityDomain:
    """(Var_∞ − Var_SDE)/Var_SDE over ηλ ∈ (0, 2), both variances from SciPy's Lyapunov
    solvers (λ = σ = B = 1), not from the closed forms."""
    errors = []
    one = np.ones((1, 1))
    for u in VALIDITY_GRID:
        exact = lyap.stationary_covariance(u, one, one, 1.0)[0, 0]
        sde = lyap.sde_stationary_covariance(u, one, one, 1.0)[0, 0]
        errors.append(float((exact - sde) / sde))
    u = sp.Symbol("u", positive=True)
    r = _derive_1d()["rel_error"].subs(eta, u / lam)
    limits = [float(sp.solve(sp.Eq(r, e), u)[0]) for e in (0.01, 0.1)]
    return ValidityDomain(
        statement=(
            f"The SDE/OU variance ησ²/(2Bλ) falls short of the exact Var_∞ by the factor "
            f"1 − ηλ/2: (Var_∞ − Var_SDE)/Var_SDE = ηλ/(2 − ηλ) stays below 1 % for "
            f"ηλ < {limits[0]:.4f} and below 10 % for ηλ < {limits[1]:.4f}, is 100 % at "
            f"ηλ = 1 and diverges at the stability boundary ηλ = 2, where the SDE value "
            f"stays finite."),
        parameter="ηλ",
        values=VALIDITY_GRID,
        errors=tuple(errors),
        error_label="(Var_∞ − Var_SDE)/Var_SDE")


def _figure_d3(result: ClaimResult) -> Any:
    fig, (ax, ax_err) = new_figure(ncols=2, width=11.0)
    u = np.linspace(0.005, 1.995, 400)
    f = _numeric()  # the derived forms at λ = σ = B = 1: Var·Bλ/σ² as a function of ηλ
    ax.plot(u, [f["exact"](v, 1, 1, 1) for v in u], label="exact SGD: ηλ/(2 − ηλ)")
    ax.plot(u, [f["sde"](v, 1, 1, 1) for v in u], "--", label="SDE / OU: ηλ/2")
    for pr in result.points:
        p = pr.point.params
        if not pr.monte_carlo or p["angle"] != 0.0:
            continue
        est = pr.monte_carlo[0]
        norm = p["lam"] * p["B"] / p["sigma"] ** 2
        lo, hi = est.test.interval
        ax.errorbar([p["eta_lam"]], [est.estimate.sample.value * norm],
                    yerr=[[(est.estimate.sample.value - lo) * norm],
                          [(hi - est.estimate.sample.value) * norm]],
                    fmt="o", color="C3", ms=4, capsize=3)
        ax.annotate(f"B = {p['B']:g}", (p["eta_lam"], est.estimate.sample.value * norm),
                    textcoords="offset points", xytext=(6, -12), fontsize=8)
    ax.plot([], [], "o", color="C3", label="Monte Carlo Var(x_T), (1 − α) interval")
    ax.axvline(2.0, color="grey", ls=":", lw=1, label="stability boundary ηλ = 2")
    ax.set_yscale("log")
    ax.set_xlabel("ηλ")
    ax.set_ylabel("stationary variance × Bλ/σ²")
    ax.set_title("SGD stationary variance (temperature T = λ·Var)")
    ax.legend()
    if result.validity is not None:
        v = result.validity
        ax_err.loglog(v.values, v.errors, "o-", ms=3, label="Lyapunov solves (SciPy)")
        ax_err.loglog(u, u / (2 - u), "--", lw=1, label="derived ηλ/(2 − ηλ)")
        ax_err.set_xlabel(v.parameter)
        ax_err.set_ylabel(v.error_label)
        ax_err.set_title("Validity of the SDE value")
        ax_err.legend()
    return fig


def _points_d3() -> tuple[Point, ...]:
    base = {"lam": 1.0, "sigma": 1.0, "steps": 150, "angle": 0.0, "c2": 1.0}
    return (
        Point("ηλ = 0.05, B = 1: SDE accurate", {**base, "eta_lam": 0.05, "lam2": 0.02,
                                                  "B": 1.0}),
        Point("ηλ = 1, B = 4: exact variance twice the SDE value",
              {**base, "eta_lam": 1.0, "lam2": 0.05, "B": 4.0}, regime="outside",
              note="SDE off by 100 % of its own value (50 % of the exact one)"),
        Point("ηλ = 1.9, B = 16: next to the stability boundary",
              {**base, "eta_lam": 1.9, "lam2": 0.1, "sigma": 2.0, "B": 16.0},
              regime="boundary", note="exact variance 20 × the SDE value"),
        Point("non-commuting H and C, ηλ_max = 0.5, B = 8",
              {**base, "eta_lam": 0.5, "lam2": 0.2, "angle": math.pi / 6, "c2": 0.25,
               "B": 8.0}, note="H turned by 30°, C = σ²diag(1, 0.25)"),
        Point("ηλ = 0.01, B = 1", {**base, "eta_lam": 0.01, "lam2": 0.005, "B": 1.0},
              monte_carlo=False),
        Point("ηλ = 1.99, B = 1", {**base, "eta_lam": 1.99, "lam2": 0.5, "B": 1.0},
              regime="boundary", monte_carlo=False),
        Point("ηλ = 2.02: beyond the boundary", {**base, "eta_lam": 2.02, "lam2": 0.5,
                                                 "B": 1.0}, regime="outside",
              monte_carlo=False, note="no stationary distribution: V_t grows"),
    )


D3 = Claim(
    id="D3",
    slug="sgd-temperature",
    title="Constant-η SGD reaches a stationary distribution of temperature ∝ η/B",
    statement=(
        "SGD with constant η on L = ½λx² and gradient noise of variance σ²/B reaches a "
        "stationary distribution of variance Var_∞ = ησ²/(Bλ(2 − ηλ)) for 0 < ηλ < 2 "
        "(temperature T = λVar_∞); the SDE/OU approximation gives ησ²/(2Bλ), i.e. "
        "T = ησ²/(2B) ∝ η/B. In d dimensions Σ solves (I − ηH)Σ(I − ηH)ᵀ + (η²/B)C = Σ "
        "exactly and HΣ + ΣH = (η/B)C in the SDE limit."),
    sources=(
        Source(SEED_001, "The Ghost in the Machine: How Schedules Shape the Solution",
               "The learning rate acts like a **temperature** in this system. A high "
               "[learning rate](@article_id:139716) corresponds to a high temperature, "
               "leading to a wide, diffuse cloud of parameters."),
        Source(SEED_002, "untitled (no headings): the paragraph “We can push this physical "
                         "analogy even further”",
               "it reaches a \"thermal equilibrium,\" a stationary distribution where it "
               "perpetually buzzes around the minimum. The learning rate, it turns out, is "
               "directly proportional to the \"temperature\" of this system—it sets the scale "
               "of this perpetual jiggling."),
        Source(SEED_000, "The Learning Rate in a Stochastic World: Batch Size and Noise",
               "Its variance, which can be thought of as the \"update noise,\" is given by "
               "$\\mathrm{Var}(\\Delta\\theta) = \\eta^2 \\mathrm{Var}(\\hat{g}_B) = "
               "\\frac{\\eta^2 \\sigma^2}{B}$"),
    ),
    derive=_derive_d3,
    model=_model_d3,
    points=_points_d3(),
    figure=_figure_d3,
    simulate=_simulate_d3,
    statistics=("variance of x_T along e₁", "mean loss ½x_TᵀHx_T"),
    validity=_validity_d3,
    findings=(
        "The sources' 'temperature ∝ learning rate' holds exactly only in the SDE limit. "
        "Exact SGD has T = λVar_∞ = ησ²/(B(2 − ηλ)): exactly ∝ 1/B at fixed η, but not ∝ η "
        "— the SDE temperature ησ²/(2B) is only its first order in η. At ηλ = 1 the exact "
        "variance is twice the SDE value and it diverges as ηλ → 2, so holding η/B fixed "
        "(linear scaling) does not hold the exact temperature fixed.",
        "The seeds print only Var(Δθ) = η²σ²/B and the proportionality; the stationary "
        "variances, both Lyapunov equations and the error ηλ/(2 − ηλ) are derived here.",
        "In d dimensions the SDE stationary loss is η tr C/(4B) for every H, commuting with C "
        "or not; the exact loss exceeds it by (η/4)tr(H²Σ) ≥ 0. For non-commuting H, C the "
        "1-D formula applied per eigen-direction (noise projected) is not the covariance.",
    ),
)

CLAIMS = (D3,)
