"""The SHL 2018 spectrogram CNN of the original study (Moreau et al. 2021; its code builds it
in ``models/SHL_2018/CNN.py`` of github.com/HuguesMoreau/Sensors_similariy).

Three 3x3 convolutions (16, 32, 64 filters; the third unpadded), each followed by
ReLU and 2x2 max-pooling, then dropout 0.25, a 128-unit fully connected layer with
ReLU (the penultimate features), dropout 0.5 and the linear classification layer.
No batch normalisation; PyTorch's default initialisation.
"""

from __future__ import annotations

from torch import Tensor, nn

from sklearn_ccafusion.nets._architectures._shapes import check_image_batch

__all__ = ["SHLConvNet"]


class SHLConvNet(nn.Module):
    """Small CNN for 48x48 log-power spectrograms, one per sensor.

    Parameters
    ----------
    n_classes : int, default=8
        Number of classes (the 8 SHL transportation modes).
    in_channels : int, default=1
        Number of stacked spectrograms per sample.

    Attributes
    ----------
    conv : torch.nn.Sequential
        ``conv(16, pad 1) -> ReLU -> pool -> conv(32, pad 1) -> ReLU -> pool ->
        conv(64, pad 0) -> ReLU -> pool``, 48x48 -> 5x5x64.
    fc : torch.nn.Sequential
        ``Dropout(0.25) -> Linear(1600, 128) -> ReLU``: the penultimate features,
        all non-negative.
    dropout : torch.nn.Dropout
        ``Dropout(0.5)`` before the classification layer (identity in eval mode).
    classifier : torch.nn.Linear
        ``Linear(128, n_classes)``; its weight rows are the class components.

    Notes
    -----
    Inputs are ``(n, in_channels, 48, 48)``; ``(n, 48, 48)`` (one channel) and
    flattened ``(n, in_channels * 2304)`` rows are reshaped. Any other shape raises
    a ``ValueError`` naming it.

    Examples
    --------
    >>> import torch
    >>> net = SHLConvNet().eval()
    >>> x = torch.zeros(4, 1, 48, 48)
    >>> tuple(net.features(x).shape), tuple(net(x).shape)
    ((4, 128), (4, 8))
    """

    image_size = (48, 48)

    def __init__(self, n_classes: int = 8, in_channels: int = 1) -> None:
        super().__init__()
        self.n_classes = int(n_classes)
        self.in_channels = int(in_channels)
        self.conv = nn.Sequential(
            nn.Conv2d(self.in_channels, 16, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 32, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, kernel_size=3, padding=0),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.fc = nn.Sequential(
            nn.Flatten(), nn.Dropout(0.25), nn.Linear(64 * 5 * 5, 128), nn.ReLU()
        )
        self.dropout = nn.Dropout(0.5)
        self.classifier = nn.Linear(128, self.n_classes)

    def features(self, x: Tensor) -> Tensor:
        """Penultimate features ``ReLU(FC 1600 -> 128)``.

        Parameters
        ----------
        x : Tensor of shape (n, in_channels, 48, 48)
            A batch of spectrograms (``(n, 48, 48)`` and flattened rows are reshaped).

        Returns
        -------
        features : Tensor of shape (n, 128)
        """
        x = check_image_batch(x, "SHLConvNet", self.in_channels, self.image_size)
        return self.fc(self.conv(x))

    def forward(self, x: Tensor) -> Tensor:
        """Logits, ``classifier(dropout(features(x)))``.

        Parameters
        ----------
        x : Tensor of shape (n, in_channels, 48, 48)
            A batch of spectrograms (``(n, 48, 48)`` and flattened rows are reshaped).

        Returns
        -------
        logits : Tensor of shape (n, n_classes)
        """
        return self.classifier(self.dropout(self.features(x)))
