"""The benchmark: ``lrtheory bench --quick`` runs and writes valid JSON with a row per path
and cell (skipped paths say why), truncation under a time budget is recorded, the JSON is
written atomically, and bad input is a ParameterError or a usage error."""

from __future__ import annotations

import contextlib
import io
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from lrtheory.bench import QUICK, Grid, Timing, measure, run_bench, write_bench
from lrtheory.bench.workloads import Cell, FusedReference, Unavailable, Workload
from lrtheory.cli import main
from lrtheory.errors import ParameterError
from lrtheory.montecarlo import compiled


@pytest.fixture(scope="module")
def quick(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    """``lrtheory bench --quick --out …`` run once: (the JSON, the printed output)."""
    out = tmp_path_factory.mktemp("bench") / "bench.json"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):  # rich writes to the current sys.stdout
        code = main(["bench", "--quick", "--out", str(out)])
    assert code == 0
    assert [p.name for p in out.parent.iterdir()] == ["bench.json"], "no temporary file left"
    return json.loads(out.read_text()), printed.getvalue()


def test_quick_bench_has_a_row_per_path_and_cell(quick: tuple[dict[str, Any], str]) -> None:
    doc, printed = quick
    rows = doc["rows"]
    cells = {(r["dtype"], r["chains"], r["d"], r["steps"]) for r in rows}
    assert cells == {(c.dtype, c.chains, c.d, c.steps) for c in QUICK.cells()}
    names = {r["path"] for r in rows}
    assert {"numpy fill (reference)", "numpy ensemble", "numba ensemble", "jax jit+lax.scan",
            "pytorch eager", "cupy fused kernel", "cupy fill (reference)"} <= names
    assert len(rows) == len(cells) * len({(r["path"], r["threads"]) for r in rows})
    for r in rows:
        assert r["status"] in ("ok", "skipped")
        if r["status"] == "skipped":
            assert r["note"]
            assert r["rate"] is None
            continue
        assert 1 <= r["steps_timed"] <= r["steps"]
        assert r["truncated"] == (r["steps_timed"] < r["steps"])
        assert r["rate"] > 0
        assert math.isfinite(r["rate"])
        assert r["seconds"] > 0
        assert math.isclose(r["rate"], r["chains"] * r["d"] * r["steps_timed"] / r["seconds"])
    fills = [r for r in rows if r["path"] == "numpy fill (reference)"]
    assert all(r["status"] == "ok" and r["ratio_to_fill"] == 1.0 for r in fills)
    assert "numpy ensemble" in printed
    assert "targets" in printed


def test_quick_bench_records_where_and_with_what(quick: tuple[dict[str, Any], str]) -> None:
    doc, _ = quick
    assert doc["schema"] == 1
    assert doc["date"]
    assert doc["wall_seconds"] > 0
    env = doc["environment"]
    assert env["cpu_count"] >= 1
    assert env["device"].startswith("cpu")
    for package in ("numpy", "numba", "jax", "torch"):
        assert package in env["packages"]
    assert len(doc["targets"]) == len(QUICK.cells())
    for t in doc["targets"]:
        assert t["cpu_ratio"] > 0
        assert t["cpu_met"] == (t["cpu_ratio"] >= 2.0)


def test_skipped_paths_say_why(quick: tuple[dict[str, Any], str]) -> None:
    doc, _ = quick
    by_path = {r["path"]: r for r in doc["rows"]}
    gpu = by_path["cupy fused kernel"]
    if gpu["status"] == "skipped":
        assert "GPU" in gpu["note"]
        assert all(t["gpu_met"] is None for t in doc["targets"])
    numba = by_path["numba ensemble"]
    assert (numba["status"] == "ok") == compiled.available()


def test_a_library_that_is_not_installed_is_a_skipped_row(
        monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("jax", "torch"):
        monkeypatch.setitem(sys.modules, name, None)  # import fails
    monkeypatch.setattr(compiled, "_kernels", lambda: None)
    grid = Grid(dtypes=("float32",), chains=(4096,), dims=(2,), steps=4)
    result = run_bench(grid, budget=0.01, threads=2)
    notes = {(r.path, r.threads): r.note for r in result.rows if r.status == "skipped"}
    assert notes[("jax jit+lax.scan", None)] == "jax not installed"
    assert notes[("pytorch eager", None)] == "torch not installed"
    assert notes[("numba ensemble", 2)].startswith("numba not installed")
    assert result.targets[0].cpu_path == "numpy ensemble"


class _Sleeper(Workload):
    """A run of k steps takes fixed + k·per_step seconds."""

    def __init__(self, per_step: float, fixed: float = 0.0) -> None:
        self.per_step, self.fixed = per_step, fixed

    def run(self, steps: int) -> None:
        time.sleep(self.fixed + self.per_step * steps)


def test_a_slow_path_is_timed_on_the_steps_its_budget_allows() -> None:
    timing = measure(_Sleeper(0.01), 1000, 0.2)  # 10 s in full
    assert 1 <= timing.steps < 1000
    assert timing.seconds <= 0.5
    assert measure(_Sleeper(0.0), 100, 0.2).steps == 100  # fast: every step


def test_the_steady_rate_cancels_a_runs_fixed_cost() -> None:
    timing = measure(_Sleeper(0.01, fixed=0.1), 1000, 0.8)  # 100 steps/s after 0.1 s
    assert len(timing.runs) >= 2
    steady = timing.steady(1)
    assert steady is not None
    assert 60 < steady < 150
    assert timing.steps / timing.seconds < 0.7 * steady  # the run's rate pays the fixed cost
    assert Timing(1, 1.0, 0.0, ((1, 1.0),)).steady(1) is None


def test_write_bench_replaces_the_file_whole(tmp_path: Path) -> None:
    grid = Grid(dtypes=("float64",), chains=(2048,), dims=(1,), steps=2)
    result = run_bench(grid, budget=0.01, console=Console(file=io.StringIO()))
    target = tmp_path / "reports" / "bench.json"
    target.parent.mkdir()
    target.write_text("old")
    write_bench(result, target)
    doc = json.loads(target.read_text())
    assert doc["grid"]["chains"] == [2048]
    assert sorted(p.name for p in target.parent.iterdir()) == ["bench.json"]


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"chains": (1,)}, "chains"), ({"chains": ()}, "chains"), ({"dims": (0,)}, "d"),
    ({"steps": 0}, "steps"), ({"dtypes": ("float16",)}, "dtypes"), ({"chains": (2.5,)}, "chains"),
])
def test_a_bad_grid_is_a_parameter_error(kwargs: dict[str, Any], name: str) -> None:
    with pytest.raises(ParameterError) as info:
        Grid(**kwargs)
    assert info.value.name == name


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"budget": 0.0}, "budget"), ({"budget": float("nan")}, "budget"),
    ({"budget": 1e4}, "budget"), ({"threads": 0}, "threads"),
])
def test_bad_run_options_are_parameter_errors(kwargs: dict[str, Any], name: str) -> None:
    with pytest.raises(ParameterError) as info:
        run_bench(Grid(chains=(2,), dims=(1,), steps=1), **kwargs)
    assert info.value.name == name


@pytest.mark.parametrize(("args", "message"), [
    (["--budget", "-1"], "budget must be in (0, 600]"),
    (["--chains", "1"], "chains must be an integer in [2, inf)"),
    (["--dtype", "float16"], "invalid choice: 'float16'"),
    (["--d", "0"], "must be a positive integer"),
])
def test_bad_command_lines_are_one_line_usage_errors(
        args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    code: int | str | None
    try:
        code = main(["bench", "--quick", *args])
    except SystemExit as exc:
        code = exc.code
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1, err
    assert err[0].startswith("lrtheory: error:"), err
    assert message in err[0], err


def test_the_fused_cpu_reference_is_timed_only_at_small_sizes() -> None:
    with pytest.raises(Unavailable, match="timed only up to"):
        FusedReference(Cell("float64", 10**6, 100, 1000), 2)
