"""The SDE moment ODE of SGD under a learning-rate schedule, derived and solved with SymPy.

SGD on ½λx² with gradient noise ξ of variance s² = σ²/B and rate η_t at step t is

    x_{t+1} = x_t − η_t(λx_t + ξ_t),    m_{t+1} = (1 − η_tλ)² m_t + η_t² s²     (exact).

Its diffusion limit with the *step* as the unit of time (Δt = 1, so that a schedule η(t) is
a function of time) has drift −η(t)λx and diffusion η(t)²s²; the Itô generator on x² gives

    dV/dt = −2λη(t)V + η(t)²s²,                                                 (SDE)

the recursion less its η²λ²V term with the step taken to the limit. With I(t) = ∫₀ᵗ η, the
integrating factor e^{2λI} solves it:

    V(t) = e^{−2λI(t)} (V₀ + s² ∫₀ᵗ η(u)² e^{2λI(u)} du).

* :func:`moment_ode`: the ODE and the recursion, both computed from the update rule, and
  :func:`rhs_for` the ODE's right side for one schedule;
* :func:`adiabatic_series`: the slow-decay (adiabatic) solution ηs²/(2λ)·(1 + ε + …),
  ε = −η′/(2λη²), term by term;
* :func:`integrating_factor_solution`: the formula above with every integral done by SymPy
  (a quadratic exponent, as for linear decay, by completing the square);
* :func:`constant_rate_solution`: ``dsolve`` at a constant rate (one stage of step decay);
* :func:`ode_residual`: V′ − rhs, which must simplify to 0 for a solution
  (:func:`normal_form` does it cheaply);
* :func:`end_profile` and :func:`end_variance`: a schedule that reaches 0 at T like a·rᵖ
  (r = T − t) leaves the variance s²∫₀^∞ a²r^{2p} e^{−2λa r^{p+1}/(p+1)} dr ∝ a^{1/(p+1)}
  in a direction that has relaxed (λ∫η ≫ 1): the noise left by the end of the run.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import sympy as sp
from sympy.integrals.manualintegrate import manualintegrate

from lrtheory.errors import ParameterError
from lrtheory.symbolic import lyapunov as sl
from lrtheory.symbolic.inputs import check_expr as _expr
from lrtheory.symbolic.inputs import check_symbol as _symbol
from lrtheory.symbolic.moments import centred_moments, expectation, gaussian_moments

TIME = sl.TIME
V = sl.V
V0 = sl.V0
ETA = sp.Function("eta")
"""A generic schedule η(t), for results that hold for every schedule."""


@cache
def moment_ode(lam: sp.Expr, noise_var: sp.Expr) -> dict[str, sp.Expr]:
    """The second moment of the SGD step at a generic rate η(t) (:data:`ETA`), discrete and
    continuous, computed from the update rule (cached).

    ``rhs`` dV/dt of the diffusion limit with Δt = 1 (drift ``drift``, diffusion
    ``diffusion``); ``recursion`` E[x_{t+1}²] in terms of V = E[x_t²]; ``dropped`` the
    increment of the recursion less the ODE's rhs, (recursion − V) − rhs, the term the SDE
    neglects. :func:`rhs_for` puts a particular schedule in.
    """
    lam, noise_var = _expr("lam", lam), _expr("noise_var", noise_var)
    eta = ETA(TIME)
    x, xi = sl.X, sl.XI
    noise = {xi: gaussian_moments(noise_var)}
    step = -eta * (lam * x + xi)
    drift, diffusion = sl.diffusion_limit(step, x, noise, sp.Integer(1))
    rhs = expectation(sl.generator(drift, diffusion, x**2, x), {x: centred_moments(V)})
    recursion = expectation((x + step) ** 2, {x: centred_moments(V), **noise})
    return {"drift": drift, "diffusion": diffusion, "rhs": sp.expand(rhs),
            "recursion": sp.expand(recursion), "dropped": sp.expand(recursion - V - rhs)}


def rhs_for(rate: sp.Expr, lam: sp.Expr, noise_var: sp.Expr, t: sp.Symbol = TIME) -> sp.Expr:
    """dV/dt = rhs(V) of :func:`moment_ode` with η(t) replaced by ``rate`` (an expression in
    ``t``, or a constant)."""
    rate, t = _expr("rate", rate), _symbol("t", t)
    return moment_ode(lam, noise_var)["rhs"].subs(ETA(TIME), rate.subs(t, TIME)).subs(TIME, t)


def adiabatic_series(lam: sp.Expr, noise_var: sp.Expr, order: int = 1,
                     rate: sp.Expr | None = None, t: sp.Symbol = TIME) -> list[sp.Expr]:
    """[V₀, V₁, …]: the slow-decay solutions of the moment ODE, order by order.

    V₀ solves rhs(V) = 0 (the quasi-static value); V_{k+1} solves rhs(V) = dV_k/dt, i.e. the
    ODE with the time derivative taken from the previous order. For a generic η(t)
    (``rate`` None) V₁ = V₀(1 + ε) with ε = −η′/(2λη²), the ratio of the relaxation time
    1/(2λη) to the time scale η/|η′| on which the rate changes.
    """
    lam, noise_var = _expr("lam", lam), _expr("noise_var", noise_var)
    rhs = rhs_for(ETA(t) if rate is None else _expr("rate", rate), lam, noise_var, t)
    slope, source = sl.affine_coefficients(rhs, V)  # rhs = slope·V + source

    def solve(target: sp.Expr) -> sp.Expr:  # slope·V + source = target
        return sp.factor((target - source) / slope)

    terms = [solve(sp.Integer(0))]
    for _ in range(order):
        terms.append(solve(sp.diff(terms[-1], t)))
    return terms


def ode_residual(solution: sp.Expr, rate: sp.Expr, t: sp.Symbol, lam: sp.Expr,
                 noise_var: sp.Expr) -> sp.Expr:
    """V′(t) − (−2λη(t)V + η(t)²s²) for a candidate V(t), simplified (0 for a solution)."""
    rhs = rhs_for(rate, lam, noise_var, t).subs(V, solution)
    residual = normal_form(sp.diff(solution, t) - rhs)
    return residual if residual == 0 else sp.simplify(residual)


def normal_form(expr: sp.Expr) -> sp.Expr:
    """expand ∘ powsimp ∘ expand: products of exponentials merged and cancelled, which
    settles the sums of exp/erf terms of these solutions in milliseconds (where
    ``simplify`` takes a large fraction of a second)."""
    return sp.expand(sp.powsimp(sp.expand(_expr("expr", expr))))


def constant_rate_solution(eta: sp.Expr, lam: sp.Expr, noise_var: sp.Expr,
                           v0: sp.Expr = V0, t: sp.Symbol = TIME) -> sp.Expr:
    """V(t) at a constant rate from V(0) = v0, by ``dsolve`` (constant coefficients)."""
    t = _symbol("t", t)
    rhs = rhs_for(eta, lam, noise_var, t)
    v = sp.Function("V")
    ode = sp.Eq(v(t).diff(t), rhs.subs(V, v(t)))
    # simplify=False: SymPy's clean-up of the answer costs more than the solve itself
    solution = sp.dsolve(ode, v(t), ics={v(0): _expr("v0", v0)},
                         hint=sl.CONSTANT_COEFFICIENTS, simplify=False)
    return sp.expand(solution.rhs)


def integrating_factor_solution(rate: sp.Expr, lam: sp.Expr, noise_var: sp.Expr,
                                v0: sp.Expr = V0, t: sp.Symbol = TIME) -> dict[str, sp.Expr]:
    """V(t) = e^{−2λI(t)}(V₀ + s²F(t)) with I = ∫₀ᵗη and F = ∫₀ᵗ η²e^{2λI}, by SymPy.

    Returns ``I``, ``F`` and ``V``. F is integrated term by term; a term whose exponent is
    a quadratic polynomial with negative leading coefficient (a linear schedule) is
    integrated by completing the square, x = u − u*, and SymPy's ∫xᵏe^{−ax²}dx.
    """
    rate, lam, noise_var = _expr("rate", rate), _expr("lam", lam), _expr("noise_var", noise_var)
    t = _symbol("t", t)
    u = sp.Dummy("u", nonnegative=True)
    integral = sp.integrate(rate.subs(t, u), (u, 0, t))
    exponent = sp.expand(2 * lam * integral.subs(t, u))
    square = sp.expand(rate.subs(t, u) ** 2)
    if exponent.is_polynomial(u) and square.is_polynomial(u) and sp.degree(exponent, u) == 2:
        antiderivative = _gaussian_antiderivative(square, exponent, u)
    else:
        antiderivative = sum((sp.integrate(term * sp.exp(exponent), u)
                              for term in sp.Add.make_args(square)), sp.Integer(0))
    f = antiderivative.subs(u, t) - antiderivative.subs(u, 0)
    v = sp.exp(-2 * lam * integral) * (_expr("v0", v0) + noise_var * f)
    return {"I": integral, "F": f, "V": v}


_GX, _GA = sp.Symbol("x", real=True), sp.Symbol("a", positive=True)


@cache
def _gaussian_moment(k: int) -> tuple[sp.Expr, sp.Symbol, sp.Symbol]:
    """(∫xᵏe^{−ax²}dx, x, a) in a real x and a positive a (cached per k): SymPy's
    ``manualintegrate`` gives k = 0 (an erf); k ≥ 1 by parts,
    ∫xᵏe^{−ax²} = −x^{k−1}e^{−ax²}/(2a) + (k−1)/(2a)·∫x^{k−2}e^{−ax²}
    (no integral left at k = 1)."""
    x, a = _GX, _GA
    if k == 0:
        return manualintegrate(sp.exp(-a * x**2), x), x, a
    lower = _gaussian_moment(k - 2)[0] if k >= 2 else sp.Integer(0)
    return -x ** (k - 1) * sp.exp(-a * x**2) / (2 * a) + (k - 1) / (2 * a) * lower, x, a


def _gaussian_antiderivative(poly: sp.Expr, exponent: sp.Expr, u: sp.Symbol) -> sp.Expr:
    """An antiderivative in u of poly(u)·e^{exponent(u)}, exponent = −a(u − c)² + d."""
    coeffs = sp.Poly(exponent, u).all_coeffs()
    a = -coeffs[0]
    if a.is_positive is not True:
        raise ParameterError("exponent", exponent, "a quadratic with negative leading term")
    c = -coeffs[1] / (2 * coeffs[0])
    d = sp.expand(exponent + a * (u - c) ** 2)
    shifted = sp.Poly(sp.expand(poly.subs(u, u + c)), u)
    total = sp.Integer(0)
    for (k,), coeff in shifted.terms():
        moment, x, a_sym = _gaussian_moment(k)
        total += coeff * moment.subs({x: u - c, a_sym: a})
    return sp.exp(d) * total


def end_profile(rate: sp.Expr, t: sp.Symbol, total: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """(a, p) with η(T − r) = a·rᵖ + o(rᵖ) as r → 0⁺: how a schedule reaches 0 at T."""
    r = sp.Symbol("r", positive=True)
    lead = sp.expand(_expr("rate", rate).subs(t, total - r)).as_leading_term(r)
    a, p = lead.as_coeff_exponent(r)
    if not p.is_positive:
        raise ParameterError("rate", rate, f"a schedule that reaches 0 at t = {total}")
    return sp.simplify(a), p


def end_variance(a: sp.Expr, p: sp.Expr, lam: sp.Expr, noise_var: sp.Expr) -> sp.Expr:
    """s²∫₀^∞ a²r^{2p} exp(−2λa r^{p+1}/(p+1)) dr: the SDE variance at T of a direction that
    has relaxed, when η(T − r) ≈ a rᵖ (the integrand of V(T) written in r = T − t, with
    ∫_{T−r}^T η ≈ a r^{p+1}/(p+1))."""
    r = sp.Symbol("r", positive=True)
    integrand = a**2 * r ** (2 * p) * sp.exp(-2 * lam * a * r ** (p + 1) / (p + 1))
    return noise_var * sp.integrate(integrand, (r, 0, sp.oo))


def as_function(expr: sp.Expr, *args: sp.Symbol) -> Any:
    """A SymPy expression as an mpmath function of ``args``, evaluated at the caller's
    precision (``mpmath.workdps``): closed forms with erf and large exponentials,
    e^{k}·erf(√k), then lose no digits to cancellation."""
    return sp.lambdify(args, expr, "mpmath")
