"""Write a run as ``index.md``, ``index.html``, ``results.json``, a page per claim and figures.

The templates read the same JSON document that ``results.json`` holds (one source of truth),
plus MathML and LaTeX renderings of the SymPy objects. Output goes through
:func:`lrtheory.report.atomic.replace_directory`: an interrupted run leaves the previous report
as it was.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import jinja2
import sympy as sp
from markupsafe import Markup

from lrtheory import registry
from lrtheory.calibration.cli import load as load_calibration
from lrtheory.calibration.cli import write_page as write_calibration_page
from lrtheory.parallel import map_unordered, resolve_jobs
from lrtheory.report.atomic import replace_directory
from lrtheory.report.figures import write_figures
from lrtheory.report.mathml import to_mathml
from lrtheory.report.serialize import run_json
from lrtheory.results import ClaimResult, RunResult
from lrtheory.sources import NOT_CHECKED

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("lrtheory", "report/templates"),
    autoescape=jinja2.select_autoescape(["html.j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    undefined=jinja2.StrictUndefined,
)


def fmt(x: Any, digits: int = 4) -> str:
    """Numbers with ``digits`` significant figures; strings (inf/nan) as they are."""
    if isinstance(x, bool) or not isinstance(x, int | float):
        return str(x)
    if x == 0:
        return "0"
    return f"{x:.{digits}g}"


_ENV.filters["fmt"] = fmt
# A '|' inside a Markdown table cell ends the cell (GFM), even inside math: escape it.
_ENV.filters["cell"] = lambda text: str(text).replace("|", "\\|")
_ENV.filters["pct"] = lambda x: fmt(100 * x, 3) + " %" if isinstance(x, float) else str(x)


def _render_math(data: dict[str, Any], run: RunResult) -> None:
    """Attach MathML to every derivation step and identity of the JSON document."""
    for cj, cr in zip(data["claims"], run.claims, strict=True):
        for sj, step in zip(cj["derivation"], cr.derivation.steps, strict=True):
            sj["mathml"] = Markup(to_mathml(step.expr))
        for ij, ir in zip(cj["identities"], cr.identities, strict=True):
            for side in ("derived", "stated"):
                expr: sp.Basic = getattr(ir.identity, side)
                ij[side]["mathml"] = Markup(to_mathml(expr, False))


def _figure_task(task: tuple[ClaimResult, Path]) -> list[str]:
    """Draw one claim's figures in a worker process (module level, so that it pickles)."""
    return write_figures(*task)


def _draw_figures(run: RunResult, directory: Path, jobs: int,
                  on_file: Callable[[str], None] | None) -> dict[str, list[str]]:
    """Every claim's figures: written as drawn by the run (``verify(..., figures=True)``),
    else drawn here, in ``jobs`` processes when the claims are registered (a figure is pure
    Python and matplotlib: one core each)."""
    results = run.claims
    jobs = resolve_jobs(jobs, len(results))
    if all(r.figures for r in results):
        done: Iterable[tuple[int, list[str]]] = (
            (i, write_figures(r, directory)) for i, r in enumerate(results))
    elif jobs > 1 and all(registry.is_registered(r.claim) for r in results):
        tasks = [(r, directory) for r in results]
        done = map_unordered(_figure_task, tasks, jobs)
    else:
        done = ((i, write_figures(r, directory)) for i, r in enumerate(results))
    figures: dict[str, list[str]] = {}
    for index, names in done:
        figures[results[index].claim.id] = names
        if on_file:
            on_file(f"figures/{results[index].claim.id}.png")
    return {r.claim.id: figures[r.claim.id] for r in results}


def write_report(run: RunResult, out: Path | str = "reports",
                 on_file: Callable[[str], None] | None = None, *, jobs: int = 1) -> Path:
    """Write every format of the report into ``out`` atomically; return the directory.

    ``jobs`` > 1 draws the figures in that many processes (0: one per CPU); the files are
    the same either way."""
    out = Path(out)
    data = run_json(run)
    with replace_directory(out) as tmp:
        (tmp / "results.json").write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
        _render_math(data, run)
        figures = _draw_figures(run, tmp / "figures", jobs, on_file)
        (tmp / "claims").mkdir()
        ids = [cj["id"] for cj in data["claims"]]
        for k, cj in enumerate(data["claims"]):
            page = {"run": data, "claim": cj, "figures": figures[cj["id"]],
                    "previous": ids[k - 1] if k > 0 else None,
                    "next": ids[k + 1] if k + 1 < len(ids) else None}
            for ext in ("md", "html"):
                text = _ENV.get_template(f"claim.{ext}.j2").render(**page)
                (tmp / "claims" / f"{cj['id']}.{ext}").write_text(text)
        calibration = load_calibration(out / "calibration.json")
        if calibration is not None:  # the study's page, from the carried-over results
            write_calibration_page(calibration, tmp)
        for ext in ("md", "html"):
            text = _ENV.get_template(f"index.{ext}.j2").render(
                run=data, figures=figures, not_checked=NOT_CHECKED, calibration=calibration)
            (tmp / f"index.{ext}").write_text(text)
    return out
