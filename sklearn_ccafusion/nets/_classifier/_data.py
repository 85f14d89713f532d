"""In-memory data as tensors on the compute device, batched by indexing there.

``ArrayDataset`` holds float32 inputs and int64 targets as tensors (on the GPU
when the net trains there), and ``TensorBatches`` slices batches out of them
without a ``DataLoader``: one permutation per epoch, no per-sample collation and
no host-to-device copy per batch.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import scipy.sparse as sp
import torch
from torch import Tensor
from torch.utils.data import Dataset, Subset

__all__ = [
    "ArrayDataset",
    "TensorBatches",
    "as_float_tensor",
    "check_has_rows",
    "first_sample",
    "n_rows",
    "tensors_of",
]


def _check_finite(tensor: Tensor) -> None:
    """Raise a ``ValueError`` naming the first sample that holds a NaN or infinity.

    One such value makes every weight NaN after the first step that sees it, and the
    network then predicts one class for everything: refused before training.
    """
    finite = torch.isfinite(tensor)
    if bool(finite.all()):
        return
    per_sample = finite.reshape(finite.shape[0], -1).all(dim=1) if finite.ndim else finite
    bad = torch.nonzero(~per_sample).flatten()
    kind = "NaN" if bool(torch.isnan(tensor).any()) else "infinity (or a value beyond float32)"
    raise ValueError(
        f"Input X contains {kind} ({bad.numel()} sample(s) with NaN or infinite values, "
        f"the first at index {int(bad[0]) if bad.numel() else 0}). Networks need finite "
        "inputs: impute the missing values (e.g. sklearn.impute.SimpleImputer) or drop "
        "those samples."
    )


def as_float_tensor(X: Any, device: str | torch.device | None = None) -> Tensor:
    """``X`` (array-like, DataFrame, sparse matrix or tensor) as a float32 tensor.

    float64 and integer inputs are cast, so numpy's default float64 arrays work.
    NaN or infinite values raise a ``ValueError`` (values beyond float32's range
    included).

    Examples
    --------
    >>> import numpy as np
    >>> as_float_tensor(np.ones((2, 3))).dtype
    torch.float32
    >>> as_float_tensor(np.array([[1.0, np.nan]]))
    Traceback (most recent call last):
    ...
    ValueError: Input X contains NaN (1 sample(s) with NaN or infinite values, the first ...
    """
    if torch.is_tensor(X):
        tensor = X
        floating = tensor.is_floating_point() or tensor.is_complex()
    else:
        if sp.issparse(X):
            X = X.toarray()
        array = np.asarray(X)
        if array.dtype == object or not (
            np.issubdtype(array.dtype, np.number) or array.dtype == bool
        ):
            raise ValueError(f"Networks need numeric inputs; got an array of dtype {array.dtype}.")
        floating = np.issubdtype(array.dtype, np.inexact)
        with np.errstate(over="ignore"):  # values beyond float32 become inf, refused below
            array = np.ascontiguousarray(array, dtype=np.float32)
            if not array.flags.writeable:  # e.g. memory-mapped in a worker process
                array = array.copy()
            tensor = torch.from_numpy(array)
    if tensor.dtype != torch.float32:
        tensor = tensor.float()
    if floating:  # integer data (uint8 images) are always finite
        _check_finite(tensor)
    if device is not None:
        tensor = tensor.to(device)
    return tensor


def first_sample(X: Any) -> Tensor | None:
    """The first sample of ``X`` as a float32 ``(1, ...)`` tensor; ``None`` when unknown.

    Arrays, tensors and DataFrames are sliced; a ``Dataset`` gives its first item's
    input. Anything else (dicts of inputs, an empty ``X``) gives ``None``.

    Examples
    --------
    >>> tuple(first_sample(np.zeros((5, 3, 8))).shape)
    (1, 3, 8)
    """
    try:
        if isinstance(X, Dataset):
            x = X[0]
            x = x[0] if isinstance(x, (tuple, list)) else x
            return as_float_tensor(x).unsqueeze(0)
        head = X.iloc[:1] if hasattr(X, "iloc") else X[:1]
        sample = as_float_tensor(head)
    except (TypeError, ValueError, IndexError, KeyError):
        return None
    return sample if len(sample) == 1 else None


class ArrayDataset(Dataset):
    """Inputs and optional targets held as tensors (``X`` and ``y`` attributes).

    Parameters
    ----------
    X : torch.Tensor of shape (n_samples, ...)
        Inputs, float32.
    y : torch.Tensor of shape (n_samples,) or None
        Targets (class indices, int64), or ``None`` for inference.

    Examples
    --------
    >>> import torch
    >>> ds = ArrayDataset(torch.zeros(3, 2), torch.tensor([0, 1, 0]))
    >>> len(ds), ds[1][1].item()
    (3, 1)
    """

    def __init__(self, X: Tensor, y: Tensor | None = None) -> None:
        if y is not None and len(y) != len(X):
            raise ValueError(
                f"X and y must have the same number of samples, got {len(X)} and {len(y)}."
            )
        self.X = X
        self.y = y

    def __len__(self) -> int:
        return len(self.X)

    def __getitem__(self, i: int) -> tuple[Tensor, Tensor]:
        yi = self.y[i] if self.y is not None else torch.zeros((), dtype=torch.int64)
        return self.X[i], yi


def tensors_of(dataset: Any) -> tuple[Tensor, Tensor | None, Tensor | None] | None:
    """``(X, y, indices)`` of an :class:`ArrayDataset` or a ``Subset`` of one, else ``None``."""
    indices = None
    while isinstance(dataset, Subset):
        sub = torch.as_tensor(np.asarray(dataset.indices), dtype=torch.int64)
        indices = sub if indices is None else sub[indices]
        dataset = dataset.dataset
    if not isinstance(dataset, ArrayDataset):
        return None
    return dataset.X, dataset.y, indices


class TensorBatches:
    """Mini-batches of an in-memory dataset, indexed on the dataset's device.

    A drop-in for ``DataLoader`` with the arguments skorch passes
    (``batch_size``, ``shuffle``, ``generator``, ``drop_last``).

    Parameters
    ----------
    dataset : ArrayDataset or torch.utils.data.Subset of one
        The data.
    batch_size : int
        Samples per batch (the last batch may be smaller).
    shuffle : bool, default=False
        Draw a new permutation at each pass.
    generator : torch.Generator or None, default=None
        CPU generator of the permutations (``None``: torch's global generator).
    drop_last : bool, default=False
        Drop the last incomplete batch.

    Examples
    --------
    >>> import torch
    >>> ds = ArrayDataset(torch.arange(10.0).reshape(5, 2), torch.arange(5))
    >>> [tuple(xb.shape) for xb, yb in TensorBatches(ds, batch_size=2)]
    [(2, 2), (2, 2), (1, 2)]
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int,
        shuffle: bool = False,
        generator: torch.Generator | None = None,
        drop_last: bool = False,
    ) -> None:
        parts = tensors_of(dataset)
        if parts is None:
            raise TypeError(
                "TensorBatches needs an ArrayDataset (or a Subset of one), got "
                f"{type(dataset).__name__}."
            )
        self.X, self.y, self.indices = parts
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.generator = generator
        self.drop_last = drop_last

    def _n(self) -> int:
        return len(self.X) if self.indices is None else len(self.indices)

    def __len__(self) -> int:
        n, bs = self._n(), self.batch_size
        return n // bs if self.drop_last else -(-n // bs)

    def epoch_order(self) -> Tensor | None:
        """Sample indices of the next pass (``None``: in order); draws its permutation.

        Examples
        --------
        >>> import torch
        >>> ds = ArrayDataset(torch.zeros(4, 1))
        >>> gen = torch.Generator().manual_seed(0)
        >>> sorted(TensorBatches(ds, 2, shuffle=True, generator=gen).epoch_order().tolist())
        [0, 1, 2, 3]
        """
        order = self.indices
        if self.shuffle:
            perm = torch.randperm(self._n(), generator=self.generator)
            order = perm if order is None else order[perm]
        return order

    def __iter__(self) -> Iterator[tuple[Tensor, Tensor | None]]:
        n = self._n()
        order = self.epoch_order()
        if order is not None:
            order = order.to(self.X.device)
        stop = n - n % self.batch_size if self.drop_last else n
        for start in range(0, stop, self.batch_size):
            end = min(start + self.batch_size, n)
            if order is None:
                xb = self.X[start:end]
                yb = None if self.y is None else self.y[start:end]
            else:
                idx = order[start:end]
                xb = self.X.index_select(0, idx)
                yb = None if self.y is None else self.y.index_select(0, idx)
            yield xb, yb


def n_rows(data: Any) -> int | None:
    """Rows of an input (the shortest entry of a dict of them); ``None``: unknown.

    Examples
    --------
    >>> n_rows(np.zeros((0, 3))), n_rows({"a": np.zeros((4, 2))}), n_rows(None)
    (0, 4, None)
    """
    if data is None:
        return None
    if isinstance(data, dict):
        counts = [n for n in map(n_rows, data.values()) if n is not None]
        return min(counts) if counts else None
    try:
        return len(data)
    except TypeError:  # an iterable dataset, a 0-d array: no length to check
        return None


def check_has_rows(estimator_name: str, **inputs: Any) -> None:
    """Raise a ``ValueError`` naming the first input with no rows.

    Examples
    --------
    >>> check_has_rows("net", X=np.zeros((0, 3)), y=None)
    Traceback (most recent call last):
    ...
    ValueError: net got no samples: X has 0 rows. Training needs samples of at least ...
    """
    for name, data in inputs.items():
        if n_rows(data) == 0:
            raise ValueError(
                f"{estimator_name} got no samples: {name} has 0 rows. Training needs samples "
                "of at least one class; check the selection or split that produced the data."
            )
