"""Update rules: their equations, purity, both heavy-ball conventions, and input checks."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
import sympy as sp

from lrtheory.errors import ParameterError
from lrtheory.optimizers import (
    decoupled_weight_decay,
    decoupled_weight_decay_lr_scaled,
    decoupled_weight_decay_sequential,
    gradient_step,
    heavy_ball,
    heavy_ball_lr_in_velocity,
    l2_regularised_step,
)


def _run_both(etas: np.ndarray, grads: np.ndarray, beta: float) -> tuple[np.ndarray, np.ndarray]:
    """Iterates of both heavy-ball conventions, from 0, under the same gradients."""
    theta_a = v = theta_b = u = np.zeros(grads.shape[1])
    path_a, path_b = [], []
    for eta, g in zip(etas, grads, strict=True):
        theta_a, v = heavy_ball(theta_a, v, g, eta, beta)
        theta_b, u = heavy_ball_lr_in_velocity(theta_b, u, g, eta, beta)
        path_a.append(theta_a)
        path_b.append(theta_b)
    return np.array(path_a), np.array(path_b)


def test_heavy_ball_conventions_agree_for_constant_eta() -> None:
    rng = np.random.default_rng(0)
    grads = rng.normal(size=(200, 3))
    a, b = _run_both(np.full(200, 0.05), grads, beta=0.9)
    scale = np.max(np.abs(a))
    assert scale > 1.0  # the iterates moved
    np.testing.assert_allclose(b, a, rtol=0, atol=200 * 8 * np.finfo(float).eps * scale)


def test_heavy_ball_conventions_differ_under_a_schedule() -> None:
    # Constant gradient, η: 0.1 → 0.01 after 50 steps; the difference after T steps is
    # −gβ(η₁−η₂)(1−β^τ)(1−β^{T−τ})/(1−β)² (M1's derived closed form).
    beta, tau, T, g = 0.9, 50, 80, 1.0
    etas = np.where(np.arange(T) < tau, 0.1, 0.01)
    a, b = _run_both(etas, np.full((T, 1), g), beta)
    np.testing.assert_allclose(a[:tau], b[:tau], rtol=1e-13)
    expected = -g * beta * 0.09 * (1 - beta**tau) * (1 - beta ** (T - tau)) / (1 - beta) ** 2
    assert float(b[-1, 0] - a[-1, 0]) == pytest.approx(expected, rel=1e-12)
    assert abs(expected) > 5.0  # far from rounding: the conventions really differ


def test_heavy_ball_velocity_reaches_g_over_one_minus_beta() -> None:
    theta, v = 0.0, 0.0
    for _ in range(2000):
        theta, v = heavy_ball(theta, v, 2.0, 0.1, 0.99)
    assert v == pytest.approx(2.0 / 0.01 * (1 - 0.99**2000), rel=1e-12)


def test_rules_match_their_equations_on_arrays() -> None:
    w, g = np.array([1.0, -2.0]), np.array([0.5, 0.25])
    np.testing.assert_allclose(gradient_step(w, g, 0.1), w - 0.1 * g)
    np.testing.assert_allclose(l2_regularised_step(w, g, 0.1, 0.3), w - 0.1 * (g + 0.3 * w))
    np.testing.assert_allclose(decoupled_weight_decay(w, g, 0.1, 0.2), 0.8 * w - 0.1 * g)
    np.testing.assert_allclose(decoupled_weight_decay_lr_scaled(w, g, 0.1, 0.2),
                               (1 - 0.02) * w - 0.1 * g)
    theta, v = heavy_ball(w, g, g, 0.1, 0.5)
    np.testing.assert_allclose(v, 1.5 * g)
    np.testing.assert_allclose(theta, w - 0.15 * g)
    theta, v = heavy_ball_lr_in_velocity(w, g, g, 0.1, 0.5)
    np.testing.assert_allclose(v, 0.6 * g)
    np.testing.assert_allclose(theta, w - 0.6 * g)


def test_sequential_decay_takes_the_gradient_at_the_shrunk_point() -> None:
    seen: list[np.ndarray] = []

    def gradient(x: np.ndarray) -> np.ndarray:
        seen.append(x.copy())
        return 2.0 * x

    w = np.array([1.0, 3.0])
    out = decoupled_weight_decay_sequential(w, gradient, 0.1, 0.5)
    np.testing.assert_allclose(seen[0], 0.5 * w)
    np.testing.assert_allclose(out, 0.5 * w - 0.1 * 2.0 * 0.5 * w)
    # ... whereas the simultaneous rule uses ∇f(w): the two differ.
    assert not np.allclose(out, decoupled_weight_decay(w, 2.0 * w, 0.1, 0.5))


def test_rules_are_pure() -> None:
    w, v, g = np.ones(3), np.full(3, 2.0), np.full(3, 0.5)
    before = (w.copy(), v.copy(), g.copy())
    heavy_ball(w, v, g, 0.1, 0.9)
    heavy_ball_lr_in_velocity(w, v, g, 0.1, 0.9)
    decoupled_weight_decay(w, g, 0.1, 0.1)
    decoupled_weight_decay_sequential(w, lambda x: x, 0.1, 0.1)
    for a, b in zip((w, v, g), before, strict=True):
        np.testing.assert_array_equal(a, b)


def test_rules_accept_sympy_symbols() -> None:
    w, g, eta, wd = sp.symbols("w g eta lambda_wd")
    assert sp.simplify(decoupled_weight_decay(w, g, eta, wd) - ((1 - wd) * w - eta * g)) == 0
    assert sp.simplify(decoupled_weight_decay_lr_scaled(w, g, eta, wd)
                       - l2_regularised_step(w, g, eta, wd)) == 0


@pytest.mark.parametrize(("call", "name"), [
    (lambda: gradient_step(1.0, 1.0, 0.0), "eta"),
    (lambda: gradient_step(1.0, 1.0, math.nan), "eta"),
    (lambda: heavy_ball(0.0, 0.0, 1.0, 0.1, 1.0), "beta"),
    (lambda: heavy_ball(0.0, 0.0, 1.0, 0.1, -0.1), "beta"),
    (lambda: heavy_ball_lr_in_velocity(0.0, 0.0, 1.0, -0.1, 0.5), "eta"),
    (lambda: l2_regularised_step(1.0, 1.0, 0.1, -1.0), "alpha"),
    (lambda: decoupled_weight_decay(1.0, 1.0, 0.1, 1.0), "wd"),
    (lambda: decoupled_weight_decay_sequential(1.0, lambda x: x, 0.1, -0.5), "wd"),
    (lambda: decoupled_weight_decay_lr_scaled(1.0, 1.0, 0.1, "0.1"), "wd"),
    (lambda: decoupled_weight_decay_lr_scaled(1.0, 1.0, 0.5, 2.0), "wd"),  # ηλ_wd = 1
    (lambda: decoupled_weight_decay_sequential(1.0, 2.0, 0.1, 0.5),  # type: ignore[arg-type]
     "gradient"),
])
def test_bad_hyperparameters_raise(call: Callable[[], object], name: str) -> None:
    with pytest.raises(ParameterError, match=rf"^{name} must be"):
        call()
