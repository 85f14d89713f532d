"""The check that a hooked layer's output holds one row per sample of the batch.

It reads only the output's shape and the layer's ``batch_first`` attribute, so it
imports nothing of torch.
"""

from __future__ import annotations

from typing import Any

__all__ = ["check_samples_first"]


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
