"""Numerical bifurcation analysis of one-parameter polynomial maps of the line, x ↦ f(x, η).

**Flip points to high precision.** A k-cycle through x loses stability by a flip (period
doubling) where G(x, η) = (f^k(x) − x, (f^k)'(x) + 1) vanishes. :func:`locate_flip` runs
Newton's method on G in mpmath with ``dps`` digits; the Jacobian comes from forward-mode
derivatives along the orbit x_{t+1} = f(x_t, η), with P_t = Π_{s<t} f_x(x_s):

    ∂x_{t+1}/∂η = f_x ∂x_t/∂η + f_η,
    ∂P_{t+1}/∂x₀ = f_x ∂P_t/∂x₀ + P_t² f_xx,
    ∂P_{t+1}/∂η = f_x ∂P_t/∂η + P_t (f_xx ∂x_t/∂η + f_xη).

*Certificate*: the cycle is continued (Newton on f^k(x) = x at fixed η) to η̂ − h and
η̂ + h; when (f^k)' + 1 has opposite signs there, the multiplier crosses −1 inside
(η̂ − h, η̂ + h) by the intermediate value theorem, so |η_flip − η̂| < h. h = 10^{−dps/2} is
far above the working precision, so rounding cannot fake the sign change.

**The cascade** (:func:`flip_cascade`): the 2^j-cycle flips at η_{j+1}. Each guess is
extrapolated from the last two flips with the last measured ratio; the cycle point to start
Newton from is found by iterating the map (in floats) inside the window where that cycle
attracts. The **Feigenbaum ratios** δ_n = (η_n − η_{n−1})/(η_{n+1} − η_n) carry the
flips' certified errors (:func:`feigenbaum_ratios`).

**Their limit** is bracketed through the ratios r_n = Δ_n/Δ_{n−1} of successive differences
Δ_n = δ_{n+1} − δ_n: the tail δ − δ_N = Δ_{N−1}·Σ_{j≥1} r_N⋯r_{N+j−1} is a geometric series
when the r_n are bounded. No finite computation bounds the ratios not yet computed, so the
bounds of :func:`geometric_tail` (|r_n| ≤ the largest observed) and :func:`aitken_limit`
(r_n within the observed range; the error of Aitken's Δ², :func:`aitken`) hold under that
stated hypothesis, which the caller must justify — for a period-doubling cascade by the
renormalization asymptotics δ_n − δ ~ C·δ^{−n} (so r_n → 1/δ) and by computing further.

**Lyapunov exponents** (:func:`finite_time_lyapunov`): (1/T) Σ_{t0 ≤ t < t0+T} ln|f_x(x_t)|
for a batch of orbits on any array module (NumPy, CuPy). On an attracting k-cycle with
multiplier μ and T a multiple of k, the limit is ln|μ|/k.

Certified trapping boxes and the bias of finite-time exponents are in
:mod:`lrtheory.models.trapping`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from lrtheory.errors import ParameterError, check_int, check_positive, check_real
from lrtheory.models.rounding import EPS

Fn = Callable[[Any, Any], Any]

FEIGENBAUM_DELTA = mpmath.mpf("4.669201609102990671853203820466201617258185577475768632745651")
"""Feigenbaum's first constant δ (OEIS A006890): a literature value to compare with."""


class BifurcationError(ArithmeticError):
    """A Newton solve did not converge, or its certificate failed."""


@dataclass(frozen=True)
class MapFamily:
    """f(x, η) and the partial derivatives the methods need, as plain-arithmetic callables:
    the same function evaluates floats, NumPy/CuPy arrays, mpmath numbers and intervals."""

    f: Fn
    fx: Fn
    fxx: Fn
    feta: Fn
    fxeta: Fn

    @classmethod
    def from_sympy(cls, expr: sp.Expr, x: sp.Symbol, eta: sp.Symbol) -> MapFamily:
        """The family of a SymPy expression polynomial in x and η."""
        for s, name in ((x, "x"), (eta, "eta")):
            if not isinstance(s, sp.Symbol):
                raise ParameterError(name, s, "a SymPy Symbol")
        if not expr.is_polynomial(x, eta) or expr.free_symbols - {x, eta}:
            raise ParameterError("expr", expr, f"a polynomial in {x} and {eta} only")

        def compile_(e: sp.Expr) -> Fn:
            fn: Fn = sp.lambdify((x, eta), sp.expand(e), modules=[{}])
            return fn

        fx = sp.diff(expr, x)
        return cls(compile_(expr), compile_(fx), compile_(sp.diff(fx, x)),
                   compile_(sp.diff(expr, eta)), compile_(sp.diff(fx, eta)))


# --------------------------------------------------------------------------------------
# Periodic orbits and flips (mpmath)
# --------------------------------------------------------------------------------------


def _jet(fam: MapFamily, x0: Any, eta: Any, k: int) -> tuple[Any, Any, Any, Any, Any]:
    """(x_k, P, ∂x_k/∂η, ∂P/∂x₀, ∂P/∂η) along k steps from x₀ (module docstring)."""
    x, p, xe, px, pe = x0, mpmath.mpf(1), mpmath.mpf(0), mpmath.mpf(0), mpmath.mpf(0)
    for _ in range(k):
        a, axx = fam.fx(x, eta), fam.fxx(x, eta)
        px, pe = px * a + p * p * axx, pe * a + p * (axx * xe + fam.fxeta(x, eta))
        xe = a * xe + fam.feta(x, eta)
        p = p * a
        x = fam.f(x, eta)
    return x, p, xe, px, pe


@dataclass(frozen=True)
class PeriodicOrbit:
    """A k-cycle at parameter η: its points from x on, and its multiplier (mpmath numbers)."""

    period: int
    eta: Any
    points: tuple[Any, ...]
    multiplier: Any

    @property
    def x(self) -> Any:
        return self.points[0]


def periodic_orbit(fam: MapFamily, eta: float | Any, x0: float | Any, k: int, *,
                   dps: int = 50, max_steps: int = 100) -> PeriodicOrbit:
    """Newton's method on f^k(x) − x = 0 at fixed η from x₀, in mpmath with ``dps`` digits."""
    check_int("k", k, 1)
    check_int("dps", dps, 15, 10_000)
    with mpmath.workdps(dps):
        e, x = mpmath.mpf(eta), mpmath.mpf(x0)
        tol = mpmath.mpf(10) ** (8 - dps)
        for _ in range(max_steps):
            xk, p, *_ = _jet(fam, x, e, k)
            if p == 1:
                raise BifurcationError(f"(f^{k})' = 1 at x = {x}: Newton step undefined")
            step = (xk - x) / (p - 1)
            x -= step
            if abs(step) <= tol * max(1, abs(x)):
                points = [x]
                for _ in range(k - 1):
                    points.append(fam.f(points[-1], e))
                _, p, *_ = _jet(fam, x, e, k)
                return PeriodicOrbit(k, e, tuple(points), p)
    raise BifurcationError(f"no {k}-cycle found from x0 = {x0} at eta = {eta}")


@dataclass(frozen=True)
class Flip:
    """The parameter ``eta`` where a ``period``-cycle through ``x`` has multiplier −1, with a
    certified half-width ``error`` (module docstring)."""

    period: int
    eta: Any
    x: Any
    error: Any
    newton_steps: int


def locate_flip(fam: MapFamily, k: int, eta0: float | Any, x0: float | Any, *,
                dps: int = 50, max_steps: int = 60) -> Flip:
    """Newton's method on (f^k(x) − x, (f^k)'(x) + 1) = 0 from (x₀, η₀), then the
    sign-change certificate at η̂ ± 10^{−dps/2} (module docstring)."""
    check_int("k", k, 1)
    check_int("dps", dps, 20, 10_000)
    with mpmath.workdps(dps):
        x, e = mpmath.mpf(x0), mpmath.mpf(eta0)
        tol = mpmath.mpf(10) ** (10 - dps)
        steps, converged = 0, False
        while steps < max_steps and not converged:
            steps += 1
            xk, p, xe, px, pe = _jet(fam, x, e, k)
            jac = mpmath.matrix([[p - 1, xe], [px, pe]])
            try:
                dx, de = mpmath.lu_solve(jac, mpmath.matrix([xk - x, p + 1]))
            except ZeroDivisionError as exc:
                raise BifurcationError(f"singular Jacobian at x = {x}, eta = {e}") from exc
            x, e = x - dx, e - de
            converged = abs(dx) <= tol * max(1, abs(x)) and abs(de) <= tol * max(1, abs(e))
        if not converged:
            raise BifurcationError(f"no flip of a {k}-cycle found from eta0 = {eta0}")
        h = mpmath.mpf(10) ** (-(dps // 2))
        signs = [periodic_orbit(fam, e + s * h, x, k, dps=dps).multiplier + 1 for s in (-1, 1)]
        if signs[0] * signs[1] >= 0:
            raise BifurcationError(f"(f^{k})' + 1 does not change sign across eta = {e} ± {h}")
        return Flip(k, +e, +x, h, steps)


def flip_cascade(fam: MapFamily, seed: Callable[[float], float],
                 first: Sequence[tuple[float, float]], levels: int, *, dps: int = 50,
                 ratio_guess: float = 4.67, settle: int = 4000) -> tuple[Flip, ...]:
    """The flips of the 1-, 2-, 4-, … cycles, ``levels`` of them (module docstring).

    ``first`` gives, for the first two levels, (an η where that cycle attracts, a guess of
    its flip); ``seed(η)`` a start in the cycle's basin (a critical point, by Singer's
    theorem, for maps of negative Schwarzian). Each later guess extrapolates the last two
    flips with the last measured ratio (``ratio_guess`` for the third).
    """
    check_int("levels", levels, 2, 12)
    if len(first) != 2:
        raise ParameterError("first", first, "two (inside, guess) pairs, for periods 1 and 2")
    flips: list[Flip] = []
    for n in range(levels):
        k = 2**n
        if n < 2:
            inside, guess = first[n]
        else:
            a, b = float(flips[-2].eta), float(flips[-1].eta)
            ratio = ratio_guess if n == 2 else (
                float(flips[-2].eta - flips[-3].eta) / (b - a))
            guess = b + (b - a) / ratio
            inside = b + (guess - b) / 2
        x = float(seed(inside))
        for _ in range(settle + k):
            x = fam.f(x, inside)
        flip = locate_flip(fam, k, guess, x, dps=dps)
        if flips and not flip.eta > flips[-1].eta:
            raise BifurcationError(f"the {k}-cycle's flip {flip.eta} is not past the last one")
        with mpmath.workdps(dps):
            for d in (d for d in range(1, k) if k % d == 0):
                if abs(_jet(fam, flip.x, flip.eta, d)[0] - flip.x) < mpmath.mpf(10) ** -8:
                    raise BifurcationError(f"the flip at {flip.eta} is not of a {k}-cycle")
        flips.append(flip)
    return tuple(flips)


# --------------------------------------------------------------------------------------
# Feigenbaum ratios
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Value:
    """A computed number with an error bound or estimate (``kind`` says which)."""

    value: float
    error: float
    kind: str = "bound"


def feigenbaum_ratios(flips: Sequence[Flip]) -> tuple[Value, ...]:
    """δ_n = (η_n − η_{n−1})/(η_{n+1} − η_n) for consecutive flips, each with the
    first-order propagation of the flips' certified errors, doubled (a bound, as they are
    tiny), plus the rounding to double."""
    if len(flips) < 3:
        raise ParameterError("flips", len(flips), "at least 3 flips")
    out = []
    with mpmath.workdps(60):
        for a, b, c in zip(flips, flips[1:], flips[2:], strict=False):
            left, right = b.eta - a.eta, c.eta - b.eta
            d = left / right
            err = (a.error / right + b.error * (1 / right + left / right**2)
                   + c.error * left / right**2)
            out.append(Value(float(d), float(2 * err) + EPS * abs(float(d))))  # + rounding
    return tuple(out)


def aitken(values: Sequence[float]) -> list[float]:
    """Aitken's Δ² extrapolation s_n − (Δs_n)²/Δ²s_{n−1} of a sequence (length − 2 terms)."""
    if len(values) < 3:
        raise ParameterError("values", len(values), "at least 3 terms")
    v = [mpmath.mpf(s) for s in values]
    return [float(c - (c - b) ** 2 / (c - 2 * b + a)) for a, b, c in zip(v, v[1:], v[2:],
                                                                         strict=False)]


def difference_ratios(values: Sequence[float]) -> list[float]:
    """r_n = Δ_n/Δ_{n−1} with Δ_n = s_{n+1} − s_n: the ratios of successive differences, which
    tend to the rate of a geometrically converging sequence."""
    if len(values) < 3:
        raise ParameterError("values", len(values), "at least 3 terms")
    diffs = [b - a for a, b in itertools.pairwise(values)]
    return [d1 / d0 for d0, d1 in itertools.pairwise(diffs)]


def _tail_factor(r: float) -> float:
    """f(r) = r/(1 − r) = Σ_{j≥1} r^j."""
    return r / (1 - r)


def geometric_tail(values: Sequence[float]) -> Value:
    """The limit of s_0, …, s_N placed at s_N, with the tail bound

        |limit − s_N| = |Δ_{N−1}·Σ_{j≥1} r_N⋯r_{N+j−1}| ≤ |Δ_{N−1}|·r̄/(1 − r̄),

    r̄ < 1 the largest observed |r_n|. A bound *under the hypothesis* that no later ratio
    exceeds r̄ in modulus; the data cannot prove that, so the caller must justify it."""
    r = max(abs(q) for q in difference_ratios(values))
    if r >= 1:
        raise ParameterError("values", values, "a sequence whose differences shrink")
    return Value(values[-1], abs(values[-1] - values[-2]) * _tail_factor(r),
                 "bound if no later |r_n| exceeds the largest observed")


def aitken_limit(values: Sequence[float], error: float = 0.0) -> Value:
    """Aitken's Δ² value of the last three terms, s_N + Δ_{N−1}·f(r_{N−1}) with
    f(r) = r/(1 − r), and a bound on its distance to the limit.

    For a monotone sequence (observed ratios 0 < r_min ≤ r_n ≤ r_max < 1), *if every later
    ratio stays in [r_min, r_max]*, the limit s_N + Δ_{N−1}·Σ_{j≥1} r_N⋯r_{N+j−1} lies
    between s_N + Δ_{N−1}·f(r_min) and s_N + Δ_{N−1}·f(r_max), so the Aitken value is off
    by at most |Δ_{N−1}|·max(f(r_max) − f(r_{N−1}), f(r_{N−1}) − f(r_min)). ``error`` bounds
    each term's own error; it enters multiplied by Σ|∂A/∂s| = (1 + 2f(r_{N−1}))²."""
    ratios = difference_ratios(values)
    lo, hi, last = min(ratios), max(ratios), ratios[-1]
    if not 0 < lo <= hi < 1:
        raise ParameterError("values", values, "a monotone sequence whose differences "
                             "shrink (ratios of differences in (0, 1))")
    f = _tail_factor
    spread = max(f(hi) - f(last), f(last) - f(lo))
    bound = abs(values[-1] - values[-2]) * spread + (1 + 2 * f(last)) ** 2 * error
    return Value(aitken(values[-3:])[0], bound,
                 "bound if every later ratio of differences stays in the observed range")


# --------------------------------------------------------------------------------------
# Orbits of a batch (any array module)
# --------------------------------------------------------------------------------------


def finite_time_lyapunov(fam: MapFamily, eta: Any, x0: Any, burn: int, steps: int,
                         xp: Any = np) -> Any:
    """(1/T) Σ ln|f_x(x_t)| over t = burn, …, burn + T − 1, for every orbit of the batch."""
    check_int("burn", burn, 0)
    check_int("steps", steps, 1)
    x = x0
    for _ in range(burn):
        x = fam.f(x, eta)
    acc = xp.zeros_like(x)
    for _ in range(steps):
        acc = acc + xp.log(xp.abs(fam.fx(x, eta)))
        x = fam.f(x, eta)
    return acc / steps


def attractor(fam: MapFamily, eta: Any, x0: Any, burn: int, keep: int,
              xp: Any = np) -> tuple[Any, Any]:
    """The ``keep`` points after ``burn`` steps of every orbit, shape (keep, n), and each
    orbit's finite-time Lyapunov exponent over those points."""
    check_int("burn", burn, 0)
    check_int("keep", keep, 1)
    x = x0
    for _ in range(burn):
        x = fam.f(x, eta)
    points, acc = [], xp.zeros_like(x)
    for _ in range(keep):
        points.append(x)
        acc = acc + xp.log(xp.abs(fam.fx(x, eta)))
        x = fam.f(x, eta)
    return xp.stack(points), acc / keep


def map_maximum(fam: MapFamily, eta: float, lo: float, hi: float,
                xatol: float = 1e-10) -> float:
    """max f(·, η) on [lo, hi] by SciPy's bounded Brent: x lands within
    2(√ε|x| + xatol/3) of an interior maximiser, so the value is off by ≤ ½|f''| times
    that squared, plus rounding."""
    from scipy.optimize import minimize_scalar  # deferred: scipy.optimize is slow to import

    lo = check_real("lo", lo)
    hi = check_real("hi", hi, lo)
    best = minimize_scalar(lambda v: -fam.f(v, eta), bounds=(lo, hi), method="bounded",
                           options={"xatol": check_positive("xatol", xatol)})
    return float(-best.fun)


def orbit_stays(fam: MapFamily, eta: float, x0: float, steps: int, lower: float,
                upper: float) -> bool:
    """Whether the orbit of x₀ stays in [lower, upper] for ``steps`` steps."""
    check_int("steps", steps, 1)
    x = x0
    for _ in range(steps):
        x = fam.f(x, eta)
        if not lower <= x <= upper:
            return False
    return True
