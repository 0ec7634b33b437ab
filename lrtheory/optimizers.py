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
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import sympy as sp

from lrtheory.errors import ParameterError, check_real

Array = Any
"""A NumPy/CuPy array, a Python float or a SymPy expression/matrix."""

Gradient = Callable[[Array], Array]
"""∇f as a function of the parameters (needed where the gradient is taken at a new point)."""


def _hyper(name: str, value: Any, lo: float, hi: float = math.inf, *,
           lo_open: bool = False) -> Any:
    """A hyperparameter: a SymPy expression passes, a number must lie in [lo, hi)."""
    if isinstance(value, sp.Basic):
        return value
    return check_real(name, value, lo, hi, lo_open=lo_open)


def _eta(eta: Any) -> Any:
    return _hyper("eta", eta, 0.0, lo_open=True)


def _beta(beta: Any) -> Any:
    return _hyper("beta", beta, 0.0, 1.0)


def gradient_step(theta: Array, grad: Array, eta: Any) -> Array:
    """Plain gradient descent: θ ← θ − η g (seed 000, "The Learning Rate and Stability")."""
    return theta - _eta(eta) * grad


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


def l2_regularised_step(w: Array, grad: Array, eta: Any, alpha: Any) -> Array:
    """Gradient descent on f + (α/2)‖w‖² (seeds 001 and 004, L2 through the gradient):

        w ← w − η (∇f(w) + α w) = (1 − ηα) w − η ∇f(w).
    """
    alpha = _hyper("alpha", alpha, 0.0)
    return w - _eta(eta) * (grad + alpha * w)


def decoupled_weight_decay(w: Array, grad: Array, eta: Any, wd: Any) -> Array:
    """Decoupled weight decay with the gradient taken at the current point (seed 004,
    "Interaction with Regularization"; Loshchilov & Hutter's SGDW):

        w ← (1 − λ_wd) w − η ∇f(w).

    Its fixed point on a quadratic is the L2 solution with strength α = λ_wd/η.
    """
    wd = _hyper("wd", wd, 0.0, 1.0)
    return (1 - wd) * w - _eta(eta) * grad


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


def decoupled_weight_decay_lr_scaled(w: Array, grad: Array, eta: Any, wd: Any) -> Array:
    """Decoupled decay in PyTorch's ``AdamW`` convention, the decay multiplied by the
    learning rate (here with a plain gradient step in place of Adam's):

        w ← (1 − η λ_wd) w − η ∇f(w).

    Its fixed point is the L2 solution with strength α = λ_wd, whatever η. As for
    :func:`decoupled_weight_decay`, the shrink factor must stay positive: 0 ≤ ηλ_wd < 1.
    """
    eta = _eta(eta)
    wd = _hyper("wd", wd, 0.0, math.inf if isinstance(eta, sp.Basic) else 1.0 / eta)
    return (1 - eta * wd) * w - eta * grad
