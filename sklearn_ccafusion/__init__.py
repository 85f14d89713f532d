"""Canonical correlation analysis of neural-network features, inside scikit-learn.

sklearn-ccafusion studies and fuses the features that two networks learn, on one
sensor or on different sensors: exact and streaming CCA (:class:`CCAProjector`),
the subspace projection study (:class:`SubspaceProjector`,
:mod:`sklearn_ccafusion.study`), and CCA-sum fusion (:class:`CCASumFusion`)
compared with logit averaging (:class:`LogitAverageFusion`). Importing the
package does not import torch; the networks live in :mod:`sklearn_ccafusion.nets`.
"""

__version__ = "0.2.0"

#: Where each public name lives; imported on first use, so that ``import
#: sklearn_ccafusion`` (and the ``ccafusion`` command's ``--help``) stays light.
_LOCATIONS = {
    "CCAProjector": "sklearn_ccafusion.cca._cca",
    "CCASumFusion": "sklearn_ccafusion.fusion",
    "ClassLayerClassifier": "sklearn_ccafusion.head._class_layer",
    "KernelELMClassifier": "sklearn_ccafusion.fusion",
    "LogitAverageFusion": "sklearn_ccafusion.fusion",
    "PCAWhitener": "sklearn_ccafusion.cca._whitening",
    "SubspaceProjector": "sklearn_ccafusion.cca._subspace",
}

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


def __getattr__(name: str):
    """Import a public estimator on first use (PEP 562)."""
    if name in _LOCATIONS:
        import importlib

        value = getattr(importlib.import_module(_LOCATIONS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """The public names and the subpackages' names."""
    return sorted(set(globals()) | set(__all__))
