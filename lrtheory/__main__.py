"""``python -m lrtheory`` runs the command line."""

import sys

from lrtheory.cli import main

sys.exit(main())
