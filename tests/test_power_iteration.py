"""Power iteration and the rate η = 2s/λ̂ set from it (S7): error, failure law, spike."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import digamma

from lrtheory.claims.power_iteration_lr import S7
from lrtheory.errors import ParameterError
from lrtheory.models.power_iteration import (
    Spike,
    adaptive_paths,
    expected_log_error,
    expected_log_factor,
    failure_asymptote,
    failure_probability,
    failure_threshold,
    power_iteration,
    relative_error,
    safe_iterations,
    stable_run_probability,
)
from lrtheory.symbolic.identity import identical


def _two_level(d: int, r: float, top: float = 1.0) -> np.ndarray:
    lam = np.full(d, r * top)
    lam[0] = top
    return lam


def test_power_iteration_is_the_rayleigh_quotient_of_h_to_the_k() -> None:
    rng = np.random.default_rng(4)
    lam = np.array([3.0, 2.5, 1.0, 0.2])
    v0 = rng.normal(size=(6, 4))
    for k in (0, 1, 5):
        _, est = power_iteration(lambda v: v * lam, v0, k)
        vk = v0 * lam**k
        np.testing.assert_allclose(est, np.sum(vk * vk * lam, 1) / np.sum(vk * vk, 1),
                                   rtol=1e-13)
        assert np.all(est <= lam[0] * (1 + 1e-15))


def test_relative_error_of_a_two_level_spectrum() -> None:
    rng = np.random.default_rng(5)
    d, r = 6, 0.4
    lam = _two_level(d, r)
    v0 = rng.normal(size=(100, d))
    u = v0[:, 0] ** 2 / np.sum(v0 * v0, 1)
    for k in (0, 2, 7):
        _, est = power_iteration(lambda v: v * lam, v0, k)
        np.testing.assert_allclose(1 - est, relative_error(u, r, k), atol=1e-15)


def test_failure_probability_is_the_f_law_tail() -> None:
    rng = np.random.default_rng(6)
    d, r, s, k, n = 8, 0.5, 0.8, 2, 400_000
    v0 = rng.normal(size=(n, d))
    _, est = power_iteration(lambda v: v * _two_level(d, r), v0, k)
    p = failure_probability(k, r, s, d)
    assert abs(np.mean(est <= s) - p) < 5 * math.sqrt(p * (1 - p) / n)
    # The fewest safe iterations per start, against the loop.
    tan2 = (1 - v0[:200, 0] ** 2 / np.sum(v0[:200] ** 2, 1)) / (v0[:200, 0] ** 2
                                                              / np.sum(v0[:200] ** 2, 1))
    need = [next(j for j in range(200) if power_iteration(
        lambda v: v * _two_level(d, r), v0[i:i + 1], j)[1][0] > s) for i in range(200)]
    np.testing.assert_array_equal(safe_iterations(tan2, r, s), need)


def test_no_failure_when_every_other_eigenvalue_is_above_s_and_the_r_to_the_k_tail() -> None:
    assert failure_probability(0, 0.85, 0.8, 10) == 0.0
    assert failure_threshold(3, 0.9, 0.8) == math.inf
    assert np.all(safe_iterations(np.array([1e3, 1e9]), 0.9, 0.8) == 0)
    exact = [failure_probability(k, 0.6, 0.8, 8) for k in (20, 21)]
    assert exact[1] / exact[0] == pytest.approx(0.6, rel=1e-6)
    assert failure_asymptote(30, 0.6, 0.8, 8) == pytest.approx(
        failure_probability(30, 0.6, 0.8, 8), rel=1e-6)


def test_quadrature_expectations_match_sampling_and_the_k_zero_closed_form() -> None:
    d, r, s, n = 8, 0.3, 0.8, 400_000
    b = (d - 1) / 2
    k0, _ = expected_log_error(0, r, d)
    assert k0 == pytest.approx(math.log(1 - r) + digamma(b) - digamma(b + 0.5), abs=1e-12)
    rng = np.random.default_rng(7)
    v0 = rng.normal(size=(n, d))
    u = v0[:, 0] ** 2 / np.sum(v0 * v0, 1)
    for k in (1, 4):
        sample = np.log(relative_error(u, r, k))
        value, err = expected_log_error(k, r, d)
        assert err < 1e-9
        assert abs(sample.mean() - value) < 5 * sample.std() / math.sqrt(n)
        ratio = (u + (1 - u) * r ** (2 * k + 1)) / (u + (1 - u) * r ** (2 * k))
        for ss in (s, 0.3):  # 0.3 < 1/2: the factor has a root, a log singularity
            sample = np.log(np.abs(1 - 2 * ss / ratio))
            value, err = expected_log_factor(k, r, ss, d)
            assert abs(sample.mean() - value) < 5 * sample.std() / math.sqrt(n)


def test_spike_schedule_and_validation() -> None:
    spike = Spike(2, 3, 4.0)
    np.testing.assert_array_equal(spike.top(7), [1, 1, 4, 4, 4, 1, 1])
    assert spike.phases([0.1], [0.2]) == ([[0.1], [0.2], [0.1]], [2, 3])
    assert Spike(0, 3, 4.0).phases([0.1], [0.2]) == ([[0.2], [0.1]], [3])
    with pytest.raises(ParameterError, match="steps"):
        stable_run_probability(2, 0.3, 0.8, 8, spike, 4)
    assert stable_run_probability(2, 0.3, 0.8, 8, spike, 5) == pytest.approx(
        (1 - failure_probability(2, 0.3, 0.8, 8)) ** 2
        * (1 - failure_probability(2, 0.075, 0.8, 8)) ** 3)
    for kwargs, name in (({"start": 0, "width": 0, "factor": 2.0}, "width"),
                         ({"start": -1, "width": 1, "factor": 2.0}, "start"),
                         ({"start": 0, "width": 1, "factor": 0.0}, "factor")):
        with pytest.raises(ParameterError, match=name):
            Spike(**kwargs)  # type: ignore[arg-type]


def test_bad_parameters_name_themselves() -> None:
    with pytest.raises(ParameterError, match="r "):
        failure_threshold(1, 1.5, 0.8)
    with pytest.raises(ParameterError, match="k "):
        power_iteration(lambda v: v, np.ones((1, 2)), -1)
    with pytest.raises(ParameterError, match="d "):
        failure_probability(1, 0.5, 0.8, 1)


# ---------------------------------------------------------------------- the claim


def test_identities_are_decided_as_derived() -> None:
    for identity in S7.derive().identities:
        assert identical(identity.derived, identity.stated) == identity.expect_equal, \
            identity.name


def test_every_model_check_holds_within_its_tolerance() -> None:
    for point in S7.points:
        for check in S7.model(point):
            assert check.exact
            assert check.abs_error <= check.tolerance, (point.label, check.name)


def test_adaptive_counts_quoted_in_the_findings() -> None:
    """The S7 finding's counts: the figure's seeded ensemble, recomputed."""
    tol, out = 1e-6, []
    for point in (S7.points[0], S7.points[1], S7.points[-1]):
        p = point.params
        spike = Spike(int(p["spike_start"]), int(p["spike_width"]), p["spike_factor"])
        v0 = np.random.default_rng(3).normal(size=(1000, 120, int(p["d"])))
        path = adaptive_paths(spike.spectra(120, int(p["d"]), p["r"]), p["s"], int(p["k"]), v0)
        reached = np.any(path <= tol, axis=1)
        out.append((np.argmax(path <= tol, axis=1)[reached], reached.mean()))
    assert out[0][1] == 1.0
    assert abs(out[0][0].mean() - 29.04) < 0.01
    assert out[1][1] == 1.0
    assert abs(out[1][0].mean() - 44.9) < 0.05
    assert out[2][1] == 0.0
