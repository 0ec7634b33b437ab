"""The claim protocol: what a claim *is*, kept apart from how it runs and who judges it.

A :class:`Claim` describes one quantitative statement from the sources:

* ``derive()`` returns a :class:`Derivation`: named SymPy steps and the :class:`Identity`
  pairs (derived form, stated form) the engine must find *exactly* equal;
* ``model(point)`` returns :class:`ModelCheck` rows: the exact numerical model (a recursion,
  ``solve_ivp``, a Lyapunov solve) against the closed form, with the numerical tolerance of
  the method and, for approximations, the size of the approximation error;
* ``simulate(point, ensemble, n_chains)`` returns :class:`Estimate` rows: Monte Carlo
  statistics with their predictions; the engine sizes ``n_chains`` and applies the tests;
* ``figure(result)`` draws the picture for the report.

The engine (``lrtheory.verify``) joins them; the statistics (``lrtheory.montecarlo.stats``)
decide; the report only shows. Adding a claim means adding one ``Claim`` to one family module.
"""

from __future__ import annotations

import enum
import importlib.util
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Literal

import sympy as sp

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from lrtheory.montecarlo.runner import Ensemble
    from lrtheory.montecarlo.stats import SampleStatistic
    from lrtheory.results import ClaimResult

Provenance = Literal["stated", "derived", "modelled"]
Regime = Literal["inside", "boundary", "outside"]
FAMILIES: dict[str, str] = {
    "S": "Stability and curvature",
    "N": "Dynamics beyond the stability bound",
    "M": "Momentum, adaptive methods, weight decay",
    "D": "Stochastic gradients, temperature, scaling rules",
    "H": "Schedules and learning-rate search",
    "G": "Games, federated, continual, diffusion, control",
}


class Verdict(enum.StrEnum):
    """The engine's judgement of one check, one point or one claim."""

    VERIFIED = "verified"
    APPROXIMATE = "approximate"
    INCONCLUSIVE = "inconclusive"
    REFUTED = "refuted"

    @staticmethod
    def combine(verdicts: list[Verdict]) -> Verdict:
        """The worst of several verdicts: refuted > inconclusive > approximate > verified."""
        order = [Verdict.REFUTED, Verdict.INCONCLUSIVE, Verdict.APPROXIMATE, Verdict.VERIFIED]
        for v in order:
            if v in verdicts:
                return v
        return Verdict.VERIFIED


@dataclass(frozen=True)
class Source:
    """Where a claim comes from: seed file, section heading and the source's own words."""

    seed: str
    section: str
    quote: str


@dataclass(frozen=True)
class Step:
    """One named step of a derivation; ``expr`` is any SymPy object (Expr, Eq, Set, Matrix)."""

    name: str
    expr: sp.Basic
    note: str = ""

    @classmethod
    def equation(cls, name: str, lhs: str, rhs: sp.Basic, note: str = "") -> Step:
        """The step ``lhs = rhs`` (``lhs`` a display name); unevaluated, so a matrix or set
        on the right stays an equation instead of collapsing to True/False."""
        return cls(name, sp.Eq(sp.Symbol(lhs), rhs, evaluate=False), note)

    def __reduce__(self) -> tuple[Any, ...]:
        return _frozen(self)

    def __post_init__(self) -> None:
        # An Eq between unlike objects (a symbol and a matrix, say) evaluates to False; such
        # a step would print "False" in the report. Build it with evaluate=False instead.
        if isinstance(self.expr, sp.logic.boolalg.BooleanAtom):
            raise ValueError(f"derivation step {self.name!r} evaluated to {self.expr}; "
                             "construct its equation with evaluate=False")


@dataclass(frozen=True)
class Identity:
    """A derived closed form that must equal the stated one exactly (under ``assumptions``).

    ``provenance`` says whether ``stated`` is printed in the source (*stated*), is lrtheory's
    own result (*derived*) or is a modelling choice (*modelled*). ``expect_equal=False``
    records a finding: the derivation shows the stated form is *not* what the model gives,
    and the engine verifies that they differ.
    """

    name: str
    derived: sp.Basic
    stated: sp.Basic
    provenance: Provenance = "stated"
    expect_equal: bool = True
    note: str = ""

    def __reduce__(self) -> tuple[Any, ...]:
        return _frozen(self)


@dataclass(frozen=True)
class Derivation:
    """The output of ``Claim.derive``: the steps shown in the report and the identities checked."""

    steps: tuple[Step, ...]
    identities: tuple[Identity, ...]


@dataclass(frozen=True)
class Point:
    """A parameter point at which the model and Monte Carlo checks run.

    ``regime`` places the point in the claim's validity domain: *inside* (the closed form
    should hold), *boundary* (at or next to an edge of it) or *outside* (an approximation is
    expected to fail there and the check measures by how much).
    """

    label: str
    params: Mapping[str, float]
    regime: Regime = "inside"
    monte_carlo: bool = True
    note: str = ""


@dataclass(frozen=True)
class ModelCheck:
    """Closed form against the exact numerical model at one point.

    ``exact=True``: the closed form is claimed exact, so ``|closed_form - model| <= tolerance``
    must hold, where ``tolerance`` comes from the numerical method (bisection width, ODE rtol,
    floating point) and ``tolerance_reason`` says so.

    ``exact=False``: the closed form is an approximation, and the row says which of two things
    it shows:

    * ``bound``: the approximation is claimed to hold here, with relative error at most
      ``bound``, an envelope fixed by the theory (the leading neglected term with its constant,
      a proved inequality, the source's own stated accuracy), never by the error observed;
      ``bound_reason`` says where it comes from. A relative error beyond it refutes the row.
    * ``breakdown``: the row documents where the approximation fails or a source's form is
      off (outside its domain, a finding); no closed form is claimed to hold, the error is
      measured and reported, and the text says why it is expected to be large.
    """

    name: str
    closed_form: float
    model: float
    tolerance: float
    tolerance_reason: str
    exact: bool = True
    bound: float | None = None
    bound_reason: str = ""
    breakdown: str = ""

    def __post_init__(self) -> None:
        if self.exact and (self.bound is not None or self.breakdown):
            raise ValueError(f"model check {self.name!r}: an exact row takes a tolerance, "
                             "not a bound or a breakdown")
        if self.bound is not None:
            if self.breakdown:
                raise ValueError(f"model check {self.name!r}: a row either claims a bound "
                                 "or documents a breakdown, not both")
            if not (math.isfinite(self.bound) and self.bound > 0):
                raise ValueError(f"model check {self.name!r}: bound must be a finite "
                                 f"positive relative error, got {self.bound!r}")
            if not self.bound_reason:
                raise ValueError(f"model check {self.name!r}: a bound needs its bound_reason")

    @property
    def role(self) -> str:
        """``exact``, ``bounded`` (an approximation held to its envelope), ``breakdown``, or
        ``unclassified`` (an approximation with neither; the mutation check reports it)."""
        if self.exact:
            return "exact"
        if self.bound is not None:
            return "bounded"
        return "breakdown" if self.breakdown else "unclassified"

    @property
    def abs_error(self) -> float:
        return abs(self.closed_form - self.model)

    @property
    def rel_error(self) -> float:
        scale = abs(self.model)
        return self.abs_error / scale if scale > 0 else self.abs_error


@dataclass(frozen=True)
class Estimate:
    """One Monte Carlo statistic next to the value the theory predicts for it.

    ``scale`` is the size a *wrong* prediction is measured against: the negative control
    shifts the prediction by ``±resolution * scale`` (default ``|prediction|``). ``bias_bound``
    bounds any deterministic gap between the estimator's expectation and ``prediction``
    (a truncated transient, say); it must be negligible next to the standard error, and the
    engine checks that rather than folding it into the tolerance.
    """

    name: str
    prediction: float
    sample: SampleStatistic
    scale: float | None = None
    bias_bound: float = 0.0

    @property
    def resolution_scale(self) -> float:
        return abs(self.prediction) if self.scale is None else self.scale


@dataclass(frozen=True)
class ValidityDomain:
    """Where a closed form stops holding: an error curve against a control parameter."""

    statement: str
    parameter: str
    values: tuple[float, ...]
    errors: tuple[float, ...]
    error_label: str = "relative error"


Deriver = Callable[[], Derivation]
Modeller = Callable[[Point], list[ModelCheck]]
Simulator = Callable[[Point, "Ensemble", int], list[Estimate]]
FigureMaker = Callable[["ClaimResult"], "Figure"]


@dataclass(frozen=True)
class Claim:
    """One claim of the catalog, complete in the protocol.

    ``statistics`` names, in order, the estimates ``simulate`` returns at every Monte Carlo
    point; the engine needs the count *before* running so that the family-wise error rate
    can be split over every check of the run (Bonferroni).
    """

    id: str
    slug: str
    title: str
    statement: str
    sources: tuple[Source, ...]
    derive: Deriver
    model: Modeller
    points: tuple[Point, ...]
    figure: FigureMaker
    simulate: Simulator | None = None
    statistics: tuple[str, ...] = ()
    validity: Callable[[], ValidityDomain] | None = None
    findings: tuple[str, ...] = field(default_factory=tuple)
    requires: tuple[str, ...] = ()
    """Optional modules the claim needs (import names, e.g. ``"sklearn"``); where one is
    missing the claim is listed but not run, and the report says which extra installs it."""

    def __reduce__(self) -> tuple[Callable[[str], Claim], tuple[str]]:
        # Pickled by ID: a claim's callables may be lambdas or closures, and a result sent
        # back from a worker process must point at the parent's own claim object.
        return (_registered, (self.id,))

    @property
    def family(self) -> str:
        return self.id[0]

    @property
    def missing(self) -> str | None:
        """Why the claim cannot run here (an optional module it needs is not installed, and
        the extra that installs it), or None when it can."""
        absent = [m for m in self.requires if importlib.util.find_spec(m) is None]
        if not absent:
            return None
        packages = ", ".join(OPTIONAL_MODULES.get(m, (m, ""))[0] for m in absent)
        extras = sorted({OPTIONAL_MODULES[m][1] for m in absent if m in OPTIONAL_MODULES})
        hint = f": pip install 'lrtheory[{','.join(extras)}]'" if extras else ""
        return f"needs {packages}{hint}"

    @property
    def family_name(self) -> str:
        return FAMILIES[self.family]

    @property
    def mc_points(self) -> tuple[Point, ...]:
        if self.simulate is None:
            return ()
        return tuple(p for p in self.points if p.monte_carlo)

    @property
    def n_mc_checks(self) -> int:
        """How many statistical tests this claim contributes to a run (Bonferroni's m)."""
        return len(self.mc_points) * len(self.statistics)


class LazyFindings(tuple[str, ...]):
    """A claim's findings made on first use by ``make`` (which caches): findings that quote
    model runs would otherwise cost every lrtheory command when the registry imports the
    claim's module. It reads, iterates, compares, hashes and pickles as the tuple
    ``make()`` returns."""

    _make: Callable[[], tuple[str, ...]]

    def __new__(cls, make: Callable[[], tuple[str, ...]]) -> LazyFindings:
        self = super().__new__(cls)
        self._make = make
        return self

    def __len__(self) -> int:
        return len(self._make())

    def __iter__(self) -> Iterator[str]:
        return iter(self._make())

    def __getitem__(self, index: Any) -> Any:
        return self._make()[index]

    def __eq__(self, other: object) -> bool:
        return self._make() == other

    def __hash__(self) -> int:
        return hash(self._make())

    def __repr__(self) -> str:
        return repr(self._make())

    def __reduce__(self) -> tuple[Any, ...]:
        return (tuple, (self._make(),))


#: Optional modules claims may require: import name → (package, lrtheory extra installing it).
OPTIONAL_MODULES: dict[str, tuple[str, str]] = {"sklearn": ("scikit-learn", "search")}


def _registered(claim_id: str) -> Claim:
    """The registered claim with this ID (how a pickled claim is restored)."""
    from lrtheory import registry  # the registry imports the claim modules, which import us

    return registry.get(claim_id)



def _frozen(obj: Step | Identity) -> tuple[Any, ...]:
    """Pickle a step or identity so that its SymPy objects come back *as built* (SymPy's own
    pickling re-evaluates them: see :mod:`lrtheory.symbolic.transport`)."""
    from lrtheory.symbolic.transport import freeze

    return (_thawed, (type(obj), tuple(freeze(getattr(obj, f.name)) for f in fields(obj))))


def _thawed(cls: type[Step] | type[Identity], records: tuple[Any, ...]) -> Step | Identity:
    from lrtheory.symbolic.transport import thaw

    return cls(*(thaw(r) for r in records))
