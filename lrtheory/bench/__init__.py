"""Benchmark: ensemble chain-steps per second next to the RNG fill rate, in one run.

The workload is the one every stochastic claim spends its time on, SGD on a diagonal
quadratic (:mod:`lrtheory.bench.workloads`), over a grid of cells: dtype ∈ {float64, float32},
N ∈ {10⁵, 10⁶} chains, d ∈ {1, 100} coordinates, T = 1000 steps. Each cell times every
available path: NumPy's one-thread normal fill (the reference), the numba fill, the NumPy and
numba ensembles on one thread and on every core, the fused kernels' CPU reference, JAX
(``jit`` + ``lax.scan``), PyTorch, and on a GPU CuPy's fill and the fused CUDA kernel. A path
that cannot run here is a row that says why.

**Rates and ratios.** A chain-step needs one N(0, 1) draw, so chain-steps per second and
normals per second compare directly. Each rate is divided by the fill rate of its device
measured in the same run, in the same cell: the one-thread NumPy fill for CPU paths (timed
before and after the cell's other paths, the higher of the two kept, so a busy machine
cannot flatter the ratio), CuPy's fill for GPU paths.

**Truncation.** The largest cell is 10⁶ × 100 × 1000 = 10¹¹ chain-steps, hours on two
cores. Every row gets a time budget (``budget`` seconds): a path runs 1, 8, 64 … steps until
one run takes an eighth of the budget, then the number of steps the budget allows (at most
T), and the rate is that run's. ``steps_timed`` < ``steps`` marks a truncated row; the rate
is still per chain-step of the whole N × d ensemble. Compilation (numba, JAX, CUDA) is done
beforehand and reported as ``setup_seconds``, not counted.

**Fixed costs.** An ensemble run also pays, whatever its length, for setting up the chains'
state and for the runner's moments of the per-chain results (here the final loss, one
column, to keep this small). Over T = 1000 steps that is negligible; over the 1 to 5 steps a
truncated d = 100 cell times, it is not. Where two runs were timed (k₁ and k₂ ≥ 2k₁ steps),
``steady_rate`` = N·d·(k₂ − k₁)/(t₂ − t₁) is the step loop's rate without it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.metadata
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from lrtheory.bench.output import print_bench, to_json, write_bench
from lrtheory.bench.rows import (
    CPU_GOAL,
    DEFAULT_BUDGET,
    GPU_FILL_GOAL,
    GPU_JAX_GOAL,
    QUICK,
    QUICK_BUDGET,
    BenchResult,
    BenchRow,
    Grid,
    Target,
)
from lrtheory.bench.workloads import BenchPath, Cell, Unavailable, Workload, paths
from lrtheory.environment import environment
from lrtheory.errors import check_int, check_real
from lrtheory.montecarlo.backend import numpy_backend

__all__ = ["DEFAULT_BUDGET", "QUICK", "QUICK_BUDGET", "BenchResult", "BenchRow", "Grid",
           "Target", "Timing", "measure", "print_bench", "run_bench", "to_json",
           "write_bench"]

_EXTRA_PACKAGES = ("numba", "jax", "jaxlib", "torch")


@dataclass(frozen=True)
class Timing:
    """What :func:`measure` found: the last run's steps and seconds, the untimed set-up, and
    every timed run as (steps, seconds)."""

    steps: int
    seconds: float
    setup: float
    runs: tuple[tuple[int, float], ...]

    def steady(self, per_step: int) -> float | None:
        """Units per second of the step loop alone, from the last two runs (k₁ < k₂ steps,
        k₂ ≥ 2k₁): per_step·(k₂ − k₁)/(t₂ − t₁), which cancels what a run costs whatever its
        length (set-up, the runner's moments); None with fewer runs, or where the difference
        is under 20 ms or a quarter of t₂ (mostly timer noise then)."""
        if len(self.runs) < 2:
            return None
        (k1, t1), (k2, t2) = self.runs[-2:]
        if k2 < 2 * k1 or t2 - t1 < max(0.02, t2 / 4):
            return None
        return per_step * (k2 - k1) / (t2 - t1)


def measure(work: Workload, steps: int, budget: float) -> Timing:
    """Time a workload (module docstring, truncation): 1, 8, 64 … steps until a run takes
    budget/8 or covers every step, then the steps the budget allows (at most ``steps``)."""
    setup, runs = 0.0, []

    def timed(k: int) -> float:
        nonlocal setup
        t0 = time.perf_counter()
        work.prepare(k)
        t1 = time.perf_counter()
        work.run(k)
        t2 = time.perf_counter()
        setup += t1 - t0
        runs.append((k, t2 - t1))
        return t2 - t1

    k, seconds = 1, timed(1)
    while k < steps and seconds < budget / 8:
        k = min(steps, 8 * k)
        seconds = timed(k)
    want = min(steps, max(1, int(budget * k / seconds))) if seconds > 0 else steps
    if want > k:
        k, seconds = want, timed(want)
    return Timing(k, seconds, setup, tuple(runs))


def _row(cell: Cell, path: BenchPath, budget: float) -> BenchRow:
    base = BenchRow(cell.dtype, cell.chains, cell.d, cell.steps, path.name, path.device,
                    path.threads, "skipped")
    try:
        t0 = time.perf_counter()
        work = path.make(cell)
        built = time.perf_counter() - t0
    except Unavailable as exc:
        return BenchRow(**{**asdict(base), "note": str(exc)})
    timing = measure(work, cell.steps, budget)
    per_step = cell.chains * cell.d
    return BenchRow(**{**asdict(base), "status": "ok", "unit": work.unit,
                       "steps_timed": timing.steps, "seconds": timing.seconds,
                       "rate": per_step * timing.steps / timing.seconds,
                       "steady_rate": timing.steady(per_step),
                       "setup_seconds": built + timing.setup})


def _with_ratios(rows: list[BenchRow]) -> list[BenchRow]:
    fills = {r.device: r.rate for r in rows if r.path.endswith("(reference)") and r.rate}
    return [BenchRow(**{**asdict(r), "ratio_to_fill": r.rate / fills[r.device]})
            if r.rate and r.device in fills else r for r in rows]


def _target(rows: list[BenchRow], ours: set[tuple[str, int | None]]) -> Target:
    """The issue's targets for one cell's rows."""
    cell = rows[0].cell
    mine = [r for r in rows if (r.path, r.threads) in ours and r.ratio_to_fill is not None]
    best = max(mine, key=lambda r: r.ratio_to_fill or 0.0) if mine else None
    cpu_ratio = best.ratio_to_fill if best else None
    fill = next((r.rate for r in rows if r.path == "numpy fill (reference)" and r.rate), None)
    steady = [r.steady_rate for r in mine if r.steady_rate]
    steady_ratio = max(steady) / fill if steady and fill else None
    gpu = {r.path: r for r in rows if r.device == "gpu" and r.rate}
    fused, jax = gpu.get("cupy fused kernel"), gpu.get("jax jit+lax.scan")
    fill_ratio = fused.ratio_to_fill if fused else None
    jax_ratio = fused.rate / jax.rate if fused and fused.rate and jax and jax.rate else None
    return Target(
        cell.dtype, cell.chains, cell.d, cell.steps,
        best.path if best else None, best.threads if best else None, cpu_ratio,
        None if cpu_ratio is None else cpu_ratio >= CPU_GOAL, bool(best and best.truncated),
        steady_ratio, fill_ratio, jax_ratio,
        None if fused is None else bool(fill_ratio is not None and fill_ratio >= GPU_FILL_GOAL
                                        and jax_ratio is not None and jax_ratio >= GPU_JAX_GOAL),
        "" if fused else "not measured: no GPU in this run")


def _load() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:  # pragma: no cover - not on every platform
        return None


def _versions() -> dict[str, str]:
    found = {}
    for name in _EXTRA_PACKAGES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def run_bench(grid: Grid | None = None, *, quick: bool = False, budget: float | None = None,
              threads: int | None = None, console: Console | None = None,
              progress: Callable[[str], None] | None = None) -> BenchResult:
    """Time every path on every cell of ``grid`` (default :class:`Grid`; ``quick``: a small
    grid and budget for smoke runs and tests). ``budget``: seconds per timed row (default
    1.5 s, quick 0.2 s); ``threads``: the "every core" thread count (default the CPU count).
    Progress goes to ``console`` (a rich bar) and to ``progress`` (one line per row)."""
    grid = grid or (QUICK if quick else Grid())
    budget = check_real("budget", budget if budget is not None else
                        QUICK_BUDGET if quick else DEFAULT_BUDGET, 0.0, 600.0, hi_open=False)
    cores = check_int("threads", threads if threads is not None else os.cpu_count() or 1,
                      1, 1024)
    every = paths(cores)
    ours = {(p.name, p.threads) for p in every if p.ours}
    cells = grid.cells()
    started, rows, targets = time.perf_counter(), [], []
    load_before = _load()
    with _bar(console, len(cells) * (len(every) + 1)) as advance:
        for cell in cells:
            cell_rows: list[BenchRow] = []
            for path in every:
                advance(f"{cell.label}: {path.name}")
                cell_rows.append(_row(cell, path, budget))
                if progress:
                    progress(_line(cell_rows[-1]))
            advance(f"{cell.label}: numpy fill again")
            cell_rows = _refill(cell_rows, _row(cell, every[0], budget / 2))
            cell_rows = _with_ratios(cell_rows)
            rows += cell_rows
            targets.append(_target(cell_rows, ours))
    env = environment(numpy_backend())
    env["packages"] = {**env["packages"], **_versions()}
    # Other processes share the cores: the load average says how much they took.
    env["load_average_1_5_15_min"] = {"before": load_before, "after": _load()}
    return BenchResult(rows, targets, grid, budget, env,
                       dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                       time.perf_counter() - started)


def _refill(rows: list[BenchRow], again: BenchRow) -> list[BenchRow]:
    """Keep the faster of the two CPU fill measurements as the reference row."""
    first = rows[0]
    if first.rate is None or again.rate is None:
        return rows
    best = again if again.rate > first.rate else first
    note = f"higher of 2 runs (before and after this cell's paths): " \
           f"{first.rate:.3g}, {again.rate:.3g} /s"
    return [BenchRow(**{**asdict(best), "note": note}), *rows[1:]]


@contextlib.contextmanager
def _bar(console: Console | None, total: int) -> Iterator[Callable[[str], None]]:
    """A transient rich progress bar on ``console``; ``advance(description)`` steps it."""
    if console is None:
        yield lambda _: None
        return
    with Progress(TextColumn("{task.description}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task("bench", total=total)
        yield lambda description: bar.update(task, description=description, advance=1)


def _line(row: BenchRow) -> str:
    if row.status != "ok":
        return f"{row.cell.label} {row.path}: skipped ({row.note})"
    return (f"{row.cell.label} {row.path} ×{row.threads or '-'}: {row.rate or 0:.3e} "
            f"{row.unit}/s over {row.steps_timed} steps")


