"""Symbolic arguments are checked with errors naming the parameter."""

from __future__ import annotations

import pytest
import sympy as sp

from lrtheory.errors import ParameterError
from lrtheory.symbolic.inputs import check_expr, check_symbol


def test_expressions_and_numbers_pass_through() -> None:
    x = sp.Symbol("x", positive=True)
    assert check_expr("a", x + 1) == x + 1
    assert check_expr("a", 2) == sp.Integer(2)
    assert check_expr("a", x, positive=True) == x
    assert check_symbol("t", x) is x


@pytest.mark.parametrize(("call", "name"), [
    (lambda: check_expr("eta", "x + 1"), "eta"),
    (lambda: check_expr("eta", object()), "eta"),
    (lambda: check_expr("var", -1, positive=True), "var"),
    (lambda: check_expr("var", sp.Interval(0, 1)), "var"),
    (lambda: check_symbol("t", sp.Integer(1)), "t"),
])
def test_bad_input_names_the_parameter(call: object, name: str) -> None:
    with pytest.raises(ParameterError, match=name):
        call()  # type: ignore[operator]
