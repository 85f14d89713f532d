"""``LayerFeatures``: the activations of any named layers of any torch module, as views.

Forward hooks on the named submodules (``module.named_modules()``) record their
outputs during one forward pass per batch; each layer's output becomes one view
of the package's stacked-views array, with feature names ``<layer>__f<i>``.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.frozen import FrozenEstimator
from sklearn.utils.validation import check_is_fitted
from skorch import NeuralNet

from sklearn_ccafusion.nets._classifier._data import as_float_tensor
from sklearn_ccafusion.nets._classifier._device import autocast, check_device, unwrap_module
from sklearn_ccafusion.nets._classifier._inputs import forward_errors
from sklearn_ccafusion.utils._layer_outputs import check_samples_first, layer_names
from sklearn_ccafusion.utils._validation import check_count

__all__ = ["LayerFeatures", "layer_activations"]

_POOLINGS = ("avg", "flatten")


def _as_tensor_output(output: Any, name: str) -> torch.Tensor:
    """A hooked module's output: a tensor, or the first tensor of a tuple/list."""
    if isinstance(output, (tuple, list)):
        output = next((o for o in output if torch.is_tensor(o)), None)
    if not torch.is_tensor(output):
        raise TypeError(
            f"Layer {name!r} returned {type(output).__name__}, not a tensor; choose a "
            "module whose output is a tensor."
        )
    return output


def _pool(output: torch.Tensor, pooling: str, module: torch.nn.Module | None = None):
    """``(n, d)`` features of a layer's output ``(n, channels, *spatial)``, as a copy.

    The copy is taken inside the hook: a later in-place operation of the same
    forward pass (``ReLU(inplace=True)``, a residual ``out += identity``) changes
    the output tensor itself, and a view of it (``reshape``, ``[:, None]``) with it.
    A batch-first sequence layer's output ``(n, sequence, features)`` is averaged
    over the sequence (``"avg"``), its features being on the last axis.
    """
    output = output.detach()
    if output.ndim == 1:
        return output[:, None].clone()
    if output.ndim == 2:
        return output.clone()
    if pooling == "avg":
        if getattr(module, "batch_first", None) is True and output.ndim == 3:
            return output.float().mean(dim=1)  # (n, sequence, features): over the steps
        return output.float().mean(dim=tuple(range(2, output.ndim)))  # a new tensor
    return output.reshape(output.shape[0], -1).clone()


class LayerFeatures(TransformerMixin, BaseEstimator):
    """Activations of named layers of a torch module, stacked column-wise as views.

    Forward hooks on the named submodules record their outputs while the whole
    module runs on each batch, in eval mode and without gradients. A layer
    whose output has more than two dimensions (a convolutional map
    ``(n, channels, *spatial)``) is global-average-pooled over the spatial axes
    (``pooling="avg"``, one feature per channel) or flattened
    (``pooling="flatten"``, ``channels * prod(spatial)`` features, in
    ``reshape`` order). A batch-first sequence layer (one built with
    ``batch_first=True``: ``torch.nn.LSTM``, ``GRU``, ``RNN``, the Transformer
    layers) gives ``(n, sequence, features)``: ``"avg"`` averages it over the
    sequence, one feature per hidden unit. The output is ``np.hstack`` of the
    layers' features, in the order of ``layers``, so CCA between two layers is
    ``CCAProjector(view_sizes=...)`` on two of its views.

    Every output's first axis must be the batch's samples, on every batch:
    a layer that reduces over the batch, or a sequence-first layer
    (``batch_first=False``, torch's default, whose output is
    ``(sequence, n, features)``), is refused with the fix.

    Parameters
    ----------
    module : SensorNetClassifier, FrozenEstimator or torch.nn.Module
        A fitted :class:`SensorNetClassifier` (its ``module_`` runs as its own
        ``transform`` does: device, precision, memory format), the same wrapped
        in :class:`sklearn.frozen.FrozenEstimator` (so that ``clone`` keeps it
        fitted), or any :class:`torch.nn.Module` (the user's own, or one
        restored from a local file with ``module.load_state_dict(torch.load(
        path, weights_only=True))``). A plain module is deep-copied: the given
        one is never moved or switched to eval mode.
    layers : str or sequence of str
        Names from ``module.named_modules()``, nested with dots
        (``"hidden_layers.3"``, torchvision's ``"layer1.0.conv1"``). A module
        called several times in one forward pass gives its last call's output;
        a module returning a tuple gives its first tensor.
    pooling : {"avg", "flatten"}, default="avg"
        Reduction of outputs with more than two dimensions.
    batch_size : int or None, default=None
        Samples per forward pass. ``None``: the network's own batch size (so its
        features equal its ``transform`` bit for bit), 256 for a plain module.
    device : str, torch.device or None, default=None
        Where the forward passes run (``"auto"``: CUDA when present). ``None``:
        the network's ``device``, or where a plain module's parameters are.

    Attributes
    ----------
    module_ : torch.nn.Module
        The module that runs.
    device_ : torch.device
        Where it runs.
    layers_ : tuple of str
        The layers, in output order.
    view_sizes_ : tuple of int
        Number of features of each layer.
    n_features_in_ : int
        Columns of ``X`` in ``fit``, when ``X`` is 2-D.

    See Also
    --------
    NetFeatures : Penultimate features of several networks, stacked as views.

    Notes
    -----
    ``fit`` trains nothing: it resolves the module, checks the layer names and
    runs one sample to learn each layer's width. With
    ``set_output(transform="pandas")`` the columns are ``<layer>__f<i>``,
    which the multi-view estimators read as views when ``view_sizes=None``.

    ``fit`` and ``transform`` raise a ``ValueError`` naming the layer, the
    shape it returned and the batch's size when a layer's output does not
    have the samples on its first axis, and one naming the module, the
    batch's shape and torch's message when the module cannot run on the input
    (a width or dtype it was not built for). ``fit`` raises a ``TypeError``
    when ``layers`` is not a name or a list of names.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_ccafusion.nets import LayerFeatures, MLPNet
    >>> module = MLPNet(64, 10, hidden=(32, 16))
    >>> [name for name, _ in module.named_modules()][:4]
    ['', 'hidden_layers', 'hidden_layers.0', 'hidden_layers.1']
    >>> layers = LayerFeatures(module, ["hidden_layers.1", "hidden_layers.3"])
    >>> F = layers.fit_transform(np.zeros((5, 64), dtype=np.float32))
    >>> F.shape, layers.view_sizes_
    ((5, 48), (32, 16))
    >>> layers.get_feature_names_out()[[0, 32]].tolist()
    ['hidden_layers.1__f0', 'hidden_layers.3__f0']
    """

    def __init__(
        self,
        module: Any,
        layers: str | Sequence[str],
        *,
        pooling: str = "avg",
        batch_size: int | None = None,
        device: str | torch.device | None = None,
    ) -> None:
        self.module = module
        self.layers = layers
        self.pooling = pooling
        self.batch_size = batch_size
        self.device = device

    # ------------------------------------------------------------- resolution
    def _net(self) -> Any:
        net = self.module
        while isinstance(net, FrozenEstimator):
            net = net.estimator
        return net

    def _resolve_module(self) -> tuple[torch.nn.Module, torch.device, Any]:
        """The module to run, its device, and the net whose input path it uses (or None)."""
        net = self._net()
        if isinstance(net, torch.nn.Module):
            params = list(net.parameters())
            current = params[0].device if params else torch.device("cpu")
            device = torch.device(check_device(self.device) or current)
            return copy.deepcopy(net).to(device).eval(), device, None
        if isinstance(net, NeuralNet):
            if not getattr(net, "initialized_", False) or not hasattr(net, "_prepare_input"):
                raise ValueError(
                    f"The {type(net).__name__} given as module is not a fitted "
                    "SensorNetClassifier (clone() unfits a network); fit it first, and wrap "
                    "a fitted one in sklearn.frozen.FrozenEstimator to keep it through clone()."
                )
            device = check_device(self.device)
            if device is not None and torch.device(device) != torch.device(net.device):
                raise ValueError(
                    f"device={device!r} differs from the network's device {net.device!r}; "
                    "set the network's device (net.set_params(device=...)) or leave "
                    "device=None."
                )
            return unwrap_module(net.module_), torch.device(net.device), net
        raise TypeError(
            f"module must be a fitted SensorNetClassifier (or a FrozenEstimator of one) or "
            f"a torch.nn.Module, got {type(net).__name__}."
        )

    def _check_layers(self, module: torch.nn.Module) -> tuple[str, ...]:
        layers = tuple(layer_names(self.layers, "layers"))
        available = [name for name, _ in module.named_modules() if name]
        unknown = [name for name in layers if name not in available]
        if unknown:
            raise ValueError(
                f"Unknown layer name(s) {unknown} in {type(module).__name__}; the available "
                f"names (module.named_modules()) are: {available}."
            )
        bad = [name for name in layers if "__" in name]
        if bad:
            raise ValueError(f"Layer names may not contain '__' (the view separator): {bad}.")
        return layers

    # ---------------------------------------------------------------- running
    def _batch_size(self, net: Any, n_samples: int) -> int:
        if self.batch_size is not None:
            return self.batch_size
        if net is None:
            return 256
        size = net.get_params_for("iterator_valid").get("batch_size", net.batch_size)
        return n_samples if size == -1 else int(size)

    def _run(self, X: Any, module, device, net, layers) -> list[NDArray[np.float32]]:
        """Each layer's features on all of ``X``, batched, in eval mode."""
        if self.pooling not in _POOLINGS:
            raise ValueError(f"pooling must be one of {_POOLINGS}, got {self.pooling!r}.")
        if self.batch_size is not None:
            check_count(self.batch_size, "batch_size")
        X = X if torch.is_tensor(X) else as_float_tensor(X)
        if len(X) == 0:
            raise ValueError("Found an input with 0 samples; at least 1 is required.")
        submodules = dict(module.named_modules())
        captured: dict[str, torch.Tensor] = {}

        n_batch = [0]

        def recorder(name):
            def hook(hooked, _inputs, output):
                output = _as_tensor_output(output, name)
                check_samples_first(output, hooked, name, n_batch[0])
                captured[name] = _pool(output, self.pooling, hooked)

            return hook

        modes = [(m, m.training) for m in module.modules()]
        handles = [submodules[name].register_forward_hook(recorder(name)) for name in layers]
        amp = net._amp()[1] if net is not None else False
        outputs: dict[str, list] = {name: [] for name in layers}
        try:
            module.eval()
            with torch.no_grad(), autocast(amp, device):
                size = self._batch_size(net, len(X))
                for start in range(0, len(X), size):
                    batch = X[start : start + size]
                    n_batch[0] = len(batch)
                    captured.clear()
                    x = net._prepare_input(batch) if net is not None else batch.to(device)
                    with forward_errors(module, x):
                        module(x)
                    for name in layers:
                        if name not in captured:
                            raise ValueError(
                                f"Layer {name!r} was not called in the forward pass of "
                                f"{type(module).__name__}; choose a layer that forward() uses."
                            )
                        outputs[name].append(captured[name].float().cpu())
        finally:
            for handle in handles:
                handle.remove()
            for submodule, training in modes:
                submodule.training = training
        return [torch.cat(outputs[name]).numpy() for name in layers]

    # -------------------------------------------------------------- estimator
    def fit(self, X: Any, y: Any = None) -> LayerFeatures:
        """Resolve the module, check the layer names, and learn each layer's width.

        Parameters
        ----------
        X : array-like or tensor of shape (n_samples, ...)
            Inputs of the module (only the first two samples are run).
        y : None
            Ignored.

        Returns
        -------
        self : LayerFeatures
        """
        module, device, net = self._resolve_module()
        layers = self._check_layers(module)
        blocks = self._run(X[:2], module, device, net, layers)
        self.module_, self.device_, self._net_ = module, device, net
        self.layers_ = layers
        self.view_sizes_ = tuple(int(block.shape[1]) for block in blocks)
        if len(np.shape(X)) == 2:
            self.n_features_in_ = int(np.shape(X)[1])
        return self

    def transform(self, X: Any) -> NDArray[np.float32]:
        """The layers' features, ``np.hstack([F_layer1, F_layer2, ...])``.

        Parameters
        ----------
        X : array-like or tensor of shape (n_samples, ...)
            Inputs of the module.

        Returns
        -------
        features : ndarray of shape (n_samples, sum(view_sizes_)), float32
        """
        check_is_fitted(self, "view_sizes_")
        blocks = self._run(X, self.module_, self.device_, self._net_, self.layers_)
        for name, block, size in zip(self.layers_, blocks, self.view_sizes_):
            if block.shape[1] != size:
                raise ValueError(
                    f"Layer {name!r} gave {block.shape[1]} features but {size} in fit; "
                    "inputs of another size change its output (use pooling='avg')."
                )
        return np.concatenate(blocks, axis=1)

    def layer_features(self, X: Any) -> dict[str, NDArray[np.float32]]:
        """Each layer's features separately, by name.

        Parameters
        ----------
        X : array-like or tensor of shape (n_samples, ...)
            Inputs of the module.

        Returns
        -------
        features : dict of str to ndarray of shape (n_samples, width)
        """
        F = self.transform(X)
        bounds = np.cumsum((0, *self.view_sizes_))
        return {name: F[:, a:b] for name, a, b in zip(self.layers_, bounds[:-1], bounds[1:])}

    def get_feature_names_out(self, input_features: Any = None) -> NDArray[np.object_]:
        """Output names ``<layer>__f<i>``, one group per layer.

        Parameters
        ----------
        input_features : ignored
            The output names do not depend on the input's.

        Returns
        -------
        names : ndarray of str objects
        """
        check_is_fitted(self, "view_sizes_")
        return np.asarray(
            [
                f"{name}__f{i}"
                for name, size in zip(self.layers_, self.view_sizes_)
                for i in range(size)
            ],
            dtype=object,
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.requires_fit = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags


def layer_activations(
    module: Any,
    layers: str | Sequence[str],
    X_train: Any,
    X_validation: Any,
    **params: Any,
) -> dict[str, tuple[NDArray[np.float32], NDArray[np.float32]]]:
    """Each layer's activations on the training and validation inputs, by name.

    The input of :func:`sklearn_ccafusion.study.layer_study`.

    Parameters
    ----------
    module : SensorNetClassifier, FrozenEstimator or torch.nn.Module
        As :class:`LayerFeatures`'s ``module``.
    layers : str or sequence of str
        Names from ``module.named_modules()``, in depth order.
    X_train : array-like or tensor of shape (n_train, ...)
        Training inputs of the module.
    X_validation : array-like or tensor of shape (n_validation, ...)
        Validation inputs.
    **params
        ``pooling``, ``batch_size``, ``device`` of :class:`LayerFeatures`.

    Returns
    -------
    activations : dict of str to (ndarray, ndarray)
        ``{layer: (train, validation)}``, in the order of ``layers``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_ccafusion.nets import MLPNet, layer_activations
    >>> acts = layer_activations(MLPNet(4, 2, hidden=(3,)), ["hidden_layers.1", "classifier"],
    ...                          np.ones((5, 4)), np.ones((2, 4)))
    >>> {name: (a.shape, b.shape) for name, (a, b) in acts.items()}
    {'hidden_layers.1': ((5, 3), (2, 3)), 'classifier': ((5, 2), (2, 2))}
    """
    features = LayerFeatures(module, layers, **params).fit(X_train)
    train = features.layer_features(X_train)
    validation = features.layer_features(X_validation)
    return {name: (train[name], validation[name]) for name in features.layers_}
