"""The benchmark's output: a rich table with the targets, and the JSON file."""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from lrtheory.bench.rows import CPU_GOAL, GPU_FILL_GOAL, GPU_JAX_GOAL, BenchResult, BenchRow


def _steps(row: BenchRow) -> str:
    if row.status != "ok":
        return "–"
    return f"{row.steps_timed}*" if row.truncated else str(row.steps_timed)


def print_bench(result: BenchResult, console: Console) -> None:
    """The rows as one table (a section per cell), then the targets."""
    table = Table(title=f"SGD on a quadratic: chain-steps per second (budget {result.budget:g} "
                  "s a row)", caption="* truncated: only the first k of T steps were timed "
                  "(rates are per chain-step either way); × fill: over the same device's fill "
                  "rate in the same cell; steady: the step loop alone, from two timed runs")
    for col in ("cell", "path", "dev", "thr", "steps", "s", "rate /s", "× fill", "steady /s",
                "note"):
        table.add_column(col, overflow="fold")
    last = None
    for r in result.rows:
        if r.cell != last and last is not None:
            table.add_section()
        table.add_row(r.cell.label if r.cell != last else "", r.path, r.device,
                      str(r.threads) if r.threads else "–", _steps(r),
                      f"{r.seconds:.2f}" if r.status == "ok" else "–",
                      f"{r.rate:.3e}" if r.rate else "–",
                      f"{r.ratio_to_fill:.2f}" if r.ratio_to_fill is not None else "–",
                      f"{r.steady_rate:.3e}" if r.steady_rate else "–",
                      escape(r.note) if r.status != "ok" else "")
        last = r.cell
    console.print(table)
    summary = Table(title=f"targets: CPU ≥ {CPU_GOAL:g}× one-thread NumPy fill; GPU fused ≥ "
                    f"{GPU_FILL_GOAL:g}× device fill and ≥ {GPU_JAX_GOAL:g}× JAX")
    for col in ("cell", "best CPU path", "× fill", "CPU met", "steady × fill", "GPU"):
        summary.add_column(col)
    for t in result.targets:
        gpu = t.gpu_note or (f"fused {t.gpu_fill_ratio:.2f}× fill, "
                             f"{t.gpu_jax_ratio or float('nan'):.1f}× JAX, met: {t.gpu_met}")
        summary.add_row(t.cell.label, f"{t.cpu_path} ×{t.cpu_threads}"
                        + (" (truncated)" if t.cpu_truncated else ""),
                        f"{t.cpu_ratio:.2f}" if t.cpu_ratio is not None else "–",
                        {True: "yes", False: "NO", None: "–"}[t.cpu_met],
                        f"{t.cpu_steady_ratio:.2f}" if t.cpu_steady_ratio else "–", gpu)
    console.print(summary)


def to_json(result: BenchResult) -> dict[str, object]:
    """The JSON document of a run (rows with their ``truncated`` flag)."""
    return {"schema": 1, "date": result.date, "wall_seconds": round(result.wall_seconds, 2),
            "budget_seconds_per_row": result.budget, "grid": asdict(result.grid),
            "environment": result.environment,
            "rows": [{**asdict(r), "truncated": r.truncated} for r in result.rows],
            "targets": [asdict(t) for t in result.targets]}


def write_bench(result: BenchResult, path: Path) -> None:
    """Write :func:`to_json` to ``path`` atomically (a temporary file in the same directory,
    then ``os.replace``): a reader sees the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".tmp-{path.name}-{os.getpid()}")
    try:
        tmp.write_text(json.dumps(to_json(result), indent=2, allow_nan=False) + "\n",
                       encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
