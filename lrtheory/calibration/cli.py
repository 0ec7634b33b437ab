"""``lrtheory calibrate``: run the study, write ``reports/calibration.json``; and its figure.

Seeds run in worker processes and each finished seed is appended to a records file (one JSON
line), so an interrupted study resumes where it stopped and the summary can be recomputed
from the records (``--summarize``) without running anything.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lrtheory import registry
from lrtheory.calibration.study import (
    Design,
    SeedRecord,
    design_from_header,
    read_records,
    run_study,
    seed_line,
)
from lrtheory.calibration.summary import strict_json, summarize
from lrtheory.environment import environment
from lrtheory.errors import LrtheoryError, ParameterError, check_int
from lrtheory.montecarlo.backend import BACKEND_CHOICES, get_backend
from lrtheory.parallel import resolve_jobs
from lrtheory.verify import Settings

if TYPE_CHECKING:
    from matplotlib.figure import Figure

SCHEMA_VERSION = 1
#: The study's defaults: 200 seeds at δ = 10 %, the run's α = 10⁻³ judged also at 0.05, 0.2.
SEEDS, FIRST_SEED, RESOLUTION, PILOT_CHAINS = 200, 1, 0.1, 1000
ALPHAS = (1e-3, 0.05, 0.2)
#: The power arm: budgets sized for power 0.9 at the largest α, on seeds of their own.
POWER_ARM, POWER_SEEDS, POWER_SEED_OFFSET = 0.9, 50, 10_000


DESCRIPTION = ("Run every claim's Monte Carlo checks under many seeds; report the family-wise "
               "false-alarm rate and the detection rate of the negative controls against their "
               "nominal values (reports/calibration.json).")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``lrtheory calibrate`` (for the main command's subparser too)."""
    p.add_argument("claims", nargs="*", help="IDs, slugs or family letters (default: all)")
    p.add_argument("--seeds", type=int, default=SEEDS, help=f"number of seeds (default {SEEDS})")
    p.add_argument("--first-seed", type=int, default=FIRST_SEED,
                   help=f"seeds are first, first+1, … (default {FIRST_SEED})")
    p.add_argument("--resolution", type=float, default=RESOLUTION,
                   help=f"resolution δ of the negative controls (default {RESOLUTION})")
    p.add_argument("--alpha", type=float, default=ALPHAS[0],
                   help="family-wise α the budgets are sized for (default 1e-3, the run's)")
    p.add_argument("--alphas", default=",".join(map(str, ALPHAS)),
                   help="family-wise α values to judge at (default 0.001,0.05,0.2)")
    p.add_argument("--power", type=float, default=None, help="design power (default: engine's)")
    p.add_argument("--pilot-chains", type=int, default=PILOT_CHAINS,
                   help=f"pilot chains per point (default {PILOT_CHAINS})")
    p.add_argument("--power-arm", type=float, default=POWER_ARM,
                   help=f"also run an arm sized for this power at the largest α, where missed "
                        f"controls are frequent enough to count (default {POWER_ARM}; 0: skip)")
    p.add_argument("--power-seeds", type=int, default=POWER_SEEDS,
                   help=f"seeds of that arm, from first-seed + {POWER_SEED_OFFSET} "
                        f"(default {POWER_SEEDS})")
    p.add_argument("--backend", default="numpy", choices=BACKEND_CHOICES)
    p.add_argument("--jobs", type=int, default=0, help="worker processes (0: one per CPU)")
    p.add_argument("--threads", type=int, default=0, help="threads per worker (0: share cores)")
    p.add_argument("--out", default="reports/calibration.json", help="where the result goes")
    p.add_argument("--records", default="build/calibration/records.jsonl",
                   help="per-seed records (resumed when written for the same design)")
    p.add_argument("--fresh", action="store_true", help="discard existing records first")
    p.add_argument("--summarize", action="store_true",
                   help="run nothing: summarize the records file as it is")


def _design(args: argparse.Namespace) -> Design:
    try:
        alphas = tuple(float(a) for a in args.alphas.split(",") if a.strip())
    except ValueError:
        raise ParameterError("--alphas", args.alphas, "comma-separated numbers") from None
    settings = Settings(backend=args.backend, alpha=args.alpha, resolution=args.resolution,
                        power=args.power, pilot_chains=args.pilot_chains, threads=args.threads)
    claims = registry.select(args.claims)
    return Design(settings, alphas, claims)


def _write_atomic(path: Path, data: bytes) -> None:
    """Write ``path`` atomically: a temporary sibling, then one rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def write_json(data: dict[str, Any], path: Path) -> None:
    """Write ``data`` to ``path`` as strict JSON, atomically."""
    _write_atomic(path, (json.dumps(strict_json(data), indent=1, sort_keys=True) + "\n").encode())


def write_page(cal: dict[str, Any], directory: Path) -> list[str]:
    """Write the report's calibration page (``calibration.md``, ``calibration.html``) and its
    figure (``figures/calibration.png``) into ``directory``, each file atomically; return the
    names written. ``lrtheory report`` calls this for a report that has a calibration.json."""
    from lrtheory.report.figures import png
    from lrtheory.report.writer import _ENV

    names = ["figures/calibration.png", "calibration.md", "calibration.html"]
    _write_atomic(directory / names[0], png(figure(cal)))
    for name in names[1:]:
        _write_atomic(directory / name, _ENV.get_template(f"{name}.j2").render(cal=cal).encode())
    return names


def _command(design: Design, seeds: list[int]) -> str:
    """The command that reruns the study (seeds as a range when they are one)."""
    st = design.settings
    contiguous = seeds == list(range(seeds[0], seeds[0] + len(seeds)))
    seed_args = (f"--seeds {len(seeds)} --first-seed {seeds[0]}" if contiguous
                 else "(seeds: see the seeds list)")
    claims = [c.id for c in design.claims]
    every = [c.id for c in registry.all_claims()]
    return " ".join(["lrtheory calibrate", *([] if claims == every else claims), seed_args,
                     f"--resolution {st.resolution:g} --alpha {st.alpha:g}",
                     f"--alphas {','.join(f'{a:g}' for a in design.alphas)}",
                     f"--pilot-chains {st.pilot_chains} --backend {st.backend}",
                     *([f"--power {st.power:g}"] if st.power is not None else [])])


def document(design: Design, seeds: list[SeedRecord], header: dict[str, Any],
             summary: dict[str, Any] | None = None) -> dict[str, Any]:
    """The whole ``calibration.json``: what was run, with what, and what it found.

    The wall time runs from the records file's start to its last seed (one uninterrupted
    run; a resumed one counts its pause)."""
    per_seed = [r.seconds for r in seeds]
    wall = max(r.finished for r in seeds) - header.get("started", math.nan)
    return {
        "schema": SCHEMA_VERSION,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "environment": environment(get_backend(design.settings.backend)),
        "settings": asdict(design.settings),
        "design_alpha": design.settings.alpha,
        "claims_run": [c.id for c in design.runnable],
        "not_run": {c.id: c.missing for c in design.claims if c.missing is not None},
        "command": _command(design, [r.seed for r in seeds]),
        **(summary or summarize(design, seeds)),
        "timings": {"wall_s": round(wall, 1), "seed_s_total": round(sum(per_seed), 1),
                    "seed_s_mean": round(sum(per_seed) / len(per_seed), 2),
                    "seed_s_max": round(max(per_seed), 2), "jobs": header.get("jobs", 0)},
    }


def power_design(design: Design, power: float) -> Design:
    """The power arm of a design: budgets sized for ``power`` at its largest α."""
    alpha = max(design.alphas)
    return Design(replace(design.settings, alpha=alpha, power=power), (alpha,), design.claims)


def power_document(design: Design, seeds: list[SeedRecord],
                   header: dict[str, Any]) -> dict[str, Any]:
    """The power arm's part of ``calibration.json``: detection against the design power."""
    s = summarize(design, seeds)
    row = s["alphas"][0]
    doc = document(design, seeds, header, s)
    return {key: doc[key] for key in ("settings", "command", "timings")} | {
        "seeds": s["seeds"], "n_seeds": s["n_seeds"], "n_checks": s["n_checks"],
        "alpha": row["alpha"], "alpha_per_check": row["alpha_per_check"],
        "detection": row["detection"], "familywise": row["familywise"],
        "per_check": row["per_check"],
        "claims": [{"id": c["id"], "detection": c["detection"]} for c in s["claims"]],
        "under_powered": s["under_powered"],
    }


def _power_path(records: Path) -> Path:
    return records.with_name(f"{records.stem}-power{records.suffix}")


def _arm(design: Design, seeds: list[int], records: Path, fresh: bool,
         jobs: int) -> tuple[list[SeedRecord], dict[str, Any]]:
    """Run one arm of the study, resuming from ``records`` unless ``fresh``."""
    if records.exists() and not fresh:
        header, done = read_records(records, design)
    else:
        header, done = {**design.header(), "started": round(time.time(), 1),
                        "jobs": resolve_jobs(jobs, len(seeds))}, []
        records.parent.mkdir(parents=True, exist_ok=True)
        records.write_text(json.dumps(header) + "\n")
    return _study(design, seeds, jobs, done, records), header


def run(args: argparse.Namespace) -> int:
    """Run (or, with ``--summarize``, only summarize) the study; write the JSON."""
    records = Path(args.records)
    arms: list[tuple[Design, list[SeedRecord], dict[str, Any]]] = []
    if args.summarize:
        for path in (records, _power_path(records)):
            if not path.is_file():
                if path == records:
                    raise ParameterError("--records", str(path), "an existing records file")
                continue
            header, results = read_records(path)
            if not results:
                raise ParameterError("--records", str(path), "a records file with seeds")
            arms.append((design_from_header(header), results, header))
    else:
        design = _design(args)
        check_int("--seeds", args.seeds, 1)
        check_int("--first-seed", args.first_seed, 0)
        check_int("--power-seeds", args.power_seeds, 1)
        seeds = list(range(args.first_seed, args.first_seed + args.seeds))
        arms.append((design, *_arm(design, seeds, records, args.fresh, args.jobs)))
        if args.power_arm:
            arm = power_design(design, args.power_arm)
            first = args.first_seed + POWER_SEED_OFFSET
            seeds = list(range(first, first + args.power_seeds))
            arms.append((arm, *_arm(arm, seeds, _power_path(records), args.fresh, args.jobs)))
    data = document(*arms[0])
    if len(arms) > 1:
        data["power_arm"] = power_document(*arms[1])
    out = Path(args.out)
    write_json(data, out)
    if (out.parent / "index.html").is_file():  # a report: refresh its calibration page
        write_page(load(out) or {}, out.parent)
    for row in data["alphas"]:
        fw, pc, det = row["familywise"], row["per_check"], row["detection"]
        print(f"α_fw = {row['alpha']}: {fw['count']}/{fw['trials']} runs with a false alarm "
              f"({fw['rate']:.3g}, 95 % CI [{fw['interval'][0]:.3g}, {fw['interval'][1]:.3g}]); "
              f"per check {pc['count']}/{pc['trials']}; "
              f"controls detected {det['count']}/{det['trials']}")
    if "power_arm" in data:
        det = data["power_arm"]["detection"]
        print(f"power arm: controls detected {det['count']}/{det['trials']} = {det['rate']:.4g} "
              f"(design power {det['nominal']})")
    print(f"flagged checks: {len(data['flagged'])}; written to {args.out}")
    return 0


def _study(design: Design, seeds: list[int], jobs: int, done: list[SeedRecord],
           records: Path) -> list[SeedRecord]:
    """Run the seeds not yet done, appending each finished seed to ``records``."""
    print(f"{len(seeds)} seeds ({len(done)} already done), {design.n_checks} checks each, "
          f"δ = {design.settings.resolution}, α = {list(design.alphas)}", flush=True)
    with records.open("a") as log:

        def on_seed(r: SeedRecord) -> None:
            log.write(seed_line(r) + "\n")
            log.flush()
            alarms = sorted({c.claim for c in r.checks if c.judged[-1].verdict == "refuted"})
            print(f"seed {r.seed}: {r.seconds:.1f} s, refuted at α = {design.alphas[-1]}: "
                  f"{', '.join(alarms) or 'none'}", flush=True)

        return run_study(design, seeds, jobs, done=done, on_seed=on_seed)


def main(argv: Sequence[str] | None = None) -> int:
    """The ``lrtheory calibrate`` command; exit status 2 on a usage error."""
    parser = argparse.ArgumentParser(prog="lrtheory calibrate", description=DESCRIPTION)
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run(args)
    except LrtheoryError as exc:
        print(f"lrtheory: error: {exc}", file=sys.stderr)
        return 2


def load(path: Path | str) -> dict[str, Any] | None:
    """A written ``calibration.json``, or None where there is none."""
    path = Path(path)
    return json.loads(path.read_text()) if path.exists() else None


def figure(data: dict[str, Any]) -> Figure:
    """Left: histogram of the z-tests' p-values against U(0, 1) with its ±2σ band. Right: the
    observed P(p ≤ u) against u (log–log) with Clopper–Pearson intervals; calibrated tests lie
    on or below the diagonal."""
    import numpy as np

    from lrtheory.plotting import new_figure

    pv = data["pvalues"]
    fig, (ax, bx) = new_figure(ncols=2, width=10.0)
    edges = np.asarray(pv["histogram"]["edges"])
    counts = np.asarray(pv["histogram"]["counts"])
    total, q = counts.sum(), 1.0 / counts.size
    ax.stairs(counts / total / np.diff(edges), edges, baseline=None, lw=1.5, label="observed")
    band = 2.0 * np.sqrt(q * (1 - q) / max(total, 1)) / q
    ax.axhspan(1 - band, 1 + band, color="0.5", alpha=0.25, label="U(0, 1) ± 2σ")
    dev = float(np.max(np.abs(counts / total / q - 1.0))) if total else 0.0
    half = max(2.0 * band, 1.3 * dev, 0.05)
    ax.set_ylim(1.0 - half, 1.0 + half)  # the deviations, not the bars' height, are the news
    ax.set_xlabel("p-value (mean and variance checks)")
    ax.set_ylabel("density")
    ax.set_title(f"{pv['z_tests']} z-tests, KS D = {pv['ks_statistic']:.3g}")
    ax.legend(loc="upper right")
    for key, label in (("curve_z_tests", "mean/variance"), ("curve_proportions", "proportion")):
        rows = [r for r in pv[key] if r["count"] > 0]
        if not rows:
            continue
        u = np.array([r["u"] for r in rows])
        rate = np.array([r["rate"] for r in rows])
        lo = np.array([r["interval"][0] for r in rows])
        hi = np.array([r["interval"][1] for r in rows])
        bx.errorbar(u, rate, yerr=[rate - lo, hi - rate], fmt="o-", ms=4, capsize=2,
                    label=label)
    grid = np.array([r["u"] for r in pv["curve_z_tests"]])
    bx.plot(grid, grid, "k--", lw=1, label="nominal P(p ≤ u) = u")
    bx.set_xscale("log")
    bx.set_yscale("log")
    bx.set_xlabel("per-check level u")
    bx.set_ylabel("observed P(p ≤ u)")
    bx.set_title(f"{data['n_seeds']} seeds × {data['n_checks']} checks")
    bx.legend(loc="upper left")
    return fig
