"""The ``lrtheory`` command: list, show, verify, report, bench.

Exit status: 0 when nothing is refuted, 1 when a claim is refuted, 2 for a usage error
(unknown claim or backend, invalid parameter), which is reported in one line on stderr.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import sympy as sp
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from lrtheory import registry
from lrtheory.claim import Claim
from lrtheory.errors import LrtheoryError
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


def _run(claims: Sequence[Claim], settings: Settings, console: Console, jobs: int) -> RunResult:
    total = sum(1 + len(c.points) for c in claims)
    columns = (TextColumn("{task.description:<48}"), BarColumn(), TextColumn("{task.completed}/"
               "{task.total}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True,
                  disable=not console.is_terminal) as progress:
        return verify(claims, settings, _Bar(progress, total), jobs=jobs)


def _summary(run: RunResult, console: Console) -> None:
    table = Table(title="lrtheory verify", show_lines=False)
    for col in ("ID", "claim", "verdict", "identities", "model", "Monte Carlo", "controls",
                "time (s)"):
        table.add_column(col)
    for c in run.claims:
        model = [m for p in c.points for m in p.model]
        mc = c.monte_carlo
        table.add_row(
            c.claim.id, c.claim.slug,
            f"[{_STYLE[c.verdict.value]}]{c.verdict.value}[/]",
            f"{sum(i.verdict == 'verified' for i in c.identities)}/{len(c.identities)}",
            f"{sum(m.verdict != 'refuted' for m in model)}/{len(model)}",
            f"{sum(m.verdict == 'verified' for m in mc)}/{len(mc)}",
            "all rejected" if c.controls_rejected else "[red]not all[/]",
            f"{sum(c.timings.values()):.2f}",
        )
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
                    resolution=args.resolution, threads=args.threads)


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
    return 0


def cmd_verify(args: argparse.Namespace, console: Console) -> int:
    claims = registry.select(args.claims)
    run = _run(claims, _settings(args), console, args.jobs)
    _summary(run, console)
    return 1 if run.verdict == "refuted" else 0


def cmd_report(args: argparse.Namespace, console: Console) -> int:
    from lrtheory.report import write_report

    claims = registry.select(args.claims)
    run = _run(claims, _settings(args), console, args.jobs)
    _summary(run, console)
    t = time.perf_counter()
    out = write_report(run, Path(args.out), jobs=args.jobs)
    console.print(f"report written to {out}/ (index.md, index.html, results.json, "
                  f"{len(run.claims)} claim pages) in {time.perf_counter() - t:.1f} s")
    return 1 if run.verdict == "refuted" else 0


def cmd_bench(args: argparse.Namespace, console: Console) -> int:
    from lrtheory.bench import print_bench, run_bench

    results = run_bench(chains=args.chains, steps=args.steps, threads=args.threads or None)
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


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line (``lrtheory: error: …``) and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"lrtheory: error: {message} (see lrtheory {self.prog.split()[-1]} -h)\n"
                  if " " in self.prog else f"lrtheory: error: {message} (see lrtheory -h)\n")


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
        p.add_argument("--threads", type=int, default=0, help="CPU threads (0: one per core)")
        p.add_argument("--jobs", type=int, default=0,
                       help="claims verified side by side in worker processes "
                            "(0: one per core; 1: in this process); changes no number")
        if name == "report":
            p.add_argument("--out", default="reports", help="output directory (default reports)")
    p = sub.add_parser("bench", help="ensemble throughput against the RNG fill rate")
    p.add_argument("--chains", type=_positive_int, default=100_000)
    p.add_argument("--steps", type=_positive_int, default=1000)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--out", default=None, help="also write the results as JSON here")
    return parser


_COMMANDS = {"list": cmd_list, "show": cmd_show, "verify": cmd_verify, "report": cmd_report,
             "bench": cmd_bench}


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
