"""Benchmark: ensemble chain-steps per second against the RNG fill rate, in one run.

The workload is the one every stochastic claim spends its time on: SGD on a quadratic,
x ← (1 − ηλ)x − ηs ξ for N chains and T steps (float64, d = 1 by default). The reference is a
plain one-thread ``Generator.standard_normal`` fill of the same N·T normals, measured in the
same process right before, so the ratio is free of machine-to-machine variation. A chain-step
needs one normal, so one thread cannot beat the fill; the ensemble's advantage comes from
running chunks on every core.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from lrtheory.errors import check_int
from lrtheory.montecarlo.backend import numpy_backend
from lrtheory.montecarlo.kernels import sgd_diagonal_quadratic
from lrtheory.montecarlo.runner import Ensemble


@dataclass(frozen=True)
class BenchRow:
    path: str
    threads: int
    seconds: float
    rate: float  # chain-steps (or normals) per second
    ratio_to_fill: float


def _fill_rate(chains: int, steps: int) -> float:
    """Normals per second of a one-thread ``default_rng().standard_normal`` fill."""
    rng = np.random.default_rng(0)
    buf = np.empty(chains)
    t = time.perf_counter()
    for _ in range(steps):
        rng.standard_normal(out=buf)
    return chains * steps / (time.perf_counter() - t)


def run_bench(chains: int = 100_000, steps: int = 1000, d: int = 1,
              threads: int | None = None) -> list[BenchRow]:
    """Time the NumPy ensemble with 1 thread and with every core, next to the fill rate."""
    check_int("chains", chains, 2)
    check_int("steps", steps, 1)
    check_int("d", d, 1)
    cores = threads or os.cpu_count() or 1
    kernel = sgd_diagonal_quadratic(0.1, np.ones(d), 1.0, steps)
    _fill_rate(min(chains, 10_000), 10)  # warm up the allocator and CPU clocks
    fill = _fill_rate(chains * d, steps)
    rows = [BenchRow("numpy standard_normal fill (reference)", 1, chains * d * steps / fill,
                     fill, 1.0)]
    for n_threads in sorted({1, cores}):
        ens = Ensemble(backend=numpy_backend(), seed=0, threads=n_threads)
        t = time.perf_counter()
        ens.run(kernel, chains, what="bench")
        sec = time.perf_counter() - t
        rate = chains * d * steps / sec
        rows.append(BenchRow(f"ensemble SGD, numpy, d={d}", n_threads, sec, rate, rate / fill))
    return rows


def print_bench(rows: list[BenchRow], console: Console) -> None:
    table = Table(title="chain-steps per second (float64)")
    for col in ("path", "threads", "seconds", "rate (/s)", "× one-thread fill"):
        table.add_column(col)
    for r in rows:
        table.add_row(r.path, str(r.threads), f"{r.seconds:.2f}", f"{r.rate:.3e}",
                      f"{r.ratio_to_fill:.2f}")
    console.print(table)


def write_bench(rows: list[BenchRow], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([asdict(r) for r in rows], indent=2) + "\n")
