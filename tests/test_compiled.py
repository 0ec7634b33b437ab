"""The compiled (numba) path: NumPy's SFC64 normals bit for bit, the NumPy SGD kernel's
results bit for bit (float64 and float32), divergence reported as the NumPy kernel reports
it, float32 moments against the exact law of x_T, and the NumPy fallback wherever the path
does not apply. numba is an optional extra (``lrtheory[fast]``): the tests that need it skip
without it, the fallback tests run either way.
"""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np
import pytest

from lrtheory.errors import DivergenceError, ParameterError
from lrtheory.montecarlo import compiled
from lrtheory.montecarlo.backend import NormalSource, numpy_backend
from lrtheory.montecarlo.kernels import sgd_diagonal_quadratic
from lrtheory.montecarlo.runner import ChunkRNG, Ensemble
from lrtheory.montecarlo.stats import z_critical

DTYPES = [np.float64, np.float32]


@pytest.fixture
def numba_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """numba importable and the compiled path on (skip otherwise: it is an optional extra)."""
    pytest.importorskip("numba")
    monkeypatch.delenv(compiled.ENV, raising=False)
    assert compiled.available()


def _chunk(seed: int, key: tuple[int, ...], sizes: list[int], dtype: Any,
           bitgen: Any = np.random.SFC64) -> ChunkRNG:
    """A chunk of consecutive blocks of the given sizes (the runner's stream layout)."""
    streams: list[tuple[NormalSource, int, int]] = []
    start = 0
    for b, size in enumerate(sizes):
        ss = np.random.SeedSequence(seed, spawn_key=(*key, b))
        streams.append((np.random.Generator(bitgen(ss)), start, start + size))
        start += size
    return ChunkRNG(numpy_backend(), streams, dtype)


@pytest.mark.usefixtures("numba_on")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fill_draws_numpys_normals_and_leaves_its_state(dtype: Any, seed: int) -> None:
    ours = np.random.Generator(np.random.SFC64(seed))
    theirs = np.random.Generator(np.random.SFC64(seed))
    for gen in (ours, theirs):
        gen.standard_normal(3, dtype=dtype)  # float32: leaves a held 32-bit half
    out = np.empty(400_003, dtype=dtype)  # ≈ 1100 draws from the tail beyond R = 3.65
    assert compiled.fill(ours, out)
    expected = theirs.standard_normal(out.size, dtype=dtype)
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(compiled.sfc64_words(ours), compiled.sfc64_words(theirs))
    assert ours.standard_normal(5, dtype=dtype).tolist() == \
        theirs.standard_normal(5, dtype=dtype).tolist()


@pytest.mark.usefixtures("numba_on")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("d", [1, 3])
def test_compiled_kernel_is_the_numpy_kernel_bit_for_bit(dtype: Any, d: int) -> None:
    lam, x0 = np.linspace(0.5, 1.5, d), np.linspace(-1.0, 2.0, d)
    args = (0.1, lam, 0.7, 77, x0)
    sizes = [1000, 1000, 437]  # a chunk of three blocks, the last one short
    numpy_rng, compiled_rng = _chunk(7, (3,), sizes, dtype), _chunk(7, (3,), sizes, dtype)
    with compiled.numpy_only():
        expected = sgd_diagonal_quadratic(*args)(numpy_rng)
    got = sgd_diagonal_quadratic(*args)(compiled_rng)
    assert got.dtype == expected.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(got, expected)
    # The generators are left where the NumPy kernel left them.
    np.testing.assert_array_equal(compiled_rng.normal(2), numpy_rng.normal(2))


@pytest.mark.usefixtures("numba_on")
@pytest.mark.parametrize("dtype", DTYPES)
def test_ensemble_moments_are_the_numpy_paths(dtype: Any) -> None:
    """Through the runner, chunks on two threads: the merged moments agree exactly."""
    ens = Ensemble(seed=11, key=(2, 5), block=1000, chunk=2500, threads=2, dtype=dtype)
    args = (0.05, np.array([1.0, 3.0]), 1.3, 40, np.array([0.5, -0.5]))
    with compiled.numpy_only():
        expected = ens.run(sgd_diagonal_quadratic(*args), 5300)
    got = ens.run(sgd_diagonal_quadratic(*args), 5300)
    for a, b in ((got.mean, expected.mean), (got.m2, expected.m2), (got.m4, expected.m4)):
        np.testing.assert_array_equal(a, b)


@pytest.mark.usefixtures("numba_on")
@pytest.mark.parametrize("dtype", DTYPES)
def test_divergence_is_reported_with_the_numpy_kernels_step_and_count(dtype: Any) -> None:
    # |1 − ηλ| = 1.5 in the second coordinate: it overflows (float32 near step 220,
    # float64 near step 1750); the same chains at the same check on both paths.
    args = (2.5, np.array([0.5, 1.0]), 1.0, 3000)
    errors = []
    for numpy_path in (True, False):
        kernel = sgd_diagonal_quadratic(*args)
        with pytest.raises(DivergenceError) as info, np.errstate(over="ignore", invalid="ignore"), \
                compiled.numpy_only() if numpy_path else contextlib.nullcontext():
            kernel(_chunk(0, (), [300, 200], dtype))  # the runner silences overflow so
        errors.append(info.value)
    assert errors[0].step == errors[1].step
    assert errors[0].n_chains == errors[1].n_chains >= 1
    assert errors[1].step is not None
    assert errors[1].step % 32 == 0


@pytest.mark.usefixtures("numba_on")
def test_float32_final_distribution_has_the_exact_moments() -> None:
    """x_{t+1} = c x_t − ηs ξ_t from x₀: x_T ~ N(c^T x₀, η²s²(1 − c^{2T})/(1 − c²)), c = 1 − ηλ.
    Mean and variance of 2·10⁵ float32 chains, z-tests at a family-wise level of 10⁻³ (four
    tests); a wrong contraction, noise scale or stream would fail them."""
    eta, s, steps, n = 0.1, 2.0, 30, 200_000
    lam, x0 = np.array([1.0, 4.0]), np.array([3.0, -2.0])
    c = 1.0 - eta * lam
    mean = c**steps * x0
    var = (eta * s) ** 2 * (1.0 - c ** (2 * steps)) / (1.0 - c**2)
    ens = Ensemble(seed=5, dtype=np.float32)
    m = ens.run(sgd_diagonal_quadratic(eta, lam, s, steps, x0), n)
    z = z_critical(1e-3 / 4)
    sample_var = m.m2 / (n - 1)
    assert np.all(np.abs(m.mean - mean) <= z * np.sqrt(var / n)), (m.mean, mean)
    # A Gaussian sample variance has standard error σ²·√(2/(n − 1)).
    assert np.all(np.abs(sample_var - var) <= z * var * np.sqrt(2.0 / (n - 1))), (sample_var, var)


@pytest.mark.usefixtures("numba_on")
def test_streams_it_does_not_cover_fall_back_to_numpy() -> None:
    args = (0.1, np.ones(2), 1.0, 10)
    kernel = sgd_diagonal_quadratic(*args)
    # A generator other than SFC64: nothing drawn by the compiled path, the NumPy kernel runs.
    rng = _chunk(3, (), [50], np.float64, np.random.PCG64)
    y = np.zeros((50, 2))
    assert not compiled.advance_sgd(rng, np.full(2, 0.9), y, 10)
    with compiled.numpy_only():
        expected = sgd_diagonal_quadratic(*args)(_chunk(3, (), [50], np.float64,
                                                        np.random.PCG64))
    np.testing.assert_array_equal(kernel(rng), expected)
    # A state of the wrong dtype or shape is refused, not converted.
    sfc = _chunk(3, (), [50], np.float64)
    assert not compiled.advance_sgd(sfc, np.full(2, 0.9), np.zeros((50, 2), np.float32), 10)
    assert not compiled.advance_sgd(sfc, np.full(3, 0.9), np.zeros((50, 2)), 10)
    assert not compiled.fill(np.random.default_rng(0), np.empty(4))  # PCG64


@pytest.mark.parametrize("switch", ["env", "context"])
def test_switched_off_it_is_the_numpy_kernel(switch: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs with or without numba: switched off, the kernel runs its array code."""
    args = (0.1, np.array([1.0, 2.0]), 0.5, 20)
    expected = sgd_diagonal_quadratic(*args)(_chunk(1, (4,), [64, 16], np.float64))
    rng = _chunk(1, (4,), [64, 16], np.float64)
    if switch == "env":
        monkeypatch.setenv(compiled.ENV, "0")
        assert not compiled.available()
        got = sgd_diagonal_quadratic(*args)(rng)
    else:
        with compiled.numpy_only():
            assert not compiled.available()
            got = sgd_diagonal_quadratic(*args)(rng)
    np.testing.assert_array_equal(got, expected)


def test_without_numba_nothing_is_compiled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compiled, "_kernels", lambda: None)
    assert not compiled.installed()
    assert not compiled.available()
    assert not compiled.warm_up()
    assert not compiled.fill(np.random.Generator(np.random.SFC64(0)), np.empty(3))
    args = (0.2, np.ones(1), 1.0, 5)
    got = sgd_diagonal_quadratic(*args)(_chunk(0, (), [10], np.float32))
    monkeypatch.undo()
    with compiled.numpy_only():
        expected = sgd_diagonal_quadratic(*args)(_chunk(0, (), [10], np.float32))
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"eta": -0.1}, "eta"), ({"eta": float("nan")}, "eta"), ({"noise_sd": 0.0}, "noise_sd"),
    ({"steps": -1}, "steps"), ({"steps": 2.5}, "steps"), ({"curvatures": "ones"}, "curvatures"),
    ({"curvatures": [1.0, np.inf]}, "curvatures"), ({"x0": [1.0, 2.0, 3.0]}, "x0"),
])
def test_bad_input_is_a_parameter_error(kwargs: dict[str, Any], name: str) -> None:
    args: dict[str, Any] = {"eta": 0.1, "curvatures": np.ones(2), "noise_sd": 1.0, "steps": 3,
                            "x0": None, **kwargs}
    with pytest.raises(ParameterError) as info:
        sgd_diagonal_quadratic(**args)
    assert info.value.name == name
