"""The benchmark's grid, rows, targets and result (see :mod:`lrtheory.bench`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from lrtheory.bench.workloads import Cell
from lrtheory.errors import ParameterError, check_int

DTYPES = ("float64", "float32")
DEFAULT_BUDGET = 1.5
QUICK_BUDGET = 0.2
CPU_GOAL, GPU_FILL_GOAL, GPU_JAX_GOAL = 2.0, 0.5, 5.0


@dataclass(frozen=True)
class Grid:
    """The cells: every dtype × chains × d, each for ``steps`` steps."""

    dtypes: tuple[str, ...] = DTYPES
    chains: tuple[int, ...] = (100_000, 1_000_000)
    dims: tuple[int, ...] = (1, 100)
    steps: int = 1000

    def __post_init__(self) -> None:
        if not self.dtypes or any(d not in DTYPES for d in self.dtypes):
            raise ParameterError("dtypes", self.dtypes, "one or more of float64, float32")
        for name, values, lo in (("chains", self.chains, 2), ("d", self.dims, 1)):
            if not values:
                raise ParameterError(name, values, "at least one integer")
            for v in values:
                check_int(name, v, lo)
        check_int("steps", self.steps, 1)

    def cells(self) -> list[Cell]:
        return [Cell(t, n, d, self.steps) for t in self.dtypes for n in self.chains
                for d in self.dims]


QUICK = Grid(chains=(20_000,), dims=(1, 3), steps=64)


@dataclass(frozen=True)
class BenchRow:
    """One path on one cell. ``rate``: chain-steps (a fill: normals) per second over
    ``steps_timed`` steps of the N × d ensemble, the run's fixed costs included;
    ``ratio_to_fill``: rate over the fill rate of the same device in the same cell;
    ``steady_rate``: the step loop's rate without them (:meth:`Timing.steady`), where two
    runs were timed; ``status`` "ok" or "skipped" (``note`` says why)."""

    dtype: str
    chains: int
    d: int
    steps: int
    path: str
    device: str
    threads: int | None
    status: str
    unit: str = "chain-steps"
    steps_timed: int = 0
    seconds: float = 0.0
    rate: float | None = None
    ratio_to_fill: float | None = None
    steady_rate: float | None = None
    setup_seconds: float = 0.0
    note: str = ""

    @property
    def truncated(self) -> bool:
        return self.status == "ok" and self.steps_timed < self.steps

    @property
    def cell(self) -> Cell:
        return Cell(self.dtype, self.chains, self.d, self.steps)


@dataclass(frozen=True)
class Target:
    """The issue's targets on one cell: the best CPU path of this package (an ensemble)
    against the one-thread NumPy fill (goal ≥ 2×, judged on the measured rate;
    ``cpu_steady_ratio``: the best steady rate over the fill's, for truncated cells whose
    few timed steps carry a run's fixed costs); the fused GPU kernel against the device's
    fill (≥ 0.5×) and JAX on the same GPU (≥ 5×). ``None``: not measured."""

    dtype: str
    chains: int
    d: int
    steps: int
    cpu_path: str | None
    cpu_threads: int | None
    cpu_ratio: float | None
    cpu_met: bool | None
    cpu_truncated: bool
    cpu_steady_ratio: float | None
    gpu_fill_ratio: float | None
    gpu_jax_ratio: float | None
    gpu_met: bool | None
    gpu_note: str

    @property
    def cell(self) -> Cell:
        return Cell(self.dtype, self.chains, self.d, self.steps)


@dataclass
class BenchResult:
    """Everything one benchmark run measured, and where."""

    rows: list[BenchRow]
    targets: list[Target]
    grid: Grid
    budget: float
    environment: dict[str, object] = field(default_factory=dict)
    date: str = ""
    wall_seconds: float = 0.0


