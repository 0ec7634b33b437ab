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
# # Stochastic gradients, temperature and scaling rules (family D)
#
# With minibatch gradients the learning rate sets two things at once: how fast the iterate
# falls and how hot it stays. This notebook explores the family's models on the *noisy
# quadratic model* (NQM) and its relatives, where SGD's second moments obey exact linear
# recursions, so the usual physics-style statements (temperature ∝ η/B, linear scaling,
# "decay to anneal", Kramers escape) can be put beside the exact answer and their range
# of validity read off. Each section gives
#
# 1. the **statement** and the sources' own words, read from the claim object;
# 2. the **closed form**, as SymPy derives it inside lrtheory;
# 3. an **exact model and a Monte Carlo ensemble** from the public model functions, with
#    parameters to change.
#
# **How to use it.** Run it top to bottom. Each section has a *parameters* cell: edit the
# constants and re-run, or, with `ipywidgets` installed, move the sliders. Every
# simulation is seeded (`numpy.random.default_rng(0)`, or the project's `Ensemble(seed=0)`,
# whose streams depend only on the seed), so re-runs give the same numbers. The last
# section runs the engine's verification on a few claims.
#
# The claims of the family:

# %%
import io
import math

import matplotlib.pyplot as plt
import numpy as np
import sympy as sp
from IPython.display import Image, Markdown, Math, display
from matplotlib.ticker import NullFormatter
from scipy.optimize import brentq

from lrtheory import Settings, registry, verify
from lrtheory import practice as calc
from lrtheory.models import barrier_escape as be
from lrtheory.models import batch_scaling as bs
from lrtheory.models import minibatch as mb
from lrtheory.models import nqm
from lrtheory.models import pac_bayes as pb
from lrtheory.models import robbins_monro as rm
from lrtheory.models import schedule_ranking as sr
from lrtheory.montecarlo.runner import Ensemble
from lrtheory.plotting import new_figure

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
    """``expr`` as a NumPy function of the symbols called ``names`` (in that order)."""
    by_name = {str(x): x for x in expr.free_symbols}
    return sp.lambdify([by_name.get(n, sp.Dummy(n)) for n in names], expr, ["scipy", "numpy"])


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


EXPLORED = {"D1", "D2", "D3", "D5", "D6", "D8", "D9"}  # sections below; the rest: report
rows = [f"| {c.id} | {c.title} | {len(c.points)} | {'yes' if c.id in EXPLORED else '—'} |"
        for c in registry.select(["D"])]
display(Markdown("| ID | claim | points | explored here |\n|---|---|---|---|\n" + "\n".join(rows)))

# %% [markdown]
# ## D1 — the minibatch gradient: unbiased, variance σ²/B (or less)

# %%
D1 = show_claim("D1")
show_steps(D1, "Var(ĝ_B), with replacement", "Var(ĝ_B), without replacement",
           "σ²/B over the without-replacement variance")

# %% [markdown]
# A small least-squares data set with integer per-example gradients
# (`models.minibatch.sign_design`, `least_squares_gradients`). The exact variance of the
# minibatch mean over *every* batch comes from `moments_by_size` (rational arithmetic);
# the markers are Monte Carlo batches drawn by `minibatch_means`, the sampler the claim's
# Monte Carlo uses, run through `Ensemble`.

# %% Parameters (D1)
D1_PARAMS = {"n": 32, "seed": 1}
D1_CHAINS = 10000

# %%
def draw_d1(n=32, seed=1):
    n = 8 * max(1, int(n) // 8)  # sign_design needs a multiple of 2^d (d = 3)
    x, y = mb.sign_design(n, 3, int(seed))
    grads = mb.least_squares_gradients(x, y, np.zeros(3, dtype=np.int64))
    values = mb.column(grads, 0)
    mu, var = mb.population_moments(values)
    batches = np.arange(1, n + 1)
    exact = {r: np.array([float(m.variance) for m in mb.moments_by_size(values, n, r)])
             for r in (True, False)}
    fig, ax = new_figure(width=7.0, height=4.0)
    ax.plot(batches / n, float(var) / batches, color="grey", lw=3, alpha=0.5,
            label="σ²/B (stated)")
    ax.plot(batches / n, exact[True], label="exact, with replacement")
    ax.plot(batches / n, exact[False], label="exact, without replacement")
    ax.plot(batches / n, float(var) / batches * (n - batches) / (n - 1), ":", color="k",
            label="(σ²/B)(n − B)/(n − 1) (derived)")
    for replacement, marker in ((True, "o"), (False, "s")):
        for k, b in enumerate(batches[:: max(1, n // 8)]):
            def kernel(rng, b=b, replacement=replacement):
                return mb.minibatch_means(rng, grads[:, :1], int(b), replacement)
            m = Ensemble(seed=0, key=(int(b), int(replacement))).run(kernel, D1_CHAINS)
            ax.plot(b / n, m.variance[0], marker, ms=4, mfc="none", color="C3",
                    label=f"Monte Carlo, {D1_CHAINS} batches" if k == 0 and replacement
                    else None)
    ax.set(xlabel="batch fraction B/n", ylabel="Var(ĝ_B) (gradient units²)", yscale="log",
           title=f"n = {n} examples, σ² = {float(var):.4g}, mean gradient {float(mu):.4g}")
    ax.legend(fontsize=7)
    show(fig)
    half = n // 2
    print(f"at B = n/2 = {half}: σ²/B overstates the without-replacement variance by "
          f"{100 * (float(var) / half / exact[False][half - 1] - 1):.0f} % "
          f"(derived (B − 1)/(n − B) = {100 * (half - 1) / (n - half):.0f} %)")


if interact:
    interact(draw_d1, n=IntSlider(value=D1_PARAMS["n"], min=8, max=128, step=8),
             seed=IntSlider(value=D1_PARAMS["seed"], min=0, max=9))
else:
    draw_d1(**D1_PARAMS)

# %% [markdown]
# ## D3 — constant-η SGD reaches a temperature ∝ η/B

# %%
D3 = show_claim("D3")
show_steps(D3, "stationary variance: fixed point", "SDE stationary variance: t → ∞",
           "temperature: p ∝", "(Var_∞ − Var_SDE)/Var_SDE")

# %% [markdown]
# SGD on ½λθ² with gradient noise of variance σ²/B. Left: the exact second moment
# m_t = E[θ_t²] (`models.nqm.sgd_second_moments`) against an ensemble of SGD chains
# (`models.nqm.scheduled_sgd`, the claim's own Monte Carlo kernel), and the stationary
# value of the derivation. Right: the stationary variance over its SDE value: the SDE
# (temperature ησ²/(2B)) is the first order in η of an exact law that diverges at ηλ = 2.

# %% Parameters (D3)
D3_PARAMS = {"eta_lam": 1.0, "B": 4.0, "sigma": 1.0}
D3_LAM, D3_CHAINS = 1.0, 4000

# %%
var_exact = as_function(rhs(D3, "stationary variance: fixed point"), "eta", "sigma", "B",
                        "lambda")
var_sde = as_function(rhs(D3, "SDE stationary variance: t → ∞"), "eta", "sigma", "B",
                      "lambda")


def draw_d3(eta_lam=1.0, B=4.0, sigma=1.0):
    lam = D3_LAM
    fig, (left, right) = new_figure(ncols=2, width=12.0, height=4.0)
    for i, h in enumerate(sorted({0.1, 0.5, eta_lam})):
        eta = h / lam
        steps = int(min(400, 6 / (h * (2 - h)) + 20))
        m = nqm.sgd_second_moments([lam], sigma**2 / B, np.full(steps, eta), 1.0)[:, 0]
        record = list(range(0, steps + 1, max(1, steps // 12)))
        kernel = nqm.scheduled_sgd([lam], sigma / math.sqrt(B), np.full(steps, eta), record)
        run = Ensemble(seed=0, key=(i,)).run(kernel, D3_CHAINS)
        left.plot(np.arange(steps + 1), m, color=f"C{i}", label=f"exact m_t, ηλ = {h:g}")
        left.errorbar(record, 2 * run.mean / lam, yerr=6 * run.stderr_mean / lam, fmt="o",
                      ms=3, color=f"C{i}")
        left.axhline(var_exact(eta, sigma, B, lam), color=f"C{i}", ls=":", lw=1)
    left.plot([], [], "o", color="grey", label=f"ensemble mean ± 3 s.e. ({D3_CHAINS} chains)")
    left.plot([], [], ":", color="grey", label="Var_∞ (derived)")
    left.set(xlabel="step t", ylabel="E[θ_t²]", yscale="log",
             title=f"SGD from θ₀ = 1, σ²/B = {sigma**2 / B:g}")
    left.legend(fontsize=7)
    h = np.linspace(0.01, 1.95, 200)
    right.plot(h, var_exact(h / lam, sigma, B, lam) / var_sde(h / lam, sigma, B, lam),
               label="exact Var_∞ / SDE value = 2/(2 − ηλ)")
    right.axhline(1.0, color="grey", ls=":", label="SDE: temperature ησ²/(2B)")
    h_dots = np.array([0.2, 0.6, 1.0, 1.4, 1.8])
    sim = []
    for j, hd in enumerate(h_dots):
        steps = int(8 / (hd * (2 - hd))) + 1
        kernel = nqm.scheduled_sgd([lam], sigma / math.sqrt(B), np.full(steps, hd / lam),
                                   [steps], x0=math.sqrt(var_exact(hd / lam, sigma, B, lam)))
        sim.append(Ensemble(seed=1, key=(j,)).run(kernel, D3_CHAINS))
    ratio = [2 * r.mean[0] / lam / var_sde(hd / lam, sigma, B, lam) for r, hd in zip(sim, h_dots,
                                                                                      strict=True)]
    err = [6 * r.stderr_mean[0] / lam / var_sde(hd / lam, sigma, B, lam)
           for r, hd in zip(sim, h_dots, strict=True)]
    right.errorbar(h_dots, ratio, yerr=err, fmt="o", color="k", ms=4,
                   label="ensemble, started at Var_∞")
    right.set(xlabel="ηλ (dimensionless)", ylabel="Var_∞ / (ησ²/(2Bλ))", yscale="log",
              title="Where the temperature picture breaks")
    right.legend(fontsize=7)
    show(fig)
    floor = calc.sgd_loss_floor(eta_lam / lam, [lam], sigma**2, batch=B).value
    print(f"practice.sgd_loss_floor(η = {eta_lam / lam:g}, λ = {lam:g}, σ² = {sigma**2:g}, "
          f"B = {B:g}): E[L]_∞ = {floor['floor']:.4g}, SDE {floor['sde']:.4g} "
          f"(ratio {floor['floor'] / floor['sde']:.3f})")
    print(f"η/B held at {eta_lam / lam / B:g} (linear scaling), SDE temperature "
          f"ησ²/(2B) = {eta_lam / lam / B * sigma**2 / 2:.4g} throughout:")
    for b in (B / 4, B / 2, B):
        eta = eta_lam / lam * b / B
        print(f"  B = {b:g}, ηλ = {eta * lam:.3g}: exact temperature λVar_∞ = "
              f"{lam * var_exact(eta, sigma, b, lam):.4g}")


if interact:
    interact(draw_d3, eta_lam=FloatSlider(value=D3_PARAMS["eta_lam"], min=0.05, max=1.95,
                                          step=0.05),
             B=FloatSlider(value=D3_PARAMS["B"], min=1.0, max=64.0, step=1.0),
             sigma=FloatSlider(value=D3_PARAMS["sigma"], min=0.1, max=3.0, step=0.1))
else:
    draw_d3(**D3_PARAMS)

# %% [markdown]
# ## D2 — batch-size scaling rules and where linear scaling breaks

# %%
D2 = show_claim("D2")
show_steps(D2, "√ rule: solve", "linear rule: solve", "linear rule: update variance",
           "leading order in u", "linear rule breaks where", "heavy ball breaks at")

# %% [markdown]
# An 8-direction NQM (curvatures 1 … 0.2, per-example noise 4λᵢ, as in the claim) trained
# from B₀ = 1 at η₀; the batch grows and η follows the linear or the square-root rule.
# Against the *examples processed* the linear rule keeps one curve (to first order in
# η_Bλ) until η_Bλ_max approaches 2; the √ rule keeps the update variance but falls behind.
# Curves: the exact recursion (`models.batch_scaling.loss_vs_examples`); dots: Monte Carlo
# (`simulated_curve`).

# %% Parameters (D2)
D2_CURV = np.geomspace(1.0, 0.2, 8)
D2_NOISE = 4.0 * D2_CURV
D2_PARAMS = {"eta0": 0.05, "beta": 0.0, "examples": 192}
D2_BATCHES = (1, 4, 16, 32, 64)

# %%
def draw_d2(eta0=0.05, beta=0.0, examples=192):
    examples = int(examples)
    b_star = calc.batch_scaling(eta0, 1, 64, lambda_max=float(D2_CURV[0]), beta=beta)
    edge = b_star.value["batch_break"]
    fig, (a1, a2, a3) = new_figure(ncols=3, width=15.0, height=4.2)
    for ax, power, name in ((a1, 1.0, "linear η ∝ B"), (a2, 0.5, "square root η ∝ √B")):
        for i, b in enumerate(D2_BATCHES):
            rate = bs.scaled_rate(eta0, 1, b, power)
            if rate * D2_CURV[0] >= 2 * (1 + beta):
                ax.plot([], [], color=f"C{i}", label=f"B = {b}: diverges (ηλ_max = "
                        f"{rate * D2_CURV[0]:.2g})")
                continue
            curve = bs.loss_vs_examples(D2_CURV, D2_NOISE, rate, b, examples, beta)
            ax.plot(curve.examples, curve.loss, color=f"C{i}",
                    label=f"B = {b}, ηλ_max = {rate * D2_CURV[0]:.2g}")
            if power == 1.0 and b in (4, 16) and beta == 0.0:
                n_ex, mean, se = bs.simulated_curve(D2_CURV, D2_NOISE, rate, b, examples, 1000,
                                                    Ensemble(seed=0, key=(b,)))
                ax.errorbar(n_ex[::2], mean[::2], yerr=3 * se[::2], fmt="o", ms=2.5,
                            color=f"C{i}")
        ax.set(yscale="log", xlabel="examples processed N", ylabel="expected loss E[L]",
               title=f"{name}, η₀ = {eta0:g}, β = {beta:g}")
        plain_ticks(ax, [0.1, 0.2, 0.5, 1, 2, 5], axis="y")
        ax.legend(fontsize=7)
    sizes = np.geomspace(1, 0.98 * edge, 30)
    floor = [bs.stationary_loss(D2_CURV, D2_NOISE, eta0 * b, b, beta) for b in sizes]
    a3.loglog(sizes, floor, label="stationary E[L], linear rule (Lyapunov solve)")
    ints = [b for b in (1, 2, 4, 8, 16, 32, 64, 128) if b < edge]
    final = [bs.loss_vs_examples(D2_CURV, D2_NOISE, eta0 * b, b, examples, beta).loss[-1]
             for b in ints]
    a3.loglog(ints, final, "o", label=f"E[L] after N = {examples} examples (recursion)")
    a3.axvline(edge, color="C3", ls="--", label=f"B* = 2(1 + β)B₀/(η₀λ_max) = {edge:.3g}")
    a3.set(xlabel="batch size B (linear rule)", ylabel="expected loss",
           title="Linear scaling until η_Bλ_max → 2(1 + β)")
    plain_ticks(a3, [1, 2, 4, 8, 16, 32, 64, 128])
    plain_ticks(a3, [0.2, 0.5, 1, 2, 5, 10], axis="y")
    a3.legend(fontsize=7)
    show(fig)
    for b in (16, 64):
        v16, t16 = bs.noise_ratios(D2_CURV, D2_NOISE, eta0, 1, b, 1.0)
        vs, ts = bs.noise_ratios(D2_CURV, D2_NOISE, eta0, 1, b, 0.5)
        print(f"B = {b}: linear rule Var(Δθ) × {v16:.3g}, temperature × {t16:.3g};  "
              f"√ rule Var(Δθ) × {vs:.3g}, temperature × {ts:.3g}")
    print(f"practice.batch_scaling: {b_star.note}")


if interact:
    interact(draw_d2, eta0=FloatSlider(value=0.05, min=0.01, max=0.2, step=0.01),
             beta=FloatSlider(value=0.0, min=0.0, max=0.9, step=0.1),
             examples=IntSlider(value=192, min=128, max=1024, step=64))
else:
    draw_d2(**D2_PARAMS)

# %% [markdown]
# ## D5 — the noise floor, and which schedule ends lowest

# %%
D5 = show_claim("D5")
show_steps(D5, "noise floor per direction", "linear decay: (∫η, ∫η²)", "cosine: (∫η, ∫η²)",
           "V_cos/V_lin in k", "crossover")

# %% [markdown]
# The ranking is an exact computation: every schedule of lrtheory's catalogue is run through
# the second-moment recursion of an NQM (`models.schedule_ranking.final_losses`). The
# slider picks one of the claim's settings (its points), the other sliders change it. The
# right panel is the one-direction law behind the ranking: cosine beats linear decay in
# the directions that relax more than k* times during the run.

# %% Parameters (D5)
D5_SETTINGS = [dict(p.params) for p in D5.points]
D5_PARAMS = {"setting": 0, "B": D5_SETTINGS[0]["B"], "steps": D5_SETTINGS[0]["steps"]}

# %%
ratio_law = as_function(rhs(D5, "V_cos/V_lin in k"), "k")
k_star = float(rhs(D5, "crossover"))


def draw_d5(setting=0, B=10.0, steps=64):
    params = {**D5_SETTINGS[int(setting)], "B": float(B), "steps": int(steps)}
    ranked = sr.ranking(sr.final_losses(params))
    fig, (left, right) = new_figure(ncols=2, width=12.5, height=4.3)
    names = [r[0] for r in ranked][::-1]
    values = [r[1] for r in ranked][::-1]
    colours = ["C3" if n in ("cosine", "linear decay") else "C0" for n in names]
    left.barh(names, values, color=colours)
    left.set(xscale="log", xlabel=f"exact E[L_T], T = {int(steps)} (log scale)",
             title=f"Setting {int(setting)}: λ ∈ [{params['lam_min']:g}, {params['lam_max']:g}], "
                   f"B = {B:g}")
    left.xaxis.set_minor_formatter(NullFormatter())
    k = np.geomspace(0.3, 2000, 60)
    exact_ratio = sr.cosine_linear_ratio(k, total=2000)
    right.loglog(k, exact_ratio, label="exact recursion, T = 2000")
    right.loglog(k[k > 3], ratio_law(k[k > 3]), "--", label="relaxed-direction law (derived)")
    right.axhline(9 / 8, color="grey", ls=":", label="9/8 (unrelaxed limit)")
    right.axhline(1.0, color="k", lw=0.6)
    right.axvline(k_star, color="C3", ls=":", label=f"k* = {k_star:.1f} (law)")
    right.set(xlabel="k = λη₀T (relaxation times in the run)", ylabel="V_cos(T) / V_lin(T)",
              title="Cosine against linear decay, one noisy direction")
    plain_ticks(right, [0.5, 0.7, 1.0, 1.2], axis="y")
    right.legend(fontsize=7)
    show(fig)
    crossing = np.exp(np.interp(0.0, -np.log(exact_ratio[k > 3]), np.log(k[k > 3])))
    print(f"cosine leaves less noise than linear decay once k > {crossing:.1f} (exact "
          f"recursion) against k* = {k_star:.1f} from the relaxed-direction law")
    print(f"{D5.points[int(setting)].label}")
    for name, value, above in ranked[:4]:
        print(f"  {name:18s} E[L_T] = {value:.4g}  ({100 * above:+.1f} % vs best)")
    losses = {r[0]: r[1] for r in ranked}
    print(f"  cosine − linear decay = "
          f"{100 * (losses['cosine'] / losses['linear decay'] - 1):+.1f} % of linear decay's loss")


if interact:
    interact(draw_d5, setting=IntSlider(value=0, min=0, max=len(D5_SETTINGS) - 1),
             B=FloatSlider(value=D5_PARAMS["B"], min=1.0, max=100.0, step=1.0),
             steps=IntSlider(value=D5_PARAMS["steps"], min=16, max=256, step=16))
else:
    draw_d5(**D5_PARAMS)

# %% [markdown]
# ## D6 — Robbins–Monro rates η_t = c/t

# %%
D6 = show_claim("D6")
show_steps(D6, "Robbins–Monro set", "p = 1: ansatz", "p = 1, λc = ½", "p = ½: ansatz",
           "p = 0: fixed point")

# %% [markdown]
# The exact E[e_t²] for η_t = c·t^(−p), p ∈ {0, ½, 1, 2}, side by side
# (`models.robbins_monro.power_law_moments`), with the derived asymptotes. Only p = 1 meets
# both Robbins–Monro conditions, yet p = ½ also converges, and p = 1 only reaches the 1/T
# rate when λc > ½. Right: T·E[e_T²] against λc, which the derived constant
# c²σ²/(B(2λc − 1)) predicts only away from λc = ½; the circles are a Monte Carlo ensemble
# (`common_noise_sgd`, the claim's kernel) at T = 200, beside the exact values there.

# %% Parameters (D6)
D6_PARAMS = {"lam_c": 1.5, "B": 4.0}
D6_LAM, D6_SIGMA, D6_M0, D6_T = 1.0, 1.0, 1.0, 20000

# %%
a1_law = as_function(rhs(D6, "p = 1: ansatz"), "c", "sigma", "B", "lambda")
floor_law = as_function(rhs(D6, "p = 0: fixed point"), "c", "sigma", "B", "lambda")
half_law = as_function(rhs(D6, "p = ½: ansatz"), "c", "sigma", "B", "lambda")


def draw_d6(lam_c=1.5, B=4.0):
    lam, s2 = D6_LAM, D6_SIGMA**2 / B
    c = lam_c / lam
    pairs = [(0.0, min(lam_c, 1.9)), (0.5, lam_c), (1.0, lam_c), (2.0, min(lam_c, 3.9))]
    cols, paths = rm.power_law_moments(lam, s2, D6_M0, pairs, D6_T)
    t = np.unique(np.geomspace(1, D6_T, 300).astype(int))  # plotted steps
    fig, (left, right) = new_figure(ncols=2, width=12.5, height=4.3)
    for i, pair in enumerate(pairs):
        left.loglog(t, paths[t, cols[pair], 0], color=f"C{i}",
                    label=f"p = {pair[0]:g} (λc = {pair[1]:g})")
    lo, hi = rm.stall_bracket(pairs[3][1], pairs[3][1] / lam, s2, D6_M0, D6_T)
    left.axhspan(lo, hi, color="C3", alpha=0.2, label="p = 2: derived bracket of the stall")
    tt = t[t >= 10]
    left.loglog(tt, np.full(tt.size, floor_law(pairs[0][1] / lam, D6_SIGMA, B, lam)), ":",
                color="C0", label="p = 0: noise floor")
    left.loglog(tt, half_law(c, D6_SIGMA, B, lam) / np.sqrt(tt), ":", color="C1",
                label="p = ½: cσ²/(2Bλ√t)")
    if lam_c > 0.5:
        left.loglog(tt, a1_law(c, D6_SIGMA, B, lam) / tt, ":", color="C2",
                    label="p = 1: c²σ²/(B(2λc − 1)t)")
    left.set(xlabel="step t", ylabel="E[e_t²]", title=f"η_t = c·t^(−p), λc = {lam_c:g}")
    left.legend(fontsize=7)
    grid = np.linspace(0.3, 4.0, 23)
    cols2, paths2 = rm.power_law_moments(lam, s2, D6_M0, [(1.0, a) for a in grid], D6_T)
    exact_t = D6_T * np.array([paths2[-1, cols2[(1.0, a)], 0] for a in grid])
    right.semilogy(grid, exact_t, label=f"exact T·E[e_T²], T = {D6_T}")
    above = grid[grid > 0.55]
    right.semilogy(above, a1_law(above / lam, D6_SIGMA, B, lam), "--",
                   label="c²σ²/(B(2λc − 1)) (derived)")
    mc_a = np.array([0.75, 1.0, 1.5, 2.5])
    T_mc = 200
    rates = np.hstack([rm.power_law_rates(a / lam, [1.0], T_mc) for a in mc_a])
    run = Ensemble(seed=0).run(rm.common_noise_sgd(lam, math.sqrt(s2), rates, [T_mc],
                                                   x0=math.sqrt(D6_M0)), 4000)
    cols_mc, paths_mc = rm.power_law_moments(lam, s2, D6_M0, [(1.0, a) for a in mc_a], T_mc)
    right.plot(mc_a, [T_mc * paths_mc[-1, cols_mc[(1.0, a)], 0] for a in mc_a], "x",
               color="C3", ms=7, label=f"exact at T = {T_mc}")
    right.errorbar(mc_a, T_mc * run.mean, yerr=3 * T_mc * run.stderr_mean, fmt="o", color="k",
                   ms=4, mfc="none", label=f"Monte Carlo at T = {T_mc}, ± 3 s.e. (4000 chains)")
    right.axvline(0.5, color="grey", ls=":")
    right.set(xlabel="λc", ylabel="T·E[e_T²]", title="The 1/T constant, and its blow-up at ½")
    right.legend(fontsize=7)
    show(fig)
    c_min = calc.min_robbins_monro_c([lam, 4 * lam])
    print(f"practice.min_robbins_monro_c([{lam:g}, {4 * lam:g}]): c > {c_min.value:g}  "
          f"({c_min.note})")


if interact:
    interact(draw_d6, lam_c=FloatSlider(value=1.5, min=0.25, max=3.0, step=0.05),
             B=FloatSlider(value=4.0, min=1.0, max=64.0, step=1.0))
else:
    draw_d6(**D6_PARAMS)

# %% [markdown]
# ## D8 — a learning-rate kick over a barrier

# %%
D8 = show_claim("D8")
show_steps(D8, "barrier ΔU", "one step from x₀", "I_h = [−c/h, c]", "mean escape time",
           "per step (t = η·steps)", "barrier of V over ΔU")

# %% [markdown]
# The barrier side of a double well, U = λ(x²/2 − x³/(3c)), with λ = c = 1 (ΔU = 1/6).
# Left (thermal): SGD from the minimum with gradient noise σ²/B; the probability of having
# crossed the top within K steps as a function of η, from the *exact* law of the discrete
# chain (`models.barrier_escape.escape_probability`, a quadrature of the Chapman–Kolmogorov
# recursion), from Kramers's rate with T = ησ²/(2B) (the derivation's formula), and from a
# Monte Carlo ensemble (`escape_kernel`). Right (deterministic): GD is the logistic map,
# trapped for every ηλ ≤ 3 — not 2 — after which a growing fraction of the interval escapes
# (`escape_fraction`).

# %% Parameters (D8)
D8_PARAMS = {"sigma": 1.0, "B": 3.0, "K": 100}
D8_WELL = be.CubicWell(1.0, 1.0)
D8_EXIT, D8_CHAINS = 2.0, 4000

# %%
kramers_step = as_function(rhs(D8, "per step (t = η·steps)"), "eta", "lambda_min", "mu",
                           "Delta_U", "T")
kramers_half = as_function(rhs(D8, "η for P(τ ≤ K) = ½"), "B", "Delta_U", "sigma", "K",
                           "lambda_min", "mu")


def exact_half(etas, probs, noise, K):
    """The η at which the exact law gives P(τ ≤ K) = ½: brentq on the quadrature, between
    the grid points that bracket ½ (None when the grid does not)."""
    above = np.flatnonzero(np.asarray(probs) >= 0.5)
    if above.size == 0 or above[0] == 0:
        return None

    def excess(eta):
        chain = be.EscapeChain(D8_WELL, eta, noise, D8_EXIT)
        return be.escape_probability(chain, 0.0, K) - 0.5
    return brentq(excess, etas[above[0] - 1], etas[above[0]], xtol=1e-5)


def draw_d8(sigma=1.0, B=3.0, K=100):
    K = int(K)
    noise = sigma / math.sqrt(B)
    etas = np.linspace(0.1, 1.2, 23)
    exact = [be.escape_probability(be.EscapeChain(D8_WELL, e, noise, D8_EXIT), 0.0, K)
             for e in etas]
    temp = etas * noise**2 / 2
    per_step = kramers_step(etas, D8_WELL.lam, D8_WELL.lam, D8_WELL.barrier, temp)
    fig, (left, right) = new_figure(ncols=2, width=12.5, height=4.3)
    left.plot(etas, exact, label="exact law of the SGD chain")
    left.plot(etas, 1 - np.exp(-per_step * K), "--", label="Kramers: 1 − exp(−ηkK)")
    mc_eta = etas[2::5]
    for j, e in enumerate(mc_eta):
        run = Ensemble(seed=0, key=(j,)).run(
            be.escape_kernel(be.EscapeChain(D8_WELL, e, noise, D8_EXIT), 0.0, K), D8_CHAINS)
        p = run.mean[0]
        left.errorbar(e, p, yerr=3 * math.sqrt(max(p * (1 - p), 1e-12) / D8_CHAINS), fmt="o",
                      color="k", ms=4, label=f"Monte Carlo ({D8_CHAINS} chains)" if j == 0
                      else None)
    left.axhline(0.5, color="grey", lw=0.6)
    left.set(xlabel="ηλ", ylabel=f"P(τ ≤ {K})",
             title=f"Thermal escape, σ²/B = {noise**2:.3g}, ΔU = {D8_WELL.barrier:.3g}")
    left.legend(fontsize=7)
    hs = np.linspace(2.0, 4.0, 41)
    frac = [be.escape_fraction(D8_WELL, h, 0.0, (-1 / h, 1.0), 4000, 2) for h in hs]
    right.plot(hs, frac, "o", ms=3, label="GD: fraction of [−c/(ηλ), c] past the top in 2 steps")
    above = hs[hs > 3]
    right.plot(above, np.sqrt((above - 3) / (above + 1)), label="√((ηλ − 3)/(ηλ + 1)) (derived)")
    right.axvline(2.0, color="grey", ls=":", label="stability edge ηλ = 2")
    right.axvline(3.0, color="C3", ls="--", label="escape edge ηλ = 3")
    right.set(xlabel="ηλ", ylabel="fraction escaping",
              title="No noise: trapped until the crisis at ηλ = 3")
    right.legend(fontsize=7)
    show(fig)
    closed = complex(kramers_half(B, D8_WELL.barrier, sigma, K, D8_WELL.lam, D8_WELL.lam))
    half = exact_half(etas, exact, noise, K)
    exact_text = "outside the plotted range" if half is None else f"{half:.4g}/λ"
    print(f"η with P(τ ≤ {K}) = ½: exact law {exact_text}, Kramers (Lambert W, derived) "
          f"{closed.real:.4g}/λ")
    for e in (0.3, 0.5):
        chain = be.EscapeChain(D8_WELL, e, noise, D8_EXIT)
        kr = 1 - math.exp(-float(kramers_step(e, 1.0, 1.0, D8_WELL.barrier,
                                               chain.temperature)) * K)
        print(f"η = {e}: ΔU/T = {D8_WELL.barrier / chain.temperature:.2f}, P(τ ≤ {K}) exact "
              f"{be.escape_probability(chain, 0.0, K):.4f}, Kramers {kr:.4f}")


if interact:
    interact(draw_d8, sigma=FloatSlider(value=1.0, min=0.3, max=2.0, step=0.05),
             B=FloatSlider(value=3.0, min=1.0, max=16.0, step=0.5),
             K=IntSlider(value=100, min=10, max=400, step=10))
else:
    draw_d8(**D8_PARAMS)

# %% [markdown]
# Raise B (lower the noise): the barrier becomes many temperatures high and the escape
# needs a larger η. Kramers's formula needs two things, ΔU/T ≫ 1 and a small (ηλ)²ΔU/T:
# the discrete chain's effective barrier is ΔU(1 − (ηλ)²/30), lower than the SDE's, so at
# large η and low noise the exact chain escapes more often than Kramers predicts.
#
# ## D9 — the learning rate that minimises a PAC-Bayes bound

# %%
D9 = show_claim("D9")
show_steps(D9, "dF/dv = 0", "dF(v(η))/dη = 0", "with the SDE's v(η)",
           "minimise KL alone: dKL/dv")

# %% [markdown]
# SGD's stationary law N(0, v(η)) as the posterior, a prior N(μ, s₀²), and the linear
# PAC-Bayes bound at β = n. The curve is the bound built numerically from SciPy's Lyapunov
# solver (`models.pac_bayes.bound`), the markers are the numerical minima (`minimise`), the
# vertical lines the derived closed forms. The SDE's η* overshoots by the factor
# 1 + Bλ²v*/σ², and at low noise it even lands past the stability limit.

# %% Parameters (D9)
D9_PARAMS = {"n": 9.0, "sigma": 2.0, "B": 10.0}
D9_BASE = {"lam": 1.0, "s0": 1.0, "mu": 0.5}

# %%
eta_star = as_function(rhs(D9, "dF(v(η))/dη = 0"), "B", "lambda", "s_0", "n", "sigma")
eta_star_sde = as_function(rhs(D9, "with the SDE's v(η)"), "B", "lambda", "s_0", "n", "sigma")


def draw_d9(n=9.0, sigma=2.0, B=10.0):
    p = {**D9_BASE, "n": float(n), "sigma": float(sigma), "B": float(B)}
    lam = p["lam"]
    closed = eta_star(B, lam, p["s0"], n, sigma)
    closed_sde = eta_star_sde(B, lam, p["s0"], n, sigma)
    etas = np.geomspace(closed / 10, min(1.99 / lam, closed * 10), 120)
    fig, ax = new_figure(width=7.5, height=4.2)
    ax.plot(etas, [pb.bound(e, p) for e in etas], label="bound with SGD's exact v(η)")
    ax.plot(etas, [pb.bound(e, p, sde=True) for e in etas], "--",
            label="bound with the SDE's v(η)")
    num, num_sde = pb.minimise(p), pb.minimise(p, sde=True)
    ax.plot(num.eta, pb.bound(num.eta, p), "o", color="C0", label="numerical minimum (Brent)")
    ax.plot(num_sde.eta, pb.bound(num_sde.eta, p, sde=True), "s", color="C1", mfc="none")
    ax.axvline(closed, color="C0", ls=":", label=f"η* = {closed:.4g} (derived)")
    ax.axvline(closed_sde, color="C1", ls=":", label=f"η*_SDE = {closed_sde:.4g} (derived)")
    ax.axvline(2 / lam, color="C3", lw=0.8, label="stability limit 2/λ")
    best = pb.bound(num.eta, p)
    ax.set(xscale="log", xlabel="learning rate η", ylabel="½λv + KL/n (q-dependent part)",
           ylim=(best - 0.1 * abs(best), best + 0.6 * abs(best)),
           title=f"PAC-Bayes-optimal η: n = {n:g}, σ²/B = {sigma**2 / B:.3g}")
    ax.legend(fontsize=7)
    show(fig)
    print(f"η*: derived {closed:.6g}, Brent on the numerical bound {num.eta:.6g} "
          f"(± {num.tolerance:.1e}); SDE: derived {closed_sde:.6g}, Brent {num_sde.eta:.6g}")
    print(f"SGD run at the SDE's η*: the exact bound is {pb.bound(closed_sde, p):.5g} "
          f"against {pb.bound(closed, p):.5g} at η*" if closed_sde < 2 / lam else
          f"the SDE's η* = {closed_sde:.3g} is past 2/λ: SGD has no stationary law there")


if interact:
    interact(draw_d9, n=FloatSlider(value=9.0, min=1.0, max=1000.0, step=1.0),
             sigma=FloatSlider(value=2.0, min=0.2, max=5.0, step=0.1),
             B=FloatSlider(value=10.0, min=1.0, max=64.0, step=1.0))
else:
    draw_d9(**D9_PARAMS)

# %% [markdown]
# ## Verification through the engine
#
# The same claims, checked by `lrtheory.verify`: identities decided exactly, model checks
# against their numerical tolerances, Monte Carlo statistics tested at a family-wise
# false-alarm rate with negative controls that must be rejected. A subset runs here, at a
# coarse resolution (0.05: the negative controls sit 5 % from each prediction, so fewer
# chains are needed); `lrtheory report` runs everything at the default 0.02. Most of the
# family's verdicts are *approximate*: the exact parts are verified, and the approximations
# the sources use (SDE, Kramers, σ²/B without replacement) have their error measured.

# %%
run = verify(registry.select(["D1", "D8"]), Settings(seed=0, resolution=0.05), jobs=1)
display(run)

# %% [markdown]
# A claim's own figure takes the run's result: here D8's. Its points, with the regime each
# sits in and the verdict there:

# %%
d8_result = next(c for c in run.claims if c.claim.id == "D8")
show(D8.figure(d8_result))
for point in d8_result.points:
    print(f"{point.verdict.value:12s} {point.point.regime:9s} {point.point.label}")
