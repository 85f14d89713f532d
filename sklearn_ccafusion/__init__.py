"""Canonical correlation analysis of neural-network features, inside scikit-learn.

sklearn-ccafusion studies and fuses the features that two networks learn, on one
sensor or on different sensors: exact and streaming CCA (:class:`CCAProjector`),
the subspace projection study (:class:`SubspaceProjector`,
:mod:`sklearn_ccafusion.study`), and CCA-sum fusion (:class:`CCASumFusion`)
compared with logit averaging (:class:`LogitAverageFusion`). Importing the
package does not import torch; the networks live in :mod:`sklearn_ccafusion.nets`.
"""

__version__ = "0.2.0"

from sklearn_ccafusion.cca._cca import CCAProjector  # noqa: E402
from sklearn_ccafusion.cca._subspace import SubspaceProjector  # noqa: E402
from sklearn_ccafusion.cca._whitening import PCAWhitener  # noqa: E402
from sklearn_ccafusion.fusion import (  # noqa: E402
    CCASumFusion,
    KernelELMClassifier,
    LogitAverageFusion,
)
from sklearn_ccafusion.head._class_layer import ClassLayerClassifier  # noqa: E402

__all__ = [
    "CCAProjector",
    "CCASumFusion",
    "ClassLayerClassifier",
    "KernelELMClassifier",
    "LogitAverageFusion",
    "PCAWhitener",
    "SubspaceProjector",
    "__version__",
]
