"""Clipped gradient descent on f(x) = (λ/2)x²: the map in floats, arrays and exact rationals.

    F(x) = x − η·clip(λx),   clip(g) = g·min(1, C/|g|),

the linear branch (1 − ηλ)x for |x| ≤ C/λ and the clipped branches x − ηC·sgn x beyond.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np

from lrtheory.errors import ParameterError, check_int, check_positive
from lrtheory.models.rounding import EPS

__all__ = ["EPS", "check_clipping", "clipped_gd_step", "exact_landing", "exact_step",
           "predicted_landing"]




def check_clipping(eta: float, lam: float, C: float) -> tuple[float, float, float]:
    """Validate the clipped-GD parameters: η, λ and C must be positive and finite."""
    return check_positive("eta", eta), check_positive("lam", lam), check_positive("C", C)


def clipped_gd_step(x: Any, eta: float, lam: float, C: float, xp: Any = np) -> Any:
    """One step x − η·clip(λx) on arrays; clip(g) = g·min(1, C/|g|) is the clamp to [−C, C]."""
    eta, lam, C = check_clipping(eta, lam, C)
    return x - eta * xp.clip(lam * x, -C, C)


def exact_step(x: Fraction, eta: Fraction, lam: Fraction, C: Fraction) -> Fraction:
    """The source's update in exact rational arithmetic, clip(g) = g·min(1, C/|g|)
    (the minimum is 1 unless |g| > C, so C/|g| is only formed there)."""
    g = lam * x
    return x - eta * (g * (C / abs(g)) if abs(g) > C else g)


def exact_landing(x0: Fraction, eta: Fraction, lam: Fraction, C: Fraction,
                  horizon: int) -> tuple[int | None, Fraction, Fraction]:
    """Iterate exactly until x_{t+2} = x_t (x_t has period 1 or 2): (t, x_t, x_{t+1}).

    Returns (None, x_T, x_{T+1}) if no such t ≤ ``horizon`` exists.
    """
    check_clipping(float(eta), float(lam), float(C))
    check_int("horizon", horizon, 0)
    a, b = x0, exact_step(x0, eta, lam, C)
    for t in range(horizon + 1):
        c = exact_step(b, eta, lam, C)
        if c == a:
            return t, a, b
        a, b = b, c
    return None, a, b


def predicted_landing(x0: Fraction, eta: Fraction, lam: Fraction,
                      C: Fraction) -> tuple[int, Fraction]:
    """The derived landing map for ηλ ≥ 2, in units u = λx/C, a = ηλ: (steps, landing point).

    |u₀| > a − 1 descends by a per step to w = |u₀| − ka ∈ (−1, a − 1], k = ⌈(|u₀| − a + 1)/a⌉;
    a w with 1 ≤ |w| (or any w when a = 2, or w = 0) is on a cycle already; otherwise the
    linear branch multiplies by 1 − a until the first n with (a − 1)ⁿ|w| ≥ 1.
    """
    check_clipping(float(eta), float(lam), float(C))
    a, unit = eta * lam, C / lam
    if a < 2:
        raise ParameterError("eta", float(eta), f"at least 2/lam = {float(2 / lam):g}")
    sign, v = (1 if x0 >= 0 else -1), abs(x0) / unit
    k = max(0, math.ceil((v - (a - 1)) / a))
    w = v - k * a
    n = 0
    while a > 2 and w != 0 and abs(w) * (a - 1) ** n < 1:
        n += 1
    return k + n, sign * w * (1 - a) ** n * unit
