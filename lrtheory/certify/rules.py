"""Update rules of :mod:`lrtheory.optimizers`, run on PEPit points as well as on numbers.

A rule here is a frozen record of hyperparameters whose :meth:`iterates` applies the
*library's own* update function step by step — ``gradient_step``, ``heavy_ball``,
``nesterov`` — to whatever the iterates are: PEPit :class:`~PEPit.Point` objects (whose
operator overloading gives x − ηg, βv + g, … as new points, so the certificate is about this
very code) or NumPy arrays (one eigen-direction per entry: the same rule on quadratics).

* :class:`GradientDescent` — x_{t+1} = x_t − η_t ∇f(x_t), η fixed or a schedule (η₀, η₁, …);
* :class:`SubgradientMethod` — the same step with a subgradient (for the Lipschitz class);
* :class:`HeavyBall` — v ← βv + g, x ← x − ηv (PyTorch's convention; v₀ = 0);
* :class:`Nesterov` — y = x − βv, v ← βv + η∇f(y), x ← x − v, β fixed or per step.

:func:`rule_for` maps an optimizers function and its hyperparameters to a rule, and rejects
the rules a PEP cannot express (those whose step is not a fixed linear combination of
iterates and gradients: adaptive scalings, clipping, hypergradient steps).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from lrtheory import optimizers
from lrtheory.errors import ParameterError, check_int, check_positive, check_real

Schedule = float | tuple[float, ...]
"""A hyperparameter fixed for every step, or one value per step (step t uses entry t)."""


def _schedule(name: str, value: object, lo: float, hi: float, *, lo_open: bool) -> Schedule:
    """A number in the range, or a non-empty sequence of them (stored as a tuple)."""
    if isinstance(value, Sequence) and not isinstance(value, str):
        if len(value) == 0:
            raise ParameterError(name, value, "a number or a non-empty sequence of numbers")
        return tuple(check_real(f"{name}[{t}]", v, lo, hi, lo_open=lo_open)
                     for t, v in enumerate(value))
    return check_real(name, value, lo, hi, lo_open=lo_open)


def _at(schedule: Schedule, t: int) -> float:
    return schedule[t] if isinstance(schedule, tuple) else schedule


def _horizon(name: str, schedule: Schedule, n: int) -> None:
    if isinstance(schedule, tuple) and len(schedule) < n:
        raise ParameterError(name, schedule, f"a schedule of at least n = {n} values "
                                             f"(one per step), or one number")


def _describe(name: str, schedule: Schedule) -> str:
    if isinstance(schedule, tuple):
        head = ", ".join(f"{v:.4g}" for v in schedule[:3])
        return f"{name} = ({head}{', …' if len(schedule) > 3 else ''})"
    return f"{name} = {schedule:.6g}"


Gradient = Callable[[Any], Any]


@dataclass(frozen=True)
class GradientDescent:
    """x_{t+1} = ``gradient_step``(x_t, ∇f(x_t), η_t)."""

    eta: Schedule

    name = "gradient descent"

    def __post_init__(self) -> None:
        object.__setattr__(self, "eta", _schedule("eta", self.eta, 0.0, float("inf"),
                                                  lo_open=True))

    def check(self, n: int) -> None:
        """ParameterError unless the rule can run n steps."""
        _horizon("eta", self.eta, n)

    def iterates(self, x0: Any, gradient: Gradient, n: int) -> list[Any]:
        """x₀, x₁, …, x_n."""
        self.check(n)
        xs = [x0]
        for t in range(n):
            xs.append(optimizers.gradient_step(xs[-1], gradient(xs[-1]), _at(self.eta, t)))
        return xs

    def describe(self) -> str:
        return f"{self.name}, {_describe('η', self.eta)}"

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.name, "eta": self.eta}


@dataclass(frozen=True)
class SubgradientMethod(GradientDescent):
    """The gradient step taken with a subgradient (the same ``gradient_step``)."""

    name = "subgradient method"


@dataclass(frozen=True)
class HeavyBall:
    """``heavy_ball``: v ← βv + ∇f(x), x ← x − ηv, from v₀ = 0 (Polyak's x_{t+1} = x_t −
    η∇f(x_t) + β(x_t − x_{t−1}) with x₋₁ = x₀)."""

    eta: float
    beta: float

    name = "heavy ball"

    def __post_init__(self) -> None:
        object.__setattr__(self, "eta", check_positive("eta", self.eta))
        object.__setattr__(self, "beta", check_real("beta", self.beta, 0.0, 1.0,
                                                    lo_open=False))

    def check(self, n: int) -> None:
        return None

    def iterates(self, x0: Any, gradient: Gradient, n: int) -> list[Any]:
        xs, v = [x0], 0 * x0
        for _ in range(n):
            x, v = optimizers.heavy_ball(xs[-1], v, gradient(xs[-1]), self.eta, self.beta)
            xs.append(x)
        return xs

    def describe(self) -> str:
        return f"{self.name}, η = {self.eta:.6g}, β = {self.beta:.6g}"

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.name, "eta": self.eta, "beta": self.beta}


@dataclass(frozen=True)
class Nesterov:
    """``nesterov``: y = x − βv, v ← βv + η∇f(y), x ← x − v, from v₀ = 0; β fixed or one
    per step (e.g. (t − 2)/(t + 1), :func:`lrtheory.models.acceleration.nag_momentum`)."""

    eta: float
    beta: Schedule

    name = "Nesterov"

    def __post_init__(self) -> None:
        object.__setattr__(self, "eta", check_positive("eta", self.eta))
        object.__setattr__(self, "beta", _schedule("beta", self.beta, 0.0, 1.0,
                                                   lo_open=False))

    def check(self, n: int) -> None:
        _horizon("beta", self.beta, n)

    def iterates(self, x0: Any, gradient: Gradient, n: int) -> list[Any]:
        self.check(n)
        xs, v = [x0], 0 * x0
        for t in range(n):
            x, v = optimizers.nesterov(xs[-1], v, gradient, self.eta, _at(self.beta, t))
            xs.append(x)
        return xs

    def describe(self) -> str:
        return f"{self.name}, η = {self.eta:.6g}, {_describe('β', self.beta)}"

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.name, "eta": self.eta, "beta": self.beta}


Rule = GradientDescent | SubgradientMethod | HeavyBall | Nesterov
RULES = (GradientDescent, HeavyBall, Nesterov)  # SubgradientMethod is a GradientDescent

_EXPRESSIBLE: dict[str, Callable[..., Rule]] = {
    "gradient_step": GradientDescent,
    "heavy_ball": HeavyBall,
    "nesterov": Nesterov,
}


def rule_for(update: Callable[..., Any], **hyper: Any) -> Rule:
    """The rule that runs ``update`` (a function of :mod:`lrtheory.optimizers`) with these
    hyperparameters: ``rule_for(heavy_ball, eta=0.1, beta=0.9)``.

    Raises ParameterError for a rule a PEP cannot express: one whose step divides by or
    clips gradient magnitudes (AdaGrad, RMSProp, Adam, clipping) or learns its own rate
    (hypergradient) is not a fixed linear combination of iterates and gradients.
    """
    name = getattr(update, "__name__", repr(update))
    if name not in _EXPRESSIBLE or getattr(optimizers, name, None) is not update:
        raise ParameterError("rule", name, "one of lrtheory.optimizers.gradient_step, "
                             "heavy_ball, nesterov (a step linear in the gradient with fixed "
                             "coefficients, which PEPit can express)")
    try:
        return _EXPRESSIBLE[name](**hyper)
    except TypeError as err:
        raise ParameterError("hyper", hyper, f"the hyperparameters of {name}") from err


def check_rule(rule: object, n: int) -> Rule:
    """``rule`` if it is a rule that can run n ≥ 1 steps, else ParameterError."""
    check_int("n", n, 1)
    if not isinstance(rule, RULES):
        raise ParameterError("rule", rule, "GradientDescent, SubgradientMethod, HeavyBall or "
                             "Nesterov (or rule_for(an optimizers function, …))")
    rule.check(n)
    return rule
