"""Asymptotics of linear recursions under power-law rates η_t = c·t^(−p), derived with SymPy.

SGD on the noisy quadratic has m_t = E[e_t²] obeying m_{t+1} = q_t m_t + r_t with
q_t = (1 − λη_t)² and r_t = η_t²s². How m_t behaves as t → ∞ is derived here by the methods a
reader would use by hand — each one computed, never typed in:

* :func:`p_series_convergence`: the set of exponents q for which Σ_t t^(−q) converges, by the
  integral test (``integrate`` with its convergence condition);
* :func:`expansion_coefficients`: dominant balance on the recursion itself. An ansatz
  m_t = Σ A_j u^j in u = t^(−1/k) (log t kept as the separate symbol ℓ, so that
  (A ℓ + B)u covers t^(−1)·log t) is inserted, m_{t+1} − q_t m_t − r_t is expanded in u with
  m_{t+1} from u ↦ u(1 + u^k)^(−1/k), ℓ ↦ ℓ + log(1 + u^k), and every order is set to zero;
* :func:`homogeneous_exponent`: γ such that the homogeneous recursion h_{t+1} = q_t h_t has
  a solution ∝ t^(−γ) (the lowest order of (1 + 1/t)^(−γ) − q_t), or ``None`` where no power
  fits (h_t falls faster than any power of t);
* :func:`integrating_factor_solution`: the moment ODE dm/dt = −2λη(t)m + η(t)²s² of the
  continuous-time limit, solved with the integrating factor exp(∫2λη);
* :func:`gamma_ratio_limit`: lim_{x→∞} x^β ∏Γ(x + α_i)/∏Γ(x + β_j) from Stirling's series of
  ``loggamma`` at infinity (the asymptotics of products such as ∏(1 − a/t)).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import sympy as sp

from lrtheory.errors import ParameterError, check_int

#: The expansion variable u = t^(−1/k) and ℓ = log t, the symbols an ansatz is written in.
U = sp.Symbol("u", positive=True)
ELL = sp.Symbol("ell", real=True)


def p_series_convergence(q: sp.Symbol, t: sp.Symbol) -> sp.Set:
    """{q > 0 : Σ_{t≥1} t^(−q) < ∞} by the integral test (the term is positive and
    decreasing in t): SymPy's antiderivative of t^(−q) is a power c·t^e on one branch (finite
    at ∞ exactly where e < 0) and log t on the other (q = 1: infinite)."""
    if not (isinstance(q, sp.Symbol) and q.is_positive and isinstance(t, sp.Symbol)):
        raise ParameterError("q", q, "a positive SymPy symbol")
    positive = sp.Interval.open(0, sp.oo)
    antiderivative = sp.integrate(t ** (-q), t)
    branches = (antiderivative.args if isinstance(antiderivative, sp.Piecewise)
                else ((antiderivative, sp.true),))
    finite: sp.Set = sp.EmptySet
    for expr, cond in branches:
        where = positive if cond is sp.true else cond.as_set().intersect(positive)
        coeff, exponent = expr.as_coeff_exponent(t)
        if coeff.has(t):  # not a power of t: decide its limit directly
            if sp.limit(expr, t, sp.oo).is_finite:
                finite = finite.union(where)
            continue
        finite = finite.union(where.intersect(sp.solveset(exponent < 0, q, sp.S.Reals)))
    return finite


def shift_one(expr: sp.Expr, k: int) -> sp.Expr:
    """An expression in u = t^(−1/k) and ℓ = log t, evaluated at t + 1 instead of t."""
    check_int("k", k, 1)
    return expr.subs({U: U * (1 + U**k) ** sp.Rational(-1, k), ELL: ELL + sp.log(1 + U**k)},
                     simultaneous=True)


def residual_series(rhs: sp.Expr, m: sp.Symbol, t: sp.Symbol, ansatz: sp.Expr, k: int,
                    order: int) -> sp.Expr:
    """m_{t+1} − rhs(m_t, t) for m_t = ``ansatz``, expanded in u = t^(−1/k) up to u^order."""
    check_int("order", order, 1)
    residual = shift_one(ansatz, k) - rhs.subs(m, ansatz).subs(t, U ** (-k))
    return sp.expand(sp.series(residual, U, 0, order + 1).removeO())


def expansion_coefficients(rhs: sp.Expr, m: sp.Symbol, t: sp.Symbol, ansatz: sp.Expr,
                           unknowns: Sequence[sp.Symbol], k: int,
                           order: int) -> dict[sp.Symbol, sp.Expr]:
    """The ansatz coefficients that make m_{t+1} = rhs(m_t, t) hold to order u^order.

    Every coefficient of u^i ℓ^j (i ≤ order) of the residual must vanish; the system is
    solved for ``unknowns`` (an unknown left free — the constant of a homogeneous solution
    the ansatz contains — is simply absent from the result). Raises if no choice works."""
    series = residual_series(rhs, m, t, ansatz, k, order)
    equations = [c for c in sp.Poly(series, U, ELL).coeffs() if c != 0]
    solutions = sp.solve(equations, list(unknowns), dict=True)
    if len(solutions) != 1:
        raise ParameterError("ansatz", ansatz, f"one consistent expansion to order u^{order}")
    return {key: sp.factor(value) for key, value in solutions[0].items()}


def homogeneous_exponent(q: sp.Expr, t: sp.Symbol, k: int = 1) -> sp.Expr | None:
    """γ with h_t ∝ t^(−γ) solving h_{t+1} = q(t)·h_t to leading order, or ``None``.

    (1 + 1/t)^(−γ) − q(t) is expanded in u = t^(−1/k); its lowest non-vanishing order must
    vanish. If that order does not involve γ (a constant q ≠ 1, say, or one that tends to 1
    more slowly than 1/t), no power of t balances the recursion."""
    gamma = sp.Symbol("gamma")
    residual = (1 + U**k) ** (-gamma) - q.subs(t, U ** (-k))
    for order in range(4 * k + 1):
        coeff = sp.expand(sp.series(residual, U, 0, order + 1).removeO()).coeff(U, order)
        if coeff == 0:
            continue
        if not coeff.has(gamma):
            return None
        (solution,) = sp.solve(coeff, gamma)
        return sp.factor(solution)
    return None  # pragma: no cover - q ≢ 1 shows at low order for the rates used here


def integrating_factor_solution(rate: sp.Expr, lam: sp.Expr, noise_var: sp.Expr,
                                t: sp.Symbol, constant: sp.Symbol) -> sp.Expr:
    """m(t) solving dm/dt = −2λη(t)m + η(t)²s²: with F = exp(∫2λη dt),
    m = (C + ∫η²s²F dt)/F (a ``Piecewise`` where the integral turns into a logarithm)."""
    factor = sp.simplify(sp.exp(sp.integrate(2 * lam * rate, t)))
    source = sp.integrate(sp.powsimp(sp.expand(rate**2 * noise_var * factor)), t)
    return sp.piecewise_fold(sp.expand((constant + source) / factor))


#: A real (not integer) variable, so that ``loggamma`` stays unevaluated.
_Y = sp.Symbol("y", positive=True)


_SHIFT = sp.Symbol("s", real=True)


@cache
def _stirling_generic() -> sp.Expr:
    """log Γ(y + s) to O(1/y) as y → ∞ for a symbolic shift s: SymPy's asymptotic series of
    ``loggamma``, computed once."""
    return sp.series(sp.loggamma(_Y + _SHIFT), _Y, sp.oo, n=1).removeO()


def _stirling(shift: sp.Expr) -> sp.Expr:
    """log Γ(y + shift) to O(1/y): the generic series at this shift."""
    return _stirling_generic().subs(_SHIFT, shift)


def gamma_ratio_limit(upper: Sequence[sp.Expr], lower: Sequence[sp.Expr],
                      power: sp.Expr | int = 0) -> sp.Expr:
    """lim_{x→∞} x^power·∏_i Γ(x + upper_i)/∏_j Γ(x + lower_j), from Stirling's series of
    each log Γ(x + α) at infinity (to O(1/x)), summed; raises if the sum still depends on x
    (the ratio then tends to 0 or ∞)."""
    if len(upper) != len(lower):
        raise ParameterError("upper", upper, f"as many shifts as lower ({len(lower)})")
    log_ratio = (sp.Add(*(_stirling(a) for a in upper)) - sp.Add(*(_stirling(b) for b in lower))
                 + power * sp.log(_Y))
    lead = sp.expand(sp.expand_log(log_ratio, force=True))
    if lead.has(_Y):
        raise ParameterError("power", power, f"the exponent that makes the ratio finite ({lead})")
    return sp.exp(lead)


def infinite_product(term: sp.Expr, t: sp.Symbol, start: int) -> sp.Expr:
    """∏_{t=start}^{∞} ``term`` for a rational term → 1 (as 1 + O(t⁻²)): SymPy writes the
    partial product to N with rising factorials; rewritten in Γ it splits into an N-free
    constant times ∏Γ(N + α_i)/∏Γ(N + β_j), whose limit :func:`gamma_ratio_limit` gives;
    ``gammasimp`` then applies the reflection formula where it can."""
    check_int("start", start, 1)
    n = sp.Symbol("N", positive=True, integer=True)
    partial = sp.product(term, (t, start, n))
    # (x)_N = Γ(x + N)/Γ(x) as meromorphic functions (SymPy's own rewrite splits on signs).
    partial = partial.replace(sp.RisingFactorial, lambda x, k: sp.gamma(x + k) / sp.gamma(x))
    partial = sp.powsimp(partial.replace(sp.factorial, lambda k: sp.gamma(k + 1)))
    constant: sp.Expr = sp.Integer(1)
    upper: list[sp.Expr] = []
    lower: list[sp.Expr] = []
    for factor in sp.Mul.make_args(partial):
        if not factor.has(n):
            constant *= factor
            continue
        base, exponent = factor.as_base_exp()
        shift = sp.expand(base.args[0] - n) if isinstance(base, sp.gamma) else n
        if shift.has(n) or not (exponent.is_integer and exponent != 0):
            raise ParameterError("term", term, "a rational term whose partial products are "
                                                 f"ratios of Γ(N + α) (got {factor})")
        (upper if exponent > 0 else lower).extend([shift] * abs(int(exponent)))
    return sp.gammasimp(constant * gamma_ratio_limit(upper, lower))
