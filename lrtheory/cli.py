"""The ``lrtheory`` command: list, show, verify, report, bench, calc.

Exit status: 0 when nothing is refuted, 1 when a claim is refuted, 2 for a usage error
(unknown claim or backend, invalid parameter), which is reported in one line on stderr.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import sympy as sp
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from lrtheory import practice, registry
from lrtheory.claim import Claim
from lrtheory.errors import LrtheoryError, ParameterError
from lrtheory.montecarlo.backend import BACKEND_CHOICES
from lrtheory.results import RunResult
from lrtheory.symbolic.identity import identical
from lrtheory.verify import Settings, verify

_STYLE = {"verified": "green", "approximate": "yellow", "inconclusive": "dim",
          "refuted": "bold red"}


class _Bar:
    """Engine progress shown as one rich progress bar over every claim's units."""

    def __init__(self, progress: Progress, total: int) -> None:
        self.progress = progress
        self.task = progress.add_task("starting", total=total)
        self.claim = ""

    def claim_started(self, claim: Claim, units: int) -> None:
        self.claim = claim.id

    def advance(self, note: str) -> None:
        self.progress.update(self.task, advance=1, description=f"{self.claim}: {note}")


def _run(claims: Sequence[Claim], settings: Settings, console: Console, jobs: int,
         figures: bool = False, beyond: bool = False) -> RunResult:
    total = sum(1 + len(c.points) for c in claims)
    columns = (TextColumn("{task.description:<48}"), BarColumn(), TextColumn("{task.completed}/"
               "{task.total}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True,
                  disable=not console.is_terminal) as progress:
        return verify(claims, settings, _Bar(progress, total), jobs=jobs, figures=figures,
                      beyond=beyond)


def _summary(run: RunResult, console: Console) -> None:
    table = Table(title="lrtheory verify", show_lines=False)
    for col in ("ID", "claim", "verdict", "identities", "model", "Monte Carlo", "controls",
                "time (s)"):
        table.add_column(col)
    for c in run.claims:
        row = c.summary()
        row["verdict"] = f"[{_STYLE[c.verdict.value]}]{row['verdict']}[/]"
        if not c.controls_rejected:
            row["controls"] = f"[red]{row['controls']}[/]"
        table.add_row(*row.values())
    console.print(table)
    console.print(f"overall: [{_STYLE[run.verdict.value]}]{run.verdict.value}[/]  "
                  f"(seed {run.settings['seed']}, backend {run.environment['backend']}, "
                  f"{run.n_checks} Monte Carlo checks at α = {run.alpha_per_check:.3g} each, "
                  f"{run.timings['total_s']:.1f} s)")
    for claim_id, reason in run.not_run.items():
        console.print(f"[yellow]not run:[/] {claim_id} {escape(reason)}")
    for c in run.claims:
        for p in c.points:
            reasons = [m.reason for m in p.model if m.verdict == "refuted"]
            reasons += [m.reason for m in p.monte_carlo if m.verdict == "refuted"]
            for reason in reasons:
                console.print(f"[red]{c.claim.id} {escape(p.point.label)}: {escape(reason)}[/]")
            if p.divergence:
                console.print(f"[red]{c.claim.id} {escape(p.point.label)}: "
                              f"{escape(p.divergence)}[/]")


def _settings(args: argparse.Namespace) -> Settings:
    return Settings(seed=args.seed, backend=args.backend, alpha=args.alpha,
                    resolution=args.resolution, threads=args.threads,
                    scheduler=getattr(args, "scheduler", None))


def cmd_list(args: argparse.Namespace, console: Console) -> int:
    table = Table(title="lrtheory claims")
    for col in ("ID", "slug", "family", "title", "points"):
        table.add_column(col)
    for c in registry.select(args.claims):
        title = escape(c.title)
        if c.missing is not None:
            title += f" [yellow](not runnable here: {escape(c.missing)})[/]"
        table.add_row(c.id, c.slug, c.family_name, title, str(len(c.points)))
    console.print(table)
    return 0


def cmd_show(args: argparse.Namespace, console: Console) -> int:
    claim = registry.get(args.claim)
    console.print(f"[bold]{claim.id} {claim.slug}[/]: {escape(claim.title)}")
    console.print(f"[dim]{claim.family_name}[/]\n\n{escape(claim.statement)}\n")
    for s in claim.sources:
        console.print(f"[dim]source: {s.seed}, “{escape(s.section)}”[/]\n  > {escape(s.quote)}\n")
    derivation = claim.derive()
    console.print("[bold]Derivation[/]")
    for i, step in enumerate(derivation.steps, 1):
        console.print(f"{i}. {escape(step.name)}")
        console.print("   " + escape(sp.pretty(step.expr, use_unicode=True)).replace("\n", "\n   "))
    console.print("\n[bold]Identities[/] (decided exactly)")
    for ident in derivation.identities:
        equal = identical(ident.derived, ident.stated)
        ok = equal == ident.expect_equal
        mark = "[green]✓[/]" if ok else "[red]✗[/]"
        rel = "=" if equal else "≠"
        console.print(f" {mark} {escape(ident.name)} \\[{ident.provenance}]: "
                      f"{escape(sp.sstr(ident.derived))} {rel} {escape(sp.sstr(ident.stated))}")
    for f in claim.findings:
        console.print(f"[yellow]finding:[/] {escape(f)}")
    _show_beyond(claim, console)
    return 0


_LABEL_STYLE = {"holds on the class": "green", "holds with another constant": "yellow",
                "quadratics only": "bold red"}


def _show_beyond(claim: Claim, console: Console) -> None:
    """The claim's worst case over its function class, where it has one (PEPit)."""
    import importlib.util

    from lrtheory.certify import BEYOND_CLAIMS, beyond_quadratics

    if claim.id not in BEYOND_CLAIMS:
        return
    if importlib.util.find_spec("PEPit") is None:
        console.print("\n[bold]Beyond quadratics[/]: needs PEPit: pip install 'lrtheory[certify]'")
        return
    b = beyond_quadratics(claim.id)
    style = _LABEL_STYLE[b.label]
    console.print(f"\n[bold]Beyond quadratics[/]: [{style}]{b.label}[/]\n{escape(b.finding)}")
    console.print(f"[dim]{escape(b.setting)}; {escape(b.solver)}[/]")
    for s in b.series:
        table = Table(title=f"{s.name}: {s.label}", title_justify="left")
        for col in ("n", "class worst case", "± solver", s.reference_text):
            table.add_column(col, justify="right")
        for k, n in enumerate(s.ns):
            table.add_row(str(n), f"{s.worst[k]:.5g}", f"{s.tolerance[k]:.1g}",
                          f"{s.reference[k]:.5g}")
        console.print(table)


def cmd_verify(args: argparse.Namespace, console: Console) -> int:
    claims = registry.select(args.claims)
    run = _run(claims, _settings(args), console, args.jobs)
    _summary(run, console)
    return 1 if run.verdict == "refuted" else 0


def cmd_report(args: argparse.Namespace, console: Console) -> int:
    from lrtheory.report import write_report

    claims = registry.select(args.claims)
    run = _run(claims, _settings(args), console, args.jobs, figures=True, beyond=True)
    _summary(run, console)
    t = time.perf_counter()
    out = write_report(run, Path(args.out), jobs=args.jobs)
    console.print(f"report written to {out}/ (index.md, index.html, results.json, "
                  f"{len(run.claims)} claim pages) in {time.perf_counter() - t:.1f} s")
    return 1 if run.verdict == "refuted" else 0


def cmd_bench(args: argparse.Namespace, console: Console) -> int:
    from lrtheory.bench import QUICK, Grid, print_bench, run_bench

    base = QUICK if args.quick else Grid()
    grid = Grid(tuple(args.dtype or base.dtypes), tuple(args.chains or base.chains),
                tuple(args.d or base.dims), args.steps or base.steps)
    results = run_bench(grid, quick=args.quick, budget=args.budget,
                        threads=args.threads or None, console=console)
    print_bench(results, console)
    if args.out:
        from lrtheory.bench import write_bench

        write_bench(results, Path(args.out))
        console.print(f"written to {args.out}")
    return 0


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer; got {text}")
    return value


def _count(text: str) -> int:
    """A thread or process count: an integer in [0, 1024] (0: one per core)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer in [0, 1024]; got {text!r}") \
            from None
    if not 0 <= value <= 1024:
        raise argparse.ArgumentTypeError(f"must be an integer in [0, 1024]; got {text}")
    return value


def _report_dir(text: str) -> str:
    """``report --out``: the report replaces this directory whole, so it must be new, empty,
    or hold a previous report (:func:`lrtheory.report.atomic.check_replaceable`)."""
    from lrtheory.report.atomic import check_replaceable

    if not text.strip():
        raise argparse.ArgumentTypeError("must be a directory path; got ''")
    try:
        check_replaceable(Path(text).resolve())
    except ParameterError as exc:
        raise argparse.ArgumentTypeError(f"must be {exc.allowed}; got {text!r}") from None
    return text


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line (``lrtheory: error: …``) and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"lrtheory: error: {message} (see lrtheory {self.prog.split()[-1]} -h)\n"
                  if " " in self.prog else f"lrtheory: error: {message} (see lrtheory -h)\n")


def _floats(text: str) -> list[float]:
    """A comma-separated list of numbers, e.g. ``0.5,4,10``."""
    try:
        return [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be comma-separated numbers, e.g. 0.5,4; got {text!r}") from None


def _calc_answer(args: argparse.Namespace) -> practice.Answer:
    name = args.calculator
    if name == "max-lr":
        return practice.max_stable_lr(args.eigenvalues, args.method, args.beta)
    if name == "layerwise-lr":
        if not args.layer:
            raise ParameterError("--layer", None, "given at least once")
        return practice.layerwise_max_lr(args.layer, args.method, args.beta)
    if name == "effective-lr":
        return practice.effective_lr(args.eta, args.beta)
    if name == "critical-momentum":
        return practice.critical_momentum(args.eta, args.curvature)
    if name == "polyak":
        return practice.polyak_momentum(args.mu, args.L)
    if name == "batch-scale":
        return practice.batch_scaling(args.eta0, args.batch0, args.batch, args.lambda_max,
                                      args.beta)
    if name == "weight-decay":
        return practice.weight_decay(args.eta, args.wd, args.convention, args.eta_new)
    if name == "loss-floor":
        noise: float | list[float] = args.noise_var[0] if len(args.noise_var) == 1 \
            else args.noise_var
        return practice.sgd_loss_floor(args.eta, args.curvatures, noise, args.batch)
    return practice.min_robbins_monro_c(args.curvatures)


def cmd_calc(args: argparse.Namespace, console: Console) -> int:
    answer = _calc_answer(args)
    if isinstance(answer.value, dict):
        for key, v in answer.value.items():
            console.print(f"{key} = {v:.6g}", highlight=False)
    else:
        console.print(f"{args.calculator} = {answer.value:.6g}", highlight=False)
    console.print(f"formula: {escape(answer.formula)}", highlight=False)
    if answer.note:
        console.print(f"note: {escape(answer.note)}", highlight=False)
    console.print(f"backed by {answer.backed_by}", highlight=False)
    return 0


def _calc_parser(sub: Any) -> None:
    calc = sub.add_parser(
        "calc", help="practical learning-rate numbers, each backed by a verified claim",
        description="Practical learning-rate numbers, each backed by a verified claim "
                    "(lrtheory show ID for its derivation).")
    cs = calc.add_subparsers(dest="calculator", required=True, parser_class=_Parser,
                             metavar="CALCULATOR")

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = cs.add_parser(name, help=help_text, description=help_text)
        return p

    def momentum(p: argparse.ArgumentParser) -> None:
        p.add_argument("--method", choices=("gd", "heavy_ball", "nesterov"), default="gd",
                       help="update rule (default gd; heavy_ball is PyTorch SGD(momentum=β))")
        p.add_argument("--beta", type=float, default=0.0,
                       help="momentum β in [0, 1) (default 0; must be 0 for gd)")

    p = add("max-lr", "largest stable η from Hessian eigenvalues, with or without momentum "
                      "(S1, M2, M5)")
    p.add_argument("eigenvalues", type=_floats, help="comma-separated eigenvalues > 0")
    momentum(p)
    p = add("layerwise-lr", "largest stable η per layer from each Hessian block (S6)")
    p.add_argument("--layer", type=_floats, action="append", default=[],
                   help="one layer's eigenvalues, comma-separated; repeat per layer")
    momentum(p)
    p = add("effective-lr", "effective η of heavy-ball momentum, η/(1 − β) (M1)")
    p.add_argument("--eta", type=float, required=True, help="learning rate η > 0")
    p.add_argument("--beta", type=float, required=True, help="momentum β in [0, 1)")
    p = add("critical-momentum", "momentum β for critical damping, (1 − √(ηλ))² (M3)")
    p.add_argument("--eta", type=float, required=True, help="learning rate η > 0")
    p.add_argument("--curvature", type=float, required=True,
                   help="curvature λ > 0 (Hessian eigenvalue), with 0 < ηλ < 4")
    p = add("polyak", "Polyak's optimal heavy-ball (η, β) from eigenvalue range [μ, L] (M3)")
    p.add_argument("--mu", type=float, required=True, help="smallest eigenvalue μ > 0")
    p.add_argument("--L", type=float, required=True, help="largest eigenvalue L ≥ μ")
    p = add("batch-scale", "η for a batch-size change: linear and √ rules, and where linear "
                           "breaks (D2)")
    p.add_argument("--eta0", type=float, required=True, help="current learning rate η₀ > 0")
    p.add_argument("--batch0", type=float, required=True, help="current batch size B₀ > 0")
    p.add_argument("--batch", type=float, required=True, help="new batch size B > 0")
    p.add_argument("--lambda-max", type=float, default=None,
                   help="Hessian λ_max > 0: also report the linear rule's breaking batch B*")
    p.add_argument("--beta", type=float, default=0.0, help="heavy-ball β in [0, 1) (default 0)")
    p = add("weight-decay", "weight decay ↔ L2 strength in both conventions; λ_wd for a new η "
                            "(M8)")
    p.add_argument("--eta", type=float, required=True, help="learning rate η > 0")
    p.add_argument("--wd", type=float, required=True,
                   help="weight decay λ_wd ≥ 0 (decoupled: < 1; adamw: < 1/η)")
    p.add_argument("--convention", choices=("decoupled", "adamw"), default="decoupled",
                   help="decoupled: w ← (1 − λ_wd)w − η∇f; adamw: w ← (1 − ηλ_wd)w − η∇f "
                        "(default decoupled)")
    p.add_argument("--eta-new", type=float, default=None,
                   help="new learning rate: report the λ_wd that keeps the L2 strength")
    p = add("loss-floor", "SGD's stationary loss floor at constant η, exact and SDE (D3)")
    p.add_argument("--eta", type=float, required=True, help="learning rate η > 0")
    p.add_argument("--curvatures", type=_floats, required=True,
                   help="comma-separated Hessian eigenvalues > 0, each with ηλ < 2")
    p.add_argument("--noise-var", type=_floats, required=True,
                   help="per-example gradient noise variance σ² ≥ 0: one, or one per "
                        "curvature, comma-separated")
    p.add_argument("--batch", type=float, default=1.0, help="batch size B > 0 (default 1)")
    p = add("rm-constant", "minimum c for η_t = c/t to reach the 1/T rate (D6)")
    p.add_argument("curvatures", type=_floats, help="comma-separated Hessian eigenvalues > 0")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="lrtheory", description="Learning-rate theory, derived, modelled and verified.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    p = sub.add_parser("list", help="list the claims")
    p.add_argument("claims", nargs="*", help="IDs, slugs or family letters (default: all)")
    p = sub.add_parser("show", help="statement, source and derivation of one claim")
    p.add_argument("claim", help="claim ID or slug, e.g. S1 or gd-stability")
    for name, help_text in (("verify", "verify claims and print a summary"),
                            ("report", "verify claims and write the report")):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("claims", nargs="*", help="IDs, slugs or family letters (default: all)")
        p.add_argument("--backend", default="auto", choices=BACKEND_CHOICES)
        p.add_argument("--seed", type=int, default=0, help="root seed (default 0)")
        p.add_argument("--resolution", type=float, default=0.02,
                       help="relative error the negative control must detect (default 0.02)")
        p.add_argument("--alpha", type=float, default=1e-3,
                       help="family-wise false-alarm rate of the run (default 1e-3)")
        p.add_argument("--threads", type=_count, default=0,
                       help="CPU threads (0: one per core)")
        p.add_argument("--jobs", type=_count, default=0,
                       help="claims verified side by side in worker processes "
                            "(0: one per core; 1: in this process); changes no number")
        p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help="run the Monte Carlo chunks on this Dask scheduler, e.g. "
                            "tcp://127.0.0.1:8786 (needs lrtheory[dask]); changes no number. "
                            "Derivations, models and figures stay here, --jobs side by side, "
                            "each job connected to the cluster")
        if name == "report":
            p.add_argument("--out", default="reports", type=_report_dir,
                           help="output directory, replaced whole (default reports)")
    p = sub.add_parser("bench", help="ensemble chain-steps per second against the RNG fill "
                       "rate (NumPy, numba, JAX, PyTorch, CuPy: those installed)")
    p.add_argument("--quick", action="store_true",
                   help="a small grid (N=20000, d=1,3, T=64) at 0.2 s a row: a smoke run")
    p.add_argument("--chains", type=_positive_int, nargs="+", default=None,
                   help="chain counts N (default 100000 1000000)")
    p.add_argument("--d", type=_positive_int, nargs="+", default=None,
                   help="coordinates d (default 1 100)")
    p.add_argument("--steps", type=_positive_int, default=None, help="steps T (default 1000)")
    p.add_argument("--dtype", choices=("float64", "float32"), nargs="+", default=None,
                   help="(default both)")
    p.add_argument("--budget", type=float, default=None, metavar="SECONDS",
                   help="seconds per row; a longer run is truncated to the steps that fit, "
                        "and marked (default 1.5, --quick 0.2)")
    p.add_argument("--threads", type=_count, default=0,
                   help="CPU threads of the every-core rows (0: one per core)")
    p.add_argument("--out", default=None, help="also write the results as JSON here "
                   "(nox -s bench: reports/bench.json)")
    from lrtheory.calibration.cli import DESCRIPTION, add_arguments

    p = sub.add_parser("calibrate", help="calibration study: false-alarm and detection rates "
                       "over many seeds", description=DESCRIPTION)
    add_arguments(p)
    _calc_parser(sub)
    return parser


def cmd_calibrate(args: argparse.Namespace, console: Console) -> int:
    from lrtheory.calibration.cli import run

    return run(args)


_COMMANDS = {"list": cmd_list, "show": cmd_show, "verify": cmd_verify, "report": cmd_report,
             "bench": cmd_bench, "calc": cmd_calc, "calibrate": cmd_calibrate}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # Piped or captured output has no terminal width; 120 columns keep the tables whole.
    console = Console(width=None if sys.stdout.isatty() else 120)
    try:
        return _COMMANDS[args.command](args, console)
    except LrtheoryError as exc:
        print(f"lrtheory: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
