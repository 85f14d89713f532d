"""``SensorNetClassifier``: a skorch classifier whose ``transform`` gives penultimate features.

skorch has no transformer for a network's penultimate features (its issues #482 and
#705 ask for one). This subclass of :class:`skorch.NeuralNetClassifier` adds it,
plus the final layer as numpy arrays, through skorch's own hooks (``get_dataset``,
``get_iterator``, ``infer``, ``get_loss``, in ``_data_hooks.py``;
``initialize_module``, ``initialize_criterion``); skorch's ``fit_loop`` is not forked.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from numpy.typing import ArrayLike, NDArray
from skorch import NeuralNetClassifier
from skorch.dataset import unpack_data

from sklearn_ccafusion.nets._classifier._data_hooks import TensorDataHooks
from sklearn_ccafusion.nets._classifier._device import (
    SEED_INIT,
    SEED_TRAIN,
    autocast,
    check_device,
    derive_seed,
    draw_seed,
    float_dtype,
    resolve_device,
    resolve_precision,
    seeded,
    unwrap_module,
    use_channels_last,
)
from sklearn_ccafusion.nets._classifier._inputs import (
    check_module_convention,
    forward_errors,
)
from sklearn_ccafusion.nets._classifier._interrupt import (
    interrupt_after_skorch,
    interrupt_past_skorch,
)
from sklearn_ccafusion.nets._classifier._targets import class_weight_array, default_callbacks
from sklearn_ccafusion.nets._classifier._threads import torch_threads, training_threads

__all__ = ["SensorNetClassifier"]


class SensorNetClassifier(TensorDataHooks, NeuralNetClassifier):
    """skorch classifier of a torch module, whose ``transform`` returns penultimate features.

    The module follows the package's convention: ``module.features(x)`` returns the
    penultimate features and ``module.classifier`` is the final
    :class:`torch.nn.Linear` (:class:`MLPNet`, :class:`SHLConvNet`,
    :class:`CIFARResNet`). Everything else is skorch's
    :class:`~skorch.classifier.NeuralNetClassifier`: ``module__*``,
    ``optimizer__*``, ``callbacks``, ``compile``, ``train_split``... are its
    parameters, so ``GridSearchCV`` reaches them. Only the defaults below differ,
    and the parameters after ``device`` are new.

    Parameters
    ----------
    module : torch.nn.Module class or instance
        The network; with a class, ``module__<arg>`` parameters build it.
    criterion : torch criterion class, default=torch.nn.CrossEntropyLoss
        The module returns logits.
    optimizer : torch optimizer class, default=torch.optim.Adam
        ``optimizer__weight_decay`` etc. reach it.
    lr : float, default=1e-3
        Learning rate.
    max_epochs : int, default=10
        Epochs per ``fit``.
    batch_size : int, default=64
        Training and inference batch size.
    train_split : callable or None, default=None
        skorch's internal validation split; ``None`` trains on all of ``X`` and
        keeps the last epoch, as the original study.
    verbose : int, default=0
        0: silent; 1: skorch's epoch table (``PrintLog``); 2: also skorch's
        ``ProgressBar``.
    device : str, torch.device or None, default="cpu"
        Compute device; ``"auto"`` is resolved to ``"cuda"`` when CUDA is present
        (else ``"cpu"``) when the net is constructed. ``None`` leaves placement to
        the caller (Accelerate). Checked when ``fit`` starts: a device this
        machine lacks (``"cuda"`` without CUDA, ``"cuda:7"`` beyond its GPUs,
        ``"mps"``) raises a ``ValueError`` listing the available ones.
    class_weight : None, "balanced", dict or array-like of shape (n_classes,), default=None
        Weights of the classes in the (mean) cross-entropy, in ``classes_``
        order. ``"balanced"`` is ``n_samples / (n_classes * counts)`` of the ``y``
        given to ``fit``; with a mean reduction only the ratios matter, so it equals
        the original study's ``1 / counts`` on the same counts.
        ``criterion__weight`` overrides it.
    lr_step_epochs : int, sequence of int or None, default=None
        Learning-rate schedule through skorch's :class:`~skorch.callbacks.LRScheduler`:
        an int ``k`` multiplies the rate by ``lr_gamma`` every ``k`` epochs
        (``StepLR``), a sequence gives the epochs where it does (``MultiStepLR``).
    lr_gamma : float, default=0.1
        Factor of each step of the schedule (``1 / 3`` for the CIFAR recipe).
    precision : {"auto", "fp32", "bf16-mixed", "bf16"}, default="auto"
        ``"bf16-mixed"``: training under bf16 autocast, inference (``predict``,
        ``transform``) in fp32 so the features stay exact; ``"bf16"``: both in
        bf16; ``"auto"``: ``"bf16-mixed"`` on CUDA when a training step sees at
        least 512 samples (``batch_size``, times the nets of a joint training),
        ``"fp32"`` otherwise (smaller steps are bound by kernel launches).
    channels_last : bool or "auto", default="auto"
        Keep the module and image batches in channels-last memory format;
        ``"auto"``: on CUDA for modules with convolutions and ``batch_size``
        of at least 512.
    data_on_device : bool, default=True
        Convert in-memory arrays once to tensors on ``device`` and slice batches
        there (no ``DataLoader``, no per-batch host copy). ``False`` (or a custom
        ``iterator_train``/``iterator_valid``, or a ``Dataset`` as ``X``) uses
        skorch's ``DataLoader`` path.
    augment : callable or None, default=None
        Applied to each training batch of inputs on the device, e.g.
        :class:`FlipCrop` for CIFAR.
    random_state : int, RandomState instance or None, default=None
        Seeds the module's initialisation, the batch order and the training
        randomness (dropout, augmentation) through torch generators forked from
        the global ones, which are left untouched. ``None``: unseeded.
    progress : bool or str, default=False
        One progress bar per ``fit`` (:class:`TrainingProgress`): epochs done, the
        last training loss (and validation scores, if any). A string names the
        bar; ``True`` names it after the module (:class:`NetFeatures` puts the
        net's name there). ``False``: no bar.
    torch_threads : "auto", int or None, default="auto"
        torch's CPU threads while this net trains and infers; the previous count
        is restored afterwards. ``"auto"``: on CPU, as many as the work of a
        training step keeps busy (one per :data:`FLOPS_PER_THREAD` operations,
        at most torch's current count), so small networks run on one thread
        instead of slowing down on many; on other devices the count is left
        alone. ``None``: never changed.
    **kwargs
        Any other :class:`~skorch.classifier.NeuralNetClassifier` parameter.

    Attributes
    ----------
    module_ : torch.nn.Module
        The trained network.
    classes_ : ndarray of shape (n_classes,)
        Class labels, ``classes`` or those of ``y``; ``predict`` returns them.
    class_components_ : ndarray of shape (n_classes, n_features), float32
        Weight of ``module_.classifier`` (the class components).
    class_bias_ : ndarray of shape (n_classes,), float32
        Bias of ``module_.classifier``.
    history_ : skorch.History
        Per-epoch and per-batch records (``train_loss``, ``lr``...).
    torch_threads_ : int or None
        The thread count of the last ``fit`` (``None``: left as it was).

    See Also
    --------
    NetFeatures : Trains several nets and stacks their features as views.
    training_recipe : The original study's training parameters.

    Notes
    -----
    ``logits = transform(X) @ class_components_.T + class_bias_`` (in eval mode).
    Targets may be any labels; they are encoded to indices of ``classes_``, and
    the module must have ``len(classes_)`` outputs. Pickling a net trained on CUDA
    and unpickling it on a machine without CUDA gives a CPU net (skorch).

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_ccafusion.nets import MLPNet, SensorNetClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> net = SensorNetClassifier(
    ...     MLPNet, module__n_features=64, module__n_classes=10, module__hidden=32,
    ...     max_epochs=5, random_state=0,
    ... ).fit(X / 16, y)
    >>> net.transform(X[:3]).shape, net.class_components_.shape
    ((3, 32), (10, 32))
    >>> bool(net.score(X / 16, y) > 0.8)
    True
    """

    def __init__(
        self,
        module: Any,
        *,
        criterion: Any = torch.nn.CrossEntropyLoss,
        optimizer: Any = torch.optim.Adam,
        lr: float = 1e-3,
        max_epochs: int = 10,
        batch_size: int = 64,
        train_split: Any = None,
        verbose: int = 0,
        device: str | torch.device | None = "cpu",
        class_weight: Any = None,
        lr_step_epochs: int | list[int] | None = None,
        lr_gamma: float = 0.1,
        precision: str = "auto",
        channels_last: bool | str = "auto",
        data_on_device: bool = True,
        augment: Any = None,
        random_state: Any = None,
        progress: bool | str = False,
        torch_threads: int | str | None = "auto",
        **kwargs: Any,
    ) -> None:
        super().__init__(
            module,
            criterion=criterion,
            optimizer=optimizer,
            lr=lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            train_split=train_split,
            verbose=verbose,
            device=resolve_device(device),
            **kwargs,
        )
        self.class_weight = class_weight
        self.lr_step_epochs = lr_step_epochs
        self.lr_gamma = lr_gamma
        self.precision = precision
        self.channels_last = channels_last
        self.data_on_device = data_on_device
        self.augment = augment
        self.random_state = random_state
        self.progress = progress
        self.torch_threads = torch_threads

    # ------------------------------------------------------------------ params
    def set_params(self, **kwargs: Any) -> SensorNetClassifier:
        """Set parameters (skorch's ``set_params``; ``device="auto"`` is resolved).

        Parameters
        ----------
        **kwargs
            Parameters by name, a module's, optimizer's or callback's as
            ``module__<name>``, ``optimizer__<name>``, ``callbacks__<name>__<param>``.

        Returns
        -------
        self : SensorNetClassifier
        """
        if "device" in kwargs:
            kwargs["device"] = resolve_device(kwargs["device"])
        return super().set_params(**kwargs)

    @property
    def _default_callbacks(self) -> list[tuple[str, Any]]:
        return default_callbacks(
            self.verbose, self.lr_step_epochs, self.lr_gamma, progress=self.progress
        )

    # -------------------------------------------------------------- resolution
    def _seed(self, purpose: int, *keys: int) -> int | None:
        seed = getattr(self, "seed_", None)
        return None if seed is None else derive_seed(seed, purpose, *keys)

    def _amp(self, samples_per_step: int | None = None) -> tuple[bool, bool]:
        samples = samples_per_step
        if samples is None and self.batch_size != -1:  # -1: the whole set, a large step
            samples = self.batch_size
        return resolve_precision(self.precision, self.device, samples)

    def _use_channels_last(self) -> bool:
        module = getattr(self, "module_", None)
        module = None if module is None else unwrap_module(module)
        return use_channels_last(self.channels_last, self.device, module, self.batch_size)

    # ---------------------------------------------------------- initialisation
    def initialize_module(self) -> SensorNetClassifier:
        """Build the module under the seed drawn from ``random_state``; check its convention."""
        self.seed_ = draw_seed(self.random_state)
        with seeded(self._seed(SEED_INIT)):
            super().initialize_module()
        check_module_convention(type(self).__name__, unwrap_module(self.module_))
        if self._use_channels_last():
            self.module_ = self.module_.to(memory_format=torch.channels_last)
        return self

    def initialize_criterion(self) -> SensorNetClassifier:
        """Build the criterion, with the class weights of ``class_weight``."""
        kwargs = self.get_params_for("criterion")
        weight = getattr(self, "class_weight_", None)
        if (
            weight is None
            and self.class_weight is not None
            and not isinstance(self.class_weight, (str, dict))
        ):
            weight = np.asarray(self.class_weight, dtype=float)
        if weight is not None:
            if "weight" in kwargs:
                raise ValueError("Set class_weight or criterion__weight, not both.")
            dtype = float_dtype(unwrap_module(self.module_))
            kwargs["weight"] = torch.as_tensor(weight, dtype=dtype)
        self.criterion_ = self.initialized_instance(self.criterion, kwargs)
        return self

    def _compute_class_weight(self, y: Any) -> None:
        """Store ``class_weight_`` (array in classes order, or None) from ``y``."""
        self.class_weight_ = None
        if y is not None:
            self.class_weight_ = class_weight_array(self.class_weight, self.classes, y)

    # ----------------------------------------------------------------- fitting
    def fit(self, X: Any, y: Any, **fit_params: Any) -> SensorNetClassifier:
        """Initialise and train the module on ``X`` (float64 accepted) and labels ``y``.

        Parameters
        ----------
        X : array-like, DataFrame, tensor or Dataset
            Inputs, shape ``(n_samples, ...)`` as the module expects.
        y : array-like of shape (n_samples,)
            Class labels, any values.
        **fit_params : dict
            Passed to skorch's ``fit``.

        Returns
        -------
        self : SensorNetClassifier
        """
        check_device(self.device)
        if not self.warm_start or not self.initialized_:
            self.__dict__.pop("classes_inferred_", None)
            self._compute_class_weight(y)
        return super().fit(X, y, **fit_params)

    def partial_fit(
        self, X: Any, y: Any = None, classes: Any = None, **fit_params: Any
    ) -> SensorNetClassifier:
        """Train for ``max_epochs`` more epochs without re-initialising (skorch's).

        The training randomness is seeded from ``random_state`` and the number of
        epochs already done, so repeated calls do not replay the same batches.

        Parameters
        ----------
        X : array-like, tensor or Dataset of shape (n_samples, ...)
            Inputs of the module.
        y : array-like of shape (n_samples,) or None, default=None
            Labels (``None`` when ``X`` is a Dataset that yields them).
        classes : array-like or None, default=None
            Ignored (scikit-learn's signature): the labels come from the ``classes``
            parameter, or from the first call's ``y``.
        **fit_params
            Passed to the module's ``forward`` and to ``train_split``.

        Returns
        -------
        self : SensorNetClassifier
        """
        check_device(self.device)
        if not self.initialized_:
            self._compute_class_weight(y)
            self.initialize()
        self.torch_threads_ = training_threads(
            self.torch_threads, self.device, unwrap_module(self.module_), X, self.batch_size
        )
        seed = self._seed(SEED_TRAIN, len(self.history))
        threads = torch_threads(self.torch_threads_)
        with interrupt_after_skorch(), threads, seeded(seed, self.device):
            return super().partial_fit(X, y, classes=classes, **fit_params)

    def fit_loop(self, X: Any, y: Any = None, epochs: Any = None, **fit_params: Any) -> Any:
        """skorch's training loop; Ctrl-C is passed on (skorch would keep a half-trained net).

        Parameters
        ----------
        X, y, epochs, **fit_params
            As skorch's :meth:`~skorch.net.NeuralNet.fit_loop`.

        Returns
        -------
        self : SensorNetClassifier
        """
        with interrupt_past_skorch():
            return super().fit_loop(X, y, epochs=epochs, **fit_params)

    def forward_iter(self, X: Any, training: bool = False, device: str = "cpu") -> Any:
        """skorch's batched forward pass, on the thread count of the last ``fit``.

        Parameters
        ----------
        X : array-like, tensor or Dataset
            Inputs.
        training : bool, default=False
            Run the module in training mode.
        device : str, default="cpu"
            Where the outputs are stored.

        Yields
        ------
        y_pred : torch.Tensor
            The module's output on each batch.
        """
        with torch_threads(getattr(self, "torch_threads_", None)):
            yield from super().forward_iter(X, training=training, device=device)

    # --------------------------------------------------------------- outputs
    def _run_batches(self, X: Any, fn: Any) -> NDArray[np.float32]:
        """Apply ``fn(module, x)`` to the batches of ``X`` in eval mode, without grad."""
        self.check_is_fitted()
        module = unwrap_module(self.module_)
        self._set_training(False)
        iterator = self.get_iterator(self.get_dataset(X), training=False)
        _, amp_infer = self._amp()
        outputs = []
        threads = torch_threads(getattr(self, "torch_threads_", None))
        with threads, torch.no_grad(), autocast(amp_infer, self.device):
            for batch in iterator:
                x = self._prepare_input(unpack_data(batch)[0])
                with forward_errors(module, x):
                    outputs.append(fn(module, x).float())
        if not outputs:
            raise ValueError("Found an input with 0 samples; at least 1 is required.")
        return torch.cat(outputs).cpu().numpy()

    def transform(self, X: ArrayLike) -> NDArray[np.float32]:
        """Penultimate features ``module_.features(X)``, in eval mode, batched.

        Parameters
        ----------
        X : array-like, tensor or Dataset
            Inputs, as for ``fit``.

        Returns
        -------
        features : ndarray of shape (n_samples, n_features), float32
        """
        return self._run_batches(X, lambda module, x: module.features(x))

    def decision_function(self, X: ArrayLike) -> NDArray[np.float32]:
        """Logits of the module (eval mode), columns in ``classes_`` order.

        Parameters
        ----------
        X : array-like, tensor or Dataset of shape (n_samples, ...)
            Inputs of the module.

        Returns
        -------
        logits : ndarray of shape (n_samples, n_classes), float32
        """
        return self._run_batches(X, lambda module, x: module(x))

    def predict(self, X: ArrayLike) -> NDArray:
        """Class labels (``classes_``) of the highest logits.

        Parameters
        ----------
        X : array-like, tensor or Dataset of shape (n_samples, ...)
            Inputs of the module.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        index = self.predict_proba(X).argmax(axis=1)
        return np.asarray(self.classes_)[index]

    @property
    def class_components_(self) -> NDArray[np.float32]:
        """Weight of the final layer, shape ``(n_classes, n_features)``."""
        self.check_is_fitted()
        weight = unwrap_module(self.module_).classifier.weight
        return weight.detach().float().cpu().numpy().copy()

    @property
    def class_bias_(self) -> NDArray[np.float32]:
        """Bias of the final layer, shape ``(n_classes,)``."""
        self.check_is_fitted()
        bias = unwrap_module(self.module_).classifier.bias
        if bias is None:
            return np.zeros(self.class_components_.shape[0], dtype=np.float32)
        return bias.detach().float().cpu().numpy().copy()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = True  # tables (MLPNet) and
        tags.input_tags.three_d_array = True  # stacked images, whatever the module takes
        tags.non_deterministic = self.random_state is None
        return tags
