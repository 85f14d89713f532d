"""``NetFeatures``: train several networks and stack their penultimate features as views.

The output is the package's stacked-views array, ``np.hstack([F1, F2, ...])``, with
``view_sizes_`` and feature names ``<name>__f<i>``, so ``CCAProjector``,
``SubspaceProjector`` and the fusion estimators find the views by themselves.

Trained nets on disk (``cache_dir``, :meth:`NetFeatures.save`) are weights and plain
data only (:mod:`sklearn_ccafusion.nets._net_files`): reading them never runs code,
and the code of a net always comes from the nets the caller constructs. ``cache_dir``
follows the package's one convention for trained networks
(:mod:`sklearn_ccafusion.utils._net_cache`, shared with the study's networks stage):
one key of what determines a trained net, atomic files, damaged files trained again
with a warning naming them.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.base import TransformerMixin, clone
from sklearn.frozen import FrozenEstimator
from sklearn.utils import Bunch
from sklearn.utils.metaestimators import _BaseComposition
from sklearn.utils.validation import check_is_fitted

from sklearn_ccafusion.nets._features._features_files import load_nets, save_nets
from sklearn_ccafusion.nets._features._inputs import _as_index, _check_selection, _hashable, _select
from sklearn_ccafusion.nets._joint._joint import fit_jointly
from sklearn_ccafusion.nets._net_files import net_file_bytes, restore_net
from sklearn_ccafusion.utils._net_cache import NetCache, trained_net_key

__all__ = ["NetFeatures"]


class NetFeatures(TransformerMixin, _BaseComposition):
    """Train networks, each on its part of the input, and stack their penultimate features.

    Parameters
    ----------
    nets : list of (str, estimator) tuples
        The networks, named. Each is a :class:`SensorNetClassifier` (cloned and
        trained by ``fit``) or a :class:`sklearn.frozen.FrozenEstimator` wrapping a
        fitted one (used as is). Names reach the nets' parameters:
        ``set_params(acc__max_epochs=50)``, ``GridSearchCV`` over
        ``"<step>__<name>__module__hidden"``. Names may not contain ``"__"``.
    inputs : dict, list or None, default=None
        What each net sees of ``X``: ``inputs[name]`` (or the i-th entry of a list)
        is ``None`` (all of ``X``: the same-sensor case, nets differing by seed),
        an int, a list of ints or a slice selecting along axis 1 (channels of a
        ``(n, n_signals, H, W)`` stack of sensors, columns of a 2-D array), or a list
        of column names of a DataFrame. ``None`` gives all of ``X`` to every net. A
        dict needs exactly the nets' names; a list one entry per net.
    cache_dir : str, path or None, default=None
        Directory of trained nets. ``fit`` stores each trained net there, as
        ``<name>-<key>.pt``, keyed by what determines it (the content of its
        training data, its seed, class and parameters, its device and the
        package version; not ``progress`` or ``verbose``), and reuses it when
        the same net meets the same data again (a study that does not
        retrain). The files hold weights and plain data only, read with
        ``torch.load(weights_only=True)`` into a clone of the net given here: a
        file never runs code. A damaged or unreadable file is trained again
        and replaced, with a warning naming it. Only skorch nets
        (:class:`SensorNetClassifier`) are cached.
    joint : bool, default=True
        Train the nets that share module and recipe (differing by
        ``random_state``) and see inputs of one shape together, as one
        vectorised model (:func:`fit_jointly`); each net is the one its own
        ``fit`` would give, up to floating-point reassociation. Nets that
        cannot join (see :func:`fit_jointly`) train one at a time. ``False``:
        every net trains with its own ``fit``.

    Attributes
    ----------
    nets_ : list of (str, estimator) tuples
        The fitted nets.
    named_nets_ : sklearn.utils.Bunch
        The fitted nets by name.
    view_sizes_ : tuple of int
        Number of features of each net, in order.
    n_features_in_ : int
        Columns of ``X`` in ``fit``, when ``X`` is 2-D.

    See Also
    --------
    SensorNetClassifier : One network whose ``transform`` is its penultimate features.

    Notes
    -----
    ``transform`` returns float32 ``np.hstack`` of the nets' features; with
    ``set_output(transform="pandas")`` its columns are ``<name>__f<i>``, which the
    multi-view estimators read as views when their ``view_sizes=None``. For nets
    of different widths given as a bare array, pass ``view_sizes=view_sizes_``.

    Trust model of the files: what :meth:`save` and ``cache_dir`` write is data
    (state dicts of tensors, classes, history, JSON settings), and reading it
    never runs code, so a folder from someone else can at worst give wrong
    weights, never take over the process. The code (network classes, modules,
    criteria, optimisers) always comes from the nets you construct and pass to
    ``NetFeatures`` or :meth:`load`; a class name written in a file is only
    compared with yours, never imported. Pickling a whole ``NetFeatures``
    (``pickle``, ``joblib``) remains possible, with pickle's rule: unpickle only
    what you trust.

    Examples
    --------
    Two "sensors", the left and right halves of the digit images:

    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_ccafusion.nets import MLPNet, NetFeatures, SensorNetClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> X = X.reshape(-1, 8, 8)[:, :, :4].reshape(-1, 32), X.reshape(-1, 8, 8)[:, :, 4:]
    >>> X = np.hstack([X[0], X[1].reshape(-1, 32)]) / 16
    >>> net = SensorNetClassifier(MLPNet, module__n_features=32, module__n_classes=10,
    ...                           module__hidden=16, max_epochs=3, random_state=0)
    >>> feats = NetFeatures([("left", net), ("right", net)],
    ...                     inputs={"left": slice(0, 32), "right": slice(32, 64)})
    >>> F = feats.fit_transform(X, y)
    >>> F.shape, feats.view_sizes_
    ((1797, 32), (16, 16))
    >>> feats.get_feature_names_out()[[0, 16]].tolist()
    ['left__f0', 'right__f0']
    """

    def __init__(
        self,
        nets: Sequence[tuple[str, Any]],
        inputs: dict[str, Any] | Sequence[Any] | None = None,
        cache_dir: str | Path | None = None,
        joint: bool = True,
    ) -> None:
        self.nets = nets
        self.inputs = inputs
        self.cache_dir = cache_dir
        self.joint = joint

    # ---------------------------------------------------------- composition
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Parameters, with each net's as ``<name>__<param>`` when ``deep``.

        Parameters
        ----------
        deep : bool, default=True
            Also return the nets themselves and their parameters.

        Returns
        -------
        params : dict of str to object
        """
        return self._get_params("nets", deep=deep)

    def set_params(self, **params: Any) -> NetFeatures:
        """Set parameters, a net's as ``<name>__<param>``.

        Parameters
        ----------
        **params
            Parameters by name; ``<name>`` alone replaces a net.

        Returns
        -------
        self : NetFeatures
        """
        self._set_params("nets", **params)
        return self

    @property
    def named_nets(self) -> Bunch:
        """The (unfitted) nets by name."""
        return Bunch(**dict(self.nets))

    @property
    def named_nets_(self) -> Bunch:
        """The fitted nets by name."""
        check_is_fitted(self, "nets_")
        return Bunch(**dict(self.nets_))

    def _validate_nets(self) -> list[str]:
        if (
            not isinstance(self.nets, (list, tuple))
            or not self.nets
            or not all(isinstance(item, (list, tuple)) and len(item) == 2 for item in self.nets)
        ):
            raise ValueError(
                f"nets must be a non-empty list of (name, net) tuples, got {self.nets!r}."
            )
        names = [name for name, _ in self.nets]
        self._validate_names(names)
        for name, net in self.nets:
            if not (hasattr(net, "fit") and hasattr(net, "transform")):
                raise TypeError(
                    f"Net {name!r} ({type(net).__name__}) needs fit and transform methods; "
                    "use SensorNetClassifier or a FrozenEstimator wrapping a fitted one."
                )
        return names

    def _selections(self, names: list[str]) -> list[Any]:
        inputs = self.inputs
        if inputs is None:
            return [None] * len(names)
        if isinstance(inputs, dict):
            missing = [n for n in names if n not in inputs]
            extra = [k for k in inputs if k not in names]
            if missing or extra:
                raise ValueError(
                    f"inputs must have one entry per net, keyed by the nets' names {names}; "
                    f"missing {missing}, unknown {extra}."
                )
            return [inputs[n] for n in names]
        if isinstance(inputs, (list, tuple)):
            if len(inputs) != len(names):
                raise ValueError(
                    f"inputs has {len(inputs)} entries but there are {len(names)} nets "
                    f"{names}; give one selection per net (or a dict keyed by name)."
                )
            return list(inputs)
        raise TypeError(f"inputs must be None, a dict or a list, got {type(inputs).__name__}.")

    # ---------------------------------------------------------------- fit
    def _cache_path(self, name: str, net: Any, X: Any, y: Any) -> Path | None:
        if self.cache_dir is None or isinstance(net, FrozenEstimator):
            return None
        params = net.get_params(deep=False)
        seed = params.pop("random_state", None)
        device = params.pop("device", None)
        try:
            key = trained_net_key(
                (_hashable(X), _hashable(y)),
                seed=seed,
                recipe={"class": type(net), **params},
                device=device,
            )
        except TypeError as error:  # a parameter with no faithful fingerprint
            warnings.warn(f"Net {name!r} is not cached: {error}", UserWarning, stacklevel=4)
            return None
        return NetCache(self.cache_dir).path(name, key, ".pt")

    @staticmethod
    def _from_cache(net: Any, path: Path | None) -> Any:
        """The net restored from its cache file, or ``None`` to train it."""
        if path is None:
            return None
        # stacklevel 4: the warning points at the caller of ``fit``
        return NetCache.load(path, lambda file: restore_net(net, file), stacklevel=4)

    def _fit_nets(self, names: list[str], inputs: list[Any], y: Any) -> list[Any]:
        """The fitted nets: from the cache, frozen, or trained (jointly when allowed)."""
        fitted: list[Any] = [None] * len(names)
        paths = [self._cache_path(n, net, X, y) for n, (_, net), X in zip(names, self.nets, inputs)]
        todo = []
        for i, ((_, net), path) in enumerate(zip(self.nets, paths)):
            if isinstance(net, FrozenEstimator):
                fitted[i] = net
            else:
                fitted[i] = self._from_cache(net, path)
                if fitted[i] is None:
                    todo.append(i)
        clones = [clone(self.nets[i][1]) for i in todo]
        for i, net in zip(todo, clones):
            if net.get_params(deep=False).get("progress") is True:
                net.set_params(progress=names[i])  # the bar shows the net's name
        if self.joint and clones:  # none when every net was cached
            fit_jointly(clones, [inputs[i] for i in todo], y)
        else:
            clones = [net.fit(inputs[i], y) for net, i in zip(clones, todo)]
        for i, net in zip(todo, clones):
            fitted[i] = net
            if paths[i] is not None:
                try:
                    data = net_file_bytes(net)
                except TypeError as error:
                    warnings.warn(f"Net {names[i]!r} is not cached: {error}", stacklevel=3)
                else:
                    NetCache.save(paths[i], lambda tmp, data=data: tmp.write_bytes(data))
        return fitted

    @staticmethod
    def _width(net: Any, X_one: Any) -> int:
        components = getattr(net, "class_components_", None)
        if components is not None:
            return int(np.shape(components)[1])
        return int(np.shape(net.transform(X_one))[1])

    def fit(self, X: Any, y: Any = None) -> NetFeatures:
        """Train each net on its part of ``X``.

        Parameters
        ----------
        X : array-like, DataFrame or tensor of shape (n_samples, ...)
            Inputs: a 2-D table or a stack of sensors ``(n, n_signals, H, W)``.
        y : array-like of shape (n_samples,)
            Class labels (ignored by frozen nets).

        Returns
        -------
        self : NetFeatures
        """
        names = self._validate_nets()
        selections = self._selections(names)
        for name, selection in zip(names, selections):
            _check_selection(X, selection, name)
        inputs = [_select(X, selection) for selection in selections]
        nets_, sizes = [], []
        for name, fitted, X_net in zip(names, self._fit_nets(names, inputs, y), inputs):
            nets_.append((name, fitted))
            sizes.append(self._width(fitted, X_net[:1]))
        self.nets_ = nets_
        self.view_sizes_ = tuple(sizes)
        if len(np.shape(X)) == 2:
            self.n_features_in_ = int(np.shape(X)[1])
        return self

    # ----------------------------------------------------------- transform
    def transform(self, X: Any) -> NDArray[np.float32]:
        """Stacked penultimate features of the nets, ``np.hstack([F1, F2, ...])``.

        Parameters
        ----------
        X : array-like, DataFrame or tensor of shape (n_samples, ...)
            Inputs, as in ``fit``.

        Returns
        -------
        features : ndarray of shape (n_samples, sum(view_sizes_)), float32
        """
        check_is_fitted(self, "nets_")
        names = [name for name, _ in self.nets_]
        selections = self._selections(names)
        for name, selection in zip(names, selections):
            _check_selection(X, selection, name)
        blocks = []
        for (name, net), selection, size in zip(self.nets_, selections, self.view_sizes_):
            block = np.asarray(net.transform(_select(X, selection)))
            if block.ndim != 2 or block.shape[1] != size:
                raise ValueError(
                    f"Net {name!r} returned features of shape {block.shape}, expected "
                    f"(n_samples, {size})."
                )
            blocks.append(block.astype(np.float32, copy=False))
        return np.concatenate(blocks, axis=1)

    def get_feature_names_out(self, input_features: Any = None) -> NDArray[np.object_]:
        """Output names ``<name>__f<i>``, one group per net.

        Parameters
        ----------
        input_features : ignored
            The output names do not depend on the input's.

        Returns
        -------
        names : ndarray of str objects
        """
        check_is_fitted(self, "nets_")
        return np.asarray(
            [
                f"{name}__f{i}"
                for (name, _), size in zip(self.nets_, self.view_sizes_)
                for i in range(size)
            ],
            dtype=object,
        )

    # -------------------------------------------------------- persistence
    def save(self, directory: str | Path) -> Path:
        """Write the fitted nets' weights and a JSON manifest to ``directory``.

        Each net's learned state (state dicts of its module, criterion and
        optimiser, its classes, seed and history) goes to ``<name>.pt``, readable
        with ``torch.load(weights_only=True)`` (a name that is not a readable file
        name, such as ``../x``, becomes a slug of it and a short hash, so no file
        is written outside ``directory``); names, file names, view sizes, inputs
        and each net's parameters (classes and functions by name) go to
        ``manifest.json``. No file holds code: :meth:`load` restores the weights
        into nets you construct.

        Parameters
        ----------
        directory : str or path
            Created if needed; ``<name>.pt`` files and the manifest are overwritten.

        Returns
        -------
        directory : pathlib.Path

        Raises
        ------
        TypeError
            When a net is not a skorch network (its state cannot be stored
            without pickles).
        """
        check_is_fitted(self, "nets_")
        names = [name for name, _ in self.nets_]
        inputs = {n: _as_index(s) for n, s in zip(names, self._selections(names))}
        return save_nets(self, directory, inputs)

    @classmethod
    def load(cls, directory: str | Path, nets: Any = None) -> NetFeatures:
        """A fitted ``NetFeatures`` from :meth:`save`'s directory, nets frozen.

        The saved weights are restored into clones of the nets you give: the
        files are read as data (``torch.load(weights_only=True)`` and JSON), and
        the networks' code comes from you, never from the files. Each given net
        must have the class, module and ``module__*`` parameters of the saved
        one (checked); its other parameters (``device``, ``batch_size``...) are
        yours to choose.

        Its ``nets`` are ``FrozenEstimator`` wrappers of the loaded nets, so
        refitting (e.g. inside a ``Pipeline``) does not retrain them.

        Parameters
        ----------
        directory : str or path
            A directory written by :meth:`save`.
        nets : list of (str, estimator) tuples or NetFeatures
            The unfitted nets, as passed to the ``NetFeatures`` that was saved
            (or that ``NetFeatures`` itself), one per saved name.

        Returns
        -------
        features : NetFeatures

        Raises
        ------
        ValueError
            When a file is damaged, holds anything but data, was written by a
            version that stored pickles (refused: re-create it with
            :meth:`save`), or does not fit the given net.

        Examples
        --------
        >>> import tempfile
        >>> import numpy as np
        >>> from sklearn_ccafusion.nets import MLPNet, NetFeatures, SensorNetClassifier
        >>> rng = np.random.default_rng(0)
        >>> X, y = rng.normal(size=(40, 6)), np.arange(40) % 2
        >>> net = SensorNetClassifier(MLPNet, module__n_features=6, module__n_classes=2,
        ...                           module__hidden=4, max_epochs=2, random_state=0)
        >>> feats = NetFeatures([("a", net)]).fit(X, y)
        >>> folder = feats.save(tempfile.mkdtemp())
        >>> loaded = NetFeatures.load(folder, nets=[("a", net)])
        >>> bool(np.array_equal(loaded.transform(X), feats.transform(X)))
        True
        """
        loaded, manifest = load_nets(directory, nets)
        inputs = manifest["inputs"]
        if all(s is None for s in inputs.values()):
            inputs = None
        features = cls(nets=loaded, inputs=inputs)
        features.nets_ = list(loaded)
        features.view_sizes_ = tuple(manifest["view_sizes"])
        if manifest.get("n_features_in") is not None:
            features.n_features_in_ = int(manifest["n_features_in"])
        return features

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.target_tags.required = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags
