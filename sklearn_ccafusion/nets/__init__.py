"""Networks as scikit-learn feature extractors (the only subpackage that imports torch).

Torch modules with one convention (``module.features(x)`` = penultimate features,
``module.classifier`` = the final ``nn.Linear``), the skorch classifier that
exposes them as ``transform``, and the transformer that stacks several nets'
features as views for CCA. They come with the ``nets`` extra
(``pip install 'sklearn-ccafusion[nets]'``): without PyTorch and skorch, importing
this subpackage raises an ``ImportError`` that names the extra.
"""

from sklearn_ccafusion.utils._optional import require_extra

require_extra("nets", "sklearn_ccafusion.nets")


from sklearn_ccafusion.nets._accelerate import AcceleratedSensorNetClassifier  # noqa: E402
from sklearn_ccafusion.nets._augment import FlipCrop  # noqa: E402
from sklearn_ccafusion.nets._classifier import SensorNetClassifier  # noqa: E402
from sklearn_ccafusion.nets._features import NetFeatures  # noqa: E402
from sklearn_ccafusion.nets._head import fit_linear_layer_adam, layer_from_net  # noqa: E402
from sklearn_ccafusion.nets._joint import fit_jointly, joint_training_obstacle  # noqa: E402
from sklearn_ccafusion.nets._layers import LayerFeatures, layer_activations  # noqa: E402
from sklearn_ccafusion.nets._mlp import MLPNet  # noqa: E402
from sklearn_ccafusion.nets._progress import TrainingProgress  # noqa: E402
from sklearn_ccafusion.nets._recipes import head_recipe, training_recipe  # noqa: E402
from sklearn_ccafusion.nets._resnet import CIFARResNet  # noqa: E402
from sklearn_ccafusion.nets._shl import SHLConvNet  # noqa: E402
from sklearn_ccafusion.nets._threads import FLOPS_PER_THREAD  # noqa: E402
from sklearn_ccafusion.nets._timeseries import TimeSeriesConvNet  # noqa: E402

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
