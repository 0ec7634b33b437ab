"""Family M, claim M10: AdaGrad gives rarely active features larger rates and larger steps.

Derivation (:mod:`lrtheory.symbolic.adagrad_sparsity`): on a stream g_τ = b_τx_τ,
b_τ ~ Bernoulli(p), AdaGrad's accumulator update is affine in g², so E Σg² = p t E[x²]
exactly; with |x| = c the rule's rate for the k-th activation is α/(c√k + ε), and the count
N_t ~ Binomial(t, p) makes every expectation a binomial sum
(:mod:`lrtheory.models.sparse_streams`). A second-order expansion gives the error of the
catalog's α/√(p t E g²); integral bounds on Σ j^{−½} give the steps at which the mean paths
of AdaGrad and of SGD on a global 1/√t clock reach a target. The Monte Carlo check runs the
rules themselves on Bernoulli streams.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import numpy as np

from lrtheory.arrays import astype
from lrtheory.claim import Claim, Estimate, ModelCheck, Point, Source, ValidityDomain
from lrtheory.claims.adagrad_sparsity_rows import rate_checks, reach_checks
from lrtheory.errors import ParameterError, check_int
from lrtheory.models import sparse_streams as ss
from lrtheory.models.rounding import EPS
from lrtheory.montecarlo.runner import ChunkRNG, Ensemble
from lrtheory.montecarlo.stats import mean_statistic
from lrtheory.optimizers import adagrad, gradient_step
from lrtheory.plotting import new_figure
from lrtheory.results import ClaimResult
from lrtheory.sources import SEED_003
from lrtheory.symbolic.adagrad_sparsity import m10_derivation

# --------------------------------------------------------------------------------------
# Points, model
# --------------------------------------------------------------------------------------

#: A point's parameters: the two features' activation probabilities and gradient sizes,
#: AdaGrad's α and ε, the horizon t, and the distance D of a target for the rare feature
#: (0: no steps-to-target checks at that point).
KEYS = ("p_rare", "c_rare", "p_freq", "c_freq", "alpha", "eps", "t", "distance")


def _streams(params: Any) -> tuple[ss.Stream, ss.Stream, int]:
    """The rare and the frequent feature's streams and the horizon t of a point."""
    missing = [key for key in KEYS if key not in params]
    if missing:
        raise ParameterError("params", dict(params), f"a mapping with keys {', '.join(KEYS)}")
    a, eps = params["alpha"], params["eps"]
    rare = ss.Stream(params["p_rare"], params["c_rare"], a, eps)
    freq = ss.Stream(params["p_freq"], params["c_freq"], a, eps)
    return rare, freq, check_int("t", int(params["t"]), 2)


def _rule_rates(stream: ss.Stream, t: int) -> np.ndarray[Any, Any]:
    """The rule's rate for a gradient of size c arriving on an accumulator c²k, k = 0 … t−1."""
    s_prev = stream.c**2 * np.arange(t, dtype=np.float64)
    new = adagrad(np.zeros(t), s_prev, stream.c, stream.alpha, stream.eps)[0]
    return np.asarray(-new / stream.c)


def _rule_path(stream: ss.Stream, t: int) -> np.ndarray[Any, Any]:
    """|Δθ| of the rule over t consecutive activations, accumulated: P(0) … P(t)."""
    theta, s, moves = 0.0, 0.0, [0.0]
    for _ in range(t):
        new, s = adagrad(theta, s, -stream.c, stream.alpha, stream.eps)
        moves.append(abs(new - theta))
        theta = new
    return np.cumsum(moves)


def _model_m10(point: Point) -> list[ModelCheck]:
    rare, freq, t = _streams(point.params)
    checks: list[ModelCheck] = []
    for name, st in (("rare", rare), ("frequent", freq)):
        exact = ss.expected_rate_exact(st, t)
        chain = float(ss.count_pmf(st.p, t - 1) @ _rule_rates(st, t))
        checks += [
            ModelCheck(f"{name} (p = {st.p:g}): E rate at step t — count chain through the "
                       "rule vs 30-digit binomial sum", exact, chain,
                       (ss.pmf_rounding(t - 1) + 8 * EPS) * exact,
                       "float64 rounding of the count recursion (γ_{4t}) and of the rule"),
            *rate_checks(name, st, t, exact),
        ]
    path = ss.expected_path_exact(rare, t)
    checks.append(ModelCheck(
        "rare: E path length at t — count chain through the rule vs binomial sum", path,
        float(ss.count_pmf(rare.p, t) @ _rule_path(rare, t)),
        (ss.pmf_rounding(t) + (t + 8) * EPS) * path,
        "float64 rounding of the count recursion and of the accumulated path"))
    distance = point.params["distance"]
    if distance == 0.0:  # no target at this point
        return checks
    r = ss.reach(rare, distance)
    rule_k = int(np.searchsorted(_rule_path(rare, 4 * r.activations), distance))
    lo, hi = ((distance / rare.alpha + 1) / 2) ** 2, ((distance / rare.alpha + 2) / 2) ** 2 - 1
    checks += [
        ModelCheck(f"activations to move D = {distance:g}: the rule vs the path lengths",
                   r.activations, rule_k, 0.0, "both count integers"),
        ModelCheck("K* vs the centre of its bracket [((D/α+1)/2)², ((D/α+2)/2)² − 1]",
                   (lo + hi) / 2, r.activations,
                   (hi - lo) / 2 + 1.0 + 2.0 * hi * rare.eps / rare.c,
                   "half the bracket's width (integral bounds on Σ j^(−½), ε = 0), one "
                   "activation for the integer step, and ε's relative shortening ≤ ε/c of "
                   "each step, worth ≤ 2K*ε/c activations"),
    ]
    checks += reach_checks(rare, distance, r)
    if rare.p == 1.0:  # a dense feature: AdaGrad is SGD on the global clock η₀/√τ
        sgd = float(ss.sgd_expected_path(rare, t))
        checks.append(ModelCheck(
            "p = 1: AdaGrad's path vs SGD η₀/√τ (η₀ = α/c)", sgd, float(_rule_path(rare, t)[-1]),
            rare.alpha * rare.eps / rare.c * (1 + math.log(t)) + (t + 8) * 4 * EPS * sgd,
            "ε's shift of the k-th step (≤ αε/(ck)), summed (≤ αε(1 + ln t)/c), plus "
            "rounding"))
    return checks


# --------------------------------------------------------------------------------------
# Monte Carlo: the rules on Bernoulli streams
# --------------------------------------------------------------------------------------

M10_STATISTICS = (
    "rare feature: mean AdaGrad rate at step t",
    "frequent feature: mean AdaGrad rate at step t",
    "rare feature: mean AdaGrad path length Σ|Δθ| after t steps",
    "rare feature: mean path length after t steps, AdaGrad minus SGD (η₀/√τ)",
)


def _simulate_m10(point: Point, ensemble: Ensemble, n: int) -> list[Estimate]:
    """Each chain draws the two features' activations b_τ ~ Bernoulli(p) for t steps and
    feeds g = −c·b to AdaGrad (both features) and to SGD with η_τ = η₀/√τ (rare feature).
    The rate at step t is the rule's own scaling of a probe gradient c on the accumulator
    after t − 1 steps; path lengths sum |Δθ|. The last statistic is how much further AdaGrad
    moves than SGD on the same stream (the two paths are correlated, so the difference has
    a smaller spread than SGD's path alone). Every prediction is an exact binomial sum
    (30 digits); the float64 rounding of the SGD sum is declared as its bias."""
    rare, freq, t = _streams(point.params)
    alpha, eps, eta0 = rare.alpha, rare.eps, rare.eta0

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        p = xp.asarray([rare.p, freq.p], dtype=rng.dtype)
        c = xp.asarray([rare.c, freq.c], dtype=rng.dtype)
        theta = xp.zeros((rng.n, 2), dtype=rng.dtype)
        s, path = xp.zeros_like(theta), xp.zeros_like(theta)
        w_sgd, path_sgd = xp.zeros(rng.n, dtype=rng.dtype), xp.zeros(rng.n, dtype=rng.dtype)
        rate = theta
        for tau in range(1, t + 1):
            if tau == t:
                rate = (theta - adagrad(theta, s, c, alpha, eps)[0]) / c
            g = -c * astype(xp, rng.uniform(2) < p, rng.dtype)
            new, s = adagrad(theta, s, g, alpha, eps)
            path += xp.abs(new - theta)
            theta = new
            new_sgd = gradient_step(w_sgd, g[:, 0], eta0 / math.sqrt(tau))
            path_sgd += xp.abs(new_sgd - w_sgd)
            w_sgd = new_sgd
        return xp.stack([rate[:, 0], rate[:, 1], path[:, 0], path[:, 0] - path_sgd], axis=1)

    m = ensemble.run(kernel, n, what="M10 AdaGrad and SGD on Bernoulli streams")
    sgd, ada = float(ss.sgd_expected_path(rare, t)), ss.expected_path_exact(rare, t)
    predictions = [(ss.expected_rate_exact(rare, t), 0.0), (ss.expected_rate_exact(freq, t), 0.0),
                   (ada, 0.0), (ada - sgd, 4 * (t + 8) * EPS * sgd)]
    return [Estimate(name, pred, mean_statistic(m.mean[i], m.stderr_mean[i], m.n),
                     bias_bound=bias)
            for i, (name, (pred, bias)) in enumerate(zip(M10_STATISTICS, predictions,
                                                         strict=True))]


# --------------------------------------------------------------------------------------
# Validity domain, figure, numbers
# --------------------------------------------------------------------------------------

VALIDITY_P = 0.1
VALIDITY_PT = (0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0)


@cache
def _validity_errors() -> tuple[float, ...]:
    st = ss.Stream(VALIDITY_P, 1.0, 1.0, 0.0)
    errs = []
    for pt in VALIDITY_PT:
        t = round(pt / VALIDITY_P)
        errs.append(1.0 / math.sqrt(VALIDITY_P * t) / ss.expected_rate(st, t) - 1.0)
    return tuple(errs)


def _validity_m10() -> ValidityDomain:
    errs = _validity_errors()
    return ValidityDomain(
        f"α/√(p t E g²) against the exact mean rate E[α/(c√(1 + N_{{t−1}}))], p = {VALIDITY_P}: "
        f"it overstates the rate by {100 * errs[0]:.0f} % at pt = {VALIDITY_PT[0]:g}, "
        f"{100 * errs[2]:.1f} % at pt = {VALIDITY_PT[2]:g} and {100 * errs[-1]:.3f} % at "
        f"pt = {VALIDITY_PT[-1]:g}, approaching (1 − p)/(8pt) (derived) as pt grows.",
        "p·t (expected activations)", VALIDITY_PT, errs, "α/√(ptq) / E rate − 1")


def _figure_m10(result: ClaimResult) -> Any:
    fig, (left, middle, right) = new_figure(3, width=15.0)
    params = result.claim.points[0].params
    rare, freq, _ = _streams(params)
    ts = np.unique(np.geomspace(2, 2000, 40).astype(int))
    for i, st in enumerate((rare, freq)):
        left.loglog(ts, ss.expected_curves(st, ts)[0], color=f"C{i}",
                    label=f"p = {st.p:g}: exact E rate")
        left.loglog(ts, st.alpha / np.sqrt(st.p * ts * st.c**2), "--", color=f"C{i}",
                    label="α/√(ptq)")
    left.loglog(ts, rare.alpha / (rare.c * np.sqrt(ts)), ":", color="grey",
                label="global clock α/(c√t) (SGD, or p = 1)")
    for pr in result.points:
        if pr.monte_carlo and pr.point.params["c_freq"] == pr.point.params["c_rare"]:
            for r in pr.monte_carlo[:2]:
                left.errorbar(pr.point.params["t"], r.estimate.sample.value, fmt="ok", ms=4,
                              yerr=r.test.threshold * r.estimate.sample.se)
    left.plot([], [], "ok", ms=4, label="Monte Carlo")
    left.set(xlabel="step t", ylabel="rate per unit gradient",
             title=f"AdaGrad's rate, |g| = c = {rare.c:g} when active")
    left.legend(fontsize=7)
    distance = params["distance"]
    reach = ss.reach(rare, distance)
    horizon = np.unique(np.geomspace(1, 1.3 * reach.sgd_mean_path_steps, 60).astype(int))
    middle.plot(horizon, ss.expected_curves(rare, horizon)[1], color="C0",
                label="AdaGrad: exact mean path")
    middle.plot(horizon, ss.sgd_expected_path(rare, horizon), color="C3",
                label="SGD η₀/√τ: exact mean path")
    middle.axhline(distance, color="grey", lw=0.8, label=f"target at D = {distance:g}")
    middle.axvline(reach.adagrad_mean_path_steps, color="C0", ls=":",
                   label=f"AdaGrad's mean path reaches it: t_A = "
                         f"{reach.adagrad_mean_path_steps} (mean first passage "
                         f"K*/p = {reach.adagrad_mean_steps:.0f})")
    middle.axvline(reach.sgd_mean_path_steps, color="C3", ls=":",
                   label=f"SGD's mean path reaches it: t_S = {reach.sgd_mean_path_steps}")
    for pr in result.points:
        if pr.monte_carlo and pr.point.params["c_freq"] == pr.point.params["c_rare"]:
            r = pr.monte_carlo[2]
            middle.errorbar(pr.point.params["t"], r.estimate.sample.value, fmt="ok", ms=4,
                            yerr=r.test.threshold * r.estimate.sample.se)
    middle.plot([], [], "ok", ms=4, label="Monte Carlo (AdaGrad)")
    middle.set(xscale="log", xlabel="step t", ylabel="path length Σ|Δθ|",
               title=f"Rare feature (p = {rare.p:g}), α = {rare.alpha:g}")
    middle.legend(fontsize=7)
    pt = np.array(VALIDITY_PT)
    right.loglog(pt, _validity_errors(), "o-", label=f"exact, p = {VALIDITY_P}")
    right.loglog(pt, (1 - VALIDITY_P) / (8 * pt), "--", label="(1 − p)/(8pt) (derived)")
    right.set(xlabel="expected activations p·t", ylabel="α/√(ptq) / E rate − 1",
              title="Validity of α/√(p t E g²)")
    right.legend(fontsize=7)
    for ax in (left, middle, right):
        ax.minorticks_off()  # log-axis minor ticks are clutter, and slow to lay out
    return fig


def _m10_points() -> tuple[Point, ...]:
    base = {"p_rare": 0.1, "c_rare": 1.0, "p_freq": 0.5, "c_freq": 1.0, "alpha": 0.1,
            "eps": 1e-10, "t": 200, "distance": 1.0}
    large = {**base, "c_freq": 0.1, "distance": 0.0}
    pc_rare = large["p_rare"] * large["c_rare"] ** 2
    pc_freq = large["p_freq"] * large["c_freq"] ** 2
    return (
        Point(f"p = ({base['p_rare']:g}, {base['p_freq']:g}), |g| = {base['c_rare']:g}, "
              f"t = {base['t']:g}", base),
        Point(f"t = 20: pt = {20 * base['p_rare']:g} expected activations of the rare feature",
              {**base, "t": 20, "distance": 0.0}, regime="boundary",
              note="α/√(ptq) is off by several per cent"),
        Point(f"rare feature with larger gradients: |g| = ({large['c_rare']:g}, "
              f"{large['c_freq']:g})", large, regime="outside",
              note=f"p_r c_r² = {pc_rare:g} > p_f c_f² = {pc_freq:g}: the rare feature gets "
                   "the smaller rate (but still the larger steps)"),
        Point("dense feature p = 1: AdaGrad is SGD on the global clock",
              {**base, "p_rare": 1.0}, monte_carlo=False),
    )


@cache
def _numbers() -> dict[str, Any]:
    """The numbers quoted in the findings (base point and the 'outside' point)."""
    base, outside = _m10_points()[0].params, _m10_points()[2].params
    rare, freq, t = _streams(base)
    large = _streams(outside)[1]
    r = ss.reach(rare, base["distance"])
    return {"p": rare.p, "p_freq": freq.p, "alpha": rare.alpha, "t": t,
            "c": rare.c, "c_freq": large.c, "distance": base["distance"],
            "rare": ss.expected_rate(rare, t), "freq": ss.expected_rate(freq, t),
            "large": ss.expected_rate(large, t),
            "ada_path": ss.expected_path(rare, t), "sgd_path": float(ss.sgd_expected_path(rare, t)),
            "k": r.activations, "t_ada": r.adagrad_mean_steps, "t_a": r.adagrad_mean_path_steps,
            "t_sgd": r.sgd_mean_path_steps}


_N = _numbers()
_SECTION = "Per-Parameter Adaptation"

M10 = Claim(
    id="M10",
    slug="adagrad-sparsity",
    title="AdaGrad gives rare features larger rates: α/√(p t E g²)",
    statement=(
        "A feature active with probability p (g = b·x, b ~ Bernoulli(p)) has E Σ_{τ≤t} g² = "
        "p t E[x²] exactly, so AdaGrad's rate α/√(Σg²) is ≈ α/√(p t E[x²]) (the count "
        "replaced by its mean): 1/√p times the rate of a dense feature or of SGD on the "
        "global clock α/√t. With |x| = c the k-th activation gets rate α/(c√k) and step "
        "α/√k; the mean rate is a binomial sum that α/√(ptq) overstates by (1 − p)/(8pt) + "
        "O(t⁻²). To move a distance D AdaGrad needs K* ≈ (D/2α)² activations, K*/p steps on "
        "average, and its mean path reaches D after ≈ D²/(4α²p) steps; the mean path of SGD "
        "with η₀/√τ (η₀c = α) reaches D after ≈ D²/(4α²p²) steps, 1/p times as many."),
    sources=(
        Source(SEED_003, _SECTION, "AdaGrad excels in sparse data settings, such as natural "
               "language processing, by aggressively reducing learning rates for frequently "
               "updated parameters while allowing larger steps for infrequently updated ones, "
               "leading to robust convergence in online learning scenarios."),
        Source(SEED_003, _SECTION, "which adapts the learning rate for each parameter by "
               "dividing the global step size \\alpha_t by the square root of the sum of "
               "squared past gradients plus a small \\epsilon for numerical stability"),
        Source(SEED_003, _SECTION, "which is particularly beneficial for sparse or noisy "
               "gradients common in large-scale machine learning tasks"),
    ),
    derive=m10_derivation,
    model=_model_m10,
    points=_m10_points(),
    figure=_figure_m10,
    simulate=_simulate_m10,
    statistics=M10_STATISTICS,
    validity=_validity_m10,
    findings=(
        "The source's two halves hold in this model, in the precise sense derived: the rate is "
        "α/√(Σg²) ≈ α/√(p t E[x²]), decreasing in the activation frequency p (at "
        f"t = {_N['t']}: {_N['rare']:.4f} for p = {_N['p']:g} against {_N['freq']:.4f} for "
        f"p = {_N['p_freq']:g}, α = {_N['alpha']:g}), and the k-th step is α/√k whatever the "
        "gradient's size, so a rarely updated parameter (small k) always takes the larger "
        "steps.",
        "Frequency alone does not set the rate: it is 1/√(p E[x²]). A rare feature with "
        f"larger gradients gets the smaller rate — p = ({_N['p']:g}, {_N['p_freq']:g}), "
        f"|g| = ({_N['c']:g}, {_N['c_freq']:g}): {_N['rare']:.4f} against {_N['large']:.4f} "
        "(the 'outside' point) — even though its steps stay the larger.",
        "E Σg² = p t E[x²] is exact; the catalog's rate α/√(ptq) (the count replaced by its "
        "mean, a modelling step) is not the mean rate: with |x| = c the mean rate is a "
        "binomial sum that α/√(ptq) overstates by (1 − p)/(8pt) to first order (derived; the "
        "validity domain gives the exact error).",
        "Against SGD on the global clock η₀/√τ (η₀c = α, so that the two coincide on a dense "
        f"feature) the rare feature (p = {_N['p']:g}, α = {_N['alpha']:g}) moves "
        f"{_N['ada_path']:.2f} with AdaGrad and {_N['sgd_path']:.2f} with SGD in {_N['t']} "
        f"steps on average. For a target at D = {_N['distance']:g} AdaGrad needs "
        f"K* = {_N['k']} activations, {_N['t_ada']:.0f} steps on average (its exact mean "
        f"first-passage time), and its mean path reaches D at step {_N['t_a']}; SGD's mean "
        f"path reaches D only at step {_N['t_sgd']}, {_N['t_sgd'] / _N['t_a']:.1f} times "
        f"later (1/p = {1 / _N['p']:g} to leading order in D; finite-D offsets of the two "
        "path laws differ). SGD's own mean first-passage time is not computed, only bounded: "
        f"it exceeds {_N['t_sgd'] - 1} steps (optional stopping and Jensen, "
        "lrtheory.models.sparse_streams.Reach), so on average SGD needs more than "
        f"{(_N['t_sgd'] - 1) / _N['t_ada']:.1f} times AdaGrad's steps to reach the target.",
    ),
)

CLAIMS = (M10,)
