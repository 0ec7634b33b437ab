"""Clipped gradient descent on f(x) = (λ/2)x²: the map in floats, arrays, exact rationals and
SymPy, its landing law, and the Monte Carlo kernel.

    F(x) = x − η·clip(λx),   clip(g) = g·min(1, C/|g|),

the linear branch (1 − ηλ)x for |x| ≤ C/λ and the clipped branches x − ηC·sgn x beyond. In
the dimensionless u = λx/C the map depends on a = ηλ only:

    F_u(u) = (1 − a)u  on |u| ≤ 1,   u − a·sgn u  on |u| > 1.

For a ≥ 2 the period-2 points form P = [−A, −C/λ] ∪ [C/λ, A] (A = C(a − 1)/λ; at a = 2 the
whole of [−C/λ, C/λ]). The *amplitude law* (:func:`amplitude_law`) is derived, not typed:
the uniform start density on whole periods [−NηC, NηC] is pushed forward through F by its
transfer operator until it lands in P (:meth:`PiecewiseAffineMap.absorption`: the branch
Jacobians, iterated step by step, and a geometric ``summation`` over the steps once the
unlanded part repeats), and the landing density is pushed forward once more through the
amplitude map u ↦ max(|u|, |F(u)|) (:meth:`PiecewiseAffineMap.max_modulus_map`). Its mean
and upper tail are SymPy integrals of that density.

The parameters and the map in floats, arrays and exact rationals are
:mod:`lrtheory.models.clipping_map` (exported from here too).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import sympy as sp

from lrtheory.arrays import astype
from lrtheory.errors import ParameterError, check_int, check_positive, check_real, float_array
from lrtheory.models.clipping_map import (
    LOG_RANGE,
    N_PERIODS,
    check_clipping,
    clipped_gd_step,
    exact_landing,
    exact_step,
    predicted_landing,
    start_grid,
)
from lrtheory.models.rounding import EPS
from lrtheory.montecarlo.runner import ChunkRNG, Kernel
from lrtheory.symbolic.maps import (
    Absorption,
    Branch,
    Density,
    PiecewiseAffineMap,
    density_expectation,
    density_mass,
)

__all__ = [
    "BRANCHES",
    "C_SYM",
    "DELTA",
    "EPS",
    "ETA",
    "LAM",
    "LOG_RANGE",
    "N_PERIODS",
    "AmplitudeLaw",
    "S",
    "SymbolicClipping",
    "U",
    "X",
    "amplitude_law",
    "attractor_kernel",
    "cells",
    "check_clipping",
    "clipped_gd_step",
    "exact_landing",
    "exact_step",
    "last_two_iterates",
    "max_amplitude",
    "mean_amplitude",
    "predicted_landing",
    "start_grid",
    "symbolic_map",
    "tail_probability",
    "to_x",
    "truncation_bias",
    "unit_map",
]

# --------------------------------------------------------------------------------------
# The map in SymPy and its amplitude law
# --------------------------------------------------------------------------------------

ETA, LAM, C_SYM = sp.symbols("eta lambda C", positive=True)
X = sp.Symbol("x", real=True)
U = sp.Symbol("u", real=True)
S = sp.Symbol("s", positive=True)  # ηλ = 2 + s beyond the bound
DELTA = sp.Symbol("delta", positive=True)
BRANCHES = ("linear", "clipped +", "clipped −")


@dataclass(frozen=True)
class SymbolicClipping:
    """The clipped map resolved from clip(g) = g·min(1, C/|g|): ``ratio_linear`` = clip(g)/g
    for |g| ≤ C, ``clipped`` = clip(±C(1+t)) for |g| > C, the branches ``F`` in x and
    ``F_u`` in u = λx/C (``BRANCHES`` order)."""

    ratio_linear: sp.Expr
    clipped: tuple[sp.Expr, sp.Expr]
    F: tuple[sp.Expr, sp.Expr, sp.Expr]
    F_u: tuple[sp.Expr, sp.Expr, sp.Expr]


@functools.cache
def symbolic_map() -> SymbolicClipping:
    """Resolve the minimum in clip(g): |g| ≤ C written g = C/(1+t), |g| > C written
    g = ±C(1+t), t > 0; then F(x) = x − η·clip(λx) and F_u(u) = (λ/C)·F((C/λ)u)."""
    g, t = sp.Symbol("g", real=True), sp.Symbol("t", positive=True)
    clip = g * sp.Min(1, C_SYM / sp.Abs(g))
    ratio = sp.cancel(clip.subs(g, C_SYM / (1 + t)) / (C_SYM / (1 + t)))
    clipped = (sp.cancel(clip.subs(g, C_SYM * (1 + t))),
               sp.cancel(clip.subs(g, -C_SYM * (1 + t))))
    F = (sp.expand(X - ETA * ratio * LAM * X), X - ETA * clipped[0], X - ETA * clipped[1])
    F_u = tuple(sp.expand(LAM / C_SYM * f.subs(X, C_SYM * U / LAM)) for f in F)
    return SymbolicClipping(ratio, clipped, F, (F_u[0], F_u[1], F_u[2]))


def unit_map(a: sp.Expr) -> PiecewiseAffineMap:
    """The clipped map in u = λx/C at ηλ = a: branches on |u| ≤ 1, u > 1, u < −1.
    ``a`` is an exact positive SymPy expression (2 + s, say)."""
    a = sp.sympify(a)
    if a.has(sp.Float) or a.is_positive is False:
        raise ParameterError("a", a, "an exact positive SymPy expression")
    domains = (sp.Interval(-1, 1), sp.Interval.open(1, sp.oo), sp.Interval.open(-sp.oo, -1))
    return PiecewiseAffineMap(U, [
        Branch(n, e.subs(ETA, a / LAM), d)
        for n, e, d in zip(BRANCHES, symbolic_map().F_u, domains, strict=True)])


def to_x(piece: sp.Set) -> sp.Set:
    """A set of the dimensionless u = λx/C mapped to x = (C/λ)u."""
    f = C_SYM / LAM
    if isinstance(piece, sp.FiniteSet):
        return sp.FiniteSet(*(f * p for p in piece.args))
    if isinstance(piece, sp.Interval):
        return sp.Interval(f * piece.start, f * piece.end, piece.left_open, piece.right_open)
    raise ParameterError("piece", piece, "an interval or a finite set")


def _density_to_x(density: Density, back: dict[sp.Symbol, sp.Expr]) -> Density:
    """A density of u as one of x = (C/λ)u: cells scaled by C/λ, values by λ/C."""
    return [(to_x(i).subs(back), sp.factor((v * LAM / C_SYM).subs(back)))
            for i, v in density]


@dataclass(frozen=True)
class AmplitudeLaw:
    """Where x₀ uniform on [−NηC, NηC] lands and the amplitude of the cycle it lands on.

    In x units, as functions of η, λ, C (and δ): ``cycles`` the period-2 points, ``top``
    their largest modulus, ``landing`` the density of the landing point, ``mass`` its
    integral, ``amplitude`` the density of max(|x|, |F(x)|) on the cycle reached, ``mean``
    its mean, ``tail`` = P(amplitude > top − δ) for 0 ≤ δ ≤ ``tail_range`` (the top cell
    of the amplitude density). ``absorption`` and ``amplitude_map`` are the u-unit
    computations behind them.
    """

    regime: Literal["beyond", "bound"]
    a: sp.Expr
    cycles: tuple[sp.Set, ...]
    top: sp.Expr
    absorption: Absorption
    amplitude_map: PiecewiseAffineMap
    landing: Density
    mass: sp.Expr
    amplitude: Density
    mean: sp.Expr
    tail: sp.Expr
    tail_range: sp.Expr

    def trail(self, label: str) -> list[tuple[str, sp.Basic]]:
        """The named intermediate results of the derivation, for a claim's steps."""
        ab = self.absorption
        return [
            (f"{label}: start density 1/(2Na) on [−Na, Na] (u = λx/C, N = {N_PERIODS}) "
             "pushed through F (Jacobians of the branches); part landing on the period-2 "
             "set at steps 0, 1, …", sp.Tuple(*(cells(d) for d in ab.by_step))),
            (f"{label}: unlanded density u_(n−1), factor r with u_n = r·u_(n−1) "
             "(r = 0: all landed), Σ_j r^j",
             sp.Tuple(cells(ab.unlanded), ab.ratio, ab.geometric)),
            (f"{label}: landing density of x and its mass",
             sp.Tuple(cells(self.landing), self.mass)),
            (f"{label}: amplitude map u ↦ max(|u|, |F(u)|) on the 2-cycle points",
             sp.Tuple(*(sp.Tuple(b.domain, b.expr) for b in self.amplitude_map.branches))),
            (f"{label}: amplitude density (pushforward), mean ∫v·h, tail ∫_(A−δ)^A h",
             sp.Tuple(cells(self.amplitude), self.mean, self.tail)),
        ]


def cells(density: Density) -> sp.Tuple:
    """A density as a SymPy tuple of (interval, value) cells, for display and comparison."""
    return sp.Tuple(*(sp.Tuple(i, v) for i, v in density))


@functools.cache
def amplitude_law(regime: Literal["beyond", "bound"]) -> AmplitudeLaw:
    """The amplitude law at ηλ = 2 + s, s > 0 (``"beyond"``) or ηλ = 2 (``"bound"``).

    Start density 1/(2Na) on [−Na, Na] (u units) → :meth:`absorption` into the period-2
    set P → pushforward of the landing density through u ↦ max(|u|, |F(u)|) on P → mean
    ∫ v h(v) dv and tail ∫_{top−δ}^{top} h(v) dv on the top cell of h.
    """
    if regime not in ("beyond", "bound"):
        raise ParameterError("regime", regime, "'beyond' or 'bound'")
    a: sp.Expr = 2 + S if regime == "beyond" else sp.Integer(2)
    back: dict[sp.Symbol, sp.Expr] = {S: ETA * LAM - 2}
    f = unit_map(a)
    cycles = f.periodic_points(2)
    start: Density = [(sp.Interval(-N_PERIODS * a, N_PERIODS * a), 1 / (2 * N_PERIODS * a))]
    absorption = f.absorption(start, cycles)
    amp_map = f.max_modulus_map(cycles)
    h = amp_map.transfer(absorption.landed)
    v = sp.Symbol("v", positive=True)
    top_cell, top_value = h[-1]
    tail = sp.integrate(top_value, (v, top_cell.end - DELTA * LAM / C_SYM, top_cell.end))
    unit = C_SYM / LAM
    return AmplitudeLaw(
        regime=regime,
        a=a,
        cycles=tuple(to_x(p).subs(back) for p in cycles),
        top=sp.factor((unit * cycles[-1].end).subs(back)),
        absorption=absorption,
        amplitude_map=amp_map,
        landing=_density_to_x(absorption.landed, back),
        mass=density_mass(absorption.landed),
        amplitude=_density_to_x(h, back),
        mean=sp.factor((unit * density_expectation(h, v, v)).subs(back)),
        tail=sp.factor(tail.subs(back)),
        tail_range=sp.factor((unit * (top_cell.end - top_cell.start)).subs(back)),
    )


def _evaluate(expr: sp.Expr, eta: float, lam: float, C: float, delta: float = 0.0) -> float:
    return float(expr.subs({ETA: eta, LAM: lam, C_SYM: C, DELTA: delta}))


def _law(eta: float, lam: float) -> AmplitudeLaw | None:
    a = eta * lam
    return None if a < 2 else amplitude_law("bound" if a == 2 else "beyond")


def max_amplitude(eta: float, lam: float, C: float) -> float:
    """Largest |x| on a 2-cycle, derived: C(ηλ − 1)/λ for ηλ ≥ 2; 0 below (every orbit
    tends to the fixed point 0)."""
    eta, lam, C = check_clipping(eta, lam, C)
    law = _law(eta, lam)
    return 0.0 if law is None else _evaluate(law.top, eta, lam, C)


def mean_amplitude(eta: float, lam: float, C: float) -> float:
    """Derived mean amplitude of the cycle reached from x₀ uniform on [−NηC, NηC]:
    (ηC/2 + C(ηλ−1)/λ)/2 for ηλ > 2, C/(2λ) at ηλ = 2, 0 below."""
    eta, lam, C = check_clipping(eta, lam, C)
    law = _law(eta, lam)
    return 0.0 if law is None else _evaluate(law.mean, eta, lam, C)


def tail_probability(eta: float, lam: float, C: float, delta: float) -> float:
    """Derived P(amplitude > C(ηλ−1)/λ − δ) for x₀ uniform on [−NηC, NηC].

    ηλ > 2: δ/(A − ηC/2) for 0 < δ ≤ A − ηC/2 (A = C(ηλ−1)/λ, the largest amplitude);
    ηλ = 2: δλ/C for 0 < δ ≤ C/λ; 1 < ηλ < 2: 0 for 0 < δ < C(ηλ−1)/λ (every orbit tends
    to 0, whose amplitude 0 is below the threshold).
    """
    eta, lam, C = check_clipping(eta, lam, C)
    law = _law(eta, lam)
    if law is None:
        check_real("delta", delta, 0.0, C * (eta * lam - 1) / lam)
        return 0.0
    check_real("delta", delta, 0.0, _evaluate(law.tail_range, eta, lam, C), hi_open=False)
    return _evaluate(law.tail, eta, lam, C, delta)


def truncation_bias(eta: float, lam: float, C: float, steps: int,
                    delta: float) -> tuple[float, float]:
    """Bounds on the gap between ``steps`` float steps and the landed law, for x₀ uniform on
    [−NηC, NηC]: (on the mean amplitude, on P(amplitude > C(ηλ−1)/λ − δ)).

    ηλ ≥ 2: an orbit not landed by T has |w|(ηλ−1)^(T−N) < C/λ after its ≤ N descents, w
    uniform over a period: probability 2(ηλ−1)^(−(T−N))/ηλ (0 at ηλ = 2); it moves the
    amplitude by at most A. Rounding drifts a landed orbit by ≤ 2ε·A per step (two rounded
    operations), which moves the fraction above a threshold by at most the amplitude
    density times T·2ε·A. ηλ < 2: after ≤ N + 1 clipped steps the linear branch contracts,
    so the last two iterates, hence the amplitude, are ≤ b = |1−ηλ|^(T−N−2)·C/λ; once
    |x_T − x_{T−1}| ≤ ηλ·b ≤ 4ε·C/λ (the kernel's τ) every orbit is classified on the fixed
    point, amplitude exactly 0, and both bounds are 0. Otherwise the mean is off by ≤ b and
    the tail indicator is exact while b < C(ηλ−1)/λ − δ (else bounded by 1).
    """
    eta, lam, C = check_clipping(eta, lam, C)
    check_int("steps", steps, N_PERIODS + 2)
    delta = check_positive("delta", delta)
    a = eta * lam
    if a < 2:
        b = abs(1 - a) ** (steps - N_PERIODS - 2) * C / lam
        if a * b <= 4 * EPS * C / lam:
            return 0.0, 0.0
        return b, 0.0 if b < C * (a - 1) / lam - delta else 1.0
    top = max_amplitude(eta, lam, C)
    unlanded = 2 * (a - 1) ** (-(steps - N_PERIODS)) / a if a > 2 else 0.0
    drift = steps * 2 * EPS * top
    density = lam / C if a == 2 else 1 / (top - eta * C / 2)
    return unlanded * top + drift, unlanded + density * drift


# --------------------------------------------------------------------------------------
# Monte Carlo and figures
# --------------------------------------------------------------------------------------


def attractor_kernel(eta: float, lam: float, C: float, steps: int, delta: float) -> Kernel:
    """Chains with two starts each: x₀ = ±(C/λ)·10^U(−6, 2) (random sign) and x₀ uniform
    on [−NηC, NηC]; after ``steps`` steps each orbit is classified from its last three
    points with the rounding tolerance τ = 4ε·max(|x|, C/λ) (two rounded operations per
    period): fixed point if |x_T − x_{T−1}| ≤ τ, 2-cycle if not and |x_T − x_{T−2}| ≤ τ.
    The attractor amplitude is 0 on the fixed point, max(|x_T|, |x_{T−1}|) otherwise.

    Per chain, with A = C(ηλ−1)/λ the stated largest amplitude: [log start on a 2-cycle,
    its amplitude ≤ A(1 + 4ε), its amplitude ≥ (ηC/2)(1 − 4ε), uniform start's amplitude
    > A − δ, uniform start's amplitude].
    """
    eta, lam, C = check_clipping(eta, lam, C)
    check_int("steps", steps, 2)
    delta = check_positive("delta", delta)
    unit, top = C / lam, C * (eta * lam - 1) / lam
    lo, hi = math.log(LOG_RANGE[0]), math.log(LOG_RANGE[1])

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        draw = rng.uniform(3)
        magnitude = xp.exp(lo + (hi - lo) * draw[:, 1]) * unit
        x = xp.stack([xp.where(draw[:, 0] < 0.5, -magnitude, magnitude),
                      (2.0 * draw[:, 2] - 1.0) * (N_PERIODS * eta * C)], axis=1)
        history = []
        for t in range(steps):
            x = clipped_gd_step(x, eta, lam, C, xp)
            if t >= steps - 3:
                history.append(x)
        x2, x1, x0 = history
        tau = 4 * EPS * xp.maximum(xp.maximum(xp.abs(x0), xp.abs(x1)),
                                   xp.maximum(xp.abs(x2), unit))
        fixed = xp.abs(x0 - x1) <= tau
        two = ~fixed & (xp.abs(x0 - x2) <= tau)
        amp = xp.where(fixed, 0.0, xp.maximum(xp.abs(x0), xp.abs(x1)))
        slack = 4 * EPS
        flags = (two[:, 0], amp[:, 0] <= top * (1 + slack),
                 amp[:, 0] >= eta * C / 2 * (1 - slack), amp[:, 1] > top - delta)
        return xp.stack([*(astype(xp, f, rng.dtype) for f in flags),
                         astype(xp, amp[:, 1], rng.dtype)], axis=1)

    return kernel


def last_two_iterates(a: np.ndarray[Any, Any], x0: np.ndarray[Any, Any],
                      steps: int) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """(x_{T−1}, x_T) of the map in units C/λ (λ = C = 1, η = ηλ) for every ηλ in ``a``
    (shape (m,)) from the starts ``x0`` (shape (m, n), units C/λ)."""
    a = float_array("a", a)
    x0 = float_array("x0", x0)
    if a.ndim != 1 or x0.ndim != 2 or x0.shape[0] != a.size:
        raise ParameterError("x0", x0.shape, f"an array of shape ({a.size}, n) for {a.size} "
                             "values of a")
    if not np.all(np.isfinite(x0)):
        raise ParameterError("x0", x0, "finite")
    check_int("steps", steps, 1)
    prev, x = x0, x0
    for _ in range(steps):
        prev, x = x, clipped_gd_step(x, a[:, None], 1.0, 1.0)
    return prev, x
