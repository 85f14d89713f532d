"""skorch's data hooks for in-memory data: tensors on the device, seeded batches, autocast.

Arrays become float32 tensors (class indices for ``y``), moved once to the device when
``data_on_device``, and are cut into batches by index (``TensorBatches``) instead of a
``DataLoader``; each batch gets the module's dtype and memory format, the training
augmentation and the autocast of the precision. Any ``Dataset`` or custom ``dataset``
parameter takes skorch's own path.
"""

from __future__ import annotations

from typing import Any

import torch
from skorch.dataset import Dataset as SkorchDataset
from skorch.utils import is_dataset, to_tensor
from torch.utils.data import DataLoader

from sklearn_ccafusion.nets._classifier._data import (
    ArrayDataset,
    TensorBatches,
    as_float_tensor,
    check_has_rows,
    tensors_of,
)
from sklearn_ccafusion.nets._classifier._device import (
    SEED_SHUFFLE,
    autocast,
    float_dtype,
    unwrap_module,
)
from sklearn_ccafusion.nets._classifier._inputs import (
    check_n_outputs,
    forward_errors,
)
from sklearn_ccafusion.nets._classifier._targets import encode_targets

__all__ = ["TensorDataHooks"]


class TensorDataHooks:
    """The data hooks of ``SensorNetClassifier``: check_data, get_dataset, ..., get_loss.

    ``check_data``, ``get_dataset``, ``get_iterator``, ``infer`` and ``get_loss``.

    A mixin before :class:`skorch.NeuralNetClassifier`: it reads the net's parameters
    (``device``, ``data_on_device``, ``dataset``, ``iterator_*``, ``batch_size``,
    ``augment``) and its helpers ``_seed``, ``_amp`` and ``_use_channels_last``.
    """

    def check_data(self, X: Any, y: Any = None) -> None:
        """skorch's check; the classes of the first ``fit`` are kept by ``partial_fit``.

        Parameters
        ----------
        X : array-like, tensor or Dataset of shape (n_samples, ...)
            Inputs of the module.
        y : array-like of shape (n_samples,) or None, default=None
            Labels.

        Raises
        ------
        ValueError
            When ``X`` or ``y`` has no rows.
        """
        check_has_rows(type(self).__name__, X=X, y=y)
        known = self.__dict__.get("classes_inferred_")
        super().check_data(X, y)
        if known is not None:
            self.classes_inferred_ = known

    def _check_n_outputs(self) -> None:
        check_n_outputs(unwrap_module(self.module_), self.classes_)

    def _data_device(self) -> str | torch.device | None:
        return self.device if self.data_on_device else None

    def get_dataset(self, X: Any, y: Any = None) -> Any:
        """In-memory ``X`` as float32 (``y`` as class indices) tensors, on the device.

        A ``Dataset`` passes through; a custom ``dataset`` parameter gets skorch's path.

        Parameters
        ----------
        X : array-like, tensor or Dataset of shape (n_samples, ...)
            Inputs of the module.
        y : array-like of shape (n_samples,) or None, default=None
            Labels, encoded as indices into ``classes_``.

        Returns
        -------
        dataset : Dataset
        """
        if is_dataset(X) or self.dataset is not SkorchDataset:
            return super().get_dataset(X, y)
        Xt = as_float_tensor(X)
        if Xt.ndim == 4 and self._use_channels_last():
            Xt = Xt.contiguous(memory_format=torch.channels_last)
        yt = None
        if y is not None:
            self._check_n_outputs()
            yt = torch.from_numpy(encode_targets(y, self.classes_))
        device = self._data_device()
        if device is not None:
            Xt = Xt.to(device)
            yt = None if yt is None else yt.to(device)
        return ArrayDataset(Xt, yt)

    def get_iterator(self, dataset: Any, training: bool = False) -> Any:
        """Batches: ``TensorBatches`` for in-memory data, else skorch's ``DataLoader``.

        Training batches are shuffled by default (``iterator_train__shuffle``), with
        a generator seeded from ``random_state`` and the epochs done.

        Parameters
        ----------
        dataset : Dataset
            What :meth:`get_dataset` returned.
        training : bool, default=False
            Training batches (``iterator_train__*`` parameters, shuffled) or
            evaluation ones (``iterator_valid__*``).

        Returns
        -------
        batches : iterable of (X, y) batches
        """
        prefix = "iterator_train" if training else "iterator_valid"
        iterator = getattr(self, prefix)
        kwargs = self.get_params_for(prefix)
        kwargs.setdefault("batch_size", self.batch_size)
        if kwargs["batch_size"] == -1:
            kwargs["batch_size"] = len(dataset)
        if training:
            kwargs.setdefault("shuffle", True)
            seed = self._seed(SEED_SHUFFLE, len(self.history))
            if kwargs["shuffle"] and seed is not None and "generator" not in kwargs:
                kwargs["generator"] = torch.Generator().manual_seed(seed)
        if iterator is DataLoader and self.data_on_device and tensors_of(dataset) is not None:
            allowed = {"batch_size", "shuffle", "generator", "drop_last"}
            iterator = TensorBatches
            kwargs = {k: v for k, v in kwargs.items() if k in allowed}
        return iterator(dataset, **kwargs)

    def _prepare_input(self, x: Any) -> Any:
        x = to_tensor(x, device=self.device)
        if torch.is_tensor(x):
            dtype = float_dtype(unwrap_module(self.module_))
            if x.dtype in (torch.float32, torch.float64) and x.dtype != dtype:
                x = x.to(dtype)
            if x.ndim == 4 and self._use_channels_last():
                x = x.contiguous(memory_format=torch.channels_last)
        return x

    def infer(self, x: Any, **fit_params: Any) -> torch.Tensor:
        """Forward pass of a batch: device, dtype, memory format, augmentation, autocast.

        Parameters
        ----------
        x : tensor or dict of tensors
            One batch of inputs.
        **fit_params
            Passed to the module's ``forward``.

        Returns
        -------
        y_pred : tensor of shape (batch, n_classes)
            Logits; float32 (float64 for a float64 module) outside training.

        Raises
        ------
        ValueError
            When the module cannot run on the batch (a shape or dtype it was
            not built for), with the batch's shape and torch's message.
        """
        x = self._prepare_input(x)
        training = unwrap_module(self.module_).training
        if training and self.augment is not None:
            x = self.augment(x)
        amp_train, amp_infer = self._amp()
        module = unwrap_module(self.module_)
        with autocast(amp_train if training else amp_infer, self.device), forward_errors(module, x):
            if isinstance(x, dict):
                y_pred = self.module_(**self._merge_x_and_fit_params(x, fit_params))
            else:
                y_pred = self.module_(x, **fit_params)
        return y_pred if training else y_pred.float()

    def get_loss(
        self, y_pred: torch.Tensor, y_true: Any, X: Any = None, training: bool = False
    ) -> torch.Tensor:
        """Criterion on float32 logits (float64 for a float64 module) and int64 class indices.

        Parameters
        ----------
        y_pred : tensor of shape (batch, n_classes)
            Logits of the batch.
        y_true : tensor of shape (batch,)
            Class indices of the batch.
        X : tensor or None, default=None
            The batch's inputs (unused by the criterion).
        training : bool, default=False
            Whether the loss is for a training step.

        Returns
        -------
        loss : tensor of shape ()
        """
        y_true = to_tensor(y_true, device=self.device)
        if torch.is_tensor(y_true) and not y_true.is_floating_point():
            y_true = y_true.long()
        if y_pred.dtype != torch.float64:
            y_pred = y_pred.float()  # bf16 autocast logits
        return super().get_loss(y_pred, y_true, X=X, training=training)
