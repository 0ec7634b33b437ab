"""Family S, claim S10 lr-finder-rule: "one order of magnitude below the divergence point".

On L = ½eᵀHe the divergence point is 2/λ_max (S1), so the rule gives 0.2/λ_max; this module
sets that against the best fixed rate 2/(λ_min+λ_max) (S1), the steepest one-step slope of
the range test (S5) and the worst-case step counts, and simulates the doubling search that
finds the divergence point. The derivation is :mod:`lrtheory.symbolic.lr_finder`, the
machinery :mod:`lrtheory.models.lr_finder`.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from lrtheory.arrays import astype
from lrtheory.claim import Claim, Estimate, ModelCheck, Point, Source, ValidityDomain
from lrtheory.models.lr_finder import (
    check_spectrum,
    continuing_detection,
    contraction,
    detection_law,
    doubling_multiples,
    doubling_search,
    mean_restart_threshold,
    measured_growth,
    measured_worst_case_steps,
    offset_averaged_expectations,
    restart_threshold_bound,
    restart_thresholds,
    search_expectations,
    simulated_restart_thresholds,
    stopping_outcomes,
    threshold_half_width,
    worst_case_steps,
)
from lrtheory.models.quadratic import spd_matrix
from lrtheory.models.range_test import diagonal_hvp
from lrtheory.models.rounding import EPS
from lrtheory.models.threshold import bisect_threshold
from lrtheory.models.worst_case import INTEGER_COUNT_REASON, count_tolerance
from lrtheory.montecarlo.runner import ChunkRNG, Ensemble, indicator_proportion
from lrtheory.montecarlo.stats import mean_statistic
from lrtheory.plotting import new_figure
from lrtheory.results import ClaimResult
from lrtheory.sources import SEED_003
from lrtheory.symbolic.lr_finder import DIVISOR, lr_finder_derivation

HALVINGS = 20  # bisections of each Monte Carlo start's restart threshold η_c


# --------------------------------------------------------------------------------------
# Problems, grids and the exact law of the search
# --------------------------------------------------------------------------------------


@functools.cache
def _problem(d: int, lam_min: float, lam_max: float, seed: int) -> Any:
    """The spectrum of ``spd_matrix``: H = QΛQᵀ, and GD commutes with Q, so every run here
    is in eigen-coordinates; a Gaussian start is Gaussian in either basis."""
    return check_spectrum(np.linalg.eigvalsh(spd_matrix(d, lam_min, lam_max, seed)))


def _point_problem(point: Point) -> Any:
    p = point.params
    return _problem(int(p["d"]), p["lam_min"], p["lam_max"], int(p["matrix_seed"]))


@functools.cache
def _exact(d: int, lam_min: float, lam_max: float, seed: int, steps: int,
           first_above: float, below: int, above: int) -> tuple[tuple[float, ...],
                                                                tuple[float, ...]]:
    """The three predictions (mean stop, P(stop at the first doubling past the limit), mean
    restart threshold) and their quadrature errors; first_above = 0: the first two averaged
    over a uniform grid offset (a log-uniform problem scale)."""
    lam = _problem(d, lam_min, lam_max, seed)
    if first_above:
        law = search_expectations(lam, doubling_multiples(first_above, below, above), steps)
    else:
        law = offset_averaged_expectations(lam, below, above, steps)
    threshold = mean_restart_threshold(lam, steps)
    return ((*(float(v) for v in law.values), threshold.value),
            (*(float(e) for e in law.errors), threshold.error))


def _exact_at(point: Point) -> tuple[tuple[float, ...], tuple[float, ...]]:
    p = point.params
    return _exact(int(p["d"]), p["lam_min"], p["lam_max"], int(p["matrix_seed"]),
                  int(p["steps"]), p["first_above"], int(p["below"]), int(p["above"]))


@functools.cache
def _continuing_stop(d: int, lam_min: float, seed: int, first_above: float,
                     below: int) -> float:
    """Median stop (multiples of 2/λ_max) of the continuing test over 256 starts: one step
    per doubling from ``below`` doublings under the limit, stop at 4× the best loss."""
    lam = _problem(d, lam_min, 1.0, seed)
    starts = np.random.default_rng(3).standard_normal((256, lam.size))
    grid = 2.0 * doubling_multiples(first_above, below, 6) / lam[-1]
    return float(np.median(continuing_detection(diagonal_hvp(lam), starts, grid, 1, 4.0))
                 * lam[-1] / 2.0)


@functools.cache
def _late(steps: int) -> float:
    """P(the search passes over the first rate past the limit, at 1.05·2/λ_max) for runs of
    ``steps`` steps (d = 20, κ = 10)."""
    lam = _problem(20, 0.1, 1.0, 11)
    return 1.0 - float(detection_law(lam, 2.0 * doubling_multiples(1.05, 2, 4) / lam[-1],
                                     steps).flagged[2])


# --------------------------------------------------------------------------------------
# Model: thresholds, nested flags, step counts, the continuing test
# --------------------------------------------------------------------------------------


def _count(name: str, lam: Any, eta: float, tol: float) -> ModelCheck:
    exact = math.log(tol) / math.log(float(contraction(lam, eta)))
    return ModelCheck(name, float(worst_case_steps(lam, eta, tol)),
                      float(measured_worst_case_steps(lam, eta, tol)),
                      count_tolerance(exact, 1e-9), INTEGER_COUNT_REASON)


def _threshold_checks(lam: Any, starts: Any, steps: int) -> list[ModelCheck]:
    """Restart thresholds of fixed starts bisected on simulated runs, against the limit,
    the top-term bound and the closed-form bisection the Monte Carlo kernel uses."""
    limit = 2.0 / float(lam[-1])
    bound = restart_threshold_bound(lam, starts, steps)
    eta_c, width = simulated_restart_thresholds(diagonal_hvp(lam), starts, steps, 0.5 * limit,
                                                2.0 * np.minimum(bound, 2.0 / lam[0]), 44)
    closed = restart_thresholds(lam, starts, steps, 44)
    # Near η_c both computations of L_T − L₀ may disagree in sign only where |L_T − L₀| is
    # below its rounding, ≤ (4T + 2d)ε·Σλc²max(1, |1 − ηλ|^{2T}): a band of that over the
    # slope d(L_T − L₀)/dη = −TΣλ²c²(1 − ηλ)^{2T−1} at η_c.
    base = 1.0 - closed[:, None] * lam
    size = np.sum(lam * starts**2 * np.maximum(1.0, base ** (2 * steps)), axis=1)
    slope = -steps * np.sum(lam**2 * starts**2 * base ** (2 * steps - 1), axis=1)
    band = (4 * steps + 2 * lam.size) * EPS * size / slope
    tol = width + threshold_half_width(lam, 44) + band
    return [
        ModelCheck("starts (of 16) whose restart threshold η_c lies below 2/λ_max", 0.0,
                   float(np.sum(eta_c < limit - width)), 0.0,
                   "integer count: below the limit every run ends below L₀"),
        ModelCheck("starts (of 16) whose η_c exceeds [1 + (2L₀/(λ_maxc₁²))^{1/(2T)}]/λ_max",
                   0.0, float(np.sum(eta_c > bound + width)), 0.0,
                   "integer count: the top term alone already exceeds 2L₀ there"),
        ModelCheck("η_c: closed-form bisection (the kernel's) vs bisection on simulated runs, "
                   "largest gap over 16 starts", 0.0, float(np.max(np.abs(closed - eta_c))),
                   float(np.max(tol)),
                   "both brackets' half-widths plus the band where rounding can flip the sign "
                   "of L_T − L₀: (4T + 2d)ε·Σλc²max(1, (1 − ηλ)^{2T}) over its slope in η")]


def _model_s10(point: Point) -> list[ModelCheck]:
    p = point.params
    lam = _point_problem(point)
    lam_max, lam_min, steps, tol = float(lam[-1]), float(lam[0]), int(p["steps"]), p["tol"]
    limit = 2.0 / lam_max
    thr = bisect_threshold(lambda e: measured_growth(lam, e, 64) < 1.0, 0.5 * limit, 1.6 * limit,
                           halvings=40)
    checks = [ModelCheck(
        "divergence point: bisection on the measured worst-case growth of GD", limit,
        thr.value, thr.tolerance + 128 * EPS / lam_max,
        "bisection width plus the rounding of 64 products (≤ 2ε each) over the slope λ_max")]
    starts = np.random.default_rng(int(p["matrix_seed"])).standard_normal((16, lam.size))
    checks += _threshold_checks(lam, starts, steps)
    hvp = diagonal_hvp(lam)
    grid = 2.0 * doubling_multiples(p["first_above"] or 2**0.5, int(p["below"]),
                                    int(p["above"])) / lam_max
    _, flags = doubling_search(hvp, starts, grid, steps)
    checks.append(ModelCheck(
        "flag patterns (of 16 starts) that are not nested or flag a rate below 2/λ_max", 0.0,
        float(np.sum(np.any(np.diff(flags.astype(int), axis=1) < 0, axis=1)
                     | np.any(flags[:, grid < limit], axis=1))), 0.0,
        "integer count: L_T − L₀ is convex in η and negative below the limit"))
    star = 2.0 / (lam_min + lam_max)
    for name, eta in ((f"worst-case steps to {tol:g} at η_rule = 0.2/λ_max", 0.2 / lam_max),
                      ("… at η_rule for a stop at the first doubling past the limit",
                       0.2 * (p["first_above"] or 2**0.5) / lam_max),
                      ("… at η* = 2/(λ_min+λ_max)", star)):
        checks.append(_count(name, lam, eta, tol))
    found = continuing_detection(hvp, starts, grid, 1, 4.0)
    checks.append(ModelCheck(
        "continuing test (one step per doubling, stop at 4× the best loss): median detected "
        "η vs 2/λ_max", limit, float(np.median(found)), 0.0, "approximation: error measured",
        exact=False, breakdown="a finding: the continuing test stops late (the top direction, "
        "shrunk by the early small rates, needs more doublings to show); 2/λ_max is the "
        "reference, not a predicted stop"))
    return checks


# --------------------------------------------------------------------------------------
# Monte Carlo: the doubling search over random starts (and random problem scales)
# --------------------------------------------------------------------------------------

S10_STATISTICS = ("mean detected divergence point η_det·λ_max/2",
                  "fraction stopping at the first doubling past 2/λ_max",
                  "mean restart threshold η_c·λ_max/2 (first rate whose T-step run ends "
                  "above L₀)")


def _simulate_s10(point: Point, ensemble: Ensemble, n: int) -> list[Estimate]:
    """Each chain: a start e₀ ~ N(0, I) (equivalently, a Haar-random rotation of H) and, at
    the random-scale point, a grid offset u ~ U(0, 1) (a log-uniform λ_max relative to the
    practitioner's η₀). The search runs T GD steps per rate and stops at the first flagged
    one; the start's own threshold η_c — where the grid search only brackets it — is
    bisected HALVINGS times on the closed-form loss change, its mean predicted by
    1 + ∫(1 − P_flag) (Imhof): it tests the law of η_c between the grid rates too. (Where
    the stopping law sits on two grid rates — the fixed grids at T ≥ 3 — the mean stop is
    an affine function of the first-doubling fraction; it adds information at the
    random-scale point, where the stop is continuous, and at T = 1.)"""
    p = point.params
    lam = _point_problem(point)
    lam_max, steps = float(lam[-1]), int(p["steps"])
    j = np.arange(-int(p["below"]), int(p["above"]), dtype=np.float64)

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        lam_x = xp.asarray(lam, dtype=rng.dtype)
        c = rng.normal(lam.size)
        if p["first_above"]:
            x = xp.asarray(p["first_above"] * 2.0**j, dtype=rng.dtype)
            x = xp.broadcast_to(x, (rng.n, j.size))
        else:
            x = 2.0 ** (rng.uniform(1) + xp.asarray(j, dtype=rng.dtype))
        index, _ = doubling_search(diagonal_hvp(lam_x), c, 2.0 * x / lam_max, steps, xp)
        stop = xp.take_along_axis(stopping_outcomes(x), index[:, None], axis=1)[:, 0]
        first = astype(xp, (stop > 1.0) & (stop <= 2.0), rng.dtype)
        threshold = restart_thresholds(lam, c, steps, HALVINGS, xp) * (lam_max / 2.0)
        return xp.stack([stop, first, threshold], axis=1)

    m = ensemble.run(kernel, n, what="S10 doubling searches")
    values, err = _exact_at(point)
    half_width = threshold_half_width(lam, HALVINGS) * lam_max / 2.0
    return [
        Estimate(S10_STATISTICS[0], values[0],
                 mean_statistic(float(m.mean[0]), float(m.stderr_mean[0]), m.n),
                 bias_bound=err[0]),
        Estimate(S10_STATISTICS[1], values[1], indicator_proportion(m, 1, ensemble), scale=1.0,
                 bias_bound=err[1]),
        Estimate(S10_STATISTICS[2], values[2],
                 mean_statistic(float(m.mean[2]), float(m.stderr_mean[2]), m.n),
                 bias_bound=err[2] + half_width),
    ]


def _validity_s10() -> ValidityDomain:
    """P(the search stops later than the first doubling past the limit), the grid's first
    rate past it at 1.05·2/λ_max, against the steps T of each short run."""
    values = (1, 2, 4, 8, 16, 32, 64, 128)
    return ValidityDomain(
        "a doubling search flags the first rate past 2/λ_max (here 1.05·2/λ_max) only if a "
        "run of T steps lets the top direction outgrow the others' decrease",
        "steps per rate T", tuple(float(v) for v in values), tuple(_late(t) for t in values),
        "P(stop later than the first doubling past 2/λ_max)")


def _figure_s10(result: ClaimResult) -> Any:
    lam = _problem(20, 0.1, 1.0, 11)
    lam_max, lam_min = float(lam[-1]), float(lam[0])
    fig, (left, right) = new_figure(2, width=11.0)
    x = np.geomspace(0.02, 1.999, 300)
    left.loglog(x, worst_case_steps(lam, x / lam_max, 1e-2), color="C0",
                label="worst-case steps to 10⁻² (κ = 10)")
    left.axvspan(0.2, 0.4, color="C1", alpha=0.2, label="rule after a doubling search")
    marks = ((0.2, "C1", "--", "rule: 0.2/λ_max"), (0.5, "C2", ":", "steepest one-step slope"),
             (2 * lam_max / (lam_min + lam_max), "C4", "-.", "best fixed η*"),
             (2.0, "C3", "-", "divergence point 2/λ_max"))
    for v, colour, ls, label in marks:
        left.axvline(v, color=colour, ls=ls, label=label)
    left.axvline(2.0 * _continuing_stop(20, 0.1, 11, 2**0.5, 10) / DIVISOR, color="C5",
                 ls=(0, (1, 3)), label="rule after a continuing test (median)")
    left.set(xlabel="η · λ_max", ylabel="steps", title="what the ÷10 rule costs on a quadratic")
    left.legend(fontsize=7)
    xs = np.linspace(1.0005, 2.5, 120)
    for t, colour in ((1, "C0"), (3, "C4"), (10, "C1"), (100, "C2")):
        flagged = detection_law(lam, 2.0 * xs / lam_max, t).flagged
        right.plot(xs, flagged, color=colour, label=f"P(run of T = {t} ends above L₀)")
    for pr in result.points:
        if pr.monte_carlo and pr.point.params["first_above"]:
            r = pr.monte_carlo[1]  # P(stop at the first doubling) = P(flag there)
            right.errorbar([pr.point.params["first_above"]], [r.estimate.sample.value],
                           yerr=[r.test.threshold * r.estimate.sample.se], fmt="D", ms=4,
                           color="k")
    right.set(xlabel="η · λ_max / 2 (multiples of the divergence point)",
              ylabel="P(flag at η) = P(η_c < η), starts e₀ ~ N(0, I)",
              title="restart search: flags exact (Imhof), Monte Carlo ◆")
    right.legend(fontsize=7)
    return fig


_BASE = {"d": 20, "lam_min": 0.1, "lam_max": 1.0, "matrix_seed": 11, "steps": 10,
         "first_above": 2**0.5, "below": 2, "above": 5, "tol": 1e-2}
_POINTS = (
    Point("d = 20, κ = 10, T = 3, first doubling past the limit at 1.41·2/λ_max",
          {**_BASE, "steps": 3}),
    Point("random problem scale (grid offset u ~ U(0, 1)), T = 10",
          {**_BASE, "first_above": 0.0}),
    Point("T = 10, first doubling past the limit at 1.05·2/λ_max",
          {**_BASE, "first_above": 1.05}, regime="boundary",
          note="the top direction grows by only 1.1 per step"),
    Point("one step per rate (T = 1), 1.05·2/λ_max", {**_BASE, "first_above": 1.05,
                                                      "steps": 1}, regime="outside"),
    Point("d = 100, κ = 100, T = 10", {**_BASE, "d": 100, "lam_min": 0.01, "matrix_seed": 5},
          monte_carlo=False),
)


def _findings() -> tuple[str, ...]:
    """The findings, their numbers computed (cheap: step counts, the Imhof law of one
    point, continuing tests on 256 starts)."""
    cost = {}
    for d, lam_min, seed in ((20, 0.1, 11), (100, 0.01, 5)):
        lam = _problem(d, lam_min, 1.0, seed)
        star = 2.0 / (float(lam[0]) + float(lam[-1]))
        cost[d] = (int(worst_case_steps(lam, 0.2 / float(lam[-1]), 1e-2)),
                   int(worst_case_steps(lam, star, 1e-2)))
    random_scale = _exact_at(_POINTS[1])[0]
    stops = {(d, fa, below): _continuing_stop(d, lam_min, seed, fa, below)
             for d, lam_min, seed in ((20, 0.1, 11), (100, 0.01, 5))
             for fa in (2**0.5, 1.05) for below in (2, 10)}
    # η_rule/η* = (x_stop·2/λ_max/10)·(λ_min + λ_max)/2 = x_stop(1 + 1/κ)/10
    share = [x * (1.0 + {20: 0.1, 100: 0.01}[d]) / DIVISOR for (d, _, _), x in stops.items()]
    return (
        "Seed 003 gives no number for 'one order of magnitude below'; read as ÷10, on a "
        "quadratic it is 0.2/λ_max = (κ+1)/(10κ)·η*: 5 to 10 times below the best fixed "
        "rate, so not the 'optimal range' the source's sentence suggests. Its worst-case "
        "speed −ln ρ is about 1/(5κ) against 2/κ at η*: on d = 20, κ = 10 it needs "
        f"{cost[20][0]} steps to 10⁻² against {cost[20][1]} at η* (d = 100, κ = 100: "
        f"{cost[100][0]} against {cost[100][1]}). What the factor buys is margin: the rate "
        "stays stable if λ_max grows up to tenfold.",
        "A doubling search cannot pin the divergence point better than a factor 2: with short "
        "restarts it never stops below 2/λ_max (L_T − L₀ < 0 there, and convex in η), stops "
        f"at the first doubling past it with probability {random_scale[1]:.2f} over random "
        f"problem scales (T = 10 steps per rate), and its stopping point averages "
        f"{random_scale[0]:.2f}·2/λ_max against 1/ln 2 = {1 / math.log(2):.2f} for an ideal "
        "detector, while each start's own threshold η_c averages "
        f"{random_scale[2]:.2f}·2/λ_max: most of the overshoot is the grid's, not the short "
        "runs'. Just past the limit the top direction grows too slowly to show in a short "
        "run: at 1.05·2/λ_max, P(detect) is "
        f"{1 - _late(10):.2f} at T = 10, {1 - _late(32):.2f} at T = 32 and "
        f"{1 - _late(64):.3f} at T = 64 (validity domain).",
        "A continuing test (one run, one step per doubling, stop at 4× the best loss, as in "
        "fast.ai's finder) detects divergence late: the top direction, shrunk by the early "
        "small rates, needs more doublings to show. Over 256 starts its median stop is "
        f"{min(stops.values()):.1f}–{max(stops.values()):.1f}·2/λ_max (κ = 10 and 100, first "
        "doubling past the limit at 1.05 or 1.41·2/λ_max, the test starting 2 or 10 "
        f"doublings below it), so dividing by ten gives {min(share):.2f}–{max(share):.2f}·η*: "
        "the practical test's overshoot and the ÷10 partly cancel, and the rule lands much "
        "nearer η* than 0.2/λ_max.",
        "The rule's rate sits at 2/5 of the steepest one-step slope along the top direction "
        "(1/(2λ_max), S5): below the range test's 'sweet spot', not at it.",
    )


S10 = Claim(
    id="S10",
    slug="lr-finder-rule",
    title="LR finder: a rate one order of magnitude below the divergence point",
    statement=(
        "On a quadratic the divergence point is 2/λ_max, so the rule gives η = 0.2/λ_max: "
        "(κ+1)/(10κ) of the best fixed rate 2/(λ_min+λ_max), 2/5 of the steepest one-step "
        "slope, with contraction 1 − 1/(5κ) — about 10× the worst-case steps of η* for large "
        "κ — but stable for curvatures up to 10λ_max. A doubling search with short restarts "
        "never stops below 2/λ_max (L_T − L₀ is convex in η and negative there) and stops "
        "at the first grid rate past a threshold η_c ≤ [1 + (2L₀/(λ_maxc₁²))^{1/(2T)}]/λ_max; "
        "over random starts the law of η_c, hence of the stopping rate, is exact (Imhof)."),
    sources=(
        Source(SEED_003, "Practical Considerations: Selection and Tuning",
               "the rate is iteratively increased (often by doubling) during a short training "
               "run until the loss diverges sharply, identifying an optimal range."),
        Source(SEED_003, "Practical Considerations: Selection and Tuning",
               "choose a rate approximately one order of magnitude below the divergence point "
               "for stable convergence."),
    ),
    derive=lr_finder_derivation,
    model=_model_s10,
    points=_POINTS,
    figure=_figure_s10,
    simulate=_simulate_s10,
    statistics=S10_STATISTICS,
    validity=_validity_s10,
    findings=_findings(),
)

CLAIMS = (S10,)
