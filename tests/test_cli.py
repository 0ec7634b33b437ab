"""The command line as a user runs it: output, exit status, one-line errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lrtheory.cli import main


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lrtheory", *args], capture_output=True,
                          text=True, timeout=600, check=False)


def test_list_shows_the_claims(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "S1" in out
    assert "gd-stability" in out


def test_show_prints_the_derivation(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "gd-stability"]) == 0
    out = capsys.readouterr().out
    assert "Derivation" in out
    assert "✓ stability interval" in out


@pytest.mark.parametrize(("args", "message"), [
    (["show", "Q7"], "unknown claim 'Q7'"),
    (["verify", "S1", "--backend", "tpu"], "invalid choice: 'tpu'"),
    (["verify", "S1", "--resolution", "0"], "resolution must be in (0, 1); got 0.0"),
    (["verify", "S1", "--alpha", "1.5"], "alpha must be in (0, 1); got 1.5"),
    (["verify", "S1", "--seed", "-3"], "seed must be an integer in [0, "),
    (["bench", "--chains", "0"], "must be a positive integer"),
])
def test_bad_input_gives_one_line_and_exit_status_2(args: list[str], message: str) -> None:
    r = _cli(*args)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("lrtheory: error:")
    assert message in lines[0]
    assert "Traceback" not in r.stderr


def test_verify_prints_a_summary_and_exits_zero() -> None:
    r = _cli("verify", "S1", "--backend", "numpy", "--seed", "3")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "overall: verified" in r.stdout


def test_report_command_writes_every_format(tmp_path: Path) -> None:
    out = tmp_path / "rep"
    r = _cli("report", "S1", "--backend", "numpy", "--out", str(out))
    assert r.returncode == 0, r.stdout + r.stderr
    for name in ("index.md", "index.html", "results.json", "claims/S1.html", "figures/S1.png"):
        assert (out / name).is_file(), name
    assert f"report written to {out}" in " ".join(r.stdout.split())
