"""Update rules as pure functions: arrays in, new arrays out, no hidden state.

Every rule is written with arithmetic only, so the same function runs on NumPy and CuPy
arrays, on Python floats and on SymPy symbols and matrices (the claims derive their closed
forms from the very functions their simulations run). Hyperparameters that are numbers are
checked against their allowed range; SymPy expressions pass unchecked. The state and
gradient arrays pass unchecked too (any backend's array, or a symbol): a simulation that
leaves the finite floats is caught by the Monte Carlo runner and reported as divergence.

Notation: parameters θ (or w), gradient g = ∇f(θ), learning rate η, momentum β, weight
decay λ_wd (``wd``), L2 strength α. The seeds write λ for the weight decay; here it is ``wd``
so that it is never confused with a curvature.

The adaptive rules (AdaGrad, RMSProp, Adam, AdamW) live in :mod:`lrtheory.adaptive` and are
re-exported here, so ``from lrtheory.optimizers import adam`` works. Where a rule needs an
elementwise √, |·| or clamp it uses ``sp.sqrt``/``sp.Abs``/``sp.Max`` on SymPy expressions
and the array module of its argument (:func:`lrtheory.arrays.namespace`) otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sympy as sp

from lrtheory._rules import Array, _abs, _eta, _hyper, _lr_scaled_wd, _positive
from lrtheory.adaptive import (
    AdamState,
    adagrad,
    adam,
    adamw,
    adamw_lr_scaled,
    operands,
    rmsprop,
)
from lrtheory.arrays import namespace
from lrtheory.errors import ParameterError

__all__ = [
    "AdamState",
    "Array",
    "Gradient",
    "adagrad",
    "adam",
    "adamw",
    "adamw_lr_scaled",
    "additive_lr_step",
    "clip_by_norm",
    "clip_by_value",
    "decoupled_weight_decay",
    "decoupled_weight_decay_lr_scaled",
    "decoupled_weight_decay_sequential",
    "exp_lr_step",
    "gradient_step",
    "heavy_ball",
    "heavy_ball_lr_in_velocity",
    "hypergradient",
    "l2_regularised_step",
    "nesterov",
    "nesterov_rewritten",
    "rmsprop",
]

Gradient = Callable[[Array], Array]
"""∇f as a function of the parameters (needed where the gradient is taken at a new point)."""


def _beta(beta: Any) -> Any:
    return _hyper("beta", beta, 0.0, 1.0)


@operands("theta", "grad")
def gradient_step(theta: Array, grad: Array, eta: Any) -> Array:
    """Plain gradient descent: θ ← θ − η g (seed 000, "The Learning Rate and Stability").

    Seed 003's worked example (linear regression, α = 0.01) is a test of this rule only:

    >>> import numpy as np
    >>> theta = gradient_step(np.zeros(2), np.array([0.5, 2.0]), 0.01)
    >>> theta
    array([-0.005, -0.02 ])
    >>> gradient_step(theta, np.array([0.4, 1.8]), 0.01)
    array([-0.009, -0.038])

    No data set produces those two gradients: they force a negative variance of x
    (:func:`lrtheory.symbolic.least_squares.implied_moments`; a finding of claim S1).
    """
    return theta - _eta(eta) * grad


@operands("theta", "velocity", "grad")
def heavy_ball(theta: Array, velocity: Array, grad: Array, eta: Any,
               beta: Any) -> tuple[Array, Array]:
    """Heavy ball with the learning rate outside the velocity (seed 000, "Interaction with
    Momentum"; PyTorch's ``SGD(momentum=β)``):

        v ← β v + g,    θ ← θ − η v.

    Returns the new (θ, v). Under a constant g the velocity tends to g/(1 − β).
    """
    eta, beta = _eta(eta), _beta(beta)
    velocity = beta * velocity + grad
    return theta - eta * velocity, velocity


@operands("theta", "velocity", "grad")
def heavy_ball_lr_in_velocity(theta: Array, velocity: Array, grad: Array, eta: Any,
                              beta: Any) -> tuple[Array, Array]:
    """Classical momentum with the learning rate inside the velocity (seed 003, "Adaptive
    Methods", with its α written η):

        v ← β v + η g,    θ ← θ − v.

    Returns the new (θ, v). For a constant η this is :func:`heavy_ball` with v scaled by η;
    under a schedule the velocity keeps the learning rates it was built with.
    """
    eta, beta = _eta(eta), _beta(beta)
    velocity = beta * velocity + eta * grad
    return theta - velocity, velocity


@operands("theta", "velocity")
def nesterov(theta: Array, velocity: Array, gradient: Gradient, eta: Any,
             beta: Any) -> tuple[Array, Array]:
    """Nesterov's accelerated gradient in the look-ahead form (Nesterov 1983, as written by
    Sutskever, Martens, Dahl & Hinton 2013, eqs. 3–4, with v ↦ −v; seed 003, "Adaptive Methods"):

        y = θ − β v,    v ← β v + η ∇f(y),    θ ← θ − v.

    Returns the new (θ, v). The look-ahead point y is seed 003's θ_{t−1} + β(θ_{t−1} −
    θ_{t−2}), since θ_{t−1} − θ_{t−2} = −v_{t−1}. ``gradient`` is ∇f as a function, since it
    is evaluated at y; :func:`nesterov_rewritten` is the same method with g taken at its
    own iterate.
    """
    eta, beta = _eta(eta), _beta(beta)
    if not callable(gradient):
        raise ParameterError("gradient", gradient, "a callable x ↦ ∇f(x)")
    velocity = beta * velocity + eta * gradient(theta - beta * velocity)
    return theta - velocity, velocity


@operands("phi", "velocity", "grad")
def nesterov_rewritten(phi: Array, velocity: Array, grad: Array, eta: Any,
                       beta: Any) -> tuple[Array, Array]:
    """Nesterov's method rewritten on the look-ahead point φ = θ − β v (Bengio,
    Boulanger-Lewandowski & Pascanu 2013), so that the gradient g = ∇f(φ) is taken at the
    current iterate:

        v ← β v + η g,    φ ← φ − β v − η g    (the new v).

    Returns the new (φ, v). Substituting φ = θ − βv into :func:`nesterov` gives exactly
    this, for any sequence of η: both produce the same iterates, φ_t = θ_t − β v_t, and
    from v₀ = 0 they start at the same point. PyTorch's ``SGD(nesterov=True)`` is this form
    with the learning rate outside the velocity (v ← βv + g, φ ← φ − η(g + βv)).
    """
    eta, beta = _eta(eta), _beta(beta)
    velocity = beta * velocity + eta * grad
    return phi - beta * velocity - eta * grad, velocity


@operands("grad")
def clip_by_value(grad: Array, C: Any) -> Array:
    """Gradient clipping coordinate by coordinate, g ↦ clamp(g, −C, C) (``clip_grad_value_``
    in PyTorch, ``optax.clip``). In 1-D it is the same as :func:`clip_by_norm`, and a
    gradient step with it on f = λx²/2 is seed 000's clipped map ("Dynamics Beyond the
    Stability Boundary: Gradient Clipping"), x ← x − η clip(λx),
    :func:`lrtheory.models.clipping.clipped_gd_step`.
    """
    C = _positive("C", C)
    if isinstance(grad, sp.Basic):
        return sp.Max(-C, sp.Min(grad, C))
    return namespace(grad).clip(grad, -C, C)


@operands("grad")
def clip_by_norm(grad: Array, C: Any, *, axis: int | None = -1) -> Array:
    """Gradient clipping by the Euclidean norm (Pascanu, Mikolov & Bengio 2013):

        g ↦ g · min(1, C/‖g‖) = g · C/max(‖g‖, C)

    (the second form never divides by zero). The norm is taken over ``axis``: the last, so
    that a batch of chains (n, d) is clipped chain by chain; ``axis=None`` takes the norm of
    the whole array (PyTorch's ``clip_grad_norm_`` over all parameters, without its 10⁻⁶
    added to the norm). A scalar is clipped by |g|, a SymPy matrix by its 2-norm.
    """
    C = _positive("C", C)
    if isinstance(grad, sp.MatrixBase):
        return grad * (C / sp.Max(grad.norm(), C))
    if isinstance(grad, sp.Basic):
        return grad * C / sp.Max(_abs(grad), C)
    xp = namespace(grad)
    if xp.ndim(grad) == 0:
        norm = xp.abs(grad)
    else:
        norm = xp.sqrt(xp.sum(grad * grad, axis=axis, keepdims=True))
    return grad * (C / xp.maximum(norm, C))


@operands("w", "grad")
def l2_regularised_step(w: Array, grad: Array, eta: Any, alpha: Any) -> Array:
    """Gradient descent on f + (α/2)‖w‖² (seeds 001 and 004, L2 through the gradient):

        w ← w − η (∇f(w) + α w) = (1 − ηα) w − η ∇f(w).
    """
    alpha = _hyper("alpha", alpha, 0.0)
    return w - _eta(eta) * (grad + alpha * w)


@operands("w", "grad")
def decoupled_weight_decay(w: Array, grad: Array, eta: Any, wd: Any) -> Array:
    """Decoupled weight decay with the gradient taken at the current point (seed 004,
    "Interaction with Regularization"; Loshchilov & Hutter's SGDW):

        w ← (1 − λ_wd) w − η ∇f(w).

    Its fixed point on a quadratic is the L2 solution with strength α = λ_wd/η.
    """
    wd = _hyper("wd", wd, 0.0, 1.0)
    return (1 - wd) * w - _eta(eta) * grad


@operands("w")
def decoupled_weight_decay_sequential(w: Array, gradient: Gradient, eta: Any, wd: Any) -> Array:
    """Seed 004's wording read literally: shrink first, then a gradient step taken at the
    shrunk point,

        u = (1 − λ_wd) w,    w ← u − η ∇f(u).

    ``gradient`` is ∇f as a function, since it is evaluated at u rather than at w.
    """
    wd = _hyper("wd", wd, 0.0, 1.0)
    if not callable(gradient):
        raise ParameterError("gradient", gradient, "a callable x ↦ ∇f(x)")
    shrunk = (1 - wd) * w
    return shrunk - _eta(eta) * gradient(shrunk)


@operands("w", "grad")
def decoupled_weight_decay_lr_scaled(w: Array, grad: Array, eta: Any, wd: Any) -> Array:
    """Decoupled decay in PyTorch's ``AdamW`` convention, the decay multiplied by the
    learning rate (here with a plain gradient step in place of Adam's):

        w ← (1 − η λ_wd) w − η ∇f(w).

    Its fixed point is the L2 solution with strength α = λ_wd, whatever η. As for
    :func:`decoupled_weight_decay`, the shrink factor must stay positive: 0 ≤ ηλ_wd < 1.
    """
    eta = _eta(eta)
    wd = _lr_scaled_wd(eta, wd)
    return (1 - eta * wd) * w - eta * grad


@operands("grad_next", "grad")
def hypergradient(grad_next: Array, grad: Array) -> Array:
    """∂L(θ_{t+1})/∂η_t = −g_{t+1}ᵀg_t (claim H5), summed over the last axis of arrays
    (chains along the leading axes)."""
    return -namespace(grad_next, grad).sum(grad_next * grad, axis=-1)


@operands("eta", "grad_next", "grad")
def additive_lr_step(eta: Array, grad_next: Array, grad: Array, alpha: Any) -> Array:
    """Hypergradient descent on η itself, η_{t+1} = η_t + α·g_{t+1}ᵀg_t (may turn η
    negative)."""
    return eta - _positive("alpha", alpha) * hypergradient(grad_next, grad)


@operands("eta", "grad_next", "grad")
def exp_lr_step(eta: Array, grad_next: Array, grad: Array, alpha: Any,
                xp: Any = None) -> Array:
    """The exp-reparameterised rule: η = exp(ℓ), ℓ_{t+1} = ℓ_t − α∂L/∂ℓ = ℓ_t +
    αη_t g_{t+1}ᵀg_t, i.e. η_{t+1} = η_t·exp(αη_t g_{t+1}ᵀg_t) > 0 for every η_t > 0.
    ``xp`` is the array module (default: that of ``eta``)."""
    step = -_positive("alpha", alpha) * eta * hypergradient(grad_next, grad)
    return eta * (xp or namespace(step)).exp(step)
