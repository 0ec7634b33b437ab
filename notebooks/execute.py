"""Execute every notebook in this folder headless; exit 1 on the first error.

The notebooks are kept as jupytext percent-format text (``*.py`` with a jupytext header), so they
diff and review as code. This script pairs each with a Jupyter notebook, runs it top to bottom in
a fresh kernel (nbclient), and writes the executed notebook to ``build/notebooks/NAME.ipynb``
(open that one to see the outputs, or open the ``.py`` in Jupyter with jupytext installed).

Usage: ``python notebooks/execute.py [NAME ...]`` (``nox -s notebooks`` runs it for every one).
``nox -s notebooks`` runs them without ipywidgets, so every figure is drawn in a plain cell and
kept in the executed copy (with widgets, nbclient can also stall after an ``interact`` cell:
jupyter/nbclient#312).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "build" / "notebooks"


def notebooks(names: list[str]) -> list[Path]:
    """The notebook sources (text files with a jupytext header), optionally filtered by name."""
    found = sorted(p for p in HERE.glob("*.py") if "jupytext:" in p.read_text()[:400])
    if not names:
        return found
    chosen = [p for p in found if p.stem in names]
    missing = sorted(set(names) - {p.stem for p in chosen})
    if missing:
        known = ", ".join(p.stem for p in found)
        raise SystemExit(f"no notebook named {', '.join(missing)} (known: {known})")
    return chosen


def execute(source: Path, timeout: int) -> float:
    """Run one notebook in a fresh kernel; write the executed copy; return seconds taken."""
    nb = jupytext.read(source)
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(HERE)}}
    )
    start = time.perf_counter()
    try:
        client.execute()
    finally:
        OUT.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, OUT / f"{source.stem}.ipynb")
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="notebook names (default: all)")
    parser.add_argument("--timeout", type=int, default=300, help="seconds per cell (default 300)")
    args = parser.parse_args()
    failed = []
    for source in notebooks(args.names):
        try:
            seconds = execute(source, args.timeout)
        except CellExecutionError as err:
            failed.append(source.stem)
            print(f"FAILED  {source.name}\n{err}", file=sys.stderr)
            continue
        print(f"ok  {source.name:44s} {seconds:6.1f} s", flush=True)
    if failed:
        print(f"{len(failed)} notebook(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
