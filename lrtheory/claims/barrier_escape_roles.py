"""What claim D8's approximate rows declare (split from :mod:`lrtheory.claims.barrier_escape`).

* Kramers's rate, P(τ ≤ K) and η_½ are the ΔU/T → ∞, η → 0 limits. On the cubic the first
  Laplace correction of the SDE's rate is −5T/(18ΔU) (curvatures ±λ, U''' = −2λ/c at both
  the minimum and the top: 5/36 each), the discrete chain's barrier is ΔU(1 − (ηλ)²/30 −
  (ηλ)⁴/180 + …), and its prefactor moves at O((ηλ)²) with a constant not derived here: no
  bound is claimed, and the rows document Kramers's error (the claim itself asks for
  ΔU/T ≫ 1; past ηλ = 2 the chaotic band escapes where Kramers predicts nothing).
* The heavy ball's two-step root only bounds the least ever-escaping ηλ from above (a pass
  within two steps is a pass within K); later swings lower it by an amount not derived.
* The fitted slope of ln(k_SGD/k_SDE) in ΔU/T tends to (ηλ)²/30 + (ηλ)⁴/180 as T → 0 (the
  O(η³) term vanishes: one more order of the Bellman expansion), but over ΔU/T = 12…24 it
  also carries the prefactor's O(T/ΔU) drift, whose constant is not derived.
* From |x₀| < c/3 the crisis row is bracketed by proved facts: below ηλ = 3 the interval
  [−c/(ηλ), c] ∋ x₀ traps the orbit (least ηλ ≥ 3), and above c/|x₀| one step escapes
  (least ηλ ≤ c/|x₀|): its relative error is at most 1 − 3|x₀|/c.
"""

from __future__ import annotations

from typing import Any


def kramers_breakdown(barrier_over_t: float, eta_lam: float) -> str:
    """Why a Kramers row (rate, P(τ ≤ K), η_½) is measured, at ΔU/T and ηλ."""
    if eta_lam >= 2:
        return (f"ηλ = {eta_lam:g} ≥ 2: past the minimum's stability edge the chaotic band "
                "carries the iterate to the trap's edge; Kramers's small-noise picture does "
                "not apply")
    return (f"ΔU/T = {barrier_over_t:.3g}: Kramers is the ΔU/T → ∞ limit (the claim asks for "
            f"ΔU/T ≫ 1); its first Laplace correction alone is 5T/(18ΔU) = "
            f"{5 / (18 * barrier_over_t):.0%}, and the discrete chain's O((ηλ)²) prefactor is "
            "not derived: its error is measured, no bound claimed")


HEAVY_BALL = ("a comparison: the two-step root bounds the least ever-escaping ηλ from above "
              "only (later swings lower it by an amount not derived)")


def slope_breakdown(eta_lam: float) -> str:
    """Why the fitted slope of ln(k_SGD/k_SDE) against (ηλ)²/30 is measured."""
    return (f"the T → 0 slope is (ηλ)²/30 + (ηλ)⁴/180 + … ({eta_lam**2 / 6:.2g} relative from "
            "the second term, derived), but the fit over ΔU/T = 12…24 also carries the "
            "prefactor's O(T/ΔU) drift, whose constant is not derived")


def crisis_role(u0: float, tolerance: float) -> dict[str, Any]:
    """The crisis row's role from x₀ = −u₀c: the proved bracket [3, 1/u₀] where u₀ < 1/3."""
    if 3 * u0 >= 1:
        return {"breakdown": f"|x₀| = {u0:g}c ≥ c/3: the start is outside the trapped "
                             "interval of ηλ = 3, the crisis does not decide"}
    return {"bound": 1 - 3 * u0 + tolerance / 3,
            "bound_reason": "proved: the least ηλ lies in [3, c/|x₀|] (trapped interval "
                            "below 3, one-step escape above c/|x₀|), plus the bisection"}
