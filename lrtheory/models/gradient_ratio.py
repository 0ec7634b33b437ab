"""The gradient-ratio rollback rule on a quadratic L(e) = ½eᵀHe.

Seed 000's heuristic: if ‖∇L_{t+1}‖/‖∇L_t‖ > τ, multiply η by f and roll the step back
(:func:`grad_ratio_rule`; simulated by :func:`run_rollback_rule`). In eigen-coordinates, with
q_i = 1 − ηλ_i and gradient weights w_i = g_{0,i}², plain GD's ratio obeys

    r_t² = ‖g_{t+1}‖²/‖g_t‖² = Σw_iq_i^{2t+2} / Σw_iq_i^{2t},

a weighted mean of the q_i² (:func:`gradient_ratio`; measured by :func:`gd_gradient_ratios`).
So r_t ≤ ρ(I − ηH), r_t is non-decreasing in t and tends to ρ for generic e₀
(:func:`limiting_ratio`, with :func:`transient_gap` bounding ρ − r_t). Consequences:

* the rule fires (eventually) iff ηλ_max > 1 + τ, and where a run of halvings leaves η is a
  closed form (:func:`rule_outcome`);
* "fired within k steps" is the event Σw_iq_i^{2(k−1)}(q_i² − τ²) > 0, a Gaussian quadratic
  form for e₀ ~ N(0, I) (:func:`firing_form`, whose probability is
  :func:`lrtheory.models.quadratic_forms.form_positive_probability`);
* deterministic guarantees on when it fires and when one firing still rescues the run
  (:func:`firing_time_bound`, :func:`cascade_time_bound`, :func:`recovery_deadline`), and
  with them the probability that a run is still diverging at step T
  (:func:`divergence_probability`).

The Hessian-vector products and losses are those of :mod:`lrtheory.models.range_test`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from lrtheory.arrays import astype
from lrtheory.errors import (
    ParameterError,
    check_int,
    check_positive,
    check_real,
    check_reals,
    finite_result,
    float_array,
    operands,
)
from lrtheory.models.quadratic_forms import form_nonpositive_bound
from lrtheory.models.range_test import HVP, row_dot
from lrtheory.models.rounding import EPS


def grad_ratio_rule(ratio: Any, eta: Any, threshold: float = 1.5, factor: float = 0.5,
                    xp: Any = np) -> tuple[Any, Any]:
    """Seed 000's heuristic as a pure function: (new η, accept the step?).

    If ‖∇L_{t+1}‖/‖∇L_t‖ > τ the step is rejected (rolled back) and η ← fη; else kept.
    """
    check_positive("threshold", threshold)
    check_real("factor", factor, 0.0, 1.0)
    fire = ratio > threshold
    return xp.where(fire, factor * eta, eta), ~fire


@dataclass(frozen=True)
class RollbackRun:
    """Per chain: the step of the first firing (−1: never), how many times the rule fired,
    the final η, ln(‖g_T‖/‖g_0‖), and (if recorded) the ratio proposed at every step."""

    first_fire: Any
    fires: Any
    final_eta: Any
    log_growth: Any
    ratios: Any = None


def run_rollback_rule(hvp: HVP, e0: Any, eta: Any, steps: int, threshold: float = 1.5,
                      factor: float = 0.5, xp: Any = np, record: bool = False) -> RollbackRun:
    """GD with the gradient-ratio rule for ``steps`` proposed steps (a rejected proposal
    counts as a step), ``eta`` a number or one rate per chain: at step t propose e − ηg,
    compare ‖H(e − ηg)‖ with τ‖g‖ and keep the proposal or roll it back and scale η by f
    (:func:`grad_ratio_rule`). The state is renormalised every few steps with its scale kept
    in logarithms, so a divergent run never overflows (the ratio is scale-free)."""
    steps = check_int("steps", steps, 1)
    check_positive("threshold", threshold)
    check_real("factor", factor, 0.0, 1.0)
    n = e0.shape[0]
    rate = xp.ones(n, dtype=e0.dtype) * xp.reshape(xp.asarray(eta, dtype=e0.dtype), (-1,))
    e, g = e0, hvp(e0)
    g_sq = row_dot(g, g)
    if not bool(xp.all(g_sq > 0)):
        raise ParameterError("e0", "a row with He₀ = 0", "rows with a nonzero gradient He₀")
    log_g0 = 0.5 * xp.log(g_sq)
    log_scale = xp.zeros(n, dtype=e0.dtype)
    first = xp.full(n, -1, dtype=xp.int64)
    fires = xp.zeros(n, dtype=xp.int64)
    history = []
    for t in range(steps):
        proposal = e - rate[:, None] * g
        g_new = hvp(proposal)
        g_new_sq = row_dot(g_new, g_new)
        ratio = xp.sqrt(g_new_sq / g_sq)
        if record:
            history.append(ratio)
        rate, accept = grad_ratio_rule(ratio, rate, threshold, factor, xp)
        rolled = ~accept
        if bool(xp.any(rolled)):  # rare: a chain fires a handful of times at most
            back = rolled[:, None]
            proposal, g_new = xp.where(back, e, proposal), xp.where(back, g, g_new)
            g_new_sq = xp.where(rolled, g_sq, g_new_sq)
            fires = fires + astype(xp, rolled, xp.int64)
            first = xp.where(rolled & (first < 0), t, first)
        e, g, g_sq = proposal, g_new, g_new_sq
        if t % 8 == 7 or t == steps - 1:  # growth ≤ (1 + ηλ_max)⁸ between renormalisations
            size = xp.sqrt(g_sq)
            e, g, g_sq = e / size[:, None], g / size[:, None], g_sq / size**2
            log_scale = log_scale + xp.log(size)
    log_growth = log_scale + 0.5 * xp.log(g_sq) - log_g0
    ratios = xp.stack(history, axis=-1) if record else None
    return RollbackRun(first, fires, rate, log_growth, ratios)


def limiting_ratio(lam: np.ndarray[Any, Any], eta: float) -> float:
    """ρ(I − ηH) = max_i |1 − ηλ_i|, the limit of ‖g_{t+1}‖/‖g_t‖ for generic e₀."""
    eta = check_positive("eta", eta)
    return float(np.max(np.abs(1.0 - eta * check_reals("lam", float_array("lam", lam)))))


@operands("lam", "coeffs")
@finite_result
def gradient_ratio(lam: np.ndarray[Any, Any], coeffs: np.ndarray[Any, Any], eta: float,
                   t: int) -> float:
    """Closed form r_t = ‖g_{t+1}‖/‖g_t‖ of plain GD from e₀ = Σc_iv_i:
    r_t² = Σw_iq_i^{2t+2}/Σw_iq_i^{2t}, w_i = λ_i²c_i², q_i = 1 − ηλ_i."""
    lam = check_reals("lam", float_array("lam", lam))
    coeffs = check_reals("coeffs", float_array("coeffs", coeffs))
    eta, t = check_positive("eta", eta), check_int("t", t, 0)
    q = 1.0 - eta * lam
    log_w = 2 * np.log(np.abs(lam * coeffs)) + 2 * t * np.log(np.abs(q))
    w = np.exp(log_w - np.max(log_w))
    return float(np.sqrt(np.sum(w * q**2) / np.sum(w)))


def gd_gradient_ratios(hvp: HVP, e0: Any, eta: Any, steps: int) -> np.ndarray[Any, Any]:
    """Measured ‖g_{t+1}‖/‖g_t‖, t < steps, of plain GD from the rows of ``e0`` (``eta`` a
    number or an (n, 1) column); the state is renormalised every step."""
    steps = check_int("steps", steps, 1)
    e, ratios = e0, []
    for _ in range(steps):
        g = hvp(e)
        e = e - eta * g
        g_new = hvp(e)
        ratios.append(np.sqrt(row_dot(g_new, g_new) / row_dot(g, g)))
        e = e / np.sqrt(row_dot(e, e))[:, None]
    return np.stack(ratios, axis=-1)


@finite_result
def ratio_rounding(lam: np.ndarray[Any, Any], eta: float, t: int) -> float:
    """A float64 bound on |r_t − r̂_t| between :func:`gradient_ratio` on H's eigenpairs
    (from ``eigh``) and :func:`gd_gradient_ratios` on H itself: 16dε(t + 2)·ηλ_max·ρ. Each
    ratio is t + 2 d-term products deep, and eigh's backward error (≤ dε‖H‖) moves every
    q_i = 1 − ηλ_i by at most ηλ_max relative units."""
    lam = check_reals("lam", float_array("lam", lam))
    eta, t = check_positive("eta", eta), check_int("t", t, 0)
    x = eta * float(np.max(lam))
    return 16.0 * lam.size * EPS * (t + 2) * x * limiting_ratio(lam, eta)


@operands("lam", "coeffs")
def transient_gap(lam: np.ndarray[Any, Any], coeffs: np.ndarray[Any, Any], eta: float,
                  t: int) -> float:
    """A bound on ρ − r_t for the top direction i = 1 (largest |q_i|): r_t² ≥ q₁²p₁ with
    the top's share p₁ ≥ 1 − B, B = Σ_{i≥2}(w_i/w₁)(q_i/q₁)^{2t}, so ρ − r_t ≤ ρB."""
    lam = check_reals("lam", float_array("lam", lam))
    coeffs = check_reals("coeffs", float_array("coeffs", coeffs))
    eta, t = check_positive("eta", eta), check_int("t", t, 0)
    q = np.abs(1.0 - eta * lam)
    top = int(np.argmax(q))
    w = (lam * coeffs) ** 2
    rest = np.delete(np.arange(lam.size), top)
    b = float(np.sum(w[rest] / w[top] * (q[rest] / q[top]) ** (2 * t)))
    return float(q[top]) * min(1.0, b)


def rule_outcome(x: float, threshold: float = 1.5, factor: float = 0.5) -> tuple[float, int]:
    """Closed form of where the rule leaves ηλ_max = x on a quadratic: it fires while the
    limit x − 1 exceeds τ, so after k = min{k ≥ 0 : xf^k ≤ 1 + τ} firings ηλ_max = xf^k.
    Returns (xf^k, k); the run still diverges iff xf^k > 2."""
    x = check_positive("x", x)
    check_real("threshold", threshold, 1.0)
    check_real("factor", factor, 0.0, 1.0)
    k = 0
    while x > 1.0 + threshold:
        x, k = x * factor, k + 1
    return x, k


def firing_time_bound(lam: np.ndarray[Any, Any], weights: np.ndarray[Any, Any], eta: float,
                      threshold: float = 1.5, horizon: int = 2000) -> int:
    """Steps within which GD at η (ηλ_max > 1 + τ) from gradient weights w_i = g_{0,i}²
    must fire: the first t with q₁²(1 − B_t) > τ², B_t = Σ_{i≥2}(w_i/w₁)(q_i/q₁)^{2t}
    (r_t² ≥ q₁²p₁, p₁ ≥ 1 − B_t). Any state whose top share is at least that of ``weights``
    fires as fast; ``horizon`` + 1 if not within ``horizon`` steps (or never)."""
    lam = float_array("lam", lam)
    q = np.abs(1.0 - eta * lam)
    top = int(np.argmax(lam))
    if q[top] <= threshold or q[top] < np.max(q):
        return horizon + 1
    rest = np.delete(np.arange(lam.size), top)
    share = float_array("weights", weights)[rest] / weights[top]
    decay = (q[rest] / q[top]) ** 2
    for start in range(0, horizon + 1, 32):  # B_t decreases: look ahead in short blocks
        t = np.arange(start, min(start + 32, horizon + 1))[:, None]
        fired = np.flatnonzero(q[top] ** 2 * (1.0 - np.sum(share * decay**t, axis=1))
                               > threshold**2)
        if fired.size:
            return start + int(fired[0])
    return horizon + 1


def cascade_time_bound(lam: np.ndarray[Any, Any], weights: np.ndarray[Any, Any], eta: float,
                       threshold: float = 1.5, factor: float = 0.5) -> int:
    """Proposed steps within which the rule, started at η from gradient weights w_i, is sure
    to have made every firing of its halving cascade η, fη, f²η, … (those with
    ηf^kλ_max > 1 + τ): the sum over the firing rates of :func:`firing_time_bound` + 1
    (the wait and the rejected proposal). A rollback keeps the state, and at a firing rate
    the top direction grows fastest, so each stage starts with a top share at least that of
    w and the first state's bound applies to it. Over 2000 when some stage is not sure to
    fire within 2000 steps."""
    lam_max = float(np.max(float_array("lam", lam)))
    need = 0
    while eta * lam_max > 1.0 + threshold:
        need += firing_time_bound(lam, weights, eta, threshold) + 1
        eta *= factor
    return need


def recovery_deadline(lam: np.ndarray[Any, Any], eta: float, factor: float, steps: int) -> int:
    """The latest first-firing step τ_max such that one firing at any τ ≤ τ_max leaves every
    gradient component below its start at step T = ``steps``: |q_i|^τ|q'_i|^{T−1−τ} < 1 for
    all i and all τ ≤ τ_max (q at η, q' at fη; τ accepted steps, the rejected proposal,
    T − 1 − τ more). −1 if even τ = 0 does not."""
    lam = float_array("lam", lam)
    lq = np.log(np.abs(1.0 - eta * lam))
    lq2 = np.log(np.abs(1.0 - factor * eta * lam))
    deadline = -1
    for tau in range(steps):
        if not np.all(tau * lq + (steps - 1 - tau) * lq2 < 0):
            break
        deadline = tau
    return deadline


def firing_form(lam: np.ndarray[Any, Any], eta: float, k: int,
                threshold: float = 1.5) -> np.ndarray[Any, Any]:
    """Coefficients a_i (scaled to max |a_i| = 1) of Q = Σa_iz_i² with e₀ = z ~ N(0, I) in
    eigen-coordinates: the rule (constant η) fires within the first k steps iff Q > 0, as
    r_t is non-decreasing: a_i = λ_i²q_i^{2(k−1)}(q_i² − τ²)."""
    lam = float_array("lam", lam)
    check_int("k", k, 1)
    q = 1.0 - eta * lam
    gap = q**2 - threshold**2
    with np.errstate(divide="ignore"):
        log_a = 2 * np.log(lam) + 2 * (k - 1) * np.log(np.abs(q)) + np.log(np.abs(gap))
    return np.asarray(np.sign(gap) * np.exp(log_a - np.max(log_a)))


def divergence_probability(lam: np.ndarray[Any, Any], x: float, steps: int,
                           threshold: float = 1.5, factor: float = 0.5) -> tuple[float, float]:
    """P(‖g_T‖ > ‖g_0‖) after T = ``steps`` proposed steps of the rule at ηλ_max = x from
    e₀ ~ N(0, I) in eigen-coordinates: (p, b) with p = 0 or 1 and |P − p| ≤ b.

    * Left diverging, x_f = xf^k > 2 after k firings (:func:`rule_outcome`): p = 1. Every
      accepted step multiplies g's top component by |1 − ηλ_max| ≥ x_f − 1, so
      ‖g_T‖² ≥ G·g_{0,1}² with G = (x_f − 1)^{2(T−k)}, and ‖g_T‖ ≤ ‖g_0‖ needs
      (G − 1)λ_1²z_1² ≤ Σ_{i≥2}λ_i²z_i² ≤ λ_1²Σ_{i≥2}z_i²: b is
      :func:`~lrtheory.models.quadratic_forms.form_nonpositive_bound` of (G − 1, −1, …, −1).
      It uses only x_f, k and d, so it holds for every spectrum of size d, and for every
      ηλ_max ≥ x in (2, 1 + τ] (no firing, slower growth at x).
    * Rescued by one firing (x_f ≤ 2, k = 1): p = 0 unless the firing comes after the
      :func:`recovery_deadline` τ_max, so b = P(no firing within τ_max + 1 steps), bounded
      by form_nonpositive_bound of :func:`firing_form` at k = τ_max + 1.
    * Never fires and x ≤ 2: ‖g_T‖ ≤ ρ^T‖g_0‖ ≤ ‖g_0‖, so (0, 0) exactly.
    """
    lam = float_array("lam", lam)
    steps = check_int("steps", steps, 1)
    final, fires = rule_outcome(x, threshold, factor)
    if final > 2.0:
        growth_sq = (final - 1.0) ** (2 * (steps - fires))
        return 1.0, form_nonpositive_bound(np.array([growth_sq - 1.0] + [-1.0] * (lam.size - 1)))
    if fires == 0:
        return 0.0, 0.0
    if fires != 1:
        raise ParameterError("x", x, "an ηλ_max the rule leaves diverging or rescues with at "
                             "most one firing")
    eta = x / float(np.max(lam))
    deadline = recovery_deadline(lam, eta, factor, steps)
    return 0.0, form_nonpositive_bound(firing_form(lam, eta, deadline + 1, threshold))
