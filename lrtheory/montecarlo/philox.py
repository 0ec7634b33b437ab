"""Philox4x32-10, the counter-based generator of the fused kernels, in vectorised NumPy.

Philox4x32-R (Salmon, Moraes, Dror & Shaw, "Parallel random numbers: as easy as 1, 2, 3",
SC'11; Random123) maps a 128-bit counter c = (c₀, c₁, c₂, c₃) and a 64-bit key k = (k₀, k₁)
to 128 random bits by R = 10 rounds of

    (hi₀, lo₀) = M₀·c₀,   (hi₁, lo₁) = M₁·c₂            (32 × 32 → 64-bit products)
    c ← (hi₁ ⊕ c₁ ⊕ k₀,  lo₁,  hi₀ ⊕ c₃ ⊕ k₁,  lo₀)

with M₀ = 0xD2511F53, M₁ = 0xCD9E8D57, and the key bumped by the Weyl constants
(W₀, W₁) = (0x9E3779B9, 0xBB67AE85) before every round but the first. No state: any
draw of any chain is computed directly from its counter, so a GPU thread and a NumPy array
produce the same bits, and chunking or threading cannot change them.

**Counter layout** (the contract between this module and
:mod:`lrtheory.montecarlo.cuda_source`; both implement exactly this):

* keys: ``SeedSequence(seed, spawn_key=key).generate_state(4, uint32)`` gives four words;
  (w₀, w₁) is the *noise key*, (w₂, w₃) the *start key* (random initial points);
* chain ``c`` (0 ≤ c < 2⁶⁴, its global index in the ensemble) draws its n-th normal of the
  noise stream from the Philox block b = ⌊n / L⌋, counter (b mod 2³², ⌊b / 2³²⌋, c mod 2³²,
  ⌊c / 2³²⌋), lane n mod L, with L = 2 normals per block in float64 and L = 4 in float32;
* a chain's random start is the 53-bit uniform of block 0 of the start key (words 0, 1).

**Words → uniforms → normals** (every step before the logarithm is exact arithmetic, so
the uniforms are bit-identical on every device):

* float64: from a word pair (a, b), k = ⌊a/2⁵⌋·2²⁶ + ⌊b/2⁶⌋ ∈ [0, 2⁵³); the radius uses
  u = (k + 1)·2⁻⁵³ ∈ (0, 1] and the angle v = k′·2⁻⁵³ ∈ [0, 1) from the second pair;
  lanes (r cos 2πv, r sin 2πv) with r = √(−2 ln u) (Box–Muller, float64);
* float32: each word gives 24 bits; pair (w₀, w₁) → u = (⌊w₀/2⁸⌋ + 1)·2⁻²⁴,
  v = ⌊w₁/2⁸⌋·2⁻²⁴ → lanes 0, 1; pair (w₂, w₃) → lanes 2, 3; arithmetic in float32.

The smallest u bounds the radius: |z| ≤ √(2·53 ln 2) = 8.57 in float64 and
√(2·24 ln 2) = 5.77 in float32, so the float32 normals lack the tail beyond 5.77σ
(probability 8·10⁻⁹ per normal): below any test this package runs, but not zero.
The last bits of the normals depend on the device's log, sin and cos (CUDA's log,
sincospi against NumPy's): the counters, words and uniforms agree bit for bit, the normals
to a few units in the last place.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import DTypeLike, NDArray

from lrtheory.errors import ParameterError, check_int

M0, M1 = 0xD2511F53, 0xCD9E8D57
W0, W1 = 0x9E3779B9, 0xBB67AE85
ROUNDS = 10
_MASK = 0xFFFFFFFF

U32 = NDArray[np.uint32]
Words = tuple[U32, U32, U32, U32]


class Keys(NamedTuple):
    """The two 64-bit Philox keys of one ensemble (module docstring, counter layout)."""

    noise: tuple[int, int]
    start: tuple[int, int]


def stream_keys(seed: int, key: tuple[int, ...] = ()) -> Keys:
    """The noise and start keys of the ensemble ``(seed, key)``: the four words of
    ``SeedSequence(seed, spawn_key=key).generate_state(4, uint32)``."""
    check_int("seed", seed, 0)
    for i, k in enumerate(key):
        check_int(f"key[{i}]", k, 0)
    w = [int(x) for x in np.random.SeedSequence(seed, spawn_key=key).generate_state(4, np.uint32)]
    return Keys((w[0], w[1]), (w[2], w[3]))


def lanes(dtype: DTypeLike) -> int:
    """Normals per Philox block: 2 in float64, 4 in float32."""
    dt = np.dtype(dtype)
    if dt == np.float64:
        return 2
    if dt == np.float32:
        return 4
    raise ParameterError("dtype", dtype, "float64 or float32")


def philox4x32(counter: tuple[Any, Any, Any, Any], key: tuple[int, int],
               rounds: int = ROUNDS) -> Words:
    """Philox4x32-``rounds`` of the counter words (uint32 arrays broadcast against each
    other) under ``key``: the four output words, each of the broadcast shape.

    The 32 × 32 → 64-bit products are formed in uint64 and split by viewing them as uint32
    pairs (little-endian hosts; big-endian ones shift and mask), six array passes a round.
    """
    check_int("rounds", rounds, 1)
    k0, k1 = (check_int(f"key[{i}]", k, 0, _MASK) for i, k in enumerate(key))
    x0, x1, x2, x3 = (np.asarray(c, dtype=np.uint32) for c in counter)
    m0, m1 = np.uint64(M0), np.uint64(M1)
    for r in range(rounds):
        if r:
            k0, k1 = (k0 + W0) & _MASK, (k1 + W1) & _MASK
        p0 = np.multiply(x0, m0, dtype=np.uint64)
        p1 = np.multiply(x2, m1, dtype=np.uint64)
        hi0, lo0 = _split(p0)
        hi1, lo1 = _split(p1)
        x0 = np.bitwise_xor(hi1, x1)
        x0 ^= np.uint32(k0)
        x2 = np.bitwise_xor(hi0, x3)
        x2 ^= np.uint32(k1)
        x1, x3 = lo1, lo0
    shape = np.broadcast_shapes(x0.shape, x1.shape, x2.shape, x3.shape)
    return tuple(np.broadcast_to(x, shape) for x in (x0, x1, x2, x3))  # type: ignore[return-value]


def _split(p: NDArray[np.uint64]) -> tuple[U32, U32]:
    """(high, low) 32-bit halves of uint64 products."""
    if np.little_endian and p.ndim and p.flags.c_contiguous:
        v = p.view(np.uint32)
        return v[..., 1::2], v[..., 0::2]
    return (p >> np.uint64(32)).astype(np.uint32), (p & np.uint64(_MASK)).astype(np.uint32)


def split_index(i: Any) -> tuple[U32, U32]:
    """A 64-bit index (array) as its (low, high) uint32 counter words."""
    a = np.asarray(i, dtype=np.uint64)
    return (a & np.uint64(_MASK)).astype(np.uint32), (a >> np.uint64(32)).astype(np.uint32)


def blocks(key: tuple[int, int], chains: Any, first: int, count: int) -> Words:
    """The Philox words of blocks ``first … first + count − 1`` of each chain's stream:
    four arrays of shape (len(chains), count) (counter layout in the module docstring)."""
    check_int("first", first, 0, 2**64 - 1)
    check_int("count", count, 1)
    c_lo, c_hi = split_index(np.asarray(chains, dtype=np.uint64)[:, None])
    b_lo, b_hi = split_index(np.arange(first, first + count, dtype=np.uint64)[None, :])
    return philox4x32((b_lo, b_hi, c_lo, c_hi), key)


_TWO_M53 = 2.0**-53
_TWO_M24 = np.float32(2.0**-24)


def uniform53(hi: U32, lo: U32) -> NDArray[np.float64]:
    """k = ⌊hi/2⁵⌋·2²⁶ + ⌊lo/2⁶⌋ ∈ [0, 2⁵³) as a float64, exactly."""
    return (hi >> np.uint32(5)).astype(np.float64) * 67108864.0 + (lo >> np.uint32(6))


def box_muller(words: Words, dtype: DTypeLike) -> NDArray[np.floating]:
    """The L normals of every block (module docstring), lanes last: shape (…, count·L)."""
    w0, w1, w2, w3 = words
    pairs: list[tuple[NDArray[np.floating], NDArray[np.floating]]]
    minus_two: np.floating
    two_pi: np.floating
    if lanes(dtype) == 2:
        pairs = [((uniform53(w0, w1) + 1.0) * _TWO_M53, uniform53(w2, w3) * _TWO_M53)]
        minus_two, two_pi = np.float64(-2.0), np.float64(2.0 * np.pi)
    else:
        eight, one = np.uint32(8), np.uint32(1)
        pairs = [(((a >> eight) + one).astype(np.float32) * _TWO_M24,
                  (b >> eight).astype(np.float32) * _TWO_M24) for a, b in ((w0, w1), (w2, w3))]
        minus_two, two_pi = np.float32(-2.0), np.float32(2.0 * np.pi)
    out = np.empty((*w0.shape, 2 * len(pairs)), dtype=pairs[0][0].dtype)
    for j, (u, v) in enumerate(pairs):
        r = np.sqrt(minus_two * np.log(u))
        theta = two_pi * v
        np.multiply(r, np.cos(theta), out=out[..., 2 * j])
        np.multiply(r, np.sin(theta), out=out[..., 2 * j + 1])
    return out.reshape(*w0.shape[:-1], -1)


def normals(key: tuple[int, int], chains: Any, first: int, count: int,
            dtype: DTypeLike = np.float64) -> NDArray[np.floating]:
    """Normals ``first … first + count − 1`` of each chain's noise stream, shape
    (len(chains), count), in ``dtype`` (float64 or float32)."""
    check_int("first", first, 0)
    check_int("count", count, 1)
    per = lanes(dtype)
    b0, b1 = first // per, (first + count - 1) // per + 1
    z = box_muller(blocks(key, chains, b0, b1 - b0), dtype)
    skip = first - b0 * per
    return z[:, skip:skip + count]


def start_uniforms(key: tuple[int, int], chains: Any) -> NDArray[np.float64]:
    """Each chain's start uniform in [0, 1): k·2⁻⁵³ from words 0, 1 of block 0."""
    w0, w1, _, _ = blocks(key, chains, 0, 1)
    return uniform53(w0[:, 0], w1[:, 0]) * _TWO_M53
