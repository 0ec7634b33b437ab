"""Schedules: one callable for arrays and SymPy; formulas, integrals and input checks."""

from __future__ import annotations

import math
from itertools import pairwise

import numpy as np
import pytest
import sympy as sp

from lrtheory.errors import ParameterError
from lrtheory.schedules import (
    constant,
    cosine,
    exponential_decay,
    integrals,
    linear_decay,
    step_decay,
    warm_restarts,
)

t, T, eta0 = sp.symbols("t T eta_0", positive=True)


def test_numeric_values_at_landmarks() -> None:
    steps = np.array([0.0, 25.0, 50.0, 100.0, 150.0])
    np.testing.assert_allclose(constant(0.3)(steps), np.full(5, 0.3))
    np.testing.assert_allclose(linear_decay(0.3, 100)(steps), [0.3, 0.225, 0.15, 0.0, 0.0])
    half = 0.15 * (1 + math.cos(math.pi / 4))
    np.testing.assert_allclose(cosine(0.3, 100)(steps), [0.3, half, 0.15, 0.0, 0.0],
                               atol=1e-15)


def test_scalars_integers_and_shape() -> None:
    assert float(linear_decay(2.0, 10)(5)) == pytest.approx(1.0)
    assert float(cosine(2.0, 10)(-3)) == pytest.approx(2.0)  # held at t = 0
    grid = np.arange(12).reshape(3, 4)
    for schedule in (constant(1.0), linear_decay(1.0, 11), cosine(1.0, 11)):
        out = schedule(grid)
        assert out.shape == grid.shape
        assert out.dtype == np.float64


def test_symbolic_formulas() -> None:
    assert sp.simplify(constant(eta0)(t) - eta0) == 0
    assert sp.simplify(linear_decay(eta0, T)(t) - eta0 * (1 - t / T)) == 0
    assert sp.simplify(cosine(eta0, T)(t) - eta0 * (1 + sp.cos(sp.pi * t / T)) / 2) == 0


@pytest.mark.parametrize(("factory", "first", "second"), [
    (lambda: constant(eta0), eta0 * T, eta0**2 * T),
    (lambda: linear_decay(eta0, T), eta0 * T / 2, eta0**2 * T / 3),
    (lambda: cosine(eta0, T), eta0 * T / 2, 3 * eta0**2 * T / 8),
])
def test_symbolic_integrals(factory: object, first: sp.Expr, second: sp.Expr) -> None:
    got_first, got_second = integrals(factory(), t, T)  # type: ignore[operator]
    assert sp.simplify(got_first - first) == 0
    assert sp.simplify(got_second - second) == 0
    assert sp.simplify(got_second - 2 * second) != 0  # the check can fail


def test_integrals_up_to_t_are_antiderivatives() -> None:
    s = sp.Symbol("s", positive=True)
    schedule = cosine(eta0, T)
    first, second = integrals(schedule, s, t)
    assert sp.simplify(sp.diff(first, t) - schedule(t)) == 0
    assert sp.simplify(sp.diff(second, t) - schedule(t) ** 2) == 0
    assert first.subs(t, 0) == 0


@pytest.mark.parametrize("make", [
    lambda p, h: linear_decay(p, h), lambda p, h: cosine(p, h), lambda p, h: constant(p)])
def test_symbolic_and_numeric_agree(make: object) -> None:
    expr = make(eta0, T)(t)  # type: ignore[operator]
    f = sp.lambdify((t, T, eta0), expr, "numpy")
    grid = np.linspace(0.0, 40.0, 17)
    numeric = make(0.7, 40.0)(grid)  # type: ignore[operator]
    np.testing.assert_allclose(np.broadcast_to(f(grid, 40.0, 0.7), grid.shape), numeric,
                               rtol=1e-14, atol=1e-15)


def test_numeric_integrals_match_quadrature() -> None:
    from scipy.integrate import quad

    for schedule, want in ((linear_decay(0.5, 8.0), 0.25 * 8 / 3),
                           (cosine(0.5, 8.0), 3 * 0.25 * 8 / 8)):
        value, err = quad(lambda s, f=schedule: float(f(s)) ** 2, 0.0, 8.0)
        assert abs(value - want) <= 10 * err + 1e-14


@pytest.mark.parametrize("bad", [0.0, -0.1, math.nan, math.inf, "0.1", True, sp.Integer(-2)])
def test_bad_peak_rate(bad: object) -> None:
    with pytest.raises(ParameterError, match="eta0"):
        constant(bad)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="eta0"):
        cosine(bad, 10)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [0, -5, math.nan, None, sp.Integer(0)])
def test_bad_horizon(bad: object) -> None:
    with pytest.raises(ParameterError, match="total"):
        linear_decay(0.1, bad)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="total"):
        cosine(0.1, bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [math.nan, np.array([0.0, math.inf]), "3", None, True])
def test_bad_time(bad: object) -> None:
    for schedule in (constant(0.1), linear_decay(0.1, 10), cosine(0.1, 10)):
        with pytest.raises(ParameterError, match=r"^t "):
            schedule(bad)


@pytest.mark.parametrize(("args", "name"), [
    ((0.1, t, T), "schedule"),
    ((cosine(eta0, T), "t", T), "t"),
    ((cosine(eta0, T), t, -1.0), "upper"),
    ((cosine(eta0, T), t, -T), "upper"),
    ((cosine(eta0, T), t, math.inf), "upper"),
])
def test_bad_integrals(args: tuple[object, object, object], name: str) -> None:
    with pytest.raises(ParameterError) as info:
        integrals(*args)  # type: ignore[arg-type]
    assert info.value.name == name


# --------------------------------------------------------------------------------------
# step decay, exponential decay, warm restarts (SGDR)
# --------------------------------------------------------------------------------------


def test_step_and_exponential_decay_values() -> None:
    steps = np.array([-3.0, 0.0, 9.0, 10.0, 19.5, 20.0, 35.0])
    np.testing.assert_allclose(step_decay(0.8, 0.5, 10)(steps),
                               [0.8, 0.8, 0.8, 0.4, 0.4, 0.2, 0.1])
    np.testing.assert_allclose(exponential_decay(0.8, 0.95)(steps),
                               0.8 * 0.95 ** np.maximum(steps, 0.0), rtol=1e-15)
    assert float(exponential_decay(0.8, 1.0)(7.0)) == pytest.approx(0.8)


def test_warm_restarts_restart_exactly_at_the_cycle_starts() -> None:
    # T0 = 10, mult = 2: cycles [0, 10), [10, 30), [30, 70), [70, 150).
    sgdr = warm_restarts(1.0, 10, 2, 0.1)
    starts = np.array([0.0, 10.0, 30.0, 70.0])
    np.testing.assert_allclose(sgdr(starts), 1.0, rtol=0, atol=1e-15)
    np.testing.assert_allclose(sgdr(starts[1:] - 1e-9), 0.1, atol=1e-9)
    middle = np.array([5.0, 20.0, 50.0, 110.0])  # half-way through each cycle
    np.testing.assert_allclose(sgdr(middle), 0.55, rtol=1e-14)
    flat = warm_restarts(2.0, 4)
    np.testing.assert_allclose(flat(np.arange(9.0)),
                               [2, 1 + 2**-0.5, 1, 1 - 2**-0.5, 2, 1 + 2**-0.5, 1, 1 - 2**-0.5, 2],
                               atol=1e-15)
    # The cycle index from the logarithm is corrected where rounding misplaces it.
    grid = np.arange(0.0, 150.0)
    cycle_start = np.select([grid < 10, grid < 30, grid < 70], [0.0, 10.0, 30.0], 70.0)
    length = np.select([grid < 10, grid < 30, grid < 70], [10.0, 20.0, 40.0], 80.0)
    expected = 0.1 + 0.9 * (1 + np.cos(np.pi * (grid - cycle_start) / length)) / 2
    np.testing.assert_allclose(sgdr(grid), expected, rtol=1e-13)


@pytest.mark.parametrize(("make", "params"), [
    (lambda p: step_decay(p[0], p[1], p[2]), (0.3, 0.5, 7.0)),
    (lambda p: exponential_decay(p[0], p[1]), (0.3, 0.9)),
    (lambda p: warm_restarts(p[0], p[1]), (0.3, 6.0)),
    (lambda p: warm_restarts(p[0], p[1], p[2], p[3]), (0.3, 5.0, 2.0, 0.03)),
    (lambda p: warm_restarts(p[0], p[1], p[2]), (0.3, 4.0, 1.5)),
])
def test_new_schedules_symbolic_and_numeric_agree(make: object, params: tuple[float, ...]
                                                  ) -> None:
    formula = sp.lambdify(t, make(params)(t), "math")  # type: ignore[operator]
    grid = np.linspace(0.0, 60.0, 241) + 1e-7  # off the jumps, where floor is ambiguous
    symbolic = np.array([formula(x) for x in grid])
    np.testing.assert_allclose(make(params)(grid), symbolic, rtol=1e-12)  # type: ignore[operator]


def test_new_schedules_symbolic_formulas() -> None:
    gamma, s = sp.symbols("gamma s", positive=True)
    assert sp.simplify(step_decay(eta0, gamma, s)(t) - eta0 * gamma ** sp.floor(t / s)) == 0
    assert sp.simplify(exponential_decay(eta0, gamma)(t) - eta0 * gamma**t) == 0
    # Numbers enter the formulas as the rationals they denote.
    assert step_decay(0.1, 0.5, 10)(t) == sp.Rational(1, 10) * sp.Rational(1, 2) ** sp.floor(t / 10)
    sgdr = warm_restarts(eta0, 10)(t)
    cycle = sp.floor(t / 10)
    assert sp.simplify(sgdr - eta0 * (1 + sp.cos(sp.pi * (t - 10 * cycle) / 10)) / 2) == 0


def test_integrals_of_schedules_with_jumps() -> None:
    from scipy.integrate import quad

    first, second = integrals(step_decay(eta0, sp.Rational(1, 2), 10), t, 35)
    assert sp.simplify(first - eta0 * (10 + 5 + sp.Rational(5, 2) + sp.Rational(5, 8))) == 0
    assert sp.simplify(second - eta0**2 * (10 + sp.Rational(10, 4) + sp.Rational(10, 16)
                                           + sp.Rational(5, 64))) == 0
    # Whole SGDR cycles: T_i (η₀ + η_min)/2 and T_i (3η₀² + 2η₀η_min + 3η_min²)/8.
    first, second = integrals(warm_restarts(eta0, 10, 2, eta0 / 10), t, sp.Integer(30))
    assert sp.simplify(first - 30 * eta0 * sp.Rational(11, 20)) == 0
    assert sp.simplify(second - 30 * eta0**2 * (3 + sp.Rational(2, 10) + sp.Rational(3, 100)) / 8
                       ) == 0
    # A partial cycle, against quadrature between the jumps.
    sgdr = warm_restarts(0.5, 3.0, 2, 0.05)
    got = [float(v) for v in integrals(sgdr, t, 11)]
    jumps = [0.0, 3.0, 9.0, 11.0]
    for power, value in zip((1, 2), got, strict=True):
        want = sum(quad(lambda x, p=power: float(sgdr(x)) ** p, a, b, epsabs=1e-13)[0]
                   for a, b in pairwise(jumps))
        assert value == pytest.approx(want, rel=1e-11)


def test_integrals_of_a_jump_need_a_numeric_upper_limit() -> None:
    with pytest.raises(ParameterError) as info:
        integrals(step_decay(eta0, 0.5, 10), t, T)
    assert info.value.name == "upper"
    with pytest.raises(ParameterError) as info:
        integrals(step_decay(eta0, 0.5, T), t, 30)
    assert info.value.name == "schedule"


@pytest.mark.parametrize(("call", "name"), [
    (lambda: step_decay(0.1, 1.5, 10), "rate"),
    (lambda: step_decay(0.1, 0.0, 10), "rate"),
    (lambda: step_decay(0.1, 0.5, 0), "every"),
    (lambda: step_decay(-0.1, 0.5, 10), "eta0"),
    (lambda: exponential_decay(0.1, math.nan), "rate"),
    (lambda: exponential_decay(0.1, sp.Integer(-1)), "rate"),
    (lambda: warm_restarts(0.1, 0), "period"),
    (lambda: warm_restarts(0.1, 10, 0.5), "mult"),
    (lambda: warm_restarts(0.1, 10, 1, 0.2), "eta_min"),
    (lambda: warm_restarts(0.1, 10, 1, -0.01), "eta_min"),
    (lambda: warm_restarts(eta0, 10, 1, -eta0), "eta_min"),
])
def test_new_schedules_bad_parameters(call: object, name: str) -> None:
    with pytest.raises(ParameterError) as info:
        call()  # type: ignore[operator]
    assert info.value.name == name


@pytest.mark.parametrize("bad", [math.nan, np.array([0.0, math.inf]), "3", None])
def test_new_schedules_bad_time(bad: object) -> None:
    for schedule in (step_decay(0.1, 0.5, 10), exponential_decay(0.1, 0.9),
                     warm_restarts(0.1, 10, 2)):
        with pytest.raises(ParameterError, match=r"^t "):
            schedule(bad)


def test_polynomial_decay_values_integral_and_linear_case() -> None:
    from lrtheory.schedules import linear_decay, polynomial_decay

    sched = polynomial_decay(0.5, 100.0, power=2.0, eta_end=0.1)
    np.testing.assert_allclose(sched(np.array([0.0, 50.0, 100.0, 150.0])),
                               [0.5, 0.1 + 0.4 * 0.25, 0.1, 0.1], rtol=1e-15)
    t = np.linspace(0, 100, 7)
    np.testing.assert_allclose(polynomial_decay(0.3, 100.0)(t), linear_decay(0.3, 100.0)(t),
                               rtol=1e-15)
    x, e0, total, p, end = sp.symbols("t eta_0 T p eta_e", positive=True)
    first, _ = integrals(polynomial_decay(e0, total, 3, end), x, total)
    assert sp.simplify(first - (end * total + (e0 - end) * total / 4)) == 0
    first_p, _ = integrals(polynomial_decay(e0, total, p, end), x, total)
    assert sp.simplify(first_p - (end * total + (e0 - end) * total / (p + 1))) == 0
    with pytest.raises(ParameterError, match="eta_end"):
        polynomial_decay(0.1, 10.0, eta_end=0.2)
    with pytest.raises(ParameterError, match="power"):
        polynomial_decay(0.1, 10.0, power=0.0)


def test_linear_warmup_climbs_then_hands_over_to_the_decay() -> None:
    from lrtheory.schedules import cosine, linear_warmup

    decay = cosine(0.4, 90.0)
    sched = linear_warmup(decay, 10)
    t = np.array([-3.0, 0.0, 5.0, 9.999, 10.0, 55.0, 100.0, 200.0])
    expected = [0.0, 0.0, 0.2, 0.4 * 0.9999, 0.4, decay(45.0), 0.0, 0.0]
    np.testing.assert_allclose(sched(t), expected, atol=1e-15)
    # Symbolic: a Piecewise whose integral is the warm-up triangle plus the cosine's.
    x = sp.Symbol("t", nonnegative=True)
    first, second = integrals(linear_warmup(cosine(sp.Rational(2, 5), 90), 10), x, 100)
    assert first == sp.Rational(2, 5) * 10 / 2 + sp.Rational(2, 5) * 90 / 2
    assert second == sp.Rational(4, 25) * 10 / 3 + 3 * sp.Rational(4, 25) * 90 / 8
    for value in (0.0, 3.5, 10.0, 42.0):
        assert float(linear_warmup(cosine(sp.Rational(2, 5), 90), 10)(x).subs(x, value)) == \
            pytest.approx(float(sched(value)), rel=1e-14, abs=1e-15)
    with pytest.raises(ParameterError, match="decay"):
        linear_warmup(0.1, 10)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="steps"):
        linear_warmup(decay, -1)


def _smith_clr(step: float, lo: float, hi: float, half: float, mode: str,
               gamma: float = 1.0) -> float:
    """Smith's (2017) cyclical rate as PyTorch's CyclicLR writes it, with |·|."""
    cycle = math.floor(1 + step / (2 * half))
    x = abs(step / half - 2 * cycle + 1)
    scale = {"triangular": 1.0, "triangular2": 1 / 2 ** (cycle - 1), "exp_range": gamma**step}
    return lo + (hi - lo) * max(0.0, 1 - x) * scale[mode]


def test_cyclical_rates_match_smiths_formula_numerically_and_symbolically() -> None:
    from lrtheory.schedules import exp_range, triangular, triangular2

    made = {"triangular": triangular(0.1, 1.0, 5), "triangular2": triangular2(0.1, 1.0, 5),
            "exp_range": exp_range(0.1, 1.0, 5, 0.99)}
    steps = np.arange(0.0, 60.0, 0.5)
    for mode, schedule in made.items():
        expected = [_smith_clr(s, 0.1, 1.0, 5, mode, 0.99) for s in steps]
        np.testing.assert_allclose(schedule(steps), expected, rtol=0, atol=1e-15)
        symbolic = [float(schedule(sp.Rational(str(s)))) for s in steps[::7]]
        np.testing.assert_allclose(symbolic, expected[::7], rtol=0, atol=1e-15)


def test_cyclical_integrals_exact_per_cycle_and_against_quadrature() -> None:
    from lrtheory.schedules import exp_range, triangular, triangular2

    lo, hi, s = sp.Rational(1, 10), sp.Integer(1), 5
    first, second = integrals(triangular(0.1, 1.0, s), t, 6 * s)  # three whole cycles
    assert first == 3 * s * (lo + hi)
    assert sp.simplify(second - 3 * 2 * s * (lo**2 + lo * hi + hi**2) / 3) == 0
    grid = np.linspace(0.0, 23.0, 2_300_001)
    for schedule in (triangular2(0.1, 1.0, 5), exp_range(0.1, 1.0, 5, 0.99)):
        one, two = integrals(schedule, t, 23)
        rate = schedule(grid)
        assert float(one) == pytest.approx(np.trapezoid(rate, grid), rel=1e-9)
        assert float(two) == pytest.approx(np.trapezoid(rate**2, grid), rel=1e-9)


def test_cyclical_bad_input_names_the_parameter() -> None:
    from lrtheory.schedules import exp_range, triangular

    for kwargs, name in (({"eta_min": -0.1, "eta_max": 1.0, "half": 5}, "eta_min"),
                         ({"eta_min": 2.0, "eta_max": 1.0, "half": 5}, "eta_min"),
                         ({"eta_min": 0.1, "eta_max": 1.0, "half": 0}, "half"),
                         ({"eta_min": 0.1, "eta_max": math.nan, "half": 5}, "eta_max")):
        with pytest.raises(ParameterError, match=name):
            triangular(**kwargs)
    with pytest.raises(ParameterError, match="gamma"):
        exp_range(0.1, 1.0, 5, 1.5)
    with pytest.raises(ParameterError, match="t"):
        triangular(0.1, 1.0, 5)(np.inf)


def test_jumps_are_found_by_inverting_the_floor_argument() -> None:
    from lrtheory.schedules.integrals import _crossings

    x = sp.Symbol("x", nonnegative=True)
    # SGDR's log(1 + μt/T₀)/log(1 + μ) = k, undone step by step: t = T₀((1 + μ)^k − 1)/μ
    assert _crossings(sp.log(1 + x / 6) / sp.log(sp.Rational(3, 2)), x, 3) == [
        sp.Rational(57, 4)]
    assert _crossings(sp.exp(x / 5) - 1, x, 2) == [5 * sp.log(3)]
    assert _crossings(sp.sqrt(x / 3), x, 2) == [12]
    # t in two terms: sympy.solve's roots, the crossing among them
    roots = _crossings(x**2 / 10 + x, x, 2)
    assert any(sp.simplify(r - (3 * sp.sqrt(5) - 5)) == 0 for r in roots)


def test_integrals_with_t_mult_not_an_integer_against_quadrature() -> None:
    from scipy.integrate import quad

    x = sp.Symbol("x", nonnegative=True)
    sgdr = warm_restarts(0.3, 4.0, 1.5, 0.03)  # cycles of 4, 6, 9: restarts at 4, 10, 19
    got = [float(v) for v in integrals(sgdr, x, 23)]
    for power, value in zip((1, 2), got, strict=True):
        want = sum(quad(lambda y, p=power: float(sgdr(y)) ** p, a, b, epsabs=1e-13)[0]
                   for a, b in pairwise([0.0, 4.0, 10.0, 19.0, 23.0]))
        assert value == pytest.approx(want, rel=1e-11)


def test_warmup_integrals_split_at_a_symbolic_breakpoint() -> None:
    from lrtheory.schedules import linear_warmup

    x = sp.Symbol("x", nonnegative=True)
    e, total, warm = sp.symbols("e T_total W", positive=True)
    sched = linear_warmup(cosine(e, total), warm)
    # cut at t = W (W ≤ W + T is decidable): the cosine's antiderivative vanishes outright
    first, second = integrals(sched, x, warm + total)
    assert not first.has(sp.sin)
    assert not second.has(sp.sin)
    assert sp.expand(first - e * (warm + total) / 2) == 0
    assert sp.expand(second - e**2 * warm / 3 - 3 * e**2 * total / 8) == 0
    # W ≤ T undecidable: SymPy integrates the Piecewise whole; at W = 3, T = 7 it agrees
    first, _ = integrals(sched, x, total)
    numbers = {e: 1, warm: 3, total: 7}
    want = integrals(linear_warmup(cosine(1, 7), 3), x, 7)[0]
    assert float(first.subs(numbers)) == pytest.approx(float(want), rel=1e-13)
