"""``ccafusion layers``: train two networks, run the layer study, write CSVs and figures.

Digits: two MLPs with three hidden layers, one per image half (two "sensors").
Synthetic SHL: the SHL CNN of two different sensors, its three pooled
convolution blocks and its penultimate layer.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sklearn_ccafusion.runs._cache import write_csv
from sklearn_ccafusion.runs._networks import network_factory
from sklearn_ccafusion.runs._run_checks import check_layer_run
from sklearn_ccafusion.runs._seeds import stream_seed

__all__ = ["LAYER_DATASETS", "run_layer_study"]

#: Data sets of ``ccafusion layers``.
LAYER_DATASETS = ("digits", "synthetic-shl")

_MLP_LAYERS = ["hidden_layers.1", "hidden_layers.3", "hidden_layers.5"]
_SHL_LAYERS = ["conv.2", "conv.5", "conv.8", "fc"]


def _digits_networks(quick: bool, seed: int, device: str, progress: bool):
    from sklearn_ccafusion.datasets import load_digits_views
    from sklearn_ccafusion.nets import MLPNet

    views = load_digits_views("two_sensor", split="left_right", random_state=seed)
    make_net = network_factory(
        {
            name: (MLPNet, {"n_features": len(columns), "n_classes": 10, "hidden": (64, 64, 64)})
            for name, columns in views.inputs.items()
        },
        {"max_epochs": 15 if quick else 30, "lr": 0.01},
    )
    nets, inputs = [], []
    for name in views.view_names:
        columns = views.inputs[name]
        X_train, X_val = views.data_train[:, columns], views.data_validation[:, columns]
        net = make_net(name, views.net_seeds[name], device).set_params(
            verbose=0, progress=f"network {name}" if progress else False
        )
        nets.append((name, net.fit(X_train, views.target_train)))
        inputs.append((X_train, X_val))
    y = (views.target_train, views.target_validation)
    return nets, inputs, y, _MLP_LAYERS, {"tol": 1e-5}, "accuracy"


def _shl_networks(quick: bool, seed: int, device: str, progress: bool):
    from sklearn_ccafusion.runs._paper import DataOptions, prepare

    data = prepare("synthetic-shl", DataOptions(quick=quick, seed=seed))
    nets, inputs = [], []
    for i, sensor in enumerate(data.sensors[:2]):
        # the first network of each sensor, as run_study trains it
        net_seed = stream_seed(seed, "networks", sensor=i)
        net = data.make_net(sensor, net_seed, device).set_params(
            verbose=0, progress=f"network {sensor}" if progress else False
        )
        nets.append((sensor, net.fit(data.inputs_train[sensor], data.y_train)))
        inputs.append((data.inputs_train[sensor], data.inputs_validation[sensor]))
    y = (data.y_train, data.y_validation)
    return nets, inputs, y, _SHL_LAYERS, dict(data.head_params), data.metric


def activations_fit(nets, layers, inputs, fraction: float = 0.5) -> bool:
    """Whether both networks' float32 activations of ``layers`` fit in memory.

    They take ``4 * n_samples * sum(widths)`` bytes per network (training and
    validation inputs); compared with ``fraction`` of the available memory.
    """
    import psutil

    from sklearn_ccafusion.nets import LayerFeatures

    total = 0
    for (_, net), (X_train, X_val) in zip(nets, inputs):
        widths = LayerFeatures(net, layers).fit(X_train[:1]).view_sizes_
        total += 4 * (len(X_train) + len(X_val)) * sum(widths)
    return total <= fraction * psutil.virtual_memory().available


def _write_streamed(nets, layers, inputs, out, progress) -> dict[str, pd.DataFrame]:
    """The layer maps streamed over the training inputs, written with their figure."""
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    from sklearn_ccafusion.plotting import plot_layer_similarity, save_figure
    from sklearn_ccafusion.study import layer_study

    # each network reads its own sensor: batches of (inputs 1, inputs 2)
    dataset = TensorDataset(*(torch.as_tensor(np.asarray(xs[0])) for xs in inputs))
    result = layer_study(
        (nets[0][1], layers),
        (nets[1][1], layers),
        nets[0][1].classes_,
        None,
        loader=DataLoader(dataset, batch_size=256),
        loader_inputs=(0, 1),
        progress=progress,
    )
    tables = {"layer_similarity": result.similarity, "layer_correlations": result.correlations}
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for stem, table in tables.items():
        table.to_csv(out / f"{stem}.csv", index=False)
    save_figure(
        plot_layer_similarity(result.similarity), out / "layer_similarity", result.similarity
    )
    return tables


def run_layer_study(
    dataset: str,
    out: str | Path,
    *,
    quick: bool = False,
    seed: int = 0,
    device: str = "cpu",
    n_permutations: int = 199,
    progress: bool = True,
    stream: bool | None = None,
) -> dict[str, pd.DataFrame]:
    """Train two networks, run :func:`~sklearn_ccafusion.study.layer_study`, write the results.

    Parameters
    ----------
    dataset : {"digits", "synthetic-shl"}
        Digits: two 3-hidden-layer MLPs on the two image halves; synthetic SHL:
        the SHL CNN of the first two sensors.
    out : str or Path
        Output folder: ``layer_similarity.csv``, ``layer_correlations.csv``,
        ``layer_probe.csv``, ``layer_alignment.csv``, ``layer_permutation.csv``,
        ``layer_bootstrap.csv`` and the figures ``layer_similarity.png`` and
        ``layer_depth.png`` (each with the CSV of its numbers).
    quick : bool, default=False
        Fewer epochs (and samples, for synthetic SHL).
    seed : int, default=0
        Seed of the data split, the networks and the tests.
    device : str, default="cpu"
        Device of the networks.
    n_permutations : int, default=199
        Permutations of the test at the first and the last layer pair.
    progress : bool, default=True
        Show training and study progress.
    stream : bool or None, default=None
        Stream the similarity and correlation maps over the training inputs
        (exact, memory independent of the number of samples) instead of holding
        every layer's activations; probes, alignment and tests, which need the
        activations, are then skipped. ``None``: stream only when the
        activations would take more than half the available memory.

    Returns
    -------
    tables : dict of str to pandas.DataFrame
        The tables written, by file stem.

    Examples
    --------
    Two digits MLPs, compared layer by layer (about a minute on CPU):

    >>> from sklearn_ccafusion.runs import run_layer_study
    >>> tables = run_layer_study("digits", "ccafusion-layers", quick=True,
    ...                          progress=False)  # doctest: +SKIP
    >>> sorted(tables)[:2]  # doctest: +SKIP
    ['layer_alignment', 'layer_bootstrap']
    """
    from sklearn_ccafusion.nets import layer_activations
    from sklearn_ccafusion.plotting import plot_layer_depth, plot_layer_similarity, save_figure
    from sklearn_ccafusion.similarity._measures import permutation_test
    from sklearn_ccafusion.study import (
        NetworkFeatures,
        bootstrap_scores,
        headline_predictions,
        layer_study,
    )

    if dataset not in LAYER_DATASETS:
        raise ValueError(f"Unknown dataset {dataset!r}; choose one of {list(LAYER_DATASETS)}.")
    out = check_layer_run(out, quick, seed, device, n_permutations, progress, stream)
    build = _digits_networks if dataset == "digits" else _shl_networks
    nets, inputs, (y_train, y_val), layers, head_params, metric = build(
        quick, seed, device, progress
    )
    if stream is None:
        stream = not activations_fit(nets, layers, inputs)
    if stream:
        return _write_streamed(nets, layers, inputs, out, progress)
    acts = [layer_activations(net, layers, *xs) for (_, net), xs in zip(nets, inputs)]
    first, second = nets[0][1], nets[1][1]
    result = layer_study(
        acts[0],
        acts[1],
        y_train,
        y_val,
        class_layer=(first.class_components_, first.class_bias_),
        metric=metric,
        head_params=head_params,
        random_state=seed,
        progress=progress,
    )
    tests = []
    for layer in (layers[0], layers[-1]):
        X = np.hstack([acts[0][layer][0], acts[1][layer][0]])
        sizes = (acts[0][layer][0].shape[1], acts[1][layer][0].shape[1])
        test = permutation_test(X, sizes, n_permutations=n_permutations, random_state=seed)
        tests.append(test.assign(layer=layer))
    last = layers[-1]
    network = NetworkFeatures(*acts[0][last], first.class_components_, first.class_bias_)
    partner = NetworkFeatures(*acts[1][last], second.class_components_, second.class_bias_)
    predictions = headline_predictions(network, partner, y_train, head_params=head_params)
    bands = bootstrap_scores(
        y_val, predictions, reference="full/original", metric=metric, random_state=seed
    )
    tables = {
        "layer_similarity": result.similarity,
        "layer_correlations": result.correlations,
        "layer_probe": result.probe,
        "layer_alignment": result.alignment,
        "layer_permutation": pd.concat(tests, ignore_index=True),
        "layer_bootstrap": bands,
    }
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for stem, table in tables.items():
        write_csv(out / f"{stem}.csv", table)
    save_figure(
        plot_layer_similarity(result.similarity), out / "layer_similarity", result.similarity
    )
    save_figure(
        plot_layer_depth(result.probe, result.alignment, result.similarity),
        out / "layer_depth",
        result.probe,
    )
    return tables
