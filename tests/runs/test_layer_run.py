"""``ccafusion layers --stream``: the layer maps streamed over two sensors' inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("torch")

from sklearn.datasets import load_digits  # noqa: E402

from sklearn_ccafusion.nets import MLPNet, SensorNetClassifier, layer_activations  # noqa: E402
from sklearn_ccafusion.runs._layer_run import _write_streamed, activations_fit  # noqa: E402
from sklearn_ccafusion.study import layer_study  # noqa: E402


def test_streamed_maps_equal_the_in_memory_study(tmp_path):
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0)[:300]
    y = y[:300]
    halves = [X[:, :32], X[:, 32:]]  # two "sensors": each net reads its own half
    nets = []
    for i, half in enumerate(halves):
        net = SensorNetClassifier(
            MLPNet,
            module__n_features=32,
            module__n_classes=10,
            module__hidden=(16, 8),
            max_epochs=2,
            batch_size=64,
            random_state=i,
            verbose=0,
        )
        nets.append((f"half{i}", net.fit(half.astype(np.float32), y)))
    layers = ["hidden_layers.1", "hidden_layers.3"]
    inputs = [(half[:200], half[200:]) for half in halves]
    tables = _write_streamed(nets, layers, inputs, tmp_path, progress=False)
    assert sorted(tables) == ["layer_correlations", "layer_similarity"]
    written = pd.read_csv(tmp_path / "layer_similarity.csv")
    acts = [layer_activations(net, layers, *xs) for (_, net), xs in zip(nets, inputs)]
    acts = [{k: (a.astype(float), b.astype(float)) for k, (a, b) in d.items()} for d in acts]
    reference = layer_study(acts[0], acts[1], y[:200], y[200:], progress=False).similarity
    merged = reference.merge(written, on=["layer_1", "layer_2", "measure"], suffixes=("", "_s"))
    assert len(merged) == len(reference) == 4 * 5
    np.testing.assert_allclose(merged["value_s"], merged["value"], rtol=0, atol=1e-8)
    assert (tmp_path / "layer_similarity.png").exists()
    # streaming is chosen when the activations would not fit in the memory given
    assert not activations_fit(nets, layers, inputs, fraction=0.0)
    assert activations_fit(nets, layers, inputs, fraction=0.5)


def test_layer_networks_show_bars_not_colour_tables(capsys):
    """Training the layer study's networks prints no skorch table and no ANSI colours."""
    from sklearn_ccafusion.runs._layer_run import _digits_networks

    nets, *_ = _digits_networks(quick=True, seed=0, device="cpu", progress=True)
    captured = capsys.readouterr()
    assert "\x1b[" not in captured.out + captured.err
    assert "network left" in captured.err and "epoch" not in captured.out
    assert all(net.verbose == 0 for _, net in nets)
