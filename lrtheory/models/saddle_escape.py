"""Gradient descent near a saddle of a 2-D quadratic: the escape design and rounding bounds.

On f(e) = ½eᵀHe with H = R·diag(λ₊, λ₋)·Rᵀ, λ₋ < 0 < λ₊, GD multiplies the component
c₋ = v₋·e along the negative eigenvector by g = 1 + η|λ₋| > 1 per step and c₊ by
q₊ = 1 − ηλ₊. A start with |c₋| = ε reaches r after L = ln(r/ε)/ln g steps (the count is
⌈L⌉); with |c₋| = εU, U ~ U(0, 1), the escape step τ has P(τ > k) = min(1, (r/ε)g^{−k}),
equal to 1 up to K = ⌊L⌋ and geometric after. The closed forms are derived (SymPy) by the
claim; this module builds the quadratic, chooses where to look (:func:`escape_design`) and
bounds how far floating-point rounding can move each simulated statistic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from lrtheory.errors import ParameterError, check_int, check_positive, check_real, float_array

FloatArray = np.ndarray[Any, Any]


def rotated_saddle(lam_pos: float, lam_neg: float, angle: float) -> tuple[FloatArray,
                                                                          FloatArray]:
    """H = R diag(λ₊, λ₋) Rᵀ (R the rotation by ``angle``), symmetrised, and v₋ = R e₂."""
    lam_pos = check_positive("lam_pos", lam_pos)
    lam_neg = check_real("lam_neg", lam_neg, hi=0.0)
    a = check_real("angle", angle)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    h = (rot * np.array([lam_pos, lam_neg])) @ rot.T
    return (h + h.T) / 2, rot[:, 1]


@dataclass(frozen=True)
class EscapeDesign:
    """Where a Monte Carlo of the escape looks: L = ln(r/ε)/ln g, K = ⌊L⌋, the cap
    M = K + ⌈3/ln g⌉ on τ and the step k* = K + ⌈ln 10/ln g⌉ where P(τ ≤ k*) ≈ 0.9."""

    L: float
    K: int
    M: int
    k_star: int


def escape_design(eta: float, lam_neg: float, ratio: float) -> EscapeDesign:
    """The :class:`EscapeDesign` for GD at rate η, negative eigenvalue λ₋, r/ε = ``ratio``
    (the predictions come from the derivation; these only choose where to look)."""
    eta = check_positive("eta", eta)
    lam_neg = check_real("lam_neg", lam_neg, hi=0.0)
    ratio = check_real("ratio", ratio, lo=1.0)
    lng = math.log1p(eta * abs(lam_neg))
    L = math.log(ratio) / lng
    K = math.floor(L)
    return EscapeDesign(L, K, K + math.ceil(3 / lng), K + math.ceil(math.log(10) / lng))


def escape_steps(growth: float, ratio: float) -> int:
    """Steps for c ← g·c to go from 1 to ≥ ``ratio``, by running the recursion (= ⌈L⌉
    unless rounding decides a near-integer L)."""
    growth = check_real("growth", growth, lo=1.0)
    ratio = check_positive("ratio", ratio)
    c, t = 1.0, 0
    while c < ratio:
        c, t = c * growth, t + 1
    return t


def growth_flip_bound(a: FloatArray, q: FloatArray, steps: int, step_error: float,
                      density: float, offset: float = 0.0) -> float:
    """First-order bound on the probability that rounding decides ‖e_T‖ > ‖e₀‖ (d = 2).

    Here e_T = diag(q)^T e₀ in the eigenbasis, a_i = q_i^{2T} − 1 with a₁a₂ < 0 (one
    direction grows, the other shrinks). Near the decision boundary every ‖e_t‖ ≤ √2‖e₀‖,
    so step t adds an error ≤ √2·``step_error``·‖e₀‖, grown by ≤ ρ^{T−t} (ρ = max|q_i|) by
    step T; an ``offset`` of the measured error (relative, at both ends) adds (1 + ρ^T)·
    offset. That moves F = ‖e_T‖² − ‖e₀‖² by ≤ 2Δ, Δ the sum. As a function of the start's
    angle φ, F = a₁cos²φ + a₂sin²φ vanishes at 4 angles with |F′| = 2√(−a₁a₂): a start flips
    only within Δ/√(−a₁a₂) of one of them, and ``density`` bounds the density of φ.
    """
    a, q = float_array("a", a), float_array("q", q)
    if a.shape != (2,) or q.shape != (2,) or not float(a[0] * a[1]) < 0:
        raise ParameterError("a", a, "two values of opposite sign (with two factors q)")
    steps = check_int("steps", steps, 1)
    rho = float(np.max(np.abs(q)))
    delta = math.sqrt(2) * step_error * sum(rho**j for j in range(steps)) + (
        1 + rho**steps) * offset
    return 8 * density * delta / math.sqrt(-float(a[0] * a[1]))


def escape_rounding_bias(delta: float, ratio: float, growth: float,
                         k_star: int) -> tuple[float, float]:
    """Bounds on the rounding bias of E[min(τ, M)] and of P(τ ≤ k*), δ the relative rounding
    of the iterates, |c₀| uniform on [0, ε].

    A flipped comparison |v₋·e_t| ≥ r needs |c_t| within √2·δ·r of r. It moves τ by one
    step; |c_t| is uniform on [0, εg^t], so this happens at step t with probability
    ≤ 2√2·δ(r/ε)g^{−t}: summed, a bias of the mean ≤ 2√2·δ(r/ε)g/(g − 1). Since consecutive
    |c_t| differ by g ≫ 1 + δ, the event τ ≤ k* flips only through the comparison at
    t = k*: probability ≤ 2√2·δ(r/ε)g^{−k*}.
    """
    growth = check_real("growth", growth, lo=1.0)
    unit = 2 * math.sqrt(2) * delta * ratio
    return unit * growth / (growth - 1), unit * growth ** (-k_star)
