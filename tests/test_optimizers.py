"""Update rules: their equations, purity, the conventions that must agree (heavy ball,
Nesterov, AdamW), backends (NumPy batches, SymPy) and input checks."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
import sympy as sp

from lrtheory.errors import ParameterError
from lrtheory.models.clipping import clipped_gd_step
from lrtheory.optimizers import (
    AdamState,
    adagrad,
    adam,
    adamw,
    adamw_lr_scaled,
    clip_by_norm,
    clip_by_value,
    decoupled_weight_decay,
    decoupled_weight_decay_lr_scaled,
    decoupled_weight_decay_sequential,
    gradient_step,
    heavy_ball,
    heavy_ball_lr_in_velocity,
    l2_regularised_step,
    nesterov,
    nesterov_rewritten,
    rmsprop,
)

EPS = np.finfo(float).eps


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
    (lambda: nesterov(0.0, 0.0, 1.0, 0.1, 0.5), "gradient"),  # type: ignore[arg-type]
    (lambda: nesterov(0.0, 0.0, lambda x: x, 0.1, 1.0), "beta"),
    (lambda: nesterov_rewritten(0.0, 0.0, 1.0, 0.0, 0.5), "eta"),
    (lambda: adagrad(0.0, 0.0, 1.0, 0.1, 0.0), "eps"),
    (lambda: adagrad(0.0, 0.0, 1.0, -0.1), "eta"),
    (lambda: rmsprop(0.0, 0.0, 1.0, 0.1, rho=1.0), "rho"),
    (lambda: rmsprop(0.0, 0.0, 1.0, 0.1, eps=-1e-8), "eps"),
    (lambda: adam(0.0, AdamState(0.0, 0.0, 0), 1.0, 0.1, beta1=1.0), "beta1"),
    (lambda: adam(0.0, AdamState(0.0, 0.0, 0), 1.0, 0.1, beta1=-0.1), "beta1"),
    (lambda: adam(0.0, AdamState(0.0, 0.0, 0), 1.0, 0.1, beta2=1.0), "beta2"),
    (lambda: adam(0.0, AdamState(0.0, 0.0, 0), 1.0, 0.1, eps=0.0), "eps"),
    (lambda: adam(0.0, AdamState(0.0, 0.0, 0), 1.0, math.inf), "eta"),
    (lambda: adamw(0.0, AdamState(0.0, 0.0, 0), 1.0, 0.1, 1.0), "wd"),
    (lambda: adamw_lr_scaled(0.0, AdamState(0.0, 0.0, 0), 1.0, 0.1, 10.0), "wd"),
    (lambda: clip_by_value(1.0, 0.0), "C"),
    (lambda: clip_by_norm(np.ones(2), -1.0), "C"),
])
def test_bad_hyperparameters_raise(call: Callable[[], object], name: str) -> None:
    with pytest.raises(ParameterError, match=rf"^{name} must be"):
        call()


# --------------------------------------------------------------------------------------
# Nesterov: the look-ahead form and the rewritten form are one method
# --------------------------------------------------------------------------------------


def _quadratic(d: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A random SPD matrix A (eigenvalues in [0.5, 2]) and a vector b: ∇f(x) = A x − b."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    return (q * rng.uniform(0.5, 2.0, d)) @ q.T, rng.normal(size=d)


def test_nesterov_forms_produce_the_same_iterates_in_floats() -> None:
    A, b = _quadratic(4, 1)

    def gradient(x: np.ndarray) -> np.ndarray:
        return x @ A.T - b

    beta, theta0 = 0.9, np.random.default_rng(2).normal(size=(3, 4))
    etas = np.where(np.arange(150) < 75, 0.2, 0.05)  # a schedule: the identity still holds
    theta, v = theta0, np.zeros_like(theta0)
    phi, u = theta0, np.zeros_like(theta0)
    moved, scale = 0.0, float(np.max(np.abs(theta0)))
    for eta in etas:
        theta, v = nesterov(theta, v, gradient, eta, beta)
        phi, u = nesterov_rewritten(phi, u, gradient(phi), eta, beta)
        # Rounding is relative to the largest iterate the run has held (a few ulps per step,
        # carried through ∇f): the bound is 16 ulps of that per step.
        scale = max(scale, float(np.max(np.abs(theta))), float(np.max(np.abs(v))))
        np.testing.assert_allclose(u, v, rtol=0, atol=150 * 16 * EPS * scale)
        np.testing.assert_allclose(phi, theta - beta * v, rtol=0, atol=150 * 16 * EPS * scale)
        moved = max(moved, float(np.max(np.abs(theta - theta0))))
    assert moved > 1.0


def test_nesterov_forms_are_identical_symbolically() -> None:
    df = sp.Function("df")
    theta0, eta1, eta2, eta3, beta = sp.symbols("theta_0 eta_1 eta_2 eta_3 beta")
    theta, v, phi, u = theta0, sp.Integer(0), theta0, sp.Integer(0)
    for eta in (eta1, eta2, eta3):
        theta, v = nesterov(theta, v, df, eta, beta)
        phi, u = nesterov_rewritten(phi, u, df(phi), eta, beta)
        assert sp.expand(u - v) == 0
        assert sp.expand(phi - (theta - beta * v)) == 0
    assert len(sp.expand(theta).atoms(sp.Function)) >= 3  # three distinct gradient points


def test_nesterov_looks_ahead() -> None:
    seen: list[float] = []

    def gradient(x: float) -> float:
        seen.append(x)
        return 2.0 * x

    nesterov(1.0, 0.5, gradient, 0.1, 0.9)
    assert seen == [pytest.approx(1.0 - 0.9 * 0.5)]


# --------------------------------------------------------------------------------------
# Adaptive rules
# --------------------------------------------------------------------------------------


def test_adam_first_step_is_eta_times_sign_whatever_the_scale() -> None:
    g = np.array([3e4, -2.0, 1e-3, -1e-8, 5e-9])  # |g| ≫ ε down to |g| ~ ε
    eta, eps = 0.01, 1e-8
    theta, state = adam(np.zeros(5), AdamState.zeros(np.zeros(5)), g, eta, 0.9, 0.999, eps)
    np.testing.assert_allclose(np.abs(theta), eta * np.abs(g) / (np.abs(g) + eps), rtol=1e-13)
    np.testing.assert_array_equal(np.sign(theta), -np.sign(g))
    assert state.t == 1
    np.testing.assert_allclose(state.m, 0.1 * g, rtol=1e-15)
    np.testing.assert_allclose(state.v, 0.001 * g * g, rtol=1e-13)
    # Without the bias correction the first step would be η·0.1/√0.001 ≈ 3.2 η, not η.
    assert abs(theta[0]) == pytest.approx(eta, rel=1e-12)


def test_adam_matches_a_hand_written_loop_on_a_random_quadratic() -> None:
    A, b = _quadratic(5, 3)
    eta, b1, b2, eps = 0.05, 0.8, 0.99, 1e-6
    x0 = np.random.default_rng(4).normal(size=5)
    theta, state = x0, AdamState.zeros(x0)
    x, m, v = x0.copy(), np.zeros(5), np.zeros(5)
    for t in range(1, 21):
        theta, state = adam(theta, state, A @ theta - b, eta, b1, b2, eps)
        g = A @ x - b
        for i in range(5):  # reference, coordinate by coordinate, Kingma & Ba Algorithm 1
            m[i] = b1 * m[i] + (1 - b1) * g[i]
            v[i] = b2 * v[i] + (1 - b2) * g[i] ** 2
            x[i] -= eta * (m[i] / (1 - b1**t)) / (math.sqrt(v[i] / (1 - b2**t)) + eps)
    assert state.t == 20
    assert float(np.max(np.abs(x - x0))) > 0.3
    np.testing.assert_allclose(theta, x, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(state.m, m, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(state.v, v, rtol=1e-12)


def test_adagrad_effective_rate_decays_as_one_over_sqrt_t_exactly() -> None:
    g, eta, eps = sp.symbols("g eta epsilon", positive=True)
    theta, s = sp.Integer(0), sp.Integer(0)
    for t in range(1, 7):
        new, s = adagrad(theta, s, g, eta, eps)
        assert sp.simplify((theta - new) / g - eta / (g * sp.sqrt(t) + eps)) == 0
        theta = new
    # ... and in floats over 400 steps: η_eff·√t = η/|g| · 1/(1 + ε/(|g|√t)).
    x, s_f, gf, etaf, epsf = 0.0, 0.0, -0.5, 0.1, 1e-3
    for t in range(1, 401):
        new_x, s_f = adagrad(x, s_f, gf, etaf, epsf)
        rate = (x - new_x) / gf
        assert rate * math.sqrt(t) == pytest.approx(etaf / (0.5 + epsf / math.sqrt(t)), rel=1e-13)
        x = new_x


def test_adagrad_and_rmsprop_eps_inside_the_root() -> None:
    g = np.array([2.0, 1e-4])
    theta, _ = adagrad(np.zeros(2), np.zeros(2), g, 0.1, 1e-6, eps_inside=True)
    np.testing.assert_allclose(theta, -0.1 * g / np.sqrt(g * g + 1e-6), rtol=1e-14)
    theta, _ = rmsprop(np.zeros(2), np.zeros(2), g, 0.1, 0.9, 1e-6, eps_inside=True)
    np.testing.assert_allclose(theta, -0.1 * g / np.sqrt(0.1 * g * g + 1e-6), rtol=1e-14)
    theta_out, _ = rmsprop(np.zeros(2), np.zeros(2), g, 0.1, 0.9, 1e-6)
    assert abs(theta_out[1] - theta[1]) > 1e-3  # where g² ~ ε the two forms differ


def test_rmsprop_second_moment_tends_to_g_squared() -> None:
    g, rho = np.array([0.3, -2.0, 7.0]), 0.99
    theta, mean_sq = np.zeros(3), np.zeros(3)
    for t in range(1, 3001):
        theta, mean_sq = rmsprop(theta, mean_sq, g, 0.01, rho)
        if t in (1, 100, 3000):
            np.testing.assert_allclose(mean_sq, (1 - rho**t) * g * g, rtol=1e-12)
    np.testing.assert_allclose(mean_sq, g * g, rtol=1e-12)
    assert np.all(np.abs(mean_sq / (g * g) - 1) < 1e-13)


def _run_adamw(rule: Callable[..., tuple[np.ndarray, AdamState]], wd: float,
               steps: int = 30) -> np.ndarray:
    A, b = _quadratic(3, 5)
    theta = np.random.default_rng(6).normal(size=3)
    state = AdamState.zeros(theta)
    for _ in range(steps):
        theta, state = rule(theta, state, A @ theta - b, 0.02, wd)
    return theta


def test_adamw_conventions_coincide_iff_decay_matches() -> None:
    decoupled = _run_adamw(adamw, 0.02 * 0.5)  # λ_wd = η λ'_wd
    scaled = _run_adamw(adamw_lr_scaled, 0.5)
    np.testing.assert_allclose(decoupled, scaled, rtol=1e-13, atol=1e-15)
    same_number = _run_adamw(adamw, 0.5)  # the same λ in both: decays differ by a factor η
    assert np.max(np.abs(same_number - scaled)) > 0.1
    np.testing.assert_allclose(_run_adamw(adamw, 0.0), _run_adamw(adamw_lr_scaled, 0.0),
                               rtol=1e-15)  # no decay: both are Adam


def test_adamw_decays_the_starting_point() -> None:
    theta, g = np.array([2.0, -1.0]), np.array([0.5, 0.5])
    state = AdamState.zeros(theta)
    a, _ = adam(theta, state, g, 0.1)
    w, _ = adamw(theta, state, g, 0.1, 0.05)
    s, _ = adamw_lr_scaled(theta, state, g, 0.1, 0.05)
    np.testing.assert_allclose(w, a - 0.05 * theta, rtol=1e-15)
    np.testing.assert_allclose(s, a - 0.1 * 0.05 * theta, rtol=1e-15)


# --------------------------------------------------------------------------------------
# Clipping
# --------------------------------------------------------------------------------------


def test_clipped_step_is_the_n1_clipped_map_in_1d() -> None:
    eta, lam, C = 2.6, 1.0, 0.7  # ηλ > 2: the unclipped map diverges, the clipped one not
    x = np.linspace(-5.0, 5.0, 101)
    y = x.copy()
    for _ in range(60):
        x = gradient_step(x, clip_by_value(lam * x, C), eta)
        y = clipped_gd_step(y, eta, lam, C)
        np.testing.assert_array_equal(x, y)
    z = np.linspace(-5.0, 5.0, 101)[:, None]  # clip_by_norm on d = 1: the same step
    np.testing.assert_allclose(gradient_step(z, clip_by_norm(lam * z, C), eta)[:, 0],
                               clipped_gd_step(z[:, 0], eta, lam, C), rtol=0, atol=8 * EPS * 5)


def test_clip_by_norm_clips_each_chain_by_its_own_norm() -> None:
    g = np.array([[3.0, 4.0], [0.3, 0.4], [0.0, 0.0]])
    out = clip_by_norm(g, 1.0)
    np.testing.assert_allclose(out, [[0.6, 0.8], [0.3, 0.4], [0.0, 0.0]], rtol=1e-15)
    whole = clip_by_norm(g, 1.0, axis=None)  # one global norm √(25 + 0.25)
    np.testing.assert_allclose(whole, g / math.sqrt(25.25), rtol=1e-15)
    assert clip_by_norm(-3.0, 2.0) == pytest.approx(-2.0)
    np.testing.assert_array_equal(clip_by_value(g, 0.35), np.minimum(g, 0.35))


# --------------------------------------------------------------------------------------
# Backends: batches of chains, SymPy; purity
# --------------------------------------------------------------------------------------

State = tuple[object, ...]


def _steps(theta: object, grad: object) -> dict[str, object]:
    """One step of every rule from a fixed nonzero state (a quadratic's gradient for
    Nesterov's look-ahead), as a dict name → (new θ, new state...)."""
    def gradient(x: object) -> object:
        return 1.5 * x - grad  # type: ignore[operator]

    v, sq = 0.5 * grad, 0.25 * grad * grad + 0.01  # type: ignore[operator]
    st = AdamState(0.3 * grad, sq, 2)  # type: ignore[operator]
    return {
        "heavy_ball": heavy_ball(theta, v, grad, 0.1, 0.9),
        "nesterov": nesterov(theta, v, gradient, 0.1, 0.9),
        "nesterov_rewritten": nesterov_rewritten(theta, v, grad, 0.1, 0.9),
        "adagrad": adagrad(theta, sq, grad, 0.1, 1e-3),
        "rmsprop": rmsprop(theta, sq, grad, 0.1, 0.9, 1e-3),
        "adam": adam(theta, st, grad, 0.1, 0.8, 0.95, 1e-3),
        "adamw": adamw(theta, st, grad, 0.1, 0.01, 0.8, 0.95, 1e-3),
        "adamw_lr_scaled": adamw_lr_scaled(theta, st, grad, 0.1, 0.3, 0.8, 0.95, 1e-3),
        "clip_by_value": clip_by_value(grad, 0.4),
        "clip_by_norm": clip_by_norm(grad, 0.4),
    }


def _flat(value: object) -> list[object]:
    if isinstance(value, tuple):
        return [x for item in value for x in _flat(item)]
    return [value]


def test_every_rule_runs_on_a_batch_of_chains_row_by_row() -> None:
    rng = np.random.default_rng(7)
    theta, grad = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    batch = _steps(theta, grad)
    rows = [_steps(theta[i], grad[i]) for i in range(6)]
    for name, out in batch.items():
        for k, part in enumerate(_flat(out)):
            if np.ndim(part) == 0:  # Adam's step count
                continue
            assert np.shape(part) == (6, 3), name
            expected = np.array([_flat(r[name])[k] for r in rows])
            np.testing.assert_allclose(part, expected, rtol=1e-14, atol=1e-16, err_msg=name)


def test_every_rule_runs_on_sympy_symbols() -> None:
    theta_s, g_s = sp.symbols("theta g", real=True)
    values = {theta_s: 0.7, g_s: -1.3}
    symbolic = _steps(theta_s, g_s)
    numeric = _steps(values[theta_s], values[g_s])
    for name, out in symbolic.items():
        for sym, num in zip(_flat(out), _flat(numeric[name]), strict=True):
            assert float(sp.sympify(sym).subs(values)) == pytest.approx(float(num),  # type: ignore[arg-type]
                                                                         rel=1e-13), name
    assert isinstance(symbolic["adam"][0], sp.Expr)  # type: ignore[index]


def test_every_rule_accepts_sympy_hyperparameters() -> None:
    g, eta, b1, b2, eps, wd = sp.symbols("g eta beta_1 beta_2 epsilon lambda_wd",
                                         positive=True)
    m, v = sp.symbols("m v", positive=True)
    theta, state = adamw_lr_scaled(0, AdamState(m, v, 1), g, eta, wd, b1, b2, eps)
    m2, v2 = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g**2
    expected = -eta * (m2 / (1 - b1**2) / (sp.sqrt(v2 / (1 - b2**2)) + eps))
    assert sp.simplify(theta - expected) == 0
    assert state.t == 2


def test_new_rules_are_pure() -> None:
    rng = np.random.default_rng(8)
    theta, grad = rng.normal(size=(4, 2)), rng.normal(size=(4, 2))
    before = (theta.copy(), grad.copy())
    outs = _steps(theta, grad)
    for a, b in zip((theta, grad), before, strict=True):
        np.testing.assert_array_equal(a, b)
    st = AdamState(np.ones(2), np.ones(2), 3)
    adam(np.zeros(2), st, np.ones(2), 0.1)
    np.testing.assert_array_equal(st.m, np.ones(2))
    np.testing.assert_array_equal(st.v, np.ones(2))
    assert st.t == 3
    assert all(part is not theta for out in outs.values() for part in _flat(out))
