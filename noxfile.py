"""Sessions: tests, lint, typecheck, report, bench (``nox -s NAME``; ``nox -l`` lists them)."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "notebooks", "browser", "lint", "typecheck"]
nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True



@nox.session
def tests(session: nox.Session) -> None:
    """The test suite (CPU; GPU tests skip without CuPy and a device)."""
    session.install("-e", ".[test]")
    # Two workers (pytest-xdist); the tests that share the full verification run are kept on
    # one worker (tests/conftest.py), so the run is made once.
    session.run("pytest", "-n", "2", "--dist", "loadgroup", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff over the package, tests and this file."""
    session.install("ruff>=0.6")
    session.run("ruff", "check", "lrtheory", "tests", "notebooks", "noxfile.py")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the package."""
    session.install("-e", ".", "mypy>=1.10")
    session.run("mypy")


@nox.session
def report(session: nox.Session) -> None:
    """Verify every claim and write reports/ (index.md, index.html, results.json, pages)."""
    session.install("-e", ".[search,certify]")
    session.run("lrtheory", "report", "--out", "reports", *session.posargs)


@nox.session
def calibration(session: nox.Session) -> None:
    """Calibration study (~25 min on 2 cores, not a default session): every claim's Monte
    Carlo checks under 200 seeds at δ = 10 % plus a 50-seed power arm; writes
    reports/calibration.json (resumable from build/calibration/); ``nox -s report`` then
    puts it on the report's calibration page."""
    session.install("-e", ".[search]")
    session.run("lrtheory", "calibrate", *session.posargs)


@nox.session
def notebooks(session: nox.Session) -> None:
    """Execute every notebook in notebooks/ headless (jupytext + nbclient); fail on any error.

    Without ipywidgets: each notebook then draws its figures in plain cells (the path a reader
    without widgets takes), which also keeps the figures in the executed copy; nbclient can stall
    for its whole timeout after an ``interact`` cell (jupyter/nbclient#312)."""
    session.install("-e", ".[search]", "jupytext>=1.16", "nbclient>=0.10", "ipykernel>=6.29")
    session.run("python", "notebooks/execute.py", *session.posargs)


@nox.session
def browser(session: nox.Session) -> None:
    """The report in headless Chromium (Debian's chromium, driven by Playwright): MathML laid out,
    figures loaded, links resolved, no network; screenshots in build/screenshots/."""
    session.install("-e", ".[browser]")
    session.run("pytest", "-m", "browser", "tests/browser", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Ensemble throughput next to the RNG fill rate; writes reports/bench.json."""
    session.install("-e", ".[bench]")
    session.run("lrtheory", "bench", "--out", "reports/bench.json", *session.posargs)
