"""Family M, claim M11: L2 through Adam's gradient is not decoupled decay (AdamW).

Derivation: the stationary step of each rule (first moment at its fixed point, second
moment at V, bias corrections gone; :func:`lrtheory.symbolic.adam_l2.stationary_step`)
gives the fixed points: Adam + L2 lands on the L2 solution whatever V, AdamW on an L2
solution of strength λ√V. A reflection symmetry of the Adam + L2 update makes its noisy
mean exactly the L2 solution; AdamW's mean on a noisy linear loss is the exact Laplace
quadrature of :mod:`lrtheory.models.adam_l2`. The rules' defaults are read from their
signatures and compared with the seed's and the libraries' (PyTorch, Keras).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cache
from typing import Any

import numpy as np

from lrtheory.adaptive import AdamState, adam, adamw_lr_scaled
from lrtheory.arrays import concat
from lrtheory.claim import Claim, Estimate, ModelCheck, Point, Source, ValidityDomain
from lrtheory.claims import adam_l2_rows as rows
from lrtheory.errors import ParameterError, check_int
from lrtheory.models import adam_l2 as al
from lrtheory.models.rounding import EPS
from lrtheory.montecarlo.runner import ChunkRNG, Ensemble
from lrtheory.montecarlo.stats import mean_statistic
from lrtheory.plotting import new_figure
from lrtheory.results import ClaimResult
from lrtheory.sources import SEED_003
from lrtheory.symbolic.adam_l2 import (
    KERAS_ADAM,
    PYTORCH_ADAM,
    PYTORCH_ADAMW_WEIGHT_DECAY,
    SEED_LR,
    exact_gradient_fixed_point,
    m11_derivation,
)

# --------------------------------------------------------------------------------------
# Points and model
# --------------------------------------------------------------------------------------

#: A point's parameters: Adam's η, λ, β₁, β₂, ε; the horizon T ("steps"); the mean slope a
#: and noise σ of a low- and a high-variance coordinate; the quadratic's curvature h and
#: optimum c; and the half-width u₀ of the symmetric start w_L2 ± u₀ of the Adam + L2 runs.
KEYS = ("eta", "lam", "beta1", "beta2", "eps", "steps", "a_low", "sigma_low", "a_high",
        "sigma_high", "h", "c", "spread")


def _setting(p: Mapping[str, float]) -> tuple[al.AdamHyper, int]:
    missing = [key for key in KEYS if key not in p]
    if missing:
        raise ParameterError("params", dict(p), f"a mapping with keys {', '.join(KEYS)}")
    hp = al.AdamHyper(p["eta"], p["lam"], p["beta1"], p["beta2"], p["eps"])
    return hp, check_int("steps", int(p["steps"]), 1)


def _coordinates(p: Mapping[str, float]) -> tuple[tuple[float, float], tuple[float, float]]:
    return (p["a_low"], p["sigma_low"]), (p["a_high"], p["sigma_high"])


def _deterministic_checks(p: Mapping[str, float], hp: al.AdamHyper) -> list[ModelCheck]:
    """AdamW with exact gradients on ½h(w − c)², run until its whole state is a float64 fixed
    point (:func:`lrtheory.models.adam_l2.run_to_fixed_point`), against the derived root."""
    h, lam = p["h"], hp.lam
    cs = np.array([p["c"], 2.0 * p["c"]])
    w = al.run_to_fixed_point(hp, h, cs)
    checks = []
    for c, wc in zip(cs, w, strict=True):
        checks += [
            ModelCheck(f"σ = 0, c = {c:g}: AdamW's fixed point (rule) vs the derived root",
                       exact_gradient_fixed_point()(h, c, lam, hp.eps), float(wc),
                       (4 * EPS * abs(wc) / hp.eta + 16 * EPS) / lam,
                       "the rule's state is a float64 fixed point; residual slope ≥ λ"),
            rows.fixed_point_check(f"σ = 0, c = {c:g}: AdamW's fixed point vs 1/λ (ε → 0)", hp,
                                   h, float(c), float(wc),
                                   (4 * EPS * abs(wc) / hp.eta + 16 * EPS) / lam),
        ]
    return checks


def _model_m11(point: Point) -> list[ModelCheck]:
    p = point.params
    hp, steps = _setting(p)
    if p["sigma_low"] == 0.0:
        return _deterministic_checks(p, hp)
    checks = []
    for name, (a, s) in zip(("low", "high"), _coordinates(p), strict=True):
        exact = al.adamw_linear_stationary(hp, a, s)
        rms = math.hypot(a, s)
        ratio = -a / (hp.lam * (rms + hp.eps))
        checks += [
            rows.stationary_check(f"AdamW, linear loss, {name} variance (RMS {rms:.3g}): "
                                  "stationary −a/(λ√(a² + σ²)) vs exact −E d_∞/λ", hp, a, s,
                                  ratio, exact),
            rows.transient_check(f"AdamW, {name}: exact E w_T at the horizon T = {steps} vs "
                                 "stationary", hp, a, s, steps, exact,
                                 al.adamw_linear_mean(hp, a, s, -a / hp.lam, steps)),
        ]
        averaged = al.averaged_fixed_point(hp, -p["h"] * p["c"], p["h"], s)
        checks.append(rows.averaged_check(
            f"AdamW, quadratic h = {p['h']:g}, {name} variance: ratio of expectations vs the "
            "exact averaged fixed point (η → 0)", hp, -p["h"] * p["c"], p["h"], s,
            al.adamw_ratio_of_expectations(hp, -p["h"] * p["c"], p["h"], s), averaged))
    a_low = p["a_low"]
    if a_low < 1.0:
        boundary = al.overregularisation_boundary(hp, a_low)
        checks.append(rows.boundary_check(
            f"over-regularisation boundary at a = {a_low:g}: gradient RMS where the two "
            "stationary means agree, 1 (ratio of expectations) vs exact", hp, a_low, boundary))
    return checks


# --------------------------------------------------------------------------------------
# Monte Carlo
# --------------------------------------------------------------------------------------

M11_STATISTICS = (
    "Adam + L2, linear loss, low variance, from w_L2 ± u₀: mean w_T (= −a/λ)",
    "Adam + L2, linear loss, high variance, from w_L2 ± u₀: mean w_T (= −a/λ)",
    "AdamW, linear loss, low variance: mean w_T (exact quadrature sum)",
    "AdamW, linear loss, high variance: mean w_T (exact quadrature sum)",
    "Adam + L2, quadratic, low variance, from w_L2 ± u₀: mean w_T (= hc/(h + λ))",
    "Adam + L2, quadratic, high variance, from w_L2 ± u₀: mean w_T (= hc/(h + λ))",
)


def _simulate_m11(point: Point, ensemble: Ensemble, n: int) -> list[Estimate]:
    """Gradients ∇f + σξ, ξ ~ N(0, 1), zero moments at the start. Adam on ∇f + λw (PyTorch
    Adam) on a linear loss (slope a) and on ½h(w − c)², each at a low and a high σ, each
    started at w_L2 ± u₀ with a fair random sign, so that every run has a transient of size
    u₀ through large gradients; the start is symmetric about w_L2, so by the reflection
    symmetry (derived) the mean is w_L2 exactly at every t. AdamW (decay ηλ) on the same two
    linear coordinates from w_L2: its means are the exact quadrature sums, their numerical
    error declared as the bias."""
    p = point.params
    hp, steps = _setting(p)
    (a_lo, s_lo), (a_hi, s_hi) = _coordinates(p)
    h, c, lam = p["h"], p["c"], hp.lam
    a_l2 = np.array([a_lo, a_hi, -h * c, -h * c])
    h_l2 = np.array([0.0, 0.0, h, h])
    s_l2 = np.array([s_lo, s_hi, s_lo, s_hi])
    start_l2, spread = -a_l2 / (h_l2 + lam), p["spread"]
    a_w, s_w = np.array([a_lo, a_hi]), np.array([s_lo, s_hi])
    start_w = -a_w / lam

    def kernel(rng: ChunkRNG) -> Any:
        xp, dt = rng.xp, rng.dtype
        al2, hl2, sl2, aw, sw = (xp.asarray(x, dtype=dt) for x in (a_l2, h_l2, s_l2, a_w, s_w))
        sign = xp.where(rng.uniform(4) < 0.5, xp.asarray(-1.0, dtype=dt), xp.asarray(1.0, dtype=dt))
        w_l2 = xp.asarray(start_l2, dtype=dt) + spread * sign
        w_w = xp.zeros((rng.n, 2), dtype=dt) + xp.asarray(start_w, dtype=dt)
        st_l2, st_w = AdamState.zeros(w_l2), AdamState.zeros(w_w)
        for _ in range(steps):
            xi = rng.normal(6)
            g_l2 = al2 + (hl2 + lam) * w_l2 + sl2 * xi[:, :4]
            w_l2, st_l2 = adam(w_l2, st_l2, g_l2, hp.eta, hp.beta1, hp.beta2, hp.eps)
            w_w, st_w = adamw_lr_scaled(w_w, st_w, aw + sw * xi[:, 4:], hp.eta, lam,
                                        hp.beta1, hp.beta2, hp.eps)
        return concat(xp, [w_l2[:, :2], w_w, w_l2[:, 2:]], axis=1)

    m = ensemble.run(kernel, n, what="M11 Adam + L2 and AdamW, noisy gradients")
    adamw_means = [al.adamw_linear_mean(hp, a, s, -a / lam, steps)
                   for a, s in ((a_lo, s_lo), (a_hi, s_hi))]
    predictions = [(float(start_l2[0]), 0.0), (float(start_l2[1]), 0.0),
                   *((x.value, x.error) for x in adamw_means),
                   (float(start_l2[2]), 0.0), (float(start_l2[3]), 0.0)]
    return [Estimate(name, pred, mean_statistic(m.mean[i], m.stderr_mean[i], m.n),
                     bias_bound=bias)
            for i, (name, (pred, bias)) in enumerate(zip(M11_STATISTICS, predictions,
                                                         strict=True))]


# --------------------------------------------------------------------------------------
# Validity domain, figure
# --------------------------------------------------------------------------------------

VALIDITY_SNR = (0.001, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)


@cache
def _validity_errors() -> tuple[float, ...]:
    hp = al.AdamHyper(0.05, 1.0)
    out = []
    for snr in VALIDITY_SNR:
        exact = al.adamw_linear_stationary(hp, 1.0, 1.0 / snr).value
        ratio = -1.0 / (hp.lam * (math.hypot(1.0, 1.0 / snr) + hp.eps))
        out.append(abs(ratio / exact - 1.0))
    return tuple(out)


def _validity_m11() -> ValidityDomain:
    errs = _validity_errors()
    return ValidityDomain(
        "AdamW's stationary mean on a noisy linear loss, −a/(λ√(a² + σ²)) (AdamW ≡ L2 of "
        "strength λ√(E g²), ratio of expectations), against the exact −E[m̂/(√v̂ + ε)]/λ, "
        f"β = (0.9, 0.999): the error is largest where noise dominates ({100 * errs[0]:.3f} % "
        f"at a/σ = {VALIDITY_SNR[0]:g}; it tends to a constant of order 1 − β₂ as a/σ → 0, "
        f"M6's delta method) and falls to {100 * errs[-1]:.5f} % at a/σ = "
        f"{VALIDITY_SNR[-1]:g} (the step tends to sign(a)): below {100 * max(errs):.3f} % "
        "on the whole grid at PyTorch's defaults.",
        "signal-to-noise a/σ", VALIDITY_SNR, errs, "|ratio form / exact − 1|")


def _figure_m11(result: ClaimResult) -> Any:
    fig, (left, middle, right) = new_figure(3, width=15.0)
    p0 = result.claim.points[0].params
    hp, steps = _setting(p0)
    rms = np.geomspace(0.3, 4.0, 25)
    left.axvspan(rms[0], 1.0, color="C2", alpha=0.08,
                 label="RMS < 1: Adam + L2 regularises more")
    for i, a in enumerate((0.3, 0.6, 1.0)):
        valid = rms > a * 1.001
        sig = np.sqrt(rms[valid] ** 2 - a * a)
        left.plot(rms[valid], al.stationary_curve(hp, a, sig) / (-a / hp.lam), color=f"C{i}",
                  label=f"AdamW, exact stationary, a = {a:g}")
    left.plot(rms, 1.0 / rms, "k--", lw=0.8, label="ratio of expectations: 1/RMS")
    left.axhline(1.0, color="grey", lw=1.5, label="Adam + L2 (exactly w_L2)")
    for pr in (pr for pr in result.points if pr.monte_carlo):
        (a_lo, s_lo), (a_hi, s_hi) = _coordinates(pr.point.params)
        for j, a, s in ((0, a_lo, s_lo), (1, a_hi, s_hi), (2, a_lo, s_lo), (3, a_hi, s_hi)):
            r = pr.monte_carlo[j]
            left.errorbar(math.hypot(a, s), r.estimate.sample.value / (-a / hp.lam),
                          fmt="o" if j >= 2 else "s", color="k" if j >= 2 else "grey", ms=4,
                          yerr=r.test.threshold * r.estimate.sample.se * hp.lam / a)
    left.plot([], [], "ok", ms=4, label=f"Monte Carlo at T = {steps}: AdamW")
    left.plot([], [], "s", color="grey", ms=4, label="… and Adam + L2")
    ticks = [0.3, 0.5, 1.0, 2.0, 4.0]
    left.set(xscale="log", yscale="log", xlabel="gradient RMS √(a² + σ²)",
             ylabel="|w_AdamW| / |w_Adam+L2| (same λ)",
             title="Stationary weight, AdamW over Adam + L2")
    left.set_xticks(ticks, [f"{x:g}" for x in ticks])
    left.set_yticks(ticks, [f"{x:g}" for x in ticks])
    left.legend(fontsize=7)
    ts = np.arange(steps + 1)
    (a_lo, s_lo), (a_hi, s_hi) = _coordinates(p0)
    for i, (name, a, s) in enumerate((("low", a_lo, s_lo), ("high", a_hi, s_hi))):
        curve = [x.value for x in al.adamw_linear_curve(hp, a, s, -a / hp.lam, steps)]
        middle.plot(ts, curve, color=f"C{i}", label=f"AdamW, {name} variance (exact)")
        middle.axhline(-a / hp.lam, color=f"C{i}", ls="--", label=f"Adam + L2, {name} (exact)")
        for j in (i, 2 + i):
            r = result.points[0].monte_carlo[j]
            middle.errorbar(steps, r.estimate.sample.value, fmt="ok", ms=4,
                            yerr=r.test.threshold * r.estimate.sample.se)
    middle.plot([], [], "ok", ms=4, label="Monte Carlo")
    middle.set(xlabel="step t", ylabel="mean weight E w_t",
               title=f"Noisy linear loss, λ = {hp.lam:g}, η = {hp.eta:g}: AdamW from w_L2, "
                     f"Adam + L2 from w_L2 ± {p0['spread']:g}")
    middle.legend(fontsize=7)
    det = next(pr.point.params for pr in result.points if pr.point.params["sigma_low"] == 0.0)
    cs = np.linspace(1.02, 6.0, 60) / det["lam"]
    h, lam = det["h"], det["lam"]
    root = exact_gradient_fixed_point()
    right.plot(cs, [root(h, c, lam, det["eps"]) for c in cs], label="AdamW (derived root)")
    right.plot(cs, h * cs / (h + lam), "--", label="Adam + L2: hc/(h + λ)")
    right.plot(cs, cs, ":", color="grey", label="unregularised: c")
    for pr in result.points:
        for mr in pr.model:
            if mr.check.name.endswith("vs the derived root"):
                c = float(mr.check.name.split("c = ")[1].split(":")[0])
                right.plot(c, mr.check.model, "ok", ms=4)
    right.plot([], [], "ok", ms=4, label="the rule, iterated to its fixed point")
    right.set(xlabel="optimum c of ½h(w − c)²", ylabel="fixed point w*",
              title=f"σ = 0, h = {h:g}, λ = {lam:g}: for c > 1/λ AdamW stops at 1/λ")
    right.legend(fontsize=7)
    left.minorticks_off()  # log-axis minor ticks are clutter, and slow to lay out
    return fig


def _m11_points() -> tuple[Point, ...]:
    base = {"eta": 0.05, "lam": 1.0, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "steps": 100,
            "a_low": 0.3, "sigma_low": 0.3, "a_high": 1.0, "sigma_high": 2.0, "h": 3.0,
            "c": 1.0, "spread": 0.5}
    boundary = {**base, "a_low": 0.6, "sigma_low": 0.8}
    exact = {**base, "sigma_low": 0.0, "sigma_high": 0.0, "h": 1.0, "c": 3.0, "eta": 0.1,
             "beta2": 0.9}

    def rms(p: Mapping[str, float]) -> str:
        return " and ".join(f"{math.hypot(a, s):.3g}" for a, s in _coordinates(p))

    return (
        Point(f"gradient RMS {rms(base)}, PyTorch's (β₁, β₂, ε)", base),
        Point(f"gradient RMS {rms(boundary)}: on the over-regularisation boundary", boundary,
              regime="boundary",
              note="at RMS ≈ 1 Adam + L2 and AdamW have the same stationary mean"),
        Point(f"exact gradients σ = 0, c = {exact['c']:g} > 1/λ: AdamW's fixed point is "
              "w ≈ 1/λ", exact, regime="outside", monte_carlo=False,
              note="outside the noise-dominated regime: √v̂ = |∇f|; β₂ = 0.9 only shortens "
                   "the run (the fixed point does not depend on β or η)"),
    )


@cache
def _numbers() -> dict[str, Any]:
    """The numbers quoted in the findings (the first point; the defaults' constants)."""
    points = _m11_points()
    p = points[0].params
    hp, _ = _setting(p)
    (a_lo, s_lo), (a_hi, s_hi) = _coordinates(p)
    rms = [math.hypot(a, s) for pt in points if pt.monte_carlo
           for a, s in _coordinates(pt.params)]
    beta2, eps_hat = float(KERAS_ADAM["beta2"]), float(KERAS_ADAM["eps_hat"])
    return {"lo": al.adamw_linear_stationary(hp, a_lo, s_lo).value,
            "hi": al.adamw_linear_stationary(hp, a_hi, s_hi).value,
            "l2_lo": -a_lo / hp.lam, "l2_hi": -a_hi / hp.lam, "a_lo": a_lo,
            "rms_lo": math.hypot(a_lo, s_lo), "rms_hi": math.hypot(a_hi, s_hi),
            "rms_min": min(rms), "rms_max": max(rms), "spread": p["spread"],
            "cross": al.overregularisation_boundary(hp, a_lo).value,
            "keras_t1": eps_hat / math.sqrt(1.0 - beta2), "eps_hat": eps_hat,
            "keras_over_torch": eps_hat / float(PYTORCH_ADAM["eps"]),
            "lr_same": len({float(x) for x in (SEED_LR, PYTORCH_ADAM["lr"],
                                               KERAS_ADAM["lr"])}) == 1}


_N = _numbers()
_SECTION = "Per-Parameter Adaptation"

M11 = Claim(
    id="M11",
    slug="adam-l2-vs-adamw",
    title="Adam + L2 lands on the L2 solution; AdamW on one of strength λ√(E g²)",
    statement=(
        "Per coordinate, with the second moment at V = E g² and m at E g, Adam on ∇f + λw "
        "(PyTorch Adam, weight_decay = λ) is stationary where ∇f + λw = 0 — the L2 solution, "
        "whatever V (√V divides the regulariser and the gradient alike); under symmetric "
        "noise, from a start symmetric about it, its mean is exactly the L2 solution. AdamW "
        "(decay ηλ) is stationary where ∇f + λw(√V + ε) = 0: an L2 solution of strength "
        "λ√V, or λ_wd√V/η for decay λ_wd. So Adam + L2 regularises more than AdamW "
        "('over-regularizes') exactly on the coordinates with E g² < (1 − ε)², less on the "
        "others. With exact gradients on ½h(w − c)² with c > 1/λ, AdamW stops at "
        "w = 1/λ − O(ε) whatever h. The rules' default (β₁, β₂) are the seed's, and their "
        "(β₁, β₂, ε) PyTorch's."),
    sources=(
        Source(SEED_003, _SECTION, "A notable variant, AdamW, introduced by Loshchilov and "
               "Hutter in 2017 (published at ICLR 2019), decouples weight decay "
               "regularization from the adaptive learning rate updates to better align with "
               "the original L2 penalty formulation, applying decay directly to parameters "
               "rather than gradients."),
        Source(SEED_003, _SECTION, "with empirical improvements in tasks like image "
               "classification where standard Adam over-regularizes."),
        Source(SEED_003, _SECTION, "using parameters \\beta_1 = 0.9 for the first moment and "
               "\\beta_2 = 0.999 for the second."),
        Source(SEED_003, "Selection and Tuning", "Common starting points include a default "
               "of 0.001 for the Adam optimizer across various deep learning tasks, as "
               "recommended in its original formulation and standard implementations."),
    ),
    derive=lambda: m11_derivation()[0],
    model=_model_m11,
    points=_m11_points(),
    figure=_figure_m11,
    simulate=_simulate_m11,
    statistics=M11_STATISTICS,
    validity=_validity_m11,
    findings=(
        "Adam + L2 is the one that solves the L2 problem: its stationary point is "
        "∇f + λw = 0 for every V, and its update commutes with the reflection about w_L2 "
        "(derived), so under symmetric noise E w_t = w_L2 exactly at every t from any start "
        f"symmetric about w_L2 — Monte Carlo from w_L2 ± {_N['spread']:g} at gradient RMS "
        f"from {_N['rms_min']:.2f} to {_N['rms_max']:.2f}, linear and quadratic losses. The "
        "catalog's 'divides the regulariser by √v̂' is the per-step pull ηλw/√v̂: it sets how "
        "fast Adam + L2 gets there, not where it goes.",
        "AdamW (PyTorch convention, same λ) has the stationary point of an L2 problem of "
        "strength λ√(E g²) (λ_wd√(E g²)/η in the seed's decoupled form: M8's λ_wd/η times "
        "√(E g²)); exactly, on a noisy linear loss, −E[m̂/(√v̂ + ε)]/λ: "
        f"{_N['lo']:.4f} against Adam + L2's {_N['l2_lo']:.2f} at RMS {_N['rms_lo']:.2f}, "
        f"{_N['hi']:.4f} against {_N['l2_hi']:.2f} at RMS {_N['rms_hi']:.2f}. The seed's "
        "'better align with the original L2 penalty formulation' is therefore wrong at the "
        "fixed point: AdamW is the original *weight decay*, which equals L2 only for SGD. "
        "On the noisy quadratic (h > 0) AdamW's mean at finite η is not computed exactly here: "
        "only its η → 0 averaged fixed point, against which the ratio of expectations is "
        "measured (an approximate model check, no Monte Carlo).",
        "'Standard Adam over-regularizes' holds in this precise sense: at the same λ, "
        "Adam + L2 shrinks a coordinate more than AdamW iff its gradient RMS is below 1 "
        f"(ratio of expectations; exactly at RMS {_N['cross']:.4f} for a = {_N['a_lo']:g}), "
        "and less above it. It is a statement about the units: scaling the loss by k leaves "
        "AdamW's weights unchanged and multiplies Adam + L2's by k. Relative to AdamW, "
        "Adam + L2 regularises high-variance coordinates less (the ratio of strengths is "
        "1/(√V + ε)).",
        "With exact gradients (σ = 0) AdamW's fixed point on ½h(w − c)² with c > 1/λ is "
        "w = 1/λ − O(ε) for any h (derived; the rule iterated to a float64 fixed point agrees "
        "with the derived root within its rounding bound): a box constraint, not an L2 "
        "solution (Adam + L2: hc/(h + λ)).",
        "Defaults: the rules' (β₁, β₂, ε) equal seed 003's β's and PyTorch's Adam/AdamW "
        "(read from their signatures); seed 003 prints no value for ε. The rules have no "
        "default η, so the seed's 'default of 0.001 for the Adam optimizer' can only be set "
        "against the libraries' documentation: PyTorch's and Keras' learning-rate defaults "
        f"{'equal' if _N['lr_same'] else 'differ from'} it. adamw_lr_scaled has no default "
        f"decay (PyTorch AdamW: {PYTORCH_ADAMW_WEIGHT_DECAY}). Keras' ε̂ = {_N['eps_hat']:g} "
        "is added to the uncorrected √v: it is the rule's ε = ε̂/√(1 − β₂ᵗ) (derived), "
        f"{_N['keras_t1']:.2g} at t = 1 and {_N['eps_hat']:g} "
        f"({_N['keras_over_torch']:g} times PyTorch's) once stationary.",
    ),
)

CLAIMS = (M11,)
