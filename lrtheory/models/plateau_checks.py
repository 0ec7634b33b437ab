"""Claim H6's problem and its exact checks: reduce-on-plateau closed on the expected loss.

The problem: SGD on L = ½λθ² with gradient noise σ²/B (λ = 1, σ²/B = 1) from E[θ₀²] = 10,
watched by reduce-on-plateau (:mod:`lrtheory.schedules.plateau`) at a claim point's rule.
:func:`expected_loss_run` closes the loop on the exact E[L] (the d → ∞ monitor,
:func:`lrtheory.models.plateau.plateau_on_expected_loss`); :func:`noise_floor` and
:func:`stage_bracket` are the derived floor F(η) and the bracket of a stage's cut
(:mod:`lrtheory.symbolic.plateau`). The model checks compare them: :func:`stage_checks`
(each cut's epoch and the loss then), :func:`step_checks` (against step decay with the same
factor) and :func:`edge_check` (the derived η_δ against bisection on the simulated rule).
:func:`excess_rows` is the validity sweep of the excess at the first cut over rates, and
:func:`feedback_runs` the chains that close the loop on their own loss instead.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np

from lrtheory.claim import ModelCheck, Point
from lrtheory.errors import check_int, check_positive, check_real
from lrtheory.models import plateau as mp
from lrtheory.models.rounding import RECURSION_ROUNDING_REASON, recursion_rounding
from lrtheory.schedules.plateau import PlateauSchedule, reduce_on_plateau
from lrtheory.symbolic import plateau as sh

LAM, SIGMA, BATCH, M0 = 1.0, 2.0, 4.0, 10.0  # s² = σ²/B = 1; E[θ₀²] = 10 (L₀ = 30 F(½))
S2 = SIGMA**2 / BATCH


def schedule_of(point: Point) -> PlateauSchedule:
    """A point's rule: reduce-on-plateau from η₀ with its factor, patience and threshold."""
    q = point.params
    return reduce_on_plateau(q["eta0"], factor=q["factor"], patience=int(q["patience"]),
                             threshold=q["threshold"])


def noise_floor(rate: float) -> float:
    """The derived floor F(η) for this problem."""
    return float(sh.numeric()["floor"](check_positive("rate", rate), LAM, SIGMA, BATCH))


def expected_loss_run(point: Point) -> mp.PlateauRun:
    """The loop closed on E[L] for a point's rule and horizon (cached by its parameters)."""
    return _run_at(tuple(sorted(point.params.items())))


@cache
def _run_at(key: tuple[tuple[str, float], ...]) -> mp.PlateauRun:
    point = Point("", dict(key))
    q = point.params
    return mp.plateau_on_expected_loss(schedule_of(point), LAM, S2,
                                       int(q["steps"]) // int(q["epoch"]), int(q["epoch"]), M0)


def stage_bracket(point: Point, start: int, rate: float, gap: float,
                  fresh: bool) -> tuple[int, int]:
    """The derived bracket for a stage's cut (:func:`sh.cut_bracket`), in epochs of the run
    (``fresh``: the best is this stage's own, as after the first epoch of a run)."""
    q = point.params
    start = check_int("start", start, 0)
    rate, gap = check_positive("rate", rate), check_real("gap", gap)
    a = sh.numeric()["A"](rate, LAM, int(q["epoch"]))
    lo, hi = sh.cut_bracket(gap, q["threshold"], noise_floor(rate), a, int(q["patience"]), fresh)
    return start + lo, start + hi


def stage_checks(point: Point) -> list[ModelCheck]:
    """The first four cuts of the loop on E[L]: each epoch against its derived bracket and,
    for a stage started above its floor, the loss seen then against [F, F(1 + excess)]."""
    q, run = point.params, expected_loss_run(point)
    e, pat = int(q["epoch"]), int(q["patience"])
    checks = []
    for i, (first, rate, cut) in enumerate(run.stages()[:4]):
        gap = float(run.loss[first * e]) - noise_floor(rate)
        lo, hi = stage_bracket(point, first, rate, gap, fresh=i == 0)
        checks.append(ModelCheck(
            f"cut {i + 1} (η = {rate:.4g}): epoch vs the derived bracket [{lo}, {hi}]",
            (lo + hi) / 2, float(cut), (hi - lo) / 2,
            "derived bracket of the integer epoch (the rule's float comparisons are exact "
            "away from ties)"))
        a = sh.numeric()["A"](rate, LAM, e)
        if gap > 0 and 1.0 - q["threshold"] - a ** (pat + 1) > 0:  # from above the floor
            floor, seen = noise_floor(rate), float(run.loss[cut * e])
            bound = floor * sh.numeric()["excess"](q["threshold"], a, pat)
            checks.append(ModelCheck(
                f"cut {i + 1}: E[L] seen then vs [F, F(1 + δA^{{p+1}}/(1 − δ − A^{{p+1}}))]",
                floor + bound / 2, seen, bound / 2 + recursion_rounding(cut * e, seen),
                f"derived bracket, plus {RECURSION_ROUNDING_REASON}"))
    return checks


def step_checks(point: Point) -> list[ModelCheck]:
    """E[L_T] of the plateau run against step decay with the same factor (exact recursion)."""
    q, run = point.params, expected_loss_run(point)
    c = mp.step_comparison(q["eta0"], q["factor"], LAM, S2, run.rates.size,
                           len(run.reductions), M0)
    why = ("a comparison of two schedules (step decay against reduce-on-plateau, both exact "
           "recursions): no closed form relates them, the gap is reported")
    return [ModelCheck(f"E[L_T]: step decay every {c.matched_every} steps (the same cuts, "
                       "evenly spaced) vs the plateau rule", c.matched_loss, float(run.loss[-1]),
                       0.0, "comparison", exact=False, breakdown=why),
            ModelCheck(f"E[L_T]: the best step decay for T = {run.rates.size} (every "
                       f"{c.best_every} steps) vs the plateau rule", c.best_loss,
                       float(run.loss[-1]), 0.0, "comparison", exact=False, breakdown=why)]


def edge_check(point: Point) -> ModelCheck:
    """The derived η_δ against bisection on the simulated rule (:func:`mp.window_edge`)."""
    q = point.params
    pat, e, d = int(q["patience"]), int(q["epoch"]), q["threshold"]
    closed = float(sh.numeric()["edge"](d, e, pat, LAM))
    found = mp.window_edge(schedule_of(point), LAM, S2, e, closed / 4, 4 * closed, 40, 1e12)
    # From a gap 10¹² × F the edge is where 1 − δ − A^{p+1} = δF/g, not 0: A^{p+1} moves by
    # ≤ 1e-12·δ, i.e. η by that over |dA^{p+1}/dη| (derived).
    slope = abs(sh.numeric()["window_slope"](closed, LAM, e, pat))
    return ModelCheck("η_δ = (1 − (1 − δ)^{1/(2E(p+1))})/λ vs bisection of 'a window can still "
                      "improve by δ' on the simulated rule", closed, found.value,
                      found.tolerance + 2e-12 * d / slope, f"bisection, {found.halvings} "
                      "halvings, plus the finite start gap's shift")


#: the excess sweep (validity of "each cut comes near the floor"): its rule and rates
V_DELTA, V_PATIENCE, V_EPOCH, V_FACTOR = 0.01, 2, 1, 0.5
VALIDITY_RATES = tuple(float(x) for x in np.geomspace(0.5, 1.5e-3, 24))


@cache
def excess_rows() -> tuple[tuple[float, ...], tuple[float, ...], tuple[float, ...]]:
    """(x = δ/(1 − A^{p+1}), measured excess (L_R − F)/F at the first cut, derived bound)
    over a grid of rates, each run from the floor of η/f (where the previous stage ends)."""
    sched = reduce_on_plateau(1.0, factor=V_FACTOR, patience=V_PATIENCE, threshold=V_DELTA)
    rates = np.array(VALIDITY_RATES)
    start = np.array([2 * noise_floor(r / V_FACTOR) / LAM for r in rates])
    _, seen = mp.first_cut(sched, LAM, S2, rates, start, V_EPOCH, 20000)
    floors = np.array([noise_floor(r) for r in rates])
    a = sh.numeric()["A"](rates, LAM, V_EPOCH)
    x = V_DELTA / (1 - a ** (V_PATIENCE + 1))
    bound = [sh.numeric()["excess"](V_DELTA, ai, V_PATIENCE) if xi < 1 else math.inf
             for ai, xi in zip(a, x, strict=True)]
    return tuple(x), tuple((seen - floors) / floors), tuple(bound)


def feedback_runs(point: Point, dim: int, chains: int, steps: int, seed: int,
                  cuts: int) -> mp.FeedbackRuns:
    """Chains each closing the loop on its own loss (d = ``dim`` directions), recording the
    epochs of their first ``cuts`` cuts."""
    e = int(point.params["epoch"])
    return mp.feedback_runs(schedule_of(point), LAM, S2, dim, steps // e, e, math.sqrt(M0),
                            chains, seed, cuts)
