"""Exact second moments of a linear stochastic recursion, one eigen-direction at a time.

An update rule with state s = (θ, v, …) ∈ ℝᵏ run on a quadratic ½Σ_i λ_iθ_i² (in the
Hessian's eigenbasis) with additive gradient noise ξ, independent across directions and
steps, E[ξ] = 0, E[ξ²] = s², splits into d independent linear recursions

    s_{t+1} = A_t s_t + b_t ξ_t,     A_t = A(η_t, λ_i, …),  b_t = b(η_t, λ_i, …),

one per direction i, whose second moments Σ_t = E[s_t s_tᵀ] obey, exactly,

    Σ_{t+1} = A_t Σ_t A_tᵀ + s² b_t b_tᵀ,

for any schedule η_t (ξ_t is independent of s_t). Any mean of a quadratic form, such as the
mean loss ½Σλ_iE[θ_i²] or a kinetic energy, follows from Σ_t with no sampling. For a constant
map the stationary Σ solves the discrete Lyapunov equation Σ = AΣAᵀ + s²bbᵀ, which
:func:`lrtheory.symbolic.lyapunov.discrete_lyapunov` solves symbolically.

* :func:`noisy_linear_map` derives (A, b) from the rule itself (A by
  :func:`lrtheory.symbolic.update_maps.update_matrix` at ξ = 0, b = ∂s_{t+1}/∂ξ), checking
  that the step is exactly A s + b ξ;
* :func:`per_direction` turns a derived matrix into a NumPy function of its parameters that
  returns one matrix per direction, shape (d, rows, cols), for an array of curvatures;
* :func:`start_covariance` and :func:`second_moment_path` run the moment recursion, batched
  over the directions.

The SGD special case with a full (non-diagonal) Hessian and noise covariance, its error
bounds and numerical Lyapunov solves are :mod:`lrtheory.models.lyapunov`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import sympy as sp
from numpy.typing import NDArray

from lrtheory.errors import ParameterError, check_int, check_real, float_array
from lrtheory.symbolic.update_maps import Step, update_matrix

FloatArray = NDArray[np.float64]


def noisy_linear_map(step: Step, state: Sequence[sp.Symbol],
                     noise: sp.Symbol) -> tuple[sp.Matrix, sp.Matrix]:
    """(A, b) with ``step(*state)`` = A s + b ξ, ξ = ``noise``: A = ∂s_{t+1}/∂s_t at ξ = 0
    (:func:`~lrtheory.symbolic.update_maps.update_matrix`, entries factored) and the column
    b = ∂s_{t+1}/∂ξ.

    ``step`` maps the state symbols to the new state with ξ in it (e.g. a rule called with
    the gradient λθ + ξ). Raises ParameterError unless the new state is exactly A s + b ξ:
    linear in the state, affine in ξ, with no product of the two."""
    if not isinstance(noise, sp.Symbol):
        raise ParameterError("noise", noise, "a SymPy symbol")
    if noise in state:
        raise ParameterError("noise", noise, "a symbol apart from the state")
    new = sp.Matrix([sp.expand(x) for x in step(*state)])
    matrix = update_matrix(lambda *s: [sp.expand(x).subs(noise, 0) for x in step(*s)], state)
    column = new.diff(noise)
    left = new - matrix * sp.Matrix(state) - column * noise
    if column.free_symbols & set(state) or any(sp.simplify(x) != 0 for x in left):
        raise ParameterError("step", step, f"A s + b {noise}: linear in the state and in "
                             f"{noise}, without products of the two")
    return matrix, column


def per_direction(matrix: sp.Matrix, args: Sequence[sp.Symbol]) -> Callable[..., FloatArray]:
    """``matrix`` (rows × cols, in the symbols ``args``) as a NumPy function of the values
    of ``args``: scalars give one float64 matrix, arrays (the curvatures λ_i of d directions,
    say) one per element, the entries broadcast together: shape (*broadcast, rows, cols)."""
    if not isinstance(matrix, sp.MatrixBase):
        raise ParameterError("matrix", matrix, "a SymPy matrix")
    if not all(isinstance(a, sp.Symbol) for a in args):
        raise ParameterError("args", args, "a sequence of SymPy symbols")
    loose = matrix.free_symbols - set(args)
    if loose:
        raise ParameterError("matrix", matrix, f"a matrix in {tuple(args)} only (it has "
                             f"{', '.join(sorted(map(str, loose)))})")
    function = sp.lambdify(tuple(args), matrix.tolist(), "numpy")

    def evaluate(*values: Any) -> FloatArray:
        if len(values) != len(args):
            raise ParameterError("values", values, f"{len(args)} values, one per symbol")
        shape = np.broadcast_shapes(*(np.shape(v) for v in values))
        rows = function(*values)
        return np.stack([np.stack([np.broadcast_to(np.asarray(x, dtype=np.float64), shape)
                                   for x in row], axis=-1) for row in rows], axis=-2)

    return evaluate


def start_covariance(variances: Sequence[float], directions: int) -> FloatArray:
    """Σ₀ of ``directions`` independent directions, each with independent state components
    of the given ``variances`` (one per component of s): shape (d, k, k), diagonal."""
    d = check_int("directions", directions, 1)
    diagonal = [check_real(f"variances[{i}]", x, 0.0, lo_open=False)
                for i, x in enumerate(variances)]
    if not diagonal:
        raise ParameterError("variances", variances, "one variance per state component")
    return np.broadcast_to(np.diag(diagonal), (d, len(diagonal), len(diagonal))).copy()


def second_moment_path(cov0: Any, transitions: Iterable[tuple[Any, Any]],
                       noise_var: float) -> list[FloatArray]:
    """Σ_1 … Σ_T of Σ_{t+1} = A_tΣ_tA_tᵀ + s² b_tb_tᵀ from Σ₀ = ``cov0`` (shape (…, k, k)),
    one (A_t, b_t) per step, shapes (…, k, k) and (…, k, m) (m independent noises of
    variance s² = ``noise_var``), batched over the leading axes (the directions).

    Exact for the linear recursion s_{t+1} = A_t s_t + b_t ξ_t with ξ_t independent of s_t;
    evaluated in float64 as written."""
    noise_var = check_real("noise_var", noise_var, 0.0, lo_open=False)
    cov = float_array("cov0", cov0)
    if cov.ndim < 2 or cov.shape[-1] != cov.shape[-2] or not np.all(np.isfinite(cov)):
        raise ParameterError("cov0", np.shape(cov0), "a finite (…, k, k) array")
    path = []
    for t, (a, b) in enumerate(transitions):
        if np.shape(a) != cov.shape or np.shape(b)[:-1] != cov.shape[:-1]:
            raise ParameterError(f"transitions[{t}]", (np.shape(a), np.shape(b)),
                                 f"A of shape {cov.shape} and b of shape {cov.shape[:-1]} + (m,)")
        cov = a @ cov @ np.swapaxes(a, -1, -2) + noise_var * b @ np.swapaxes(b, -1, -2)
        path.append(cov)
    return path
