"""M4: the heavy ball's ODE, its energy, restarts and critical damping; and its toolbox,
lrtheory.models.damped_flow and lrtheory.models.second_moments."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import sympy as sp
from scipy.linalg import expm

from lrtheory.claim import Point
from lrtheory.claims import heavy_ball_ode as m4
from lrtheory.errors import ParameterError
from lrtheory.models import damped_flow as df
from lrtheory.models import second_moments as sm
from lrtheory.models.flow import quadratic_loss
from lrtheory.models.lyapunov import covariance_recursion, variance_path
from lrtheory.montecarlo.backend import numpy_backend
from lrtheory.montecarlo.runner import ChunkRNG, Ensemble
from lrtheory.optimizers import heavy_ball, heavy_ball_lr_in_velocity
from lrtheory.symbolic import heavy_ball_ode as shb
from lrtheory.symbolic.heavy_ball import heavy_ball_matrix

BASE = {"eta": 0.05, "beta": 0.8, "lam_min": 0.5, "lam_max": 2.0, "d": 3, "period": 6,
        "eta_min": 0.005}


def test_log_cosh_loss_derivatives() -> None:
    loss = df.log_cosh_loss(0.7)
    theta, h = np.array([1.3, -0.4]), 1e-6
    for i in range(2):
        e = np.zeros(2)
        e[i] = h
        numeric = (loss.value(theta + e) - loss.value(theta - e)) / (2 * h)
        assert loss.gradient(theta)[i] == pytest.approx(numeric, rel=1e-8)
        hess = (loss.gradient(theta + e) - loss.gradient(theta - e)) / (2 * h)
        np.testing.assert_allclose(loss.hessian(theta)[:, i], hess, rtol=1e-7, atol=1e-9)
    assert loss.value(np.array([40.0, 0.0])) == pytest.approx(40 - math.log(2))  # no overflow
    with pytest.raises(ParameterError, match=r"^a "):
        df.log_cosh_loss(0.0)


def test_damped_flow_against_the_closed_form_on_a_quadratic() -> None:
    h = np.diag([1.0, 0.3])
    gamma, horizon, theta0 = 0.7, 5.0, np.array([1.0, -2.0])
    sol = df.damped_flow(quadratic_loss(h), theta0, gamma, horizon)
    a = np.block([[np.zeros((2, 2)), np.eye(2)], [-h, -gamma * np.eye(2)]])
    exact = expm(a * horizon) @ np.concatenate([theta0, np.zeros(2)])
    assert np.linalg.norm(sol.dense(horizon)[:4] - exact) < 1e-9
    energy = 0.5 * exact[:2] @ h @ exact[:2] + 0.5 * exact[2:] @ exact[2:]
    assert sol.energy[-1] == pytest.approx(energy, rel=1e-9)
    assert abs(sol.balance) <= sol.bound
    assert sol.bound < 1e-4  # the bound is a bound, not a blanket
    assert sol.energy[-1] < 0.5 * sol.energy[0]  # it does dissipate
    assert sol.energy_at(horizon)[0] == pytest.approx(energy, rel=1e-9)
    assert sol.energy_at([0.0, horizon]).shape == (2,)
    with pytest.raises(ParameterError, match=r"^gamma"):
        df.damped_flow(quadratic_loss(h), theta0, -1.0, horizon)
    with pytest.raises(ParameterError, match=r"^theta0"):
        df.damped_flow(quadratic_loss(h), [np.nan, 1.0], gamma, horizon)


def test_discrete_energy_tends_to_the_ode_at_rate_root_eta() -> None:
    loss = df.log_cosh_loss()
    flow = df.damped_flow(loss, m4.THETA0, 1.0, m4.HORIZON)
    errors = []
    for eta in (1e-2, 2.5e-3):
        times, discrete, ode = df.energy_comparison(flow, eta, 1 - math.sqrt(eta))
        assert len(times) == round(m4.HORIZON / math.sqrt(eta)) + 1
        assert discrete[0] == ode[0] == pytest.approx(loss.value(np.array(m4.THETA0)))
        errors.append(np.max(np.abs(discrete - ode)) / ode[0])
    assert errors[0] / errors[1] == pytest.approx(2.0, rel=0.1)  # √η halves: error halves
    short = df.energy_comparison(flow, 0.01, 0.9, 1.0)
    assert short.times[-1] == pytest.approx(1.0)
    with pytest.raises(ParameterError, match=r"^until"):
        df.energy_comparison(flow, 0.01, 0.9, m4.HORIZON + 1)


def test_discrete_energy_decays_iff_the_form_is_definite() -> None:
    lam = np.array([1.0, 3.0])
    loss = quadratic_loss(np.diag(lam))
    inside = df.discrete_energies(loss, [1.0, 1.0], 0.1, 0.8, 200)  # β² + ηλ = 0.94
    assert np.all(np.diff(inside) <= 1e-15)
    # β² + ηλ_max = 1.11: from the worst state of the stiff direction E rises at once.
    beta, eta = 0.9, 0.1
    form = np.array([[1.0, -beta], [-beta, 1 - eta * 3.0]])
    worst = df.worst_energy_step(form, eta, beta, 3.0)
    assert worst.predicted == pytest.approx(-eta / 2 * np.linalg.eigvalsh(form)[0], rel=1e-15)
    assert abs(worst.measured - worst.predicted) <= worst.bound < 1e-12
    assert worst.measured > 0
    # Inside (β² + ηλ < 1) even the worst state loses energy.
    assert df.worst_energy_step([[1.0, -0.8], [-0.8, 1 - 0.1 * 3.0]], 0.1, 0.8, 3.0).measured < 0
    with pytest.raises(ParameterError, match=r"^form"):
        df.worst_energy_step([[1.0, 0.2], [0.1, 1.0]], eta, beta, 3.0)
    with pytest.raises(ParameterError, match=r"^steps"):
        df.discrete_energies(loss, [1.0, 1.0], 0.1, 0.8, -1)


def test_quadratic_energy_and_its_rounding_bound() -> None:
    lams = np.array([0.5, 2.0])
    theta, step = np.array([[1.0, -1.0], [2.0, 0.5]]), np.array([[0.1, 0.2], [0.0, -0.3]])
    energy = df.quadratic_energy(lams, theta, step, 0.05)
    want = [0.25 + 1.0 + 0.05 / 0.1, 1.0 + 0.25 + 0.09 / 0.1]
    np.testing.assert_allclose(energy, want, rtol=1e-15)
    bound = df.energy_rounding(lams, (theta[0], step[0]))
    assert bound == pytest.approx(16 * 6 * 2.0**-52 * (1.25 + 0.05 + 2.0))
    with pytest.raises(ParameterError, match=r"^states"):
        df.energy_rounding(lams)


def _rng(seed: int, n: int) -> ChunkRNG:
    backend = numpy_backend()
    return ChunkRNG(backend, [(backend.generator(np.random.SeedSequence(seed)), 0, n)],
                    np.float64)


def test_energy_kernel_against_the_rules_run_by_hand() -> None:
    lams, rates, beta = np.array([0.5, 1.5]), [0.1, 0.05, 0.2], 0.7
    rules = {"a": heavy_ball, "b": heavy_ball_lr_in_velocity}
    kernel = df.energy_kernel(rules, lams, rates, beta, 0.3, 1.2, (0, 2))
    out = kernel(_rng(4, 5))
    assert out.shape == (5, 4)
    rng = _rng(4, 5)  # the same draws again
    theta0 = 1.2 * rng.normal(2)
    noises = [0.3 * rng.normal(2) for _ in rates]
    for i, rule in enumerate(rules.values()):
        theta, v = theta0, np.zeros_like(theta0)
        for t, eta in enumerate(rates):
            new, v = rule(theta, v, lams * theta + noises[t], eta, beta)
            if t in (0, 2):
                col = 2 * i + (t == 2)
                np.testing.assert_allclose(out[:, col], df.quadratic_energy(
                    lams, new, new - theta, eta), rtol=1e-15)
            theta = new
    with pytest.raises(ParameterError, match=r"^record"):
        df.energy_kernel(rules, lams, rates, beta, 0.3, 1.2, (3,))
    with pytest.raises(ParameterError, match=r"^rates"):
        df.energy_kernel(rules, lams, [0.1, -0.1], beta, 0.3, 1.2, (0,))


def test_restart_rates() -> None:
    p = m4._params(BASE)
    rates = m4.restart_rates(p)
    assert len(rates) == p["period"] + 1
    assert rates[0] == rates[-1] == pytest.approx(0.05)
    assert p["eta_min"] < rates[-2] < rates[1] < 0.05


def _brute_mean_energy(p: dict[str, Any], rule: str) -> float:
    """E[E_{τ+1}] with σ = 0: θ₀ = θ_sd e_i one direction at a time (E is quadratic and θ₀'s
    covariance diagonal), run with the rule itself."""
    rates, total = m4.restart_rates(p), 0.0
    for lam in p["lams"]:
        theta, v = p["theta_sd"], 0.0
        for eta in rates:
            new, v = shb.RULES[rule](theta, v, lam * theta, eta, p["beta"])
            last, theta = new - theta, new
        total += 0.5 * lam * theta**2 + last**2 / (2 * rates[-1])
    return total


def test_noisy_linear_map_is_the_rules_own_matrix() -> None:
    eta, lam, beta, xi = sp.symbols("eta lambda beta xi", positive=True)
    theta, v = sp.symbols("theta v", real=True)
    for rule, noise in ((heavy_ball, [-eta, 1]), (heavy_ball_lr_in_velocity, [-eta, eta])):
        a, b = sm.noisy_linear_map(lambda th, vv, r=rule: r(th, vv, lam * th + xi, eta, beta),
                                   (theta, v), xi)
        assert sp.simplify(a - heavy_ball_matrix(eta, lam, beta, rule)) == sp.zeros(2, 2)
        assert sp.simplify(b - sp.Matrix(noise)) == sp.zeros(2, 1)
    with pytest.raises(ParameterError, match=r"^step"):  # multiplicative noise
        sm.noisy_linear_map(lambda th, vv: heavy_ball(th, vv, lam * th * (1 + xi), eta, beta),
                            (theta, v), xi)
    with pytest.raises(ParameterError, match=r"^noise"):
        sm.noisy_linear_map(lambda th, vv: (th, vv), (theta, v), theta)


def test_per_direction_broadcasts_over_the_curvatures() -> None:
    eta, lam = sp.symbols("eta lambda", positive=True)
    f = sm.per_direction(sp.Matrix([[1 - eta * lam, 2], [lam, eta]]), (eta, lam))
    lams = np.array([0.5, 1.0, 4.0])
    out = f(0.1, lams)
    assert out.shape == (3, 2, 2)
    np.testing.assert_array_equal(out[:, 0, 0], 1 - 0.1 * lams)
    np.testing.assert_array_equal(out[:, 0, 1], 2.0)
    assert f(0.1, 2.0).shape == (2, 2)
    with pytest.raises(ParameterError, match=r"^matrix"):
        sm.per_direction(sp.Matrix([[eta * lam]]), (eta,))
    with pytest.raises(ParameterError, match=r"^values"):
        f(0.1)


def test_second_moment_path_against_the_sgd_recursions() -> None:
    # One direction, k = 1: SGD's V_{t+1} = (1 − ηλ)²V_t + η²s² (models.lyapunov).
    eta, lam, s2, steps = 0.3, 2.0, 0.7, 25
    start = sm.start_covariance((0.4,), 1)
    path = sm.second_moment_path(start, [(np.array([[[1 - eta * lam]]]),
                                          np.array([[[-eta]]]))] * steps, s2)
    want = variance_path(eta, lam, s2, steps, v0=0.4)
    np.testing.assert_allclose([c[0, 0, 0] for c in path], want[1:], rtol=1e-13)
    # A full 2×2 Hessian and noise covariance C (b = −η C^{1/2}): covariance_recursion.
    h, c = np.array([[1.0, 0.3], [0.3, 0.5]]), np.array([[0.4, 0.1], [0.1, 0.2]])
    w, u = np.linalg.eigh(c)
    root = (u * np.sqrt(w)) @ u.T
    path = sm.second_moment_path(np.zeros((2, 2)), [(np.eye(2) - eta * h, -eta * root)] * 40,
                                 1.0)
    np.testing.assert_allclose(path[-1], covariance_recursion(eta, h, c, 1.0, 40), rtol=1e-12)
    with pytest.raises(ParameterError, match=r"^noise_var"):
        sm.second_moment_path(start, [], -1.0)
    with pytest.raises(ParameterError, match=r"^transitions\[0\]"):
        sm.second_moment_path(start, [(np.eye(2), np.ones((2, 1)))], 1.0)
    with pytest.raises(ParameterError, match=r"^variances\[1\]"):
        sm.start_covariance((1.0, -1.0), 3)


@pytest.mark.parametrize("rule", ["000", "003"])
def test_mean_energies_against_brute_force(rule: str) -> None:
    p = m4._params({**BASE, "sigma": 0.0, "theta_sd": 1.3}, noise=True)
    exact = m4.mean_energies(p, rule)
    assert exact[-1] == pytest.approx(_brute_mean_energy(p, rule), rel=1e-12)


def test_restart_injects_energy_in_seed_000_and_removes_it_in_seed_003() -> None:
    p = m4._params({**BASE, "sigma": 0.0, "theta_sd": 1.0}, noise=True)
    a, b = m4.mean_energies(p, "000"), m4.mean_energies(p, "003")
    assert a[-1] > a[-2]
    assert b[-1] < b[-2]


def test_monte_carlo_agrees_with_the_second_moments() -> None:
    point = Point("test", {**BASE, "sigma": 0.4, "theta_sd": 1.0})
    estimates = m4._simulate_m4(point, Ensemble(seed=11), 6000)
    assert [e.name for e in estimates] == list(m4.M4_STATISTICS)
    for e in estimates:
        assert abs(e.sample.value - e.prediction) < 5 * e.sample.se
        assert abs(e.sample.value - 1.2 * e.prediction) > 5 * e.sample.se  # could fail


def test_derived_root_at_the_ode_beta() -> None:
    forms = shb.derivation()[1]
    for eta_lam in (1e-3, 0.01, 0.2):
        beta = 1 - 2 * math.sqrt(eta_lam)
        roots = np.roots([1, -(1 + beta - eta_lam), beta])
        z = float(forms["z_plus"].subs(shb.Y, eta_lam**0.25))
        assert z == pytest.approx(max(roots.real), rel=1e-12)
        assert z > 1 - math.sqrt(eta_lam)  # slower than the discrete optimum
    assert sp.simplify(forms["beta_disc"] - forms["beta_ode"] - shb.ETA * shb.LAM) == 0


def test_conventions_and_form_derived_from_the_rules() -> None:
    """The kinetic term ½Δθ²/η takes Δθ from the rule (−ηv for seed 000, −u for seed 003),
    and the energy form M of ΔE = −(η/2)wᵀMw comes out of the rule, not typed in."""
    assert shb.second_order("000").displacement == -shb.ETA * shb.V
    assert shb.second_order("003").displacement == -shb.V
    form = shb.derivation()[1]["form"]
    want = sp.Matrix([[1, -shb.BETA], [-shb.BETA, 1 - shb.ETA * shb.LAM]])
    assert (form - want).applyfunc(sp.simplify) == sp.zeros(2, 2)


@pytest.mark.parametrize(("params", "name"), [
    ({**BASE, "eta": -0.1}, "eta"),
    ({**BASE, "beta": 1.0}, "beta"),
    ({**BASE, "lam_min": 3.0}, "lam_min"),
    ({**BASE, "d": 2.5}, "d"),
    ({**BASE, "period": 1}, "period"),
    ({**BASE, "eta_min": 0.05}, "eta_min"),
    ({**BASE, "eta": 1.9}, "eta"),  # ηλ_max ≥ 2(1 + β): unstable
    ({"eta": 0.1}, "params"),
])
def test_bad_parameters(params: dict[str, float], name: str) -> None:
    with pytest.raises(ParameterError) as info:
        m4._params(params)
    assert info.value.name == name
