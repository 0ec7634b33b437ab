"""Error bounds for ``scipy.integrate.solve_ivp`` solutions: the tolerance of ODE checks."""

from __future__ import annotations

import math

from lrtheory.errors import check_int, check_positive, check_real, finite_result


@finite_result
def dop853_error_bound(n_steps: int, dim: int, rtol: float, atol: float, y_max: float,
                       growth: float = 0.0, horizon: float = 0.0) -> float:
    """A bound on ‖y_num(t) − y(t)‖₂ after ``n_steps`` accepted DOP853 steps.

    The controller accepts a step only when the RMS over the d components of
    err_i/(atol + rtol|y_i|) is ≤ 1, so each component's local error estimate is at most
    √d (atol + rtol·y_max) and the step's error vector at most d (atol + rtol·y_max) in the
    2-norm. The flow carries local errors to t, amplifying them by at most exp(ℓ⁺ t), where
    ℓ⁺ = ``growth`` ≥ 0 bounds the one-sided Lipschitz constant along the solution (0 for a
    contractive ODE). Hence the bound n_steps · d (atol + rtol·y_max) · exp(ℓ⁺ t). DOP853
    propagates its 8th-order solution, whose true local error lies below the estimate.
    """
    check_int("n_steps", n_steps, 0)
    check_int("dim", dim, 1)
    check_positive("rtol", rtol)
    check_positive("atol", atol)
    check_real("y_max", y_max, 0.0, lo_open=False)
    check_real("growth", growth, 0.0, lo_open=False)
    check_real("horizon", horizon, 0.0, lo_open=False)
    return n_steps * dim * (atol + rtol * y_max) * math.exp(growth * horizon)
