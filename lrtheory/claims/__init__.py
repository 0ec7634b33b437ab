"""One module per family; each defines ``CLAIMS``, a tuple of :class:`lrtheory.claim.Claim`,
and nothing else. The registry discovers them."""
