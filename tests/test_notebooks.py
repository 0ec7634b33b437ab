"""The notebooks, statically: one per family, jupytext text, public API only.

Executing them is ``nox -s notebooks`` (notebooks/execute.py), which CI runs; these checks are
cheap and run with the unit tests.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from lrtheory import registry

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
BY_FAMILY = {"S": "stability", "N": "beyond_the_bound", "M": "momentum_adaptive",
             "D": "stochastic", "H": "schedules_search", "G": "games_control"}


def test_every_family_has_its_notebook() -> None:
    families = {c.family for c in registry.all_claims()}
    assert families <= set(BY_FAMILY), f"families without a notebook: {families - set(BY_FAMILY)}"
    for name in BY_FAMILY.values():
        assert (NOTEBOOKS / f"{name}.py").is_file(), name


@pytest.mark.parametrize("family", sorted(BY_FAMILY))
def test_notebook_covers_its_family(family: str) -> None:
    """At least four claims of the family (all of them if it has fewer) are explored by ID."""
    text = (NOTEBOOKS / f"{BY_FAMILY[family]}.py").read_text()
    ids = [c.id for c in registry.all_claims() if c.family == family]
    covered = [i for i in ids if f'"{i}"' in text]
    assert len(covered) >= min(4, len(ids)), f"{family}: explores {covered} of {ids}"


@pytest.mark.parametrize("name", sorted(BY_FAMILY.values()))
def test_notebook_is_jupytext_and_uses_the_public_api(name: str) -> None:
    source = (NOTEBOOKS / f"{name}.py").read_text()
    assert source.startswith("# ---\n# jupyter:\n#   jupytext:"), "jupytext header first"
    assert "format_name: percent" in source[:400]
    assert source.count("# %%") >= 10, "a notebook is cells: markdown and code"
    private = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [*node.module.split("."), *(a.name for a in node.names)]
        elif isinstance(node, ast.Import):
            names = [part for a in node.names for part in a.name.split(".")]
        elif isinstance(node, ast.Attribute):
            names = [node.attr]
        else:
            continue
        private += [n for n in names if n.startswith("_") and not n.endswith("__")]
    assert not private, f"{name} uses private names: {private}"
