"""What a study needs to know about one trained network: its features and its layer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.frozen import FrozenEstimator
from sklearn.utils.validation import check_array

__all__ = ["NetworkFeatures"]


@dataclass(frozen=True)
class NetworkFeatures:
    """Penultimate features of one trained network and its classification layer.

    Parameters
    ----------
    train : array-like of shape (n_train, n_features)
        Features of the training samples (un-augmented, in a fixed order shared
        by every network of the study).
    validation : array-like of shape (n_validation, n_features)
        Features of the validation samples.
    coef : array-like of shape (n_classes, n_features)
        Weight of the last linear layer (its rows are the class components).
    intercept : array-like of shape (n_classes,)
        Bias of the last linear layer.
    classes : array-like of shape (n_classes,) or None
        Labels of the layer's outputs, one per row of ``coef``, of any type (the
        labels the network was trained on); ``None``: ``arange(n_classes)``. The
        studies raise when the labels they are given are not among them.

    Examples
    --------
    >>> import numpy as np
    >>> net = NetworkFeatures(np.ones((4, 3)), np.ones((2, 3)), np.zeros((2, 3)), np.zeros(2))
    >>> net.n_features, net.n_classes
    (3, 2)

    From a fitted network, or from each network of a fitted ``NetFeatures``, in one
    call: :meth:`from_net`, :meth:`from_net_features`.
    """

    train: NDArray
    validation: NDArray
    coef: NDArray
    intercept: NDArray
    classes: NDArray | None = None

    def __post_init__(self) -> None:
        def convert(name: str, value: ArrayLike, ndim: int) -> NDArray:
            array = check_array(
                value,
                dtype=[np.float64, np.float32],
                ensure_2d=ndim == 2,
                input_name=name,
            )
            object.__setattr__(self, name, array)
            return array

        train = convert("train", self.train, 2)
        validation = convert("validation", self.validation, 2)
        coef = convert("coef", self.coef, 2)
        intercept = np.ravel(convert("intercept", self.intercept, 1))
        object.__setattr__(self, "intercept", intercept)
        width = train.shape[1]
        if validation.shape[1] != width or coef.shape[1] != width:
            raise ValueError(
                f"train, validation and coef must have the same number of features, got "
                f"{width}, {validation.shape[1]} and {coef.shape[1]}."
            )
        if intercept.shape != (coef.shape[0],):
            raise ValueError(
                f"intercept has {intercept.size} entries but coef has {coef.shape[0]} rows."
            )
        classes = np.arange(coef.shape[0]) if self.classes is None else np.asarray(self.classes)
        if classes.shape != (coef.shape[0],) or len(np.unique(classes)) != classes.size:
            raise ValueError(
                f"classes must hold {coef.shape[0]} distinct labels, one per row of coef, "
                f"got {classes.tolist()!r}."
            )
        object.__setattr__(self, "classes", classes)

    @classmethod
    def from_net(
        cls, net: Any, X_train: Any, X_validation: Any, *, classes: Any = None
    ) -> NetworkFeatures:
        """Features and classification layer of one fitted network.

        Parameters
        ----------
        net : SensorNetClassifier or FrozenEstimator wrapping one
            A fitted network: anything with ``transform`` (penultimate features),
            ``class_components_``, ``class_bias_`` and ``classes_``.
        X_train : array-like or tensor of shape (n_train, ...)
            Training inputs of the network, un-augmented, in the order shared by
            every network of the study.
        X_validation : array-like or tensor of shape (n_validation, ...)
            Validation inputs.
        classes : array-like of shape (n_classes,) or None, default=None
            Labels of the layer's outputs; ``None``: the network's ``classes_``.
            Give them when the network was trained on class codes (positions in
            ``classes``) rather than on the labels themselves.

        Returns
        -------
        network : NetworkFeatures
            ``classes`` are the network's ``classes_`` unless given, so labels of
            any type (the ones the network was trained on) reach the study
            unchanged. Features and layer keep the network's float precision.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_ccafusion.nets import MLPNet, SensorNetClassifier
        >>> X = np.random.default_rng(0).normal(size=(30, 4)).astype(np.float32)
        >>> y = np.array(["walk", "run", "bike"])[np.arange(30) % 3]
        >>> net = SensorNetClassifier(MLPNet, module__n_features=4, module__n_classes=3,
        ...                           module__hidden=5, max_epochs=1, random_state=0).fit(X, y)
        >>> network = NetworkFeatures.from_net(net, X[:20], X[20:])
        >>> network.train.shape, network.classes.tolist()
        ((20, 5), ['bike', 'run', 'walk'])
        """
        while isinstance(net, FrozenEstimator):
            net = net.estimator
        missing = [
            name
            for name in ("transform", "class_components_", "class_bias_", "classes_")
            if not hasattr(net, name)
        ]
        if missing:
            raise TypeError(
                f"NetworkFeatures.from_net needs a fitted network with transform, "
                f"class_components_, class_bias_ and classes_ (a SensorNetClassifier); "
                f"{type(net).__name__} has no {', '.join(missing)}."
            )
        return cls(
            np.asarray(net.transform(X_train)),
            np.asarray(net.transform(X_validation)),
            np.asarray(net.class_components_),
            np.asarray(net.class_bias_),
            np.asarray(net.classes_ if classes is None else classes),
        )

    @classmethod
    def from_module(
        cls,
        module: Any,
        X_train: Any,
        X_validation: Any,
        *,
        layer: str | None = None,
        classifier: str | None = None,
        classes: ArrayLike | None = None,
        batch_size: int = 256,
    ) -> NetworkFeatures:
        """Features and classification layer of any trained ``torch.nn.Module``.

        The module runs batch by batch on its own device and in its own
        precision, in eval mode and without gradients; forward hooks copy the
        features. Its weights, buffers and training flags are left as they were.

        Parameters
        ----------
        module : torch.nn.Module
            A trained module whose final layer is a ``torch.nn.Linear`` (its
            rows are the class components).
        X_train : array-like or tensor of shape (n_train, ...)
            Training inputs of the module, un-augmented, in the order shared by
            every network of the study (floating inputs are cast to the module's
            precision).
        X_validation : array-like or tensor of shape (n_validation, ...)
            Validation inputs.
        layer : str or None, default=None
            Name (from ``module.named_modules()``) of the layer whose output are
            the features; an output with more than two dimensions is averaged
            over its spatial axes (a batch-first sequence layer's over its
            steps). Its output must have the samples on its first axis, on
            every batch: a sequence-first layer (``batch_first=False``) or one
            that reduces over the batch raises a ``ValueError``. ``None``: the
            input of ``classifier``, so the features are exactly what the final
            layer reads.
        classifier : str or None, default=None
            Name of the final ``torch.nn.Linear``. ``None``: the module's last
            ``torch.nn.Linear``, which must give the module's output.
        classes : array-like of shape (n_classes,) or None, default=None
            Label of each output of the module; ``None``: ``arange(n_classes)``.
        batch_size : int, default=256
            Samples per forward pass.

        Returns
        -------
        network : NetworkFeatures

        Examples
        --------
        >>> import numpy as np, torch
        >>> module = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.ReLU(),
        ...                              torch.nn.Linear(6, 3))
        >>> X = np.random.default_rng(0).normal(size=(30, 4))
        >>> network = NetworkFeatures.from_module(module, X[:20], X[20:])
        >>> network.train.shape, network.coef.shape, bool((network.train >= 0).all())
        ((20, 6), (3, 6), True)
        >>> NetworkFeatures.from_module(module, X[:20], X[20:], layer="0").train.min() < 0
        np.True_
        """
        from sklearn_ccafusion.study._module_features import module_features

        train, validation, coef, intercept = module_features(
            module,
            X_train,
            X_validation,
            layer=layer,
            classifier=classifier,
            batch_size=batch_size,
        )
        return cls(train, validation, coef, intercept, classes)

    @classmethod
    def from_net_features(
        cls, features: Any, X_train: Any, X_validation: Any
    ) -> list[NetworkFeatures]:
        """One :class:`NetworkFeatures` per network of a fitted ``NetFeatures``.

        Parameters
        ----------
        features : NetFeatures
            Fitted; each of its nets sees its own part of the inputs
            (``NetFeatures.inputs``).
        X_train : array-like or tensor of shape (n_train, ...)
            Training inputs, as ``NetFeatures.transform`` takes them.
        X_validation : array-like or tensor of shape (n_validation, ...)
            Validation inputs.

        Returns
        -------
        networks : list of NetworkFeatures
            In the order of ``features.nets_``, each with its net's ``classes_``.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_ccafusion.nets import MLPNet, NetFeatures, SensorNetClassifier
        >>> X = np.random.default_rng(0).normal(size=(30, 4)).astype(np.float32)
        >>> y = np.array(["walk", "run"])[np.arange(30) % 2]
        >>> net = SensorNetClassifier(MLPNet, module__n_features=2, module__n_classes=2,
        ...                           module__hidden=3, max_epochs=1, random_state=0)
        >>> nets = NetFeatures([("left", net), ("right", net)],
        ...                    inputs={"left": [0, 1], "right": [2, 3]}).fit(X, y)
        >>> left, right = NetworkFeatures.from_net_features(nets, X[:20], X[20:])
        >>> left.validation.shape, right.classes.tolist()
        ((10, 3), ['run', 'walk'])
        """
        if not hasattr(features, "nets_") or not hasattr(features, "view_sizes_"):
            raise TypeError(
                "NetworkFeatures.from_net_features needs a fitted NetFeatures (with nets_ "
                f"and view_sizes_), got {type(features).__name__}."
            )
        stacked = [np.asarray(features.transform(X)) for X in (X_train, X_validation)]
        bounds = np.cumsum([0, *features.view_sizes_])
        networks = []
        for (_, net), start, stop in zip(features.nets_, bounds[:-1], bounds[1:]):
            while isinstance(net, FrozenEstimator):
                net = net.estimator
            networks.append(
                cls(
                    stacked[0][:, start:stop],
                    stacked[1][:, start:stop],
                    np.asarray(net.class_components_, dtype=np.float64),
                    np.asarray(net.class_bias_, dtype=np.float64),
                    np.asarray(net.classes_),
                )
            )
        return networks

    @property
    def n_features(self) -> int:
        """Width of the penultimate layer."""
        return self.train.shape[1]

    @property
    def n_classes(self) -> int:
        """Number of outputs of the last layer."""
        return self.coef.shape[0]
