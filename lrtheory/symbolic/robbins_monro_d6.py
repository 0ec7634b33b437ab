"""The derivation of claim D6 (Robbins–Monro conditions, power-law rates η_t = c·t^(−p)),
computed with SymPy from the SGD step e ← e − η_t(λe + ξ) by the methods of
:mod:`lrtheory.symbolic.robbins_monro` (p-series test, dominant balance, homogeneous
exponents, the integrating factor, Γ-function limits): :func:`d6_derivation` (cached)."""

from __future__ import annotations

from functools import cache
from typing import Any

import sympy as sp

from lrtheory.symbolic.lyapunov import XI, V, X, affine_fixed_point
from lrtheory.symbolic.moments import centred_moments, expectation, gaussian_moments
from lrtheory.symbolic.robbins_monro import (
    ELL,
    U,
    expansion_coefficients,
    homogeneous_exponent,
    infinite_product,
    integrating_factor_solution,
    p_series_convergence,
)

lam, c, sigma, B = sp.symbols("lambda c sigma B", positive=True)
t = sp.Symbol("t", positive=True)
k = sp.Symbol("k", positive=True, integer=True)
p_, q_, kappa, w = sp.symbols("p q kappa w", positive=True)
A1, A2, B0, C0 = sp.symbols("A_1 A_2 B_0 C")
S2 = sigma**2 / B

@cache
def d6_derivation() -> dict[str, Any]:
    """Every closed form of D6, computed from the SGD step e ← e − η_t(λe + ξ)."""
    eta = sp.Symbol("eta", positive=True)
    rhs = expectation((X - eta * (lam * X + XI)) ** 2,
                      {X: centred_moments(V), XI: gaussian_moments(S2)})

    def at(p: sp.Expr) -> sp.Expr:  # step t → t + 1 uses η_{t+1} = c(t + 1)^(−p), t ≥ 0
        return rhs.subs(eta, c * (t + 1) ** (-p))

    r: dict[str, Any] = {"rhs": rhs}
    conv = p_series_convergence(q_, t)
    r["p_series"] = conv
    r["diverges"] = sp.Complement(sp.Interval(0, sp.oo), conv)          # Σ c t^(−p) = ∞
    r["squares"] = sp.solveset(conv.as_relational(2 * p_), p_, sp.Interval(0, sp.oo))
    r["rm"] = sp.Intersection(r["diverges"], r["squares"])
    r["rm_members"] = sp.FiniteSet(*(p for p in (0, sp.S.Half, 1, 2) if r["rm"].contains(p)))
    # p = 0: a constant rate stalls at the fixed point of the variance map.
    r["floor"] = affine_fixed_point(at(0), V)
    # p = ½: dominant balance in u = t^(−1/2).
    r["half"] = expansion_coefficients(at(sp.S.Half), V, t, A1 * U + A2 * U**2, [A1, A2], 2, 3)
    r["half_homogeneous"] = homogeneous_exponent((1 - lam * c * (t + 1) ** -sp.S.Half) ** 2, t, 2)
    # κ > 0 (declared), so the integral converges: no convergence conditions to carry.
    r["borel_cantelli"] = sp.integrate(2 * w * sp.exp(-kappa * w), (w, 0, sp.oo), conds="none")
    # p = 1: dominant balance in u = 1/t, the homogeneous exponent, the boundary λc = ½.
    r["one"] = expansion_coefficients(at(1), V, t, A1 * U + A2 * U**2, [A1, A2], 1, 3)
    r["one_homogeneous"] = homogeneous_exponent((1 - lam * c / (t + 1)) ** 2, t, 1)
    half_c = 1 / (2 * lam)
    r["boundary"] = expansion_coefficients(at(1).subs(c, half_c), V, t, (A1 * ELL + B0) * U,
                                           [A1, B0], 1, 2)
    r["ode"] = integrating_factor_solution(c / t, lam, S2, t, C0)
    generic, boundary = (piece.expr for piece in r["ode"].args)
    r["ode_particular"] = sp.simplify(generic.subs(C0, 0) * t)
    r["ode_boundary"] = sp.simplify(boundary.subs(C0, 0) * t / sp.log(t)).subs(c, half_c)
    r["quasi_static"] = sp.simplify(c / t * S2 / (2 * lam) * t)   # η_tσ²/(2Bλ) times t
    r["quasi_static_ratio"] = sp.factor(r["one"][A1] / r["quasi_static"])
    # p = 2: Σ η_t < ∞, the factor ∏(1 − λc/t²) and the stall.
    r["sum_two"] = sp.summation(c / k**2, (k, 1, sp.oo))
    r["two_homogeneous"] = homogeneous_exponent((1 - lam * c / (t + 1) ** 2) ** 2, t, 1)
    r["euler"] = infinite_product(1 - lam * c / k**2, k, 1)
    r["zeta4"] = sp.summation(k ** -4, (k, 1, sp.oo))
    m0 = sp.Symbol("m_0", nonnegative=True)
    q_inf = (r["euler"] / (1 - lam * c)) ** 2                        # ∏_{t≥2}(1 − λc/t²)²
    r["stall_lo"] = r["euler"] ** 2 * m0 + c**2 * S2 * q_inf * r["zeta4"]
    r["stall_hi"] = r["euler"] ** 2 * m0 + c**2 * S2 * r["zeta4"]
    return r
