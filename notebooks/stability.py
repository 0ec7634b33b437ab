# ---
# jupyter:
#   jupytext:
#     formats: py:percent,ipynb
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Stability and curvature (family S)
#
# Gradient descent on a quadratic ½eᵀHe multiplies the error along each eigenvector of H by
# 1 − ηλ per step. Almost everything in this family follows from that one factor: the bound
# η < 2/λ_max, why rescaling a feature can make a good learning rate diverge, why saddles
# are escaped, why GD is forward Euler with Euler's stiffness problem, what layer-wise rates
# buy, and how curvature-adaptive rules fail.
#
# Each section below takes one claim of lrtheory's catalog and puts three things side by
# side: the claim and the source's own words (read from the claim object, not retyped), the
# closed form as lrtheory's SymPy derivation produces it, and the exact numerical model the
# verification engine runs (the same functions), with a figure you can redraw.
#
# | section | claim |
# |---|---|
# | 1 | S1 — gradient descent is stable iff 0 < η < 2/λ_max |
# | 2 | S2 — feature scaling moves λ_max; preconditioning moves it back |
# | 3 | S3 — negative curvature: no learning rate converges; saddles are escaped |
# | 4 | S4 — gradient descent is forward Euler on the gradient flow |
# | 5 | S6 — layer-wise rates are never slower than one global rate |
# | 6 | S7 — η_t = 2s/λ̂ from power iteration, through a curvature spike |
# | 7 | S8 — the gradient-ratio rollback rule and its blind spot |
# | 8 | verification of S8 by the engine |
#
# The claims not explored here (S5, the range-test slope; S9, error correction and tracking;
# any added later) are listed by the registry below; `lrtheory show ID` prints each one.
#
# **How to use it.** Run the cells top to bottom. Each section has a *parameters* cell:
# edit the constants and re-run the section. Where `ipywidgets` is installed the figure
# comes with sliders; otherwise the figure is drawn once from the parameters cell.

# %%
import itertools
import math
import time
from io import BytesIO

import matplotlib.pyplot as plt
import numpy as np
import sympy as sp
from IPython.display import Image, Markdown, Math, display
from scipy.integrate import solve_ivp
from scipy.linalg import block_diag

from lrtheory import Settings, registry, verify
from lrtheory.models import least_squares as ls
from lrtheory.models.block_quadratic import BlockLaw, block_factors, block_rates, worst_case_rate
from lrtheory.models.convergence import geometric_steps, steps_to_tolerance
from lrtheory.models.flow import (
    double_well_loss,
    error_sequence,
    flow_field,
    halving,
)
from lrtheory.models.gradient_ratio import (
    gd_gradient_ratios,
    gradient_ratio,
    limiting_ratio,
    rule_outcome,
    run_rollback_rule,
)
from lrtheory.models.power_iteration import (
    Spike,
    adaptive_paths,
    failure_asymptote,
    failure_probability,
    power_iteration,
    relative_error,
)
from lrtheory.models.quadratic import gd_growth_rate, spd_matrix
from lrtheory.models.range_test import diagonal_hvp
from lrtheory.models.saddle_escape import escape_steps, rotated_saddle
from lrtheory.models.worst_case import sup_norm
from lrtheory.montecarlo.stats import wilson_interval
from lrtheory.optimizers import gradient_step
from lrtheory.plotting import new_figure
from lrtheory.symbolic import least_squares as sls

try:
    from ipywidgets import FloatSlider, IntSlider, interact
except ImportError:  # plain cells: edit the parameters and re-run
    interact = None

STARTED = time.perf_counter(), time.process_time()


def show_claim(claim):
    """The claim's title, statement and the source's own words, as the catalog holds them."""
    lines = [f"### {claim.id} — {claim.title}", "", f"**Statement.** {claim.statement}", ""]
    for src in claim.sources:
        lines += [f"*Source {src.seed}, “{src.section}”:*", ""]
        lines += ["> " + line for line in src.quote.splitlines()] + [""]
    display(Markdown("\n".join(lines)))


def show_steps(derivation, *names):
    """The derivation steps whose names start with ``names``, as SymPy renders them."""
    for name in names:
        step = next(s for s in derivation.steps if s.name.startswith(name))
        note = f" — *{step.note}*" if step.note else ""
        display(Markdown(f"**{step.name}**{note}"))
        display(Math(sp.latex(step.expr)))


def step_expr(derivation, name):
    """The SymPy object of one derivation step (an equation's right-hand side)."""
    expr = next(s for s in derivation.steps if s.name.startswith(name)).expr
    return expr.rhs if isinstance(expr, sp.Eq) else expr


def show(fig):
    """Display a figure as a PNG (the package style draws on the Agg backend) and free it."""
    buf = BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    display(Image(buf.getvalue()))


# %% [markdown]
# The family as the registry holds it now (claims may be added after this notebook was
# written; `lrtheory show ID` prints any of them):

# %%
EXPLORED = ("S1", "S2", "S3", "S4", "S6", "S7", "S8")
rows = [f"| {c.id} | {c.title} | {'yes' if c.id in EXPLORED else 'no'} |"
        for c in registry.select(["S"])]
display(Markdown("\n".join(["| ID | title | explored here |", "|---|---|---|", *rows])))

# %% [markdown]
# ## 1. S1 — the stability bound 2/λ_max
#
# The claim, its source, and the derivation: the per-direction factor, the set of stable η,
# why λ_max is the binding eigenvalue, and the best fixed rate with its contraction.

# %%
S1 = registry.get("S1")
show_claim(S1)
d1 = S1.derive()
show_steps(d1, "per-direction factor", "stable set", "d(bound)/dλ", "minimax η",
           "rate with κ")

# %% [markdown]
# **Model beside the closed form.** `gd_growth_rate` runs GD on *every* initial error at
# once (E ← E − ηHE from E₀ = I) and returns the worst-case growth per step,
# (‖E_t‖₂)^{1/t}. The closed form says it is ρ(I − ηH) = max_i |1 − ηλ_i|. Left: the
# per-direction factors |1 − ηλ_i| (grey), their maximum, and the measured contraction
# (dots). Right: ‖e_t‖ of GD (`lrtheory.optimizers.gradient_step`) from one random start at
# the chosen η, against the envelope ρ^t.

# %%
# parameters
S1_D = 20  # dimension
S1_KAPPA = 30.0  # condition number λ_max/λ_min
S1_LAM_MAX = 1.0
S1_ETA_FRAC = 0.98  # η as a fraction of 2/λ_max
S1_SEED = 2  # matrix seed (the claim's boundary point uses d = 20, κ = 30, seed 2)


def draw_s1(kappa=S1_KAPPA, d=S1_D, eta_frac=S1_ETA_FRAC):
    h = spd_matrix(d, S1_LAM_MAX / kappa, S1_LAM_MAX, S1_SEED)
    lam = np.linalg.eigvalsh(h)
    lo, hi = lam[0], lam[-1]
    fig, (left, right) = new_figure(2, width=11.0)
    x = np.linspace(0.005, 1.2, 400)  # η·λ_max / 2
    eta = x * 2 / hi
    factors = np.abs(1 - np.outer(eta, lam))
    left.plot(2 * x, factors, color="grey", lw=0.4, alpha=0.5)
    left.plot(2 * x, factors.max(axis=1), color="C0", label="ρ(I − ηH) = max|1 − ηλ_i|")
    grid = np.linspace(0.05, 1.15, 15) * 2 / hi
    left.plot(grid * hi, [gd_growth_rate(h, e, 64) for e in grid], "o", ms=4, color="C1",
              label="measured worst-case growth (64 steps)")
    left.axhline(1, color="k", lw=0.6)
    left.axvline(2, color="C3", ls="--", label="η = 2/λ_max")
    left.axvline(2 * hi / (lo + hi), color="C2", ls=":", label="η* = 2/(λ_min + λ_max)")
    left.axvline(2 * eta_frac, color="C4", lw=2, alpha=0.4, label="η of the right panel")
    left.set(xlabel="η·λ_max (dimensionless)", ylabel="growth factor per step",
             title=f"GD on a random quadratic, d = {d}, κ = {hi / lo:.3g}", ylim=(0, 1.6))
    left.legend(fontsize=7)
    eta_r = eta_frac * 2 / hi
    e = np.random.default_rng(0).normal(size=d)
    norms = [np.linalg.norm(e)]
    for _ in range(200):
        e = gradient_step(e, h @ e, eta_r)
        norms.append(np.linalg.norm(e))
    rho = np.max(np.abs(1 - eta_r * lam))
    t = np.arange(len(norms))
    right.semilogy(t, norms, color="C0", label="‖e_t‖, GD from one random e₀")
    right.semilogy(t, norms[0] * rho**t, "k--", lw=0.8, label=f"‖e₀‖·ρ^t, ρ = {rho:.4f}")
    right.set(xlabel="step t", ylabel="‖e_t‖ (error norm)",
              title=f"η = {eta_frac:g}·2/λ_max")
    right.legend(fontsize=7)
    show(fig)
    star = 2 / (lo + hi)
    print(f"best fixed η* = 2/(λ_min+λ_max): η*·λ_max = {star * hi:.4f}; closed-form contraction "
          f"(κ−1)/(κ+1) = {(hi / lo - 1) / (hi / lo + 1):.5f}, measured "
          f"{gd_growth_rate(h, star, 64):.5f}")


if interact is not None:
    interact(draw_s1, kappa=FloatSlider(value=S1_KAPPA, min=1.5, max=300, step=0.5),
             d=IntSlider(value=S1_D, min=2, max=60),
             eta_frac=FloatSlider(value=S1_ETA_FRAC, min=0.05, max=1.2, step=0.01))
else:
    draw_s1()

# %% [markdown]
# The dots sit on the curve: for symmetric H the spectral norm of (I − ηH)^t is exactly
# ρ(I − ηH)^t, so the measurement has no transient, only rounding. Just below the bound the
# error shrinks by ρ ≈ 0.96 per step; a single step past 2/λ_max the top direction grows,
# and no other direction can compensate. A table of closed form against measurement:

# %%
h = spd_matrix(S1_D, S1_LAM_MAX / S1_KAPPA, S1_LAM_MAX, S1_SEED)
lam = np.linalg.eigvalsh(h)
print(f"{'η·λ_max':>8} {'max|1−ηλ_i|':>12} {'measured':>12} {'difference':>11}")
for x in (0.3, 1.0, 1.96, 1.99, 2.01, 2.2):
    closed = np.max(np.abs(1 - x / lam[-1] * lam))
    measured = gd_growth_rate(h, x / lam[-1], 64)
    print(f"{x:8.2f} {closed:12.8f} {measured:12.8f} {measured - closed:11.2e}")

# %% [markdown]
# ## 2. S2 — feature scaling moves λ_max; preconditioning moves it back
#
# For least squares H = (1/n)XᵀX, the features' uncentred second moments. The source's
# example: moments (100, 1) give the bound 0.02; multiplying feature 1 by s = 10 gives
# λ_max = 10⁴ and the bound 2·10⁻⁴, so η = 0.01 now diverges (factor −99 per step).

# %%
S2 = registry.get("S2")
show_claim(S2)
d2 = S2.derive()
show_steps(d2, "H' with feature 1 rescaled by s", "factors 1 − ηλ at η = 0.01",
           "D⁻¹HD⁻¹ for Jacobi")

# %% [markdown]
# The Hessian with feature 1 scaled by s, H'(m₁, m₂, c, s), is taken from the derivation
# above and its eigenvalues are computed by SymPy, so the lines in the figure are the
# derived closed form. The dots are GD run *on data* (`least_squares.data_growth_rate`
# forms the gradient from X, never from a stored H): a synthetic design with exactly the
# chosen second moments and correlation c = 1 − 2·flips/n, raw and with Jacobi's
# preconditioner D = diag(H)^{1/2} (GD on v = Dw, i.e. on the data XD⁻¹).

# %%
# parameters
S2_M = (100.0, 1.0)  # second moments of the two features
S2_N = 8  # samples
S2_FLIPS = 4  # rows where the two ±1 patterns differ: c = 1 − 2·flips/n (4 of 8: c = 0)
S2_SCALE = 10.0  # feature 1 multiplied by s
S2_ETA = 0.01

H_SCALED = step_expr(d2, "H' with feature 1 rescaled by s")
S_SYM = next(v for v in H_SCALED.free_symbols if v.name == "s")
S2_EIGEN = sp.lambdify((sls.M1, sls.M2, sls.C, S_SYM), sorted(H_SCALED.eigenvals(), key=str))


def s2_data(s, flips):
    """The synthetic design: ±1 patterns scaled to the chosen moments, feature 1 times s."""
    signs = np.where(np.random.default_rng(0).random(S2_N) < 0.5, -1.0, 1.0)
    x = ls.sign_design(signs, ls.paired_patterns(S2_N, flips), np.sqrt(np.array(S2_M)))
    return ls.scale_features(x, np.array([s, 1.0]))


def draw_s2(s=S2_SCALE, flips=S2_FLIPS, eta=S2_ETA):
    c = 1 - 2 * flips / S2_N
    x = s2_data(s, flips)
    pre = x / ls.jacobi_scaling(ls.hessian(x))  # the data GD sees after v = Dw
    raw_lam = np.sort(np.array(S2_EIGEN(*S2_M, c, s), dtype=float))
    jac_lam = np.linalg.eigvalsh(ls.hessian(pre))
    fig, (left, right) = new_figure(2, width=11.0)
    etas = np.geomspace(1e-6, 3.0, 300)
    for name, lam_, data, colour in (("raw", raw_lam, x, "C3"), ("Jacobi", jac_lam, pre, "C0")):
        left.loglog(etas, np.max(np.abs(1 - np.outer(etas, lam_)), axis=1), color=colour,
                    label=f"{name}: ρ(I − ηH), 2/λ_max = {2 / lam_[-1]:.3g}")
        sel = etas[::25]
        left.loglog(sel, [ls.data_growth_rate(data, e, 32) for e in sel], "o", ms=4,
                    color=colour)
    left.axhline(1, color="k", lw=0.6)
    left.axvline(eta, color="grey", ls="--", lw=0.8, label=f"η = {eta:g}")
    left.set(xlabel="learning rate η", ylabel="growth factor per step (dots: GD on data)",
             title=f"moments {S2_M}, c = {c:g}, feature 1 × {s:g}", ylim=(1e-2, None))
    left.legend(fontsize=7)
    scales = np.geomspace(1, 300, 60)
    raw = np.sort(np.array([S2_EIGEN(*S2_M, c, v) for v in scales], dtype=float), axis=1)
    kappa = raw[:, -1] / raw[:, 0]
    right.loglog(scales, kappa, color="C3", label="raw κ (derived eigenvalues)")
    right.loglog(scales, np.full_like(scales, (1 + abs(c)) / (1 - abs(c))), color="C0",
                 label="Jacobi κ = (1+|c|)/(1−|c|)")
    for v in (1.0, 10.0, 100.0):
        hx = ls.hessian(s2_data(v, flips))
        hj = ls.reparameterised_hessian(hx, ls.jacobi_scaling(hx))
        right.loglog([v, v], [ls.condition_number(hx), ls.condition_number(hj)], "o", ms=5,
                     color="k")
    right.plot([], [], "ko", ms=5, label="condition numbers of the data")
    right.set(xlabel="scale s of feature 1", ylabel="condition number κ",
              title="Jacobi's D removes the scale")
    right.legend(fontsize=7)
    show(fig)
    q_raw = 1 - eta * raw_lam
    print(f"at η = {eta:g}: raw factors 1 − ηλ = {np.round(q_raw, 4)}, measured growth "
          f"{ls.data_growth_rate(x, eta, 32):.4g}; Jacobi factors "
          f"{np.round(1 - eta * jac_lam, 4)}, measured {ls.data_growth_rate(pre, eta, 32):.4g}")


if interact is not None:
    interact(draw_s2, s=FloatSlider(value=S2_SCALE, min=0.1, max=100, step=0.1),
             flips=IntSlider(value=S2_FLIPS, min=1, max=S2_N - 1),
             eta=FloatSlider(value=S2_ETA, min=1e-4, max=1.0, step=1e-4, readout_format=".4f"))
else:
    draw_s2()

# %% [markdown]
# At the source's numbers the raw problem has the factor −99 that the derivation printed:
# GD on the data grows 99-fold per step at η = 0.01. After Jacobi preconditioning the same
# η contracts (for orthogonal features the preconditioned Hessian is the identity), and the
# preconditioned condition number does not move with s. Two caveats from the derivation:
# the moments are *uncentred* (a feature's mean counts, σ² + μ²), and "a good D" is not
# automatically the diagonal one — for three features Jacobi can raise κ:

# %%
show_steps(d2, "three features: H₃", "κ(H_3) and κ after Jacobi")
k3 = step_expr(d2, "κ(H_3) and κ after Jacobi")
print(f"κ(H₃) = {float(k3[0]):.4f}  →  κ after Jacobi = {float(k3[1]):.4f}")

# %% [markdown]
# ## 3. S3 — negative curvature: no learning rate converges, saddles are escaped
#
# Along a direction with λ < 0 the factor is 1 + η|λ| > 1 for every η > 0: there is no
# stable learning rate, but there is an escape time. (In the derivation λ is a negative
# symbol, so SymPy's 1 − ηλ reads 1 + η|λ|.)

# %%
S3 = registry.get("S3")
show_claim(S3)
d3 = S3.derive()
show_steps(d3, "η > 0 with |q| < 1", "|q|", "steps from |c₀| = ε to r",
           "η → 0: escape time", "relative error of the flow estimate")

# %% [markdown]
# Left: GD near a rotated saddle (`saddle_escape.rotated_saddle`) from 24 starts on a
# circle: the component along v₊ shrinks by |1 − ηλ₊|, the one along v₋ grows by 1 + η|λ₋|,
# so every start off the stable line (the v₊ axis) leaves along v₋. Right:
# the exact step count of the recursion c ← (1 + η|λ|)c from ε to r (`escape_steps`, dots)
# against the derived ln(r/ε)/ln(1 + η|λ|) and the gradient-flow estimate ln(r/ε)/(η|λ|),
# whose relative error η|λ|/2 (first order) grows as η|λ| does — the approximation, not the
# claim, breaks.

# %%
# parameters
S3_LAM = (1.0, -0.5)  # (λ₊, λ₋)
S3_ANGLE = 0.6  # rotation of the eigenbasis (radians)
S3_ETA = 0.3
S3_RATIO = 100.0  # r/ε


def draw_s3(eta=S3_ETA, lam_neg=S3_LAM[1]):
    h, v = rotated_saddle(S3_LAM[0], lam_neg, S3_ANGLE)
    fig, (left, right) = new_figure(2, width=11.0)
    for phi in np.linspace(0, 2 * np.pi, 24, endpoint=False):
        e = 1.8 * np.array([np.cos(phi), np.sin(phi)])
        path = [e]
        for _ in range(40):
            e = gradient_step(e, h @ e, eta)
            path.append(e)
            if np.linalg.norm(e) > 4:
                break
        path = np.array(path)
        left.plot(path[:, 0], path[:, 1], ".-", ms=2, lw=0.6, color="C0", alpha=0.7)
    left.plot(*(np.outer([-3, 3], v).T), "C3--", lw=0.8, label="negative eigenvector v₋")
    left.plot(*(np.outer([-3, 3], [v[1], -v[0]]).T), "k:", lw=0.8,
              label="v₊: the stable line")
    left.set(xlim=(-2, 2), ylim=(-2, 2), aspect="equal", xlabel="e₁", ylabel="e₂",
             title=f"GD near a saddle, λ = ({S3_LAM[0]:g}, {lam_neg:g}), η = {eta:g}")
    left.legend(fontsize=7)
    x = np.geomspace(1e-3, 3, 100)
    right.loglog(x, np.log(S3_RATIO) / np.log1p(x), color="C0",
                 label="ln(r/ε)/ln(1 + η|λ|) (derived)")
    right.loglog(x, np.log(S3_RATIO) / x, "--", color="C1", label="gradient flow ln(r/ε)/(η|λ|)")
    xs = np.geomspace(1e-3, 3, 13)
    right.loglog(xs, [escape_steps(1 + v, S3_RATIO) for v in xs], "ko", ms=4,
                 label="recursion, counted steps")
    right.axvline(eta * abs(lam_neg), color="grey", lw=0.8, ls=":", label="η|λ₋| of the left")
    right.set(xlabel="η·|λ₋| (dimensionless)", ylabel=f"steps from ε to r = {S3_RATIO:g}ε",
              title="escape slows as 1/(η|λ|)")
    right.legend(fontsize=7)
    show(fig)
    g = 1 + eta * abs(lam_neg)
    exact, flow = escape_steps(g, S3_RATIO), math.log(S3_RATIO) / (eta * abs(lam_neg))
    print(f"η|λ₋| = {eta * abs(lam_neg):g}: recursion {exact} steps, ⌈ln(r/ε)/ln g⌉ = "
          f"{math.ceil(math.log(S3_RATIO) / math.log(g))}, gradient flow {flow:.1f} "
          f"(off by {(exact - flow) / exact:.1%})")


if interact is not None:
    interact(draw_s3, eta=FloatSlider(value=S3_ETA, min=0.01, max=1.9, step=0.01),
             lam_neg=FloatSlider(value=S3_LAM[1], min=-2.0, max=-0.01, step=0.01))
else:
    draw_s3()

# %% [markdown]
# ## 4. S4 — gradient descent is forward Euler on the gradient flow
#
# The learning rate is Euler's time step. The derivation gives the local error, Euler's
# stability interval (GD's), and the modified equation: GD follows the gradient flow of
# L + (η/4)‖∇L‖² to second order, the plain flow only to first order.

# %%
S4 = registry.get("S4")
show_claim(S4)
d4 = S4.derive()
show_steps(d4, "forward Euler: cut after O(h)", "Euler's stability interval",
           "stable steps per time constant", "modified-equation correction",
           "global error vs flow at t = kη", "global error vs modified flow")

# %% [markdown]
# On the double well ¼(x² − 1)² + ½a y² (`flow.double_well_loss`, the claim's non-quadratic
# point): left, GD with k steps to the time horizon (η = horizon/k) beside the gradient flow
# and the modified flow (SciPy's `solve_ivp` on `flow.flow_field`). Middle, the global error
# at the horizon against η (`flow.error_sequence`): slope 1 against the flow, slope 2 against
# the modified flow. Right, where the first-order law stops working: the claim's validity
# domain on a stiff quadratic (κ = 10⁴), as ηλ_max approaches Euler's bound 2.

# %%
# parameters
S4_A = 4.0  # curvature of the y-direction
S4_THETA0 = (1.8, 0.8)
S4_HORIZON = 2.0
S4_STEPS = 10  # GD steps to the horizon: η = horizon/steps

S4_LOSS = double_well_loss(S4_A)
S4_ERRORS = {m: error_sequence(S4_LOSS, np.array(S4_THETA0), S4_HORIZON,
                               halving(S4_HORIZON / 10, 6), m) for m in (False, True)}
S4_VALIDITY = S4.validity()


def draw_s4(steps=S4_STEPS):
    eta = S4_HORIZON / steps
    theta0 = np.array(S4_THETA0)
    fig, (left, middle, right) = new_figure(3, width=14.0)
    path = [theta0]
    for _ in range(steps):
        path.append(gradient_step(path[-1], S4_LOSS.gradient(path[-1]), eta))
    path = np.array(path)
    t_eval = np.linspace(0, S4_HORIZON, 200)
    for c, style, name in ((0.0, "k-", "gradient flow"), (eta, "C1--", "modified flow")):
        field = flow_field(S4_LOSS, c)
        sol = solve_ivp(lambda t, th, f=field: f(th), (0, S4_HORIZON), theta0, t_eval=t_eval,
                        rtol=1e-8, atol=1e-10)
        left.plot(sol.y[0], sol.y[1], style, lw=1, label=name)
    left.plot(path[:, 0], path[:, 1], "o-", ms=3, color="C0", lw=0.7, label=f"GD, η = {eta:g}")
    left.set(xlabel="x", ylabel="y", title=f"{steps} steps to t = {S4_HORIZON:g}")
    left.legend(fontsize=7)
    for modified, colour in ((False, "C0"), (True, "C1")):
        seq = S4_ERRORS[modified]
        middle.loglog([s.eta for s in seq], [s.error for s in seq], "o-", color=colour, ms=4,
                      label=f"vs {'modified' if modified else 'gradient'} flow")
    grid = np.array([s.eta for s in S4_ERRORS[False]])
    middle.loglog(grid, 0.03 * grid, "k:", lw=0.8, label="slope 1")
    middle.loglog(grid, 0.06 * grid**2, "k--", lw=0.8, label="slope 2")
    middle.set(xlabel="learning rate η = Euler time step", ylabel=f"‖θ_k − θ({S4_HORIZON:g})‖",
               title="global error at a fixed time")
    middle.legend(fontsize=7)
    v = S4_VALIDITY
    right.loglog(v.values, v.errors, "o-", color="C3")
    right.axvline(2.0, color="grey", ls="--", label="Euler's bound ηλ_max = 2")
    right.set(xlabel=v.parameter, ylabel=v.error_label,
              title="first-order error law, stiff quadratic")
    right.legend(fontsize=7)
    show(fig)


if interact is not None:
    interact(draw_s4, steps=IntSlider(value=S4_STEPS, min=1, max=80))
else:
    draw_s4()

# %% [markdown]
# The orders come out as derived: halving η halves the error against the flow and quarters
# it against the modified flow. The validity panel is the honest part: the first-order law
# e ≈ η(t/2)H²e^{−Ht}θ₀ is excellent for small ηλ_max and fails completely near
# ηλ_max = 2, where GD is still *stable* but the stiff mode flips sign every step instead of
# decaying — stable is not accurate.

# %%
for modified in (False, True):
    seq = S4_ERRORS[modified]
    orders = [math.log2(a.error / b.error) for a, b in itertools.pairwise(seq)]
    print(f"local orders vs the {'modified' if modified else 'gradient'} flow: "
          + ", ".join(f"{o:.3f}" for o in orders))

# %% [markdown]
# ## 5. S6 — layer-wise learning rates
#
# A block-diagonal Hessian, one rate per block η_ℓ = f·2/λ_max(H_ℓ), against one global
# η = f·2/λ_max(H). The derivation gives both worst-case rates and when the layer-wise rule
# is strictly faster.

# %%
S6 = registry.get("S6")
show_claim(S6)
d6 = S6.derive()
show_steps(d6, "layer-wise rate", "global rate", "overshoot |1 − 2f| binds for f ≥",
           "N_G/N_LW", "f = 9/10, block with")

# %% [markdown]
# Left: one random block-diagonal problem from the claim's law (`BlockLaw.dense_blocks`,
# blocks in random bases); lines are the closed-form rates max(|1 − 2f|, 1 − 2f/κ) with κ_B
# (layer-wise) and κ (global); dots are the measured worst-case contraction of the dense
# iteration matrix I − diag(η)H. Right: the mean worst-case number of steps to shrink every
# error by `tol` over the random law, the exact finite sum (`BlockLaw.expected_steps`)
# against a Monte Carlo over random spectra (`steps_to_tolerance` on the all-ones start in
# the sup norm, the worst case).

# %%
# parameters
S6_BLOCKS = 8
S6_PER_BLOCK = 2
S6_SPREAD = 20.0  # eigenvalues log-uniform on [1, spread]
S6_SEED = 12
S6_TOL = 1e-2
S6_SAMPLES = 400  # random problems per f in the Monte Carlo


def draw_s6(spread=S6_SPREAD, blocks=S6_BLOCKS):
    law = BlockLaw(blocks, S6_PER_BLOCK, math.log(spread))
    mats = law.dense_blocks(S6_SEED)
    h = block_diag(*mats)
    lam = [np.linalg.eigvalsh(b) for b in mats]
    kappa_b = max(v[-1] / v[0] for v in lam)
    kappa = max(v[-1] for v in lam) / min(v[0] for v in lam)
    fs = np.linspace(0.02, 0.99, 200)
    fig, (left, right) = new_figure(2, width=11.0)
    for rule, kap, colour in (("layerwise", kappa_b, "C0"), ("global", kappa, "C3")):
        left.plot(fs, worst_case_rate(fs, kap), color=colour,
                  label=f"{rule}: max(|1−2f|, 1−2f/{kap:.3g})")
        grid = np.linspace(0.05, 0.95, 10)
        left.plot(grid, [gd_growth_rate(block_rates(mats, f, rule)[:, None] * h, 1.0, 64)
                         for f in grid], "o", ms=4, color=colour)
    left.axvline(kappa / (kappa + 1), color="grey", ls=":", lw=0.8, label="f = κ/(κ+1)")
    left.set(xlabel="fraction f of each stability limit", ylabel="worst-case contraction ρ",
             title=f"one problem: {blocks} blocks, κ_B = {kappa_b:.3g}, κ = {kappa:.3g}")
    left.legend(fontsize=7)
    rng = np.random.default_rng(0)
    fgrid = np.linspace(0.1, 0.95, 8)
    for rule, colour in (("layerwise", "C0"), ("global", "C3")):
        right.plot(fs, [law.expected_steps(float(f), S6_TOL, rule) for f in fs], color=colour,
                   label=f"E N, {rule} (exact sum)")
        means = []
        for f in fgrid:
            spectra = np.exp(law.log_range * rng.random((S6_SAMPLES, blocks, S6_PER_BLOCK)))
            q = block_factors(spectra, float(f), rule).reshape(S6_SAMPLES, -1)
            fp = steps_to_tolerance(lambda e, t, q=q: e * q, np.ones_like(q), S6_TOL,
                                    law.max_steps(float(f), S6_TOL) + 1, measure=sup_norm)
            means.append(fp.steps.mean())
        right.plot(fgrid, means, "D", ms=5, color=colour, label=f"Monte Carlo, {rule}")
    right.set(yscale="log", xlabel="fraction f", ylabel=f"mean worst-case steps to {S6_TOL:g}",
              title=f"random law, spectra in [1, {spread:g}]")
    right.legend(fontsize=7)
    show(fig)


if interact is not None:
    interact(draw_s6, spread=FloatSlider(value=S6_SPREAD, min=2, max=200, step=1),
             blocks=IntSlider(value=S6_BLOCKS, min=2, max=16))
else:
    draw_s6()

# %% [markdown]
# "Never slower" is a worst-case statement. Past f = 1/2 the layer-wise rate can overshoot a
# block that the global rate nearly solves — the derivation's counterexample, replayed on
# two one-dimensional blocks (λ_max = 1 and 0.4) with the start in the flat block:

# %%
f_cx, lam_cx = 0.9, np.array([1.0, 0.4])
for rule, eta_cx in (("layer-wise", 2 * f_cx / lam_cx), ("global", np.full(2, 2 * f_cx))):
    q = 1 - eta_cx * lam_cx
    fp = steps_to_tolerance(lambda e, t, q=q: e * q, np.array([[0.0, 1.0]]), S6_TOL, 10_000)
    print(f"{rule:>10}: factor in the flat block {q[1]:+.2f}, steps to {S6_TOL:g}: "
          f"{int(fp.steps[0])} (closed form ⌈ln tol/ln|q|⌉ = {geometric_steps(q[1], S6_TOL)})")

# %% [markdown]
# ## 6. S7 — η_t = 2s/λ̂ from a few power iterations
#
# The Rayleigh quotient of k power iterations never *over*estimates λ_max, so every
# estimation error makes η_t = 2s/λ̂ larger; the safety factor s has to absorb it. The rule
# is unstable at a step iff λ̂ ≤ sλ_max, which for a Gaussian start has a probability the
# derivation computes exactly.

# %%
S7 = registry.get("S7")
show_claim(S7)
d7 = S7.derive()
show_steps(d7, "relative error, t = tan²θ₀", "λ̂_k > sλ_max iff t below", "worst ratio",
           "failure ratio per iteration", "fixed η expands in the spike")

# %% [markdown]
# A two-level spectrum: λ_max = 1 once and r = λ₂/λ_max on the other d − 1 directions. Left:
# the probability that k power iterations from a Gaussian start leave λ̂ ≤ sλ_max (Monte
# Carlo with `power_iteration`, 99 % Wilson intervals) against the exact F-law tail
# `failure_probability` and its r^k asymptote. Right: GD through a curvature spike (λ_max
# × γ for 10 steps): a fixed η tuned before the spike, the exact-curvature rule, and the
# adaptive rule with k iterations (`adaptive_paths`: median and 10–90 % band of the
# worst-case error).

# %%
# parameters
S7_D = 8
S7_R = 0.3  # λ₂/λ_max
S7_S = 0.8  # safety factor
S7_K = 6  # power iterations per step
S7_GAMMA = 3.0  # spike factor
S7_STARTS = 4000
S7_RUNS = 400


def draw_s7(r=S7_R, s=S7_S, k=S7_K, gamma=S7_GAMMA):
    rng = np.random.default_rng(0)
    lam = np.full(S7_D, r)
    lam[0] = 1.0
    fig, (left, right) = new_figure(2, width=11.0)
    ks = np.arange(0, 21)
    v0 = rng.normal(size=(S7_STARTS, S7_D))
    fails = np.array([np.mean(power_iteration(lambda v: v * lam, v0, int(j))[1] <= s)
                      for j in ks])
    ci = np.array([wilson_interval(round(p * S7_STARTS), S7_STARTS, 0.01) for p in fails])
    left.semilogy(ks, [failure_probability(int(j), r, s, S7_D) for j in ks], color="C0",
                  label="exact P(λ̂_k ≤ sλ_max)")
    left.semilogy(ks, [failure_asymptote(int(j), r, s, S7_D) or np.nan for j in ks], ":",
                  color="C0", label="asymptote ∝ r^k")
    left.errorbar(ks, fails, yerr=[fails - ci[:, 0], ci[:, 1] - fails], fmt="o", ms=3,
                  color="C1", label=f"Monte Carlo, {S7_STARTS} starts")
    left.set(xlabel="power iterations k", ylabel="failure probability per step",
             title=f"d = {S7_D}, r = {r:g}, s = {s:g}", ylim=(0.5 / S7_STARTS, 1.5))
    left.legend(fontsize=7)
    spike, steps = Spike(10, 10, gamma), 60
    spectra = spike.spectra(steps, S7_D, r)
    top = spike.top(steps)
    t = np.arange(steps + 1)
    for name, eta, colour in (("fixed η = 2s/λ_max (pre-spike)", np.full(steps, 2 * s), "C3"),
                              ("exact curvature η = 2s/λ_max,t", 2 * s / top, "grey")):
        path = np.max(np.abs(np.vstack([np.ones(S7_D), np.cumprod(
            1 - eta[:, None] * spectra, axis=0)])), axis=1)
        right.semilogy(t, path, color=colour, lw=2 if colour == "grey" else 1.2, label=name)
    paths = adaptive_paths(spectra, s, k, rng.normal(size=(S7_RUNS, steps, S7_D)))
    right.semilogy(t, np.median(paths, axis=0), color="C0", label=f"adaptive, k = {k} (median)")
    right.fill_between(t, *np.quantile(paths, [0.1, 0.9], axis=0), color="C0", alpha=0.2)
    right.axvspan(spike.start, spike.start + spike.width, color="grey", alpha=0.15,
                  label=f"spike λ_max × {gamma:g}")
    right.set(xlabel="step t", ylabel="worst-case error ‖Π(I − η_tH_t)‖",
              title="through a curvature spike", ylim=(1e-12, 1e6))
    right.legend(fontsize=7)
    show(fig)
    u = v0[:, 0] ** 2 / np.sum(v0**2, axis=1)
    est = power_iteration(lambda v: v * lam, v0, k)[1]
    gap = np.max(np.abs((1 - est) - relative_error(u, r, k)))
    print(f"relative error of λ̂_{k}: closed form (1−r)t r^{{2k}}/(1+t r^{{2k}}) vs power "
          f"iteration, largest difference over {S7_STARTS} starts: {gap:.1e}")


if interact is not None:
    interact(draw_s7, r=FloatSlider(value=S7_R, min=0.05, max=0.95, step=0.01),
             s=FloatSlider(value=S7_S, min=0.1, max=0.99, step=0.01),
             k=IntSlider(value=S7_K, min=0, max=20),
             gamma=FloatSlider(value=S7_GAMMA, min=1.0, max=6.0, step=0.1))
else:
    draw_s7()

# %% [markdown]
# With r < s the failure probability decays only like r^k (one power, not two: tan²θ₀ has
# a heavy tail), so no k makes the rule certain; at r ≥ s it never fails. Try r = 12s/13
# with k = 6, the derivation's worst ratio for six iterations.
#
# ## 7. S8 — the gradient-ratio rule ‖∇L_{t+1}‖/‖∇L_t‖ > 1.5 ⇒ halve η
#
# On a quadratic the ratio is a weighted root-mean-square of the |1 − ηλ_i|: it never
# exceeds ρ(I − ηH), rises with t and tends to it. So the threshold 1.5 fires iff
# ηλ_max > 5/2, and divergence with ηλ_max ∈ (2, 5/2] is never flagged.

# %%
S8 = registry.get("S8")
show_claim(S8)
d8 = S8.derive()
show_steps(d8, "τ = 3/2: the rule fires", "GD diverges for", "blind spot",
           "halving cascade")

# %% [markdown]
# Left: the measured ratio ‖g_{t+1}‖/‖g_t‖ of plain GD at ηλ_max = x from one random start
# (`gd_gradient_ratios`), the closed form r_t (`gradient_ratio`, an eigen-sum) and its limit
# ρ (`limiting_ratio`). Right: where the rule leaves ηλ_max after it has finished halving,
# the closed form (`rule_outcome`) against the simulated rule with rollback
# (`run_rollback_rule`); the shaded octave slices (2^{k+1}, 5·2^{k−1}] are never rescued.

# %%
# parameters
S8_D = 10
S8_KAPPA = 10.0
S8_X = 2.4  # η·λ_max: inside the blind spot (2, 2.5]
S8_SEED = 3


def draw_s8(x=S8_X):
    h = spd_matrix(S8_D, 1 / S8_KAPPA, 1.0, S8_SEED)
    lam, vecs = np.linalg.eigh(h)
    e0 = np.random.default_rng(4).normal(size=(1, S8_D))
    coeffs = (e0 @ vecs)[0]
    eta = x / lam[-1]
    steps = 40
    hvp = diagonal_hvp(lam)
    measured = gd_gradient_ratios(hvp, coeffs[None, :], eta, steps)[0]
    fig, (left, right) = new_figure(2, width=11.0)
    left.plot(np.arange(steps), measured, "o", ms=3, color="C1", label="measured (GD)")
    left.plot(np.arange(steps), [gradient_ratio(lam, coeffs, eta, t) for t in range(steps)],
              color="C0", lw=1, label="closed form r_t")
    left.axhline(limiting_ratio(lam, eta), color="C0", ls="--", lw=0.8,
                 label="limit ρ(I − ηH)")
    left.axhline(1.5, color="C3", label="threshold 1.5")
    left.axhline(1.0, color="k", lw=0.6)
    left.set(xlabel="step t", ylabel="‖∇L_{t+1}‖/‖∇L_t‖",
             title=f"ηλ_max = {x:g}: {'diverges' if x > 2 else 'converges'}, "
                   f"{'fires' if x > 2.5 else 'never fires'}")
    left.legend(fontsize=7)
    x0 = np.geomspace(1.0, 32.0, 500)
    right.semilogx(x0, [rule_outcome(v)[0] for v in x0], color="C0", label="closed form")
    sample = np.geomspace(1.05, 31.0, 40)
    run = run_rollback_rule(hvp, np.repeat(coeffs[None, :], sample.size, 0),
                            sample[:, None] / lam[-1], 200)
    right.semilogx(sample, run.final_eta * lam[-1], "o", ms=3, color="C1", label="simulated")
    right.axhline(2.0, color="grey", ls="--", lw=0.8, label="2: GD diverges above")
    for j in range(4):
        right.axvspan(2.0 * 2**j, 2.5 * 2**j, color="C3", alpha=0.15,
                      label="never rescued" if j == 0 else None)
    right.axvline(x, color="C4", lw=2, alpha=0.4)
    right.set(xlabel="initial η·λ_max", ylabel="η·λ_max left by the rule",
              title="halving can land in the blind spot")
    right.legend(fontsize=7)
    show(fig)
    final, fired = rule_outcome(x)
    print(f"ηλ_max = {x:g}: the rule fires {fired} time(s) and leaves ηλ_max = {final:g} "
          f"({'diverging, undetected' if final > 2 else 'stable'})")


if interact is not None:
    interact(draw_s8, x=FloatSlider(value=S8_X, min=0.2, max=12.0, step=0.05))
else:
    draw_s8()

# %% [markdown]
# ## 8. Verification by the engine
#
# The sections above explore the models; the verdicts come from the engine, which checks
# every identity exactly, every model check against its numerical tolerance, and every Monte
# Carlo statistic with a fixed false-alarm rate and negative controls. To keep this notebook
# fast it runs one of the cheaper claims, S8, at a coarser resolution (0.05: a prediction
# off by 5 % of its scale must be rejected) than the report (0.02). `lrtheory verify S`
# runs the whole family.

# %%
run = verify(registry.select(["S8"]), Settings(seed=0, resolution=0.05), jobs=1)
display(run)

# %%
s8_result = run.claims[0]
for p in s8_result.points:
    for m in p.monte_carlo:
        e = m.estimate
        print(f"{p.point.label[:44]:44s} | {e.name[:44]:44s} | predicted {e.prediction:.4f}, "
              f"measured {e.sample.value:.4f} (n = {e.sample.n}) → {m.verdict.value}")
show(S8.figure(s8_result))

# %%
print(f"notebook ran in {time.perf_counter() - STARTED[0]:.1f} s "
      f"({time.process_time() - STARTED[1]:.1f} s of CPU in this kernel)")
