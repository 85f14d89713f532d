"""``python -m sklearn_ccafusion`` runs the ``ccafusion`` command."""

import sys

from sklearn_ccafusion.cli import main

sys.exit(main())
