"""Adaptive update rules (AdaGrad, RMSProp, Adam, AdamW) as pure functions.

Like :mod:`lrtheory.optimizers` (which re-exports everything public here), each rule is
written with arithmetic only, plus an elementwise square root that dispatches to ``sp.sqrt``
for SymPy expressions and to the array module of its argument otherwise
(:func:`lrtheory.arrays.namespace`: NumPy, CuPy, Python floats). The rules act coordinate by
coordinate, so they run on arrays of any shape (a batch of chains (n, d) included) and on
SymPy *scalars* (a symbolic derivation applies them to one coordinate's symbol; ``g*g`` of a
SymPy matrix would be a matrix product, not a square).

State is passed in and returned, never mutated: AdaGrad carries the sum of squared
gradients, RMSProp the moving average of squared gradients, Adam and AdamW an
:class:`AdamState` (m, v, t). Start from zeros: ``0 * theta`` or :meth:`AdamState.zeros`.

Notation: η the learning rate (the seeds write α or α_t), g the gradient, ε the stabiliser,
λ_wd (``wd``) the weight decay; squares, roots and quotients are elementwise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, ParamSpec, TypeVar

from lrtheory._rules import Array, _eta, _hyper, _lr_scaled_wd, _positive, _scaled, _sqrt
from lrtheory.errors import ParameterError, operand_problem
from lrtheory.errors import operands as checked_operands

__all__ = ["AdamState", "adagrad", "adam", "adamw", "adamw_lr_scaled", "rmsprop"]

P = ParamSpec("P")
R = TypeVar("R")


# --------------------------------------------------------------------------------------
# operands: the arrays a rule combines
# --------------------------------------------------------------------------------------


def _operand_problem(operands: dict[str, Any]) -> ParameterError | None:
    """What is wrong with a rule's operands, if anything: a Python container (the rules do
    arithmetic on arrays), a state that is not an :class:`AdamState`, or what
    :func:`lrtheory.errors.operand_problem` finds (not numeric, shapes that do not
    broadcast with θ's)."""
    arrays: dict[str, Any] = {}
    for name, value in operands.items():
        if name == "state" and not isinstance(value, AdamState):
            return ParameterError(name, value, "an AdamState (start from AdamState.zeros(θ))")
        if isinstance(value, AdamState):
            arrays |= {f"{name}.m": value.m, f"{name}.v": value.v}
        elif isinstance(value, list | tuple | dict | set):
            return ParameterError(name, value, "an array (NumPy, CuPy), a number or a SymPy "
                                  "expression, not a Python container")
        else:
            arrays[name] = value
    return operand_problem(arrays)


def operands(*names: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """:func:`lrtheory.errors.operands` with the rules' own diagnosis (:func:`_operand_problem`)."""
    return checked_operands(*names, problem=_operand_problem)


# --------------------------------------------------------------------------------------
# AdaGrad and RMSProp
# --------------------------------------------------------------------------------------


@operands("theta", "sum_sq", "grad")
def adagrad(theta: Array, sum_sq: Array, grad: Array, eta: Any, eps: Any = 1e-10, *,
            eps_inside: bool = False) -> tuple[Array, Array]:
    """AdaGrad (Duchi, Hazan & Singer 2011, diagonal form; seed 003, "Per-Parameter
    Adaptation"):

        s ← s + g²,    θ ← θ − η g/(√s + ε).

    Returns the new (θ, s). Duchi et al. add δ outside the root (δI + diag(G)^{1/2}), as
    PyTorch does; seed 003 prints ε inside, θ ← θ − η g/√(Σ g² + ε): ``eps_inside=True``.
    Under a constant g the effective rate after t steps is η/(|g|√t + ε).
    """
    eta, eps = _eta(eta), _positive("eps", eps)
    sum_sq = sum_sq + grad * grad
    return theta - eta * _scaled(grad, sum_sq, eps, eps_inside), sum_sq


@operands("theta", "mean_sq", "grad")
def rmsprop(theta: Array, mean_sq: Array, grad: Array, eta: Any, rho: Any = 0.99,
            eps: Any = 1e-8, *, eps_inside: bool = False) -> tuple[Array, Array]:
    """RMSProp (Tieleman & Hinton 2012, lecture 6.5; seed 003, "Per-Parameter Adaptation",
    with its decay ρ = 0.99 as the default):

        E[g²] ← ρ E[g²] + (1 − ρ) g²,    θ ← θ − η g/(√E[g²] + ε).

    Returns the new (θ, E[g²]). ε outside the root as in PyTorch; seed 003 (and
    TensorFlow) put it inside: ``eps_inside=True``. No bias correction: from E[g²] = 0
    under a constant g, E[g²] = (1 − ρ^t) g² → g².
    """
    eta, eps = _eta(eta), _positive("eps", eps)
    rho = _hyper("rho", rho, 0.0, 1.0)
    mean_sq = rho * mean_sq + (1 - rho) * grad * grad
    return theta - eta * _scaled(grad, mean_sq, eps, eps_inside), mean_sq


# --------------------------------------------------------------------------------------
# Adam and AdamW
# --------------------------------------------------------------------------------------


class AdamState(NamedTuple):
    """Adam's state: biased first and second moment estimates m, v and the step count t."""

    m: Array
    v: Array
    t: Any

    @classmethod
    def zeros(cls, theta: Array) -> AdamState:
        """The initial state m = v = 0 (shaped like θ), t = 0."""
        return cls(0 * theta, 0 * theta, 0)


def _adam_direction(state: AdamState, grad: Array, beta1: Any, beta2: Any,
                    eps: Any) -> tuple[Array, AdamState]:
    """Adam's direction m̂/(√v̂ + ε) and the new state (Kingma & Ba, Algorithm 1)."""
    beta1 = _hyper("beta1", beta1, 0.0, 1.0)
    beta2 = _hyper("beta2", beta2, 0.0, 1.0)
    eps = _positive("eps", eps)
    t = state.t + 1
    m = beta1 * state.m + (1 - beta1) * grad
    v = beta2 * state.v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return m_hat / (_sqrt(v_hat) + eps), AdamState(m, v, t)


@operands("theta", "state", "grad")
def adam(theta: Array, state: AdamState, grad: Array, eta: Any, beta1: Any = 0.9,
         beta2: Any = 0.999, eps: Any = 1e-8) -> tuple[Array, AdamState]:
    """Adam with bias correction (Kingma & Ba 2015, Algorithm 1; seed 003, "Per-Parameter
    Adaptation"), defaults β₁ = 0.9, β₂ = 0.999, ε = 10⁻⁸ as in both:

        t ← t + 1,   m ← β₁ m + (1 − β₁) g,   v ← β₂ v + (1 − β₂) g²,
        m̂ = m/(1 − β₁ᵗ),   v̂ = v/(1 − β₂ᵗ),   θ ← θ − η m̂/(√v̂ + ε).

    Returns the new (θ, state). ε is outside the root, as in the paper. From zero moments
    the first step is η g/(|g| + ε) per coordinate: the bias correction undoes the (1 − β)
    factors, so the step is ≈ η whatever the scale of g.
    """
    eta = _eta(eta)
    direction, state = _adam_direction(state, grad, beta1, beta2, eps)
    return theta - eta * direction, state


@operands("theta", "state", "grad")
def adamw(theta: Array, state: AdamState, grad: Array, eta: Any, wd: Any,
          beta1: Any = 0.9, beta2: Any = 0.999, eps: Any = 1e-8) -> tuple[Array, AdamState]:
    """AdamW with the decay decoupled from the learning rate (Loshchilov & Hutter 2019,
    Algorithm 2 with schedule multiplier 1; seed 003, "Per-Parameter Adaptation", and seed
    004's decoupled decay):

        θ ← θ − η m̂/(√v̂ + ε) − λ_wd θ,    0 ≤ λ_wd < 1,

    with m̂, v̂ and the state as in :func:`adam`; the decay acts on the θ the step starts
    from. With λ_wd = η λ'_wd this is :func:`adamw_lr_scaled` with λ'_wd.
    """
    eta = _eta(eta)
    wd = _hyper("wd", wd, 0.0, 1.0)
    direction, state = _adam_direction(state, grad, beta1, beta2, eps)
    return theta - eta * direction - wd * theta, state


@operands("theta", "state", "grad")
def adamw_lr_scaled(theta: Array, state: AdamState, grad: Array, eta: Any, wd: Any,
                    beta1: Any = 0.9, beta2: Any = 0.999,
                    eps: Any = 1e-8) -> tuple[Array, AdamState]:
    """AdamW in the PyTorch (``torch.optim.AdamW``) and optax (``optax.adamw``) convention,
    the decay multiplied by the learning rate:

        θ ← θ − η (m̂/(√v̂ + ε) + λ_wd θ),    0 ≤ η λ_wd < 1.

    PyTorch shrinks θ by (1 − ηλ_wd) before adding the Adam step; since the Adam direction
    does not depend on θ, that is the same update.
    """
    eta = _eta(eta)
    wd = _lr_scaled_wd(eta, wd)
    direction, state = _adam_direction(state, grad, beta1, beta2, eps)
    return theta - eta * (direction + wd * theta), state
