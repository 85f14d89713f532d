"""A 1-D convolutional network for raw multichannel time-series windows.

Blocks of ``Conv1d -> BatchNorm1d -> ReLU`` (a max-pooling halves the time axis
between blocks), then global average pooling over time, in the spirit of the
fully convolutional baseline for time-series classification (Wang et al., 2017):
the pooled last block is the penultimate feature vector, whatever the window
length, and ``classifier`` is the final :class:`torch.nn.Linear`.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral

from torch import Tensor, nn

__all__ = ["TimeSeriesConvNet"]


def _as_positive_ints(value: int | Sequence[int], name: str) -> tuple[int, ...]:
    """``value`` as a non-empty tuple of positive ints, or a ``ValueError`` naming it."""
    if isinstance(value, Integral) and not isinstance(value, bool):
        value = (int(value),)
    values = tuple(value)
    if not values or not all(
        isinstance(v, Integral) and not isinstance(v, bool) and v > 0 for v in values
    ):
        raise ValueError(
            f"{name} must be a positive int or a non-empty sequence of them, got {value!r}."
        )
    return tuple(int(v) for v in values)


class TimeSeriesConvNet(nn.Module):
    """1-D CNN for ``(n, channels, time)`` windows, with global average pooling over time.

    Each block is a same-padded ``Conv1d`` (odd kernel), batch normalisation
    (optional) and ReLU; a ``MaxPool1d(2)`` between blocks halves the time axis
    (rounding up, so even a one-sample window passes). The last block is averaged
    over time: the penultimate features are non-negative, ``filters[-1]`` wide, and
    do not depend on the window length, so one network serves windows of any length.

    Parameters
    ----------
    n_channels : int
        Number of input channels (sensor axes).
    n_classes : int
        Number of classes, the output width of :attr:`classifier`.
    filters : int or sequence of int, default=(32, 64, 128)
        Output channels of the convolution blocks; the last is the number of
        penultimate features.
    kernel_size : int or sequence of int, default=(7, 5, 3)
        Kernel length of each block (one int: every block). Even lengths are
        rounded up to the next odd one, so the padding keeps the length.
    batch_norm : bool, default=True
        Batch normalisation after each convolution (running statistics in eval
        mode, so ``transform`` is deterministic).
    dropout : float, default=0.0
        Dropout probability before the classification layer (identity in eval mode).

    Attributes
    ----------
    blocks : torch.nn.Sequential
        The convolution blocks, pooling between them.
    dropout : torch.nn.Module
        ``Dropout(dropout)``, or the identity.
    classifier : torch.nn.Linear
        ``Linear(filters[-1], n_classes)``; its weight rows are the class components.

    See Also
    --------
    SHLConvNet : The study's 2-D network for spectrograms.
    sklearn_ccafusion.preprocessing.sliding_windows : Recordings to windows.

    Notes
    -----
    Inputs are ``(n, n_channels, time)``, channels first; ``(n, time)`` is read as
    one channel when ``n_channels == 1``. Any other shape raises a ``ValueError``
    naming it. With the defaults the network has 35,264 parameters, plus 224 per
    input channel and 129 per class.

    Examples
    --------
    >>> import torch
    >>> net = TimeSeriesConvNet(n_channels=3, n_classes=4).eval()
    >>> tuple(net.features(torch.zeros(2, 3, 200)).shape)
    (2, 128)
    >>> tuple(net(torch.zeros(5, 3, 37)).shape)
    (5, 4)
    """

    def __init__(
        self,
        n_channels: int,
        n_classes: int,
        filters: int | Sequence[int] = (32, 64, 128),
        kernel_size: int | Sequence[int] = (7, 5, 3),
        batch_norm: bool = True,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        if not (0.0 <= float(dropout) < 1.0):
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}.")
        self.n_channels = _as_positive_ints(n_channels, "n_channels")[0]
        self.n_classes = _as_positive_ints(n_classes, "n_classes")[0]
        widths = _as_positive_ints(filters, "filters")
        kernels = _as_positive_ints(kernel_size, "kernel_size")
        if len(kernels) == 1:
            kernels = kernels * len(widths)
        if len(kernels) != len(widths):
            raise ValueError(
                f"kernel_size has {len(kernels)} entries but filters has {len(widths)}; "
                "give one kernel length per block, or one int for all."
            )
        layers: list[nn.Module] = []
        width_in = self.n_channels
        for i, (width, kernel) in enumerate(zip(widths, kernels)):
            if i > 0:
                layers.append(nn.MaxPool1d(2, ceil_mode=True))
            kernel += 1 - kernel % 2
            layers.append(
                nn.Conv1d(width_in, width, kernel, padding=kernel // 2, bias=not batch_norm)
            )
            if batch_norm:
                layers.append(nn.BatchNorm1d(width))
            layers.append(nn.ReLU())
            width_in = width
        self.blocks = nn.Sequential(*layers)
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.classifier = nn.Linear(width_in, self.n_classes)

    def _check(self, x: Tensor) -> Tensor:
        if x.ndim == 2 and self.n_channels == 1:
            x = x.unsqueeze(1)
        if x.ndim != 3 or x.shape[1] != self.n_channels or x.shape[2] < 1:
            raise ValueError(
                f"TimeSeriesConvNet expects windows of shape (n, {self.n_channels}, time) "
                f"(channels first), got an input of shape {tuple(x.shape)}; windows of "
                "(n, time, channels) need X.transpose(0, 2, 1), and a different number of "
                f"channels module__n_channels={x.shape[1] if x.ndim == 3 else '...'}."
            )
        return x

    def features(self, x: Tensor) -> Tensor:
        """Penultimate features: the last block averaged over time.

        Parameters
        ----------
        x : torch.Tensor of shape (n, n_channels, time)
            Windows, channels first.

        Returns
        -------
        features : torch.Tensor of shape (n, filters[-1])
        """
        return self.blocks(self._check(x)).mean(dim=2)

    def forward(self, x: Tensor) -> Tensor:
        """Logits, ``classifier(dropout(features(x)))``.

        Parameters
        ----------
        x : torch.Tensor of shape (n, n_channels, time)
            Windows, channels first.

        Returns
        -------
        logits : torch.Tensor of shape (n, n_classes)
        """
        return self.classifier(self.dropout(self.features(x)))
