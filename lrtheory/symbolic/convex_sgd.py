"""SGD on convex Lipschitz problems, derived with SymPy (claim D10).

The classical argument (Nemirovski et al. 2009; Shamir & Zhang 2013 for the last iterate),
every step computed rather than typed:

* the one-step identity ‖x⁺ − y‖² = ‖x − y‖² − 2ηgᵀ(x − y) + η²‖g‖² on symbolic vectors
  (any comparator y), solved for gᵀ(x_t − y) in terms of d_t = ‖x_t − y‖²;
* summed over t, the d_t telescope (SymPy's ``summation`` of d(t) − d(t+1)); with
  E gᵀ(x_t − x*) ≥ E f(x_t) − f* (convexity), E‖g‖² ≤ G², d₁ ≤ D² and d_{T+1} ≥ 0 this gives
  the bound B(η) = D²/(2ηT) + ηG²/2 on (1/T)Σ E f(x_t) − f*, minimised at η* = D/(G√T);
* the last iterate: the same telescoped sum over the last k + 1 iterates with comparator
  x_{T−k} (so d = 0 at the start) gives, for the suffix means S_k, S_{k−1} ≤ S_k + ηG²/(2k),
  summed to the harmonic number H_{T−1};
* the random-sign walk on ρG|x| (detailed balance, generating functions), on which every
  inequality but Jensen's is an equality, and the max-of-affine instance whose last iterate
  grows like ln T/√T.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import sympy as sp

from lrtheory.claim import Derivation, Identity, Step
from lrtheory.symbolic.jury import affine_root

ETA, D, G, RHO = sp.symbols("eta D G rho", positive=True)
T = sp.symbols("T", positive=True, integer=True)
J = sp.symbols("k", positive=True, integer=True)
I = sp.symbols("i", positive=True, integer=True)  # noqa: E741 (a summation index)
DIST = sp.Function("d")  # d_t = ‖x_t − y‖², y the comparator


def _dot(a: sp.Matrix, b: sp.Matrix) -> sp.Expr:
    return sp.expand((a.T * b)[0, 0])


def _root(expr: sp.Expr, x: sp.Symbol) -> sp.Expr:
    """The root of an expression affine in x (in its numerator)."""
    return affine_root(expr, x)[0]


def _ratio(expr: sp.Expr) -> sp.Expr:
    """A rational function in lowest terms (the walk's quantities are rational in ρ)."""
    return sp.factor(sp.cancel(expr))


def _sum_partial_fractions(term: sp.Expr, index: sp.Symbol, lo: Any, hi: Any) -> sp.Expr:
    """Σ term over index = lo … hi, summed term by term after partial fractions (harmonic
    numbers come out at once, where SymPy's telescoping search on the whole is slow)."""
    return sp.Add(*(sp.summation(a, (index, lo, hi))
                    for a in sp.Add.make_args(sp.apart(term, index))))


def _asymptote(expr: sp.Expr) -> sp.Expr:
    """lim_{T→∞} of an expression in harmonic numbers, rewritten exactly in digammas
    (H_n^{(m)} through ψ⁽ᵐ⁻¹⁾), where Gruntz's algorithm is fast."""
    return sp.limit(expr.rewrite(sp.digamma), T, sp.oo)


@cache
def derived() -> dict[str, Any]:
    """Every SymPy result of the derivation (cached: the model and figure reuse them)."""
    r: dict[str, Any] = {}
    x, xs, g = (sp.Matrix(sp.symbols(f"{n}_1:4", real=True)) for n in ("x", "x^*", "g"))
    xn = x - ETA * g  # gradient_step with a (stochastic) subgradient g
    r["one_step"] = sp.expand(_dot(xn - xs, xn - xs) - _dot(x - xs, x - xs)
                              - (-2 * ETA * _dot(g, x - xs) + ETA**2 * _dot(g, g)))
    # The identity in scalars: d(i+1) = d(i) − 2ηP_i + η²Q_i, P_i = g_iᵀ(x_i − y), Q_i = ‖g_i‖².
    p, q = sp.symbols("P Q", real=True)
    r["inner"] = _root(DIST(I) - 2 * ETA * p + ETA**2 * q - DIST(I + 1), p)
    r["inner_q_slope"] = sp.diff(r["inner"], q)  # > 0: Q ≤ G² bounds P from above

    def telescoped(n: Any) -> sp.Expr:
        """Σ_{i=1}^{n} P_i with Q_i → G²: the d_i telescope."""
        return sp.expand(sp.summation(r["inner"].subs(q, G**2), (I, 1, n)))

    r["telescoped"] = telescoped(T)
    # (1/T)Σ E f(x_t) − f* ≤ (1/T)Σ E P_t (convexity), d(1) ≤ D², −d(T+1) ≤ 0.
    r["bound"] = sp.expand(r["telescoped"].subs({DIST(1): D**2, DIST(T + 1): 0}) / T)
    bound = r["bound"]
    stationary = sp.Poly(sp.numer(sp.together(sp.diff(bound, ETA))), ETA)
    r["eta_star"] = next(v for v in sp.roots(stationary) if v.is_positive)
    r["curvature"] = sp.factor(sp.diff(bound, ETA, 2).subs(ETA, r["eta_star"]))
    r["bound_star"] = sp.powsimp(sp.cancel(bound.subs(ETA, r["eta_star"])))
    r["exponent"] = sp.cancel(T * sp.diff(sp.log(r["bound_star"]), T))
    r["eta_exponent"] = sp.cancel(T * sp.diff(sp.log(r["eta_star"]), T))
    # Last iterate: k + 1 steps from x_{T−k} with comparator y = x_{T−k} (d = 0 at the start):
    # (k+1)S_k − (k+1)f(x_{T−k}) ≤ telescoped(k+1), and f(x_{T−k}) = (k+1)S_k − kS_{k−1}.
    s_k, s_prev = sp.symbols("S_k S_{k-1}", real=True)
    suffix = telescoped(J + 1).subs({DIST(1): 0, DIST(J + 2): 0})
    lhs = (J + 1) * s_k - (J + 1) * ((J + 1) * s_k - J * s_prev)
    r["suffix_budget"] = sp.factor(suffix)
    r["suffix_slope"] = sp.factor(sp.diff(lhs, s_prev))  # > 0: lhs ≤ budget bounds S_{k−1}
    r["suffix_step"] = sp.factor(_root(lhs - suffix, s_prev) - s_k)
    r["suffix_sum"] = sp.summation(r["suffix_step"], (J, 1, T - 1))
    r["last_bound"] = bound + r["suffix_sum"]
    r["last_bound_star"] = sp.factor(sp.powsimp(sp.cancel(r["last_bound"].subs(
        ETA, r["eta_star"]))))
    r["last_log_rate"] = _asymptote(r["last_bound_star"] * sp.sqrt(T) / (D * G * sp.log(T)))
    r.update(_walk())
    # With E[gᵀx | x] = f(x) − f* and ‖g‖ = G the telescoped bound is an identity:
    # E avg f = DG/√T − E x²_{T+1}/(2ηT); x = (D/√T)k, k_{T+1} even (√T + T is even).
    k2 = sp.Symbol("m_2", positive=True)  # E k²_{T+1}
    exact = r["bound_star"] - (D**2 / T * k2) / (2 * r["eta_star"] * T)
    r["walk_normalised"] = sp.factor(sp.cancel(exact / r["bound_star"]))
    r["walk_limit"] = sp.limit(r["walk_normalised"].subs(k2, r["even_mean_square"]), T, sp.oo)
    # The max-of-affine instance: a_k = 1/(8k) (k = T − j + 1), b = 1/4.
    b = sp.Rational(1, 4)
    r["instance_last"] = _sum_partial_fractions(1 / (8 * J) * (b - (J - 1) / (8 * J)), J, 1, T)
    r["instance_G2"] = b**2 + sp.summation(1 / (64 * J**2), (J, 2, T))
    r["instance_normalised"] = sp.factor(r["instance_last"] / r["instance_G2"])  # √T f/(DG)
    r["instance_log_rate"] = _asymptote(r["instance_normalised"] / sp.log(T))
    return r


def _walk() -> dict[str, Any]:
    """The random-sign walk on ρG|x|: detailed balance, generating function of r^{k−1}z^k."""
    r: dict[str, Any] = {}
    z, p0, q, phi = sp.symbols("z pi_0 q Phi")
    r["first_ratio"] = _root(q * (1 + RHO) / 2 - sp.Rational(1, 2), q)  # π(1)/π(0)
    ratio = _root(q * (1 + RHO) / 2 - (1 - RHO) / 2, q)  # π(k+1)/π(k), k ≥ 1
    r["ratio"] = ratio
    gen = _root(phi - (z + ratio * z * phi), phi)  # Φ = Σ_{k≥1} r^{k−1} z^k = z + rzΦ
    c = r["first_ratio"]
    r["pi0"] = _ratio(_root(p0 + 2 * p0 * c * gen.subs(z, 1) - 1, p0))
    weight = 2 * r["pi0"] * c
    r["mean_abs"] = _ratio(weight * sp.diff(gen, z).subs(z, 1))
    even = (gen + gen.subs(z, -z)) / 2
    r["even_mass"] = _ratio(r["pi0"] + weight * even.subs(z, 1))
    r["even_mean_abs"] = _ratio(weight * sp.diff(even, z).subs(z, 1) / r["even_mass"])
    r["even_mean_square"] = _ratio(
        weight * sp.diff(z * sp.diff(even, z), z).subs(z, 1) / r["even_mass"])
    r["last_limit"] = _ratio(RHO * r["even_mean_abs"])  # √T E f(x_{T+1})/(DG) as T → ∞
    xp = sp.Symbol("x", positive=True)  # both signs of x ≠ 0: x = ±x₊
    r["equality"] = sp.Tuple(*(RHO * G * sp.sign(v) * v - RHO * G * sp.Abs(v) for v in (xp, -xp)))
    return r


def derivation() -> Derivation:
    """Claim D10's steps and identities."""
    r = derived()
    eq = Step.equation
    rate = r["instance_log_rate"]
    steps = (
        eq("‖x⁺ − y‖² − ‖x − y‖² − (−2ηgᵀ(x − y) + η²‖g‖²), x⁺ = x − ηg", "residual",
           r["one_step"], "any comparator y"),
        eq("solved for P_i = g_iᵀ(x_i − y), d_i = ‖x_i − y‖², Q_i = ‖g_i‖²", "P_i", r["inner"],
           f"∂P/∂Q = {r['inner_q_slope']} > 0, so Q_i ≤ G² bounds it"),
        eq("Σ_{i≤T} P_i with Q_i = G² (the d_i telescope)", "ΣP", r["telescoped"]),
        eq("E f(x̄_T) − f* ≤ (1/T)Σ E f(x_t) − f* ≤ (1/T)ΣP at d(1) = D², d(T+1) = 0", "B(η)",
           r["bound"], "convexity: E gᵀ(x_t − x*) ≥ E f(x_t) − f* (E g ∈ ∂f); Jensen for x̄_T; "
           "dropping −d(T+1) ≤ 0"),
        eq("dB/dη = 0", "η*", r["eta_star"]),
        eq("B''(η*) > 0: a minimum", "B''", r["curvature"]),
        eq("B(η*)", "B*", r["bound_star"]),
        eq("d ln B*/d ln T", "p", r["exponent"]),
        eq("last iterate: ΣP over the k + 1 steps from x_{T−k}, comparator x_{T−k}", "budget",
           r["suffix_budget"], "S_k = mean of E f over x_{T−k} … x_T; (k+1)S_k − (k+1)"
           "f(x_{T−k}) ≤ budget with f(x_{T−k}) = (k+1)S_k − kS_{k−1}"),
        eq("… solved for S_{k−1}: the step S_{k−1} − S_k", "increment", r["suffix_step"],
           f"the left side grows with S_{{k−1}} (slope {r['suffix_slope']}), so this bounds it"),
        eq("… summed over k < T", "S(0) − S(T−1)", r["suffix_sum"]),
        eq("last-iterate bound on E f(x_T) − f* at η*", "last gap", r["last_bound_star"]),
        eq("… × √T/(DG ln T) as T → ∞", "rate", r["last_log_rate"], "O(ln T/√T)"),
        eq("walk: detailed balance, π(1)/π(0) and π(k+1)/π(k)", "r",
           sp.Tuple(r["first_ratio"], r["ratio"])),
        eq("walk: π(0), E|k|, mass on even k", "(π0, E|k|, P(even))",
           sp.Tuple(r["pi0"], r["mean_abs"], r["even_mass"])),
        eq("walk: E[gᵀ(x − x*) | x] − (f(x) − f*) at x > 0 and x < 0", "0", r["equality"],
           "and 0 at x = 0: every inequality of the proof but Jensen's is an equality"),
        eq("walk: E avg f / B* with E x²_{T+1} = (D²/T)m₂", "ratio", r["walk_normalised"],
           f"→ {r['walk_limit']} as T → ∞, m₂ staying bounded:"),
        eq("walk: m₂ → E[k² | k even] (k_{T+1} is even: √T + T is)", "m2",
           r["even_mean_square"]),
        eq("walk, last iterate: √T E f(x_{T+1})/(DG) → ρ E[|k| | even]", "limit",
           r["last_limit"], "no ln T on this problem"),
        eq("instance: f(x_{T+1})/η = Σ_j a_j(b − a_j(T − j))", "f/eta", r["instance_last"],
           "x_{t+1,j} = η(b − a_j(t − j)) > 0 (a_j(T−j) < 1/8 < b), so h_{t+1} is the first "
           "maximiser at x_{t+1}; 0 = Σλ_i h_i with λ_j = (a_j/b)Σ_{i>j}λ_i > 0, so x* = 0"),
        eq("instance: G² = ‖h_T‖²", "G^2", r["instance_G2"]),
        eq("instance: √T f(x_{T+1})/(DG) at η = D/(G√T)", "ratio", r["instance_normalised"]),
        eq("… over ln T, as T → ∞", "slope", rate, f"≈ {float(rate):.4f}"),
    )
    identities = (
        Identity("one-step distance identity", r["one_step"], sp.Integer(0), "derived"),
        Identity("the distances telescope: Σ(d(i) − d(i+1)) = d(1) − d(T+1)",
                 sp.summation(DIST(I) - DIST(I + 1), (I, 1, T)), DIST(1) - DIST(T + 1),
                 "derived"),
        Identity("B(η) = D²/(2ηT) + ηG²/2", r["bound"], D**2 / (2 * ETA * T) + ETA * G**2 / 2,
                 "derived", note="the textbook form"),
        Identity("η* = D/(G√T)", r["eta_star"], D / (G * sp.sqrt(T)), "derived",
                 note="catalog form; the source prints α = O(1/√T)"),
        Identity("the rate shrinks like T^(−1/2) (\"\\alpha = O(1/\\sqrt{T})\")",
                 r["eta_exponent"], sp.Rational(-1, 2)),
        Identity("B(η*) = DG/√T", r["bound_star"], D * G / sp.sqrt(T), "derived",
                 note="catalog form"),
        Identity("the averaged gap decays like T^(−1/2) (\"O(1/\\sqrt{T})\")", r["exponent"],
                 sp.Rational(-1, 2)),
        Identity("suffix means: S_{k−1} ≤ S_k + ηG²/(2k) (Shamir & Zhang's recursion)",
                 r["suffix_step"], ETA * G**2 / (2 * J), "derived"),
        Identity("last iterate: DG(2 + H_{T−1})/(2√T)", r["last_bound_star"],
                 D * G * (2 + sp.harmonic(T - 1)) / (2 * sp.sqrt(T)), "derived"),
        Identity("last-iterate bound ~ DG ln T/(2√T)", r["last_log_rate"], sp.Rational(1, 2),
                 "derived"),
        Identity("the source's last iterate L(θ_T) − L(θ*) = O(1/√T) in the worst case: "
                 "sign of lim √T·gap/(DG ln T) is 0", sp.sign(rate), sp.Integer(0), "stated",
                 expect_equal=False,
                 note=f"the max-of-affine instance keeps √T·gap/(DG ln T) → {rate} ≈ "
                      f"{float(rate):.4f} > 0"),
        Identity("instance: √T·gap/(DG ln T) → 1/(3 + π²/6)", rate, 1 / (3 + sp.pi**2 / 6),
                 "derived"),
        Identity("walk: π(0) = ρ/(1 + ρ)", r["pi0"], RHO / (1 + RHO), "derived"),
        Identity("walk: stationary E|k| = 1/(2ρ)", r["mean_abs"], 1 / (2 * RHO), "derived"),
        Identity("walk: half the stationary mass on even k (period 2)", r["even_mass"],
                 sp.Rational(1, 2), "derived"),
        Identity("walk: E[g|x]ᵀ(x − x*) = f(x) − f* for x > 0 and x < 0 (the proof's "
                 "inequality is tight)", r["equality"], sp.Tuple(0, 0), "derived"),
        Identity("walk: E avg f·√T/(DG) → 1 — the bound DG/√T is attained", r["walk_limit"],
                 sp.Integer(1), "derived"),
        Identity("walk: last iterate √T E f(x_{T+1})/(DG) → (1 − ρ²)/2", r["last_limit"],
                 (1 - RHO**2) / 2, "derived"),
        Identity("instance: f(x_{T+1}) = η(H_T + H_T^(2))/64", r["instance_last"],
                 (sp.harmonic(T) + sp.harmonic(T, 2)) / 64, "derived"),
        Identity("instance: G² = (H_T^(2) + 3)/64", r["instance_G2"],
                 (sp.harmonic(T, 2) + 3) / 64, "derived"),
    )
    return Derivation(steps, identities)
