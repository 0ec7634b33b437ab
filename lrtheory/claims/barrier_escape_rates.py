"""Claim D8's exact escape rates against Kramers over ΔU/T (split from
:mod:`lrtheory.claims.barrier_escape`): the well, Kramers's rate on it, the rate ratios of
the SDE and of SGD at two ηλ (:func:`rate_ratios`), the validity domain they give and the
model rows of the discrete-time barrier shift (:func:`slope_model`).
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np

from lrtheory.claim import ModelCheck, Point, ValidityDomain
from lrtheory.claims import barrier_escape_roles as roles
from lrtheory.models import barrier_escape as be
from lrtheory.symbolic import barrier_escape as sb

WELL = be.CubicWell(1.0, 1.0)  # λ = c = 1, ΔU = 1/6: every threshold below is in units of 1/λ
QUARTIC = be.QuarticWell(1.0, 1.0)  # ΔU((x/a)² − 1)²: curvatures 8 and −4 (a prefactor test)


def kramers_rate(temperature: float) -> float:
    """Kramers's rate k on :data:`WELL` at temperature T (per unit SDE time)."""
    return float(sb.kramers_functions()["rate"](WELL.lam, WELL.lam, WELL.barrier, temperature))


RATIOS = (1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0, 20.0, 24.0)  # ΔU/T
DISCRETE = (0.1, 0.6)  # ηλ of the SGD curves; the validity domain is the first


@cache
def rate_ratios() -> dict[str, tuple[float, ...]]:
    """Exact rate / Kramers rate at each ΔU/T: the SDE's exact mean escape time (Simpson)
    for the cubic (exit 2c) and the quartic (exit +a), and the discrete chain's 1/(ηE[τ])
    (Nyström law with its quasi-stationary tail) at each ηλ of :data:`DISCRETE`."""
    out: dict[str, list[float]] = {"sde": [], "quartic": [], **{f"h={h}": [] for h in DISCRETE}}
    qk = sb.kramers_functions()["rate"]
    for r in RATIOS:
        T = WELL.barrier / r
        k = kramers_rate(T)
        out["sde"].append(1.0 / (be.sde_escape_time(WELL, T, 2.0, -2.0) * k))
        tq = QUARTIC.depth / r
        kq = qk(8.0, 4.0, QUARTIC.depth, tq)
        out["quartic"].append(1.0 / (be.sde_escape_time(QUARTIC, tq, 1.0, -2.5) * kq))
        for h in DISCRETE:
            chain = be.EscapeChain(WELL, h, math.sqrt(2.0 * T / h), 2.0)
            out[f"h={h}"].append(1.0 / (h * be.mean_escape_steps(chain, 0.0) * k))
    return {key: tuple(v) for key, v in out.items()}


def validity() -> ValidityDomain:
    """Kramers against the exact SGD rate at ηλ = DISCRETE[0] over ΔU/T."""
    ratios = rate_ratios()
    err = tuple(v - 1.0 for v in ratios[f"h={DISCRETE[0]}"])
    sde, fast = ratios["sde"], ratios[f"h={DISCRETE[1]}"]
    return ValidityDomain(
        statement=(
            f"Kramers's rate against the exact escape rate 1/(ηE[τ]) of SGD at ηλ = "
            f"{DISCRETE[0]}: off by {err[0]:+.0%} at ΔU/T = 1, {err[2]:+.0%} at 2, "
            f"{err[6]:+.1%} at 8 and {err[-1]:+.1%} at 24. Two errors meet here: the O(T/ΔU) "
            f"error of the Laplace step (the SDE's exact rate is still {sde[-1] - 1:+.1%} off "
            f"at 24) and the discrete chain's lower barrier ΔU(1 − (ηλ)²/30), which makes the "
            f"ratio grow like e^{{(ηλ)²ΔU/(30T)}} without bound: at ηλ = {DISCRETE[1]} it is "
            f"{fast[2]:.2f} at ΔU/T = 2, {fast[6]:.2f} at 8 and {fast[-1]:.2f} at 24. Kramers "
            f"needs ΔU/T ≫ 1 and (ηλ)²ΔU/T ≪ 30; at fixed ηλ it fails again as T → 0."),
        parameter="ΔU/T",
        values=RATIOS,
        errors=err,
        error_label=f"k_exact/k_Kramers − 1 (SGD, ηλ = {DISCRETE[0]})")


def slope_model(point: Point) -> list[ModelCheck]:
    """ln(k_SGD/k_SDE) against ΔU/T, fitted over ΔU/T ≥ ``fit_from`` of :data:`RATIOS`: its
    slope should tend to the derived (ηλ)²/30 as ηλ → 0 (the next term is (ηλ)⁴/180)."""
    ratios, pick = rate_ratios(), np.array(RATIOS) >= point.params["fit_from"]
    out = []
    for h in DISCRETE:
        y = np.log(np.array(ratios[f"h={h}"]) / np.array(ratios["sde"]))[pick]
        slope = float(np.polyfit(np.array(RATIOS)[pick], y, 1)[0])
        out.append(ModelCheck(
            f"ηλ = {h}: slope of ln(k_SGD/k_SDE) in ΔU/T, derived (ηλ)²/30 vs fit over "
            f"ΔU/T = {point.params['fit_from']:g}…{RATIOS[-1]:g}", h * h / 30.0, slope, 0.0,
            "approximation (asymptotic: T → 0, O(η³))", exact=False,
            breakdown=roles.slope_breakdown(h)))
    return out
