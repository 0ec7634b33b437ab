"""The heavy ball's 3-cycle on a smooth strongly convex function (Lessard, Recht & Packard 2016).

With Polyak's parameters η = 4/(√L + √μ)², β = ((√κ − 1)/(√κ + 1))² the heavy ball contracts
every quadratic with curvatures in [μ, L] at (√κ − 1)/(√κ + 1) per step (claim M3), but not
every L-smooth μ-strongly convex function. Lessard, Recht & Packard (2016, §4.6) give a
one-dimensional counterexample, the piecewise quadratic with gradient

    ∇f(x) = L x                 for x < 1,
            μ x + (L − μ)       for 1 ≤ x < 2,
            L x − (L − μ)       for x ≥ 2,

continuous, with slopes in {μ, L}: f is μ-strongly convex and L-smooth, minimised at x* = 0.
For L = 25, μ = 1 (η = 1/9, β = 4/9) and x₀ = 3.07 (v₀ = 0) the iterates of
:func:`lrtheory.optimizers.heavy_ball` settle on a cycle of period 3 instead of converging.

:func:`heavy_ball_cycle` runs the rule, detects the period of the tail and solves the cycle
*exactly*: on each piece the step is affine in the state (x, v), so p steps through the
pieces the run visits are an affine map s ↦ Ms + c whose fixed point (I − M)⁻¹c is found in
rational arithmetic (SymPy runs the same ``heavy_ball`` on rationals). The cycle is
attracting iff the eigenvalues of M lie inside the unit disk.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import sympy as sp

from lrtheory.errors import check_int, check_positive, check_real
from lrtheory.optimizers import heavy_ball


def _pieces(L: Any, mu: Any) -> tuple[tuple[Any, Any], ...]:
    """(slope, intercept) of ∇f on x < 1, 1 ≤ x < 2, x ≥ 2."""
    return ((L, 0), (mu, L - mu), (L, -(L - mu)))


def _piece(x: float) -> int:
    return 0 if x < 1 else (1 if x < 2 else 2)


def lrp_gradient(x: Any, L: float = 25.0, mu: float = 1.0) -> Any:
    """∇f of the Lessard–Recht–Packard function (elementwise on arrays)."""
    x = np.asarray(x, dtype=float)
    (a0, b0), (a1, b1), (a2, b2) = _pieces(L, mu)
    return np.where(x < 1, a0 * x + b0, np.where(x < 2, a1 * x + b1, a2 * x + b2))


def lrp_function(x: Any, L: float = 25.0, mu: float = 1.0) -> Any:
    """f itself (f(0) = 0), the integral of :func:`lrp_gradient`, piece by piece."""
    x = np.asarray(x, dtype=float)
    f1 = L / 2                                   # f(1) from the first piece
    f2 = f1 + mu * 3 / 2 + (L - mu)              # ∫₁² (μt + L − μ) dt
    return np.where(x < 1, L * x**2 / 2,
                    np.where(x < 2, f1 + mu * (x**2 - 1) / 2 + (L - mu) * (x - 1),
                             f2 + L * (x**2 - 4) / 2 - (L - mu) * (x - 2)))


@cache
def polyak_parameters(L: float, mu: float) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """(η, β, ρ) = (4/(√L + √μ)², ρ², (√L − √μ)/(√L + √μ)): Polyak's minimax pair and rate,
    derived by :func:`lrtheory.symbolic.heavy_ball.polyak_minimax` (claim M3) and evaluated
    exactly at these numbers (rationals where √L and √μ are)."""
    from lrtheory.symbolic.heavy_ball import polyak_minimax

    m, big_l = sp.symbols("mu L", positive=True)
    minimax = polyak_minimax(m, big_l)
    at = {m: sp.nsimplify(mu), big_l: sp.nsimplify(L)}
    eta, beta, rate = (sp.radsimp(sp.nsimplify(e.subs(at)))
                       for e in (minimax.eta, minimax.beta, minimax.rate))
    return eta, beta, rate


@dataclass(frozen=True)
class CycleResult:
    """A heavy-ball run on the LRP function and the cycle its tail settles on.

    ``points`` are the simulated iterates over the last whole period, in phase with n
(``points[j]`` = x_n for n ≡ j mod p), ``exact`` the same cycle
    solved in rational arithmetic (as floats), ``closeness`` max |points − exact|,
    ``drift`` max |x_{k+p} − x_k| over the last ``3p`` steps, ``multipliers`` the moduli of
    the eigenvalues of the p-step map (all < 1: the cycle attracts), ``floor`` the least
    squared distance to x* = 0 on the cycle relative to x₀² (what every worst case over the
    class is at least, for every n in the cycle's phase).
    """

    L: float
    mu: float
    x0: float
    eta: float
    beta: float
    steps: int
    period: int
    points: tuple[float, ...]
    exact: tuple[float, ...]
    exact_text: tuple[str, ...]
    closeness: float
    drift: float
    multipliers: tuple[float, ...]
    floor: float
    trajectory: tuple[float, ...]

    @property
    def attracting(self) -> bool:
        return max(self.multipliers) < 1

    def ratio(self, n: int) -> float:
        """‖x_n − x*‖²/‖x₀ − x*‖² along the run (a lower bound on the class's worst case)."""
        return self.trajectory[n] ** 2 / self.x0**2

    def to_dict(self) -> dict[str, Any]:
        return {"L": self.L, "mu": self.mu, "x0": self.x0, "eta": self.eta,
                "beta": self.beta, "steps": self.steps, "period": self.period,
                "points": list(self.points), "exact": list(self.exact),
                "exact_text": list(self.exact_text), "closeness": self.closeness,
                "drift": self.drift, "multipliers": list(self.multipliers),
                "floor": self.floor, "attracting": self.attracting,
                "trajectory": list(self.trajectory)}


def _run(L: float, mu: float, x0: float, eta: float, beta: float, steps: int) -> np.ndarray:
    x, v, out = x0, 0.0, [x0]
    for _ in range(steps):
        x, v = heavy_ball(x, v, float(lrp_gradient(x, L, mu)), eta, beta)
        out.append(x)
    return np.asarray(out)


def _period(tail: np.ndarray, max_period: int, tol: float) -> int:
    """The least p ≤ max_period with |x_{k+p} − x_k| ≤ tol over the tail (0: none)."""
    for p in range(1, max_period + 1):
        if np.max(np.abs(tail[p:] - tail[:-p])) <= tol:
            return p
    return 0


def _exact_cycle(L: float, mu: float, visited: list[int]) -> tuple[list[sp.Expr], sp.Matrix]:
    """The cycle through the pieces ``visited`` (one per step), exactly: compose the affine
    steps (``heavy_ball`` on SymPy values, η and β from :func:`polyak_parameters`), solve
    the fixed point s = Ms + c and walk once round it. Returns the p iterates and M."""
    pieces = _pieces(sp.nsimplify(L), sp.nsimplify(mu))
    eta, beta, _ = polyak_parameters(L, mu)
    x, v = sp.symbols("x v")

    def step(s: tuple[Any, Any], piece: int) -> tuple[Any, Any]:
        a, b = pieces[piece]
        new = heavy_ball(s[0], s[1], a * s[0] + b, eta, beta)
        return sp.expand(new[0]), sp.expand(new[1])

    state: tuple[Any, Any] = (x, v)
    for piece in visited:
        state = step(state, piece)
    M = sp.Matrix([[sp.diff(s, y) for y in (x, v)] for s in state])
    c = sp.Matrix([s.subs({x: 0, v: 0}) for s in state])
    fixed = (sp.eye(2) - M).LUsolve(c)
    points, s = [], (sp.radsimp(fixed[0]), sp.radsimp(fixed[1]))
    for piece in visited:
        points.append(s[0])
        s = step(s, piece)
    return points, M


@cache
def heavy_ball_cycle(L: float = 25.0, mu: float = 1.0, x0: float = 3.07, steps: int = 300,
                     max_period: int = 12) -> CycleResult:
    """Run the heavy ball with Polyak's parameters on the LRP function from (x₀, v₀ = 0),
    detect the period of the last ``4·max_period`` iterates (|x_{k+p} − x_k| ≤ 10⁻⁹·max(1,
    |x₀|)) and solve that cycle exactly (see the module). A run that converges has period 1
    and the cycle {0}; one with no period up to ``max_period`` raises ValueError.

    >>> c = heavy_ball_cycle()
    >>> c.period, c.exact_text
    (3, ('792/1225', '-2208/1225', '2592/1225'))
    """
    L = check_positive("L", L)
    mu = check_real("mu", mu, 0.0, L)
    x0 = check_real("x0", x0)
    max_period = check_int("max_period", max_period, 1)
    steps = check_int("steps", steps, 8 * max_period)
    eta, beta = (float(e) for e in polyak_parameters(L, mu)[:2])
    run = _run(L, mu, x0, eta, beta, steps)
    tail = run[-4 * max_period:]
    period = _period(tail, max_period, 1e-9 * max(1.0, abs(x0)))
    if period == 0:
        raise ValueError(f"no period ≤ {max_period} in the last {4 * max_period} iterates")
    start = (steps + 1 - period) // period * period  # points[j] = x_n for n ≡ j (mod p)
    points = tuple(float(x) for x in run[start:start + period])
    visited = [_piece(x) for x in points]
    exact, M = _exact_cycle(L, mu, visited)
    if [_piece(float(x)) for x in exact] != visited:  # pragma: no cover - a consistency guard
        raise ValueError("the exact cycle leaves the pieces the run visits")
    exact_f = tuple(float(x) for x in exact)
    return CycleResult(
        L=L, mu=mu, x0=x0, eta=eta, beta=beta, steps=steps, period=period, points=points,
        exact=exact_f, exact_text=tuple(str(sp.nsimplify(x)) for x in exact),
        closeness=float(np.max(np.abs(np.subtract(points, exact_f)))),
        drift=float(np.max(np.abs(tail[period:] - tail[:-period]))),
        multipliers=tuple(sorted(float(abs(z)) for z in sp.Matrix(M).evalf().eigenvals())),
        floor=min(x**2 for x in exact_f) / x0**2,
        trajectory=tuple(float(x) for x in run))
