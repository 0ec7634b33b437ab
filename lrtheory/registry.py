"""Every claim, discovered from the family modules in :mod:`lrtheory.claims`.

A family module exports ``CLAIMS: tuple[Claim, ...]``; nothing needs registering by hand.
Claims are ordered by family (S, N, M, D, H, G as in the catalog) and then by number.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from functools import cache

from lrtheory import claims as _claims_pkg
from lrtheory.claim import FAMILIES, Claim
from lrtheory.errors import UnknownNameError

_ID = re.compile(r"^([A-Z])(\d+)$")


def _sort_key(claim: Claim) -> tuple[int, int]:
    m = _ID.match(claim.id)
    if m is None:
        raise ValueError(f"claim ID {claim.id!r} is not a family letter and a number")
    return (list(FAMILIES).index(m.group(1)), int(m.group(2)))


@cache
def all_claims() -> tuple[Claim, ...]:
    """Every registered claim in catalog order. IDs and slugs are checked to be unique."""
    found: list[Claim] = []
    for info in pkgutil.iter_modules(_claims_pkg.__path__):
        module = importlib.import_module(f"{_claims_pkg.__name__}.{info.name}")
        found.extend(getattr(module, "CLAIMS", ()))
    ids = [c.id for c in found] + [c.slug for c in found]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise ValueError(f"duplicate claim IDs or slugs: {sorted(dupes)}")
    return tuple(sorted(found, key=_sort_key))


def get(name: str) -> Claim:
    """A claim by ID (``S1``) or slug (``gd-stability``), case-insensitive for the ID."""
    for c in all_claims():
        if name.upper() == c.id or name == c.slug:
            return c
    raise UnknownNameError("claim", name, [c.id for c in all_claims()])


def select(names: list[str] | None = None) -> tuple[Claim, ...]:
    """The claims named (IDs, slugs or family letters such as ``S``); all when none are."""
    if not names:
        return all_claims()
    chosen: list[Claim] = []
    for name in names:
        family = [c for c in all_claims() if len(name) == 1 and c.family == name.upper()]
        for c in family or [get(name)]:
            if c not in chosen:
                chosen.append(c)
    return tuple(chosen)


def is_registered(claim: Claim) -> bool:
    """Whether ``claim`` is the registered claim of its ID (so it can be pickled by ID)."""
    return any(c is claim for c in all_claims())
