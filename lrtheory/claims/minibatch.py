"""Family D, claim D1: the minibatch gradient's mean and variance, with and without replacement.

A minibatch mean is ĝ_B = (1/B)Σ_i c_i g_i, where c_i counts how often example i is in the
batch. The two sampling schemes differ only in the law of the counts: multinomial (B
independent draws, *with* replacement) or the indicators of a uniform B-subset (*without*
replacement, as in an epoch of shuffled data). Their means and covariances, derived from the
sampling model by summing draw probabilities and counting subsets, give every moment below.
"""

from __future__ import annotations

import math
from fractions import Fraction
from functools import cache
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
from lrtheory.models import minibatch as mb
from lrtheory.models.rounding import EPS
from lrtheory.montecarlo.runner import ChunkRNG, Ensemble
from lrtheory.montecarlo.stats import mean_statistic, variance_statistic
from lrtheory.optimizers import gradient_step
from lrtheory.plotting import new_figure
from lrtheory.results import ClaimResult
from lrtheory.sources import SEED_000
from lrtheory.symbolic import minibatch as sm
from lrtheory.symbolic.moments import centred_moments, expectation

N, B, MU, SIGMA = sm.N, sm.B, sm.MU, sm.SIGMA
E = sp.Symbol("e", real=True)
ETA = sp.Symbol("eta", positive=True)
EXAMPLE = sp.Symbol("i", integer=True, positive=True)

# --------------------------------------------------------------------------------------
# D1 minibatch-variance: the derivation
# --------------------------------------------------------------------------------------


@cache
def _derive() -> dict[str, Any]:
    r: dict[str, Any] = {}
    # The counts' moments: draw probabilities summed (with replacement), subsets counted
    # (without); then the mean and variance of (1/B)Σc_ig_i from them.
    with_rep, without = sm.count_moments(replacement=True), sm.count_moments(replacement=False)
    r["wr_mean_c"], r["wo_probs"] = with_rep[0], (without[0], without[2])
    r["wr"], r["wo"] = sm.weighted_sum_moments(*with_rep), sm.weighted_sum_moments(*without)
    var_wr, var_wo = r["wr"][3], r["wo"][3]
    r["factor"] = sp.factor(sp.cancel(var_wo / var_wr))
    # The SGD step Δθ = −ηĝ, ĝ = μ + e with E[e] = 0, Var(e) = Var(ĝ).
    step = -ETA * (MU + E)
    r["update_var"] = [sp.factor(expectation((step - expectation(step, {E: centred_moments(v)}))
                                             ** 2, {E: centred_moments(v)}))
                       for v in (var_wr, var_wo)]
    s2 = sp.Symbol("s", positive=True) ** 2  # the sample variance nσ²/(n − 1)
    r["sample_form"] = sp.factor(var_wo.subs(SIGMA, sp.sqrt(s2 * (N - 1) / N)))
    r["overstatement"] = sp.factor(sp.cancel(var_wr / var_wo - 1))
    r["at_1"], r["at_n"] = r["factor"].subs(B, 1), sp.cancel(r["factor"].subs(B, N))
    r["large_n"] = sp.limit(r["factor"], N, sp.oo)
    r["brute"] = {rep: mb.symbolic_batch_spread(4, 2, rep) for rep in (True, False)}
    return r


def _derive_d1() -> Derivation:
    r = _derive()
    (vc_wr, cc_wr, mean_wr, var_wr), (vc_wo, cc_wo, mean_wo, var_wo) = r["wr"], r["wo"]
    p1, p2 = r["wo_probs"]
    (spread_wr, s2_wr), (spread_wo, s2_wo) = r["brute"][True], r["brute"][False]

    def at_four(form: sp.Expr, sigma2: sp.Expr) -> sp.Expr:
        return sp.expand(form.subs({N: 4, B: 2}).subs(SIGMA**2, sigma2))

    steps = (
        Step.equation("minibatch mean, cᵢ = times example i is drawn", "ĝ_B",
                      sp.Sum(sp.Indexed("c", EXAMPLE) * sp.Indexed("g", EXAMPLE),
                             (EXAMPLE, 1, N)) / B),
        Step.equation("with replacement: E[c_i] = Σ_j P(I_j = i)", "E[cᵢ]", r["wr_mean_c"]),
        Step.equation("with replacement: Var(c_i)", "Var(cᵢ)", vc_wr),
        Step.equation("with replacement: Cov(c_i, c_k), i ≠ k", "Cov(cᵢ, cₖ)", cc_wr),
        Step.equation("without replacement: P(i ∈ S) = C(n−1, B−1)/C(n, B)", "E[zᵢ]", p1),
        Step.equation("without replacement: P(i, k ∈ S) = C(n−2, B−2)/C(n, B)", "E[zᵢzₖ]",
                      p2),
        Step.equation("without replacement: Var(z_i)", "Var(zᵢ)", vc_wo),
        Step.equation("without replacement: Cov(z_i, z_k), i ≠ k", "Cov(zᵢ, zₖ)", cc_wo),
        Step.equation("E[ĝ_B] = (1/B) Σ E[cᵢ] gᵢ (either scheme)", "E[ĝ_B]", mean_wr),
        Step.equation("Var(ĝ_B), with replacement", "Var(ĝ_B)", var_wr),
        Step.equation("Var(ĝ_B), without replacement", "Var(ĝ_B)", var_wo),
        Step.equation("ratio of the two", "f", r["factor"]),
        Step.equation("Var(Δθ), Δθ = −ηĝ_B, with replacement", "Var(Δθ)", r["update_var"][0]),
        Step.equation("Var(Δθ), without replacement", "Var(Δθ)", r["update_var"][1]),
        Step.equation("without replacement, sample variance s² = nσ²/(n−1)", "Var(ĝ_B)",
                      r["sample_form"]),
        Step.equation("σ²/B over the without-replacement variance, minus 1", "overstatement",
                      r["overstatement"]),
        Step.equation("brute force n = 4, B = 2, all 6 subsets", "E[(ĝ − μ)²]", spread_wo),
    )
    identities = (
        Identity("E[ĝ_B] = ∇L (with replacement)", mean_wr, MU,
                 note="μ = ∇L: the mean of the per-example gradients"),
        Identity("Var(ĝ_B) = σ²/B (with replacement)", var_wr, SIGMA**2 / B),
        Identity("Var(Δθ) = η²σ²/B (with replacement)", r["update_var"][0],
                 ETA**2 * SIGMA**2 / B),
        Identity("E[ĝ_B] = ∇L (without replacement)", mean_wo, MU, "derived"),
        Identity("Var(ĝ_B) without replacement = (σ²/B)(n − B)/(n − 1)", var_wo,
                 SIGMA**2 / B * (N - B) / (N - 1), "derived", note="catalog addition"),
        Identity("without replacement, Var(ĝ_B) = σ²/B as stated", var_wo, SIGMA**2 / B,
                 "derived", expect_equal=False,
                 note="the seed's σ²/B assumes independent draws"),
        Identity("finite-population factor (n − B)/(n − 1)", r["factor"], (N - B) / (N - 1),
                 "derived"),
        Identity("Var(Δθ) without replacement = η²σ²(n − B)/(B(n − 1))", r["update_var"][1],
                 ETA**2 * SIGMA**2 * (N - B) / (B * (N - 1)), "derived"),
        Identity("multinomial counts: Cov(c_i, c_k) = −B/n²", cc_wr, -B / N**2, "derived"),
        Identity("subset indicators: Cov(z_i, z_k) = −B(n − B)/(n²(n − 1))", cc_wo,
                 -B * (N - B) / (N**2 * (N - 1)), "derived"),
        Identity("the factor is 1 at B = 1", r["at_1"], sp.Integer(1), "derived"),
        Identity("the factor is 0 at B = n (the batch is the data set)", r["at_n"],
                 sp.Integer(0), "derived"),
        Identity("the factor → 1 as n → ∞ at fixed B", r["large_n"], sp.Integer(1), "derived"),
        Identity("with s² = nσ²/(n − 1): (s²/B)(1 − B/n)", r["sample_form"],
                 sp.Symbol("s", positive=True) ** 2 / B * (1 - B / N), "derived"),
        Identity("σ²/B overstates it by (B − 1)/(n − B)", r["overstatement"],
                 (B - 1) / (N - B), "derived"),
        Identity("brute force, n = 4, B = 2, all 16 ordered pairs: σ²/B", spread_wr,
                 at_four(SIGMA**2 / B, s2_wr), "derived"),
        Identity("brute force, n = 4, B = 2, all 6 subsets: (σ²/B)(n − B)/(n − 1)", spread_wo,
                 at_four(SIGMA**2 / B * (N - B) / (N - 1), s2_wo), "derived"),
    )
    return Derivation(steps, identities)


def _closed_variance(sigma2: Fraction, n: int, b: int, replacement: bool) -> Fraction:
    """The derived Var(ĝ_B), evaluated exactly at σ², n, B."""
    return sm.exact_fraction(_derive()["wr" if replacement else "wo"][3],
                          {SIGMA**2: sigma2, N: n, B: b})


# --------------------------------------------------------------------------------------
# D1: the data set and the exact model
# --------------------------------------------------------------------------------------

W = np.array([4, 1])  # far from the minimiser: the mean gradient dominates the noise


@cache
def _data(n: int, seed: int) -> tuple[np.ndarray[Any, Any], Fraction, Fraction]:
    """(per-example gradients G, ∇L₁, ∇L₂) of a sign design at w = (4, 1); ∇L from the
    normal-equation form (1/n)Xᵀ(Xw − y), exactly."""
    x, y = mb.sign_design(n, 2, seed)
    grad = x.T @ (x @ W - y)
    return mb.least_squares_gradients(x, y, W), Fraction(int(grad[0]), n), Fraction(
        int(grad[1]), n)


def _setting(point: Point) -> tuple[int, int, bool, float]:
    p = point.params
    return int(p["n"]), int(p["B"]), bool(p["replacement"]), float(p["eta"])


EXACT = "exact rational arithmetic on both sides (integers and fractions, no rounding)"


def _model_d1(point: Point) -> list[ModelCheck]:
    n, b, rep, eta = _setting(point)
    g, grad1, grad2 = _data(n, int(point.params["seed"]))
    cols = [mb.column(g, j) for j in range(2)]
    moments = [mb.minibatch_moments(c, b, rep) for c in cols]
    sig2 = [mb.population_moments(c)[1] for c in cols]
    closed = [_closed_variance(s, n, b, rep) for s in sig2]
    scheme = "tuples" if rep else "subsets"
    checks = [
        ModelCheck(f"E[ĝ_B,1] over all {moments[0].batches:.4g} {scheme} vs ∇L₁ = "
                   f"((1/n)Xᵀ(Xw − y))₁", float(grad1), float(moments[0].mean), 0.0, EXACT),
        ModelCheck(f"E[ĝ_B,2] over all {scheme} vs ∇L₂", float(grad2), float(moments[1].mean),
                   0.0, EXACT),
        ModelCheck(f"Var(ĝ_B,1) over all {scheme} vs the derived closed form",
                   float(closed[0]), float(moments[0].variance), 0.0, EXACT),
        ModelCheck(f"Var(Δθ) = η²·tr Cov(ĝ_B) over all {scheme} vs the derived η²(σ₁² + σ₂²)"
                   f"·f/B", float(Fraction(eta) ** 2 * sum(closed, Fraction(0))),
                   float(Fraction(eta) ** 2 * (moments[0].variance + moments[1].variance)),
                   0.0, EXACT),
    ]
    size = n**b if rep else math.comb(n, b)
    if size <= 70_000:
        listed = mb.enumerated_moments(cols[0], b, rep)
        checks.append(ModelCheck(f"Var(ĝ_B,1): listing all {size} {scheme} vs the recursion "
                                 "over examples", float(listed.variance),
                                 float(moments[0].variance), 0.0, EXACT))
    if not rep and b < n:  # the seed's form overstates by exactly (B − 1)/(n − B), derived
        over = float(sm.exact_fraction(_derive()["overstatement"], {N: n, B: b}))
        checks.append(ModelCheck(
            "the seed's σ²/B (independent draws) vs the exact without-replacement Var(ĝ_B,1)",
            float(sig2[0] / b), float(moments[0].variance), 0.0, "approximation", exact=False,
            bound=over + 2 * EPS * (1 + over),
            bound_reason="exact: σ²/B overstates it by (B − 1)/(n − B) (derived), plus rounding"))
    return checks


# --------------------------------------------------------------------------------------
# D1: Monte Carlo
# --------------------------------------------------------------------------------------

D1_STATISTICS = ("mean of ĝ_B along e₁", "variance of ĝ_B along e₁",
                 "mean ‖Δθ − E[Δθ]‖² of one SGD step")


def _simulate_d1(point: Point, ensemble: Ensemble, n_chains: int) -> list[Estimate]:
    """Every chain draws one minibatch of the finite data set (:func:`mb.batch_counts`) and
    takes one SGD step Δθ = −ηĝ_B from w. The predictions are exact: ∇L and the derived
    variances at the data set's σ², and E[Δθ] = −η∇L is known exactly, so
    ‖Δθ + η∇L‖² has mean η² tr Cov(ĝ_B). The only bias is the float grid of the uniforms
    (:func:`mb.sampling_distance`, a total-variation bound d): it moves a mean of a statistic
    with range R by ≤ d·R and a variance by ≤ 3d·R²."""
    n, b, rep, eta = _setting(point)
    g, grad1, grad2 = _data(n, int(point.params["seed"]))
    sig2 = [mb.population_moments(mb.column(g, j))[1] for j in range(2)]
    var1 = float(_closed_variance(sig2[0], n, b, rep))
    update = eta**2 * float(_closed_variance(sig2[0] + sig2[1], n, b, rep))
    mean_step = -eta * np.array([float(grad1), float(grad2)])

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        g_hat = mb.minibatch_means(rng, g, b, rep)
        w = xp.asarray(W, dtype=rng.dtype)
        delta = gradient_step(w, g_hat, eta) - w - xp.asarray(mean_step, dtype=rng.dtype)
        return xp.stack([g_hat[:, 0], xp.sum(delta * delta, axis=1)], axis=1)

    m = ensemble.run(kernel, n_chains, what=f"D1 minibatches at {point.label}")
    dist = mb.sampling_distance(n, b, rep, ensemble.dtype)
    span = float(np.ptp(g[:, 0]))
    spread = float(np.sum(np.max(np.abs(g - g.mean(axis=0)), axis=0) ** 2))
    # Scales for the negative controls: at B = n without replacement the variances are 0,
    # and a 2 % error is measured against the with-replacement value σ²/B instead.
    var_scale = var1 if var1 > 0 else float(sig2[0]) / b
    upd_scale = update if update > 0 else eta**2 * float(sig2[0] + sig2[1]) / b
    return [
        Estimate(D1_STATISTICS[0], float(grad1),
                 mean_statistic(m.mean[0], m.stderr_mean[0], m.n), bias_bound=dist * span),
        Estimate(D1_STATISTICS[1], var1,
                 variance_statistic(m.variance[0], m.stderr_variance[0], m.n),
                 scale=var_scale, bias_bound=3 * dist * span**2),
        Estimate(D1_STATISTICS[2], update,
                 mean_statistic(m.mean[1], m.stderr_mean[1], m.n), scale=upd_scale,
                 bias_bound=dist * eta**2 * spread),
    ]


# --------------------------------------------------------------------------------------
# D1: validity, figure, points
# --------------------------------------------------------------------------------------

VALIDITY_N = 64
VALIDITY_B = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 40, 48, 56, 60, 62, 63)


def _validity_d1() -> ValidityDomain:
    """(σ²/B − Var)/Var for sampling without replacement from n = 64 examples, Var the exact
    variance over all C(64, B) subsets (the recursion over examples), not the closed form."""
    g, _, _ = _data(VALIDITY_N, 7)
    col = mb.column(g, 0)
    sig2 = mb.population_moments(col)[1]
    exact = mb.moments_by_size(col, VALIDITY_N - 1, replacement=False)
    errors = tuple(float(sig2 / b / exact[b - 1].variance - 1) for b in VALIDITY_B)
    return ValidityDomain(
        statement=(
            "σ²/B is exact for independent draws (with replacement) at every B. For a batch "
            "drawn without replacement from n examples it overstates the variance by "
            "(B − 1)/(n − B): 0 at B = 1, below 1 % only while B − 1 < (n − B)/100 "
            "(B/n ≲ 1 %), 100 % at B ≈ n/2, and unbounded as B → n, where the true variance "
            f"is 0. Measured here over all C({VALIDITY_N}, B) subsets of a least-squares data "
            "set."),
        parameter="B/n",
        values=tuple(b / VALIDITY_N for b in VALIDITY_B),
        errors=errors,
        error_label="(σ²/B − Var)/Var, without replacement")


def _figure_d1(result: ClaimResult) -> Any:
    fig, (ax, ax_err) = new_figure(ncols=2, width=11.0)
    n = 16
    g, _, _ = _data(n, 1)
    col = mb.column(g, 0)
    sig2 = float(mb.population_moments(col)[1])
    sizes = np.arange(1, n + 1)
    b_fine = np.linspace(1, n, 200)
    for rep, colour, form in ((True, "C0", "σ²/B"), (False, "C1", "(σ²/B)(n − B)/(n − 1)")):
        exact = mb.moments_by_size(col, n, rep)
        scheme = "with" if rep else "without"
        ax.plot(sizes, [float(m.variance) * b / sig2 for m, b in zip(exact, sizes,
                                                                    strict=True)],
                "o", color=colour, ms=4, label=f"exact, all batches ({scheme} replacement)")
        ax.plot(b_fine, np.ones_like(b_fine) if rep else (n - b_fine) / (n - 1), "-",
                color=colour, lw=1, label=f"derived {form}")
    for pr in result.points:
        p = pr.point.params
        if not pr.monte_carlo or int(p["n"]) != n:
            continue
        est = pr.monte_carlo[1]
        norm = p["B"] / sig2
        lo, hi = est.test.interval
        value = est.estimate.sample.value
        ax.errorbar([p["B"] + (0.15 if p["replacement"] else -0.15)], [value * norm],
                    yerr=[[(value - lo) * norm], [(hi - value) * norm]], fmt="s",
                    color="C3", ms=4, capsize=3)
    ax.plot([], [], "s", color="C3", label="Monte Carlo, (1 − α) interval")
    ax.set(xlabel="batch size B (n = 16 examples)", ylabel="Var(ĝ_B) · B/σ²",
           title="Minibatch gradient variance on a finite data set")
    ax.legend(fontsize=8)
    if result.validity is not None:
        v = result.validity
        ax_err.loglog(v.values, v.errors, "o", ms=4, label=f"exact, all subsets (n = "
                                                         f"{VALIDITY_N})")
        frac = np.linspace(2 / VALIDITY_N, 63 / VALIDITY_N, 200)
        b_v = frac * VALIDITY_N
        ax_err.loglog(frac, (b_v - 1) / (VALIDITY_N - b_v), "-", lw=1,
                      label="derived (B − 1)/(n − B)")
        ax_err.set(xlabel=v.parameter, ylabel=v.error_label,
                   title="How far σ²/B is off without replacement")
        ax_err.legend(fontsize=8)
    return fig


def _points_d1() -> tuple[Point, ...]:
    base = {"n": 16.0, "eta": 0.5, "seed": 1.0}
    return (
        Point("with replacement, n = 16, B = 4", {**base, "B": 4.0, "replacement": 1.0}),
        Point("without replacement, n = 16, B = 4: factor 12/15",
              {**base, "B": 4.0, "replacement": 0.0}, monte_carlo=False),
        Point("without replacement, n = 16, B = 12: σ²/B off by 275 %",
              {**base, "B": 12.0, "replacement": 0.0}, regime="outside",
              note="the seed's σ²/B is 3.75 × the true variance"),
        Point("without replacement, B = n = 16: zero variance",
              {**base, "B": 16.0, "replacement": 0.0}, regime="boundary", monte_carlo=False,
              note="the batch is the whole data set: every draw gives ĝ_B = ∇L, so a Monte "
                   "Carlo would be deterministic (SE 0); the exact model checks it"),
        Point("B = 1: both schemes agree", {**base, "B": 1.0, "replacement": 0.0},
              regime="boundary", monte_carlo=False),
        Point("with replacement, B = n = 16", {**base, "B": 16.0, "replacement": 1.0},
              monte_carlo=False, note="repeats allowed: variance σ²/16, not 0"),
        Point("without replacement, n = 64, B = 32: 1.8·10¹⁸ subsets",
              {**base, "n": 64.0, "seed": 7.0, "B": 32.0, "replacement": 0.0},
              monte_carlo=False),
    )


D1 = Claim(
    id="D1",
    slug="minibatch-variance",
    title="The minibatch gradient is unbiased with variance σ²/B (× (n − B)/(n − 1) without "
          "replacement)",
    statement=(
        "For per-example gradients of mean ∇L and variance σ² (over the n examples), the "
        "minibatch mean ĝ_B has E[ĝ_B] = ∇L and Var(ĝ_B) = σ²/B when the B examples are drawn "
        "independently (with replacement), so the SGD step Δθ = −ηĝ_B has Var(Δθ) = "
        "η²σ²/B. Drawn without replacement, E[ĝ_B] = ∇L still, but Var(ĝ_B) = (σ²/B)(n − B)/"
        "(n − 1): equal at B = 1, zero at B = n."),
    sources=(
        Source(SEED_000, "The Learning Rate in a Stochastic World: Batch Size and Noise",
               "The mini-batch gradient $\\hat{g}_B$, being an average of $B$ such samples, is "
               "an unbiased estimator of the true gradient but has a variance that scales "
               "inversely with the [batch size](@entry_id:174288):\n$$\n\\mathrm{E}[\\hat{g}_B]"
               " = \\nabla L(\\theta), \\quad \\mathrm{Var}(\\hat{g}_B) = \\frac{\\sigma^2}{B}"
               "\n$$"),
        Source(SEED_000, "The Learning Rate in a Stochastic World: Batch Size and Noise",
               "Its variance, which can be thought of as the \"update noise,\" is given by "
               "$\\mathrm{Var}(\\Delta\\theta) = \\eta^2 \\mathrm{Var}(\\hat{g}_B) = "
               "\\frac{\\eta^2 \\sigma^2}{B}$"),
    ),
    derive=_derive_d1,
    model=_model_d1,
    points=_points_d1(),
    figure=_figure_d1,
    simulate=_simulate_d1,
    statistics=D1_STATISTICS,
    validity=_validity_d1,
    findings=(
        "The seed's E[ĝ_B] = ∇L, Var(ĝ_B) = σ²/B and Var(Δθ) = η²σ²/B are exact for B "
        "independent draws — with σ² the population variance (1/n)Σ(g_i − ∇L)² of the "
        "per-example gradients, the variance of one uniformly drawn example.",
        "Drawing without replacement (an epoch of shuffled data) keeps ĝ_B unbiased but "
        "multiplies the variance by (n − B)/(n − 1) — from Cov(z_i, z_k) = −B(n − B)/(n²(n − "
        "1)) of the subset indicators; the seeds do not mention it. σ²/B then overstates the "
        "variance by (B − 1)/(n − B): 275 % at n = 16, B = 12, and the variance is exactly 0 "
        "at B = n (full-batch gradient descent), where σ²/B is not.",
        "In terms of the sample variance s² = nσ²/(n − 1) the factor is the textbook finite-"
        "population correction 1 − B/n: (s²/B)(1 − B/n).",
    ),
)

CLAIMS = (D1,)
