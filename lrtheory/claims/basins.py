"""Family N: leaving a sharp minimum for a wide one at the edge of stability.

N3 edge-of-stability-escape. The loss is the lower envelope of a sharp and a wide quadratic
well with the sharp minimum at 0 (model: :mod:`lrtheory.models.double_basin`), and GD is
affine on each well with multiplier σ = 1 − ηλ at its minimum. Derived
(:mod:`lrtheory.symbolic.double_basin`): the sharp minimum attracts iff η < 2/λ_s, the wide
one iff η < 2/λ_w; in the window 2/λ_s < η < 2/λ_w the starts still in the sharp well after
T steps form an interval of length b(ρ^(−T) + ρ^(1−T)), ρ = ηλ_s − 1, shrinking to the
repelling minimum alone; the capture interval J = [ℓ, 2x_w − b] sends every escape to the
wide minimum iff x_w ≥ ((2κ − 1)² + 1)b/2; below 2/λ_s the sharp fraction falls to 2b/|J|,
not to 0; beyond 2/λ_w, K = [σ_s b, σ_s² b] traps every orbit from J up to η_c.

Fates are certified, not guessed from a tolerance (:mod:`lrtheory.models.exact_orbits`), so
every prediction is exact at the point's finite T: the Monte Carlo tests the float
simulation against exact rational arithmetic and the SymPy closed forms.
"""

from __future__ import annotations

import functools
from fractions import Fraction
from typing import Any

import numpy as np

from lrtheory.claim import (
    Claim,
    Estimate,
    ModelCheck,
    Point,
    Source,
    ValidityDomain,
)
from lrtheory.models.double_basin import (
    CLASSES,
    SHARP,
    UNDECIDED,
    WIDE,
    DoubleWell,
    basin_kernel,
    class_measures,
    classify,
    exact_fate,
    gd_orbit,
    image_bounds,
    start_grid,
    stays_sharp,
)
from lrtheory.models.exact_orbits import FateMeasures
from lrtheory.models.rounding import EPS
from lrtheory.models.threshold import bisect_threshold
from lrtheory.montecarlo.runner import Ensemble, indicator_proportion
from lrtheory.montecarlo.stats import wilson_interval
from lrtheory.plotting import new_figure
from lrtheory.results import ClaimResult
from lrtheory.sources import SEED_000
from lrtheory.symbolic.double_basin import (
    DESIGN,
    escape_derivation,
    escape_forms,
    fate_fractions,
    sharp_fraction_curve,
    trap_interval,
)

# --------------------------------------------------------------------------------------
# Model: exact propagation, exact orbits of a grid of starts, bisection of the switch
# --------------------------------------------------------------------------------------


def _well(point: Point) -> DoubleWell:
    p = point.params
    return DoubleWell(p["lam_sharp"], p["lam_wide"], p["ridge"], p["x_wide"])


@functools.cache
def _measures(well: DoubleWell, eta: float, steps: int) -> FateMeasures:
    """The exact class measures (cached: the pilot and the main run share them)."""
    return class_measures(well, eta, steps)


EXACT = "exact rational arithmetic (fractions.Fraction) on both sides: no rounding"


def _model_n3(point: Point) -> list[ModelCheck]:
    well, p = _well(point), point.params
    eta, steps = p["eta"], int(p["steps"])
    exact_steps = min(steps, int(p.get("exact_steps", steps)))
    measures = _measures(well, eta, exact_steps)
    predicted = fate_fractions(point.params)
    checks: list[ModelCheck] = []
    if predicted is not None and exact_steps == steps:
        checks += [ModelCheck(f"fraction {name} after T = {steps} (propagation of J)",
                              float(predicted[k]), float(measures.fractions[k]), 0.0, EXACT)
                   for k, name in enumerate(CLASSES)]
    else:
        checks.append(ModelCheck(
            f"fraction ending at either minimum after T = {exact_steps} (both repel)", 0.0,
            float(measures.fractions[SHARP] + measures.fractions[WIDE]), 0.0, EXACT))
    grid = start_grid(well, 96)
    fates = [exact_fate(well, eta, x0, exact_steps)[0] for x0 in grid]
    assigned = [measures.fate(x0) for x0 in grid]
    on_cuts = assigned.count(None)
    checks.append(ModelCheck(
        f"grid starts whose exact orbit ends as the propagation says ({len(grid)} starts, "
        f"{on_cuts} on cuts left out)", float(len(grid) - on_cuts),
        float(sum(a == f for a, f in zip(assigned, fates, strict=True))), 0.0, EXACT))
    a_s = Fraction(eta) * Fraction(p["lam_sharp"])
    if a_s < 2:
        ell, ridge = well.exact_capture[0], Fraction(p["ridge"])
        edge = ell if a_s <= 1 + ridge / abs(ell) else -ridge / (a_s - 1)
        checks.append(ModelCheck(
            f"grid starts ending sharp (exact orbits of {len(grid)} starts) vs the derived "
            "basin [max(ℓ, −b/(ηλ_s − 1)), b]", float(sum(edge <= x0 <= ridge for x0 in grid)),
            float(fates.count(SHARP)), 0.0, EXACT))
    if p.get("bisect"):
        checks += _switch_checks(well, int(p["bisect"]))
    if "K" in p:
        k_lo, k_hi = trap_interval(eta)
        img_lo, img_hi = image_bounds(well, eta, k_lo, k_hi)
        checks += [
            ModelCheck("largest F(x) over K = [σ_s b, σ_s² b]", float(k_hi), float(img_hi),
                       0.0, EXACT),
            ModelCheck("smallest F(x) over K", float(k_lo), float(img_lo), 0.0, EXACT),
            ModelCheck(f"grid starts certified by T = {exact_steps} (none: bounded, never "
                       "settling)",
                       0.0, float(sum(f != UNDECIDED for f in fates)), 0.0, EXACT)]
    return checks


def _switch_checks(well: DoubleWell, steps: int) -> list[ModelCheck]:
    """Bisection on η of 'some start of a fixed grid stays in the sharp well for T steps'."""
    grid = start_grid(well, 24)
    lam = well.lam_sharp
    flip = 2.0 / lam
    switch = bisect_threshold(lambda e: stays_sharp(well, e, grid, steps), 0.5 * flip,
                              1.5 * flip, halvings=20)
    # Finite T: the grid's start nearest 0, h, stays while ρ^(T−1)·h ≤ b (ρ = ηλ_s − 1).
    h = min(abs(x) for x in grid)
    finite = (1.0 + (well.ridge / float(h)) ** (1.0 / (steps - 1))) / lam
    return [
        ModelCheck(f"switch by bisection vs the finite-T switch (1 + (b/h)^(1/(T−1)))/λ_s, "
                   f"T = {steps}", finite, switch.value, switch.tolerance + 4 * EPS * finite,
                   f"bisection: {switch.halvings} halvings of [0.5, 1.5]·2/λ_s (exact "
                   "predicate), plus 4ε for the closed form in floats"),
    ]


# --------------------------------------------------------------------------------------
# Monte Carlo: uniform starts on J
# --------------------------------------------------------------------------------------

N3_STATISTICS = tuple(f"fraction ending {name}" if name in ("sharp", "wide")
                      else f"fraction {name}" for name in CLASSES)


def _simulate_n3(point: Point, ensemble: Ensemble, n: int) -> list[Estimate]:
    well, p = _well(point), point.params
    eta, steps = p["eta"], int(p["steps"])
    m = ensemble.run(basin_kernel(well, eta, steps), n, what="N3 GD orbits from J")
    predicted = fate_fractions(point.params)
    if "K" in p:
        # Every orbit stays in K for ever (derived) and only D could certify (S, W are off):
        # K keeps a distance ≥ 7 from D, far beyond rounding, so no float orbit can differ.
        exact, rounding = predicted, 0.0
    else:
        measures = _measures(well, eta, steps)
        exact, rounding = measures.fractions, measures.rounding
    assert exact is not None
    prediction = predicted if predicted is not None else exact
    return [Estimate(N3_STATISTICS[k], float(prediction[k]), indicator_proportion(m, k, ensemble),
                     scale=1.0, bias_bound=rounding + float(abs(prediction[k] - exact[k])))
            for k in range(len(CLASSES))]


# --------------------------------------------------------------------------------------
# Figure and validity domain
# --------------------------------------------------------------------------------------



def _figure_n3(result: ClaimResult) -> Any:
    well = DoubleWell(**DESIGN)
    lo, hi = well.capture_interval
    fig, (left, right) = new_figure(2)
    xs = np.linspace(lo - 0.6, hi + 0.6, 600)
    left.plot(xs, well.loss(xs), color="black", lw=1.2, label="L = min(q_s, q_w)")
    left.axvspan(lo, hi, color="grey", alpha=0.1, label="capture interval J")
    for eta, x0, color, label in (
            (0.9, -0.9, "C0", "η = 0.9/λ_w (below 2/λ_s): stays"),
            (1.2, 0.05, "C3", "η = 1.2/λ_w (window): escapes")):
        path = [x0]
        for _ in range(30):
            path.append(float(well.step(np.array(path[-1]), eta)))
        left.plot(path, well.loss(np.array(path)), "o-", ms=3, lw=0.7, color=color,
                  alpha=0.8, label=label)
    left.set_ylim(-8, 6)
    left.set_xlabel("x")
    left.set_ylabel("loss L(x)")
    left.set_title("sharp (λ_s = 2) and wide (λ_w = 1) wells")
    left.legend(loc="upper center", fontsize=7)
    # Fractions vs η from a float sweep (1000 starts per η), Wilson 99 % intervals.
    etas = np.linspace(0.05, 3.0, 60)
    n = 1000
    starts = lo + (hi - lo) * (np.arange(n) + 0.5) / n
    with np.errstate(over="ignore", invalid="ignore"):
        ends = gd_orbit(well, etas[:, None], starts[None, :], 120)
    counts = np.array([np.bincount(classify(well, float(e), row), minlength=4)
                       for e, row in zip(etas, ends, strict=True)])
    colors = ("C0", "C2", "C3", "C7")
    for k, (name, color) in enumerate(zip(CLASSES, colors, strict=True)):
        ci = np.array([wilson_interval(int(c), n, 0.01) for c in counts[:, k]])
        right.plot(etas, counts[:, k] / n, color=color, lw=1, label=f"{name} (T = 120)")
        right.fill_between(etas, ci[:, 0], ci[:, 1], color=color, alpha=0.25, lw=0)
        mc = [(pr.point.params["eta"], pr.monte_carlo[k].estimate.sample.value)
              for pr in result.points if pr.monte_carlo]
        right.plot(*zip(*mc, strict=True), "x", color=color, ms=5)
    right.plot([], [], "kx", label="verified Monte Carlo points (own T)")
    a = np.linspace(0.05, 0.999, 200)
    right.plot(a, sharp_fraction_curve(a), "k--", lw=0.8, label="derived sharp fraction")
    for v, text in ((1.0, "2/λ_s"), (2.0, "2/λ_w"), (float(escape_forms()["eta_c"]), "η_c")):
        right.axvline(v, ls=":", color="grey", lw=0.8)
        right.text(v, 1.03, text, ha="center", fontsize=7)
    right.set_xlabel("η · λ_w  (λ_w = 1)")
    right.set_ylabel("fraction of uniform starts on J")
    right.set_title("where GD ends")
    right.set_ylim(-0.02, 1.09)
    right.legend(loc="center right", fontsize=7)
    return fig


VALIDITY_EXCESS = (2.0**-7, 2.0**-5, 2.0**-3, 2.0**-1, 1.0)  # dyadic: short exact fractions
VALIDITY_T = 100


def _validity_n3() -> ValidityDomain:
    """'No orbit stays' is a T → ∞ statement: the exact fraction still in the sharp well after
    T = 100 steps, b(ρ^(−T) + ρ^(1−T))/|J|, against ηλ_s − 2."""
    well = DoubleWell(**DESIGN)
    errors = tuple(float(class_measures(well, (2.0 + d) / well.lam_sharp,
                                        VALIDITY_T)["undecided"]) for d in VALIDITY_EXCESS)
    return ValidityDomain(
        f"'no orbit stays in the sharp well' after T = {VALIDITY_T} steps: the fraction still "
        "there is b(ρ^(−T) + ρ^(1−T))/|J|, ρ = ηλ_s − 1, slow to vanish next to the flip",
        "ηλ_s − 2", VALIDITY_EXCESS, errors, f"fraction still in the sharp well at T = "
        f"{VALIDITY_T}")


# --------------------------------------------------------------------------------------
# The claim
# --------------------------------------------------------------------------------------


def _points_n3() -> tuple[Point, ...]:
    def at(eta: float, steps: int, **extra: float) -> dict[str, float]:
        return {**DESIGN, "eta": eta, "steps": steps, **extra}

    return (
        Point("ηλ_s = 0.5: both minima attract", at(0.25, 8)),
        Point("ηλ_s = 1.5", at(0.75, 8)),
        Point("ηλ_s = 1.96: just below 2/λ_s", at(0.98, 8), regime="boundary"),
        Point("η = 2/λ_s: the flip", at(1.0, 8, bisect=200), regime="boundary",
              note="the sharp well's inner part [−b, b] is a family of neutral 2-cycles"),
        Point("ηλ_s = 2.04: just above 2/λ_s (slow escape)", at(1.02, 50), regime="boundary"),
        Point("ηλ_s = 3: inside the window", at(1.5, 40)),
        Point("ηλ_w = 1.9: window, wide well overshooting", at(1.9, 40)),
        Point("ηλ_w = 2.0625: beyond 2/λ_w, bounded", at(2.0625, 200, K=1, exact_steps=8),
              regime="outside", note="every orbit stays in K and neither minimum attracts"),
        Point("ηλ_w = 3: beyond η_c, divergence", at(3.0, 8), regime="outside"),
    )


_SECTION = "The Exploratory Role of Large Learning Rates"

N3 = Claim(
    id="N3",
    slug="edge-of-stability-escape",
    title="Beyond 2/λ_sharp gradient descent leaves a sharp minimum for a wide one",
    statement=(
        "Two wells of curvature λ_s > λ_w: the sharp minimum attracts iff η < 2/λ_s, the wide "
        "one iff η < 2/λ_w. For 2/λ_s < η < 2/λ_w no orbit stays in the sharp well (every "
        "start but the repelling minimum itself leaves it), and from the capture interval J "
        "derived here every escaping orbit ends at the wide minimum; the fraction of uniform "
        "starts on J ending sharp falls to 2b/|J| as η → 2/λ_s and is 0 from 2/λ_s on."),
    sources=(
        Source(SEED_000, _SECTION,
               "A small, [stable learning rate](@entry_id:634473) might cause an optimizer to "
               "quickly fall into the nearest minimum, which may be a sharp and suboptimal "
               "one. In contrast, a larger learning rate, particularly one set near the edge "
               "of the stability boundary ($\\eta \\lambda_{\\max} \\approx 2$), induces "
               "oscillations in the parameter updates."),
        Source(SEED_000, _SECTION,
               "these oscillations can provide the necessary \"energy\" for the optimizer to "
               "\"jump out\" of a sharp basin and discover a wider, more promising region of "
               "the [loss landscape](@entry_id:140292)."),
        Source(SEED_000, "The Learning Rate and Stability in Quadratic Bowls",
               "The eigenvalues of the iteration matrix $G = I - \\eta H$ are simply "
               "$1 - \\eta \\lambda_i$."),
    ),
    derive=escape_derivation,
    model=_model_n3,
    points=_points_n3(),
    figure=_figure_n3,
    simulate=_simulate_n3,
    statistics=N3_STATISTICS,
    validity=_validity_n3,
    findings=(
        "The source's 'near ηλ_max ≈ 2' is exactly η = 2/λ_s, where the sharp minimum's "
        "multiplier 1 − ηλ_s reaches −1, and the switch is a jump, not a ramp: the fraction of "
        "uniform starts on J ending sharp is bηλ_s/((ηλ_s − 1)|J|) for 1 + b/|ℓ| ≤ ηλ_s < 2, "
        "tends to 2b/|J| (1/6 for the design) as η → 2/λ_s⁻ and is 0 from 2/λ_s on. At "
        "η = 2/λ_s exactly that 1/6 sits on neutral 2-cycles ±x₀ and never settles.",
        "Below the edge the oscillations decay: a start in [−b/(ηλ_s − 1), b] stays in the "
        "sharp well however close η is to 2/λ_s. Read sharply, the seed's 'energy to jump "
        "out' at ηλ_max ≈ 2 is there from 2/λ_s on, where the oscillation's loss grows by "
        "(ηλ_s − 1)² a step and the orbit "
        "crosses the ridge within ⌊ln(b/|x₀|)/ln(ηλ_s − 1)⌋ + 2 steps.",
        "Escape is slow next to the edge: at ηλ_s = 2.04, 2.39 % of the starts are still in "
        "the sharp well after 50 steps (exact b(ρ^(−T) + ρ^(1−T))/|J|; Monte Carlo agrees), "
        "and at ηλ_s = 2 + 1/128, 7.7 % still are after 100 steps (validity domain).",
        "Being caught by the wide well is a property of the landscape, not of η: orbits "
        "leave the sharp well with amplitude up to (2κ − 1)|ℓ|, and for ηλ_w > 1 the wide well "
        "overshoots and can throw them back. J is invariant for every η ≤ 2/λ_w iff "
        "x_w ≥ ((2κ − 1)² + 1)b/2; the design (κ = 2, b = 1, x_w = 5) sits on that bound. A "
        "closer wide well fails: for κ = 4, b = 1, x_w = 9 (bound 25) at ηλ_w = 1.9, 17.8 % "
        "of a grid of starts on [b₁, 2x_w − b] still wander over both wells after 2000 steps, "
        "each with a Lyapunov exponent ≥ 0.19 over the next 4000: chaos, not a slow "
        "transient (tests/test_basins.py).",
        "Beyond 2/λ_w GD does not diverge at once: for 2/λ_w < η < η_c = (1 + √6/2)/λ_w "
        "(design) F maps K = [σ_s b, σ_s² b] ⊃ J into itself while both minima repel, so "
        "every orbit from J stays bounded and never settles (every slope exceeds 1 in "
        "modulus: Lyapunov exponent ≥ ln(ηλ_w − 1) > 0). Divergence starts at η_c: at "
        "ηλ_w = 3, 88.2 % of the starts are certified divergent after 8 steps (exact measure; "
        "11.8 % still undecided).",
    ),
)

CLAIMS = (N3,)
