"""CIFAR ResNets of He et al. (2016), section 4.2: 6n + 2 layers.

A 3x3 stem with 16 filters, three stages of ``n`` basic blocks with 16, 32 and 64
filters (stages 2 and 3 start with stride 2), global average pooling to the 64
penultimate features, then the linear classification layer. ``depth=56`` is the
paper's ResNet-56. The original study's code (``models/CIFAR_ResNet.py`` of
github.com/HuguesMoreau/Sensors_similariy) builds ``ResNet(ResidualBlock, [6, 6, 6])``,
that is ``depth=38``, with 3x3 projection shortcuts: ``CIFARResNet(38, shortcut="conv3x3")``.
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

from sklearn_ccafusion.nets._architectures._shapes import check_image_batch

__all__ = ["CIFARResNet"]

_SHORTCUTS = ("A", "B", "conv3x3")


class _PadShortcut(nn.Module):
    """Option A: subsample by ``stride`` and zero-pad the new channels (no parameters)."""

    def __init__(self, extra_channels: int, stride: int) -> None:
        super().__init__()
        self.before = extra_channels // 2
        self.after = extra_channels - self.before
        self.stride = stride

    def forward(self, x: Tensor) -> Tensor:
        x = x[:, :, :: self.stride, :: self.stride]
        return F.pad(x, (0, 0, 0, 0, self.before, self.after))


def _projection(in_planes: int, planes: int, stride: int, kernel_size: int) -> nn.Module:
    """Options B (1x1) and the authors' 3x3 projection: conv without bias, then BN."""
    return nn.Sequential(
        nn.Conv2d(
            in_planes,
            planes,
            kernel_size=kernel_size,
            stride=stride,
            padding=kernel_size // 2,
            bias=False,
        ),
        nn.BatchNorm2d(planes),
    )


class _BasicBlock(nn.Module):
    """``conv3x3-BN-ReLU-conv3x3-BN`` plus the shortcut, then ReLU."""

    def __init__(self, in_planes: int, planes: int, stride: int, shortcut: str) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        if stride == 1 and in_planes == planes:
            self.shortcut: nn.Module = nn.Identity()
        elif shortcut == "A":
            self.shortcut = _PadShortcut(planes - in_planes, stride)
        else:
            self.shortcut = _projection(in_planes, planes, stride, 1 if shortcut == "B" else 3)

    def forward(self, x: Tensor) -> Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class CIFARResNet(nn.Module):
    """He et al.'s CIFAR ResNet with ``depth = 6 n + 2`` layers and 64 features.

    Parameters
    ----------
    depth : int, default=56
        Number of weighted layers, ``6 n + 2`` (20, 32, 38, 44, 56, 110, ...).
    n_classes : int, default=10
        Number of classes.
    in_channels : int, default=3
        Input channels.
    shortcut : {"A", "B", "conv3x3"}, default="A"
        Shortcut where the stage width or stride changes: ``"A"`` zero-padding
        identity (He et al.'s CIFAR choice, no parameters), ``"B"`` 1x1 projection
        with batch norm, ``"conv3x3"`` 3x3 projection with batch norm (the original
        study's code; with ``depth=38`` it is that network).

    Attributes
    ----------
    stem : torch.nn.Sequential
        ``conv3x3(in_channels, 16) -> BN -> ReLU``.
    stages : torch.nn.Sequential
        The three stages of basic blocks.
    classifier : torch.nn.Linear
        ``Linear(64, n_classes)``; its weight rows are the class components.

    Notes
    -----
    PyTorch's default initialisation, as the original study's code. Inputs are
    ``(n, in_channels, H, W)`` (32x32 for CIFAR-10; flattened ``(n, 3072)`` rows are
    reshaped to 3x32x32); the features are the global average of the last stage,
    post-ReLU, so non-negative.

    Examples
    --------
    >>> import torch
    >>> net = CIFARResNet(depth=20).eval()
    >>> x = torch.zeros(2, 3, 32, 32)
    >>> tuple(net.features(x).shape), tuple(net(x).shape)
    ((2, 64), (2, 10))
    """

    def __init__(
        self,
        depth: int = 56,
        n_classes: int = 10,
        in_channels: int = 3,
        shortcut: str = "A",
    ) -> None:
        super().__init__()
        if depth < 8 or (depth - 2) % 6:
            raise ValueError(
                f"depth must be 6 n + 2 with n >= 1 (20, 32, 38, 44, 56, 110, ...), got {depth}."
            )
        if shortcut not in _SHORTCUTS:
            raise ValueError(f"shortcut must be one of {_SHORTCUTS}, got {shortcut!r}.")
        self.depth = int(depth)
        self.n_classes = int(n_classes)
        self.in_channels = int(in_channels)
        n_blocks = (self.depth - 2) // 6
        self.stem = nn.Sequential(
            nn.Conv2d(self.in_channels, 16, 3, padding=1, bias=False),
            nn.BatchNorm2d(16),
            nn.ReLU(),
        )
        blocks: list[nn.Module] = []
        in_planes = 16
        for planes, stride in ((16, 1), (32, 2), (64, 2)):
            for i in range(n_blocks):
                blocks.append(_BasicBlock(in_planes, planes, stride if i == 0 else 1, shortcut))
                in_planes = planes
        self.stages = nn.Sequential(*blocks)
        self.pool = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.classifier = nn.Linear(64, self.n_classes)

    def features(self, x: Tensor) -> Tensor:
        """Penultimate features: global average of the last stage.

        Parameters
        ----------
        x : Tensor of shape (n, in_channels, height, width) or (n, in_channels * 1024)
            A batch of images (flat rows are 32 x 32 images).

        Returns
        -------
        features : Tensor of shape (n, 64)
        """
        size = (32, 32) if x.ndim == 2 else None
        x = check_image_batch(x, "CIFARResNet", self.in_channels, size)
        return self.pool(self.stages(self.stem(x)))

    def forward(self, x: Tensor) -> Tensor:
        """Logits, ``classifier(features(x))``.

        Parameters
        ----------
        x : Tensor of shape (n, in_channels, height, width) or (n, in_channels * 1024)
            A batch of images (flat rows are 32 x 32 images).

        Returns
        -------
        logits : Tensor of shape (n, n_classes)
        """
        return self.classifier(self.features(x))
