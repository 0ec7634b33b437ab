from __future__ import annotations

from typing import Any

import pytest

from lrtheory import registry
from lrtheory.errors import UnknownNameError


def test_lookup_by_id_slug_and_family() -> None:
    assert registry.get("S1") is registry.get("gd-stability") is registry.get("s1")
    assert all(c.family == "S" for c in registry.select(["S"]))
    assert registry.select([]) == registry.all_claims()


def test_unknown_claim_names_the_known_ones() -> None:
    with pytest.raises(UnknownNameError, match=r"unknown claim 'Z9'; choose one of: S1\b"):
        registry.get("Z9")


def test_catalog_order() -> None:
    order = "SNMDHG"
    keys = [(order.index(c.family), int(c.id[1:])) for c in registry.all_claims()]
    assert keys == sorted(keys)


def test_claim_needing_a_missing_module_is_listed_not_run() -> None:
    from dataclasses import replace

    from lrtheory.errors import ParameterError
    from lrtheory.verify import Settings, verify

    s3 = registry.get("S3")
    absent = replace(s3, id="S99", slug="needs-absent", requires=("no_such_module_lrtheory",))
    present = replace(s3, id="S98", slug="needs-numpy", requires=("numpy",))
    assert absent.missing == "needs no_such_module_lrtheory"
    assert present.missing is None
    sklearn_claim = replace(s3, requires=("sklearn",))
    if sklearn_claim.missing is not None:
        assert "lrtheory[search]" in sklearn_claim.missing
    with pytest.raises(ParameterError, match="claims"):
        verify([absent], Settings(seed=0))


def test_not_run_claims_are_reported(tmp_path: Any) -> None:
    from dataclasses import asdict

    from lrtheory.environment import environment
    from lrtheory.montecarlo.backend import get_backend
    from lrtheory.report import write_report
    from lrtheory.results import RunResult
    from lrtheory.verify import Settings

    run = RunResult(claims=(), settings=asdict(Settings(seed=0)),
                    environment=environment(get_backend("numpy")),
                    n_checks=0, alpha_per_check=1e-3, timings={"total_s": 0.0},
                    not_run={"H4": "needs scikit-learn: pip install 'lrtheory[search]'"})
    out = write_report(run, tmp_path / "r")
    for name in ("index.md", "index.html"):
        assert "needs scikit-learn: pip install" in (out / name).read_text().replace(
            "&#39;", "'")
    assert '"H4"' in (out / "results.json").read_text()
