"""Networks as scikit-learn feature extractors (the only subpackage that imports torch).

Torch modules with one convention (``module.features(x)`` = penultimate features,
``module.classifier`` = the final ``nn.Linear``), the skorch classifier that
exposes them as ``transform``, and the transformer that stacks several nets'
features as views for CCA.
"""

from sklearn_ccafusion.nets._accelerate import AcceleratedSensorNetClassifier
from sklearn_ccafusion.nets._augment import FlipCrop
from sklearn_ccafusion.nets._classifier import SensorNetClassifier
from sklearn_ccafusion.nets._features import NetFeatures
from sklearn_ccafusion.nets._head import fit_linear_layer_adam, layer_from_net
from sklearn_ccafusion.nets._joint import fit_jointly, joint_training_obstacle
from sklearn_ccafusion.nets._layers import LayerFeatures, layer_activations
from sklearn_ccafusion.nets._mlp import MLPNet
from sklearn_ccafusion.nets._progress import TrainingProgress
from sklearn_ccafusion.nets._recipes import head_recipe, training_recipe
from sklearn_ccafusion.nets._resnet import CIFARResNet
from sklearn_ccafusion.nets._shl import SHLConvNet
from sklearn_ccafusion.nets._threads import FLOPS_PER_THREAD
from sklearn_ccafusion.nets._timeseries import TimeSeriesConvNet

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
