"""M11's models: Adam + L2 against AdamW, and the symbolic stationary steps."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from scipy.optimize import minimize_scalar

from lrtheory.adaptive import AdamState, adam, adamw_lr_scaled
from lrtheory.errors import ParameterError
from lrtheory.models import adam_l2 as al
from lrtheory.models import adam_moments as am
from lrtheory.models.rounding import EPS
from lrtheory.symbolic.adam_l2 import (
    affine_root,
    exact_gradient_fixed_point,
    reflection_defect,
    stationary_step,
    step_from_moments,
)

HP = al.AdamHyper(0.05, 1.0)


def test_l2_solution_minimises_the_penalised_loss() -> None:
    a, h, lam = 0.7, 2.0, 0.3
    best = minimize_scalar(lambda w: a * w + h * w * w / 2 + lam * w * w / 2)
    assert al.l2_solution(a, h, lam) == pytest.approx(best.x, abs=1e-7)


def test_eps_shift_bound_holds_pointwise_and_in_mean() -> None:
    """|d_ε − d_0| ≤ C min(1, ε/(√w₀|g_s|)) for every gradient sequence, and the bound on
    its mean exceeds the sampled mean (a large ε makes the shift visible)."""
    rng = np.random.default_rng(3)
    eps, b1, b2, s, a, sigma = 1e-3, 0.9, 0.99, 12, 0.1, 0.5
    wa, wv = am.ema_weights(b1, s), am.ema_weights(b2, s)
    g = a + sigma * rng.standard_normal((200_000, s))  # column 0 = newest
    m, v = g @ wa, (g * g) @ wv
    shift = np.abs(m / (np.sqrt(v) + eps) - m / np.sqrt(v))
    c = am.ratio_bound(wa, wv)
    pointwise = c * np.minimum(1.0, eps / (math.sqrt(wv[0]) * np.abs(g[:, 0])))
    assert np.all(shift <= pointwise * (1 + 1e-12))
    assert shift.mean() <= al.eps_shift_bound(eps, b1, b2, s, sigma)


def test_adamw_curve_is_the_closed_sum() -> None:
    a, sigma, w0, steps = 0.3, 0.4, -1.0, 40
    q = 1 - HP.eta * HP.lam
    total = q**steps * w0 - HP.eta * sum(
        q ** (steps - s) * al.direction_mean(HP, s, a, sigma).value for s in range(1, steps + 1))
    curve = al.adamw_linear_curve(HP, a, sigma, w0, steps)
    assert curve[0].value == w0
    assert curve[-1].value == pytest.approx(total, rel=1e-13)
    assert al.adamw_linear_mean(HP, a, sigma, w0, steps) == curve[-1]


def test_adamw_curve_reaches_the_stationary_mean() -> None:
    hp = al.AdamHyper(0.5, 1.0, beta1=0.5, beta2=0.5)  # short memories: stationary fast
    a, sigma = 0.4, 0.6
    end = al.adamw_linear_mean(hp, a, sigma, 0.0, 150)
    stationary = al.adamw_linear_stationary(hp, a, sigma)
    assert abs(end.value - stationary.value) <= end.error + stationary.error + 1e-12


def test_adamw_mean_by_simulation() -> None:
    """The rule itself on N(a, σ²) gradients: the sample mean of w_T within 5 standard
    errors of the exact quadrature sum."""
    rng = np.random.default_rng(11)
    a, sigma, steps, n = 0.3, 0.3, 60, 40_000
    w = np.full(n, -a / HP.lam)
    state = AdamState.zeros(w)
    for _ in range(steps):
        w, state = adamw_lr_scaled(w, state, a + sigma * rng.standard_normal(n), HP.eta,
                                   HP.lam, HP.beta1, HP.beta2, HP.eps)
    exact = al.adamw_linear_mean(HP, a, sigma, -a / HP.lam, steps).value
    assert abs(w.mean() - exact) < 5 * w.std() / math.sqrt(n)
    assert abs(w.mean() - (-a / HP.lam)) > 20 * w.std() / math.sqrt(n)  # it did move


def test_adam_l2_mirror_runs_are_reflections() -> None:
    """Adam on ∇f + λw from w_L2 ± u with noise ±ξ: the two runs stay mirror images of each
    other about w_L2 (to rounding), the symmetry behind E w_t = w_L2."""
    rng = np.random.default_rng(5)
    a, h, lam, sigma = 0.4, 2.0, 1.0, 1.5
    w_l2 = al.l2_solution(a, h, lam)
    u = rng.standard_normal(8)
    plus, minus = w_l2 + u, w_l2 - u
    sp_, sm = AdamState.zeros(plus), AdamState.zeros(minus)
    for _ in range(200):
        xi = rng.standard_normal(8)
        plus, sp_ = adam(plus, sp_, a + (h + lam) * plus + sigma * xi, 0.05)
        minus, sm = adam(minus, sm, a + (h + lam) * minus - sigma * xi, 0.05)
    np.testing.assert_allclose(plus - w_l2, -(minus - w_l2), atol=1e-12)


@pytest.mark.parametrize(("a", "h", "sigma"),
                         [(-3.0, 3.0, 0.5), (0.7, 0.2, 2.0), (-0.1, 5.0, 0.05)])
def test_ratio_of_expectations_solves_the_quartic(a: float, h: float, sigma: float) -> None:
    """At ε = 0 the mean-field root solves λ²w²(G² + σ²) = G², G = a + hw, with
    sign(w) = −sign(G): the real root of that quartic picked by the sign condition."""
    hp = al.AdamHyper(0.05, 1.0, eps=0.0)
    lam = hp.lam
    g = np.polynomial.Polynomial([a, h])
    quartic = lam**2 * np.polynomial.Polynomial([0, 0, 1]) * (g * g + sigma**2) - g * g
    roots = [r.real for r in quartic.roots() if abs(r.imag) < 1e-9]
    roots = [w for w in roots if w * (a + h * w) < 0]
    assert len(roots) == 1
    assert al.adamw_ratio_of_expectations(hp, a, h, sigma) == pytest.approx(roots[0], rel=1e-9)


def test_ratio_of_expectations_tends_to_the_linear_closed_form() -> None:
    a, sigma = 0.6, 0.8
    closed = -a / (HP.lam * (math.hypot(a, sigma) + HP.eps))
    assert al.adamw_ratio_of_expectations(HP, a, 1e-9, sigma) == pytest.approx(closed, rel=1e-8)


def test_deterministic_fixed_point_is_the_rules() -> None:
    hp = al.AdamHyper(0.1, 1.0, beta1=0.9, beta2=0.9)
    h, cs = 2.0, np.array([1.5, 4.0])
    w = al.run_to_fixed_point(hp, h, cs)
    exact = np.array([al.deterministic_fixed_point(hp, h, c) for c in cs])
    assert np.all(np.abs(w - exact) <= (4 * EPS * np.abs(w) / hp.eta + 16 * EPS) / hp.lam)
    np.testing.assert_allclose(exact, 1 / hp.lam, atol=1e-7)  # the box |w| ≤ 1/λ
    with pytest.raises(RuntimeError, match="fixed point"):
        al.run_to_fixed_point(hp, h, cs, max_steps=10)


def test_overregularisation_boundary_equalises_the_means() -> None:
    a = 0.3
    rms = al.overregularisation_boundary(HP, a).value
    sigma = math.sqrt(rms**2 - a * a)
    assert al.adamw_linear_stationary(HP, a, sigma).value == pytest.approx(-a / HP.lam,
                                                                           rel=1e-9)
    assert rms == pytest.approx(1.0, abs=2e-3)  # the ratio of expectations' answer


def test_averaged_fixed_point_is_a_root() -> None:
    a, h, sigma = -3.0, 3.0, 0.5
    root = al.averaged_fixed_point(HP, a, h, sigma)
    f = am.stationary_step_expectation(HP.beta1, HP.beta2, a + h * root.value, sigma).value
    assert abs(HP.lam * root.value + f) < 1e-10
    assert 0 < root.value < -a / h  # shrunk towards 0 from the optimum c = 1


def test_bad_inputs_name_the_parameter() -> None:
    with pytest.raises(ParameterError, match="lam"):
        al.AdamHyper(0.5, 2.0)  # ηλ ≥ 1
    with pytest.raises(ParameterError, match="beta2"):
        al.AdamHyper(0.1, 1.0, beta2=1.0)
    with pytest.raises(ParameterError, match="sigma"):
        al.adamw_linear_stationary(HP, 0.3, 0.0)
    with pytest.raises(ParameterError, match="c"):
        al.deterministic_fixed_point(HP, 1.0, 0.5)  # c ≤ 1/λ: no box fixed point
    with pytest.raises(ParameterError, match="a"):
        al.overregularisation_boundary(HP, 1.5)
    with pytest.raises(ParameterError, match=r"^a must"):
        al.adamw_ratio_of_expectations(HP, math.nan, 1.0, 0.5)
    with pytest.raises(ParameterError, match=r"^h must"):
        al.adamw_ratio_of_expectations(HP, 0.3, 0.0, 0.5)  # h = 0: the closed form instead
    with pytest.raises(ParameterError, match=r"^a must"):
        al.adamw_linear_stationary(HP, math.inf, 0.5)
    with pytest.raises(ParameterError, match=r"^cs must"):
        al.run_to_fixed_point(HP, 1.0, np.array([2.0, math.nan]))
    with pytest.raises(ParameterError, match=r"^w0 must"):
        al.adamw_linear_curve(HP, 0.3, 0.5, math.nan, 10)


# --------------------------------------------------------------------------------------
# Symbolic helpers
# --------------------------------------------------------------------------------------

ETA, LAM, B1, B2, EPS_, V = sp.symbols("eta lambda beta_1 beta_2 epsilon V", positive=True)
G, W = sp.symbols("g w", real=True)


def _adam(th: sp.Expr, st: AdamState, g: sp.Expr) -> tuple[sp.Expr, AdamState]:
    return adam(th, st, g, ETA, B1, B2, EPS_)


def test_affine_root() -> None:
    x, a, b = sp.symbols("x a b")
    assert affine_root((a * x + b) / (x + 1), x, 2) == sp.cancel((2 - b) / (a - 2))
    with pytest.raises(ValueError, match="affine"):
        affine_root(x**2 - a, x)


def test_stationary_step_of_adam_is_eta_g_over_root_v() -> None:
    step = stationary_step(_adam, W, G, V, (B1, B2))
    assert sp.simplify(step + ETA * G / (sp.sqrt(V) + EPS_)) == 0


def test_step_from_moments_matches_the_rule_numerically() -> None:
    m_new, v_new, n = sp.symbols("m' v' n", positive=True)
    step = step_from_moments(_adam, W, G, m_new, v_new, n)
    values = {ETA: 0.1, B1: 0.9, B2: 0.99, EPS_: 1e-3}
    m_prev, v_prev, g, t = 0.3, 0.5, -0.7, 4
    new, state = adam(1.0, AdamState(m_prev, v_prev, t), g, 0.1, 0.9, 0.99, 1e-3)
    got = step.subs({**values, m_new: state.m, v_new: state.v, n: t})
    assert float(got) == pytest.approx(new - 1.0, rel=1e-12)


def test_reflection_defect() -> None:
    x, y = sp.symbols("x y")
    assert reflection_defect(lambda a, b: ((a * b + a**3,), (a**2 + b,)), (x,), (y,)) == (0, 0)
    assert reflection_defect(lambda a, b: ((a + 1,), ()), (x,), (y,)) == (2,)


def test_derived_exact_gradient_root_is_the_models_quadratic_root() -> None:
    """The root M11's derivation picks (SymPy, from the rule) against the model's own
    cancellation-free quadratic formula."""
    root = exact_gradient_fixed_point()
    for h, c, lam, eps in ((1.0, 3.0, 1.0, 1e-8), (2.5, 1.2, 2.0, 1e-3), (0.3, 10.0, 0.5, 0.1)):
        hp = al.AdamHyper(0.1, lam, eps=eps)
        assert root(h, c, lam, eps) == pytest.approx(al.deterministic_fixed_point(hp, h, c),
                                                     rel=1e-12)
