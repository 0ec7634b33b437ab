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
# # Momentum, adaptive methods and weight decay (family M)
#
# Momentum changes what a learning rate *means*. The same η moves the weights 1/(1 − β)
# times further under heavy-ball momentum, is stable up to a different edge, has its own
# "fastest" β, and interacts with weight decay and with adaptive denominators in ways that
# the usual rules of thumb describe only approximately. This notebook explores the models
# behind the family's claims, each time in three layers:
#
# 1. the **statement** and the sources' own words, read from the claim object;
# 2. the **closed form**, as SymPy derives it inside lrtheory (the derivation that
#    `lrtheory report` checks);
# 3. an **exact model or simulation** from the public model functions, drawn beside the
#    closed form, with parameters you can change.
#
# **How to use it.** Run it top to bottom. Each section has a *parameters* cell: edit the
# constants and re-run the section, or, when `ipywidgets` is installed, move the sliders
# under the figure. Every random number comes from a seeded generator, so a re-run gives
# the same output. The last section runs the engine's verification of a few claims.
#
# The claims of the family:

# %%
import io
import math

import matplotlib.pyplot as plt
import numpy as np
import sympy as sp
from IPython.display import Image, Markdown, Math, display

from lrtheory import Settings, registry, verify
from lrtheory import practice as calc
from lrtheory.models import adaptive_rates as ar
from lrtheory.models import damped_flow as df
from lrtheory.models import heavy_ball as hb
from lrtheory.models import nesterov as nag
from lrtheory.models.adam_moments import adam_step_expectation
from lrtheory.models.linear_rate import measured_rate
from lrtheory.optimizers import (
    decoupled_weight_decay,
    decoupled_weight_decay_lr_scaled,
    decoupled_weight_decay_sequential,
    heavy_ball,
    heavy_ball_lr_in_velocity,
    l2_regularised_step,
)
from lrtheory.plotting import new_figure
from lrtheory.symbolic.heavy_ball import critical_beta

try:
    from ipywidgets import FloatSlider, IntSlider, interact
except ImportError:  # plain cells: edit the parameters and re-run
    interact = None


def show_claim(claim_id):
    """The claim's statement and its sources' own words, as Markdown."""
    claim = registry.get(claim_id)
    text = [f"**{claim.id} — {claim.title}**", "", claim.statement, ""]
    for src in claim.sources:
        quote = " ".join(src.quote.split())
        text += [f"> {quote}", ">", f"> — seed `{src.seed}`, section *{src.section}*", ""]
    display(Markdown("\n".join(text)))
    return claim


def step(claim, fragment):
    """The first derivation step of ``claim`` whose name contains ``fragment``."""
    for s in claim.derive().steps:
        if fragment in s.name:
            return s
    raise KeyError(f"{claim.id} has no derivation step named like {fragment!r}")


def show_steps(claim, *fragments):
    """Display derivation steps (name, then the SymPy expression as LaTeX)."""
    for fragment in fragments:
        s = step(claim, fragment)
        display(Markdown(f"*{s.name}*"), Math(sp.latex(s.expr)))


def rhs(claim, fragment):
    """The right-hand side of a derivation step (the step itself if it is no equation)."""
    expr = step(claim, fragment).expr
    return expr.rhs if isinstance(expr, sp.Equality) else expr


def as_function(expr, *names):
    """``expr`` as a NumPy function of the symbols called ``names`` (in that order); powers
    are combined first (β^T/β^τ → β^(T−τ), finite for small β and long runs)."""
    by_name = {str(x): x for x in expr.free_symbols}
    return sp.lambdify([by_name.get(n, sp.Dummy(n)) for n in names], sp.powsimp(expr), "numpy")


def show(fig):
    """Display a figure as PNG, rendered once (its constrained layout needs no tight crop)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    display(Image(buffer.getvalue()))


def plain_ticks(ax, ticks, axis="x"):
    """Plain-number major ticks on a log axis, no minor labels."""
    getattr(ax, f"set_{axis}ticks")(ticks, [f"{x:g}" for x in ticks])
    getattr(ax, f"set_{axis}ticks")([], minor=True)


EXPLORED = {"M1", "M2", "M3", "M4", "M5", "M6", "M8"}  # sections below; the rest: report
rows = [f"| {c.id} | {c.title} | {len(c.points)} | {'yes' if c.id in EXPLORED else '—'} |"
        for c in registry.select(["M"])]
display(Markdown("| ID | claim | points | explored here |\n|---|---|---|---|\n" + "\n".join(rows)))

# %% [markdown]
# ## M1 — momentum multiplies the learning rate by 1/(1 − β)

# %%
M1 = show_claim("M1")
show_steps(M1, "seed 000: v_{t+1}", "η_eff", "seed 003's velocity at step τ + k",
           "difference Δθ_B − Δθ_A")

# %% [markdown]
# The limit η/(1 − β) is reached only after the velocity has filled up: t steps after
# v = 0 the step is η_eff·g·(1 − βᵗ). And the two conventions in use (PyTorch's
# `v ← βv + g, θ ← θ − ηv`, seed 000, and `v ← βv + ηg, θ ← θ − v`, seed 003) only agree
# while η is constant. Below, both run on a constant gradient g with a learning-rate drop
# η₁ → η₂ at step τ (the rules are `lrtheory.optimizers.heavy_ball` and
# `heavy_ball_lr_in_velocity`); the dots are the derived closed forms above, evaluated
# with `lambdify`. A noisy ensemble (gradient g + σξ) checks that the *mean* step obeys
# the same closed forms.

# %% Parameters (M1)
M1_PARAMS = {"beta": 0.9, "eta1": 0.1, "eta2": 0.01, "tau": 60, "T": 120}
M1_NOISE, M1_CHAINS = 0.5, 4000

# %%
velocity = as_function(rhs(M1, "seed 000: v_{t+1}"), "g", "beta", "t")
u_before = as_function(rhs(M1, "seed 003's velocity, steps 1..τ"), "g", "eta_1", "beta", "t")
u_after = as_function(rhs(M1, "seed 003's velocity at step τ + k"),
                      "g", "eta_1", "eta_2", "beta", "tau", "k")
gap = as_function(rhs(M1, "difference Δθ_B − Δθ_A"),
                  "g", "eta_1", "eta_2", "beta", "tau", "T")
gap_limit = as_function(rhs(M1, "T → ∞"), "g", "eta_1", "eta_2", "beta", "tau")


def m1_runs(beta, eta1, eta2, tau, T, g, zero=0.0):
    """Both conventions, step t + 1 at η₁ (t < τ) or η₂, gradient ``g`` (a number, or a
    function drawing one per step): the iterates θ_A, θ_B, arrays (T + 1, *zero.shape)."""
    theta_a = v = theta_b = u = zero
    path_a, path_b = [theta_a], [theta_b]
    for t in range(T):
        eta = eta1 if t < tau else eta2
        grad = g() if callable(g) else g
        theta_a, v = heavy_ball(theta_a, v, grad, eta, beta)
        theta_b, u = heavy_ball_lr_in_velocity(theta_b, u, grad, eta, beta)
        path_a.append(theta_a)
        path_b.append(theta_b)
    return np.array(path_a), np.array(path_b)


def draw_m1(beta=0.9, eta1=0.1, eta2=0.01, tau=60, T=120):
    tau, T = int(tau), int(max(T, tau + 1))
    a, b = m1_runs(beta, eta1, eta2, tau, T, 1.0)
    t = np.arange(1, T + 1)
    eta_t = np.where(t <= tau, eta1, eta2)
    closed_a = eta_t * velocity(1.0, beta, t)
    before = t <= tau
    closed_b = np.concatenate([u_before(1.0, eta1, beta, t[before]),
                               u_after(1.0, eta1, eta2, beta, tau, t[~before] - tau)])
    rng = np.random.default_rng(0)
    noisy_a, noisy_b = m1_runs(beta, eta1, eta2, tau, T,
                               lambda: 1.0 + M1_NOISE * rng.standard_normal(M1_CHAINS),
                               np.zeros(M1_CHAINS))
    fig, (left, right) = new_figure(ncols=2, width=11.5, height=4.0)
    left.plot(t, -np.diff(a), label="seed 000 (PyTorch): θ ← θ − ηv")
    left.plot(t, -np.diff(b), "--", label="seed 003: v ← βv + ηg")
    left.plot(t[::4], closed_a[::4], "o", ms=3, color="C0", label="closed form, seed 000")
    left.plot(t[::4], closed_b[::4], "s", ms=3, color="C1", mfc="none",
              label="closed form, seed 003")
    mean_a = -np.diff(noisy_a, axis=0).mean(axis=1)
    mean_b = -np.diff(noisy_b, axis=0).mean(axis=1)
    left.plot(t[2::8], mean_a[2::8], "x", color="C3", ms=5,
              label=f"noisy ensemble means (σ = {M1_NOISE:g}, {M1_CHAINS} chains)")
    left.plot(t[6::8], mean_b[6::8], "x", color="C3", ms=5)
    for eta, name in ((eta1, "η₁"), (eta2, "η₂")):
        left.axhline(eta / (1 - beta), color="grey", ls=":", lw=0.8)
        left.annotate(f"{name}/(1−β)", (T, eta / (1 - beta)), ha="right", va="bottom",
                      fontsize=8)
    left.axvline(tau, color="C2", lw=0.8)
    left.set(xlabel="step t", ylabel="step length −Δθ_t / g (dimensionless)",
             title=f"Velocity fills up, then the rate drops at τ = {tau} (β = {beta:g})")
    left.legend(fontsize=7)
    right.plot(np.arange(T + 1), b - a, label="simulated θ_B − θ_A")
    steps_t = np.arange(tau, T + 1, max(1, (T - tau) // 15))
    right.plot(steps_t, gap(1.0, eta1, eta2, beta, tau, steps_t), "o", ms=3,
               label="closed form D_T")
    right.axhline(gap_limit(1.0, eta1, eta2, beta, tau), color="grey", ls=":",
                  label="D_∞ (T → ∞)")
    right.set(xlabel="step T", ylabel="θ_B − θ_A (units of g)",
              title="The conventions part after the drop")
    right.legend(fontsize=7)
    show(fig)
    ahead = beta / (1 - beta)
    print(f"η_eff = {calc.effective_lr(eta1, beta).value:.4g} (practice.effective_lr); "
          f"1 % of it is reached after ln 100/(−ln β) = {math.log(100) / -math.log(beta):.1f} "
          "steps")
    print(f"after the drop seed 003 behaves as if it dropped β/(1−β) = {ahead:.1f} steps late; "
          f"max |simulated − closed| step: "
          f"{np.max(np.abs(-np.diff(b) - closed_b)):.1e} (float64 rounding)")


if interact:
    interact(draw_m1, beta=FloatSlider(value=M1_PARAMS["beta"], min=0.05, max=0.98, step=0.01),
             eta1=FloatSlider(value=M1_PARAMS["eta1"], min=0.01, max=0.2, step=0.01),
             eta2=FloatSlider(value=M1_PARAMS["eta2"], min=0.001, max=0.1, step=0.001),
             tau=IntSlider(value=M1_PARAMS["tau"], min=5, max=300),
             T=IntSlider(value=M1_PARAMS["T"], min=10, max=400))
else:
    draw_m1(**M1_PARAMS)

# %% [markdown]
# Try β = 0.99 with τ = 60: by the drop the step has reached only 1 − β^τ = 45 % of
# η₁/(1 − β). The claim's point β = 0.999, τ = 200 is the same effect, and the claim marks
# it *outside* the validity domain of η/(1 − β).
#
# ## M2 and M5 — where heavy ball and Nesterov are stable
#
# On one eigen-direction of curvature λ both methods are linear maps of a two-dimensional
# state, so their stability is a question about the roots of a quadratic characteristic
# polynomial. lrtheory computes the polynomial from the update rule itself and applies
# Jury's conditions (`lrtheory.symbolic.jury`).

# %%
M2 = show_claim("M2")
show_steps(M2, "characteristic polynomial", "Jury", "stable set in η",
           "roots of P on the edge")
M5 = show_claim("M5")
show_steps(M5, "characteristic polynomial, h", "stable set in h", "critical damping D = 0",
           "minimax rate")

# %% [markdown]
# The derived regions, as functions of h = ηλ and β, against the *measured* contraction
# r_T = ‖Mᵀ‖^{1/T}: each rule is run for T steps from both basis states, over a whole grid of
# curvatures at once (`lrtheory.models.linear_rate.measured_rate` on
# `models.heavy_ball.run_step` and `models.nesterov.lookahead_step`). Where r_T < 1 the run
# contracts. The white curves are critical damping, where the two roots meet.

# %% Parameters (M2, M5)
GRID_H = np.linspace(0.02, 4.4, 111)  # ηλ
GRID_BETA = np.linspace(0.0, 0.98, 50)
RATE_STEPS = 120

# %%
h_sym = sp.Symbol("h", positive=True)
hb_edge = as_function(sp.simplify(step(M2, "stable set in η").expr.end
                                  * sp.Symbol("lambda", positive=True)), "beta")
nag_edge = as_function(rhs(M5, "stable set in h").end, "beta")
hb_crit = as_function(critical_beta(h_sym), "h")
nag_crit = as_function(rhs(M5, "critical damping D = 0"), "h")

measured = {
    "heavy ball": np.array([measured_rate(hb.run_step(1.0, GRID_H, b), 2, RATE_STEPS,
                                          batch=GRID_H.shape) for b in GRID_BETA]),
    "Nesterov": np.array([measured_rate(nag.lookahead_step(GRID_H, 1.0, b), 2, RATE_STEPS,
                                        batch=GRID_H.shape) for b in GRID_BETA]),
}
fig, axes = new_figure(ncols=2, width=12.0, height=4.4)
h_fine = np.linspace(1e-3, 1.0, 100)
for ax, (name, rates), edge, crit in zip(axes, measured.items(), (hb_edge, nag_edge),
                                         (hb_crit, nag_crit), strict=True):
    mesh = ax.pcolormesh(GRID_H, GRID_BETA, np.minimum(rates, 1.2), vmin=0, vmax=1.2,
                         shading="auto", cmap="viridis")
    ax.contour(GRID_H, GRID_BETA, rates, levels=[1.0], colors="white", linestyles=":")
    ax.plot(edge(GRID_BETA), GRID_BETA, color="C3", lw=2, label="Jury edge (derived)")
    ax.plot(h_fine, crit(h_fine), color="white", lw=1.5, label="critical damping (derived)")
    ax.set(xlim=(0, GRID_H[-1]), ylim=(0, GRID_BETA[-1]), xlabel="ηλ (dimensionless)",
           ylabel="momentum β", title=f"{name}: measured r_T, T = {RATE_STEPS}")
    ax.legend(loc="upper right", fontsize=7, frameon=True)
fig.colorbar(mesh, ax=axes, label="‖Mᵀ‖^{1/T} (capped at 1.2); dotted: r_T = 1")
show(fig)
spacing = GRID_H[1] - GRID_H[0]
runs = {"heavy ball": lambda b, T: measured_rate(hb.run_step(1.0, GRID_H, b), 2, T,
                                                 batch=GRID_H.shape),
        "Nesterov": lambda b, T: measured_rate(nag.lookahead_step(GRID_H, 1.0, b), 2, T,
                                               batch=GRID_H.shape)}


def measured_edge(r):
    """Midway past the largest grid value of ηλ where the measured r_T < 1."""
    return GRID_H[len(r) - 1 - np.argmax(r[::-1] < 1.0)] + spacing / 2


for (name, rates), edge in zip(measured.items(), (hb_edge, nag_edge), strict=True):
    miss = np.array([measured_edge(r) for r in rates]) - edge(GRID_BETA)
    good = np.abs(miss) <= spacing
    print(f"{name}: measured edge within one grid cell ({spacing:.3f}) of the derived one at "
          f"{good.sum()} of {good.size} values of β")
    for b, m in zip(GRID_BETA[~good], miss[~good], strict=True):
        longer = measured_edge(runs[name](b, 8 * RATE_STEPS)) - float(edge(b))
        print(f"  β = {b:.2f}: off by {m / spacing:+.1f} cells at T = {RATE_STEPS}, "
              f"{longer / spacing:+.1f} at T = {8 * RATE_STEPS}: with ρ close to 1 the "
              "transient hides the rate for longer")

# %% [markdown]
# A slice at fixed β: the derived spectral radius (`models.heavy_ball.derived_radius`,
# `models.nesterov.nag_radius`) as lines, the measured rate as dots. At the same β,
# Nesterov's edge is 1 + 2β times lower than heavy ball's, but for ηλ near 1 it contracts
# much faster: its roots are both 0 at ηλ = 1, where heavy ball's pair has modulus √β.

# %%
def draw_slice(beta=0.9, T=400):
    h = np.linspace(0.01, 4.2, 300)
    dots = np.linspace(0.05, 4.1, 28)
    fig, ax = new_figure(width=7.0, height=3.8)
    ax.plot(h, np.abs(1 - h), color="grey", lw=1, label="GD |1 − ηλ|")
    ax.plot(h, hb.derived_radius(h, beta), color="C0", label="heavy ball ρ (derived)")
    ax.plot(h, nag.nag_radius(h, beta), color="C1", label="Nesterov ρ (derived)")
    ax.plot(dots, measured_rate(hb.run_step(1.0, dots, beta), 2, int(T), batch=dots.shape),
            "o", ms=3, color="C0", label=f"heavy ball, measured r_T (T = {int(T)})")
    ax.plot(dots, measured_rate(nag.lookahead_step(dots, 1.0, beta), 2, int(T),
                                batch=dots.shape), "s", ms=3, color="C1", mfc="none",
            label="Nesterov, measured r_T")
    for x, c in ((float(hb_edge(beta)), "C0"), (float(nag_edge(beta)), "C1")):
        ax.axvline(x, color=c, ls="--", lw=0.8)
    ax.axhline(1.0, color="k", lw=0.6)
    ax.set(ylim=(0, 1.5), xlabel="ηλ (dimensionless)", ylabel="contraction per step",
           title=f"β = {beta:g}: edges ηλ = {float(hb_edge(beta)):.3g} (HB), "
                 f"{float(nag_edge(beta)):.3g} (NAG)")
    ax.legend(fontsize=7)
    show(fig)
    spectrum = [0.1, 1.0, 4.0]
    for method in ("gd", "heavy_ball", "nesterov"):
        answer = calc.max_stable_lr(spectrum, method=method, beta=0.0 if method == "gd" else beta)
        print(f"practice.max_stable_lr({spectrum}, {method!r}): η < {answer.value:.4g}  "
              f"[{answer.formula}]")


if interact:
    interact(draw_slice, beta=FloatSlider(value=0.9, min=0.0, max=0.98, step=0.01),
             T=IntSlider(value=400, min=20, max=2000, step=20))
else:
    draw_slice(beta=0.9, T=400)

# %% [markdown]
# "Stable" is an asymptotic statement. Inside the region a random state can still grow for
# a while before it contracts: the exact probability comes from Mᵀ in rational arithmetic
# (`models.heavy_ball.exact_power`, `growth_probability`).

# %%
for beta, frac, steps in ((0.9, 0.5, 5), (0.9, 0.5, 20), (0.5, 0.5, 5)):
    eta = frac * 2 * (1 + beta)
    p_grow = hb.growth_probability(hb.exact_power(eta, 1.0, beta, steps))
    print(f"β = {beta}, ηλ = {eta:.2f} (half-way to the edge, ρ = "
          f"{float(hb.derived_radius(eta, beta)):.3f}): P(‖s_T‖ > ‖s₀‖) after T = {steps} "
          f"steps = {p_grow:.3f}")

# %% [markdown]
# ## M3 — critical damping and Polyak's optimum

# %%
M3 = show_claim("M3")
show_steps(M3, "critical damping: smaller root", "from rest at β_c", "least r",
           "η from ημ = lower")

# %% [markdown]
# Left: from rest, β below β_c creeps in, β = β_c arrives fastest without crossing zero
# (for ηλ ≤ 1), β above β_c overshoots and rings (runs of `optimizers.heavy_ball`, the dots
# are the derived θ_t = (1 + √h t)(1 − √h)ᵗ). Middle: the spectral radius against β at fixed
# ηλ is smallest exactly at β_c. Right: at Polyak's (η*, β*) every curvature in [μ, L]
# contracts at the same rate (√κ − 1)/(√κ + 1); gradient descent at its best η contracts
# at (κ − 1)/(κ + 1).

# %% Parameters (M3)
M3_PARAMS = {"h": 0.25, "kappa": 100.0, "steps": 20}

# %%
rest_closed = as_function(rhs(M3, "from rest at β_c"), "h", "t")


def draw_m3(h=0.25, kappa=100.0, steps=20):
    steps = int(steps)
    beta_c = float(critical_beta(sp.nsimplify(h)))
    fig, (a1, a2, a3) = new_figure(ncols=3, width=14.0, height=4.0)
    t = np.arange(steps + 1)
    for scale, style in ((0.4, ":"), (1.0, "-"), (1.6, "--")):
        state, path = (1.0, 0.0), [1.0]
        for _ in range(steps):
            # curvature λ = 1, learning rate η = h
            state = heavy_ball(state[0], state[1], state[0], h, min(scale * beta_c, 0.999))
            path.append(state[0])
        a1.plot(t, path, style, label=f"β = {scale:g}·β_c")
    a1.plot(t, rest_closed(h, t), "o", ms=3, color="C1", label="closed form at β_c")
    a1.axhline(0, color="grey", lw=0.8)
    a1.set(xlabel="step t", ylabel="θ_t from rest (θ₀ = 1)",
           title=f"ηλ = {h:g}: β_c = {beta_c:.4g}")
    a1.legend(fontsize=7)
    betas = np.linspace(0, 0.99, 400)
    a2.plot(betas, hb.derived_radius(h, betas), label="derived ρ(β)")
    a2.plot(betas[::20], hb.numeric_radius([(h, b) for b in betas[::20]], 1.0), "o", ms=3,
            label="eigenvalues of the run matrix")
    a2.axvline(beta_c, color="C3", ls="--", lw=0.8, label="β_c = (1 − √(ηλ))²")
    a2.set(xlabel="β", ylabel="spectral radius ρ", title="The fastest β at this η is β_c")
    a2.legend(fontsize=7)
    pol = calc.polyak_momentum(1.0, kappa).value
    lam = np.geomspace(1.0, kappa, 200)
    a3.plot(lam, hb.derived_radius(pol["eta"] * lam, pol["beta"]),
            label="heavy ball at (η*, β*)")
    a3.plot(lam, np.abs(1 - 2 / (1 + kappa) * lam), label="GD at η = 2/(μ + L)")
    a3.plot(lam, hb.derived_radius(pol["eta"] * lam, pol["beta"] / 2), ":",
            label="heavy ball at (η*, β*/2)")
    dots = np.geomspace(1.0, kappa, 12)
    a3.plot(dots, measured_rate(hb.run_step(pol["eta"], dots, pol["beta"]), 2, 1000,
                                batch=dots.shape), "o", ms=3, color="C0",
            label="measured r_T, T = 1000")
    a3.axhline(pol["rate"], color="C3", ls="--", lw=0.8, label="(√κ − 1)/(√κ + 1)")
    a3.set(xscale="log", ylim=(0, 1.05), xlabel="curvature λ (μ = 1)",
           ylabel="contraction per step", title=f"Polyak's minimax, κ = {kappa:g}")
    a3.legend(fontsize=7)
    show(fig)
    print(f"practice.polyak_momentum(1, {kappa:g}): η* = {pol['eta']:.4g}, "
          f"β* = {pol['beta']:.4g}, rate = {pol['rate']:.4g}")
    e_fold = -1 / math.log(pol["rate"])
    gd = -1 / math.log((kappa - 1) / (kappa + 1))
    print(f"iterations per e-fold: heavy ball {e_fold:.2f} (√κ/2 = {math.sqrt(kappa) / 2:.2f}), "
          f"GD {gd:.2f} (κ/2 = {kappa / 2:.1f})")


if interact:
    interact(draw_m3, h=FloatSlider(value=0.25, min=0.01, max=3.9, step=0.01),
             kappa=FloatSlider(value=100.0, min=2.0, max=1000.0, step=1.0),
             steps=IntSlider(value=20, min=5, max=80))
else:
    draw_m3(**M3_PARAMS)

# %% [markdown]
# Move ηλ past 1: β_c = (1 − √(ηλ))² is still the fastest β, but its double root
# 1 − √(ηλ) is negative and θ_t flips sign every step. "No overshoot" needs η ≤ 1/λ.
#
# ## M4 — momentum as a damped particle
#
# With time step √η the heavy ball tends to the ODE θ'' + γθ' + ∇L = 0 with friction
# γ = (1 − β)/√η. The energy L + ½‖θ'‖² of the flow decays; on the iterates the matching
# energy is L + ‖Δθ‖²/(2η).

# %%
M4 = show_claim("M4")
show_steps(M4, "h² coefficient", "friction from β", "ODE critical damping",
           "… as a momentum", "discrete critical damping")

# %% [markdown]
# The flow is solved with `solve_ivp` (`models.damped_flow.damped_flow`) on a non-quadratic
# loss, log cosh θ₁ + ½aθ₂², and the heavy ball is run at several η with β = 1 − γ√η so that
# all share the same friction (`energy_comparison`). The gap closes like √η.

# %% Parameters (M4)
M4_GAMMA, M4_THETA0, M4_A = 1.0, (2.5, -1.5), 0.5
M4_ETAS = (0.3, 0.1, 0.03, 0.01, 0.003)

# %%
flow = df.damped_flow(df.log_cosh_loss(M4_A), M4_THETA0, M4_GAMMA, 8.0)
fig, (left, right) = new_figure(ncols=2, width=11.5, height=4.0)
s_fine = np.linspace(0, 8.0, 400)
left.plot(s_fine, flow.energy_at(s_fine), "k", lw=2, label="ODE energy E(s)")
errors = []
for i, eta in enumerate(M4_ETAS):
    comp = df.energy_comparison(flow, eta, 1 - M4_GAMMA * math.sqrt(eta))
    errors.append(np.max(np.abs(comp.discrete - comp.flow)) / comp.flow[0])
    if i % 2 == 0:
        left.plot(comp.times, comp.discrete, "o-", ms=2.5, lw=0.8,
                  label=f"heavy ball, η = {eta:g}, β = {1 - M4_GAMMA * math.sqrt(eta):.3g}")
left.set(xlabel="time s = t√η", ylabel="energy", yscale="log",
         title=f"Same friction γ = {M4_GAMMA:g}, different η")
left.legend(fontsize=7)
root = np.sqrt(M4_ETAS)
right.loglog(root, errors, "o-", label="max_t |E_t − E(t√η)| / E(0)")
right.loglog(root, errors[0] * root / root[0], ":", color="grey", label="slope 1 (∝ √η)")
right.set(xlabel="√η", ylabel="relative energy gap", title="The iterates leave the ODE at O(√η)")
plain_ticks(right, [0.05, 0.1, 0.2, 0.5])
plain_ticks(right, [0.02, 0.05, 0.1, 0.2], axis="y")
right.legend(fontsize=7)
show(fig)
print(f"energy balance of the solver: |E(S) + D(S) − E(0)| = {abs(flow.balance):.1e} "
      f"(bound {flow.bound:.1e})")
for h in (0.01, 0.1, 0.25):
    print(f"ηλ = {h}: ODE critical β = 1 − 2√(ηλ) = {1 - 2 * math.sqrt(h):.3f}, discrete "
          f"(1 − √(ηλ))² = {(1 - math.sqrt(h)) ** 2:.3f}")

# %% [markdown]
# The ODE's critical momentum is ηλ below the discrete one and turns negative at ηλ > ¼:
# for stiff directions the continuous picture is not the discrete method.
#
# ## M6 — the effective per-parameter rates of AdaGrad, RMSProp and Adam

# %%
M6 = show_claim("M6")
show_steps(M6, "AdaGrad's rate −Δθ_t/g", "RMSProp: E v_t", "bias-corrected",
           "ratio of expectations", "exact E sign(g)")

# %% [markdown]
# Under noisy gradients g ~ N(μ, s²) the rules divide by a random denominator, and the
# expected rate is not the ratio of expectations. The exact expectations come from
# quadratures in `models.adam_moments` / `models.adaptive_rates`; the crosses are a Monte
# Carlo ensemble of the three optimizers (`models.adaptive_rates.run_rules`, which calls
# `lrtheory.optimizers.adagrad`, `rmsprop`, `adam`).

# %% Parameters (M6)
M6_PARAMS = {"snr": 1.0, "beta1": 0.9, "beta2": 0.999, "rho": 0.99}
M6_CHAINS = 5000

# %%
def draw_m6(snr=1.0, beta1=0.9, beta2=0.999, rho=0.99):
    mu, s = snr, 1.0
    ts = np.unique(np.geomspace(2, 300, 14).astype(int))
    curves = ar.rate_curves(ts, mu, s, rho)
    hp = ar.Hyper(eta=1.0, eps=1e-12, beta1=beta1, beta2=beta2, rho=rho)
    rng = np.random.default_rng(0)
    grads = mu + s * rng.standard_normal((int(ts[-1]), M6_CHAINS))
    sim = {int(t): ar.run_rules(list(grads[:t]), hp) for t in ts[::3]}
    fig, (left, mid, right) = new_figure(ncols=3, width=14.5, height=4.0)
    left.loglog(ts, curves["adagrad"], label="AdaGrad, exact E[(Σg²)^(−½)]")
    left.loglog(ts, curves["adagrad_ratio"], ":", label="AdaGrad, (t(μ² + s²))^(−½)")
    left.loglog(ts, curves["rmsprop"], label="RMSProp, exact E[v_t^(−½)]")
    left.loglog(ts, curves["rmsprop_ratio"], ":", label="RMSProp, ratio of expectations")
    left.loglog(list(sim), [r.adagrad_rate.mean() for r in sim.values()], "x", color="C0")
    left.loglog(list(sim), [r.rmsprop_rate.mean() for r in sim.values()], "x", color="C2",
                label=f"Monte Carlo means ({M6_CHAINS} chains)")
    left.set(xlabel="step t", ylabel="rate / η (units 1/s)",
             title=f"Per-parameter rates, μ/s = {snr:g}")
    left.legend(fontsize=7)
    t_adam = np.array([1, 2, 3, 5, 8, 13, 20, 40, 80, 160])
    exact = [adam_step_expectation(beta1, beta2, int(t), mu, s).value for t in t_adam]
    ratio = mu / math.sqrt(mu * mu + s * s)
    mid.semilogx(t_adam, exact, "o-", label="exact E[m̂/√v̂]")
    mid.axhline(ratio, color="C3", ls=":", label="ratio of expectations r = μ/√(μ² + s²)")
    adam_sim = {t: ar.run_rules(list(grads[:t]), hp).adam_step for t in t_adam[::3]}
    mid.errorbar(list(adam_sim), [x.mean() for x in adam_sim.values()],
                 yerr=[3 * x.std() / math.sqrt(x.size) for x in adam_sim.values()], fmt="x",
                 color="k", label="Monte Carlo mean ± 3 s.e.")
    mid.set(xlabel="step t", ylabel="Adam step / η",
            title=f"Adam, β = ({beta1:g}, {beta2:g})")
    mid.legend(fontsize=7)
    gaps = np.geomspace(1e-3, 0.99, 13)
    for b1, style in ((0.0, "--"), (beta1, "-")):
        err = [float(ar.ratio_error(b1, 1 - g, np.array([snr]))[0]) for g in gaps]
        right.semilogx(gaps, 100 * np.array(err), style, label=f"β₁ = {b1:g}")
    right.axhline(0, color="grey", lw=0.8)
    right.set(xlabel="1 − β₂", ylabel="r / E[m̂/√v̂] − 1 (%)",
              title="Stationary error of the ratio rule")
    right.legend(fontsize=7)
    show(fig)
    for b1 in (0.0, beta1):
        err = [float(ar.ratio_error(b1, 1 - g, np.array([snr]))[0]) for g in (0.9, 0.5, 0.1)]
        print(f"β₁ = {b1:g}: r/E − 1 = " + ", ".join(
            f"{100 * e:+.1f} % at β₂ = {1 - g:g}" for e, g in zip(err, (0.9, 0.5, 0.1),
                                                                  strict=True)))
    first = float(ar.first_step_error(np.array([snr]))[0])
    print(f"first Adam step is η·sign(g): the ratio r misjudges its mean by {100 * first:+.1f} % "
          f"at μ/s = {snr:g} (sup over μ/s: {100 * (math.sqrt(math.pi / 2) - 1):.1f} %)")


if interact:
    interact(draw_m6, snr=FloatSlider(value=1.0, min=0.1, max=3.0, step=0.1),
             beta1=FloatSlider(value=0.9, min=0.0, max=0.99, step=0.01),
             beta2=FloatSlider(value=0.999, min=0.9, max=0.9999, step=0.0001, readout_format=".4f"),
             rho=FloatSlider(value=0.99, min=0.5, max=0.999, step=0.001, readout_format=".3f"))
else:
    draw_m6(**M6_PARAMS)

# %% [markdown]
# The ratio of expectations r is a good guide to Adam's mean step only with a long
# second-moment memory: near β₂ = 0.999 it is within a fraction of a percent once the
# bias correction has faded. With a short memory it is off by tens of percent, and the
# sign of the error depends on β₁ (printed above): momentum makes the true mean step
# *larger* than r. The first step is sign(g) whatever the β's.
#
# ## M8 — decoupled weight decay is L2 with α = λ_wd/η

# %%
M8 = show_claim("M8")
show_steps(M8, "fixed point of w ← (1−λ_wd)w", "α with w_L2", "(AdamW)",
           "α matching the shrunk point", "α matching the iterate")

# %% [markdown]
# Three rules, one problem: a 2-D quadratic ½Σhᵢ(wᵢ − cᵢ)² with gradient noise. The
# stationary mean of each rule is compared with the L2 solution hc/(h + α). Holding
# λ_wd/η fixed keeps decoupled decay's solution where it is whatever η; holding λ_wd
# fixed (the usual mistake when the learning rate is retuned) moves it. The literal
# "shrink, then step" order has α = λ_wd/(η(1 − λ_wd)) at the shrunk point.

# %% Parameters (M8)
M8_H, M8_C = np.array([0.5, 2.0]), np.array([1.0, -2.0])
M8_PARAMS = {"ratio": 0.5, "wd_fixed": 0.05, "sigma": 0.2}
M8_CHAINS, M8_STEPS = 1000, 250

# %%
l2_solution = as_function(rhs(M8, "L2 minimiser"), "h", "c", "alpha")
alpha_seq = as_function(rhs(M8, "α matching the shrunk point"), "eta", "lambda_wd")


def stationary_mean(rule, eta, wd, sigma, rng):
    """Mean of the rule's w over an ensemble after M8_STEPS noisy steps from w = 0."""
    w = np.zeros((M8_CHAINS, 2))
    for _ in range(M8_STEPS):
        noise = sigma * rng.standard_normal((M8_CHAINS, 2))

        def grad(x, noise=noise):
            return M8_H * (x - M8_C) + noise

        if rule == "sequential":
            w = decoupled_weight_decay_sequential(w, grad, eta, wd)
        elif rule == "adamw":
            w = decoupled_weight_decay_lr_scaled(w, grad(w), eta, wd)
        else:
            w = decoupled_weight_decay(w, grad(w), eta, wd)
    return w.mean(axis=0)


def draw_m8(ratio=0.5, wd_fixed=0.05, sigma=0.2):
    etas = np.geomspace(0.04, 0.6, 40)
    dots = etas[::8]
    rng = np.random.default_rng(0)
    fig, ax = new_figure(width=7.5, height=4.2)
    ax.axhline(l2_solution(M8_H[0], M8_C[0], ratio), color="k", lw=2,
               label=f"L2 solution, α = {ratio:g}")
    ax.plot(etas, l2_solution(M8_H[0], M8_C[0], wd_fixed / etas), "-.",
            label=f"decoupled, λ_wd held at {wd_fixed:g} (α = λ_wd/η drifts)")
    shrunk = l2_solution(M8_H[0], M8_C[0], alpha_seq(etas, ratio * etas))
    ax.plot(etas, shrunk / (1 - ratio * etas), ":", label="shrink-then-step iterate w*")
    sim = np.array([stationary_mean("decoupled", e, ratio * e, sigma, rng)[0] for e in dots])
    ax.plot(dots, sim, "o", color="k", label="decoupled, λ_wd = ratio·η: ensemble mean")
    sim_seq = np.array([stationary_mean("sequential", e, ratio * e, sigma, rng)[0]
                        for e in dots])
    ax.plot(dots, sim_seq, "s", color="C2", mfc="none", label="shrink then step: ensemble mean")
    sim_adamw = np.array([stationary_mean("adamw", e, ratio, sigma, rng)[0] for e in dots])
    ax.plot(dots, sim_adamw, "^", color="C4", label=f"AdamW form (1 − ηλ_wd), λ_wd = {ratio:g}")
    ax.set(xscale="log", xlabel="learning rate η", ylabel=f"stationary mean of w₁ (h = "
           f"{M8_H[0]:g}, c = {M8_C[0]:g})", title="Weight decay: which knob to hold fixed")
    plain_ticks(ax, [0.05, 0.1, 0.2, 0.5])
    ax.legend(fontsize=7)
    show(fig)
    a = calc.weight_decay(0.1, ratio * 0.1, eta_new=0.3)
    print(f"practice.weight_decay(η = 0.1, λ_wd = {ratio * 0.1:g}, η_new = 0.3): "
          f"α = {a.value['l2_strength']:g}, λ_wd at η_new = {a.value['wd_new']:g}")
    w = np.zeros(2)
    for _ in range(200):  # noiseless L2 through the gradient at α = ratio: same fixed point
        w = l2_regularised_step(w, M8_H * (w - M8_C), 0.2, ratio)
    print(f"L2 through the gradient (η = 0.2, α = {ratio:g}) converges to {w[0]:.6f}; "
          f"L2 solution {l2_solution(M8_H[0], M8_C[0], ratio):.6f}")


if interact:
    interact(draw_m8, ratio=FloatSlider(value=0.5, min=0.05, max=1.5, step=0.05),
             wd_fixed=FloatSlider(value=0.05, min=0.005, max=0.3, step=0.005),
             sigma=FloatSlider(value=0.2, min=0.0, max=1.0, step=0.05))
else:
    draw_m8(**M8_PARAMS)

# %% [markdown]
# ## Verification through the engine
#
# The same claims, checked by `lrtheory.verify`: every identity decided exactly by SymPy,
# every model check against its numerical tolerance, every Monte Carlo statistic tested at a
# family-wise false-alarm rate with a negative control that must be rejected. To keep the
# notebook fast this runs a subset at a coarse resolution (0.05: the negative controls sit
# 5 % away from each prediction, so fewer chains are needed); `lrtheory report` runs the
# full catalogue at the default 0.02.

# %%
run = verify(registry.select(["M3", "M8"]), Settings(seed=0, resolution=0.05), jobs=1)
display(run)

# %% [markdown]
# A claim's own figure takes the run's result: here M8's, with the Monte Carlo means and
# their test intervals from the run above.

# %%
m8_result = next(c for c in run.claims if c.claim.id == "M8")
show(M8.figure(m8_result))
for point in m8_result.points:
    print(f"{point.point.label}: {point.verdict.value}"
          + (f" ({point.point.note})" if point.point.note else ""))
