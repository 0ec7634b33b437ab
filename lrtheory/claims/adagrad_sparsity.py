"""Family M, claim M10: AdaGrad gives rarely active features larger rates and larger steps.

Derivation: on a stream g_τ = b_τx_τ, b_τ ~ Bernoulli(p), AdaGrad's accumulator update is
affine in g², so E Σg² = p t E[x²] exactly; with |x| = c the rule's rate for the k-th
activation is α/(c√k + ε), and the count N_t ~ Binomial(t, p) makes every expectation a
binomial sum (:mod:`lrtheory.models.sparse_streams`). A second-order expansion gives the
error of the catalog's α/√(p t E g²); integral bounds on Σ j^{−½} give the steps to a
target, against SGD on a global 1/√t clock. The Monte Carlo check runs the rules
themselves on Bernoulli streams.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import numpy as np
import sympy as sp
from sympy.stats import Bernoulli, E, variance

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
from lrtheory.errors import ParameterError, check_int
from lrtheory.models import sparse_streams as ss
from lrtheory.models.rounding import EPS
from lrtheory.montecarlo.runner import ChunkRNG, Ensemble
from lrtheory.montecarlo.stats import mean_statistic
from lrtheory.optimizers import adagrad, gradient_step
from lrtheory.plotting import new_figure
from lrtheory.results import ClaimResult
from lrtheory.sources import SEED_003
from lrtheory.symbolic.series import unroll_affine

ALPHA, C, EPSILON, P, Q, D = sp.symbols("alpha c epsilon p q D", positive=True)
PR, PF, CR, CF = sp.symbols("p_r p_f c_r c_f", positive=True)
THETA, X = sp.symbols("theta x", real=True)
t, k = sp.symbols("t k", integer=True, positive=True)

# --------------------------------------------------------------------------------------
# Derivation
# --------------------------------------------------------------------------------------


@cache
def _m10() -> Derivation:
    b = Bernoulli("b", P)
    eg2 = E((b * X) ** 2).subs(X**2, Q)  # E g² = p E[x²], x independent of b
    rms = sp.sqrt(Q * P)  # a gradient whose square is E g² (the update is affine in g²)
    es_t = unroll_affine(lambda s: adagrad(THETA, s, rms, ALPHA, EPSILON)[1], t)
    # The k-th activation of a feature with |g| = c: the accumulator holds c²(k − 1) before it.
    new = adagrad(THETA, C**2 * (k - 1), C, ALPHA, EPSILON)[0]
    rate = sp.factor(sp.expand((THETA - new) / C))
    rate0 = rate.subs(EPSILON, 0)
    seed_form = sp.factor(sp.expand(
        (THETA - adagrad(THETA, C**2 * (k - 1), C, ALPHA, EPSILON, eps_inside=True)[0]) / C))
    step0 = sp.cancel(C * rate0)
    stated = rate0.subs(k, P * t)  # k → E N_t = pt
    slope = sp.diff(stated, P)
    ratio = sp.powsimp(stated.subs({P: PR, C: CR}) / stated.subs({P: PF, C: CF}), force=True)
    (crossing,) = sp.solve(sp.numer(sp.together(ratio**2 - 1)), PR)  # ratio = 1 there
    falls = sp.sign(sp.diff(ratio, PR))  # and on which side it exceeds 1:
    rare_larger = (sp.Interval.open(0, crossing) if falls == -1
                   else sp.Interval.open(crossing, sp.oo))
    # N_{t−1} = Σ of t − 1 independent Bernoulli(p): mean and variance by linearity.
    mean_n, var_n = (t - 1) * E(b), sp.factor((t - 1) * variance(b))
    m = 1 + mean_n  # the rate at step t is α/(c√(1 + N_{t−1})) (ε → 0)
    delta = rate0.subs(k, m) + sp.diff(rate0, k, 2).subs(k, m) * var_n / 2
    x = sp.Symbol("x", positive=True)  # x = 1/t
    rel = sp.cancel(sp.together((delta / stated).subs(t, 1 / x)))  # analytic at x = 0
    rel0, lead = rel.subs(x, 0), sp.factor(sp.diff(rel, x).subs(x, 0))
    glob = rate0.subs(k, t)  # p = 1: one accumulator per step, SGD's η₀/√t with η₀ = α/c
    gain = sp.powsimp(stated / glob, force=True)
    # Path length: Σ_{j≤k} j^{−½} between its integral bounds, both ~ 2√k.
    z = sp.Symbol("z", positive=True)
    lower = sp.integrate(z ** sp.Rational(-1, 2), (z, 1, k + 1))
    upper = 1 + sp.integrate(z ** sp.Rational(-1, 2), (z, 1, k))
    limits = sp.Tuple(*(sp.limit(b_ / sp.sqrt(k), k, sp.oo) for b_ in (lower, upper)))
    root = sp.Symbol("r", positive=True)  # √k, √t
    k_star = sp.solve(2 * ALPHA * root - D, root, check=False)[0] ** 2  # AdaGrad: 2α√k = D
    t_ada = k_star / P  # the K*-th success of a Bernoulli(p) stream
    # SGD: 2η₀cp√t = D with η₀c = α.
    t_sgd = sp.solve(2 * ALPHA * P * root - D, root, check=False)[0] ** 2
    steps = (
        Step.equation("stream g = b·x, b ~ Bernoulli(p): E g²", "E g^2", eg2),
        Step.equation("AdaGrad's accumulator s ← s + g², unrolled in expectation",
                      "E s_t", es_t),
        Step.equation("rate of the k-th activation, |g| = c (the rule)", "r_k", rate),
        Step.equation("ε → 0", "r_k", rate0),
        Step.equation("step of the k-th activation, c·r_k (ε → 0)", "c r_k", step0),
        Step.equation("k → E N_t = pt", "r(t)", stated),
        Step.equation("∂r/∂p", "dr/dp", slope),
        Step.equation("rare over frequent rate", "ratio", ratio),
        Step.equation("ratio = 1 at", "p_r", crossing),
        Step.equation("sign of ∂(ratio)/∂p_r", "sign", falls),
        Step("so the rare feature's rate is the larger iff p_r lies in", rare_larger),
        Step.equation("E N_{t−1}, Var N_{t−1} (sum of Bernoulli)", "(E N, Var N)",
                      sp.Tuple(mean_n, var_n)),
        Step.equation("E r at step t to second order in N − E N", "E r", delta),
        Step.equation("E r / r(t) as a function of x = 1/t (analytic at 0): value and slope "
                      "at x = 0", "(ratio, d ratio/dx)", sp.Tuple(rel0, lead)),
        Step.equation("global clock (p = 1): SGD's η₀/√t with η₀ = α/c", "r_glob", glob),
        Step.equation("AdaGrad's rate over the global clock's", "gain", gain),
        Step.equation("Σ_{j≤k} j^(−½) ≥ ∫₁^{k+1} z^(−½) dz", "lower", lower),
        Step.equation("Σ_{j≤k} j^(−½) ≤ 1 + ∫₁^k z^(−½) dz", "upper", upper),
        Step.equation("activations to move D (2α√k = D)", "K*", k_star),
        Step.equation("AdaGrad: mean steps K*/p", "T_AdaGrad", t_ada),
        Step.equation("SGD η₀/√τ: mean path 2η₀cp√t = D", "T_SGD", t_sgd),
    )
    identities = (
        Identity("E g² = p·E[x²|active]", eg2, P * Q, "derived"),
        Identity("E Σ_{τ≤t} g² = p t E[g²|active] (exact in expectation)", es_t, P * t * Q,
                 "derived"),
        Identity("the seed's rule α/√(Σg² + ε) on the stream: Σg² = c²k after k activations",
                 seed_form, ALPHA / sp.sqrt(C**2 * k + EPSILON),
                 note="ε inside the root, as the seed prints it"),
        Identity("rate of the k-th activation: α/(c√k + ε)", rate,
                 ALPHA / (C * sp.sqrt(k) + EPSILON), "derived"),
        Identity("catalog: effective rate α/√(p t E[g²|active]), E[g²|active] = c²", stated,
                 ALPHA / sp.sqrt(P * t * C**2), "derived"),
        Identity("the source's 'reducing learning rates for frequently updated parameters' "
                 "(formalised): ∂r/∂p < 0", sp.sign(slope), sp.Integer(-1), "derived",
                 note="the quoted words as a formula; true at a fixed gradient magnitude"),
        Identity("… but frequency alone does not decide: the rare rate is larger iff "
                 "p_r c_r² < p_f c_f²", rare_larger,
                 sp.Interval.open(0, PF * CF**2 / CR**2), "derived"),
        Identity("the source's 'larger steps for infrequently updated ones': the k-th step "
                 "is α/√k whatever c (ε → 0)", step0, ALPHA / sp.sqrt(k), "derived"),
        Identity("E r / r(t) = 1 − (1 − p)/(8pt) + O(t⁻²): α/√(ptq) overstates the mean rate",
                 sp.Tuple(rel0, lead), sp.Tuple(1, -(1 - P) / (8 * P)), "derived"),
        Identity("AdaGrad's rate over the global clock's → 1/√p", gain, 1 / sp.sqrt(P),
                 "derived"),
        Identity("path bounds / √k → 2 (both)", limits, sp.Tuple(2, 2), "derived"),
        Identity("mean steps to a target: SGD (global clock) / AdaGrad → 1/p",
                 sp.simplify(t_sgd / t_ada), 1 / P, "derived"),
    )
    return Derivation(steps, identities)


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
        q = st.c**2
        checks += [
            ModelCheck(f"{name} (p = {st.p:g}): E rate at step t — count chain through the "
                       "rule vs 30-digit binomial sum", exact, chain,
                       (ss.pmf_rounding(t - 1) + 8 * EPS) * exact,
                       "float64 rounding of the count recursion (γ_{4t}) and of the rule"),
            ModelCheck(f"{name}: α/√(ptq) vs exact E rate", st.alpha / math.sqrt(st.p * t * q),
                       exact, 0.0, "approximation (k → E N_t)", exact=False),
            ModelCheck(f"{name}: α/√(ptq)·(1 − (1−p)/(8pt)) vs exact E rate",
                       st.alpha / math.sqrt(st.p * t * q) * (1 - (1 - st.p) / (8 * st.p * t)),
                       exact, 0.0, "approximation (second order in N − E N)", exact=False),
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
        ModelCheck("SGD/AdaGrad mean steps to the target vs 1/p", 1 / rare.p,
                   r.sgd_mean_path_steps / r.adagrad_mean_steps, 0.0,
                   "approximation (2√k law; finite D)", exact=False),
    ]
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
    "rare feature: mean SGD (η₀/√τ) path length after t steps",
)


def _simulate_m10(point: Point, ensemble: Ensemble, n: int) -> list[Estimate]:
    """Each chain draws the two features' activations b_τ ~ Bernoulli(p) for t steps and
    feeds g = −c·b to AdaGrad (both features) and to SGD with η_τ = η₀/√τ (rare feature).
    The rate at step t is the rule's own scaling of a probe gradient c on the accumulator
    after t − 1 steps; path lengths sum |Δθ|. Every prediction is an exact binomial sum
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
            g = -c * (rng.uniform(2) < p)
            new, s = adagrad(theta, s, g, alpha, eps)
            path += xp.abs(new - theta)
            theta = new
            new_sgd = gradient_step(w_sgd, g[:, 0], eta0 / math.sqrt(tau))
            path_sgd += xp.abs(new_sgd - w_sgd)
            w_sgd = new_sgd
        return xp.stack([rate[:, 0], rate[:, 1], path[:, 0], path_sgd], axis=1)

    m = ensemble.run(kernel, n, what="M10 AdaGrad and SGD on Bernoulli streams")
    sgd = float(ss.sgd_expected_path(rare, t))
    predictions = [(ss.expected_rate_exact(rare, t), 0.0), (ss.expected_rate_exact(freq, t), 0.0),
                   (ss.expected_path_exact(rare, t), 0.0), (sgd, 4 * (t + 8) * EPS * sgd)]
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
    middle.axvline(reach.adagrad_mean_steps, color="C0", ls=":",
                   label=f"AdaGrad reaches it: K*/p = {reach.adagrad_mean_steps:.0f} steps")
    middle.axvline(reach.sgd_mean_path_steps, color="C3", ls=":",
                   label=f"SGD's mean path: {reach.sgd_mean_path_steps} steps")
    for pr in result.points:
        if pr.monte_carlo and pr.point.params["c_freq"] == pr.point.params["c_rare"]:
            for r in pr.monte_carlo[2:]:
                middle.errorbar(pr.point.params["t"], r.estimate.sample.value, fmt="ok", ms=4,
                                yerr=r.test.threshold * r.estimate.sample.se)
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
    return (
        Point("p = (0.1, 0.5), |g| = 1, t = 200", base),
        Point("t = 20: pt = 2 expected activations of the rare feature",
              {**base, "t": 20, "distance": 0.0}, regime="boundary",
              note="α/√(ptq) is off by several per cent"),
        Point("rare feature with larger gradients: |g| = (1, 0.1)",
              {**base, "c_freq": 0.1, "distance": 0.0},
              regime="outside",
              note="p_r c_r² = 0.1 > p_f c_f² = 0.005: the rare feature gets the smaller rate "
                   "(but still the larger steps)"),
        Point("dense feature p = 1: AdaGrad is SGD on the global clock",
              {**base, "p_rare": 1.0, "t": 200}, monte_carlo=False),
    )


@cache
def _numbers() -> dict[str, float]:
    base = _m10_points()[0].params
    rare, freq, t = _streams(base)
    r = ss.reach(rare, base["distance"])
    small = ss.Stream(rare.p, rare.c, rare.alpha, rare.eps)
    large = ss.Stream(freq.p, 0.1, freq.alpha, freq.eps)
    return {"rare": ss.expected_rate(rare, t), "freq": ss.expected_rate(freq, t),
            "ada_path": ss.expected_path(rare, t), "sgd_path": float(ss.sgd_expected_path(rare, t)),
            "k": r.activations, "t_ada": r.adagrad_mean_steps, "t_sgd": r.sgd_mean_path_steps,
            "small": ss.expected_rate(small, t), "large": ss.expected_rate(large, t)}


_N = _numbers()
_SECTION = "Per-Parameter Adaptation"

M10 = Claim(
    id="M10",
    slug="adagrad-sparsity",
    title="AdaGrad gives rare features larger rates: α/√(p t E g²)",
    statement=(
        "A feature active with probability p (g = b·x, b ~ Bernoulli(p)) has E Σ_{τ≤t} g² = "
        "p t E[x²] exactly, so AdaGrad's rate α/√(Σg²) is ≈ α/√(p t E[x²]): 1/√p times the "
        "rate of a dense feature or of SGD on the global clock α/√t. With |x| = c the k-th "
        "activation gets rate α/(c√k) and step α/√k; the mean rate is a binomial sum that "
        "α/√(ptq) overstates by (1 − p)/(8pt) + O(t⁻²). To move a distance D AdaGrad needs "
        "≈ (D/2α)² activations, ≈ D²/(4α²p) steps; SGD with η₀/√τ needs ≈ D²/(4α²p²) — "
        "1/p times longer for a rare feature."),
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
    derive=_m10,
    model=_model_m10,
    points=_m10_points(),
    figure=_figure_m10,
    simulate=_simulate_m10,
    statistics=M10_STATISTICS,
    validity=_validity_m10,
    findings=(
        "The source's two halves hold in this model, in the precise sense derived: the rate is "
        "α/√(Σg²) ≈ α/√(p t E[x²]), decreasing in the activation frequency p (at t = 200: "
        f"{_N['rare']:.4f} for p = 0.1 against {_N['freq']:.4f} for p = 0.5, α = 0.1), and "
        "the k-th step is α/√k whatever the gradient's size, so a rarely updated parameter "
        "(small k) always takes the larger steps.",
        "Frequency alone does not set the rate: it is 1/√(p E[x²]). A rare feature with "
        f"larger gradients gets the smaller rate — p = (0.1, 0.5), |g| = (1, 0.1): "
        f"{_N['small']:.4f} against {_N['large']:.4f} (the 'outside' point) — even though its "
        "steps stay the larger.",
        "E Σg² = p t E[x²] is exact; the rate α/√(ptq) is not its mean: with |x| = c the "
        "mean rate is a binomial sum that α/√(ptq) overstates by (1 − p)/(8pt) to first order "
        "(derived; the validity domain gives the exact error, tens of per cent when pt ≲ 1).",
        "Against SGD on the global clock η₀/√τ (tuned so that the two coincide on a dense "
        f"feature) the rare feature (p = 0.1, α = 0.1) moves {_N['ada_path']:.2f} with AdaGrad "
        f"and {_N['sgd_path']:.2f} with SGD in 200 steps; AdaGrad reaches a target at D = 1 "
        f"after K* = {_N['k']} activations, {_N['t_ada']:.0f} steps on average, SGD's mean "
        f"path only after {_N['t_sgd']} steps (→ 1/p times longer as D grows). Against SGD "
        "with a constant rate both need ∝ 1/p steps: the advantage is the per-feature clock.",
    ),
)

CLAIMS = (M10,)
