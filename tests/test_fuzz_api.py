"""Bad input, property-based: the public API refuses what it cannot use, by name.

For every public function a valid call is registered; Hypothesis replaces one parameter at a
time by anything — any float (NaN, ±inf, negative, zero, huge, tiny), any integer, a string,
None, a Boolean, a complex number, a list, a wrongly shaped array — and the call must either
raise :class:`~lrtheory.errors.ParameterError` whose message names that parameter, or return a
result in which every number is finite. Any other exception (NumPy's, a ``TypeError`` from
the arithmetic) fails the test, as does a NaN or an infinity in a result. (≈ 10 s)

The helpers here (:func:`finite`, :func:`refused_or_finite`, :data:`ANYTHING`) are shared by
the other ``test_fuzz_*`` modules.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import fields, is_dataclass
from typing import Any

import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lrtheory import adaptive, optimizers, practice, registry, schedules
from lrtheory.errors import DivergenceError, ParameterError
from lrtheory.montecarlo.kernels import sgd_diagonal_quadratic
from lrtheory.montecarlo.runner import Ensemble
from lrtheory.verify import Settings, verify

FUZZ = settings(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])

ODD_OBJECTS = [None, "x", "", b"1", True, False, 1 + 1j, [], [[1.0, 2.0]], {"a": 1.0},
               np.ones((2, 2)), np.array(np.nan), np.float32("inf"), np.int64(-3), sp.nan]
#: Anything a caller might pass where a number is expected.
ANYTHING = st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                     st.integers(min_value=-(2**70), max_value=2**70),
                     st.sampled_from(ODD_OBJECTS))


def finite(value: Any, *, inf: bool = False, depth: int = 0) -> bool:
    """Whether every number in ``value`` (nested sequences, dicts, arrays, dataclasses,
    named tuples, SymPy numbers) is finite (``inf``: is not NaN)."""
    check = (lambda a: ~np.isnan(a)) if inf else np.isfinite
    if depth > 8 or isinstance(value, bool | int | str | bytes) or value is None:
        return True
    if isinstance(value, float | complex | np.number):
        return bool(check(value))
    if isinstance(value, np.ndarray):
        return value.dtype.kind not in "fc" or bool(np.all(check(value)))
    if isinstance(value, sp.Basic):
        return not value.has(sp.nan, *(() if inf else (sp.oo, -sp.oo, sp.zoo)))
    parts: Any = ()
    if isinstance(value, Mapping):
        parts = value.values()
    elif isinstance(value, list | tuple):
        parts = value
    elif is_dataclass(value) and not isinstance(value, type):
        parts = [getattr(value, f.name) for f in fields(value)]
    return all(finite(v, inf=inf, depth=depth + 1) for v in parts)


def refused_or_finite(fn: Callable[..., Any], kwargs: dict[str, Any], name: str, *,
                      overflow: bool = False) -> Any:
    """Call ``fn(**kwargs)`` where ``kwargs[name]`` is the fuzzed value: it must raise a
    ParameterError naming ``name``, or return finite numbers (``overflow``: or, for an
    update rule, a step that a valid but huge value made overflow — divergence, which the
    ensemble runner reports). Returns the result (None when refused)."""
    try:
        out = fn(**kwargs)
    except ParameterError as exc:
        message = str(exc)
    else:
        assert finite(out) or overflow, f"{fn.__name__}({name}={kwargs[name]!r}) -> {out!r}"
        return out
    assert name in message, f"{fn.__name__}({name}={kwargs[name]!r}): {message}"
    return None


def fuzz_one(calls: dict[str, tuple[Callable[..., Any], dict[str, Any]]],
             data: st.DataObject, values: st.SearchStrategy[Any] = ANYTHING,
             skip: frozenset[str] = frozenset()) -> tuple[Callable[..., Any], dict[str, Any],
                                                          str]:
    """Draw a registered call and one of its parameters, replace it by a drawn value."""
    label = data.draw(st.sampled_from(sorted(calls)), label="function")
    fn, valid = calls[label]
    name = data.draw(st.sampled_from([k for k in valid if k not in skip]), label="parameter")
    kwargs = {**valid, name: data.draw(values, label=name)}
    return fn, kwargs, name


# ---------------------------------------------------------------------------- calculators

CALCULATORS: dict[str, tuple[Callable[..., Any], dict[str, Any]]] = {
    "max_stable_lr": (practice.max_stable_lr,
                      {"eigenvalues": [0.5, 4.0], "method": "heavy_ball", "beta": 0.9}),
    "layerwise_max_lr": (practice.layerwise_max_lr,
                         {"layers": [[1.0, 2.0], [3.0]], "method": "nesterov", "beta": 0.5}),
    "effective_lr": (practice.effective_lr, {"eta": 0.1, "beta": 0.9}),
    "critical_momentum": (practice.critical_momentum, {"eta": 0.1, "curvature": 2.0}),
    "polyak_momentum": (practice.polyak_momentum, {"mu": 1.0, "L": 100.0}),
    "batch_scaling": (practice.batch_scaling, {"eta0": 0.1, "batch0": 32.0, "batch": 256.0,
                                               "lambda_max": 1.0, "beta": 0.5}),
    "weight_decay": (practice.weight_decay, {"eta": 0.1, "wd": 0.01,
                                             "convention": "decoupled", "eta_new": 0.2}),
    "sgd_loss_floor": (practice.sgd_loss_floor, {"eta": 0.1, "curvatures": [1.0, 2.0],
                                                 "noise_var": 0.5, "batch": 4.0}),
    "min_robbins_monro_c": (practice.min_robbins_monro_c, {"curvatures": [1.0, 2.0]}),
}
SEQUENCES = st.one_of(
    st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=4),
    st.lists(ANYTHING, min_size=1, max_size=3),
    st.sampled_from(["1,2", np.ones((2, 2)), [[1.0], [2.0, np.nan]], {1.0: 2.0}, iter([1.0])]),
)


@FUZZ
@given(st.data())
def test_calculators_refuse_bad_numbers_by_name(data: st.DataObject) -> None:
    refused_or_finite(*fuzz_one(CALCULATORS, data))


SEQUENCE_PARAMETERS = {(label, name) for label, (_, valid) in CALCULATORS.items()
                       for name, value in valid.items() if isinstance(value, list)}


@FUZZ
@given(st.sampled_from(sorted(SEQUENCE_PARAMETERS)), SEQUENCES)
def test_calculators_refuse_bad_sequences_by_name(where: tuple[str, str], value: Any) -> None:
    fn, valid = CALCULATORS[where[0]]
    refused_or_finite(fn, {**valid, where[1]: value}, where[1])


def test_every_calculator_is_registered() -> None:
    assert {f for f in practice.__all__ if f[0].islower() and f != "CLAIM_SLUGS"} == set(
        CALCULATORS)


# ---------------------------------------------------------------------------- update rules

THETA = np.array([1.0, -2.0, 0.5])
GRAD = np.array([0.3, 0.1, -0.2])
STATE = adaptive.AdamState(np.zeros(3), np.zeros(3), 0)
RULES: dict[str, tuple[Callable[..., Any], dict[str, Any]]] = {
    "gradient_step": (optimizers.gradient_step, {"theta": THETA, "grad": GRAD, "eta": 0.1}),
    "heavy_ball": (optimizers.heavy_ball,
                   {"theta": THETA, "velocity": GRAD, "grad": GRAD, "eta": 0.1, "beta": 0.9}),
    "heavy_ball_lr_in_velocity": (optimizers.heavy_ball_lr_in_velocity, {
        "theta": THETA, "velocity": GRAD, "grad": GRAD, "eta": 0.1, "beta": 0.9}),
    "nesterov": (optimizers.nesterov, {"theta": THETA, "velocity": GRAD,
                                       "gradient": lambda x: 2 * x, "eta": 0.1, "beta": 0.9}),
    "nesterov_rewritten": (optimizers.nesterov_rewritten, {
        "phi": THETA, "velocity": GRAD, "grad": GRAD, "eta": 0.1, "beta": 0.9}),
    "clip_by_value": (optimizers.clip_by_value, {"grad": GRAD, "C": 0.15}),
    "clip_by_norm": (optimizers.clip_by_norm, {"grad": GRAD, "C": 0.15}),
    "l2_regularised_step": (optimizers.l2_regularised_step,
                            {"w": THETA, "grad": GRAD, "eta": 0.1, "alpha": 0.01}),
    "decoupled_weight_decay": (optimizers.decoupled_weight_decay,
                               {"w": THETA, "grad": GRAD, "eta": 0.1, "wd": 0.01}),
    "decoupled_weight_decay_sequential": (optimizers.decoupled_weight_decay_sequential, {
        "w": THETA, "gradient": lambda x: 2 * x, "eta": 0.1, "wd": 0.01}),
    "decoupled_weight_decay_lr_scaled": (optimizers.decoupled_weight_decay_lr_scaled,
                                         {"w": THETA, "grad": GRAD, "eta": 0.1, "wd": 0.01}),
    "hypergradient": (optimizers.hypergradient, {"grad_next": GRAD, "grad": GRAD}),
    "additive_lr_step": (optimizers.additive_lr_step, {
        "eta": np.array(0.1), "grad_next": GRAD, "grad": GRAD, "alpha": 0.01}),
    "exp_lr_step": (optimizers.exp_lr_step, {
        "eta": np.array(0.1), "grad_next": GRAD, "grad": GRAD, "alpha": 0.01}),
    "adagrad": (adaptive.adagrad,
                {"theta": THETA, "sum_sq": GRAD**2, "grad": GRAD, "eta": 0.1, "eps": 1e-8}),
    "rmsprop": (adaptive.rmsprop, {"theta": THETA, "mean_sq": GRAD**2, "grad": GRAD,
                                   "eta": 0.1, "rho": 0.9, "eps": 1e-8}),
    "adam": (adaptive.adam, {"theta": THETA, "state": STATE, "grad": GRAD, "eta": 0.1,
                             "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}),
    "adamw": (adaptive.adamw, {"theta": THETA, "state": STATE, "grad": GRAD, "eta": 0.1,
                               "wd": 0.01, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}),
    "adamw_lr_scaled": (adaptive.adamw_lr_scaled, {
        "theta": THETA, "state": STATE, "grad": GRAD, "eta": 0.1, "wd": 0.01,
        "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}),
}
#: The arrays a rule combines (state, gradients, and the rate η_t that the hypergradient
#: rules update) are not scanned for NaN (the rules run in simulation loops; the runner
#: reports a chain that overflows): they are fuzzed by type and shape only.
OPERANDS = frozenset({"theta", "grad", "velocity", "phi", "w", "sum_sq", "mean_sq", "state",
                      "grad_next", "gradient"})
STATE_RATE = frozenset({"additive_lr_step", "exp_lr_step"})
WRONG_OPERANDS = st.sampled_from([None, "x", b"1", {"a": 1.0}, [1.0, 2.0], np.ones(5),
                                  np.ones((2, 2)), np.array(["a", "b", "c"]), object()])


@FUZZ
@given(st.data())
def test_update_rules_refuse_bad_hyperparameters_by_name(data: st.DataObject) -> None:
    hyper = sorted((label, name) for label, (_, valid) in RULES.items() for name in valid
                   if name not in OPERANDS and not (label in STATE_RATE and name == "eta"))
    label, name = data.draw(st.sampled_from(hyper), label="parameter")
    fn, kwargs = RULES[label][0], {**RULES[label][1], name: data.draw(ANYTHING, label=name)}
    with np.errstate(over="ignore"):
        out = refused_or_finite(fn, kwargs, name, overflow=True)
    assert finite(out, inf=True), f"{label}({name}={kwargs[name]!r}) -> {out!r}"


@FUZZ
@given(st.data())
def test_update_rules_refuse_operands_of_the_wrong_type_or_shape(data: st.DataObject) -> None:
    fn, kwargs, name = fuzz_one(RULES, data, WRONG_OPERANDS,
                                skip=frozenset(RULES["adamw"][1]) - OPERANDS | {"gradient"})
    refused_or_finite(fn, kwargs, name)


def test_every_update_rule_is_registered() -> None:
    public = {n for n in optimizers.__all__ if callable(getattr(optimizers, n))
              and n[0].islower()}
    assert public == set(RULES)


# ------------------------------------------------------------------------------- schedules

SCHEDULES: dict[str, tuple[Callable[..., Any], dict[str, Any]]] = {
    "constant": (schedules.constant, {"eta0": 0.1}),
    "linear_decay": (schedules.linear_decay, {"eta0": 0.1, "total": 100.0}),
    "cosine": (schedules.cosine, {"eta0": 0.1, "total": 100.0, "eta_min": 0.01}),
    "polynomial_decay": (schedules.polynomial_decay,
                         {"eta0": 0.1, "total": 100.0, "power": 2.0, "eta_end": 0.001}),
    "linear_warmup": (schedules.linear_warmup, {"decay": schedules.constant(0.1),
                                                "steps": 10.0}),
    "step_decay": (schedules.step_decay, {"eta0": 0.1, "rate": 0.5, "every": 30.0}),
    "exponential_decay": (schedules.exponential_decay, {"eta0": 0.1, "rate": 0.99}),
    "warm_restarts": (schedules.warm_restarts,
                      {"eta0": 0.1, "period": 10.0, "mult": 2.0, "eta_min": 0.001}),
    "triangular": (schedules.triangular, {"eta_min": 0.01, "eta_max": 0.1, "half": 5.0}),
    "triangular2": (schedules.triangular2, {"eta_min": 0.01, "eta_max": 0.1, "half": 5.0}),
    "exp_range": (schedules.exp_range,
                  {"eta_min": 0.01, "eta_max": 0.1, "half": 5.0, "gamma": 0.99}),
    "reduce_on_plateau": (schedules.reduce_on_plateau, {
        "eta0": 0.1, "factor": 0.5, "patience": 3, "threshold": 1e-4, "threshold_mode": "rel",
        "cooldown": 1, "eta_min": 0.001, "eps": 1e-8}),
}
STEPS = np.array([0.0, 1.0, 7.5, 50.0, 99.0, 1e4])


def _evaluate(schedule: Any) -> Any:
    if isinstance(schedule, schedules.PlateauSchedule):
        state = schedule.init((2,))
        rates = []
        for loss in (1.0, 0.9, 0.9, 0.9, 0.9, 0.9, 0.8):
            rate, state = schedule(state, np.full(2, loss))
            rates.append(rate)
        return np.array(rates)
    return schedule(STEPS)


@FUZZ
@given(st.data())
def test_schedules_refuse_bad_parameters_by_name(data: st.DataObject) -> None:
    fn, kwargs, name = fuzz_one(SCHEDULES, data, skip=frozenset({"decay"}))
    schedule = refused_or_finite(fn, kwargs, name)
    if schedule is not None:
        with np.errstate(over="ignore", under="ignore"):
            rates = _evaluate(schedule)
        assert finite(rates), f"{fn.__name__}({name}={kwargs[name]!r}): η(t) = {rates}"
        assert np.all(np.asarray(rates) >= 0)


@FUZZ
@given(st.sampled_from(sorted(set(SCHEDULES) - {"reduce_on_plateau"})), ANYTHING)
def test_a_schedule_refuses_a_bad_time(label: str, t: Any) -> None:
    fn, kwargs = SCHEDULES[label]
    schedule = fn(**kwargs)
    try:
        rate = schedule(t)
    except ParameterError as exc:
        message = str(exc)
    else:
        assert finite(rate), f"{label}: η({t!r}) = {rate}"
        return
    assert message.startswith("t must be"), message


def test_every_schedule_is_registered() -> None:
    public = {n for n in schedules.__all__ if n[0].islower() and n != "integrals"}
    assert public == set(SCHEDULES)


# ------------------------------------------------------------- settings, ensemble, kernels

SETTINGS = {"seed": 0, "backend": "numpy", "alpha": 1e-3, "resolution": 0.02, "power": 0.99,
            "pilot_chains": 4000, "max_chains": 4_000_000, "threads": 0, "chunk": 16384}


@FUZZ
@given(st.data())
def test_settings_refuse_bad_values_by_name(data: st.DataObject) -> None:
    refused_or_finite(*fuzz_one({"Settings": (Settings, SETTINGS)}, data))


KERNEL = {"eta": 0.5, "curvatures": np.array([1.0, 2.0]), "noise_sd": 1.0, "steps": 40,
          "x0": np.array([1.0, -1.0])}


@FUZZ
@given(st.data())
def test_the_ensemble_and_its_kernel_refuse_bad_values_or_report_divergence(
        data: st.DataObject) -> None:
    calls = {"kernel": (sgd_diagonal_quadratic, KERNEL),
             "ensemble": (Ensemble, {"seed": 3, "block": 1024, "chunk": 2048, "threads": 1})}
    fn, kwargs, name = fuzz_one(calls, data, st.one_of(ANYTHING, SEQUENCES))
    built = refused_or_finite(fn, kwargs, name)
    if built is None:
        return
    if fn is Ensemble:
        ensemble, kernel = built, sgd_diagonal_quadratic(**KERNEL)
    else:
        if kwargs["steps"] > 200:  # valid, only slow
            return
        ensemble, kernel = Ensemble(seed=3, block=1024, threads=1), built
    try:
        moments = ensemble.run(kernel, 3000, what="fuzzed SGD")
    except DivergenceError as exc:  # a kernel knows the step; the runner may not
        diverged = exc
    else:
        assert finite([moments.mean, moments.m2, moments.m4])
        return
    assert diverged.n_chains >= 1
    assert str(diverged).startswith("fuzzed SGD"), diverged


@pytest.mark.parametrize("n_chains", [-1, 0, 1, 2.5, "10", None, np.nan])
def test_a_bad_number_of_chains_is_refused(n_chains: Any) -> None:
    kernel = sgd_diagonal_quadratic(**KERNEL)
    with pytest.raises(ParameterError, match=r"^n_chains must be"):
        Ensemble(seed=0).run(kernel, n_chains)


def test_divergence_is_reported_with_the_step_it_happened_by() -> None:
    """|1 − ηλ| = 2: a chain of size ~1 overflows float64 (≈ 2¹⁰²⁴) near step 1024."""
    kernel = sgd_diagonal_quadratic(3.0, np.ones(1), 1.0, 2000)
    with pytest.raises(DivergenceError, match=r"^unstable SGD: \d+ chain\(s\) diverged by "
                                              r"step \d+$") as info:
        Ensemble(seed=0, threads=1).run(kernel, 4096, what="unstable SGD")
    assert info.value.step is not None
    assert 1000 <= info.value.step <= 1060


# ---------------------------------------------------------------------------------- verify

@pytest.mark.parametrize("claims", ["S1", [None], [registry.get("S1"), "S2"], 5,
                                    registry.get("S1")])
def test_verify_refuses_what_is_not_a_sequence_of_claims(claims: Any) -> None:
    with pytest.raises(ParameterError, match=r"^claims must be"):
        verify(claims, Settings(backend="numpy"))


@pytest.mark.parametrize("jobs", [-1, 1025, 1.5, "2", None, True])
def test_verify_refuses_a_bad_number_of_jobs(jobs: Any) -> None:
    with pytest.raises(ParameterError, match=r"^jobs must be"):
        verify([registry.get("S1")], Settings(backend="numpy"), jobs=jobs)
