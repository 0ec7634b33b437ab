"""Mutation check: every claim's closed forms, made wrong, are refuted by the engine.

The registry-wide tests reuse the session's full verification (tests/conftest.py): the
identity mutants are decided again exactly (≈ 25 s on two busy cores), the model and Monte
Carlo mutants are judged on the evidence already computed (< 1 s).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
import sympy as sp
from matplotlib.figure import Figure

from lrtheory.claim import Claim, Derivation, Estimate, Identity, ModelCheck, Point, Verdict
from lrtheory.errors import ParameterError
from lrtheory.montecarlo.runner import ChunkRNG, Ensemble
from lrtheory.montecarlo.stats import mean_statistic
from lrtheory.mutation import (
    APPROXIMATION,
    BREAKDOWN,
    DOUBLE,
    ETA_SQUARED,
    LEVELS,
    SIGN,
    SWAP,
    MutantOutcome,
    mutants,
    mutate_identity,
    mutation_report,
    summary,
)
from lrtheory.results import ClaimResult, RunResult
from lrtheory.verify import Settings, verify

ETA = sp.Symbol("eta", positive=True)
LMAX, LMIN = sp.symbols("lambda_max lambda_min", positive=True)


@pytest.fixture(scope="module")
def outcomes(full_run: RunResult) -> list[MutantOutcome]:
    return [o for c in full_run.claims for o in mutation_report(c)]


def _levels(result: ClaimResult) -> Iterator[str]:
    """The levels at which the claim states a closed form the engine holds it to: an identity
    it asserts, an exact model row with a non-zero closed form (a zero one is a consistency
    check), an approximation held to a declared bound, a Monte Carlo prediction."""
    if any(i.identity.expect_equal for i in result.identities):
        yield "identity"
    if any(m.check.role in ("exact", "bounded") and m.check.closed_form != 0
           for p in result.points for m in p.model):
        yield "model"
    if result.monte_carlo:
        yield "monte_carlo"


def test_every_claim_has_a_refuted_mutant_at_every_level_it_has(
        full_run: RunResult, outcomes: list[MutantOutcome]) -> None:
    table = summary(outcomes)
    for result in full_run.claims:
        for level in _levels(result):
            refuted, _, _ = table[result.claim.id][level]  # type: ignore[index]
            assert refuted >= 1, f"{result.claim.id}: no {level} mutant refuted"


def test_every_applicable_identity_and_monte_carlo_mutant_is_refuted(
        outcomes: list[MutantOutcome]) -> None:
    missed = [o for o in outcomes if o.mutant.level != "model" and o.refuted is False]
    assert not missed, "\n".join(f"{o.mutant}: {o.detail}" for o in missed)


def test_every_applicable_model_mutant_is_refuted(outcomes: list[MutantOutcome]) -> None:
    """A mutant of an exact row is refuted by its tolerance, one of an approximation by the
    bound the claim declares for it; a row that only documents a breakdown claims no form."""
    model = [o for o in outcomes if o.mutant.level == "model"]
    escaped = [o for o in model if o.refuted is False]
    assert not escaped, "\n".join(f"{o.mutant}: {o.detail}" for o in escaped)
    assert sum(o.refuted is True for o in model) > sum(o.refuted is None for o in model)


def test_every_kind_applies_somewhere_and_inapplicable_ones_say_why(
        outcomes: list[MutantOutcome]) -> None:
    kinds = {(o.mutant.level, o.mutant.kind) for o in outcomes if o.refuted}
    assert {("identity", k) for k in (DOUBLE, SIGN, ETA_SQUARED, SWAP)} <= kinds
    assert {(lv, k) for lv in LEVELS[1:] for k in (DOUBLE, SIGN)} <= kinds
    for o in outcomes:
        assert (o.refuted is None) == (not o.mutant.applicable)
        assert o.detail, o.mutant


# ------------------------------------------------------------------ the mutations themselves

def _identity(stated: sp.Basic, expect_equal: bool = True) -> Identity:
    return Identity("f", stated, stated, expect_equal=expect_equal)


@pytest.mark.parametrize(("stated", "kind", "expected"), [
    (1 - ETA * LMAX, DOUBLE, 2 - 2 * ETA * LMAX),
    (1 - ETA * LMAX, SIGN, ETA * LMAX - 1),
    (1 - ETA * LMAX, ETA_SQUARED, 1 - ETA**2 * LMAX),
    (1 - ETA * LMAX, SWAP, 1 - ETA * LMIN),
    (sp.Interval.open(0, 2 / LMAX), DOUBLE, sp.Interval.open(0, 4 / LMAX)),
    (sp.Interval.Lopen(0, 2 / LMAX), SIGN, sp.Interval.Ropen(-2 / LMAX, 0)),
    (sp.Integer(0), DOUBLE, sp.Integer(1)),
    (sp.Tuple(0, LMAX), SIGN, sp.Tuple(-1, -LMAX)),
    (sp.Matrix([[ETA, 0]]), DOUBLE, sp.Matrix([[2 * ETA, 1]])),
    (sp.S.EmptySet, SIGN, sp.S.Reals),
    (sp.true, SIGN, sp.false),
])
def test_mutations(stated: sp.Basic, kind: str, expected: sp.Basic) -> None:
    mutated, _ = mutate_identity(_identity(stated), kind)
    assert mutated == expected


@pytest.mark.parametrize(("identity", "kind", "why"), [
    (_identity(2 / (LMAX + LMIN)), SWAP, "invariant under λ_max↔λ_min"),
    (_identity(sp.Interval.open(0, sp.oo)), DOUBLE, "invariant under ×2"),
    (_identity(2 / LMAX), ETA_SQUARED, "no learning-rate symbol"),
    (_identity(ETA, expect_equal=False), DOUBLE, "a finding"),
    (_identity(sp.true), DOUBLE, "no ×2 of a BooleanTrue"),
])
def test_inapplicable_mutations_say_why(identity: Identity, kind: str, why: str) -> None:
    mutated, note = mutate_identity(identity, kind)
    assert mutated is None
    assert why in note


def test_an_unknown_kind_is_a_parameter_error() -> None:
    with pytest.raises(ParameterError, match=r"^kind must be one of"):
        mutate_identity(_identity(ETA), "×3")


# ---------------------------------------------- the check can fail: a toy with weak checks

def _no_figure(result: ClaimResult) -> Figure:
    raise AssertionError("never drawn")


def _row(tolerance: float, role: str) -> ModelCheck:
    """The toy's model row ``2 ≈ 2.1`` (relative error 4.8 %) in the given role."""
    if role == "exact":
        return ModelCheck("two", 2.0, 2.0, tolerance, "toy")
    extra = ({"bound": 0.1, "bound_reason": "toy envelope"} if role == "bounded"
             else {"breakdown": "toy breakdown"} if role == "breakdown" else {})
    return ModelCheck("two", 2.0, 2.1, 0.0, "", exact=False, **extra)


def _toy(tolerance: float, role: str = "exact") -> Claim:
    """E[1 + Z] = 1 by Monte Carlo; 1 − ηλ_max exactly; a model row ``2 ≈ 2`` (or ≈ 2.1)."""

    def simulate(point: Point, ensemble: Ensemble, n: int) -> list[Estimate]:
        def kernel(rng: ChunkRNG) -> Any:
            return 1.0 + rng.normal(1)

        m = ensemble.run(kernel, n)
        return [Estimate("mean", 1.0, mean_statistic(float(m.mean[0]),
                                                      float(m.stderr_mean[0]), m.n))]

    factor = 1 - ETA * LMAX
    return Claim(
        id="T9", slug="toy", title="toy", statement="toy", sources=(),
        derive=lambda: Derivation((), (Identity("factor", sp.expand(factor), factor),)),
        model=lambda p: [_row(tolerance, role)],
        points=(Point("p", {}),), figure=_no_figure, simulate=simulate, statistics=("mean",))


@pytest.fixture(scope="module")
def toy_result() -> ClaimResult:
    return verify([_toy(1e-12)], Settings(seed=1, backend="numpy",
                                                  pilot_chains=1000)).claims[0]


def test_a_sound_toy_refutes_every_applicable_mutant(toy_result: ClaimResult) -> None:
    report = mutation_report(toy_result)
    assert [o.mutant.kind for o in report if o.mutant.level == "identity" and o.refuted] == [
        DOUBLE, SIGN, ETA_SQUARED, SWAP]
    assert all(o.refuted for o in report if o.mutant.level != "identity")
    assert [m.level for m in mutants(toy_result)] == [*["identity"] * 4, *["model"] * 2,
                                                      *["monte_carlo"] * 2]


def test_a_tolerance_too_loose_or_a_sample_too_small_lets_mutants_through(
        toy_result: ClaimResult) -> None:
    point = toy_result.points[0]
    loose = replace(point.model[0], check=replace(point.model[0].check, tolerance=10.0))
    mc = point.monte_carlo[0]
    noisy = replace(mc, estimate=replace(mc.estimate, sample=replace(mc.estimate.sample,
                                                                     se=10.0)))
    weak = replace(toy_result, points=(replace(point, model=(loose,), monte_carlo=(noisy,)),))
    escaped = {(o.mutant.level, o.mutant.kind): o.detail for o in mutation_report(weak)
               if o.refuted is False}
    assert set(escaped) == {(lv, k) for lv in ("model", "monte_carlo") for k in (DOUBLE, SIGN)}
    assert escaped["model", DOUBLE].startswith("within the tolerance at every point")
    assert escaped["monte_carlo", SIGN].startswith("within the noise at every point")


@pytest.mark.parametrize(("role", "expected"), [
    ("bounded", [(True, "relative error beyond the approximation's declared bound")] * 2),
    ("breakdown", [(None, BREAKDOWN)] * 2),
    ("unclassified", [(False, APPROXIMATION)] * 2),
])
def test_an_approximation_is_refuted_only_through_its_declared_bound(
        role: str, expected: list[tuple[bool | None, str]]) -> None:
    result = verify([_toy(1e-12, role)], Settings(seed=1, backend="numpy",
                                                   pilot_chains=1000)).claims[0]
    assert result.points[0].model[0].verdict == Verdict.APPROXIMATE
    model = [o for o in mutation_report(result) if o.mutant.level == "model"]
    assert [(o.refuted, o.detail) for o in model] == expected
