"""Checks of the layers whose outputs are read: their names, and one row per sample.

They read only names, the output's shape and the layer's ``batch_first``
attribute, so they import nothing of torch.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["check_samples_first", "layer_names"]


def check_samples_first(output: Any, module: Any, name: str, n: int) -> None:
    """Raise unless the first axis of a layer's output holds the batch's ``n`` samples.

    A layer that reduces over the batch (a mean over samples) or a sequence-first
    layer (``torch.nn.LSTM`` and the other recurrent and attention layers, unless
    ``batch_first=True``) has rows that are not the inputs' samples.

    Parameters
    ----------
    output : tensor
        What the layer returned (its first tensor).
    module : torch.nn.Module
        The layer.
    name : str
        Its name in the module, for the message.
    n : int
        Samples in the batch that ran.

    Raises
    ------
    ValueError
        Naming the layer, the shape it returned and the batch's size, with the
        fix: ``batch_first=True`` for a sequence-first layer, another layer (or
        a module returning ``(samples, ...)``) otherwise.
    """
    shape = tuple(output.shape)
    sequence_first = getattr(module, "batch_first", None) is False and output.ndim >= 3
    if not sequence_first and output.ndim >= 1 and shape[0] == n:
        return
    said = f"Layer {name!r} ({type(module).__name__}) returned a tensor of shape {shape} for a "
    said += f"batch of {n} sample(s): its first axis is not the samples."
    if sequence_first and shape[0] == n:
        said = (
            f"Layer {name!r} ({type(module).__name__}) is sequence-first (batch_first=False) "
            f"but received the batch's {n} samples on its first axis, its sequence axis: it "
            "runs over the samples as if they were time steps."
        )
    if sequence_first or (output.ndim >= 3 and shape[1] == n):
        raise ValueError(
            f"{said} Its output is sequence-first, (sequence, samples, features), as "
            "torch.nn.LSTM, GRU, RNN, MultiheadAttention and the Transformer layers give "
            "unless built with batch_first=True: build the layer with batch_first=True (and "
            "feed it (samples, sequence, features)), or choose a module whose output has the "
            "samples first (e.g. a small module returning output.transpose(0, 1) or the last "
            "step, output[-1])."
        )
    raise ValueError(
        f"{said} A layer that reduces over the batch (a mean over samples) or reshapes it "
        "has no features per sample; choose a layer whose output has the samples first, or "
        "wrap the computation in a module that returns (samples, ...)."
    )


def layer_names(layers: Any, name: str) -> list[str]:
    """One layer name or a non-empty sequence of distinct names, as a list.

    Parameters
    ----------
    layers : str or iterable of str
        The names given.
    name : str
        The parameter that gave them, for the messages.

    Returns
    -------
    names : list of str

    Raises
    ------
    TypeError
        When ``layers`` is neither a name nor an iterable of names (an int, a
        mapping), or holds something other than a string.
    ValueError
        When it is empty or names a layer twice.

    Examples
    --------
    >>> layer_names("0", "layers_1"), layer_names(("0", "2"), "layers_1")
    (['0'], ['0', '2'])
    >>> layer_names(0, "layers_1")
    Traceback (most recent call last):
    ...
    TypeError: layers_1 must be a layer name or a list of names (str), got 0 (int).
    """
    if isinstance(layers, str):
        return [layers]
    if isinstance(layers, Mapping) or not isinstance(layers, Iterable):
        raise TypeError(
            f"{name} must be a layer name or a list of names (str), got {layers!r} "
            f"({type(layers).__name__})."
        )
    names = list(layers)
    if not names:
        raise ValueError(f"{name} is empty: name at least one layer.")
    wrong = [n for n in names if not isinstance(n, str)]
    if wrong:
        raise TypeError(f"{name} must hold layer names (str), got {wrong[0]!r}.")
    if len(set(names)) != len(names):
        raise ValueError(f"{name} names a layer more than once: {names}.")
    return names
