"""Claim D6's approximation rows and their envelopes (split from
:mod:`lrtheory.claims.robbins_monro`): how far each approximate form may be from the exact
E[e_T²].

The power-law rates η_t = c·t^(−p) give asymptotic series for m_t = E[e_t²] (derived by
dominant balance, :mod:`lrtheory.symbolic.robbins_monro_d6`):

* p = ½: m_t = A₁u + A₂u² + A₃u³ + …, u = t^(−1/2); the homogeneous part decays like
  exp(−4λc√t), faster than any power of t, so it never enters the series;
* p = 1: m_t = A₁/t + A₂/t² + A₃/t³ + … plus a homogeneous part ∝ t^(−2λc) whose amplitude
  depends on the whole early path and is *not* derived.

A form truncated after k terms is held to its first neglected term N (derived coefficient),
doubled for the orders beyond it (each smaller by a further factor u): relative error ≤
2|N|/(closed − 2|N|), since m ≥ closed − 2|N|. That needs N to be the largest neglected
term: for p = 1 the homogeneous part, of relative order T^(1−2λc), must decay faster than N,
i.e. 2λc − 1 > k, else the row documents a breakdown (amplitude not derived). A log-log
slope between T/10 and T is held the same way to the slope of N's correction.

For p = 2 (Σ η_t < ∞) the stall m_{T/10} ≈ m_T is bounded without asymptotics: each step
changes m by η_t²s² − (1 − (1 − λη_t)²)m_t, so |m_T − m_{T/10}| ≤ max(c²s²Σt^(−4),
2λc·max m·Σt^(−2)), with max m and m_T from the derived stall bracket.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache
from typing import Any

import sympy as sp

from lrtheory.claim import ModelCheck
from lrtheory.models.robbins_monro import stall_bracket
from lrtheory.models.rounding import EPS
from lrtheory.symbolic.lyapunov import V
from lrtheory.symbolic.robbins_monro import U, expansion_coefficients
from lrtheory.symbolic.robbins_monro_d6 import A1, A2, B, c, d6_derivation, lam, sigma, t

A3 = sp.Symbol("A_3")
DOUBLED = "the first neglected term {term} (derived coefficient), doubled for the orders beyond"


@cache
def _third_order() -> dict[float, Callable[..., Any]]:
    """A₃ of the series for p = ½ (in u = t^(−1/2)) and p = 1 (in u = 1/t) as functions of
    (c, λ, σ, B), from the same dominant balance as A₁ and A₂, one order further."""
    r, eta = d6_derivation(), sp.Symbol("eta", positive=True)
    out = {}
    for p, k in ((sp.S.Half, 2), (sp.Integer(1), 1)):
        rhs = r["rhs"].subs(eta, c * (t + 1) ** (-p))
        sol = expansion_coefficients(rhs, V, t, A1 * U + A2 * U**2 + A3 * U**3, [A1, A2, A3],
                                     k, 4)
        out[float(p)] = sp.lambdify((c, lam, sigma, B), sol[A3], "math")
    return out


def third_coefficient(p: float, c_: float, lam_: float, sigma_: float, batch: float) -> float:
    """The derived A₃ for η_t = c·t^(−p), p ∈ {½, 1} (p = 1: a pole at 2λc = 3, where the
    t^(−3) term resonates with the homogeneous t^(−2λc))."""
    return float(_third_order()[p](c_, lam_, sigma_, batch))


def recursion_rounding(steps: int) -> float:
    """Relative float64 rounding of m_T after T positive multiply-adds: ≤ 4Tε."""
    return 4 * steps * EPS


def _row(name: str, closed: float, model: float, envelope: float, reason: str,
         breakdown: str) -> ModelCheck:
    if not breakdown and 0.0 < envelope < 1.0:
        return ModelCheck(name, closed, model, 0.0, "approximation", exact=False,
                          bound=envelope, bound_reason=reason)
    return ModelCheck(name, closed, model, 0.0, "approximation", exact=False,
                      breakdown=breakdown or f"no envelope below 100 % ({reason}: "
                                             f"{envelope:.3g})")


def asymptotic(name: str, closed: float, model: float, neglected: float, steps: int,
               term: str, breakdown: str = "") -> ModelCheck:
    """A truncated series ``closed`` against the exact m_T, held to 2|N|/(closed − 2|N|)
    for its first neglected term N = ``neglected`` (named ``term``), plus the recursion's
    rounding; a breakdown row saying ``breakdown`` where that is given."""
    tail = 2 * abs(neglected)
    envelope = tail / (abs(closed) - tail) if abs(closed) > tail else math.inf
    return _row(name, closed, model, envelope + 2 * recursion_rounding(steps) + 4 * EPS,
                DOUBLED.format(term=term), breakdown)


def slope(name: str, exponent: float, measured: float, deviation: float, steps: int,
          term: str, breakdown: str = "", exact_form: bool = False) -> ModelCheck:
    """The log-log slope of m_t between T/10 and T (``measured``) against the power law's
    ``exponent``: the first neglected term shifts it by ``deviation`` (derived); held to
    2|deviation| (plus the rounding of log(m_T/m_{T/10})) over |exponent| − that; an
    ``exact_form`` (the power law exact, deviation 0) to the rounding alone."""
    shift = 2 * abs(deviation) + (4 * recursion_rounding(steps) + 4 * EPS) / math.log(10)
    envelope = shift / (abs(exponent) - shift) if abs(exponent) > shift else math.inf
    reason = ("exact: m_t = A₁/t (A₂ = 0), the float rounding of log(m_T/m_{T/10}) only"
              if exact_form else DOUBLED.format(term=term))
    return _row(name, exponent, measured, envelope + 4 * EPS, reason, breakdown)


def stall(name: str, a: float, c_: float, noise_var: float, m0: float, early: float,
          late: float, steps: int) -> ModelCheck:
    """m_{T/10} (``early``) as the stalled value of m_T (``late``) for η_t = c/t², a = λc:
    |m_T − m_{T/10}| ≤ max(c²s²Σ_{T/10<j≤T} j^(−4), 2a·M·Σ_{T/10<j≤T} j^(−2)) (the two
    parts of a step have opposite signs), M ≤ the derived upper bracket at T/10 plus the
    noise still to come, over the lower bracket at T."""
    first = steps // 10
    noise = c_**2 * noise_var
    _, hi_first = stall_bracket(a, c_, noise_var, m0, first)
    lo_last, _ = stall_bracket(a, c_, noise_var, m0, steps)
    biggest = hi_first + noise / (3 * first**3)
    change = max(noise * (first ** -3.0 - steps ** -3.0) / 3,
                 2 * a * biggest * (1 / first - 1 / steps))
    envelope = change / lo_last + 2 * recursion_rounding(steps) + 4 * EPS
    return _row(name, early, late, envelope,
                "proved: each step moves m by η²s² − (2λη − λ²η²)m, summed over (T/10, T], "
                "over the derived lower bracket at T", "")


def homogeneous_breakdown(a: float, k: int) -> str:
    """Why a k-term series for η = c/t has no envelope at λc = ``a`` ('' where it has one):
    the homogeneous part, of relative order T^(1−2λc) with an amplitude not derived, is not
    below the first neglected term's T^(−k). At a whole λc the factor 1 − λc/t vanishes at
    t = λc and wipes the homogeneous part out exactly."""
    if 2 * a - 1 > k or a == round(a):
        return ""
    return (f"the homogeneous part ∝ T^(−2λc) (relative T^{1 - 2 * a:+g}) is not below the "
            f"first neglected term (relative T^{-k}) and its amplitude is not derived"
            + (" (2λc = 3: A₃ has a pole)" if 2 * a == 3 else ""))


def one_slope(a: float, ratio: float, measured: float, steps: int) -> ModelCheck:
    """The log-log slope of m_t over [T/10, T] for η = c/t (``measured``) against
    −min(1, 2λc): for λc > ½ the 1/T law shifted by A₂/(A₁t) (``ratio`` = A₂/A₁; at λc = 1
    the exact 1/t, rounding only); at and below ½ the log T/T and T^(−2λc) laws, whose
    second constant (homogeneous) is not derived."""
    first = steps // 10
    deviation = ratio * (1 / steps - 1 / first) / math.log(steps / first)
    why = homogeneous_breakdown(a, 1) if a > 0.5 else (
        "boundary: the law is (A₁ log t + B₀)/t, its local slope −1 + 1/(ln t + B₀/A₁) with "
        "B₀ not derived" if a == 0.5 else
        "outside: the T^(−2λc) law's amplitude, and so the shift by the 1/T part, is not "
        "derived")
    return slope(f"η = c/t: log-log slope over [T/10, T] vs −min(1, 2λc) = "
                 f"{-min(1.0, 2 * a):g}", -min(1.0, 2 * a), measured, deviation, steps,
                 "A₂/(A₁t)", why, exact_form=a == 1.0)


__all__ = ["asymptotic", "homogeneous_breakdown", "one_slope", "recursion_rounding", "slope",
           "stall", "third_coefficient"]
