"""Exact and streaming linear CCA, the whitening it rests on, and subspace projections.

The family shares one core: the moments of the data (count, mean, centred second
moments, accumulated in float64 and mergeable batch by batch), from which
:class:`PCAWhitener` computes its principal basis, :class:`CCAProjector` its
canonical directions, and :class:`SubspaceProjector` the subspaces of the
projection study.
"""

from sklearn_ccafusion.cca._cca import CCAProjector
from sklearn_ccafusion.cca._subspace import METHODS, SubspaceProjector
from sklearn_ccafusion.cca._whitening import PCAWhitener

__all__ = ["METHODS", "CCAProjector", "PCAWhitener", "SubspaceProjector"]
