"""lrtheory.symbolic.schedule_cells: a schedule on one cell of its pieces for every cycle k,
and its integrals and SGD sums there in closed form, against brute force."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from lrtheory.errors import ParameterError
from lrtheory.models.decay_product import schedule_sum
from lrtheory.schedules import triangular, warm_restarts
from lrtheory.symbolic.schedule_cells import cell_integrals, cell_sums, on_cell

t = sp.Symbol("t", nonnegative=True)
u = sp.Symbol("u", positive=True)
k = sp.Symbol("k", integer=True, nonnegative=True)
L = sp.Symbol("L", integer=True, positive=True)


def test_on_cell_resolves_by_monotonicity() -> None:
    assert on_cell(sp.floor(k + u), u) == k
    assert on_cell(sp.floor(k + u / 2 + sp.Rational(1, 2)), u) == k
    assert sp.simplify(on_cell(sp.Abs(u - 1), u) - (1 - u)) == 0
    assert on_cell(sp.Max(0, u - 2), u) == 0
    assert on_cell(sp.Min(u, 1 + u), u) == u
    assert sp.simplify(on_cell(sp.Mod(3 * k + 3 * u, 3), u) - 3 * u) == 0
    # decreasing arguments: ⌊k + 1 − u⌋ = k on the open cell
    assert on_cell(sp.floor(k + 1 - u), u) == k


def test_on_cell_refuses_what_is_not_constant_on_the_cell() -> None:
    with pytest.raises(ParameterError, match="not constant") as info:
        on_cell(sp.floor(2 * u), u)
    assert info.value.name == "expr"
    with pytest.raises(ParameterError, match="switches"):
        on_cell(sp.Max(0, u - sp.Rational(1, 2)), u)
    with pytest.raises(ParameterError, match="changes sign"):
        on_cell(sp.Abs(u - sp.Rational(1, 2)), u)
    with pytest.raises(ParameterError, match="derivative"):  # not monotone on the cell
        on_cell(sp.floor(sp.sin(2 * sp.pi * u)), u)


def test_sgdr_cell_matches_the_library_numerically() -> None:
    # cycle k = 2 of SGDR with T₀ = 10, T_mult = 2 spans t ∈ [30, 70)
    rate = on_cell(warm_restarts(1, 10, 2, sp.Rational(1, 10))(t).subs(
        t, 10 * (2**k - 1) + 10 * 2**k * u), u)
    assert not rate.has(sp.floor)
    grid = np.array([30.0, 41.0, 55.5, 69.0])
    expected = warm_restarts(1.0, 10, 2, 0.1)(grid)
    got = [float(rate.subs({k: 2, u: sp.Rational(str((x - 30) / 40))})) for x in grid]
    np.testing.assert_allclose(got, expected, rtol=1e-14)


def test_triangle_cells_match_the_library_for_several_cycles() -> None:
    s = 4
    sched = triangular(sp.Rational(1, 10), 1, s)
    for half in (0, 1):
        rate = on_cell(sched(t).subs(t, s * (2 * k + half + u)), u)
        for cycle in (0, 3):
            for x in (sp.Rational(1, 8), sp.Rational(5, 8)):
                want = sched(sp.Integer(s * (2 * cycle + half)) + s * x)
                assert rate.subs({k: cycle, u: x}) == want


def test_cell_integrals_and_sums_of_a_ramp_and_a_cosine() -> None:
    first, second = cell_integrals(u, u, L)
    assert sp.simplify(first - L / 2) == 0
    assert sp.simplify(second - L / 3) == 0
    s1, _ = cell_sums(u, u, L)
    assert sp.simplify(s1 - (L - 1) / 2) == 0
    c1, c2 = cell_sums((1 + sp.cos(sp.pi * u)) / 2, u, L)
    assert sp.simplify(c1 - (L + 1) / 2) == 0  # trapezoid-exact: ∫ = L/2, gap ½
    assert sp.simplify(c2 - (3 * L / 8 + sp.Rational(1, 2))) == 0


@pytest.mark.parametrize(("shape", "steps"), [("cosine", 2), ("cosine", 7), ("polynomial", 1),
                                             ("polynomial", 2), ("polynomial", 7)])
def test_cell_sums_against_the_explicit_sum(shape: str, steps: int) -> None:
    a, b = sp.Rational(3, 10), sp.Rational(1, 20)
    rate = b + a * ((1 + sp.cos(sp.pi * u)) / 2 if shape == "cosine" else (1 - u) ** 3)
    first, second = cell_sums(rate, u, L)
    assert not first.has(sp.Sum)
    assert not second.has(sp.Sum)
    values = [rate.subs(u, sp.Rational(j, steps)) for j in range(steps)]
    assert float(first.subs(L, steps)) == pytest.approx(float(sum(values)), rel=1e-13)
    assert float(second.subs(L, steps)) == pytest.approx(
        float(sum(v**2 for v in values)), rel=1e-13)


def test_cell_sums_of_a_squared_cosine_need_two_steps() -> None:
    # Σ_{j<L} cos²(πj/L) has the geometric ratio e^{2πi/L}, which is 1 at L = 1: the
    # closed form (generic ratio) holds from L = 2 on, as documented.
    _, second = cell_sums(sp.cos(sp.pi * u), u, L)
    assert [second.subs(L, n) for n in (2, 3, 4)] == [1, sp.Rational(3, 2), 2]
    assert second.subs(L, 1) != 1


def test_cell_integrals_against_quadrature() -> None:
    from scipy.integrate import quad

    rate = sp.Rational(1, 20) + sp.Rational(3, 10) * (1 + sp.cos(sp.pi * u)) / 2
    first, second = cell_integrals(rate, u, sp.Integer(6))
    f = sp.lambdify(u, rate)
    assert float(first) == pytest.approx(6 * quad(f, 0, 1)[0], rel=1e-13)
    assert float(second) == pytest.approx(6 * quad(lambda x: f(x) ** 2, 0, 1)[0], rel=1e-13)


def test_cell_sums_keep_a_cycle_index_named_k() -> None:
    s1, _ = cell_sums(2**-k * u, u, L)  # k is the caller's: never the summation index
    assert sp.simplify(s1 - 2**-k * (L - 1) / 2) == 0


def test_schedule_sum_keeps_the_callers_k_and_w() -> None:
    horizon = sp.Symbol("T", integer=True, positive=True)
    w = sp.Symbol("w")
    assert sp.simplify(schedule_sum(lambda j: k * j, horizon) - k * horizon * (horizon - 1) / 2
                       ) == 0
    total = schedule_sum(lambda j: w * (1 + sp.cos(sp.pi * j / horizon)), horizon)
    assert sp.simplify(total - w * (horizon + 1)) == 0
    assert math.isclose(float(total.subs({w: 2, horizon: 5})), 12.0)


def test_bad_inputs_name_the_parameter() -> None:
    for call, name in [(lambda: on_cell(0.5, u), "expr"),  # type: ignore[arg-type]
                       (lambda: on_cell(u, "u"), "u"),  # type: ignore[arg-type]
                       (lambda: cell_integrals(u, u, -L), "length"),
                       (lambda: cell_integrals(u, u, 2 * u), "length"),
                       (lambda: cell_sums(u, u, 3.0), "length"),  # type: ignore[arg-type]
                       (lambda: cell_sums("u", u, L), "rate"),  # type: ignore[arg-type]
                       (lambda: cell_integrals(u, u + 1, L), "u")]:
        with pytest.raises(ParameterError) as info:
            call()
        assert info.value.name == name
