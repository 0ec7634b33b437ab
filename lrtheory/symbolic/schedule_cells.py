"""A schedule on one *cell* of its pieces, for every cycle k at once.

A schedule that jumps or kinks (step decay, SGDR warm restarts, the cyclical schedules) is
smooth on cells: stage k of step decay is t ∈ [ks, (k + 1)s), SGDR's cycle k is
t ∈ [T₀((1 + μ)^k − 1)/μ, T₀((1 + μ)^{k+1} − 1)/μ). Writing t = start(k) + L(k)·u with
0 < u < 1 turns the schedule's formula, full of ⌊·⌋, |·|, max and min of t, into a formula
in u and a *symbolic* cycle index k:

* :func:`on_cell` resolves every ⌊x⌋, |x|, max(x, y), min(x, y) on the open cell 0 < u < 1
  — by monotonicity of x in u and its values at the ends, a proof rather than a sample;
* :func:`cell_integrals`: ∫η dt and ∫η² dt over the cell, L∫₀¹η(u) du and L∫₀¹η(u)² du;
* :func:`cell_sums`: Σ_j η_{start+j} and Σ_j η²_{start+j} over the L integer steps of the cell
  (start and L integers), η_{start+j} = η(u = j/L), in closed form.

Summed over k = 0 … K − 1 (:func:`lrtheory.symbolic.series.finite_sum`) they give the
schedule's integrals and SGD sums over K whole cycles; compared with a published formula on
the same cell they prove the schedule is that formula on every cycle.
"""

from __future__ import annotations

from functools import cache

import sympy as sp

from lrtheory.errors import ParameterError
from lrtheory.models.decay_product import schedule_sum
from lrtheory.schedules import integrals

_KINDS = (sp.floor, sp.Abs, sp.Max, sp.Min)


def _check(name: str, value: object, symbol: bool = False) -> None:
    """A ParameterError unless ``value`` is a SymPy expression (a symbol if ``symbol``)."""
    if symbol and not isinstance(value, sp.Symbol):
        raise ParameterError(name, value, "a SymPy symbol (the position 0 < u < 1 in the cell)")
    if not isinstance(value, sp.Expr):
        raise ParameterError(name, value, "a SymPy expression")


def _check_length(length: object, u: sp.Symbol) -> None:
    _check("length", length)
    assert isinstance(length, sp.Expr)
    if length.has(u) or length.is_positive is False:
        raise ParameterError("length", length, f"a cell length > 0, free of {u}")


def on_cell(expr: sp.Expr, u: sp.Symbol) -> sp.Expr:
    """``expr`` on the open cell 0 < u < 1 with every ⌊x⌋, |x|, max(x, y), min(x, y) that
    depends on u replaced by its form there, innermost first (x mod y is x − y⌊x/y⌋).

    Each argument x must be monotone in u (dx/du of one sign on the cell, decided by SymPy
    with u = 1/(1 + w), w > 0) and its values at the ends must settle the question:

    * ⌊x⌋ = n with n = ⌊x(0)⌋ (x increasing; x(1) if decreasing) when x(1) ≤ n + 1,
      i.e. x runs through (n, n + 1) at most;
    * |x| = ±x when x(0) and x(1) have the same sign;
    * max(a, b), min(a, b) by the sign of a − b at both ends.

    Anything SymPy cannot decide raises :class:`~lrtheory.errors.ParameterError` naming
    ``expr``: the resolution is a proof, not a numerical guess."""
    _check("expr", expr)
    _check("u", u, symbol=True)
    expr = expr.replace(lambda e: isinstance(e, sp.Mod) and e.has(u),
                        lambda e: e.args[0] - e.args[1] * sp.floor(e.args[0] / e.args[1]))
    while True:
        todo = [a for a in expr.atoms(*_KINDS)
                if a.has(u) and not any(b.has(u) for arg in a.args for b in arg.atoms(*_KINDS))]
        if not todo:
            return expr
        expr = expr.xreplace({a: _resolve(a, u) for a in todo})


def _undecided(atom: sp.Expr, why: str) -> ParameterError:
    return ParameterError("expr", atom, f"a formula resolvable on 0 < u < 1 ({why})")


def _holds(expr: sp.Expr, prop: str) -> bool:
    """Whether SymPy can show ``expr`` has ``prop`` (``"is_positive"`` …): on the form given,
    then after ``simplify`` (slow, so only when the cheap form leaves it open)."""
    value = getattr(expr, prop)
    if value is None:
        value = getattr(sp.simplify(expr), prop)
    return bool(value)


@cache
def _ends(x: sp.Expr, u: sp.Symbol) -> tuple[sp.Expr, sp.Expr, int]:
    """(x(0), x(1), sign of dx/du on (0, 1)), the ends with logarithms expanded."""
    def at(v: int) -> sp.Expr:
        return sp.expand(sp.expand_log(sp.factor(x.subs(u, v), deep=True), force=True))

    # u ∈ (0, 1) as u = 1/(1 + w), w > 0, so that SymPy's sign logic sees the whole cell;
    # expanded first, so that sums such as ((1 + μ)^k − 1) + 1 cancel.
    on = sp.diff(sp.expand(x), u).subs(u, 1 / (1 + sp.Dummy("w", positive=True)))
    for sign, prop in ((1, "is_positive"), (-1, "is_negative")):
        if _holds(on, prop):
            return at(0), at(1), sign
    raise _undecided(x, "cannot decide the sign of its derivative in u")


def _resolve(atom: sp.Expr, u: sp.Symbol) -> sp.Expr:
    if isinstance(atom, sp.floor):
        x0, x1, sign = _ends(atom.args[0], u)
        low, high = (x0, x1) if sign >= 0 else (x1, x0)
        # x runs through (low, high) on the open cell: ⌊x⌋ = ⌊low⌋ iff high ≤ ⌊low⌋ + 1.
        n = sp.floor(low)
        if not n.has(sp.floor) and _holds(high - n - 1, "is_nonpositive"):
            return n
        raise _undecided(atom, "⌊·⌋ not constant on 0 < u < 1")
    if isinstance(atom, sp.Abs):
        x0, x1, _ = _ends(atom.args[0], u)
        if _holds(x0, "is_nonnegative") and _holds(x1, "is_nonnegative"):
            return atom.args[0]
        if _holds(x0, "is_nonpositive") and _holds(x1, "is_nonpositive"):
            return -atom.args[0]
        raise _undecided(atom, "|·| changes sign on 0 < u < 1")
    if len(atom.args) != 2:
        raise _undecided(atom, "only max/min of two arguments are resolved")
    a, b = atom.args
    d0, d1, _ = _ends(a - b, u)
    first_wins = isinstance(atom, sp.Max)
    if _holds(d0, "is_nonnegative") and _holds(d1, "is_nonnegative"):
        return a if first_wins else b
    if _holds(d0, "is_nonpositive") and _holds(d1, "is_nonpositive"):
        return b if first_wins else a
    raise _undecided(atom, "max/min switches argument on 0 < u < 1")


def cell_integrals(rate: sp.Expr, u: sp.Symbol, length: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """(∫η dt, ∫η² dt) over one cell t = start + L·u, 0 < u < 1, with η there given as
    ``rate`` in u (:func:`on_cell`, no ⌊·⌋ left): L∫₀¹η du and L∫₀¹η² du, by
    :func:`lrtheory.schedules.integrals` (the jumps lie at the cell's ends)."""
    _check("rate", rate)
    _check("u", u, symbol=True)
    _check_length(length, u)
    first, second = _unit_integrals(rate, u)
    return sp.expand(length * first), sp.expand(length * second)


@cache
def _unit_integrals(rate: sp.Expr, u: sp.Symbol) -> tuple[sp.Expr, sp.Expr]:
    """(∫₀¹η du, ∫₀¹η² du), cached: the same cell recurs (the claims' cells, the tests)."""
    return integrals(lambda x: rate.subs(u, x), u, sp.Integer(1))


def cell_sums(rate: sp.Expr, u: sp.Symbol, length: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """(Σ η, Σ η²) over the L integer steps t = start + j, j = 0 … L − 1, of one cell whose
    start and length L are integers: η_{start+j} = η(u = j/L) from ``rate`` in u, the value
    at j = 0 being the limit u → 0⁺ (schedules are right-continuous at their jumps), i.e.

        Σ_{j=0}^{L−1} η(j/L),    Σ_{j=0}^{L−1} η(j/L)²,

    in closed form by :func:`lrtheory.models.decay_product.schedule_sum` (cosines as
    exponentials) for a symbolic L, then L = ``length``. The geometric sums take their
    generic branch, so a cos(πu)² (ratio e^{2πi/L}) needs L ≥ 2: one-step cells are not
    covered."""
    _check("rate", rate)
    _check("u", u, symbol=True)
    _check_length(length, u)
    steps, (first, second) = _unit_sums(rate, u)
    return sp.expand(first.subs(steps, length)), sp.expand(second.subs(steps, length))


#: The number of steps L of a cell while it is summed (then replaced by the cell's length).
_STEPS = sp.Dummy("L", integer=True, positive=True)


@cache
def _unit_sums(rate: sp.Expr, u: sp.Symbol) -> tuple[sp.Dummy, tuple[sp.Expr, sp.Expr]]:
    """(L, (Σ_{j<L} η(j/L), Σ_{j<L} η(j/L)²)) for a symbolic number of steps L, term by term:
    Σ_j c·f(j/L) = c·Σ_j f(j/L) for each term c·f(u) of the expanded η and η², each Σ_j f
    summed once (:func:`_factor_sum`: 1, u, u², cos(πu), cos(πu)² recur from cell to cell)."""
    def total(expr: sp.Expr) -> sp.Expr:
        out = sp.Integer(0)
        for term in sp.Add.make_args(sp.expand(expr)):
            coeff, factor = term.as_independent(u, as_Add=False)
            out += coeff * _factor_sum(factor, u)
        return out

    return _STEPS, (total(rate), total(rate**2))


@cache
def _factor_sum(factor: sp.Expr, u: sp.Symbol) -> sp.Expr:
    """Σ_{j=0}^{L−1} f(j/L) by :func:`lrtheory.models.decay_product.schedule_sum`."""
    return schedule_sum(lambda j: factor.subs(u, j / _STEPS), _STEPS)
