"""The examples in docstrings run and print what they say (doctest)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["lrtheory", "lrtheory.practice", "lrtheory.models.convergence",
           "lrtheory.models.threshold", "lrtheory.optimizers"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
