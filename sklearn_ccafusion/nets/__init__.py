"""Networks as scikit-learn feature extractors (the only subpackage that imports torch).

Torch modules with one convention (``module.features(x)`` = penultimate features,
``module.classifier`` = the final ``nn.Linear``), the skorch classifier that
exposes them as ``transform``, and the transformer that stacks several nets'
features as views for CCA.
"""

from ._accelerate import AcceleratedSensorNetClassifier
from ._augment import FlipCrop
from ._classifier import SensorNetClassifier
from ._features import NetFeatures
from ._head import fit_linear_layer_adam, layer_from_net
from ._joint import fit_jointly, joint_training_obstacle
from ._layers import LayerFeatures, layer_activations
from ._mlp import MLPNet
from ._progress import TrainingProgress
from ._recipes import head_recipe, training_recipe
from ._resnet import CIFARResNet
from ._shl import SHLConvNet
from ._threads import FLOPS_PER_THREAD
from ._timeseries import TimeSeriesConvNet

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
