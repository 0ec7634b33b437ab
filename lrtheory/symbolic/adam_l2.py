"""Stationary conditions of Adam-type rules, derived from the rules themselves.

An Adam-type rule (:func:`lrtheory.adaptive.adam`, ``adamw``, ``adamw_lr_scaled``, or Adam
fed ∇f + λw) keeps m ← β₁m + (1 − β₁)g and v ← β₂v + (1 − β₂)g². In the mean-field
(quasi-static) picture the first moment sits at its fixed point m = E g, the second moment
at v = V (V = E g², or g² for a deterministic gradient), and t → ∞ so that the bias
corrections are 1: :func:`stationary_step` returns the parameter change of one step of the
rule in that state, and a stationary point is a root of it (:func:`affine_root` solves the
linear equations that arise without :func:`sympy.solve`). :func:`step_from_moments` writes
any one step of a rule in terms of the moments it uses.

:func:`reflection_defect` tests whether a step is odd under a reflection of its variables,
the symmetry that makes a noisy process's mean exact: if the step, written in the
displacement u from a point, satisfies Δ(−u, −m, −ξ) = −Δ(u, m, ξ) with v unchanged and the
noise ξ is symmetric, then the law of u_t stays symmetric and E u_t = 0 at every t.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sympy as sp

from lrtheory.adaptive import AdamState

AdamRule = Callable[[sp.Expr, AdamState, sp.Expr], tuple[sp.Expr, AdamState]]
"""``rule(θ, state, g) -> (θ', state')`` with the hyperparameters bound (SymPy symbols)."""


def _drop_powers(expr: sp.Expr, bases: Sequence[sp.Expr], n: sp.Symbol) -> sp.Expr:
    """``expr`` with every power base**(… n …) of the given bases set to 0 (0 < base < 1,
    n → ∞)."""
    expanded = sp.expand_power_exp(expr)
    return expanded.replace(
        lambda e: isinstance(e, sp.Pow) and e.base in bases and e.exp.has(n),
        lambda e: sp.Integer(0))


_ZERO = sp.Integer(0)


def affine_root(expr: sp.Expr, x: sp.Symbol, target: sp.Expr = _ZERO) -> sp.Expr:
    """The x with expr = target when the numerator of expr − target is affine in x (a
    linear equation, solved without :func:`sympy.solve`)."""
    gap = sp.expand(sp.numer(sp.together(expr - target)))
    slope = sp.diff(gap, x)
    if slope.has(x) or slope == 0:
        raise ValueError(f"{expr} = {target} is not an affine equation in {x}")
    return sp.cancel(-gap.subs(x, 0) / slope)


def step_from_moments(rule: AdamRule, theta: sp.Expr, grad: sp.Expr, m_new: sp.Expr,
                      v_new: sp.Expr, n: sp.Expr) -> sp.Expr:
    """θ' − θ for the step number n + 1 of ``rule`` taken with gradient ``grad`` from the
    state whose *updated* moments are (m_new, v_new), i.e. the step written in the moments
    it uses. The rule's updated moments are replaced where they occur in its θ'; should the
    rule have rearranged them, the previous moments are solved for instead (both updates
    are affine in them)."""
    m_prev, v_prev = sp.Dummy("m"), sp.Dummy("v", nonnegative=True)
    new_theta, state = rule(theta, AdamState(m_prev, v_prev, n), grad)
    step = (new_theta - theta).xreplace({state.m: m_new, state.v: v_new})
    if not step.has(m_prev, v_prev):
        return step
    m_star = affine_root(state.m, m_prev, m_new)
    v_star = affine_root(state.v, v_prev, v_new)
    step = (new_theta - theta).subs({m_prev: m_star, v_prev: v_star}, simultaneous=True)
    # Each sum (a moment's update of the solved previous state) collapses when expanded.
    return step.replace(lambda e: isinstance(e, sp.Add), lambda e: sp.factor(sp.expand(e)))


def stationary_step(rule: AdamRule, theta: sp.Expr, grad: sp.Expr, second_moment: sp.Expr,
                    betas: Sequence[sp.Expr]) -> sp.Expr:
    """θ' − θ for one step of ``rule`` with its first moment at the EMA's fixed point for the
    (mean) gradient ``grad`` (m = g), its second moment v at ``second_moment`` *after* the
    step's own update, and the bias corrections at t → ∞ (``betas`` = (β₁, β₂), both in
    (0, 1)): :func:`step_from_moments` with βᵢ^(n+1) → 0."""
    n = sp.Dummy("n", integer=True, nonnegative=True)
    step = step_from_moments(rule, theta, grad, grad, second_moment, n)
    step = step.xreplace({b ** (n + 1): sp.Integer(0) for b in betas})  # the rules' 1 − βᵗ
    return _drop_powers(step, betas, n) if step.has(n) else step


def reflection_defect(update: Callable[..., tuple[Sequence[sp.Expr], Sequence[sp.Expr]]],
                      odd: Sequence[sp.Symbol], even: Sequence[sp.Symbol] = ()) -> sp.Tuple:
    """How far ``update`` is from commuting with the reflection of its ``odd`` variables.

    ``update(*odd, *even)`` returns (outputs that should be odd, outputs that should be
    even). The defects are f(x) + f(x̄) for the first and f(x) − f(x̄) for the second, x̄
    the input with every odd variable negated, expanded and factored; all zero means the
    update maps reflected states to reflected states. Expansion decides it when the
    outputs are built from polynomials in the inputs (pass a gradient already expanded, so
    that g(x̄) = −g(x) term by term)."""
    odd_out, even_out = update(*odd, *even)
    odd_ref, even_ref = update(*(-s for s in odd), *even)
    defects = [a + b for a, b in zip(odd_out, odd_ref, strict=True)]
    defects += [a - b for a, b in zip(even_out, even_ref, strict=True)]
    # Expanding makes (−g)² and g² the same polynomial, so matching radicals cancel.
    return sp.Tuple(*(sp.factor(sp.expand(d)) for d in defects))
