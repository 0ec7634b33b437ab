"""M11's approximation rows, each held to an envelope (kept apart from
:mod:`lrtheory.claims.adam_l2`).

* σ = 0, c > 1/λ: AdamW's fixed point w solves λw(h(c − w) + ε) = h(c − w), so
  1/λ − w = εw/(h(c − w)) and, with w < 1/λ, the relative error of 1/λ is
  ε/(h(c − w)) ≤ ε/(h(c − 1/λ)).
* The stationary step E d_∞ = E[m̂/√v̂] against the ratio of expectations r = a/√(a² + σ²):
  the delta-method series (:mod:`lrtheory.models.delta_series`) bounds |E d − r| by
  B = |T₁| + 2|T₂| at the stationary EMA weights. Hence:
  the linear loss's stationary mean −E d_∞/λ against −r/λ (relative ≤ B/(|r| − B));
  the averaged fixed point on the quadratic, the root of φ(w) = λw + r(a + hw) moved by
  the gap Δ = F − r at the root: φ' ≥ λ (r increases), so |w_r − w_F| ≤ |Δ|/λ ≤ B/λ;
  the over-regularisation boundary, where E d_∞(a, σ*) = a: a/R* + Δ = a gives
  |1 − R*|/R* = |Δ|/a ≤ B/a (R* the gradient RMS there; r puts it at 1).
* The mean at the horizon T from w₀ = w_L2 against the stationary mean w_∞: with
  q = 1 − ηλ, E w_T − w_∞ = q^T(w₀ − w_∞) − η Σ_{s≤T} q^{T−s}(E d_s − E d_∞), and
  |E d_s − E d_∞| ≤ B_s + B_∞ (the series at step s's bias-corrected weights; at s = 1
  m̂/√v̂ = sign(g), so |E d_1 − E d_∞| ≤ 1 + |r| + B_∞).

ε (outside the root) moves the ratio by at most ε/σ relative; the exact values' own error
bounds are added as the rounding.
"""

from __future__ import annotations

import math

from lrtheory.claim import ModelCheck
from lrtheory.models import adam_l2 as al
from lrtheory.models import adam_moments as am
from lrtheory.models import delta_series as ds
from lrtheory.models.envelopes import envelope_check


def stationary_spread(hp: al.AdamHyper, mu: float, sigma: float, steps: int | None = None) -> float:
    """B = |T₁| + 2|T₂| of E[m̂/√v̂] for gradients N(μ, σ²), at step ``steps`` (stationary
    weights when None)."""
    n = am.stationary_steps(hp.beta1, hp.beta2) if steps is None else steps
    return ds.ratio_series(am.ema_weights(hp.beta1, n), am.ema_weights(hp.beta2, n), mu,
                           sigma).spread


def fixed_point_check(name: str, hp: al.AdamHyper, h: float, c: float, w: float,
                      tol: float) -> ModelCheck:
    """AdamW's exact-gradient fixed point w against 1/λ: within ε/(h(c − 1/λ))."""
    return envelope_check(name, 1 / hp.lam, w, hp.eps / (h * (c - 1 / hp.lam)),
                          "ε/(h(c − w)) ≤ ε/(h(c − 1/λ)), w < 1/λ the derived root",
                          rounding=tol / abs(w), tolerance_reason="approximation (ε → 0)")


def stationary_check(name: str, hp: al.AdamHyper, a: float, sigma: float, closed: float,
                     exact: al.Mean) -> ModelCheck:
    """The linear loss's stationary mean: −r/λ against −E d_∞/λ."""
    r, b = a / math.hypot(a, sigma), stationary_spread(hp, a, sigma)
    return envelope_check(name, closed, exact.value, b / (abs(r) - b) if abs(r) > b else math.inf,
                          ds.SERIES_REASON, rounding=exact.error / abs(exact.value)
                          + hp.eps / sigma, tolerance=exact.error,
                          tolerance_reason="approximation (ratio of expectations); the exact "
                                           "value's error bound is the tolerance shown")


def transient_check(name: str, hp: al.AdamHyper, a: float, sigma: float, steps: int,
                    stationary: al.Mean, mean: al.Mean) -> ModelCheck:
    """E w_T from w₀ = −a/λ against the stationary mean (module docstring)."""
    q, r = 1.0 - hp.eta * hp.lam, a / math.hypot(a, sigma)
    b_inf = stationary_spread(hp, a, sigma)
    gaps = [1.0 + abs(r) + b_inf] + [stationary_spread(hp, a, sigma, s) + b_inf
                                     for s in range(2, steps + 1)]
    drift = hp.eta * math.fsum(q ** (steps - s) * g for s, g in enumerate(gaps, start=1))
    start = q**steps * abs(-a / hp.lam - stationary.value)
    return envelope_check(name, stationary.value, mean.value, (start + drift) / abs(mean.value),
                          "q^T|w₀ − w_∞| + ηΣq^{T−s}|E d_s − E d_∞|, q = 1 − ηλ, each gap by "
                          "the delta-method series", rounding=(mean.error + stationary.error)
                          / abs(mean.value),
                          tolerance_reason="the transient left at T (from w₀ = w_L2)")


def averaged_check(name: str, hp: al.AdamHyper, a: float, h: float, sigma: float,
                   closed: float, averaged: al.Mean) -> ModelCheck:
    """The ratio-of-expectations root against the exact averaged fixed point w_F."""
    w = averaged.value
    gap = stationary_spread(hp, a + h * w, sigma) + hp.eps / sigma
    return envelope_check(name, closed, w, gap / (hp.lam * abs(w)),
                          "the root moves by ≤ |F − r|/λ (φ' ≥ λ), |F − r| by the "
                          "delta-method series", rounding=averaged.error / abs(w),
                          tolerance=averaged.error,
                          tolerance_reason="approximation (ratio of expectations, spread of w "
                                           "neglected)")


def boundary_check(name: str, hp: al.AdamHyper, a: float, boundary: al.Mean) -> ModelCheck:
    """The over-regularisation boundary's gradient RMS R* against 1: |1 − R*|/R* ≤ B/a."""
    sigma = math.sqrt(boundary.value**2 - a * a)
    return envelope_check(name, 1.0, boundary.value, stationary_spread(hp, a, sigma) / a,
                          "|1 − R*|/R* = |E d_∞ − r|/a, bounded by the delta-method series",
                          rounding=boundary.error / boundary.value, tolerance=boundary.error,
                          tolerance_reason="approximation (ratio of expectations)")


__all__: list[str] = ["averaged_check", "boundary_check", "fixed_point_check",
                      "stationary_check", "stationary_spread", "transient_check"]
