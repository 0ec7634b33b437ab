"""What a verification run produces: small frozen records that the report reads directly."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from lrtheory.certify import BeyondQuadratics


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
    figures: dict[str, bytes] = field(default_factory=dict, repr=False)
    """The claim's figures as PNG files (name → bytes), when ``verify(..., figures=True)``
    drew them in the process that verified the claim; empty otherwise."""
    beyond: BeyondQuadratics | None = None
    """The worst case over the claim's function class (``verify(..., beyond=True)``, for
    the claims in :data:`lrtheory.certify.BEYOND_CLAIMS`, where PEPit is installed)."""
    beyond_missing: str | None = None
    """Why ``beyond`` is absent for a claim that has one (a missing optional module)."""

    @property
    def monte_carlo(self) -> tuple[MonteCarloResult, ...]:
        return tuple(m for p in self.points for m in p.monte_carlo)

    @property
    def controls_rejected(self) -> bool:
        """True when every negative control of every Monte Carlo check was rejected."""
        return all(o.rejected for m in self.monte_carlo for _, o in m.controls)

    def summary(self) -> dict[str, str]:
        """One row of a summary table: counts of what passed, as short strings."""
        model = [m for p in self.points for m in p.model]
        mc = self.monte_carlo
        return {
            "ID": self.claim.id,
            "claim": self.claim.slug,
            "verdict": self.verdict.value,
            "identities": f"{sum(i.verdict == 'verified' for i in self.identities)}"
                          f"/{len(self.identities)}",
            "model": f"{sum(m.verdict != 'refuted' for m in model)}/{len(model)}",
            "Monte Carlo": f"{sum(m.verdict == 'verified' for m in mc)}/{len(mc)}",
            "controls": "all rejected" if self.controls_rejected else "not all",
            "time (s)": f"{sum(v for k, v in self.timings.items() if k != 'figures_s'):.2f}",
        }


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

    def _repr_markdown_(self) -> str:
        """The summary table, as Jupyter shows a run that ends a cell."""
        rows = [c.summary() for c in self.claims]
        if not rows:
            return f"no claim run ({self.not_run})"
        head = list(rows[0])
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(r[k] for k in head) + " |" for r in rows]
        lines.append(f"\n**overall: {self.verdict.value}** (seed {self.settings['seed']}, "
                     f"backend {self.environment['backend']}, {self.n_checks} Monte Carlo checks "
                     f"at α = {self.alpha_per_check:.3g} each, resolution "
                     f"{self.settings['resolution']:g})")
        lines += [f"\nnot run: {k} {v}" for k, v in self.not_run.items()]
        return "\n".join(lines)
