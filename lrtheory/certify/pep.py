"""Tight worst cases of an update rule over a function class (performance estimation).

:func:`certify` builds the performance-estimation problem of Drori & Teboulle (2014) and
Taylor, Hendrickx & Glineur (2017) with PEPit — a start x₀ with ``initial`` ≤ 1, n steps of
the rule (the :mod:`lrtheory.optimizers` function applied to PEPit points), the measure at
the end — and solves it (:mod:`lrtheory.certify.solver`). The value is

    τ(n) = sup { measure(x_n) : f in the class, initial(x₀) ≤ 1 },

computed *exactly* up to the solver's tolerance: the interpolation conditions make the SDP
equivalent to the supremum over the class (not a relaxation), so τ(n) is attained by some
function of the class in dimension ≤ n + 2, and the dual solution is a proof that no
function does worse (PEPit reconstructs it).

:func:`certify_over` repeats this over several n and :func:`fit_rate` fits the rate:
ln τ(n) = a + n ln ρ (geometric, the strongly convex class) or ln τ(n) = a + p ln n (power
law, the convex classes), by least squares, with the root-mean-square residual in ln τ.

Accuracy is absolute as well as relative: the solver stops at gaps and residuals of 10⁻⁸, so a
worst case below ~10⁻⁷ (e.g. ρ^{2n} after many fast steps) is resolved only to that absolute
level (``Certificate.tolerance`` says how far, and ``solver.status`` may read
``AlmostSolved``); the horizons used in the catalog keep the values well above it.

Results are frozen records (picklable, ``to_dict`` for JSON) and cached per parameter point
(rule, class, n, measure, initial — all hashable), so a report asks for each SDP once.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

import numpy as np

from lrtheory.certify.classes import (
    INITIALS,
    MEASURES,
    FunctionClass,
    Initial,
    Measure,
    check_function_class,
    check_initial,
    check_measure,
    initial_quantity,
    measure_quantities,
)
from lrtheory.certify.rules import Rule, check_rule
from lrtheory.certify.solver import SolverReport, solve
from lrtheory.errors import ParameterError, check_int

FitKind = Literal["geometric", "power"]


@dataclass(frozen=True)
class Certificate:
    """The tight worst case of n steps of ``rule`` over ``function_class``.

    ``value`` is PEPit's bound (the dual objective it reconstructs), +∞ where no finite
    worst case exists (the measure is unbounded under the initial condition); ``solver``
    says how it was solved and how exactly (the primal value, gap and residuals).
    """

    rule: Rule
    function_class: FunctionClass
    n: int
    measure: Measure
    initial: Initial
    value: float
    solver: SolverReport

    @property
    def tolerance(self) -> float:
        """The accuracy of ``value``: :meth:`SolverReport.tolerance` at its scale."""
        return self.solver.tolerance(self.value)

    def describe(self) -> str:
        return (f"{self.rule.describe()} on {self.function_class.describe()}: "
                f"{MEASURES[self.measure]} ≤ {self.value:.6g} after n = {self.n} steps "
                f"when {INITIALS[self.initial]}")

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule.to_dict(), "function_class": self.function_class.to_dict(),
                "n": self.n, "measure": self.measure, "initial": self.initial,
                "value": self.value, "tolerance": self.tolerance,
                "solver": self.solver.to_dict()}


def certify(rule: Rule, function_class: FunctionClass, n: int,
            measure: Measure = "distance", initial: Initial = "distance") -> Certificate:
    """The tight worst case of ``measure`` after n steps over the class, with ``initial`` ≤ 1.

    >>> from lrtheory.certify import GradientDescent, SmoothStronglyConvex
    >>> c = certify(GradientDescent(eta=2 / 11), SmoothStronglyConvex(L=10, mu=1), n=1)
    >>> round(c.value, 6), round((9 / 11) ** 2, 6)  # ((L − μ)/(L + μ))^(2n)
    (0.669421, 0.669421)

    Raises ParameterError for a rule, class, n, measure or initial condition out of range
    (n ≥ 1; a schedule must cover n steps; the class must match the rule's needs).
    """
    function_class = check_function_class(function_class)
    rule = check_rule(rule, n)
    measure, initial = check_measure(measure), check_initial(initial)
    return _certify(rule, function_class, n, measure, initial)


@cache
def _certify(rule: Rule, function_class: FunctionClass, n: int, measure: Measure,
             initial: Initial) -> Certificate:
    from PEPit import PEP

    problem = PEP()
    func = function_class.declare(problem)
    xs = func.stationary_point()
    fs = func(xs)
    x0 = problem.set_initial_point()
    problem.set_initial_condition(initial_quantity(initial, func, x0, xs, fs) <= 1)
    iterates = rule.iterates(x0, func.gradient, n)
    for quantity in measure_quantities(measure, func, iterates, xs, fs):
        problem.set_performance_metric(quantity)
    report = solve(problem)
    return Certificate(rule, function_class, n, measure, initial, report.dual, report)


@dataclass(frozen=True)
class RateFit:
    """Least-squares fit of ln τ(n): ``geometric`` a + n ln ρ, or ``power`` a + p ln n.

    ``rate`` is ρ per step (geometric) or the exponent p (power); ``constant`` is e^a;
    ``residual`` the root-mean-square residual in ln τ (0 for an exact law).
    """

    kind: FitKind
    ns: tuple[int, ...]
    rate: float
    constant: float
    residual: float

    def predict(self, n: float) -> float:
        if self.kind == "geometric":
            return float(self.constant * self.rate**n)
        return float(self.constant * n**self.rate)

    def describe(self, variable: str = "n") -> str:
        if self.kind == "geometric":
            return f"≈ {self.constant:.3g}·{self.rate:.4g}^{variable}"
        return f"≈ {self.constant:.3g}·{variable}^{self.rate:.3f}"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "ns": list(self.ns), "rate": self.rate,
                "constant": self.constant, "residual": self.residual}


def fit_rate(ns: Sequence[int], values: Sequence[float], kind: FitKind) -> RateFit:
    """Fit ln values against n (geometric) or ln n (power) by least squares.

    Needs ≥ 2 distinct n ≥ 1 and positive finite values (a worst case that is 0 or +∞ has
    no rate: ParameterError).
    """
    if kind not in ("geometric", "power"):
        raise ParameterError("kind", kind, "'geometric' or 'power'")
    n = np.asarray([check_int("ns", int(k), 1) for k in ns], dtype=float)
    y = np.asarray(values, dtype=float)
    if n.shape != y.shape or len(set(n)) < 2:
        raise ParameterError("ns", tuple(ns), "≥ 2 distinct n, one per value")
    if not np.all(np.isfinite(y) & (y > 0)):
        raise ParameterError("values", tuple(values), "positive finite worst cases")
    x = n if kind == "geometric" else np.log(n)
    slope, intercept = np.polyfit(x, np.log(y), 1)
    residual = float(np.sqrt(np.mean((np.log(y) - (intercept + slope * x)) ** 2)))
    rate = math.exp(slope) if kind == "geometric" else float(slope)
    return RateFit(kind, tuple(int(k) for k in n), rate, math.exp(intercept), residual)


@dataclass(frozen=True)
class WorstCaseCurve:
    """Certificates for several n and the rate fitted to them."""

    certificates: tuple[Certificate, ...]
    fit: RateFit

    @property
    def ns(self) -> tuple[int, ...]:
        return tuple(c.n for c in self.certificates)

    @property
    def values(self) -> tuple[float, ...]:
        return tuple(c.value for c in self.certificates)

    def to_dict(self) -> dict[str, Any]:
        return {"certificates": [c.to_dict() for c in self.certificates],
                "fit": self.fit.to_dict()}


def certify_over(rule: Rule | Callable[[int], Rule], function_class: FunctionClass,
                 ns: Sequence[int], measure: Measure = "distance",
                 initial: Initial = "distance", kind: FitKind | None = None,
                 fit_from: int = 1) -> WorstCaseCurve:
    """:func:`certify` at each n of ``ns`` and the rate fitted over those with n ≥
    ``fit_from`` (the tail, where a geometric rate is not yet blurred by the transient).

    ``rule`` may be a function of the horizon n (a step size tuned to n, such as
    η = D/(G√(n+1))). ``kind`` defaults to geometric on a strongly convex class (μ > 0),
    power otherwise.
    """
    if len(ns) < 2:
        raise ParameterError("ns", tuple(ns), "at least two horizons")
    certificates = tuple(certify(rule(n) if callable(rule) else rule, function_class, n,
                                 measure, initial) for n in ns)
    kind = kind or ("geometric" if check_function_class(function_class).geometric else "power")
    tail = [c for c in certificates if c.n >= fit_from]
    fit = fit_rate([c.n for c in tail], [c.value for c in tail], kind)
    return WorstCaseCurve(certificates, fit)
