"""The random-sign walk's exact law and the max-of-affine instance (D10 models)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from lrtheory.errors import ParameterError
from lrtheory.models import convex_sgd as cs
from lrtheory.montecarlo.runner import Ensemble


def enumerate_walk(rho: float, steps: int) -> tuple[list[float], list[float], float,
                                                    dict[int, float]]:
    """Brute force over all 2^T sign sequences: E|k_t|, E k_t² (t = 1 … T+1), E|Σ_{t≤T} k_t|
    and the law of Σ_{t≤T}|k_t|."""
    k1 = math.isqrt(steps)
    mean_abs, mean_sq = np.zeros(steps + 1), np.zeros(steps + 1)
    abs_sum = 0.0
    law: dict[int, float] = {}
    for signs in itertools.product((-1, 1), repeat=steps):
        k, prob, path = k1, 1.0, [k1]
        for s in signs:
            down = (1 + rho * np.sign(k)) / 2
            prob *= down if s < 0 else 1 - down
            k += s
            path.append(k)
        mean_abs += prob * np.abs(path)
        mean_sq += prob * np.square(path)
        abs_sum += prob * abs(sum(path[:steps]))
        total = sum(abs(k) for k in path[:steps])
        law[total] = law.get(total, 0.0) + prob
    return list(mean_abs), list(mean_sq), abs_sum, law


@pytest.mark.parametrize(("rho", "steps"), [(0.5, 4), (0.2, 9), (1.0, 9)])
def test_walk_law_matches_brute_force(rho: float, steps: int) -> None:
    mean_abs, mean_sq, abs_sum, law = enumerate_walk(rho, steps)
    m = cs.walk_moments(rho, steps)
    assert m.mean_abs == pytest.approx(mean_abs, rel=1e-12)
    assert m.mean_square == pytest.approx(mean_sq, rel=1e-12)
    assert cs.walk_mean_abs_sum(rho, steps) == pytest.approx(abs_sum, rel=1e-12)
    values, probs = cs.walk_abs_sum_law(rho, steps)
    brute = np.zeros_like(probs)
    for total, prob in law.items():
        brute[total] += prob
    assert values == pytest.approx(np.arange(probs.size))
    assert probs == pytest.approx(brute, abs=1e-15)
    expected_log = sum(prob * math.log(total) for total, prob in law.items())
    assert cs.walk_mean_log_abs_sum(rho, steps) == pytest.approx(expected_log, rel=1e-12)


def test_telescoped_bound_is_an_identity_on_the_walk() -> None:
    """(1/T)Σ E f(x_t) = DG/√T − E x²_{T+1}/(2ηT) exactly (D = G = 1, units DG/√T)."""
    for rho, steps in ((0.5, 16), (0.3, 49)):
        m = cs.walk_moments(rho, steps)
        running = rho * m.mean_abs[:steps].mean()
        assert running == pytest.approx(1 - m.mean_square[steps] / (2 * steps), rel=1e-13)
        assert running < 1


def test_walk_law_of_the_absolute_sum_has_the_propagated_mean() -> None:
    """Σ_A A·P(A) = Σ_t E|k_t| (two independent propagations), at a horizon too long to
    enumerate."""
    values, probs = cs.walk_abs_sum_law(0.3, 64)
    assert probs.sum() == pytest.approx(1.0, abs=1e-13)
    assert probs @ values == pytest.approx(cs.walk_moments(0.3, 64).mean_abs[:64].sum(),
                                           rel=1e-13)
    assert probs[:8].sum() == 0.0  # A_T ≥ k₁ = √T


def test_walk_kernel_agrees_with_the_exact_law() -> None:
    kernel = cs.walk_kernel(0.5, (4, 16), 2.0, 4.0)
    m = Ensemble(seed=11).run(kernel, 40000)
    exact = [0.5 * cs.walk_moments(0.5, s).mean_abs[:s].mean() for s in (4, 16)]
    exact += [0.5 * cs.walk_mean_abs_sum(0.5, s) / s for s in (4, 16)]
    exact.append(cs.walk_slope_mean(0.5, (4, 16)))
    assert np.all(np.abs(m.mean - exact) < 4.5 * m.stderr_mean)
    # at horizons this short the asymptotic exponent −1/2 is a wrong prediction, rejected
    assert abs(m.mean[4] + 0.5) > 6 * m.stderr_mean[4]


def test_instance_last_iterate_has_the_harmonic_closed_form() -> None:
    for steps in (1, 5, 64, 300):
        run = cs.worst_case_run(steps, 2.0)
        h1 = sum(1 / k for k in range(1, steps + 1))
        h2 = sum(1 / k**2 for k in range(1, steps + 1))
        assert run.picks_in_order
        assert pytest.approx(math.sqrt((h2 + 3) / 64)) == run.G
        eta = 2.0 / (run.G * math.sqrt(steps))
        assert run.last == pytest.approx(eta * (h1 + h2) / 64, rel=1e-12)
        assert run.averaged <= 2.0 * run.G / math.sqrt(steps)


def test_instance_minimum_is_zero_at_the_origin() -> None:
    steps = 12
    rows = cs.instance_rows(steps)
    weights = cs.barycentric_weights(steps)
    assert np.all(weights > 0)
    assert weights.sum() == pytest.approx(1.0)
    assert np.abs(weights @ rows).max() < 1e-14
    rng = np.random.default_rng(0)
    for x in rng.standard_normal((200, steps)):
        assert cs.max_affine(x, steps) == pytest.approx(np.max(rows @ x))
        assert cs.max_affine(x, steps) > 0
    assert cs.max_affine(np.zeros(steps), steps) == 0.0


@pytest.mark.parametrize(("call", "name"), [
    (lambda: cs.walk_moments(0.5, 10), "T"),
    (lambda: cs.walk_moments(1.5, 16), "rho"),
    (lambda: cs.walk_mean_abs_sum(0.5, 169), "T"),
    (lambda: cs.walk_kernel(0.5, (4, 16), -1.0, 1.0), "D"),
    (lambda: cs.walk_kernel(0.5, (16, 36), 1.0, 1.0), "T"),  # D/6 is not exact in binary
    (lambda: cs.walk_kernel(0.5, (16,), 1.0, 1.0), "horizons"),
    (lambda: cs.walk_abs_sum_law(0.5, 169), "T"),
    (lambda: cs.worst_case_run(0, 1.0), "steps"),
])
def test_bad_inputs_name_the_parameter(call: object, name: str) -> None:
    with pytest.raises(ParameterError) as err:
        call()  # type: ignore[operator]
    assert err.value.name == name
