"""CUDA C source of the fused kernels, for CuPy ``RawKernel`` (NVRTC) or ``nvcc``.

One thread simulates one chain for all T steps with its state in registers, draws its
normals from Philox4x32-10 in the kernel (the counter layout of
:mod:`lrtheory.montecarlo.philox`, which is its CPU reference), and the block reduces its
chains' statistics to shifted power sums, so no T × N (nor even N) array is ever written:

    sums[block, column, k−1] = Σ_{chains of the block} (x − x₀)^k,  k = 1…4,
    shifts[block, column]    = x₀, the value of the block's first chain,

from which :func:`lrtheory.montecarlo.fused.block_moments` forms each block's mean and
central sums M2, M3, M4 and merges the blocks (the runner's :class:`Moments`). Shifting by
a member of the block keeps the power sums free of the cancellation raw sums would suffer.

The source is split so that its numerical core can be compiled on a CPU too:

* :data:`DEVICE` — the generator, Box–Muller and the per-chain update rules, as
  ``__device__`` functions of plain C++ (no CUDA-only construct but the intrinsics
  ``__umulhi``, ``sincospi(f)``, which a host harness can define);
* :data:`KERNELS` — the ``__global__`` kernels and the block reduction (warp shuffles,
  shared memory).

Compile-time parameters (``#define``\\ s prepended by :func:`source`): ``REAL`` (double or
float), ``D`` (dimension of the quadratic), ``MOMENTUM`` (0: SGD, 1: heavy ball), ``GKIND``
(the gradient of the 1-D map, :data:`GRADIENTS`). No templates and no ``#include``: NVRTC
and nvcc accept the source as it is. Blocks must have :data:`BLOCK` threads (a multiple of
32; the reduction assumes full warps).
"""

from __future__ import annotations

from typing import Literal

BLOCK = 256

#: The gradients g of the 1-D maps x ← x − η·clip(g(x) + sξ, −C, C), by name: (GKIND, formula).
GRADIENTS: dict[str, tuple[int, str]] = {
    "linear": (0, "λx  (L = λx²/2)"),
    "double_well": (1, "λx(x² − 1)  (L = λ(x² − 1)²/4)"),
    "cubic": (2, "λx(1 − x)  (L = λ(x²/2 − x³/3), barrier at x = 1)"),
}

DEVICE = r"""
typedef unsigned int u32;
typedef unsigned long long u64;

#if REAL_IS_DOUBLE
#define LANES 2
#else
#define LANES 4
#endif

/* Philox4x32-10 (Salmon et al. 2011), in place on the counter c under the key (k0, k1). */
__device__ __forceinline__ void philox4x32_10(u32 c[4], u32 k0, u32 k1) {
    for (int r = 0; r < 10; ++r) {
        if (r) { k0 += 0x9E3779B9u; k1 += 0xBB67AE85u; }
        u32 hi0 = __umulhi(0xD2511F53u, c[0]), lo0 = 0xD2511F53u * c[0];
        u32 hi1 = __umulhi(0xCD9E8D57u, c[2]), lo1 = 0xCD9E8D57u * c[2];
        u32 n0 = hi1 ^ c[1] ^ k0, n2 = hi0 ^ c[3] ^ k1;
        c[0] = n0; c[1] = lo1; c[2] = n2; c[3] = lo0;
    }
}

/* k = floor(hi / 2^5) 2^26 + floor(lo / 2^6) in [0, 2^53), exactly. */
__device__ __forceinline__ double uniform53(u32 hi, u32 lo) {
    return (double)(hi >> 5) * 67108864.0 + (double)(lo >> 6);
}

#define TWO_M53 (1.0 / 9007199254740992.0)
#define TWO_M24F (1.0f / 16777216.0f)

/* One chain's noise stream: block b of chain c has the counter (b lo, b hi, c lo, c hi). */
struct NormalStream {
    u32 k0, k1, c_lo, c_hi;
    u64 block;
    int lane;
    REAL z0, z1, z2, z3;
};

__device__ __forceinline__ void stream_init(NormalStream* s, u32 k0, u32 k1, u64 chain) {
    s->k0 = k0; s->k1 = k1;
    s->c_lo = (u32)chain; s->c_hi = (u32)(chain >> 32);
    s->block = 0; s->lane = LANES;
    s->z0 = s->z1 = s->z2 = s->z3 = (REAL)0;
}

__device__ __forceinline__ void stream_refill(NormalStream* s) {
    u32 w[4] = {(u32)s->block, (u32)(s->block >> 32), s->c_lo, s->c_hi};
    philox4x32_10(w, s->k0, s->k1);
    s->block += 1;
#if REAL_IS_DOUBLE
    double u = (uniform53(w[0], w[1]) + 1.0) * TWO_M53;   /* (0, 1] */
    double v = uniform53(w[2], w[3]) * TWO_M53;           /* [0, 1) */
    double r = sqrt(-2.0 * log(u)), sn, cs;
    sincospi(2.0 * v, &sn, &cs);
    s->z0 = r * cs; s->z1 = r * sn;
#else
    float u1 = (float)((w[0] >> 8) + 1u) * TWO_M24F, v1 = (float)(w[1] >> 8) * TWO_M24F;
    float u2 = (float)((w[2] >> 8) + 1u) * TWO_M24F, v2 = (float)(w[3] >> 8) * TWO_M24F;
    float r1 = sqrtf(-2.0f * logf(u1)), r2 = sqrtf(-2.0f * logf(u2)), s1, c1, s2, c2;
    sincospif(2.0f * v1, &s1, &c1);
    sincospif(2.0f * v2, &s2, &c2);
    s->z0 = r1 * c1; s->z1 = r1 * s1; s->z2 = r2 * c2; s->z3 = r2 * s2;
#endif
    s->lane = 0;
}

/* The next normal of the stream: lane selects, not an indexed array, keep it in registers. */
__device__ __forceinline__ REAL stream_next(NormalStream* s) {
    if (s->lane == LANES) stream_refill(s);
    REAL z = s->z0;
    if (s->lane == 1) z = s->z1;
#if LANES == 4
    if (s->lane == 2) z = s->z2;
    if (s->lane == 3) z = s->z3;
#endif
    s->lane += 1;
    return z;
}

/* The chain's start uniform in [0, 1): words 0, 1 of block 0 under the start key. */
__device__ __forceinline__ double start_uniform(u32 k0, u32 k1, u64 chain) {
    u32 w[4] = {0u, 0u, (u32)chain, (u32)(chain >> 32)};
    philox4x32_10(w, k0, k1);
    return uniform53(w[0], w[1]) * TWO_M53;
}

/* One coordinate of SGD (MOMENTUM 0) or heavy ball (1) on lam x^2 / 2 with noise sd xi:
   g = lam x + sd xi;  SGD: x <- x - eta_t g;  heavy ball: v <- beta v - eta_t g, x <- x + v.
   Consumes T normals of the stream; returns x_T. */
__device__ __forceinline__ REAL quad_coordinate(NormalStream* s, const REAL* rates, int T,
                                                REAL lam, REAL sd, REAL x, REAL beta) {
#if MOMENTUM
    REAL v = (REAL)0;
#endif
    for (int t = 0; t < T; ++t) {
        REAL g = lam * x + sd * stream_next(s);
#if MOMENTUM
        v = beta * v - rates[t] * g;
        x = x + v;
#else
        x = x - rates[t] * g;
#endif
    }
    return x;
}

/* The gradients of the 1-D maps (GKIND; names in cuda_source.GRADIENTS). */
__device__ __forceinline__ REAL map_gradient(REAL x, REAL lam) {
#if GKIND == 0
    return lam * x;
#elif GKIND == 1
    return lam * x * (x * x - (REAL)1);
#else
    return lam * x * ((REAL)1 - x);
#endif
}

/* x <- x - eta_t clip(g(x) + sd xi, -C, C) for T steps (no normals drawn when sd == 0);
   the clip propagates NaN like NumPy's clip. Writes x_{T-1} and x_T. */
__device__ __forceinline__ void map_chain(NormalStream* s, const REAL* rates, int T, REAL lam,
                                          REAL sd, REAL clip, REAL x, REAL* prev, REAL* last) {
    REAL before = x;
    for (int t = 0; t < T; ++t) {
        REAL g = map_gradient(x, lam);
        if (sd != (REAL)0) g = g + sd * stream_next(s);
        g = g > clip ? clip : (g < -clip ? -clip : g);
        before = x;
        x = x - rates[t] * g;
    }
    *prev = before;
    *last = x;
}
"""

KERNELS = r"""
/* Shifted power sums of one column over the block (module docstring of cuda_source.py).
   Every thread of the block must call it (it synchronises); invalid threads add nothing. */
__device__ void block_power_sums(double x, bool valid, int col, int ncols,
                                 double* sums, double* shifts) {
    __shared__ double shift;
    __shared__ double part[4][32];
    if (threadIdx.x == 0) shift = x;
    __syncthreads();
    double y = valid ? x - shift : 0.0, y2 = y * y;
    double p[4] = {y, y2, y2 * y, y2 * y2};
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    for (int k = 0; k < 4; ++k)
        for (int off = 16; off > 0; off >>= 1)
            p[k] += __shfl_down_sync(0xffffffffu, p[k], off);
    if (lane == 0)
        for (int k = 0; k < 4; ++k) part[k][warp] = p[k];
    __syncthreads();
    if (warp == 0) {
        int nwarps = blockDim.x >> 5;
        for (int k = 0; k < 4; ++k) {
            double q = lane < nwarps ? part[k][lane] : 0.0;
            for (int off = 16; off > 0; off >>= 1) q += __shfl_down_sync(0xffffffffu, q, off);
            if (lane == 0) sums[((u64)blockIdx.x * ncols + col) * 4 + k] = q;
        }
        if (lane == 0) shifts[(u64)blockIdx.x * ncols + col] = shift;
    }
    __syncthreads();
}

/* SGD / heavy ball on the diagonal quadratic sum_i lam_i x_i^2 / 2: columns x_T,i (i < D)
   and the loss sum_i lam_i x_T,i^2 / 2 (column D), reduced per block; if store != 0 also
   each chain's columns in out[chain * (D + 1) + column]. */
extern "C" __global__ void diag_quadratic(
        const REAL* __restrict__ rates, int T, const REAL* __restrict__ lam,
        const REAL* __restrict__ sd, const REAL* __restrict__ x0, REAL beta,
        u64 n_chains, u64 chain_offset, u32 k0, u32 k1,
        double* __restrict__ sums, double* __restrict__ shifts,
        unsigned long long* __restrict__ bad, int store, double* __restrict__ out) {
    u64 local = (u64)blockIdx.x * blockDim.x + threadIdx.x;
    bool valid = local < n_chains;
    NormalStream s;
    stream_init(&s, k0, k1, chain_offset + local);
    double loss = 0.0;
    for (int i = 0; i < D; ++i) {
        double xt = (double)quad_coordinate(&s, rates, T, lam[i], sd[i], x0[i], beta);
        loss += 0.5 * (double)lam[i] * xt * xt;
        block_power_sums(xt, valid, i, D + 1, sums, shifts);
        if (store && valid) out[local * (D + 1) + i] = xt;
    }
    block_power_sums(loss, valid, D, D + 1, sums, shifts);
    if (store && valid) out[local * (D + 1) + D] = loss;
    if (valid && !isfinite(loss)) atomicAdd(bad, 1ull);
}

/* The 1-D map from x_0 uniform on [lo, hi] (start key): columns x_T, x_{T-1} and the
   amplitude max(|x_T|, |x_{T-1}|). */
extern "C" __global__ void map1d(
        const REAL* __restrict__ rates, int T, REAL lam, REAL sd, REAL clip,
        double lo, double hi, u64 n_chains, u64 chain_offset, u32 k0, u32 k1, u32 ks0,
        u32 ks1, double* __restrict__ sums, double* __restrict__ shifts,
        unsigned long long* __restrict__ bad, int store, double* __restrict__ out) {
    u64 local = (u64)blockIdx.x * blockDim.x + threadIdx.x;
    bool valid = local < n_chains;
    u64 chain = chain_offset + local;
    NormalStream s;
    stream_init(&s, k0, k1, chain);
    REAL x = (REAL)(lo + (hi - lo) * start_uniform(ks0, ks1, chain)), prev, last;
    map_chain(&s, rates, T, lam, sd, clip, x, &prev, &last);
    double c[3] = {(double)last, (double)prev, fmax(fabs((double)last), fabs((double)prev))};
    for (int j = 0; j < 3; ++j) {
        block_power_sums(c[j], valid, j, 3, sums, shifts);
        if (store && valid) out[local * 3 + j] = c[j];
    }
    if (valid && !(isfinite(c[0]) && isfinite(c[1]))) atomicAdd(bad, 1ull);
}

/* For tests: the Philox words of blocks 0 … count-1 and the first count*LANES normals of
   chains first … first+n-1, to compare bit for bit with lrtheory.montecarlo.philox. */
extern "C" __global__ void stream_dump(u32 k0, u32 k1, u64 first, u64 n, int count,
                                       u32* __restrict__ words, REAL* __restrict__ z) {
    u64 local = (u64)blockIdx.x * blockDim.x + threadIdx.x;
    if (local >= n) return;
    u64 chain = first + local;
    for (int b = 0; b < count; ++b) {
        u32 w[4] = {(u32)b, 0u, (u32)chain, (u32)(chain >> 32)};
        philox4x32_10(w, k0, k1);
        for (int j = 0; j < 4; ++j) words[(local * count + b) * 4 + j] = w[j];
    }
    NormalStream s;
    stream_init(&s, k0, k1, chain);
    for (int i = 0; i < count * LANES; ++i) z[local * count * LANES + i] = stream_next(&s);
}
"""

KernelName = Literal["diag_quadratic", "map1d", "stream_dump"]


def source(double: bool, *, d: int = 1, momentum: bool = False, gkind: int = 0) -> str:
    """The compilable source of one variant: its ``#define``\\ s, :data:`DEVICE` and
    :data:`KERNELS` (every kernel is in every variant; ``d`` and ``momentum`` matter to
    ``diag_quadratic``, ``gkind`` to ``map1d``)."""
    real = "double" if double else "float"
    head = (f"#define REAL {real}\n#define REAL_IS_DOUBLE {int(double)}\n#define D {d}\n"
            f"#define MOMENTUM {int(momentum)}\n#define GKIND {gkind}\n")
    return head + DEVICE + KERNELS


def host_harness() -> str:
    """C++ shims under which :data:`DEVICE` compiles as host code (g++): ``__device__``
    and ``__forceinline__`` vanish and the CUDA intrinsics get their exact definitions
    (``__umulhi`` the high word of the 64-bit product; ``sincospi(x)`` as sin, cos of πx,
    which is within an ulp of CUDA's, whose argument reduction is exact)."""
    return r"""
#include <cmath>
#define __device__
#define __forceinline__ inline
using std::isfinite;
static inline unsigned int __umulhi(unsigned int a, unsigned int b) {
    return (unsigned int)(((unsigned long long)a * b) >> 32);
}
static inline void sincospi(double x, double* s, double* c) {
    *s = std::sin(M_PI * x); *c = std::cos(M_PI * x);
}
static inline void sincospif(float x, float* s, float* c) {
    float a = (float)M_PI * x; *s = std::sin(a); *c = std::cos(a);
}
"""
