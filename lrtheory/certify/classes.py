"""Function classes and performance measures of a worst-case certificate.

A certificate bounds a method over a *class* of functions, not one function:

* :class:`SmoothConvex` — convex f with L-Lipschitz gradient, ‖∇f(x) − ∇f(y)‖ ≤ L‖x − y‖;
* :class:`SmoothStronglyConvex` — in addition f − (μ/2)‖x‖² convex, 0 ≤ μ ≤ L (μ = 0 is the
  smooth convex class; its quadratics are those with Hessian spectrum in [μ, L]);
* :class:`ConvexLipschitz` — convex f with subgradients bounded by G, ‖g‖ ≤ G (not smooth:
  the setting of the subgradient method).

Each declares itself on a PEPit problem (PEPit then adds the class's interpolation
conditions, which make the worst case over the class an SDP whose value is *tight*).

The performance of n steps is measured at the last iterate x_n (or on all of them) against a
minimiser x*, f* = f(x*), the start normalised by ``initial`` ≤ 1:

=================  =====================================  =============================
measure            quantity                               as an initial condition
=================  =====================================  =============================
``distance``       ‖x_n − x*‖²                            ‖x₀ − x*‖² ≤ 1
``function_gap``   f(x_n) − f*                            f(x₀) − f* ≤ 1
``gradient_norm``  ‖∇f(x_n)‖²                             ‖∇f(x₀)‖² ≤ 1
``average_gap``    f(x̄) − f*, x̄ = (x₀ + … + x_n)/(n + 1)  —
``best_gap``       min_{t ≤ n} f(x_t) − f*                —
=================  =====================================  =============================

Every quantity is homogeneous in the start, so the worst case with ``initial`` ≤ 1 is the
worst ratio measure/initial (for the squared quantities; on the Lipschitz class f − f*
scales like ‖x₀ − x*‖, so there it is the worst f − f* for ‖x₀ − x*‖ = 1, i.e. in units of
G‖x₀ − x*‖ when G = 1).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

from lrtheory.errors import ParameterError, check_positive, check_real

Measure = Literal["distance", "function_gap", "gradient_norm", "average_gap", "best_gap"]
Initial = Literal["distance", "function_gap", "gradient_norm"]

MEASURES: dict[str, str] = {
    "distance": "‖x_n − x*‖²",
    "function_gap": "f(x_n) − f*",
    "gradient_norm": "‖∇f(x_n)‖²",
    "average_gap": "f(x̄_n) − f*",
    "best_gap": "min_t f(x_t) − f*",
}
INITIALS: dict[str, str] = {
    "distance": "‖x₀ − x*‖² ≤ 1",
    "function_gap": "f(x₀) − f* ≤ 1",
    "gradient_norm": "‖∇f(x₀)‖² ≤ 1",
}


def check_measure(measure: object) -> Measure:
    """``measure`` if it is one of :data:`MEASURES`, else ParameterError."""
    if measure not in get_args(Measure):
        raise ParameterError("measure", measure, f"one of {', '.join(get_args(Measure))}")
    return measure  # type: ignore[return-value]  # checked just above


def check_initial(initial: object) -> Initial:
    """``initial`` if it is one of :data:`INITIALS`, else ParameterError."""
    if initial not in get_args(Initial):
        raise ParameterError("initial", initial, f"one of {', '.join(get_args(Initial))}")
    return initial  # type: ignore[return-value]


@dataclass(frozen=True)
class SmoothConvex:
    """Convex functions with an L-Lipschitz gradient."""

    L: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "L", check_positive("L", self.L))

    @property
    def mu(self) -> float:
        return 0.0

    @property
    def geometric(self) -> bool:
        """Whether worst cases decay geometrically (μ > 0) or as a power of n."""
        return False

    def describe(self) -> str:
        return f"L-smooth convex (L = {self.L:g})"

    def declare(self, problem: Any) -> Any:
        from PEPit.functions import SmoothConvexFunction

        return problem.declare_function(SmoothConvexFunction, L=self.L)

    def to_dict(self) -> dict[str, Any]:
        return {"class": "smooth convex", "L": self.L}


@dataclass(frozen=True)
class SmoothStronglyConvex:
    """L-smooth μ-strongly convex functions, 0 ≤ μ ≤ L (condition number κ = L/μ)."""

    L: float
    mu: float

    def __post_init__(self) -> None:
        L = check_positive("L", self.L)
        mu = check_real("mu", self.mu, 0.0, L, lo_open=False, hi_open=False)
        object.__setattr__(self, "L", L)
        object.__setattr__(self, "mu", mu)

    @property
    def kappa(self) -> float:
        return self.L / self.mu if self.mu > 0 else math.inf

    @property
    def geometric(self) -> bool:
        return self.mu > 0

    def describe(self) -> str:
        return f"L-smooth μ-strongly convex (L = {self.L:g}, μ = {self.mu:g})"

    def declare(self, problem: Any) -> Any:
        from PEPit.functions import SmoothStronglyConvexFunction

        return problem.declare_function(SmoothStronglyConvexFunction, mu=self.mu, L=self.L)

    def to_dict(self) -> dict[str, Any]:
        return {"class": "smooth strongly convex", "L": self.L, "mu": self.mu}


@dataclass(frozen=True)
class ConvexLipschitz:
    """Convex functions with subgradients bounded by G (non-smooth)."""

    G: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "G", check_positive("G", self.G))

    @property
    def geometric(self) -> bool:
        return False

    def describe(self) -> str:
        return f"convex G-Lipschitz (G = {self.G:g})"

    def declare(self, problem: Any) -> Any:
        from PEPit.functions import ConvexLipschitzFunction

        return problem.declare_function(ConvexLipschitzFunction, M=self.G)

    def to_dict(self) -> dict[str, Any]:
        return {"class": "convex Lipschitz", "G": self.G}


FunctionClass = SmoothConvex | SmoothStronglyConvex | ConvexLipschitz
FUNCTION_CLASSES = (SmoothConvex, SmoothStronglyConvex, ConvexLipschitz)


def check_function_class(function_class: object) -> FunctionClass:
    if not isinstance(function_class, FUNCTION_CLASSES):
        raise ParameterError("function_class", function_class,
                             "SmoothConvex(L), SmoothStronglyConvex(L, mu) or ConvexLipschitz(G)")
    return function_class


def initial_quantity(initial: Initial, func: Any, x0: Any, xs: Any, fs: Any) -> Any:
    """The PEPit expression bounded by 1 at the start."""
    if initial == "distance":
        return (x0 - xs) ** 2
    if initial == "function_gap":
        return func(x0) - fs
    return func.gradient(x0) ** 2


def measure_quantities(measure: Measure, func: Any, iterates: Sequence[Any], xs: Any,
                       fs: Any) -> list[Any]:
    """The PEPit expressions of the measure (several for ``best_gap``: PEPit maximises their
    minimum)."""
    x = iterates[-1]
    if measure == "distance":
        return [(x - xs) ** 2]
    if measure == "function_gap":
        return [func(x) - fs]
    if measure == "gradient_norm":
        return [func.gradient(x) ** 2]
    if measure == "average_gap":
        mean = iterates[0]
        for y in iterates[1:]:
            mean = mean + y
        return [func(mean / len(iterates)) - fs]
    return [func(y) - fs for y in iterates]
