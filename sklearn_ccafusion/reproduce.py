"""The study end to end: the public path of 0.2.0, an alias of :mod:`sklearn_ccafusion.runs`.

It shows every public name of :mod:`sklearn_ccafusion.runs`, whatever that
module adds.
"""

from sklearn_ccafusion.runs import *  # noqa: F403
from sklearn_ccafusion.runs import __all__  # noqa: F401
