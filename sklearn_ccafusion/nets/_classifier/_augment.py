"""Batch augmentation on the compute device (the CIFAR recipe's flip and crop)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = ["FlipCrop"]


class FlipCrop:
    """Random horizontal flip and random crop after zero padding, per sample.

    The CIFAR training augmentation of He et al. and of the original study
    (``RandomHorizontalFlip`` + ``RandomCrop(32, padding=4)``), done on a whole
    batch on its device. Pass it as ``SensorNetClassifier(augment=FlipCrop())``:
    it is applied to training batches only, drawing from torch's generators, which
    the net seeds from its ``random_state``.

    Parameters
    ----------
    padding : int, default=4
        Zero padding on each side before cropping back to the input size.
    flip : bool, default=True
        Flip each image left-right with probability 0.5.

    Examples
    --------
    >>> import torch
    >>> x = torch.rand(8, 3, 32, 32)
    >>> tuple(FlipCrop()(x).shape)
    (8, 3, 32, 32)
    >>> bool(torch.equal(FlipCrop(padding=0, flip=False)(x), x))
    True
    """

    def __init__(self, padding: int = 4, flip: bool = True) -> None:
        self.padding = padding
        self.flip = flip

    def __repr__(self) -> str:
        return f"FlipCrop(padding={self.padding}, flip={self.flip})"

    def get_params(self, deep: bool = True) -> dict[str, object]:
        """The parameters, as scikit-learn estimators give them (cache keys read them).

        Parameters
        ----------
        deep : bool, default=True
            Unused: the parameters hold no estimator.

        Returns
        -------
        params : dict
        """
        return {"padding": self.padding, "flip": self.flip}

    def __call__(self, x: Tensor) -> Tensor:
        if x.ndim != 4:
            raise ValueError(f"FlipCrop expects (n, C, H, W) batches, got shape {tuple(x.shape)}.")
        n, _, h, w = x.shape
        if self.flip:
            mask = torch.rand(n, device=x.device) < 0.5
            x = torch.where(mask[:, None, None, None], x.flip(3), x)
        p = int(self.padding)
        if p > 0:
            padded = F.pad(x, (p, p, p, p))
            top = torch.randint(0, 2 * p + 1, (n, 1), device=x.device)
            left = torch.randint(0, 2 * p + 1, (n, 1), device=x.device)
            rows = top + torch.arange(h, device=x.device)
            cols = left + torch.arange(w, device=x.device)
            batch = torch.arange(n, device=x.device)[:, None, None, None]
            chans = torch.arange(x.shape[1], device=x.device)[None, :, None, None]
            x = padded[batch, chans, rows[:, None, :, None], cols[:, None, None, :]]
        return x
