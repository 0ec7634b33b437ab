from __future__ import annotations

import pytest

from lrtheory import registry
from lrtheory.errors import UnknownNameError


def test_lookup_by_id_slug_and_family() -> None:
    assert registry.get("S1") is registry.get("gd-stability") is registry.get("s1")
    assert all(c.family == "S" for c in registry.select(["S"]))
    assert registry.select([]) == registry.all_claims()


def test_unknown_claim_names_the_known_ones() -> None:
    with pytest.raises(UnknownNameError, match=r"unknown claim 'Z9'; choose one of: S1\b"):
        registry.get("Z9")


def test_catalog_order() -> None:
    order = "SNMDHG"
    keys = [(order.index(c.family), int(c.id[1:])) for c in registry.all_claims()]
    assert keys == sorted(keys)
