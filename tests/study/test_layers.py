"""The layer study on planted layers whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest

from sklearn_ccafusion import CCAProjector
from sklearn_ccafusion.similarity import class_subspace_alignment, linear_cka, pwcca, svcca
from sklearn_ccafusion.study import SIMILARITY_MEASURES, layer_study

N_TRAIN, N_VAL, N_CLASSES = 600, 300, 4


def _planted(seed):
    """Two networks' layers. In the shallow layer, the most correlated directions are a
    nuisance the two networks share (not the classes); in the deep layer, they are the
    class directions."""
    rng = np.random.default_rng(0)
    n = N_TRAIN + N_VAL
    y = np.arange(n) % N_CLASSES
    nuisance = rng.normal(size=(n, 3))
    means = 1.5 * np.array([[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]])  # tetrahedron
    classes = means[y]
    noise = np.random.default_rng(seed)
    shallow = np.hstack(
        [
            nuisance + 0.05 * noise.normal(size=(n, 3)),  # shared, no class
            classes + 1.0 * noise.normal(size=(n, 3)),  # classes, with independent noise
            noise.normal(size=(n, 4)),
        ]
    )
    deep = np.hstack([classes + 0.3 * noise.normal(size=(n, 3)), noise.normal(size=(n, 5))])
    layers = {"shallow": shallow, "deep": deep}
    return {k: (v[:N_TRAIN], v[N_TRAIN:]) for k, v in layers.items()}, y


@pytest.fixture(scope="module")
def study():
    (layers_1, y), (layers_2, _) = _planted(10), _planted(20)
    coef = np.hstack([np.vstack([np.eye(3), -np.ones((1, 3))]), np.zeros((4, 5))])
    result = layer_study(
        layers_1,
        layers_2,
        y[:N_TRAIN],
        y[N_TRAIN:],
        n_directions=3,
        class_layer=(coef, np.zeros(4)),
        progress=False,
    )
    return result, layers_1, layers_2, y


def test_maps_hold_each_measure_of_each_layer_pair(study):
    result, layers_1, layers_2, _ = study
    sim = result.similarity
    assert set(sim["measure"]) == set(SIMILARITY_MEASURES)
    assert len(sim) == 4 * len(SIMILARITY_MEASURES)
    X1, X2 = layers_1["shallow"][0], layers_2["deep"][0]
    got = sim[(sim["layer_1"] == "shallow") & (sim["layer_2"] == "deep")].set_index("measure")
    rho = CCAProjector(view_sizes=(10, 8)).fit(np.hstack([X1, X2])).canonical_correlations_
    assert got.loc["cca_top", "value"] == pytest.approx(rho[:3].mean())
    assert got.loc["svcca", "value"] == pytest.approx(svcca(X1, X2, keep=0.99))
    assert got.loc["pwcca", "value"] == pytest.approx(pwcca(X1, X2))
    assert got.loc["cka", "value"] == pytest.approx(linear_cka(X1, X2))
    assert got.loc["cka_debiased", "value"] == pytest.approx(linear_cka(X1, X2, debiased=True))
    corr = result.correlations
    pair = corr[(corr["layer_1"] == "shallow") & (corr["layer_2"] == "deep")]
    np.testing.assert_allclose(pair["correlation"], rho)
    assert set(got["depth_1"]) == {1} and set(got["depth_2"]) == {2}


def test_probe_finds_where_the_class_subspace_is_the_most_correlated(study):
    result, *_ = study
    score = result.probe.pivot_table(index="layer_1", columns="method", values="score")
    # shallow: the top canonical directions are the shared nuisance, not the classes
    assert score.loc["shallow", "cca_highest"] < score.loc["shallow", "full"] - 0.3
    # deep: the top directions carry what the whole layer carries
    assert score.loc["deep", "cca_highest"] > score.loc["deep", "full"] - 0.02
    assert score.loc["deep", "cca_lowest"] < 0.4
    assert set(result.probe.loc[result.probe["method"] == "full", "n"]) == {10, 8}
    assert result.probe["converged"].all()
    assert set(zip(result.probe["layer_1"], result.probe["rank"])) == {("shallow", 10), ("deep", 8)}


def test_alignment_rises_with_depth_and_uses_the_network_layer_last(study):
    result, layers_1, layers_2, y = study
    mean = result.alignment.groupby(["layer_1", "source"])["cosine"].mean()
    assert mean["shallow", "probe"] < 0.5 < 0.95 < mean["deep", "probe"]
    network = result.alignment[result.alignment["source"] == "network"]
    assert set(network["layer_1"]) == {"deep"} and len(network) == N_CLASSES - 1
    coef = np.hstack([np.vstack([np.eye(3), -np.ones((1, 3))]), np.zeros((4, 5))])
    expected = class_subspace_alignment(layers_1["deep"][0], layers_2["deep"][0], coef)
    np.testing.assert_allclose(network["cosine"], expected)


def test_bad_layers_and_pairs():
    (layers, y) = _planted(1)
    y_train, y_val = y[:N_TRAIN], y[N_TRAIN:]
    three = {**layers, "extra": layers["deep"]}
    with pytest.raises(ValueError, match="have 2 and 3 layers; pass pairs="):
        layer_study(layers, three, y_train, y_val, progress=False)
    with pytest.raises(ValueError, match=r"Unknown layer pair \('deep', 'nope'\)"):
        layer_study(layers, three, y_train, y_val, pairs=[("deep", "nope")], progress=False)
    with pytest.raises(ValueError, match=r"layers_2\['deep'\] has 5 train"):
        short = {"shallow": layers["shallow"], "deep": (layers["deep"][0][:5], layers["deep"][1])}
        layer_study(layers, short, y_train, y_val, progress=False)
    with pytest.raises(ValueError, match="Unknown metric 'auc'"):
        layer_study(layers, layers, y_train, y_val, metric="auc", progress=False)
    with pytest.raises(TypeError, match="must be a non-empty mapping"):
        layer_study([], layers, y_train, y_val, progress=False)
    with pytest.raises(ValueError, match="the last pair must be network 1's penultimate"):
        layer_study(
            layers,
            layers,
            y_train,
            y_val,
            class_layer=(np.zeros((4, 3)), np.zeros(4)),
            progress=False,
        )


COEF = np.hstack([np.vstack([np.eye(3), -np.ones((1, 3))]), np.zeros((4, 5))])
HOSTILE_ARGUMENTS = {
    "one_class": ({"y_train": None}, ValueError, r"y_train holds a single class \[0\]"),
    "directions_float": ({"n_directions": 2.7}, TypeError, "n_directions must be an int"),
    "directions_bool": ({"n_directions": True}, TypeError, "n_directions must be an int"),
    "directions_zero": ({"n_directions": 0}, ValueError, "n_directions must be at least 1"),
    "pairs_string": ({"pairs": "deep"}, TypeError, "pairs must be a list of"),
    "pairs_empty": ({"pairs": []}, ValueError, "pairs is empty"),
    "pair_of_three": (
        {"pairs": [("deep", "deep", "deep")]},
        ValueError,
        r"pairs\[0\] must be a \(layer of network 1, layer of network 2\) pair",
    ),
    "pair_one_name": ({"pairs": ["deep"]}, ValueError, r"pairs\[0\] must be a"),
    "pair_numbers": ({"pairs": [(0, 1)]}, ValueError, r"pairs\[0\] must be a .* got \(0, 1\)"),
    "pair_twice": (
        {"pairs": [("deep", "deep"), ("deep", "deep")]},
        ValueError,
        r"lists \('deep', 'deep'\) twice",
    ),
    "method": ({"methods": ["cca_best"]}, ValueError, r"Unknown method\(s\) \['cca_best'\]"),
    "class_layer_other_classes": (
        {"class_layer": (COEF[:3], np.zeros(3))},
        ValueError,
        "class_layer has 3 rows .* but y_train has 4 classes",
    ),
    "class_layer_nan_intercept": (
        {"class_layer": (COEF, np.array([0.0, np.nan, 0.0, 0.0]))},
        ValueError,
        r"class_layer intercept holds NaN or infinite values \(rows \[1\]\)",
    ),
    "class_layer_intercept_length": (
        {"class_layer": (COEF, np.zeros(3))},
        ValueError,
        r"class_layer intercept must have shape \(4,\)",
    ),
    "class_layer_coef_only": ({"class_layer": COEF}, TypeError, "class_layer must be a pair"),
    "class_layer_width": (
        {"class_layer": (np.zeros((4, 3)), np.zeros(4))},
        ValueError,
        "the last pair must be network 1's penultimate",
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_ARGUMENTS))
def test_arguments_are_checked_before_any_layer_is_measured(case, monkeypatch):
    import sklearn_ccafusion.study._layers as layers_module

    changes, error, match = HOSTILE_ARGUMENTS[case]
    layers, y = _planted(1)
    args = {"y_train": y[:N_TRAIN], "y_validation": y[N_TRAIN:], "progress": False}
    args.update(changes)
    if args["y_train"] is None:
        args["y_train"] = np.zeros(N_TRAIN, dtype=int)

    def measured(*_args, **_kwargs):
        raise AssertionError("a layer was measured before the arguments were checked")

    monkeypatch.setattr(layers_module, "_map_rows", measured)
    with pytest.raises(error, match=match):
        layer_study(layers, layers, **args)


def test_loader_streams_the_same_maps():
    torch = pytest.importorskip("torch")
    from torch import nn

    from sklearn_ccafusion.nets import layer_activations

    torch.manual_seed(0)
    models = [
        nn.Sequential(nn.Linear(6, 9), nn.ReLU(inplace=True), nn.Linear(9, 4)) for _ in range(2)
    ]
    rng = np.random.default_rng(0)
    X = rng.normal(size=(250, 6)).astype(np.float32)
    y = rng.integers(0, 3, 250)
    layers = ["0", "2"]
    acts = [layer_activations(m, layers, X, X[:40], batch_size=64) for m in models]
    # the same float32 activations, measured in float64 as streaming accumulates them
    acts = [{k: (a.astype(float), b.astype(float)) for k, (a, b) in d.items()} for d in acts]
    in_memory = layer_study(acts[0], acts[1], y, y[:40], progress=False, n_jobs=1)
    batches = [torch.from_numpy(X[i : i + 64]) for i in range(0, 250, 64)]
    streamed = layer_study(
        (models[0], layers), (models[1], layers), y, None, loader=batches, progress=False
    )
    keys = ["layer_1", "layer_2", "measure"]
    merged = in_memory.similarity.merge(streamed.similarity, on=keys, suffixes=("", "_s"))
    assert len(merged) == len(in_memory.similarity) == 4 * len(SIMILARITY_MEASURES)
    np.testing.assert_allclose(merged["value_s"], merged["value"], rtol=0, atol=1e-8)
    merged = in_memory.correlations.merge(
        streamed.correlations, on=["layer_1", "layer_2", "component"], suffixes=("", "_s")
    )
    np.testing.assert_allclose(merged["correlation_s"], merged["correlation"], atol=1e-8)
    assert streamed.probe.empty and streamed.alignment.empty
    with pytest.raises(TypeError, match=r"pair \(model, \[layer names\]\)"):
        layer_study(acts[0], acts[1], y, None, loader=batches)
