"""Family H, claim H6: reduce-on-plateau on the noisy quadratic model.

SGD at rate η on L = ½λθ² with gradient noise σ²/B relaxes toward the floor
F(η) = ησ²/(2B(2 − ηλ)): the gap g = E[L] − F shrinks by A = (1 − ηλ)^{2E} per epoch of E
steps. The rule (:mod:`lrtheory.schedules.plateau`) cuts η after p + 1 epochs without a
relative improvement of more than δ over the best loss; watching E[L], a window of w epochs
can show one only while g > G_w = δF/(1 − δ − A^w) (:mod:`lrtheory.symbolic.plateau`). So
each cut comes within a bracket after the gap crosses G_{p+1}, when the loss is at most
F(1 + δA^{p+1}/(1 − δ − A^{p+1})): near the floor while 1 − A^{p+1} ≈ 2E(p + 1)ηλ ≫ δ, and
every p + 1 epochs, wherever the loss is, once it is not. The floors form the staircase
F(η₀f^k).

All of that is for the loop closed on the *expected* loss, the monitor of a run over
d → ∞ directions. A run watching its own loss over d directions sees it fluctuate by
≈ √(2/d) (relative): the validity domain measures how often its first cut falls in the
derived bracket, against √(2/d)/δ (:func:`lrtheory.models.plateau.own_loss_first_cuts`).
"""

from __future__ import annotations

import itertools
import math
from functools import cache
from typing import Any

import numpy as np

from lrtheory.claim import (
    Claim,
    Estimate,
    LazyFindings,
    ModelCheck,
    Point,
    Source,
    ValidityDomain,
)
from lrtheory.models import batch_scaling as bs
from lrtheory.models import nqm
from lrtheory.models import plateau as mp
from lrtheory.models import plateau_checks as pc
from lrtheory.models.batch_scaling import onset
from lrtheory.models.plateau_checks import LAM, M0, S2
from lrtheory.montecarlo.runner import ChunkRNG, Ensemble
from lrtheory.montecarlo.stats import mean_statistic
from lrtheory.plotting import new_figure
from lrtheory.results import ClaimResult
from lrtheory.sources import SEED_002, SEED_003
from lrtheory.symbolic import plateau as sh

# --------------------------------------------------------------------------------------
# The exact model (the problem and its checks: lrtheory.models.plateau_checks)
# --------------------------------------------------------------------------------------


def _model_h6(point: Point) -> list[ModelCheck]:
    checks = pc.stage_checks(point) + pc.step_checks(point)
    if point.regime == "outside":
        checks.append(pc.edge_check(point))
    return checks


# --------------------------------------------------------------------------------------
# Monte Carlo
# --------------------------------------------------------------------------------------

H6_STATISTICS = ("E[L] over the second half of stage 1 (before the 1st cut)",
                 "E[L] over the second half of stage 2 (before the 2nd cut)",
                 "Σ_t [L_{t+1} − (1 − η_tλ)²L_t − ½λη_t²σ²/B], each chain its own rule")


def _windows(run: mp.PlateauRun) -> list[list[int]]:
    e, cuts = run.steps_per_epoch, [0, *run.reductions[:2]]
    return [list(range(-(-(a + b) * e // 2), b * e + 1)) for a, b in itertools.pairwise(cuts)]


def _simulate_h6(point: Point, ensemble: Ensemble, n: int) -> list[Estimate]:
    """(1, 2) chains at the rates the loop on E[L] chose (:func:`nqm.scheduled_sgd`): each
    chain's mean loss over the second half of stages 1 and 2, against the exact recursion's
    mean (no bias). (3) chains each running its own rule on its own, fluctuating loss
    (:func:`mp.plateau_chains`): the summed one-step residuals, mean 0 exactly (η_t is set
    before step t's noise), resolved against Σ_t E[L_{t+1}] (a 2 % error in the one-step
    conditional mean).

    None tests the rule: (1, 2) run a *fixed* schedule, and (3) has mean 0 for any rate set
    before each step's noise, a wrong rule included. The rule is tested by the model checks,
    the tests (PyTorch's transcription, noiseless chains) and the validity domain."""
    q, run = point.params, pc.expected_loss_run(point)
    windows = _windows(run)
    end = windows[1][-1]
    base = nqm.scheduled_sgd([LAM], math.sqrt(S2), run.rates[:end], windows[0] + windows[1],
                             x0=math.sqrt(M0))
    split = len(windows[0])

    def kernel(rng: ChunkRNG) -> Any:
        out, xp = base(rng), rng.xp
        return xp.stack([xp.mean(out[:, :split], axis=1), xp.mean(out[:, split:], axis=1)],
                        axis=1)

    m = ensemble.with_key(0).run(kernel, n, what=f"H6 chains at {point.label}")
    e = int(q["epoch"])
    feedback = mp.plateau_chains(pc.schedule_of(point), LAM, S2, 1, end // e, e, math.sqrt(M0),
                                 [], 0)
    r = ensemble.with_key(1).run(feedback, n, what=f"H6 feedback chains at {point.label}")
    col = mp.feedback_residual_column(0, 0)
    # A 2 % error in the one-step conditional mean E[L_{t+1} | past] would shift the sum by
    # 2 % of Σ_t E[L_{t+1}]: the size the residual is resolved against.
    size = float(np.sum(run.loss[1:end + 1]))
    return [
        *(Estimate(H6_STATISTICS[i], float(np.mean(run.loss[win])),
                   mean_statistic(m.mean[i], m.stderr_mean[i], m.n))
          for i, win in enumerate(windows)),
        Estimate(H6_STATISTICS[2], 0.0, mean_statistic(r.mean[col], r.stderr_mean[col], r.n),
                 scale=size),
    ]


# --------------------------------------------------------------------------------------
# Validity, figure, points
# --------------------------------------------------------------------------------------

V_DIMS, V_CHAINS, V_CLOSE = tuple(10**j for j in range(12, -1, -1)), 400, 0.05  # d-sweep


@cache
def _own_loss_rows() -> tuple[tuple[int, int], tuple[float, ...], tuple[float, ...]]:
    """At the first point: the derived bracket of the first cut, and per d in
    :data:`V_DIMS` the share of :data:`V_CHAINS` chains, each watching its own loss over d
    directions (exact, :func:`mp.own_loss_first_cuts`), whose first cut falls outside it,
    and their median first cut."""
    point = _points_h6()[0]
    q, e = point.params, int(point.params["epoch"])
    gap = float(pc.expected_loss_run(point).loss[e]) - pc.noise_floor(q["eta0"])
    lo, hi = pc.stage_bracket(point, 1, q["eta0"], gap, fresh=True)
    cuts = [mp.own_loss_first_cuts(pc.schedule_of(point), LAM, S2, d, hi + 1, e, math.sqrt(M0),
                                   V_CHAINS, seed=d % 2**32) for d in V_DIMS]
    return ((lo, hi), tuple(float(np.mean((c < lo) | (c > hi))) for c in cuts),
            tuple(float(np.median(c)) for c in cuts))


def _validity_h6() -> ValidityDomain:
    (lo, hi), outside, median = _own_loss_rows()
    q = _points_h6()[0].params
    x = [math.sqrt(2 / d) / q["threshold"] for d in V_DIMS]
    close = max(e for e, xi in zip(outside, x, strict=True) if xi <= V_CLOSE)
    return ValidityDomain(
        statement=(
            f"The bracket [{lo}, {hi}] of the first cut (η₀λ = {q['eta0']:g}, p = "
            f"{int(q['patience'])}, δ = {q['threshold']:g}) is derived for the loop on E[L], "
            "the monitor of a run over d → ∞ directions. With each chain watching its own "
            "loss over d directions (relative fluctuation √(2/d) at the floor), the first cut "
            f"misses it for {outside[-1]:.0%} of {V_CHAINS} chains at d = 1 (median epoch "
            f"{median[-1]:g}); the share outside is 10 % or more from √(2/d)/δ = "
            f"{onset(x, outside, 0.1):.2g}, 50 % or more from {onset(x, outside, 0.5):.2g}, "
            f"and {close:.0%} for √(2/d)/δ ≤ {V_CLOSE:g} (d ≥ "
            f"{2 / (V_CLOSE * q['threshold']) ** 2:.1e}): the bracket describes a run only "
            "when √(2/d) ≪ δ. (|θ|² simulated exactly as a noncentral-χ² Markov chain; "
            f"binomial sd ≤ {0.5 / math.sqrt(V_CHAINS):.1%}.)"),
        parameter="√(2/d)/δ",
        values=tuple(x),
        errors=outside,
        error_label="share of chains whose first cut is outside the derived bracket")


FIGURE_STEPS, SHOWN_CUTS = 250, 6


def _figure_h6(result: ClaimResult) -> Any:
    fig, ((ax_l, ax_r), (ax_c, ax_v)) = new_figure(ncols=2, nrows=2, width=11.5, height=7.6)
    point = next(pr.point for pr in result.points if pr.point.regime == "inside")
    q = point.params
    run = mp.plateau_on_expected_loss(pc.schedule_of(point), LAM, S2, FIGURE_STEPS, 1, M0)
    t = np.arange(1, run.loss.size)
    ax_l.plot(t, run.loss[1:], "-", color="C0", lw=1.4, label="reduce-on-plateau, loop on E[L]")
    starts = [1, *run.reductions, FIGURE_STEPS]
    for i, (a, b) in enumerate(itertools.pairwise(starts)):
        ax_l.hlines(pc.noise_floor(float(run.rates[a])), a, b, color="k", ls=":", lw=1,
                    label="floor ησ²/(2B(2 − ηλ)) of the current η" if i == 0 else None)
    c = mp.step_comparison(q["eta0"], q["factor"], LAM, S2, FIGURE_STEPS, len(run.reductions),
                           M0)
    for s, colour, what in ((c.matched_every, "C2", "same cuts, evenly spaced"),
                            (c.best_every, "C3", "best interval for this T")):
        rates = np.array([q["eta0"] * q["factor"] ** (i // s) for i in range(FIGURE_STEPS)])
        path = 0.5 * LAM * nqm.sgd_second_moments([LAM], S2, rates, M0)[1:, 0]
        ax_l.plot(t, path, "-", color=colour, lw=0.9, label=f"step decay every {s}: {what}")
    k_all = np.arange(1, SHOWN_CUTS + 1)
    for dim, colour, chains in ((1, "C1", 1000), (64, "C4", 150)):
        runs = pc.feedback_runs(point, dim, chains, FIGURE_STEPS, seed=dim,
                                  cuts=SHOWN_CUTS)
        loss, eta_t, cuts = runs.loss, runs.rates, runs.cuts
        ax_l.plot(t, loss[:, 1:].mean(axis=0), "-", color=colour, lw=0.8, alpha=0.8,
                  label=f"each chain its own rule, d = {dim}: mean of {chains} chains")
        ax_r.fill_between(t, *np.percentile(eta_t, [10, 90], axis=0), color=colour,
                          alpha=0.25, lw=0)
        ax_r.plot(t, np.median(eta_t, axis=0), "-", color=colour, lw=1,
                  label=f"each chain its own loss, d = {dim}: median, 10–90 %")
        shown = np.where(cuts > FIGURE_STEPS, np.nan, cuts)
        lo, med, hi = np.nanpercentile(shown, [25, 50, 75], axis=0)
        ax_c.errorbar(k_all + (0.1 if dim == 1 else 0.2), med, yerr=[med - lo, hi - med],
                      fmt="o", ms=3, color=colour, capsize=2,
                      label=f"each chain its own loss, d = {dim}: median, quartiles")
    ax_l.set(yscale="log", xscale="log", xlabel="step t", ylabel="expected loss E[L_t]",
             title=f"η₀λ = {q['eta0']:g}, f = {q['factor']:g}, p = {int(q['patience'])}, "
                   f"δ = {q['threshold']:g}: the staircase of floors")
    ax_l.legend(fontsize=6.5)
    ax_r.loglog(t, run.rates, "-", color="C0", lw=1.4, label="loop on E[L] (d → ∞)")
    ct = float(np.mean([run.rates[j] * j for j in run.reductions[1:]]))
    ax_r.loglog(t[9:], ct / t[9:], "k--", lw=1,
                label=f"c/t, c = {ct:.2g} (mean η·t at the cuts)")
    ax_r.set(xlabel="step t", ylabel="learning rate η_t", title="The rates chosen")
    ax_r.legend(fontsize=7)
    brackets = [pc.stage_bracket(point, first, rate,
                                 float(run.loss[first]) - pc.noise_floor(rate), i == 0)
                for i, (first, rate, _) in enumerate(run.stages()[:SHOWN_CUTS])]
    kk = k_all[:len(brackets)]
    lo_b, hi_b = np.array(brackets).T
    ax_c.errorbar(kk, (lo_b + hi_b) / 2, yerr=(hi_b - lo_b) / 2, fmt="none", color="k",
                  capsize=4, label="derived bracket")
    ax_c.plot(kk, run.reductions[:len(kk)], "s", color="C0", ms=4, label="loop on E[L]")
    ax_c.set(yscale="log", xlabel="cut k", ylabel="epoch of the k-th cut",
             title="When the cuts come")
    ax_c.legend(fontsize=7)
    x, err, bound = pc.excess_rows()
    ax_v.loglog(x, err, "o", ms=3.5, label="exact recursion, first cut")
    ax_v.loglog(x, bound, "-", lw=1, label="derived bound δA^{p+1}/(1 − δ − A^{p+1})")
    ax_v.axvline(1.0, color="grey", ls=":", lw=1, label="η = η_δ: no window can drop by δ")
    ax_v.set(ylim=(1e-5, 10), xlabel="δ/(1 − A^{p+1})", ylabel="(L at the cut − F)/F",
             title="Does the cut come near the floor?")
    ax_v.legend(fontsize=7)
    return fig


def _points_h6() -> tuple[Point, ...]:
    rule = {"factor": 0.5, "patience": 2.0, "threshold": 1e-3, "epoch": 1.0}
    floor = bs.stationary_moment(1.8, LAM, 0.0, S2) * LAM / 2  # F(1.8): the recursion's
    sde = f"{floor / S2:.3g}σ²/B, {floor / (1.8 * S2 / 4):.3g}× the SDE value ησ²/(4B)"
    return (
        Point("η₀λ = 0.5, halving, patience 2, δ = 10⁻³", {**rule, "eta0": 0.5, "steps": 120.0},
              note="every cut inside its derived bracket (model checks)"),
        Point("η₀λ = 1.8: next to the stability edge", {**rule, "eta0": 1.8, "steps": 90.0},
              regime="boundary", note=f"first floor {sde}"),
        Point("δ = 0.2, patience 0, η₀λ = 0.4: the threshold outruns the contraction",
              {"factor": 0.5, "patience": 0.0, "threshold": 0.2, "epoch": 1.0, "eta0": 0.4,
               "steps": 40.0}, regime="outside", monte_carlo=False,
              note="below η_δ the rule cuts every epoch (η_δ bisected in the model checks)"),
        Point("PyTorch's defaults: f = 0.1, patience 10, δ = 10⁻⁴",
              {"factor": 0.1, "patience": 10.0, "threshold": 1e-4, "epoch": 1.0, "eta0": 0.5,
               "steps": 400.0}, monte_carlo=False),
    )


@cache
def _findings() -> tuple[str, ...]:
    """The numbers quoted in the findings, from the models (recursions, chains)."""
    inside, _, outside, torch = _points_h6()
    q, qo, qt = inside.params, outside.params, torch.params
    long = mp.plateau_on_expected_loss(pc.schedule_of(inside), LAM, S2, 400, 1, M0)
    ct = [q["eta0"] * q["factor"] ** (i + 1) * cut for i, cut in enumerate(long.reductions)]
    excess = max((float(long.loss[c]) - pc.noise_floor(q["eta0"] * q["factor"] ** i))
                 / pc.noise_floor(q["eta0"] * q["factor"] ** i)
                 for i, c in enumerate(long.reductions))
    (match_i, best_i), run_i = pc.step_checks(inside), pc.expected_loss_run(inside)
    (_, best_o), run_o = pc.step_checks(outside), pc.expected_loss_run(outside)
    best_t = pc.step_checks(torch)[1]
    edge_o = float(sh.numeric()["edge"](qo["threshold"], int(qo["epoch"]),
                                        int(qo["patience"]), LAM))
    noisy = {}
    for dim, chains in ((1, 400), (64, 100)):
        runs = pc.feedback_runs(inside, dim, chains, run_i.rates.size, seed=dim,
                                  cuts=SHOWN_CUTS)
        noisy[dim] = (float(np.median(runs.rates[:, -1])), float(np.mean(runs.loss[:, -1])))
    side = "lower" if noisy[64][1] < run_i.loss[-1] else "higher"
    guard = " (where the eps = 10⁻⁸ guard stops the cuts)" if noisy[1][0] < 2e-8 else ""
    x, err, bound = pc.excess_rows()
    holds = all(e <= b for e, b in zip(err, bound, strict=True))
    (lo, hi), missed, median = _own_loss_rows()
    at = {d: i for i, d in enumerate(V_DIMS)}
    return (
        f"On the loop closed on E[L] (η₀λ = {q['eta0']:g}, f = {q['factor']:g}, p = "
        f"{int(q['patience'])}, δ = {q['threshold']:g}) the cuts come at epochs "
        f"{', '.join(map(str, long.reductions))}, each with E[L] within {excess:.1e} "
        "(relative) of the current floor ησ²/(2B(2 − ηλ)): the staircase is the floors, and "
        "each cut divides the floor by (2 − fηλ)/(f(2 − ηλ)) "
        f"({pc.noise_floor(1.0) / pc.noise_floor(0.5):.3g} for the first halving from ηλ = 1, → "
        f"{1 / q['factor']:g} as ηλ → 0).",
        "The stages lengthen like 1/η_k (each needs ln(g/G)/(−ln A) epochs, A ≈ 1 − 2ηλ), so "
        f"η_t·t at the cuts stays near {min(ct):.2g}–{max(ct):.2g}: the rule behaves as a c/t "
        "schedule (with λc > ½, D6's fast regime) — until η falls below η_δ ≈ δ/(2E(p + 1)λ), "
        "where no window can drop by δ and it cuts every p + 1 epochs (geometric decay, Σ η_t "
        f"< ∞). At δ = {qo['threshold']:g}, p = {int(qo['patience'])} (η_δλ = {edge_o:.3g}) "
        f"that happens from stage {1 + sum(r >= edge_o for r in run_o.stage_rates())} on: "
        f"{len(run_o.reductions)} cuts in {run_o.rates.size} steps, E[L_T] = "
        f"{run_o.loss[-1]:.3g} against {best_o.closed_form:.3g} for the best step decay.",
        "'Each cut comes near the floor' holds while a window of p + 1 epochs can still show "
        f"a drop larger than δ: with δ = {pc.V_DELTA:g}, p = {pc.V_PATIENCE}, E = {pc.V_EPOCH} and "
        "each stage started at the previous floor, E[L] at the first cut exceeds F(η) by 1 % "
        f"from x = δ/(1 − A^{{p+1}}) = {onset(x, err, 0.01):.2g}, 10 % from "
        f"{onset(x, err, 0.1):.2g} and 50 % from {onset(x, err, 0.5):.2g}; the derived bound "
        f"δA^{{p+1}}/(1 − δ − A^{{p+1}}) {'holds at every' if holds else 'FAILS at some'} "
        f"rate of the sweep ({len(x)} rates, exact recursion).",
        f"Against step decay with the same factor over T = {run_i.rates.size} steps the rule is "
        f"not better: E[L_T] = {best_i.model:.3g} for the plateau rule, {match_i.closed_form:.3g}"
        f" for the same number of cuts evenly spaced and {best_i.closed_form:.3g} for the best "
        "interval (it cuts only after the loss has all but reached the floor, and then waits p "
        "+ 1 epochs more). Its merit is needing no interval: the best one grows with T, and "
        f"with PyTorch's defaults (f = {qt['factor']:g}, p = {int(qt['patience'])}, δ = "
        f"{qt['threshold']:g}) over {int(qt['steps'])} steps the rule reaches "
        f"{best_t.model:.3g} against {best_t.closed_form:.3g} for the best step decay.",
        "With the loop closed on each chain's own loss the rule cuts early and often: what it "
        "compares with δ is then the loss's own fluctuation (relative sd √(2/d) per coordinate "
        f"at the floor: {math.sqrt(2):.2g} at d = 1, {math.sqrt(2 / 100):.2g} at d = 100), not "
        f"the trend. The median first cut comes at epoch {median[at[1]]:g} (d = 1) and "
        f"{median[at[100]]:g} (d = 100) against {run_i.reductions[0]} on E[L] (bracket "
        f"[{lo}, {hi}], missed by {missed[at[1]]:.0%} of chains at d = 1, "
        f"{missed[at[100]]:.0%} at d = 100); at step {run_i.rates.size} "
        f"the median η is {noisy[1][0]:.3g} (d = 1){guard} and {noisy[64][0]:.3g} (d = 64) "
        f"against {run_i.rates[-1]:.3g}, the mean loss {noisy[1][1]:.3g} and "
        f"{noisy[64][1]:.3g} ({side} at this horizon, with η already "
        f"{run_i.rates[-1] / noisy[64][0]:.0f}× "
        f"smaller) against {run_i.loss[-1]:.3g}: once a window's expected drop is below the "
        "noise, a new best is luck and p + 1 unlucky epochs come soon. The loop on E[L] is "
        "the limit √(2/d) ≪ δ (validity domain).",
        "No Monte Carlo check tests the rule: two rerun the noisy quadratic on the schedule the "
        "loop on E[L] chose, and the third checks, chain by chain under feedback, the drift "
        "E[L_{t+1} − L_t | past] = −η_tλ(2 − η_tλ)(L_t − F(η_t)), which holds for any rate set "
        "before the step's noise, a wrong rule included. The rule is tested by the model "
        "checks (cut epochs against the derived bracket, η_δ against bisection), against "
        "PyTorch's ReduceLROnPlateau (tests), and on the noisy loop by the validity domain.",
        "The seeds give the rule only in words (lower η 'whenever progress stalls', 'halving', "
        "'dividing by 10 at plateau points'); the floors, the cut times, their bracket and the "
        "degenerate regime are derived here.",
    )


H6 = Claim(
    id="H6",
    slug="reduce-on-plateau",
    title="Reduce-on-plateau watching the expected loss cuts η when it reaches the current "
          "noise floor — while the threshold is below a window's drop",
    statement=(
        "On the NQM L = ½λθ² with noise σ²/B, reduce-on-plateau (factor f, patience p, "
        "relative threshold δ, epochs of E steps) watching the expected loss E[L] — the "
        "monitor of a run over d → ∞ directions, whose loss does not fluctuate — cuts η_k "
        "within the bracket [⌈t*⌉ + p + 1, ⌈t*⌉ + 2p + 1] epochs of a stage, "
        "t* = ln(δF/(g₀(1 − δ − A^{p+1})))/ln A, A = (1 − η_kλ)^{2E}, when E[L] is within "
        "F·δA^{p+1}/(1 − δ − A^{p+1}) of the floor F(η_k) = η_kσ²/(2B(2 − η_kλ)); the losses "
        "form the staircase of these floors. Below η_δ = (1 − (1 − δ)^{1/(2E(p+1))})/λ the "
        "rule cuts every p + 1 epochs. A run watching its own loss over d directions follows "
        "the bracket only when √(2/d) ≪ δ."),
    sources=(
        Source(SEED_002, "untitled (no headings): the paragraph “This idea of an adaptive, "
                         "multi-phased optimization”",
               "The learning rate might be adjusted downwards whenever progress stalls."),
        Source(SEED_003, "Practical Considerations: Common Pitfalls and Best Practices",
               "A practical debugging case involves stalled training, where iteratively "
               "halving the learning rate—starting from an initial value and reducing by "
               "factors of 2 or 10 while observing loss changes—can identify and resolve "
               "underfitting due to overly aggressive updates"),
        Source(SEED_003, "Warmup and Decay Strategies",
               "the learning rate can undergo step decay by dividing by 10 at plateau points"),
    ),
    derive=sh.derivation,
    model=_model_h6,
    points=_points_h6(),
    figure=_figure_h6,
    simulate=_simulate_h6,
    statistics=H6_STATISTICS,
    validity=_validity_h6,
    findings=LazyFindings(_findings),
)

CLAIMS = (H6,)
