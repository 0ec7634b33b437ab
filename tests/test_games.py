"""G1 (bilinear game) and its toolbox lrtheory.models.gda: the GDA rules, the SVD blocks,
the rounding bounds, and the derived forms against brute-force linear algebra."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import pytest
import sympy as sp
from matplotlib.figure import Figure

from lrtheory.claim import Point
from lrtheory.claims.games import (
    ETA_D,
    ETA_G,
    G1,
    SIGMA,
    SINGULAR_VALUES,
    _block,
    _g1,
    _numeric,
    spectral_radius,
)
from lrtheory.errors import ParameterError
from lrtheory.models.gda import (
    bilinear_gradients,
    bilinear_matrix,
    block_path,
    block_powers,
    block_prediction,
    decoupling_tolerance,
    form_bias_bound,
    game_power,
    gda_step,
    quadratic_drift_bound,
    step_rounding,
    svd_basis,
)
from lrtheory.models.linear_rate import rate_rounding
from lrtheory.montecarlo.runner import Ensemble
from lrtheory.plotting import close


def _full_matrix(a: np.ndarray[Any, Any], eta_g: float, eta_d: float,
                 alternating: bool) -> np.ndarray[Any, Any]:
    """M assembled by hand from the update equations (not from the rule)."""
    m, n = a.shape
    top = np.hstack([np.eye(m), -eta_g * a])
    if alternating:
        bottom = np.hstack([eta_d * a.T, np.eye(n) - eta_g * eta_d * a.T @ a])
    else:
        bottom = np.hstack([eta_d * a.T, np.eye(n)])
    return np.vstack([top, bottom])


def test_bilinear_matrix_has_the_requested_singular_values() -> None:
    a = bilinear_matrix(5, 3, [3.0, 1.0], seed=2)
    assert a.shape == (5, 3)
    np.testing.assert_allclose(np.linalg.svd(a, compute_uv=False), [3.0, 1.0, 0.0], atol=1e-14)


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"m": 0, "n": 3, "singular_values": [1.0], "seed": 0}, "m"),
    ({"m": 2, "n": 3, "singular_values": [1.0, 1.0, 1.0], "seed": 0}, "singular_values"),
    ({"m": 2, "n": 3, "singular_values": [1.0, -1.0], "seed": 0}, "singular_values"),
    ({"m": 2, "n": 3, "singular_values": [1.0], "seed": -1}, "seed"),
])
def test_bilinear_matrix_rejects_bad_input(kwargs: dict[str, Any], name: str) -> None:
    with pytest.raises(ParameterError) as info:
        bilinear_matrix(**kwargs)
    assert info.value.name == name


def test_one_step_by_hand() -> None:
    a = np.array([[2.0]])
    grad_x, grad_y = bilinear_gradients(a)
    x, y = np.array([[1.0]]), np.array([[1.0]])
    assert [float(v[0, 0]) for v in gda_step(x, y, grad_x, grad_y, 0.5, 0.5,
                                             alternating=False)] == [0.0, 2.0]
    # Alternating: y sees x' = 0, so it does not move.
    assert [float(v[0, 0]) for v in gda_step(x, y, grad_x, grad_y, 0.5, 0.5,
                                             alternating=True)] == [0.0, 1.0]


@pytest.mark.parametrize("alternating", [False, True])
def test_game_power_is_the_hand_assembled_matrix_power(alternating: bool) -> None:
    a = bilinear_matrix(4, 3, [1.5, 0.5], seed=5)  # rank 2 < min(m, n): null directions
    power, norms2, normsf = game_power(a, 0.4, 0.7, 9, alternating=alternating)
    expected = np.linalg.matrix_power(_full_matrix(a, 0.4, 0.7, alternating), 9)
    np.testing.assert_allclose(power, expected, rtol=0, atol=1e-12 * np.abs(expected).max())
    assert norms2.shape == normsf.shape == (10,)
    assert norms2[0] == 1.0
    assert np.all(norms2 <= normsf + 1e-12)


@pytest.mark.parametrize(("m", "n", "sigmas"), [(6, 4, SINGULAR_VALUES), (3, 5, (2.0,)),
                                                (4, 4, (1.0, 0.5, 0.25, 0.1))])
def test_svd_basis_block_diagonalises_the_game(m: int, n: int,
                                               sigmas: tuple[float, ...]) -> None:
    a = bilinear_matrix(m, n, sigmas, seed=1)
    s, w = svd_basis(a)
    np.testing.assert_allclose(s, sigmas, rtol=1e-13)
    np.testing.assert_allclose(w.T @ w, np.eye(m + n), atol=1e-13)
    for alternating in (False, True):
        blocks = np.array([_block(alternating, 0.3, 0.8)(x) for x in s])
        prediction = block_prediction(blocks, w)
        np.testing.assert_allclose(prediction, _full_matrix(a, 0.3, 0.8, alternating),
                                   atol=1e-13)


@pytest.mark.parametrize("alternating", [False, True])
def test_decoupling_holds_within_its_tolerance_and_a_wrong_block_fails(alternating: bool) -> None:
    a = bilinear_matrix(6, 4, SINGULAR_VALUES, seed=3)
    s, w = svd_basis(a)
    steps = 60
    power, norms2, normsf = game_power(a, 0.5, 0.9, steps, alternating=alternating)
    blocks, err = block_powers(_block(alternating, 0.5, 0.9), s, steps)
    prediction = block_prediction(blocks, w)
    tol = decoupling_tolerance(a, 0.5, 0.9, s, w, norms2, normsf, prediction, err,
                               alternating=alternating)
    assert np.linalg.norm(power - prediction) <= tol
    # The other scheme's blocks are a wrong model: far outside the tolerance.
    wrong = block_prediction(block_powers(_block(not alternating, 0.5, 0.9), s, steps)[0], w)
    assert np.linalg.norm(power - wrong) > 1e6 * tol


def _exact_step(x: list[Fraction], y: list[Fraction], a: list[list[Fraction]], eta_g: Fraction,
                eta_d: Fraction, alternating: bool) -> list[Fraction]:
    m, n = len(x), len(y)
    x_new = [x[i] - eta_g * sum(a[i][j] * y[j] for j in range(n)) for i in range(m)]
    seen = x_new if alternating else x
    y_new = [y[j] + eta_d * sum(a[i][j] * seen[i] for i in range(m)) for j in range(n)]
    return x_new + y_new


@pytest.mark.parametrize("alternating", [False, True])
def test_step_rounding_bounds_the_float_step(alternating: bool) -> None:
    rng = np.random.default_rng(4)
    a = bilinear_matrix(5, 3, [4.0, 2.0, 0.1], seed=7)
    grad_x, grad_y = bilinear_gradients(a)
    e = step_rounding(a, 0.7, 1.3, alternating=alternating)
    exact_a = [[Fraction(v) for v in row] for row in a]
    worst = 0.0
    for _ in range(20):  # errors relative to ‖z‖, over z of very different sizes
        z = rng.standard_normal(8) * 10.0 ** rng.uniform(-3, 3)
        fx, fy = gda_step(z[:5], z[5:], grad_x, grad_y, 0.7, 1.3, alternating=alternating)
        exact = _exact_step([Fraction(v) for v in z[:5]], [Fraction(v) for v in z[5:]],
                            exact_a, Fraction(0.7), Fraction(1.3), alternating)
        err = float(np.linalg.norm(np.concatenate([fx, fy])
                                   - np.array([float(v) for v in exact])))
        worst = max(worst, err / float(np.linalg.norm(z)))
    assert 0.0 < worst <= e


def test_alternating_orbit_conserves_the_derived_form_within_the_bound() -> None:
    a = bilinear_matrix(6, 4, SINGULAR_VALUES, seed=3)
    grad_x, grad_y = bilinear_gradients(a)
    eta_g, eta_d = 0.9, 1.0
    z = np.random.default_rng(1).standard_normal(10)
    x, y = z[:6], z[6:]

    def form(x: Any, y: Any) -> float:
        return float(x @ x / eta_g + y @ y / eta_d - x @ a @ y)

    c0, norms, drift = form(x, y), [float(np.linalg.norm(z))], 0.0
    for _ in range(300):
        x, y = gda_step(x, y, grad_x, grad_y, eta_g, eta_d, alternating=True)
        norms.append(float(np.hypot(np.linalg.norm(x), np.linalg.norm(y))))
        drift = max(drift, abs(form(x, y) - c0))
    size = max(1 / eta_g, 1 / eta_d) + float(np.linalg.norm(np.abs(a), 2)) / 2
    bound = quadratic_drift_bound(np.array(norms), step_rounding(a, eta_g, eta_d,
                                                                 alternating=True),
                                  size, 1e-15 * size)
    assert drift <= bound < 1e-10 * abs(c0) + 1e-9
    # The simultaneous map does not conserve it: the form grows by orders of magnitude.
    x, y = z[:6], z[6:]
    for _ in range(30):
        x, y = gda_step(x, y, grad_x, grad_y, eta_g, eta_d, alternating=False)
    assert abs(form(x, y) - c0) > 1e3 * bound


def test_derived_invariant_and_energy_growth_numerically() -> None:
    rng = np.random.default_rng(0)
    for _ in range(20):
        sigma, eta_g, eta_d = rng.uniform(0.1, 3.0, size=3)
        b_alt, b_sim = _block(True, eta_g, eta_d)(sigma), _block(False, eta_g, eta_d)(sigma)
        q = np.asarray(_numeric("invariant")(sigma, eta_g, eta_d), dtype=float)
        np.testing.assert_allclose(b_alt.T @ q @ b_alt, q, atol=1e-12 * np.abs(q).max())
        energy = np.diag([1 / eta_g, 1 / eta_d])
        np.testing.assert_allclose(b_sim.T @ energy @ b_sim,
                                   (1 + eta_g * eta_d * sigma**2) * energy, rtol=1e-13,
                                   atol=1e-14 * np.abs(energy).max())


@pytest.mark.parametrize("p", [0.01, 0.5, 2.0, 3.9, 4.0, 4.1, 6.0, 20.0])
def test_spectral_radius_is_the_largest_eigenvalue_modulus(p: float) -> None:
    sigma, eta_d = 2.0, 1.0
    eta_g = p / (eta_d * sigma**2)
    for alternating in (False, True):
        eig = np.abs(np.linalg.eigvals(_block(alternating, eta_g, eta_d)(sigma)))
        assert spectral_radius(alternating, sigma, eta_g, eta_d) == pytest.approx(
            float(eig.max()), rel=1e-7 if p == 4.0 else 1e-12)
    assert spectral_radius(False, sigma, eta_g, eta_d) > 1.0
    assert (spectral_radius(True, sigma, eta_g, eta_d) > 1.0) == (p > 4.0)


def test_derived_matrices_match_the_hand_assembled_game() -> None:
    forms = _g1()[1]
    at = {SIGMA: sp.Rational(3, 2), ETA_G: sp.Rational(1, 3), ETA_D: sp.Rational(2, 5)}
    a = np.array([[1.5]])
    for name, alternating in (("sim", False), ("alt", True)):
        derived = np.array(forms[name].subs(at), dtype=float)
        np.testing.assert_allclose(derived, _full_matrix(a, 1 / 3, 2 / 5, alternating),
                                   rtol=1e-15)


def test_boundary_power_grows_linearly() -> None:
    # p = 4: ‖B^T‖_F from the derived Jordan form against the run, and linear growth.
    fro = [float(np.sqrt(_numeric("edge_fro2")(2.0, 1.0, t))) for t in (100, 200, 400)]
    run = [float(np.linalg.norm(block_powers(_block(True, 1.0, 1.0), [2.0], t)[0][0]))
           for t in (100, 200, 400)]
    np.testing.assert_allclose(fro, run, rtol=1e-12)
    assert fro[2] / fro[1] == pytest.approx(2.0, rel=1e-3)


def test_rate_rounding_and_bad_input() -> None:
    assert 0.0 < rate_rounding(1.0, 2.0, 2, 100, 1e-15) < 1e-10
    with pytest.raises(ParameterError) as info:
        rate_rounding(0.0, 1.0, 2, 10, 1e-16)
    assert info.value.name == "rho"
    with pytest.raises(ParameterError) as info:
        game_power(np.ones((2, 2)), -0.1, 1.0, 3, alternating=True)
    assert info.value.name == "eta_g"
    with pytest.raises(ParameterError) as info:
        svd_basis(np.ones(3))
    assert info.value.name == "A"


def test_form_bias_bound_is_small_inside_and_grows_outside() -> None:
    s = np.array(SINGULAR_VALUES)
    bounds = []
    for eta_g in (0.5, 1.1):
        path = block_path(_block(True, eta_g, 1.0), s, 10)
        norms2 = np.maximum(np.linalg.norm(path, 2, axis=(-2, -1)).max(axis=1), 1.0)
        second = np.sum(path**2, axis=(1, 2, 3)) + 2
        bounds.append(form_bias_bound(norms2, second, 1e-15, 2.0, 1e-15))
    assert 0.0 < bounds[0] < 1e-11
    assert bounds[1] > 1e3 * bounds[0]


def test_simulation_predictions_equal_the_full_game_traces() -> None:
    point = G1.points[0]
    estimates = G1.simulate(point, Ensemble(seed=3, threads=1), 2000)  # type: ignore[misc]
    a = bilinear_matrix(6, 4, SINGULAR_VALUES, int(point.params["matrix_seed"]))
    power = game_power(a, point.params["eta_g"], point.params["eta_d"],
                       int(point.params["steps"]), alternating=True)[0]
    assert estimates[0].prediction == pytest.approx(float(np.sum(power**2)), rel=1e-12)
    k = np.block([[np.eye(6) / point.params["eta_g"], -a / 2],
                  [-a.T / 2, np.eye(4) / point.params["eta_d"]]])
    assert estimates[1].prediction == pytest.approx(float(np.trace(power.T @ k @ power)),
                                                    rel=1e-12)
    assert estimates[1].prediction == pytest.approx(6 / 0.5 + 4 / 1.0, rel=1e-12)
    for est in estimates:
        assert abs(est.sample.value - est.prediction) < 5 * est.sample.se


def test_model_checks_pass_and_figure_draws() -> None:
    for point in (G1.points[2], G1.points[4]):
        for check in G1.model(point):
            assert check.abs_error <= check.tolerance, check.name

    class _Result:
        claim = G1
        points: tuple[Point, ...] = ()

    fig = G1.figure(_Result())  # type: ignore[arg-type]
    assert isinstance(fig, Figure)
    close(fig)
