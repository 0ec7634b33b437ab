"""G4's per-level model (lrtheory.models.noise_levels): rates, exact moments, the rescaled SGD
kernel, GD's factor, step counts and the shared rate's threshold; and G4's derived forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from lrtheory.claims.noise_levels import LEVELS, _form, _g4
from lrtheory.errors import ParameterError
from lrtheory.models import lyapunov as lyap
from lrtheory.models.convergence import geometric_steps
from lrtheory.models.noise_levels import (
    gd_factor,
    gd_factor_rounding,
    gd_steps,
    level_moments,
    level_rates,
    per_level_sgd,
    shared_rate_threshold,
)
from lrtheory.montecarlo.backend import numpy_backend
from lrtheory.montecarlo.runner import ChunkRNG, Ensemble

CURV = np.array([0.003, 0.2, 1.7, 40.0])


def _rng(seed: int, n: int) -> ChunkRNG:
    backend = numpy_backend()
    return ChunkRNG(backend, [(backend.generator(np.random.SeedSequence(seed)), 0, n)],
                    np.float64)


def test_rates_per_level_and_shared() -> None:
    np.testing.assert_allclose(level_rates(CURV, 0.5, "per-level") * CURV, 0.5, rtol=1e-15)
    shared = level_rates(CURV, 0.5, "shared")
    assert np.all(shared == 0.5 / 40.0)
    # Per level every factor is 1 − r; shared, the flat levels barely move.
    assert np.allclose(1 - level_rates(CURV, 0.5, "per-level") * CURV, 0.5)
    assert 1 - shared[0] * CURV[0] > 0.9999


@pytest.mark.parametrize(("args", "name"), [
    ((CURV, 0.5, "global"), "rule"),
    ((CURV, -0.5, "shared"), "r"),
    ((np.array([1.0, -2.0]), 0.5, "shared"), "curvatures"),
    ((np.array([[1.0]]), 0.5, "shared"), "curvatures"),
])
def test_bad_input_names_the_parameter(args: tuple[object, ...], name: str) -> None:
    with pytest.raises(ParameterError, match=name):
        level_rates(*args)  # type: ignore[arg-type]


def test_moments_match_the_closed_forms_and_the_shared_recursion() -> None:
    rng = np.random.default_rng(3)
    etas = rng.uniform(0.1, 1.9, CURV.size) / CURV
    sd, e0, steps = rng.uniform(0.1, 2.0, CURV.size), rng.normal(size=CURV.size), 37
    mean, var = level_moments(CURV, etas, sd, e0, steps)
    assert mean.shape == var.shape == (steps + 1, CURV.size)
    q = 1 - etas * CURV
    t = np.arange(steps + 1)[:, None]
    np.testing.assert_allclose(mean, q**t * e0, rtol=1e-12)
    closed = (etas * sd) ** 2 * (1 - q ** (2 * t)) / (1 - q**2)
    np.testing.assert_allclose(var, closed, rtol=1e-11, atol=1e-300)
    # The derived (lambdified) forms give the same, and so does the shared 1-D recursion.
    np.testing.assert_allclose(_form("path")(etas, CURV, sd, 0.0, steps), var[-1], rtol=1e-11)
    np.testing.assert_allclose(_form("mean")(etas, CURV, sd, e0, steps), mean[-1], rtol=1e-12)
    for j in range(CURV.size):
        path = lyap.variance_path(float(etas[j]), float(CURV[j]), float(sd[j] ** 2), steps)
        np.testing.assert_allclose(var[:, j], path, rtol=1e-12)


def test_rescaled_kernel_is_per_level_sgd_draw_for_draw() -> None:
    """x = e/(ησ) turns per-level rates into one shared rate: the kernel must reproduce a
    direct per-level loop on the same normals to rounding."""
    etas, sd, e0, steps, n = 0.7 / CURV, 0.3 * CURV, np.array([1.0, -2.0, 0.5, 3.0]), 9, 500
    got = per_level_sgd(CURV, etas, sd, e0, steps)(_rng(11, n))
    rng = _rng(11, n)
    e = np.tile(e0, (n, 1))
    for _ in range(steps):
        e = e - etas * (CURV * e + sd * rng.normal(CURV.size))
    np.testing.assert_allclose(got, e, rtol=1e-10, atol=1e-12)


def test_kernel_moments_agree_with_the_exact_moments() -> None:
    etas, sd, e0, steps = level_rates(CURV, 0.5, "per-level"), 0.1 * CURV, 1.0, 5
    m = Ensemble(seed=2).run(per_level_sgd(CURV, etas, sd, e0, steps), 40_000)
    mean, var = level_moments(CURV, etas, sd, e0, steps)
    z_mean = (m.mean - mean[-1]) / m.stderr_mean
    z_var = (m.variance - var[-1]) / m.stderr_variance
    assert np.all(np.abs(z_mean) < 5)
    assert np.all(np.abs(z_var) < 5)
    # Every level: c²Var/σ² = r(1 − (1 − r)^{2T})/(2 − r), the same number.
    np.testing.assert_allclose(var[-1] * CURV**2 / sd**2, 0.5 * (1 - 0.5**10) / 1.5, rtol=1e-12)


def test_kernel_rejects_zero_noise() -> None:
    with pytest.raises(ParameterError, match="noise_sd"):
        per_level_sgd(CURV, 0.5 / CURV, 0.0, 1.0, 3)


@pytest.mark.parametrize("seed", range(5))
def test_counted_steps_equal_the_geometric_count(seed: int) -> None:
    rng = np.random.default_rng(seed)
    c, tol = float(rng.uniform(0.01, 10)), 10 ** -float(rng.uniform(1, 6))
    eta = float(rng.uniform(0.05, 1.95)) / c
    n = math.log(tol) / math.log(abs(1 - eta * c))
    if abs(n - round(n)) > 1e-6:  # the count is exact away from integer crossings
        assert gd_steps(c, eta, tol, 10**6) == geometric_steps(abs(1 - eta * c), tol)


def test_shared_rate_slowdown_of_the_flattest_level() -> None:
    eta = 0.5 / max(LEVELS)
    counts = [gd_steps(c, eta, 1e-3, 10**5) for c in LEVELS]
    assert counts == [13813, 1379, 135, 10]
    # κ(−ln(1 − r))/r with κ = 1000, r = 0.5: within r/(2κ) of the exact ratio.
    assert counts[0] / counts[-1] == pytest.approx(1000 * math.log(2) / 0.5, rel=5e-3)


@pytest.mark.parametrize("eta_c", [0.3, 0.999, 1.0, 1.001, 1.7])
def test_gd_factor_is_within_its_rounding_bound_of_the_exact_factor(eta_c: float) -> None:
    for c in (0.01, 1.0, 37.0):
        eta = eta_c / c
        q = abs(1.0 - eta * c)  # the float factor; exact |1 − ηc| differs by ≤ 2ε
        bound = gd_factor_rounding(c, eta)
        assert abs(gd_factor(c, eta, 50) - q) <= bound
        assert bound <= 8 * np.finfo(float).eps * (q + eta_c)  # a few ε: tight enough to refute


def test_shared_rate_threshold_is_two_over_the_stiffest_curvature() -> None:
    value, tol = shared_rate_threshold(CURV, 60)
    assert abs(value - 2.0 / CURV.max()) <= tol
    assert tol < 1e-9 * value
    # A wrong threshold (the second-stiffest level's 2/c) lies far outside the tolerance.
    assert abs(value - 2.0 / CURV[-2]) > 1e3 * tol


@pytest.mark.parametrize(("call", "name"), [
    (lambda: gd_factor(-1.0, 0.1, 5), "c"),
    (lambda: gd_factor(1.0, 0.1, 0), "steps"),
    (lambda: gd_steps(1.0, 0.1, 0.0, 5), "tol"),
    (lambda: gd_factor_rounding(1.0, 0.0), "eta"),
    (lambda: shared_rate_threshold([1.0, 0.0], 10), "curvatures"),
])
def test_gd_functions_reject_bad_input(call: object, name: str) -> None:
    with pytest.raises(ParameterError, match=name):
        call()  # type: ignore[operator]


def test_derived_forms() -> None:
    derivation, forms = _g4()
    eta, c, sigma = sp.symbols("eta c sigma", positive=True)
    r = sp.Symbol("r", positive=True)
    stat = forms["stationary"].subs(eta, r / c)
    assert sp.simplify(stat - r * sigma**2 / (c**2 * (2 - r))) == 0
    assert sp.simplify(forms["factor"].subs(eta, r / c) - (1 - r)) == 0
    assert len(derivation.identities) >= 15
