"""Family N: period doubling and chaos of GD on a double well.

N2 period-doubling. GD on L(x) = (x² − 1)²/4 is the odd cubic map f(x) = x − η(x³ − x). The
derivation (fixed points, 2-cycles and their flips η₁ = 1, η₂ = √5 − 1 by elimination, band
merging at 3√3/2 − 1, the boundary crisis at η = 2 where f is conjugate to a Chebyshev
polynomial and λ = ln 3) is :mod:`lrtheory.symbolic.quartic_gd`; the numerical model (the
flip cascade to the 128-cycle, certified trapping boxes, the η = 2 kernel) is
:mod:`lrtheory.models.quartic_gd`. This module states what is checked against what.
"""

from __future__ import annotations

import math
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from lrtheory.claim import Claim, Derivation, Estimate, ModelCheck, Point, Source, ValidityDomain
from lrtheory.models.bifurcation import (
    FEIGENBAUM_DELTA,
    attractor,
    finite_time_lyapunov,
    map_maximum,
    orbit_stays,
)
from lrtheory.models.quartic_gd import (
    arcsine_lyapunov_kernel,
    attracting_cycle,
    cascade,
    chebyshev_rounding_bias,
    exact_at,
    family,
    numeric,
    window_cells,
)
from lrtheory.models.rounding import EPS
from lrtheory.models.threshold import bisect_threshold
from lrtheory.models.trapping import window_lyapunov_kernel
from lrtheory.montecarlo.runner import Ensemble
from lrtheory.montecarlo.stats import mean_statistic
from lrtheory.plotting import new_figure
from lrtheory.results import ClaimResult
from lrtheory.sources import SEED_002
from lrtheory.symbolic.cycles import lyapunov_exponent
from lrtheory.symbolic.quartic_gd import ETA, WINDOWS, X, derivation


def _derive_n2() -> Derivation:
    return derivation()[0]


# --------------------------------------------------------------------------------------
# The numerical model against the closed forms
# --------------------------------------------------------------------------------------


def _rounding(value: float) -> float:
    """Two values computed to 50 digits and rounded to double differ by ≤ 2 ulp."""
    return 2.0 * math.ulp(abs(value))


NEWTON = "Newton in mpmath (50 digits) and the closed form, both rounded to double: 2 ulp"


def _model_window(k: int, point: Point) -> list[ModelCheck]:
    closed = derivation()[1]
    lo, hi = (float(v) for v in WINDOWS[k])
    checks = []
    for eta in (lo, (lo + hi) / 2, hi):
        orbit = attracting_cycle(k, eta)
        top, m = float(max(orbit.points)), float(orbit.multiplier)
        checks += [
            ModelCheck(f"largest {k}-cycle point at η = {eta:g}",
                       exact_at(closed.cycle_point[k], eta), top, _rounding(top), NEWTON),
            ModelCheck(f"{k}-cycle multiplier at η = {eta:g}",
                       exact_at(closed.multiplier[k], eta), m, _rounding(m), NEWTON)]
    burn, steps = int(point.params["burn"]), int(point.params["steps"])
    cells = window_cells(k)
    mid = len(cells) // 2
    eta = cells[mid].etas[0]
    x0 = cells[mid].box[0]  # the worst start: an end of the certified box
    ftle = float(finite_time_lyapunov(family(), eta, np.array([x0]), burn, steps)[0])
    checks.append(ModelCheck(
        f"Lyapunov exponent ln|μ|/{k} at η = {eta:g}: one orbit, {burn} + {steps} steps",
        exact_at(lyapunov_exponent(closed.multiplier[k], k), eta), ftle,
        cells[mid].bias_bound(burn, steps),
        f"certified transient: |(f^{k})'| ≤ {cells[mid].q:.3f} on the trapping box "
        "(interval arithmetic), plus a rounding allowance"))
    return checks


def _model_cascade() -> list[ModelCheck]:
    closed = derivation()[1]
    c = cascade()
    checks = []
    with mpmath.workdps(50):
        for flip, exact in zip(c.flips, closed.flips, strict=False):
            value = numeric(exact, "mpmath")(0)
            checks.append(ModelCheck(
                f"flip of the {flip.period}-cycle: Newton η̂ − ({sp.sstr(exact)})", 0.0,
                float(flip.eta - value), float(flip.error),
                "certified: (f^k)' + 1 changes sign on the continued cycle at η̂ ± h"))
    return checks + _feigenbaum_checks() + _crisis_thresholds()


def _feigenbaum_checks() -> list[ModelCheck]:
    """δ_n against Feigenbaum's δ: bounds on the tail under a stated hypothesis on the
    ratios of successive differences (lrtheory.models.bifurcation.geometric_tail)."""
    c = cascade()
    delta = float(FEIGENBAUM_DELTA)
    n, lo, hi = len(c.ratios) + 1, min(c.difference_ratios), max(c.difference_ratios)
    tail = (f"δ − δ_{n} = Δδ_{n - 1}·Σ_{{j≥1}} r_{n}⋯r_{{{n - 1}+j}} with r_m = Δδ_m/Δδ_{{m−1}}, "
            f"observed in [{lo:.4f}, {hi:.4f}]")
    why = (f"(the r_m tend to 1/δ = {1 / delta:.4f}: δ_m − δ ~ C·δ^−m, renormalization; to "
           "the 1024-cycle they stay in the observed range, tests/test_bifurcation.py); plus "
           "the flips' certified errors")
    return [
        ModelCheck(f"Feigenbaum ratio δ_{n} (flips up to the {c.flips[-1].period}-cycle)",
                   delta, c.tail.value, c.tail.error + c.ratios[-1].error,
                   f"tail bound |Δδ_{n - 1}|·r̄/(1 − r̄): {tail}; holds if no later r_m exceeds "
                   f"r̄ = {hi:.4f} {why}"),
        ModelCheck("Aitken Δ²-extrapolated δ", delta, c.limit.value, c.limit.error,
                   f"{tail}; if every later r_m stays in that range, δ lies in δ_{n} + "
                   f"Δδ_{n - 1}·[f({lo:.4f}), f({hi:.4f})], f(r) = r/(1 − r), and Aitken's "
                   f"value is δ_{n} + Δδ_{n - 1}·f(r_{n - 1}) {why}"),
    ]


def _crisis_thresholds() -> list[ModelCheck]:
    """The merging and boundary crises located by bisection of the critical orbit's fate."""
    closed = derivation()[1]
    checks = []
    fam, crit = family(), numeric(closed.critical)
    v = closed.f.subs(X, closed.critical)
    for name, exact, bounds, bracket, edge in (
            ("bands merge: critical orbit stays positive", closed.crises[0], (0.0, math.inf),
             (1.5, 1.7), closed.f.subs(X, v)),
            ("boundary crisis: critical orbit stays bounded (|x| ≤ 10)", closed.crises[1],
             (-10.0, 10.0), (1.9, 2.1), v - closed.edge)):

        def below(e: float, b: tuple[float, float] = bounds) -> bool:
            return orbit_stays(fam, e, crit(e), 200, *b)

        threshold = bisect_threshold(below, *bracket, halvings=40)
        # The float orbit can decide wrongly only where the quantity that changes sign at
        # the crisis (f(v), resp. v − √((η+2)/η)) is below its rounding, 16ε·10.
        slope = abs(exact_at(sp.diff(edge, ETA), float(exact)))
        slack = 16 * EPS * 10.0 / slope
        checks.append(ModelCheck(
            f"{name} for 200 steps iff η < (bisection)", float(exact), threshold.value,
            threshold.tolerance + slack,
            f"bisection: 40 halvings; plus the rounding 16ε·10 of the critical orbit over "
            f"its slope {slope:.3g} in η"))
    return checks


BRENT_XATOL = 1e-10


def _brent_tolerance(eta: float, x_c: float, peak: float, edge: float) -> tuple[float, str]:
    """Error bound of ``map_maximum(…) − edge`` at a maximiser x_c of f(·, η): Brent's rule
    stops with x within h = 2(√ε|x_c| + xatol/3) of x_c, so f is low by ≤ ½ max|f''|·h² on
    [x_c − h, x_c + h] (f'' = −6ηx is linear: the max is at an end); plus rounding
    ε(16|f(x_c)| + 2|edge| + |gap|): the cubic errs by 8ε·Σ|terms| and Σ|terms| = 2f(x_c) at
    the critical point, √((η+2)/η) by 2ε, the difference by ε."""
    fam = family()
    h = 2 * (math.sqrt(EPS) * abs(x_c) + BRENT_XATOL / 3)
    curv = max(abs(fam.fxx(x_c - h, eta)), abs(fam.fxx(x_c + h, eta)))
    search = 0.5 * curv * h * h
    rounding = EPS * (16 * abs(peak) + 2 * abs(edge) + abs(peak - edge))
    return search + rounding, (
        f"Brent's stopping rule puts x within h = 2(√ε|x_c| + xatol/3) = {h:.3g} of the "
        f"maximiser x_c = {x_c:.4f}; the value is then off by ≤ ½ max|f''|·h² = {search:.2g} "
        f"(|f''| ≤ {curv:.3g}), plus rounding ε(16|f(x_c)| + 2|edge| + |gap|) = "
        f"{rounding:.2g} (cubic: 8ε·Σ|terms|, Σ|terms| = 2f(x_c) at x_c; √: 2ε; difference: ε)")


def _model_crisis(point: Point) -> list[ModelCheck]:
    closed = derivation()[1]
    eta = point.params["eta"]
    fam, crit = family(), numeric(closed.critical)(eta)
    gap = closed.f.subs(X, closed.critical) - closed.edge
    edge = numeric(closed.edge)(eta)
    peak = map_maximum(fam, eta, 0.0, edge, xatol=BRENT_XATOL)
    tol, why = _brent_tolerance(eta, crit, fam.f(crit, eta), edge)
    checks = [ModelCheck(f"critical value − basin edge √((η+2)/η) at η = {eta:g}",
                         exact_at(gap, eta), peak - edge, tol, why)]
    if eta == 2.0:
        slack = 16 * EPS * 10.0
        checks += [
            ModelCheck("f(x_c) = √2 at η = 2 (critical orbit)", math.sqrt(2), fam.f(crit, eta),
                       slack, "rounding of a cubic on |x| ≤ √2: 16ε·Σ|terms| ≤ 16ε·10"),
            ModelCheck("f(√2) = −√2 at η = 2 (the repelling 2-cycle)", -math.sqrt(2),
                       fam.f(math.sqrt(2), eta), slack,
                       "rounding of a cubic on |x| ≤ √2: 16ε·Σ|terms| ≤ 16ε·10")]
    return checks


def _model_n2(point: Point) -> list[ModelCheck]:
    case = int(point.params["case"])
    if case in (1, 2):
        return _model_window(case, point)
    if case == 0:
        return _model_cascade()
    return _model_crisis(point)


# --------------------------------------------------------------------------------------
# Monte Carlo: many (η, x₀)
# --------------------------------------------------------------------------------------

N2_STATISTICS = ("mean finite-time Lyapunov exponent",)


def _simulate_n2(point: Point, ensemble: Ensemble, n: int) -> list[Estimate]:
    """Periodic windows: η uniform on the window, x₀ uniform in the certified trapping box
    of η's piece; after the burn-in the exponent's mean over η is the exact window mean of
    ln|μ(η)|/k, up to the certified transient bias. η = 2: x₀ = √2 cos(πU) (the invariant
    arcsine law, so the mean of the T-step exponent is exactly ln 3 for every T)."""
    case = int(point.params["case"])
    steps = int(point.params["steps"])
    if case in (1, 2):
        cells = window_cells(case)
        burn = int(point.params["burn"])
        kernel = window_lyapunov_kernel(family(), cells, burn, steps)
        prediction = float(derivation()[1].window_mean[case])
        bias = max(c.bias_bound(burn, steps) for c in cells)
    else:
        kernel = arcsine_lyapunov_kernel(point.params["eta"], steps)
        prediction, bias = math.log(3.0), chebyshev_rounding_bias(steps)
    m = ensemble.run(kernel, n, what="N2 GD orbits on the double well")
    return [Estimate(N2_STATISTICS[0], prediction,
                     mean_statistic(float(m.mean[0]), float(m.stderr_mean[0]), m.n),
                     bias_bound=bias)]


# --------------------------------------------------------------------------------------
# Figure and validity domain
# --------------------------------------------------------------------------------------


def _figure_n2(result: ClaimResult) -> Any:
    closed, fam = derivation()[1], family()
    fig, (top, bottom) = new_figure(nrows=2, height=6.4, sharex=True, height_ratios=(3, 2))
    eta = np.linspace(0.6, 1.999, 600)
    crit = numeric(closed.critical, "numpy")(eta)
    both = np.concatenate([eta, eta])
    points, lam = attractor(fam, both, 0.9 * np.concatenate([crit, -crit]), 1000, 80)
    top.plot(np.broadcast_to(both, points.shape).ravel(), points.ravel(), ",", color="C0",
             alpha=0.5)
    e1, e2 = (float(v) for v in closed.flips)
    up = np.linspace(e1, e2, 60)
    a2 = numeric(closed.cycle_point[2], "numpy")(up)
    b2 = 1.0 / (up * a2)  # the cycle's product is 1/η
    for sgn in (1, -1):
        top.plot([0.6, e1], [sgn, sgn], color="C1", lw=1,
                 label="closed forms: x = ±1, 2-cycle" if sgn > 0 else None)
        top.plot(up, sgn * a2, color="C1", lw=1)
        top.plot(up, sgn * b2, color="C1", lw=1)
    merging, boundary = (float(v) for v in closed.crises)
    for i, flip in enumerate(cascade().flips[:5]):
        top.axvline(float(flip.eta), color="C3", lw=0.6, ls="--",
                    label="flips η₁, η₂, … (1 → 2 → 4 …)" if i == 0 else None)
    top.axvline(merging, color="C2", lw=0.8, ls=":", label="bands merge 3√3/2 − 1")
    top.axvline(boundary, color="k", lw=0.8, ls="-.", label="boundary crisis η = 2")
    top.set_ylabel("x on the attractor")
    top.set_title("GD on (x²−1)²/4: period doubling, chaos, crisis")
    top.legend(loc="lower left", fontsize=7)
    half = len(eta)
    bottom.plot(eta, lam[:half], lw=0.7, color="C0", label="finite-time exponent (80 steps)")
    for k, grid in ((1, np.linspace(0.6, e1, 200)), (2, up)):
        lam_k = numeric(lyapunov_exponent(closed.multiplier[k], k), "numpy")
        bottom.plot(grid, lam_k(grid), color="C1", lw=1.2, ls="--",
                    label="ln|1 − 2η|, ½ln|9 − 2(1+η)²|" if k == 1 else None)
    bottom.axhline(0.0, color="grey", lw=0.8)
    for p in result.points:
        for m in p.monte_carlo:
            params = p.point.params
            span = (WINDOWS[int(params["case"])] if int(params["case"]) in WINDOWS
                    else (params["eta"], params["eta"]))
            lo, hi = (float(v) for v in span)
            bottom.errorbar((lo + hi) / 2, m.estimate.sample.value,
                            xerr=(hi - lo) / 2, yerr=3 * m.estimate.sample.se, fmt="o",
                            ms=3, color="C3", label=None)
    bottom.plot([], [], "o", color="C3", ms=3, label="Monte Carlo means (window, η = 2: ln 3)")
    bottom.set_ylim(-2.0, 1.3)
    bottom.set_xlabel("learning rate η")
    bottom.set_ylabel("Lyapunov exponent λ  [per step]")
    bottom.legend(loc="lower right", fontsize=7)
    return fig


def _validity_n2() -> ValidityDomain:
    c = cascade()
    delta = float(FEIGENBAUM_DELTA)
    n = tuple(float(i) for i in range(2, len(c.ratios) + 2))
    return ValidityDomain(
        "δ_n = (η_n − η_{n−1})/(η_{n+1} − η_n) approaches Feigenbaum's δ = 4.6692…; the "
        "error shrinks by ≈ 1/δ per period doubling",
        "n (flip of the 2^{n−1}-cycle)", n,
        tuple(abs(r.value - delta) / delta for r in c.ratios),
        "relative error |δ_n − δ|/δ")


# --------------------------------------------------------------------------------------
# The claim
# --------------------------------------------------------------------------------------


def _points_n2() -> tuple[Point, ...]:
    return (
        Point("period 1: η ~ U[0.7, 0.8]", {"case": 1, "burn": 200, "steps": 16},
              note="x₀ uniform in a certified trapping box of the minimum, |f'| ≤ 0.86"),
        Point("period 2: η ~ U[1.16, 1.2]", {"case": 2, "burn": 400, "steps": 16},
              note="x₀ uniform in a certified trapping box of the 2-cycle, |(f²)'| ≤ 0.87"),
        Point("cascade: flips of the 1-, 2-, …, 128-cycles", {"case": 0}, regime="boundary",
              monte_carlo=False, note="each flip is the edge of a periodic window"),
        Point("η = 2: boundary crisis (f ≅ −√2·T₃)", {"case": 3, "eta": 2.0, "steps": 8},
              regime="boundary", note="x₀ = √2 cos(πU), the invariant arcsine law"),
        Point("η = 2.05: beyond the crisis", {"case": 3, "eta": 2.05}, regime="outside",
              monte_carlo=False, note="the critical value leaves the basin: orbits diverge"),
    )


_SECTION = "untitled (no headings): the paragraph “The story of the learning rate”"

N2 = Claim(
    id="N2",
    slug="period-doubling",
    title="Raising η drives GD on a double well through period doubling into chaos",
    statement=(
        "GD x ← x − η(x³ − x) on L = (x²−1)²/4: the minima attract for η < 1 and flip at "
        "η₁ = 1; the 2-cycles attract on (1, √5 − 1) and flip at η₂ = √5 − 1; the later flips "
        "accumulate at η_∞ ≈ 1.3022835 with ratios tending to Feigenbaum's δ; beyond, the "
        "Lyapunov exponent turns positive, the bands merge at 3√3/2 − 1 and at η = 2 (λ = "
        "ln 3) a crisis destroys the attractor."),
    sources=(
        Source(SEED_002, _SECTION,
               "By simply increasing the learning rate, one can observe the training process "
               "go from converging to a single stable solution (a period-1 cycle), to "
               "oscillating between two solutions (a period-2 cycle), then four, then eight, "
               "in a classic period-doubling cascade that is a hallmark of the onset of chaos."),
        Source(SEED_002, "untitled (no headings): the paragraph “This is a stunning "
               "revelation”",
               "The humble learning rate is not just a step size; it's a bifurcation parameter "
               "that can guide the dance of learning from a simple march into an intricate, "
               "chaotic ballet."),
    ),
    derive=_derive_n2,
    model=_model_n2,
    points=_points_n2(),
    figure=_figure_n2,
    simulate=_simulate_n2,
    statistics=N2_STATISTICS,
    validity=_validity_n2,
    findings=(
        "The source's words are qualitative and about RNNs (seed 002: “By simply increasing "
        "the learning rate, one can observe the training process go from … a period-1 "
        "cycle, to … a period-2 cycle, then four, then eight, in a classic period-doubling "
        "cascade”); it names no loss and no number. The catalog's “Raising η drives GD "
        "through a period-doubling cascade into chaos” is a paraphrase, and the double well "
        "(x²−1)²/4 is lrtheory's model of it (provenance “modelled”).",
        "The attracting 2-cycle is not the symmetric one. The symmetric 2-cycle "
        "±√((η+2)/η) has multiplier (2η+5)² > 1 and repels for every η — it is the edge of "
        "the basin. The minima flip at η₁ = 1 into a mirror pair of asymmetric cycles "
        "(√(η+3) ± √(η−1))/(2√η) around each minimum, multiplier 9 − 2(1+η)², attracting "
        "on (1, √5 − 1), superstable at 3/√2 − 1. The second flip η₂ = √5 − 1 comes out of "
        "the elimination Res_x(P₂, (f²)' + 1) = 64η¹²(η² + 2η − 4)⁴(2η² + 10η + 13)².",
        "SymPy reaches η₃ as well, but not within the time budget: the same resultant for "
        "the 4-cycles (prime-period polynomial of degree 72) took 98 s here and has an "
        "irreducible degree-32 factor whose smallest positive root agrees with the Newton "
        "value 1.288031754482842761954342 to all 25 digits (its other positive roots, "
        "1.5488, 1.8421, 1.9676, 1.9919, are flips of 4-cycles born in windows of the "
        "chaotic range). So η₃ onwards are located numerically.",
        "Flips, Newton at 40 digits, each certified to ±1e−20 by a sign change of "
        "(f^k)' + 1 on the continued cycle: η₃ = 1.2880317545, η₄ = 1.2992279397, "
        "η₅ = 1.3016289140, η₆ = 1.3021432716, η₇ = 1.3022534377, η₈ = 1.3022770323 (the "
        "128-cycle). Ratios δ₂…δ₇ = 4.5429, 4.6412, 4.6632, 4.6679, 4.6689, 4.66914: "
        "|δ_n − δ| shrinks by a factor 4.5–4.7 (≈ δ) per doubling; (δ_n − δ)·δ^n = −2.860 … "
        "−2.868 from n = 4 on, the renormalization asymptotics δ_n − δ ~ C·δ^−n. The tail is "
        "bounded under a stated hypothesis: if the ratios of successive differences of δ_n "
        "(observed 0.2140–0.2237, tending to 1/δ = 0.2142) stay ≤ 0.2237, |δ − δ₇| ≤ 6.3e−5; "
        "δ₇ misses δ = 4.6692016 by 5.9e−5 — the bound is within 6 % of the tail because the "
        "tail is nearly geometric. If they stay in the observed range, Aitken's Δ² 4.6692015 "
        "is within 3.5e−6 of δ; it misses by 1.2e−7. Continued to the 1024-cycle (tests), "
        "the ratios stay in that range and Aitken's value misses δ by 2.7e−10. "
        "Accumulation point η_∞ = 1.3022834627 (successive geometric extrapolations agree "
        "to 4e−10).",
        "The cascade runs in each mirror half separately (the map is odd). The two chaotic "
        "bands merge at η = 3√3/2 − 1 ≈ 1.598, where f(f(x_c)) = 0; at η = 2 the critical "
        "value reaches the repelling symmetric 2-cycle ((η − 2)(2η + 5)² = 0), a boundary "
        "crisis: for η > 2 almost every start diverges, although the minima already lose "
        "stability at η = 1.",
        "At η = 2 GD is conjugate to a Chebyshev polynomial, f(√2u) = −√2·T₃(u); with "
        "x = √2 cos θ it is θ ↦ 3θ, the arcsine law is invariant and λ = ln 3 exactly. The Monte "
        "Carlo's float rounding bias at 8 steps is bounded (not estimated) by 2.3e−6 "
        "(models.quartic_gd.chebyshev_rounding_bias); the bound needs the orbit error ≤ "
        "(1 − 1/√2)/2, so it holds only to 14 steps (the error grows ≈ 9× a step). "
        "Past η_∞ the exponent is positive outside periodic windows (ensemble means over "
        "400 orbits of 20 000 steps: 0.024 at η = 1.3025, 0.090 at 1.31, 0.34 at 1.4, "
        "0.81 at 1.8), but “chaos past the accumulation point” does not hold for every η: "
        "windows of attracting cycles (λ < 0) interrupt it, e.g. period 3 on "
        "η ≈ 1.4505–1.4607 (in each half; by Li–Yorke, period 3 implies every period) "
        "and period 4 on ≈ 1.8285–1.8434.",
        "Why the Monte Carlo draws η as well as x₀: at one η every orbit converges to the "
        "same cycle, so the finite-time exponents of many starts differ only by their "
        "transients — a statistic whose spread is its own bias. Drawing η uniformly over a "
        "window makes the spread come from λ(η) itself; the prediction is the exact window "
        "mean of ln|μ(η)|/k (antiderivatives over the multiplier's roots), and the "
        "transient is bounded through interval-arithmetic trapping boxes (|(f^k)'| ≤ 0.87) "
        "by 8e−10.",
    ),
)

CLAIMS = (N2,)
