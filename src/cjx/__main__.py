"""``python -m cjx`` runs the ``cjx`` command."""

import sys

from cjx.cli import main

sys.exit(main())
