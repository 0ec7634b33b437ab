"""The source texts the claims quote (``shared/seeds/`` beside the checkout), by file name."""

SEED_000 = "000_df7011488d98e125.txt"
SEED_001 = "001_32b00da7b2883168.txt"
SEED_002 = "002_5c962283728203a7.txt"
SEED_003 = "003_a085d77ccba12136.txt"
SEED_004 = "004_6177c028d2ed60fe.txt"


NOT_CHECKED: tuple[tuple[str, str, str, str], ...] = (
    (SEED_000, "The Evolving Role of the Learning Rate During Training",
     "An empirical study using a teacher-student network and representation similarity metrics "
     "like Centered Kernel Alignment (CKA) provides evidence for this view",
     "an empirical study of deep networks, not an analytical statement"),
    (SEED_003, "Effects on Training Dynamics",
     "SGD with a carefully tuned fixed learning rate tends to converge to flatter minima in the "
     "loss landscape, which correlate with superior generalization performance compared to "
     "adaptive methods that may settle in sharper regions",
     "an empirical observation about deep networks and generalization; no model here decides it"),
    (SEED_003, "Effects on Training Dynamics",
     "on benchmarks like CIFAR-10, fixed \\alpha SGD can achieve competitive test errors, often "
     "around 6-7% with standard architectures",
     "a benchmark number for particular architectures, not a property of the learning rate"),
    (SEED_002, "untitled (no headings): the paragraph on Physics-Informed Neural Networks",
     "researchers might begin with a fast, stochastic-gradient-based optimizer like Adam",
     "a practice reported for PINNs (Adam, then L-BFGS), not a quantitative claim"),
)
"""Statements in the seeds left out on purpose (catalog, "Deliberately left out"): empirical
findings about deep networks rather than analytical ones. Each is (seed, section, verbatim
quote, why it is not checked); the report lists them so that their absence is visible."""
