"""Claim D4's approximation rows and their envelopes (split from
:mod:`lrtheory.claims.sde_schedules`).

**The SDE against the exact recursion.** The SDE's one-step flow differs from the
recursion's step in its decay (it drops η²λ²m) and in its noise (injected at the rate
η(t)² through the step instead of η_k² at once); carried to T by the SDE's own decay, the
two defects of the exact path bound |V(T) − m_T| (:func:`lrtheory.models.schedule_ranking.
sde_gap_bound`, no use of the SDE's solution). The claim puts the SDE's accuracy at O(η₀λ):
where the peak η_tλ reaches 1 the exact factor (1 − ηλ)² is nowhere near e^{−2ηλ} and the
row documents the breakdown.

**Tracking under slow decay.** With V_ad = η(t)s²/(2λ) and the adiabatic orders V₁ =
V_ad(1 + ε), V₂ (:func:`lrtheory.symbolic.sde_moments.adiabatic_series`), the error y = V − V_k
of order k obeys y′ = −2ληy + 2λη(V_{k+1} − V_k) (V_{k+1} − V_k = (V_{k−1}′ − V_k′)/(2λη),
V_{−1}′ := 0), so

    |y(t)| ≤ e^{−2λI(t)}|V₀ − V_k(0)| + max_{[0, t]}|V_{k+1} − V_k|·(1 − e^{−2λI(t)}),

I = ∫₀ᵗη: the start's mismatch decays, and the lag is at most the next order's largest
size. Relative to V ≥ V_k − |y| that is the envelope (the maximum read on a grid of
:data:`GRID` points); where it is not below 1 the decay is not slow (ε ≳ ½) and the row
documents the breakdown.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import sympy as sp
from scipy.integrate import quad

from lrtheory.claim import ModelCheck
from lrtheory.models import schedule_ranking as sr
from lrtheory.models import sde_moments as sm
from lrtheory.models.rounding import EPS
from lrtheory.symbolic import sde_moments as ss

GRID = 2001
_LAM, _S2 = sp.symbols("lambda s2", positive=True)
_RATE = sp.symbols("e0:3")  # η, η′, η″


@cache
def _orders() -> list[Callable[..., Any]]:
    """[V_ad, V₁, V₂] as NumPy functions of (η, η′, η″, λ, s²), derived."""
    t, eta = ss.TIME, ss.ETA(ss.TIME)
    out = []
    for term in ss.adiabatic_series(_LAM, _S2, 2):
        expr = term.subs(sp.Derivative(eta, (t, 2)), _RATE[2]).subs(
            sp.Derivative(eta, t), _RATE[1]).subs(eta, _RATE[0])
        out.append(sp.lambdify((*_RATE, _LAM, _S2), expr, "numpy"))
    return out


def adiabatic_row(name: str, closed: float, sde: float, sde_error: float,
                  named: sm.NamedSchedule, lam: float, s2: float, v0: float, time: float,
                  order: int) -> ModelCheck:
    """The adiabatic order ``order`` (0: V_ad, 1: V_ad(1 + ε)), ``closed`` at ``time``,
    against the SDE's value ``sde`` (within ``sde_error``), from V(0) = ``v0``: held to the
    envelope of the module docstring where it is below 1."""
    grid = np.linspace(0.0, time, GRID)
    rates = [np.array([sm.rate_at(named, g, k) for g in grid]) for k in range(3)]
    forms = _orders()
    here, after = (np.asarray(forms[j](*rates, lam, s2), dtype=float) for j in (order, order + 1))
    decay = math.exp(-2.0 * lam * quad(lambda x: sm.rate_at(named, x), 0.0, time,
                                       limit=200)[0])
    lag = decay * abs(v0 - float(here[0])) + float(np.max(np.abs(after - here))) * (1 - decay)
    slack = lag + sde_error
    envelope = slack / (float(here[-1]) - slack) if float(here[-1]) > slack else math.inf
    what = ("V₁ − V_ad = εV_ad" if order == 0 else "V₂ − V₁")
    if envelope < 1.0:
        return ModelCheck(name, closed, sde, 0.0, "approximation", exact=False,
                          bound=envelope + 32 * EPS,
                          bound_reason=f"proved: the start's mismatch decayed, plus the largest "
                                       f"{what} on [0, t] (max on {GRID} points), plus the "
                                       "ODE solver's bound")
    return ModelCheck(name, closed, sde, 0.0, "approximation", exact=False,
                      breakdown=f"decay not slow against the relaxation 1/(2λη): the lag "
                                f"bound ({what}) is not below the value itself (envelope "
                                f"{envelope:.3g}); tracking is not claimed here")


def sde_row(name: str, sde: float, exact: float, gap: float, sde_error: float,
            peak: float, steps: int) -> ModelCheck:
    """The SDE's V(T) (``sde``, within ``sde_error``) against the recursion's m_T: held to
    (|V − m| bound ``gap`` + ``sde_error``)/m_T, plus the recursion's rounding, where the
    peak η_tλ (``peak``) is below 1 and that is below 1."""
    envelope = (gap + sde_error) / exact + 4 * (steps + 8) * EPS
    if peak < 1.0 and envelope < 1.0:
        return ModelCheck(name, sde, exact, 0.0, "approximation", exact=False, bound=envelope,
                          bound_reason="proved: the exact path's one-step defects in the SDE's "
                                       "flow (dropped η²λ²m; noise at rate η(t)² vs η_t²), "
                                       "carried by the SDE's decay, plus the solver's bound")
    why = (f"peak η_tλ = {peak:.3g} ≥ 1: the exact factor (1 − ηλ)² is far from e^{{−2ηλ}}; "
           "the SDE is not claimed here" if peak >= 1.0 else
           f"no envelope below 100 % (the defect bound gives {envelope:.3g})")
    return ModelCheck(name, sde, exact, 0.0, "approximation", exact=False, breakdown=why)


def sde_rows(schedules: tuple[sm.NamedSchedule, ...], lam: float, s2: float,
             path: sm.MomentPath, moments: Any, steps: int) -> list[ModelCheck]:
    """One :func:`sde_row` per schedule at T: the SDE's V(T) (``path``'s last time, with
    its bound) against the recursion's m_T (``moments``: m_0 … m_T, shape (T + 1, S))."""
    m = np.asarray(moments, dtype=float)
    gap = sr.sde_gap_bound(schedules, [lam], s2, m[:, :, None], steps)[:, 0]
    peaks = np.max(sm.rates(schedules, steps), axis=0) * lam
    return [sde_row(f"{named.name}: SDE V(T) (solve_ivp) vs exact recursion m_T",
                    float(path.values[-1, j, 0]), float(m[-1, j]), float(gap[j]),
                    float(path.bounds[-1]), float(peaks[j]), steps)
            for j, named in enumerate(schedules)]


__all__ = ["adiabatic_row", "sde_row", "sde_rows"]
