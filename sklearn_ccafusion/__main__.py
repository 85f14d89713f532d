"""``python -m sklearn_ccafusion`` runs the ``ccafusion`` command."""

import sys

from sklearn_ccafusion.cli import main

if __name__ == "__main__":
    sys.exit(main())
