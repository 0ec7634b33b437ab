"""Claim D11's first-order gap rows and the role each declares (split from
:mod:`lrtheory.claims.batch_growth` to keep it short).

D2's curve m(τ, u) = ((1 − u)²)^{τ/u}(m_e − s/(2 − u)) + s/(2 − u) is a power series in
u = ηλ of radius 1 (ln(1 − u)/u in the exponent). Two arms with the same noise scale differ
by (u₁ − u₂)Σ½λm₁ + O(u²): where both arms have ηλ_max < 1 the row is held to the exact
remainder of that first-order term, read off the closed form itself at all orders in u
(the recursions match it to rounding: D11's exact rows), plus both recursions' rounding;
from ηλ_max ≥ 1 the expansion is outside its domain and the row documents the gap.
"""

from __future__ import annotations

from lrtheory.claim import ModelCheck


def first_order_row(name: str, first: float, exact_gap: float, closed_gap: float,
                    rounding: float, u_max: float) -> ModelCheck:
    """The row "first-order gap vs the recursions' gap": ``first`` the first-order term,
    ``exact_gap`` the recursions' difference, ``closed_gap`` D2's closed form's difference,
    ``rounding`` the two recursions' rounding bounds summed, ``u_max`` the arms' ηλ_max."""
    if u_max >= 1:
        return ModelCheck(name, first, exact_gap, 0.0, "approximation", exact=False,
                          breakdown=f"ηλ_max = {u_max:.3g} ≥ 1: outside the radius of "
                                    "convergence of the expansion in ηλ, so no first-order "
                                    "claim is made")
    slack = rounding / abs(closed_gap)
    remainder = abs(first - closed_gap) / abs(closed_gap)
    return ModelCheck(name, first, exact_gap, 0.0, "approximation", exact=False,
                      bound=(remainder + slack) / (1 - slack),
                      bound_reason="exact remainder of the first-order term, O((ηλ)²): D2's "
                                   f"closed m(τ, u) at all orders (ηλ_max = {u_max:.3g} < 1), "
                                   "plus rounding")
