"""M9's approximation rows: GD's asymptotic forms held to envelopes proved from its closed
form, the rest measured with the reason (kept apart from :mod:`lrtheory.claims.acceleration`).

GD's worst quadratic (L = ‖x₀‖ = 1) is W(t) = (1 − 1/n)^{2t}/(2n), n = 2t + 1, so
t·W(t) = ¼(1 − 1/n)ⁿ. From (1 − 1/n)ⁿ ≤ 1/e ≤ (1 − 1/n)^{n−1}:

* t·W(t) ∈ [(1 − 1/n)/(4e), 1/(4e)], so the limit 1/(4e) overstates T·W(T) by at most
  1/(n − 1) = 1/(2T);
* d ln W/d ln t = −1 + (n − 1)φ(n), φ(n) = ln(1 − 1/n) + 1/(n − 1) ∈ [0, (n + 1)/(2n²(n − 1))]
  (ln(1 − x) ≥ −x/(1 − x) and ≤ −x − x²/2), so every local slope on [t₁, t₂] lies in
  [−1, −1 + δ], δ = (n₁ + 1)/(2n₁²) at n₁ = 2t₁ + 1; a least-squares slope is a weighted mean
  of secant slopes (weights (u_i − u_j)²), each a local slope by the mean value theorem, so
  it lies there too: relative error ≤ δ/(1 − δ).

The numerical envelope is a grid maximum, short of the supremum by ≲ 10⁻⁸ relative
(:func:`lrtheory.models.acceleration.worst_case_envelope`); 10⁻⁷ is allowed for it.

Nesterov's envelope approaches its ODE limit like 1/t (the claim's finding: −2 and
2J₁(j'₁₁)² are reached only as t → ∞) and no finite-t correction is derived here, the
constant-β rows document the source's form of the rule (outside), and a logistic problem's
slope is compared with the bound's exponent, which caps the rate without predicting it:
those rows are measured only.
"""

from __future__ import annotations

import numpy as np

from lrtheory.claim import ModelCheck
from lrtheory.models import slopes
from lrtheory.models.envelopes import envelope_check

GRID = 1e-7  # allowance for the grid maximum's shortfall, relative


def gd_limit_check(name: str, closed: float, model: float, steps: int) -> ModelCheck:
    """T·W_GD(T) against 1/(4e): within 1/(2T)."""
    return envelope_check(name, closed, model, 1 / (2 * steps),
                          "¼(1 − 1/n)ⁿ ∈ [(1 − 1/n)/(4e), 1/(4e)], n = 2T + 1: 1/(2T)",
                          rounding=2 * GRID,
                          tolerance_reason="asymptotic form: error measured")


def gd_slope_check(name: str, closed: float, model: float, window: np.ndarray) -> ModelCheck:
    """GD's least-squares log-log slope over ``window`` against −1: within δ/(1 − δ)."""
    n1 = 2 * float(window[0]) + 1
    delta = (n1 + 1) / (2 * n1 * n1)
    rounding = 2 * GRID * float(np.sum(np.abs(slopes.slope_weights(window))))
    return envelope_check(name, closed, model, delta / (1 - delta),
                          "local slopes of W in [−1, −1 + δ], δ = (n₁ + 1)/(2n₁²), "
                          "n₁ = 2t₁ + 1: δ/(1 − δ)", rounding=rounding,
                          tolerance_reason="asymptotic form: error measured")


def measured(name: str, closed: float, model: float, why: str) -> ModelCheck:
    """A row measured only (see the module docstring for which and why)."""
    return ModelCheck(name, closed, model, 0.0, "asymptotic form: error measured",
                      exact=False, breakdown=why)


NAG_LIMIT = ("the ODE limit is approached like 1/t (a finding: −2 and 2J₁(j'₁₁)² hold only "
             "as t → ∞; validity domain); no finite-t bound is derived")
CONSTANT_BETA = ("the source's constant-β rule (outside): it decays like 1/t, the finding; "
                 "its derived forms are limits, approached like 1/t, with no finite-t bound")
LOGISTIC = ("a comparison: the bound's exponent caps the rate on every problem but does not "
            "predict a given problem's slope")


__all__: list[str] = ["CONSTANT_BETA", "LOGISTIC", "NAG_LIMIT", "gd_limit_check",
                      "gd_slope_check", "measured"]
