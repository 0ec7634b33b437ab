"""Family N: dynamics beyond the stability bound.

N1 clipping-two-cycle. Clipped GD on f(x) = (λ/2)x² is the odd, continuous, piecewise-affine
map F(x) = x − η·clip(λx), clip(g) = g·min(1, C/|g|):

    F(x) = (1 − ηλ)x          for |x| ≤ C/λ          (linear branch)
    F(x) = x − ηC·sgn(x)      for |x| > C/λ          (clipped branches, slope 1).

Derived below (a = ηλ): for a > 2 every point of C/λ ≤ |x| ≤ A, A = C(a − 1)/λ, lies on a
2-cycle {x, x − ηC·sgn x} (a continuum of neutral cycles, multiplier 1); [−A, A] is
absorbing; every orbit lands *exactly* on one of these cycles after finitely many steps,
except the null set x₀ ∈ ηCℤ, which lands on the repelling fixed point 0.
"""

from __future__ import annotations

import functools
import math
from fractions import Fraction
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
from lrtheory.errors import check_int
from lrtheory.models.clipping import (
    EPS,
    check_clipping,
    exact_landing,
    predicted_landing,
)
from lrtheory.montecarlo.runner import ChunkRNG, Ensemble
from lrtheory.montecarlo.stats import mean_statistic, proportion_statistic
from lrtheory.plotting import new_figure
from lrtheory.results import ClaimResult
from lrtheory.sources import SEED_000
from lrtheory.symbolic.linear import stable_interval
from lrtheory.symbolic.maps import Branch, PiecewiseAffineMap

# --------------------------------------------------------------------------------------
# Derivation
# --------------------------------------------------------------------------------------

ETA, LAM, C_SYM = sp.symbols("eta lambda C", positive=True)
X = sp.Symbol("x", real=True)
S = sp.Symbol("s", positive=True)  # ηλ = 2 + s beyond the bound
BRANCHES = ("linear", "clipped +", "clipped −")


def _unit_map(branches: tuple[sp.Expr, ...], a: sp.Expr) -> PiecewiseAffineMap:
    """The clipped map in u = λx/C at ηλ = a: branches on |u| ≤ 1, u > 1, u < −1."""
    u = sp.Symbol("u", real=True)
    domains = (sp.Interval(-1, 1), sp.Interval.open(1, sp.oo), sp.Interval.open(-sp.oo, -1))
    return PiecewiseAffineMap(u, [Branch(n, e.subs(ETA, a / LAM), d)
                                  for n, e, d in zip(BRANCHES, branches, domains, strict=True)])


def _in_x(piece: sp.Set) -> sp.Set:
    """A set of the dimensionless u = λx/C mapped back to x = (C/λ)u."""
    f = C_SYM / LAM
    if isinstance(piece, sp.FiniteSet):
        return sp.FiniteSet(*(f * p for p in piece.args))
    return sp.Interval(f * piece.start, f * piece.end, piece.left_open, piece.right_open)


@functools.cache
def _derivation() -> Derivation:
    eta, lam, C, x = ETA, LAM, C_SYM, X
    g, t, z = sp.Symbol("g", real=True), sp.Symbol("t", positive=True), sp.Symbol("z")
    u, n = sp.Symbol("u", real=True), sp.Symbol("n", integer=True, nonnegative=True)
    clip = g * sp.Min(1, C / sp.Abs(g))
    # |g| ≤ C written g = ±C/(1+t); |g| > C written g = ±C(1+t), t > 0.
    ratio_linear = sp.cancel(clip.subs(g, C / (1 + t)) / (C / (1 + t)))
    clipped = (sp.cancel(clip.subs(g, C * (1 + t))), sp.cancel(clip.subs(g, -C * (1 + t))))
    F = (sp.expand(x - eta * ratio_linear * lam * x), x - eta * clipped[0], x - eta * clipped[1])
    # In u = λx/C the map depends on ηλ only: F_u(u) = (λ/C)·F((C/λ)u).
    F_u = tuple(sp.expand(lam / C * f.subs(x, C * u / lam)) for f in F)
    q = sp.diff(F[0], x)
    attracting = stable_interval(q, eta)
    back = {S: eta * lam - 2}

    def in_x(pieces: list[sp.Set]) -> list[sp.Set]:
        return [_in_x(p).subs(back) for p in pieces]

    beyond = _unit_map(F_u, 2 + S)
    sets2 = beyond.periodic_sets(2)
    prime2 = in_x(beyond.prime_periodic_points(2))
    A = prime2[-1].end
    neutral = next(p.multiplier for p in sets2 if p.itinerary == ("clipped +", "clipped −"))
    p2, p4 = in_x(beyond.periodic_points(2)), in_x(beyond.periodic_points(4))
    prime3 = beyond.prime_periodic_points(3)
    a_u = 1 + S  # A in units of C/λ
    absorbing = in_x(beyond.image(sp.Interval(-a_u, a_u)))
    linear_image = in_x(beyond.image(sp.Interval(-1, 1)))
    outside_image = in_x(beyond.image(sp.Interval.open(a_u, sp.oo)))
    zero_preimage = in_x([beyond.preimage("clipped +", sp.FiniteSet(0))])[0]
    threshold_image = F[0].subs(x, C / lam)
    peak_to_peak = sp.simplify(x - F[1])
    symmetric = sp.solve(sp.Eq(F[1], -x), x)[0]
    # Landing density of |z| on [C/λ, A] for starts uniform over whole periods ηC:
    # w uniform on a period; |w| ∈ (0, C/λ) is magnified by (ηλ − 1)ⁿ, which sums to 1/(ηλ − 2).
    a = eta * lam
    r, N = sp.Symbol("r", positive=True), sp.Symbol("N", integer=True, positive=True)
    partial = sp.summation(r**n, (n, 0, N - 1))  # Σ_{n<N} rⁿ, then N → ∞ at r = 1/(ηλ−1)
    geometric = sp.simplify(sp.limit(partial.subs(r, 1 / (1 + S)), N, sp.oo) - 1).subs(back)
    density = sp.simplify((1 / a + 2 / a * geometric) * lam / C)
    mass = sp.simplify(sp.integrate(density, (z, C / lam, A)))
    half = eta * C / 2
    mean = sp.factor(sp.simplify(sp.integrate((eta * C - z) * density, (z, C / lam, half))
                                 + sp.integrate(z * density, (z, half, A))))
    p2_boundary = in_x(_unit_map(F_u, sp.Integer(2)).periodic_points(2))
    mean_boundary = sp.integrate(z * lam / C, (z, 0, C / lam))
    below = _unit_map(F_u, 1 + 1 / (1 + S))  # 1 < ηλ < 2
    prime2_below = below.prime_periodic_points(2)
    below_back = {S: 1 / (eta * lam - 1) - 1}
    entry_below = _in_x(below.image(sp.Interval.open(1, sp.oo))[0]).start.subs(below_back)
    stated_A = C * (eta * lam - 1) / lam
    steps = (
        Step("clip(g) = g·min(1, C/|g|): ratio clip/g for |g| ≤ C", ratio_linear),
        Step("clip(g) for g > C and g < −C", sp.Tuple(*clipped)),
        Step("branches of F(x) = x − η·clip(λx)", sp.Tuple(*F)),
        Step("fixed point and its multiplier", sp.Tuple(sp.solveset(F[0] - x, x), q)),
        Step("origin attracting for η in", attracting),
        Step("ηλ = 2+s: period-2 sets by itinerary (points, multiplier)",
             sp.Tuple(*(sp.Tuple(sp.Tuple(*map(sp.Symbol, p.itinerary)), p.points, p.multiplier)
                        for p in sets2))),
        Step("ηλ > 2: prime period-2 points", sp.Union(*prime2)),
        Step("ηλ > 2: period-4 points (= period-2: no 4-cycle; Sharkovskii ⇒ no k-cycle, k>2)",
             sp.Union(*p4)),
        Step("ηλ > 2: F([−A, A]) (absorbing) and F of the linear region",
             sp.Tuple(*absorbing, *linear_image)),
        Step("ηλ > 2: F((A, ∞)): each step outside moves ηC inwards, never past −A",
             outside_image[0]),
        Step("preimage of 0 on the clipped branch (so 0 ← ηCℤ)", zero_preimage),
        Step("Σₙ (ηλ−1)⁻ⁿ and the landing density of |x| on [C/λ, A]",
             sp.Tuple(geometric, density, mass)),
        Step("mean amplitude E[max(|z|, ηC − |z|)], starts uniform on [−NηC, NηC]", mean),
        Step("ηλ = 2: period-2 points (the whole linear region flips x ↦ −x)",
             sp.Union(*p2_boundary)),
        Step("1 < ηλ < 2: prime period-2 points", sp.Tuple(*prime2_below)),
        Step("1 < ηλ < 2: F((C/λ, ∞)) starts at C/λ − ηC > −C/λ: the clipped steps end "
             "inside |x| ≤ C/λ, where |1 − ηλ| < 1 contracts", entry_below),
    )
    identities = (
        Identity("non-clipping branch", F[0], (1 - eta * lam) * x),
        Identity("clipping branch (x > C/λ)", F[1], x - eta * C),
        Identity("origin attracting iff η < 2/λ (repelling beyond)", attracting,
                 sp.Interval.open(0, 2 / lam)),
        Identity("largest amplitude over the 2-cycles, ηλ > 2", A, stated_A),
        Identity("largest amplitude over the 2-cycles, ηλ = 2", p2_boundary[-1].end,
                 stated_A.subs(eta, 2 / lam)),
        Identity("2-cycle points x > 0 form an interval, ηλ > 2",
                 prime2[-1], sp.Interval(C / lam, stated_A), "derived"),
        Identity("multiplier of every clipped 2-cycle (neutral)", neutral, sp.Integer(1),
                 "derived"),
        Identity("peak-to-peak of every clipped 2-cycle", peak_to_peak, eta * C, "derived"),
        Identity("symmetric 2-cycle ±x*", symmetric, eta * C / 2, "derived"),
        Identity("period-4 points = period-2 points, ηλ > 2", sp.Tuple(*p4), sp.Tuple(*p2),
                 "derived"),
        Identity("no 3-cycle, ηλ > 2", sp.Tuple(*prime3), sp.Tuple(), "derived"),
        Identity("absorbing interval F([−A, A]) = [−A, A]", sp.Tuple(*absorbing),
                 sp.Tuple(sp.Interval(-stated_A, stated_A)), "derived"),
        Identity("the linear region maps onto [−A, A]", sp.Tuple(*linear_image),
                 sp.Tuple(sp.Interval(-stated_A, stated_A)), "derived"),
        Identity("F((A, ∞)) = (−C/λ, ∞): left end", outside_image[0].start, -C / lam,
                 "derived", note="open at −C/λ and unbounded above (shown in the steps)"),
        Identity("image of the clipping threshold C/λ", threshold_image, -stated_A, "derived"),
        Identity("preimage of 0 on the clipped branch", zero_preimage, sp.FiniteSet(eta * C),
                 "derived"),
        Identity("landing density is uniform on [C/λ, A]", density,
                 1 / (stated_A - C / lam), "derived"),
        Identity("mean amplitude, uniform starts, ηλ > 2", mean,
                 (eta * C / 2 + stated_A) / 2, "derived"),
        Identity("mean amplitude, uniform starts, ηλ = 2", mean_boundary, C / (2 * lam),
                 "derived"),
        Identity("no 2-cycle for 1 < ηλ < 2", sp.Tuple(*prime2_below), sp.Tuple(), "derived"),
        Identity("1 < ηλ < 2: F((C/λ, ∞)) left end", entry_below, C / lam - eta * C,
                 "derived"),
        Identity("amplitude of the cycle reached = C(ηλ−1)/λ", mean, stated_A,
                 expect_equal=False,
                 note="Finding: C(ηλ−1)/λ is the largest amplitude of a continuum of cycles; "
                      "the cycle reached from a uniform start has mean amplitude "
                      "(ηC/2 + C(ηλ−1)/λ)/2."),
    )
    return Derivation(steps, identities)


def _identity(name: str) -> sp.Expr:
    return next(i.derived for i in _derivation().identities if i.name == name)


def max_amplitude(eta: float, lam: float, C: float) -> float:
    """Largest |x| on an attractor: the derived C(ηλ − 1)/λ for ηλ ≥ 2, 0 below."""
    eta, lam, C = check_clipping(eta, lam, C)
    if eta * lam < 2:
        return 0.0
    return float(_identity("largest amplitude over the 2-cycles, ηλ > 2").subs(
        {ETA: eta, LAM: lam, C_SYM: C}))


def mean_amplitude(eta: float, lam: float, C: float) -> float:
    """Derived mean attractor amplitude for x₀ uniform on [−NηC, NηC] (any integer N ≥ 1)."""
    eta, lam, C = check_clipping(eta, lam, C)
    a = eta * lam
    if a < 2:
        return 0.0
    name = "mean amplitude, uniform starts, ηλ " + ("> 2" if a > 2 else "= 2")
    return float(_identity(name).subs({ETA: eta, LAM: lam, C_SYM: C}))


# --------------------------------------------------------------------------------------
# Model: exact rational iteration from a grid of starts
# --------------------------------------------------------------------------------------

#: Magnitudes of the log-uniform starts, in units of C/λ (8 decades).
LOG_RANGE = (1e-6, 1e2)
#: Uniform starts on [−N ηC, N ηC]: whole periods of the landing map.
N_PERIODS = 3


def start_grid(eta: Fraction, lam: Fraction, C: Fraction, per_unit: int = 20) -> list[Fraction]:
    """Starts: a uniform grid of step (C/λ)/per_unit on [−(N+1)ηC, (N+1)ηC], log-spaced
    magnitudes over ``LOG_RANGE`` and the special points (threshold, cycle ends, ηCℤ)."""
    unit = C / lam
    a = eta * lam
    reach = math.ceil((N_PERIODS + 1) * a * per_unit)
    grid = {Fraction(j, per_unit) * unit for j in range(-reach, reach + 1)}
    grid |= {Fraction(10.0 ** e).limit_denominator(10**12) * unit * sgn
             for e in np.linspace(np.log10(LOG_RANGE[0]), np.log10(LOG_RANGE[1]), 33)
             for sgn in (1, -1)}
    special = [unit, a * unit / 2, (a - 1) * unit, eta * C, 2 * eta * C, eta * C / 3]
    grid |= {sgn * p for p in special for sgn in (1, -1)}
    return sorted(grid)


def _fractions(point: Point) -> tuple[Fraction, Fraction, Fraction]:
    p = point.params
    eta, lam, C = check_clipping(p["eta"], p["lam"], p["C"])
    return Fraction(eta), Fraction(lam), Fraction(C)


EXACT = "exact rational arithmetic (fractions.Fraction): no rounding at all"


def _model_n1(point: Point) -> list[ModelCheck]:
    eta, lam, C = _fractions(point)
    a, unit = eta * lam, C / lam
    grid = start_grid(eta, lam, C)
    if a < 2:
        entry = max(max(0, math.ceil((abs(x0) - unit) / (eta * C))) for x0 in grid)
        horizon = entry + int(point.params["tail"])
        ends = [exact_landing(x0, eta, lam, C, horizon) for x0 in grid]
        on_cycle = sum(t is not None and b != x for t, x, b in ends)
        bound = float(abs(1 - a) ** (horizon - entry) * unit)
        return [
            ModelCheck(f"largest |x_T| over {len(grid)} starts, T = {horizon}", 0.0,
                       float(max(max(abs(x), abs(b)) for _, x, b in ends)), bound,
                       "derived bound |1−ηλ|^(T−k)·C/λ after entry into |x| ≤ C/λ by step k"),
            ModelCheck("starts on a 2-cycle", 0.0, float(on_cycle), 0.0, EXACT)]
    ends = [exact_landing(x0, eta, lam, C, 2000) for x0 in grid]
    on_zero = sum((x0 / (eta * C)).denominator == 1 for x0 in grid)  # x₀ ∈ ηCℤ
    landed = [(t, x, b) for t, x, b in ends if t is not None]
    cycles = [(x, b) for _, x, b in landed if b != x]
    amplitude = [max(abs(x), abs(b)) for x, b in cycles]
    gap = [abs(x - b) for x, b in cycles]
    match = sum(predicted_landing(x0, eta, lam, C) == (t, x) for x0, (t, x, _) in
                zip(grid, ends, strict=True))
    n = len(grid)
    checks = [
        ModelCheck(f"largest |x| on the attractors of {n} starts", max_amplitude(
            float(eta), float(lam), float(C)), float(max(amplitude)), 0.0, EXACT),
        ModelCheck("starts ending on a 2-cycle (all but x₀ ∈ ηCℤ)", float(n - on_zero),
                   float(len(cycles)), 0.0, EXACT),
        ModelCheck("starts ending on the fixed point 0 (x₀ ∈ ηCℤ)", float(on_zero),
                   float(len(landed) - len(cycles)), 0.0, EXACT),
        ModelCheck("starts landing when and where the derived landing map says",
                   float(n), float(match), 0.0, EXACT),
        ModelCheck("largest peak-to-peak |x − F(x)| on a cycle", float(eta * C),
                   float(max(gap)), 0.0, EXACT),
    ]
    if a > 2:
        checks += [
            ModelCheck("smallest peak-to-peak on a cycle", float(eta * C), float(min(gap)),
                       0.0, EXACT),
            ModelCheck("smallest amplitude on a cycle (symmetric cycle ±ηC/2)",
                       float(eta * C / 2), float(min(amplitude)), 0.0, EXACT)]
    return checks


# --------------------------------------------------------------------------------------
# Monte Carlo: many initial points
# --------------------------------------------------------------------------------------

N1_STATISTICS = (
    "fraction of log-uniform starts ending on a 2-cycle",
    "fraction with attractor amplitude ≤ C(ηλ−1)/λ",
    "fraction with attractor amplitude ≥ ηC/2",
    "mean attractor amplitude, x₀ uniform on [−3ηC, 3ηC]",
)


def attractor_kernel(eta: float, lam: float, C: float, steps: int) -> Any:
    """Chains with two starts each: x₀ = ±(C/λ)·10^U(−6, 2) (random sign) and x₀ uniform
    on [−NηC, NηC]; after ``steps`` steps each orbit is classified from its last three
    points with the rounding tolerance τ = 4ε·max(|x|, C/λ) (two rounded operations per
    period): fixed point if |x_T − x_{T−1}| ≤ τ, 2-cycle if not and |x_T − x_{T−2}| ≤ τ.
    The attractor amplitude is 0 on the fixed point, max(|x_T|, |x_{T−1}|) otherwise."""
    eta, lam, C = check_clipping(eta, lam, C)
    check_int("steps", steps, 2)
    unit, top = C / lam, max_amplitude(eta, lam, C)
    lo, hi = math.log(LOG_RANGE[0]), math.log(LOG_RANGE[1])

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        draw = rng.uniform(3)
        magnitude = xp.exp(lo + (hi - lo) * draw[:, 1]) * unit
        x = xp.stack([xp.where(draw[:, 0] < 0.5, -magnitude, magnitude),
                      (2.0 * draw[:, 2] - 1.0) * (N_PERIODS * eta * C)], axis=1)
        history = []
        for t in range(steps):
            x = x - eta * xp.clip(lam * x, -C, C)
            if t >= steps - 3:
                history.append(x)
        x2, x1, x0 = history
        tau = 4 * EPS * xp.maximum(xp.maximum(xp.abs(x0), xp.abs(x1)),
                                   xp.maximum(xp.abs(x2), unit))
        fixed = xp.abs(x0 - x1) <= tau
        two = ~fixed & (xp.abs(x0 - x2) <= tau)
        amp = xp.where(fixed, 0.0, xp.maximum(xp.abs(x0), xp.abs(x1)))
        slack = 4 * EPS
        return xp.stack([two[:, 0], amp[:, 0] <= top * (1 + slack),
                         amp[:, 0] >= eta * C / 2 * (1 - slack), amp[:, 1]],
                        axis=1).astype(rng.dtype)

    return kernel


def _simulate_n1(point: Point, ensemble: Ensemble, n: int) -> list[Estimate]:
    p = point.params
    eta, lam, C = p["eta"], p["lam"], p["C"]
    a, steps = eta * lam, int(p["steps"])
    m = ensemble.run(attractor_kernel(eta, lam, C, steps), n, what="N1 clipped GD orbits")
    counts = [round(float(v) * m.n) for v in m.mean[:3]]
    mean = mean_amplitude(eta, lam, C)
    # Not landed by T (|w| < (ηλ−1)^(T−k), w uniform over a period: P = 2·that/ηλ) or
    # rounding drift of T steps: either moves the amplitude by at most A (resp. T ulps).
    top = max_amplitude(eta, lam, C)
    descent = math.ceil(N_PERIODS)
    unlanded = 2 * (a - 1) ** (-(steps - descent)) / a if a > 2 else 0.0
    bias = (unlanded + steps * 2 * EPS) * top if a >= 2 else 0.0
    return [
        Estimate(N1_STATISTICS[0], 1.0 if a >= 2 else 0.0, proportion_statistic(counts[0], m.n),
                 scale=1.0),
        Estimate(N1_STATISTICS[1], 1.0, proportion_statistic(counts[1], m.n), scale=1.0),
        Estimate(N1_STATISTICS[2], 1.0 if a > 2 else 0.0, proportion_statistic(counts[2], m.n),
                 scale=1.0),
        Estimate(N1_STATISTICS[3], mean, mean_statistic(
            float(m.mean[3]), float(m.stderr_mean[3]), m.n),
                 scale=mean if mean > 0 else C / lam, bias_bound=bias),
    ]


# --------------------------------------------------------------------------------------
# Figure and validity domain
# --------------------------------------------------------------------------------------


def _attractors(a: np.ndarray[Any, Any], n_starts: int, steps: int,
                seed: int) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Last two iterates (units C/λ, so λ = C = 1 and η = a) from starts uniform on
    [−N·a, N·a] for each ηλ in ``a``; shape (len(a), n_starts) each."""
    rng = np.random.default_rng(seed)
    x = (2.0 * rng.random((a.size, n_starts)) - 1.0) * N_PERIODS * a[:, None]
    prev = x
    for _ in range(steps):
        prev, x = x, x - a[:, None] * np.clip(x, -1.0, 1.0)
    return prev, x


def _figure_n1(result: ClaimResult) -> Any:
    fig, (left, right) = new_figure(2)
    a = np.linspace(1.2, 6.0, 241)
    prev, last = _attractors(a, 60, 400, seed=1)
    for pts, label in ((prev, "attractor points x_{T−1}, x_T"), (last, None)):
        left.plot(np.repeat(a, pts.shape[1]), pts.ravel(), ",", color="C0", alpha=0.6,
                  label=label)
    for sgn in (1, -1):
        left.plot(a[a >= 2], sgn * (a[a >= 2] - 1), color="C3",
                  label="±C(ηλ−1)/λ (stated maximum)" if sgn > 0 else None)
        left.plot(a[a >= 2], sgn * np.ones_like(a[a >= 2]), ":", color="C2",
                  label="±C/λ (clipping threshold)" if sgn > 0 else None)
    left.axvline(2.0, ls="--", color="grey", lw=0.8)
    left.set_xlabel("η · λ")
    left.set_ylabel("x on the attractor  [units of C/λ]")
    left.set_title("every |x| in [C/λ, C(ηλ−1)/λ] is on a 2-cycle")
    left.legend(loc="upper left", fontsize=7)
    aa = 4.0
    p, q = _attractors(np.array([aa]), 200_000, 200, seed=2)
    amplitude = np.maximum(np.abs(p), np.abs(q)).ravel()
    right.hist(amplitude, bins=60, density=True, color="C0", alpha=0.7,
               label="exact map, x₀ uniform on [−3ηC, 3ηC]")
    right.hlines(1.0 / (aa - 1 - aa / 2), aa / 2, aa - 1, color="C1",
                 label="derived: uniform on [ηC/2, C(ηλ−1)/λ]")
    right.axvline(aa - 1, color="C3", label="stated C(ηλ−1)/λ")
    right.axvline(mean_amplitude(aa, 1.0, 1.0), ls="--", color="C2",
                  label="derived mean (ηC/2 + C(ηλ−1)/λ)/2")
    right.set_xlabel("attractor amplitude max|x|  [units of C/λ]")
    right.set_ylabel("probability density")
    right.set_title(f"amplitude of the cycle reached, ηλ = {aa:g}")
    right.legend(loc="lower center", fontsize=7)
    return fig


VALIDITY_A = (2.0, 2.01, 2.1, 2.5, 3.0, 4.0, 6.0, 10.0, 20.0)


def _validity_n1() -> ValidityDomain:
    """C(ηλ−1)/λ read as the amplitude of the cycle reached, against the exact model's
    mean amplitude over a fine midpoint grid of starts on [−NηC, NηC] (units C/λ)."""
    k = 4001
    grid = ((np.arange(k) + 0.5) / k * 2.0 - 1.0) * N_PERIODS
    errors = []
    for a in VALIDITY_A:
        # N descents, then (ηλ−1)ⁿ|w| ≥ 1 for the smallest |w| on the grid (~ a/k).
        steps = N_PERIODS + 4 + (0 if a == 2 else math.ceil(math.log(k) / math.log(a - 1)))
        x = prev = grid * a
        for _ in range(steps):
            prev, x = x, x - a * np.clip(x, -1.0, 1.0)
        mean = float(np.maximum(np.abs(prev), np.abs(x)).mean())
        errors.append(abs((a - 1) - mean) / mean)
    return ValidityDomain(
        "C(ηλ−1)/λ taken as the amplitude of the 2-cycle reached (it is the largest one); "
        "derived relative error (ηλ−2)/(3ηλ−2) for ηλ > 2, → 1/3 as ηλ grows, 1 at ηλ = 2",
        "ηλ", VALIDITY_A, tuple(errors),
        "relative error vs the mean amplitude (x₀ uniform on [−3ηC, 3ηC])")


# --------------------------------------------------------------------------------------
# The claim
# --------------------------------------------------------------------------------------


def _points_n1() -> tuple[Point, ...]:
    base = {"lam": 2.0, "C": 0.5, "steps": 200, "tail": 40}
    return (
        Point("ηλ = 1.5 (stable: no cycle)", {**base, "eta": 0.75}, regime="outside",
              note="below the stability bound the origin attracts every orbit"),
        Point("ηλ = 2 (stability bound)", {**base, "eta": 1.0}, regime="boundary",
              note="the linear branch is the flip x ↦ −x: every |x| ≤ C/λ is a 2-cycle"),
        Point("ηλ = 2.0625 (just beyond)", {**base, "eta": 1.03125}, regime="boundary",
              monte_carlo=False),
        Point("ηλ = 2.5", {**base, "eta": 1.25}),
        Point("ηλ = 10", {**base, "eta": 5.0}),
    )


N1 = Claim(
    id="N1",
    slug="clipping-two-cycle",
    title="Gradient clipping turns divergence beyond 2/λ into bounded 2-cycles",
    statement=(
        "Clipped GD x ← x − η·clip(λx), clip(g) = g·min(1, C/|g|), on (λ/2)x²: for ηλ ≥ 2 "
        "orbits settle on a 2-cycle of maximum amplitude C(ηλ−1)/λ instead of diverging."),
    sources=(
        Source(SEED_000, "Dynamics Beyond the Stability Boundary: Gradient Clipping",
               "For the case where $\\eta\\lambda \\ge 2$, it can be shown that the system "
               "converges to a 2-point cycle, whose maximum amplitude is given by "
               "$\\frac{C(\\eta\\lambda - 1)}{\\lambda}$ . Gradient clipping, therefore, acts "
               "as a crucial stabilizing force"),
        Source(SEED_000, "Dynamics Beyond the Stability Boundary: Gradient Clipping",
               "In the **non-clipping regime**, where $|\\lambda x| \\le C$, the update is the "
               "standard linear map: $x_{t+1} = (1 - \\eta\\lambda) x_t$. If "
               "$\\eta\\lambda > 2$, the origin is a"),
        Source(SEED_000, "Dynamics Beyond the Stability Boundary: Gradient Clipping",
               "In the **clipping regime**, where $|\\lambda x| > C$, the gradient magnitude "
               "is capped at $C$. The update becomes "
               "$x_{t+1} = x_t - \\eta C \\cdot \\text{sgn}(x_t)$."),
    ),
    derive=_derivation,
    model=_model_n1,
    points=_points_n1(),
    figure=_figure_n1,
    simulate=_simulate_n1,
    statistics=N1_STATISTICS,
    validity=_validity_n1,
    findings=(
        "For ηλ > 2 the 2-cycles are not isolated: every x with C/λ ≤ |x| ≤ C(ηλ−1)/λ lies on "
        "the 2-cycle {x, x − ηC·sgn x}. All of them are neutral (multiplier 1): none attracts "
        "its neighbours, so 'stable periodic orbit' holds only in Lyapunov's sense, and which "
        "cycle an orbit ends on depends on x₀.",
        "Orbits do not converge asymptotically: every orbit lands exactly on a 2-cycle after "
        "finitely many steps (⌈(|x₀|−A)/(ηC)⌉ clipped steps, then expansion by ηλ−1 through "
        "the linear region). The exceptions are x₀ ∈ ηCℤ (a null set), which land on the "
        "repelling fixed point 0. There are no 3- or 4-cycles, so (Sharkovskii) no k-cycles "
        "with k > 2, and no chaos, for any ηλ > 2.",
        "C(ηλ−1)/λ is the maximum over the family — the radius of the absorbing interval "
        "[−A, A], attained by the cycle through the clipping threshold {C/λ, −C(ηλ−1)/λ} — "
        "not the amplitude of the cycle reached. Every cycle has peak-to-peak exactly ηC and "
        "amplitude in [ηC/2, C(ηλ−1)/λ]; for x₀ uniform over whole periods [−NηC, NηC] the "
        "amplitude is uniform on that range, mean (ηC/2 + C(ηλ−1)/λ)/2.",
        "At ηλ = 2 exactly no clipping is involved in the limit: the linear branch is the "
        "flip x ↦ −x and every |x| ≤ C/λ is a 2-cycle, amplitude uniform on [0, C/λ] for "
        "uniform starts (mean C/(2λ)), while for ηλ → 2⁺ all amplitudes tend to C/λ: the "
        "amplitude law is discontinuous at the bound. The stated bound C(ηλ−1)/λ = C/λ "
        "still holds there.",
    ),
)

CLAIMS = (N1,)
