"""The linear map an update rule induces on a quadratic, derived from the rule itself.

An optimiser with state s = (θ, v, …) applied to f(θ) = λθ²/2 (one eigen-direction of a
quadratic) is a linear recursion s_{t+1} = M s_t. Rather than typing M, it is computed here
as the Jacobian of one step of the rule from :mod:`lrtheory.optimizers` (the same function the
simulations run), checked to be linear, and its characteristic polynomial
P(z) = det(zI − M) is what :mod:`lrtheory.symbolic.jury` decides stability from.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sympy as sp

from lrtheory.errors import ParameterError

Step = Callable[..., Sequence[sp.Expr]]
"""One step of a rule as a function of the state components, returning the new state."""


def update_matrix(step: Step, state: Sequence[sp.Symbol]) -> sp.Matrix:
    """M = ∂s_{t+1}/∂s_t for a step that is linear and homogeneous in the state.

    Raises ParameterError if the step is not linear in the state (a non-zero second
    derivative) or has a constant term (s = 0 must be a fixed point).
    """
    new = sp.Matrix([sp.expand(x) for x in step(*state)])
    if new.shape[0] != len(state):
        raise ParameterError("step", step, f"a map returning {len(state)} components")
    matrix = new.jacobian(list(state))
    if any(sp.simplify(sp.diff(m, x)) != 0 for m in matrix for x in state):
        raise ParameterError("step", step, "linear in the state")
    if any(sp.simplify(c) != 0 for c in new.subs(dict.fromkeys(state, 0))):
        raise ParameterError("step", step, "homogeneous (the zero state a fixed point)")
    return sp.Matrix(matrix.applyfunc(sp.factor))


def characteristic_polynomial(step: Step, state: Sequence[sp.Symbol], z: sp.Symbol) -> sp.Expr:
    """P(z) = det(zI − M), monic in z, of the linear map :func:`update_matrix` derives."""
    matrix = update_matrix(step, state)
    return sp.collect(sp.expand((z * sp.eye(len(state)) - matrix).det()), z)
