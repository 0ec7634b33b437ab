"""Bad input, signature-driven: every public model function with a recorded valid call.

``tests/test_fuzz_model_calls.py`` holds one valid call of each public function of
``lrtheory.models`` that the claims' own ``model()`` runs make with plain data (numbers,
strings, small arrays) and that runs in under 50 ms — recorded, not invented (regenerate it
with ``python -m tests.test_fuzz_models``). Each numeric parameter in turn is replaced by NaN,
±inf, −1, 0, a string, None and a wrongly shaped array (an array parameter also by one holding
a NaN); the call must raise :class:`~lrtheory.errors.ParameterError` naming that parameter, or
return finite numbers (where the valid call did). Any other exception, a hang (5 s) or a new
NaN/inf fails. (≈ 10 s)

Values near the float limit are swept too (:func:`test_model_functions_refuse_huge_values`):
±1e300 for a float parameter, 10**300 for an integer one (a step count, a size). The call
must raise a ParameterError naming the parameter (a count above
:data:`~lrtheory.errors.MAX_STEPS` or :data:`~lrtheory.errors.MAX_SIZE`, a domain with an
upper end), a :class:`~lrtheory.errors.RangeError` naming it with its value (the computation
left float64: :func:`~lrtheory.errors.finite_result`) or a DivergenceError, or return finite
numbers — never hang, ask NumPy for an impossible array, or overflow from inside it.
"""

from __future__ import annotations

import copy
import importlib
import inspect
import math
import signal
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lrtheory.errors import DivergenceError, ParameterError, RangeError
from tests.test_fuzz_api import finite
from tests.test_fuzz_model_calls import CALLS

BAD: dict[str, Any] = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf, "-1": -1.0,
                       "0": 0.0, "str": "x", "None": None, "shape": np.ones((2, 2, 2))}
#: Functions documented to show a diverged run as inf/nan from the step it left the floats.
DIVERGENCE_AS_INF = {"controller.run_loop", "batch_growth.phase_two",
                     "batch_scaling.loss_vs_examples", "lr_finder.worst_case_steps"}
#: Array arithmetic run inside Monte Carlo kernels, once per step: like the update rules, it
#: checks its arrays' types and shapes only when a call fails (no pass over the data), so a
#: NaN in an operand comes out as NaN — and the runner reports the chain as diverged.
KERNEL_OPERANDS = {"damped_flow.quadratic_energy", "fedavg.fedavg_round", "fedavg.local_steps",
                   "least_squares.hessian", "least_squares.jacobi_scaling",
                   "least_squares.scale_features", "least_squares.sign_design",
                   "nesterov.lookahead", "range_test.row_dot", "worst_case.sup_norm"}
TIMEOUT_S = 5.0


def _function(qualname: str) -> Callable[..., Any]:
    module, name = qualname.rsplit(".", 1)
    fn: Callable[..., Any] = getattr(importlib.import_module(f"lrtheory.models.{module}"), name)
    return fn


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    def expire(*_: Any) -> None:
        raise TimeoutError(f"no answer in {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _bad_values(value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, bool) or not isinstance(value, int | float | np.ndarray):
        return
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "if" or value.size == 0:
            return
        poisoned = value.astype(np.float64).copy()
        poisoned.flat[0] = np.nan
        yield "array with NaN", poisoned
        yield "array of the wrong shape", np.ones((*value.shape, 3))
        yield from ((k, v) for k, v in BAD.items() if k in ("str", "None"))
        return
    yield from BAD.items()


def _call(fn: Callable[..., Any], kwargs: dict[str, Any]) -> Any:
    with _time_limit(TIMEOUT_S), warnings.catch_warnings(), \
            np.errstate(all="ignore"):
        warnings.simplefilter("ignore")  # warnings are not the property under test
        return fn(**kwargs)


def _sweep(qualname: str, huge: bool = False) -> list[str]:
    """Every problem found for one function (empty: it refuses or survives every value):
    the bad values of :func:`_bad_values`, or with ``huge`` those of :func:`_huge_values`,
    where a RangeError naming the parameter and a DivergenceError are answers too."""
    fn, valid = _function(qualname), CALLS[qualname]
    baseline_finite = finite(_call(fn, dict(valid)))
    if huge and not baseline_finite:
        return []  # nothing finite to keep
    problems = []
    for name, value in valid.items():
        # A validator (check_…(name, value)) names the parameter it checks for its caller.
        validator = qualname.split(".")[1].startswith("check_") and "name" in valid
        named = valid["name"] if validator and name != "name" else name
        for label, bad in (_huge_values if huge else _bad_values)(value):
            try:
                out = _call(fn, {**valid, name: bad})
            except ParameterError as exc:
                if named not in str(exc):
                    problems.append(f"{name}={label}: ParameterError names another: {exc}")
                continue
            except (RangeError, DivergenceError) as exc:
                if not huge or (isinstance(exc, RangeError) and f"{named}=" not in str(exc)):
                    problems.append(f"{name}={label}: {type(exc).__name__}: {exc}"[:300])
                continue
            except Exception as exc:
                problems.append(f"{name}={label}: {type(exc).__name__}: {exc}"[:300])
                continue
            passes_nan = not huge and qualname in KERNEL_OPERANDS and label == "array with NaN"
            if baseline_finite and not finite(out) and not passes_nan \
                    and qualname not in DIVERGENCE_AS_INF:
                problems.append(f"{name}={label}: silent NaN/inf in {out!r}"[:300])
    return problems


MODULES = sorted({q.split(".")[0] for q in CALLS})


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs POSIX interval timers")
@pytest.mark.parametrize("module", MODULES)
def test_model_functions_refuse_bad_values_by_name(module: str) -> None:
    found = {q: p for q in sorted(CALLS) if q.startswith(f"{module}.") and (p := _sweep(q))}
    assert not found, "\n".join(f"{q}: {p}" for q, ps in found.items() for p in ps)


HUGE_INT = 10**300


def _huge_values(value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return
    if isinstance(value, float):
        yield from (("1e300", 1e300), ("-1e300", -1e300))
    else:
        yield "10**300", HUGE_INT


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs POSIX interval timers")
@pytest.mark.parametrize("module", MODULES)
def test_model_functions_refuse_huge_values(module: str) -> None:
    """±1e300 and 10**300 in turn in every numeric parameter: a ParameterError naming it,
    a RangeError naming it, a DivergenceError, or finite numbers (module docstring)."""
    found = {q: p for q in sorted(CALLS)
             if q.startswith(f"{module}.") and (p := _sweep(q, huge=True))}
    assert not found, "\n".join(f"{q}: {p}" for q, ps in found.items() for p in ps)


def test_the_recorded_calls_cover_the_models() -> None:
    """A guard against the registry going stale: 200+ functions of 45+ modules are swept,
    and every recorded call still binds to its function's signature."""
    assert len(CALLS) >= 200
    assert len(MODULES) >= 45
    for qualname in CALLS:
        inspect.signature(_function(qualname)).bind(**CALLS[qualname])


# ------------------------------------------------------------------ recording the calls

def _literal(value: Any, depth: int = 0) -> str:
    """Python source for plain data (numbers, strings, small arrays); TypeError otherwise."""
    if depth > 4:
        raise TypeError("too deep")
    if value is None or isinstance(value, bool | str):
        return repr(value)
    if isinstance(value, int | np.integer):
        return repr(int(value))
    if isinstance(value, float | np.floating):
        x = float(value)
        return repr(x) if math.isfinite(x) else f'float("{x}")'
    if isinstance(value, np.ndarray):
        if value.size > 64 or value.dtype.kind not in "biuf":
            raise TypeError("array too large or not real")
        return f"np.array({_literal(value.tolist(), depth + 1)}, dtype=np.{value.dtype.name})"
    if isinstance(value, list | tuple) and len(value) <= 64:
        inner = ", ".join(_literal(v, depth + 1) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner}{',' * (len(value) == 1)})"
    raise TypeError(type(value).__name__)


def record(path: Path) -> int:
    """Run every claim's model() with each public model function wrapped to keep its first
    call; write the fast ones with plain-data arguments to ``path``. Returns their count."""
    import pkgutil
    import time

    import lrtheory.models
    from lrtheory import registry

    functions: dict[Callable[..., Any], str] = {}
    for info in pkgutil.iter_modules(lrtheory.models.__path__):
        mod = importlib.import_module(f"lrtheory.models.{info.name}")
        functions |= {f: f"{info.name}.{n}" for n, f in vars(mod).items()
                      if inspect.isfunction(f) and f.__module__ == mod.__name__
                      and not n.startswith("_")}
    first: dict[str, dict[str, Any]] = {}

    def wrap(fn: Callable[..., Any], qualname: str) -> Callable[..., Any]:
        def recorder(*args: Any, **kwargs: Any) -> Any:
            if qualname not in first:
                with suppress(Exception):  # not bindable or not copyable: not recorded
                    bound = inspect.signature(fn).bind(*args, **kwargs).arguments
                    first[qualname] = copy.deepcopy(dict(bound))
            return fn(*args, **kwargs)
        return recorder

    wrapped = {f: wrap(f, q) for f, q in functions.items()}
    claims = registry.all_claims()
    for name, mod in list(sys.modules.items()):
        if name.startswith("lrtheory"):
            for attr, value in list(vars(mod).items()):
                if inspect.isfunction(value) and value in wrapped:
                    setattr(mod, attr, wrapped[value])
    for claim in claims:
        for point in claim.points[:2]:
            claim.model(point)
    by_name = {q: f for f, q in functions.items()}
    lines = []
    for qualname, arguments in sorted(first.items()):
        try:
            source = {k: _literal(v) for k, v in arguments.items()}
        except TypeError:
            continue
        t = time.perf_counter()
        try:
            _call(by_name[qualname], copy.deepcopy(arguments))
        except Exception:
            continue
        if time.perf_counter() - t > 0.05:
            continue
        body = ", ".join(f'"{k}": {v}' for k, v in source.items())
        lines.append(f'    "{qualname}": {{{body}}},')
    header = ('"""Valid calls of the public model functions, recorded from the claims\' own '
              'model() runs\n(data for tests/test_fuzz_models.py; regenerate with '
              '``python -m tests.test_fuzz_models``)."""\n\n'
              "# ruff: noqa: E501\nfrom typing import Any\n\nimport numpy as np\n\n"
              "CALLS: dict[str, dict[str, Any]] = {\n")
    path.write_text(header + "\n".join(lines) + "\n}\n")
    return len(lines)


if __name__ == "__main__":
    target = Path(__file__).with_name("test_fuzz_model_calls.py")
    print(f"{record(target)} calls written to {target}")
