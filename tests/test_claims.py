"""Every registered claim, tested the moment it is registered."""

from __future__ import annotations

import json
import os

import pytest

from lrtheory import registry
from lrtheory.claim import Claim, Verdict
from lrtheory.report.serialize import run_json, without_timings
from lrtheory.results import RunResult
from lrtheory.verify import Settings, verify

from .conftest import SEEDS_DIR

CLAIMS = registry.all_claims()
CORE = {"S1", "S4", "M1", "M8", "N1", "D3", "G3"}


def test_the_core_claims_are_registered() -> None:
    assert {c.id for c in CLAIMS} >= CORE


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.id)
def test_claim_is_complete(claim: Claim) -> None:
    assert claim.sources
    assert claim.points
    assert claim.statement
    assert claim.simulate is not None, "every claim has a Monte Carlo check"
    assert claim.statistics
    assert any(p.regime != "inside" for p in claim.points), "a boundary or outside point"
    assert claim.mc_points, "at least one Monte Carlo point"


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.id)
def test_source_quotes_occur_verbatim_in_the_seeds(claim: Claim) -> None:
    if not SEEDS_DIR.is_dir():
        message = f"seed texts not found at {SEEDS_DIR}: quotes cannot be checked here"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI has them beside the checkout)")
        pytest.skip(message)
    assert claim.sources, f"{claim.id} quotes no source"
    for source in claim.sources:
        path = SEEDS_DIR / source.seed
        assert path.is_file(), f"{claim.id}: no seed file {source.seed}"
        assert source.quote in path.read_text(), f"{claim.id}: quote not verbatim in {source.seed}"


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.id)
def test_every_identity_is_decided_as_expected(claim: Claim, full_run: RunResult) -> None:
    result = next(r for r in full_run.claims if r.claim.id == claim.id)
    bad = [i.identity.name for i in result.identities if i.verdict != Verdict.VERIFIED]
    assert not bad, f"{claim.id}: identities not as derived: {bad}"


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.id)
def test_nothing_refuted_and_every_negative_control_rejected(
        claim: Claim, full_run: RunResult) -> None:
    result = next(r for r in full_run.claims if r.claim.id == claim.id)
    assert result.verdict != Verdict.REFUTED, [
        (p.point.label, [m.reason for m in (*p.model, *p.monte_carlo) if m.verdict == "refuted"],
         p.divergence) for p in result.points if p.verdict == Verdict.REFUTED]
    assert result.monte_carlo, "Monte Carlo ran"
    assert result.controls_rejected, "every negative control must be rejected"
    assert all(m.verdict == Verdict.VERIFIED for m in result.monte_carlo)


def test_the_same_seed_gives_identical_results_apart_from_timings() -> None:
    chosen = registry.select(["S1", "D3"])
    # A coarse resolution keeps the three runs cheap; determinism does not depend on it.
    settings = Settings(seed=5, backend="numpy", resolution=0.1)
    a, b = (run_json(verify(chosen, settings)) for _ in range(2))
    assert json.dumps(without_timings(a), sort_keys=True) == json.dumps(
        without_timings(b), sort_keys=True)
    c = run_json(verify(chosen, Settings(seed=6, backend="numpy", resolution=0.1)))
    assert without_timings(c) != without_timings(a)


def test_statements_left_out_are_quoted_verbatim() -> None:
    from lrtheory.sources import NOT_CHECKED

    if not SEEDS_DIR.is_dir():
        pytest.skip(f"seed texts not found at {SEEDS_DIR}")
    for seed, _, quote, why in NOT_CHECKED:
        assert quote in (SEEDS_DIR / seed).read_text(), quote
        assert why
