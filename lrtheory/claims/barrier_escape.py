"""Family D: D8 barrier-escape — the learning-rate "kick" that carries (S)GD over a barrier.

Two mechanisms on the cubic well U = λ(x²/2 − x³/(3c)) (minimum 0, top c, ΔU = λc²/6; the
barrier side of a double well — escape is a passage past the top):

(a) deterministic: GD/heavy ball from a start x₀ in the basin, no noise — the least η that
    carries the iterate past the top (one step, or ever; logistic conjugacy, crisis at ηλ = 3);
(b) thermal: SGD from the minimum with gradient noise N(0, σ²/B), temperature T = ησ²/(2B) —
    Kramers's rate against the exact escape-time law of the discrete chain (Nyström), and the
    least η that escapes within K steps with probability ½;
(c) where they meet: discrete time lowers the barrier to ΔU(1 − (ηλ)²/30), and past ηλ = 2
    the chaotic band lets small noise escape where Kramers predicts nothing.

The derivation is :func:`lrtheory.symbolic.barrier_escape.escape_derivation`; the exact law,
Monte Carlo kernel and orbit simulations are :mod:`lrtheory.models.barrier_escape`; the rate
ratios over ΔU/T are :mod:`lrtheory.claims.barrier_escape_rates` and what each approximate
row declares (bound or breakdown) :mod:`lrtheory.claims.barrier_escape_roles`.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import numpy as np
from scipy.optimize import brentq

from lrtheory.claim import (
    Claim,
    Estimate,
    ModelCheck,
    Point,
    Source,
)
from lrtheory.claims import barrier_escape_rates as rates
from lrtheory.claims import barrier_escape_roles as roles
from lrtheory.claims.barrier_escape_rates import WELL
from lrtheory.models import barrier_escape as be
from lrtheory.models.rounding import EPS, recursion_rounding
from lrtheory.models.threshold import bisect_threshold
from lrtheory.montecarlo.runner import Ensemble, indicator_proportion
from lrtheory.montecarlo.stats import mean_statistic
from lrtheory.plotting import new_figure
from lrtheory.results import ClaimResult
from lrtheory.sources import SEED_000, SEED_001, SEED_002
from lrtheory.symbolic import barrier_escape as sb

STATISTICS = ("P(τ ≤ K)", "E[min(τ, K)]")

# --------------------------------------------------------------------------------------
# Thermal points: the exact law, Kramers, Monte Carlo
# --------------------------------------------------------------------------------------


def _chain(p: Any) -> be.EscapeChain:
    return be.EscapeChain(WELL, p["eta"], p["sigma"] / math.sqrt(p["B"]), p["exit"])


@cache
def _law(key: tuple[tuple[str, float], ...]) -> be.PassageLaw:
    p = dict(key)
    return be.first_passage(_chain(p), 0.0, int(p["steps"]))


def _eta_half(p: Any) -> tuple[float, float]:
    """η_½ from the Lambert-W form and from brentq on η k(η) K = ln 2 (both Kramers)."""
    closed = complex(sb.kramers_functions()["eta_half"](
        WELL.lam, WELL.lam, WELL.barrier, p["sigma"], p["B"], p["steps"]))
    noise2 = p["sigma"] ** 2 / p["B"]
    root = brentq(lambda e: e * rates.kramers_rate(e * noise2 / 2) * p["steps"] - math.log(2),
                  1e-3, 10.0, xtol=1e-14, rtol=4 * EPS)
    return closed.real, float(root)


def _thermal_model(point: Point) -> list[ModelCheck]:
    p = point.params
    chain, law = _chain(p), _law(tuple(sorted(p.items())))
    k = rates.kramers_rate(chain.temperature)
    s2, s2_err = be.two_step_survival(chain, 0.0, chain.lower())
    K = int(p["steps"])
    why = roles.kramers_breakdown(WELL.barrier / chain.temperature, chain.eta * WELL.lam)
    checks = [
        ModelCheck("P(τ ≤ 2): Nyström law vs adaptive quadrature", 1.0 - s2,
                   1.0 - float(law.survival[2]), tolerance=s2_err + law.error,
                   tolerance_reason="quad's error estimate + the law's panel-halving bound"),
        ModelCheck(f"P(τ ≤ {K}): Kramers 1 − e^{{−ηkK}} vs exact law",
                   1.0 - math.exp(-chain.eta * k * K), law.escaped, 0.0, "approximation",
                   exact=False, breakdown=why),
        ModelCheck("escape rate per step: Kramers ηk vs exact 1/E[τ] (Nyström law)",
                   chain.eta * k, 1.0 / be.mean_escape_steps(chain, 0.0), 0.0,
                   "approximation", exact=False, breakdown=why),
    ]
    if p.get("bisect", 0.0):
        closed, root = _eta_half(p)
        checks.append(ModelCheck(
            "η_½ (Kramers): Lambert-W closed form vs brentq on ηk(η)K = ln 2", closed, root,
            tolerance=2e-14 + 16 * EPS * root,
            tolerance_reason="brentq's xtol + rtol, plus evaluating W"))
        noise = p["sigma"] / math.sqrt(p["B"])

        def unlikely(eta: float) -> bool:
            ch = be.EscapeChain(WELL, eta, noise, p["exit"])
            return be.escape_probability(ch, 0.0, K) < 0.5

        exact = bisect_threshold(unlikely, 0.5 * closed, 1.5 * closed, halvings=14)
        checks.append(ModelCheck(
            f"η_½ for K = {K}: Kramers (Lambert W) vs exact (bisection on the exact law)",
            closed, exact.value, 0.0, "approximation", exact=False, breakdown=why))
    return checks


def _simulate(point: Point, ensemble: Ensemble, n: int) -> list[Estimate]:
    """SGD chains from the minimum: the indicator of τ ≤ K and min(τ, K), against the exact
    law (bias bound: its quadrature bound plus the mass that visits x < L, K times that for
    the mean)."""
    p = point.params
    law = _law(tuple(sorted(p.items())))
    m = ensemble.run(be.escape_kernel(_chain(p), 0.0, int(p["steps"])), n,
                     what=f"D8 SGD escape at {point.label}")
    return [
        Estimate(STATISTICS[0], law.escaped, indicator_proportion(m, 0, ensemble),
                 bias_bound=law.bound()),
        Estimate(STATISTICS[1], law.mean_capped,
                 mean_statistic(float(m.mean[1]), float(m.stderr_mean[1]), m.n),
                 bias_bound=law.bound(steps=True)),
    ]


# --------------------------------------------------------------------------------------
# Deterministic points: bisection on simulated orbits
# --------------------------------------------------------------------------------------


def _bisect(u0: float, beta: float, steps: int, lo: float, hi: float, halvings: int = 40) -> Any:
    """The least ηλ (= η here) whose orbit from rest at x₀ = −u₀c passes the top within
    ``steps`` steps; 20 halvings where the result is only compared as an approximation."""
    return bisect_threshold(be.stays(WELL, beta, -u0 * WELL.top, steps), lo, hi, halvings)


def _kick_model(point: Point) -> list[ModelCheck]:
    p = point.params
    u0, beta, steps = p["u0"], p["beta"], int(p["steps"])
    one = 1.0 / u0
    # x₁ = x₀ − ηU'(x₀) crosses c at slope dx₁/dh = u₀(1 + u₀)c; rounding misplaces it by
    # the recursion bound over that slope.
    slack1 = recursion_rounding(1, 1.0 + one) / (u0 * (1.0 + u0))
    if beta == 0.0:
        thr = _bisect(u0, 0.0, steps, 0.6 * one, 2.9)
        return [ModelCheck(
            f"GD from x₀ = −{u0}c: least ηλ passing the top within {steps} steps vs c/|x₀|",
            one, thr.value, tolerance=thr.tolerance + slack1,
            tolerance_reason="bisection width + rounding of x₁ over dx₁/dh (below it I_h is "
                             "invariant: no later escape)")]
    h2 = sb.two_step_threshold(u0, beta)
    two = _bisect(u0, beta, 2, 0.3 * h2, 0.999 * one)
    slack2 = recursion_rounding(2, 4.0 * (1.0 + one)) / abs(sb.two_step_slope(u0, beta, h2))
    ever = _bisect(u0, beta, steps, 0.3 * h2, 0.999 * one, halvings=20)
    one_step = _bisect(u0, beta, 1, 0.6 * one, 2.9 * one)
    return [
        ModelCheck(f"heavy ball β = {beta}: least ηλ passing the top within 2 steps, root of "
                   "x₂(h) = c vs bisection", h2, two.value, tolerance=two.tolerance + slack2,
                   tolerance_reason="bisection width + rounding of x₂ over dx₂/dh"),
        ModelCheck(f"heavy ball β = {beta}: two-step kick vs least ηλ passing within {steps} "
                   "steps (bisection)", h2, ever.value, 0.0, "approximation", exact=False,
                   breakdown=roles.HEAVY_BALL),
        ModelCheck(f"heavy ball β = {beta}: least ηλ passing the top in one step vs c/|x₀| "
                   "(β-free)", one, one_step.value, tolerance=one_step.tolerance + slack1,
                   tolerance_reason="bisection width + rounding of x₁ over dx₁/dh"),
    ]


def _crisis_model(point: Point) -> list[ModelCheck]:
    p = point.params
    h, below, n, steps = p["h"], p["h_below"], int(p["grid"]), int(p["steps"])
    frac = be.escape_fraction(WELL, h, 0.0, (-1.0 / h, 1.0), n, 2)
    trap_steps = int(p["trap_steps"])
    trapped = be.escape_fraction(WELL, below, 0.0, (-1.0 / below, 1.0), n, trap_steps)
    near = _bisect(p["u0"], 0.0, steps, 2.5, 3.5, halvings=20)
    return [
        ModelCheck(f"ηλ = {h}: fraction of I_h escaping within 2 steps, √((h−3)/(h+1)), vs "
                   f"{n} starts", math.sqrt((h - 3.0) / (h + 1.0)), frac,
                   tolerance=1.0 / n + 1e-12, tolerance_reason="grid count of an interval: "
                   "≤ 1 misplaced midpoint"),
        ModelCheck(f"ηλ = {below} < 3: fraction of I_h escaping within {trap_steps} steps", 0.0,
                   trapped, tolerance=0.0, tolerance_reason="I_h is invariant: none may escape"),
        ModelCheck(f"from x₀ = −{p['u0']}c (|x₀| < c/3): crisis ηλ = 3 vs least ηλ passing "
                   f"within {steps} steps", 3.0, near.value, 0.0, "approximation", exact=False,
                   **roles.crisis_role(p["u0"], near.tolerance)),
    ]


def _model(point: Point) -> list[ModelCheck]:
    if "fit_from" in point.params:
        return rates.slope_model(point)
    if "sigma" in point.params:
        return _thermal_model(point)
    if "h" in point.params:
        return _crisis_model(point)
    return _kick_model(point)


# --------------------------------------------------------------------------------------
# Figure, points, claim
# --------------------------------------------------------------------------------------


def _figure(result: ClaimResult) -> Any:
    fig, (ax_k, ax_s, ax_v) = new_figure(ncols=3, width=15.0)
    u = np.linspace(0.05, 1.0, 200)
    ax_k.plot(u, np.minimum(1.0 / u, 3.0), label="GD, any number of steps: min(c/|x₀|, 3)")
    ax_k.plot(u, 1.0 / u, ":", color="C0", lw=1, label="GD/heavy ball, one step: c/|x₀|")
    beta = next(pr.point.params["beta"] for pr in result.points
                if pr.point.params.get("beta", 0.0) > 0)
    us = np.linspace(0.34, 1.0, 60)
    ax_k.plot(us, sb.two_step_curve(us, beta), "--", color="C1",
              label=f"heavy ball β = {beta}, two steps (root of x₂ = c)")
    for pr in result.points:  # the bisections of the deterministic points, at their start
        p = pr.point.params
        if "u0" not in p:
            continue
        last = pr.model[2 if "h" in p else 0].check.model  # GD (or crisis) / HB two-step
        ax_k.plot([p["u0"]], [last], "o", ms=5, color="C3")
        if p.get("beta", 0.0) > 0:
            ax_k.plot([p["u0"]], [pr.model[1].check.model], "v", ms=5, color="C1",
                      label=f"heavy ball β = {beta}, {int(p['steps'])} steps (bisection)")
    ax_k.plot([], [], "o", ms=5, color="C3", label="bisection on simulated orbits")
    ax_k.axhline(2.0, color="grey", ls=":", lw=1, label="minimum's stability edge ηλ = 2")
    ax_k.set_ylim(0, 6)
    ax_k.set_xlabel("start |x₀|/c (left of the minimum)")
    ax_k.set_ylabel("least ηλ that passes the barrier top")
    ax_k.set_title("(a) deterministic kick")
    ax_k.legend(fontsize=7)
    for i, pr in enumerate(pr for pr in result.points if pr.monte_carlo):
        p = pr.point.params
        law = _law(tuple(sorted(p.items())))
        t = np.arange(len(law.survival))
        chain = _chain(p)
        ax_s.plot(t, 1.0 - law.survival, color=f"C{i}", label=f"exact law, ηλ = {p['eta']:g}")
        k = rates.kramers_rate(chain.temperature)
        ax_s.plot(t, 1.0 - np.exp(-chain.eta * k * t), "--", color=f"C{i}", lw=1,
                  label=f"Kramers, ΔU/T = {WELL.barrier / chain.temperature:.0f}")
        est = pr.monte_carlo[0]
        lo, hi = est.test.interval
        v = est.estimate.sample.value
        ax_s.errorbar([t[-1]], [v], yerr=[[v - lo], [hi - v]], fmt="o", color="C3", ms=4,
                      capsize=3)
    ax_s.plot([], [], "o", color="C3", label="Monte Carlo P(τ ≤ K), (1 − α) interval")
    ax_s.set_xlabel("SGD steps t")
    ax_s.set_ylabel("P(τ ≤ t): escaped past x_b")
    ax_s.set_title("(b) thermal escape from the minimum")
    ax_s.legend(fontsize=7)
    ratios = rates.rate_ratios()
    ax_v.plot(rates.RATIOS, ratios["sde"], "o-", ms=3, label="SDE, cubic (exact integral)")
    ax_v.plot(rates.RATIOS, ratios["quartic"], "s-", ms=3, label="SDE, quartic double well")
    for h in rates.DISCRETE:
        ax_v.plot(rates.RATIOS, ratios[f"h={h}"], "^-", ms=3, label=f"SGD, ηλ = {h} (Nyström)")
    ax_v.axhline(1.0, color="grey", lw=0.8)
    ax_v.set_xlabel("ΔU/T")
    ax_v.set_ylabel("exact rate / Kramers rate")
    ax_v.set_title("(c) validity of Kramers")
    ax_v.legend(fontsize=7)
    return fig


def _points() -> tuple[Point, ...]:
    return (
        Point("SGD ηλ = 0.5, σ = 1, B = 3 (ΔU/T = 2), K = 100",
              {"eta": 0.5, "sigma": 1.0, "B": 3.0, "steps": 100, "exit": 2.0, "bisect": 1.0},
              note="escape from the minimum past x_b = 2c; η_½ by bisection on the exact law"),
        Point("SGD ηλ = 2.5 (past 2/λ), σ = 0.12, B = 4 (ΔU/T = 37), K = 30",
              {"eta": 2.5, "sigma": 0.12, "B": 4.0, "steps": 30, "exit": 1.5},
              regime="outside", note="a chaotic band plus small noise: Kramers says e^{−37}"),
        Point("SGD ηλ = 0.5, σ = 1, B = 1.5 (ΔU/T = 1), K = 40",
              {"eta": 0.5, "sigma": 1.0, "B": 1.5, "steps": 40, "exit": 2.0}, regime="boundary",
              monte_carlo=False, note="barely a barrier"),
        Point("GD kick from x₀ = −c/2 (U(x₀) = ΔU)", {"u0": 0.5, "beta": 0.0, "steps": 200},
              monte_carlo=False),
        Point("heavy-ball kick, β = 0.6, from rest at x₀ = −c/2",
              {"u0": 0.5, "beta": 0.6, "steps": 300}, monte_carlo=False),
        Point("discrete-time barrier shift: ηλ = 0.1 and 0.6", {"fit_from": 12.0},
              regime="boundary", monte_carlo=False,
              note="exact escape rates (Nyström law, SDE integral) at ΔU/T = 12…24"),
        Point("GD at the crisis: ηλ = 3.2 and 2.9; start x₀ = −0.2c",
              {"h": 3.2, "h_below": 2.9, "grid": 10000, "trap_steps": 300, "u0": 0.2,
               "steps": 1000},
              regime="boundary", monte_carlo=False),
    )


D8 = Claim(
    id="D8",
    slug="barrier-escape",
    title="A learning-rate kick carries (S)GD over a barrier",
    statement=(
        "On the barrier side of a double well, U = λ(x²/2 − x³/(3c)) (ΔU = λc²/6): "
        "(a) GD from x₀ < 0 passes the top in one step iff η > c/(λ|x₀|) = √(6ΔU/λ)/(λ|x₀|) "
        "(heavy ball from rest alike); GD is the logistic map with μ = 1 + ηλ, so below "
        "ηλ = 3 the interval [−c/(ηλ), c] traps every orbit and the least η that ever "
        "escapes is min(c/|x₀|, 3)/λ — from the minimum's neighbourhood 3/λ, not the "
        "stability edge 2/λ; momentum lowers it. (b) SGD with noise σ²/B has T = ησ²/(2B); "
        "Kramers's rate k = √(U''_min|U''_top|)/(2π)·e^{−ΔU/T} per unit time (ηk per step) "
        "gives P(τ ≤ K) ≈ 1 − e^{−ηkK} and the least η escaping within K steps with "
        "probability ½, η_½ = a/W(a√(λ_min μ)K/(2π ln 2)), a = 2BΔU/σ²; the discrete "
        "chain's own barrier is ΔU(1 − (ηλ)²/30) + O(η³), so Kramers holds for ΔU/T ≫ 1 "
        "and (ηλ)²ΔU/T ≪ 30."),
    sources=(
        Source(SEED_001, "The Mechanical Universe of Optimization",
               "We can even calculate the minimum [learning rate](@article_id:139716) \"kick\" "
               "needed to provide enough energy to surmount a barrier of a given height"),
        Source(SEED_001, "The Mechanical Universe of Optimization",
               "This \"heating\" phase allows the particle to jiggle violently and potentially "
               "\"jump\" over the potential energy barriers that separate shallow minima from "
               "deeper ones."),
        Source(SEED_002, "untitled (no headings): the paragraph “A beautiful example comes "
                         "from the fiendishly complex problem of predicting protein folding”",
               "giving the system a \"kick\" that allows it to jump over energy barriers and "
               "escape the gravitational pull of poor local minima"),
        Source(SEED_002, "untitled (no headings): the paragraph “We can push this physical "
                         "analogy even further”",
               "The learning rate, it turns out, is directly proportional to the "
               "\"temperature\" of this system"),
        Source(SEED_000, "The Learning Rate in a Stochastic World: Batch Size and Noise",
               "Its variance, which can be thought of as the \"update noise,\" is given by "
               "$\\mathrm{Var}(\\Delta\\theta) = \\eta^2 \\mathrm{Var}(\\hat{g}_B) = "
               "\\frac{\\eta^2 \\sigma^2}{B}$"),
    ),
    derive=sb.escape_derivation,
    model=_model,
    points=_points(),
    figure=_figure,
    simulate=_simulate,
    statistics=STATISTICS,
    validity=rates.validity,
    findings=(
        "The seeds say only that the minimum learning-rate 'kick' over a barrier 'can be "
        "calculated' and print no formula: all but Var(Δθ) = η²σ²/B and T ∝ η is derived here.",
        "No deterministic kick moves GD off the minimum (U'(0) = 0: a fixed point at every "
        "η). From x₀ < 0 one step clears the top iff η > c/(λ|x₀|) = √(6ΔU/λ)/(λ|x₀|): the "
        "kick grows like √ΔU and diverges as the start nears the minimum.",
        "The escape edge is not the stability edge: GD is the logistic map with μ = 1 + ηλ, so "
        "for 2 < ηλ ≤ 3 the minimum is unstable yet every orbit in [−c/(ηλ), c] stays trapped "
        "(none of 10⁴ starts escapes in 300 steps at ηλ = 2.9; from x₀ = −0.2c bisection over "
        "1000 steps finds 3.00002/λ). Beyond the crisis a fraction √((ηλ−3)/(ηλ+1)) of the "
        "interval leaves within two steps (0.2182 at ηλ = 3.2).",
        "Momentum lowers the kick, but not on the first step (β-free from rest): from "
        "x₀ = −c/2, β = 0.6 clears the top on the second step from ηλ = 1.5400 (root of a "
        "cubic, matched by bisection to 10⁻¹²) and on later swings from 1.4707, against GD's 2.",
        "Thermal, ηλ = 0.5, ΔU/T = 2: Kramers's per-step rate ηk is 7.1 % above the exact "
        "1/E[τ] and its P(τ ≤ 100) = 0.659 is 3.7 % above the exact 0.636; the least η that "
        "escapes within 100 steps with probability ½ is 0.448/λ (exact law) against 0.435/λ "
        "(Lambert W).",
        "Past the stability edge the mechanisms combine: at ηλ = 2.5, ΔU/T = 37 Kramers gives "
        "P(τ ≤ 30) ≈ 10⁻¹⁵, but the chaotic band brings the iterate near the trap's edge and "
        "small noise pushes it out: the exact law gives 0.592, as Monte Carlo confirms.",
        "Discrete time lowers the barrier: the small-noise (Bellman) equation of the SGD chain "
        "gives V′ = U′ − (η/2)U′U″ + (η²/12)U′²U‴ + O(η³), whose barrier on the cubic is "
        "ΔU(1 − (ηλ)²/30), so the SGD rate exceeds the SDE's by a factor growing like "
        "e^{(ηλ)²ΔU/(30T)}; the exact rates give slopes 3.36·10⁻⁴ (ηλ = 0.1; derived "
        "3.33·10⁻⁴) and 0.0128 (ηλ = 0.6; derived 0.0120). Kramers with T = ησ²/(2B) needs "
        "ΔU/T ≫ 1 and (ηλ)²ΔU/T ≪ 30.",
        "Monte Carlo tests the exact law of the discrete chain (Nyström discretisation of the "
        "Chapman–Kolmogorov recursion; declared bounds: panel halving ≤ 10⁻¹⁰, mass below the "
        "cut ≤ 10⁻²²), not Kramers, whose accuracy is measured against that law.",
        "The cubic's curvatures are equal (±λ), so it cannot tell √(U''_min|U''_top|) from "
        "U''_min; the quartic double well (8ΔU/a², −4ΔU/a²) can: its exact SDE rate tends to "
        "Kramers's geometric-mean form (ratio 0.98 at ΔU/T = 24), not to one off by √2.",
    ),
)

CLAIMS = (D8,)
