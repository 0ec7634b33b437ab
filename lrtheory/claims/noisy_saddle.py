"""Family D, claim D7 saddle-escape: gradient noise scaled by η pushes SGD off a saddle.

On f = ½λ‖x‖² − ½γ‖y‖² SGD with gradient noise sξ started *at* the saddle moves each
unstable coordinate by y ← g·y − ηsξ, g = 1 + ηγ: a Gaussian AR(1) that never sees x (the
quadratic is separable, so the stable directions cannot change anything about y or its escape
time). Its variance V_t = η²s²(g^{2t} − 1)/(g² − 1) is exact, so ‖y_T‖²/V_T ~ χ²_k and the
fixed-time
escape probability P(‖y_T‖ > r) = Q(k/2, r²/(2V_T)) is a closed form. The *first-passage*
time τ has none: M_t = g^{−t}y_t is a martingale with independent symmetric steps, so
Lévy's maximal inequality brackets it exactly, P(‖y_T‖ > r) ≤ P(τ ≤ T) ≤ 2P(‖y_T‖ > r),
and freezing M_t at its limit M_∞ ~ N(0, v∞I) gives the approximation
E[τ] ≈ [ln r − ½ln v∞ − ½(ψ(k/2) + ln 2)]/ln g + ½. The exact law of τ comes from the
quadrature of :mod:`lrtheory.models.noisy_saddle`, whose error is *estimated* by doubling the
panels (an a-posteriori estimate, not a proven bound); the derivation is in
:mod:`lrtheory.symbolic.noisy_saddle`.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from lrtheory.claim import Claim, Estimate, ModelCheck, Point, Source, ValidityDomain
from lrtheory.models import noisy_saddle as ns
from lrtheory.models.rounding import EPS
from lrtheory.montecarlo.runner import Ensemble, indicator_proportion
from lrtheory.montecarlo.stats import mean_statistic
from lrtheory.plotting import new_figure
from lrtheory.results import ClaimResult
from lrtheory.sources import SEED_003
from lrtheory.symbolic.noisy_saddle import saddle_forms

# --------------------------------------------------------------------------------------
# the exact laws at a point (cached: model and both Monte Carlo runs share them)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Laws:
    g: float
    h: float
    survival: ns.RadialLaw  # P(τ > t), t = 0 … M_big
    exceed: ns.RadialLaw  # P(‖y_t‖ > r) without absorption, t = 0 … T
    var_end: float  # V_T
    p_fixed: float
    loss: tuple[float, float]  # P(f(θ_T) < −h) given x, and its quad error
    loss_y: tuple[float, float]  # the same given y


def _key(p: dict[str, float]) -> tuple[tuple[str, float], ...]:
    return tuple(sorted(p.items()))


@functools.lru_cache(maxsize=32)
def _laws(key: tuple[tuple[str, float], ...]) -> _Laws:
    p, f = dict(key), saddle_forms()
    g, h, k = 1 + p["eta"] * p["gamma"], p["eta"] * p["s"], int(p["k"])
    T_, M = int(p["T"]), int(p["M"])
    m_big = M + math.ceil(20 / (k * math.log(g)))
    v_T = float(f.v_t(p["eta"], p["gamma"], p["s"], T_))
    vx_T = float(f.vx_t(p["eta"], p["lam"], p["s"], T_))
    args = (p["gamma"] * v_T / 2, k, p["lam"] * vx_T / 2, int(p["d_s"]), p["level"])
    return _Laws(g, h, ns.radial_first_passage(g, h, p["r"], k, m_big),
                 ns.radial_exceedance(g, h, p["r"], k, T_), v_T,
                 float(f.fixed(p["eta"], p["gamma"], p["s"], p["r"], k, v_T)),
                 ns.loss_level_probability(*args, given="x"),
                 ns.loss_level_probability(*args, given="y"))


def _radius_ratio(p: dict[str, float]) -> float:
    """r/√v∞: the escape radius in units of the frozen noise scale."""
    return p["r"] / math.sqrt(ns.limit_variance(1 + p["eta"] * p["gamma"], p["eta"] * p["s"]))


def _point(label: str, **kw: Any) -> Point:
    """A point of the γ = λ = s = r = 1, k = d_s = 1, h = ½ family (``kw`` overrides); a
    note may name ``{ratio}``, r/√v∞, computed here."""
    base = {"gamma": 1.0, "lam": 1.0, "s": 1.0, "r": 1.0, "k": 1, "d_s": 1, "level": 0.5}
    opts = {o: kw.pop(o) for o in ("regime", "monte_carlo", "note") if o in kw}
    p = {**base, **kw}
    if "note" in opts:
        opts["note"] = opts["note"].format(ratio=_radius_ratio(p))
    T_, M = ns.escape_design(1 + p["eta"] * p["gamma"], p["eta"] * p["s"], p["r"], int(p["k"]))
    params = {key: float(v) for key, v in {**p, "T": T_, "M": M}.items()}
    return Point(f"{label}; T = {T_}, M = {M}", params, **opts)


# --------------------------------------------------------------------------------------
# model, Monte Carlo
# --------------------------------------------------------------------------------------


def _model(point: Point) -> list[ModelCheck]:
    p, f = dict(point.params), saddle_forms()
    law, k, T_ = _laws(_key(p)), int(p["k"]), int(p["T"])
    g2t = law.g ** (2 * T_)
    recursion = float(ns.variance_path(law.g, law.h, T_)[-1])
    rel = EPS * (3 * T_ + 8 + 4 * (T_ + 1) * g2t / (g2t - 1))
    f_T = 1 - float(law.survival.values[T_])
    e_tau = float(np.sum(law.survival.values))
    return [
        ModelCheck(f"V_T, T = {T_}: closed form vs iterated recursion", law.var_end, recursion,
                   rel * recursion, "float64: 3T roundings of the recursion, (2T + 2)ε in "
                   "g^{2T} amplified by the cancellation g^{2T}/(g^{2T} − 1)"),
        ModelCheck("P(‖y_T‖ > r): Q(k/2, r²/2V_T) vs quadrature without absorption",
                   law.p_fixed, float(law.exceed.values[T_]),
                   law.exceed.error + 16 * EPS, "Nyström: doubling estimate of the quadrature "
                   "error (an estimate, not a proven bound) + bound on the mass past R"),
        ModelCheck("Lévy bracket: P(‖y_T‖>r) ≤ P(τ ≤ T) ≤ 2P(‖y_T‖>r), centre vs quadrature",
                   1.5 * law.p_fixed, f_T, 0.5 * law.p_fixed + law.survival.error,
                   "half-width of the exact bracket, plus the Nyström doubling estimate "
                   "of the quadrature error (an estimate, not a proven bound)"),
        _frozen_row("frozen approximation P(τ ≤ T) vs exact (quadrature)",
                    float(f.frozen_cdf(p["eta"], p["gamma"], p["s"], p["r"], k, T_)), f_T,
                    (law.p_fixed, min(1.0, 2 * law.p_fixed)), law.survival.error),
        _frozen_row("frozen approximation E[τ] vs exact Σ_t P(τ > t) (quadrature)",
                    float(f.frozen_mean(p["eta"], p["gamma"], p["s"], p["r"], k)), e_tau,
                    *_levy_mean_bracket(p, law)),
        ModelCheck("P(f(θ_T) < −h): quadrature given x vs given y", law.loss[0], law.loss_y[0],
                   law.loss[1] + law.loss_y[1] + 16 * EPS,
                   "quad's error estimates on both routes, plus rounding"),
    ]


def _levy_mean_bracket(p: dict[str, float], law: _Laws) -> tuple[tuple[float, float], float]:
    """Lévy's bracket summed: P(τ > t) ∈ [1 − min(1, 2F_t), 1 − F_t], F_t = P(‖y_t‖ > r) =
    Q(k/2, r²/(2V_t)) (derived), so E[τ] = Σ_{t≥0} P(τ > t) lies in [Σ(1 − min(1, 2F_t)),
    Σ(1 − F_t)]; the upper sum's tail past the last term uses P(χ²_k < x) ≤ (x/2)^{k/2}/
    Γ(k/2 + 1) and V_{t+1} ≥ g²V_t. Returns that bracket and the model's own error: the
    quadrature's estimate on each of its terms, plus the mass past its last step."""
    f, k = saddle_forms(), int(p["k"])
    args = (p["eta"], p["gamma"], p["s"], p["r"], k)
    lo = hi = 1.0  # t = 0: τ ≥ 1
    t, rest, m_big = 0, 1.0, law.survival.values.size - 1
    beyond = 0.0  # Σ_{t > m_big}(1 − F_t): the part of E[τ] the model's sum leaves out
    while rest > 1e-17 * hi:
        t += 1
        fixed = float(f.fixed(*args, f.v_t(p["eta"], p["gamma"], p["s"], t)))
        rest = 1.0 - fixed
        lo, hi = lo + max(0.0, 1.0 - 2 * fixed), hi + rest
        beyond += rest if t > m_big else 0.0
    x = p["r"] ** 2 / (law.g**2 * float(f.v_t(p["eta"], p["gamma"], p["s"], t)))
    tail = (x / 2) ** (k / 2) / math.gamma(k / 2 + 1) / (1 - law.g ** (-k))
    error = (m_big + 1) * law.survival.error + beyond + tail + 4 * EPS * t * hi
    return (lo, hi + tail), error


def _frozen_row(name: str, frozen: float, exact: float, bracket: tuple[float, float],
                error: float) -> ModelCheck:
    """The frozen approximation held to the width of Lévy's exact bracket [lo, hi] on the
    quantity: an approximation inside it is within hi − lo of the exact value; the model
    (quadrature) is within ``error`` of that value. Where the bracket is as wide as the
    value itself (P(‖y_T‖ > r) ≤ ½: [P, 2P]) no envelope below 100 % follows."""
    lo, hi = bracket
    envelope = (hi - lo + 2 * error) / (lo - error) + 32 * EPS
    if envelope < 1.0:
        return ModelCheck(name, frozen, exact, 0.0, "approximation", exact=False,
                          bound=envelope, bound_reason="proved: the width of Lévy's bracket "
                          f"[{lo:.4g}, {hi:.4g}] on the exact value, plus the quadrature's "
                          "error estimate")
    return ModelCheck(name, frozen, exact, 0.0, "approximation", exact=False,
                      breakdown=f"no envelope below 100 %: Lévy's bracket [{lo:.4g}, "
                                f"{hi:.4g}] is as wide as the value (the frozen form's own "
                                "accuracy is not derived)")


STATISTICS = ("P(‖y_T‖ > r) at step T", "P(τ ≤ T): first passage by step T",
              "mean escape step min(τ, M)", "P(f(θ_T) < −h): loss below the saddle by h")


def _simulate(point: Point, ensemble: Ensemble, n: int) -> list[Estimate]:
    """SGD chains from the saddle; per chain the four comparisons of
    :func:`~lrtheory.models.noisy_saddle.escape_kernel`. Predictions: the closed form χ²_k
    tail, the quadrature's first-passage law and the quadrature of the loss level. Declared
    bias: the quadrature's error *estimates* (Nyström doubling, quad's own; not proven
    bounds) plus the rounding flip bounds (proven)."""
    p = dict(point.params)
    law, T_, M = _laws(_key(p)), int(p["T"]), int(p["M"])
    k, d_s = int(p["k"]), int(p["d_s"])
    kernel = ns.escape_kernel(p["eta"], p["gamma"], p["lam"], p["s"], k, d_s, p["r"],
                              p["level"], T_, M)
    m = ensemble.run(kernel, n, what=f"D7 SGD at a saddle, {point.label}")
    b_fixed, b_tau, b_mean, b_loss = ns.escape_rounding_bounds(
        law.g, 1 - p["eta"] * p["lam"], law.h, k, d_s, p["r"], p["gamma"] / 2, p["lam"] / 2,
        p["level"], T_, M)
    surv, err = law.survival.values, law.survival.error
    return [
        Estimate(STATISTICS[0], law.p_fixed, indicator_proportion(m, 0, ensemble), scale=1.0,
                 bias_bound=b_fixed),
        Estimate(STATISTICS[1], 1 - float(surv[T_]), indicator_proportion(m, 1, ensemble),
                 scale=1.0, bias_bound=err + b_tau),
        Estimate(STATISTICS[2], float(np.sum(surv[:M])),
                 mean_statistic(float(m.mean[2]), float(m.stderr_mean[2]), m.n),
                 bias_bound=M * err + b_mean),
        Estimate(STATISTICS[3], law.loss[0], indicator_proportion(m, 3, ensemble), scale=1.0,
                 bias_bound=law.loss[1] + b_loss),
    ]


# --------------------------------------------------------------------------------------
# validity, figure, claim
# --------------------------------------------------------------------------------------


def _exact_mean(eta: float, gamma: float, s: float, r: float, k: int) -> float:
    return ns.mean_escape_time(1 + eta * gamma, eta * s, r, k)


_VALIDITY_S = (4.0, 3.0, 2.0, 1.0, 0.5, 0.3)


def _validity() -> ValidityDomain:
    """Frozen E[τ] against the quadrature at ηγ = 0.1 as the noise s shrinks (r = 1)."""
    f, ratios, errors = saddle_forms(), [], []
    for s in _VALIDITY_S:
        exact = _exact_mean(0.1, 1.0, s, 1.0, 1)
        ratios.append(1.0 / math.sqrt(float(f.v_inf(0.1, 1.0, s))))
        errors.append(abs(float(f.frozen_mean(0.1, 1.0, s, 1.0, 1)) - exact) / exact)
    return ValidityDomain(
        "frozen-martingale E[τ] ≈ [ln(r/√v∞) + (γ_E + ln 2)/2]/ln(1 + ηγ) + ½ (k = 1, ηγ = "
        "0.1) against the exact first-passage law: good once the escape radius is a few "
        "frozen noise scales √v∞, useless when r ≲ √v∞ (escape within a step or two)",
        "r/√v∞", tuple(ratios), tuple(errors))


def _figure(result: ClaimResult) -> Any:
    f = saddle_forms()
    fig, ((ax_cdf, ax_eta), (ax_dim, ax_loss)) = new_figure(2, width=11.0, nrows=2,
                                                            height=7.6)
    mc = {pr.point.label: pr for pr in result.points if pr.monte_carlo}
    for point, colour in zip(result.claim.points[:3], ("C0", "C1", "C3"), strict=True):
        p, law = dict(point.params), _laws(_key(dict(point.params)))
        t = np.arange(1, int(p["M"]) + 1)
        ax_cdf.plot(t, 1 - law.survival.values[1:t.size + 1], color=colour,
                    label=f"η = {p['eta']:g}: exact P(τ ≤ t)")
        ax_cdf.plot(t, f.frozen_cdf(p["eta"], 1.0, 1.0, 1.0, 1, t), "--", color=colour, lw=1)
        ax_cdf.plot(t, [f.fixed(p["eta"], 1.0, 1.0, 1.0, 1, f.v_t(p["eta"], 1.0, 1.0, j))
                        for j in t], ":", color=colour, lw=1)
        if point.label in mc:
            est = mc[point.label].monte_carlo[1]
            lo, hi = est.test.interval
            val = est.estimate.sample.value
            ax_cdf.errorbar([p["T"]], [val], yerr=[[val - lo], [hi - val]], fmt="o",
                            color=colour)
    ax_cdf.plot([], [], "k--", lw=1, label="frozen approximation")
    ax_cdf.plot([], [], "k:", lw=1, label="P(|y_t| > r) (Lévy lower bound)")
    ax_cdf.set(xscale="log", xlim=(0.8, 5000), xlabel="step t", ylabel="probability",
               title="escape-time CDF from the saddle (k = 1, s = r = γ = 1); dots: MC")
    ax_cdf.legend(fontsize=7, loc="center right")
    etas = np.geomspace(0.05, 2.0, 60)
    frozen = np.array([f.frozen_mean(e, 1.0, 1.0, 1.0, 1) for e in etas])
    grid = (0.05, 0.1, 0.2, 0.5, 1.0, 2.0)
    exact = np.array([_exact_mean(e, 1.0, 1.0, 1.0, 1) for e in grid])
    ax_eta.loglog(etas, frozen, "--", color="C0", label="E[τ] steps, frozen approximation")
    ax_eta.loglog(grid, exact, "o", color="C0", label="E[τ] steps, exact (quadrature)")
    ax_eta.loglog(etas, etas * frozen, "--", color="C2", label="ηγ·E[τ] (flow time), frozen")
    ax_eta.loglog(grid, np.array(grid) * exact, "s", color="C2", label="ηγ·E[τ], exact")
    ax_eta.set(xlabel="η (γ = 1)", ylabel="escape time",
               title="larger η: fewer steps; flow time ηE[τ] nearly flat")
    ax_eta.legend(fontsize=7)
    ks, ds = np.arange(1, 9), np.array([1, 2, 4, 8, 16, 32, 64])
    ax_dim.plot(ks, [_exact_mean(0.2, 1.0, 1.0, 1.0, int(k)) for k in ks], "o-",
                label="k unstable directions, s per coordinate")
    ax_dim.plot(ds, [_exact_mean(0.2, 1.0, 1 / math.sqrt(d), 1.0, 1) for d in ds], "s-",
                label="1 unstable of d, total noise s²_tot = 1 split over d")
    ax_dim.axhline(_exact_mean(0.2, 1.0, 1.0, 1.0, 1), color="grey", ls=":",
                   label="any number d_s of stable directions (exact)")
    ax_dim.set(xscale="log", xlabel="dimension (k or d)", ylabel="E[τ] (steps), η = 0.2",
               title="escape time vs dimension: logarithmic at most")
    ax_dim.legend(fontsize=7)
    base = dict(result.claim.points[1].params)
    vy = float(f.v_t(0.2, 1.0, 1.0, int(base["T"])))
    vx = float(f.vx_t(0.2, 1.0, 1.0, int(base["T"])))
    d_s = np.array([1, 2, 4, 8, 16, 32, 64])
    ax_loss.semilogx(d_s, [ns.loss_level_probability(vy / 2, 1, vx / 2, int(d), 0.5)[0]
                           for d in d_s], "o-", label="P(f(θ_T) < −h), exact (quadrature)")
    ax_loss.axhline(f.fixed(0.2, 1.0, 1.0, 1.0, 1, vy), color="grey", ls=":",
                    label="P(|y_T| > r): independent of d_s")
    for pr in result.points:
        q = pr.point.params
        if pr.monte_carlo and q["eta"] == 0.2 and q["k"] == 1:
            ax_loss.plot([q["d_s"]], [pr.monte_carlo[3].estimate.sample.value], "x",
                         color="C3", ms=8)
    ax_loss.plot([], [], "x", color="C3", label="Monte Carlo")
    ax_loss.set(xlabel="stable directions d_s", ylabel=f"probability at T = {int(base['T'])}",
                title="escape by the loss level: stable directions delay it")
    ax_loss.legend(fontsize=7)
    return fig


_POINTS = (
    _point("η = 0.05: the saddle ½(x² − γy²), γ = s = r = 1", eta=0.05),
    _point("η = 0.2", eta=0.2),
    _point("η = 1: escape in 1–3 steps", eta=1.0, regime="boundary",
           note="ηγ = 1: the frozen approximation is off by 4 % in E[τ]"),
    _point("η = 0.2, d_s = 20 stable directions", eta=0.2, d_s=20,
           note="the loss criterion depends on d_s (tested here); the law of y and τ does "
                "not, exactly, by separability"),
    _point("η = 0.2, k = 3 unstable directions", eta=0.2, k=3),
    _point("η = 0.1, s = 4: noise larger than the escape radius", eta=0.1, s=4.0,
           regime="outside", monte_carlo=False,
           note="r/√v∞ = {ratio:.3f}: the frozen approximation fails"),
)
_OUTSIDE_RATIO = _radius_ratio(dict(_POINTS[-1].params))

D7 = Claim(
    id="D7",
    slug="saddle-escape",
    title="Gradient noise scaled by η pushes SGD off a saddle; larger η escapes sooner",
    statement=(
        "SGD with gradient noise s started at the saddle of ½λ‖x‖² − ½γ‖y‖² (k unstable "
        "directions) moves y by y ← (1 + ηγ)y − ηsξ: V_t = ηs²((1+ηγ)^{2t} − 1)/(γ(2+ηγ)) "
        "exactly, P(‖y_T‖ > r) = Q(k/2, r²/(2V_T)), and the first-passage time τ obeys "
        "P(‖y_T‖ > r) ≤ P(τ ≤ T) ≤ 2P(‖y_T‖ > r); E[τ] ≈ [ln r − ½ln v∞ − ½(ψ(k/2) + "
        "ln 2)]/ln(1 + ηγ) + ½ with v∞ = ηs²/(γ(2 + ηγ)) — fewer steps for larger η, "
        "logarithmic in the noise and in the dimension."),
    sources=(
        Source(SEED_003, "Mathematical Role",
               "The stochastic noise in \\tilde{\\nabla} L(\\theta_t), scaled by \\alpha_t, acts "
               "as a diffusive perturbation that probabilistically pushes iterates away from "
               "such points; larger learning rates amplify this noise, enabling escape in "
               "polynomial time with high probability under bounded variance assumptions."),
    ),
    derive=lambda: saddle_forms().derivation,
    model=_model,
    points=_POINTS,
    figure=_figure,
    simulate=_simulate,
    statistics=STATISTICS,
    validity=_validity,
    findings=(
        "Seed 003's mechanism is exact here: the update's noise is the gradient noise times η, "
        "the unstable coordinate grows by g = 1 + ηγ per step and the noise reaching it, "
        "v∞ = ηs²/(γ(2 + ηγ)), grows with η; GD started at the saddle never leaves it. The "
        "laws below are lrtheory's, not the source's.",
        "Larger η escapes sooner in steps: exact E[τ] = 51.7, 10.67, 2.30 at η = 0.05, 0.2, 1 "
        "(γ = s = r = 1). In flow time ηγE[τ] the gain nearly vanishes: 2.58, 2.13, 2.30, "
        "minimal (2.059) at η ≈ 0.39.",
        "τ has no closed-form law; Lévy's inequality brackets it exactly, P(‖y_T‖ > r) ≤ "
        "P(τ ≤ T) ≤ 2P(‖y_T‖ > r), and the lower end is nearly tight (0.4976 vs 0.4949 at "
        "η = 0.05, 0.5220 vs 0.5123 at 0.2): escaped iterates almost never return. The frozen "
        "E[τ] is 0.2 % low at η = 0.05, 1.0 % at 0.2, 4.0 % at 1, and 8.7 % high when "
        f"r/√v∞ = {_OUTSIDE_RATIO:.3f} (η = 0.1, s = 4).",
        "'Polynomial time' is true but loose: E[τ] ≈ [ln(r/√v∞) + O(1)]/ln(1 + ηγ) is "
        "logarithmic in 1/s, polynomial only in 1/(ηγ). Stable directions leave the escape "
        "from the unstable slab unchanged, exactly, by separability: y_{t+1} depends on "
        "neither x_t nor the stable block's noise (derived), so the law of τ is the same for "
        "every d_s. k unstable directions shorten it (10.67, 5.64, 3.16 steps for k = 1, 3, 8 "
        "at η = 0.2); a fixed total noise spread over d coordinates lengthens it by "
        "ln 2/(2 ln g) ≈ 1.90 steps per doubling (10.67 → 21.97 for d = 1 → 64): "
        "logarithmic in d.",
        "Escape measured by the loss does depend on d_s: at η = 0.2, step 9, P(f(θ_T) < −½) "
        "is 0.49, 0.25, 0.07 for d_s = 1, 20, 64 — the stable directions' noise ½λ‖x‖² must "
        "be overcome too (Monte Carlo at d_s = 20).",
    ),
)

CLAIMS = (D7,)
