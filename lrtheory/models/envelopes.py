"""Theory envelopes for approximation rows: what an approximate closed form may be off by.

An approximate :class:`~lrtheory.claim.ModelCheck` row either claims a relative error at
most ``bound`` (an envelope fixed by the theory, never by the error observed) or documents a
breakdown. :func:`envelope_check` builds the row from an envelope with the one rule the
claims share: the approximation is held to its envelope where the envelope is below 1 (a
closed form off by a factor 2, or of the wrong sign, is then refuted); where the theory's
own envelope reaches 100 % the approximation is outside its domain and the row is measured
only, with the reason.
"""

from __future__ import annotations

import math

from lrtheory.claim import ModelCheck
from lrtheory.errors import ParameterError


def envelope_check(name: str, closed: float, model: float, envelope: float, reason: str, *,
                   rounding: float = 0.0, beyond: str = "", inside: bool = True,
                   tolerance: float = 0.0,
                   tolerance_reason: str = "approximation") -> ModelCheck:
    """An approximation row held to ``envelope`` (+ ``rounding``, the float64 allowance,
    relative) where ``envelope`` < 1 and the point is ``inside`` the approximation's domain
    as the claim states it, else a breakdown row saying ``beyond`` (default: the envelope's
    value). ``reason`` says where the envelope comes from."""
    if not (envelope >= 0.0 and rounding >= 0.0):
        raise ParameterError("envelope", envelope, "a non-negative relative error (and "
                             "rounding ≥ 0)")
    if envelope < 1.0 and inside:
        return ModelCheck(name, closed, model, tolerance, tolerance_reason, exact=False,
                          bound=max(envelope + rounding, math.ulp(1.0)), bound_reason=reason)
    why = beyond or f"outside the approximation's domain: its own envelope ({reason}) is " \
                    f"{envelope:.3g} ≥ 100 %"
    return ModelCheck(name, closed, model, tolerance, tolerance_reason, exact=False,
                      breakdown=why)


__all__: list[str] = ["envelope_check"]
