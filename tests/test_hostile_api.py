"""Hostile arguments to the public functions: a right answer or a named error, at once.

Each case calls one public entry point with tiny data and one hostile argument (a
count of the wrong type or size, a malformed pair, a layer whose rows are not the
samples, a device this machine lacks, no rows at all). It either checks the result
or expects a ``ValueError`` / ``TypeError`` whose message names the problem; any
other exception fails the case, and so does a case that runs for more than
``SECONDS`` (an alarm ends it). The arrays are in ``test_hostile.py``, the files and
studies in ``test_hostile_files.py``.
"""

from __future__ import annotations

import signal
import tracemalloc

import numpy as np
import pytest
import torch
from torch import nn

from sklearn_ccafusion import ClassLayerClassifier
from sklearn_ccafusion.nets import LayerFeatures, MLPNet, SensorNetClassifier, fit_jointly
from sklearn_ccafusion.nets._head import fit_linear_layer_adam
from sklearn_ccafusion.similarity import PairMoments, permutation_test, svcca
from sklearn_ccafusion.study import (
    NetworkFeatures,
    bootstrap_scores,
    cross_sensor_study,
    headline_predictions,
    layer_study,
    subspace_study,
)

SECONDS = 20  # no case needs more than a second or two
RNG = np.random.default_rng(0)
ERRORS = (ValueError, TypeError)


@pytest.fixture(autouse=True)
def no_hang():
    """Fail a case that runs longer than ``SECONDS`` instead of waiting for it."""
    if not hasattr(signal, "SIGALRM"):
        yield
        return

    def hung(*_):
        raise TimeoutError(f"the case ran for more than {SECONDS} s")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(SECONDS)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def no_gpu(monkeypatch):
    """A machine without CUDA or MPS, whatever this one has."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)


def _check(call, expected):
    """``expected``: ``(error types, regex)`` to raise, or a function checking the result."""
    if isinstance(expected, tuple):
        error, match = expected
        with pytest.raises(error, match=match):
            call()
    else:
        expected(call())


# ---- LayerFeatures: the first axis of every layer's output is the samples -----------------


class _Lambda(nn.Module):
    """A named layer computing ``function(x)``."""

    def __init__(self, function):
        super().__init__()
        self.function = function

    def forward(self, x):
        return self.function(x)


class _Net(nn.Module):
    """``inner`` then a layer ``probe`` computing ``function`` of its output."""

    def __init__(self, inner, function=lambda h: h, transpose=False):
        super().__init__()
        self.inner = inner
        self.probe = _Lambda(function)
        self.transpose = transpose

    def forward(self, x):
        return self.probe(self.inner(x.transpose(0, 1) if self.transpose else x))


def _first(output):
    return output[0] if isinstance(output, tuple) else output


TABLE = RNG.normal(size=(10, 4)).astype(np.float32)
SEQUENCES = RNG.normal(size=(10, 7, 4)).astype(np.float32)
NOT_SAMPLES = "first axis is not the samples"
LAYERS = {
    "batch_mean": (
        lambda: _Net(nn.Linear(4, 3), lambda h: h.mean(0, keepdim=True)),
        "probe",
        TABLE,
        (ValueError, NOT_SAMPLES + ".*reduces over the batch"),
    ),
    "batch_sum_scalar": (
        lambda: _Net(nn.Linear(4, 3), lambda h: h.sum()),
        "probe",
        TABLE,
        (ValueError, r"shape \(\) for a batch of 2"),
    ),
    "transposed": (
        lambda: _Net(nn.Linear(4, 3), lambda h: h.T),
        "probe",
        TABLE,
        (ValueError, r"shape \(3, 2\) for a batch of 2"),
    ),
    "lstm_sequence_first": (
        lambda: _Net(nn.LSTM(4, 5), _first, transpose=True),
        "inner",
        SEQUENCES,
        (ValueError, r"\(LSTM\) returned .*\(7, 2, 5\).*batch_first=True"),
    ),
    "gru_samples_as_steps": (
        lambda: _Net(nn.GRU(4, 5), _first),
        "inner",
        SEQUENCES,
        (ValueError, "as if they were time steps"),
    ),
    "transformer_sequence_first": (
        lambda: _Net(nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0), transpose=True),
        "inner",
        SEQUENCES,
        (ValueError, r"\(TransformerEncoderLayer\) returned .*\(7, 2, 4\).*batch_first=True"),
    ),
    "lstm_batch_first_tuple": (
        lambda: _Net(nn.LSTM(4, 5, batch_first=True), _first),
        "inner",
        SEQUENCES,
        lambda F: F.shape == (10, 5) and np.isfinite(F).all(),
    ),
    "lstm_hidden_state": (
        lambda: _Net(nn.LSTM(4, 5, batch_first=True), lambda out: out[1][0]),
        "probe",
        SEQUENCES,
        (ValueError, r"\(1, 2, 5\) for a batch of 2.*batch_first=True"),
    ),
    "not_a_tensor": (
        lambda: _Net(nn.Linear(4, 3), lambda h: None),
        "probe",
        TABLE,
        (TypeError, "returned NoneType, not a tensor"),
    ),


    "layers_int": (
        lambda: nn.Sequential(nn.Linear(4, 3)),
        0,
        TABLE,
        (TypeError, r"layers must be a layer name or a list of names \(str\), got 0 \(int\)"),
    ),
    "input_the_model_cannot_take": (
        lambda: nn.Sequential(nn.Linear(7, 3)),
        ["0"],
        TABLE,
        (ValueError, r"Sequential cannot run on a batch of shape \(2, 4\).*mat1 and mat2"),
    ),
}


@pytest.mark.parametrize("case", sorted(LAYERS))
def test_layer_features(case):
    make, layer, X, expected = LAYERS[case]
    torch.manual_seed(0)

    def run():
        layers = layer if not isinstance(layer, str) else [layer]
        return LayerFeatures(make(), layers, batch_size=4).fit(X).transform(X)

    if isinstance(expected, tuple):
        _check(run, expected)
    else:
        assert expected(run())


# ---- layer_study: every argument checked before any layer is measured ---------------------

N_TRAIN, N_VAL = 60, 30
_Y = np.arange(N_TRAIN + N_VAL) % 3
_MEANS = RNG.normal(size=(3, 4))


def _layers(seed):
    noise = np.random.default_rng(seed)
    deep = _MEANS[_Y] + 0.3 * noise.normal(size=(len(_Y), 4))
    shallow = noise.normal(size=(len(_Y), 5)) + 0.3 * deep[:, :1]
    return {name: (a[:N_TRAIN], a[N_TRAIN:]) for name, a in (("a", shallow), ("b", deep))}


COEF = RNG.normal(size=(3, 4))
LAYER_STUDY = {
    "one_class": ({"y_train": np.zeros(N_TRAIN, int)}, (ValueError, "single class")),
    "n_directions_float": ({"n_directions": 2.7}, (TypeError, "n_directions must be an int")),
    "n_directions_string": ({"n_directions": "2"}, (TypeError, "n_directions must be an int")),
    "n_directions_bool": ({"n_directions": True}, (TypeError, "n_directions must be an int")),
    "n_directions_negative": ({"n_directions": -1}, (ValueError, "at least 1")),
    "pairs_flat": ({"pairs": ("a", "a")}, (ValueError, r"pairs\[0\] must be a")),
    "pairs_string": ({"pairs": "ab"}, (TypeError, "pairs must be a list")),
    "pairs_mapping": ({"pairs": {"a": "a"}}, (TypeError, "pairs must be a list")),
    "pairs_none_inside": ({"pairs": [None]}, (ValueError, r"pairs\[0\] must be a")),
    "pairs_triple": ({"pairs": [("a", "a", "b")]}, (ValueError, r"pairs\[0\] must be a")),
    "pairs_numbers": ({"pairs": [(0, 1)]}, (ValueError, r"pairs\[0\] must be a")),
    "pairs_unknown": ({"pairs": [("a", "z")]}, (ValueError, "Unknown layer pair")),
    "pairs_empty": ({"pairs": []}, (ValueError, "pairs is empty")),
    "pairs_twice": ({"pairs": [("b", "b"), ("b", "b")]}, (ValueError, "twice")),
    "method_unknown": ({"methods": ["best"]}, (ValueError, "Unknown method")),
    "class_layer_other_classes": (
        {"class_layer": (np.vstack([COEF, COEF[:1]]), np.zeros(4))},
        (ValueError, "4 rows .* but y_train has 3 classes"),
    ),
    "class_layer_nan_intercept": (
        {"class_layer": (COEF, np.array([0.0, np.inf, 0.0]))},
        (ValueError, "class_layer intercept holds NaN or infinite"),
    ),
    "class_layer_nan_coef": (
        {"class_layer": (np.where(np.eye(3, 4) > 0, np.nan, COEF), np.zeros(3))},
        (ValueError, "class_layer coef contains NaN"),
    ),
    "class_layer_coef_only": ({"class_layer": COEF}, (TypeError, "pair \\(coef, intercept\\)")),
    "class_layer_width": (
        {"class_layer": (COEF[:, :3], np.zeros(3))},
        (ValueError, "reads 3 features but the last layer 'b' has 4"),
    ),
    "class_layer_without_bias": (
        {"class_layer": (COEF, None), "n_directions": 2, "methods": []},
        lambda result: (result.alignment["source"] == "network").sum() == 2,
    ),
    "valid_class_layer": (
        {"class_layer": (COEF, np.zeros(3)), "n_directions": 2, "methods": ["cca_highest"]},
        lambda result: set(result.alignment["source"]) == {"probe", "network"},
    ),
}


@pytest.mark.parametrize("case", sorted(LAYER_STUDY))
def test_layer_study(case):
    changes, expected = LAYER_STUDY[case]
    args = {"y_train": _Y[:N_TRAIN], "y_validation": _Y[N_TRAIN:], "progress": False} | changes
    _check(lambda: layer_study(_layers(1), _layers(2), **args), expected)


# ---- counts: permutations, resamples, components, dimensions -------------------------------

_X2 = np.hstack([_layers(1)["b"][0], _layers(2)["b"][0]])  # two views of width 4, 60 rows
_YV = _Y[N_TRAIN:]
_PRED = {"a": _YV, "b": np.roll(_YV, 1)}


def _network(seed):
    layers = _layers(seed)["b"]
    return NetworkFeatures(layers[0], layers[1], COEF, np.zeros(3))


def _subspace(dimensions):
    return subspace_study(
        _network(1),
        _network(2),
        _Y[:N_TRAIN],
        _YV,
        methods=["cca_highest"],
        heads=["original"],
        dimensions=dimensions,
        progress=False,
        random_state=0,
    )


def _bounded_bootstrap(n_resamples, n_rows=400):
    """The bands, and the peak memory they took (unbatched: 8 n_resamples n_rows bytes)."""
    y = np.arange(n_rows) % 3
    tracemalloc.start()
    try:
        bands = bootstrap_scores(y, {"a": y, "b": np.roll(y, 1)}, n_resamples=n_resamples,
                                 random_state=0, progress=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return bands, peak


COUNTS = {
    "permutations_1e9": (
        lambda: permutation_test(_X2, (4, 4), n_permutations=10**9),
        (ValueError, "above the cap of 1,000,000"),
    ),
    "permutations_float": (
        lambda: permutation_test(_X2, (4, 4), n_permutations=99.5),
        (ValueError, "'n_permutations' parameter"),
    ),
    "permutations_bool": (
        lambda: permutation_test(_X2, (4, 4), n_permutations=True),
        (TypeError, "n_permutations must be an int"),
    ),
    "permutations_numpy_int": (
        lambda: permutation_test(_X2, (4, 4), n_permutations=np.int64(19), random_state=0),
        lambda table: len(table) == 4 and (table["p_value"] >= 1 / 20).all(),
    ),
    "resamples_1e8": (
        lambda: bootstrap_scores(_YV, _PRED, n_resamples=10**8),
        (ValueError, "n_resamples must be at most 1000000"),
    ),
    "resamples_1e7": (
        lambda: bootstrap_scores(_YV, {"a": _YV}, n_resamples=10**7),
        (ValueError, "n_resamples must be at most 1000000"),
    ),
    "resamples_beyond_the_work_budget": (
        lambda: bootstrap_scores(np.arange(5000) % 3, {"a": np.arange(5000) % 3},
                                 n_resamples=10**6, progress=False),
        (ValueError, r"5,000,000,000 rows \(about 75 s .*at most 200,000"),
    ),
    "resamples_f1_beyond_the_work_budget": (
        lambda: bootstrap_scores(_YV, _PRED, metric="f1_macro", n_resamples=10**6),
        (ValueError, r"n_resamples=1,000,000 on 30 validation rows .*at most 248,138"),
    ),
    "resamples_float": (
        lambda: bootstrap_scores(_YV, _PRED, n_resamples=2.7),
        (TypeError, "n_resamples must be an int"),
    ),
    "resamples_bool": (
        lambda: bootstrap_scores(_YV, _PRED, n_resamples=True),
        (TypeError, "n_resamples must be an int"),
    ),
    "resamples_memory_is_bounded": (
        lambda: _bounded_bootstrap(200_000),  # unbatched: 640 MB of row indices
        lambda result: len(result[0]) == 2 and result[1] < 200 * 2**20,
    ),
    "svcca_more_components_than_pairs": (
        lambda: svcca(_X2[:, :4], _X2[:, 4:], keep=3, n_components=50),
        (ValueError, "n_components=50 is more than the 3 canonical pairs"),
    ),
    "svcca_components_bool": (
        lambda: svcca(_X2[:, :4], _X2[:, 4:], n_components=True),
        (TypeError, "n_components must be an int"),
    ),
    "svcca_components_float": (
        lambda: svcca(_X2[:, :4], _X2[:, 4:], n_components=2.5),
        (ValueError, "'n_components' parameter"),
    ),
    "streamed_svcca_more_components_than_pairs": (
        lambda: PairMoments().update(_X2[:, :4], _X2[:, 4:]).svcca(keep=3, n_components=50),
        (ValueError, "n_components=50 is more than the 3 canonical pairs"),
    ),
    "dimensions_float": (lambda: _subspace([2.5]), (TypeError, r"dimensions\[0\] must be an int")),
    "dimensions_bool": (lambda: _subspace([True]), (TypeError, r"dimensions\[0\] must be an int")),
    "dimensions_zero": (lambda: _subspace([2, 0]), (ValueError, r"dimensions\[1\] must be at")),
    "dimensions_scalar": (lambda: _subspace(3), (TypeError, "dimensions must be a list of ints")),
    "dimensions_string": (lambda: _subspace("3"), (TypeError, "dimensions must be a list")),
    "headline_components_float": (
        lambda: headline_predictions(_network(1), _network(2), _Y[:N_TRAIN], n_components=2.7),
        (TypeError, "n_components must be an int, got 2.7"),
    ),
    "cross_sensor_pairs_float": (
        lambda: cross_sensor_study(
            {"a": [_network(1), _network(2)]}, _Y[:N_TRAIN], _YV, n_pairs=0.5, progress=False
        ),
        (TypeError, "n_pairs must be an int, got 0.5"),
    ),
    "layer_batch_size_bool": (
        lambda: LayerFeatures(MLPNet(4, 3), "classifier", batch_size=True).fit(TABLE),
        (TypeError, "batch_size must be an int, got True"),
    ),
    "joint_group_size_bool": (
        lambda: fit_jointly([_net()], TABLE, _YT, max_group_size=True),
        (ValueError, "max_group_size must be a positive int"),
    ),
    "dimensions_numpy": (
        lambda: _subspace(np.array([1, 3])),
        lambda table: table["n"].tolist() == [1, 3],
    ),
}


@pytest.mark.parametrize("case", sorted(COUNTS))
def test_counts(case):
    _check(*COUNTS[case])


# ---- networks: what is trained, on what, where ---------------------------------------------


def _net(**params):
    defaults = {
        "module": MLPNet,
        "module__n_features": 4,
        "module__n_classes": 3,
        "module__hidden": (3,),
        "max_epochs": 1,
        "random_state": 0,
    }
    return SensorNetClassifier(**(defaults | params))


_YT = np.arange(10) % 3


class _Plain(nn.Module):
    """The package's convention (features, classifier) without any check of the input."""

    def __init__(self):
        super().__init__()
        self.body, self.classifier = nn.Linear(4, 3), nn.Linear(3, 3)

    def features(self, x):
        return self.body(x)

    def forward(self, x):
        return self.classifier(self.body(x))


def _plain(**params):
    return SensorNetClassifier(_Plain, **({"max_epochs": 1, "random_state": 0} | params))


_WIDE = np.zeros((10, 7), np.float32)
_CANNOT_RUN = (ValueError, r"_Plain cannot run on a batch of shape \(\d+, 7\).*mat1 and mat2")
NO_CUDA = "CUDA is not available here.*available here are \\['cpu'\\]"
NETWORKS = {
    "fit_jointly_object": (lambda: fit_jointly([object()], TABLE, _YT), (TypeError, "nets\\[0\\]")),
    "fit_jointly_empty": (lambda: fit_jointly([], TABLE, _YT), (ValueError, "nets is empty")),
    "fit_jointly_cannot_run": (
        lambda: fit_jointly([_plain(random_state=s) for s in (0, 1)], _WIDE, _YT),
        _CANNOT_RUN,
    ),
    "fit_cannot_run": (lambda: _plain().fit(_WIDE, _YT), _CANNOT_RUN),
    "transform_cannot_run": (
        lambda: _plain().fit(TABLE, _YT).transform(_WIDE),
        _CANNOT_RUN,
    ),
    "fit_jointly_one_net": (lambda: fit_jointly(_net(), TABLE, _YT), (TypeError, "wrap a single")),
    "fit_jointly_none": (lambda: fit_jointly(None, TABLE, _YT), (TypeError, "list of networks")),
    "fit_jointly_nones": (lambda: fit_jointly([None], TABLE, _YT), (TypeError, "NoneType")),
    "fit_jointly_string": (lambda: fit_jointly("net", TABLE, _YT), (TypeError, "one str")),
    "no_rows": (
        lambda: _net().fit(TABLE[:0], _YT[:0]),
        (ValueError, "got no samples: X has 0 rows"),
    ),
    "no_rows_tensor": (
        lambda: _net().fit(torch.zeros(0, 4), torch.zeros(0, dtype=torch.long)),
        (ValueError, "got no samples"),
    ),
    "no_rows_partial_fit": (
        lambda: _net().partial_fit(TABLE[:0], _YT[:0]),
        (ValueError, "got no samples"),
    ),
    "device_cuda": (lambda: _net(device="cuda").fit(TABLE, _YT), (ValueError, NO_CUDA)),
    "device_cuda_7": (lambda: _net(device="cuda:7").fit(TABLE, _YT), (ValueError, NO_CUDA)),
    "device_mps": (lambda: _net(device="mps").fit(TABLE, _YT), (ValueError, "MPS")),
    "device_nonsense": (
        lambda: _net(device="gpu0").fit(TABLE, _YT),
        (ValueError, "'gpu0' is not a device name"),
    ),
    "device_int": (lambda: _net(device=0).fit(TABLE, _YT), (TypeError, "got int")),
    "device_auto": (
        lambda: _net(device="auto").fit(TABLE, _YT),
        lambda net: net.predict(TABLE).shape == (10,),
    ),
    "fit_jointly_device": (
        lambda: fit_jointly([_net(device="cuda"), _net(device="cuda")], TABLE, _YT),
        (ValueError, NO_CUDA),
    ),
    "layer_features_device": (
        lambda: LayerFeatures(MLPNet(4, 3), "classifier", device="cuda").fit(TABLE),
        (ValueError, NO_CUDA),
    ),
    "linear_layer_device": (
        lambda: fit_linear_layer_adam(TABLE, _YT, COEF, np.zeros(3), device="cuda:1"),
        (ValueError, NO_CUDA),
    ),
    "class_layer_nan_intercept": (
        lambda: ClassLayerClassifier(COEF, [0.0, np.nan, 0.0]).fit(TABLE),
        (ValueError, r"intercept must be finite: .* classes \[1\]"),
    ),
    "class_layer_nan_intercept_retrained": (
        lambda: ClassLayerClassifier(COEF, [0.0, 0.0, np.nan], retrain=True).fit(TABLE, _YT),
        (ValueError, r"intercept must be finite: .* classes \[2\]"),
    ),
    "from_module_sequence_first": (
        lambda: NetworkFeatures.from_module(
            nn.Sequential(_Net(nn.LSTM(4, 5), lambda out: out[0][-1], transpose=True),
                          nn.Linear(5, 3)),
            SEQUENCES[:6],
            SEQUENCES[6:],
            layer="0.inner",
        ),
        (ValueError, r"\(LSTM\) returned .*\(7, 6, 5\).*batch_first=True"),
    ),
    "from_module_batch_mean": (
        lambda: NetworkFeatures.from_module(
            nn.Sequential(_Net(nn.Linear(4, 5), lambda h: h.mean(0, keepdim=True)),
                          nn.Linear(5, 3)),
            TABLE[:6],
            TABLE[6:],
        ),
        (ValueError, r"'1' \(Linear\) returned .*\(1, 5\) for a batch of 6"),
    ),
    "network_features_nan_intercept": (
        lambda: NetworkFeatures(TABLE, TABLE, COEF, [np.nan, 0.0, 0.0]),
        (ValueError, "intercept contains NaN"),
    ),
}


@pytest.mark.parametrize("case", sorted(NETWORKS))
def test_networks(case, no_gpu):
    _check(*NETWORKS[case])
