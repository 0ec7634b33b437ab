"""A PI controller on the learning rate in closed loop, derived with SymPy (claim G5).

The plant is one GD step on λθ²/2 measured by its gradient-norm ratio y = |1 − ηλ|
(:func:`lrtheory.optimizers.gradient_step`), and the PI law in velocity form moves
u = log η (:func:`lrtheory.models.controller.loop_step`); the derivation runs on those very
functions. In x = log(ηλ) the loop does not involve λ. At the lower equilibrium ηλ = 1 − y*
its Jacobian and characteristic polynomial z² − (1 − g(K_p + K_i))z − gK_p (g = 1 − y*) give
Jury's region gK_i > 0, g(2K_p + K_i) < 2, g|K_p| < 1 and the deadbeat gains; the upper
equilibrium ηλ = 1 + y* is unstable for every K_i > 0; the nonlinear remainder bounds the
basin; and a discrete Lyapunov equation gives Var(log η) under measurement noise.

:func:`derivation` assembles G5's steps and identities and the forms; :func:`numeric`,
:func:`evaluate`, :func:`radius`, :func:`matrix` and :func:`equilibrium` evaluate those forms
at a point's gains (K_p, K_i), target y* and noise σ, arrays of gains included.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import sympy as sp

from lrtheory.claim import Derivation, Identity, Step
from lrtheory.models.controller import gradient_ratio, linearisation, loop_step
from lrtheory.optimizers import gradient_step
from lrtheory.symbolic import lyapunov as sl
from lrtheory.symbolic.jury import jury_conditions, spectral_radius

THETA = sp.Symbol("theta", real=True, nonzero=True)
ETA, LAM, SIGMA = sp.symbols("eta lambda sigma", positive=True)
X, U, EPREV, XI, DELTA = sp.symbols("x u e_{t-1} xi delta", real=True)
KP, KI = sp.symbols("K_p K_i", real=True)
YS = sp.Symbol("y^*", positive=True)
G = sp.Symbol("g", positive=True)  # 1 − y*, the plant's gain at the lower equilibrium
Z = sp.Symbol("z")


@cache
def derivation() -> tuple[Derivation, dict[str, Any]]:
    """G5's steps and identities, with the forms the checks evaluate: the polynomials
    ``poly``/``poly_up`` and Jacobians ``jac``/``jac_up`` at the two equilibria, the Jury
    ``conditions``, the stationary ``variance``, the ``noise`` column, ``x_lo`` and ``x_up``."""
    # The plant, from one GD step on λθ²/2: the gradient ratio |λθ'|/|λθ| in x = log(ηλ).
    signed = sp.cancel(LAM * gradient_step(THETA, LAM * THETA, ETA) / (LAM * THETA))
    ratio = sp.Abs(signed)  # |g_{t+1}|/|g_t| = |g_{t+1}/g_t|
    plant = ratio.subs(ETA, sp.exp(X) / LAM)
    # The PI law moves u = log η; written in x = u + log λ, λ drops out.
    u_next = loop_step(U, EPREV, KP, KI, YS, plant=lambda u: ratio.subs(ETA, sp.exp(u)))[0]
    x_map = u_next.subs(U, X - sp.log(LAM)) + sp.log(LAM)
    fast = {"check": False, "simplify": False}
    (x_lo,) = sp.solve(sp.Eq(1 - sp.exp(X), YS), X, **fast)  # lower branch, ηλ < 1
    (x_up,) = sp.solve(sp.Eq(sp.exp(X) - 1, YS), X, **fast)  # upper branch, ηλ > 1
    fixed = sp.Matrix(loop_step(x_lo, 0, KP, KI, YS)) - sp.Matrix([x_lo, 0])
    jac, poly = linearisation(x_lo, KP, KI, YS, Z)
    jac_up, poly_up = linearisation(x_up, KP, KI, YS, Z)
    conditions = [sp.expand(c.subs(YS, 1 - G)) for c in jury_conditions(poly, Z)]
    c1, c0 = (poly.coeff(Z, 1), poly.coeff(Z, 0))
    ((kp_db, ki_db),) = sp.linsolve([c1, c0], [KP, KI])
    gain = jac[1, 0]  # ∂e_t/∂x_t = f′(x*)
    remainder = sp.expand(plant.subs(X, x_lo + DELTA).subs(  # lower branch: |1−eˣ| = 1−eˣ
        sp.Abs(sp.exp(x_lo + DELTA) - 1), 1 - sp.exp(x_lo + DELTA)) - YS - gain * DELTA)
    remainder_up = sp.expand(plant.subs(X, x_up + DELTA).subs(
        sp.Abs(sp.exp(x_up + DELTA) - 1), sp.exp(x_up + DELTA) - 1) - YS - jac_up[1, 0] * DELTA)
    noise = sp.Matrix(loop_step(X, EPREV, KP, KI, YS, noise=SIGMA * XI)).jacobian([XI])
    cov = sl.discrete_lyapunov(jac, noise * noise.T)
    variance = sp.factor(cov[0, 0].subs(YS, 1 - G))
    steps = (
        Step.equation("GD step on λθ²/2 (gradient_step)", "θ_{t+1}",
                      gradient_step(THETA, LAM * THETA, ETA)),
        Step.equation("plant: gradient ratio |g_{t+1}|/|g_t|", "y", ratio),
        Step.equation("in x = log(ηλ)", "y", plant),
        Step.equation("PI law in velocity form on u = log η, e_t = y_t − y*", "u_{t+1}",
                      u_next),
        Step.equation("the same law in x = u + log λ", "x_{t+1}", x_map),
        Step.equation("equilibria: lower (ηλ < 1)", "x_*", x_lo),
        Step.equation("equilibria: upper (ηλ > 1, overshooting GD)", "x_u", x_up),
        Step.equation("Jacobian of (x, e_{t−1}) ↦ (x', e_t) at (x*, 0), g = 1 − y*", "J",
                      jac.subs(YS, 1 - G).applyfunc(sp.factor)),
        Step.equation("characteristic polynomial det(zI − J)", "P(z)",
                      sp.collect(sp.expand(poly.subs(YS, 1 - G)), Z)),
        Step.equation("Jury's conditions (each > 0), g = 1 − y*", "Jury",
                      sp.Tuple(*conditions)),
        Step.equation("deadbeat gains (K_p, K_i): P(z) = z²", "K",
                      sp.Tuple(kp_db, sp.simplify(ki_db.subs(YS, 1 - G)))),
        Step.equation("upper equilibrium: its polynomial at z = 1", "P_u",
                      sp.factor(poly_up.subs(Z, 1)),
                      "< 0 for every K_i > 0: a real root > 1"),
        Step.equation("nonlinear remainder at x*, |δ| small", "r(δ)",
                      sp.factor(remainder.subs(YS, 1 - G)),
                      "|r(δ)| ≤ g·φ(R)·δ² for |δ| ≤ R, φ(R) = (e^R − 1 − R)/R² (increasing)"),
        Step.equation("noisy measurement y + σξ: noise column of the loop", "b", noise),
        Step.equation("stationary Var(log η), discrete Lyapunov Σ = JΣJᵀ + bbᵀ", "Var",
                      variance),
    )
    g = G
    identities = (
        Identity("plant: |g_{t+1}|/|g_t| = |1 − eˣ| (the toolbox's gradient_ratio)", plant,
                 gradient_ratio(X), "derived"),
        Identity("the loop in x = log(ηλ) does not involve λ", sp.diff(x_map, LAM),
                 sp.Integer(0), "derived"),
        Identity("(x*, 0) is a fixed point of the loop", fixed, sp.zeros(2, 1), "derived"),
        Identity("characteristic polynomial, g = 1 − y*", sp.expand(poly.subs(YS, 1 - g)),
                 Z**2 - (1 - g * (KP + KI)) * Z - g * KP, "derived"),
        Identity("Jury region: gK_i > 0, g(2K_p + K_i) < 2, g|K_p| < 1",
                 sp.Tuple(*conditions),
                 sp.Tuple(g * KI, 2 - g * (2 * KP + KI), 1 - g * sp.Abs(KP)), "derived"),
        Identity("deadbeat gains", sp.Tuple(kp_db, ki_db),
                 sp.Tuple(0, 1 / (1 - YS)), "derived"),
        Identity("upper equilibrium: P_u(1) = −(1 + y*)K_i", sp.expand(poly_up.subs(Z, 1)),
                 -(1 + YS) * KI, "derived"),
        Identity("remainder at the lower equilibrium", remainder,
                 -(1 - YS) * (sp.exp(DELTA) - 1 - DELTA), "derived"),
        Identity("remainder at the upper equilibrium", remainder_up,
                 (1 + YS) * (sp.exp(DELTA) - 1 - DELTA), "derived"),
        Identity("stationary Var(log η) under measurement noise σ²", variance,
                 SIGMA**2 * (KI + g * KP * (KI + 2 * KP))
                 / (g * (1 + g * KP) * (2 - g * (2 * KP + KI))), "derived",
                 note="infinite on two Jury edges (1 + gK_p = 0, P(−1) = 0), finite as "
                      "K_i → 0: there the noise enters differenced"),
        Identity("deadbeat loop: Var(log η) = σ²/g²",
                 sp.simplify(variance.subs({KP: 0, KI: 1 / g})), SIGMA**2 / g**2, "derived"),
    )
    forms = {"poly": poly, "poly_up": poly_up, "jac": jac, "jac_up": jac_up,
             "conditions": conditions, "variance": cov[0, 0], "noise": noise,
             "x_lo": x_lo, "x_up": x_up}
    return Derivation(steps, identities), forms


@cache
def numeric(name: str) -> Callable[..., Any]:
    """A derived scalar form as a NumPy function of (K_p, K_i, y*, σ)."""
    expr = derivation()[1][name]
    return sp.lambdify((KP, KI, YS, SIGMA), expr, "numpy")  # type: ignore[no-any-return]


@cache
def entries(name: str) -> tuple[tuple[Callable[..., Any], ...], tuple[int, ...]]:
    """A derived matrix (or polynomial, as its coefficients a₀, a₁, a₂) entry by entry."""
    expr = derivation()[1][name]
    if name.startswith("poly"):
        items = list(reversed(sp.Poly(expr, Z).all_coeffs()))
        shape: tuple[int, ...] = (len(items),)
    else:
        items, shape = list(expr), expr.shape
    funcs = tuple(sp.lambdify((KP, KI, YS, SIGMA), e, "numpy") for e in items)
    return funcs, shape


def evaluate(name: str, p: dict[str, Any]) -> np.ndarray[Any, Any]:
    """A derived matrix or coefficient vector at the point; gains may be arrays (a batch),
    then the result has the batch axes first."""
    funcs, shape = entries(name)
    values = np.broadcast_arrays(*(np.asarray(f(p["kp"], p["ki"], p["target"], p["sigma"]),
                                              dtype=float) for f in funcs))
    return np.moveaxis(np.stack(values), 0, -1).reshape(*values[0].shape, *shape)


def radius(p: dict[str, Any], which: str = "poly") -> float:
    """Spectral radius of the loop at the lower (``poly``) or upper (``poly_up``) equilibrium:
    the largest root modulus of its characteristic polynomial."""
    return spectral_radius(list(evaluate(which, p)))


def matrix(p: dict[str, Any], which: str = "jac") -> np.ndarray[Any, Any]:
    """A derived matrix at the point: the Jacobian ``jac`` (``jac_up``) or the noise column
    ``noise``."""
    return evaluate(which, p)


def equilibrium(p: dict[str, Any], which: str = "x_lo") -> float:
    """The lower (``x_lo`` = log(1 − y*)) or upper (``x_up`` = log(1 + y*)) equilibrium."""
    return float(numeric(which)(p["kp"], p["ki"], p["target"], p["sigma"]))
