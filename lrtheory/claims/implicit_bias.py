"""Family G, claim G6: GD on separable data aligns with the hard-margin SVM (implicit bias).

The derivation (:mod:`lrtheory.symbolic.implicit_bias`) finds the SVM of two points from its
KKT conditions, shows that the flow of the exponential tail has the exact solution
w = ŵ ln(τ + τ₀) + ρ whose offsets are the SVM's dual variables, and reads off the laws:
w/ln τ → ŵ, ‖w‖/ln τ → 1/γ̂, θ ∝ 1/ln τ with τ_t = Σ_{s<t} η_s — so the step-size schedule
acts only through τ: η₀/(t+1) slows alignment to 1/ln ln t and η₀qᵗ stops it; normalised GD
gives θ ∝ 1/t. Linearising the flow about the asymptote gives the rate at which it is
approached, τ^(−κ) with κ = min(g, α₁α₂ det G, 1). It also derives bounds that hold at every t
for η_t ≤ 1/β (loss, ‖w_t‖ from above and below, margin, and sin²θ ≤ γ̂²/γ(w)² − 1).
The numerics are :mod:`lrtheory.models.implicit_bias` (GD), :mod:`lrtheory.models.svm` (the
SVM, twice) and :mod:`lrtheory.models.max_margin_flow` (asymptote, flow, rates); the model
checks are :mod:`lrtheory.claims.implicit_bias_checks`, the figure
:mod:`lrtheory.claims.implicit_bias_figure`.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import sympy as sp

from lrtheory.claim import (
    Claim,
    Derivation,
    Estimate,
    Identity,
    LazyFindings,
    ModelCheck,
    Point,
    Source,
    Step,
    ValidityDomain,
)
from lrtheory.claims import implicit_bias_checks as ck
from lrtheory.claims import implicit_bias_rates as rt
from lrtheory.claims.implicit_bias_figure import figure_g6
from lrtheory.models import implicit_bias as ib
from lrtheory.models import max_margin_flow as mf
from lrtheory.montecarlo.runner import Ensemble, indicator_proportion
from lrtheory.sources import SEED_001
from lrtheory.symbolic import implicit_bias as sym

DECAY, LONG, RATE, MC = ck.DECAY, ck.LONG, ck.RATE, ck.MC


def _derive_g6() -> Derivation:
    r = sym.results()
    eq = Step.equation
    exps = r["angle_exponent_t"]
    steps = (
        eq("Lagrangian of min ½‖w‖² s.t. z_nᵀw ≥ 1 (two points in ℝ²)", "ℒ", r["lagrangian"]),
        eq("stationarity ∂ℒ/∂w = 0", "w", r["w_of_alpha"]),
        eq("active constraints z_nᵀw = Σ_m α_m g_nm = 1 (g_nm = z_nᵀz_m) → dual variables",
           "α", r["alpha"], "= G⁻¹1 = adj(G)·1/det G"),
        eq("hard-margin SVM ŵ = α₁z₁ + α₂z₂", "ŵ", r["w_hat"],
           f"margins z_nᵀŵ = (Gα)_n = {list(r['svm_margins'])}; ‖ŵ‖² = αᵀGα = Σα_n"),
        eq("flow u' = (1/N)G e^{−u} with u = ln(τ+τ₀)·1 + c: solve for e^{−c}", "e^{−c}",
           r["flow_weights"], f"residual {list(r['flow_residual'])}"),
        eq("… so w = ŵ ln(τ+τ₀) + ρ grows along Σ_n (e^{−c_n}/N) z_n, coefficients",
           "e^{−c}/N", r["flow_direction"], "the SVM's α of step 3: the direction is ŵ"),
        eq("logistic tail: (σ(−u) − e^{−u})/e^{−2u} as u → ∞", "limit", r["logistic_tail"],
           "−ℓ'(u) = e^{−u}(1 + O(e^{−u})): relative corrections O(1/τ)"),
        eq("w = ŵx + ρ, x = ln τ → ∞: w/x", "limit", r["direction_limit"]),
        eq("‖w‖/x", "limit", r["norm_limit"]),
        eq("x·tan∠(w, ŵ)", "limit", r["angle_constant"], f"w × ŵ = {r['cross']} is constant"),
        eq("ρ = ZᵀG⁻¹c: its component ρᵀŵ", "ρᵀŵ", r["offset_along"],
           "= Σα_n c_n = −Σα_n ln(Nα_n), and Σα_n = ‖ŵ‖²: so wᵀŵ/‖ŵ‖ ≈ ‖ŵ‖ ln(τ/τ*), "
           "τ* = N·exp(Σα_n ln α_n/‖ŵ‖²)"),
        eq("deviation η = u − x·1 − c in x = ln τ: η' = G diag(α)e^{−η} − 1", "η'",
           r["rate_field"], f"at η = 0 with α = G⁻¹1: {list(r['rate_fixed_point'])}"),
        eq("its Jacobian at η = 0", "J", r["rate_jacobian"],
           f"−J·1 = {list(r['rate_shift_mode'])}: rate 1 along ŵ (a shift of τ)"),
        eq("characteristic polynomial of −J (α = G⁻¹1)", "p(λ)", r["rate_charpoly"]),
        eq("second rate α₁α₂ det G", "λ₂", r["rate_second"]),
        eq("a point with z_mᵀŵ = 1 + g forces dδ/d ln τ by τe^{−u_m}/N ∝ τ^(exponent)",
           "exponent", r["rate_forcing"],
           f"the logistic tail's relative correction e^{{−u_n}} ∝ τ^({r['rate_tail']})"),
        eq("so ‖w − (ŵ ln(τ/N) + ρ)‖ = O(τ^(−κ))", "κ",
           sp.Min(sp.Symbol("g"), sp.Symbol("lambda_2"), 1),
           "and the angle's relative error to its asymptote decays like τ^(−κ)"),
        eq("elapsed time τ_t = ∫₀ᵗ η(s)ds", "τ", sp.Tuple(*r["tau"].values()),
           "constant, η₀/√(s+1), η₀/(s+1)"),
        eq("exponent of θ in ln t: −d ln ln τ/d ln ln t", "exponent", sp.Tuple(*exps.values())),
        eq("η₀qᵗ: τ_t = η₀Σ_{s<t} qˢ", "τ_t", r["tau_exponential_t"],
           f"bounded by τ_∞ = {r['tau_exponential']}"),
        eq("normalised GD: zero drift of Σp_n a_n (a_n = z_nᵀe⊥) at p₁/p₂", "r*",
           r["ngd_ratio"], f"with α₁a₁ + α₂a₂ = 0 (ŵ ⟂ e⊥): r* = {r['ngd_ratio_svm']}"),
        eq("offset v* orthogonal to ŵ", "v*", r["ngd_fixed_point"]),
        eq("linearised multiplier of v (‖Σp_n z_n‖ = γ̂ at p = α/Σα)", "m", r["ngd_multiplier"],
           f"stable for η < {r['ngd_stable_eta']}"),
        eq("at p = α/Σα the step Σp_n z_n is parallel to ŵ: (Σp_n z_n) × ŵ", "×",
           r["ngd_direction"], "each unit step adds η along ŵ"),
        eq("wᵀŵ/‖ŵ‖ = w₀ + Σ_{s<t} η", "w_∥", r["ngd_along"],
           f"t·tan θ_t → {r['ngd_angle_constant']}"),
        eq("descent lemma keeps −(η/2)‖g‖² for η in", "η", r["descent"]),
        eq("‖w⁺−u‖² − ‖w−u‖² − 2η(L(u) − L(w⁺)) + 2η[convexity + descent]", "residual",
           r["fejer_residual"], "both brackets ≥ 0: summing, ‖w_t − u‖² ≤ ‖u‖² + 2τ_tL(u) "
           "and L(w_t) ≤ L(u) + ‖u‖²/(2τ_t)"),
        eq("(‖w_t‖ − ‖u‖)² ≤ ‖u‖² + 2τL(u): the upper root bounds ‖w_t‖", "U(‖u‖, L(u))",
           r["norm_bound"]),
        eq("comparator u = sŵ (all margins ≥ s)", "s", r["comparator"]),
        eq("loss bound", "B(τ)", r["loss_bound"]),
        eq("norm bound", "U(τ)", r["norm_upper"]),
        eq("margin bound min_n z_nᵀw_t ≥ m(τ), from ℓ(min_n z_nᵀw) ≤ N·L(w)", "m(τ)",
           r["margin_lower"]),
        eq("‖v‖² − ‖ŵ‖² − ‖v−ŵ‖² − 2Σα_n(z_nᵀv − 1) − 2Σα_n(1 − z_nᵀŵ), ŵ = Σα_nz_n",
           "residual", r["angle_margin_residual"],
           "v = w/(‖w‖γ(w)) is feasible and ‖v − ŵ‖ ≥ ‖ŵ‖sin θ: sin²θ ≤ γ̂²/γ(w)² − 1"),
    )
    identities = (
        Identity("stationarity: the coefficients of z_nᵀw are the Gram entries",
                 r["gram_check"], sp.zeros(2, 2), "derived"),
        Identity("the flow's ansatz u = ln(τ+τ₀)·1 + c has τ-free constants: an exact solution",
                 r["flow_drift"], sp.zeros(2, 1), "derived"),
        Identity("its offsets are the SVM's dual variables: e^{−c} = Nα", r["flow_weights"],
                 sym.N * r["alpha"], "derived"),
        Identity("the flow grows along (1/N)Σe^{−c_n}z_n = Σα_nz_n: the SVM's ŵ",
                 r["flow_direction"], r["alpha"],
                 note="seed 001: \"will asymptotically align with … the maximum-margin "
                      "classifier, the same one found by a Support Vector Machine\""),
        Identity("ρᵀŵ = Σα_n c_n", r["offset_residual"], sp.Integer(0), "derived"),
        Identity("‖w_t‖ grows like ‖ŵ‖ ln τ = ln τ/γ̂", r["norm_limit"], r["norm_hat"],
                 "derived"),
        Identity("the angle shrinks like 1/ln τ: exponent −1", r["angle_exponent"],
                 sp.Integer(-1), "derived"),
        Identity("the linearised flow's rates are 1 and α₁α₂ det G: p(λ) = (λ − 1)(λ − λ₂)",
                 r["rate_charpoly"], r["rate_charpoly_stated"], "derived"),
        Identity("a point off the support (margin 1 + g) decays like τ^(−g)",
                 r["rate_forcing"], -sp.Symbol("g", positive=True), "derived"),
        Identity("the logistic tail corrects the exponential one by O(1/τ)", r["rate_tail"],
                 sp.Integer(-1), "derived"),
        Identity("constant η: θ ∝ 1/ln t", exps["constant"], sp.Integer(-1), "derived"),
        Identity("η₀/√(t+1): θ ∝ 1/ln t still (τ ∝ √t)", exps["inverse_sqrt"], sp.Integer(-1),
                 "derived"),
        Identity("η₀/(t+1): θ ∝ 1/ln t", exps["inverse"], sp.Integer(-1), "derived",
                 expect_equal=False, note="τ ∝ ln t: θ ∝ 1/ln ln t, exponent 0 in ln t"),
        Identity("a decaying rate η₀qᵗ lets GD run forever: τ_∞ = ∞",
                 r["tau_exponential"], sp.oo, "derived", expect_equal=False,
                 note="τ_∞ = η₀/(1−q) < ∞: w_t converges to a finite point and the direction "
                      "to a non-SVM one — the source's \"decaying learning rate\" needs "
                      "Σ_t η_t = ∞"),
        Identity("normalised GD: the weights settle at the SVM dual, p₁/p₂ = α₁/α₂",
                 r["ngd_ratio_svm"], sp.Symbol("alpha_1", positive=True)
                 / sp.Symbol("alpha_2", positive=True), "derived"),
        Identity("normalised GD: θ ∝ 1/t (w_∥ = w₀ + Σ_{s<t} η)", r["ngd_angle_exponent"],
                 sp.Integer(-1), "derived"),
        Identity("η ≤ 1/β keeps the descent lemma", r["descent"],
                 sp.Interval.Lopen(0, 1 / sym.BETA), "derived"),
        Identity("one-step certificate is an identity", r["fejer_residual"], sp.Integer(0),
                 "derived"),
        Identity("angle–margin certificate is an identity", r["angle_margin_residual"],
                 sp.Integer(0), "derived"),
    )
    return Derivation(steps, identities)


def _model_g6(point: Point) -> list[ModelCheck]:
    p = point.params
    if "control_sets" in p:
        return ck.control_checks(p)
    if "tau_hi" in p:
        return rt.rate_checks(p)
    if "decay" in p:
        return ck.frozen_checks(p)
    if "ngd_T" in p:
        return ck.long_checks(p) + rt.law_rows(p) + rt.flow_checks()
    return ck.single_checks(p)


G6_STATISTICS = (
    "fraction of data sets with L(w_t), ‖w_t‖ and the margin inside the derived bounds at "
    "every t ≤ T",
    "fraction of data sets with sin²∠(w_t, ŵ) ≤ γ̂²/γ(w_t)² − 1 at every t ≤ T",
    "fraction of data sets whose enumerated SVM passes the KKT test (per-set tolerance)",
)


def _simulate_g6(point: Point, ensemble: Ensemble, n: int) -> list[Estimate]:
    """One chain = one random separable data set (Gaussian points, labelled by a random
    direction, the slab of half-width ``margin`` emptied) run by GD with η₀ = s/β, constant
    or η₀/√(t+1) at random: every derived bound holds at every t (η_t ≤ 1/β), so each
    indicator's probability is exactly 1 and the exact binomial test rejects on a single
    counterexample; the SVM (active-set enumeration, on the array backend) is checked against
    its KKT conditions. The controls that must fail are model checks at this point."""
    p = point.params
    kernel = ib.bound_kernel(int(p["n"]), int(p["d"]), p["margin"], p["eta_scale"],
                             int(p["T"]))
    m = ensemble.run(kernel, n, what=f"G6 random data sets at {point.label}")
    return [Estimate(name, 1.0, indicator_proportion(m, i, ensemble), scale=1.0)
            for i, name in enumerate(G6_STATISTICS)]


def _validity_g6() -> ValidityDomain:
    lg = ck.long_runs(ck.key(LONG))
    run = lg.runs["constant"]
    steps = ib.log_grid(16, int(LONG["T"]), 9)
    asym = mf.asymptote(lg.z, lg.svm, run.tau[steps])
    kappa = mf.approach_rates(lg.z, lg.svm).kappa
    two = np.isfinite(asym.spread)
    errors = np.median(np.abs(run.angle[steps][:, two] / asym.angle[:, two] - 1.0), axis=1)
    return ValidityDomain(
        "The 1/ln τ law is asymptotic: GD's angle approaches the SVM asymptote "
        "atan(‖ρ_⊥‖/(‖ŵ‖ ln(τ/τ*))) with a relative error that decays like τ^(−κ), "
        "κ = min(g, α₁α₂ det G, 1) (g = second-smallest margin z_nᵀŵ − 1; α₁α₂ det G the "
        "linearised flow's second rate; 1 from the logistic tail and the steps), so data sets "
        f"with a near-tie or a slow mode stay away from it for long (κ median "
        f"{np.median(kappa[two]):.2f}, min {np.min(kappa[two]):.2f}; error median "
        f"{errors[0]:.2f} at t = {steps[0]}, {errors[-1]:.2f} at t = {steps[-1]}, over "
        f"{int(two.sum())} data sets with two support vectors)",
        "t (steps)", tuple(float(s) for s in steps), tuple(float(e) for e in errors),
        "median |θ_t/θ_asymptote − 1|")


def _points_g6() -> tuple[Point, ...]:
    return (
        Point("random data sets in ℝ², N = 6, η₀ = 1/β (constant or η₀/√(t+1))", MC,
              regime="boundary", note="η = 1/β is the largest step the derived bounds allow; "
              "the model checks here are the negative controls of the Monte Carlo indicators"),
        Point("16 data sets in ℝ², N = 8, to t = 4096: four schedules and normalised GD", LONG,
              monte_carlo=False),
        Point("120 random data sets in ℝ², N = 6: the logistic flow to τ = 10¹²", RATE,
              monte_carlo=False, note="the rate of approach to the asymptote, τ^(−κ)"),
        Point("data sets in ℝ³, N = 10, η = 0.5/β", {"seed": 7.0, "sets": 16.0, "n": 10.0,
                                                      "d": 3.0, "margin": 0.1, "T": 1024.0,
                                                      "eta_scale": 0.5}, monte_carlo=False),
        Point(f"η₀·{DECAY}ᵗ: a decaying rate with Σηₜ < ∞", {**LONG, "decay": DECAY},
              regime="outside", monte_carlo=False,
              note="the source's 'decaying learning rate' where it fails: the direction "
                   "freezes"),
        Point("η = 8/β, beyond the descent lemma (and 2/β)", {"seed": 5.0, "sets": 16.0,
                                                               "n": 8.0, "d": 2.0,
                                                               "margin": 0.1, "T": 1024.0,
                                                               "eta_scale": 8.0},
              regime="outside", monte_carlo=False,
              note="the loss and norm bounds are not guaranteed; the direction still "
                   "converges"),
    )


@cache
def _findings() -> tuple[str, ...]:
    """The numbers quoted in the findings, from the (cached) model runs of the points."""
    steps = int(LONG["T"])
    lg = ck.long_runs(ck.key(LONG))
    const = lg.runs["constant"]
    asym = mf.asymptote(lg.z, lg.svm, const.tau[-1:])
    two = np.isfinite(asym.spread)
    angle = float(np.median(const.angle[-1][two] / asym.angle[-1][two]))
    norm = float(np.median(const.norm[-1] / asym.norm[-1]))
    win, (theta, size) = rt.laws(lg, steps)
    gap = rt.flow_gap(lg, np.array([steps]))[0]
    rd = rt.rate_data(ck.key(RATE))
    main, wrong = rt.rate_intervals(rd)
    g_count, g_ci, _ = wrong[next(iter(rt.WRONG))]
    fz = ck.frozen({**LONG, "decay": DECAY})
    ctl = ck.controls(ck.key(MC))
    z8, svm8, _, run8, base8 = ck.single_runs(ck.key(_points_g6()[-1].params))
    t8 = ib.bound_table(z8, svm8, run8)
    excess = [float(np.max(t8[k][0] / t8[k][1])) for k in ib.BOUNDS[:2]]
    ratio8 = float(np.median(run8.angle[-1] / base8.angle[-1]))
    ngd_v = mf.ngd_offset(lg.z, lg.svm, lg.ngd_eta)[0]
    ok = np.isfinite(ngd_v)
    settled = float(np.median(lg.ngd_eta * LONG["ngd_T"] * np.tan(lg.ngd.angle[-1][ok])
                              / ngd_v[ok]))
    return (
        "The source's alignment statement is right for constant and slowly decaying rates, "
        "but its condition is off: what matters is τ_t = Σ_{s<t} η_s → ∞. A constant rate "
        "aligns fastest among plain GD schedules; η₀/(t+1) slows alignment to 1/ln ln t; an "
        f"exponentially decaying rate (Σ η_t < ∞, τ_∞ = {fz.tau_inf:.0f} in median) converges "
        "to a non-SVM direction: its limit angle is at least "
        f"{float(np.median(fz.floor)):.3f} rad in median (at least "
        f"{float(np.min(fz.floor)):.1e} on every set), where η = 1/β is at "
        f"{fz.constant:.3f} by t = {steps} and still shrinking.",
        f"The 1/ln t law is not resolved on GD itself at t ≤ {steps}: over t ∈ [{win[0]}, "
        f"{win[-1]}] the slope of ln θ_t on ln ln(τ_t/τ*) is {theta.gd.mean():.2f} against the "
        f"asymptote's own {theta.asymptote.mean():.2f} over the same window (difference "
        f"95 % CI [{theta.difference.lo:.2f}, {theta.difference.hi:.2f}], {theta.gd.size} "
        f"sets), and that of ln‖w_t‖ {size.gd.mean():.2f} against "
        f"{size.asymptote.mean():.2f} (CI [{size.difference.lo:.2f}, "
        f"{size.difference.hi:.2f}]); at t = {steps} θ_t is {angle:.3f}× the asymptote and "
        f"‖w_t‖ {norm:.3f}× in median. GD is within {gap:.1e} (median relative angle) of the "
        "logistic flow at the same τ, so what remains is the flow's own slow transient.",
        "That transient is derived: linearising the flow about w = ŵ ln(τ/N) + ρ gives the "
        "rates 1 (a shift of τ) and α₁α₂ det G, and a point off the support forces it like "
        "τ^(−g), so ‖w − asymptote‖ ∝ τ^(−κ), κ = min(g, α₁α₂ det G, 1), not t^(−g) as first "
        f"written. On the flow to τ = 10¹² over {rd.measured.size} random data sets the "
        f"measured exponent s of that distance matches −κ within ±{ck.RESOLUTION} (s + κ: "
        f"{main}{'' if main.contains(0.0) else '; just off 0: the next-order transient'}), "
        "while g alone is rejected on the "
        f"{g_count} sets where it differs (median {g_ci.median:+.2f}). κ is small on many data "
        f"sets (median {float(np.median(rd.rates.kappa)):.2f}), which is why the 1/ln t law "
        "takes so long to show.",
        "Normalised GD (fixed step length) aligns like 1/t: its weights settle at the SVM dual "
        "(p₁/p₂ = α₁/α₂), the offset across ŵ at the derived v* (ηT·tan θ_T/|v*| = "
        f"{settled:.3f} in median), while w grows by η per step along ŵ.",
        f"The bounds held on all {ctl.z.shape[0]} random data sets up to η = "
        f"{ck.bounds_hold_up_to(ctl):g}/β (only η ≤ 1/β is guaranteed); at 3/β "
        f"{ctl.bounds[3.0]:.1%} of the sets stay inside, at 4/β {ctl.bounds[4.0]:.1%}, at 6/β "
        f"{ctl.bounds[6.0]:.1%}. At η = 8/β the loss and norm bounds fail (by ×{excess[0]:.1f} "
        f"and ×{excess[1]:.1f}) and the loss is not monotone, yet the direction still "
        f"converges to ŵ (θ_T is {ratio8:.2f}× that of η = 1/β at the same t).",
        "The Monte Carlo indicators are predicted to be exactly 1, so they bound the failure "
        "rate rather than measure a quantity; their teeth are shown by controls that must "
        f"fail: η = 4/β and 6/β break the bounds, a ŵ rotated by {ck.ROTATION} rad breaks the "
        f"angle–margin lemma on {1 - ctl.angle_rotated:.0%} of the sets (it holds for any w "
        "given the true ŵ: it tests the SVM, not GD), and ŵ×1.01 fails the KKT test on "
        f"{1 - ctl.kkt_scaled:.0%}.",
        "Bounds that hold at every t (η_t ≤ 1/β, derived here): L(w_t) ≤ B(τ_t) ~ "
        "‖ŵ‖²ln²τ/(2τ), ‖w_t‖ ≤ U(τ_t) ~ 2‖ŵ‖ln τ and ≥ (ln τ − O(ln ln τ))/R, and "
        "sin²θ_t ≤ γ̂²/γ_t² − 1 (margin convergence forces direction convergence).",
    )


G6 = Claim(
    id="G6",
    slug="implicit-bias",
    title="GD on separable data aligns with the hard-margin SVM: θ_t ∝ 1/ln τ_t, "
          "‖w_t‖ ≈ ‖ŵ‖ ln τ_t",
    statement=(
        "Gradient descent on the logistic loss of linearly separable data, from w₀ = 0 with "
        "η_t ≤ 1/β, has ‖w_t‖ → ∞ and w_t/‖w_t‖ → ŵ/‖ŵ‖, the hard-margin SVM direction: "
        "w_t = ŵ ln(τ_t/N) + ρ + O(τ_t^(−κ)) with τ_t = Σ_{s<t} η_s, z_nᵀρ = −ln α_n (α the "
        "SVM's dual variables) and κ = min(g, α₁α₂ det G, 1) > 0, so ‖w_t‖ ≈ ‖ŵ‖ ln τ_t and "
        "the angle to ŵ shrinks like 1/ln τ_t. A constant rate or η₀/√(t+1) gives 1/ln t, "
        "η₀/(t+1) only 1/ln ln t, and η₀qᵗ (Σ η_t < ∞) converges to a non-SVM direction; "
        "normalised GD gives 1/t. At every t: L(w_t) ≤ B(τ_t), ‖w_t‖ ≤ U(τ_t), the margin "
        "≥ m(τ_t) and sin²θ_t ≤ γ̂²/γ(w_t)² − 1. The rate τ^(−κ) is measured on the "
        "gradient flow (to τ = 10¹²), which GD follows at the same τ; GD itself, to "
        "t = 4096, is still in the transient: its measured exponent of θ is not yet the "
        "asymptote's."),
    sources=(
        Source(SEED_001, "The Ghost in the Machine: How Schedules Shape the Solution",
               "Consider training a simple [linear classifier](@article_id:637060) on data "
               "that can be perfectly separated."),
        Source(SEED_001, "The Ghost in the Machine: How Schedules Shape the Solution",
               "The astonishing answer is that, with a standard decaying [learning rate]"
               "(@article_id:139716), the path traced by the parameters will asymptotically "
               "align with a very special solution: the **maximum-margin classifier**, the "
               "same one found by a Support Vector Machine (SVM)"),
    ),
    derive=_derive_g6,
    model=_model_g6,
    points=_points_g6(),
    figure=figure_g6,
    simulate=_simulate_g6,
    statistics=G6_STATISTICS,
    validity=_validity_g6,
    findings=LazyFindings(_findings),
)

CLAIMS = (G6,)
