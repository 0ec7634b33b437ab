"""GD near a saddle: the rotated quadratic, the escape design, the rounding bounds, and
claim S3 negative-curvature's derived laws against brute force."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lrtheory.claims import saddles
from lrtheory.errors import ParameterError
from lrtheory.models import saddle_escape as se
from lrtheory.montecarlo.runner import Ensemble

# --------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("angle", [0.0, 0.6, 2.0])
def test_rotated_saddle_has_the_prescribed_spectrum(angle: float) -> None:
    h, v = se.rotated_saddle(4.0, -0.5, angle)
    np.testing.assert_array_equal(h, h.T)
    np.testing.assert_allclose(np.linalg.eigvalsh(h), [-0.5, 4.0], rtol=1e-14)
    np.testing.assert_allclose(h @ v, -0.5 * v, atol=1e-15)
    assert np.linalg.norm(v) == pytest.approx(1.0, rel=1e-15)


@pytest.mark.parametrize(("eta", "lam_neg", "ratio"),
                         [(0.1, -1.0, 100.0), (0.3, -0.5, 100.0), (0.1, -0.1, 100.0),
                          (0.5, -2.0, 7.0)])
def test_escape_design_brackets_the_escape_law(eta: float, lam_neg: float, ratio: float) -> None:
    d = se.escape_design(eta, lam_neg, ratio)
    g = 1 + eta * abs(lam_neg)
    assert math.isclose(d.L, math.log(ratio) / math.log(g), rel_tol=1e-14)
    assert d.K == math.floor(d.L) < d.k_star < d.M
    # P(τ > k) = (r/ε)g^{−k} = g^{L−k} past K: within a factor g of 10 % at k*, of e⁻³ at M
    for k, target in ((d.k_star, 0.1), (d.M, math.exp(-3))):
        assert target / g < ratio * g ** (-k) < target * g


@pytest.mark.parametrize(("g", "ratio"), [(1.1, 100.0), (1.01, 100.0), (4.0, 100.0)])
def test_escape_steps_is_the_ceiling_of_the_log_ratio(g: float, ratio: float) -> None:
    assert se.escape_steps(g, ratio) == math.ceil(math.log(ratio) / math.log(g))


def test_growth_flip_bound_covers_a_brute_force_perturbation() -> None:
    """Perturb every start on a fine angle grid by the bound's worst-case offset: the share
    of starts whose decision ‖e_T‖ > ‖e₀‖ changes stays below the bound."""
    q, T, offset = np.array([1.3, 0.4]), 6, 1e-4
    a = q ** (2 * T) - 1
    phi = (np.arange(400_000) + 0.5) * (2 * np.pi / 400_000)
    u = np.stack([np.cos(phi), np.sin(phi)])
    f = a @ (u * u)
    # a relative error δ of e_T and of e₀ moves F by at most |F ± 2δ(‖e_T‖² + 1)|
    e_t = (q[:, None] ** (2 * T) * u * u).sum(axis=0)
    delta = (1 + float(np.max(np.abs(q))) ** T) * offset / 2
    flipped = np.mean(np.abs(f) <= 2 * delta * (e_t + 1))
    bound = se.growth_flip_bound(a, q, T, 0.0, 1 / (2 * np.pi), offset)
    assert 0 < flipped <= bound < 10 * flipped


def test_escape_rounding_bias_is_geometric_in_k_star() -> None:
    mean_b, esc_b = se.escape_rounding_bias(1e-13, 100.0, 1.1, 60)
    assert mean_b == pytest.approx(2 * math.sqrt(2) * 1e-11 * 1.1 / 0.1, rel=1e-14)
    assert esc_b == pytest.approx(2 * math.sqrt(2) * 1e-11 * 1.1**-60, rel=1e-14)


def test_bad_input_names_the_parameter() -> None:
    cases = [
        (lambda: se.rotated_saddle(-1.0, -1.0, 0.0), "lam_pos"),
        (lambda: se.rotated_saddle(1.0, 0.5, 0.0), "lam_neg"),
        (lambda: se.rotated_saddle(1.0, -1.0, math.inf), "angle"),
        (lambda: se.escape_design(0.0, -1.0, 100.0), "eta"),
        (lambda: se.escape_design(0.1, 0.0, 100.0), "lam_neg"),
        (lambda: se.escape_design(0.1, -1.0, 0.5), "ratio"),
        (lambda: se.escape_steps(1.0, 100.0), "growth"),
        (lambda: se.escape_steps(1.1, -1.0), "ratio"),
        (lambda: se.growth_flip_bound(np.array([1.0, 2.0]), np.array([1.1, 1.2]), 3, 0.0, 1.0),
         "a"),
        (lambda: se.growth_flip_bound(np.array([1.0, -2.0]), np.array([1.1, 0.2]), 0, 0.0,
                                      1.0), "steps"),
        (lambda: se.escape_rounding_bias(1e-13, 100.0, 0.9, 5), "growth"),
    ]
    for call, name in cases:
        with pytest.raises(ParameterError, match=rf"^{name} must be"):
            call()


# --------------------------------------------------------------------------------------
# Claim S3's derived laws against brute force
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("k", [0.2, 0.9, 1.0, 2.5])
def test_square_law_matches_a_fine_grid(k: float) -> None:
    u = (np.arange(2000) + 0.5) / 2000
    frac = np.mean(u[:, None] > k * u[None, :])
    assert saddles._s3().square(k) == pytest.approx(frac, abs=1e-3)


@pytest.mark.parametrize(("g", "ratio"), [(1.1, 100.0), (1.01, 100.0), (1.3, 10.0)])
def test_escape_laws_against_direct_sums_and_the_recursion(g: float, ratio: float) -> None:
    f = saddles._s3()
    L = f.escape(g, ratio)
    assert se.escape_steps(g, ratio) == math.ceil(L)
    K, M = math.floor(L), math.floor(L) + 40
    direct = sum(min(1.0, ratio * g ** (-k)) for k in range(M))
    assert f.mean_tau(g, ratio, K, M) == pytest.approx(direct, rel=1e-12)


def test_s3_simulation_is_reproducible_and_near_its_predictions() -> None:
    point = saddles._S3_POINTS[0]
    a = saddles._simulate_s3(point, Ensemble(seed=1, threads=1), 4000)
    b = saddles._simulate_s3(point, Ensemble(seed=1, threads=1), 4000)
    assert [e.sample.value for e in a] == [e.sample.value for e in b]
    for est in a:
        assert abs(est.sample.value - est.prediction) <= 5 * est.sample.se + 1e-12


def test_no_learning_rate_makes_an_indefinite_quadratic_converge() -> None:
    checks = saddles._model_s3(saddles._S3_POINTS[-1])
    assert checks[0].model > 1.0 + 1e3 * checks[0].tolerance
