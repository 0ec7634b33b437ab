"""The noisy quadratic model's exact moments against closed forms and the Monte Carlo kernel."""

from __future__ import annotations

import numpy as np
import pytest

from lrtheory.errors import ParameterError
from lrtheory.models import nqm
from lrtheory.montecarlo.runner import Ensemble

LAM = np.array([1.0, 0.1])
S2 = np.array([0.5, 0.2])


def test_constant_rate_reaches_the_stationary_moment() -> None:
    eta = 0.3
    m = nqm.sgd_second_moments(LAM, S2, np.full(4000, eta), 1.0)
    np.testing.assert_allclose(m[-1], eta * S2 / (LAM * (2 - eta * LAM)), rtol=1e-12)


def test_unrolled_sum_matches_the_recursion() -> None:
    rng = np.random.default_rng(0)
    rates = rng.uniform(0.0, 1.5, 30)
    m = nqm.sgd_second_moments(LAM, S2, rates, 2.0)
    factor = (1 - rates[:, None] * LAM) ** 2
    tail = np.cumprod(factor[::-1], axis=0)[::-1]  # Π_{u ≥ t} (1 − η_uλ)²
    after = np.vstack([tail[1:], np.ones((1, 2))])
    unrolled = 2.0 * tail[0] + (rates[:, None] ** 2 * S2 * after).sum(axis=0)
    np.testing.assert_allclose(m[-1], unrolled, rtol=1e-12)


def test_schedules_side_by_side_and_heavy_ball_at_zero_momentum() -> None:
    rates = np.stack([np.full(20, 0.2), np.linspace(0.5, 0.0, 20)], axis=1)
    both = nqm.sgd_second_moments(LAM, S2, rates)
    assert both.shape == (21, 2, 2)
    for j in range(2):
        one = nqm.sgd_second_moments(LAM, S2, rates[:, j])
        np.testing.assert_array_equal(both[:, j], one)
        hb = nqm.heavy_ball_second_moments(LAM, S2, rates[:, j], 0.0)
        np.testing.assert_allclose(hb, one, rtol=1e-14, atol=1e-16)


def test_heavy_ball_stationary_variance_in_one_direction() -> None:
    # Known 1-D result: Var_∞ = η s² (1 + β) / (λ (1 − β)(2 + 2β − ηλ)).
    eta, beta, lam, s2 = 0.2, 0.6, 1.0, 0.5
    m = nqm.heavy_ball_second_moments([lam], s2, np.full(3000, eta), beta)
    expected = eta * s2 * (1 + beta) / (lam * (1 - beta) * (2 + 2 * beta - eta * lam))
    assert m[-1, 0] == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("beta", [0.0, 0.5])
def test_kernel_mean_is_the_exact_expected_loss(beta: float) -> None:
    rates = np.linspace(0.5, 0.05, 40)
    exact = nqm.expected_loss(LAM, nqm.heavy_ball_second_moments(LAM, S2, rates, beta))
    moments = Ensemble(seed=3).run(nqm.scheduled_sgd(LAM, np.sqrt(S2), rates, [0, 5, 40],
                                                     beta=beta), 40_000, what="test")
    z = (moments.mean - exact[[0, 5, 40]])[1:] / moments.stderr_mean[1:]
    assert moments.mean[0] == pytest.approx(exact[0])
    assert np.all(np.abs(z) < 5)  # 5 s.e.: a false failure has probability < 1e-6


def test_bad_input_names_the_parameter() -> None:
    cases = [
        (lambda: nqm.sgd_second_moments([-1.0], 1.0, [0.1]), "curvatures"),
        (lambda: nqm.sgd_second_moments([1.0], -1.0, [0.1]), "noise_var"),
        (lambda: nqm.sgd_second_moments([1.0], 1.0, [np.nan]), "rates"),
        (lambda: nqm.heavy_ball_second_moments([1.0], 1.0, [0.1], 1.5), "beta"),
        (lambda: nqm.scheduled_sgd([1.0], 1.0, [0.1], [2]), "record"),
        (lambda: nqm.expected_loss([1.0, 2.0], [[1.0]]), "moments"),
    ]
    for call, name in cases:
        with pytest.raises(ParameterError, match=name):
            call()
