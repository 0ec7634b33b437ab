"""Two-feature least squares in SymPy, and the uniform-start law of a sign change.

**Loss and Hessian.** With features x₁ (multiplied by a scale s), x₂ and targets y over n
samples, L(w) = (1/2n)Σᵢ(s·x_{1i}w₁ + x_{2i}w₂ − yᵢ)²; its Hessian is computed by
differentiation, then :func:`in_moments` writes every Σᵢ x_{ji}x_{ki} as n times the
features' uncentred second moments m_j = (1/n)Σᵢx²_{ji} and their correlation c,
(1/n)Σᵢx_{1i}x_{2i} = c·√(m₁m₂).

**Sign change from a uniform start.** For u = (cos θ, sin θ), θ uniform on [0, 2π), and
a₁ > 0 > a₂, the quadratic form a₁u₁² + a₂u₂² is positive iff |tan θ| < √(a₁/(−a₂)), so
P = (2/π)·atan(√(a₁/(−a₂))) — :func:`circle_sign_law` solves the inequality in t = |tan θ|
rather than typing that in.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

N = sp.Symbol("n", positive=True, integer=True)
I = sp.Symbol("i", positive=True, integer=True)  # noqa: E741 (the sample index)
X1, X2, Y = (sp.IndexedBase(a) for a in ("x_1", "x_2", "y"))
W = sp.symbols("w_1 w_2", real=True)
M1, M2 = sp.symbols("m_1 m_2", positive=True)
C = sp.Symbol("c", real=True)


def loss(scale: sp.Expr = sp.S.One) -> sp.Expr:
    """L(w) = (1/2n)Σᵢ(scale·x_{1i}w₁ + x_{2i}w₂ − yᵢ)², an unevaluated sum over i = 1..n."""
    return sp.Sum((scale * X1[I] * W[0] + X2[I] * W[1] - Y[I]) ** 2, (I, 1, N)) / (2 * N)


def gram() -> sp.Matrix:
    """(1/n)XᵀX for X = [x₁ x₂], entry by entry as sums over the samples."""
    return sp.Matrix(2, 2, lambda j, k: sp.Sum((X1, X2)[j][I] * (X1, X2)[k][I], (I, 1, N))) / N


def in_moments(m: sp.Matrix) -> sp.Matrix:
    """``m`` with every Σᵢ a·x_{ji}x_{ki} replaced by a·n·(m_j, m_k or c√(m₁m₂)), then
    cancelled: a Hessian of :func:`loss` in the features' second moments and correlation."""
    table = {X1[I] ** 2: M1, X2[I] ** 2: M2, X1[I] * X2[I]: C * sp.sqrt(M1 * M2)}

    def one(a: sp.Sum) -> sp.Expr:
        coeff, dep = a.function.as_independent(I, as_Add=False)
        return coeff * N * table[dep]

    return m.replace(lambda a: isinstance(a, sp.Sum), one).applyfunc(sp.cancel)


@dataclass(frozen=True)
class CircleSignLaw:
    """E[cos²θ] and P(a₁cos²θ + a₂sin²θ > 0) for θ uniform, a₁ > 0 > a₂."""

    second: sp.Expr  # E[cos²θ], integrated
    law: sp.Expr  # P as (2/π)·atan(t*), t* the end of the solved set of |tan θ|
    tan_end: sp.Expr  # t*, in a₁, a₂
    a1: sp.Symbol
    a2: sp.Symbol

    def in_ratio(self, k: sp.Symbol) -> sp.Expr:
        """P as a function of k = √(a₁/(−a₂)) (the solved end t* replaced by k)."""
        return self.law.subs(self.tan_end, k)


def circle_sign_law() -> CircleSignLaw:
    """Integrate cos²θ over the circle and solve a₁ + a₂t² > 0 for t = |tan θ| ≥ 0."""
    th = sp.Symbol("theta", real=True)
    a1, a2 = sp.Symbol("a_1", positive=True), sp.Symbol("a_2", negative=True)
    tau = sp.Symbol("tau", nonnegative=True)
    second = sp.integrate(sp.cos(th) ** 2, (th, 0, 2 * sp.pi)) / (2 * sp.pi)
    tan_set = sp.solveset(a1 + a2 * tau**2 > 0, tau, sp.Interval(0, sp.oo))
    # SymPy leaves [0, ∞) ∩ (−b, b) unevaluated: its right end is b
    tan_end = next(iv.end for iv in tan_set.args if iv.end != sp.oo)
    return CircleSignLaw(second, 2 * sp.atan(tan_end) / sp.pi, tan_end, a1, a2)


@dataclass(frozen=True)
class ImpliedMoments:
    """The data moments that two gradient evaluations of 1-D linear regression force.

    ``moments`` maps mean x, mean x², mean y and mean xy (symbols ``x̄``, ``x²̄``, ``ȳ``,
    ``xȳ``) to their solved values; ``variance`` = mean x² − (mean x)², which a real data set
    cannot make negative.
    """

    moments: dict[sp.Symbol, sp.Expr]
    variance: sp.Expr


def implied_moments(alpha: sp.Expr, theta: tuple[sp.Expr, sp.Expr],
                    grads: tuple[tuple[sp.Expr, sp.Expr], ...],
                    factor: int | sp.Expr = 2) -> ImpliedMoments:
    """Solve for the moments of (x, y) that gradient descent's reported gradients force.

    The model is ŷ = θ₀ + θ₁x with MSE gradients g(θ) = factor·(mean(ŷ − y), mean((ŷ − y)x))
    (factor 2 for J = mean((ŷ − y)²), 1 for the ½ convention). GD starts at ``theta`` with step
    ``alpha``, and ``grads[k]`` is the gradient reported at iterate k. Each gradient is linear
    in the four moments, so two of them determine all four.
    """
    mx, mxx, my, mxy = sp.symbols("xbar x2bar ybar xybar", real=True)
    equations: list[sp.Expr] = []
    t0, t1 = theta
    for g0, g1 in grads:
        equations.append(factor * (t0 + t1 * mx - my) - g0)
        equations.append(factor * (t0 * mx + t1 * mxx - mxy) - g1)
        t0, t1 = t0 - alpha * g0, t1 - alpha * g1
    (sol,) = sp.solve(equations, [mx, mxx, my, mxy], dict=True)
    return ImpliedMoments(sol, sp.simplify(sol[mxx] - sol[mx] ** 2))


WORKED_ALPHA = sp.Rational(1, 100)
"""Seed 003's worked example: α = 0.01 from θ = (0, 0), gradients (0.5, 2.0) then (0.4, 1.8)."""
WORKED_GRADIENTS = ((sp.Rational(1, 2), sp.Integer(2)), (sp.Rational(2, 5), sp.Rational(9, 5)))
