"""Run the Monte Carlo part of every claim under many seeds and keep what the engine judged.

Only the Monte Carlo checks depend on the seed (derivations and model checks are exact and
deterministic), so a seed of the study runs, for every Monte Carlo point of every claim,
exactly what :func:`lrtheory.verify.verify` runs there: the engine's own
:func:`~lrtheory.verify.monte_carlo` (pilot, budget, main run, test and negative controls)
on the engine's own streams
``(seed, CRC-32 of the claim ID, point index, phase)``, so seed s of the study reproduces the
Monte Carlo numbers of ``lrtheory verify --seed s`` with the same settings.

The sample is sized once, at the design family-wise rate α₀ (the run's), and then judged by
the engine's ``judge_estimate`` at every α of the study: a test's size does not depend on
how its sample was sized, so the false-alarm rate at α = 0.05 or 0.2 (which a few hundred
seeds can resolve) is measured on the very samples a default run would see. Detection of the
negative controls is meaningful at α₀, where the budget was sized for its power.
"""

from __future__ import annotations

import json
import math
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from lrtheory import registry
from lrtheory.claim import Claim
from lrtheory.errors import DivergenceError, ParameterError, check_probability
from lrtheory.montecarlo import stats
from lrtheory.montecarlo.backend import get_backend
from lrtheory.parallel import cpu_count, map_unordered, resolve_jobs

# The engine hook: the Monte Carlo part of verify() and its judge, used as they are.
from lrtheory.verify import (
    Settings,
    bias_is_negligible,
    ensemble_for,
    judge_estimate,
    monte_carlo,
)

DIVERGENCE = "divergence"


@dataclass(frozen=True)
class Judgement:
    """The engine's judgement of one check at one family-wise α."""

    verdict: str
    rejected: bool
    controls: int
    controls_rejected: int
    bias_negligible: bool


@dataclass(frozen=True)
class CheckRecord:
    """One Monte Carlo check of one seed: the test's outcome and its judgement at every α.

    ``kind`` is the statistic's kind, or ``"divergence"`` when the point's simulation left the
    finite floats (then z is NaN, p is 0 and every judgement is *refuted*).
    """

    claim: str
    point: int
    statistic: int
    kind: str
    n: int
    n_required: int
    prediction: float
    z: float
    p_value: float
    bias_bound: float
    se: float
    judged: tuple[Judgement, ...]


@dataclass(frozen=True)
class SeedRecord:
    """One seed's checks, the CPU-side seconds it took and when it finished (Unix time)."""

    seed: int
    seconds: float
    checks: tuple[CheckRecord, ...]
    finished: float = 0.0


@dataclass(frozen=True)
class Design:
    """What a study runs: the engine settings (α₀ = ``settings.alpha`` sizes the budgets),
    the family-wise α values it judges at, and the claims."""

    settings: Settings
    alphas: tuple[float, ...]
    claims: tuple[Claim, ...]

    def __post_init__(self) -> None:
        if not self.alphas:
            raise ParameterError("alphas", self.alphas, "at least one family-wise α")
        for a in self.alphas:
            check_probability("alphas", a)
        if self.settings.alpha not in self.alphas:
            raise ParameterError("alphas", self.alphas,
                                 f"a list containing the design α {self.settings.alpha}")
        if not self.runnable:
            raise ParameterError("claims", [c.id for c in self.claims],
                                 "at least one claim that can run here")

    @property
    def runnable(self) -> tuple[Claim, ...]:
        """The claims that can run here (as in verify, a claim missing a module is left out)."""
        return tuple(c for c in self.claims if c.missing is None)

    @property
    def n_checks(self) -> int:
        """Bonferroni's m: the Monte Carlo checks of one run."""
        return max(1, sum(c.n_mc_checks for c in self.runnable))

    def alpha_per_check(self, alpha: float) -> float:
        return stats.bonferroni(alpha, self.n_checks)

    def header(self) -> dict[str, Any]:
        return {"settings": asdict(self.settings), "alphas": list(self.alphas),
                "claims": [c.id for c in self.claims]}


def _judge(result: Any, alpha: float, settings: Settings) -> Judgement:
    """The engine's judgement of a Monte Carlo result's estimate at per-check ``alpha``."""
    judged = judge_estimate(result.estimate, alpha, settings.power_for(alpha), settings,
                             result.n_required, result.n_pilot)
    return Judgement(judged.verdict.value, bool(judged.test.rejected), len(judged.controls),
                     sum(bool(o.rejected) for _, o in judged.controls),
                     bool(bias_is_negligible(result.estimate, alpha)))


def run_seed(design: Design, seed: int, threads: int = 1) -> SeedRecord:
    """Every Monte Carlo check of the design's claims under ``seed``, judged at every α."""
    t0 = time.perf_counter()
    settings = replace(design.settings, seed=seed, threads=threads)
    per_check = [design.alpha_per_check(a) for a in design.alphas]
    design_alpha = design.alpha_per_check(settings.alpha)
    ensemble = ensemble_for(settings, get_backend(settings.backend), threads)
    records: list[CheckRecord] = []
    for claim in design.runnable:
        key = zlib.crc32(claim.id.encode())
        for index, point in enumerate(claim.points):
            if claim.simulate is None or not point.monte_carlo:
                continue
            try:
                results = monte_carlo(claim, point, ensemble.with_key(key, index), settings,
                                       design_alpha)
            except DivergenceError:
                refuted = Judgement("refuted", True, 0, 0, True)
                records += [CheckRecord(claim.id, index, k, DIVERGENCE, 0, 0, math.nan,
                                        math.nan, 0.0, 0.0, 0.0, (refuted,) * len(per_check))
                            for k in range(len(claim.statistics))]
                continue
            for k, r in enumerate(results):
                e = r.estimate
                records.append(CheckRecord(
                    claim.id, index, k, e.sample.kind, int(e.sample.n), int(r.n_required),
                    float(e.prediction), float(r.test.z), float(r.test.p_value),
                    float(e.bias_bound), float(e.sample.se),
                    tuple(_judge(r, a, settings) for a in per_check)))
    return SeedRecord(seed, time.perf_counter() - t0, tuple(records), time.time())


def _seed_task(task: tuple[Design, int, int]) -> SeedRecord:
    """One seed in a worker process (module level, so that it pickles)."""
    return run_seed(*task)


def run_study(design: Design, seeds: Sequence[int], jobs: int = 1, *,
              done: Sequence[SeedRecord] = (),
              on_seed: Callable[[SeedRecord], None] | None = None) -> list[SeedRecord]:
    """Run ``seeds`` (those not already ``done``) in ``jobs`` processes; return every seed's
    record in the order of ``seeds``. ``on_seed`` sees each record as it finishes."""
    if not seeds:
        raise ParameterError("seeds", list(seeds), "at least one seed")
    if len(set(seeds)) != len(seeds):
        raise ParameterError("seeds", "repeated seeds", "distinct seeds")
    have = {r.seed: r for r in done if r.seed in set(seeds)}
    todo = [s for s in seeds if s not in have]
    # Claims cross to worker processes by ID: unregistered ones run here.
    registered = all(registry.is_registered(c) for c in design.claims)
    jobs = resolve_jobs(jobs, max(1, len(todo))) if registered else 1
    threads = design.settings.threads or max(1, cpu_count() // jobs)
    found: Iterator[SeedRecord]
    if jobs > 1:
        found = (r for _, r in map_unordered(_seed_task, [(design, s, threads) for s in todo],
                                              jobs))
    else:
        found = (run_seed(design, s, threads) for s in todo)
    for record in found:
        have[record.seed] = record
        if on_seed:
            on_seed(record)
    return [have[s] for s in seeds]


# -- records on disk: one JSON line per seed after a header line, so a study can resume ------

def _record_row(c: CheckRecord) -> list[Any]:
    return [c.claim, c.point, c.statistic, c.kind, c.n, c.n_required, c.prediction, c.z,
            c.p_value, c.bias_bound, c.se, [list(asdict(j).values()) for j in c.judged]]


def _record_from_row(row: list[Any]) -> CheckRecord:
    claim, point, statistic, kind, n, n_required, prediction, z, p, bias, se, judged = row
    return CheckRecord(claim, point, statistic, kind, n, n_required, prediction, z, p, bias, se,
                       tuple(Judgement(*j) for j in judged))


def seed_line(record: SeedRecord) -> str:
    return json.dumps({"seed": record.seed, "seconds": round(record.seconds, 3),
                       "finished": round(record.finished, 1),
                       "checks": [_record_row(c) for c in record.checks]})


def read_records(path: Path, design: Design | None = None) -> tuple[dict[str, Any],
                                                                       list[SeedRecord]]:
    """The header and seed records of a records file; with ``design``, the file must have
    been written for the same design (otherwise its seeds would not belong to this study)."""
    lines = path.read_text().splitlines()
    if not lines:
        raise ParameterError("records", str(path), "a records file with a header line")
    header = json.loads(lines[0])
    mine = json.loads(json.dumps(design.header())) if design is not None else {}
    if design is not None and {k: header.get(k) for k in mine} != mine:
        raise ParameterError("records", str(path),
                             "a records file written for the same settings, α values and claims")
    seeds = []
    for line in lines[1:]:
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError:  # a line cut short by an interrupted run
            continue
        seeds.append(SeedRecord(data["seed"], data["seconds"],
                                tuple(_record_from_row(r) for r in data["checks"]),
                                data.get("finished", 0.0)))
    unique = {r.seed: r for r in reversed(seeds)}  # the first record of a seed counts
    return header, [unique[s] for s in sorted(unique)]


def design_from_header(header: dict[str, Any]) -> Design:
    return Design(Settings(**header["settings"]), tuple(header["alphas"]),
                  tuple(registry.get(c) for c in header["claims"]))
