"""Gradient descent and Nesterov's method on quadratics and logistic regression (M9 models)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lrtheory.errors import ParameterError
from lrtheory.models import acceleration as acc
from lrtheory.models import slopes
from lrtheory.montecarlo.runner import Ensemble


def test_momentum_schedule() -> None:
    assert acc.nag_momentum(5) == pytest.approx([0.0, 0.0, 1 / 4, 2 / 5, 1 / 2])


def tseng(h: np.ndarray, steps: int) -> np.ndarray:
    """Tseng's three sequences with θ_k = 2/(k+2), written independently of the rules."""
    x = z = np.ones_like(h)
    for k in range(steps):
        theta = 2.0 / (k + 2)
        y = (1 - theta) * x + theta * z
        x, z = y - h * y, z - h * y / theta
    return x


def test_nesterov_with_beta_t_is_tsengs_method() -> None:
    h = np.geomspace(1e-4, 1.0, 17)
    p = acc.quadratic_factors(h, 40, acc.nag_momentum(40))
    for steps in (1, 2, 7, 40):
        assert p[steps] == pytest.approx(tseng(h, steps), rel=1e-12, abs=1e-15)


def test_gradient_descent_factors_and_loss_weights() -> None:
    h = np.array([0.1, 0.5, 1.0])
    p = acc.quadratic_factors(h, 6)
    assert p[6] == pytest.approx((1 - h) ** 6)
    assert acc.loss_weights(h, 6)[3] == pytest.approx(h * (1 - h) ** 6 / 2)


def test_gd_envelope_is_the_derived_worst_quadratic() -> None:
    env = acc.worst_case_envelope(64)
    t = np.arange(1, 65)
    closed = (1 / (2 * (2 * t + 1))) * (2 * t / (2 * t + 1)) ** (2 * t)
    assert env.values[1:] == pytest.approx(closed, rel=1e-7)
    assert np.all(env.values[1:] <= closed * (1 + 1e-14))  # a grid maximum: from below
    assert env.argmax[1:] == pytest.approx(1 / (2 * t + 1), rel=1e-3)
    assert np.all(env.refinement >= 0)


def test_nesterov_envelope_obeys_the_bound_and_nears_the_bessel_limit() -> None:
    env = acc.worst_case_envelope(128, acc.nag_momentum(128))
    t = np.arange(1, 129)
    assert np.all(env.values[1:] <= 2 / (t + 1) ** 2)
    bessel = 2 * 0.5818652242815963**2  # 2 J₁(j'₁₁)²
    assert 128**2 * env.values[128] == pytest.approx(bessel, rel=0.05)
    assert slopes.loglog_slope([32, 64, 128], env.values[[32, 64, 128]]) < -1.8


def test_constant_momentum_decays_like_one_over_t() -> None:
    env = acc.worst_case_envelope(128, 0.5).values
    assert 128 * env[128] == pytest.approx(0.5 / (4 * math.e), rel=0.02)
    assert slopes.loglog_slope([32, 64, 128], env[[32, 64, 128]]) == pytest.approx(-1, abs=0.05)


def test_soft_logistic_has_its_minimiser_exactly() -> None:
    prob = acc.soft_logistic(1, problems=3, samples=40, dim=5, decades=2.0, radius=2.0)
    assert np.max(np.abs(prob.gradient(prob.w_star))) < 1e-15
    assert np.linalg.norm(prob.w_star, axis=1) == pytest.approx([2.0] * 3)
    top = np.linalg.eigvalsh(np.einsum("kmd,kme->kde", prob.X, prob.X) / 40)[:, -1] / 4
    assert top == pytest.approx([1.0] * 3)
    w = prob.w_star + 0.1
    assert np.all(prob.loss(w) > prob.loss(prob.w_star))


def test_lyapunov_energies_never_increase_and_give_the_bounds() -> None:
    runs = acc.logistic_runs(2, 4, 60, 8, 3.0, 2.0, 60)
    e_gd = acc.gd_energy(runs.gd, runs.gap_gd, runs.problem.w_star, 1.0)
    e_nag = acc.nag_energy(runs.nag, runs.gap_nag, runs.problem.w_star, 1.0)
    assert np.all(np.diff(e_gd, axis=0) <= 1e-12)
    assert np.all(np.diff(e_nag, axis=0) <= 1e-12)
    assert e_nag[0] == pytest.approx([2.0] * 4)  # (L/2)‖x₀ − x*‖², radius 2
    t = np.arange(1, 61)[:, None]
    assert np.all(runs.gap_nag[1:] <= 2 * 4 / (t + 1) ** 2)
    assert np.all(runs.gap_gd[1:] <= 4 / (2 * t))
    checks = acc.logistic_checks(runs, 1.0, 4 / (2 * t[:, 0]), 8 / (t[:, 0] + 1) ** 2)
    assert all(c.abs_error <= c.tolerance for c in checks)


def test_energy_detects_a_too_large_step() -> None:
    """At η = 1.9/L the descent lemma fails and the energy rises: the check can fail."""
    prob = acc.soft_logistic(4, 2, 50, 4, 1.0, 3.0)
    its = acc.run_method(prob.gradient, np.zeros_like(prob.w_star), 1.9, 30,
                         acc.nag_momentum(30))
    gaps = prob.loss(its) - prob.loss(prob.w_star)
    energy = acc.nag_energy(its, gaps, prob.w_star, 1.0)
    assert np.max(np.diff(energy, axis=0)) > 0


def test_start_kernel_slopes_have_the_frullani_mean_and_gaps_the_weight_mean() -> None:
    h = np.geomspace(1e-4, 1.0, 24)
    a = acc.loss_weights(h, 32)
    win = [4, 8, 16, 32]
    kernel = acc.start_kernel(win, [a[win]], [a[32], a[4]])
    m = Ensemble(seed=3).run(kernel, 20000)
    exact, _ = slopes.gaussian_slope_mean(win, a[win])
    assert abs(m.mean[0] - exact) < 4 * m.stderr_mean[0]
    for col, t in ((1, 32), (2, 4)):
        predicted = acc.expected_normalised_gap(a[t])
        assert abs(m.mean[col] - predicted) < 4 * m.stderr_mean[col]
        # a wrong prediction (a_t weighted like h, not uniformly) is rejected
        assert abs(m.mean[col] - float(np.average(a[t], weights=h))) > 6 * m.stderr_mean[col]


def test_normalised_gap_mean_is_exact_for_every_weight_vector() -> None:
    """E[Σ a_i z_i²/‖z‖²] = mean(a): exactly, by quadrature over the Beta(½, (d−1)/2) law of
    z_1²/‖z‖² in d = 3, against the formula for a one-hot weight."""
    from scipy import integrate, stats

    beta = stats.beta(0.5, 1.0)
    mean, _ = integrate.quad(lambda u: u * beta.pdf(u), 0.0, 1.0)
    assert mean == pytest.approx(acc.expected_normalised_gap([1.0, 0.0, 0.0]), rel=1e-10)
    assert acc.expected_normalised_gap([0.2, 0.4, 0.9]) == pytest.approx(0.5)


@pytest.mark.parametrize(("call", "name"), [
    (lambda: acc.quadratic_factors([0.5, -1.0], 3), "h"),
    (lambda: acc.quadratic_factors([0.5], 3, 1.0), "betas"),
    (lambda: acc.run_method(lambda x: x, 1.0, 0.0, 3), "eta"),
    (lambda: acc.nag_momentum(0), "steps"),
    (lambda: acc.soft_logistic(0, 1, 1, 2, 1.0, 1.0), "samples"),
    (lambda: acc.expected_normalised_gap([0.1, -0.2]), "weights"),
    (lambda: acc.start_kernel([2, 4], [np.ones((2, 3))], [np.ones(4)]), "gap_weights"),
])
def test_bad_inputs_name_the_parameter(call: object, name: str) -> None:
    with pytest.raises(ParameterError) as err:
        call()  # type: ignore[operator]
    assert err.value.name == name
