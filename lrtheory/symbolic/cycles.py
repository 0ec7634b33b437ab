"""Fixed points, k-cycles, multipliers and bifurcations of smooth maps of the line, exactly.

A map x ↦ f(x) whose coefficients may hold parameters (GD on a quartic, x ↦ x − η(x³ − x);
the logistic map r·x(1 − x)) is studied without floating point:

* :func:`iterate` composes f^k; the period-k points solve f^k(x) = x.
* :func:`prime_period_poly` keeps the points of *prime* period k: by Möbius inversion over the
  divisors of k, P_k = Π_{d | k} (f^d(x) − x)^{μ(k/d)}, an exact polynomial division when
  f^k(x) − x has simple roots (generic parameters); otherwise the points of every proper
  divisor period are divided out through gcds.
* :func:`cycle_multiplier` is the chain rule, (f^k)'(x₀) = Π_j f'(x_j) over the cycle; the
  cycle attracts when |multiplier| < 1, and its Lyapunov exponent is ln|multiplier| / k.

**Elimination instead of solving.** A function H constant on every k-cycle (the multiplier
Π_j f'(f^j(x)), the sum Σ_j f^j(x), the product Π_j f^j(x)) takes on the cycles the values
that are the roots in y of the resultant

    R(y) = Res_x(P_k(x), y − H(x)) = lc(P_k)^{deg H} · Π_{P_k(r) = 0} (y − H(r)),

in which every cycle contributes the factor (y − H_cycle)^k (:func:`cycle_values`). Nothing is
solved for the cycle points, so this works long after the points stop having closed forms.
Setting y to −1 in the multiplier's resultant gives the **flip condition** of the k-cycles as a
polynomial in the parameter alone (:func:`bifurcation_polynomial`): its roots are the
parameters where some k-cycle has multiplier −1 and a 2k-cycle is born (+1: a fold).

For k = 2 the eliminated sums and products give the 2-cycles in closed form
(:mod:`lrtheory.symbolic.two_cycles`).

**Stability windows and exponents.** :func:`attracting_set` is {η : |μ(η)| < 1}, cut at the
real roots of μ² − 1; :func:`mean_lyapunov_exponent` is the exact mean of ln|μ(η)|/k over
η uniform on a window free of superstable points (elementary antiderivatives over the
roots of μ) — the prediction of a Monte Carlo that draws η as well as the start.
:func:`positive_root` picks the one positive root of such a condition (a flip, a crisis).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import sympy as sp

from lrtheory.errors import ParameterError, check_int


def check_symbol(x: object, name: str = "x") -> None:
    """ParameterError unless ``x`` is a SymPy Symbol."""
    if not isinstance(x, sp.Symbol):
        raise ParameterError(name, x, "a SymPy Symbol")


def _poly(f: sp.Expr, x: sp.Symbol) -> sp.Poly:
    """f as a polynomial in x over the ring of its parameters (ParameterError if it is not)."""
    check_symbol(x)
    try:
        p = sp.Poly(f, x)
    except sp.PolynomialError as exc:
        raise ParameterError("f", f, f"a polynomial in {x}") from exc
    if not p.domain.is_Exact:
        raise ParameterError("f", f, f"a polynomial in {x} with exact coefficients")
    return p


# --------------------------------------------------------------------------------------
# Iterates, orbits, fixed points and periodic points
# --------------------------------------------------------------------------------------


def iterate(f: sp.Expr, x: sp.Symbol, k: int) -> sp.Expr:
    """The k-th iterate f^k(x) = f(f(…f(x))) (f^0 = x), expanded.

    A polynomial f is composed as a polynomial (fast); any other expression by substitution.
    """
    check_symbol(x)
    check_int("k", k, 0)
    if f.is_polynomial(x):
        return _iterate_poly(_poly(f, x), k).as_expr()
    g: sp.Expr = x
    for _ in range(k):
        g = sp.expand(f.subs(x, g))
    return g


def _iterate_poly(p: sp.Poly, k: int) -> sp.Poly:
    g = sp.Poly(p.gen, p.gen, domain=p.domain)
    for _ in range(k):
        g = p.compose(g)
    return g


def orbit(f: sp.Expr, x: sp.Symbol, x0: sp.Expr, k: int) -> list[sp.Expr]:
    """The first k points x₀, f(x₀), …, f^{k−1}(x₀), simplified."""
    check_symbol(x)
    check_int("k", k, 1)
    points = [sp.sympify(x0)]
    for _ in range(k - 1):
        points.append(sp.simplify(f.subs(x, points[-1])))
    return points


def fixed_points(f: sp.Expr, x: sp.Symbol, domain: sp.Set = sp.S.Reals) -> sp.Set:
    """The solutions of f(x) = x in ``domain`` (explicit roots of a polynomial f where
    membership is decidable, SymPy's ``solveset`` otherwise)."""
    check_symbol(x)
    g = sp.expand(f - x)
    if g.is_polynomial(x):
        roots = sp.roots(sp.Poly(g, x))
        inside = [domain.contains(r) for r in roots]
        if sum(roots.values()) == sp.degree(g, x) and all(
                c in (sp.true, sp.false) for c in inside):
            return sp.FiniteSet(*(r for r, c in zip(roots, inside, strict=True) if c))
    return sp.solveset(g, x, domain)


def period_poly(f: sp.Expr, x: sp.Symbol, k: int) -> sp.Poly:
    """f^k(x) − x as a polynomial in x over the parameters' ring: its roots are the points
    whose period divides k."""
    check_int("k", k, 1)
    p = _poly(f, x)
    return _iterate_poly(p, k) - sp.Poly(x, x, domain=p.domain)


def prime_period_poly(f: sp.Expr, x: sp.Symbol, k: int) -> sp.Poly:
    """A polynomial whose roots are the points of prime period k of a polynomial map f
    (module docstring: Möbius quotient, gcd division where that quotient is not exact)."""
    check_int("k", k, 1)
    return _prime_period_poly(sp.sympify(f), x, k)


@functools.cache
def _prime_period_poly(f: sp.Expr, x: sp.Symbol, k: int) -> sp.Poly:
    by_d = {d: period_poly(f, x, d) for d in sp.divisors(k)}
    one = sp.Poly(1, x, domain=by_d[k].domain)
    num, den = one, one
    for d, p in by_d.items():
        m = sp.mobius(k // d)
        if m == 1:
            num = num * p
        elif m == -1:
            den = den * p
    try:
        return num.exquo(den)
    except sp.ExactQuotientFailed:  # pragma: no cover - only at degenerate parameters
        p = by_d[k]
        for d in (d for d in by_d if d < k):
            g = sp.gcd(p, by_d[d])
            while g.degree() > 0:
                p = sp.quo(p, g)
                g = sp.gcd(p, by_d[d])
        return p


def prime_period_polynomial(f: sp.Expr, x: sp.Symbol, k: int) -> sp.Expr:
    """:func:`prime_period_poly` as a factored expression (for display and solving)."""
    return sp.factor(prime_period_poly(f, x, k).as_expr())


# --------------------------------------------------------------------------------------
# Multipliers, cycle values and bifurcations
# --------------------------------------------------------------------------------------


def cycle_multiplier(f: sp.Expr, x: sp.Symbol, points: Sequence[sp.Expr]) -> sp.Expr:
    """(f^k)'(x₀) = Π_j f'(x_j) over the cycle's points (chain rule)."""
    check_symbol(x)
    if not points:
        raise ParameterError("points", list(points), "at least one point of the cycle")
    df = sp.diff(f, x)
    return sp.simplify(sp.Mul(*(df.subs(x, p) for p in points)))


def parameter_at_multiplier(multiplier: sp.Expr, parameter: sp.Symbol,
                            value: int = -1) -> list[sp.Expr]:
    """The parameter values where a cycle's multiplier equals ``value`` (−1: a flip, the
    period-doubling bifurcation; +1: a fold)."""
    check_symbol(parameter, "parameter")
    return list(sp.solve(sp.Eq(multiplier, value), parameter))


def lyapunov_exponent(multiplier: sp.Expr, k: int) -> sp.Expr:
    """ln|multiplier| / k: the Lyapunov exponent of every orbit attracted to a k-cycle."""
    check_int("k", k, 1)
    return sp.log(sp.Abs(multiplier, evaluate=False), evaluate=False) / k


@dataclass(frozen=True)
class CycleValue:
    """A value a cycle function takes on ``cycles`` distinct k-cycles (module docstring)."""

    value: sp.Expr
    cycles: int


Combine = Literal["sum", "product"]
POSITIVE = sp.Interval.open(0, sp.oo)


def _cycle_function(f: sp.Expr, x: sp.Symbol, k: int, g: sp.Expr,
                    combine: Combine, modulus: sp.Poly) -> sp.Poly:
    """Σ_j or Π_j g(f^j(x)), j < k, reduced modulo the prime-period polynomial."""
    p = _poly(f, x).to_field()
    modulus = modulus.to_field()
    gx = sp.Poly(g, x, domain=p.domain) if g.is_polynomial(x) else None
    if gx is None:
        raise ParameterError("g", g, f"a polynomial in {x}")
    point = sp.Poly(x, x, domain=p.domain)
    acc = sp.Poly(0 if combine == "sum" else 1, x, domain=p.domain)
    for _ in range(k):
        term = gx.compose(point).rem(modulus)
        acc = (acc + term if combine == "sum" else acc * term).rem(modulus)
        point = p.compose(point).rem(modulus)
    return acc


def cycle_value_polynomial(f: sp.Expr, x: sp.Symbol, k: int, y: sp.Symbol,
                           g: sp.Expr | None = None, combine: Combine = "product") -> sp.Expr:
    """R(y) = Res_x(P_k(x), y − H(x)) for H = Σ_j or Π_j g(f^j(x)) (g = f' by default: H is
    the multiplier), factored. Every k-cycle contributes the factor (y − H_cycle)^k."""
    check_symbol(y, "y")
    check_int("k", k, 1)
    if combine not in ("sum", "product"):
        raise ParameterError("combine", combine, "'sum' or 'product'")
    g = sp.diff(f, x) if g is None else sp.sympify(g)
    return _resultant(sp.sympify(f), x, k, g, combine).subs(_Y, y)


_Y = sp.Dummy("y")


@functools.cache
def _resultant(f: sp.Expr, x: sp.Symbol, k: int, g: sp.Expr, combine: Combine) -> sp.Expr:
    modulus = prime_period_poly(f, x, k)
    h = _cycle_function(f, x, k, g, combine, modulus)
    return sp.factor(sp.resultant(modulus.as_expr(), _Y - h.as_expr(), x))


def cycle_values(f: sp.Expr, x: sp.Symbol, k: int, g: sp.Expr | None = None,
                 combine: Combine = "product") -> list[CycleValue]:
    """The values of H = Σ_j / Π_j g(f^j(x)) on the k-cycles, by elimination (module
    docstring); g = f' (the default, with ``combine="product"``) gives the multipliers."""
    y = sp.Dummy("y")
    resultant = cycle_value_polynomial(f, x, k, y, g, combine)
    out: list[CycleValue] = []
    for factor, multiplicity in sp.factor_list(resultant, y)[1]:
        if not factor.has(y):
            continue
        if multiplicity % k:  # pragma: no cover - a cycle always gives k equal roots
            raise ArithmeticError(f"factor {factor} has multiplicity {multiplicity}, "
                                  f"not a multiple of the period {k}")
        roots = sp.roots(sp.Poly(factor, y))
        if sum(roots.values()) != sp.degree(factor, y):  # pragma: no cover
            raise ArithmeticError(f"no explicit roots for the cycle values' factor {factor}")
        out.extend(CycleValue(sp.factor(v), multiplicity // k) for v in roots)
    return out


def cycle_multipliers(f: sp.Expr, x: sp.Symbol, k: int) -> list[CycleValue]:
    """The multipliers of all k-cycles (prime period k), each with its number of cycles."""
    return cycle_values(f, x, k)


def bifurcation_polynomial(f: sp.Expr, x: sp.Symbol, k: int,
                           multiplier: int = -1) -> sp.Expr:
    """Res_x(P_k(x), multiplier − (f^k)'(x)), factored: a polynomial in the parameters that
    vanishes exactly where some k-cycle (real or complex) has the given multiplier
    (−1: flip, period doubling; +1: fold)."""
    y = sp.Dummy("y")
    return sp.factor(cycle_value_polynomial(f, x, k, y).subs(y, multiplier))


def bifurcation_values(f: sp.Expr, x: sp.Symbol, k: int, parameter: sp.Symbol,
                       multiplier: int = -1,
                       domain: sp.Set = POSITIVE) -> list[sp.Expr]:
    """The real roots in ``domain`` of :func:`bifurcation_polynomial`, sorted. A root may
    belong to a complex cycle with a real multiplier: check that the cycle is real."""
    check_symbol(parameter, "parameter")
    poly = bifurcation_polynomial(f, x, k, multiplier)
    if poly.free_symbols - {parameter}:
        raise ParameterError("f", f, f"a map whose only parameter is {parameter}")
    roots: set[sp.Expr] = set()
    for factor, _ in sp.factor_list(poly, parameter)[1]:
        if factor.has(parameter):
            roots |= set(sp.Poly(factor, parameter).real_roots())
    return sorted((r for r in roots if domain.contains(r) is sp.true), key=lambda r: r.evalf())


# --------------------------------------------------------------------------------------
# Where a cycle attracts, and its mean Lyapunov exponent over a parameter window
# --------------------------------------------------------------------------------------


def _real_roots(p: sp.Expr, parameter: sp.Symbol, name: str = "multiplier") -> list[sp.Expr]:
    """The distinct real roots of the numerator of a rational function of ``parameter``."""
    poly = sp.Poly(sp.numer(sp.together(p)), parameter)
    if poly.free_symbols - {parameter}:
        raise ParameterError(name, p, f"a rational function of {parameter} alone")
    return sorted(set(poly.real_roots()), key=lambda r: r.evalf(30))


def positive_root(expr: sp.Expr, parameter: sp.Symbol) -> sp.Expr:
    """The one positive root of a rational function of ``parameter`` (a bifurcation or crisis
    value), radicals simplified; ParameterError unless there is exactly one."""
    check_symbol(parameter, "parameter")
    roots = [r for r in _real_roots(expr, parameter, "expr") if r.is_positive]
    if len(roots) != 1:
        raise ParameterError("expr", expr, f"a function with one positive root in {parameter}; "
                             f"its positive roots are {roots}")
    return sp.radsimp(roots[0])


def attracting_set(multiplier: sp.Expr, parameter: sp.Symbol,
                   domain: sp.Interval = POSITIVE) -> sp.Set:
    """{parameter ∈ domain : |multiplier| < 1} for a multiplier rational in the parameter.

    The real roots of (multiplier − 1)(multiplier + 1) cut the domain into open pieces on
    which |multiplier| − 1 keeps its sign; each piece is tested at an exact interior point.
    """
    check_symbol(parameter, "parameter")
    cuts = [r for r in _real_roots((multiplier - 1) * (multiplier + 1), parameter)
            if domain.contains(r) is sp.true]
    ends = [domain.start, *cuts, domain.end]
    pieces: list[sp.Set] = []
    for a, b in itertools.pairwise(ends):
        mid = a + 1 if b is sp.oo else (b - 1 if a is -sp.oo else (a + b) / 2)
        if (sp.Abs(multiplier.subs(parameter, mid)) < 1) is sp.true:
            pieces.append(sp.Interval.open(a, b))
    return sp.Union(*pieces) if pieces else sp.S.EmptySet


def mean_lyapunov_exponent(multiplier: sp.Expr, k: int, parameter: sp.Symbol,
                           lo: sp.Expr, hi: sp.Expr) -> sp.Expr:
    """The mean of ln|μ| / k over the parameter uniform on [lo, hi], exactly, for a
    polynomial multiplier μ = c·Π_i (η − r_i) with no root in [lo, hi] (at a root — a
    superstable parameter — the exponent is −∞; ParameterError).

    ln|μ| = ln|c| + Σ_i ln|η − r_i|; a real root contributes the antiderivative
    (η − r) ln|η − r| − η, a complex pair a ± ib the antiderivative
    (η − a) ln((η − a)² + b²) − 2η + 2b·atan((η − a)/b) of ln((η − a)² + b²).
    """
    check_symbol(parameter, "parameter")
    check_int("k", k, 1)
    lo, hi = sp.sympify(lo), sp.sympify(hi)
    if not (hi - lo).is_positive:
        raise ParameterError("hi", hi, f"greater than lo = {lo}")
    try:
        poly = sp.Poly(multiplier, parameter)
    except sp.PolynomialError as exc:
        raise ParameterError("multiplier", multiplier,
                             f"a polynomial in {parameter} alone") from exc
    if poly.free_symbols - {parameter} or poly.degree() < 1:
        raise ParameterError("multiplier", multiplier, f"a polynomial in {parameter} alone")
    inside = [r for r in _real_roots(multiplier, parameter) if lo <= r <= hi]
    if inside:
        raise ParameterError("window", (lo, hi), f"free of roots of the multiplier {inside}")
    t = parameter
    antiderivative = t * sp.log(sp.Abs(poly.LC()))
    for root, m in sp.roots(poly).items():
        if root.is_real:
            sign = 1 if (lo - root).is_positive else -1
            antiderivative += m * ((t - root) * sp.log(sign * (t - root)) - t)
        elif sp.im(root).is_positive:  # one term per conjugate pair
            a, b = sp.re(root), sp.im(root)
            antiderivative += m * ((t - a) * sp.log((t - a) ** 2 + b**2) - 2 * t
                                   + 2 * b * sp.atan((t - a) / b))
    if sum(sp.roots(poly).values()) != poly.degree():  # pragma: no cover
        raise ParameterError("multiplier", multiplier, "a polynomial with explicit roots")
    value = (antiderivative.subs(t, hi) - antiderivative.subs(t, lo)) / (hi - lo)
    return sp.expand_log(value, force=True) / k
