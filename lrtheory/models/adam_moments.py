"""Exact expectations of adaptive-step ratios under Gaussian gradients.

Adaptive methods divide one average of the gradients by the root of another. With i.i.d.
g_j ~ N(μ, s²) and fixed weights (lag j = 0 is the newest gradient)

    m = Σ_j a_j g_j,    v = Σ_j w_j g_j²    (w_j ≥ 0),

Adam's direction is m̂/√v̂ with a, w the bias-corrected EMA weights (:func:`ema_weights`),
RMSProp's and AdaGrad's per-parameter rates are η·v^{−1/2}. Their expectations are not the
ratios of expectations, and this module computes them to near machine precision.

**Method.** Laplace: x^{−p} = Γ(p)^{−1} ∫₀^∞ u^{p−1} e^{−ux} du (x > 0). The g_j are
independent and E[e^{−λg²}] = (1 + 2λs²)^{−½} exp(−λμ²/(1 + 2λs²)) =: L(λ),
E[g e^{−λg²}] = μ L(λ)/(1 + 2λs²), so with x_j = 2u w_j s²

    E[v^{−p}]  = Γ(p)^{−1} ∫₀^∞ u^{p−1} Π_j L(u w_j) du,
    E[m/√v]    = (μ/√π) ∫₀^∞ u^{−½} Π_j L(u w_j) · Σ_k a_k/(1 + x_k) du.

In y = ln u the integrands are analytic in the strip |Im y| < π/2 (there Re u > 0, where
|1 + x|^{−½} ≤ (1 + |x|²)^{−¼}, |exp(−λμ²/(1 + 2λs²))| ≤ 1 and |1 + x|^{−1} ≤ 1), so the
trapezoid rule with step h on the real line errs by at most 2M/(e^{π²/h} − 1) (Trefethen &
Weideman 2014, Thm 5.1), M bounding ∫|f| on every line of the strip: about 10⁻¹⁷·M at the
default h = ¼. The two tails left off the grid are bounded in closed form (below: the
integrand ≤ C·e^{py}; above: a few of the factors L decay like u^{−½} each), the products
are summed as logarithms — by power series in the moments Σ w_j^n where every x_j ≤ ½
(cheap for thousands of weights), directly above — and the series remainders and a
floating-point allowance are added. :class:`Quadrature` carries the value and that bound.

Scale: g ↦ g/s leaves m/√v unchanged, so everything is computed at s = 1, μ/s.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import mpmath
import numpy as np
from numpy.typing import NDArray

from lrtheory.errors import (
    MAX_STEPS,
    ParameterError,
    check_int,
    check_positive,
    check_real,
    finite_result,
    float_array,
)

FloatArray = NDArray[np.float64]
EPS = float(np.finfo(np.float64).eps)

#: Terms of the power series used where every x_j ≤ ½: remainders ≤ 2^{−SERIES} relative.
SERIES = 52
#: Trapezoid step in y = ln u (discretisation error ≈ 2M·e^{−π²/h} ≈ 1.4·10⁻¹⁷·M).
STEP = 0.25
#: Tails are cut where their bound falls below this fraction of ∫|f| (or absolutely).
TAIL = 1e-18
_BLOCK = 16
_Y_MAX = 400.0
_TOP = 16


@dataclass(frozen=True)
class Quadrature:
    """A computed expectation and a bound on its error (discretisation, tails, series
    remainders and rounding)."""

    value: float
    error: float


# --------------------------------------------------------------------------------------
# Weights
# --------------------------------------------------------------------------------------


def ema_weights(beta: float, t: int, *, corrected: bool = True) -> FloatArray:
    """The weights of g_t, g_{t−1}, …, g_1 (lag j = 0, …, t − 1) in the EMA
    m ← βm + (1 − β)g after t steps from m = 0: (1 − β)β^j, divided by 1 − β^t when
    ``corrected`` (Adam's bias correction; they then sum to 1). β = 0 puts all weight on
    the newest gradient."""
    beta = check_real("beta", beta, 0.0, 1.0, lo_open=False)
    t = check_int("t", t, 1, MAX_STEPS)
    lags = np.arange(t, dtype=np.float64)
    weights = (1.0 - beta) * beta**lags if beta > 0 else (lags == 0).astype(np.float64)
    return weights / (1.0 - beta**t) if corrected else weights


def ratio_bound(a: Sequence[float] | FloatArray, w: Sequence[float] | FloatArray) -> float:
    """sup over all gradients of |Σa_j g_j|/√(Σw_j g_j²) = √(Σ a_j²/w_j) (Cauchy–Schwarz,
    attained at g_j ∝ a_j/w_j); infinite if some a_j ≠ 0 where w_j = 0. For Adam's
    steady-state weights it is finite iff β₁² < β₂."""
    a_arr, w_arr = _weights(a, w)
    if np.any((w_arr == 0) & (a_arr != 0)):
        return math.inf
    pos = w_arr > 0
    return math.sqrt(float(np.sum(a_arr[pos] ** 2 / w_arr[pos])))


def _weights(a: Sequence[float] | FloatArray | None,
             w: Sequence[float] | FloatArray) -> tuple[FloatArray, FloatArray]:
    w_arr = float_array("w", w)
    if w_arr.ndim != 1 or w_arr.size == 0 or not np.all(np.isfinite(w_arr)) or np.any(w_arr < 0):
        raise ParameterError("w", w, "a non-empty 1-D array of finite weights ≥ 0")
    if not np.any(w_arr > 0):
        raise ParameterError("w", w, "weights with at least one w_j > 0")
    if a is None:
        return np.zeros_like(w_arr), w_arr
    a_arr = float_array("a", a)
    if a_arr.shape != w_arr.shape or not np.all(np.isfinite(a_arr)):
        raise ParameterError("a", a, f"a 1-D array of {w_arr.size} finite weights (as w)")
    return a_arr, w_arr


# --------------------------------------------------------------------------------------
# The Laplace table: log Π L and Σ a/(1 + x) on the nodes y_k = k·h, at s = 1
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Table:
    """Nodes y (in ln of u·w_max) and, at s = 1 and the normalised weights w̃ = w/w_max:
    B = Σ ln(1 + x_j), A = Σ w̃_j/(1 + x_j) (so −½B − μ²uA = ln Π L), N = Σ a_j/(1 + x_j),
    |N| bound, series remainders of B, A, N, and the upper-tail bound from each node on."""

    y: FloatArray
    b: FloatArray
    a: FloatArray
    n: FloatArray
    n_abs: FloatArray
    rem_b: FloatArray
    rem_a: FloatArray
    rem_n: FloatArray
    tail: float  # bound on ∫ beyond the last node of e^{py}·e^{−B/2}·|N| (exp(−μ²uA) ≤ 1)
    terms: int
    p: float
    a_abs: float


def _powers(w: FloatArray, a: FloatArray, top: int) -> tuple[FloatArray, FloatArray, FloatArray]:
    """M_n = Σ w̃^n, Q_n = Σ a w̃^n, |Q|_n = Σ |a| w̃^n for n = 0..top (w̃ ≤ 1)."""
    m, q, qa = (np.empty(top + 1) for _ in range(3))
    power = np.ones_like(w)
    for n in range(top + 1):
        m[n], q[n], qa[n] = power.sum(), (a * power).sum(), (np.abs(a) * power).sum()
        power = power * w
    return m, q, qa


def _series(z: FloatArray, m: FloatArray, q: FloatArray,
            qa: FloatArray) -> tuple[FloatArray, ...]:
    """B, A, N, |N| and their remainders from the moments, at nodes with z = 2u ≤ ½."""
    n = np.arange(SERIES + 1)
    zn = z[:, None] ** n[None, :]  # z^0 … z^SERIES
    sign = (-1.0) ** n
    b = -(zn[:, 1:] * (sign[1:] * m[1:SERIES + 1] / n[1:])[None, :]).sum(axis=1)
    a = (zn[:, :SERIES] * (sign[:SERIES] * m[1:SERIES + 1])[None, :]).sum(axis=1)
    nn = (zn[:, :SERIES] * (sign[:SERIES] * q[:SERIES])[None, :]).sum(axis=1)
    n_abs = (zn[:, :SERIES] * (sign[:SERIES] * qa[:SERIES])[None, :]).sum(axis=1)
    # Alternating series with terms decreasing (x_j ≤ ½): remainder ≤ the first left off.
    zl = z**SERIES
    return (b, a, nn, n_abs, zl * z * m[SERIES + 1] / (SERIES + 1), zl * m[SERIES + 1],
            zl * qa[SERIES])


def _direct(z: FloatArray, w: FloatArray, a: FloatArray) -> tuple[FloatArray, ...]:
    x = np.multiply.outer(z, w)
    r = 1.0 / (1.0 + x)
    zero = np.zeros_like(z)
    return (np.log1p(x).sum(axis=1), r @ w, r @ a, r @ np.abs(a), zero, zero, zero)


def _upper_tail(y: float, b: float, n_abs: float, w: FloatArray, a: FloatArray,
                p: float) -> float:
    """Bound on ∫_y^∞ e^{py'}·Π_j|L|·|N| dy' (|L| at μ = 0, since exp(−μ²uA) ≤ 1), from
    U = e^y on: (1 + 2uw)^{−½} ≤ (1 + 2Uw)^{−½}·((1 + 2Uw)/(2uw))^{½} for the k largest
    weights and the rest ≤ their value at U, so Π|L| ≤ e^{−B(U)/2}·R_k·u^{−k/2}; |N(u)| ≤
    |N|(U), or ≤ Σ|a_j|/(2uw_j) when a vanishes off w's support. Each (k ≤ max(16, 2p + 1),
    option) with a convergent integral gives a bound; the least is returned (∞ if none
    converges)."""
    top = np.sort(w[w > 0])[::-1][:max(_TOP, math.floor(2 * p) + 1)]
    k = np.arange(1, top.size + 1)
    log_r = np.cumsum(0.5 * np.log((1.0 + 2.0 * math.exp(y) * top) / (2.0 * top)))
    bounds = []
    options = [(0.0, math.log(n_abs))]
    if np.any(a) and not np.any((w == 0) & (a != 0)):
        options.append((1.0, math.log(float(np.sum(np.abs(a[w > 0]) / (2.0 * w[w > 0]))))))
    for extra, log_n in options:
        slope = k / 2.0 + extra - p
        ok = slope > 0
        bounds.append(-0.5 * b + log_r[ok] + log_n - slope[ok] * y - np.log(slope[ok]))
    exponents = np.concatenate(bounds)
    return math.exp(float(np.min(exponents))) if exponents.size else math.inf


def _table(a: FloatArray, w: FloatArray, p: float, moment: bool, h: float) -> _Table:
    """The nodes from where the lower tail is negligible (e^{py} ≤ TAIL·p) up to where the
    upper-tail bound falls below TAIL of the mass so far; normalised weights w̃ ≤ 1."""
    wn = w / float(np.max(w))
    an = np.zeros_like(wn) if moment else a
    k_lo = math.floor(math.log(TAIL * p) / p / h)
    k_series = math.floor(math.log(0.25) / h)  # z = 2e^y ≤ ½: every x_j ≤ ½
    y = np.arange(k_lo, k_series + 1) * h
    m, q, qa = _powers(wn, an, SERIES + 1)
    if moment:  # N ≡ 1
        q[:], qa[:] = 0.0, 0.0
        q[0] = qa[0] = 1.0
    parts, ys = [_series(2.0 * np.exp(y), m, q, qa)], [y]
    mass = float(np.sum(np.exp(p * y - 0.5 * parts[0][0]) * np.abs(parts[0][3]))) * h
    k = k_series + 1
    while True:
        yb = np.arange(k, k + _BLOCK) * h
        block = _direct(2.0 * np.exp(yb), wn, an)
        if moment:
            block = (block[0], block[1], *(np.ones_like(yb),) * 2, *block[4:])
        parts.append(block)
        ys.append(yb)
        mass += float(np.sum(np.exp(p * yb - 0.5 * block[0]) * np.abs(block[3]))) * h
        tail = _upper_tail(float(yb[-1]), float(block[0][-1]), float(block[3][-1]), wn, an, p)
        k += _BLOCK
        if tail <= TAIL * mass or yb[-1] > _Y_MAX:
            break
    b, aa, n, n_abs, rem_b, rem_a, rem_n = (np.concatenate(c) for c in zip(*parts, strict=True))
    a_abs = 1.0 if moment else float(np.sum(np.abs(a)))
    return _Table(np.concatenate(ys), b, aa, n, n_abs, rem_b, rem_a, rem_n, tail, int(w.size),
                  p, a_abs)


def _strip_mass(t: _Table, w: FloatArray, a: FloatArray, p: float, h: float) -> float:
    """A bound on M = sup_{|η|<π/2} ∫|f(y + iη)| dy, per unit of the prefactor (w̃ ≤ 1).
    On the strip Re u ≥ 0, so with x = 2uw̃: |1 + x|² ≥ 1 + |x|², Re(x/(1 + x)) ≥ 0 (so
    |exp(·)| ≤ 1) and |1 + x| ≥ max(1, |x|). Hence |f| ≤ F(y) = e^{py}·D(y), independent of
    η, with D(y) = Π_{j≤k}(1 + 4e^{2y}w̃_j²)^{−¼}·min(Σ|a|, Σ|a_j|/(2e^y w̃_j)) over the k
    largest weights (the other factors are ≤ 1) non-increasing. On a cell [y, y + h],
    F ≤ e^{p(y+h)}D(y); those cells over a grid, plus ∫_{−∞}^{y₀} F ≤ Σ|a|e^{py₀}/p and
    ∫_{y₁}^∞ F ≤ C e^{−σy₁}/σ (F ≤ C e^{−σy} there, σ = k/2 − p or k/2 + 1 − p > 0), bound
    ∫F ≥ M (in real arithmetic; the float64 evaluation errs by ~10⁻¹³ relative)."""
    positive = np.sort(w[w > 0])[::-1][:max(_TOP, math.floor(2 * p) + 1)]  # k/2 > p if can
    k = positive.size
    y = np.arange(math.floor(t.y[0] / h), math.ceil((t.y[-1] + 60.0) / h) + 1) * h
    log_x = np.add.outer(y + math.log(2.0), np.log(positive))  # ln|x_j| = ln(2e^y w̃_j)
    log_d = -0.25 * np.logaddexp(0.0, 2.0 * log_x).sum(axis=1)
    options = [(0.0, math.log(t.a_abs))]  # (extra decay from |N| ≤ D/u, ln of its constant)
    if np.any(a) and not np.any((w == 0) & (a != 0)):
        d = float(np.sum(np.abs(a[w > 0]) / (2.0 * w[w > 0])))
        log_d = log_d + np.minimum(math.log(t.a_abs), math.log(d) - y)
        options.append((1.0, math.log(d)))
    else:
        log_d = log_d + math.log(t.a_abs)
    cells = h * float(np.sum(np.exp(p * (y[:-1] + h) + log_d[:-1])))
    lower = t.a_abs * math.exp(p * y[0]) / p
    log_c = -0.5 * float(np.sum(np.log(2.0 * positive)))  # (2e^y w̃)^{−½} ≥ each factor
    upper = min((math.exp(log_c + log_n - (k / 2 + extra - p) * y[-1]) / (k / 2 + extra - p)
                 for extra, log_n in options if k / 2 + extra > p), default=math.inf)
    return cells + lower + upper


@cache
def _cached_table(a: bytes, w: bytes, p: float, moment: bool, h: float) -> tuple[_Table, float]:
    """The table for weights given as float64 bytes (a cheap, exact cache key)."""
    a_arr, w_arr = np.frombuffer(a, dtype=np.float64), np.frombuffer(w, dtype=np.float64)
    table = _table(a_arr, w_arr, p, moment, h)
    return table, _strip_mass(table, w_arr / np.max(w_arr), a_arr, p, h)


def _integrate(table: _Table, strip: float, mu: float, prefactor: float,
               h: float) -> Quadrature:
    """prefactor·Σ_k h·e^{py_k − B/2 − μ²u_kA}·N_k (units s = 1, w_max = 1; ``prefactor``
    is μ/√π or 1/Γ(p)) and its error bound: discretisation 2M/(e^{π²/h} − 1), both tails,
    the series remainders (through e^δ − 1 and the remainder of N) and 4ε per operation on
    every node's |f|·(1 + |ln f|) as a rounding allowance."""
    u = np.exp(table.y)
    log_f = table.p * table.y - 0.5 * table.b - mu * mu * u * table.a
    weight = abs(prefactor) * h
    f_abs = np.exp(log_f) * table.n_abs
    value = prefactor * h * float(np.sum(np.exp(log_f) * table.n))
    delta = 0.5 * table.rem_b + mu * mu * u * table.rem_a
    series = weight * float(np.sum(f_abs * np.expm1(delta) + np.exp(log_f + delta) * table.rem_n))
    ops = table.terms + SERIES + table.y.size
    rounding = 4.0 * EPS * ops * weight * float(np.sum(f_abs * (1.0 + np.abs(log_f))))
    lower = abs(prefactor) * table.a_abs * math.exp(table.p * table.y[0]) / table.p
    upper = abs(prefactor) * table.tail
    disc = abs(prefactor) * 2.0 * strip / math.expm1(math.pi**2 / h)
    return Quadrature(value, disc + lower + upper + series + rounding)


# --------------------------------------------------------------------------------------
# Public expectations
# --------------------------------------------------------------------------------------


def _check_s(mu: float, s: float) -> tuple[float, float]:
    return check_real("mu", mu), check_positive("s", s)


@finite_result
def ratio_expectation(a: Sequence[float] | FloatArray, w: Sequence[float] | FloatArray,
                      mu: float, s: float, *, eps: float = 0.0, h: float = STEP) -> Quadrature:
    """E[Σa_j g_j / (√(Σw_j g_j²) + ε)] for i.i.d. g_j ~ N(μ, s²), s > 0, by the Laplace
    quadrature of the module docstring. Exists when a vanishes wherever w does, or when at
    least two weights are positive (else E[1/|g|] = ∞ enters). The value is the ε = 0
    expectation; ε > 0 (Adam's ε outside the root) moves it by at most
    ε·E|m|/v ≤ ε·C·E[v^(−½)], C = :func:`ratio_bound`, which is added to the error."""
    mu, s = _check_s(mu, s)
    h = check_real("h", h, 0.0, 1.0, hi_open=False)
    eps = check_real("eps", eps, 0.0, lo_open=False)
    if a is None:
        raise ParameterError("a", a, "the numerator's weights, a sequence of numbers")
    a_arr, w_arr = _weights(a, w)
    if np.any((w_arr == 0) & (a_arr != 0)) and np.count_nonzero(w_arr) < 2:
        raise ParameterError("a", a, "zero wherever w is zero when fewer than two w_j > 0 "
                             "(otherwise the expectation is infinite)")
    table, strip = _cached_table(a_arr.tobytes(), w_arr.tobytes(), 0.5, False, h)
    r = mu / s
    q = _integrate(table, strip, r, r / math.sqrt(math.pi), h)
    scale = 1.0 / math.sqrt(float(np.max(w_arr)))
    shift = 0.0
    if eps > 0:
        bound = ratio_bound(a_arr, w_arr)
        if not math.isfinite(bound) or np.count_nonzero(w_arr) < 2:
            raise ParameterError("eps", eps, "0 unless two weights are positive and a "
                                 "vanishes off w's support (no bound on the ε-shift)")
        inv = inverse_power_expectation(w_arr, mu, s, h=h)
        shift = eps * bound * (inv.value + inv.error)
    return Quadrature(q.value * scale, q.error * scale + shift)


@finite_result
def inverse_power_expectation(w: Sequence[float] | FloatArray, mu: float, s: float,
                              p: float = 0.5, *, eps: float = 0.0,
                              h: float = STEP) -> Quadrature:
    """E[(√(Σw_j g_j²) + ε)^{−2p}] for i.i.d. g_j ~ N(μ, s²), s > 0, p > 0; the value is the
    ε = 0 moment E[v^{−p}], finite iff more than 2p weights are positive (a χ²-type law with
    k degrees of freedom has E X^{−p} < ∞ iff k > 2p). ε > 0 moves it by at most
    2pε·E[v^{−p−½}] (mean value theorem), added to the error. With w ≡ 1 this is AdaGrad's
    E[(Σg²)^{−p}] (closed form for p = ½: :func:`adagrad_inverse_sqrt`)."""
    mu, s = _check_s(mu, s)
    p = check_positive("p", p)
    h = check_real("h", h, 0.0, 1.0, hi_open=False)
    eps = check_real("eps", eps, 0.0, lo_open=False)
    _, w_arr = _weights(None, w)
    positive = int(np.count_nonzero(w_arr))
    needed = 2 * p + (1 if eps > 0 else 0)
    if positive <= needed:
        raise ParameterError("w", w, f"more than {needed:g} positive weights (E v^(−p) is "
                             f"infinite, or the ε-shift unbounded, with {positive})")
    table, strip = _cached_table(np.zeros_like(w_arr).tobytes(), w_arr.tobytes(), p, True, h)
    q = _integrate(table, strip, mu / s, 1.0 / math.gamma(p), h)
    scale = (float(np.max(w_arr)) * s * s) ** -p
    shift = 0.0
    if eps > 0:
        deeper = inverse_power_expectation(w_arr, mu, s, p + 0.5, h=h)
        shift = 2 * p * eps * (deeper.value + deeper.error)
    return Quadrature(q.value * scale, q.error * scale + shift)


def adam_step_expectation(beta1: float, beta2: float, t: int, mu: float,
                          s: float) -> Quadrature:
    """E[m̂_t/√v̂_t] after t Adam steps from zero moments, i.i.d. g ~ N(μ, s²) (ε = 0)."""
    t = check_int("t", t, 1)
    check_real("beta1", beta1, 0.0, 1.0, lo_open=False)
    check_real("beta2", beta2, 0.0, 1.0, lo_open=False)
    return ratio_expectation(ema_weights(beta1, t), ema_weights(beta2, t), mu, s)


def stationary_steps(*betas: float) -> int:
    """Steps after which every βᵗ < e^{−37} ≈ 10⁻¹⁶: stationary to float64 precision."""
    return max([1, *(math.ceil(37.0 / (1.0 - check_real("beta", b, 0.0, 1.0, lo_open=False)))
                     for b in betas if b > 0)])


def stationary_step_expectation(beta1: float, beta2: float, mu: float,
                                s: float) -> Quadrature:
    """E[m̂/√v̂] in Adam's stationary regime (:func:`adam_step_expectation` after
    :func:`stationary_steps` steps, where the bias correction has faded below 10⁻¹⁶)."""
    return adam_step_expectation(beta1, beta2, stationary_steps(beta1, beta2), mu, s)


def adagrad_inverse_sqrt(t: int, mu: float, s: float) -> float:
    """E[(Σ_{τ≤t} g_τ²)^{−½}] for i.i.d. g ~ N(μ, s²), t ≥ 2, in closed form: Σg²/s² is
    noncentral χ²_t(λ = tμ²/s²), a Poisson(λ/2) mixture of central χ²_{t+2j}, for which
    E X^{−½} = Γ((k − 1)/2)/(√2 Γ(k/2)); summed, (1/s)·Γ((t − 1)/2)/(√2 Γ(t/2))·
    e^{−λ/2} ₁F₁((t − 1)/2; t/2; λ/2). Evaluated by mpmath at 30 digits."""
    t = check_int("t", t, 2)
    mu, s = _check_s(mu, s)
    with mpmath.workdps(30):
        half = mpmath.mpf(1) / 2
        lam = mpmath.mpf(t) * (mpmath.mpf(mu) / mpmath.mpf(s)) ** 2
        value = (mpmath.gamma(mpmath.mpf(t - 1) / 2) / (mpmath.sqrt(2) * mpmath.gamma(
            mpmath.mpf(t) / 2)) * mpmath.exp(-lam * half)
            * mpmath.hyp1f1(mpmath.mpf(t - 1) / 2, mpmath.mpf(t) / 2, lam * half))
        return float(value / mpmath.mpf(s))
