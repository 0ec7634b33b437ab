"""``kill -9`` of ``lrtheory report`` never costs the previous report; a report records what
made it.

A complete report of one cheap claim is written to D; then ``lrtheory report`` is started
again and killed with SIGKILL at seeded random moments — three spread over the whole run,
two inside its final write (after the writer's temporary directory appears) — and after
each kill D must still be the previous report, byte for byte, and complete: every file
parses, ``results.json`` loads, ``index.html`` is there and every page it links exists. A
run that is let finish then replaces D and clears the killed runs' leftovers. (≈ 40 s:
seven report processes of about 8 s, five of them cut short.)
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import signal
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from lrtheory.environment import package_versions

CLAIM = "G4"  # cheap, and without the PEPit worst cases that S1, M2, M3, M5, M9, D10 add
SPREAD_KILLS, WRITE_KILLS = 3, 2


def _start(out: Path, seed: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "lrtheory", "report", CLAIM, "--seed", str(seed),
         "--backend", "numpy", "--jobs", "1", "--out", str(out)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _temporaries(out: Path) -> list[Path]:
    return list(out.parent.glob(f".{out.name}.tmp-*"))


def _snapshot(out: Path) -> dict[str, str]:
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.is_file()}


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.links += [v for k, v in attrs if k in ("href", "src") and v]


def _assert_complete(out: Path) -> dict[str, object]:
    """D is a whole report: results.json loads, every page parses and every link resolves."""
    data: dict[str, object] = json.loads((out / "results.json").read_text())
    assert (out / "index.md").read_text().strip()
    pages = [out / "index.html", *sorted((out / "claims").glob("*.html"))]
    assert pages[0].is_file()
    assert len(pages) > 1
    for page in pages:
        parser = _Links()
        parser.feed(page.read_text())
        parser.close()
        for link in parser.links:
            target = link.partition("#")[0]
            if target and not target.startswith(("http:", "https:", "mailto:")):
                assert (page.parent / target).exists(), f"{page.name} links to {link}"
    return data


def _run_to_end(out: Path, seed: int) -> float:
    """Run a report to completion into a new ``out``; return the seconds between the writer's
    temporary directory appearing and ``out`` appearing (the rename that ends the write)."""
    assert not out.exists()
    proc = _start(out, seed)
    writing = swapped = None
    while proc.poll() is None:
        now = time.perf_counter()
        if writing is None and _temporaries(out):
            writing = now
        if swapped is None and out.exists():
            swapped = now
        time.sleep(0.002)
    _, err = proc.communicate()
    assert proc.returncode == 0, err.decode()
    assert writing is not None
    assert swapped is not None
    return swapped - writing


@pytest.fixture(scope="module")
def first_report(tmp_path_factory: pytest.TempPathFactory
                 ) -> tuple[Path, float, float, dict[str, Any]]:
    """D with a complete report (seed 5), the run's seconds, its final write's seconds (from
    the temporary directory's appearance to the rename into D) and its results.json."""
    out = tmp_path_factory.mktemp("crash") / "D"
    t = time.perf_counter()
    write_s = _run_to_end(out, seed=5)
    return out, time.perf_counter() - t, write_s, json.loads((out / "results.json").read_text())


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_a_killed_report_leaves_the_previous_one_whole(
        first_report: tuple[Path, float, float, dict[str, Any]]) -> None:
    out, run_s, write_s, _ = first_report
    _assert_complete(out)
    before = _snapshot(out)
    rng = random.Random(20251123)
    moments = [("anywhere", run_s * (i + rng.random()) / SPREAD_KILLS)
               for i in range(SPREAD_KILLS)]
    moments += [("during the final write", rng.uniform(0.0, 0.9 * write_s))
                for _ in range(WRITE_KILLS)]
    killed = []
    for when, delay in moments:
        leftovers = set(_temporaries(out))  # a killed run's, removed when the next one writes
        proc = _start(out, seed=6)
        t0 = time.perf_counter()
        if when == "during the final write":
            while not set(_temporaries(out)) - leftovers and proc.poll() is None:
                time.sleep(0.005)
            t0 = time.perf_counter()
        while time.perf_counter() - t0 < delay and proc.poll() is None:
            time.sleep(0.005)
        finished = proc.poll() is not None
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        after = _snapshot(out)
        data = _assert_complete(out)
        if finished or after != before:
            # It outran the kill (it had swapped its report in): D must be that new report,
            # whole — never a mixture of the two.
            assert data["settings"]["seed"] == 6, f"killed {when} ({delay:.2f} s)"  # type: ignore[index]
            assert "Seed 6" in (out / "index.md").read_text()
            before = after
            continue
        killed.append(when)
    assert len(killed) >= SPREAD_KILLS + WRITE_KILLS - 1, killed
    assert "during the final write" in killed

    final = _start(out, seed=7)
    _, err = final.communicate()
    assert final.returncode == 0, err.decode()
    data = _assert_complete(out)
    assert data["settings"]["seed"] == 7  # type: ignore[index]
    assert _snapshot(out) != before
    assert not _temporaries(out), "a finished run clears the killed runs' leftovers"


def test_a_report_records_versions_seed_backend_and_device(
        first_report: tuple[Path, float, float, dict[str, Any]]) -> None:
    data = first_report[3]
    assert data["settings"]["seed"] == 5
    env = data["environment"]
    assert env["backend"] == "numpy"
    assert env["device"].startswith("cpu: ")
    assert env["device"].endswith(" cores)")
    assert env["python"] == sys.version.split()[0]
    packages, installed = env["packages"], package_versions()
    for name in ("numpy", "scipy", "sympy", "matplotlib"):
        assert packages[name] == installed[name], name
        assert packages[name][0].isdigit(), (name, packages[name])
    # lrtheory's own: its version and, in a checkout, the commit (which may have moved on
    # since the report was made, so only its form is checked).
    assert packages["lrtheory"].split()[0] == installed["lrtheory"].split()[0]
    if (Path(__file__).resolve().parents[1] / ".git").exists():
        assert re.search(r"\(git [0-9a-f]{12}( \+ local changes)?\)$", packages["lrtheory"])
