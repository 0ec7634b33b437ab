"""Claim H7's model rows for part (a), Adam's early steps (split from
:mod:`lrtheory.claims.warmup` to keep it short): n_eff and Var v̂ against their derived forms
(exact rows), and the delta method and the β₂ → 1 form against exact quadrature, each with
the role :mod:`lrtheory.models.warmup_bounds` declares for it.
"""

from __future__ import annotations

import math

from lrtheory.claim import ModelCheck
from lrtheory.models import warmup as wm
from lrtheory.models import warmup_bounds as wb
from lrtheory.models.rounding import EPS, RECURSION_ROUNDING_REASON, recursion_rounding
from lrtheory.symbolic.warmup import delta_peak_value, n_eff_value, small_t_variance


def adam_rows(p: dict[str, float]) -> list[ModelCheck]:
    """n_eff(t), Var v̂_t, the sd of s/√v̂_t and the warm-up spread S_W(W) at a point with
    β₂, t and W (``warmup_a``); with ``scan``, the step of the exact peak of S_W."""
    beta2, t, w = p["beta2"], int(p["t"]), int(p["warmup_a"])
    n = n_eff_value(beta2, t)
    cancel = 8 * EPS / (1 - beta2**t)
    checks = [ModelCheck(
        f"n_eff({t}): derived closed form vs (Σw)²/Σw² of the weights", n,
        wm.effective_samples(beta2, t), n * (3 * t * EPS + cancel),
        "float64: a t-term sum (3tε relative) and the cancellation in 1 − β₂ᵗ (8ε/(1 − β₂ᵗ))")]
    mean = 1 - beta2**t
    r1, r3 = recursion_rounding(t, 1.0), recursion_rounding(t, 3.0)
    spread = wm.second_moment_spread(beta2, t)
    checks.append(ModelCheck(
        f"Var v̂_{t}/(E v̂_{t})²: 2/n_eff vs the moment recursion of Adam's v", 2 / n, spread,
        (r3 + 2 * (1 + spread) * mean * r1) / mean**2 + 2 / n * cancel,
        RECURSION_ROUNDING_REASON))
    exact = wm.effective_rate_moments(beta2, t)
    stationary = wm.stationary_rate_moments(beta2)
    checks.append(ModelCheck(
        f"sd(s/√v̂_{t}): delta method 1/√(2n_eff) vs exact (quadrature)",
        1 / math.sqrt(2 * n), exact.sd, 0.0, "approximation", exact=False,
        **wb.sd_role(beta2, t, wb.relative(exact.error, exact.variance))))
    checks.append(ModelCheck(
        f"spread of α_t/√v̂_t at t = W = {w} over the stationary one, S_W(W): delta method "
        "1/√tanh(W/t*) vs exact (quadrature)", delta_peak_value(beta2, w),
        wm.warmup_spread_ratio(beta2, w, w), 0.0, "approximation", exact=False,
        **wb.spread_role(beta2, w, wb.relative(exact.error, exact.variance)
                         + wb.relative(stationary.error, stationary.variance))))
    if p.get("scan"):
        at, _ = wm.warmup_spread_peak(beta2, w)
        checks.append(ModelCheck(
            f"W = {w}: the step of the exact peak of S_W(t) over 3 ≤ t ≤ W (quadrature at "
            "every t) vs t = W", float(w), float(at), 0.0, "an integer argmax: no tolerance"))
    return checks


def small_t_rows(p: dict[str, float]) -> list[ModelCheck]:
    """Var(s/√v̂_t) at small t against the β₂ → 1 form χ²_t/t."""
    beta2, t = p["beta2"], int(p["t"])
    exact = wm.effective_rate_moments(beta2, t)
    closed = small_t_variance(beta2, t)
    return [ModelCheck(
        f"Var(s/√v̂_{t}), β₂ = {beta2:g}: the β₂ → 1 form (χ²_t/t) vs exact", closed,
        exact.variance, 0.0, "approximation", exact=False,
        **wb.small_t_role(beta2, t, closed, wb.relative(exact.error, exact.variance)))]
