"""The 2-cycles of a polynomial map of the line in closed form, by elimination.

A 2-cycle {a, b} is the quadratic C(x) = x² − σx + π with σ = a + b and π = ab, both constant
on the cycle, so both are roots of resultants (:func:`lrtheory.symbolic.cycles.cycle_values`
with ``combine="sum"`` and ``"product"`` over g(x) = x). :func:`two_cycles` pairs the
eliminated sums and products whose quadratic divides the prime-period polynomial P₂ and
checks that f maps its roots onto each other (the remainder of C(f(x)) modulo C(x) vanishes,
:func:`maps_roots_to_roots`), which gives the 2-cycles without nested radicals; the
multiplier f'(a)f'(b) is Res_x(C, f') for the monic C.

Divisions by a monic C whose coefficients hold radicals are done with the coefficients as
fresh symbols (exact polynomial division over their ring) and substituted afterwards, so no
radical expression is ever simplified inside the division.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sympy as sp

from lrtheory.errors import ParameterError
from lrtheory.symbolic.cycles import check_symbol, cycle_values, prime_period_poly
from lrtheory.symbolic.identity import is_zero


@dataclass(frozen=True)
class TwoCycle:
    """A 2-cycle {a, b} as the quadratic C(x) = x² − σx + π (σ = a + b, π = ab)."""

    sum: sp.Expr
    product: sp.Expr
    polynomial: sp.Expr
    multiplier: sp.Expr
    cycles: int


def _generic_monic(c: sp.Expr, x: sp.Symbol) -> tuple[sp.Expr, dict[sp.Dummy, sp.Expr]]:
    """c with its non-leading coefficients replaced by fresh symbols, and their values."""
    poly = sp.Poly(c, x)
    if poly.LC() != 1:
        raise ParameterError("c", c, f"a monic polynomial in {x}")
    coeffs = poly.all_coeffs()[1:]
    names = [sp.Dummy(f"a{i}") for i in range(len(coeffs))]
    return sp.Poly([1, *names], x).as_expr(), dict(zip(names, coeffs, strict=True))


def _remainder(p: Callable[[sp.Expr], sp.Expr], c: sp.Expr, x: sp.Symbol) -> list[sp.Expr]:
    """The coefficients of p(c) mod c(x) for a monic c whose coefficients may hold radicals.

    The division is done with the coefficients of c replaced by fresh symbols A_i (c is
    monic, so this is exact polynomial division over the symbols' ring, with no radicals
    to simplify), and the actual coefficients are substituted into the remainder only.
    """
    generic, values = _generic_monic(c, x)
    (num, den), _ = sp.parallel_poly_from_expr((p(generic), generic), x)
    r = num.rem(den)
    return [e.subs(values) for e in r.all_coeffs()]


def _product_over_roots(c: sp.Expr, g: sp.Expr, x: sp.Symbol) -> sp.Expr:
    """Π g(r) over the roots r of the monic c: Res_x(c, g), computed with c's coefficients
    as symbols and substituted afterwards."""
    generic, values = _generic_monic(c, x)
    return sp.factor(sp.expand(sp.resultant(generic, g, x).subs(values)))


def _vanishes(coeffs: Sequence[sp.Expr]) -> bool:
    """Whether every coefficient is identically zero: a sample point settles "no" at once,
    "yes" is decided exactly (expansion, then simplification if needed)."""
    if any(_nonzero_at_sample(e) for e in coeffs):
        return False
    return all(is_zero(e) for e in (sp.expand(e) for e in coeffs) if e != 0)


def _divides(c: sp.Expr, p: sp.Expr, x: sp.Symbol) -> bool:
    """Whether the monic c divides the polynomial p exactly."""
    return _vanishes(_remainder(lambda _: p, c, x))


def _nonzero_at_sample(e: sp.Expr) -> bool:
    """True when e is nonzero at a generic point allowed by its symbols' assumptions (so e
    is not identically zero); False means "undecided"."""
    sample = {}
    for v in e.free_symbols:
        if v.is_negative:
            sample[v] = -sp.Rational(37, 13)
        elif v.is_positive or v.is_real:
            sample[v] = sp.Rational(37, 13)
        else:
            return False
    value = sp.N(e.subs(sample), 30)
    return bool(value.is_number and abs(value) > sp.Float("1e-20"))


def two_cycles(f: sp.Expr, x: sp.Symbol) -> list[TwoCycle]:
    """Every 2-cycle of a polynomial map as x² − σx + π (module docstring), its multiplier
    f'(a)f'(b) = Res_x(C, f') (C monic) and the number of cycles it stands for."""
    sums = cycle_values(f, x, 2, x, "sum")
    products = cycle_values(f, x, 2, x, "product")
    p2 = prime_period_poly(f, x, 2).as_expr()
    df = sp.diff(f, x)
    found: list[TwoCycle] = []
    for s in sums:
        for p in products:
            c = x**2 - s.value * x + p.value
            if _divides(c, p2, x) and maps_roots_to_roots(f, x, c):
                found.append(TwoCycle(s.value, p.value, c, _product_over_roots(c, df, x),
                                      min(s.cycles, p.cycles)))
    return found


def maps_roots_to_roots(f: sp.Expr, x: sp.Symbol, c: sp.Expr) -> bool:
    """Whether f maps the roots of the monic polynomial c onto roots of c: C(f(x)) ≡ 0
    modulo C(x), decided exactly."""
    check_symbol(x)
    return _vanishes(_remainder(lambda generic: generic.subs(x, f), c, x))
