"""Family S, claim S9: error correction (thermostat, motor learning) and tracking (predator).

C_{n+1} = C_n − k(C_n − C_opt) is GD on ½λ(C − C_opt)² with k = ηλ: the error is multiplied
by 1 − k each trial. The continuous learner dp/dt = −κ(p − p*(t)) is the gradient flow of
½κ(p − p*)²; it lags a drifting target by v/κ and filters a sinusoidal one with the transfer
function κ/(κ + iω). Derivation: :mod:`lrtheory.symbolic.tracking`; models and kernels:
:mod:`lrtheory.models.tracking`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import sympy as sp

from lrtheory.claim import (
    Claim,
    Derivation,
    Estimate,
    ModelCheck,
    Point,
    Source,
    ValidityDomain,
)
from lrtheory.models import tracking as tr
from lrtheory.models.rounding import EPS
from lrtheory.montecarlo.runner import ChunkRNG, Ensemble, indicator_proportion
from lrtheory.montecarlo.stats import mean_statistic
from lrtheory.plotting import new_figure
from lrtheory.results import ClaimResult
from lrtheory.sources import SEED_002, SEED_004
from lrtheory.symbolic import tracking as st

_U = EPS / 2.0
_closed = st.closed_form  # the derived closed forms as float functions


def _derive() -> Derivation:
    return st.error_correction_derivation()[0]


def _set(name: str) -> Any:
    """A derived set of gains: "stable", "monotone" or "overshoot"."""
    return st.error_correction_derivation()[1][name]


def _in(name: str, k: float) -> bool:
    return bool(_set(name).contains(sp.Float(k)))


def _fraction_in(name: str, lo: float, hi: float) -> float:
    """Share of [lo, hi] in the derived set ``name`` (the law of k ~ U[lo, hi))."""
    return st.interval_share(_set(name), lo, hi)


# --------------------------------------------------------------------------------------
# Model
# --------------------------------------------------------------------------------------

_RATIONAL = "exact rational arithmetic (fractions.Fraction) from the float64 inputs"


def _model_recursion(point: Point) -> list[ModelCheck]:
    p = point.params
    k, c0, c_opt, steps = p["k"], p["c0"], p["c_opt"], int(p["n_var"])
    e0 = c0 - c_opt
    path = tr.correct(c0, k, np.full(steps, c_opt))
    closed = c_opt + _closed("path")(k, e0, steps)
    # (1 − k)^N in float64: ≤ (N + 2)ε relative; the sum with C_opt one more rounding.
    evaluation = (steps + 2) * EPS * abs(closed - c_opt) + _U * abs(closed)
    checks = [ModelCheck(
        f"C_N, N = {steps}: float64 recursion vs C_opt + (1 − k)^N(C₀ − C_opt)", closed,
        float(path.values[-1]), path.rounding[-1] + evaluation,
        "float64 rounding: 3ε(|k·d| + |C'|) per step carried by |1 − k|, plus evaluating "
        "(1 − k)^N")]
    exact = tr.exact_errors(c0, k, c_opt, steps)
    checks.append(ModelCheck(
        f"overshoots in {steps} trials: N if k ∈ K_overshoot, else 0",
        float(steps if _in("overshoot", k) else 0), float(tr.sign_changes(exact)), 0.0, _RATIONAL))
    checks.append(ModelCheck(
        f"|e_N| < |e₀| after {steps} trials: 1 if k ∈ K_stable, else 0",
        float(_in("stable", k)), float(abs(exact[-1]) < abs(exact[0])), 0.0, _RATIONAL))
    if "threshold" in p:
        name, lo, hi = ("monotone", 0.6, 1.7) if p["threshold"] == 1 else ("stable", 1.3, 2.4)
        found = tr.gain_edge(name, c0, c_opt, steps, lo, hi)
        edge = float(_set(name).end)
        checks.append(ModelCheck(
            f"edge of K_{name} located by bisection on k (exact {steps}-trial runs)", edge,
            found.value, found.tolerance,
            f"bisection: {found.halvings} halvings of [{lo}, {hi}]; runs in " + _RATIONAL))
    return checks


def _ode_reason(what: str) -> str:
    return (f"solve_ivp (DOP853, rtol = atol = 1e-12): n_steps·(atol + rtol·max|p|), its "
            f"controlled local errors summed (the flow is contractive, so none grows); {what}")


def _model_ramp(point: Point) -> list[ModelCheck]:
    p = point.params
    kappa, v, p0, horizon = p["kappa"], p["v"], p["p0"], p["horizon"]
    sol = tr.track(kappa, lambda t: v * t, p0, horizon)
    closed = _closed("ramp")(horizon, kappa, v, p0)
    checks = [ModelCheck(
        f"p(T), κT = {kappa * horizon:g}: solve_ivp vs the dsolve solution", closed,
        float(sol.p[-1]), sol.error_bound + 4 * EPS * (abs(v * horizon) + abs(v / kappa)
                                                        + abs(p0)),
        _ode_reason("plus evaluating the closed form (4ε of its terms)"))]
    if point.regime == "inside":  # v/κ is the t → ∞ lag: read it once the start is forgotten
        lag = tr.ramp_lag(kappa, v, p0, horizon)
        checks.append(ModelCheck(
            f"steady lag v/κ vs the measured lag at κT = {kappa * horizon:g}",
            _closed("steady")(v, kappa), lag.value, lag.tolerance,
            _ode_reason(f"plus the transient |d(T) − d(0)|e^{{−κT}}/(1 − e^{{−κT}}) = "
                        f"{lag.transient:.2g} (measured values only)")))
    gain = p["eta"] * kappa
    gd = tr.drifting_lag(gain, v * p["eta"], p0, int(p["gd_steps"]))
    checks.append(ModelCheck(
        f"GD (ηκ = {gain:g}) tracking p*_n = v·nη: vη/(ηκ) vs the lag after "
        f"{int(p['gd_steps'])} steps", _closed("gd_lag")(v * p["eta"], gain), gd.value,
        gd.tolerance,
        f"float64 rounding {gd.numerical:.2g} plus the transient |1 − k||d_N − d_{{N−1}}|/k = "
        f"{gd.transient:.2g} (measured values only)"))
    if p0 > 0.0:
        lead = _closed("lead")(kappa, v, p0)
        found = tr.lead_time(kappa, v, p0, 0.5 * lead, 1.5 * lead)
        checks.append(ModelCheck(
            "time the predator stays ahead: bisection on the sign of the solve_ivp lag", lead,
            found.value, found.tolerance,
            f"bisection ({found.halvings} halvings) plus the ODE bound {found.ode_error:.2g} "
            "over the lag's slope v − κ|d| at the crossing"))
    return checks


def _model_sinusoid(point: Point) -> list[ModelCheck]:
    p = point.params
    kappa, omega = p["kappa"], p["omega"]
    fit = tr.sinusoid_response(kappa, p["amplitude"], omega, p["p0"])
    reason = _ode_reason(
        f"plus the transient (|p₀| + A)e^{{−κt_s}} = {fit.transient:.2g}, mapped through the "
        f"least-squares fit of {fit.samples} accepted points")
    return [
        ModelCheck(f"amplitude ratio, ω/κ = {omega / kappa:g}: κ/√(κ² + ω²) vs fitted R/A",
                   _closed("ratio")(kappa, omega), fit.ratio, fit.ratio_error, reason),
        ModelCheck(f"phase lag, ω/κ = {omega / kappa:g}: arctan(ω/κ) vs fitted φ",
                   _closed("phase")(kappa, omega), fit.phase_lag, fit.phase_error, reason),
    ]


def _model(point: Point) -> list[ModelCheck]:
    if "k" in point.params:
        return _model_recursion(point)
    if "omega" in point.params:
        return _model_sinusoid(point)
    return _model_ramp(point)


# --------------------------------------------------------------------------------------
# Monte Carlo
# --------------------------------------------------------------------------------------

S9_STATISTICS = (
    "mean error E[C_n₁ − C_opt], noisy",
    "mean squared error E[(C_n₂ − C_opt)²], noisy",
    "P(no overshoot), k ~ U[k − w, k + w)",
    "P(|e_N| < |e₀|), k ~ U[k − w, k + w)",
)
_GAIN_STEPS = 8


def _simulate(point: Point, ensemble: Ensemble, n: int) -> list[Estimate]:
    """(a, b) The noisy recursion from C₀ (σξ_n added each trial): E e_n = (1 − k)ⁿe₀ and
    E e_n² = (E e_n)² + V_n exactly (V_n the derived variance path; V_n → σ²/(k(2 − k)));
    (c, d) noiseless chains with random gains k ~ U[k − w, k + w) and random e₀ ~ N(0, 1):
    the share of gains in the derived monotone and stable sets, up to the float64
    misclassification bound of :func:`~lrtheory.models.tracking.gain_decision_bias` (declared
    as the bias). Resolution scales: (a) the larger of |E e_n| and its spread (at k = 1 the
    mean is exactly 0); (c, d) 1, so 2 % of the window puts an edge within 0.04·w."""
    p = point.params
    k, c0, c_opt, sigma, w = p["k"], p["c0"], p["c_opt"], p["sigma"], p["window"]
    n1, n2 = int(p["n_mean"]), int(p["n_var"])
    e0 = c0 - c_opt
    noisy = tr.noisy_correction(k, c0, c_opt, sigma, (n1, n2))
    gains = tr.random_gains(k - w, k + w, _GAIN_STEPS)

    def kernel(rng: ChunkRNG) -> Any:
        a, b = noisy(rng), gains(rng)
        return rng.xp.stack([a[:, 0], a[:, 1] ** 2, b[:, 0], b[:, 1]], axis=1)

    m = ensemble.run(kernel, n, what="S9 noisy and random-gain error correction")
    mean = _closed("path")(k, e0, n1)
    spread = math.sqrt(_closed("variance")(k, sigma, n1))
    square = _closed("path")(k, e0, n2) ** 2 + _closed("variance")(k, sigma, n2)
    bias = tr.gain_decision_bias(k - w, k + w)
    shares = (_fraction_in("monotone", k - w, k + w), _fraction_in("stable", k - w, k + w))
    return [
        Estimate(S9_STATISTICS[0], mean,
                 mean_statistic(float(m.mean[0]), float(m.stderr_mean[0]), m.n),
                 scale=max(abs(mean), spread)),
        Estimate(S9_STATISTICS[1], square,
                 mean_statistic(float(m.mean[1]), float(m.stderr_mean[1]), m.n)),
        *(Estimate(name, share, indicator_proportion(m, col, ensemble),
                   scale=1.0, bias_bound=bias)
          for name, share, col in zip(S9_STATISTICS[2:], shares, (2, 3), strict=True)),
    ]


# --------------------------------------------------------------------------------------
# Validity, figure, points
# --------------------------------------------------------------------------------------

_VALIDITY_KT = (0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 12.0, 20.0)


def _validity() -> ValidityDomain:
    """The steady lag v/κ against the solve_ivp lag of a predator that starts p₀ ahead."""
    kappa, v, p0 = 2.0, 1.0, 1.0
    errors = []
    for kt in _VALIDITY_KT:
        lag = tr.ramp_lag(kappa, v, p0, kt / kappa)
        errors.append(abs(lag.value - v / kappa) / (v / kappa))
    lead = kappa * _closed("lead")(kappa, v, p0)
    return ValidityDomain(
        "the lag behind p* = vt is v/κ once the start is forgotten; the relative error of v/κ "
        "is (1 + κp₀/v)e^{−κt} (derived transient): a predator starting p₀ = 1 ahead (κ = 2, "
        f"v = 1) leads the target (error > 100 %) until κt* = ln(1 + κp₀/v) = {lead:.4g}",
        "κt", _VALIDITY_KT, tuple(errors))


def _figure(result: ClaimResult) -> Any:
    fig, (left, middle, right) = new_figure(3, width=14.0)
    trials = np.arange(16)
    for k, style in ((0.5, "o-"), (1.0, "s-"), (1.5, "^-"), (2.05, "v-")):
        path = tr.correct(5.0, k, np.full(trials.size - 1, 10.0))
        left.plot(trials, path.values, style, ms=3, label=f"k = {k:g}")
    left.axhline(10.0, color="grey", lw=0.8, ls="--", label="C_opt (your 10°)")
    left.set_ylim(-2.0, 22.0)
    left.set_xlabel("trial n")
    left.set_ylabel("setting C_n (°C)")
    left.set_title("thermostat from 5° to 10°: k ≤ 1 monotone, k < 2 converges")
    left.legend(fontsize=7, ncol=2)
    ratio = np.logspace(-2, 2, 200)
    measured = [(r, tr.sinusoid_response(1.0, 1.0, r, settle=12.0, periods=1, per_period=12,
                                      rtol=1e-9, atol=1e-12))
                for r in (0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0)]
    middle.loglog(ratio, 1.0 / np.sqrt(1.0 + ratio**2), label="κ/√(κ² + ω²)")
    middle.loglog([r for r, _ in measured], [f.ratio for _, f in measured], "o", ms=5,
                  label="solve_ivp, fitted")
    middle.set_xlabel("ω/κ")
    middle.set_ylabel("amplitude ratio R/A")
    middle.set_title("predator following p* = A sin ωt")
    middle.legend(fontsize=8)
    right.semilogx(ratio, np.degrees(np.arctan(ratio)), label="arctan(ω/κ)")
    right.semilogx([r for r, _ in measured], [np.degrees(f.phase_lag) for _, f in measured],
                   "o", ms=5, label="solve_ivp, fitted")
    right.set_xlabel("ω/κ")
    right.set_ylabel("phase lag φ (degrees)")
    right.set_title("lag behind the target's swings")
    right.legend(fontsize=8)
    return fig


_THERMOSTAT = {"c0": 5.0, "c_opt": 10.0, "sigma": 0.5}
_POINTS = (
    Point("k = 0.5: cautious", {**_THERMOSTAT, "k": 0.5, "n_mean": 3, "n_var": 12,
                                "window": 0.25}),
    Point("k = 1: dead-beat, edge of monotone", {**_THERMOSTAT, "k": 1.0, "n_mean": 1,
                                                 "n_var": 4, "window": 0.25, "threshold": 1},
          regime="boundary", note="half of the gains k ~ U[0.75, 1.25) overshoot"),
    Point("k = 1.5: overshoots, converges", {**_THERMOSTAT, "k": 1.5, "n_mean": 3,
                                             "n_var": 12, "window": 0.25}),
    Point("k = 1.98: just inside 2", {**_THERMOSTAT, "k": 1.98, "n_mean": 10, "n_var": 24,
                                      "window": 0.1, "threshold": 2},
          regime="boundary", note="slow alternating decay, |1 − k| = 0.98"),
    Point("k = 2.05: just above 2, diverges", {**_THERMOSTAT, "k": 2.05, "n_mean": 10,
                                               "n_var": 20, "window": 0.1},
          regime="outside", note="divergence is the result: |e_n| grows by 1.05 per trial"),
    Point("predator, ramp v = 1, κ = 2", {"kappa": 2.0, "v": 1.0, "p0": -0.25,
                                          "horizon": 20.0, "eta": 0.25, "gd_steps": 200},
          monte_carlo=False, note="GD counterpart with ηκ = 0.5"),
    Point("predator, ramp, starts ahead, read at κT = 3", {
        "kappa": 2.0, "v": 1.0, "p0": 1.0, "horizon": 1.5, "eta": 0.95, "gd_steps": 400},
        regime="outside", monte_carlo=False,
        note="before the steady state: checked are the transient p(T) and the lead time t*, "
             "not v/κ (its error is the validity domain); GD counterpart at ηκ = 1.9 "
             "(oscillating approach)"),
    Point("predator, sinusoid ω/κ = 1", {"kappa": 1.0, "omega": 1.0, "amplitude": 1.0,
                                         "p0": 0.5}, monte_carlo=False),
    Point("predator, sinusoid ω/κ = 10", {"kappa": 0.5, "omega": 5.0, "amplitude": 2.0,
                                          "p0": 0.0}, monte_carlo=False),
)

S9 = Claim(
    id="S9",
    slug="error-correction",
    title="Error correction converges iff 0 < k < 2; a tracker lags by v/κ",
    statement=(
        "Motor learning / thermostat C_{n+1} = C_n − k(C_n − C_opt) (GD on ½λ(C − C_opt)² "
        "with k = ηλ) multiplies the error by 1 − k per trial: it converges iff 0 < k < 2 "
        "and approaches monotonically iff k ≤ 1; with noise σξ_n the error settles at "
        "variance σ²/(k(2 − k)). A predator tracking dp/dt = −κ(p − p*(t)) (gradient flow "
        "on ½κ(p − p*)²) lags a drifting optimum p* = vt by v/κ after a transient ∝ e^{−κt}, "
        "and follows p* = A sin ωt with amplitude ratio κ/√(κ² + ω²) and phase lag "
        "arctan(ω/κ)."),
    sources=(
        Source(SEED_004, "Neuroscience and Motor Learning",
               "This update rule can be mathematically formulated as $C_{n+1} = C_n - k(C_n - "
               "C_{opt})$, where $C_n$ is the motor command on trial $n$, $C_{opt}$ is the "
               "optimal command, and $k$ is a biological \"learning rate.\""),
        Source(SEED_004, "Neuroscience and Motor Learning",
               "This [recurrence relation](@entry_id:141039) is identical in form to a "
               "[gradient descent](@entry_id:145942) step on a simple quadratic loss."),
        Source(SEED_002, "untitled (no headings): the paragraph “Let's start with a picture”",
               "If its learning rate is high, it might overshoot your preference. If it's too "
               "low, it will take forever to get comfortable."),
        Source(SEED_002, "untitled (no headings): the paragraph “Consider a predator foraging”",
               "We can model its learning process as a form of continuous gradient descent, "
               "where it tries to minimize its \"mismatch\" from the current optimal strategy."),
        Source(SEED_002, "untitled (no headings): the paragraph “Consider a predator foraging”",
               "This simple model predicts that the predator's behavior will always lag behind "
               "the environmental changes, and the length of this lag is determined by its "
               "learning rate ."),
    ),
    derive=_derive,
    model=_model,
    points=_POINTS,
    figure=_figure,
    simulate=_simulate,
    statistics=S9_STATISTICS,
    validity=_validity,
    findings=(
        "The sources give the thermostat only in words ('might overshoot', 'take forever') "
        "and print the motor-learning rule without its consequences; derived here: the error "
        "is multiplied by 1 − k per trial, so it converges iff 0 < k < 2, overshoots on every "
        "trial iff k > 1 and approaches monotonically iff k ≤ 1. From the seed's 5° towards "
        "10°: k = 1.5 first overshoots to 12.5°, k = 2.05 diverges (|error| × 1.05 per trial); "
        "shrinking the 5° error to 0.1° takes ln 50/|ln(1 − k)| trials, 37 at k = 0.1 and 389 "
        "at k = 0.01 (→ ∞ as k → 0⁺).",
        "With trial-to-trial noise σξ_n the error settles at variance σ²/(k(2 − k)) (derived): "
        "least, σ², at the dead-beat gain k = 1 and unbounded as k → 2 (σ = 0.5° gives a "
        "spread of 0.58° at k = 0.5 but 2.5° at k = 1.98). The gain that corrects fastest is "
        "also the one least disturbed by noise.",
        "The seed's predator 'will always lag behind' only once its start is forgotten: one "
        "that starts ahead of a drifting optimum (p₀ > 0 = p*(0)) leads it until "
        "t* = ln(1 + κp₀/v)/κ (0.549 for κ = 2, v = 1, p₀ = 1, located by bisection on the "
        "solve_ivp lag); then the lag tends to v/κ, set by the learning rate as 1/κ, with the "
        "derived transient: v/κ is off by (1 + κp₀/v)e^{−κt}, so at κt = 3 that start still "
        "leaves the lag at 0.425, 15 % short of v/κ = 0.5 (validity domain). Against "
        "p* = A sin ωt it always lags in phase, by arctan(ω/κ) ∈ (0°, 90°), and follows only "
        "a fraction κ/√(κ² + ω²) of the swings (10 % at ω = 10κ).",
        "Derived addition: GD with gain k = ηλ tracking an optimum that drifts v per step lags "
        "v/(ηλ); in the ODE's time units (t = nη) that is exactly the flow's v/κ for every "
        "stable η. With the gradient taken at the current optimum, the step size changes the "
        "transient (alternating for ηκ > 1, checked at ηκ = 1.9) but not the steady lag.",
    ),
)

CLAIMS = (S9,)
