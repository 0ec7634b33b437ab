"""Family H, claim H2: snapshot ensembles under SGDR — diversity and the ensemble's gain."""

from __future__ import annotations

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
from lrtheory.models import snapshot_limits as lim
from lrtheory.models import snapshots as snap
from lrtheory.models.nqm import sgd_second_moments
from lrtheory.models.rounding import RECURSION_ROUNDING_REASON, recursion_rounding
from lrtheory.montecarlo.runner import Ensemble
from lrtheory.montecarlo.stats import mean_statistic
from lrtheory.plotting import new_figure
from lrtheory.results import ClaimResult
from lrtheory.sources import SEED_001, SEED_004
from lrtheory.symbolic import snapshots as sym

LAM, Q, V, RHO, N, M, S = sym.LAM, sym.Q, sym.V, sym.RHO, sym.N, sym.M, sym.S
TAU, T_CYC, ETA0 = sym.TAU, sym.T_CYC, sym.ETA0


# --------------------------------------------------------------------------------------
# Derivation
# --------------------------------------------------------------------------------------


@cache
def _derived() -> dict[str, Any]:
    """Every closed form, computed from the SGD step and the SGDR formula."""
    r: dict[str, Any] = {**sym.cycle_algebra(3), **sym.chain_algebra(), **sym.cosine_tail()}
    # η_min > 0 and T → ∞: the cycle ends at η_min long enough to reach its stationary law.
    r["floor_sym"], r["floor_var"] = sym.floor_variance()
    return r


def _derive_h2() -> Derivation:
    r = _derived()
    steps = (
        Step.equation("one SGD step, gradient λθ + ξ", "θ'", r["step"]),
        Step.equation("a cycle of three steps, composed", "θ_end", r["cycle"]),
        Step.equation("ρ = ∂θ_end/∂θ_start", "ρ", r["rho"]),
        Step.equation("q = s²Σ_t (∂θ_end/∂ξ_t)²: the cycle's noise", "q",
                      sp.factor(sum(r["q_terms"]))),
        Step.equation("stationary variance of θ_{k+1} = ρθ_k + ε_k", "V", r["stationary"]),
        Step("stationary iff ρ² < 1", r["stable"]),
        Step.equation("lag-m covariance: m steps of c ← ρc from c_0 = V", "c_m",
                      r["lag_cov"]),
        Step.equation("diversity D_m = E(θ_{k+m} − θ_k)² = 2V − 2c_m", "D_m", r["diversity"]),
        Step.equation("consecutive snapshots, in ρ and q", "D_1", r["d1"]),
        Step.equation("far-apart snapshots (0 < ρ < 1, m → ∞)", "D_∞", r["d_far"]),
        Step.equation("∂D_1/∂ρ at fixed q", "∂D_1/∂ρ", r["d1_drho"]),
        Step.equation("one cycle of any chain: E(θ_{k+1} − θ_k)², v_k = E θ_k²", "D_{k,k+1}",
                      r["pair"]),
        Step.equation("ensemble of N snapshots: E L(θ̄)/E L(θ_i) = Σ_{ij}ρ^{|i−j|}/N²", "g",
                      r["ens_factor"]),
        Step.equation("ambiguity: mean member loss − ensemble loss, N = 3", "G",
                      r["ambiguity"]),
        Step.equation("expected gain ½λV(1 − g)", "E G", r["gain"]),
        Step.equation("SGDR cycle (η_min = 0)", "η(t)", r["sgdr"]),
        Step.equation("tail of the cycle, τ = T − t → 0", "η", r["tail_rate"]),
        Step.equation("noise the tail leaves: ∫₀^∞ a²τ⁴s² e^{−2λaτ³/3} dτ", "q_tail",
                      r["tail_q"]),
        Step.equation("long cycles: D_1 → 2q_tail", "D_1", r["tail_d1"]),
        Step.equation("η_min > 0, T → ∞: the stationary variance at η_min", "q_∞",
                      r["floor_var"]),
    )
    ids = (
        Identity("cycle multiplier ρ = Π(1 − η_tλ)", r["rho"], r["rho_stated"], "derived",
                 note="three steps; the model checks every T"),
        Identity("cycle noise q = s²Σ_t η_t²Π_{u>t}(1 − η_uλ)², term by term",
                 r["q_terms"], r["q_stated"], "derived"),
        Identity("stationary snapshot variance", r["stationary"], Q / (1 - RHO**2), "derived"),
        Identity("stationary iff |ρ| < 1", r["stable"], sp.Interval.open(-1, 1), "derived"),
        Identity("covariance ρ^{|i−j|}V", r["lag_cov"], RHO**M * V, "derived"),
        Identity("diversity 2V(1 − ρ^m)", r["diversity"], 2 * V * (1 - RHO**M), "derived"),
        Identity("consecutive diversity 2q/(1 + ρ)", r["d1"], 2 * Q / (1 + RHO), "derived"),
        Identity("diversity saturates at 2V", r["d_far"], 2 * V, "derived"),
        Identity("ρ → 0: D_1 = 2q", r["d1_rho0"], 2 * Q, "derived"),
        Identity("unequal cycles: D_{k,k+1} = (1 − ρ_k)²v_k + q_k", r["pair"],
                 (1 - r["pair_moments"][2]) ** 2 * r["pair_moments"][0] + r["pair_moments"][1],
                 "derived"),
        Identity("ensemble factor", r["ens_factor"],
                 (N * (1 + RHO) / (1 - RHO) - 2 * RHO * (1 - RHO**N) / (1 - RHO) ** 2) / N**2,
                 "derived"),
        Identity("independent snapshots (ρ = 0): factor 1/N", r["ens_rho0"], 1 / N, "derived"),
        Identity("ρ → 1: no gain", r["ens_rho1"], sp.Integer(1), "derived"),
        Identity("ambiguity decomposition", r["ambiguity"], r["ambiguity_stated"], "derived"),
        Identity("gain = (λ/4N²)Σ_{i≠j} D_{|i−j|}", r["gain"], r["gain_from_diversity"],
                 "derived"),
        Identity("cosine tail η ≈ π²η₀τ²/(4T²)", r["tail_rate"],
                 sp.pi**2 * ETA0 * TAU**2 / (4 * T_CYC**2), "derived"),
        Identity("long cycles: D_1 ∝ T^(−2/3)", r["tail_exp_T"], sp.Rational(-2, 3), "derived",
                 note="diversity falls with cycle length once ρ ≈ 0"),
        Identity("long cycles: D_1 ∝ η₀^(1/3)", r["tail_exp_eta"], sp.Rational(1, 3),
                 "derived"),
        Identity("'larger restarts … increase the distance': sign of ∂ln D_1/∂ln η₀, long cycles",
                 sp.sign(r["tail_exp_eta"]), sp.Integer(1), "stated", note="seed 004"),
        Identity("'longer cycles … increase the distance': sign of ∂ln D_1/∂ln T, long cycles",
                 sp.sign(r["tail_exp_T"]), sp.Integer(1), "stated", expect_equal=False,
                 note="seed 004; false once ρ ≈ 0: D_1 falls as T^(−2/3) (η_min = 0)"),
        Identity("η_min > 0: q_∞ = s²η_min/(λ(2 − η_minλ))", r["floor_var"],
                 S**2 * r["floor_sym"] / (LAM * (2 - r["floor_sym"] * LAM)), "derived"),
    )
    return Derivation(steps, ids)


# --------------------------------------------------------------------------------------
# The models
# --------------------------------------------------------------------------------------

def _problem(point: Point) -> tuple[np.ndarray[Any, Any], float, list[np.ndarray[Any, Any]]]:
    """(curvatures, noise sd s, the rates of every cycle) of a point: d curvatures spaced
    geometrically from λ_max down to λ_min, SGDR cycles of T₀ steps (T_mult = mult)."""
    p = point.params
    lam = np.geomspace(p["lam_max"], p["lam_min"], int(p["d"]))
    cycles = snap.sgdr_cycles(p["eta0"], int(p["period"]), int(p["cycles"]),
                              int(p["mult"]), p["eta_min"])
    return lam, p["s"], cycles


def _model_stationary(point: Point) -> list[ModelCheck]:
    lam, s, cycles = _problem(point)
    law = snap.stationary_law(lam, s * s, cycles[0])
    rho, q, v = law["rho"], law["q"], law["V"]
    T = cycles[0].size
    rho2_rec = sgd_second_moments(lam, 0.0, cycles[0], m0=1.0)[-1]
    q_rec = sgd_second_moments(lam, s * s, cycles[0], m0=0.0)[-1]
    growth = snap.rounding_growth(lam, np.concatenate([cycles[0], cycles[0]]))
    checks = [
        ModelCheck("Σ_d ρ_d²: product Π(1 − η_tλ), squared, vs the variance recursion "
                   "(no noise, m₀ = 1)", float(np.sum(rho**2)), float(np.sum(rho2_rec)),
                   recursion_rounding(T, float(np.sum(growth * np.maximum(rho**2, 1.0)))),
                   RECURSION_ROUNDING_REASON + ", times the cycle's largest growth"),
        ModelCheck("Σ_d q_d: sum s²Σ η_t²Π(1 − η_uλ)² vs the variance recursion (m₀ = 0)",
                   float(np.sum(q)), float(np.sum(q_rec)),
                   recursion_rounding(T, float(np.sum(growth * q))),
                   RECURSION_ROUNDING_REASON + ", times the cycle's largest growth"),
    ]
    # V: the recursion run B cycles from 0 is V(1 − ρ^{2B}); B makes ρ^{2B} ≤ 1e-13.
    burn = snap.burn_in_cycles(rho, 1e-13)
    v_rec = sgd_second_moments(lam, s * s, np.tile(cycles[0], burn), m0=0.0)[-1]
    remainder = float(np.sum(np.abs(rho) ** (2 * burn) * v))
    checks.append(ModelCheck(
        f"Σ_d V_d: q/(1 − ρ²) vs the variance recursion run {burn} cycles from 0",
        float(np.sum(v)), float(np.sum(v_rec)),
        recursion_rounding(burn * T, float(np.sum(growth * v / (1 - rho**2)))) + remainder,
        f"{RECURSION_ROUNDING_REASON} (÷(1 − ρ²) for the closed form), plus the "
        f"remainder ρ^(2B)V = {remainder:.2g} left after B = {burn} cycles"))
    # Diversity and ensemble: the joint covariance propagated step by step from V.
    n_snap = len(cycles) + 1
    moments = snap.ensemble_moments(lam, snap.snapshot_covariance(lam, s * s, cycles, v))
    closed = snap.chain_predictions(lam, law, n_snap)
    tol = recursion_rounding(n_snap * T + n_snap**2,
                             float(np.sum(growth * (v + np.abs(v * rho)))) * 4)
    why = (RECURSION_ROUNDING_REASON + " of the joint covariance, times the cycle's growth, "
           "over the N² entries")
    checks += [
        ModelCheck("diversity, consecutive snapshots: Σ 2V(1 − ρ) vs covariance model",
                   closed["lag1"], float(moments.diversity[0]), tol, why),
        ModelCheck(f"diversity at lag {n_snap - 1}: Σ 2V(1 − ρ^m) vs covariance model",
                   closed["lag_far"], float(moments.diversity[-1]), tol, why),
        ModelCheck("member loss Σ ½λV vs covariance model", closed["member"],
                   moments.member_loss, tol, why),
        ModelCheck(f"ensemble loss Σ ½λV·g(ρ, {n_snap}) vs covariance model",
                   closed["ensemble"], moments.ensemble_loss, tol, why),
        ModelCheck("gain Σ ½λV(1 − g) vs covariance model (member − ensemble loss)",
                   closed["gain"], moments.member_loss - moments.ensemble_loss, 2 * tol,
                   why + ", for each of the two losses"),
    ]
    return checks


def _model_limits(point: Point) -> list[ModelCheck]:
    """Long cycles, stiffest direction: the tail asymptote (η_min = 0) or the floor
    2s²η_min/(λ(2 − η_minλ)) (η_min > 0) against the exact D_1 = 2q/(1 + ρ)."""
    p = point.params
    lam, s, _ = _problem(point)
    exact = snap.consecutive_diversity(lam[0], p["eta0"], int(p["period"]), p["eta_min"], s * s)
    return [lim.limit_row(s, lam[0], p["eta0"], int(p["period"]), p["eta_min"], exact)]


def _model_unequal(point: Point) -> list[ModelCheck]:
    """T_mult > 1: per-cycle (ρ_k, q_k), v_{k+1} = ρ_k²v_k + q_k and the last pair's
    D_{k,k+1} = (1 − ρ_k)²v_k + q_k against the covariance model, from θ₀ = 0."""
    lam, s, cycles = _problem(point)
    last = snap.chain_pair_diversity(lam, s * s, cycles)[:, -1]
    cov, rates = snap.snapshot_covariance(lam, s * s, cycles, 0.0), np.concatenate(cycles)
    size = float(np.sum(snap.rounding_growth(lam, rates) * cov.diagonal(0, 1, 2).max(axis=1)))
    return [ModelCheck(f"T_mult = {int(point.params['mult'])}: Σ_d D_(k,k+1) of the last pair, "
                       "(1 − ρ_k)²v_k + q_k vs covariance model", float(np.sum(last)),
                       float(np.sum(snap.pair_diversity(cov)[:, -1])),
                       recursion_rounding(rates.size, 4 * size),
                       RECURSION_ROUNDING_REASON + " of the joint covariance")]


def _model_h2(point: Point) -> list[ModelCheck]:
    if point.params.get("limit", 0.0) == 1.0:
        return _model_limits(point)
    if point.params["mult"] != 1:
        return _model_unequal(point)
    return _model_stationary(point)


# --------------------------------------------------------------------------------------
# Monte Carlo
# --------------------------------------------------------------------------------------

H2_STATISTICS = ("mean ‖θ_{k+1} − θ_k‖² over consecutive snapshots",
                 "mean member loss L(θ_k)", "ensemble gain: mean L(θ_k) − L(θ̄)")


def _simulate_h2(point: Point, ensemble: Ensemble, n: int) -> list[Estimate]:
    """SGD run step by step with Gaussian noise from θ₀ ~ N(0, V) (the derived stationary
    law: exact, as every step is linear and Gaussian), N = cycles + 1 snapshots per chain;
    the per-chain means of the three statistics are exactly the closed forms. The ensemble
    enters through its gain (the ambiguity, ≥ 0 per chain), whose spread relative to its
    mean is about 2/3 of that of L(θ̄) itself: half the chains for the same resolution."""
    lam, s, cycles = _problem(point)
    law = snap.stationary_law(lam, s * s, cycles[0])
    kernel = snap.snapshot_kernel(lam, s, cycles, np.sqrt(law["V"]))
    m = ensemble.run(kernel, n, what=f"H2 snapshot chains at {point.label}")
    closed = snap.chain_predictions(lam, law, len(cycles) + 1)
    preds = (closed["lag1"], closed["member"], closed["gain"])
    return [Estimate(name, pred, mean_statistic(m.mean[i], m.stderr_mean[i], m.n))
            for i, (name, pred) in enumerate(zip(H2_STATISTICS, preds, strict=True))]


# --------------------------------------------------------------------------------------
# Validity, figure, points
# --------------------------------------------------------------------------------------

TAIL_GRID = (8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096)


def _validity_h2() -> ValidityDomain:
    """The cosine-tail asymptote of D_1 against the exact D_1 as the cycle lengthens
    (λ = s = 1, η₀ = 0.5, η_min = 0)."""
    errors = tuple(float(e) for e in snap.tail_errors(TAIL_GRID, 1.0, 0.5))
    at = dict(zip(TAIL_GRID, errors, strict=True))
    return ValidityDomain(
        statement=(
            "Once ρ ≈ 0, consecutive snapshots differ by the noise the end of the cycle "
            "leaves: D_1 → 2q_tail = (6π)^(2/3)Γ(2/3)/6 · s²η₀^(1/3)/(λ^(5/3)T^(2/3)), so "
            "longer cycles give LESS diverse snapshots (∝ T^(−2/3)) and amplitude helps only "
            f"as η₀^(1/3). At λη₀ = 0.5 its relative error is {at[16]:.1%} at T = 16, "
            f"{at[64]:.1%} at T = 64 and {at[4096]:.2%} at T = 4096 (it shrinks roughly like "
            "T^(−2/3): the tail spans more steps); with η_min > 0 it does not apply — "
            "D_1 settles at 2s²η_min/(λ(2 − η_minλ))."),
        parameter="cycle length T (steps)",
        values=tuple(float(T) for T in TAIL_GRID),
        errors=errors,
        error_label="(2q_tail − D_1)/D_1")


def _figure_h2(result: ClaimResult) -> Any:
    fig, (ax, ax_e) = new_figure(ncols=2, width=11.5)
    tail = snap.chain_numeric()["tail_d1"]
    periods = np.unique(np.geomspace(2, 3000, 40).astype(int))
    amps = np.array([0.1, 0.25, 0.5, 1.0, 2.0])
    for i, (x, d1) in enumerate(zip(amps, snap.diversity_map(amps, periods).T, strict=True)):
        k = int(np.argmax(d1))
        ax.loglog(periods, d1, color=f"C{i}", label=f"λη₀ = {x:g}")
        ax.loglog(periods, tail(1.0, 1.0, x, periods), ":", color=f"C{i}", lw=1)
        ax.plot(periods[k], d1[k], "v", color=f"C{i}", ms=5)
    ax.plot([], [], "k:", lw=1, label="long-cycle asymptote ∝ η₀^(1/3)T^(−2/3)")
    ax.set(xlabel="cycle length T (steps)",
           ylabel=r"$D_1\lambda^2/s^2,\ D_1 = E(\theta_{k+1}-\theta_k)^2$",
           title="Consecutive-snapshot diversity, one direction (▼ peak)")
    ax.legend(fontsize=8)
    # Right: the first Monte Carlo point's spectrum and cycle length, amplitude varied.
    mc = next(p for p in result.points if p.monte_carlo)
    p, n_snap = mc.point.params, int(mc.point.params["cycles"]) + 1
    lam = np.geomspace(p["lam_max"], p["lam_min"], int(p["d"]))
    amps = np.linspace(0.05, 2.0, 30) / p["lam_max"]
    sweep = snap.amplitude_sweep(lam, p["s"] ** 2, int(p["period"]), amps, n_snap)
    ax_d = ax_e.twinx()
    ax_d.grid(False)
    styles = (("lag1", ax_d, "C2", "--", "diversity ΣD₁ (right axis)"),
              ("member", ax_e, "C0", "-", "member loss E L(θ_k)"),
              ("gain", ax_e, "C3", "-.", "gain E L(θ_k) − E L(θ̄)"))
    for (key, axis, color, line, label), res in zip(styles, mc.monte_carlo, strict=True):
        axis.plot(amps, sweep[key], line, color=color)
        ax_e.plot([], [], line, color=color, label=label)
        v, (lo, hi) = res.estimate.sample.value, res.test.interval
        axis.errorbar([p["eta0"]], [v], yerr=[[v - lo], [hi - v]], fmt="o", color=color,
                      ms=4, capsize=3)
    ax_e.plot(amps, sweep["ensemble"], color="C1", label=f"ensemble loss E L(θ̄), N = {n_snap}")
    ax_e.plot([], [], "ko", ms=4, label="Monte Carlo, (1 − α) interval")
    ax_d.set_ylabel(r"$E\,\|\theta_{k+1}-\theta_k\|^2$")
    ax_e.set(xlabel="restart amplitude η₀", ylabel="expected loss",
             title=f"{int(p['d'])} directions λ ∈ [{p['lam_min']:g}, {p['lam_max']:g}], "
                   f"T₀ = {int(p['period'])}")
    ax_e.legend(fontsize=8, loc="upper left")
    return fig


def _points_h2() -> tuple[Point, ...]:
    base = {"d": 8, "lam_max": 1.0, "lam_min": 0.01, "s": 1.0, "mult": 1, "eta_min": 0.0,
            "cycles": 3}
    return (
        Point("SGDR T₀ = 10, η₀ = 0.5: four snapshots", {**base, "eta0": 0.5, "period": 10},
              note="ρ from 0.03 (λ = 1) to 0.97 (λ = 0.01)"),
        Point("restart peak η₀λ_max = 2.5 > 2, T₀ = 4", {**base, "eta0": 2.5, "period": 4},
              regime="boundary",
              note="steps at the restart expand (|1 − ηλ| > 1), yet |ρ| < 1: the chain is "
                   "stationary; ρ = −0.27 along λ_max (anti-correlated snapshots)"),
        Point("long cycles T₀ = 40, η₀ = 0.5", {**base, "eta0": 0.5, "period": 40},
              monte_carlo=False, note="stiff directions are past their diversity peak"),
        Point("T₀ = 400, η₀ = 0.5, λ_max: the cosine-tail asymptote",
              {**base, "eta0": 0.5, "period": 400, "limit": 1.0}, regime="outside",
              monte_carlo=False, note="long cycles: diversity ∝ T^(−2/3), falling"),
        Point("T₀ = 400, η_min = 0.05: the floor", {**base, "eta0": 0.5, "period": 400,
              "eta_min": 0.05, "limit": 1.0}, regime="outside", monte_carlo=False,
              note="η_min > 0: D_1 → 2·(stationary variance at η_min)"),
        Point("SGDR T₀ = 5, T_mult = 2, from θ₀ = 0",
              {**base, "eta0": 0.5, "period": 5, "mult": 2, "cycles": 5}, monte_carlo=False,
              note="cycles of 5, 10, 20, 40, 80 steps: no stationary law; per-cycle (ρ_k, q_k)"),
    )


H2 = Claim(
    id="H2",
    slug="snapshot-diversity",
    title="Snapshot ensembles: diversity and the ensemble's gain under SGDR",
    statement=(
        "On the noisy quadratic, snapshots taken at the end of each SGDR cycle form the AR(1) "
        "chain θ_{k+1} = ρθ_k + ε_k with ρ = Π(1 − η_tλ) and Var ε = q = s²Σ_t η_t²"
        "Π_{u>t}(1 − η_uλ)²; stationary iff |ρ| < 1, with variance V = q/(1 − ρ²), "
        "covariance ρ^{|i−j|}V and diversity D_m = E(θ_{k+m} − θ_k)² = 2V(1 − ρ^m) "
        "(D_1 = 2q/(1 + ρ), saturating at 2V). An ensemble of N snapshots has "
        "E L(θ̄) = g(ρ, N)·E L(θ_k), g = [N(1 + ρ)/(1 − ρ) − 2ρ(1 − ρ^N)/(1 − ρ)²]/N², from "
        "1 (ρ → 1) to 1/N (ρ = 0); the gain E L(θ_k) − E L(θ̄) is (λ/4N²)Σ_{i≠j}D_{|i−j|}."),
    sources=(
        Source(SEED_004, "Learning Rate Schedules for Snapshot Ensembling",
               "The amplitude and period of the [learning rate schedule](@entry_id:637198) "
               "directly control the diversity of the ensemble; larger restarts and longer "
               "cycles tend to increase the distance between the snapshot parameters in "
               "[weight space](@entry_id:195741) and the variance in their predictions, "
               "leading to a more diverse and powerful ensemble [@problem_id:3187342]."),
        Source(SEED_004, "Learning Rate Schedules for Snapshot Ensembling",
               "The collected snapshots, when used as an ensemble, often yield better "
               "performance and robustness than any single model."),
        Source(SEED_001, "The Ghost in the Machine: How Schedules Shape the Solution",
               "This is where schedules like **[cosine annealing](@article_id:635659)** or "
               "**Stochastic Gradient Descent with Restarts (SGDR)** come in"),
    ),
    derive=_derive_h2,
    model=_model_h2,
    points=_points_h2(),
    figure=_figure_h2,
    simulate=_simulate_h2,
    statistics=H2_STATISTICS,
    validity=_validity_h2,
    findings=(
        "Amplitude — yes, in this model: at every cycle length tried (T = 2 … 4096, one "
        "direction, 0 < η₀λ ≤ 2) D_1 rises with η₀. For long cycles only as η₀^(1/3) "
        "(derived): the snapshot is set by the cycle's tail, whose rates scale with η₀.",
        "Cycle length — only up to a point. In one direction D_1 peaks at T* ≈ 3.5/(λη₀) "
        "(ρ ≈ 0.18, small-step limit) and then falls as T^(−2/3) (η_min = 0), or settles at "
        "2s²η_min/(λ(2 − η_minλ)) (η_min > 0). Flat directions peak later: on λ ∈ [0.01, 1] "
        "(8 directions, η₀ = 0.5) the weight-space distance ΣD_1 grows from 6.4 (T = 10) to "
        "≈ 37 (T = 320–640) and falls to 29.6 at T = 1280, the λ-weighted ΣλD_1 (prediction "
        "variance of a linear model with input covariance H) peaks at T ≈ 80 (1.09) and is "
        "0.57 at T = 1280, and the stiffest direction's D_1 falls from T = 4 on.",
        "Saturation: D_m = 2V(1 − ρ^m) ≤ 2V. Once ρ ≈ 0 (long or high cycles) consecutive "
        "snapshots are as far apart as independent draws from the stationary law; more "
        "diversity can then come only through V, which the end of the cycle sets.",
        "'More diverse and powerful' — not in a quadratic basin. The ensemble factor "
        "g(ρ, N) depends on ρ alone, i.e. on the relative diversity D_m/2V = 1 − ρ^m; the "
        "absolute diversity also scales with V, the members' own loss. At T = 10 on the "
        "8-direction spectrum, η₀ from 0.1 to 1.9 raises ΣD_1 from 0.32 to 63 and improves "
        "E L(θ̄)/E L(θ_k) from 0.87 to 0.55, yet the ensemble's loss rises from 0.13 to 1.23. "
        "Here snapshots differ by noise only; the different minima the source has in mind "
        "are outside this model.",
        "The gain is diversity, exactly: E L(θ_k) − E L(θ̄) = (λ/4N²)Σ_{i≠j}D_{|i−j|} (the "
        "ambiguity decomposition). A restart peak beyond the per-step bound (η₀λ = 2.5, "
        "T₀ = 4) gives ρ = −0.27: anti-correlated snapshots, g = 0.165 < 1/N = 0.25, better "
        "than independent members — and the chain is still stationary, as |ρ| < 1.",
        "lrtheory's additions: the seeds state the direction of the effects only; the AR(1) "
        "chain, every closed form above, the tail asymptote and g(ρ, N) are derived here.",
    ),
)

CLAIMS = (H2,)
