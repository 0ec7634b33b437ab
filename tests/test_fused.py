"""Fused kernels: Philox4x32-10, its normals, the CPU reference against exact moments and
laws, the CUDA source compiled (nvcc) and run as host code (g++), and the GPU kernels
against the reference (``-m gpu``; skipped without CuPy and a device). About 10 s on CPU.

Every statistical check is a two-sided test at the fixed level ALPHA = 10⁻³ (z-tests with
their standard errors, Kolmogorov–Smirnov p-values); seeds are fixed, so a run is
deterministic and the level says how unlikely a pass by chance would be for a wrong law.
"""

from __future__ import annotations

import ctypes
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import stats

from lrtheory.errors import DivergenceError, ParameterError, UnknownNameError
from lrtheory.models import clipping
from lrtheory.models.nqm import expected_loss, heavy_ball_second_moments, sgd_second_moments
from lrtheory.montecarlo import cuda_source, fused, philox
from lrtheory.montecarlo.moments import Moments
from lrtheory.montecarlo.stats import z_critical

ALPHA = 1e-3
Z = z_critical(ALPHA)
DTYPES = [np.float64, np.float32]

# Random123's tests/kat_vectors, the three "philox4x32 10" lines: counter, key, output.
KAT = [
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((0xFFFFFFFF,) * 4, (0xFFFFFFFF,) * 2, (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
     (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)),
]


def _z(estimate: float, se: float, prediction: float) -> float:
    return (estimate - prediction) / se


def _assert_same(a: Moments, b: Moments) -> None:
    assert a.n == b.n
    for x, y in ((a.mean, b.mean), (a.m2, b.m2), (a.m3, b.m3), (a.m4, b.m4)):
        assert np.array_equal(x, y)


def _counts(n: int) -> np.ndarray[Any, Any]:
    c = np.full(-(-n // cuda_source.BLOCK), cuda_source.BLOCK, dtype=np.int64)
    c[-1] = n - cuda_source.BLOCK * (c.size - 1)
    return c


# --------------------------------------------------------------------------------------
# Philox and its normals
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("counter", "key", "expected"), KAT)
def test_philox_known_answers(counter: Any, key: Any, expected: Any) -> None:
    words = philox.philox4x32(tuple(np.array([c], dtype=np.uint32) for c in counter), key)
    assert [int(w[0]) for w in words] == list(expected)


def test_counter_layout_reaches_the_high_words() -> None:
    """Block b of chain c is Philox of (b lo, b hi, c lo, c hi) (module docstring), for
    indices past 2³² too; a slice of a stream is the same slice of the whole stream."""
    key, chain, block = (7, 11), 2**33 + 5, 2**32 + 3
    got = philox.blocks(key, [chain], block, 2)
    for j in range(2):
        b = block + j
        want = philox.philox4x32((b % 2**32, b >> 32, chain % 2**32, chain >> 32), key)
        assert [int(w[0, j]) for w in got] == [int(w) for w in want]
    for dt in DTYPES:
        whole = philox.normals(key, np.arange(5), 0, 40, dt)
        assert np.array_equal(whole[:, 7:30], philox.normals(key, np.arange(5), 7, 23, dt))


@pytest.mark.parametrize("dtype", DTYPES)
def test_normals_are_standard_normal(dtype: Any) -> None:
    """2¹⁸ normals (512 chains × 512 positions): KS, mean, variance, fourth moment and the
    lag-1 correlations along a stream and across neighbouring chains."""
    z = philox.normals(philox.stream_keys(5).noise, np.arange(512) + 2**32 - 256, 1,
                       512, dtype)
    assert z.dtype == dtype
    x = z.astype(np.float64).ravel()
    n = x.size
    assert stats.kstest(x, "norm").pvalue > ALPHA
    assert abs(_z(x.mean(), 1 / np.sqrt(n), 0.0)) < Z
    assert abs(_z((x**2).mean(), np.sqrt(2 / n), 1.0)) < Z  # Var z² = 2
    assert abs(_z((x**4).mean(), np.sqrt(96 / n), 3.0)) < Z  # Var z⁴ = 105 − 9
    along = (z[:, 1:] * z[:, :-1]).astype(np.float64)
    across = (z[1:] * z[:-1]).astype(np.float64)
    for prod in (along, across):
        assert abs(_z(prod.mean(), 1 / np.sqrt(prod.size), 0.0)) < Z
    bound = 8.58 if dtype == np.float64 else 5.78  # √(−2 ln 2⁻⁵³), √(−2 ln 2⁻²⁴)
    assert np.abs(x).max() < bound


# --------------------------------------------------------------------------------------
# Block reduction
# --------------------------------------------------------------------------------------


def test_block_moments_are_the_moments_even_far_from_zero() -> None:
    """Shifted power sums lose nothing to cancellation: data at 10⁶ ± 1."""
    x = 1e6 + np.random.default_rng(0).standard_normal((1000, 2)) * [1.0, 1e-3]
    got = fused.block_moments(_counts(1000), *fused.block_sums(x))
    ref = Moments.of(x)
    np.testing.assert_allclose(got.mean, ref.mean, rtol=1e-15)
    for a, b in ((got.m2, ref.m2), (got.m3, ref.m3), (got.m4, ref.m4)):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9 * np.abs(b).max())


# --------------------------------------------------------------------------------------
# The CPU reference against exact results
# --------------------------------------------------------------------------------------

LAM, SD, X0 = np.array([0.5, 2.0]), np.array([1.0, 0.5]), np.array([1.0, -0.5])
N = 2**15


def _check_quadratic(problem: fused.Quadratic, mean: Any, second: Any, dtype: Any) -> None:
    """Per-coordinate mean and variance and the mean loss against the exact values (z-tests),
    the standardized x_T against N(0, 1) (KS), and a 5 % negative control on the variance."""
    values = fused.chains(problem, 0, N, seed=3, dtype=dtype)
    m = fused.run(problem, N, seed=3, dtype=dtype, backend="numpy", chunk=4096, threads=2)
    _assert_same(m, fused.block_moments(_counts(N), *fused.block_sums(values)))
    var = second - mean**2
    for i in range(2):
        assert abs(_z(m.mean[i], np.sqrt(var[i] / N), mean[i])) < Z
        assert abs(_z(m.variance[i], m.stderr_variance[i], var[i])) < Z
        assert abs(_z(m.variance[i], m.stderr_variance[i], 1.05 * var[i])) > Z  # control
        assert stats.kstest((values[:, i] - mean[i]) / np.sqrt(var[i]), "norm").pvalue > ALPHA
    loss = float(expected_loss(LAM, second))
    assert abs(_z(m.mean[2], m.stderr_mean[2], loss)) < Z


@pytest.mark.parametrize("dtype", DTYPES)
def test_sgd_reference_matches_the_exact_second_moments(dtype: Any) -> None:
    eta, steps = 0.2, 60
    problem = fused.quadratic_problem(eta, LAM, SD, steps, X0)
    mean = (1 - eta * LAM) ** steps * X0
    second = sgd_second_moments(LAM, SD**2, np.full(steps, eta), m0=X0**2)[-1]
    _check_quadratic(problem, mean, second, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_heavy_ball_reference_matches_the_exact_second_moments(dtype: Any) -> None:
    eta, beta, steps = 0.1, 0.6, 80
    problem = fused.quadratic_problem(eta, LAM, SD, steps, X0, beta)
    x, v = X0.copy(), np.zeros(2)
    for _ in range(steps):  # the noise-free iteration is the mean
        v = beta * v - eta * LAM * x
        x = x + v
    second = heavy_ball_second_moments(LAM, SD**2, np.full(steps, eta), beta, m0=X0**2)[-1]
    _check_quadratic(problem, x, second, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_clipped_gd_lands_on_the_derived_amplitude_law(dtype: Any) -> None:
    """Clipped GD at ηλ = 2.5 from x₀ uniform on [−NηC, NηC]: the amplitude's mean is
    clipping.mean_amplitude (z-test) and its law the derived one (KS). The derived tail
    P(amplitude > A − δ) is affine in δ over its range (checked on a grid): the amplitude is
    uniform on [ηC/2, A]. T = 100 steps leave a truncation bias below 10⁻¹³."""
    eta, lam, c, steps = 0.5, 5.0, 1.0, 100
    half = clipping.N_PERIODS * eta * c
    problem = fused.map_problem("linear", eta, lam, 0.0, steps, (-half, half), c)
    amp = fused.chains(problem, 0, N, seed=4, dtype=dtype)[:, 2]
    low, top = eta * c / 2, clipping.max_amplitude(eta, lam, c)
    fractions = np.array([0.1, 0.3, 0.5, 0.7, 0.9])
    tails = [clipping.tail_probability(eta, lam, c, f * (top - low)) for f in fractions]
    np.testing.assert_allclose(tails, fractions, rtol=1e-12)
    se = amp.std(ddof=1) / np.sqrt(N)
    assert clipping.truncation_bias(eta, lam, c, steps, 0.1 * (top - low))[0] < se / 100
    assert abs(_z(amp.mean(), se, clipping.mean_amplitude(eta, lam, c))) < Z
    assert stats.kstest(amp, "uniform", args=(low, top - low)).pvalue > ALPHA


def test_linear_map_is_sgd_bit_for_bit_and_the_other_maps_find_their_minima() -> None:
    """The 1-D map with g = λx and no clip draws the same normals as SGD in one dimension and
    updates in the same floating-point order: identical x_T. Without noise, double_well
    (minima ±1) and cubic (minimum 0, barrier at 1) converge to their minima."""
    sgd = fused.quadratic_problem(0.3, 1.5, 0.7, 50, 0.4)
    line = fused.map_problem("linear", 0.3, 1.5, 0.7, 50, (0.4, 0.4))
    assert np.array_equal(fused.chains(sgd, 5, 300)[:, 0], fused.chains(line, 5, 300)[:, 0])
    well = fused.chains(fused.map_problem("double_well", 0.1, 1.0, 0.0, 400, (0.05, 1.9)), 0, 300)
    np.testing.assert_allclose(well[:, 0], 1.0, atol=1e-12)
    cubic = fused.chains(fused.map_problem("cubic", 0.1, 1.0, 0.0, 400, (-0.5, 0.9)), 0, 300)
    np.testing.assert_allclose(cubic[:, 0], 0.0, atol=1e-9)


# --------------------------------------------------------------------------------------
# Engineering: invariance, reproducibility, divergence, validation
# --------------------------------------------------------------------------------------

SMALL = fused.quadratic_problem(0.2, [1.0, 3.0], 1.0, 20, beta=0.3)


@pytest.mark.parametrize(("chunk", "threads"), [(256, 1), (1000, 2), (8192, 2)])
def test_chunks_and_threads_change_no_bit(chunk: int, threads: int) -> None:
    """A block's sums are formed identically in any chunk, and the blocks are merged in one
    pass: not even the summation order changes."""
    ref = fused.run(SMALL, 5000, seed=2, backend="numpy", chunk=4096, threads=1)
    _assert_same(fused.run(SMALL, 5000, seed=2, backend="numpy", chunk=chunk, threads=threads),
                 ref)


def test_merge_groups_bound_memory_and_stay_chunk_free() -> None:
    """Past MERGE_GROUP blocks the sums are turned into Moments group by group (fixed block
    ranges, whatever the chunks): same bits for any chunking, the sample's moments to
    rounding."""
    n = fused.MERGE_GROUP * cuda_source.BLOCK + 300
    one_step = fused.quadratic_problem(0.5, 1.0, 1.0, 1, 2.0)
    a = fused.run(one_step, n, backend="numpy", chunk=2**17)
    _assert_same(a, fused.run(one_step, n, backend="numpy", chunk=2**20 + 2**16, threads=1))
    ref = Moments.of(fused.chains(one_step, 0, n))
    for x, y in ((a.mean, ref.mean), (a.m2, ref.m2), (a.m3, ref.m3), (a.m4, ref.m4)):
        np.testing.assert_allclose(x, y, rtol=1e-11, atol=1e-9 * np.abs(y).max())


def test_same_seed_same_numbers_other_seed_or_key_other_numbers() -> None:
    a = fused.run(SMALL, 600, seed=2, backend="numpy")
    _assert_same(a, fused.run(SMALL, 600, seed=2, backend="numpy"))
    for other in (fused.run(SMALL, 600, seed=3, backend="numpy"),
                  fused.run(SMALL, 600, seed=2, backend="numpy", key=(1,))):
        assert not np.array_equal(a.mean, other.mean)


def test_divergence_is_reported_with_the_chain_count() -> None:
    unstable = fused.quadratic_problem(1.0, [1.0, 2.5], 1.0, 2000)  # |1 − ηλ| = 1.5
    with pytest.raises(DivergenceError, match="300 chain"):
        fused.run(unstable, 300, backend="numpy")


@pytest.mark.parametrize(("call", "name"), [
    (lambda: fused.quadratic_problem(-0.1, 1.0, 1.0, 10), "eta"),
    (lambda: fused.quadratic_problem(np.ones(3), 1.0, 1.0, 10), "eta"),
    (lambda: fused.quadratic_problem(0.1, [1.0, np.nan], 1.0, 10), "curvatures"),
    (lambda: fused.quadratic_problem(0.1, np.ones(1025), 1.0, 10), "curvatures"),
    (lambda: fused.quadratic_problem(0.1, [1.0, 2.0], [1.0, 2.0, 3.0], 10), "noise_sd"),
    (lambda: fused.quadratic_problem(0.1, 1.0, 1.0, 10, beta=1.0), "beta"),
    (lambda: fused.quadratic_problem(0.1, 1.0, 1.0, 0), "steps"),
    (lambda: fused.map_problem("linear", 0.1, 1.0, 0.0, 10, (1.0, 0.0)), "start[1]"),
    (lambda: fused.map_problem("linear", 0.1, 1.0, 0.0, 10, (0.0, 1.0), clip=0.0), "clip"),
    (lambda: fused.run(SMALL, 100, dtype=np.float16, backend="numpy"), "dtype"),
    (lambda: fused.run(SMALL, 1, backend="numpy"), "n_chains"),
    (lambda: fused.quadratic_problem("fast", 1.0, 1.0, 10), "eta"),
    (lambda: fused.quadratic_problem(0.1, "steep", 1.0, 10), "curvatures"),
    (lambda: fused.quadratic_problem(0.1, [[1.0]], 1.0, 10), "curvatures"),
    (lambda: fused.quadratic_problem(0.1, 1.0, -1.0, 10), "noise_sd"),
    (lambda: fused.map_problem("cubic", 0.1, 1.0, 0.0, 10, 0.5), "start"),
    (lambda: fused.map_problem("cubic", 0.1, 1.0, 0.0, 10, (0.0, 1.0), clip="big"), "clip"),
])
def test_bad_input_names_the_parameter(call: Any, name: str) -> None:
    with pytest.raises(ParameterError) as info:
        call()
    assert info.value.name == name


def test_unknown_gradient() -> None:
    with pytest.raises(UnknownNameError, match="double_well"):
        fused.map_problem("quartic", 0.1, 1.0, 0.0, 10, (0.0, 1.0))


# --------------------------------------------------------------------------------------
# The CUDA source on this machine: compiled by nvcc, and its device code run as host code
# --------------------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("nvcc") is None, reason="nvcc is not installed")
@pytest.mark.parametrize(("double", "defines"), [
    (True, {"d": 100, "momentum": True}), (False, {"gkind": 2})])
def test_nvcc_compiles_the_kernels_for_hopper(tmp_path: Path, double: bool,
                                              defines: dict[str, Any]) -> None:
    """Device code for sm_90 (H100) with every warning an error (PTX → SASS by ptxas)."""
    cu = tmp_path / "fused.cu"
    cu.write_text(cuda_source.source(double, **defines))
    done = subprocess.run(["nvcc", "-cubin", "-arch=sm_90", "-Werror", "all-warnings",
                           str(cu), "-o", str(tmp_path / "fused.cubin")],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


DRIVER = r"""
extern "C" void words(const u32* c, u32 k0, u32 k1, u32* out) {
    u32 w[4] = {c[0], c[1], c[2], c[3]};
    philox4x32_10(w, k0, k1);
    for (int i = 0; i < 4; ++i) out[i] = w[i];
}
extern "C" void normals(u32 k0, u32 k1, u64 chain, int count, REAL* out) {
    NormalStream s; stream_init(&s, k0, k1, chain);
    for (int i = 0; i < count; ++i) out[i] = stream_next(&s);
}
extern "C" void quad(const REAL* rates, int T, const REAL* lam, const REAL* sd, const REAL* x0,
                     REAL beta, int d, u32 k0, u32 k1, u64 first, u64 n, double* out) {
    for (u64 c = 0; c < n; ++c) {  /* the body of diag_quadratic, minus the reduction */
        NormalStream s; stream_init(&s, k0, k1, first + c);
        double loss = 0.0;
        for (int i = 0; i < d; ++i) {
            double xt = (double)quad_coordinate(&s, rates, T, lam[i], sd[i], x0[i], beta);
            loss += 0.5 * (double)lam[i] * xt * xt;
            out[c * (d + 1) + i] = xt;
        }
        out[c * (d + 1) + d] = loss;
    }
}
extern "C" void map(const REAL* rates, int T, REAL lam, REAL sd, REAL clip, double lo,
                    double hi, u32 k0, u32 k1, u32 ks0, u32 ks1, u64 first, u64 n,
                    double* out) {
    for (u64 c = 0; c < n; ++c) {  /* the body of map1d, minus the reduction */
        NormalStream s; stream_init(&s, k0, k1, first + c);
        REAL x = (REAL)(lo + (hi - lo) * start_uniform(ks0, ks1, first + c)), prev, last;
        map_chain(&s, rates, T, lam, sd, clip, x, &prev, &last);
        out[c * 3] = last; out[c * 3 + 1] = prev;
        out[c * 3 + 2] = fmax(fabs((double)last), fabs((double)prev));
    }
}
"""


def _host_library(tmp: Path, double: bool, momentum: bool, gkind: int) -> ctypes.CDLL:
    device = cuda_source.source(double, momentum=momentum, gkind=gkind)
    cpp = tmp / f"host_{int(double)}{int(momentum)}{gkind}.cpp"
    cpp.write_text(cuda_source.host_harness() + device[:device.index(cuda_source.KERNELS)]
                   + DRIVER)
    lib = cpp.with_suffix(".so")
    subprocess.run(["g++", "-O2", "-shared", "-fPIC", str(cpp), "-o", str(lib)], check=True)
    return ctypes.CDLL(str(lib))


def _ptr(a: np.ndarray[Any, Any]) -> ctypes.c_void_p:
    return ctypes.c_void_p(a.ctypes.data)


@pytest.mark.skipif(shutil.which("g++") is None, reason="g++ is not installed")
@pytest.mark.parametrize(("double", "momentum", "gkind"), [
    (True, False, 0), (True, True, 1), (True, False, 2), (False, True, 1)])
def test_device_code_run_on_the_host_matches_the_reference(
        tmp_path: Path, double: bool, momentum: bool, gkind: int) -> None:
    """The CUDA source's own Philox, Box–Muller and update rules, compiled by g++: the KAT
    words exactly, the normals to 4 ulp (the host's log, sin, cos against NumPy's), and
    every chain's statistics to rounding against the NumPy reference."""
    lib = _host_library(tmp_path, double, momentum, gkind)
    u32, u64 = ctypes.c_uint32, ctypes.c_uint64
    for counter, key, expected in KAT:
        out = np.zeros(4, dtype=np.uint32)
        lib.words(_ptr(np.array(counter, dtype=np.uint32)), u32(key[0]), u32(key[1]), _ptr(out))
        assert out.tolist() == list(expected)
    dtype = np.float64 if double else np.float32
    keys = philox.stream_keys(9, (2,))
    k0, k1, ks0, ks1 = (u32(k) for k in (*keys.noise, *keys.start))
    for chain in (0, 2**32 + 7):
        z = np.empty(203, dtype=dtype)
        lib.normals(k0, k1, u64(chain), 203, _ptr(z))
        ref = philox.normals(keys.noise, [chain], 0, 203, dtype)[0]
        np.testing.assert_array_max_ulp(z, ref, maxulp=4)
    tol = {"rtol": 1e-12, "atol": 1e-14} if double else {"rtol": 2e-5, "atol": 1e-6}
    first, n = 2**32 - 40, 80
    quad = fused.quadratic_problem(0.15, [0.5, 2.0], [1.0, 0.3], 40, [1.0, -2.0],
                                   0.5 if momentum else 0.0)
    got = np.empty((n, 3))
    arrays = [a.astype(dtype) for a in (quad.rates, quad.lam, quad.sd, quad.x0)]  # kept alive
    real = {np.float64: ctypes.c_double, np.float32: ctypes.c_float}[dtype]
    lib.quad(*map(_ptr, arrays[:1]), 40, *map(_ptr, arrays[1:]), real(quad.beta), 2, k0, k1,
             u64(first), u64(n), _ptr(got))
    np.testing.assert_allclose(got, fused.chains(quad, first, n, 9, (2,), dtype), **tol)
    g = next(name for name, (k, _) in cuda_source.GRADIENTS.items() if k == gkind)
    one = fused.map_problem(g, 0.1, 0.8, 0.4, 40, (-0.5, 1.2), clip=1.5)
    rates = one.rates.astype(dtype)
    lib.map(_ptr(rates), 40, real(one.lam), real(one.sd), real(one.clip),
            ctypes.c_double(-0.5), ctypes.c_double(1.2), k0, k1, ks0, ks1, u64(first), u64(n),
            _ptr(got))
    np.testing.assert_allclose(got, fused.chains(one, first, n, 9, (2,), dtype), **tol)


# --------------------------------------------------------------------------------------
# On a GPU: each RawKernel against the CPU reference (pytest -m gpu; skipped without one)
# --------------------------------------------------------------------------------------

GPU_PROBLEMS = {
    "sgd_d1": fused.quadratic_problem(0.2, 1.0, 1.0, 100, 0.5),
    "heavy_ball_d1": fused.quadratic_problem(0.1, 2.0, 0.5, 100, 0.5, 0.6),
    "sgd_d100": fused.quadratic_problem(0.05, np.linspace(0.1, 10.0, 100), 1.0, 50, 1.0),
    "heavy_ball_d100": fused.quadratic_problem(0.02, np.linspace(0.1, 10.0, 100), 1.0, 50,
                                               1.0, 0.8),
    "clipped_gd": fused.map_problem("linear", 0.5, 5.0, 0.0, 100, (-1.5, 1.5), 1.0),
    "clipped_noisy": fused.map_problem("linear", 0.2, 2.0, 0.5, 100, (-1.0, 1.0), 0.3),
    "double_well": fused.map_problem("double_well", 0.1, 1.0, 0.3, 100, (-1.5, 1.5)),
    "cubic": fused.map_problem("cubic", 0.1, 1.0, 0.2, 100, (-0.5, 0.5)),
}


@pytest.fixture(scope="module")
def gpu() -> Any:
    pytest.importorskip("cupy")
    from lrtheory.errors import LrtheoryError
    from lrtheory.montecarlo.backend import get_backend

    try:
        return get_backend("cupy")
    except LrtheoryError as exc:
        pytest.skip(str(exc))


@pytest.mark.gpu
class TestGPU:
    @pytest.mark.parametrize("dtype", DTYPES)
    def test_stream_bit_for_bit(self, gpu: Any, dtype: Any) -> None:
        """Philox words identical; normals to 4 ulp (CUDA's log and sincospi)."""
        cp = gpu.xp
        kern = cp.RawKernel(cuda_source.source(dtype == np.float64), "stream_dump")
        keys, first, n, count = philox.stream_keys(1), 2**32 - 500, 1000, 8
        words = cp.zeros((n, count, 4), dtype=cp.uint32)
        z = cp.zeros((n, count * philox.lanes(dtype)), dtype=dtype)
        kern((-(-n // 256),), (256,), (np.uint32(keys.noise[0]), np.uint32(keys.noise[1]),
                                       np.uint64(first), np.uint64(n), np.int32(count), words, z))
        chains = np.arange(first, first + n, dtype=np.uint64)
        ref = philox.blocks(keys.noise, chains, 0, count)
        assert np.array_equal(cp.asnumpy(words), np.stack(ref, axis=-1))
        want = philox.normals(keys.noise, chains, 0, count * philox.lanes(dtype), dtype)
        np.testing.assert_array_max_ulp(cp.asnumpy(z), want, maxulp=4)

    @pytest.mark.parametrize("dtype", DTYPES)
    @pytest.mark.parametrize("name", list(GPU_PROBLEMS))
    def test_kernel_matches_the_reference(self, gpu: Any, name: str, dtype: Any) -> None:
        """Per chain to rounding (99.9 % of chains: a clipped orbit's landing point can
        magnify an ulp where it jumps), and the in-kernel moments to rounding."""
        problem, n = GPU_PROBLEMS[name], 20_000
        got = fused.chains(problem, 0, n, 5, dtype=dtype, backend=gpu)
        ref = fused.chains(problem, 0, n, 5, dtype=dtype, backend="numpy")
        tol = 1e-9 if dtype == np.float64 else 1e-4
        scale = np.abs(ref).max(axis=0) + 1e-300
        assert np.quantile(np.abs(got - ref) / scale, 0.999) < tol
        m_gpu = fused.run(problem, n, 5, dtype, gpu)
        m_ref = fused.run(problem, n, 5, dtype, "numpy")
        sd = np.sqrt(m_ref.variance) + 1e-300
        assert np.all(np.abs(m_gpu.mean - m_ref.mean) < 10 * tol * sd)
        np.testing.assert_allclose(m_gpu.m2, m_ref.m2, rtol=10 * tol, atol=1e-300)

    @pytest.mark.parametrize("dtype", DTYPES)
    def test_gpu_output_has_the_exact_law(self, gpu: Any, dtype: Any) -> None:
        """SGD: mean and variance (z-tests over 2²⁰ chains) and the standardized x_T
        (KS over 2¹⁶); clipped GD: the amplitude's mean and uniform law (module tests)."""
        eta, steps = 0.2, 60
        problem = fused.quadratic_problem(eta, LAM, SD, steps, X0)
        mean = (1 - eta * LAM) ** steps * X0
        var = sgd_second_moments(LAM, SD**2, np.full(steps, eta), m0=X0**2)[-1] - mean**2
        m = fused.run(problem, 2**20, 8, dtype, gpu)
        assert np.all(np.abs(m.mean[:2] - mean) < Z * np.sqrt(var / m.n))
        assert np.all(np.abs(m.variance[:2] - var) < Z * m.stderr_variance[:2])
        values = fused.chains(problem, 0, 2**16, 8, dtype=dtype, backend=gpu)
        for i in range(2):
            standard = (values[:, i] - mean[i]) / np.sqrt(var[i])
            assert stats.kstest(standard, "norm").pvalue > ALPHA
        clipped = GPU_PROBLEMS["clipped_gd"]
        assert isinstance(clipped, fused.Map1D)
        amp = fused.chains(clipped, 0, 2**16, 8, dtype=dtype, backend=gpu)[:, 2]
        low, top = 0.25, clipping.max_amplitude(0.5, 5.0, 1.0)
        se = amp.std(ddof=1) / np.sqrt(amp.size)
        assert abs(_z(amp.mean(), se, clipping.mean_amplitude(0.5, 5.0, 1.0))) < Z
        assert stats.kstest(amp, "uniform", args=(low, top - low)).pvalue > ALPHA
