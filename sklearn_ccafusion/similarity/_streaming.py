"""Two models' layers streamed over a data loader into exact similarity measures.

One pass over the batches runs both models (in eval mode, without gradients, on
their device), keeps each requested layer's pooled output of the current batch
only, and adds it to one :class:`PairMoments` per layer pair, on the models'
device. Memory is that of one batch's activations plus ``(d_1 + d_2)^2`` float64
numbers per layer pair, whatever the number of samples.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from sklearn_ccafusion.cca._cca import MomentsAccuracyWarning
from sklearn_ccafusion.cca._whitening import PCAWhitener
from sklearn_ccafusion.similarity._pair_moments import PairMoments
from sklearn_ccafusion.similarity._pair_state import batch_side
from sklearn_ccafusion.similarity._stream_checks import (
    check_inputs,
    check_loader,
    check_measures,
    check_stream_options,
    layer_names,
)

__all__ = ["STREAMED_MEASURES", "stream_layer_moments", "stream_layer_similarity"]

#: The measures of :func:`stream_layer_similarity`, by name (those of ``layer_study``).
STREAMED_MEASURES = ("cca_top", "svcca", "pwcca", "cka", "cka_debiased")


def _resolve_pairs(pairs: Any, names_1: list[str], names_2: list[str]) -> list[tuple[str, str]]:
    if isinstance(pairs, str):
        if pairs == "all":
            return [(a, b) for a in names_1 for b in names_2]
        if pairs == "diagonal":
            if len(names_1) != len(names_2):
                raise ValueError(
                    f"pairs='diagonal' needs as many layers in both models, got "
                    f"{len(names_1)} and {len(names_2)}."
                )
            return list(zip(names_1, names_2))
        raise ValueError(f"pairs must be 'all', 'diagonal' or a list of pairs, got {pairs!r}.")
    if isinstance(pairs, Mapping) or not isinstance(pairs, Iterable):
        raise TypeError(f"pairs must be 'all', 'diagonal' or a list of pairs, got {pairs!r}.")
    resolved = []
    for pair in pairs:
        if isinstance(pair, str) or not isinstance(pair, Sequence) or len(pair) != 2:
            raise ValueError(
                f"pairs must hold (layer of model 1, layer of model 2) pairs, got {pair!r}."
            )
        first, second = pair
        if first not in names_1 or second not in names_2:
            raise ValueError(
                f"Unknown layer pair {pair!r}; model 1 has {names_1}, model 2 has {names_2}."
            )
        resolved.append((first, second))
    if not resolved:
        raise ValueError("pairs is empty: name at least one layer pair.")
    return resolved


class _Recorder:
    """Forward hooks keeping each named layer's pooled output of the current batch."""

    def __init__(self, model: Any, layers: list[str], pooling: str, device: Any) -> None:
        import torch

        from sklearn_ccafusion.nets._classifier._device import check_device
        from sklearn_ccafusion.nets._features._layers import LayerFeatures

        features = LayerFeatures(model, layers, pooling=pooling, device=device)
        tensors = (
            [*model.parameters(), *model.buffers()] if isinstance(model, torch.nn.Module) else []
        )
        current = tensors[0].device if tensors else torch.device("cpu")
        wanted = check_device(device)
        if isinstance(model, torch.nn.Module) and (
            wanted is None or torch.device(wanted) == current
        ):
            # a large model is run where it is, not copied; its modes are restored on exit
            self.module, self.device, self.net = model, current, None
        else:
            self.module, self.device, self.net = features._resolve_module()
        self.layers = features._check_layers(self.module)
        self.pooling = pooling
        self.captured: dict[str, Any] = {}
        self._handles: list = []
        self.n_batch = 0  # samples of the batch being run

    def __enter__(self) -> _Recorder:
        from sklearn_ccafusion.nets._features._layers import _as_tensor_output, _pool
        from sklearn_ccafusion.utils._layer_outputs import check_samples_first

        submodules = dict(self.module.named_modules())

        def recorder(name):
            def hook(hooked, _inputs, output):
                output = _as_tensor_output(output, name)
                check_samples_first(output, hooked, name, self.n_batch)
                self.captured[name] = _pool(output, self.pooling, hooked)

            return hook

        self._modes = [(m, m.training) for m in self.module.modules()]
        self._handles = [submodules[n].register_forward_hook(recorder(n)) for n in self.layers]
        self.module.eval()
        return self

    def __exit__(self, *exc: Any) -> None:
        for handle in self._handles:
            handle.remove()
        for submodule, training in self._modes:
            submodule.training = training

    def run(self, inputs: Any) -> dict[str, Any]:
        """Each layer's ``(n_batch, width)`` features of one batch."""
        import torch

        from sklearn_ccafusion.nets._classifier._device import autocast
        from sklearn_ccafusion.nets._classifier._inputs import forward_errors

        self.captured.clear()
        amp = self.net._amp()[1] if self.net is not None else False
        if self.net is not None:
            x = self.net._prepare_input(inputs)
        else:
            x = (inputs if torch.is_tensor(inputs) else _as_input_tensor(inputs)).to(self.device)
            if x.is_floating_point() and x.dtype == torch.float64:
                x = x.float()
        self.n_batch = len(x)
        with torch.no_grad(), autocast(amp, self.device):
            with forward_errors(self.module, x):  # shapes or dtypes the model does not take
                self.module(x)
        missing = [name for name in self.layers if name not in self.captured]
        if missing:
            raise ValueError(
                f"Layer(s) {missing} were not called in the forward pass of "
                f"{type(self.module).__name__}; choose layers that forward() uses."
            )
        # half-precision outputs (automatic precision) are read as float32, as
        # LayerFeatures returns them, so both paths see the same numbers
        return {
            name: value.float() if value.dtype in (torch.float16, torch.bfloat16) else value
            for name, value in self.captured.items()
        }


def _as_input_tensor(inputs: Any) -> Any:
    """A batch given as an array (or nested lists) of numbers, as a tensor."""
    import torch

    array = np.asarray(inputs)
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"The loader gave a batch of dtype {array.dtype}; batches must hold numbers "
            "(tensors or arrays of inputs)."
        )
    return torch.as_tensor(array)


def _inputs_of(batch: Any, position: int = 0) -> Any:
    """A model's input in a batch: the batch itself, or an item of a tuple/list."""
    if isinstance(batch, (tuple, list)):
        if len(batch) <= position:
            raise ValueError(
                f"The loader gave a batch of {len(batch)} item(s); the input at position "
                f"{position} is missing."
            )
        return batch[position]
    if isinstance(batch, dict):
        raise TypeError(
            "The loader gives dicts; give batches as tensors or (inputs, targets) tuples."
        )
    return batch


def stream_layer_moments(
    model_1: Any,
    model_2: Any,
    loader: Iterable,
    layers_1: str | Sequence[str],
    layers_2: str | Sequence[str] | None = None,
    *,
    pairs: str | Sequence[tuple[str, str]] = "all",
    pooling: str = "avg",
    device: Any = None,
    progress: bool = True,
    desc: str = "streaming layers",
    inputs: tuple[int, int] | None = None,
) -> dict[tuple[str, str], PairMoments]:
    """One pass over ``loader``: a :class:`PairMoments` for every layer pair.

    Parameters are those of :func:`stream_layer_similarity`.

    Returns
    -------
    moments : dict of (str, str) to PairMoments
        By ``(layer of model 1, layer of model 2)``, in the order of ``pairs``.
    """
    same = model_2 is None or model_2 is model_1
    check_loader(loader)
    inputs = check_inputs(inputs)
    positions = (0, 0) if inputs is None else inputs
    if same and positions[0] != positions[1]:
        raise ValueError("One model reads one input: inputs must name one position twice.")
    names_1 = layer_names(layers_1, "layers_1")
    names_2 = names_1 if layers_2 is None else layer_names(layers_2, "layers_2")
    pair_list = _resolve_pairs(pairs, names_1, names_2)
    first = _Recorder(
        model_1, sorted(set(names_1) | (set(names_2) if same else set())), pooling, device
    )
    second = first if same else _Recorder(model_2, names_2, pooling, device)
    moments = {pair: PairMoments() for pair in pair_list}
    used_1 = sorted({a for a, _ in pair_list} | ({b for _, b in pair_list} if same else set()))
    used_2 = sorted({b for _, b in pair_list})
    total = len(loader) if hasattr(loader, "__len__") else None
    with first, second if not same else _Null():
        for batch in tqdm(loader, total=total, disable=not progress, desc=desc, unit="batch"):
            out_1 = first.run(_inputs_of(batch, positions[0]))
            out_2 = out_1 if same else second.run(_inputs_of(batch, positions[1]))
            if not len(next(iter(out_1.values()))):
                continue
            # each layer is centred and summarised once per batch (float64, on model 1's
            # device), then shared by every pair it is in: only cross products are per pair
            device = next(iter(out_1.values())).device
            sides_1 = {name: batch_side(out_1[name], device) for name in used_1}
            sides_2 = (
                sides_1 if same else {name: batch_side(out_2[name], device) for name in used_2}
            )
            for (a, b), accumulator in moments.items():
                accumulator._update_sides(sides_1[a], sides_2[b])
    if not any(m.n_samples_seen_ for m in moments.values()):
        raise ValueError("The loader gave no samples.")
    return moments


class _Null:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        return None


def measure_rows(
    moments: PairMoments,
    measures: Sequence[str] = STREAMED_MEASURES,
    *,
    n_top: int | None = None,
    whitener: PCAWhitener | None = None,
    svcca_keep: float | int = 0.99,
) -> tuple[list[dict], np.ndarray, float]:
    """The measures of one accumulated pair, its canonical correlations, their accuracy.

    The accuracy is 0 unless near-collinear features leave the correlations read off
    the moments off by more than ``1e-9``; the callers warn once for a whole map.
    """
    unknown = [m for m in measures if m not in STREAMED_MEASURES]
    if unknown:
        raise ValueError(f"Unknown measure(s) {unknown}; choose from {list(STREAMED_MEASURES)}.")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", MomentsAccuracyWarning)
        rho = moments._projector(whitener, "canonical_correlations").canonical_correlations_
        compute = {
            "cca_top": lambda: float(np.mean(rho if n_top is None else rho[:n_top])),
            "svcca": lambda: moments.svcca(keep=svcca_keep),
            "pwcca": lambda: moments.pwcca(),
            "cka": lambda: moments.linear_cka(),
            "cka_debiased": lambda: moments.linear_cka(debiased=True),
        }
        rows = [{"measure": m, "value": compute[m]()} for m in measures]
    accuracy = 0.0
    for record in caught:
        if isinstance(record.message, MomentsAccuracyWarning):
            accuracy = max(accuracy, record.message.accuracy)
        else:
            warnings.warn_explicit(record.message, record.category, record.filename, record.lineno)
    return rows, rho, accuracy


def warn_map_accuracy(accuracies: dict, owner: str) -> None:
    """One warning for the layer pairs whose correlations keep less than 1e-9."""
    poor = {pair: value for pair, value in accuracies.items() if value > 0}
    if not poor:
        return
    worst = max(poor, key=poor.get)
    warnings.warn(
        f"{owner}: {len(poor)} of {len(accuracies)} layer pairs have near-collinear "
        f"features, so their canonical correlations (cca_top, svcca, pwcca) read off the "
        f"streamed moments are accurate to about {poor[worst]:.1e} at worst (pair "
        f"{worst}); linear CKA keeps full accuracy. Keep fewer directions "
        "(svcca_keep, whitener) for tighter values.",
        UserWarning,
        stacklevel=3,
    )


def stream_layer_similarity(
    model_1: Any,
    model_2: Any,
    loader: Iterable,
    layers_1: str | Sequence[str],
    layers_2: str | Sequence[str] | None = None,
    *,
    pairs: str | Sequence[tuple[str, str]] = "all",
    measures: Sequence[str] = STREAMED_MEASURES,
    pooling: str = "avg",
    device: Any = None,
    n_top: int | None = None,
    whitener: PCAWhitener | None = None,
    svcca_keep: float | int = 0.99,
    inputs: tuple[int, int] | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Exact similarity of two models' layers, streamed over a data loader.

    One pass over ``loader`` runs both models batch by batch on their device and
    accumulates, for every layer pair, the moments of :class:`PairMoments`
    (float64, on the device); the measures are then computed from them. The
    results equal the in-memory functions of :mod:`sklearn_ccafusion.similarity`
    on all the activations, while memory holds only one batch's activations and
    ``(d_1 + d_2)^2`` numbers per layer pair.

    Parameters
    ----------
    model_1 : torch.nn.Module, SensorNetClassifier or FrozenEstimator
        The first model (a plain module is deep-copied and run in eval mode).
    model_2 : same as model_1, or None
        The second model; ``None`` (or ``model_1`` itself): compare layers of
        ``model_1`` with each other in one forward pass per batch.
    loader : iterable of batches
        A :class:`torch.utils.data.DataLoader` or any iterable of batches, each a
        tensor (or array) of inputs or a tuple/list whose first item is.
    layers_1 : str or sequence of str
        Names from ``model_1.named_modules()``.
    layers_2 : str or sequence of str or None, default=None
        Names of ``model_2``'s layers; ``None``: the same names as ``layers_1``.
    pairs : {"all", "diagonal"} or sequence of (str, str), default="all"
        The layer pairs: every layer of model 1 with every layer of model 2
        (a layer x layer map), the layers in order, or the given pairs.
    measures : sequence of str, default=STREAMED_MEASURES
        Any of ``"cca_top"`` (mean of the first ``n_top`` canonical
        correlations), ``"svcca"``, ``"pwcca"``, ``"cka"`` (biased linear CKA),
        ``"cka_debiased"``.
    pooling : {"avg", "flatten"}, default="avg"
        Reduction of outputs with more than two dimensions, as
        :class:`~sklearn_ccafusion.nets.LayerFeatures`. ``"avg"`` keeps one
        feature per channel; ``"flatten"`` keeps ``channels * height * width``,
        and the moments grow with its square.
    device : str, torch.device or None, default=None
        Where plain modules run; ``None``: where their parameters are. A
        :class:`SensorNetClassifier` runs on its own device.
    n_top : int or None, default=None
        Canonical correlations averaged by ``"cca_top"``; ``None``: all of them
        (the mean CCA).
    whitener : PCAWhitener or None, default=None
        Whitening of the ``"cca_top"`` CCA (``None``: the package's default,
        ``PCAWhitener(0.9999)`` capped at ``n_samples // 4`` directions).
    svcca_keep : float or int, default=0.99
        Variance fraction (or directions) SVCCA keeps in each layer.
    inputs : (int, int) or None, default=None
        Positions in each batch (a tuple) of model 1's and model 2's inputs, when
        they read different inputs (two sensors of the same samples); ``None``:
        both read the batch itself, or its first item.
    progress : bool, default=True
        Show a progress bar over the batches.

    Returns
    -------
    similarity : pandas.DataFrame
        One row per layer pair and measure: ``layer_1, depth_1, layer_2,
        depth_2, measure, value, n_samples`` (depths are 1-based positions in
        ``layers_1`` and ``layers_2``).

    See Also
    --------
    PairMoments : The accumulator of one layer pair.
    sklearn_ccafusion.study.layer_study : The layer study, which takes this path
        when given a loader.

    Examples
    --------
    >>> import torch
    >>> from torch import nn
    >>> from sklearn_ccafusion.similarity import stream_layer_similarity
    >>> torch.manual_seed(0)  # doctest: +ELLIPSIS
    <torch._C.Generator object at ...>
    >>> model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
    >>> loader = [torch.randn(50, 8) for _ in range(4)]  # any iterable of batches
    >>> table = stream_layer_similarity(model, None, loader, ["0", "2"], progress=False)
    >>> table.shape
    (20, 7)
    >>> row = table.query("layer_1 == '0' and layer_2 == '0' and measure == 'cka'")
    >>> round(float(row["value"].iloc[0]), 10)
    1.0
    """
    names_1 = layer_names(layers_1, "layers_1")
    names_2 = names_1 if layers_2 is None else layer_names(layers_2, "layers_2")
    measures = check_measures(measures, STREAMED_MEASURES)
    check_stream_options(
        pooling=pooling, n_top=n_top, whitener=whitener, svcca_keep=svcca_keep, progress=progress
    )
    moments = stream_layer_moments(
        model_1,
        model_2,
        loader,
        names_1,
        names_2,
        pairs=pairs,
        pooling=pooling,
        device=device,
        progress=progress,
        inputs=inputs,
    )
    depth_1 = {name: i + 1 for i, name in enumerate(names_1)}
    depth_2 = {name: i + 1 for i, name in enumerate(names_2)}
    rows, accuracies = [], {}
    for (a, b), accumulator in moments.items():
        base = {"layer_1": a, "depth_1": depth_1[a], "layer_2": b, "depth_2": depth_2[b]}
        values, _, accuracies[(a, b)] = measure_rows(
            accumulator, measures, n_top=n_top, whitener=whitener, svcca_keep=svcca_keep
        )
        rows += [{**base, **row, "n_samples": accumulator.n_samples_seen_} for row in values]
    warn_map_accuracy(accuracies, "stream_layer_similarity")
    return pd.DataFrame(
        rows,
        columns=["layer_1", "depth_1", "layer_2", "depth_2", "measure", "value", "n_samples"],
    )
