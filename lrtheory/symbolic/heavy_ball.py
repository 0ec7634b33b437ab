"""Heavy-ball momentum on a quadratic, derived from the update rule: polynomial, damping, minimax.

On one eigen-direction f(θ) = λθ²/2 either convention of the heavy ball
(:func:`lrtheory.optimizers.heavy_ball`, v ← βv + g, θ ← θ − ηv, or
:func:`~lrtheory.optimizers.heavy_ball_lr_in_velocity`, v ← βv + ηg, θ ← θ − v) is a linear map
s_{t+1} = M s_t of s = (θ, v). :func:`heavy_ball_matrix` computes M as the Jacobian of one step
of the rule itself, and :func:`heavy_ball_polynomial` its characteristic polynomial

    P(z) = det(zI − M) = z² − (1 + β − ηλ) z + β,

which depends on η and λ only through h = ηλ. From P:

* :func:`heavy_ball_discriminant` D = (1 + β − h)² − 4β: real roots for D ≥ 0, a complex pair
  of modulus √β (Vieta: z z̄ = β) for D < 0;
* :func:`critical_beta` β_c = (1 − √h)², the smaller root of D = 0 in β (critical damping:
  the double root z = 1 − √h);
* :func:`polyak_minimax` the (η, β) that minimise max over λ ∈ [μ, L] of the spectral radius,
  solved from them.

* :func:`derived_roots` the two roots z± of P, solved by SymPy.

:func:`half_line` solves one Jury condition affine in a parameter. The numerics that evaluate
these forms (matrices run from the rule, exact powers, statistics of random starts) live in
:mod:`lrtheory.models.heavy_ball`; this module is symbolic only.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import cache
from numbers import Real
from typing import Any, NamedTuple

import sympy as sp

from lrtheory.errors import ParameterError, check_real
from lrtheory.optimizers import heavy_ball
from lrtheory.symbolic.jury import affine_root, radius_conditions
from lrtheory.symbolic.update_maps import characteristic_polynomial, update_matrix

Rule = Callable[..., Sequence[Any]]
"""A heavy-ball rule (θ, v, g, η, β) → (θ', v') from :mod:`lrtheory.optimizers`."""

THETA, V = sp.symbols("theta v", real=True)
BETA_REAL = sp.Symbol("beta", real=True)


def _on_quadratic(rule: Rule, eta: sp.Expr, lam: sp.Expr, beta: sp.Expr) -> Callable[..., Any]:
    """One step of ``rule`` on f(θ) = λθ²/2 (gradient λθ), as a map of the state (θ, v)."""
    return lambda theta, v: rule(theta, v, lam * theta, eta, beta)


@cache
def _generic(rule: Rule) -> tuple[sp.Matrix, sp.Expr, tuple[sp.Symbol, ...]]:
    """M and det(zI − M) of ``rule`` on λθ²/2 over generic real symbols (η, λ, β, z), derived
    once per rule; the public functions substitute the caller's values."""
    eta, lam, beta, z = sp.symbols("eta_ lambda_ beta_ z_", real=True)
    step = _on_quadratic(rule, eta, lam, beta)
    return (update_matrix(step, (THETA, V)), characteristic_polynomial(step, (THETA, V), z),
            (eta, lam, beta, z))


def _parameters(eta: Any, lam: Any, beta: Any) -> tuple[Any, Any, Any]:
    """Numbers are checked (η in (0, ∞), λ finite, β in [0, 1)); SymPy expressions pass, but
    a SymPy *number* is checked like a float."""
    def number(value: Any) -> bool:
        if isinstance(value, bool):
            return False
        return isinstance(value, Real) or (isinstance(value, sp.Basic) and value.is_number)

    for name, value, lo, hi, lo_open in (("eta", eta, 0.0, math.inf, True),
                                         ("lam", lam, -math.inf, math.inf, True),
                                         ("beta", beta, 0.0, 1.0, False)):
        if number(value):
            x = sp.sympify(value)
            if not x.is_real:
                raise ParameterError(name, value, "a real number")
            check_real(name, float(x), lo, hi, lo_open=lo_open)
        elif not isinstance(value, sp.Basic):
            raise ParameterError(name, value, "a real number or a SymPy expression")
    return eta, lam, beta


def heavy_ball_matrix(eta: Any, lam: Any, beta: Any, rule: Rule = heavy_ball) -> sp.Matrix:
    """M = ∂(θ', v')/∂(θ, v) of one step of ``rule`` on λθ²/2 (convention A:
    [[1 − ηλ, −βη], [λ, β]]; convention B: [[1 − ηλ, −β], [ηλ, β]]). Numbers: η > 0,
    λ finite, 0 ≤ β < 1; SymPy expressions pass."""
    eta, lam, beta = _parameters(eta, lam, beta)
    matrix, _, (e, lm, b, _) = _generic(rule)
    return sp.Matrix(matrix.subs({e: eta, lm: lam, b: beta}, simultaneous=True))


@cache  # SymPy objects are immutable and hashable; derivations ask for the same ones
def heavy_ball_polynomial(eta: Any, lam: Any, beta: Any, z: sp.Symbol,
                          rule: Rule = heavy_ball) -> sp.Expr:
    """det(zI − M) for ``rule`` on λθ²/2: z² − (1 + β − ηλ)z + β for both conventions."""
    eta, lam, beta = _parameters(eta, lam, beta)
    if not isinstance(z, sp.Symbol):
        raise ParameterError("z", z, "a SymPy symbol")
    _, poly, (e, lm, b, zz) = _generic(rule)
    return sp.collect(sp.expand(poly.subs({e: eta, lm: lam, b: beta, zz: z},
                                          simultaneous=True)), z)


@cache
def heavy_ball_discriminant(eta: Any, lam: Any, beta: Any) -> sp.Expr:
    """The discriminant in z of :func:`heavy_ball_polynomial`: (1 + β − ηλ)² − 4β."""
    eta, lam, beta = _parameters(eta, lam, beta)
    e, lm, b = _generic(heavy_ball)[2][:3]
    return sp.expand(_generic_discriminant().subs({e: eta, lm: lam, b: beta}, simultaneous=True))


@cache
def _generic_discriminant() -> sp.Expr:
    _, poly, (_, _, _, z) = _generic(heavy_ball)
    return sp.expand(sp.discriminant(poly, z))


def _positive(name: str, value: Any) -> sp.Expr:
    x = sp.sympify(value)
    if x.is_positive is not True:
        raise ParameterError(name, value, "a positive number or an expression known to be > 0")
    return x


@cache
def _critical_root() -> tuple[sp.Expr, sp.Symbol]:
    """The smaller root in β of D(h, β) = 0 for h = q², q > 0 a symbol: P depends on η and λ
    only through ηλ (so η = h, λ = 1 is the general case), and in q the roots are
    polynomials, which SymPy solves and orders (by the sign of their difference) at once."""
    q = sp.Symbol("q", positive=True)
    roots = tuple(sp.roots(sp.Poly(heavy_ball_discriminant(q**2, 1, BETA_REAL), BETA_REAL)))
    smaller = [r for r in roots if all(sp.expand(o - r).is_nonnegative for o in roots)]
    if len(smaller) != 1:  # pragma: no cover - two roots (1 ± q)² for every q > 0
        raise ValueError(f"cannot order the roots {roots} of the discriminant")
    return smaller[0], q


def critical_beta(eta_lam: Any) -> sp.Expr:
    """β_c(h) = (1 − √h)²: the smaller root in β of the discriminant D(h, β) = 0, derived.

    At β_c the characteristic polynomial has the double root z = 1 − √h; β_c ∈ [0, 1) for
    0 < h < 4 (the other root (1 + √h)² exceeds 1). ``eta_lam`` is h = ηλ: a positive number
    or a SymPy expression known to be positive (e.g. a product of positive symbols).
    """
    h = _positive("eta_lam", eta_lam)
    root, q = _critical_root()
    return sp.factor(root.subs(q, sp.sqrt(h)))


class Minimax(NamedTuple):
    """Polyak's heavy-ball parameters for curvatures in [μ, L], with the derivation."""

    rate: sp.Expr  #: min over (η, β) of max over λ ∈ [μ, L] of the spectral radius
    beta: sp.Expr
    eta: sp.Expr
    lower: sp.Expr  #: ρ(h) < r needs h > lower(β, r)
    upper: sp.Expr  #: ... and h < upper(β, r)
    feasibility: sp.Expr  #: κ·lower − upper at β = r²: an η exists iff it is < 0


@cache
def polyak_minimax(mu: sp.Symbol, big_l: sp.Symbol) -> Minimax:
    """Minimise over (η, β) the worst spectral radius over λ ∈ [μ, L], from Jury's conditions.

    ρ(ηλ) < r ⟺ β < r², h > lower = (1 − r)(1 − β/r) and h < upper = (1 + r)(1 + β/r)
    (:func:`radius_conditions`, solved for h). Every λ ∈ [μ, L] satisfies them iff
    ημ > lower and ηL < upper, and such an η exists iff κ·lower < upper (κ = L/μ). The
    ratio lower/upper falls as β grows, so the best β is the limit β → r²; there the
    condition κ(1 − r)² < (1 + r)² fixes the least r, and ημ = lower, ηL = upper give η.
    Solved in s = √κ (the roots are then rational in s); the results are in μ and L.
    """
    for name, value in (("mu", mu), ("big_l", big_l)):
        if not isinstance(value, sp.Symbol) or value.is_positive is not True:
            raise ParameterError(name, value, "a positive SymPy symbol")
    z, h = sp.Symbol("z"), sp.Symbol("h", real=True)
    r, beta, kappa, s = sp.symbols("r beta kappa s", positive=True)
    conds = radius_conditions(heavy_ball_polynomial(h, 1, beta, z), z, r)
    # The conditions linear in h, solved as half-lines: h > lower and h < upper.
    lines = [half_line(c, h) for c in conds if sp.degree(sp.numer(sp.together(c)), h) == 1]
    lower = sp.cancel(next(i.start for i in lines if i.end == sp.oo))
    upper = sp.cancel(next(i.end for i in lines if i.start == -sp.oo))
    feasibility = sp.expand((kappa * lower - upper).subs(beta, r**2))
    d = sp.Symbol("d", positive=True)  # s = 1 + d > 1 lets SymPy decide 0 < r < 1
    roots = [x for x in sp.roots(sp.Poly(feasibility.subs(kappa, s**2), r))
             if sp.cancel(x.subs(s, 1 + d)).is_positive
             and sp.cancel(x.subs(s, 1 + d) - 1).is_negative]
    if len(roots) != 1:  # pragma: no cover
        raise ValueError(f"expected one rate in (0, 1), found {roots}")
    rate = sp.cancel(sp.together(sp.factor(roots[0]).subs(s, sp.sqrt(big_l) / sp.sqrt(mu))))
    eta = sp.factor(sp.together(sp.factor(lower.subs(beta, r**2)).subs(r, rate) / mu))
    return Minimax(rate, rate**2, eta, lower, upper, feasibility)




def polyak_rate(kappa: sp.Symbol) -> sp.Expr:
    """Polyak's minimax rate (:func:`polyak_minimax`) as a function of κ = L/μ:
    (√κ − 1)/(√κ + 1), derived (L = κμ substituted and factored)."""
    if not isinstance(kappa, sp.Symbol) or kappa.is_positive is not True:
        raise ParameterError("kappa", kappa, "a positive SymPy symbol")
    mu, big_l = sp.symbols("mu L", positive=True)
    return sp.factor(polyak_minimax(mu, big_l).rate.subs(big_l, kappa * mu))


@cache
def derived_roots() -> tuple[sp.Expr, sp.Expr, sp.Symbol, sp.Symbol]:
    """The two roots z± of z² − (1 + β − h)z + β, solved by SymPy (h = ηλ), with h and β;
    z₊ is the one with the larger real part at small h."""
    h, beta, z = sp.Symbol("h", positive=True), sp.Symbol("beta", nonnegative=True), \
        sp.Symbol("z")
    plus, minus = sorted(sp.roots(sp.Poly(heavy_ball_polynomial(h, 1, beta, z), z)),
                         key=lambda r: float(sp.re(r.subs({h: sp.Rational(1, 10), beta: 0}))),
                         reverse=True)
    return plus, minus, h, beta


@cache
def rest_at_critical(h: sp.Symbol, t: sp.Symbol) -> tuple[sp.Expr, sp.Expr]:
    """(θ₁, θ_t) from rest (θ₀ = 1, v₀ = 0) at critical damping β_c(h), derived: θ₁ from one
    step of the rule (η = h, λ = 1), then ``rsolve`` of the Cayley–Hamilton recursion
    θ_{t+2} = (1 + β − h)θ_{t+1} − βθ_t, written in a = 1 − √h (h = (1 − a)²) so that SymPy
    sees the double root z = a. ``h``: a positive symbol; ``t``: a non-negative integer one.
    """
    if not isinstance(h, sp.Symbol) or h.is_positive is not True:
        raise ParameterError("h", h, "a positive SymPy symbol")
    if not isinstance(t, sp.Symbol) or not (t.is_integer and t.is_nonnegative):
        raise ParameterError("t", t, "a non-negative integer SymPy symbol")
    beta, z = sp.Symbol("beta", positive=True), sp.Symbol("z")
    a, q = sp.Symbol("a", nonzero=True), sp.Symbol("q", positive=True)
    theta1 = heavy_ball(sp.Integer(1), sp.Integer(0), sp.Integer(1), h, beta)[0]
    at_a = sp.Poly(sp.expand(heavy_ball_polynomial(h, 1, critical_beta(h), z).subs(h, q**2)
                             .subs(q, 1 - a)), z)
    c1, c0 = at_a.all_coeffs()[1:]
    theta = sp.Function("theta")
    rest_a = sp.rsolve(theta(t + 2) + c1 * theta(t + 1) + c0 * theta(t), theta(t),
                       {theta(0): 1, theta(1): sp.expand(theta1.subs(h, (1 - a) ** 2))})
    per_power = sp.expand(sp.powsimp(sp.expand(rest_a / a**t)))  # θ_t / aᵗ
    return theta1, sp.factor(per_power.subs(a, 1 - sp.sqrt(h))) * (1 - sp.sqrt(h)) ** t


def half_line(condition: sp.Expr, x: sp.Symbol) -> sp.Interval:
    """{x : condition > 0} for a condition whose numerator is affine in x (a Jury condition
    linear in η or h). :func:`~lrtheory.symbolic.jury.affine_root` gives the root and the
    numerator's slope; the slope's sign decides the side only if the denominator is known to
    be positive, which is checked here (and the slope's sign must be known)."""
    root, slope = affine_root(condition, x)
    if sp.denom(sp.together(condition)).is_positive is not True:
        raise ParameterError("condition", condition, "a denominator known to be > 0")
    if slope.is_positive:
        return sp.Interval.open(root, sp.oo)
    if slope.is_negative:
        return sp.Interval.open(-sp.oo, root)
    raise ParameterError("condition", condition, f"a slope in {x} of known sign")

