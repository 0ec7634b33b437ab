"""An approximation row either claims a bound the engine holds it to, or shows a breakdown."""

from __future__ import annotations

import pytest

from lrtheory.claim import ModelCheck, Verdict
from lrtheory.verify import judge_model


def _approx(model: float, **kw: object) -> ModelCheck:
    return ModelCheck("f ≈ g", 1.0, model, 0.0, "", exact=False, **kw)  # type: ignore[arg-type]


def test_a_bounded_approximation_is_approximate_within_its_bound_and_refuted_beyond() -> None:
    inside = judge_model(_approx(1.04, bound=0.05, bound_reason="first order in ηλ = 0.05"))
    assert inside.verdict == Verdict.APPROXIMATE
    assert "≤ its bound 0.05 (first order in ηλ = 0.05)" in inside.reason
    outside = judge_model(_approx(1.25, bound=0.05, bound_reason="first order in ηλ = 0.05"))
    assert outside.verdict == Verdict.REFUTED
    assert "0.2 > its bound 0.05" in outside.reason


def test_a_breakdown_row_is_measured_not_judged() -> None:
    result = judge_model(_approx(3.0, breakdown="ηλ = 1.9: outside the SDE's domain"))
    assert result.verdict == Verdict.APPROXIMATE
    assert result.reason.startswith("breakdown shown: relative error 0.667")
    assert _approx(3.0, breakdown="x").role == "breakdown"
    assert _approx(3.0).role == "unclassified"
    assert ModelCheck("f", 1.0, 1.0, 1e-12, "rounding").role == "exact"


@pytest.mark.parametrize(("kw", "message"), [
    ({"exact": True, "bound": 0.1, "bound_reason": "r"}, "an exact row takes a tolerance"),
    ({"exact": True, "breakdown": "b"}, "an exact row takes a tolerance"),
    ({"exact": False, "bound": 0.1, "bound_reason": "r", "breakdown": "b"}, "not both"),
    ({"exact": False, "bound": 0.0, "bound_reason": "r"}, "finite positive"),
    ({"exact": False, "bound": float("nan"), "bound_reason": "r"}, "finite positive"),
    ({"exact": False, "bound": 0.1}, "needs its bound_reason"),
])
def test_an_inconsistent_row_is_refused(kw: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ModelCheck("f", 1.0, 1.0, 0.0, "", **kw)  # type: ignore[arg-type]
