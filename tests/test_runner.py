"""The ensemble runner: independent of chunking and threads, bounded memory, divergence."""

from __future__ import annotations

import tracemalloc
from typing import Any

import numpy as np
import pytest

from lrtheory.errors import DivergenceError, ParameterError
from lrtheory.montecarlo.backend import get_backend, numpy_backend
from lrtheory.montecarlo.kernels import sgd_diagonal_quadratic
from lrtheory.montecarlo.runner import ChunkRNG, Ensemble

KERNEL = sgd_diagonal_quadratic(0.2, np.array([1.0, 3.0]), 1.0, 50)


def _run(n: int = 20_000, **kw: Any) -> Any:
    return Ensemble(seed=7, block=4096, **kw).run(KERNEL, n)


@pytest.mark.parametrize("chunk", [4096, 8192, 3 * 4096, 10**6])
def test_chunk_size_changes_only_summation_order(chunk: int) -> None:
    ref = _run(chunk=4096, threads=1)
    got = _run(chunk=chunk, threads=1)
    np.testing.assert_allclose(got.mean, ref.mean, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(got.m2, ref.m2, rtol=1e-12)
    np.testing.assert_allclose(got.m4, ref.m4, rtol=1e-11)


def test_thread_count_does_not_change_a_bit() -> None:
    a, b = _run(threads=1), _run(threads=2)
    assert np.array_equal(a.mean, b.mean)
    assert np.array_equal(a.m4, b.m4)


def test_same_seed_same_numbers_other_seed_other_numbers() -> None:
    a, b = _run(), _run()
    c = Ensemble(seed=8, block=4096).run(KERNEL, 20_000)
    assert np.array_equal(a.mean, b.mean)
    assert not np.array_equal(a.mean, c.mean)


def test_streams_of_different_keys_are_independent() -> None:
    """Pilot and main runs use different keys: their means are uncorrelated noise."""
    ens = Ensemble(seed=1)
    a = ens.with_key(0).run(KERNEL, 8192)
    b = ens.with_key(1).run(KERNEL, 8192)
    assert not np.array_equal(a.mean, b.mean)


def test_stationary_variance_of_the_kernel() -> None:
    """Kernel sanity: Var of SGD after many steps equals η s²/(λ(2 − ηλ)) within 5 se."""
    eta, lam = 0.2, np.array([1.0, 3.0])
    m = Ensemble(seed=3).run(sgd_diagonal_quadratic(eta, lam, 1.0, 200), 100_000)
    exact = eta / (lam * (2 - eta * lam))
    assert np.all(np.abs(m.variance - exact) < 5 * m.stderr_variance)


def test_peak_memory_is_independent_of_the_number_of_chains() -> None:
    def peak(n: int) -> int:
        tracemalloc.start()
        Ensemble(seed=0, threads=1).run(sgd_diagonal_quadratic(0.1, np.ones(4), 1.0, 5), n)
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    small, large = peak(50_000), peak(500_000)
    assert large < 1.5 * small, (small, large)


def test_divergence_is_reported_not_returned_as_nan() -> None:
    unstable = sgd_diagonal_quadratic(3.0, np.ones(1), 1.0, 2000)
    with pytest.raises(DivergenceError, match=r"unstable SGD: \d+ chain\(s\) diverged by step \d+"):
        Ensemble(seed=0).run(unstable, 4096, what="unstable SGD")


def test_uniform_and_normal_shapes() -> None:
    def kernel(rng: ChunkRNG) -> Any:
        u = rng.uniform(3)
        z = rng.normal(3)
        assert u.shape == z.shape == (rng.n, 3)
        return np.concatenate([u, z], axis=1)

    m = Ensemble(seed=0).run(kernel, 50_000)
    np.testing.assert_allclose(m.mean[:3], 0.5, atol=0.01)
    np.testing.assert_allclose(m.variance[3:], 1.0, atol=0.03)


@pytest.mark.parametrize(("kw", "name"), [({"seed": -1}, "seed"), ({"chunk": 0}, "chunk"),
                                          ({"threads": -2}, "threads")])
def test_bad_ensemble_parameters(kw: dict[str, int], name: str) -> None:
    with pytest.raises(ParameterError, match=rf"^{name} must be"):
        Ensemble(**kw)


def test_backend_choice() -> None:
    assert get_backend("numpy").name == "numpy"
    assert get_backend("auto").name in ("numpy", "cupy")
    assert numpy_backend().xp is np


def test_cupy_backend_runs_the_same_kernel_when_a_gpu_is_present() -> None:
    cupy = pytest.importorskip("cupy")
    try:
        if cupy.cuda.runtime.getDeviceCount() < 1:
            pytest.skip("no CUDA device")
    except Exception as exc:
        pytest.skip(f"no usable CUDA device: {exc}")
    m = Ensemble(backend=get_backend("cupy"), seed=3).run(
        sgd_diagonal_quadratic(0.2, np.array([1.0]), 1.0, 200), 100_000)
    assert abs(float(m.variance[0]) - 0.2 / 1.8) < 5 * float(m.stderr_variance[0])
