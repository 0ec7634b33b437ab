"""M4: the heavy ball's ODE, its energy, restarts and critical damping."""

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
from lrtheory.models.flow import quadratic_loss
from lrtheory.montecarlo.runner import Ensemble
from lrtheory.optimizers import heavy_ball

BASE = {"eta": 0.05, "beta": 0.8, "lam_min": 0.5, "lam_max": 2.0, "d": 3, "period": 6,
        "eta_min": 0.005}


def test_log_cosh_loss_derivatives() -> None:
    loss = m4.log_cosh_loss(0.7)
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
        m4.log_cosh_loss(0.0)


def test_damped_flow_against_the_closed_form_on_a_quadratic() -> None:
    h = np.diag([1.0, 0.3])
    gamma, horizon, theta0 = 0.7, 5.0, np.array([1.0, -2.0])
    sol = m4.damped_flow(quadratic_loss(h), theta0, gamma, horizon)
    a = np.block([[np.zeros((2, 2)), np.eye(2)], [-h, -gamma * np.eye(2)]])
    exact = expm(a * horizon) @ np.concatenate([theta0, np.zeros(2)])
    assert np.linalg.norm(sol.dense(horizon)[:4] - exact) < 1e-9
    energy = 0.5 * exact[:2] @ h @ exact[:2] + 0.5 * exact[2:] @ exact[2:]
    assert sol.energy[-1] == pytest.approx(energy, rel=1e-9)
    assert abs(sol.balance) <= sol.bound
    assert sol.bound < 1e-4  # the bound is a bound, not a blanket
    assert sol.energy[-1] < 0.5 * sol.energy[0]  # it does dissipate
    with pytest.raises(ParameterError, match=r"^gamma"):
        m4.damped_flow(quadratic_loss(h), theta0, -1.0, horizon)


def test_discrete_energy_tends_to_the_ode_at_rate_root_eta() -> None:
    loss = m4.log_cosh_loss()
    flow = m4.damped_flow(loss, m4.THETA0, 1.0, m4.HORIZON)
    errors = []
    for eta in (1e-2, 2.5e-3):
        _, discrete, ode = m4._ode_deviation(eta, flow, loss)
        errors.append(np.max(np.abs(discrete - ode)) / ode[0])
    assert errors[0] / errors[1] == pytest.approx(2.0, rel=0.1)  # √η halves: error halves


def test_discrete_energy_decays_iff_the_form_is_definite() -> None:
    lam = np.array([1.0, 3.0])
    loss = quadratic_loss(np.diag(lam))
    inside = m4.discrete_energies(loss, [1.0, 1.0], 0.1, 0.8, 200)  # β² + ηλ = 0.94
    assert np.all(np.diff(inside) <= 1e-15)
    # β² + ηλ_max = 1.11: from the worst state of the stiff direction E rises at once.
    beta, eta = 0.9, 0.1
    mu, vecs = np.linalg.eigh(np.array([[1.0, -beta], [-beta, 1 - eta * 3.0]]))
    v0, v1 = vecs[:, 0]
    th0 = (v1 - beta * v0) / 3.0
    th1, v1_run = heavy_ball(th0, v0, 3.0 * th0, eta, beta)
    assert v1_run == pytest.approx(v1)
    rise = 1.5 * th1**2 + eta * v1_run**2 / 2 - 1.5 * th0**2 - eta * v0**2 / 2
    assert rise == pytest.approx(-eta / 2 * mu[0], rel=1e-12)
    assert rise > 0


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
            new, v = m4.RULES[rule](theta, v, lam * theta, eta, p["beta"])
            last, theta = new - theta, new
        total += 0.5 * lam * theta**2 + last**2 / (2 * rates[-1])
    return total


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
    forms = m4._m4()[1]
    for eta_lam in (1e-3, 0.01, 0.2):
        beta = 1 - 2 * math.sqrt(eta_lam)
        roots = np.roots([1, -(1 + beta - eta_lam), beta])
        z = float(forms["z_plus"].subs(m4.Y, eta_lam**0.25))
        assert z == pytest.approx(max(roots.real), rel=1e-12)
        assert z > 1 - math.sqrt(eta_lam)  # slower than the discrete optimum
    assert sp.simplify(forms["beta_disc"] - forms["beta_ode"] - m4.ETA * m4.LAM) == 0


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
