"""The closed loop of G5 (lrtheory.models.controller, lrtheory.models.basin): plant, PI law,
linearisation, outcomes, certificate, measured contraction, noise covariance."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from scipy.linalg import solve_discrete_lyapunov

from lrtheory.claims.lr_controller import G5, _certificate
from lrtheory.errors import ParameterError
from lrtheory.models.basin import covariance_path, lyapunov_error_bound, quadratic_certificate
from lrtheory.models.controller import (
    bracket_misses,
    branch_certificate,
    certified_run,
    converged,
    gradient_ratio,
    linear_loop,
    linear_noise_covariance,
    linearisation,
    loop_step,
    noisy_loop,
    pi_step_rounding,
    pi_velocity,
    rate_misses,
    rest_starts,
    run_loop,
    run_rate_rounding,
)
from lrtheory.models.linear_rate import measured_rate, rate_bracket
from lrtheory.montecarlo.runner import Ensemble
from lrtheory.optimizers import gradient_step
from lrtheory.symbolic.lr_controller import derivation as _g5
from lrtheory.symbolic.lr_controller import equilibrium as _equilibrium
from lrtheory.symbolic.lr_controller import matrix as _matrix
from lrtheory.symbolic.lr_controller import radius as _radius

POINT_A = dict(G5.points[0].params)


def test_plant_is_the_gradient_ratio_of_a_gd_step() -> None:
    rng = np.random.default_rng(0)
    for _ in range(50):
        eta, lam, theta = rng.uniform(0.01, 3.0), rng.uniform(0.1, 10.0), rng.normal()
        after = gradient_step(theta, lam * theta, eta)
        ratio = abs(lam * after) / abs(lam * theta)
        assert gradient_ratio(math.log(eta * lam)) == pytest.approx(ratio, rel=1e-12, abs=1e-15)
    assert gradient_ratio(sp.Symbol("x")) == sp.Abs(1 - sp.exp(sp.Symbol("x")))


def test_pi_velocity_on_symbols_and_numbers() -> None:
    u, e, ep, kp, ki = sp.symbols("u e e_p K_p K_i")
    assert sp.expand(pi_velocity(u, e, ep, kp, ki) - (u + kp * (e - ep) + ki * e)) == 0
    assert pi_velocity(1.0, 0.2, 0.5, 2.0, 3.0) == pytest.approx(1.0 + 2.0 * (-0.3) + 0.6)


def test_equilibrium_is_a_fixed_point_and_lambda_drops_out() -> None:
    target = 0.3
    x_star = math.log(1 - target)
    x, e = loop_step(x_star, 0.0, 0.7, 1.1, target)
    assert x == pytest.approx(x_star, abs=1e-15)
    assert e == pytest.approx(0.0, abs=1e-15)
    # The loop seen in log η for two curvatures is the same loop in x = log(ηλ).
    for lam in (0.01, 100.0):
        u = math.log(0.2 / lam)
        e_prev = gradient_ratio(u + math.log(lam)) - target
        for _ in range(80):
            e_now = gradient_ratio(u + math.log(lam)) - target
            u, e_prev = pi_velocity(u, e_now, e_prev, 0.5, 1.0), e_now
        assert u + math.log(lam) == pytest.approx(x_star, abs=1e-9)


def test_derived_jacobian_equals_finite_differences_of_the_loop() -> None:
    rng = np.random.default_rng(1)
    for _ in range(10):
        p = {"kp": rng.uniform(-1, 1), "ki": rng.uniform(-1, 3), "target": rng.uniform(0.1, 0.9),
             "sigma": 0.1}
        x_star, h = math.log(1 - p["target"]), 1e-6
        cols = []
        for dx, de in ((h, 0.0), (0.0, h)):
            plus = np.array(loop_step(x_star + dx, de, p["kp"], p["ki"], p["target"]))
            minus = np.array(loop_step(x_star - dx, -de, p["kp"], p["ki"], p["target"]))
            cols.append((plus - minus) / (2 * h))
        np.testing.assert_allclose(np.array(cols).T, _matrix(p), atol=1e-8)


def test_jury_region_is_the_triangle_and_matches_the_roots() -> None:
    conditions = _g5()[1]["conditions"]
    g = sp.Symbol("g", positive=True)
    kp, ki = sp.symbols("K_p K_i", real=True)
    assert sp.expand(conditions[1] - (2 - g * (2 * kp + ki))) == 0
    rng = np.random.default_rng(2)
    for _ in range(200):
        p = {"kp": rng.uniform(-3, 3), "ki": rng.uniform(-1, 9), "target": 0.5, "sigma": 0.1}
        inside = bool(all(float(c.subs({g: 0.5, kp: p["kp"], ki: p["ki"]})) > 0
                          for c in conditions))
        assert inside == (_radius(p) < 1.0)


def test_run_loop_record_false_is_the_final_state() -> None:
    full = run_loop(np.linspace(-4, 0.3, 7), 0.5, 1.0, 0.5, 25)
    last = run_loop(np.linspace(-4, 0.3, 7), 0.5, 1.0, 0.5, 25, record=False)
    assert full.x.shape == (26, 7)
    assert last.x.shape == (1, 7)
    np.testing.assert_array_equal(full.x[-1], last.x[0])
    np.testing.assert_array_equal(full.e[-1], last.e[0])


def test_upper_equilibrium_attracts_with_a_negative_integral_gain() -> None:
    x = run_loop(math.log(0.5) + 1e-3, 0.5, -0.1, 0.5, 600).x
    assert x[-1] == pytest.approx(math.log(1.5), abs=1e-9)


def test_certificate_solves_lyapunov_and_its_bound_holds_on_random_starts() -> None:
    cert = _certificate(POINT_A)
    A = _matrix(POINT_A)
    np.testing.assert_allclose(A.T @ cert.P @ A - cert.P, -np.eye(2), atol=1e-12)
    assert 0 < cert.start_radius <= cert.radius <= math.log(2)
    rng = np.random.default_rng(3)
    rho, phi = cert.start_radius * np.sqrt(rng.uniform(size=2000)), rng.uniform(0, 7, 2000)
    x_star = math.log(0.5)
    path = run_loop(x_star + rho * np.cos(phi), 0.5, 1.0, 0.5, 40,
                    previous_error=rho * np.sin(phi))
    dist = np.hypot(path.x - x_star, path.e)
    bounds = np.array([cert.bound(cert.start_radius, t) for t in range(41)])
    assert np.all(dist <= bounds[:, None] + 1e-14)


def test_certificate_of_a_linear_map_is_the_whole_ball_and_unstable_maps_are_refused() -> None:
    cert = quadratic_certificate(np.diag([0.5, -0.3]), lambda R: 0.0, 2.0)
    assert cert.radius == 2.0
    assert cert.bound(cert.start_radius, 10) < cert.bound(cert.start_radius, 5)
    with pytest.raises(ParameterError, match="A"):
        quadratic_certificate(np.diag([1.1, 0.2]), lambda R: 0.0, 1.0)
    with pytest.raises(ParameterError, match="start"):
        cert.bound(cert.start_radius * 1.01, 3)


def test_covariance_path_tends_to_the_lyapunov_solution_within_its_bound() -> None:
    A, b = _matrix(POINT_A), _matrix(POINT_A, "noise")[:, 0]
    Q = np.outer(b, b)
    exact = solve_discrete_lyapunov(A, Q)
    np.testing.assert_allclose(covariance_path(A, Q, 400), exact, rtol=1e-12)
    assert lyapunov_error_bound(A, Q, exact) < 1e-15
    wrong = exact + 1e-6 * np.eye(2)
    assert lyapunov_error_bound(A, Q, wrong) >= 1e-6  # a real error is never under-reported


def test_rate_rounding_bounds_the_float64_error() -> None:
    rng = np.random.default_rng(4)
    for _ in range(5):
        A = rng.normal(size=(2, 2)) * 0.6
        steps = 150

        def step(s: tuple[np.ndarray, ...], M: np.ndarray = A) -> tuple[np.ndarray, ...]:
            return (M[0, 0] * s[0] + M[0, 1] * s[1], M[1, 0] * s[0] + M[1, 1] * s[1])

        rate = float(measured_rate(step, 2, steps))
        exact = np.linalg.matrix_power(A.astype(np.longdouble), steps)
        ref = float(np.sqrt(np.max(np.linalg.eigvalsh((exact.T @ exact).astype(float))))
                    ** (1.0 / steps))
        bound = run_rate_rounding(A, steps, 4 * np.finfo(float).eps * np.abs(A).sum())
        assert abs(rate - ref) <= bound + 1e-13 * ref  # ref itself rounded once more
    nilpotent = np.array([[0.0, 0.0], [-0.5, 0.0]])  # the deadbeat loop's Jacobian
    assert 0 < run_rate_rounding(nilpotent, 50, 1e-15) < 1e-7


@pytest.mark.parametrize(("make", "name"), [
    (lambda: run_loop(0.0, 0.5, 1.0, 1.5, 3), "target"),
    (lambda: run_loop(0.0, np.nan, 1.0, 0.5, 3), "kp"),
    (lambda: noisy_loop(0.5, 1.0, 0.5, 0.0, 3, 0.0), "noise_sd"),
    (lambda: rest_starts(0.5, 1.0, 0.5, (1.0, 0.0), 0.0, 3, 0.1), "x_range"),
    (lambda: covariance_path(np.eye(2), np.eye(3), 3), "A, Q"),
    (lambda: converged(0.0, 0.5, 1.0, 0.5, 3, 0.0, 0.1, last=5), "last"),
    (lambda: branch_certificate(np.eye(2) / 2, 0.5, 1.0, 1.2), "target"),
    (lambda: run_rate_rounding(np.eye(2) / 2, 10, -1.0), "step_error"),
])
def test_bad_input_names_the_parameter(make: object, name: str) -> None:
    with pytest.raises(ParameterError, match=name):
        make()  # type: ignore[operator]


def test_rest_kernel_fraction_is_the_log_length_below_the_upper_equilibrium() -> None:
    x_star, x_up = math.log(0.5), math.log(1.5)
    kernel = rest_starts(0.5, 1.0, 0.5, (x_star - 3, x_up + 1), x_star, 60, 0.05)
    m = Ensemble(seed=5).run(kernel, 20_000)
    p = (x_up - (x_star - 3)) / ((x_up + 1) - (x_star - 3))
    assert abs(float(m.mean[0]) - p) < 5 * math.sqrt(p * (1 - p) / 20_000)


def test_linearisation_is_the_loops_jacobian_and_polynomial() -> None:
    z, kp, ki, ys = sp.Symbol("z"), sp.Symbol("K_p", real=True), sp.Symbol("K_i", real=True), \
        sp.Symbol("y^*", positive=True)
    forms = _g5()[1]
    jac, poly = linearisation(forms["x_lo"], kp, ki, ys, z)
    assert sp.simplify(jac - forms["jac"]) == sp.zeros(2, 2)
    assert sp.expand(poly - (z**2 - (1 - (1 - ys) * (kp + ki)) * z - (1 - ys) * kp)) == 0
    # The linear step on the linearised plant is the same matrix, numerically.
    step = linear_loop(0.5, 1.0, float(_matrix(POINT_A)[1, 0]))
    np.testing.assert_allclose(np.array([step((1.0, 0.0)), step((0.0, 1.0))]).T,
                               _matrix(POINT_A), rtol=0, atol=1e-15)


def test_converged_and_path_distance() -> None:
    x_star, x_up = math.log(0.5), math.log(1.5)
    starts = np.array([x_star - 2.0, x_star + 0.3, x_up + 0.01, x_up + 1.0])
    ok = converged(starts, 0.5, 1.0, 0.5, 80, x_star, 1e-6)
    np.testing.assert_array_equal(ok, [True, True, False, False])
    # last=k: every one of the last k steps within tol; a slow spiral (point C) stays within
    # 10⁻⁴ of x* from step 67 on: at T = 80 the last step is, the last 40 are not.
    c = dict(G5.points[2].params)
    x = run_loop(x_star + 0.01, c["kp"], c["ki"], 0.5, 80).x
    final = np.abs(x - x_star) <= 1e-4
    assert final[-1]
    assert not np.all(final[-40:])
    assert converged(x_star + 0.01, c["kp"], c["ki"], 0.5, 80, x_star, 1e-4) == final[-1]
    assert converged(x_star + 0.01, c["kp"], c["ki"], 0.5, 80, x_star, 1e-4,
                     last=40) == bool(np.all(final[-40:]))
    path = run_loop(starts[:2], 0.5, 1.0, 0.5, 10)
    dist = path.distance(x_star)
    assert dist.shape == (11,)
    assert dist[0] == pytest.approx(max(math.hypot(s - x_star, float(e))
                                        for s, e in zip(starts[:2], path.e[0], strict=True)),
                                    rel=1e-15)
    assert dist[-1] < dist[0]


def test_certified_run_is_within_its_bound_at_both_equilibria() -> None:
    cert = _certificate(POINT_A)
    a = 0.99 * cert.start_radius
    phi = np.linspace(0, 2 * math.pi, 32, endpoint=False)
    x_eq = _equilibrium(POINT_A)
    final, bound, t0 = certified_run(cert, x_eq + a * np.cos(phi), a * np.sin(phi), 0.5, 1.0,
                                     0.5, 100, x_eq)
    assert t0 == 0
    assert final <= bound < a
    # Point F's gains make the upper equilibrium stable; its certificate comes from the
    # upper branch's remainder (1 + y*)(e^δ − 1 − δ).
    f = dict(G5.points[5].params)
    up = branch_certificate(_matrix(f, "jac_up"), f["kp"], f["ki"], f["target"], upper=True)
    x_up = _equilibrium(f, "x_up")
    final, bound, _ = certified_run(up, np.array(x_up + 1e-3), np.array(0.0), f["kp"], f["ki"],
                                    f["target"], 400, x_up)
    assert final <= bound
    with pytest.raises(ParameterError, match="A"):  # the lower branch is unstable there
        branch_certificate(_matrix(f), f["kp"], f["ki"], f["target"])


def test_bracket_misses_flag_a_wrong_radius_only() -> None:
    kp, ki = np.meshgrid(np.linspace(-1.5, 1.5, 7), np.linspace(0.2, 3.5, 6))
    g = 0.5
    A = np.stack([np.stack([1 - g * (kp + ki), -kp], -1),
                  np.stack([-g * np.ones_like(kp), np.zeros_like(kp)], -1)], -2)
    rho = np.max(np.abs(np.linalg.eigvals(A)), axis=-1)
    step = linear_loop(kp, ki, -g)
    errors = pi_step_rounding(kp, ki, -g)
    assert errors.shape == kp.shape
    b = rate_bracket(step, A, 150, rho=rho)
    assert not np.any(bracket_misses(b.measured, b.rho, b.upper, A, 150, errors))
    for factor in (0.9, 1.1):  # a ρ 10 % off is refuted at every node, either way
        wrong = rate_bracket(step, A, 150, rho=rho * factor)
        assert np.all(bracket_misses(wrong.measured, wrong.rho, wrong.upper, A, 150, errors))
        assert np.all(rate_misses(kp, ki, -g, A, rho * factor, 150))
    # rate_misses runs the same loop with the vectorised Henrici bound.
    assert not np.any(rate_misses(kp, ki, -g, A, rho, 150))


def test_noise_covariance_of_the_linear_loop_is_the_derived_variance() -> None:
    sigma, error = linear_noise_covariance(0.5, 1.0, float(_matrix(POINT_A)[1, 0]), 0.05)
    g, kp, ki = 0.5, 0.5, 1.0
    closed = 0.05**2 * (ki + g * kp * (ki + 2 * kp)) / (g * (1 + g * kp) * (2 - g * (2 * kp + ki)))
    assert abs(sigma[0, 0] - closed) <= error + 1e-15 * closed
    assert error < 1e-15
    path = covariance_path(_matrix(POINT_A), np.outer(*[_matrix(POINT_A, "noise")[:, 0]] * 2),
                           300, record=True)
    assert path.shape == (301, 2, 2)
    np.testing.assert_array_equal(path[-1], covariance_path(
        _matrix(POINT_A), np.outer(*[_matrix(POINT_A, "noise")[:, 0]] * 2), 300))
    assert path[-1][0, 0] == pytest.approx(closed, rel=1e-12)
