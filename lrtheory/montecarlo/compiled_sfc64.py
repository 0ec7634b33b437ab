"""NumPy's SFC64 generator and ziggurat normals, compiled by numba into the SGD step loop.

Imported only by :mod:`lrtheory.montecarlo.compiled`, and only when numba is importable. The
functions reproduce, operation for operation, what ``Generator(SFC64(…)).standard_normal``
does in NumPy's C code (``numpy/random/src/sfc64`` and ``distributions.c``), so a compiled
chain sees *the same* normals as the NumPy ensemble path, bit for bit:

* SFC64 (Doty-Humphrey's Small Fast Counting generator), state (a, b, c, w), one step:
  out = a + b + w;  w ← w + 1;  a ← b ⊕ (b ≫ 11);  b ← c + (c ≪ 3);  c ← rotl(c, 24) + out.
* float64 normal (ziggurat, 256 layers): r = next64; layer i = r & 255; r ≫= 8; sign = r & 1;
  m = (r ≫ 1) & (2⁵² − 1); x = ±m·w_i; accept at once when m < k_i (≈ 99.3 %); layer 0 samples
  the tail beyond R = 3.6542 by Marsaglia's exponential method with u = next64 ≫ 11 · 2⁻⁵³;
  other layers accept when (f_{i−1} − f_i)·u + f_i < exp(−x²/2).
* float32 normal: the same with a 32-bit word: layer = r & 255, sign = bit 8, m = r ≫ 9
  (23 bits), float32 arithmetic but for the wedge test's exp(−x²/2), which NumPy takes in
  float64, u = (next32 ≫ 8)·2⁻²⁴. SFC64 yields 32-bit words from one
  64-bit output, low half first, the high half kept for the next call (``has_uint32``,
  ``uinteger`` in NumPy's state; carried here as state words 4 and 5).

The ziggurat tables (k_i, w_i, f_i) are NumPy's, as numba ships them for its own
``np.random.Generator`` support (:mod:`numba.np.random._constants`); the tests compare the
streams with NumPy's so a change there cannot pass unnoticed.

The step loop is the NumPy kernel's, fused: y ← c ⊙ y + ξ (a product, then a sum: the same two
roundings as ``y *= c; y += xi``, and numba does not contract them to a fused multiply-add),
chains in their block's stream order (step-major, then chain, then coordinate), the state in
local variables. Every ``check`` steps and at the last one the rows are checked for
non-finite values, as :func:`lrtheory.montecarlo.kernels.check_finite` does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba
import numpy as np
from numba.np.random import _constants as zig

F = TypeVar("F", bound=Callable[..., Any])


def _jit(**options: Any) -> Callable[[F], F]:
    """``numba.njit`` with a type mypy can follow (the decorated function keeps its type)."""
    return cast(Callable[[F], F], numba.njit(**options))


_KI64, _WI64, _FI64 = zig.ki_double, zig.wi_double, zig.fi_double
_KI32, _WI32, _FI32 = zig.ki_float, zig.wi_float, zig.fi_float
_R64, _INV_R64 = float(zig.ziggurat_nor_r), float(zig.ziggurat_nor_inv_r)
_R32, _INV_R32 = np.float32(zig.ziggurat_nor_r_f), np.float32(zig.ziggurat_nor_inv_r_f)
_TWO_M53 = 1.0 / 9007199254740992.0
_TWO_M24 = np.float32(1.0 / 16777216.0)
_U0, _U1, _U3, _U8, _U9 = (np.uint64(k) for k in (0, 1, 3, 8, 9))
_U11, _U24, _U32, _U40 = (np.uint64(k) for k in (11, 24, 32, 40))
_BYTE, _LOW32 = np.uint64(0xFF), np.uint64(0xFFFFFFFF)
_M52, _M23 = np.uint64(0x000FFFFFFFFFFFFF), np.uint64(0x007FFFFF)

State = tuple[Any, Any, Any, Any]


@_jit(inline="always")
def _sfc64(a: Any, b: Any, c: Any, w: Any) -> tuple[Any, Any, Any, Any, Any]:
    """One SFC64 output and the next state (a, b, c, w)."""
    out = a + b + w
    return out, b ^ (b >> _U11), c + (c << _U3), ((c << _U24) | (c >> _U40)) + out, w + _U1


@_jit(inline="always")
def _normal64(a: Any, b: Any, c: Any, w: Any) -> tuple[float, Any, Any, Any, Any]:
    """NumPy's ``random_standard_normal``: one float64 N(0, 1) and the next state."""
    while True:
        r, a, b, c, w = _sfc64(a, b, c, w)
        idx = np.intp(r & _BYTE)
        r >>= _U8
        rabs = (r >> _U1) & _M52
        x = np.float64(rabs) * _WI64[idx]
        if r & _U1:
            x = -x
        if rabs < _KI64[idx]:
            return x, a, b, c, w
        if idx == 0:
            while True:
                r1, a, b, c, w = _sfc64(a, b, c, w)
                r2, a, b, c, w = _sfc64(a, b, c, w)
                xx = -_INV_R64 * np.log1p(-np.float64(r1 >> _U11) * _TWO_M53)
                yy = -np.log1p(-np.float64(r2 >> _U11) * _TWO_M53)
                if yy + yy > xx * xx:
                    tail = _R64 + xx
                    return (-tail if (rabs >> _U8) & _U1 else tail), a, b, c, w
        else:
            r1, a, b, c, w = _sfc64(a, b, c, w)
            u = np.float64(r1 >> _U11) * _TWO_M53
            if (_FI64[idx - 1] - _FI64[idx]) * u + _FI64[idx] < np.exp(-0.5 * x * x):
                return x, a, b, c, w


@_jit(inline="always")
def _next32(a: Any, b: Any, c: Any, w: Any, has: Any, held: Any
            ) -> tuple[Any, Any, Any, Any, Any, Any, Any]:
    """NumPy's ``sfc64_next32``: the held high half if there is one, else the low half of a
    fresh output (keeping its high half)."""
    if has:
        return np.uint32(held), a, b, c, w, _U0, held
    r, a, b, c, w = _sfc64(a, b, c, w)
    return np.uint32(r & _LOW32), a, b, c, w, _U1, r >> _U32


@_jit(inline="always")
def _normal32(a: Any, b: Any, c: Any, w: Any, has: Any, held: Any
              ) -> tuple[Any, Any, Any, Any, Any, Any, Any]:
    """NumPy's ``random_standard_normal_f``: one float32 N(0, 1) and the next state."""
    while True:
        r32, a, b, c, w, has, held = _next32(a, b, c, w, has, held)
        r = np.uint64(r32)
        idx = np.intp(r & _BYTE)
        rabs = (r >> _U9) & _M23
        x = np.float32(np.float32(rabs) * _WI32[idx])
        if (r >> _U8) & _U1:
            x = -x
        if rabs < _KI32[idx]:
            return x, a, b, c, w, has, held
        if idx == 0:
            while True:
                r1, a, b, c, w, has, held = _next32(a, b, c, w, has, held)
                r2, a, b, c, w, has, held = _next32(a, b, c, w, has, held)
                u1 = np.float32(r1 >> np.uint32(8)) * _TWO_M24
                u2 = np.float32(r2 >> np.uint32(8)) * _TWO_M24
                xx = np.float32(-_INV_R32 * np.log1p(-u1))
                yy = np.float32(-np.log1p(-u2))
                if np.float32(yy + yy) > np.float32(xx * xx):
                    tail = np.float32(_R32 + xx)
                    return (-tail if (rabs >> _U8) & _U1 else tail), a, b, c, w, has, held
        else:
            r1, a, b, c, w, has, held = _next32(a, b, c, w, has, held)
            u = np.float32(r1 >> np.uint32(8)) * _TWO_M24
            # NumPy compares the float32 left side with a float64 exp(−x²/2).
            xd = np.float64(x)
            if np.float64((_FI32[idx - 1] - _FI32[idx]) * u + _FI32[idx]) < np.exp(-0.5 * xd * xd):
                return x, a, b, c, w, has, held


@_jit(inline="always")
def _bad_rows(y: Any) -> int:
    """Rows of y (n, d) holding a non-finite value."""
    bad = 0
    for j in range(y.shape[0]):
        for i in range(y.shape[1]):
            if not np.isfinite(y[j, i]):
                bad += 1
                break
    return bad


@_jit(nogil=True, cache=True)
def sgd64(states: Any, bounds: Any, y: Any, contraction: Any, steps: int,
          check: int) -> tuple[int, int]:
    """``steps`` steps y ← c ⊙ y + ξ of the float64 rows y (n, d); rows bounds[k] … bounds[k+1]
    − 1 draw from the SFC64 state ``states[k]`` (updated in place). Returns (0, 0), or (step,
    rows) at the first check that finds non-finite rows (the loop stops there)."""
    d, flat, c0 = y.shape[1], y.reshape(-1), contraction[0]
    for t in range(1, steps + 1):
        for k in range(states.shape[0]):
            a, b, c, w = states[k, 0], states[k, 1], states[k, 2], states[k, 3]
            if d == 1:  # one coordinate: a flat loop (≈ 10 % faster than the nested one)
                for j in range(bounds[k], bounds[k + 1]):
                    z, a, b, c, w = _normal64(a, b, c, w)
                    flat[j] = flat[j] * c0 + z
            else:
                for j in range(bounds[k], bounds[k + 1]):
                    for i in range(d):
                        z, a, b, c, w = _normal64(a, b, c, w)
                        y[j, i] = y[j, i] * contraction[i] + z
            states[k, 0], states[k, 1], states[k, 2], states[k, 3] = a, b, c, w
        if t % check == 0 or t == steps:
            bad = _bad_rows(y)
            if bad:
                return t, bad
    return 0, 0


@_jit(nogil=True, cache=True)
def sgd32(states: Any, bounds: Any, y: Any, contraction: Any, steps: int,
          check: int) -> tuple[int, int]:
    """:func:`sgd64` for float32 rows (state words 4, 5: NumPy's held 32-bit half)."""
    d, flat, c0 = y.shape[1], y.reshape(-1), contraction[0]
    for t in range(1, steps + 1):
        for k in range(states.shape[0]):
            a, b, c, w = states[k, 0], states[k, 1], states[k, 2], states[k, 3]
            has, held = states[k, 4], states[k, 5]
            if d == 1:
                for j in range(bounds[k], bounds[k + 1]):
                    z, a, b, c, w, has, held = _normal32(a, b, c, w, has, held)
                    flat[j] = flat[j] * c0 + z
            else:
                for j in range(bounds[k], bounds[k + 1]):
                    for i in range(d):
                        z, a, b, c, w, has, held = _normal32(a, b, c, w, has, held)
                        y[j, i] = y[j, i] * contraction[i] + z
            states[k, 0], states[k, 1], states[k, 2], states[k, 3] = a, b, c, w
            states[k, 4], states[k, 5] = has, held
        if t % check == 0 or t == steps:
            bad = _bad_rows(y)
            if bad:
                return t, bad
    return 0, 0


@_jit(nogil=True, cache=True)
def fill64(state: Any, out: Any) -> None:
    """Fill the float64 vector ``out`` with normals from one SFC64 state (updated)."""
    a, b, c, w = state[0], state[1], state[2], state[3]
    for k in range(out.shape[0]):
        out[k], a, b, c, w = _normal64(a, b, c, w)
    state[0], state[1], state[2], state[3] = a, b, c, w


@_jit(nogil=True, cache=True)
def fill32(state: Any, out: Any) -> None:
    """Fill the float32 vector ``out`` with normals from one SFC64 state (updated)."""
    a, b, c, w, has, held = state[0], state[1], state[2], state[3], state[4], state[5]
    for k in range(out.shape[0]):
        out[k], a, b, c, w, has, held = _normal32(a, b, c, w, has, held)
    state[0], state[1], state[2], state[3], state[4], state[5] = a, b, c, w, has, held
