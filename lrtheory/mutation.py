"""Mutation check: would the engine notice a wrong closed form?

A *mutant* swaps one closed form of a claim for a wrong one; the engine's own judges (the
functions :func:`lrtheory.verify.verify` uses) decide it again. A mutant the engine still
passes is a check that could not have caught that error. Mutants live at the three levels a
claim is checked on:

* **identity** — the stated form f of an :class:`~lrtheory.claim.Identity` becomes 2f (×2),
  −f (sign), f with every learning-rate symbol (``eta``, ``eta_*``) squared (η→η²), or f
  with every ``X_max`` and ``X_min`` exchanged (a lone ``X_max`` becomes a new ``X_min``;
  ``L``/``mu`` exchanged where both occur) (λ_max↔λ_min). Matrices,
  tuples and finite sets mutate element-wise, intervals endpoint-wise ((a, b) → (2a, 2b) or
  (−b, −a)); a zero element becomes 1 (×2) or −1 (sign); a Boolean or the empty set becomes
  its negation under "sign". The exact judge (:func:`lrtheory.symbolic.identity.identical`)
  decides, so a refuted identity mutant is *proved* different.
* **model** — every row of one name (at every point) has its closed-form value doubled or
  negated and is judged again against the model value it was computed with. A row whose
  closed form is 0 at every point is a consistency check (two computations must agree, or a
  count of violations must be 0), with no formula to mutate.
* **Monte Carlo** — every prediction of one statistic (at every point) is doubled or negated;
  a proportion p becomes 2p (p/2 where 2p > 1) and its complement 1 − p; a zero prediction
  moves by the estimate's resolution scale. It is judged again on the sample already drawn,
  so the mutation check runs no simulation.

A mutant is *refuted* when the engine's verdict on the mutated check is ``refuted`` at one
point at least (a closed form is wrong everywhere or nowhere). A mutant that does not apply
is listed with the reason (no η in the form; the form is invariant under the mutation, such
as a symmetric function of λ_max and λ_min; a *finding*, whose stated form the claim asserts
to be wrong anyway). A mutant that applies but is not refuted is reported with why.

Deciding an identity mutant costs a few ``simplify`` calls, so :func:`mutation_report` by
default mutates the claim's own closed forms: its identities of provenance *stated* or
*modelled* that it asserts to hold (its first such identity where it has none);
``identities="all"`` mutates every identity (minutes for the registry).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Literal

import sympy as sp

from lrtheory.claim import Identity, ModelCheck, Verdict
from lrtheory.errors import ParameterError
from lrtheory.results import ClaimResult, MonteCarloResult
from lrtheory.symbolic.identity import identical
from lrtheory.verify import Settings, judge_estimate, judge_identity, judge_model

Level = Literal["identity", "model", "monte_carlo"]
Scope = Literal["stated", "all"]
LEVELS: tuple[Level, ...] = ("identity", "model", "monte_carlo")
DOUBLE, SIGN, ETA_SQUARED, SWAP = "×2", "sign", "η→η²", "λ_max↔λ_min"
KINDS: dict[Level, tuple[str, ...]] = {
    "identity": (DOUBLE, SIGN, ETA_SQUARED, SWAP),
    "model": (DOUBLE, SIGN),
    "monte_carlo": (DOUBLE, SIGN),
}
_ETA = re.compile(r"^eta(_\w+)?$")
_EXTREME_PAIRS = (("L", "mu"),)
APPROXIMATION = ("an approximation with no declared bound: the engine measures its error "
                 "and cannot refute it")
BREAKDOWN = ("the row documents where the approximation fails (a breakdown): no closed form "
             "is claimed to hold there")
CONSISTENCY = ("the closed form is 0 at every point: a consistency check, with no formula to "
               "double or negate")


@dataclass(frozen=True)
class Mutant:
    """One wrong closed form: ``kind`` applied to ``target`` (an identity's, a model row's or
    a statistic's name) of claim ``claim`` at ``level``; ``note`` says what the mutation does
    there, or why it does not apply (then ``applicable`` is False)."""

    claim: str
    level: Level
    target: str
    kind: str
    applicable: bool
    note: str = ""


@dataclass(frozen=True)
class MutantOutcome:
    """The engine's judgement of a mutant: ``refuted`` True/False, None where the mutant
    does not apply; ``detail`` says why."""

    mutant: Mutant
    refuted: bool | None
    detail: str


Judge = Callable[[], tuple[bool, str]]


# ---------------------------------------------------------------------------- identities

def _leafwise(expr: sp.Basic, leaf: Callable[[sp.Expr], sp.Expr],
              interval: Callable[[sp.Interval], sp.Set]) -> sp.Basic | None:
    """``expr`` with ``leaf`` applied to each scalar and ``interval`` to each interval; None
    for an object the mutation has no meaning for."""
    if isinstance(expr, sp.MatrixBase):
        return expr.applyfunc(leaf)
    if isinstance(expr, sp.Tuple):
        parts = [_leafwise(a, leaf, interval) for a in expr.args]
        return None if any(p is None for p in parts) else sp.Tuple(*parts)
    if isinstance(expr, sp.FiniteSet):
        return sp.FiniteSet(*(leaf(a) for a in expr.args))
    if isinstance(expr, sp.Interval):
        return interval(expr)
    if isinstance(expr, sp.Expr):
        return leaf(expr)
    return None


def _double(expr: sp.Basic) -> sp.Basic | None:
    return _leafwise(expr, lambda e: sp.Integer(1) if e == 0 else 2 * e,
                     lambda i: sp.Interval(2 * i.start, 2 * i.end, i.left_open, i.right_open))


def _negate(expr: sp.Basic) -> sp.Basic | None:
    if isinstance(expr, sp.logic.boolalg.BooleanAtom):
        return sp.Not(expr)
    if expr == sp.S.EmptySet:
        return sp.S.Reals
    return _leafwise(expr, lambda e: sp.Integer(-1) if e == 0 else -e,
                     lambda i: sp.Interval(-i.end, -i.start, i.right_open, i.left_open))


def _symbols(expr: sp.Basic) -> dict[str, sp.Symbol]:
    return {s.name: s for s in getattr(expr, "free_symbols", set()) if isinstance(s, sp.Symbol)}


def _eta_squared(expr: sp.Basic) -> tuple[sp.Basic | None, str]:
    etas = sorted((s for n, s in _symbols(expr).items() if _ETA.match(n)), key=str)
    if not etas:
        return None, "no learning-rate symbol (eta, eta_*) in the stated form"
    return (expr.subs({e: e**2 for e in etas}, simultaneous=True),
            ", ".join(map(str, etas)) + " squared")


def _counterpart(name: str) -> str | None:
    for a, b in (("_max", "_min"), ("_min", "_max")):
        if name.endswith(a):
            return name[: -len(a)] + b
    return None


def _swap_extremes(expr: sp.Basic) -> tuple[sp.Basic | None, str]:
    """Every X_max ↔ X_min (a lone X_max becomes a new symbol X_min with the same
    assumptions, and vice versa); L ↔ mu only where both occur (alone they are ambiguous)."""
    names = _symbols(expr)
    swap: dict[sp.Symbol, sp.Symbol] = {}
    for name, sym in names.items():
        other = _counterpart(name)
        if other is not None:
            swap[sym] = names.get(other) or sp.Symbol(other, **sym.assumptions0)
    for a, b in _EXTREME_PAIRS:
        if a in names and b in names:
            swap |= {names[a]: names[b], names[b]: names[a]}
    if not swap:
        return None, "no X_max or X_min symbol (nor L with mu) in the stated form"
    return (expr.subs(swap, simultaneous=True),
            ", ".join(f"{a}→{b}" for a, b in sorted(swap.items(), key=str)))


def mutate_identity(identity: Identity, kind: str) -> tuple[sp.Basic | None, str]:
    """The stated form mutated by ``kind``, or None and why the mutation does not apply."""
    if not identity.expect_equal:
        return None, ("a finding: the claim asserts the stated form differs from the derived "
                      "one, and a changed wrong form stays wrong")
    stated = identity.stated
    if kind == ETA_SQUARED:
        mutated, note = _eta_squared(stated)
    elif kind == SWAP:
        mutated, note = _swap_extremes(stated)
    elif kind in (DOUBLE, SIGN):
        mutated = (_double if kind == DOUBLE else _negate)(stated)
        note = "" if mutated is not None else f"no {kind} of a {type(stated).__name__}"
    else:
        raise ParameterError("kind", kind, f"one of {', '.join(KINDS['identity'])}")
    if mutated is not None and mutated == stated:
        return None, f"the stated form is invariant under {kind} ({note})"
    return mutated, note


def _identity_judge(identity: Identity, mutated: sp.Basic) -> Judge:
    def judge() -> tuple[bool, str]:
        if judge_identity(replace(identity, stated=mutated)).verdict == Verdict.REFUTED:
            return True, "the exact check finds derived ≠ mutant"
        if identical(identity.stated, mutated):
            return False, "the form is invariant under the mutation (mutant ≡ stated)"
        return False, "the exact check finds derived ≡ mutant"
    return judge


def _identities(result: ClaimResult, scope: Scope) -> list[Identity]:
    every = [i.identity for i in result.identities]
    if scope == "all":
        return every
    if scope != "stated":
        raise ParameterError("identities", scope, "'stated' or 'all'")
    checkable = [i for i in every if i.expect_equal]
    return [i for i in checkable if i.provenance != "derived"] or checkable[:1]


def _identity_cases(result: ClaimResult, scope: Scope) -> Iterator[tuple[Mutant, Judge | None]]:
    for identity in _identities(result, scope):
        for kind in KINDS["identity"]:
            mutated, note = mutate_identity(identity, kind)
            mutant = Mutant(result.claim.id, "identity", identity.name, kind,
                            mutated is not None, note)
            yield mutant, None if mutated is None else _identity_judge(identity, mutated)


# ------------------------------------------------------------------- models, Monte Carlo

def _mutate_value(value: float, kind: str, shift: float) -> float:
    """2v or −v; a zero moves by ``shift`` instead (a wrong zero is off by a scale, not a
    factor)."""
    if value == 0.0:
        return shift if kind == DOUBLE else -shift
    return 2.0 * value if kind == DOUBLE else -value


def _model_judge(checks: list[ModelCheck], kind: str) -> Judge:
    def judge() -> tuple[bool, str]:
        misses = []
        for c in checks:
            wrong = replace(c, closed_form=_mutate_value(c.closed_form, kind, 0.0))
            if judge_model(wrong).verdict == Verdict.REFUTED:
                return True, ("closed form ≠ model beyond the method's tolerance" if c.exact
                              else "relative error beyond the approximation's declared bound")
            misses.append(f"|{wrong.closed_form:.3g} − {c.model:.3g}| ≤ {c.tolerance:.3g}"
                          if c.exact else f"relative error {wrong.rel_error:.3g} ≤ bound "
                          f"{c.bound:.3g}")
        return False, "within the tolerance at every point: " + "; ".join(misses)
    return judge


def _model_cases(result: ClaimResult) -> Iterator[tuple[Mutant, Judge | None]]:
    rows: dict[str, list[ModelCheck]] = {}
    for p in result.points:
        for r in p.model:
            rows.setdefault(r.check.name, []).append(r.check)
    for name, checks in rows.items():
        # 2·0 = −0 = 0: a point where the closed form is 0 cannot show the mutation. A row
        # held to a tolerance or to a declared bound can be refuted; a breakdown claims nothing.
        held = [c for c in checks if c.role in ("exact", "bounded") and c.closed_form != 0.0]
        consistency = all(c.closed_form == 0.0 for c in checks)
        breakdown = all(c.role == "breakdown" for c in checks)
        for kind in KINDS["model"]:
            if consistency or breakdown:
                why = CONSISTENCY if consistency else BREAKDOWN
                yield Mutant(result.claim.id, "model", name, kind, False, why), None
                continue
            mutant = Mutant(result.claim.id, "model", name, kind, True)
            yield mutant, (_model_judge(held, kind) if held
                           else lambda: (False, APPROXIMATION))


def _mutate_prediction(m: MonteCarloResult, kind: str) -> float | None:
    """The mutated prediction; None where the mutation leaves it unchanged."""
    est = m.estimate
    p = est.prediction
    if est.sample.kind != "proportion":
        q = _mutate_value(p, kind, est.resolution_scale)
    elif kind == SIGN:
        q = 1.0 - p
    elif p == 0.0:
        q = min(1.0, est.resolution_scale)
    else:
        q = 2.0 * p if 2.0 * p <= 1.0 else p / 2.0
    return None if q == p else q


def _estimate_judge(results: list[tuple[MonteCarloResult, float]]) -> Judge:
    def judge() -> tuple[bool, str]:
        misses = []
        for m, q in results:
            est = replace(m.estimate, prediction=q)
            verdict = judge_estimate(est, m.alpha, m.power, Settings(resolution=m.resolution),
                                      m.n_required, m.n_pilot).verdict
            if verdict == Verdict.REFUTED:
                return True, f"prediction {q:.4g} rejected by {m.estimate.sample.value:.4g}"
            misses.append(f"{q:.3g} vs {m.estimate.sample.value:.3g} ± {m.estimate.sample.se:.2g}")
        return False, "within the noise at every point: " + "; ".join(misses)
    return judge


def _monte_carlo_cases(result: ClaimResult) -> Iterator[tuple[Mutant, Judge | None]]:
    by_statistic: dict[str, list[MonteCarloResult]] = {}
    for m in result.monte_carlo:
        by_statistic.setdefault(m.estimate.name, []).append(m)
    for name, results in by_statistic.items():
        proportion = results[0].estimate.sample.kind == "proportion"
        for kind in KINDS["monte_carlo"]:
            mutated = [(m, q) for m in results if (q := _mutate_prediction(m, kind)) is not None]
            note = ("the complement 1 − p" if kind == SIGN else "2p, or p/2 where 2p > 1") \
                if proportion else ""
            if not mutated:
                note = f"every prediction is invariant under {kind}"
            mutant = Mutant(result.claim.id, "monte_carlo", name, kind, bool(mutated), note)
            yield mutant, _estimate_judge(mutated) if mutated else None


# ---------------------------------------------------------------------------- public API

def _cases(result: ClaimResult, identities: Scope) -> Iterator[tuple[Mutant, Judge | None]]:
    yield from _identity_cases(result, identities)
    yield from _model_cases(result)
    yield from _monte_carlo_cases(result)


def mutants(result: ClaimResult, identities: Scope = "stated") -> list[Mutant]:
    """Every mutant of one verified claim at every level it has, applicable or not."""
    return [mutant for mutant, _ in _cases(result, identities)]


def mutation_report(result: ClaimResult, identities: Scope = "stated") -> list[MutantOutcome]:
    """Every mutant of one verified claim, judged by the engine on ``result``'s evidence
    (identities decided again exactly; model values and Monte Carlo samples reused)."""
    outcomes = []
    for mutant, judge in _cases(result, identities):
        if judge is None:
            outcomes.append(MutantOutcome(mutant, None, mutant.note))
        else:
            outcomes.append(MutantOutcome(mutant, *judge()))
    return outcomes


def summary(outcomes: list[MutantOutcome]) -> dict[str, dict[Level, tuple[int, int, int]]]:
    """Per claim and level: (refuted, not refuted, not applicable) mutant counts."""
    table: dict[str, dict[Level, list[int]]] = {}
    for o in outcomes:
        row = table.setdefault(o.mutant.claim, {lv: [0, 0, 0] for lv in LEVELS})
        row[o.mutant.level][0 if o.refuted else 2 if o.refuted is None else 1] += 1
    return {c: {lv: (n[0], n[1], n[2]) for lv, n in row.items()} for c, row in table.items()}
