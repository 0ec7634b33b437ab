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
    _block_rate_checks,
    _g1,
    _numeric,
    _setup,
    spectral_radius,
)
from lrtheory.errors import ParameterError
from lrtheory.models.gda import (
    bilinear_gradients,
    bilinear_matrix,
    block_path,
    block_powers,
    block_prediction,
    block_rates,
    decoupling,
    game_power,
    gda_step,
    kernel_moments,
    orbit,
    orbit_balance,
    power_rounding,
    quadratic_drift_bound,
    rate_interval,
    scalar_power,
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
    error, tol, scale = decoupling(a, _block(alternating, 0.5, 0.9), 0.5, 0.9, 60,
                                   alternating=alternating)
    assert error <= tol < 1e-9 * scale
    # The other scheme's blocks, or η_G off by one part in 10⁶, are wrong models: refuted.
    for block in (_block(not alternating, 0.5, 0.9), _block(alternating, 0.5 * (1 + 1e-6), 0.9)):
        error, tol, _ = decoupling(a, block, 0.5, 0.9, 60, alternating=alternating)
        assert error > 100 * tol


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
    # p = 4: ‖B^T‖_F from the derived Jordan form against the rule itself (gda_step on
    # f = σxy), and linear growth; the rule just inside the edge is not the Jordan form.
    fro = [float(np.sqrt(_numeric("edge_fro2")(2.0, 1.0, t))) for t in (100, 200, 400)]
    runs = [scalar_power(2.0, 1.0, 1.0, t, alternating=True) for t in (100, 200, 400)]
    for closed, (power, err) in zip(fro, runs, strict=True):
        assert abs(float(np.linalg.norm(power)) - closed) <= err + 1e-15 * closed
        assert err < 1e-9 * closed
    np.testing.assert_allclose(runs[0][0], game_power(np.array([[2.0]]), 1.0, 1.0, 100,
                                                      alternating=True)[0], rtol=0)
    assert fro[2] / fro[1] == pytest.approx(2.0, rel=1e-3)
    inside, err = scalar_power(2.0, 0.99, 1.0, 400, alternating=True)
    assert abs(float(np.linalg.norm(inside)) - fro[2]) > 1e6 * err


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


def test_kernel_moments_second_moment_and_bias_bounds() -> None:
    a = bilinear_matrix(6, 4, SINGULAR_VALUES, seed=3)
    results = []
    for eta_g in (0.5, 1.1):
        second, bias_norm, bias_form = kernel_moments(a, _block(True, eta_g, 1.0), eta_g, 1.0,
                                                      10, alternating=True)
        power = game_power(a, eta_g, 1.0, 10, alternating=True)[0]
        assert second == pytest.approx(float(np.sum(power**2)), rel=1e-12)  # ‖M^T‖_F²
        results.append((second, bias_norm, bias_form))
    assert 0.0 < results[0][1] < 1e-11 * results[0][0]
    assert 0.0 < results[0][2] < 1e-11 * results[0][0]
    assert results[1][1] > 1e3 * results[0][1]  # beyond the edge the run (and bias) grows


@pytest.mark.parametrize("index", [0, 4])  # alternating p_max = 2; simultaneous p_max = 2
def test_simulation_predictions_equal_the_full_game_traces(index: int) -> None:
    point = G1.points[index]
    estimates = G1.simulate(point, Ensemble(seed=3, threads=1), 2000)  # type: ignore[misc]
    a, alternating, eta_g, eta_d = _setup(point)
    assert eta_g * eta_d * SINGULAR_VALUES[0] ** 2 == pytest.approx(2.0, rel=1e-15)
    power = game_power(a, eta_g, eta_d, int(point.params["steps"]),
                       alternating=alternating)[0]
    assert estimates[0].prediction == pytest.approx(float(np.sum(power**2)), rel=1e-12)
    # The balance prediction (from the conservation law, or the derived growth factor)
    # against E[z_TᵀKz_T] = tr((M^T)ᵀKM^T) from the rule's own M^T.
    k = np.block([[np.eye(6) / eta_g, -a / 2 if alternating else np.zeros((6, 4))],
                  [-a.T / 2 if alternating else np.zeros((4, 6)), np.eye(4) / eta_d]])
    assert estimates[1].prediction == pytest.approx(float(np.trace(power.T @ k @ power)),
                                                    rel=1e-12)
    if alternating:
        assert estimates[1].prediction == pytest.approx(6 / eta_g + 4 / eta_d, rel=1e-12)
    for est in estimates:
        assert abs(est.sample.value - est.prediction) < 5 * est.sample.se


def test_rate_check_refutes_a_derived_rho_above_the_measured_rate() -> None:
    # Beyond the edge (p = 4.4, ρ = 1.866) and inside it (p = 2, ρ = 1): the right ρ passes;
    # a ρ just above the measured r_T fails, though a symmetric ρ ± (U − ρ) test accepts it.
    for eta_g in (1.1, 0.5):
        rate = float(block_rates([2.0], eta_g, 1.0, 1000, alternating=True)[0])
        (good,) = _block_rate_checks(True, (2.0,), eta_g, 1.0, 1000)
        assert good.abs_error <= good.tolerance
        rho = spectral_radius(True, 2.0, eta_g, 1.0)
        assert rho <= rate + 1e-12
        width = 2 * good.tolerance
        wrong = rate + 0.05 * width

        def too_large(*args: Any, wrong: float = wrong) -> float:
            return wrong

        (bad,) = _block_rate_checks(True, (2.0,), eta_g, 1.0, 1000, rho_of=too_large)
        assert bad.abs_error > bad.tolerance
        assert abs(wrong - rate) < width / 2  # what the old symmetric test would accept


def test_block_powers_rounding_bound_against_exact_powers() -> None:
    sigmas, steps = [2.0, 0.3], 30
    powers, err = block_powers(_block(True, 0.9, 1.0), sigmas, steps)
    exact_errors = []
    for sig, power in zip(sigmas, powers, strict=True):
        b = [[Fraction(v) for v in row] for row in _block(True, 0.9, 1.0)(sig)]
        p = [[Fraction(1), Fraction(0)], [Fraction(0), Fraction(1)]]
        for _ in range(steps):
            p = [[b[i][0] * p[0][j] + b[i][1] * p[1][j] for j in range(2)] for i in range(2)]
        exact_errors.append(float(np.linalg.norm(power - np.array(p, dtype=float))))
    assert 0.0 < float(np.linalg.norm(exact_errors)) <= err < 1e-12


def test_rate_interval_is_the_henrici_bracket() -> None:
    centre, half = rate_interval(1.0, 0.0, 2, 100, 0.0)  # normal: U = ρ, rounding only
    assert centre == 1.0
    assert 0.0 < half < 1e-14
    centre, half = rate_interval(0.5, 1.0, 2, 100, 1e-16)
    assert centre - half < 0.5 < centre + half
    with pytest.raises(ParameterError) as info:
        rate_interval(0.5, -1.0, 2, 100, 1e-16)
    assert info.value.name == "nu"
    with pytest.raises(ParameterError) as info:
        rate_interval(0.5, 1.0, 0, 100, 1e-16)
    assert info.value.name == "k"


def test_orbit_is_the_matrix_power_and_the_balance_law_holds() -> None:
    a = bilinear_matrix(4, 3, [1.5, 0.5], seed=5)
    z0 = np.random.default_rng(2).standard_normal(7)
    for alternating in (False, True):
        z = orbit(a, z0, 0.4, 0.7, 9, alternating=alternating)
        m9 = np.linalg.matrix_power(_full_matrix(a, 0.4, 0.7, alternating), 9)
        np.testing.assert_allclose(z[-1], m9 @ z0, atol=1e-12)
        drift, tol, scale = orbit_balance(a, 0.4, 0.7, 50, alternating=alternating)
        assert drift <= tol < 1e-11 * scale
    # The other scheme's law fails: simultaneous GDA does not conserve C.
    z = orbit(a, z0, 0.4, 0.7, 20, alternating=False)
    k = np.block([[np.eye(4) / 0.4, -a / 2], [-a.T / 2, np.eye(3) / 0.7]])
    assert abs(z[-1] @ k @ z[-1] - z0 @ k @ z0) > 1.0


@pytest.mark.parametrize(("call", "name"), [
    (lambda: spectral_radius(True, 2.0, -1.0, 1.0), "eta_g"),
    (lambda: spectral_radius(False, 2.0, 1.0, 0.0), "eta_d"),
    (lambda: spectral_radius(True, -2.0, 1.0, 1.0), "sigma"),
    (lambda: spectral_radius(1, 2.0, 1.0, 1.0), "alternating"),  # type: ignore[arg-type]
    (lambda: step_rounding(np.ones((2, 2)), 1.0, -1.0, alternating=True), "eta_d"),
    (lambda: block_path(_block(True, 1.0, 1.0), [1.0, -0.5], 3), "sigmas"),
    (lambda: block_path(lambda s: np.eye(3), [1.0], 3), "block"),
    (lambda: block_rates([1.0], 0.0, 1.0, 10, alternating=True), "eta_g"),
    (lambda: power_rounding(np.ones(3), np.ones(2), 1e-16), "normsf"),
    (lambda: power_rounding(np.ones(3), np.ones(3), -1e-16), "e"),
    (lambda: quadratic_drift_bound(np.ones(3), 1e-16, -1.0, 0.0), "form_norm"),
    (lambda: block_prediction(np.ones((3, 2, 2)), np.eye(4)), "blocks, w"),
    (lambda: orbit(np.ones((2, 2)), np.ones(3), 1.0, 1.0, 3, alternating=True), "z0"),
    (lambda: orbit_balance(np.ones((2, 2)), 1.0, 1.0, 3, alternating=True, seed=-1), "seed"),
    (lambda: scalar_power(0.0, 1.0, 1.0, 3, alternating=True), "sigma"),
    (lambda: gda_step(1.0, 1.0, lambda x, y: y, lambda x, y: x, 1.0, -0.5,
                      alternating=True), "eta_d"),
    (lambda: bilinear_gradients(np.ones(3)), "A"),
])
def test_public_functions_reject_bad_input(call: Any, name: str) -> None:
    with pytest.raises(ParameterError) as info:
        call()
    assert info.value.name == name
    assert "got" in str(info.value)


def test_gda_step_runs_on_sympy_symbols() -> None:
    x, y = sp.symbols("x y")
    assert gda_step(x, y, lambda x, y: y, lambda x, y: x, ETA_G, ETA_D,
                    alternating=False) == (x - ETA_G * y, y + ETA_D * x)


def test_findings_quote_derived_values() -> None:
    rho = spectral_radius(True, 2.0, 1.1, 1.0)  # p = 4.4
    assert f"ρ = {rho:.2f} at 4.4" in " ".join(G1.findings)


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
