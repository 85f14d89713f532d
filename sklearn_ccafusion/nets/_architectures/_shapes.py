"""Input-shape checks shared by the image networks, with messages naming both shapes."""

from __future__ import annotations

from torch import Tensor

__all__ = ["check_image_batch"]


def check_image_batch(x: Tensor, name: str, channels: int, size: tuple[int, int] | None) -> Tensor:
    """Return ``x`` as ``(n, channels, H, W)`` or raise a ``ValueError`` naming the shapes.

    Accepts ``(n, C, H, W)``, ``(n, H, W)`` when ``channels == 1``, and flattened
    ``(n, C * H * W)`` when ``size`` is known.

    Examples
    --------
    >>> import torch
    >>> tuple(check_image_batch(torch.zeros(2, 48, 48), "SHLConvNet", 1, (48, 48)).shape)
    (2, 1, 48, 48)
    >>> x = torch.zeros(2, 1, 32, 32)
    >>> check_image_batch(x, "SHLConvNet", 1, (48, 48))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: SHLConvNet expects images of shape (n, 1, 48, 48) ..., got ... (2, 1, 32, 32).
    """
    if x.ndim == 3 and channels == 1:
        x = x.unsqueeze(1)
    elif x.ndim == 2 and size is not None and x.shape[1] == channels * size[0] * size[1]:
        x = x.reshape(x.shape[0], channels, *size)
    ok = x.ndim == 4 and x.shape[1] == channels
    if ok and size is not None:
        ok = tuple(x.shape[2:]) == tuple(size)
    if not ok:
        expected = f"(n, {channels}, {size[0]}, {size[1]})" if size else f"(n, {channels}, H, W)"
        raise ValueError(
            f"{name} expects images of shape {expected} (channels first), got an input of "
            f"shape {tuple(x.shape)}."
        )
    return x
