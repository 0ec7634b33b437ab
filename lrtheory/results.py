"""What a verification run produces: small frozen records that the report reads directly."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lrtheory.claim import (
    Claim,
    Derivation,
    Estimate,
    Identity,
    ModelCheck,
    Point,
    ValidityDomain,
    Verdict,
)
from lrtheory.montecarlo.stats import TestOutcome


@dataclass(frozen=True)
class IdentityResult:
    """A derived form against the stated one, decided exactly."""

    identity: Identity
    equal: bool
    verdict: Verdict


@dataclass(frozen=True)
class ModelResult:
    """A closed form against the exact numerical model at one point."""

    check: ModelCheck
    verdict: Verdict
    reason: str


@dataclass(frozen=True)
class MonteCarloResult:
    """One Monte Carlo test and its negative controls.

    ``controls`` holds (shifted prediction, outcome) pairs; each shifted prediction is the
    prediction moved by ± resolution × scale and must be rejected. ``resolution_achieved``
    is the smallest relative error this sample could detect with the run's power.
    """

    estimate: Estimate
    test: TestOutcome
    controls: tuple[tuple[float, TestOutcome], ...]
    alpha: float
    power: float
    n_pilot: int
    n_required: int
    resolution: float
    resolution_achieved: float
    verdict: Verdict
    reason: str


@dataclass(frozen=True)
class PointResult:
    point: Point
    model: tuple[ModelResult, ...]
    monte_carlo: tuple[MonteCarloResult, ...]
    verdict: Verdict
    divergence: str | None = None


@dataclass(frozen=True)
class ClaimResult:
    claim: Claim
    derivation: Derivation
    identities: tuple[IdentityResult, ...]
    points: tuple[PointResult, ...]
    validity: ValidityDomain | None
    verdict: Verdict
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def monte_carlo(self) -> tuple[MonteCarloResult, ...]:
        return tuple(m for p in self.points for m in p.monte_carlo)

    @property
    def controls_rejected(self) -> bool:
        """True when every negative control of every Monte Carlo check was rejected."""
        return all(o.rejected for m in self.monte_carlo for _, o in m.controls)


@dataclass(frozen=True)
class RunResult:
    claims: tuple[ClaimResult, ...]
    settings: dict[str, Any]
    environment: dict[str, Any]
    n_checks: int
    alpha_per_check: float
    timings: dict[str, float] = field(default_factory=dict)
    not_run: dict[str, str] = field(default_factory=dict)
    """Claims asked for but not run here, by ID, with the reason (a missing optional module)."""

    @property
    def verdict(self) -> Verdict:
        return Verdict.combine([c.verdict for c in self.claims])
