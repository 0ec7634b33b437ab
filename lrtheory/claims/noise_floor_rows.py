"""Claim D5's approximation rows and their envelopes (split from
:mod:`lrtheory.claims.noise_floor`).

* The noise floor against E[L_T] under the constant rate: per direction the exact path is
  m_T = (1 − ηλ)^{2T}(m₀ − m_∞) + m_∞ (derived), so the floor is off by the transient
  Σ½λ_i(1 − ηλ_i)^{2T}|m₀ − m_∞,i| exactly (plus rounding).
* The SDE's E[L_T] against the recursion's: per direction the bound of
  :func:`lrtheory.models.schedule_ranking.sde_gap_bound`, summed with weights ½λ_i, plus the
  ODE solver's bound (rows built by :func:`lrtheory.claims.sde_schedules_rows.sde_row`).
* The SDE's cosine/linear-decay gap against the exact one: the two losses' bounds moved to
  their worst corners; where that exceeds the gap itself the SDE cannot tell which schedule
  ends lower and the row documents it.
"""

from __future__ import annotations

import math

import numpy as np

from lrtheory.claim import ModelCheck
from lrtheory.claims.sde_schedules_rows import sde_row
from lrtheory.models import nqm
from lrtheory.models import schedule_ranking as sr
from lrtheory.models import sde_moments as sm
from lrtheory.models.rounding import EPS


def floor_row(name: str, pr: sr.NQMProblem, floor: float, loss: float,
              tolerance: float) -> ModelCheck:
    """The constant rate's noise floor ``floor`` against its E[L_T] ``loss`` (within
    ``tolerance``, the recursion's rounding), held to the transient left at T."""
    u = pr.eta0 * pr.lam
    m_inf = pr.eta0 * pr.s2 / (pr.lam * (2.0 - u))
    left = float(np.sum(0.5 * pr.lam * (1.0 - u) ** (2 * pr.T) * np.abs(pr.m0 - m_inf)))
    envelope = (left * (1 + (2 * pr.T + 8) * EPS) + tolerance + 16 * EPS * floor) / loss
    if envelope < 1.0:
        return ModelCheck(name, floor, loss, 0.0, "approximation", exact=False,
                          bound=envelope + 4 * EPS,
                          bound_reason="exact: the transient Σ½λ_i(1 − ηλ_i)^{2T}|m₀ − m_∞,i| "
                                       f"= {left:.3g} left at T (derived path), plus rounding")
    return ModelCheck(name, floor, loss, 0.0, "approximation", exact=False,
                      breakdown=f"floor not reached: the transient left at T ({left:.3g}) is "
                                f"{left / loss:.0%} of E[L_T]")


def sde_rows(pr: sr.NQMProblem, exact: dict[str, float], first: str,
             second: str) -> list[ModelCheck]:
    """The SDE's E[L_T] against the recursion's for the schedules named in ``exact`` (their
    exact losses), then the SDE's ratio ``first``/``second`` − 1 against the exact one."""
    names = tuple(exact)
    chosen = sm.select(pr.schedules, names)
    path = sr.sde_final_path(pr, names)
    sde = dict(zip(names, map(float, nqm.expected_loss(pr.lam, path.values[-1])), strict=True))
    moments = nqm.sgd_second_moments(pr.lam, pr.s2, sm.rates(chosen, pr.T), pr.m0)
    half = 0.5 * pr.lam
    gap = sr.sde_gap_bound(chosen, pr.lam, pr.s2, moments, pr.T) @ half
    error = dict(zip(names, gap + float(path.bounds[-1] * np.sum(half)), strict=True))
    peaks = np.max(sm.rates(chosen, pr.T), axis=0) * float(np.max(pr.lam))
    rows = [sde_row(f"E[L_T] {name}: SDE (solve_ivp) vs exact recursion", sde[name],
                    exact[name], float(error[name]), 0.0, float(peaks[j]), pr.T)
            for j, name in enumerate(names)]
    held = all(rows[names.index(n)].bound is not None for n in (first, second))
    return [*rows, gap_row(f"{first}/{second} − 1: SDE vs exact recursion",
                           (sde[first], sde[second]), (exact[first], exact[second]),
                           (float(error[first]), float(error[second])), held)]


def gap_row(name: str, sde: tuple[float, float], exact: tuple[float, float],
            bounds: tuple[float, float], claimed: bool) -> ModelCheck:
    """The SDE's cosine/linear-decay ratio − 1 against the recursion's: with |SDE − exact|
    ≤ ``bounds`` for (cosine, linear decay), the ratio moves at most to the worse corner;
    held to that over |exact gap| where both losses are ``claimed`` (their SDE rows are
    held to envelopes) and it is below 1."""
    (c_hat, l_hat), (c, lin), (e_c, e_l) = sde, exact, bounds
    closed, model = c_hat / l_hat - 1, c / lin - 1
    worst = max((c + e_c) / (lin - e_l) - c / lin, c / lin - (c - e_c) / (lin + e_l)) \
        if lin > e_l else math.inf
    envelope = worst / abs(model) + 8 * EPS if model else math.inf
    if claimed and envelope < 1.0:
        return ModelCheck(name, closed, model, 0.0, "approximation", exact=False,
                          bound=envelope, bound_reason="proved: the two SDE losses' bounds "
                          "moved to the worst corner of the ratio")
    why = ("the SDE's losses are not held to an envelope here (peak ηλ ≥ 1)" if not claimed
           else f"the SDE's error bounds move the ratio by up to {worst:.3g}, not below the gap "
                f"{model:+.3g} itself: the SDE cannot tell which schedule ends lower here")
    return ModelCheck(name, closed, model, 0.0, "approximation", exact=False, breakdown=why)


__all__ = ["floor_row", "gap_row", "sde_rows"]
