"""M7's approximation rows, each held to the envelope the series of log P_T gives it.

With x_t = λ_wd η_t < 1, log P_T = Σ_t log(1 − x_t) = −Σ_{j≥1} λ_wd^j S_j/j, S_j = Σ_t η_t^j,
and the tail after order K is at most R_K = Σ_t x_t^{K+1}/((K+1)(1 − x_t)) (geometric tail
of Σ_{j>K} x^j/j; :meth:`~lrtheory.models.decay_product.Shrink.remainder`). So

* exp(−λ_wd S_1) = P_T·exp(Σ_{j≥2} λ_wd^j S_j/j): relative error ≤ e^{R_1} − 1;
* exp(−λ_wd∫η) = P_T·exp(λ_wd(S_1 − ∫η) + Σ_{j≥2} …): relative error
  ≤ e^{|λ_wd(S_1 − ∫η)| + R_1} − 1 (S_1 and ∫η both in closed form);
* the leading log-error Δ₂ = λ_wd(S_1 − ∫η) + λ_wd²S_2/2 misses the exact
  Δ = log(e^{−λ_wd∫η}/P_T) by at most R_2, so its relative error is ≤ R_2/(|Δ₂| − R_2).

Each row is held to its envelope where that is below 1 (:func:`envelope_check`), plus the
float64 rounding of the sums and logs.
"""

from __future__ import annotations

import math

from lrtheory.claim import ModelCheck
from lrtheory.models.decay_product import Shrink
from lrtheory.models.envelopes import envelope_check
from lrtheory.models.rounding import EPS


def approximation_checks(sh: Shrink, wd: float, total: float, integral: float,
                         order: int) -> list[ModelCheck]:
    """The three approximation rows of M7 for the shrink ``sh`` (strength ``wd``), the
    summed rates ``total`` = S_1, the closed-form ``integral`` ∫₀ᵀη dt, and ``order``, the
    order of the sums whose rounding :meth:`Shrink.rounding` bounds."""
    prod = sh.product
    exp_sum, exp_int = math.exp(-wd * total), math.exp(-wd * integral)
    predicted = wd * (total - integral) + wd**2 * math.fsum(sh.rates**2) / 2
    actual = math.log(exp_int) - sh.log_product
    # Absolute rounding of the exponents (the log-sum, the T-term sum S_1, exp and log).
    rnd = sh.rounding(order) + 4 * EPS * (sh.rates.size + 8) * wd * total + 8 * EPS
    r1, r2 = sh.remainder(1), sh.remainder(2)
    gap = abs(wd * (total - integral))
    leading = r2 / (abs(predicted) - r2) if abs(predicted) > r2 else math.inf
    return [
        envelope_check("exp(−λ_wd Σ η_t) vs the product", exp_sum, prod, math.expm1(r1),
                       "e^{R₁} − 1, R₁ = Σx_t²/(2(1 − x_t)) the series' tail",
                       rounding=2 * rnd,
                       tolerance_reason="approximation: drops λ_wd² S_2/2 + … from the "
                                        "exponent"),
        envelope_check("exp(−λ_wd ∫₀ᵀη dt) (∫ in closed form) vs the product", exp_int, prod,
                       math.expm1(gap + r1),
                       "e^{|λ_wd(Σ − ∫)| + R₁} − 1, R₁ the series' tail", rounding=2 * rnd,
                       tolerance_reason="approximation: also swaps the sum for the integral"),
        envelope_check("leading log-error λ_wd(Σ − ∫) + λ_wd² Σ η_t²/2 vs "
                       "log(exp(−λ_wd∫η)/P)", predicted, actual, leading,
                       "R₂/(|Δ₂| − R₂), R₂ = Σx_t³/(3(1 − x_t)) the series' tail",
                       rounding=2 * rnd / max(abs(actual), EPS),
                       tolerance_reason="approximation: leading orders of the series"),
    ]


__all__: list[str] = ["approximation_checks"]
