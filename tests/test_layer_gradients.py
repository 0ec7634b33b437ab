"""The deep chain's models (S11): backprop, per-layer rates and exact SGD moments, against
brute force, finite differences, simulation and the symbolic chain."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from lrtheory.errors import ParameterError
from lrtheory.models.deep_chain import (
    LOG_ABS_NORMAL_MEAN,
    RULES,
    backprop_factors,
    chain_gradients,
    chain_output,
    equal_gains,
    full_batch_step,
    layer_factors,
    layer_rates,
    log_gradient_slope,
    mean_square_margin,
    orthonormal_design,
    sgd_second_moment_path,
    sgd_second_moments,
)
from lrtheory.models.rounding import EPS
from lrtheory.symbolic.deep_chain import (
    chain_rule_gradient,
    deep_chain,
    linear_chain,
    population_loss,
    sgd_second_moment_map,
)


def test_backprop_factors_are_products_of_the_gains_above() -> None:
    np.testing.assert_allclose(backprop_factors(equal_gains(0.7, 5)), 0.7 ** np.arange(4, -1, -1))
    gains = np.random.default_rng(0).normal(size=(3, 4))
    b = backprop_factors(gains)
    for row, g in zip(b, gains, strict=True):
        np.testing.assert_allclose(row, [np.prod(g[k:]) for k in range(4)] + [1.0])


def test_chain_output_and_gradients_against_sums_and_finite_differences() -> None:
    rng = np.random.default_rng(1)
    gains, w, x = rng.normal(size=4), rng.normal(size=(6, 5)), rng.normal(size=(6, 5))
    b = backprop_factors(gains)
    np.testing.assert_allclose(chain_output(w, x, gains), np.sum(b * w * x, axis=1))
    grads = chain_gradients(w, x, gains, 0.3)
    h = 1e-6
    for k in range(5):
        up, down = w.copy(), w.copy()
        up[:, k] += h
        down[:, k] -= h
        fd = (0.5 * (chain_output(up, x, gains) - 0.3) ** 2
              - 0.5 * (chain_output(down, x, gains) - 0.3) ** 2) / (2 * h)
        np.testing.assert_allclose(grads[:, k], fd, rtol=1e-6, atol=1e-8)


def test_backprop_rounding_stays_within_8_l_eps() -> None:
    # The bound the model check uses: gap ≤ 8Lε·|B_ℓx_ℓ|Σ_k|B_kx_ke_k|, on deep chains with
    # cancelling terms and gains both below and above one.
    rng = np.random.default_rng(5)
    for depth in (2, 6, 20, 40):
        gains = rng.uniform(0.5, 1.5, size=depth - 1) * rng.choice([-1.0, 1.0], depth - 1)
        b = backprop_factors(gains)
        x, e = rng.normal(size=(2000, depth)), rng.normal(size=(2000, depth))
        terms = b * x * e
        closed = b * x * np.sum(terms, axis=1, keepdims=True)
        unit = np.abs(b * x) * np.sum(np.abs(terms), axis=1, keepdims=True)
        gap = np.abs(chain_gradients(e, x, gains, 0.0) - closed) / unit
        assert float(np.max(gap)) <= 8 * depth * EPS


def test_log_gradient_slope_of_a_geometric_profile_is_ln_a() -> None:
    grads = -2.5 * 0.6 ** np.arange(6, -1, -1)[None, :]
    assert float(log_gradient_slope(grads)[0]) == pytest.approx(math.log(0.6), rel=1e-12)


def test_random_gain_log_slope_is_ln_a_plus_e_ln_abs_z() -> None:
    rng = np.random.default_rng(2)
    n, depth, a = 200_000, 5, 1.3
    gains = a * rng.normal(size=(n, depth - 1))
    slope = log_gradient_slope(chain_gradients(np.ones((n, depth)), rng.normal(size=(n, depth)),
                                               gains, 0.0))
    se = float(np.std(slope)) / math.sqrt(n)
    assert abs(float(np.mean(slope)) - (math.log(a) + LOG_ABS_NORMAL_MEAN)) < 5 * se


@pytest.mark.parametrize("rule", RULES)
def test_each_rule_sits_at_its_fraction_of_the_limit(rule: str) -> None:
    b = backprop_factors(equal_gains(0.7, 6))
    eta = layer_rates(b, 0.3, rule)  # type: ignore[arg-type]
    assert float(np.max(eta * b * b)) == pytest.approx(0.6)
    invariant = {"global": eta, "gradient": eta * b, "curvature": eta * b * b}[rule]
    np.testing.assert_allclose(invariant, invariant[0])
    step = full_batch_step(equal_gains(0.7, 6), eta, orthonormal_design(6))
    np.testing.assert_allclose(step(np.ones((1, 6)), 0)[0], layer_factors(b, eta), atol=1e-15)


def test_sgd_moments_match_simulation_and_the_symbolic_map() -> None:
    gains = equal_gains(0.8, 4)
    b = backprop_factors(gains)
    eta = layer_rates(b, 0.1, "gradient")
    rng = np.random.default_rng(3)
    n, steps = 100_000, 15
    e = np.ones((n, 4))
    for _ in range(steps):
        e = e - eta * chain_gradients(e, rng.normal(size=(n, 4)), gains, 0.0)
    exact = sgd_second_moments(b, eta, np.ones(4), steps)
    se = np.std(e * e, axis=0) / math.sqrt(n)
    assert np.all(np.abs(np.mean(e * e, axis=0) - exact) < 5 * se)
    np.testing.assert_allclose(sgd_second_moment_path(b, eta, np.ones(4), steps)[-1], exact)
    # The symbolic second-moment map, evaluated, is the recursion's one-step map.
    a = sp.Symbol("a", positive=True)
    es, etas = sp.symbols("e_1:5", real=True), sp.symbols("eta_1:5", positive=True)
    m = sgd_second_moment_map(linear_chain(4, a), es, etas)
    numeric = np.array(m.subs({a: 0.8, **dict(zip(etas, eta, strict=True))}), dtype=float)
    columns = np.column_stack([sgd_second_moments(b, eta, col, 1) for col in np.eye(4)])
    np.testing.assert_allclose(numeric, columns, rtol=1e-12)


def test_mean_square_margin_one_is_spectral_radius_one() -> None:
    b = backprop_factors(np.random.default_rng(4).uniform(0.5, 1.5, size=5))
    def radius(f: float) -> float:
        eta = layer_rates(b, f, "global")
        cols = np.column_stack([sgd_second_moments(b, eta, c, 1) for c in np.eye(6)])
        return float(np.max(np.abs(np.linalg.eigvals(cols))))
    lo, hi = 0.01, 0.49
    for _ in range(50):  # bisection on the closed-form margin
        mid = 0.5 * (lo + hi)
        stable = mean_square_margin(b, layer_rates(b, mid, "global")) < 1
        lo, hi = (mid, hi) if stable else (lo, mid)
    assert radius(lo) == pytest.approx(1.0, abs=1e-9)
    assert radius(0.5 * lo) < 1.0 < radius(min(0.49, 1.5 * lo))
    assert mean_square_margin(b, layer_rates(b, 0.9, "curvature")) == math.inf


def test_the_symbolic_chain() -> None:
    chain = deep_chain(3)
    assert sp.simplify(sp.diff(chain.output, chain.w[1]) - chain_rule_gradient(chain, 2)) == 0
    a = sp.Symbol("a", positive=True)
    lin = linear_chain(3, a)
    assert sp.expand(lin.output - (a**2 * lin.w[0] * lin.x[0] + a * lin.w[1] * lin.x[1]
                                   + lin.w[2] * lin.x[2])) == 0
    e = sp.symbols("e_1:4", real=True)
    assert sp.expand(population_loss(lin, e) - (a**4 * e[0] ** 2 + a**2 * e[1] ** 2
                                                + e[2] ** 2) / 2) == 0


def test_only_the_size_of_a_factor_sets_the_rates() -> None:
    b = backprop_factors(np.array([0.7, -1.3, 0.9]))
    for rule in RULES:
        np.testing.assert_array_equal(layer_rates(b, 0.2, rule), layer_rates(np.abs(b), 0.2, rule))
        assert np.all(layer_rates(b, 0.2, rule) > 0)


def test_bad_inputs_name_the_parameter() -> None:
    b = backprop_factors(equal_gains(0.7, 3))
    with pytest.raises(ParameterError, match="rule"):
        layer_rates(b, 0.1, "adam")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="fraction"):
        layer_rates(b, 1.0, "global")
    with pytest.raises(ParameterError, match="depth"):
        equal_gains(0.7, 1)
    with pytest.raises(ParameterError, match="gain"):
        equal_gains(-0.7, 3)
    with pytest.raises(ParameterError, match="steps"):
        sgd_second_moments(b, np.ones(3), np.ones(3), -1)
    with pytest.raises(ParameterError, match="layer"):
        chain_rule_gradient(deep_chain(2), 3)
    with pytest.raises(ParameterError, match="rates"):
        sgd_second_moments(b, [-1.0, -1.0, 0.1], np.ones(3), 2)
    with pytest.raises(ParameterError, match="rates"):
        sgd_second_moments(b, [0.1, 0.1], np.ones(3), 2)
    with pytest.raises(ParameterError, match="s0"):
        sgd_second_moment_path(b, np.full(3, 0.1), [1.0, -1.0, 1.0], 2)
    with pytest.raises(ParameterError, match="factors"):
        layer_rates([0.5, 0.0, 1.0], 0.1, "gradient")
    with pytest.raises(ParameterError, match="factors"):
        layer_rates(np.ones((2, 3)), 0.1, "global")
    with pytest.raises(ParameterError, match="rates"):
        layer_factors(b, np.ones(2))
    with pytest.raises(ParameterError, match="rates"):
        mean_square_margin(b, np.ones(4))
    with pytest.raises(ParameterError, match="rates"):
        mean_square_margin(b, [0.1, 0.0, 0.1])
    with pytest.raises(ParameterError, match="grads"):
        log_gradient_slope(np.ones((4, 1)))
    with pytest.raises(ParameterError, match="gains"):
        backprop_factors([0.5, np.nan])
    with pytest.raises(ParameterError, match="gains"):
        chain_gradients(np.ones((2, 3)), np.ones((2, 3)), np.ones(3), 0.0)
    with pytest.raises(ParameterError, match="w"):
        chain_output(np.ones((2, 2)), np.ones((2, 3)), np.ones(2))
