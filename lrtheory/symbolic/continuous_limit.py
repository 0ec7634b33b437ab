"""Continuous-time limits of two-step optimisers, and their energies, derived with SymPy.

A two-state rule (θ, v) ← F(θ, v, g) — heavy ball, Nesterov, any momentum method — is a
second-order difference equation in θ alone once v is eliminated
(:func:`second_order_difference`). With a time step h, θ_t = Θ(s) at s = th, the rule's
parameters scaled with h (heavy ball: η = h², β = 1 − γh; Nesterov after Su–Boyd–Candès:
η = h², β = 1 − 3h/(s + 2h)) and Θ(s + kh) = Σ_j (kh)^j/j! Θ^{(j)}(s), the residual of the
recursion is a series R(h) = Σ_j c_j h^j. Its first non-zero coefficient c_p = 0 is the ODE
of the limit and c_{p+1} the first correction: the iterates leave the ODE at O(h)
(:func:`continuous_limit`). For θ'' + D θ' + ∇L(θ) = 0 the energy E = L + ½θ'² obeys
dE/ds = −Dθ'² (:func:`energy_rate`).

Back on the iterates, the ODE's kinetic energy ½θ'² is ½Δθ²/η (θ' ≈ Δθ/h, h = √η), so it
depends on how the stored velocity makes the step: Δθ = −ηv (v ← βv + g, θ ← θ − ηv) or
Δθ = −u (u ← βu + ηg, θ ← θ − u) (:func:`kinetic_energy`). One step of a linear rule
changes a quadratic energy by a quadratic form wᵀMw (:func:`quadratic_form`, Sylvester's
minors deciding its sign), and when η changes between the step that made v and the next,
E jumps by E(s; η_hi) − E(s; η_lo) at the same state (:func:`restart_jump`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import sympy as sp

from lrtheory.errors import ParameterError, check_int, check_positive

Rule = Callable[[Any, Any, Any], Sequence[Any]]
"""One step (θ, v, g) → (θ', v') of a two-state rule, its rates bound by the caller."""

RateRule = Callable[[Any, Any, Any], Sequence[Any]]
"""One step (θ, v, η) → (θ', v') on a fixed loss, the rate η an argument."""

Energy = Callable[[Any, Any, Any], Any]
"""An energy E(θ, v; η) of a two-state rule."""


def linear_root(equation: Any, x: Any) -> sp.Expr:
    """The x solving ``equation`` (an Eq, or an expression = 0) that is linear in x (a symbol,
    or a derivative such as Θ''): x = −e(0)/e′, simplified."""
    e = sp.expand(equation.lhs - equation.rhs if isinstance(equation, sp.Equality)
                  else sp.sympify(equation))
    slope = sp.diff(e, x)
    if slope == 0 or sp.diff(slope, x) != 0:
        raise ParameterError("equation", equation, f"linear in {x}")
    return sp.simplify(-e.subs(x, 0) / slope)


class SecondOrder(NamedTuple):
    """A two-state rule as a recursion in θ alone (:func:`second_order_difference`)."""

    velocity: sp.Expr  # v_t in terms of θ_{t−1}, θ_t (and g_{t−1} if the rule lags)
    displacement: sp.Expr  # θ_t − θ_{t−1} in terms of v_t: the convention of v
    next_position: sp.Expr  # θ_{t+1} with v eliminated, expanded
    difference: sp.Expr  # θ_{t+1} − 2θ_t + θ_{t−1}, expanded


def second_order_difference(rule: Rule, positions: tuple[sp.Symbol, sp.Symbol],
                            velocities: tuple[sp.Symbol, sp.Symbol],
                            gradients: tuple[sp.Symbol, sp.Symbol]) -> SecondOrder:
    """Eliminate v from a two-state rule: the step from (θ_{t−1}, v_{t−1}) with gradient
    g_{t−1} gives θ_t and v_t, two equations linear in (v_{t−1}, v_t); their solution
    v_t(θ_{t−1}, θ_t, g_{t−1}) put into the next step gives θ_{t+1} as a function of θ_{t−1},
    θ_t, g_{t−1}, g_t.

    ``positions`` = (θ_{t−1}, θ_t), ``velocities`` = (v_{t−1}, v_t), ``gradients`` =
    (g_{t−1}, g_t): symbols. The gradient enters as an opaque value; a look-ahead rule
    (Nesterov) evaluates it at a point the caller writes in the positions afterwards.
    Raises ParameterError (``rule``) unless the two equations fix v_t uniquely."""
    names = ("positions", "velocities", "gradients")
    for name, pair in zip(names, (positions, velocities, gradients), strict=True):
        if len(pair) != 2 or not all(isinstance(x, sp.Symbol) for x in pair):
            raise ParameterError(name, pair, "a pair of SymPy symbols")
    (th_prev, th_now), (v_prev, v_now), (g_prev, g_now) = positions, velocities, gradients
    pos, vel = rule(th_prev, v_prev, g_prev)
    solutions = sp.solve([pos - th_now, vel - v_now], [v_prev, v_now], dict=True)
    if len(solutions) != 1 or v_now not in solutions[0]:
        raise ParameterError("rule", rule, "a two-state rule whose v_t is fixed by θ_{t−1}, "
                             "θ_t and g_{t−1} (linear in the velocities)")
    velocity = sp.simplify(solutions[0][v_now])
    displacement = sp.expand(linear_root(sp.Eq(velocity, v_now), th_now) - th_prev)
    next_position = sp.expand(rule(th_now, velocity, g_now)[0])
    return SecondOrder(velocity, displacement, next_position,
                       sp.expand(next_position - 2 * th_now + th_prev))


def fit_coefficients(template: sp.Expr, unknowns: Sequence[sp.Symbol], solve_for: sp.Symbol,
                     target: sp.Expr, variables: Sequence[sp.Symbol]) -> dict[sp.Symbol, Any]:
    """The unique ``unknowns`` for which ``template`` = 0, solved for ``solve_for``, is the
    recursion ``solve_for`` = ``target`` identically in ``variables`` (e.g. the mass m and
    friction μ of m(θ_{t+1} − 2θ_t + θ_{t−1}) + μ(θ_{t+1} − θ_t) + g = 0 that make it the
    heavy ball): the coefficients of the numerator of the difference, as polynomials in
    ``variables``, must all vanish."""
    implied = linear_root(template, solve_for)
    numerator = sp.numer(sp.together(implied - target))
    solutions = sp.linsolve(sp.Poly(numerator, *variables).coeffs(), list(unknowns))
    if len(solutions) != 1:
        raise ParameterError("template", template, f"matched by exactly one {tuple(unknowns)}")
    (solution,) = solutions
    if any(x.free_symbols & set(unknowns) for x in solution):
        raise ParameterError("template", template, f"fixing all of {tuple(unknowns)}")
    return dict(zip(unknowns, solution, strict=True))


def _path_variable(path: Any) -> sp.Symbol:
    if not (isinstance(path, sp.core.function.AppliedUndef) and len(path.args) == 1
            and isinstance(path.args[0], sp.Symbol)):
        raise ParameterError("path", path, "an undefined function of one symbol, Θ(s)")
    return path.args[0]


def _offset(name: str, k: object) -> int:
    if isinstance(k, bool) or not isinstance(k, int):
        raise ParameterError(name, k, "a whole number (an offset in steps)")
    return k


def shifted(path: Any, h: sp.Symbol, k: int, order: int) -> sp.Expr:
    """Θ(s + kh) to O(h^order): Σ_{j ≤ order} (kh)^j/j! Θ^{(j)}(s)."""
    s = _path_variable(path)
    check_int("order", order, 0)
    _offset("k", k)
    return sum((k * h) ** j / sp.factorial(j) * path.diff(s, j) for j in range(order + 1))


class ContinuousLimit(NamedTuple):
    """R(h) = Σ_j c_j h^j: the ODE c_p = 0 and its first correction c_{p+1}."""

    expansion: sp.Expr  # Σ_{j ≤ order} c_j h^j
    power: int  # p: the lowest power of h with c_p ≠ 0
    ode: sp.Expr  # c_p (= 0 is the limit)
    correction: sp.Expr  # c_{p+1}: the iterates leave the ODE at relative order h


def continuous_limit(residual: sp.Expr, positions: Mapping[sp.Symbol, int], path: Any,
                     h: sp.Symbol, substitutions: Mapping[sp.Symbol, Any], *, force: Any,
                     order: int = 3) -> ContinuousLimit:
    """The continuous limit of a recursion ``residual`` = 0 in the iterates θ_{t+k}.

    ``positions`` maps each iterate's symbol to its offset k (θ_{t+1}: 1, θ_t: 0, θ_{t−1}: −1);
    each becomes Θ(s + kh) to O(h^order) (:func:`shifted`) after ``substitutions`` (the
    scaling of the parameters with h, e.g. η = h², β = 1 − γh, and the gradients, e.g.
    g_t = ∇L(Θ) or a look-ahead ∇L(θ_t + β(θ_t − θ_{t−1}))) have been made, repeatedly, so
    a substituted value may contain other substituted symbols. Polynomial in h the result
    is expanded; otherwise (a gradient at a shifted point, β rational in h) it is
    Taylor-expanded in h. The coefficients up to h^order are exact when the residual, before
    the iterates are expanded, is analytic at h = 0, which is checked (finite at h = 0: a
    1/h would need one more Taylor term; no fractional powers of h).

    Raises ParameterError: ``order`` when c_{p+1} lies beyond it or R vanishes to that order;
    ``substitutions`` when the leading coefficient is no differential equation driven by
    ``force`` (the gradient at the path as the ODE shows it): a wrong scaling, such as
    η = h² for gradient descent (R = hΘ' + …: the force is lost) or η = h for the heavy
    ball (R = h∇L + …: no derivative is left)."""
    s = _path_variable(path)
    check_int("order", order, 1)
    if not isinstance(h, sp.Symbol):
        raise ParameterError("h", h, "a SymPy symbol")
    for x, k in positions.items():
        if not isinstance(x, sp.Symbol):
            raise ParameterError("positions", dict(positions), "keyed by the iterates' symbols")
        _offset(f"positions[{x}]", k)
    expr = sp.sympify(residual)
    for _ in range(len(substitutions) + 1):  # values may hold other substituted symbols
        if not expr.free_symbols & set(substitutions):
            break
        expr = expr.subs(dict(substitutions), simultaneous=True)
    else:
        raise ParameterError("substitutions", dict(substitutions), "free of cycles")
    analytic = f"analytic in {h} at {h} = 0 after the substitutions (powers of {h} whole, ≥ 0)"
    if expr.subs(h, 0).has(sp.zoo, sp.nan, sp.oo, -sp.oo):  # 1/h would need more Taylor terms
        raise ParameterError("residual", residual, analytic)
    expr = expr.subs({x: shifted(path, h, k, order) for x, k in positions.items()},
                     simultaneous=True)
    full = sp.expand(expr)
    if not full.is_polynomial(h):
        full = sp.expand(sp.series(expr, h, 0, order + 1).removeO())
        if not full.is_polynomial(h):
            raise ParameterError("residual", residual, analytic)
    coeffs = [full.coeff(h, j) for j in range(order + 1)]
    power = next((j for j, c in enumerate(coeffs) if sp.simplify(c) != 0), None)
    if power is None or power + 1 > order:
        raise ParameterError("order", order, "high enough to hold the leading term and its "
                             f"correction (leading power {power})")
    ode = coeffs[power]
    moves = any(isinstance(d, sp.Derivative) and d.expr == path and s in d.variables
                for d in ode.atoms(sp.Derivative))
    if not moves or not ode.has(force):
        raise ParameterError("substitutions", dict(substitutions), f"a scaling whose leading "
                             f"term is a differential equation in {path} driven by {force}"
                             f" (h^{power}: {ode} = 0)")
    expansion = sum(c * h**j for j, c in enumerate(coeffs))
    return ContinuousLimit(expansion, power, ode, coeffs[power + 1])


def limit_parameter(scaling: Mapping[sp.Symbol, Any], h: sp.Symbol,
                    parameter: sp.Symbol) -> sp.Expr:
    """A parameter of the limit in the discrete ones: h from the relation of the scaling that
    fixes it alone (η = h²: h = √η, h positive), then ``parameter`` from the relation it
    appears in, linearly (β = 1 − γh: γ = (1 − β)/√η)."""
    steps = [sol for x, value in scaling.items() if value.has(h) and not value.has(parameter)
             for sol in [sp.solve(sp.Eq(x, value), h)] if len(sol) == 1]
    holding = [(x, value) for x, value in scaling.items() if value.has(parameter)]
    if len(steps) < 1 or len(holding) != 1:
        raise ParameterError("scaling", dict(scaling), f"one relation fixing {h} alone and "
                             f"one holding {parameter}")
    x, value = holding[0]
    return linear_root(sp.Eq(x, value.subs(h, steps[0][0])), parameter)


def energy_rate(ode: sp.Expr, path: Any, potential: sp.Expr) -> sp.Expr:
    """dE/ds of E = ``potential`` + ½Θ'² along ``ode`` = 0, with Θ'' taken from the ODE (which
    must be linear in it): for Θ'' + DΘ' + ∇L(Θ) = 0 and potential L(Θ), dE/ds = −DΘ'² for any
    L (D may depend on s, as Nesterov's 3/s)."""
    s = _path_variable(path)
    acc = linear_root(ode, path.diff(s, 2))
    return sp.simplify((potential + path.diff(s) ** 2 / 2).diff(s).subs(path.diff(s, 2), acc))


def exponential_ansatz(ode: sp.Expr, path: Any, r: sp.Symbol) -> sp.Expr:
    """The characteristic polynomial of a linear ODE with constant coefficients: ``ode`` with
    Θ = e^{rs}, divided by e^{rs} (θ'' + γθ' + λθ: r² + γr + λ). Raises ParameterError if
    s or Θ is left (the ODE is not linear with constant coefficients)."""
    s = _path_variable(path)
    poly = sp.expand(ode.subs(path, sp.exp(r * s)).doit() / sp.exp(r * s))
    if poly.has(s) or poly.has(path.func):
        raise ParameterError("ode", ode, "linear in Θ with constant coefficients")
    return poly


def kinetic_energy(displacement: Any, eta: Any) -> sp.Expr:
    """½θ'² on the iterates: the ODE's time step is h = √η and θ' ≈ Δθ/h, so ½Δθ²/η, with
    Δθ the last step in terms of the stored velocity (:attr:`SecondOrder.displacement`:
    −ηv with the rate outside the velocity, −u with it inside). A numeric η must be > 0."""
    if sp.sympify(eta).is_number:
        check_positive("eta", float(eta))
    return sp.sympify(displacement) ** 2 / (2 * eta)


def _state(state: object) -> tuple[Any, Any]:
    if not isinstance(state, tuple | list) or len(state) != 2:
        raise ParameterError("state", state, "a pair (θ, v)")
    return state[0], state[1]


def energy_change(rule: RateRule, energy: Energy, state: tuple[Any, Any], eta_before: Any,
                  eta_step: Any) -> sp.Expr:
    """E(F(s; η_step); η_step) − E(s; η_before): one step of ``rule`` at η_step, from a state
    whose energy is taken with the rate of the step that made its velocity. η_before = η_step
    gives the change at constant rate (:func:`quadratic_form` writes it as a form); the
    difference of the two is the restart's :func:`restart_jump`."""
    theta, v = _state(state)
    theta1, v1 = rule(theta, v, eta_step)
    return energy(theta1, v1, eta_step) - energy(theta, v, eta_before)


def restart_jump(energy: Energy, state: tuple[Any, Any], eta_lo: Any, eta_hi: Any) -> sp.Expr:
    """E(s; η_hi) − E(s; η_lo), factored: what a change of rate η_lo → η_hi adds to the energy
    of a state whose velocity is kept. ½(η_hi − η_lo)v² when Δθ = −ηv (v continuous, the step
    jumps), ½u²(1/η_hi − 1/η_lo) when Δθ = −u (the step continuous): the sign of a restart's
    'kick' depends on the convention."""
    theta, v = _state(state)
    return sp.factor(energy(theta, v, eta_hi) - energy(theta, v, eta_lo))


def leading_minors(matrix: sp.Matrix) -> tuple[sp.Expr, ...]:
    """det M[:k, :k], k = 1 … n: a symmetric M is positive definite iff all are > 0
    (Sylvester); the last is det M."""
    if not isinstance(matrix, sp.MatrixBase) or not matrix.is_square:
        raise ParameterError("matrix", matrix, "a square SymPy matrix")
    return tuple(matrix[:k, :k].det() for k in range(1, matrix.rows + 1))


class QuadraticForm(NamedTuple):
    """q = wᵀMw with M symmetric, and M's leading principal minors."""

    matrix: sp.Matrix
    minors: tuple[sp.Expr, ...]


def quadratic_form(expr: sp.Expr, state: Sequence[sp.Symbol],
                   coordinates: Sequence[sp.Expr] | None = None) -> QuadraticForm:
    """``expr``, a quadratic form q = ½sᵀ(∇²q)s in the ``state`` (the one-step change of a
    quadratic energy under a linear map: sᵀ(AᵀPA − P)s), as wᵀMw in ``coordinates`` w = Ts
    (linear, invertible; default w = s): M = ½T⁻ᵀ(∇²q)T⁻¹, entries cancelled. The step
    decreases the energy from every state s ≠ 0 iff −M is positive definite
    (:func:`leading_minors`). Raises ParameterError for a q not homogeneous quadratic
    (``expr``) or a T not linear and invertible (``coordinates``)."""
    s = sp.Matrix(list(state))
    hessian = sp.hessian(sp.expand(expr), list(state))
    if hessian.free_symbols & set(state) or sp.expand(expr - (s.T * hessian * s)[0] / 2) != 0:
        raise ParameterError("expr", expr, "a homogeneous quadratic in the state")
    w = sp.Matrix(list(coordinates)) if coordinates is not None else s
    t = w.jacobian(list(state))
    constant = w.subs(dict.fromkeys(state, 0))
    if (w.shape != s.shape or t.free_symbols & set(state) or any(x != 0 for x in constant)
            or sp.simplify(t.det()) == 0):
        raise ParameterError("coordinates", coordinates, "linear, homogeneous and invertible "
                             "in the state")
    inverse = t.inv()
    matrix = (inverse.T * hessian * inverse / 2).applyfunc(sp.cancel)
    return QuadraticForm(matrix, leading_minors(matrix))
