"""Gradient flows in SymPy: Lie series, Taylor polynomials along a step, the double well.

* :func:`flow_taylor_series`: the Taylor series in time of the flow θ' = F(θ) started at θ,
  θ(h) = Σ_k h^k/k! F^{(k)}(θ) with F^{(0)} = θ and F^{(k+1)} = (∂F^{(k)}/∂θ) F;
* :func:`first_modified_field`: the O(h) correction of the modified equation of a one-step
  method (backward error analysis) and the O(h³) mismatch it leaves;
* :func:`step_taylor_polynomial`: Σ_{k=lo}^{hi} η^k/k! (d/ds)^k L(θ + s v)|_{s=0}, the Taylor
  polynomial of a loss along a step direction v (it terminates for a polynomial loss);
* the double well L = ¼(x² − 1)² + ½ay²: its one-step truncation error, that error's exact
  Gaussian expectation, and the closed-form gradient flow of its x-part.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import sympy as sp

from lrtheory.errors import ParameterError, check_int, check_positive, check_real
from lrtheory.symbolic.moments import expectation, gaussian_moments_about


def power_coefficient(expr: sp.Expr, var: sp.Symbol, k: int) -> sp.Expr:
    """The coefficient of var^k in the expanded ``expr`` (a polynomial in ``var``)."""
    check_int("k", k, 0)
    return sp.expand(expr).coeff(var, k)


def flow_taylor_series(field: sp.Matrix, theta: sp.Matrix, h: sp.Symbol,
                       order: int) -> sp.Matrix:
    """θ(h) = Σ_{k≤order} h^k/k! F^{(k)}(θ) for the flow θ' = F(θ) started at θ (the Lie
    series): F^{(0)} = θ, F^{(k+1)} = (∂F^{(k)}/∂θ) F, since d/dt G(θ(t)) = (∂G/∂θ) F.

    ``theta`` is a column of symbols, ``field`` a column of the same length."""
    check_int("order", order, 0)
    if theta.shape[1] != 1 or not all(isinstance(s, sp.Symbol) for s in theta):
        raise ParameterError("theta", theta, "a column matrix of symbols")
    if field.shape != theta.shape:
        raise ParameterError("field", field.shape, f"a column of length {theta.shape[0]}")
    term, series = theta, theta
    for k in range(1, order + 1):
        term = term.jacobian(theta) * field
        series = series + h**k / sp.factorial(k) * term
    return series


def step_taylor_polynomial(loss: sp.Expr, variables: Sequence[sp.Symbol],
                           direction: Sequence[sp.Expr], eta: sp.Symbol, lo: int,
                           hi: int) -> sp.Expr:
    """Σ_{k=lo}^{hi} η^k/k! (d/ds)^k L(θ + s v)|_{s=0} with v = ``direction`` held fixed: the
    degree-lo … hi terms of the Taylor series of L along the step θ → θ + ηv."""
    check_int("lo", lo, 0)
    check_int("hi", hi, lo)
    if len(direction) != len(variables):
        raise ParameterError("direction", len(direction), f"length {len(variables)}")
    s = sp.Dummy("s")
    along = loss.subs({v: v + s * d for v, d in zip(variables, direction, strict=True)},
                      simultaneous=True)
    return sp.Add(*(eta**k / sp.factorial(k) * sp.diff(along, s, k).subs(s, 0)
                    for k in range(lo, hi + 1)))


def first_modified_field(field: sp.Matrix, step: sp.Matrix, theta: sp.Matrix, h: sp.Symbol,
                         residual: bool = False) -> tuple[sp.Matrix, sp.Matrix, sp.Matrix]:
    """Backward error analysis of a one-step method θ ↦ ``step`` = θ + hF(θ) + O(h²).

    With unknown functions f₁(θ), expand the flow of θ' = F + h f₁ over one step h
    (:func:`flow_taylor_series`) and subtract ``step``: the O(h) terms cancel, and setting
    the O(h²) coefficient C₂(f₁) to zero determines f₁. Returns (C₂(f₁) with f₁ unknown, the
    solved f₁, the O(h³) coefficient left with that f₁ — computed only when ``residual``,
    else a zero matrix)."""
    n = theta.shape[0]
    unknown = sp.Matrix([sp.Function(f"f_1{i}")(*theta) for i in range(n)])
    mismatch = flow_taylor_series(field + h * unknown, theta, h, 3 if residual else 2) - step
    order2 = mismatch.applyfunc(lambda e: power_coefficient(e, h, 2))
    solution = sp.solve(list(order2), list(unknown), dict=True)
    if len(solution) != 1:
        raise ParameterError("step", step, "a one-step method θ + hF(θ) + O(h²) of the field")
    f1 = unknown.subs(solution[0])
    left = (mismatch.subs(solution[0]).doit().applyfunc(lambda e: power_coefficient(e, h, 3))
            if residual else sp.zeros(n, 1))
    return order2, f1, left


@cache
def double_well() -> tuple[sp.Expr, tuple[sp.Symbol, sp.Symbol, sp.Symbol, sp.Symbol]]:
    """L = ¼(x² − 1)² + ½ay² with its symbols (x, y, a, η)."""
    x, y = sp.symbols("x y", real=True)
    a, eta = sp.symbols("a eta", positive=True)
    return (x**2 - 1) ** 2 / 4 + a * y**2 / 2, (x, y, a, eta)


def double_well_gradient() -> tuple[sp.Expr, sp.Expr]:
    """∇L of :func:`double_well`: (x³ − x, ay), by differentiation."""
    loss, (x, y, _a, _eta) = double_well()
    return sp.diff(loss, x), sp.diff(loss, y)


@cache
def double_well_truncation() -> sp.Expr:
    """The exact one-step truncation error T = L(θ − ηg) − [L(θ) − η‖g‖²] of the double
    well, g = ∇L(θ): a polynomial in η of degree 4 (L is quartic), in the symbols of
    :func:`double_well`."""
    loss, (x, y, _a, eta) = double_well()
    gx, gy = double_well_gradient()
    stepped = loss.subs({x: x - eta * gx, y: y - eta * gy}, simultaneous=True)
    return sp.expand(stepped - (loss - eta * (gx**2 + gy**2)))


def expected_double_well_truncation(a: float, eta: float, means: tuple[float, float],
                                    sd: float, leading: bool = False) -> float:
    """E[T/η²] for θ₀ = (x, y), x ~ N(m_x, s²) and y ~ N(m_y, s²) independent.

    T/η² is a polynomial in x and y, so E is exact: every monomial x^i y^j becomes
    E[x^i] E[y^j] with the raw moments E[(m + sZ)^k] = Σ_{j even} C(k, j) m^{k−j} s^j (j−1)!!.
    ``leading=True`` keeps only T's η² term, ½gᵀHg (the source's linear-model error)."""
    a = check_positive("a", a)
    eta = check_positive("eta", eta)
    sd = check_positive("sd", sd)
    if len(means) != 2:
        raise ParameterError("means", means, "a pair (m_x, m_y)")
    mx, my = (check_real(f"means[{i}]", m) for i, m in enumerate(means))
    _loss, (x, y, a_s, eta_s) = double_well()
    per_step = sp.expand(double_well_truncation().subs(a_s, sp.nsimplify(a)) / eta_s**2)
    per_step = per_step.subs(eta_s, 0 if leading else sp.nsimplify(eta))
    s = sp.nsimplify(sd)
    moments = {x: gaussian_moments_about(sp.nsimplify(mx), s),
               y: gaussian_moments_about(sp.nsimplify(my), s)}
    return float(expectation(per_step, moments))


@cache
def double_well_flow_x() -> tuple[sp.Expr, sp.Symbol, sp.Symbol]:
    """x(t) of the gradient flow x' = x − x³ from x₀ > 0, by the Bernoulli substitution
    u = x⁻² (u' = −2x⁻³x' = 2 − 2u, linear) solved with ``dsolve``; returns (x(t), t, x₀)."""
    t, x0 = sp.symbols("t x_0", positive=True)
    u = sp.Function("u")
    sol = sp.dsolve(sp.Eq(u(t).diff(t), 2 - 2 * u(t)), u(t), ics={u(0): x0**-2})
    return 1 / sp.sqrt(sol.rhs), t, x0


__all__: list[str] = [
    "double_well", "double_well_flow_x", "double_well_gradient", "double_well_truncation",
    "expected_double_well_truncation", "first_modified_field", "flow_taylor_series",
    "power_coefficient",
    "step_taylor_polynomial",
]
