"""PEPit's SDP handed to Clarabel directly, with the numbers that say how far to trust it.

A performance-estimation problem (PEP) is an SDP in a Gram matrix G ⪰ 0 (inner products of
the points and gradients) and a vector F (function values): maximise a linear objective
subject to linear inequalities and equalities in (G, F). PEPit builds it (the interpolation
conditions of the function class, the initial condition, the performance measure) and then
hands every constraint, one at a time, to a *wrapper*. Its CVXPY wrapper compiles each
constraint into a CVXPY expression, which costs about a second for a ten-step heavy ball on a
two-core machine. :class:`ClarabelWrapper` is a PEPit :class:`~PEPit.wrapper.Wrapper` that
writes the same constraints as the rows of one sparse matrix and calls Clarabel (an
interior-point conic solver, a dependency of CVXPY) itself: the SDP is the same, PEPit still
prepares the constraints and reconstructs the dual proof (``check_feasibility``), and the
solve takes milliseconds.

Clarabel's standard form is min qᵀx s.t. Ax + s = b, s ∈ K. Here x = (svec G, F), with
svec the upper triangle stacked by columns and off-diagonal entries scaled by √2 (an
isometry: ⟨svec A, svec B⟩ = tr AB); a PEPit constraint e(G, F) = aᵀx + c ≤ 0 is the row
(a, −c) of a non-negative cone, an equality that of a zero cone, and G ⪰ 0 the rows
(−I, 0) of a PSD-triangle cone. The objective maximised is PEPit's leaf τ, so q = −e_τ. At
the optimum Aᵀz = −q, i.e.

    τ = −Σᵢ zᵢ cᵢ + Σᵢ zᵢ eᵢ(G, F) − ⟨S, G⟩,    S = smat(z_G) ⪰ 0, zᵢ ≥ 0 (inequalities),

which is exactly the form PEPit checks: its dual values are the zᵢ and its "residual" is S.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from lrtheory.errors import LrtheoryError

SOLVER = "CLARABEL"
"""The conic solver every certificate uses."""

TOLERANCES: dict[str, float] = {"tol_gap_abs": 1e-8, "tol_gap_rel": 1e-8, "tol_feas": 1e-8}
"""Clarabel's stopping tolerances (its defaults are 10⁻⁸; one decade tighter costs a few
interior-point iterations on these small SDPs and leaves the reported gap well below the
10⁻⁶ agreement the cross-checks ask for)."""


@dataclass(frozen=True)
class SolverReport:
    """How the SDP of one certificate was solved, and how exactly.

    ``primal`` is the objective at the solver's (G, F) — a worst-case *example* up to its
    feasibility errors; ``dual`` is the bound PEPit reconstructs from the dual variables
    (the value a certificate reports). ``primal_violation`` is the largest violation of a
    scalar constraint by (G, F) and ``gram_min_eig`` the least eigenvalue of G (≥ 0 up to
    rounding); ``dual_min_eig`` the least eigenvalue of the dual matrix S and
    ``stationarity`` ‖Aᵀz + q‖∞, the coefficients PEPit's proof leaves over.

    ``upper_error`` bounds, to first order, how far the exact optimum can lie above
    ``dual``: Σ|Aᵀz + q|ᵢ|xᵢ| (the proof's leftover coefficients times the solution) plus
    max(0, −λ_min(S))·tr G and the terms of inequality multipliers below 0;
    ``lower_error`` how far below ``primal``: Σ zᵢ·max(0, eᵢ) over violated constraints
    plus max(0, −λ_min(G))·tr S.
    """

    solver: str
    status: str
    iterations: int
    primal: float
    dual: float
    primal_violation: float
    gram_min_eig: float
    dual_min_eig: float
    stationarity: float
    upper_error: float
    lower_error: float
    tol_gap_abs: float
    tol_gap_rel: float
    tol_feas: float

    @property
    def gap(self) -> float:
        """dual − primal: the interval the tight worst case lies in, to the residuals."""
        return self.dual - self.primal

    @property
    def solved(self) -> bool:
        return self.status == "Solved"

    def tolerance(self, scale: float) -> float:
        """How far ``dual`` may be from the SDP's exact optimum v*, for a value of magnitude
        ``scale``: v* ≤ dual + ``upper_error`` and v* ≥ primal − ``lower_error``, so
        |dual − v*| ≤ max(upper_error, gap + lower_error); never below the stopping rule's
        tol_gap_abs + tol_gap_rel·|scale|. The two errors are first-order (each residual
        times the size of the solution it perturbs, the computed solution standing in for
        the exact one), not a rigorous enclosure; on the closed forms checked in the tests
        they bound the actual error in every case."""
        return max(self.tol_gap_abs + self.tol_gap_rel * abs(scale), self.upper_error,
                   self.gap + self.lower_error)

    def to_dict(self) -> dict[str, Any]:
        return {"solver": self.solver, "status": self.status, "iterations": self.iterations,
                "primal": self.primal, "dual": self.dual, "gap": self.gap,
                "primal_violation": self.primal_violation, "gram_min_eig": self.gram_min_eig,
                "dual_min_eig": self.dual_min_eig, "stationarity": self.stationarity,
                "upper_error": self.upper_error, "lower_error": self.lower_error,
                "tol_gap_abs": self.tol_gap_abs, "tol_gap_rel": self.tol_gap_rel,
                "tol_feas": self.tol_feas}


def _svec_index(i: int, j: int) -> int:
    """Position of G_ij (i ≤ j) in svec G: the upper triangle stacked by columns."""
    return j * (j + 1) // 2 + i


def _smat(v: np.ndarray, size: int) -> np.ndarray:
    """The symmetric matrix whose svec is ``v`` (off-diagonal entries divided by √2)."""
    out = np.zeros((size, size))
    for j in range(size):
        for i in range(j + 1):
            value = v[_svec_index(i, j)]
            if i == j:
                out[i, i] = value
            else:
                out[i, j] = out[j, i] = value / math.sqrt(2.0)
    return out


def _conic_rows(rows: list[tuple[dict[int, float], float]], n_gram: int,
                n_var: int) -> tuple[Any, np.ndarray]:
    """A and b of the constraints Ax + s = b: one row (a, −c) per PEPit constraint aᵀx + c,
    then the rows (−I, 0) that put svec G in the PSD cone."""
    import scipy.sparse as sps

    r_idx: list[int] = []
    c_idx: list[int] = []
    vals: list[float] = []
    b = [-const for _, const in rows] + [0.0] * n_gram
    for k, (row, _) in enumerate(rows):
        r_idx += [k] * len(row)
        c_idx += list(row)
        vals += list(row.values())
    m = len(rows)
    r_idx += list(range(m, m + n_gram))
    c_idx += list(range(n_gram))
    vals += [-1.0] * n_gram
    A = sps.csc_matrix((vals, (r_idx, c_idx)), shape=(m + n_gram, n_var))
    return A, np.asarray(b)


def _accuracy(A: Any, b: np.ndarray, q: np.ndarray, x: np.ndarray, z: np.ndarray, m: int,
              n_eq: int, gram: np.ndarray, dual_gram: np.ndarray) -> tuple[float, ...]:
    """(primal_violation, gram_min_eig, dual_min_eig, stationarity, upper_error,
    lower_error) of a solution (see :class:`SolverReport`): each residual, weighted by the
    solution it perturbs."""
    slack = A[:m] @ x - b[:m]  # e_i(G, F): ≤ 0 for inequalities, = 0 for equalities
    eq, ineq, z_eq, z_ineq = slack[:n_eq], slack[n_eq:], z[:n_eq], z[n_eq:m]
    leftover = A.T @ z + q  # PEPit's proof leaves these coefficients over
    gram_min = float(np.linalg.eigvalsh(gram)[0])
    dual_min = float(np.linalg.eigvalsh(dual_gram)[0])
    upper = (float(np.abs(leftover) @ np.abs(x)) + max(0.0, -dual_min) * float(np.trace(gram))
             + float(np.maximum(0.0, -z_ineq) @ np.abs(ineq)))
    lower = (float(np.maximum(0.0, z_ineq) @ np.maximum(0.0, ineq))
             + float(np.abs(z_eq) @ np.abs(eq))
             + max(0.0, -gram_min) * float(np.trace(dual_gram)))
    violation = max(0.0, float(np.max(ineq, initial=0.0)), float(np.max(np.abs(eq),
                                                                        initial=0.0)))
    return (violation, gram_min, dual_min, float(np.max(np.abs(leftover))), upper, lower)


def make_wrapper_class() -> type[Any]:
    """The wrapper class, built on first use (PEPit and Clarabel are an optional extra)."""
    import clarabel
    import scipy.sparse as sps
    from PEPit.constraint import Constraint
    from PEPit.expression import Expression
    from PEPit.point import Point
    from PEPit.tools.expressions_to_matrices import expression_to_sparse_matrices
    from PEPit.wrapper import Wrapper

    class ClarabelWrapper(Wrapper):  # type: ignore[misc]  # PEPit is untyped
        """PEPit → Clarabel: one sparse constraint matrix, one solve (see the module)."""

        def __init__(self, verbose: int = 0) -> None:
            super().__init__(verbose=verbose)
            self.solver_name = SOLVER
            self._rows: list[tuple[str, dict[int, float], float]] = []
            self._n_gram = 0
            self._n_values = 0
            self._objective_index = -1
            self.report: SolverReport | None = None

        def set_main_variables(self) -> None:
            self._n_gram = Point.counter * (Point.counter + 1) // 2
            self._n_values = Expression.counter

        def check_license(self) -> bool:
            return True

        def _row(self, expression: Any) -> tuple[dict[int, float], float]:
            """aᵀx + c of an expression, x = (svec G, F): a as {column: coefficient}."""
            gi, gj, gval, find, fval, const = expression_to_sparse_matrices(expression)
            row: dict[int, float] = {}
            for i, j, w in zip(gi, gj, gval, strict=True):  # i ≥ j; w = (W_ij + W_ji)/2
                col = _svec_index(int(j), int(i))
                row[col] = row.get(col, 0.0) + (float(w) if i == j else math.sqrt(2.0) * w)
            for k, w in zip(find, fval, strict=True):
                col = self._n_gram + int(k)
                row[col] = row.get(col, 0.0) + float(w)
            return row, float(const)

        def send_constraint_to_solver(self, constraint: Any) -> None:
            if not isinstance(constraint, Constraint):
                raise TypeError(f"a PEPit Constraint was expected, got {type(constraint)}")
            kind = constraint.equality_or_inequality
            if kind not in ("equality", "inequality"):
                raise ValueError(f"constraint kind {kind!r}")
            self._list_of_constraints_sent_to_solver.append(constraint)
            self._rows.append((kind, *self._row(constraint.expression)))

        def send_lmi_constraint_to_solver(self, psd_matrix: Any) -> None:
            raise NotImplementedError("the function classes certified here need no LMI")

        def generate_problem(self, objective: Any) -> None:
            self.objective = objective
            row, _ = self._row(objective)
            if len(row) != 1:  # PEPit's objective is one leaf value τ
                raise ValueError("expected PEPit's leaf objective")
            self._objective_index = next(iter(row))

        def solve(self, **kwargs: Any) -> tuple[str, str, float | None]:
            order = sorted(range(len(self._rows)), key=lambda k: self._rows[k][0] != "equality")
            n_eq = sum(kind == "equality" for kind, _, _ in self._rows)
            n_var = self._n_gram + self._n_values
            A, b = _conic_rows([self._rows[k][1:] for k in order], self._n_gram, n_var)
            q = np.zeros(n_var)
            q[self._objective_index] = -1.0
            m = len(order)
            cones = [clarabel.ZeroConeT(n_eq), clarabel.NonnegativeConeT(m - n_eq),
                     clarabel.PSDTriangleConeT(Point.counter)]
            settings = clarabel.DefaultSettings()
            settings.verbose = self.verbose > 1
            for key, value in TOLERANCES.items():
                setattr(settings, key, value)
            sol = clarabel.DefaultSolver(sps.csc_matrix((n_var, n_var)), q, A, b, cones,
                                         settings).solve()
            status = str(sol.status)
            if status not in ACCEPTED:
                # No optimum to report (PEPit then stops and returns None): +∞ when the
                # PEP is unbounded (its dual infeasible), NaN when the solver failed.
                unbounded = status in ("DualInfeasible", "AlmostDualInfeasible")
                nan = math.nan
                self.report = SolverReport(
                    SOLVER, status, int(sol.iterations), math.inf if unbounded else nan,
                    dual=nan, primal_violation=nan, gram_min_eig=nan, dual_min_eig=nan,
                    stationarity=nan, upper_error=nan, lower_error=nan, **TOLERANCES)
                return status, SOLVER, None
            x, z = np.asarray(sol.x), np.asarray(sol.z)
            self.optimal_G = _smat(x[:self._n_gram], Point.counter)
            self.optimal_F = x[self._n_gram:]
            dual_gram = _smat(z[m:], Point.counter)
            # PEPit's order: the dual of G ⪰ 0, then one value per constraint as sent.
            row_of = {k: r for r, k in enumerate(order)}
            self._duals: list[Any] = [dual_gram, *(float(z[row_of[k]])
                                                   for k in range(len(self._rows)))]
            tau = float(x[self._objective_index])
            self.report = SolverReport(
                SOLVER, status, int(sol.iterations), tau, math.nan,
                *_accuracy(A, b, q, x, z, m, n_eq, self.optimal_G, dual_gram), **TOLERANCES)
            return status, SOLVER, tau

        def _recover_dual_values(self) -> tuple[list[Any], Any]:
            return self._duals, self._duals[0]

        def prepare_heuristic(self, wc_value: float, tol_dimension_reduction: float) -> None:
            raise NotImplementedError("dimension reduction is not used")

        def heuristic(self, weight: Any) -> None:
            raise NotImplementedError("dimension reduction is not used")

    return ClarabelWrapper


ACCEPTED = ("Solved", "AlmostSolved")
"""Clarabel statuses with a solution: ``AlmostSolved`` met its reduced tolerances (10⁻⁴..10⁻⁵
relative), which ``SolverReport.tolerance`` then reflects through the residuals."""

WRAPPER_NAME = "lrtheory_clarabel"
"""The key under which :class:`ClarabelWrapper` is registered in PEPit's table of wrappers."""


def solve(problem: Any) -> SolverReport:
    """Solve a PEPit problem with Clarabel; PEPit reconstructs the dual bound.

    The wrapper is registered in PEPit's table of wrappers (``PEPit.wrappers.WRAPPERS``, the
    extension point PEP.solve reads) and ``PEP.solve`` runs as usual: it prepares the
    constraints, calls the wrapper and checks primal and dual feasibility.
    ``safe_mode=False`` only skips PEPit's search for a Python package named after the
    wrapper (and its licence check), which this one does not need. Returns the wrapper's
    report with ``dual`` (the value PEPit returns) filled in: +∞ if the PEP is unbounded
    (no finite worst case); LrtheoryError if the solver fails.
    """
    from PEPit.wrappers import WRAPPERS

    WRAPPERS.setdefault(WRAPPER_NAME, _wrapper_class())
    dual = problem.solve(wrapper=WRAPPER_NAME, safe_mode=False, verbose=0)
    report: SolverReport = problem.wrapper.report
    if dual is None and math.isnan(report.primal):
        raise LrtheoryError(f"the SDP solver stopped with status {report.status}")
    return replace(report, dual=math.inf if dual is None else float(dual))


_CLASS: list[type[Any]] = []


def _wrapper_class() -> type[Any]:
    if not _CLASS:
        _CLASS.append(make_wrapper_class())
    return _CLASS[0]
