"""A run as plain JSON data: the machine-readable ``results.json``.

Everything that depends on the wall clock lives under keys named ``timings`` so that two runs
with the same seed and backend produce identical documents once those keys are dropped
(:func:`without_timings`).
"""

from __future__ import annotations

import math
from typing import Any

import sympy as sp

from lrtheory.montecarlo.stats import TestOutcome
from lrtheory.results import ClaimResult, MonteCarloResult, PointResult, RunResult

SCHEMA_VERSION = 1


def _num(x: float) -> float | str:
    """JSON has no inf/NaN: write them as strings rather than emit invalid JSON."""
    x = float(x)
    return x if math.isfinite(x) else str(x)


def sympy_json(expr: sp.Basic) -> dict[str, str]:
    return {"text": sp.sstr(expr), "latex": sp.latex(expr)}


def _test(t: TestOutcome) -> dict[str, Any]:
    return {"z": _num(t.z), "p_value": _num(t.p_value), "threshold": _num(t.threshold),
            "rejected": t.rejected, "interval": [_num(t.interval[0]), _num(t.interval[1])]}


def monte_carlo(m: MonteCarloResult) -> dict[str, Any]:
    e = m.estimate
    return {
        "statistic": e.name,
        "kind": e.sample.kind,
        "prediction": _num(e.prediction),
        "estimate": _num(e.sample.value),
        "stderr": _num(e.sample.se),
        "n": e.sample.n,
        "bias_bound": _num(e.bias_bound),
        "test": _test(m.test),
        "negative_controls": [{"prediction": _num(p), **_test(o)} for p, o in m.controls],
        "alpha": m.alpha,
        "power": m.power,
        "n_pilot": m.n_pilot,
        "n_required": m.n_required,
        "resolution": m.resolution,
        "resolution_achieved": _num(m.resolution_achieved),
        "verdict": m.verdict.value,
        "reason": m.reason,
    }


def _point(p: PointResult) -> dict[str, Any]:
    return {
        "label": p.point.label,
        "params": {k: _num(v) for k, v in p.point.params.items()},
        "regime": p.point.regime,
        "note": p.point.note,
        "verdict": p.verdict.value,
        "divergence": p.divergence,
        "model": [{
            "name": r.check.name, "closed_form": _num(r.check.closed_form),
            "model": _num(r.check.model), "abs_error": _num(r.check.abs_error),
            "rel_error": _num(r.check.rel_error), "tolerance": _num(r.check.tolerance),
            "tolerance_reason": r.check.tolerance_reason, "exact": r.check.exact,
            "role": r.check.role, "bound": _num(r.check.bound) if r.check.bound else None,
            "bound_reason": r.check.bound_reason, "breakdown": r.check.breakdown,
            "verdict": r.verdict.value, "reason": r.reason,
        } for r in p.model],
        "monte_carlo": [monte_carlo(m) for m in p.monte_carlo],
    }


def claim_json(c: ClaimResult) -> dict[str, Any]:
    claim = c.claim
    validity = None
    if c.validity is not None:
        v = c.validity
        validity = {"statement": v.statement, "parameter": v.parameter,
                    "values": [_num(x) for x in v.values], "errors": [_num(x) for x in v.errors],
                    "error_label": v.error_label}
    return {
        "id": claim.id,
        "slug": claim.slug,
        "title": claim.title,
        "family": claim.family_name,
        "statement": claim.statement,
        "sources": [{"seed": s.seed, "section": s.section, "quote": s.quote}
                    for s in claim.sources],
        "verdict": c.verdict.value,
        "negative_controls_rejected": c.controls_rejected,
        "derivation": [{"name": s.name, "note": s.note, **sympy_json(s.expr)}
                       for s in c.derivation.steps],
        "identities": [{
            "name": i.identity.name, "provenance": i.identity.provenance,
            "derived": sympy_json(i.identity.derived), "stated": sympy_json(i.identity.stated),
            "expect_equal": i.identity.expect_equal, "equal": i.equal,
            "note": i.identity.note, "verdict": i.verdict.value,
        } for i in c.identities],
        "points": [_point(p) for p in c.points],
        "validity": validity,
        "findings": list(claim.findings),
        "beyond": None if c.beyond is None else _finite(c.beyond.to_dict()),
        "beyond_missing": c.beyond_missing,
        "timings": {k: round(v, 4) for k, v in c.timings.items()},
    }


def _finite(data: Any) -> Any:
    """A JSON-ready copy with every non-finite float written as a string."""
    if isinstance(data, dict):
        return {k: _finite(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_finite(v) for v in data]
    if isinstance(data, float):
        return _num(data)
    return data


def run_json(run: RunResult) -> dict[str, Any]:
    """The whole run as a JSON-ready dictionary."""
    return {
        "schema": SCHEMA_VERSION,
        "verdict": run.verdict.value,
        "settings": run.settings,
        "environment": run.environment,
        "n_monte_carlo_checks": run.n_checks,
        "alpha_per_check": run.alpha_per_check,
        "claims": [claim_json(c) for c in run.claims],
        "not_run": dict(run.not_run),
        "timings": {k: round(v, 4) for k, v in run.timings.items()},
    }


def without_timings(data: Any) -> Any:
    """A copy of a results document with every ``timings`` entry removed."""
    if isinstance(data, dict):
        return {k: without_timings(v) for k, v in data.items() if k != "timings"}
    if isinstance(data, list):
        return [without_timings(v) for v in data]
    return data
