"""Projection of view 1 onto a chosen subspace: :class:`SubspaceProjector`.

Kept as a public path; the estimator and its method registry live in
:mod:`sklearn_ccafusion.cca`.
"""

from sklearn_ccafusion.cca._subspace import METHODS, SubspaceProjector

__all__ = ["METHODS", "SubspaceProjector"]
