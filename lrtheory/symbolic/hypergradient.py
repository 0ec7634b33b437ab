"""The derivation of claim H5 (hypergradient descent on η), computed with SymPy.

:func:`general_hypergradient`: the chain rule on L(θ − ηg(θ)) for an arbitrary 2-D loss L
(and through η = exp(ℓ)), with SymPy's Subs/Derivative notation renamed g_k(·), so that it
reads −g(θ_{t+1})ᵀg(θ_t). :func:`hypergradient_derivation` (cached): every closed form of the
claim — the rules, the 1-D and d-D line search, the exact moments of the signal
g_{t+1}ᵀg_t at SGD's stationary law, and the mean-field flows of η for both rules.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import sympy as sp

from lrtheory.symbolic.lyapunov import affine_fixed_point, positivity_set, symmetric_matrix
from lrtheory.symbolic.moments import expectation, gaussian_moments

x, y, h = sp.symbols("x y h", real=True)
eta, lam, sigma, B, alpha, tau, eta0 = sp.symbols("eta lambda sigma B alpha tau eta_0",
                                                 positive=True)
ell, theta, xi0, xi1 = sp.symbols("ell theta xi_t xi_t+1", real=True)
V = sp.Symbol("V", positive=True)
S2 = sigma**2 / B

GRAD = (sp.Function("g_1"), sp.Function("g_2"))


def _named_gradient(expr: sp.Expr) -> sp.Expr:
    """``expr`` with every ∂L/∂(argument k) at a point p written g_k(p): a renaming of SymPy's
    Subs(Derivative(L(…), ξ), ξ, p) notation, so that the report reads −g(θ_{t+1})ᵀg(θ_t)."""

    def at_point(inner: sp.Expr, variables: Any, points: Any) -> sp.Expr:
        if isinstance(inner, sp.Derivative) and len(inner.variables) == 1:
            k = list(inner.expr.args).index(inner.variables[0])
            where = dict(zip(variables, points, strict=True))
            return GRAD[k](*(a.subs(where, simultaneous=True) for a in inner.expr.args))
        return sp.Subs(inner, variables, points)

    def bare(inner: sp.Expr, *variables: Any) -> sp.Expr:
        (w,) = (v[0] if isinstance(v, sp.Tuple) else v for v in variables)
        return GRAD[list(inner.args).index(w)](*inner.args)

    return expr.replace(sp.Subs, at_point).replace(sp.Derivative, bare)


def general_hypergradient() -> dict[str, Any]:
    """The hypergradient of any (differentiable) L in 2-D, and through η = exp(ℓ): SymPy's
    chain rule on L(θ − ηg(θ)) with g = ∇L, then ∂L/∂θ_k written g_k."""
    loss = sp.Function("L")
    u, v = sp.symbols("u v", real=True)
    grad = sp.Matrix([sp.diff(loss(u, v), u), sp.diff(loss(u, v), v)])

    def g(p: sp.Matrix) -> sp.Matrix:
        return grad.subs({u: p[0], v: p[1]}, simultaneous=True)

    th = sp.Matrix([x, y])
    g0 = g(th)
    signal = (g(th - eta * g0).T * g0)[0]
    through_exp = sp.diff(loss(*(th - sp.exp(ell) * g0)), ell)
    return {"hyper": _named_gradient(sp.diff(loss(*(th - eta * g0)), eta)),
            "signal": _named_gradient(signal),
            "hyper_ell": _named_gradient(sp.expand(through_exp)),
            "signal_ell": _named_gradient(sp.expand(-sp.exp(ell)
                                                    * signal.subs(eta, sp.exp(ell))))}


def _starts_at(value: sp.Expr, target: float) -> bool:
    """Whether a branch of a solution, at the probe point, is the finite number ``target``."""
    number = complex(value.evalf()) if value.is_finite else math.inf
    return abs(number - target) < 1e-9


@cache
def hypergradient_derivation() -> dict[str, Any]:
    r: dict[str, Any] = general_hypergradient()
    r["step"] = eta - alpha * r["hyper"]
    # Exponential parameterisation, in the scalar signal h = g_{t+1}ᵀg_t.
    ell_next = sp.log(eta) - alpha * (-eta * h)          # ℓ − α∂L/∂ℓ with ∂L/∂ℓ = −ηh
    r["exp_step"] = sp.simplify(sp.exp(ell_next))
    r["exp_sign"] = sp.sign(r["exp_step"])
    r["exp_first_order"] = sp.series(r["exp_step"], alpha, 0, 2).removeO()
    r["additive_negative"] = sp.solveset(eta + alpha * h <= 0, h, sp.S.Reals)
    # Noiseless 1-D: exact line search and the η dynamics.
    g0 = lam * theta
    loss_next = lam / 2 * (theta - eta * g0) ** 2
    r["line_search"] = sp.FiniteSet(*sp.solve(sp.diff(loss_next, eta), eta))
    r["curvature_eta"] = sp.factor(sp.diff(loss_next, eta, 2))
    signal = sp.factor(lam * (theta - eta * g0) * g0)
    r["signal_1d"] = signal
    r["u_ratio"] = sp.factor((1 - lam * (eta + alpha * signal)) / (1 - lam * eta))
    # d-D noiseless line search on ½θᵀHθ − bᵀθ, with b = Hθ − g so that ∇L(θ) = g.
    H = symmetric_matrix("h", 2)
    th, g = sp.Matrix(sp.symbols("theta_1 theta_2", real=True)), sp.Matrix(sp.symbols("g_1 g_2"))
    b = H * th - g
    q = th - eta * (H * th - b)
    loss_q = ((q.T * H * q) / 2 - b.T * q)[0]
    slope = sp.Poly(sp.expand(sp.diff(loss_q, eta)), eta)          # affine in η
    r["line_search_dd_slope"] = sp.expand(slope.as_expr())
    r["line_search_dd_stated"] = sp.expand(eta * (g.T * H * g)[0] - (g.T * g)[0])
    r["line_search_dd"] = sp.factor(-slope.coeff_monomial(1) / slope.coeff_monomial(eta))
    # Noisy 1-D at SGD's stationary law: θ ~ N(0, V), ξ's ~ N(0, σ²/B), all independent.
    laws = {theta: gaussian_moments(V), xi0: gaussian_moments(S2), xi1: gaussian_moments(S2)}
    grad0 = lam * theta + xi0
    theta1 = theta - eta * grad0
    grad1 = lam * theta1 + xi1
    r["mean_V"] = sp.factor(expectation(grad1 * grad0, laws))
    r["V"] = affine_fixed_point(expectation(theta1**2, laws), V)
    r["mean"] = sp.factor(r["mean_V"].subs(V, r["V"]))
    r["negative"] = positivity_set(-r["mean"], eta)
    r["var"] = sp.factor((expectation((grad1 * grad0) ** 2, laws) - r["mean_V"] ** 2)
                         .subs(V, r["V"]))
    r["snr2"] = sp.factor(r["mean"] ** 2 / r["var"])
    # d-D, general symmetric H, C, Σ (no commuting assumed): z = (θ_t, ξ_t, ξ_{t+1}).
    C, Sig = symmetric_matrix("c", 2), symmetric_matrix("Sigma", 2)
    eye, zero = sp.eye(2), sp.zeros(2)
    G = eye - eta * H
    p0, p1 = sp.Matrix.hstack(H, eye, zero), sp.Matrix.hstack(H * G, -eta * H, eye)
    S = sp.diag(Sig, C, C)
    r["mean_dd"] = sp.expand((p0 * S * p1.T).trace())
    residual = G * Sig * G + eta**2 * C - Sig
    r["mean_dd_stated"] = sp.expand(-(H * H * Sig).trace() - (H * residual).trace() / eta)
    # Mean-field annealing: dη/dτ = E[Δη]/step to first order in α, θ stationary at η.
    # The exp rule's flow is quadratic in 1/η: solved for x = 1/η it comes out clean.
    probe = {lam: 1, sigma: 1, B: 1, alpha: sp.Rational(1, 10), eta0: sp.Rational(1, 2), tau: 0}
    recip = sp.Symbol("x", positive=True)
    for name, drift, reciprocal in (
            ("additive", alpha * r["mean"], False),
            ("exp", sp.expand(r["exp_first_order"] - eta).subs(h, r["mean"]), True)):
        primitive = sp.integrate(sp.factor(1 / drift), eta)
        flow = sp.Eq(primitive, primitive.subs(eta, eta0) + tau)
        sols = ([1 / s for s in sp.solve(flow.subs(eta, 1 / recip), recip, check=False,
                                          simplify=False)] if reciprocal
                else sp.solve(flow, eta, check=False, simplify=False))
        (r[f"flow_{name}"],) = [s for s in sols if _starts_at(s.subs(probe), 0.5)]
        r[f"drift_{name}"] = drift
    return r
