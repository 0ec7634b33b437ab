"""Family H, claim H3: log-uniform search hits a small learning-rate interval more often."""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import numpy as np
import sympy as sp
from scipy.stats import binom

from lrtheory.arrays import astype, namespace
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
from lrtheory.errors import ParameterError, check_int, check_positive, check_real
from lrtheory.models.rounding import EPS
from lrtheory.models.threshold import bisect_threshold
from lrtheory.montecarlo.runner import ChunkRNG, Ensemble, indicator_proportion
from lrtheory.plotting import new_figure
from lrtheory.results import ClaimResult
from lrtheory.sources import SEED_004

LO, HI, A, B, X = sp.symbols("lo hi a b x", positive=True)
U = sp.Symbol("u", nonnegative=True)  # the uniform draw a sampler transforms
N = sp.Symbol("n", integer=True, positive=True)
P = sp.Symbol("p", positive=True)

# --------------------------------------------------------------------------------------
# the model: samplers, grids and their hit probabilities (NumPy / CuPy)
# --------------------------------------------------------------------------------------


def _range(lo: float, hi: float, a: float, b: float) -> tuple[float, float, float, float]:
    """A search range 0 < lo < hi and a target lo ≤ a < b ≤ hi, checked."""
    lo = check_positive("lo", lo)
    hi = check_real("hi", hi, lo)
    a = check_real("a", a, lo, hi, lo_open=False)
    b = check_real("b", b, a, hi, hi_open=False)
    return lo, hi, a, b


def log_uniform(u: Any, lo: float, hi: float) -> Any:
    """The log-uniform sampler: x = lo·(hi/lo)^u = lo·exp(u·ln(hi/lo)) for u ~ U[0, 1)."""
    xp = namespace(u)
    return lo * xp.exp(u * math.log(hi / lo))


def linear_uniform(u: Any, lo: float, hi: float) -> Any:
    """The uniform sampler: x = lo + (hi − lo)·u for u ~ U[0, 1)."""
    return lo + (hi - lo) * u


def hit_probability(lo: float, hi: float, a: float, b: float, n: int,
                    log: bool = True) -> float:
    """P(at least one of n independent draws lands in [a, b]) = 1 − (1 − p)ⁿ with
    p = ln(b/a)/ln(hi/lo) (log-uniform) or (b − a)/(hi − lo) (uniform)."""
    lo, hi, a, b = _range(lo, hi, a, b)
    n = check_int("n", n, 1)
    p = math.log(b / a) / math.log(hi / lo) if log else (b - a) / (hi - lo)
    return float(-math.expm1(n * math.log1p(-p))) if p < 1 else 1.0


def grid_count(lo: float, hi: float, a: float, b: float, n: int, log: bool = True) -> int:
    """How many of the n ≥ 2 grid points lo·(hi/lo)^{k/(n−1)} (``log``) or
    lo + k(hi − lo)/(n − 1) lie in [a, b]: ⌊(n−1)F(b)⌋ − ⌈(n−1)F(a)⌉ + 1 (at least 0), F
    the sampler's CDF, evaluated exactly with SymPy (no rounding decides an end point)."""
    lo, hi, a, b = _range(lo, hi, a, b)
    n = check_int("n", n, 2)
    q = {s: sp.Rational(str(v)) for s, v in ((LO, lo), (HI, hi), (A, a), (B, b))}
    cdf = _cdf(log)
    top = sp.floor((n - 1) * cdf.subs(X, q[B]).subs(q))
    bottom = sp.ceiling((n - 1) * cdf.subs(X, q[A]).subs(q))
    return max(0, int(top) - int(bottom) + 1)


def shifted_grid_probability(p: float, n: int) -> float:
    """P(hit) of n points (j + V)/n, j < n, V ~ U[0, 1), on the CDF scale, for a target of
    CDF-length p: min(1, n·p) — each lattice point covers a V-interval of length n·p."""
    p = check_real("p", p, 0.0, 1.0, hi_open=False)
    return min(1.0, check_int("n", n, 1) * p)


def shifted_grid_measure(alpha: float, beta: float, n: int) -> float:
    """The exact model of :func:`shifted_grid_probability`: the measure of the V ∈ [0, 1)
    for which some (j + V)/n lies in [α, β] — the union over j of [nα − j, nβ − j] ∩ [0, 1),
    merged interval by interval."""
    alpha = check_real("alpha", alpha, 0.0, 1.0, lo_open=False)
    beta = check_real("beta", beta, alpha, 1.0, hi_open=False)
    parts = sorted((max(0.0, n * alpha - j), min(1.0, n * beta - j)) for j in range(n))
    total, reach = 0.0, 0.0
    for lo, hi in parts:
        lo = max(lo, reach)
        if hi > lo:
            total += hi - lo
            reach = hi
    return total


def sampler_hit_measure(a: float, b: float, sampler: Any) -> tuple[float, float]:
    """The measure of {u ∈ [0, 1): a ≤ sampler(u) ≤ b} for a monotone float sampler, by
    bisecting both crossings (50 halvings each); returns (measure, bisection tolerance)."""
    def crossing(level: float) -> tuple[float, float]:
        if sampler(0.0) >= level:
            return 0.0, 0.0
        if sampler(1.0) <= level:
            return 1.0, 0.0
        t = bisect_threshold(lambda u: bool(sampler(u) < level), 0.0, 1.0, halvings=50)
        return t.value, t.tolerance

    (ua, ea), (ub, eb) = crossing(a), crossing(b)
    return ub - ua, ea + eb


# --------------------------------------------------------------------------------------
# the derivation
# --------------------------------------------------------------------------------------


@cache
def _cdf(log: bool) -> sp.Expr:
    """The CDF F(x) = P(X ≤ x) of the sampler: x(u) solved for u (U uniform on [0, 1))."""
    sampler = LO * (HI / LO) ** U if log else LO + (HI - LO) * U
    (inverse,) = sp.solve(sp.Eq(sampler, X), U)
    return sp.expand_log(inverse, force=True)


def _mean_log(x: sp.Expr, y: sp.Expr) -> sp.Expr:
    """The logarithmic mean L(x, y) = (y − x)/ln(y/x)."""
    return (y - x) / sp.log(y / x)


@cache
def _derive_h3() -> Derivation:
    f_log, f_lin = _cdf(True), _cdf(False)
    density = sp.diff(f_log, X)
    p_log = sp.simplify(sp.integrate(density, (X, A, B)))
    p_lin = sp.simplify(f_lin.subs(X, B) - f_lin.subs(X, A))
    i = sp.Symbol("i", integer=True, positive=True)
    hit = 1 - sp.Product(1 - P, (i, 1, N)).doit()
    ratio = p_log / p_lin
    delta = sp.Symbol("delta", positive=True)
    narrow = sp.limit(ratio.subs(B, A * (1 + delta)), delta, 0)
    (crossover,) = sp.solve(sp.Eq(narrow, 1), A)
    k = sp.Symbol("k", integer=True, nonnegative=True)
    log_grid = sp.simplify(sp.expand_log(f_log.subs(X, LO * (HI / LO) ** (k / (N - 1))),
                                         force=True))
    lin_grid = sp.simplify(f_lin.subs(X, LO + k * (HI - LO) / (N - 1)))
    (guarantee,) = sp.solve(sp.Eq(1 / (N - 1), P), N)
    source_range = {LO: sp.Rational(1, 10**5), HI: sp.Rational(1, 10)}
    advantage = narrow.subs(source_range).subs(A, sp.Rational(1, 10**4))
    eq = Step.equation
    steps = (
        eq("log-uniform sampler", "x(u)", LO * (HI / LO) ** U),
        eq("its CDF: x(u) = x solved for u", "F(x)", f_log),
        eq("density dF/dx", "f(x)", density),
        eq("P(one draw in [a, b]) = ∫ₐᵇ f dx", "p_log", p_log),
        eq("uniform sampler's CDF", "G(x)", f_lin),
        eq("P(one uniform draw in [a, b])", "p_lin", p_lin),
        eq("n independent draws: 1 − Π(1 − p)", "P_n", hit),
        eq("advantage p_log/p_lin", "r", ratio),
        eq("narrow target b → a", "r", narrow),
        eq("crossover r = 1 (narrow target)", "a*", crossover),
        eq("log grid x_k = lo(hi/lo)^{k/(n−1)} on the CDF scale", "F(x_k)", log_grid),
        eq("points of the log grid in [a, b]", "count",
           sp.floor((N - 1) * f_log.subs(X, B)) - sp.ceiling((N - 1) * f_log.subs(X, A)) + 1),
        eq("every position hit iff spacing 1/(n−1) ≤ p", "n*", guarantee),
        eq("narrow target at 10⁻⁴ in [10⁻⁵, 10⁻¹]", "r", advantage),
    )
    identities = (
        Identity("log-uniform: p = ln(b/a)/ln(hi/lo)", p_log, sp.log(B / A) / sp.log(HI / LO),
                 "derived", note="the catalog's form; the source states no formula"),
        Identity("uniform: p = (b − a)/(hi − lo)", p_lin, (B - A) / (HI - LO), "derived"),
        Identity("log-uniform density 1/(x ln(hi/lo))", density, 1 / (X * sp.log(HI / LO)),
                 "derived"),
        Identity("n draws: P = 1 − (1 − p)ⁿ", hit, 1 - (1 - P) ** N, "derived"),
        Identity("advantage = L(lo, hi)/L(a, b), L the logarithmic mean", ratio,
                 _mean_log(LO, HI) / _mean_log(A, B), "derived",
                 note="log-uniform wins iff the target's logarithmic mean is the smaller"),
        Identity("narrow target: advantage (hi − lo)/(a ln(hi/lo))", narrow,
                 (HI - LO) / (A * sp.log(HI / LO)), "derived"),
        Identity("crossover at the range's logarithmic mean", crossover, _mean_log(LO, HI),
                 "derived"),
        Identity("log grid is evenly spaced on the log-uniform CDF", log_grid, k / (N - 1),
                 "derived"),
        Identity("linear grid is evenly spaced on the uniform CDF", lin_grid, k / (N - 1),
                 "derived"),
        Identity("grid hits every target position iff n ≥ 1 + 1/p", guarantee, 1 + 1 / P,
                 "derived"),
    )
    return Derivation(steps, identities)


# --------------------------------------------------------------------------------------
# the model checks and Monte Carlo at a point
# --------------------------------------------------------------------------------------


def _params(point: Point) -> tuple[float, float, float, float, int]:
    p = point.params
    lo, hi, a, b = _range(p["lo"], p["hi"], p["a"], p["b"])
    n = check_real("n", p["n"], 2.0, lo_open=False)
    if not n.is_integer():
        raise ParameterError("n", p["n"], "a whole number of trials ≥ 2")
    return lo, hi, a, b, int(n)


def _probs(lo: float, hi: float, a: float, b: float) -> tuple[float, float]:
    return math.log(b / a) / math.log(hi / lo), (b - a) / (hi - lo)


def _model_h3(point: Point) -> list[ModelCheck]:
    lo, hi, a, b, n = _params(point)
    p_log, p_lin = _probs(lo, hi, a, b)
    checks = []
    # Bisection places each crossing within its half-width; rounding of the sampler moves a
    # crossing by ≤ (3 + ln(hi/lo))ε/ln(hi/lo) in u (log) or 3ε·hi/(hi − lo) (uniform).
    for name, p, sampler, slack in (
            ("log-uniform", p_log, lambda u: log_uniform(u, lo, hi),
             (3 + math.log(hi / lo)) * EPS / math.log(hi / lo)),
            ("uniform", p_lin, lambda u: linear_uniform(u, lo, hi), 3 * EPS * hi / (hi - lo))):
        measure, tol = sampler_hit_measure(a, b, sampler)
        checks.append(ModelCheck(
            f"{name}: p vs the sampler's hit set, bisected", p, measure,
            tol + 2 * slack + 4 * EPS,
            "two bisections (50 halvings), the sampler's rounding at both crossings, and "
            "evaluating p"))
        checks.append(ModelCheck(
            f"{name}: 1 − (1 − p)ⁿ vs binomial P(K ≥ 1), n = {n}",
            hit_probability(lo, hi, a, b, n, log=name == "log-uniform"),
            float(binom.sf(0, n, p)), 8 * n * EPS, "rounding: n·ε per product, twice"))
    for log, grid in ((True, np.geomspace), (False, np.linspace)):
        points = grid(lo, hi, n)
        edge = float(np.min(np.abs(np.concatenate([points - a, points - b]))))
        if edge <= 1e-9 * b:  # pragma: no cover - points are chosen away from grid points
            raise ParameterError("a, b", (a, b), "target ends away from the grid points")
        checks.append(ModelCheck(
            f"{'log' if log else 'linear'} grid of n = {n}: points in [a, b], closed form vs "
            "counted", grid_count(lo, hi, a, b, n, log),
            float(np.count_nonzero((points >= a) & (points <= b))), 0.0,
            f"integers; no grid point within {edge:.2g} of an end"))
    alpha = math.log(a / lo) / math.log(hi / lo)
    beta = math.log(b / lo) / math.log(hi / lo)
    checks.append(ModelCheck(
        "randomly shifted log grid: min(1, n·p) vs the measure of its hitting shifts",
        shifted_grid_probability(p_log, n), shifted_grid_measure(alpha, beta, n),
        8 * n * EPS, "rounding of the interval ends nα − j, nβ − j"))
    return checks


H3_STATISTICS = ("P(hit): n log-uniform draws", "P(hit): n uniform draws",
                 "P(hit): randomly shifted log grid of n")


def _simulate_h3(point: Point, ensemble: Ensemble, n_chains: int) -> list[Estimate]:
    """Per chain: n log-uniform draws, n uniform draws and one shift V of a log grid of n
    points; the indicators "some point in [a, b]" have exactly the derived probabilities.
    Probabilities are judged on the probability scale (scale 1: resolution 0.02)."""
    lo, hi, a, b, n = _params(point)
    p_log = _probs(lo, hi, a, b)[0]

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        u = rng.uniform(2 * n + 1)
        draws_log = log_uniform(u[:, :n], lo, hi)
        draws_lin = linear_uniform(u[:, n:2 * n], lo, hi)
        shift = (xp.arange(n, dtype=rng.dtype) + u[:, 2 * n:]) / n
        grid = log_uniform(shift, lo, hi)
        hits = [xp.any((x >= a) & (x <= b), axis=1) for x in (draws_log, draws_lin, grid)]
        return astype(xp, xp.stack(hits, axis=1), rng.dtype)

    m = ensemble.run(kernel, n_chains, what="H3 hyper-parameter search")
    predictions = (hit_probability(lo, hi, a, b, n), hit_probability(lo, hi, a, b, n, False),
                   shifted_grid_probability(p_log, n))
    return [Estimate(name, pred, indicator_proportion(m, j, ensemble), scale=1.0)
            for j, (name, pred) in enumerate(zip(H3_STATISTICS, predictions, strict=True))]


# --------------------------------------------------------------------------------------
# validity, figure, points, claim
# --------------------------------------------------------------------------------------

#: The source's example range, 10⁻⁵ … 10⁻¹.
SOURCE_RANGE = (1e-5, 1e-1)
WIDTHS = (1.01, 1.1, 1.5, 2.0, 3.0, 5.0, 10.0, 30.0, 100.0)


def _validity_h3() -> ValidityDomain:
    """The narrow-target advantage (hi − lo)/(a ln(hi/lo)) against the exact ratio of the
    hit probabilities, each measured on the samplers by bisection, as the target widens."""
    lo, hi = SOURCE_RANGE
    a = 1e-4
    errors = []
    for w in WIDTHS:
        p_log = sampler_hit_measure(a, a * w, lambda u: log_uniform(u, lo, hi))[0]
        p_lin = sampler_hit_measure(a, a * w, lambda u: linear_uniform(u, lo, hi))[0]
        approx = (hi - lo) / (a * math.log(hi / lo))
        errors.append(abs(approx - p_log / p_lin) / (p_log / p_lin))
    return ValidityDomain(
        "The narrow-target advantage (hi − lo)/(a ln(hi/lo)) overstates the exact "
        "L(lo, hi)/L(a, b) by the factor L(a, b)/a = (b/a − 1)/ln(b/a): 5 % at b/a = 1.1, "
        "44 % at b/a = 2, 3.9× at b/a = 10 (target at a = 10⁻⁴ in [10⁻⁵, 10⁻¹]).",
        "b/a", WIDTHS, tuple(errors), "relative error of the narrow-target advantage")


def _figure_h3(result: ClaimResult) -> Any:
    fig, (ax, ax_r) = new_figure(ncols=2, width=12.0)
    point = result.claim.points[0]
    lo, hi, a, b, _ = _params(point)
    p_log, _ = _probs(lo, hi, a, b)
    ns = list(range(1, 61))
    ax.plot(ns, [hit_probability(lo, hi, a, b, k) for k in ns], label="n log-uniform draws")
    ax.plot(ns, [hit_probability(lo, hi, a, b, k, False) for k in ns], label="n uniform draws")
    ax.plot(ns, [shifted_grid_probability(p_log, k) for k in ns], "--",
            label="log grid, random shift")
    # The grids' hits counted on the grids themselves (equal to grid_count: model checks).
    for grid, name in ((np.geomspace, "log grid (deterministic)"),
                       (np.linspace, "linear grid (deterministic)")):
        hits = [float(np.any((grid(lo, hi, k) >= a) & (grid(lo, hi, k) <= b))) for k in ns[1:]]
        ax.step(ns[1:], hits, where="mid", lw=1, label=name)
    for pr in result.points:
        if pr.monte_carlo and pr.point is point:
            for j, mc in enumerate(pr.monte_carlo):
                low, high = mc.test.interval
                v = mc.estimate.sample.value
                ax.errorbar([point.params["n"]], [v], yerr=[[v - low], [high - v]], fmt="o",
                            color=f"C{j}", ms=4, capsize=3)
    ax.plot([], [], "o", color="k", ms=4, label="Monte Carlo, (1 − α) interval")
    ax.set_xlabel("number of trials n")
    ax.set_ylabel("P(some trial in [a, b])")
    ax.set_title(f"target [{a:g}, {b:g}] in [{lo:g}, {hi:g}]")
    ax.legend(fontsize=8)
    pos = np.geomspace(lo, hi / 3.0, 300)
    ax_r.loglog(pos, [_probs(lo, hi, x, 3 * x)[0] / _probs(lo, hi, x, 3 * x)[1] for x in pos],
                label="p_log/p_lin, target [a, 3a]")
    ax_r.axhline(1.0, color="grey", lw=0.8)
    mean = (hi - lo) / math.log(hi / lo)
    ax_r.axvline(mean / (2 / math.log(3)), ls=":", color="C3",
                 label="L(a, 3a) = L(lo, hi): no advantage")
    ax_r.set_xlabel("target position a")
    ax_r.set_ylabel("advantage of log-uniform sampling")
    ax_r.set_title("log-uniform wins below the logarithmic mean")
    ax_r.legend(fontsize=8)
    return fig


def _points_h3() -> tuple[Point, ...]:
    lo, hi = SOURCE_RANGE
    base = {"lo": lo, "hi": hi}
    mean = (hi - lo) / math.log(hi / lo)  # L(lo, hi); a target [a, 2a] has L = a/ln 2
    return (
        Point("small-scale target [2·10⁻⁴, 6·10⁻⁴], n = 5", {**base, "a": 2e-4, "b": 6e-4,
                                                            "n": 5.0}),
        Point("target at the logarithmic mean: [a, 2a], a = L(lo, hi)·ln 2, n = 5",
              {**base, "a": mean * math.log(2), "b": 2 * mean * math.log(2), "n": 5.0},
              regime="boundary", note="p_log = p_lin exactly: no advantage either way"),
        Point("large-scale target [0.03, 0.05], n = 5", {**base, "a": 0.03, "b": 0.05,
                                                         "n": 5.0},
              regime="outside", note="above the logarithmic mean uniform sampling wins"),
        Point("small-scale target, n = 20", {**base, "a": 2e-4, "b": 6e-4, "n": 20.0},
              monte_carlo=False),
    )


H3 = Claim(
    id="H3",
    slug="log-uniform-search",
    title="Log-uniform search hits a small learning-rate interval far more often",
    statement=(
        "n log-uniform draws on [lo, hi] hit a target [a, b] with probability 1 − (1 − p)ⁿ, "
        "p = ln(b/a)/ln(hi/lo), against p = (b − a)/(hi − lo) for uniform draws; the ratio of "
        "the per-draw probabilities is L(lo, hi)/L(a, b) (L the logarithmic mean), so "
        "log-uniform wins exactly for targets whose logarithmic mean lies below the range's. "
        "A grid hits only if a point falls inside: a log grid of n ≥ 1 + 1/p points always "
        "does."),
    sources=(
        Source(SEED_004, "Systematic Search on a Logarithmic Scale",
               "Learning rates often have optimal values that can span several orders of "
               "magnitude (e.g., from $10^{-5}$ to $10^{-1}$)."),
        Source(SEED_004, "Systematic Search on a Logarithmic Scale",
               "Formal [probabilistic analysis](@entry_id:261281) confirms that for a fixed "
               "number of samples, log-uniform [random sampling](@entry_id:175193) has a much "
               "higher chance of hitting a desirable, small-magnitude learning rate interval "
               "compared to linear-scale [random sampling](@entry_id:175193) or a uniform "
               "[grid search](@entry_id:636526)"),
    ),
    derive=_derive_h3,
    model=_model_h3,
    points=_points_h3(),
    figure=_figure_h3,
    simulate=_simulate_h3,
    statistics=H3_STATISTICS,
    validity=_validity_h3,
    findings=(
        "The source states no formula; p = ln(b/a)/ln(hi/lo) and 1 − (1 − p)ⁿ are derived "
        "from the sampler x = lo(hi/lo)^u. In the source's range 10⁻⁵ … 10⁻¹ five log-uniform "
        "draws hit [2·10⁻⁴, 6·10⁻⁴] with probability 0.470, five uniform draws with 0.0198: "
        "'much higher' holds, by the factor L(lo, hi)/L(a, b) = 29.8 per draw.",
        "The advantage is not general: it is L(lo, hi)/L(a, b) exactly, so above the range's "
        "logarithmic mean (0.0109 here) uniform sampling wins — on [0.03, 0.05] five "
        "uniform draws hit with 0.672, five log-uniform ones with 0.248, and a target [a, 2a] "
        "at a = L(lo, hi)·ln 2 is hit equally often (0.324). The source's qualifier "
        "'especially when that interval is at a small scale' is essential, not a nuance.",
        "A grid's chance is 0 or 1, and not monotone in n: a log grid hits "
        "[2·10⁻⁴, 6·10⁻⁴] with 4 points, misses with 5 (its points sit at 10⁻⁴ and 10⁻³) "
        "and hits from 6 on; n ≥ 1 + 1/p = 9.4 points hit a target of that log-width "
        "wherever it lies, where random log-uniform draws need 24 for 95 %. A linear grid "
        "needs n ≥ 1 + 1/p_lin = 251 for the same guarantee. "
        "A randomly shifted log grid hits with min(1, np) ≥ 1 − (1 − p)ⁿ: never worse than "
        "random log-uniform draws.",
    ),
)

CLAIMS = (H3,)
