"""Same seed, same backend → the same report; threads and chunking change no result.

* ``lrtheory report`` run twice — once in a fresh process (its own hash seed), once in this
  one — writes byte-identical ``results.json`` once the wall-clock ``timings`` are dropped
  (:func:`lrtheory.report.serialize.without_timings`); another seed changes the numbers.
* A claim verified with 1 or 2 threads gives bit-identical results; with chunks of three
  stream blocks instead of one, the same up to floating-point summation order (the runner's
  own invariance, tests/test_runner.py, carried through ``verify``).

≈ 15 s (two reports of two cheap claims, three verifications of G4).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from lrtheory import registry
from lrtheory.cli import main
from lrtheory.montecarlo.runner import DEFAULT_BLOCK
from lrtheory.report.serialize import claim_json, without_timings
from lrtheory.verify import Settings, verify

CLAIMS = ["G4", "G7"]  # cheap, and without PEPit worst cases (lrtheory.certify)
ARGS = ["--seed", "5", "--backend", "numpy", "--jobs", "1"]


def _canonical(path: Path) -> str:
    return json.dumps(without_timings(json.loads(path.read_text())), indent=2, sort_keys=True)


@pytest.fixture(scope="module")
def fresh_process_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fresh") / "report"
    env = {**os.environ, "PYTHONHASHSEED": "random"}
    done = subprocess.run([sys.executable, "-m", "lrtheory", "report", *CLAIMS, *ARGS,
                           "--out", str(out)], capture_output=True, text=True, timeout=300,
                          env=env, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def test_same_seed_and_backend_give_a_byte_identical_results_json(
        fresh_process_report: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["report", *CLAIMS, *ARGS, "--out", "again"]) == 0
    first, second = fresh_process_report / "results.json", tmp_path / "again" / "results.json"
    assert _canonical(first) == _canonical(second)
    # What was dropped is only wall-clock time.
    data = json.loads(first.read_text())
    dropped = [*data["timings"], *(k for c in data["claims"] for k in c["timings"])]
    assert dropped
    assert all(k.endswith("_s") for k in dropped), dropped


def test_another_seed_gives_other_numbers(fresh_process_report: Path, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparison above can fail: a different seed moves every Monte Carlo estimate."""
    monkeypatch.chdir(tmp_path)
    assert main(["report", "G4", "--seed", "6", "--backend", "numpy", "--jobs", "1",
                 "--out", "other"]) == 0
    estimates = [[m["estimate"] for c in json.loads(path.read_text())["claims"]
                  if c["id"] == "G4" for p in c["points"] for m in p["monte_carlo"]]
                 for path in (fresh_process_report / "results.json",
                              tmp_path / "other" / "results.json")]
    assert estimates[0]
    assert all(a != b for a, b in zip(*estimates, strict=True))


# ------------------------------------------------------------- threads and chunking

def _numbers(data: Any, path: str = "") -> dict[str, Any]:
    """Every leaf of a JSON document, by its path."""
    if isinstance(data, dict):
        return {k: v for key, value in data.items()
                for k, v in _numbers(value, f"{path}/{key}").items()}
    if isinstance(data, list):
        return {k: v for i, value in enumerate(data)
                for k, v in _numbers(value, f"{path}/{i}").items()}
    return {path: data}


@pytest.fixture(scope="module")
def g4_runs() -> dict[str, dict[str, Any]]:
    claim = registry.get("G4")
    runs = {}
    for label, kw in (("1 thread", {"threads": 1}), ("2 threads", {"threads": 2}),
                      ("3-block chunks", {"threads": 2, "chunk": 3 * DEFAULT_BLOCK})):
        result = verify([claim], Settings(seed=11, backend="numpy", **kw)).claims[0]
        runs[label] = without_timings(claim_json(result))
    return runs


def test_the_thread_count_changes_no_bit_of_a_claims_result(
        g4_runs: dict[str, dict[str, Any]]) -> None:
    assert g4_runs["1 thread"] == g4_runs["2 threads"]


def test_chunking_changes_only_the_summation_order(g4_runs: dict[str, dict[str, Any]]) -> None:
    one, three = _numbers(g4_runs["2 threads"]), _numbers(g4_runs["3-block chunks"])
    assert one.keys() == three.keys()
    n_chains = [v for k, v in one.items() if k.endswith("/n")]
    assert max(n_chains) > 3 * DEFAULT_BLOCK, "the main runs span several chunks"
    differ = 0
    for key, a in one.items():
        b = three[key]
        if isinstance(a, float) and isinstance(b, float):
            # z = (estimate − prediction)/se cancels: its rounding is absolute, not relative.
            tight = not key.endswith(("/z", "/p_value"))
            assert math.isclose(a, b, rel_tol=1e-9 if tight else 0.0,
                                abs_tol=1e-15 if tight else 1e-6), (key, a, b)
            differ += a != b
        else:
            assert a == b, (key, a, b)  # verdicts, counts, texts
    assert differ > 0, "another chunking does reorder the sums"


def test_derivations_print_alike_under_every_hash_seed() -> None:
    """SymPy orders a product's factors by sort keys that can tie on Dummy symbols, whose
    hashes change with PYTHONHASHSEED; every claim's derivation must print the same in any
    process (S11's φ′ factors once did not)."""
    script = ("from lrtheory import registry\n"
              "for c in registry.select(['S11', 'N1', 'M4']):\n"
              "    d = c.derive()\n"
              "    print([str(s.expr) for s in d.steps], [str(i.derived) for i in d.identities])")
    outputs = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                              check=True, env={**os.environ, "PYTHONHASHSEED": seed}).stdout
               for seed in ("1", "2", "3")}
    assert len(outputs) == 1
