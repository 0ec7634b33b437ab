"""What a beyond-quadratics result is, and how its label is decided.

A claim's quadratic result (a rate, or a bound) is set beside the tight worst case over the
function class at several horizons n, in a :class:`Series` (one rule, one measure); a
:class:`BeyondQuadratics` result gathers a claim's series with its finding. The label of a
series is decided by :func:`classify`, from numbers only:

* **holds on the class** — the class's worst case is at most the reference at every n
  computed (within the certificate's tolerance): the quadratic worst case (or the claim's
  bound) is the worst case over the whole class;
* **holds with another constant** — it exceeds the reference somewhere, but decays at the
  claimed rate: τ(n) ≤ C·reference(n) with C the largest ratio seen (stated);
* **quadratics only** — it decays at a different rate (fitted over the tail of n), or not
  at all: the claim's rate is a property of quadratics.

"Same rate" means the fitted rate agrees with the claimed one to :data:`RATE_TOLERANCE` —
relative, in ln ρ for a geometric rate (ρ per step), in the exponent p for a power law. A
rate fitted over n ≤ 10 carries the transient of the first steps; 10 % keeps it from
deciding, while the rates that differ here differ by far more (the findings give both).

A claim's label is the weakest of its series' (quadratics only < another constant < holds):
a claim holds on the class only if each of its parts does.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from lrtheory.certify.cycle import CycleResult
from lrtheory.certify.pep import RateFit, WorstCaseCurve

Label = Literal["holds on the class", "holds with another constant", "quadratics only"]
LABELS: tuple[Label, ...] = ("quadratics only", "holds with another constant",
                             "holds on the class")  # weakest first

RATE_TOLERANCE = 0.10
"""Relative agreement of a fitted rate with the claimed one that counts as the same rate."""


def same_rate(fit: RateFit, claimed: float) -> bool:
    """Whether ``fit`` decays at the ``claimed`` rate (ρ per step, or exponent p)."""
    if fit.kind == "geometric":
        if not (0 < fit.rate < 1 and 0 < claimed < 1):
            return False
        return abs(math.log(fit.rate) - math.log(claimed)) <= RATE_TOLERANCE * abs(
            math.log(claimed))
    return abs(fit.rate - claimed) <= RATE_TOLERANCE * abs(claimed)


def classify(worst: Sequence[float], tolerance: Sequence[float], reference: Sequence[float],
             fit: RateFit, claimed_rate: float) -> tuple[Label, float | None]:
    """(label, constant) of one series; the constant is max τ(n)/reference(n) when the
    label is *holds with another constant*, else None."""
    if all(w <= r + t for w, r, t in zip(worst, reference, tolerance, strict=True)):
        return "holds on the class", None
    if same_rate(fit, claimed_rate):
        return "holds with another constant", max(
            w / r for w, r in zip(worst, reference, strict=True))
    return "quadratics only", None


@dataclass(frozen=True)
class Series:
    """One rule and measure at one parameter point: the class against the reference.

    ``reference`` is what the label compares with (``reference_text`` says what it is: the
    worst quadratic, or the claim's bound), ``claimed_rate`` the claim's rate (ρ per step,
    or the exponent of n), ``quadratic`` the worst quadratic of the class at each n (None
    where the class has none), ``worst`` the certificates' values and ``tolerance`` their
    accuracy. The rate is fitted in the horizon n + ``offset`` (D10: T = n + 1 iterates).
    ``example`` is the measure on one concrete function of the class at each n (a lower
    bound on ``worst``), described by ``example_text``.
    """

    name: str
    rule: str
    function_class: str
    measure: str
    initial: str
    ns: tuple[int, ...]
    worst: tuple[float, ...]
    tolerance: tuple[float, ...]
    reference: tuple[float, ...]
    reference_text: str
    claimed_rate: float
    claimed_rate_text: str
    quadratic: tuple[float, ...] | None
    fit: RateFit
    label: Label
    constant: float | None
    offset: int = 0
    example: tuple[float, ...] | None = None
    example_text: str = ""

    @classmethod
    def build(cls, name: str, curve: WorstCaseCurve, reference: Sequence[float],
              reference_text: str, claimed_rate: float, claimed_rate_text: str,
              quadratic: Sequence[float] | None, offset: int = 0,
              example: Sequence[float] | None = None, example_text: str = "") -> Series:
        """A series from a curve of certificates, labelled by :func:`classify`."""
        first = curve.certificates[0]
        tolerance = tuple(c.tolerance for c in curve.certificates)
        label, constant = classify(curve.values, tolerance, reference, curve.fit,
                                   claimed_rate)
        return cls(name=name, rule=first.rule.describe(),
                   function_class=first.function_class.describe(), measure=first.measure,
                   initial=first.initial, ns=curve.ns, worst=curve.values,
                   tolerance=tolerance, reference=tuple(float(r) for r in reference),
                   reference_text=reference_text, claimed_rate=float(claimed_rate),
                   claimed_rate_text=claimed_rate_text,
                   quadratic=None if quadratic is None else tuple(float(q) for q in quadratic),
                   fit=curve.fit, label=label, constant=constant, offset=offset,
                   example=None if example is None else tuple(float(e) for e in example),
                   example_text=example_text)

    def at(self, n: int) -> tuple[float, float]:
        """(worst case, reference) at horizon n."""
        k = self.ns.index(n)
        return self.worst[k], self.reference[k]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "rule": self.rule, "function_class": self.function_class,
                "measure": self.measure, "initial": self.initial, "ns": list(self.ns),
                "worst": list(self.worst), "tolerance": list(self.tolerance),
                "reference": list(self.reference), "reference_text": self.reference_text,
                "claimed_rate": self.claimed_rate,
                "claimed_rate_text": self.claimed_rate_text,
                "quadratic": None if self.quadratic is None else list(self.quadratic),
                "fit": self.fit.to_dict(), "label": self.label, "constant": self.constant,
                "offset": self.offset,
                "example": None if self.example is None else list(self.example),
                "example_text": self.example_text}


@dataclass(frozen=True)
class BeyondQuadratics:
    """A claim's quadratic result against the worst case over its function class.

    ``setting`` states the parameter point and why it was chosen; ``finding`` the result in
    one or two sentences with computed numbers; ``solver`` the SDP solver and its stopping
    tolerance; ``cycle`` the heavy-ball 3-cycle (claim M3 only).
    """

    claim_id: str
    slug: str
    setting: str
    series: tuple[Series, ...]
    finding: str
    solver: str
    cycle: CycleResult | None = None

    @property
    def label(self) -> Label:
        """The weakest label of the series."""
        return min((s.label for s in self.series), key=LABELS.index)

    @property
    def primary(self) -> Series:
        return self.series[0]

    def to_dict(self) -> dict[str, Any]:
        return {"claim_id": self.claim_id, "slug": self.slug, "label": self.label,
                "setting": self.setting, "finding": self.finding, "solver": self.solver,
                "series": [s.to_dict() for s in self.series],
                "cycle": None if self.cycle is None else self.cycle.to_dict()}
