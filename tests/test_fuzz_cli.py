"""Bad input on the command line: every command and option, in process (``cli.main``).

A bad value must end the command with exit status 2 and one line on stderr,
``lrtheory: error: …``, naming the option (or the parameter it sets) — never a traceback.
``calc`` is cheap, so any value is tried there and a value it accepts must print finite
numbers; ``verify``, ``report`` and ``bench`` run for minutes on good values, so only values
outside their documented ranges are drawn, and the engine is replaced by a stub that fails
the test if it is ever reached. (≈ 10 s)
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lrtheory import cli, registry
from lrtheory.errors import UnknownNameError

FUZZ = settings(max_examples=120, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow,
                                       HealthCheck.function_scoped_fixture])
TOKENS = st.one_of(
    st.sampled_from(["nan", "inf", "-inf", "-1", "0", "-0", "x", "", " ", "1e999", "-1e-320",
                     "1e-320", "1e308", "0x10", "1,2", "--", "3.5", "99999999999999999999",
                     "\x00", "ü", "1_000"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.text(max_size=6),
)


class ReachedError(Exception):
    """The engine was called: the arguments were all valid."""


@pytest.fixture(autouse=True)
def _sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run in an empty directory (``report --out`` defaults to ./reports), with the engine
    and the benchmark stubbed out."""
    monkeypatch.chdir(tmp_path)

    def reached(*_: Any, **__: Any) -> Any:
        raise ReachedError

    monkeypatch.setattr(cli, "verify", reached)
    monkeypatch.setattr("lrtheory.bench.run_bench", reached)


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int | str, str, str]:
    capsys.readouterr()
    try:
        code: int | str = cli.main(args)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else str(exc.code)
    except ReachedError:
        code = "reached"
    out, err = capsys.readouterr()
    return code, out, err


def _usage_error(code: int | str, err: str, names: tuple[str, ...]) -> None:
    """Exit status 2, one line ``lrtheory: error: …`` that names one of ``names``."""
    assert code == 2, (code, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("lrtheory: error:"), err
    assert any(n in lines[0] for n in names), (names, err)


def _names(option: str) -> tuple[str, ...]:
    bare = option.lstrip("-")
    return option, bare, bare.replace("-", "_")


# --------------------------------------------------------------------------------- calc

CALC: dict[str, list[str]] = {
    "max-lr": ["0.5,4", "--method", "heavy_ball", "--beta", "0.9"],
    "layerwise-lr": ["--layer", "1,2", "--layer", "3", "--method", "nesterov", "--beta", "0.5"],
    "effective-lr": ["--eta", "0.1", "--beta", "0.9"],
    "critical-momentum": ["--eta", "0.1", "--curvature", "2"],
    "polyak": ["--mu", "1", "--L", "100"],
    "batch-scale": ["--eta0", "0.1", "--batch0", "32", "--batch", "256", "--lambda-max", "1",
                    "--beta", "0.5"],
    "weight-decay": ["--eta", "0.1", "--wd", "0.01", "--convention", "adamw",
                     "--eta-new", "0.2"],
    "loss-floor": ["--eta", "0.1", "--curvatures", "1,2", "--noise-var", "0.5,1",
                   "--batch", "4"],
    "rm-constant": ["1,2"],
}
#: (calculator, index of the value replaced, the option or argument it belongs to)
CALC_VALUES = [(name, i, args[i - 1] if args[i - 1].startswith("--") else
                ("curvatures" if name == "rm-constant" else "eigenvalues"))
               for name, args in CALC.items() for i, a in enumerate(args)
               if not a.startswith("--") and (i == 0 or args[i - 1].startswith("--")
                                               or name in ("max-lr", "rm-constant"))]
NUMBER = re.compile(r"[-+]?(\d+\.?\d*(e[-+]?\d+)?|inf|nan)", re.IGNORECASE)


def test_every_calculator_is_fuzzed(capsys: pytest.CaptureFixture[str]) -> None:
    for name, args in CALC.items():
        code, out, err = _run(["calc", name, *args], capsys)
        assert code == 0, (name, err)
        assert "nan" not in out
        assert "inf" not in out
    assert {c for c, _, _ in CALC_VALUES} == set(CALC)


@FUZZ
@given(where=st.sampled_from(CALC_VALUES), token=TOKENS)
def test_calc_refuses_a_bad_value_by_name_or_prints_finite_numbers(
        where: tuple[str, int, str], token: str, capsys: pytest.CaptureFixture[str]) -> None:
    name, index, option = where
    args = list(CALC[name])
    args[index] = token
    code, out, err = _run(["calc", name, *args], capsys)
    if code == 0:
        head = out.split("\nformula:", 1)[0]  # the value lines come before the formula
        values = [line.split(" = ", 1)[1] for line in head.splitlines()]
        assert values, out
        for v in values:
            assert NUMBER.fullmatch(v.strip()), (args, out)
            assert math.isfinite(float(v)), (args, out)
        return
    names = (*_names(option), "layers" if option == "--layer" else option)
    _usage_error(code, err, names)


# ------------------------------------------------------------- verify, report, bench

def _not_in(values: st.SearchStrategy[Any], ok: Any) -> st.SearchStrategy[str]:
    return values.filter(lambda v: not ok(v)).map(str)


def _float_ok(lo: float, hi: float) -> Any:
    return lambda v: isinstance(v, float) and lo < v < hi


def _int_ok(lo: int, hi: int) -> Any:
    return lambda v: lo <= v <= hi


ANY_FLOAT = st.floats(allow_nan=True, allow_infinity=True)
BAD_RUN_OPTIONS: dict[str, st.SearchStrategy[str]] = {
    "--seed": st.one_of(_not_in(st.integers(-(2**70), 2**70), _int_ok(0, 2**63 - 1)),
                        st.sampled_from(["x", "1.5", "", "1e3"])),
    "--alpha": st.one_of(_not_in(ANY_FLOAT, _float_ok(0.0, 1.0)), st.sampled_from(["x", ""])),
    "--resolution": st.one_of(_not_in(ANY_FLOAT, _float_ok(0.0, 1.0)), st.just("½")),
    "--threads": st.one_of(_not_in(st.integers(-(2**40), 2**40), _int_ok(0, 1024)),
                           st.sampled_from(["1.0", "two"])),
    "--jobs": st.one_of(_not_in(st.integers(-(2**40), 2**40), _int_ok(0, 1024)),
                        st.sampled_from(["1.0", "-"])),
    "--backend": st.text(max_size=8).filter(lambda t: t not in ("auto", "numpy", "cupy")),
}


def _unknown_claim(text: str) -> bool:
    try:
        registry.select([text])
    except UnknownNameError:
        return True
    return False


@FUZZ
@given(command=st.sampled_from(["verify", "report"]),
       option=st.sampled_from(sorted(BAD_RUN_OPTIONS)), data=st.data())
def test_verify_and_report_refuse_a_bad_option_by_name(
        command: str, option: str, data: st.DataObject,
        capsys: pytest.CaptureFixture[str]) -> None:
    value = data.draw(BAD_RUN_OPTIONS[option], label=option)
    code, _, err = _run([command, "S1", f"{option}={value}"], capsys)
    _usage_error(code, err, _names(option))


@FUZZ
@given(command=st.sampled_from(["list", "verify", "report", "show"]),
       name=st.text(min_size=1, max_size=8).filter(lambda t: not t.startswith("-")))
def test_an_unknown_claim_is_refused_by_name(command: str, name: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    if not _unknown_claim(name):
        return
    code, _, err = _run([command, name], capsys)
    _usage_error(code, err, ("unknown claim", "claim"))


@pytest.mark.parametrize("out", ["", ".", "..", "/", "notes.txt"])
def test_report_refuses_an_output_directory_it_would_wrongly_replace(
        out: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The report replaces --out whole: a directory holding anything but a previous report
    (the working directory, a project, a home) must be refused before any work is done."""
    Path("notes.txt").write_text("keep me")
    code, _, err = _run(["report", "S1", "--out", out], capsys)
    _usage_error(code, err, ("--out",))
    assert Path("notes.txt").read_text() == "keep me"


def test_report_accepts_a_new_an_empty_or_a_previous_report_directory(
        capsys: pytest.CaptureFixture[str]) -> None:
    Path("empty").mkdir()
    Path("old").mkdir()
    (Path("old") / "results.json").write_text("{}")
    (Path("old") / "index.html").write_text("")
    for out in ("new", "empty", "old"):
        code, _, err = _run(["report", "S1", "--out", out], capsys)
        assert code == "reached", err


BAD_BENCH: dict[str, st.SearchStrategy[str]] = {
    "--chains": _not_in(st.integers(-(2**40), 2**40), lambda v: v >= 1),
    "--steps": st.one_of(_not_in(st.integers(-(2**40), 2**40), lambda v: v >= 1),
                         st.sampled_from(["x", "2.5", ""])),
    "--threads": _not_in(st.integers(-(2**40), 2**40), _int_ok(0, 1024)),
}


@FUZZ
@given(option=st.sampled_from(sorted(BAD_BENCH)), data=st.data())
def test_bench_refuses_a_bad_option_by_name(option: str, data: st.DataObject,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    value = data.draw(BAD_BENCH[option], label=option)
    code, _, err = _run(["bench", f"{option}={value}"], capsys)
    _usage_error(code, err, _names(option))


@pytest.mark.parametrize("args", [[], ["frobnicate"], ["calc"], ["calc", "warp-speed"],
                                  ["show"], ["list", "--verbose"], ["verify", "--seed"],
                                  ["calc", "polyak", "--mu", "1"]])
def test_a_malformed_command_line_is_a_usage_error(
        args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(args, capsys)
    _usage_error(code, err, ("error",))
