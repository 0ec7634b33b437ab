"""G2 (client drift) and its toolbox lrtheory.models.fedavg: the literal algorithm against
brute-force linear algebra and exact rational arithmetic, and the derived closed forms."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import pytest
import sympy as sp
from matplotlib.figure import Figure

from lrtheory.claims.federated import (
    ETA_C,
    ETA_S,
    G2,
    C,
    H,
    K,
    W,
    _at,
    _closed,
    _drift,
    _g2,
)
from lrtheory.errors import ParameterError
from lrtheory.models.fedavg import (
    client_problem,
    fedavg_forms,
    fedavg_kernel,
    fedavg_round,
    global_optimum,
    literal_checks,
    local_steps,
    matrix_function,
    mean_and_covariance,
    noise_gain,
    round_affine,
    round_rounding,
    server_rate,
)
from lrtheory.montecarlo.runner import Ensemble
from lrtheory.plotting import close


@pytest.fixture(scope="module")
def clients() -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    return client_problem(3, 3, 0.5, 2.5, 1.0, seed=11)


def _q(h: np.ndarray[Any, Any], eta_c: float, steps: int) -> np.ndarray[Any, Any]:
    eye = np.eye(h.shape[1])
    return np.array([eye - np.linalg.matrix_power(eye - eta_c * hi, steps) for hi in h])


def test_client_problem(clients: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]) -> None:
    h, c = clients
    assert h.shape == (3, 3, 3)
    assert c.shape == (3, 3)
    np.testing.assert_allclose(h, np.swapaxes(h, 1, 2))
    lam = np.linalg.eigvalsh(h)
    assert lam.min() >= 0.5 - 1e-12
    assert lam.max() <= 2.5 + 1e-12
    assert np.abs(h[0] @ h[1] - h[1] @ h[0]).max() > 0.1  # the clients do not commute


def test_one_local_step_is_fedsgd(clients: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]
                                  ) -> None:
    h, c = clients
    w = np.array([0.3, -0.2, 1.0])
    expected = w - 0.2 * np.mean([hi @ (w - ci) for hi, ci in zip(h, c, strict=True)], axis=0)
    np.testing.assert_allclose(fedavg_round(w, h, c, 0.2, 1.0, 1), expected, rtol=1e-14)


@pytest.mark.parametrize(("eta_s", "steps"), [(1.0, 1), (0.7, 4), (1.6, 9)])
def test_round_affine_is_the_derived_matrix_form(
        clients: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]], eta_s: float,
        steps: int) -> None:
    h, c = clients
    g, b = round_affine(h, c, 0.3, eta_s, steps)
    q = _q(h, 0.3, steps)
    np.testing.assert_allclose(g, np.eye(3) - eta_s * q.mean(axis=0), atol=1e-14)
    np.testing.assert_allclose(b, eta_s * np.einsum("nij,nj->i", q, c) / 3, atol=1e-14)
    # Its fixed point is (Σq_i)⁻¹Σq_ic_i; at K = 1 the global optimum.
    fixed = np.linalg.solve(np.eye(3) - g, b)
    np.testing.assert_allclose(fixed, np.linalg.solve(q.sum(0), np.einsum("nij,nj->i", q, c)),
                               atol=1e-13)
    if steps == 1:
        np.testing.assert_allclose(fixed, global_optimum(h, c), atol=1e-13)
    else:
        assert np.linalg.norm(fixed - global_optimum(h, c)) > 1e-3


def test_global_optimum_zeroes_the_total_gradient(
        clients: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]) -> None:
    h, c = clients
    w = global_optimum(h, c)
    grad = sum(hi @ (w - ci) for hi, ci in zip(h, c, strict=True))
    assert np.linalg.norm(grad) < 1e-13


def test_noise_gain_gives_the_derived_noise_covariance(
        clients: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]) -> None:
    h, _ = clients
    eta_c, eta_s, steps = 0.3, 0.8, 4
    gain = noise_gain(h, eta_c, eta_s, steps)
    assert gain.shape == (3, 3 * steps * 3)
    eye = np.eye(3)
    expected = (eta_s * eta_c / 3) ** 2 * sum(
        sum(np.linalg.matrix_power(eye - eta_c * hi, 2 * j) for j in range(steps)) for hi in h)
    np.testing.assert_allclose(gain @ gain.T, expected, atol=1e-15)


def test_local_steps_with_noise_by_hand() -> None:
    h, c = np.array([[2.0, 0.0], [0.0, 1.0]]), np.array([1.0, -1.0])
    noise = [np.array([0.1, 0.0]), np.array([0.0, -0.2])]
    v = np.zeros(2)
    for k in range(2):
        v = v - 0.5 * (h @ (v - c) + noise[k])
    np.testing.assert_allclose(local_steps(np.zeros(2), h, c, 0.5, 2, lambda k: noise[k]), v)


@pytest.mark.parametrize("seed", [3, 5, 8])
def test_round_rounding_bounds_the_float_round(seed: int) -> None:
    h, c = client_problem(2, 2, 0.5, 2.5, 1.0, seed=seed)
    w = np.array([0.7, -1.9])
    eta_c, eta_s, steps = 0.37, 1.3, 3
    float_round = fedavg_round(w, h, c, eta_c, eta_s, steps)
    # The algorithm itself in exact arithmetic: SymPy rationals (every float is one).
    rat = np.vectorize(sp.Rational, otypes=[object])
    exact = fedavg_round(rat(w), rat(h), rat(c), sp.Rational(eta_c), sp.Rational(eta_s), steps)
    assert all(isinstance(x, sp.Rational) for x in exact)
    error = np.linalg.norm(float_round - np.array(exact, dtype=float))
    bound = round_rounding(h, c, eta_c, eta_s, steps, float(np.linalg.norm(w)))
    assert error <= bound < 1e-13


def test_exact_round_with_fraction_data_is_exact() -> None:
    frac = np.vectorize(Fraction, otypes=[object])
    h, c = np.array([[[2.0]], [[1.0]]]), np.array([[1.0], [-1.0]])
    out = fedavg_round(frac(np.array([0.5])), frac(h), frac(c), sp.Rational(1, 4),
                       sp.Rational(1, 2), 2)
    # client 1: 0.5 → 0.75 → 0.875; client 2: 0.5 → 0.125 → −0.15625; mean Δ = (−0.375 +
    # 0.65625)/2, so w' = 0.5 − ½·0.140625.
    assert out[0] == sp.Rational(1, 2) - sp.Rational(9, 128)


def test_matrix_function_and_its_bound() -> None:
    h = client_problem(1, 4, 0.3, 3.0, 1.0, seed=2)[0][0]
    value, error = matrix_function(h, lambda lam: 1 - (1 - 0.2 * lam) ** 5, 5 * 0.2)
    expected = np.eye(4) - np.linalg.matrix_power(np.eye(4) - 0.2 * h, 5)
    assert np.linalg.norm(value - expected) <= error + 8e-16 * np.linalg.norm(expected)
    assert error < 1e-12


def test_mean_and_covariance_match_the_stationary_limit() -> None:
    g = np.array([[0.5, 0.2], [0.2, -0.3]])
    s = np.array([[1.0, 0.1], [0.1, 0.5]])
    means, covs = mean_and_covariance(g, np.array([1.0, 2.0]), s, np.zeros(2), 200)
    np.testing.assert_allclose(means[-1], np.linalg.solve(np.eye(2) - g, [1.0, 2.0]))
    np.testing.assert_allclose(covs[-1], g @ covs[-1] @ g.T + s, atol=1e-14)
    np.testing.assert_allclose(covs[1], s)


@pytest.mark.parametrize(("call", "name"), [
    (lambda h, c: local_steps(np.zeros(3), h[0], c[0], 0.1, -3), "K"),
    (lambda h, c: local_steps(np.zeros(3), h[0], c[0], -0.1, 2), "eta_c"),
    (lambda h, c: local_steps(np.zeros(2), h[0], c[0], 0.1, 2), "w, hessian, optimum"),
    (lambda h, c: fedavg_round(np.zeros(3), h, c[:2], 0.1, 1.0, 2), "hessians, optima"),
    (lambda h, c: fedavg_round(np.zeros(3), h, c, 0.1, -1.0, 2), "eta_s"),
    (lambda h, c: mean_and_covariance(np.eye(3), np.ones(2), np.eye(3), np.zeros(3), 4), "b"),
    (lambda h, c: mean_and_covariance(np.eye(3), np.ones(3), np.eye(2), np.zeros(3), 4), "S"),
    (lambda h, c: mean_and_covariance(np.ones(3), np.ones(3), np.eye(3), np.zeros(3), 4), "G"),
    (lambda h, c: mean_and_covariance(np.eye(3), np.ones(3), np.eye(3), np.zeros(3), -1),
     "rounds"),
    (lambda h, c: matrix_function(h[0] + np.triu(np.ones(3), 1), np.exp, 1.0), "h"),
    (lambda h, c: matrix_function(h[0], np.exp, -1.0), "slope"),
    (lambda h, c: round_rounding(h, c, 0.1, 1.0, 2, 1.0, noise_norm=-1.0), "noise_norm"),
    (lambda h, c: server_rate(h, 0.1, 1.0, 0, 10), "K"),
    (lambda h, c: fedavg_forms(h, c, 0.1, 2, 0.1, np.exp, np.exp, eta_s_frac=0.0),
     "eta_s_frac"),
    (lambda h, c: literal_checks(_at(G2.points[1]), 0), "rate_steps"),
    (lambda h, c: client_problem(0, 2, 0.5, 2.5, 1.0, 0), "n_clients"),
    (lambda h, c: round_affine(h, c, -0.1, 1.0, 2), "eta_c"),
    (lambda h, c: round_affine(h, c, 0.1, 0.0, 2), "eta_s"),
    (lambda h, c: round_affine(h, c, 0.1, 1.0, 0), "K"),
    (lambda h, c: round_affine(h + np.triu(np.ones(3), 1), c, 0.1, 1.0, 2), "hessians"),
    (lambda h, c: round_affine(h, c[:, :2], 0.1, 1.0, 2), "optima"),
])
def test_bad_input_names_the_parameter(
        clients: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]], call: Any,
        name: str) -> None:
    with pytest.raises(ParameterError) as info:
        call(*clients)
    assert info.value.name == name
    assert "got" in str(info.value)


def test_kernel_rejects_a_mean_path_of_the_wrong_length() -> None:
    cf = _at(G2.points[1])
    means, _ = mean_and_covariance(cf.G, cf.b, cf.S, np.zeros(2), 3)
    with pytest.raises(ParameterError) as info:
        fedavg_kernel(cf, 4, means, np.array([1.0, 0.0]))
    assert info.value.name == "means, direction"


def test_literal_checks_refute_a_wrong_closed_form() -> None:
    # The same setting with K − 1 in the derived q(λ) (and the noise factor): the literal
    # round must refute every comparison by far.
    point = G2.points[1]
    right = _at(point)
    steps = right.K - 1
    wrong = fedavg_forms(right.h, right.c, right.eta_c, right.K, right.sigma,
                         lambda lam: 1 - (1 - right.eta_c * lam) ** steps,
                         lambda lam: right.eta_c**2 * right.sigma**2 * (
                             1 - (1 - right.eta_c * lam) ** (2 * steps))
                         / (1 - (1 - right.eta_c * lam) ** 2), eta_s=right.eta_s)
    good = literal_checks(right, 40)
    bad = literal_checks(wrong, 40)
    assert all(x.abs_error <= x.tolerance for x in good)
    failed = [x.name for x in bad if x.abs_error > 1e3 * x.tolerance]
    assert len(failed) == len(bad) == 6, failed


def test_findings_quote_derived_values() -> None:
    text = " ".join(G2.findings)
    for steps, quoted in ((2, "0.036"), (3, "0.071"), (5, "0.129"), (50, "0.278")):
        assert f"{_drift(0.3, steps)[0]:.3f}" == quoted
        assert quoted in text
    limit = _closed((("K", 1.0), ("eta_c", 0.3), ("eta_s", 1.0), ("sigma", 0.0)))
    assert abs(np.linalg.norm(limit.c.mean(axis=0) - limit.w_opt) - _drift(0.3, 50)[0]) < 1e-4
    at = _closed((("K", 3.0), ("eta_c", 0.3), ("eta_s", 1.0), ("sigma", 0.0)))
    assert f"the bound is {at.bound:.2f} at K = 3" in text
    point = G2.points[1]
    cf = _at(point)
    means, _ = mean_and_covariance(cf.G, cf.b, cf.S, np.zeros(2), int(point.params["rounds"]))
    toward = cf.c.mean(axis=0) - cf.w_opt
    derived = float(toward @ (means[-1] - cf.w_opt) / np.linalg.norm(toward))
    assert f"is {derived:.4f}, where the global optimum" in text
    assert "±" not in text  # no Monte Carlo numbers typed into the findings


def test_derived_fixed_point_matches_scalar_fedavg() -> None:
    fixed = _g2()[1]["fixed"]
    hs, cs, eta_c, steps = (0.5, 1.5, 2.5), (1.0, -2.0, 0.5), 0.3, 4
    at = {ETA_C: eta_c, K: steps, **dict(zip(H, hs, strict=True)),
          **dict(zip(C, cs, strict=True))}
    w = 0.0
    h, c = np.array(hs).reshape(3, 1, 1), np.array(cs).reshape(3, 1)
    for _ in range(300):
        w = fedavg_round(np.array([w]), h, c, eta_c, 1.0, steps)[0]
    assert float(fixed.subs(at)) == pytest.approx(w, rel=1e-12)


def test_server_map_derivation_is_the_rule() -> None:
    steps = _g2()[0].steps
    server = next(s.expr for s in steps if s.name == "server step on the mean update").rhs
    at = {ETA_C: 0.2, ETA_S: 0.9, K: 3, W: 0.4, **dict(zip(H, (1.0, 2.0, 0.5), strict=True)),
          **dict(zip(C, (1.0, 0.0, -1.0), strict=True))}
    h, c = np.array([1.0, 2.0, 0.5]).reshape(3, 1, 1), np.array([1.0, 0.0, -1.0]).reshape(3, 1)
    assert float(server.subs(at)) == pytest.approx(
        float(fedavg_round(np.array([0.4]), h, c, 0.2, 0.9, 3)[0]), rel=1e-13)
    assert isinstance(server, sp.Expr)


def test_closed_forms_stability_bound() -> None:
    inside = _closed((("K", 3.0), ("eta_c", 0.3), ("eta_s_frac", 0.99), ("sigma", 0.1)))
    outside = _closed((("K", 3.0), ("eta_c", 0.3), ("eta_s_frac", 1.01), ("sigma", 0.1)))
    assert inside.rho < 1.0 < outside.rho
    g, _ = round_affine(inside.h, inside.c, 0.3, inside.eta_s, 3)
    assert float(np.max(np.abs(np.linalg.eigvalsh((g + g.T) / 2)))) == pytest.approx(
        inside.rho, rel=1e-12)


def test_simulation_agrees_and_figure_draws() -> None:
    point = G2.points[1]
    estimates = G2.simulate(point, Ensemble(seed=2, threads=1), 4000)  # type: ignore[misc]
    cf = _at(point)
    drift = np.linalg.norm(cf.w_star - cf.w_opt)
    assert drift > 0.05  # K = 3: the fixed point is not the global optimum
    for est in estimates:
        assert abs(est.sample.value - est.prediction) < 5 * est.sample.se
    # The global optimum as the prediction is rejected by far.
    assert abs(estimates[0].sample.value) > 20 * estimates[0].sample.se
    for check in G2.model(point):
        assert check.abs_error <= check.tolerance, check.name

    class _Result:
        claim = G2
        points = ()

    fig = G2.figure(_Result())  # type: ignore[arg-type]
    assert isinstance(fig, Figure)
    close(fig)
