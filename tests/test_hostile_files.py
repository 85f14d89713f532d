"""Hostile studies, tables, files and command lines: a right answer or a named error.

The array entry points are in ``test_hostile.py``. Every case here expects a
``ValueError`` or ``TypeError`` naming the problem (``FileNotFoundError`` where a
file is missing), or checks the answer; no other exception may escape.
"""

from __future__ import annotations

import pickle
import re
import shutil

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from sklearn_ccafusion import cli, plotting
from sklearn_ccafusion.datasets import (
    load_cifar10,
    load_shl2018,
    write_cifar10_folder,
    write_shl2018_folder,
)
from sklearn_ccafusion.runs import load_study_file
from sklearn_ccafusion.study import (
    NetworkFeatures,
    bootstrap_scores,
    cross_sensor_study,
    default_dimensions,
    fusion_study,
    make_planted_features,
    subspace_study,
    summarize_study,
)

matplotlib.use("Agg")

X1, X2, Y, ((W1, B1), (W2, B2)) = make_planted_features(
    120, n_classes=3, n_features=12, n_nuisance=2, random_state=0
)
TR, VA = slice(0, 80), slice(80, None)
NET = NetworkFeatures(X1[TR], X1[VA], W1, B1)
PARTNER = NetworkFeatures(X2[TR], X2[VA], W2, B2)
STUDY = {
    "dimensions": [2],
    "repeats": 1,
    "progress": False,
    "random_state": 0,
    "methods": ("cca_highest", "pca"),
    "heads": ("original",),
}


@pytest.fixture(scope="module")
def study_table():
    return subspace_study(NET, PARTNER, Y[TR], Y[VA], **STUDY)


def test_the_small_study_is_a_real_one(study_table):
    # the planted features separate the classes: the study scores them
    assert study_table["score"].min() > 0.8
    assert summarize_study(study_table)["count"].tolist() == [1, 1]


def _subspace(**changes):
    args = {"networks": NET, "partners": PARTNER, "y_train": Y[TR], "y_validation": Y[VA]}
    params = STUDY | changes
    return subspace_study(**{k: params.pop(k, v) for k, v in args.items()}, **params)


SUBSPACE = {
    "y_train_rows": ({"y_train": Y[:70]}, ValueError, r"got 80 and 80 and 70"),
    "y_validation_rows": ({"y_validation": Y[:5]}, ValueError, r"got 40 and 5"),
    "y_shifted": ({"y_train": Y[TR] + 1}, ValueError, r"does not know, \[3\].*classes="),
    "y_nan": (
        {"y_train": np.where(np.arange(80) == 0, np.nan, Y[TR])},
        ValueError,
        r"does not know, \[nan\]",
    ),
    "dimension_zero": ({"dimensions": [0]}, ValueError, "at least 1"),
    "dimension_negative": ({"dimensions": [-2]}, ValueError, "at least 1"),
    "dimensions_empty": ({"dimensions": []}, ValueError, "dimensions is empty"),
    "methods_empty": ({"methods": ()}, ValueError, "methods is empty"),
    "heads_empty": ({"heads": ()}, ValueError, "heads is empty"),
    "method_unknown": ({"methods": ("nope",)}, ValueError, r"Unknown method\(s\) \['nope'\]"),
    "head_unknown": ({"heads": ("x",)}, ValueError, r"Unknown head\(s\)"),
    "metric_unknown": ({"metric": "auc"}, ValueError, "Unknown metric 'auc'"),
    "repeats_zero": ({"repeats": 0}, ValueError, "repeats must be at least 1"),
    "partners_count": ({"networks": [NET, NET], "partners": [PARTNER]}, ValueError, "2 networks"),
    "networks_empty": ({"networks": [], "partners": []}, ValueError, "networks is empty"),
    "networks_arrays": ({"networks": X1, "partners": X2}, TypeError, "must be a NetworkFeatures"),
    "networks_none": ({"networks": None}, TypeError, "must be a NetworkFeatures"),
    "labels_count": ({"labels": [{"a": 1}, {"b": 2}]}, ValueError, "one mapping per pair"),
    "partner_rows": (
        {"partners": NetworkFeatures(X2[:70], X2[VA], W2, B2)},
        ValueError,
        "got 80 and 70 and 80",
    ),
}


@pytest.mark.parametrize("case", sorted(SUBSPACE))
def test_subspace_study_arguments(case):
    changes, error, match = SUBSPACE[case]
    with pytest.raises(error, match=match):
        _subspace(**changes)


def test_subspace_study_dimension_beyond_the_width_is_the_whole_layer(study_table):
    wide = _subspace(dimensions=[100])
    full = _subspace(dimensions=[12])
    np.testing.assert_allclose(wide["score"].to_numpy(), full["score"].to_numpy())


NETWORK_FEATURES = {
    "nan": ((np.where(np.eye(80, 12) > 0, np.nan, X1[TR]), X1[VA], W1, B1), "contains NaN"),
    "coef_width": ((X1[TR], X1[VA], W1[:, :5], B1), "got 12, 12 and 5"),
    "validation_width": ((X1[TR], X1[VA][:, :5], W1, B1), "got 12, 5 and 12"),
    "coef_transposed": ((X1[TR], X1[VA], W1.T, B1), "got 12, 12 and 3"),
    "intercept_length": ((X1[TR], X1[VA], W1, B1[:2]), "intercept has 2 entries"),
    "classes_length": ((X1[TR], X1[VA], W1, B1, [0, 1]), "3 distinct labels"),
    "classes_duplicated": ((X1[TR], X1[VA], W1, B1, [0, 0, 1]), "3 distinct labels"),
    "1d": ((X1[TR, 0], X1[VA], W1, B1), "Expected 2D array"),
    "empty": ((X1[:0], X1[VA], W1, B1), "0 sample"),
}


@pytest.mark.parametrize("case", sorted(NETWORK_FEATURES))
def test_network_features_arguments(case):
    args, match = NETWORK_FEATURES[case]
    with pytest.raises(ValueError, match=match):
        NetworkFeatures(*args)


CROSS = {
    "empty": ({}, ValueError, "sensors is empty"),
    "list": ([NET, PARTNER], TypeError, "sensors must be a mapping"),
    "one_network": ({"a": [NET], "b": [PARTNER]}, ValueError, "at least 2"),
    "pairs_zero": ({"a": [NET, PARTNER], "b": [PARTNER, NET]}, ValueError, r"n_pairs=0"),
    "pairs_many": ({"a": [NET, PARTNER], "b": [PARTNER, NET]}, ValueError, r"n_pairs=10"),
}


@pytest.mark.parametrize("case", sorted(CROSS))
def test_cross_sensor_study_arguments(case):
    sensors, error, match = CROSS[case]
    n_pairs = {"pairs_zero": 0, "pairs_many": 10}.get(case)
    with pytest.raises(error, match=match):
        cross_sensor_study(sensors, Y[TR], Y[VA], n_pairs=n_pairs, **STUDY)


FUSION_ARGS = ((X1[TR], X2[TR]), Y[TR], (X1[VA], X2[VA]), Y[VA], ((W1, B1), (W2, B2)))
FUSION = {
    "nan": ({0: (np.where(np.eye(80, 12) > 0, np.nan, X1[TR]), X2[TR])}, "contains NaN"),
    "view_rows": ({0: (X1[TR], X2[:70])}, "View 2 has 70 train"),
    "y_rows": ({1: Y[:70]}, "y_train has 70"),
    "one_view": ({0: (X1[TR],), 2: (X1[VA],), 4: ((W1, B1),)}, "two views, got 1"),
    "three_views": ({0: (X1[TR],) * 3, 2: (X1[VA],) * 3, 4: ((W1, B1),) * 3}, "got 3"),
    "validation_width": ({2: (X1[VA][:, :5], X2[VA])}, "validation features 5"),
    "layer_width": ({4: ((W1[:, :5], B1), (W2, B2))}, "its layer's coef 5"),
    "layers_count": ({4: ((W1, B1),)}, "layers must hold two views"),
    "shifted_labels": ({1: Y[TR] + 1, 3: Y[VA] + 1}, r"does not know.*classes="),
    "one_class": ({1: np.zeros(80, int)}, "one|1 class|classes"),
}


@pytest.mark.parametrize("case", sorted(FUSION))
def test_fusion_study_arguments(case):
    changes, match = FUSION[case]
    args = [changes.get(i, value) for i, value in enumerate(FUSION_ARGS)]
    with pytest.raises(ValueError, match=match):
        fusion_study(*args, n_components=[2], progress=False)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"n_components": [0]}, "ints >= 1 or None"),
        ({"metric": "auc"}, "metric must be one of"),
        ({"classes": [0, 0, 1]}, "3 distinct labels"),
        ({"classes": [0, 1]}, "3 distinct labels"),
    ],
    ids=["n_components_zero", "metric", "classes_duplicated", "classes_short"],
)
def test_fusion_study_parameters(params, match):
    with pytest.raises(ValueError, match=match):
        fusion_study(*FUSION_ARGS, **({"n_components": [2], "progress": False} | params))


_yt = np.random.default_rng(1).integers(0, 3, 20)
PREDICTIONS = {"a": _yt, "b": np.where(np.arange(20) < 10, _yt, (_yt + 1) % 3)}
BOOTSTRAP = {
    "empty_rows": ((_yt[:0], {"a": _yt[:0]}), {}, ValueError, "empty"),
    "prediction_length": ((_yt, {"a": _yt[:10]}), {}, ValueError, "one entry per validation"),
    "no_predictions": ((_yt, {}), {}, ValueError, "predictions is empty"),
    "list": ((_yt, [_yt]), {}, TypeError, "predictions must be a mapping"),
    "reference": ((_yt, PREDICTIONS), {"reference": "zz"}, ValueError, "reference 'zz'"),
    "metric": ((_yt, PREDICTIONS), {"metric": "auc"}, ValueError, "Unknown metric"),
    "confidence_one": ((_yt, PREDICTIONS), {"confidence": 1.0}, ValueError, r"in \(0, 1\)"),
    "confidence_zero": ((_yt, PREDICTIONS), {"confidence": 0}, ValueError, r"in \(0, 1\)"),
    "resamples": ((_yt, PREDICTIONS), {"n_resamples": 0}, ValueError, "at least 1"),
    "nan": ((np.where(np.arange(20) == 0, np.nan, _yt), PREDICTIONS), {}, ValueError, "NaN"),
    "2d_predictions": ((_yt, {"a": np.c_[_yt, _yt]}), {}, ValueError, "1d array"),
    "label_types": ((_yt, {"a": _yt.astype(str)}), {}, ValueError, "Mix of label input types"),
}


@pytest.mark.parametrize("case", sorted(BOOTSTRAP))
def test_bootstrap_scores_arguments(case):
    args, params, error, match = BOOTSTRAP[case]
    params = dict(params)
    with pytest.raises(error, match=match):
        bootstrap_scores(*args, n_resamples=params.pop("n_resamples", 20), **params)


def test_bootstrap_scores_value_is_the_plain_score():
    bands = bootstrap_scores(_yt, PREDICTIONS, n_resamples=50, random_state=0)
    accuracy = bands.set_index("name")["value"]
    assert accuracy["a"] == 1.0
    assert accuracy["b"] == pytest.approx(np.mean(PREDICTIONS["b"] == _yt))


@pytest.mark.parametrize("n_classes, n_features", [(0, 10), (3, 0), (-1, 5), (3, -4)], ids=str)
def test_default_dimensions_needs_positive_sizes(n_classes, n_features):
    with pytest.raises(ValueError, match="n_classes >= 1 and n_features >= 1"):
        default_dimensions(n_classes, n_features)


# ---- tables and figures -------------------------------------------------------------------


def _tables(study_table):
    fusion = fusion_study(*FUSION_ARGS, n_components=[2], progress=False)
    return {
        "summarize_study": (summarize_study, study_table),
        "plot_subspace_study": (
            lambda table: plotting.plot_subspace_study(table, column=None),
            study_table,
        ),
        "plot_fusion": (plotting.plot_fusion, fusion),
    }


TABLE_FUNCTIONS = [
    "summarize_study",
    "plot_subspace_study",
    "plot_cross_sensor",
    "plot_fusion",
    "plot_layer_depth",
    "plot_layer_similarity",
]
BAD_TABLES = {
    "empty_frame": (pd.DataFrame(), ValueError, "lacks the column"),
    "none": (None, TypeError, "must be a pandas DataFrame"),
    "list": ([1, 2], TypeError, "must be a pandas DataFrame"),
    "unrelated_frame": (pd.DataFrame({"x": [1.0]}), ValueError, "lacks the column"),
}


@pytest.mark.parametrize("case", sorted(BAD_TABLES))
@pytest.mark.parametrize("function", TABLE_FUNCTIONS)
def test_tables_that_are_not_the_studys(function, case):
    table, error, match = BAD_TABLES[case]
    with pytest.raises(error, match=match):
        (summarize_study if function == "summarize_study" else getattr(plotting, function))(table)


@pytest.mark.parametrize("function", ["summarize_study", "plot_subspace_study", "plot_fusion"])
def test_tables_with_no_rows(function, study_table):
    call, table = _tables(study_table)[function]
    with pytest.raises(ValueError, match=r"is empty \(0 rows\)"):
        call(table.iloc[:0])


def test_summarize_study_refuses_scores_that_are_not_numbers(study_table):
    with pytest.raises(TypeError, match=r"results\['score'\] must hold numbers"):
        summarize_study(study_table.assign(score="x"))


def test_plot_subspace_study_unknown_methods_and_heads(study_table):
    with pytest.raises(ValueError, match=r"no rows for the methods \['zz'\]"):
        plotting.plot_subspace_study(study_table, column=None, methods=["zz"])
    with pytest.raises(ValueError, match=r"no rows for the heads \['zz'\]"):
        plotting.plot_subspace_study(study_table, column=None, heads=["zz"])


@pytest.mark.parametrize(
    "figure, data, error, match",
    [
        (None, None, TypeError, "figure must be a matplotlib Figure"),
        ("figure.png", None, TypeError, "figure must be a matplotlib Figure"),
        (Figure(), [1, 2], TypeError, "data must be a pandas DataFrame"),
        (Figure(), np.zeros(3), TypeError, "data must be a pandas DataFrame"),
    ],
    ids=["none", "string", "list_data", "array_data"],
)
def test_save_figure_arguments(tmp_path, figure, data, error, match):
    with pytest.raises(error, match=match):
        plotting.save_figure(figure, tmp_path / "f.png", data=data)
    assert not (tmp_path / "f.png").exists()


# ---- data files ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shl_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("shl") / "shl"
    write_shl2018_folder(folder, n_segments=12, segment_length=20, random_state=0, progress=False)
    return folder


def _edit_line(name, line, token=None, keep=None):
    def edit(root):
        path = root / name
        lines = path.read_text().split("\n")
        values = lines[line].split()
        if token is not None:
            values[0] = token
        lines[line] = " ".join(values[:keep] if keep else values)
        path.write_text("\n".join(lines))

    return edit


def _relabel(token):
    def edit(root):  # every sample of the first segment, the middle one included
        path = root / "Label.txt"
        lines = path.read_text().split("\n")
        lines[0] = " ".join([token] * len(lines[0].split()))
        path.write_text("\n".join(lines))

    return edit


def _truncate_lines(root):
    path = root / "Acc_x.txt"
    lines = path.read_text().strip().split("\n")
    path.write_text("\n".join(lines[:-2]) + "\n")


def _replace_by_folder(root):
    (root / "Acc_x.txt").unlink()
    (root / "Acc_x.txt").mkdir()


SHL_DAMAGE = {
    "nan_token": (_edit_line("Acc_x.txt", 0, "NaN"), ValueError, r"line 1, value 1: nan is not"),
    "inf_token": (_edit_line("Acc_x.txt", 0, "inf"), ValueError, r"inf is not a sensor reading"),
    "overflow_token": (_edit_line("Acc_x.txt", 0, "1e400"), ValueError, "inf is not a sensor"),
    "text_token": (_edit_line("Acc_x.txt", 1, "abc"), ValueError, r"line 2.*cannot read 'abc'"),
    "short_row": (_edit_line("Acc_x.txt", 0, keep=5), ValueError, r"expected 5 values"),
    "missing_rows": (_truncate_lines, ValueError, "has 10 lines but .*has 12"),
    "empty_file": (lambda r: (r / "Acc_x.txt").write_text(""), ValueError, "is empty"),
    "binary_file": (
        lambda r: (r / "Acc_x.txt").write_bytes(bytes(range(256)) * 2),
        ValueError,
        "cannot read",
    ),
    "label_out_of_range": (_relabel("9"), ValueError, r"expected 1\.\.8"),
    "label_not_integer": (_relabel("1.5"), ValueError, "1.5 is not a label"),
    "order_text": (_edit_line("train_order.txt", 0, "x"), ValueError, "cannot read 'x'"),
    "order_missing": (
        lambda r: (r / "train_order.txt").unlink(),
        FileNotFoundError,
        "train_order.txt is missing",
    ),
    "file_is_a_folder": (_replace_by_folder, FileNotFoundError, "Acc_x.txt is missing"),
}


@pytest.mark.parametrize("cache", [False, True], ids=["uncached", "cached"])
@pytest.mark.parametrize("case", sorted(SHL_DAMAGE))
def test_load_shl2018_damaged_files(shl_folder, tmp_path, case, cache):
    copy = tmp_path / "shl"
    shutil.copytree(shl_folder, copy)
    if cache:  # a cache written from the intact files must not hide the damage
        load_shl2018(copy, validation_size=3, cache=True)
    damage, error, match = SHL_DAMAGE[case]
    damage(copy / "train")
    with pytest.raises(error, match=match):
        load_shl2018(copy, validation_size=3, cache=cache)


@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"subset": "x"}, ValueError, "'subset' parameter"),
        ({"validation_size": 100}, ValueError, "the data holds 12"),
        ({"validation_size": -1}, ValueError, "'validation_size' parameter"),
        ({"validation_size": 1.0}, ValueError, "'validation_size' parameter"),
        ({"signals": ("Foo",)}, FileNotFoundError, "Foo.txt is missing"),
    ],
    ids=["subset", "validation_too_big", "validation_negative", "validation_one", "signal"],
)
def test_load_shl2018_arguments(shl_folder, params, error, match):
    with pytest.raises(error, match=match):
        load_shl2018(shl_folder, **({"validation_size": 3, "cache": False} | params))


def test_load_shl2018_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="not downloaded automatically"):
        load_shl2018(tmp_path / "nope")


@pytest.fixture(scope="module")
def cifar_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cifar") / "cifar"
    write_cifar10_folder(folder, n_train=10, n_test=5, random_state=0, progress=False)
    return folder


def _batch(content):
    return lambda path: path.write_bytes(pickle.dumps(content))


CIFAR_DAMAGE = {
    "truncated": (lambda p: p.write_bytes(p.read_bytes()[:100]), "not a CIFAR-10 python batch"),
    "empty": (lambda p: p.write_bytes(b""), "not a CIFAR-10 python batch"),
    "text": (lambda p: p.write_text("hello"), "not a CIFAR-10 python batch"),
    "wrong_keys": (_batch({"x": 1}), "lacks 'data' or 'labels'"),
    "wrong_width": (
        _batch({b"data": np.zeros((3, 5), np.uint8), b"labels": [0, 1, 2]}),
        r"shape \(n_images, 3072\)",
    ),
    "labels_count": (
        _batch({b"data": np.zeros((3, 3072), np.uint8), b"labels": [0, 1]}),
        "one class index in 0..9 per image",
    ),
    "labels_range": (
        _batch({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, 11]}),
        "one class index in 0..9 per image",
    ),
    "not_a_dict": (_batch([1, 2]), "no dict inside"),
}


@pytest.mark.parametrize("case", sorted(CIFAR_DAMAGE))
def test_load_cifar10_damaged_batches(cifar_folder, tmp_path, case):
    copy = tmp_path / "cifar"
    shutil.copytree(cifar_folder, copy)
    damage, match = CIFAR_DAMAGE[case]
    damage(next(copy.rglob("data_batch_1")))
    with pytest.raises(ValueError, match=match):
        load_cifar10(copy)


def test_load_cifar10_truncated_archive_and_missing_folder(tmp_path):
    write_cifar10_folder(tmp_path / "a", n_train=10, n_test=5, archive=True, progress=False)
    archive = next((tmp_path / "a").rglob("*.tar.gz"))
    archive.write_bytes(archive.read_bytes()[:300])
    with pytest.raises(ValueError, match="not a complete tar.gz archive"):
        load_cifar10(tmp_path / "a")
    with pytest.raises(FileNotFoundError, match="not downloaded automatically"):
        load_cifar10(tmp_path / "nope")


_rng = np.random.default_rng(0)
GOOD = {"y": np.arange(40) % 2, "a": _rng.normal(size=(40, 4)), "b": _rng.normal(size=(40, 3))}
STUDY_FILES = {
    "no_y": ({"y": None}, "has no array 'y'"),
    "sensor_rows": ({"b": GOOD["b"][:30]}, "'b' has 30 rows but y has 40"),
    "sensor_nan": ({"a": np.where(np.eye(40, 4) > 0, np.nan, GOOD["a"])}, "NaN or infinite"),
    "y_2d": ({"y": GOOD["y"][:, None]}, r"shape \(n,\), got \(40, 1\)"),
    "one_class": ({"y": np.zeros(40)}, "single class"),
    "no_samples": ({"y": np.zeros(0), "a": np.zeros((0, 4)), "b": np.zeros((0, 3))}, "class"),
    "string_sensor": ({"a": GOOD["a"].astype(str)}, "not numbers"),
    "complex_sensor": ({"a": GOOD["a"] + 1j}, "not numbers"),
    "5d_sensor": ({"a": np.zeros((40, 1, 1, 1, 1))}, "a sensor array is"),
    "1d_sensor": ({"a": GOOD["a"][:, 0]}, "a sensor array is"),
    "object_sensor": ({"a": GOOD["a"].astype(object)}, "object array.*pickle"),
    "object_labels": ({"y": np.array([None] * 40)}, "object array.*pickle"),
    "split_values": ({"split": np.array(["train"] * 39 + ["x"])}, r"found \['x'\]"),
    "split_length": ({"split": np.array(["train"] * 10)}, "one entry per sample"),
    "split_no_validation": ({"split": np.array(["train"] * 40)}, "side empty"),
    "groups_length": ({"groups": np.arange(3)}, "one entry per sample"),
    "one_group": ({"groups": np.zeros(40)}, "one group"),
    "single_sample_classes": (
        {"y": np.array([0, 1]), "a": np.zeros((2, 4)), "b": np.zeros((2, 3))},
        "single sample",
    ),
}


@pytest.mark.parametrize("case", sorted(STUDY_FILES))
def test_load_study_file_bad_contents(tmp_path, case):
    changes, match = STUDY_FILES[case]
    arrays = {k: v for k, v in (GOOD | changes).items() if v is not None}
    np.savez(tmp_path / "data.npz", **arrays)
    with pytest.raises(ValueError, match=match):
        load_study_file(tmp_path / "data.npz")


def _npy(path):
    np.save(path.with_suffix(".npy"), np.zeros(3))
    path.with_suffix(".npy").rename(path)


NOT_NPZ = {
    "garbage_zip": (lambda p: p.write_bytes(b"PK\x03\x04garbage"), "not (a readable|an) .npz"),
    "text": (lambda p: p.write_text("hello"), "not an .npz file"),
    "npy": (_npy, "not an .npz file"),
    "missing": (lambda p: None, "no such file"),
    "folder": (lambda p: p.mkdir(), "data.npz is a folder, not a file"),
}


@pytest.mark.parametrize("case", sorted(NOT_NPZ))
def test_load_study_file_not_an_npz(tmp_path, case):
    make, match = NOT_NPZ[case]
    make(tmp_path / "data.npz")
    with pytest.raises(ValueError, match=match):
        load_study_file(tmp_path / "data.npz")


@pytest.mark.parametrize(
    "params, match",
    [
        ({"net": "zzz"}, "Unknown network 'zzz'"),
        ({"net": {"zz": "mlp"}}, r"sensor\(s\) \['zz'\].*its sensors are \['a', 'b'\]"),
        ({"net": "conv1d"}, "takes samples of 2 axes"),
        ({"validation_fraction": 0.0}, "strictly between 0 and 1"),
        ({"validation_fraction": 1.0}, "strictly between 0 and 1"),
        ({"max_epochs": 0}, "max_epochs must be at least 1"),
        ({"metric": "auc"}, "metric must be one of"),
    ],
    ids=["net", "net_unknown_sensor", "net_shape", "fraction_0", "fraction_1", "epochs", "metric"],
)
def test_load_study_file_parameters(tmp_path, params, match):
    np.savez(tmp_path / "data.npz", **GOOD)
    with pytest.raises(ValueError, match=match):
        load_study_file(tmp_path / "data.npz", **params)


def test_load_study_file_good_file(tmp_path):
    np.savez(tmp_path / "data.npz", **GOOD)
    data = load_study_file(tmp_path / "data.npz", max_epochs=3)
    n_val = len(data.y_validation)
    assert n_val + len(data.y_train) == 40 and n_val == 8
    assert data.make_net("a", 0, "cpu").max_epochs == 3
    # standardised on the training side
    np.testing.assert_allclose(data.inputs_train["a"].mean(axis=0), 0, atol=1e-6)


# ---- the command line ---------------------------------------------------------------------

PARSE_ERRORS = {
    "cca_components_zero": ["cca", "--n-components", "0"],
    "cca_components_text": ["cca", "--n-components", "abc"],
    "cca_variance": ["cca", "--variance", "2"],
    "cca_max_iter": ["cca", "--max-iter", "-1"],
    "reproduce_pairs": ["reproduce", "--pairs", "0"],
    "reproduce_repeats": ["reproduce", "--repeats", "0"],
    "reproduce_reg_high": ["reproduce", "--reg", "2"],
    "reproduce_reg_negative": ["reproduce", "--reg", "-1"],
    "reproduce_fraction": ["reproduce", "--validation-fraction", "1.5"],
    "reproduce_seed": ["reproduce", "--seed", "-1"],
    "reproduce_dataset": ["reproduce", "--dataset", "mnist"],
    "reproduce_device": ["reproduce", "--device", "tpu"],
    "study_no_data": ["study"],
    "study_epochs": ["study", "--data", "x.npz", "--epochs", "0"],
    "study_fraction": ["study", "--data", "x.npz", "--validation-fraction", "0"],
    "study_net": ["study", "--data", "x.npz", "--net", "rnn"],
    "study_seed": ["study", "--data", "x.npz", "--seed", "-3"],
    "layers_permutations": ["layers", "--permutations", "0"],
    "layers_dataset": ["layers", "--dataset", "shl"],
    "layers_seed": ["layers", "--seed", "-1"],
    "unknown_command": ["bogus"],
}


@pytest.mark.parametrize("case", sorted(PARSE_ERRORS))
def test_cli_rejects_bad_arguments_before_any_work(case, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(PARSE_ERRORS[case])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "error:" in err and "Traceback" not in err


RESOURCE_ERRORS = {
    "out_is_a_file": (["--out", "{file}"], "exists and is not a folder"),
    "n_jobs_zero": (["--n-jobs", "0", "--out", "{tmp}/o"], "--n-jobs must be"),
    "device_cuda": (["--device", "cuda", "--out", "{tmp}/o"], "torch sees no CUDA device"),
    "missing_data": (["--data", "{tmp}/none.npz", "--out", "{tmp}/o"], "no such file"),
    "data_not_npz": (["--data", "{file}", "--out", "{tmp}/o"], "not an .npz file"),
}
RESOURCE_CASES = [
    (command, case)
    for command in ("reproduce", "study", "layers")
    for case in RESOURCE_ERRORS
    if ("data" not in case or command == "study") and (case, command) != ("n_jobs_zero", "layers")
]


@pytest.mark.parametrize("command, case", RESOURCE_CASES, ids="-".join)
def test_cli_checks_resources_before_any_work(tmp_path, capsys, command, case):
    # `layers --out FILE` trained both networks (minutes) before failing on the folder
    arguments, match = RESOURCE_ERRORS[case]
    if case == "device_cuda" and pytest.importorskip("torch").cuda.is_available():
        pytest.skip("CUDA is present here")
    (tmp_path / "file.txt").write_text("not a folder")
    arguments = [a.format(file=tmp_path / "file.txt", tmp=tmp_path) for a in arguments]
    if command == "study" and "data" not in case:
        np.savez(tmp_path / "d.npz", **GOOD)
        arguments = ["--data", str(tmp_path / "d.npz"), *arguments]
    assert cli.main([command, "--quiet", *arguments]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ccafusion: error:") and "Traceback" not in err
    assert re.search(match, err)


# ---- the layer study ----------------------------------------------------------------------


def _layers(seed, y=Y):
    rng = np.random.default_rng(seed)
    deep = np.eye(3)[y] @ rng.normal(size=(3, 6)) + 0.5 * rng.normal(size=(len(y), 6))
    return {"shallow": (deep[TR] * 2 + 1, deep[VA] * 2 + 1), "deep": (deep[TR], deep[VA])}


LAYERS_1, LAYERS_2 = _layers(1), _layers(2)
_SHALLOW_TRAIN, _SHALLOW_VAL = LAYERS_1["shallow"]
LAYER_STUDY = {
    "empty": ({"layers_1": {}}, TypeError, "non-empty mapping of layer name"),
    "list": ({"layers_1": [LAYERS_1["deep"]]}, TypeError, "non-empty mapping of layer name"),
    "nan": (
        {
            "layers_1": {
                "shallow": (np.full((80, 6), np.nan), _SHALLOW_VAL),
                "deep": LAYERS_1["deep"],
            }
        },
        ValueError,
        "contains NaN",
    ),
    "train_rows": (
        {"layers_1": {"shallow": (_SHALLOW_TRAIN[:70], _SHALLOW_VAL), "deep": LAYERS_1["deep"]}},
        ValueError,
        "has 70 train and 40 validation rows",
    ),
    "y_rows": ({"y_train": Y[:70]}, ValueError, "y_train has 70"),
    "validation_width": (
        {"layers_1": {"shallow": (_SHALLOW_TRAIN, _SHALLOW_VAL[:, :3]), "deep": LAYERS_1["deep"]}},
        ValueError,
        "have 6 and 3 features",
    ),
    "not_a_pair": (
        {"layers_1": {"shallow": _SHALLOW_TRAIN, "deep": LAYERS_1["deep"]}},
        ValueError,
        r"must be a pair \(train activations, validation activations\)",
    ),
    "one_dimensional": (
        {
            "layers_1": {
                "shallow": (_SHALLOW_TRAIN[:, 0], _SHALLOW_VAL[:, 0]),
                "deep": LAYERS_1["deep"],
            }
        },
        ValueError,
        "Expected 2D array",
    ),
    "pair_unknown": ({"pairs": [("zz", "deep")]}, ValueError, r"Unknown layer pair \('zz'"),
    "layer_counts": ({"layers_1": {"deep": LAYERS_1["deep"]}}, ValueError, "1 and 2 layers"),
    "class_layer_width": (
        {"class_layer": (np.ones((3, 4)), np.zeros(3))},
        ValueError,
        "class_layer reads 4 features",
    ),
    "n_directions": ({"n_directions": 0}, ValueError, "at least 1"),
    "method": ({"methods": ("x",)}, ValueError, r"Unknown method\(s\)"),
    "metric": ({"metric": "auc"}, ValueError, "Unknown metric"),
    "svcca_keep": ({"svcca_keep": 2.0}, ValueError, "'keep' parameter"),
}


@pytest.mark.parametrize("case", sorted(LAYER_STUDY))
def test_layer_study_arguments(case):
    from sklearn_ccafusion.study import layer_study

    changes, error, match = LAYER_STUDY[case]
    changes = dict(changes)
    args = {"layers_1": LAYERS_1, "layers_2": LAYERS_2, "y_train": Y[TR], "y_validation": Y[VA]}
    args = {k: changes.pop(k, v) for k, v in args.items()}
    with pytest.raises(error, match=match):
        layer_study(**args, **changes, progress=False, random_state=0)
