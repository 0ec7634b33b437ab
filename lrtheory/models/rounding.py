"""Rounding bounds for float64 recursions: the numerical tolerance of exact-model checks."""

from __future__ import annotations

import numpy as np

from lrtheory.errors import check_reals

EPS = float(np.finfo(np.float64).eps)
RECURSION_ROUNDING_REASON = (
    "float64 rounding: ≤ 4ε of the largest magnitude per step of the recursion")


def recursion_rounding(steps: int, magnitude: float) -> float:
    """Rounding a float64 recursion of ``steps`` steps can accumulate on values of size
    ≤ ``magnitude``: 4ε per step, plus 8 steps' worth for evaluating the closed form."""
    check_reals("steps", steps, 0.0, lo_open=False)
    check_reals("magnitude", magnitude, 0.0, lo_open=False)
    return 4.0 * EPS * (steps + 8) * magnitude


def gamma(k: int) -> float:
    """Higham's γ_k = ku/(1 − ku), u = ε/2: the relative error of a k-term dot product."""
    u = EPS / 2.0
    check_reals("k", k, 0.0, 1.0 / u, lo_open=False)
    return k * u / (1.0 - k * u)
