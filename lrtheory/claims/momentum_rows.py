"""M1's approximation row (kept apart so that :mod:`lrtheory.claims.momentum` stays short)."""

from __future__ import annotations

from collections.abc import Mapping

from lrtheory.claim import ModelCheck
from lrtheory.models.envelopes import envelope_check
from lrtheory.models.rounding import RECURSION_ROUNDING_REASON


def steady_state_check(p: Mapping[str, float], step: float, tol: float) -> ModelCheck:
    """The steady-state step −η₁g/(1−β) against the recursion's step at τ.

    From v₀ = 0 under a constant g the velocity is v_τ = g(1 − β^τ)/(1 − β), so the step at
    τ is −η₁g(1 − β^τ)/(1 − β) and the steady state overstates it by exactly
    β^τ/(1 − β^τ): the row is held to that (plus the float64 rounding of the two θ's that
    make the step, ``tol`` each, over |step|) while it is below 1, i.e. β^τ < ½; beyond,
    the transient is not over and the row is measured only."""
    left = p["beta"] ** int(p["tau"])
    return envelope_check("steady-state step −η₁g/(1−β) vs the step at τ",
                          -p["eta1"] * p["g"] / (1 - p["beta"]), step, left / (1 - left),
                          "the transient β^τ/(1 − β^τ) left from v₀ = 0, plus rounding",
                          rounding=2 * tol / abs(step), tolerance=tol,
                          tolerance_reason=RECURSION_ROUNDING_REASON,
                          beyond=f"the transient is not over: β^τ = {left:.2g}, the step is "
                                 f"{1 - left:.2g} of the steady state")


__all__: list[str] = ["steady_state_check"]
