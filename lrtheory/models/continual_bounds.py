"""How far the mean-field ODE of claim G3 can be from the discrete SGD model: proved bounds.

The discrete model's exact expectations are (:func:`lrtheory.models.continual.
discrete_expectations`) 1 − P_T = Π_{k<T}(1 − aη_k) and R_T = exp(−bΣ_{k<T}η_k²); the ODE's
are 1 − P = exp(−a∫₀ᵀη) and R = exp(−b∫₀ᵀη²). Two facts bound the gap:

* a left Riemann sum is within the summed per-step oscillation of its integral,
  |Σ_{k<T} f(k) − ∫₀ᵀ f| ≤ V(f) := Σ_k osc_[k,k+1) f
  (:func:`lrtheory.models.schedule_noise.riemann_swing`);
* 0 ≤ −ln(1 − x) − x ≤ x²/(2(1 − x)) for 0 ≤ x < 1.

Hence |ln R_T^ODE − ln R_T| ≤ bV(η²), and |ln(1 − P_T) − ln(1 − P_T^ODE)| ≤ Δ with
Δ = aV(η) + a²(∫η² + V(η²))/(2(1 − aη_max)); with e = 1 − P^ODE the relative gaps are at most
e^{bV(η²)} − 1 for R and e(e^Δ − 1)/(1 − e·e^Δ) for P (where e·e^Δ < 1).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from lrtheory.claim import ModelCheck
from lrtheory.models.rounding import EPS
from lrtheory.models.schedule_noise import riemann_swing

ScheduleFactory = Callable[[float, float], Any]


def mean_field_rows(schedules: Sequence[tuple[str, ScheduleFactory]], eta0: float,
                    total: float, a: float, b: float,
                    closed: Callable[[str], tuple[float, float]],
                    discrete: Callable[[int], tuple[float, float]]) -> list[ModelCheck]:
    """For each schedule (name, factory(η₀, T)), the rows "P_T (R_T), discrete SGD model vs
    ODE": ``closed(name)`` gives the ODE's (P_T, R_T), ``discrete(j)`` the discrete model's
    for the j-th schedule; each row is held to the bound of the module docstring."""
    steps = int(total)
    rows: list[ModelCheck] = []
    for j, (name, factory) in enumerate(schedules):
        rate = factory(eta0, total)
        p_ode, r_ode = closed(name)
        got = discrete(j)
        v1, v2 = riemann_swing(rate, steps, 1), riemann_swing(rate, steps, 2)
        second = -math.log(r_ode) / b  # ∫η² from the closed form
        peak = max(float(rate(float(k))) for k in range(steps))
        rounding = 16 * EPS * (steps + 2) * (1 + b * second) / min(p_ode, r_ode)
        delta = a * v1 + a * a * (second + v2) / (2 * (1 - a * peak))
        e = 1 - p_ode
        grow = e * math.exp(delta)
        for i, (q, form) in enumerate((("P", "1 − Π(1 − aη_k)"), ("R", "exp(−bΣη_k²)"))):
            cf = (p_ode, r_ode)[i]
            row = f"{name}: {q}_T, discrete SGD model vs ODE"
            kw: dict[str, Any]
            if q == "R":
                kw = {"bound": math.expm1(b * v2) + rounding,
                      "bound_reason": f"proved: |ln R_ODE − ln R| ≤ b·Σ_k osc η² = {b * v2:.3g} "
                                      "(left Riemann sum), plus rounding"}
            elif a * peak < 1 and grow < 1:
                kw = {"bound": e * math.expm1(delta) / (1 - grow) + rounding,
                      "bound_reason": f"proved: |ln(1 − P_ODE) − ln(1 − P)| ≤ a·Σ_k osc η + "
                                      f"a²(∫η² + Σ_k osc η²)/(2(1 − aη_max)) = {delta:.3g}, "
                                      "plus rounding"}
            else:
                kw = {"breakdown": f"aη_max = {a * peak:.3g}: the proved bound on the skill "
                                   f"gap (exponent {delta:.3g}) is vacuous here"}
            rows.append(ModelCheck(row, cf, got[i], 0.0, f"mean-field limit of {form}",
                                   exact=False, **kw))
    return rows
