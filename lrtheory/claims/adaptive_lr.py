"""Family M, claim M6: the effective per-parameter learning rates of AdaGrad, RMSProp, Adam.

Derivation (:mod:`lrtheory.symbolic.adaptive_lr`): every state update of
:mod:`lrtheory.adaptive` is affine in g (Adam's m) or g² (the second moments), so
expectations pass through it; unrolled from zero it gives E s_t, E v_t, E m_t in closed form,
and the bias corrections make m̂, v̂ exactly unbiased. The expected *step* is another matter:
E[m̂/√v̂] ≠ E m̂/√(E v̂). It is computed exactly by the Laplace quadrature of
:mod:`lrtheory.models.adam_moments` (AdaGrad's E[1/√Σg²] also by a ₁F₁ closed form), its
leading error by a second-order (delta-method) expansion, and all of it is checked against the
three rules run on Gaussian gradients. Every number in the statement and findings is computed
(:func:`_numbers`, at import) from those models; the numeric machinery lives in
:mod:`lrtheory.models.adaptive_rates`.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import numpy as np
import sympy as sp

from lrtheory.claim import Claim, Estimate, ModelCheck, Point, Source, ValidityDomain
from lrtheory.errors import ParameterError
from lrtheory.models import adaptive_rates as ar
from lrtheory.models import delta_series as ds
from lrtheory.models.adam_moments import EPS, ema_weights
from lrtheory.models.envelopes import envelope_check
from lrtheory.models.rounding import RECURSION_ROUNDING_REASON, recursion_rounding
from lrtheory.montecarlo.runner import ChunkRNG, Ensemble
from lrtheory.montecarlo.stats import mean_statistic
from lrtheory.plotting import new_figure
from lrtheory.results import ClaimResult
from lrtheory.sources import SEED_003
from lrtheory.symbolic import adaptive_lr as sadl
from lrtheory.symbolic.adaptive_lr import B1, B2, MU, S

_QUAD = ("Laplace quadrature in ln u: bounds on the trapezoid discretisation (strip |Im| < "
         "π/2), both tails and the series remainders, plus a float64 allowance of 4ε per "
         "operation")

# --------------------------------------------------------------------------------------
# Model: the rules under a constant gradient, and the exact expectations
# --------------------------------------------------------------------------------------


def _model_m6(point: Point) -> list[ModelCheck]:
    st = ar.setting(point.params)
    mu, s, steps, hp = st.mu, st.s, st.t, st.hp
    var, eta, rho = mu * mu + s * s, hp.eta, hp.rho
    run = ar.run_rules([mu] * steps, hp)  # the rules themselves, constant g = μ
    rate = eta / (abs(mu) * math.sqrt(steps) + hp.eps)
    checks = [
        ModelCheck("AdaGrad, constant g = μ: rate −Δθ/g vs η/(|g|√t + ε)", rate,
                   run.adagrad_rate, recursion_rounding(steps, rate), RECURSION_ROUNDING_REASON),
        ModelCheck("RMSProp, constant g: E[g²]_t vs (1 − ρᵗ)g²", (1 - rho**steps) * mu * mu,
                   run.rms_average, recursion_rounding(steps, mu * mu), RECURSION_ROUNDING_REASON),
        ModelCheck("Adam, constant g: m̂_t vs g", mu, run.m_hat,
                   ar.corrected_ema_rounding(steps, hp.beta1, mu),
                   "rounding of the EMA and of 1 − β₁ᵗ"),
        ModelCheck("Adam, constant g: v̂_t vs g²", mu * mu, run.v_hat,
                   ar.corrected_ema_rounding(steps, hp.beta2, mu * mu),
                   "rounding of the EMA and of 1 − β₂ᵗ"),
    ]
    ex = ar.expected_rates(mu, s, steps, hp)
    if ex.adagrad is None or ex.rmsprop is None or ex.adagrad_closed is None:  # t = 1
        checks.append(ModelCheck("first step: E sign(g) = erf(μ/(√2 s)) vs quadrature",
                                 math.erf(mu / (math.sqrt(2.0) * s)), ex.adam.value,
                                 ex.adam.error + 4 * EPS, _QUAD))
    else:
        closed, quad, rms = ex.adagrad_closed, ex.adagrad, ex.rmsprop
        checks += [
            ModelCheck("AdaGrad E[η/√Σg²]: ₁F₁ closed form vs quadrature", eta * closed,
                       eta * quad.value, eta * (quad.error + 8 * EPS * closed),
                       _QUAD + ", plus rounding of the 30-digit ₁F₁ to float64"),
            envelope_check("AdaGrad: η/√(t(μ² + s²)) vs exact E[η/√Σg²]",
                           eta / math.sqrt(steps * var), eta * closed,
                           ds.inverse_sqrt_series(np.ones(steps), mu, s).leading_envelope(),
                           ds.SERIES_REASON, rounding=quad.error / quad.value + 8 * EPS,
                           tolerance_reason="approximation (Jensen: E x^(−½) > (E x)^(−½))"),
            envelope_check("RMSProp: η/√((1 − ρᵗ)(μ² + s²)) vs exact E[η/√v_t]",
                           eta / math.sqrt((1.0 - rho**steps) * var), eta * rms.value,
                           ds.inverse_sqrt_series(ema_weights(rho, steps, corrected=False),
                                                  mu, s).leading_envelope(),
                           ds.SERIES_REASON, rounding=rms.error / rms.value + 8 * EPS,
                           tolerance=eta * rms.error,
                           tolerance_reason="approximation (ratio of expectations)"),
        ]
    a, w = ema_weights(hp.beta1, steps), ema_weights(hp.beta2, steps)
    second = sadl.second_order()(mu, s, float(a @ w), float(w @ w))
    return checks + _adam_checks(mu, s, steps, second, ex.adam.value, ex.adam.error, a, w)


def _adam_checks(mu: float, s: float, steps: int, second: float, exact: float, error: float,
                 a: np.ndarray[Any, Any], w: np.ndarray[Any, Any]) -> list[ModelCheck]:
    """Adam's ratio of expectations r and its delta-method form against the exact E[m̂/√v̂],
    held to the series' envelopes (:mod:`lrtheory.models.delta_series`); at t = 1 (one
    gradient, Σw² = 1: no expansion) r is held to the derived first-step range."""
    r, rounding = mu / math.hypot(mu, s), error / abs(exact) + 8 * EPS
    series = ds.ratio_series(a, w, mu, s)
    first = max(_N["first_sup"], -_N["first_min"])
    rows = (("ratio of expectations μ/√(μ² + s²)", r, "ratio of expectations",
             series.leading_envelope() if steps > 1 else first,
             ds.SERIES_REASON if steps > 1 else "the first step's derived range of r/E − 1"),
            ("second order (delta method)", second, "O(Σw²) terms kept",
             series.second_order_envelope() if steps > 1 else math.inf, ds.SERIES_REASON))
    return [envelope_check(f"Adam: {name} vs exact E[m̂/√v̂]", approx, exact, env, reason,
                           rounding=rounding, tolerance=error,
                           tolerance_reason=f"approximation ({why})",
                           beyond="one gradient (t = 1): Σw² = 1, no expansion to truncate")
            for name, approx, why, env, reason in rows]


# --------------------------------------------------------------------------------------
# Monte Carlo: the three rules driven by the same noisy gradients
# --------------------------------------------------------------------------------------

M6_STATISTICS = (
    "Adam: mean v̂_t (= μ² + s²: the bias correction at small t)",
    "Adam: mean step m̂_t/(√v̂_t + ε) (exact quadrature)",
    "AdaGrad: mean rate η/(√Σg² + ε) (₁F₁ closed form)",
    "RMSProp: mean rate η/(√E[g²]_t + ε) (exact quadrature)",
)


def _simulate_m6(point: Point, ensemble: Ensemble, n_chains: int) -> list[Estimate]:
    """i.i.d. g_t ~ N(μ, s²) fed to AdaGrad, RMSProp and Adam at once. The mean of v̂_t is
    exact by linearity (derived) and tests the bias correction where it matters (1 − β₂ᵗ
    small); the three expected steps/rates are the exact quadratures and the ₁F₁ closed
    form. Their ε (outside the root) shifts them by at most the bound each quadrature adds
    to its error, declared as the bias with it (for AdaGrad also the gap between the
    quadrature and the closed form taken as the prediction)."""
    st = ar.setting(point.params)
    mu, s, steps, hp = st.mu, st.s, st.t, st.hp
    ex = ar.expected_rates(mu, s, steps, hp, eps=True) if steps >= 3 and hp.beta2 > 0 else None
    if ex is None or ex.adagrad is None or ex.rmsprop is None or ex.adagrad_closed is None:
        raise ParameterError("t", steps, "≥ 3 with β₂ > 0 at a Monte Carlo point (so that "
                             "E[1/Σg²] and E v̂^(−½) are finite)")
    closed, eta = ex.adagrad_closed, hp.eta
    predictions = [(mu * mu + s * s, 0.0), (ex.adam.value, ex.adam.error),
                   (eta * closed, eta * (ex.adagrad.error + abs(ex.adagrad.value - closed))),
                   (eta * ex.rmsprop.value, eta * ex.rmsprop.error)]

    def kernel(rng: ChunkRNG) -> Any:
        noise = rng.normal(steps)
        run = ar.run_rules([mu + s * noise[:, k] for k in range(steps)], hp)
        return rng.xp.stack([run.v_hat, run.adam_step, run.adagrad_rate, run.rmsprop_rate],
                            axis=1)

    m = ensemble.run(kernel, n_chains, what="M6 adaptive rules, Gaussian gradients")
    return [Estimate(name, pred, mean_statistic(m.mean[i], m.stderr_mean[i], m.n),
                     bias_bound=bias)
            for i, (name, (pred, bias)) in enumerate(zip(M6_STATISTICS, predictions,
                                                         strict=True))]


# --------------------------------------------------------------------------------------
# Computed numbers, validity domain and figure
# --------------------------------------------------------------------------------------

VALIDITY_BETA1, VALIDITY_SNR = 0.9, 0.2
VALIDITY_GAPS = (0.99, 0.9, 0.5, 0.3, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001)


def _pc(x: float, digits: int = 1) -> str:
    return f"{100 * x:.{digits}f} %".replace("-", "−")


def _err(beta1: float, beta2: float, snr: float) -> float:
    return float(ar.ratio_error(beta1, beta2, snr)[0])


@cache
def _numbers() -> dict[str, float]:
    """Every number the statement and the findings quote, computed from the models (at
    import: a few dozen quadratures, ~0.2 s, whose tables the checks then reuse)."""
    first, peak = ar.first_step_range(), ar.small_signal_peak(0.0, 0.01, 0.5, xtol=1e-3)
    root = ar.ratio_error_sign_change(VALIDITY_BETA1, VALIDITY_SNR, 0.5, 0.95)
    return {"first_sup": first.sup, "first_min": first.minimum, "first_at": first.argmin,
            "first_03": float(ar.first_step_error(0.3)[0]), "peak": peak.value,
            "peak_at": peak.at, "root": root.value, "root_tol": root.tolerance,
            **{f"j{t}": ar.adagrad_rate_gap(t, 1.0) for t in (8, 10, 200)},
            "rms8": ar.rmsprop_rate_gap(0.99, 8, 1.0), "rms10": 1.0 - 0.99**10,
            "rms_ss": ar.rmsprop_rate_gap(0.99, 5000, 0.2),
            **{f"m{b2:g}": _err(0.9, b2, 0.2) for b2 in (0.01, 0.1, 0.5, 0.9, 0.99)},
            "m99": _err(0.99, 0.1, 0.05)}


@cache
def error_curve(beta1: float) -> tuple[float, ...]:
    """Signed stationary r/E − 1 at μ/s = VALIDITY_SNR for each 1 − β₂ of VALIDITY_GAPS."""
    return tuple(_err(beta1, 1.0 - gap, VALIDITY_SNR) for gap in VALIDITY_GAPS)


def _validity_m6() -> ValidityDomain:
    errors, n = error_curve(VALIDITY_BETA1), _numbers()
    delta = float(sadl.derivation()[1]["sign_root"].subs({B1: VALIDITY_BETA1, MU: VALIDITY_SNR,
                                                          S: 1}))
    return ValidityDomain(
        f"Adam's step ≈ αμ/√(μ² + s²) (ratio of expectations r) vs the exact stationary "
        f"E[m̂/√v̂], β₁ = {VALIDITY_BETA1}, μ/s = {VALIDITY_SNR}: the error r/E − 1 is "
        f"{_pc(errors[0])} at β₂ = {1 - VALIDITY_GAPS[0]:g}, changes sign at β₂* = "
        f"{n['root']:.4f} (brentq on the exact quadrature; the delta method puts it at "
        f"{delta:.4f}) and shrinks like 1 − β₂ above it ({_pc(errors[-1], 3)} at β₂ = "
        f"{1 - VALIDITY_GAPS[-1]:g}). The β₁ = 0 curve is in the figure.",
        "1 − β₂", VALIDITY_GAPS, tuple(abs(e) for e in errors), "|r/E − 1|")


def _figure_m6(result: ClaimResult) -> Any:
    fig, (left, middle, right) = new_figure(3, width=15.0)
    gaps, snr = np.array(VALIDITY_GAPS), np.geomspace(0.03, 10.0, 20)
    delta = sp.lambdify((B1, B2), sadl.derivation()[1]["rel_ss"].subs({MU: VALIDITY_SNR, S: 1}),
                        "numpy")
    for i, beta1 in enumerate((0.0, VALIDITY_BETA1)):
        left.plot(gaps, 100 * np.array(error_curve(beta1)), "o-", ms=3, color=f"C{i}",
                  label=f"β₁ = {beta1:g}: exact")
        left.plot(gaps, 100 * delta(beta1, 1 - gaps), "--", color=f"C{i}", label="delta method")
    left.axvline(1 - _numbers()["root"], color="grey", ls=":", label="sign change, β₁ = 0.9")
    left.set(xscale="log", xlabel="1 − β₂", title=f"Adam, stationary, μ/s = {VALIDITY_SNR}")
    middle.plot(snr, 100 * ar.first_step_error(snr), "k-", label="first step (t = 1 or β₂ = 0)")
    for i, beta2 in enumerate((0.5, 0.9, 0.99)):
        for beta1, style in ((0.0, "-"), (VALIDITY_BETA1, "--")):
            middle.plot(snr, 100 * ar.ratio_error(beta1, beta2, snr), style, color=f"C{i}",
                        label=f"β₁ = {beta1:g}, β₂ = {beta2:g}")
    middle.set(xscale="log", xlabel="signal-to-noise μ/s", title="Adam, stationary")
    for ax in (left, middle):
        ax.set_yscale("symlog", linthresh=0.01)
        ax.minorticks_off()  # symlog's minor ticks are clutter, and slow to lay out
        ax.set_ylabel("error r/E − 1 of r = μ/√(μ²+s²) (%)")
        ax.axhline(0.0, color="grey", lw=0.8)
        ax.legend(fontsize=7, loc="lower left")
    st = ar.setting(result.claim.points[0].params)
    ts = np.unique(np.geomspace(2, 3000, 30).astype(int))
    curves = ar.rate_curves(ts, st.mu, st.s, st.hp.rho)
    for key, style, color, label in (
            ("adagrad_const", ":", "C0", "AdaGrad, g ≡ μ: 1/(|μ|√t)"),
            ("adagrad", "-", "C0", "AdaGrad, noisy: exact E[1/√Σg²]"),
            ("adagrad_ratio", "--", "C0", "1/√(t(μ²+s²))"),
            ("rmsprop", "-", "C1", f"RMSProp ρ = {st.hp.rho:g}: exact E[1/√v_t]"),
            ("rmsprop_ratio", "--", "C1", "1/√((1−ρᵗ)(μ²+s²))")):
        right.loglog(ts, curves[key], style, color=color, label=label)
    for pr in result.points:  # the Monte Carlo AdaGrad and RMSProp rates at their t
        for r in (r for r in pr.monte_carlo if "rate" in r.estimate.name):
            eta = pr.point.params["eta"]
            right.errorbar(pr.point.params["t"], r.estimate.sample.value / eta, fmt="ok", ms=4,
                           yerr=r.test.threshold * r.estimate.sample.se / eta)
    right.plot([], [], "ok", ms=4, label="Monte Carlo means (AdaGrad, RMSProp)")
    right.set(xlabel="step t", ylabel="per-parameter rate / η",
              title=f"Effective rate, g ~ N({st.mu:g}, {st.s:g}²)")
    right.legend(fontsize=7, loc="upper right")
    return fig


# --------------------------------------------------------------------------------------
# The claim
# --------------------------------------------------------------------------------------


def _m6_points() -> tuple[Point, ...]:
    base = {"mu": 1.0, "s": 1.0, "eta": 1e-3, "eps": 1e-8, "rho": 0.99}
    return (
        Point("Adam's defaults β = (0.9, 0.999), t = 10", {**base, "beta1": 0.9, "beta2": 0.999,
                                                          "t": 10},
              note=f"1 − β₂ᵗ = {1 - 0.999**10:.4f}: uncorrected, v would be "
                   f"{1 / (1 - 0.999**10):.0f}× too small"),
        Point("β = (0.9, 0.99), t = 200", {**base, "beta1": 0.9, "beta2": 0.99, "t": 200}),
        Point("β = (0, 0.5), t = 8: short second-moment memory",
              {**base, "beta1": 0.0, "beta2": 0.5, "t": 8}, regime="outside",
              note="v̂ averages a few gradients: αμ/√(μ²+s²) overstates the exact step"),
        Point("first step t = 1, μ/s = 0.3", {**base, "mu": 0.3, "beta1": 0.9, "beta2": 0.999,
                                              "t": 1}, regime="outside", monte_carlo=False,
              note="the step is η·sign(g): E = erf(μ/(√2 s)); E[1/|g|] = ∞, so the AdaGrad and "
                   "RMSProp expected rates do not exist at t = 1"),
        Point("β = (0.9, 0.999), t = 5000, μ/s = 0.2", {**base, "mu": 0.2, "beta1": 0.9,
                                                        "beta2": 0.999, "t": 5000},
              monte_carlo=False, note="long memory: v̂ concentrates, the ratio is close"),
    )


_SECTION = "Per-Parameter Adaptation"
_N = _numbers()

M6 = Claim(
    id="M6",
    slug="adaptive-effective-lr",
    title="Adaptive methods' effective per-parameter learning rates",
    statement=(
        "AdaGrad's rate α/√(Σg²) is exactly α/(|g|√t) for a constant gradient (slope −½ on "
        "log-log axes); for g ~ N(μ, s²), E Σg² = t(μ² + s²) and E[α/√Σg²] ≈ α/√(t(μ² + s²)). "
        "RMSProp's rate is α/√(v + ε), v = E[g²]_t its running average, whose mean "
        "(1 − ρᵗ)E g² → E g²: once stationary the rate is ≈ α/√E g². Adam's bias correction "
        "makes E m̂_t = μ and E v̂_t = μ² + s² exactly at every t, and its step is "
        "≈ αμ/√(μ² + s²) — a ratio of expectations r, accurate as β₂ → 1. Where v̂ remembers "
        f"few gradients it is not: the error r/E − 1 of the first step (any β) lies between "
        f"{_pc(_N['first_min'])} and √(π/2) − 1 = {_pc(_N['first_sup'])}, of the stationary "
        f"step with β₁ = 0 between {_pc(_N['first_min'])} and {_pc(_N['peak'])}; with "
        "momentum it falls towards −100 % as β₂ → 0 (β₁ = 0.9, μ/s = 0.2: "
        f"{_pc(_N['m0.1'], 0)} at β₂ = 0.1, {_pc(_N['m0.01'], 0)} at β₂ = 0.01)."),
    sources=(
        Source(SEED_003, _SECTION, r"\theta_{i,t+1} = \theta_{i,t} - \frac{\alpha_t}{\sqrt{"
               r"\sum_{\tau=1}^t g_{i,\tau}^2 + \epsilon}} g_{i,t}"),
        Source(SEED_003, _SECTION, "to mitigate the monotonically decreasing learning rates "
               "of AdaGrad, which can cause premature stagnation"),
        Source(SEED_003, _SECTION, r"E[g^2]_t = \rho E[g^2]_{t-1} + (1-\rho) g_t^2 with decay "
               r"rate \rho = 0.99"),
        Source(SEED_003, _SECTION, r"\theta_{i,t+1} = \theta_{i,t} - \frac{\alpha_t}{\sqrt{"
               r"E[g_{i,t}^2] + \epsilon}} g_{i,t}."),
        Source(SEED_003, _SECTION, r"\hat{m}_t = \frac{m_t}{1 - \beta_1^t}, \quad \hat{v}_t = "
               r"\frac{v_t}{1 - \beta_2^t}, \quad \theta_{t+1} = \theta_t - \frac{\alpha_t "
               r"\hat{m}_t}{\sqrt{\hat{v}_t} + \epsilon},"),
        Source(SEED_003, _SECTION, "where m_t and v_t are the biased first- and second-moment "
               "estimates, corrected for bias in early iterations"),
    ),
    derive=lambda: sadl.derivation()[0],
    model=_model_m6,
    points=_m6_points(),
    figure=_figure_m6,
    simulate=_simulate_m6,
    statistics=M6_STATISTICS,
    validity=_validity_m6,
    findings=(
        "Seed 003 prints the three update rules; the laws here are derived from them. "
        "AdaGrad, constant g: α/(|g|√t) exactly (ε → 0; the seed's ε inside the root gives "
        "α/√(tg² + ε)). Noisy g: E Σg² = t(μ² + s²) exactly, but E[α/√Σg²] = (α/s)Γ((t−1)/2)"
        "/(√2Γ(t/2))·e^(−λ/2)₁F₁((t−1)/2; t/2; λ/2), λ = tμ²/s², exceeds α/√(t(μ² + s²)) "
        f"(Jensen) by {_pc(_N['j8'])} at t = 8, {_pc(_N['j10'])} at t = 10, "
        f"{_pc(_N['j200'], 2)} at t = 200 (μ = s), and is infinite at t = 1.",
        "RMSProp divides by √(v + ε), v = E[g²]_t its running average (the seed's rule, an "
        "identity at a symbolic v). Without bias correction E v_t = (1 − ρᵗ)E g²: at ρ = 0.99, "
        f"t = 10 it holds {_pc(_N['rms10'])} of E g² (the rate is {_N['rms10'] ** -0.5:.1f}× "
        f"α/√E g²). The expected rate exceeds α/√E v_t by {_pc(_N['rms8'])} at t = 8 (μ = s) "
        f"and, stationary (t = 5000, μ/s = 0.2), α/√E g² by {_pc(_N['rms_ss'], 2)}.",
        "Adam's bias correction is exact for stationary gradients: E m̂_t = μ, E v̂_t = μ² + s² "
        "at every t (derived; Monte Carlo of v̂ at t = 8, 10, 200). The step is not the ratio "
        "r of these expectations. The first step (any β) is η·sign(g), E = erf(μ/(√2 s)), and "
        "(E/r)² → 2/π as μ/s → 0 (derived): r overstates it by up to √(π/2) − 1 = "
        f"{_pc(_N['first_sup'])} ({_pc(_N['first_03'])} at μ/s = 0.3) and understates it by "
        f"at most {_pc(-_N['first_min'])} (at μ/s = {_N['first_at']:.2f}).",
        "Stationary, r's error leaves the first step's range: at β₁ = 0 it peaks at "
        f"{_pc(_N['peak'])} (β₂ = {_N['peak_at']:.2f}, μ/s → 0). With momentum it changes "
        f"sign: at β₁ = 0.9, μ/s = 0.2 it is negative below β₂* = {_N['root']:.4f} (brentq on "
        f"the exact quadrature, certified to ±{_N['root_tol']:.0e}; no other sign change on "
        f"the validity grid): {_pc(_N['m0.01'])} at β₂ = 0.01, {_pc(_N['m0.1'])} at 0.1, "
        f"{_pc(_N['m0.5'])} at 0.5, then {_pc(_N['m0.9'])} at 0.9, {_pc(_N['m0.99'], 2)} at "
        "0.99; E[m̂/√v̂] = ∞ at β₂ = 0. At (β₁, β₂) = (0.99, 0.1), μ/s = 0.05 it is "
        f"{_pc(_N['m99'])}.",
        "To first order (delta method, derived) the error is (1 − β₂)s²[(1 − β₁)/((1 − β₁β₂)V)"
        " − 3(s² + 2μ²)/(4(1 + β₂)V²)], V = μ² + s², → 0 as β₂ → 1; the second-order form "
        "beats r at every point (model checks), and the validity domain and figure give the "
        "exact error against β₂ and μ/s.",
    ),
)


CLAIMS = (M6,)
