"""Networks as scikit-learn feature extractors (the only subpackage that imports torch).

Torch modules with one convention (``module.features(x)`` = penultimate features,
``module.classifier`` = the final ``nn.Linear``), the skorch classifier that
exposes them as ``transform``, and the transformer that stacks several nets'
features as views for CCA. They come with the ``nets`` extra
(``pip install 'sklearn-ccafusion[nets]'``): without PyTorch and skorch, importing
this subpackage raises an ``ImportError`` that names the extra.

Files by role: ``_architectures/`` (the torch modules), ``_classifier/`` (the skorch
classifier and its data, device, targets, threads and progress), ``_joint/`` (training
many networks together), ``_features/`` (feature transformers and their folders),
``_net_files.py`` (fitted networks as data-only files) and ``_head.py`` (the torch side
of :class:`~sklearn_ccafusion.head.ClassLayerClassifier`). The study's training recipes
live with the paper's data sets, in :mod:`sklearn_ccafusion.runs`; ``head_recipe`` and
``training_recipe`` stay importable from here.
"""

from sklearn_ccafusion.utils._optional import require_extra as _require_extra

_require_extra("nets", "sklearn_ccafusion.nets")

# ruff: noqa: E402 (the names below import torch, checked for just above)

from sklearn_ccafusion.nets._architectures._mlp import MLPNet
from sklearn_ccafusion.nets._architectures._resnet import CIFARResNet
from sklearn_ccafusion.nets._architectures._shl import SHLConvNet
from sklearn_ccafusion.nets._architectures._timeseries import TimeSeriesConvNet
from sklearn_ccafusion.nets._classifier._accelerate import AcceleratedSensorNetClassifier
from sklearn_ccafusion.nets._classifier._augment import FlipCrop
from sklearn_ccafusion.nets._classifier._classifier import SensorNetClassifier
from sklearn_ccafusion.nets._classifier._progress import TrainingProgress
from sklearn_ccafusion.nets._classifier._threads import FLOPS_PER_THREAD
from sklearn_ccafusion.nets._features._features import NetFeatures
from sklearn_ccafusion.nets._features._layers import LayerFeatures, layer_activations
from sklearn_ccafusion.nets._head import fit_linear_layer_adam, layer_from_net
from sklearn_ccafusion.nets._joint._joint import fit_jointly, joint_training_obstacle

__all__ = [
    "AcceleratedSensorNetClassifier",
    "CIFARResNet",
    "FLOPS_PER_THREAD",
    "FlipCrop",
    "LayerFeatures",
    "MLPNet",
    "NetFeatures",
    "SHLConvNet",
    "SensorNetClassifier",
    "TimeSeriesConvNet",
    "TrainingProgress",
    "fit_jointly",
    "fit_linear_layer_adam",
    "head_recipe",
    "joint_training_obstacle",
    "layer_activations",
    "layer_from_net",
    "training_recipe",
]

# The recipes belong to the paper's runs (sklearn_ccafusion.runs), which import this
# package: they are looked up on first use instead of at import.
_FROM_RUNS = {"head_recipe", "training_recipe"}


def __getattr__(name):
    if name in _FROM_RUNS:
        from importlib import import_module

        return getattr(import_module("sklearn_ccafusion.runs._recipes"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """The module's names, the recipes looked up on first use included."""
    return sorted(set(globals()) | _FROM_RUNS)
