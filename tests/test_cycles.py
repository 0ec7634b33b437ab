"""k-cycles, multipliers and bifurcations of smooth maps (lrtheory.symbolic.cycles)."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy as sp

from lrtheory.errors import ParameterError
from lrtheory.symbolic.cycles import (
    attracting_set,
    bifurcation_polynomial,
    bifurcation_values,
    cycle_multiplier,
    cycle_multipliers,
    cycle_values,
    fixed_points,
    iterate,
    lyapunov_exponent,
    mean_lyapunov_exponent,
    orbit,
    parameter_at_multiplier,
    period_poly,
    positive_root,
    prime_period_poly,
    prime_period_polynomial,
)
from lrtheory.symbolic.identity import identical
from lrtheory.symbolic.two_cycles import maps_roots_to_roots, two_cycles

x = sp.Symbol("x", real=True)
r, eta = sp.symbols("r eta", positive=True)
LOGISTIC = r * x * (1 - x)
DOUBLE_WELL = x - eta * (x**3 - x)  # GD on (x²−1)²/4, the map of N2


def test_iterate_composes() -> None:
    f = 2 * x + 1
    assert identical(iterate(f, x, 0), x)
    assert identical(iterate(f, x, 3), 8 * x + 7)
    assert identical(iterate(sp.sin(x), x, 2), sp.sin(sp.sin(x)))  # not a polynomial: subs
    with pytest.raises(ParameterError, match="k must be an integer in \\[0"):
        iterate(f, x, -1)


def test_logistic_two_cycle_and_its_flip() -> None:
    f = LOGISTIC
    assert identical(fixed_points(f, x), sp.FiniteSet(0, 1 - 1 / r))
    p = prime_period_polynomial(f, x, 2)
    assert sp.degree(p, x) == 2  # the fixed points are divided out
    roots = sp.solve(p, x)
    assert all(identical(iterate(f, x, 2).subs(x, z), z) for z in roots)
    assert not any(identical(f.subs(x, z), z) for z in roots)
    m = cycle_multiplier(f, x, roots)
    assert identical(m, -(r**2) + 2 * r + 4)
    assert any(identical(v, 1 + sp.sqrt(6)) for v in parameter_at_multiplier(m, r))


def test_gd_on_double_well_first_flip_at_eta_one() -> None:
    f = DOUBLE_WELL
    m = cycle_multiplier(f, x, [1])
    assert identical(m, 1 - 2 * eta)
    assert parameter_at_multiplier(m, eta) == [1]
    cyc = orbit(f, x, sp.sqrt((eta + 2) / eta), 2)
    assert identical(cyc[1], -cyc[0])  # the symmetric 2-cycle ±√((η+2)/η)
    assert identical(cycle_multiplier(f, x, cyc), (2 * eta + 5) ** 2)
    with pytest.raises(ParameterError, match="k must be an integer in \\[1"):
        prime_period_polynomial(f, x, 0)


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_prime_period_points_against_brute_force(k: int) -> None:
    """At r = 39/10 the roots of P_k are exactly the roots of f^k(x) = x that are not
    roots of f^d(x) = x for a proper divisor d (numerically, all 2^k of them)."""
    f = LOGISTIC.subs(r, sp.Rational(39, 10))
    p = prime_period_poly(f, x, k)
    mobius_degree = sum(sp.mobius(k // d) * 2**d for d in sp.divisors(k))
    assert p.degree() == mobius_degree
    every = np.roots([float(c) for c in period_poly(f, x, k).all_coeffs()])
    lower = np.concatenate([np.roots([float(c) for c in period_poly(f, x, d).all_coeffs()])
                            for d in sp.divisors(k) if d < k] or [np.array([])])
    prime = [z for z in every if np.min(np.abs(lower - z), initial=np.inf) > 1e-6]
    found = np.roots([float(c) for c in p.all_coeffs()])
    assert len(prime) == len(found)
    assert all(np.min(np.abs(found - z)) < 1e-6 for z in prime)


def test_period_polynomial_is_the_product_over_divisors() -> None:
    """f^k(x) − x = Π_{d | k} P_d(x) up to a constant factor, exactly (k = 6)."""
    product = sp.Poly(1, x, domain=period_poly(LOGISTIC, x, 1).domain)
    for d in sp.divisors(6):
        product = product * prime_period_poly(LOGISTIC, x, d)
    quotient, remainder = period_poly(LOGISTIC, x, 6).to_field().div(product.to_field())
    assert remainder.is_zero
    assert quotient.degree() == 0


def test_cycle_values_by_elimination() -> None:
    mults = {m.value: m.cycles for m in cycle_multipliers(DOUBLE_WELL, x, 2)}
    assert mults == {(2 * eta + 5) ** 2: 1, 7 - 4 * eta - 2 * eta**2: 2}
    sums = cycle_values(LOGISTIC, x, 2, x, "sum")
    assert len(sums) == 1
    assert identical(sums[0].value, (r + 1) / r)
    with pytest.raises(ParameterError, match="combine"):
        cycle_values(LOGISTIC, x, 2, x, "mean")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="g must be a polynomial"):
        cycle_values(LOGISTIC, x, 2, sp.exp(x), "sum")


def test_two_cycles_in_closed_form() -> None:
    (c,) = two_cycles(LOGISTIC, x)
    assert identical(c.polynomial, x**2 - (r + 1) / r * x + (r + 1) / r**2)
    assert identical(c.multiplier, 4 + 2 * r - r**2)
    found = two_cycles(DOUBLE_WELL, x)
    assert sorted(c.cycles for c in found) == [1, 1, 1]
    symmetric = next(c for c in found if c.sum == 0)
    assert identical(symmetric.polynomial, x**2 - (eta + 2) / eta)
    assert maps_roots_to_roots(DOUBLE_WELL, x, symmetric.polynomial)
    assert not maps_roots_to_roots(DOUBLE_WELL, x, x**2 - 2)
    with pytest.raises(ParameterError, match="monic"):
        maps_roots_to_roots(DOUBLE_WELL, x, 2 * x**2 - 1)


def test_flip_and_fold_conditions() -> None:
    assert bifurcation_values(LOGISTIC, x, 1, r) == [3]
    assert bifurcation_values(LOGISTIC, x, 2, r) == [1 + sp.sqrt(6)]
    # The period-3 window of the logistic map opens by a fold at r = 1 + √8.
    assert bifurcation_values(LOGISTIC, x, 3, r, multiplier=1) == [1 + 2 * sp.sqrt(2)]
    poly = bifurcation_polynomial(DOUBLE_WELL, x, 2)
    assert identical(poly, 64 * eta**12 * (eta**2 + 2 * eta - 4) ** 4
                     * (2 * eta**2 + 10 * eta + 13) ** 2)
    with pytest.raises(ParameterError, match="only parameter"):
        bifurcation_values(LOGISTIC + eta * x**2, x, 1, r)
    with pytest.raises(ParameterError, match="a polynomial"):
        bifurcation_polynomial(sp.sin(x), x, 1)


def test_attracting_set() -> None:
    fixed = 1 - 1 / r
    assert identical(attracting_set(sp.diff(LOGISTIC, x).subs(x, fixed), r),
                     sp.Interval.open(1, 3))
    assert attracting_set(7 - 4 * eta - 2 * eta**2, eta) == sp.Interval.open(1, sp.sqrt(5) - 1)
    assert attracting_set((2 * eta + 5) ** 2, eta) is sp.S.EmptySet
    assert attracting_set(eta / 2, eta) == sp.Interval.open(0, 2)


@pytest.mark.parametrize(("mu", "k", "lo", "hi"), [
    (1 - 2 * eta, 1, sp.Rational(7, 10), sp.Rational(4, 5)),
    (7 - 4 * eta - 2 * eta**2, 2, sp.Rational(29, 25), sp.Rational(6, 5)),
    (eta**2 + 1, 3, 0, 1),  # complex roots ±i
    ((eta - 3) ** 2 * (eta + 1), 1, sp.Rational(1, 2), 2),  # a double root outside
])
def test_mean_lyapunov_exponent_against_quadrature(mu: sp.Expr, k: int, lo: sp.Expr,
                                                   hi: sp.Expr) -> None:
    exact = mean_lyapunov_exponent(mu, k, eta, lo, hi)
    g = sp.lambdify(eta, lyapunov_exponent(mu, k), "mpmath")
    with mpmath.workdps(30):
        numeric = mpmath.quad(g, [lo, hi]) / (hi - lo)
        assert abs(sp.N(exact, 30) - numeric) < 1e-25


def test_mean_lyapunov_exponent_rejects_a_superstable_window() -> None:
    with pytest.raises(ParameterError, match="window"):
        mean_lyapunov_exponent(1 - 2 * eta, 1, eta, sp.Rational(2, 5), sp.Rational(3, 5))
    with pytest.raises(ParameterError, match="hi must be"):
        mean_lyapunov_exponent(1 - 2 * eta, 1, eta, 1, 1)
    with pytest.raises(ParameterError, match="polynomial"):
        mean_lyapunov_exponent(sp.exp(eta), 1, eta, 0, 1)


def test_bad_input_is_rejected() -> None:
    with pytest.raises(ParameterError, match="k must be"):
        orbit(2 * x, x, 1, 0)
    with pytest.raises(ParameterError, match="points"):
        cycle_multiplier(2 * x, x, [])
    with pytest.raises(ParameterError, match="parameter"):
        parameter_at_multiplier(r, r + 1)
    with pytest.raises(ParameterError, match="x must be a SymPy Symbol"):
        fixed_points(2 * x, 2)
    with pytest.raises(ParameterError, match="f must be a polynomial"):
        prime_period_poly(1 / x, x, 2)
    with pytest.raises(ParameterError, match="exact coefficients"):
        period_poly(0.5 * x**2, x, 1)


def test_positive_root() -> None:
    assert identical(positive_root(eta**2 + 2 * eta - 4, eta), sp.sqrt(5) - 1)  # N2's η₂
    assert identical(positive_root((eta - 1) / eta, eta), sp.Integer(1))  # numerator only
    with pytest.raises(ParameterError, match="one positive root"):
        positive_root((eta - 1) * (eta - 2), eta)
    with pytest.raises(ParameterError, match="one positive root"):
        positive_root(eta + 1, eta)
    with pytest.raises(ParameterError, match="parameter"):
        positive_root(eta - 1, 2)  # type: ignore[arg-type]
