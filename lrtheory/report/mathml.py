"""SymPy objects as presentation MathML (rendered natively by browsers, no script or network)."""

from __future__ import annotations

import re

import sympy as sp
from sympy.printing.mathml import mathml

_BRACED = re.compile(r"<mi>\{([^<]*)\}</mi>")
_HYPHEN = "<mo>-</mo>"
_MINUS = "<mo>\u2212</mo>"
_NS = "http://www.w3.org/1998/Math/MathML"


def to_mathml(expr: sp.Basic, display: bool = True) -> str:
    """A complete ``<math>`` element for ``expr`` (SymPy's presentation printer).

    LaTeX-style braces in symbol names (``e_{t+1}``) are dropped from the printed identifiers,
    and the printer's hyphen-minus operator becomes the minus sign U+2212 (as typeset maths has).
    """
    body = _BRACED.sub(r"<mi>\1</mi>", mathml(expr, printer="presentation"))
    body = body.replace(_HYPHEN, _MINUS).replace("<mn>-", "<mn>\u2212")
    mode = "block" if display else "inline"
    return f'<math xmlns="{_NS}" display="{mode}">{body}</math>'
