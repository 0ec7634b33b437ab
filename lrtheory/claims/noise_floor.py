"""D5 schedule-noise-floor: constant η stalls at a noise floor; which decay ends lowest."""

from __future__ import annotations

import itertools
import math
from functools import cache
from typing import Any

import numpy as np
import sympy as sp

from lrtheory import schedules as sch
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
from lrtheory.claims import noise_floor_rows as fr
from lrtheory.models import schedule_ranking as sr
from lrtheory.models import sde_moments as sm
from lrtheory.models.rounding import EPS, gamma
from lrtheory.montecarlo.runner import Ensemble
from lrtheory.montecarlo.stats import mean_statistic
from lrtheory.plotting import new_figure
from lrtheory.results import ClaimResult
from lrtheory.sources import SEED_001, SEED_003
from lrtheory.symbolic import lyapunov as sl
from lrtheory.symbolic import sde_moments as ss

eta, eta0, lam, sigma, B, T, k = sp.symbols("eta eta_0 lambda sigma B T k", positive=True)
t = ss.TIME
S2 = sigma**2 / B
SIMULATED = ("cosine", "linear decay", "exponential", "step decay")
REFERENCE = "linear decay"
PAIRS = tuple(itertools.combinations(SIMULATED, 2))
SDE_CHECKED = ("constant", "linear decay", "cosine")

# --------------------------------------------------------------------------------------
# Derivation
# --------------------------------------------------------------------------------------


@cache
def _derive() -> dict[str, Any]:
    """The noise floor of constant η and the end-of-run laws of linear and cosine decay."""
    recursion = ss.moment_ode(lam, S2)["recursion"].subs(ss.ETA(t), eta)
    a, q = sl.affine_coefficients(recursion, ss.V)  # m_{t+1} = a·m_t + q
    r: dict[str, Any] = {"recursion": recursion, "stationary": sp.factor(q / (1 - a))}
    r["path"] = sl.affine_recursion_solution(a, q, sl.V0, sl.STEP)
    r["floor"] = sp.factor(lam / 2 * r["stationary"])
    r["floor_first"] = sp.series(r["floor"], eta, 0, 2).removeO()
    lin, cos = sch.linear_decay(eta0, T), sch.cosine(eta0, T)
    r["int_lin"], r["int_cos"] = sch.integrals(lin, t, T), sch.integrals(cos, t, T)
    r["end_lin"], r["end_cos"] = ss.end_profile(lin(t), t, T), ss.end_profile(cos(t), t, T)
    (a_lin, p_lin), (a_cos, p_cos) = r["end_lin"], r["end_cos"]
    r["v_lin"] = ss.end_variance(a_lin, p_lin, lam, S2)
    r["v_cos"] = ss.end_variance(a_cos, p_cos, lam, S2)
    r["order_lin"] = sp.simplify(T * sp.diff(r["v_lin"], T) / r["v_lin"])
    r["order_cos"] = sp.simplify(T * sp.diff(r["v_cos"], T) / r["v_cos"])
    r["ratio"] = sp.simplify((r["v_cos"] / r["v_lin"]).subs(T, k / (lam * eta0)))
    r["k_star"] = sp.solve(sp.Eq(r["ratio"], 1), k)[0]
    r["ratio_small_k"] = sp.simplify(r["int_cos"][1] / r["int_lin"][1])
    return r


def _derive_d5() -> Derivation:
    r = _derive()
    (a_l, p_l), (a_c, p_c) = r["end_lin"], r["end_cos"]
    steps = (
        Step.equation("per direction (noise σ_i²/B): the exact recursion at constant η",
                      "m_{t+1}", r["recursion"]),
        Step.equation("its fixed point: stationary variance", "Var_∞", r["stationary"]),
        Step.equation("its loss ½λVar_∞: the noise floor per direction", "L_floor", r["floor"]),
        Step.equation("floor to first order in η (SDE)", "L_floor", r["floor_first"]),
        Step.equation("finite-T variance at constant η (rsolve)", "m_t", r["path"]),
        Step.equation("linear decay: (∫η, ∫η²) over [0, T]", "I", sp.Tuple(*r["int_lin"])),
        Step.equation("cosine: (∫η, ∫η²) over [0, T]", "I", sp.Tuple(*r["int_cos"])),
        Step.equation("linear decay near T: η(T − r) ≈ a rᵖ, (a, p)", "end",
                      sp.Tuple(a_l, p_l)),
        Step.equation("cosine near T: (a, p)", "end", sp.Tuple(a_c, p_c)),
        Step.equation("relaxed direction, linear decay: V(T) = s²∫a²r^{2p}e^{−2λa r^{p+1}/(p+1)}",
                      "V_lin", r["v_lin"]),
        Step.equation("relaxed direction, cosine: same integral", "V_cos", r["v_cos"]),
        Step.equation("V_cos/V_lin in k = λη₀T (relaxation times in the run)", "ratio",
                      r["ratio"]),
        Step.equation("crossover: ratio = 1", "k*", r["k_star"]),
        Step.equation("unrelaxed direction (k → 0): V(T) − V₀ ≈ s²∫η², V_cos/V_lin", "ratio",
                      r["ratio_small_k"]),
    )
    identities = (
        Identity("noise floor per direction ησ²/(2B(2 − ηλ)) > 0: constant η stalls",
                 r["floor"], eta * sigma**2 / (2 * B * (2 - eta * lam)), "derived"),
        Identity("floor to first order: ησ²/(4B) (D3's η tr C/(4B))", r["floor_first"],
                 eta * sigma**2 / (4 * B), "derived"),
        Identity("equal progress ∫η = η₀T/2 for linear decay and cosine", r["int_lin"][0],
                 r["int_cos"][0], "derived"),
        Identity("more noise injected by cosine: ∫η² = 3η₀²T/8 vs η₀²T/3", r["int_cos"][1],
                 r["int_lin"][1], "derived", expect_equal=False),
        Identity("cosine reaches 0 quadratically: p = 2 (linear decay: p = 1)",
                 sp.Tuple(p_c, p_l), sp.Tuple(2, 1), "derived"),
        Identity("linear decay leaves V(T) ∝ T^{−1/2} in a relaxed direction", r["order_lin"],
                 sp.Rational(-1, 2), "derived"),
        Identity("cosine leaves V(T) ∝ T^{−2/3}: decaying schedules go below any floor",
                 r["order_cos"], sp.Rational(-2, 3), "derived"),
        Identity("cosine/linear in a relaxed direction = 1.80·k^{−1/6} → 0", r["ratio"],
                 r["ratio"].subs(k, 1) * k ** sp.Rational(-1, 6), "derived"),
        Identity("crossover k* = 16πΓ(2/3)⁶/9 ≈ 34.4", r["k_star"],
                 16 * sp.pi * sp.gamma(sp.Rational(2, 3)) ** 6 / 9, "derived"),
        Identity("unrelaxed direction: cosine leaves 9/8 of linear decay's noise",
                 r["ratio_small_k"], sp.Rational(9, 8), "derived"),
    )
    return Derivation(steps, identities)


@cache
def _numeric() -> dict[str, Any]:
    r = _derive()
    return {"path": sp.lambdify((eta, lam, sigma, B, sl.V0, sl.STEP), r["path"], "mpmath"),
            "floor": sp.lambdify((eta, lam, sigma, B), r["floor"], "math"),
            "ratio": sp.lambdify(k, r["ratio"], "math"),
            "k_star": float(r["k_star"])}


# --------------------------------------------------------------------------------------
# The exact model (the NQM and its final losses: lrtheory.models.schedule_ranking)
# --------------------------------------------------------------------------------------


def _model_d5(point: Point) -> list[ModelCheck]:
    pr, _, loss = sr.exact_final(point.params)
    names = pr.names
    rates = sm.rates(pr.schedules, pr.T)
    checks = []
    for name, label in (("constant", "rsolve path"),
                        ("step decay", "rsolve path composed over the stages")):
        j = names.index(name)
        stages = sm.constant_stages(pr.schedules[j], pr.T)
        closed = sr.staged_loss(_numeric()["path"], pr,
                                [(rate, round(span)) for rate, span in stages])
        err = sum(0.5 * li * sm.recursion_error_bound(rates[:, j], li, si, pr.m0)
                  for li, si in zip(pr.lam, pr.s2, strict=True))
        tol = err + gamma(2 * pr.lam.size) * float(loss[j]) + EPS * closed
        checks.append(ModelCheck(
            f"{name}: Σ½λ_i·({label}, 30 digits) vs recursion E[L_T]", closed, float(loss[j]),
            tolerance=tol, tolerance_reason="float64 rounding of the recursion (running "
            "bound per direction) and of the sum over directions"))
    floor = sum(_numeric()["floor"](pr.eta0, li, math.sqrt(li), pr.B) for li in pr.lam)
    checks.append(fr.floor_row("constant: noise floor E[L]_∞ = Σησ_i²/(2B(2 − ηλ_i)) vs "
                               "E[L_T]", pr, floor, float(loss[0]), checks[0].tolerance))
    return checks + fr.sde_rows(pr, {n: float(loss[names.index(n)]) for n in SDE_CHECKED},
                                "cosine", REFERENCE)


# --------------------------------------------------------------------------------------
# Monte Carlo: common random numbers across schedules
# --------------------------------------------------------------------------------------


def _simulate_d5(point: Point, ensemble: Ensemble, n: int) -> list[Estimate]:
    """Final losses of the schedules in ``SIMULATED`` on the same noise per chain, θ₀ = √m₀,
    and the differences of ``PAIRS``: means are exactly the recursion's E[L_T] and their
    differences; a difference's negative control is 2 % of the larger of its two losses."""
    pr, _, loss = sr.exact_final(point.params)
    chosen = sm.select(pr.schedules, SIMULATED)
    exact = {name: float(loss[pr.names.index(name)]) for name in SIMULATED}
    pairs = [(SIMULATED.index(a), SIMULATED.index(b)) for a, b in PAIRS]
    kernel = sm.common_noise_sgd(pr.lam, np.sqrt(pr.s2), sm.rates(chosen, pr.T),
                                 math.sqrt(pr.m0), pairs)
    mom = ensemble.run(kernel, n, what=f"D5 schedules on common noise at {point.label}")
    out = [Estimate(f"E[L_T] {name}", exact[name],
                    mean_statistic(mom.mean[j], mom.stderr_mean[j], mom.n))
           for j, name in enumerate(SIMULATED)]
    for i, (a, b) in enumerate(PAIRS):
        col = len(SIMULATED) + i
        out.append(Estimate(f"E[L_T] {a} − {b}", exact[a] - exact[b],
                            mean_statistic(mom.mean[col], mom.stderr_mean[col], mom.n),
                            scale=max(exact[a], exact[b])))
    return out


# --------------------------------------------------------------------------------------
# Validity: the end-of-run law that decides cosine vs linear decay
# --------------------------------------------------------------------------------------

VALIDITY_K = (1.0, 3.0, 10.0, 30.0, 100.0, 300.0, 1000.0)
VALIDITY_ETA_LAM = 0.1


def _validity_d5() -> ValidityDomain:
    law = _numeric()["ratio"]
    exact = sr.cosine_linear_ratio(VALIDITY_K, eta_lam=VALIDITY_ETA_LAM)
    cross = sr.cosine_linear_crossover()
    errors = tuple(abs(law(x) - e) / e for x, e in zip(VALIDITY_K, exact, strict=True))
    return ValidityDomain(
        statement=(
            f"In a direction with noise only, cosine leaves V_cos/V_lin = 1.80·k^{{−1/6}} of "
            f"linear decay's variance at the end of the run (relaxed direction, k = λη₀T ≫ 1) "
            f"and 9/8 when k → 0 (unrelaxed: V ≈ s²∫η²). Against the exact recursion "
            f"(η₀λ = {VALIDITY_ETA_LAM}) the law is off by {errors[0]:.0%} at k = 1, "
            f"{errors[3]:.0%} at k = 30 and {errors[-1]:.1%} at k = {VALIDITY_K[-1]:g}. It "
            f"puts the crossover at k* = 16πΓ(2/3)⁶/9 = {_numeric()['k_star']:.1f}; the exact "
            f"recursion crosses at k = {cross:.1f}: cosine ends lower only in directions that "
            f"relax ≳ {cross:.0f} times during the run."),
        parameter="k = λη₀T",
        values=VALIDITY_K,
        errors=errors,
        error_label="|law − exact|/exact of V_cos(T)/V_lin(T)")


# --------------------------------------------------------------------------------------
# Figure, points, findings
# --------------------------------------------------------------------------------------


def _figure_d5(result: ClaimResult) -> Any:
    from matplotlib.ticker import NullFormatter  # deferred, as in lrtheory.plotting

    fig, axes = new_figure(ncols=2, nrows=2, width=12.0, height=8.0)
    mc_points = [pr for pr in result.points if pr.monte_carlo][:2]
    for ax, pr in zip(axes[0], mc_points, strict=False):
        values = sr.final_losses(dict(pr.point.params))
        order = sorted(values, key=values.__getitem__)
        y = np.arange(len(order))
        ax.plot([values[nm] for nm in order], y, "s", color="0.6", ms=5,
                label="exact recursion")
        for est in pr.monte_carlo[:len(SIMULATED)]:
            name = est.estimate.name.removeprefix("E[L_T] ")
            value, bar = sr.ci_bar(est)
            ax.errorbar([value], [order.index(name)], xerr=bar, fmt="o", color="C3", ms=3,
                        capsize=3)
        ax.plot([], [], "o", color="C3", ms=3, label="Monte Carlo, (1 − α) CI")
        ax.set_yticks(y, order, fontsize=7)
        ax.invert_yaxis()
        ax.set_xscale("log")
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("final expected loss E[L_T] (log scale)")
        ax.set_title(pr.point.label, fontsize=8)
        ax.legend(fontsize=7, loc="upper right")
    ax = axes[1][0]
    key = f"E[L_T] cosine − {REFERENCE}"
    for i, pr in enumerate(mc_points):
        est = next(e for e in pr.monte_carlo if e.estimate.name == key)
        ref = sr.final_losses(dict(pr.point.params))[REFERENCE] / 100  # in % of linear decay
        value, bar = sr.ci_bar(est, ref)
        ax.errorbar([i], [value], yerr=bar, fmt="o", ms=4, capsize=4, color="C3",
                    label="Monte Carlo, (1 − α) CI" if i == 0 else None)
        ax.plot([i], [est.estimate.prediction / ref], "x", color="k", ms=7,
                label="exact recursion" if i == 0 else None)
    ax.axhline(0.0, color="grey", lw=1)
    ax.set_xticks(range(len(mc_points)), [pr.point.label[:22] for pr in mc_points], fontsize=7)
    ax.set_xlim(-0.5, len(mc_points) - 0.5)
    ax.set_ylabel("E[L_T] cosine − linear decay (% of linear decay)")
    ax.set_title("Common random numbers resolve a 2–5 % gap")
    ax.legend(fontsize=7)
    ax = axes[1][1]
    ks = np.geomspace(1.0, 1000.0, 25)
    law = _numeric()["ratio"]
    ax.semilogx(ks, sr.cosine_linear_ratio(ks, 2000) - 1, "o-", ms=3,
                label="exact recursion, T = 2000")
    ax.semilogx(ks, [law(x) - 1 for x in ks], "--", label="relaxed law 1.80·k^(−1/6) − 1")
    ax.axhline(1 / 8, color="C2", ls=":", label="unrelaxed limit 9/8 − 1")
    ax.axhline(0.0, color="grey", lw=1)
    cross = sr.cosine_linear_crossover()
    ax.axvline(cross, color="C3", lw=1, label=f"crossover k = {cross:.1f}")
    ax.set_xlabel("k = λη₀T (relaxation times in the run)")
    ax.set_ylabel("V_cos(T)/V_lin(T) − 1 (one direction, noise only)")
    ax.set_title("Who ends lower depends on λη₀T")
    ax.legend(fontsize=7)
    return fig


_BASE = {"d": 8, "steps": 64, "eta0": 1.0}
SETTINGS = {
    "A": {**_BASE, "lam_min": 0.1, "lam_max": 1.0, "B": 10.0, "m0": 10.0},
    "B": {**_BASE, "lam_min": 0.05, "lam_max": 0.5, "B": 1.0, "m0": 10.0},
    "C": {**_BASE, "lam_min": 0.3, "lam_max": 1.0, "B": 1.0, "m0": 1.0},
    "D": {**_BASE, "lam_min": 0.03, "lam_max": 0.3, "B": 100.0, "m0": 10.0},
    "E": {**_BASE, "lam_min": 0.19, "lam_max": 1.9, "B": 10.0, "m0": 10.0},
}


def _points_d5() -> tuple[Point, ...]:
    return (
        Point("A: λ ∈ [0.1, 1], B = 10, m₀ = 10 (λη₀T ∈ [6.4, 64]): cosine ends lowest",
              SETTINGS["A"]),
        Point("B: λ ∈ [0.05, 0.5], B = 1, m₀ = 10 (λη₀T ∈ [3.2, 32]): linear decay ends "
              "lowest", SETTINGS["B"]),
        Point("C: λ ∈ [0.3, 1], B = 1, m₀ = 1: cosine beats linear decay, exponential "
              "ends lowest", SETTINGS["C"], monte_carlo=False),
        Point("D: λ ∈ [0.03, 0.3], B = 100: floor not reached, constant ends lowest",
              SETTINGS["D"], regime="outside", monte_carlo=False,
              note="bias-dominated: decaying early only slows the descent"),
        Point("E: η₀λ_max = 1.9: constant's floor next to the stability edge",
              SETTINGS["E"], regime="boundary", monte_carlo=False),
    )


def _ranking_findings() -> tuple[str, ...]:
    """The ranking per setting, from the exact recursion (computed, never typed in)."""
    lines = []
    for key in ("A", "B", "C", "D"):
        losses = sr.final_losses(SETTINGS[key])
        names = [n for n, _, _ in sr.ranking(losses)]
        gap = losses["cosine"] / losses[REFERENCE] - 1
        verdict = "practically a tie" if abs(gap) < 0.01 else (
            "cosine wins" if gap < 0 else "linear decay wins")
        best = "is the best" if names[0] == REFERENCE else \
            f"ends {losses[REFERENCE] / losses[names[0]] - 1:.0%} above the best"
        lines.append(
            f"Setting {key}: order {', '.join(names[:4])}, …, {names[-1]}; cosine − linear "
            f"decay = {gap:+.1%} of linear decay's loss ({verdict}); linear decay {best}.")
    short = sr.final_losses({**SETTINGS["A"], "steps": 48})
    lines.append(
        f"The budget alone can flip it: setting A with T = 48 instead of 64 steps has cosine "
        f"{short['cosine'] / short[REFERENCE] - 1:+.1%} against linear decay (winner: "
        f"{sr.ranking(short)[0][0]}).")
    return tuple(lines)


D5 = Claim(
    id="D5",
    slug="schedule-noise-floor",
    title="Constant η stalls at a noise floor; which decaying schedule ends lowest depends on "
          "λη₀T",
    statement=(
        "On a noisy quadratic (NQM) with curvatures λ_i and gradient-noise variances σ_i²/B, "
        "constant η leaves E[L] at the floor Σησ_i²/(2B(2 − ηλ_i)) > 0; a schedule decaying "
        "to 0 goes below it (a relaxed direction keeps V(T) ∝ T^{−1/2} under linear decay, "
        "T^{−2/3} under cosine). At the same peak η₀ and budget T, cosine and linear decay "
        "make the same progress ∫η = η₀T/2; cosine injects 9/8 of the noise ∫η² but anneals "
        "more gently at the end, so it ends lower in directions with λη₀T above a crossover "
        "≈ 24 (exact recursion; 34 by the SDE asymptotics) and higher below it: the ranking "
        "depends on the problem."),
    sources=(
        Source(SEED_001, "The Optimizer's Dilemma: Speed vs. Precision",
               "A constant [learning rate](@article_id:139716) converges quickly to the vicinity"
               " of the minimum but then perpetually bounces around, limited by the noise it "
               "amplifies."),
        Source(SEED_001, "The Optimizer's Dilemma: Speed vs. Precision",
               "some, like [cosine annealing](@article_id:635659), are often found to achieve "
               "a slightly better final result by spending more time at higher learning rates "
               "before a final, rapid decay."),
        Source(SEED_003, "Learning Rate Schedules",
               "providing consistent deceleration that has been shown to be near-optimal for "
               "various deep learning problems, outperforming more complex schedules in "
               "empirical evaluations across image classification and language modeling "
               "tasks."),
    ),
    derive=_derive_d5,
    model=_model_d5,
    points=_points_d5(),
    figure=_figure_d5,
    simulate=_simulate_d5,
    statistics=(*(f"E[L_T] {n}" for n in SIMULATED), *(f"E[L_T] {a} − {b}" for a, b in PAIRS)),
    validity=_validity_d5,
    findings=(
        "Neither source is right in general. Per direction (noise only) cosine ends lower than "
        "linear decay when the direction relaxes ≳ 24 times in the run (λη₀T ≳ 24), by a gap "
        "that grows without bound (−43 % at λη₀T = 1000); below that linear decay ends lower, "
        "by at most 14.4 % (at λη₀T ≈ 3; 9/8 as λη₀T → 0). On an NQM the winner is decided by "
        "where the final loss sits in the spectrum:",
        *_ranking_findings(),
        "Seed 001's mechanism is half right: cosine does not make more progress (∫η = η₀T/2 "
        "for both) and its extra time at high rates costs noise (∫η² = 3η₀²T/8 vs η₀²T/3); its"
        " advantage is the gentle quadratic approach to 0 at the end, which anneals relaxed "
        "directions further (T^{−2/3} vs T^{−1/2}).",
        "Schedules with extra knobs can beat both: exponential decay to η₀/100, exp_range and "
        "polynomial p = 2 all end below cosine and linear decay in setting C; the ranking of "
        "step and exponential decay depends on their factors (fixed here at ×0.1 every T/3 "
        "and γ^T = 0.01), so it is not a property of the "
        "shape alone. When the run ends before the noise floor is reached (setting D), the "
        "constant rate ends lowest: decaying schedules only 'go lower' once noise dominates.",
        "The Monte Carlo runs all schedules on the same noise (common random numbers): the "
        "standard error of cosine − linear decay is about half that of independent runs "
        "(3–5× fewer chains for the same interval), so the 2 % gap of setting A is resolved: "
        "its interval excludes 0.",
    ),
)

CLAIMS = (D5,)
