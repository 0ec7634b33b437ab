"""Claims verified and drawn side by side in worker processes change no number and no byte."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

from lrtheory import registry
from lrtheory.claim import Claim
from lrtheory.errors import ParameterError
from lrtheory.parallel import resolve_jobs
from lrtheory.report import write_report
from lrtheory.report.serialize import run_json, without_timings
from lrtheory.verify import Settings, verify


def test_a_registered_claim_pickles_as_itself() -> None:
    for claim in registry.all_claims():
        assert pickle.loads(pickle.dumps(claim)) is claim


def test_workers_give_the_same_results_and_figures_as_one_process(tmp_path: Path) -> None:
    chosen = registry.select(["S1", "G3"])
    settings = Settings(seed=3, backend="numpy", resolution=0.1)
    serial, parallel = (verify(chosen, settings, jobs=j) for j in (1, 2))
    assert [r.claim for r in parallel.claims] == list(chosen)
    assert json.dumps(without_timings(run_json(serial)), sort_keys=True) == json.dumps(
        without_timings(run_json(parallel)), sort_keys=True)
    a = write_report(serial, tmp_path / "a", jobs=1)
    b = write_report(serial, tmp_path / "b", jobs=2)
    # Figures drawn by the workers right after verifying (what `lrtheory report` does).
    drawn = verify(chosen, settings, jobs=2, figures=True)
    assert all(r.figures for r in drawn.claims)
    c = write_report(drawn, tmp_path / "c", jobs=2)
    pngs = sorted(p.relative_to(a) for p in a.rglob("*.png"))
    assert pngs
    for other in (b, c):
        assert pngs == sorted(p.relative_to(other) for p in other.rglob("*.png"))
        for name in pngs:
            assert (a / name).read_bytes() == (other / name).read_bytes(), (other, name)


def test_unregistered_claims_run_in_this_process() -> None:
    s1 = registry.get("S1")
    # A copy is not the registered object, so it cannot travel by ID: it runs here.
    copy = Claim(**{f: getattr(s1, f) for f in s1.__dataclass_fields__})
    assert not registry.is_registered(copy)
    run = verify([copy, registry.get("G3")], Settings(seed=1, backend="numpy",
                                                     resolution=0.1), jobs=2)
    assert run.claims[0].claim is copy


def test_jobs_is_validated_and_capped_by_the_number_of_tasks() -> None:
    assert resolve_jobs(8, 3) == 3
    assert resolve_jobs(1, 5) == 1
    assert resolve_jobs(0, 1) == 1
    with pytest.raises(ParameterError, match=r"^jobs"):
        resolve_jobs(-1, 3)


@pytest.mark.parametrize("claim", registry.all_claims(), ids=lambda c: c.id)
def test_every_derivation_survives_the_trip_to_a_worker_and_back(claim: Claim) -> None:
    """What a worker process sends back must be what it computed: no SymPy object may
    re-evaluate on unpickling (an equation with a matrix side would become False)."""
    derivation = claim.derive()
    back = pickle.loads(pickle.dumps(derivation))
    for a, b in zip(derivation.steps, back.steps, strict=True):
        assert b.expr == a.expr, (claim.id, a.name)
        assert str(b.expr) == str(a.expr), (claim.id, a.name)
    for a, b in zip(derivation.identities, back.identities, strict=True):
        assert (b.derived, b.stated) == (a.derived, a.stated), (claim.id, a.name)


def test_transport_keeps_unevaluated_sympy_objects_as_built() -> None:
    from sympy import Eq, Matrix, Mul, Rational, Symbol, sstr

    from lrtheory.symbolic.transport import freeze, thaw

    x = Symbol("x")
    built = (Eq(Symbol("H"), Matrix([[1, 0], [0, 2]]), evaluate=False),
             Mul(Rational(1, 2), x + 1, 4, evaluate=False))
    plain = pickle.loads(pickle.dumps(built))
    assert plain[0] is not built[0]
    assert sstr(plain[0]) == "False"  # what SymPy's own pickling does to such an equation
    back = thaw(pickle.loads(pickle.dumps(freeze(built))))
    assert [sstr(b) for b in back] == [sstr(b) for b in built]


def _blas_setting(_: int) -> str | None:
    import os

    return os.environ.get("OPENBLAS_NUM_THREADS")


def test_workers_share_the_cores_for_blas(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from lrtheory.parallel import BLAS_THREAD_VARIABLES, cpu_count, map_unordered

    for key in BLAS_THREAD_VARIABLES:
        monkeypatch.delenv(key, raising=False)
    seen = dict(map_unordered(_blas_setting, [0, 1], 2))
    assert seen == {0: str(max(1, cpu_count() // 2)), 1: str(max(1, cpu_count() // 2))}
    assert "OPENBLAS_NUM_THREADS" not in os.environ  # the parent's environment is restored
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "3")  # a user's own setting is kept
    assert dict(map_unordered(_blas_setting, [0], 2)) == {0: "3"}
