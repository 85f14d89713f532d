"""Penultimate features and last linear layer of any trained torch module, read by hooks.

The module runs as it is: on its own device and in its own precision, batch by
batch, in eval mode and without gradients; hooks copy what the chosen layer
gives (or what the final linear layer receives), and every submodule's
training flag is restored afterwards, so no weight, buffer or mode changes.
torch is imported only when this runs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from sklearn_ccafusion.utils._layer_outputs import check_samples_first

__all__ = ["module_features"]


def _first_tensor(output: Any, what: str):
    import torch

    if isinstance(output, (tuple, list)):
        output = next((o for o in output if torch.is_tensor(o)), None)
    if not torch.is_tensor(output):
        raise TypeError(f"{what} returned {type(output).__name__}, not a tensor.")
    return output


def _final_linear(module, named: dict, classifier: str | None) -> tuple[str, bool]:
    """Name of the classification layer, and whether its output must be the module's."""
    import torch

    linears = [name for name, m in named.items() if isinstance(m, torch.nn.Linear)]
    if classifier is None:
        if not linears:
            raise ValueError(
                f"{type(module).__name__} has no torch.nn.Linear layer; name its final linear "
                "layer with classifier=... (a name from module.named_modules())."
            )
        return linears[-1], True
    if classifier not in named:
        raise ValueError(
            f"classifier={classifier!r} is not a layer of {type(module).__name__}; its linear "
            f"layers (module.named_modules()) are: {linears}."
        )
    if not isinstance(named[classifier], torch.nn.Linear):
        raise TypeError(
            f"classifier={classifier!r} is a {type(named[classifier]).__name__}, not a "
            f"torch.nn.Linear; its linear layers are: {linears}."
        )
    return classifier, False


def _batches(X: Any, batch_size: int, device, dtype):
    import torch

    tensor = X if torch.is_tensor(X) else torch.as_tensor(np.asarray(X))
    if len(tensor) == 0:
        raise ValueError("Found an input with 0 samples; at least 1 is required.")
    for start in range(0, len(tensor), batch_size):
        batch = tensor[start : start + batch_size]
        if batch.is_floating_point():
            batch = batch.to(device=device, dtype=dtype)
        else:
            batch = batch.to(device=device)
        yield batch


def module_features(
    module: Any,
    X_train: Any,
    X_validation: Any,
    *,
    layer: str | None = None,
    classifier: str | None = None,
    batch_size: int = 256,
) -> tuple[NDArray, NDArray, NDArray, NDArray]:
    """Features of ``layer`` (default: the classifier's input) and the classifier's weights.

    Returns
    -------
    train, validation : ndarray
        Features, float32 (float64 for a float64 module); an output with more than
        two dimensions is averaged over its spatial axes (a batch-first sequence
        layer's ``(n, sequence, features)`` over its steps). Every batch's output
        must have the samples on its first axis (else a ``ValueError`` names the
        layer and the fix).
    coef, intercept : ndarray, float64
        The final linear layer's weight and bias (zeros without a bias).
    """
    import torch

    if not isinstance(module, torch.nn.Module):
        raise TypeError(
            f"module must be a torch.nn.Module, got {type(module).__name__}; for a fitted "
            "SensorNetClassifier use NetworkFeatures.from_net."
        )
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}.")
    named = dict(module.named_modules())
    classifier, check_output = _final_linear(module, named, classifier)
    final = named[classifier]
    if layer is not None and (layer not in named or layer == ""):
        raise ValueError(
            f"layer={layer!r} is not a layer of {type(module).__name__}; its layers "
            f"(module.named_modules()) are: {[name for name in named if name]}."
        )
    params = list(module.parameters())
    device = params[0].device if params else torch.device("cpu")
    floating = [p.dtype for p in params if p.is_floating_point()]
    dtype = floating[0] if floating else torch.float32
    captured: dict[str, Any] = {}
    n_batch = [0]

    def keep_input(hooked, inputs):
        features = _first_tensor(inputs, classifier)
        check_samples_first(features, hooked, classifier, n_batch[0])
        captured["features"] = features.detach().clone()

    def keep_output(hooked, _inputs, output):
        features = _first_tensor(output, layer)
        check_samples_first(features, hooked, layer, n_batch[0])
        captured["features"] = features.detach().clone()

    def keep_logits(_module, _inputs, output):
        captured["logits"] = output.detach().clone()

    if layer is None:
        handles = [final.register_forward_pre_hook(keep_input)]
    else:
        handles = [named[layer].register_forward_hook(keep_output)]
    if check_output:
        handles.append(final.register_forward_hook(keep_logits))
    modes = [(m, m.training) for m in module.modules()]
    blocks: list[list] = [[], []]
    try:
        module.eval()
        with torch.no_grad():
            for part, X in enumerate((X_train, X_validation)):
                for batch in _batches(X, batch_size, device, dtype):
                    captured.clear()
                    n_batch[0] = len(batch)
                    output = module(batch)
                    if "features" not in captured:
                        raise ValueError(
                            f"Layer {layer or classifier!r} was not called in the forward pass "
                            f"of {type(module).__name__}; name a layer that forward() uses."
                        )
                    if check_output:
                        check_output = False
                        logits = _first_tensor(output, type(module).__name__)
                        if "logits" not in captured or not torch.equal(logits, captured["logits"]):
                            raise ValueError(
                                f"The last torch.nn.Linear of {type(module).__name__}, "
                                f"{classifier!r}, does not give the module's output (a layer "
                                "follows it, or it is not the classifier); name the final "
                                "linear layer with classifier=..."
                            )
                    features = captured["features"]
                    if layer is None and features.ndim != 2:
                        raise ValueError(
                            f"The input of {classifier!r} has shape {tuple(features.shape)}, "
                            "not (samples, features): the study needs one feature vector per "
                            "sample; name a layer that gives one with layer=..."
                        )
                    if features.ndim == 3 and getattr(named[layer], "batch_first", 0) is True:
                        features = features.mean(dim=1)  # (n, sequence, features): the steps
                    elif features.ndim > 2:
                        features = features.mean(dim=tuple(range(2, features.ndim)))
                    elif features.ndim == 1:
                        features = features[:, None]
                    if features.dtype != torch.float64:
                        features = features.float()
                    blocks[part].append(features.cpu())
    finally:
        for handle in handles:
            handle.remove()
        for submodule, training in modes:
            submodule.training = training
    train, validation = (torch.cat(block).numpy() for block in blocks)
    if train.shape[1] != final.in_features:
        raise ValueError(
            f"layer={layer!r} gives {train.shape[1]} features but the classifier "
            f"{classifier!r} takes {final.in_features}; choose the layer whose output the "
            "classifier reads (or leave layer=None: the classifier's input)."
        )
    coef = final.weight.detach().to("cpu", torch.float64).clone().numpy()
    intercept = (
        np.zeros(coef.shape[0])
        if final.bias is None
        else final.bias.detach().to("cpu", torch.float64).clone().numpy()
    )
    return train, validation, coef, intercept
