"""The per-direction GD map and its factor, derived with SymPy from the loss λe²/2."""

from __future__ import annotations

import sympy as sp

from lrtheory.symbolic.linear import direction_factor, gd_direction, stable_interval


def test_gd_direction_derives_loss_update_and_factor() -> None:
    eta, lam = sp.symbols("eta lambda", positive=True)
    d = gd_direction(eta, lam)
    e = d.error
    assert sp.diff(d.loss, e, 2) == lam  # curvature λ, minimum at e = 0
    assert d.loss.subs(e, 0) == 0
    assert sp.expand(d.update - (e - eta * lam * e)) == 0
    assert sp.expand(d.factor - (1 - eta * lam)) == 0
    # The factor is the update's slope, and the map is linear: e_{t+1} = q·e_t.
    assert sp.expand(d.update - d.factor * e) == 0


def test_direction_factor_iterates_to_the_recursion_and_gives_the_stable_set() -> None:
    eta, lam = sp.symbols("eta lambda", positive=True)
    q = direction_factor(eta, lam)
    assert q == gd_direction(eta, lam).factor
    # Brute force: iterate the update with exact rationals and compare with q^t·e₀.
    d = gd_direction(eta, lam)
    values = {eta: sp.Rational(3, 7), lam: sp.Rational(5, 2)}
    x = sp.Rational(1, 3)
    for _ in range(6):
        x = d.update.subs({**values, d.error: x})
    assert x == q.subs(values) ** 6 * sp.Rational(1, 3)
    assert stable_interval(q, eta) == sp.Interval.open(0, 2 / lam)
    # Any curvature expression works, e.g. a block's top eigenvalue scaled by a rate 2f/Λ.
    f, top = sp.symbols("f Lambda", positive=True)
    assert sp.simplify(direction_factor(2 * f / top, top) - (1 - 2 * f)) == 0
