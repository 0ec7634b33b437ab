"""How far claim H2's long-cycle limits of D₁ can be from the exact D₁ = 2q/(1 + ρ).

One SGDR cycle of T steps, η at n = T − t steps before its end η_min + Δ sin²(nθ),
θ = π/(2T), Δ = η₀ − η_min; with x = ηλ, q = (s²/λ²)Σ_{n=1}^{T} x_n² Π_{m<n}(1 − x_m)² and
ρ = Π_t(1 − x_t). Both limits drop ρ (|ρ| ≤ e^{−Σx}, the first neglected term) and one more
thing each; the rows are held to the sum of the absolute values of the neglected terms at
first order (no cancellation between them assumed), E, as a relative error E/(1 − E).

**Floor (η_min > 0).** Around the constant rate x ≡ α = η_minλ, whose q is α²/(1 − r),
r = (1 − α)², the excess e_n = x_n − α enters at first order through
δ ln(term_n) = 2e_n/α − (2/(1 − α))Σ_{m<n} e_m, averaged with weights (1 − r)r^{n−1}; the
two parts are summed exactly over the cycle, plus r^T (the floor's sum beyond T).

**Cosine tail (η_min = 0).** With b = aθ², a = η₀λ, ε = b^{1/3} and n = y/ε, the log of
term_n is 2 ln(εy²) − 2y³/3 plus, at first order in ε, four neglected pieces: +εy² (the
sum Σ_{m<n}m² = n³/3 − n²/2 + …), −(2/(3a))εy² (sin² of the rate itself), +(2/(15a))εy⁵
(sin² in the decay Σx_m) and −εy⁵/5 (the x² of ln(1 − x)); averaged against y⁴e^{−2y³/3}
they give ε(I₆(1 + 2/(3a)) + I₉(2/(15a) + 1/5))/I₄, I_k = ∫₀^∞ y^k e^{−2y³/3} dy
= (1/3)(3/2)^{(k+1)/3} Γ((k+1)/3). (The sum-to-integral error of Σ_n is O(ε^{8/3}).)

:func:`limit_row` builds claim H2's row from these.
"""

from __future__ import annotations

import math

import numpy as np

from lrtheory.claim import ModelCheck
from lrtheory.errors import check_int, check_positive, check_real
from lrtheory.models import snapshots as snap

#: Envelopes are first order: they are trusted (the row bounded) only where E < ½, i.e.
#: where the relative-error bound E/(1 − E) they imply is below 1.
TRUSTED = 0.5


def _moment(k: int) -> float:
    """I_k = ∫₀^∞ y^k e^{−2y³/3} dy."""
    return math.pow(1.5, (k + 1) / 3) * math.gamma((k + 1) / 3) / 3


def tail_envelope(eta0: float, curvature: float, period: int) -> float:
    """E for the cosine-tail asymptote 2q_tail (η_min = 0): the four first-order pieces in
    absolute value, ε(I₆(1 + 2/(3a)) + I₉(2/(15a) + 1/5))/I₄, plus |ρ| ≤ e^{−a(T − 1)/2}."""
    a = float(check_positive("eta0", eta0)) * float(check_positive("curvature", curvature))
    period = check_int("period", period, 1)
    eps = math.pow(a * math.pi**2 / (4 * period**2), 1 / 3)
    pieces = (_moment(6) * (1 + 2 / (3 * a)) + _moment(9) * (2 / (15 * a) + 0.2)) / _moment(4)
    return eps * pieces + math.exp(-a * (period - 1) / 2)


def floor_envelope(rates: np.ndarray, curvature: float, eta_min: float) -> float:
    """E for the floor 2s²η_min/(λ(2 − η_minλ)) (η_min > 0), from the cycle's rates η_t
    (t = 0 … T − 1): Σ_n w_n 2e_n/α + Σ_n w_n (2/(1 − α))Σ_{m<n} e_m + r^T + |ρ|."""
    lam = float(check_positive("curvature", curvature))
    alpha = float(check_real("eta_min", check_positive("eta_min", eta_min), 0.0, 1.0 / lam)) * lam
    x = np.asarray(rates, dtype=float)[::-1] * lam  # x_n, n = 1 … T
    e = x - alpha
    r = (1 - alpha) ** 2
    w = (1 - r) * r ** np.arange(x.size)
    before = np.concatenate([[0.0], np.cumsum(e)[:-1]])  # Σ_{m<n} e_m
    first = float(np.sum(w * 2 * e / alpha)) + float(np.sum(w * 2 * before / (1 - alpha)))
    rho = float(np.prod(np.abs(1 - x)))
    return first + r**x.size + rho


def relative_bound(envelope: float) -> float:
    """The relative error |L − D|/D allowed by an envelope E on |D/L − 1|: E/(1 − E)."""
    return envelope / (1 - envelope)


def limit_row(noise_sd: float, curvature: float, eta0: float, period: int, eta_min: float,
              exact: float) -> ModelCheck:
    """The row "D₁ at λ_max: its long-cycle limit vs the exact 2q/(1 + ρ)" (``exact``): the
    cosine-tail asymptote where η_min = 0, else the floor, held to E/(1 − E) where the
    envelope E is below :data:`TRUSTED`, a breakdown (cycle too short) otherwise."""
    f = snap.chain_numeric()
    if eta_min == 0.0:
        limit = float(f["tail_d1"](noise_sd, curvature, eta0, period))
        name = "D_1 at λ_max: cosine-tail asymptote 2q_tail vs exact 2q/(1 + ρ)"
        env = tail_envelope(eta0, curvature, period)
        why = "first order in ε = (η₀λπ²/(4T²))^(1/3): four neglected terms in |·|, plus |ρ|"
    else:
        limit = float(2 * f["floor"](noise_sd, curvature, eta_min))
        name = "D_1 at λ_max: 2s²η_min/(λ(2 − η_minλ)) vs exact 2q/(1 + ρ)"
        env = floor_envelope(snap.sgdr_cycles(eta0, period, 1, 1, eta_min)[0], curvature,
                             eta_min)
        why = "first order in the cosine's excess over η_min, both terms in |·|, plus ρ"
    if env < TRUSTED:
        return ModelCheck(name, limit, exact, 0.0, "approximation", exact=False,
                          bound=relative_bound(env), bound_reason=f"{why}: E = {env:.3g}")
    return ModelCheck(name, limit, exact, 0.0, "approximation", exact=False,
                      breakdown=f"the first-order envelope E = {env:.3g} is not small: the "
                                "cycle is too short for the limit")
