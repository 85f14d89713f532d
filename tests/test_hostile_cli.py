"""Hostile options of the command line and of the study functions: a named error, at once.

Each case gives a value a person could type or pass by mistake (an empty folder
name, a count no run would finish, a worker count no machine has, a parameter of
the wrong type) and expects a ``ValueError`` or ``TypeError`` naming the option or
parameter, raised before any work: no network is trained, no file is written
outside the test's folder, no other exception escapes.
"""

from __future__ import annotations

import os
import re

import numpy as np
import pandas as pd
import pytest

from sklearn_ccafusion import cli
from sklearn_ccafusion.runs import load_study_file, reproduce, run_study
from sklearn_ccafusion.study import (
    NetworkFeatures,
    cross_sensor_study,
    default_dimensions,
    make_planted_features,
    subspace_study,
    summarize_study,
)

_RNG = np.random.default_rng(0)
_Y = np.arange(30) % 3
GOOD = {"y": _Y, "a": _RNG.normal(size=(30, 4)), "b": _RNG.normal(size=(30, 3))}
_HUGE = "99999999999999999999"
_CORES = os.cpu_count() or 1

# ---- the command line ---------------------------------------------------------------------

CLI_PARSE = {
    "n_jobs_beyond_the_cores": (["--n-jobs", str(-_CORES - 1)], "--n-jobs.*this machine has"),
    "n_jobs_huge": (["--n-jobs", _HUGE], "--n-jobs.*at most 1024"),
    "n_jobs_text": (["--n-jobs", "two"], "--n-jobs"),
    "epochs_huge": (["--epochs", _HUGE], "--epochs.*at most"),
    "pairs_huge": (["--pairs", "99999999999"], "--pairs.*at most"),
    "pairs_beyond_the_seeds": (["--pairs", "5001"], "--pairs.*at most 5,000"),
    "repeats_beyond": (["--repeats", "10001"], "--repeats.*at most 10,000"),
    "repeats_huge": (["--repeats", _HUGE], "--repeats.*at most"),
    "out_empty": (["--out", ""], "--out.*empty"),
    "out_blank": (["--out", "  "], "--out.*empty"),
    "data_empty": (["--data", ""], "--data.*empty"),
    "seed_beyond_numpy": (["--seed", str(2**32)], "--seed.*at most"),
}


@pytest.mark.parametrize("case", sorted(CLI_PARSE))
def test_study_options_refused_by_the_parser(tmp_path, capsys, case):
    arguments, match = CLI_PARSE[case]
    np.savez(tmp_path / "d.npz", **GOOD)
    base = ["study", "--quiet", "--data", str(tmp_path / "d.npz"), "--out", str(tmp_path / "o")]
    with pytest.raises(SystemExit) as exit_:
        cli.main([*base, *arguments])  # the last --data / --out given wins in argparse
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and re.search(match, err), err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.npz"]  # nothing written


@pytest.mark.parametrize(
    "command",
    [
        ["layers", "--permutations", _HUGE],
        ["reproduce", "--n-jobs", _HUGE],
        ["reproduce", "--data-dir", ""],
        ["make-data", "shl", "--out", ""],
        ["make-data", "shl", "--n-jobs", _HUGE],
        ["study", "--features", ""],
        ["cca", "--n-components", _HUGE],
    ],
    ids=lambda c: "-".join(c[:2]),
)
def test_other_commands_refuse_absurd_values(tmp_path, capsys, command):
    os.chdir(tmp_path)  # a run that went ahead would write here
    with pytest.raises(SystemExit) as exit_:
        cli.main([*command, "--quiet"] if command[0] != "cca" else command)
    assert exit_.value.code == 2
    assert "Traceback" not in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("flag", ["--data", "--features"])
def test_a_folder_given_as_the_file_is_named_a_folder(tmp_path, capsys, flag):
    (tmp_path / "x.npz").mkdir()
    arguments = ["study", "--quiet", flag, str(tmp_path / "x.npz"), "--out", str(tmp_path / "o")]
    assert cli.main(arguments) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and re.search(rf"{flag} .*x\.npz is a folder, not a file", err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.npz"]


def test_study_validation_fraction_that_leaves_one_training_sample_per_class(tmp_path, capsys):
    rng = np.random.default_rng(0)
    y = np.arange(60) % 3
    np.savez(tmp_path / "d.npz", y=y, a=rng.normal(size=(60, 4)), b=rng.normal(size=(60, 3)))
    arguments = ["study", "--quiet", "--data", str(tmp_path / "d.npz"), "--out", str(tmp_path)]
    assert cli.main([*arguments[:-1], str(tmp_path / "o"), "--validation-fraction", "0.99"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and re.search(
        r"--validation-fraction=0\.99 leaves 3 of the 60 samples for training.*Lower "
        r"--validation-fraction \(below 0\.925",
        err,
    ), err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.npz"]  # nothing trained, no --out


# ---- run_study and reproduce from Python --------------------------------------------------

RUN_PARAMETERS = {
    "pairs_float": ({"pairs": 1.5}, TypeError, "pairs must be an int"),
    "pairs_text": ({"pairs": "1"}, TypeError, "pairs must be an int"),
    "pairs_bool": ({"pairs": True}, TypeError, "pairs must be an int"),
    "pairs_beyond_the_seeds": ({"pairs": 10**6}, ValueError, "pairs must be at most 5000"),
    "repeats_float": ({"repeats": 2.5}, TypeError, "repeats must be an int"),
    "repeats_zero": ({"repeats": 0}, ValueError, "repeats must be at least 1"),
    "seed_negative": ({"seed": -1}, ValueError, "seed must be at least 0"),
    "seed_float": ({"seed": 1.5}, TypeError, "seed must be an int"),
    "seed_text": ({"seed": "0"}, TypeError, "seed must be an int"),
    "seed_beyond_numpy": ({"seed": 2**70}, ValueError, "seed must be at most"),
    "reg_high": ({"reg": 2.0}, ValueError, r"reg must be in \[0, 1\]"),
    "reg_nan": ({"reg": float("nan")}, ValueError, r"reg must be in \[0, 1\]"),
    "reg_text": ({"reg": "0.1"}, TypeError, "reg must be a number"),
    "n_jobs_zero": ({"n_jobs": 0}, ValueError, "n_jobs must be a positive"),
    "n_jobs_float": ({"n_jobs": 1.5}, TypeError, "n_jobs must be an int"),
    "n_jobs_text": ({"n_jobs": "2"}, TypeError, "n_jobs must be an int"),
    "device_unknown": ({"device": "tpu"}, ValueError, "tpu"),
    "device_int": ({"device": 3}, TypeError, "device must be a string"),
    "out_int": ({"out": 3}, TypeError, "out must be a folder name"),
    "out_none": ({"out": None}, TypeError, "out must be a folder name"),
    "out_empty": ({"out": ""}, ValueError, "out must name a folder"),
    "quick_text": ({"quick": "no"}, TypeError, "quick must be True or False"),
    "overwrite_text": ({"overwrite": "yes"}, TypeError, "overwrite must be True or False"),
}
REPRODUCE_ONLY = {
    "dataset_int": ({"dataset": 3}, TypeError, "dataset must be one of"),
    "dataset_unknown": ({"dataset": "mnist"}, ValueError, "Unknown dataset 'mnist'"),
    "data_dir_int": ({"data_dir": 3}, TypeError, "data_dir must be a folder name"),
    "validation_zero": ({"validation": 0}, ValueError, "validation must be at least 1"),
    "validation_one": ({"validation": 1.0}, ValueError, "strictly between 0 and 1"),
    "validation_nan": ({"validation": float("nan")}, ValueError, "strictly between 0 and 1"),
    "validation_text": ({"validation": "0.2"}, TypeError, "validation must be a number"),
    "validation_bool": ({"validation": True}, TypeError, "validation must be a number"),
    "data_dir_unused": ({"data_dir": "."}, ValueError, "'digits' reads no files"),
    "cuda_index": ({"device": "cuda:7"}, ValueError, "cuda:7"),
}


@pytest.mark.parametrize("case", sorted(RUN_PARAMETERS | REPRODUCE_ONLY))
def test_reproduce_parameters(tmp_path, case):
    changes, error, match = (RUN_PARAMETERS | REPRODUCE_ONLY)[case]
    params = {"out": tmp_path / "o", "quick": True, "progress": False, "n_jobs": 1} | changes
    with pytest.raises(error, match=match):
        reproduce(**params)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("validation", [10**9, 400, 0.9999], ids=["huge", "all", "fraction"])
def test_reproduce_validation_beyond_the_data_set(tmp_path, validation):
    with pytest.raises(ValueError, match=rf"^validation={validation!r} asks for .* of the 400 "):
        reproduce("synthetic-shl", validation=validation, out=tmp_path / "o", quick=True,
                  progress=False)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("flag, value", [("--validation-size", "100000"),
                                         ("--validation-fraction", "0.9999")])
def test_reproduce_validation_beyond_the_data_set_names_the_flag(tmp_path, capsys, flag, value):
    command = ["reproduce", "--dataset", "synthetic-shl", "--quick", "--quiet", flag, value]
    assert cli.main([*command, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert f"error: {flag} {value} asks for" in err and "of the 400 of synthetic-shl" in err
    assert "Traceback" not in err and "validation=" not in err
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def study_data(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "d.npz"
    np.savez(path, **GOOD)
    return load_study_file(path, max_epochs=1)


@pytest.mark.parametrize("case", sorted(RUN_PARAMETERS))
def test_run_study_parameters(tmp_path, study_data, case):
    changes, error, match = RUN_PARAMETERS[case]
    params = {"out": tmp_path / "o", "quick": True, "progress": False, "n_jobs": 1} | changes
    with pytest.raises(error, match=match):
        run_study(study_data, **params)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "settings, error",
    [
        (3, TypeError),
        ({1: "a"}, TypeError),
        ({"x": object()}, TypeError),
        ({"x": np.nan}, TypeError),
    ],
    ids=["int", "int_name", "object", "nan"],
)
def test_run_study_settings_must_be_json(tmp_path, study_data, settings, error):
    with pytest.raises(error, match="settings"):
        run_study(study_data, out=tmp_path / "o", progress=False, settings=settings)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("data", [None, {"y": [0, 1]}, "d.npz"], ids=["none", "dict", "path"])
def test_run_study_needs_study_data(tmp_path, data):
    with pytest.raises(TypeError, match="data must be a StudyData"):
        run_study(data, out=tmp_path / "o", progress=False)
    assert list(tmp_path.iterdir()) == []


# ---- the study functions ------------------------------------------------------------------

X1, X2, Y, ((W1, B1), (W2, B2)) = make_planted_features(
    90, n_classes=3, n_features=10, n_nuisance=1, random_state=0
)
NET = NetworkFeatures(X1[:60], X1[60:], W1, B1)
PARTNER = NetworkFeatures(X2[:60], X2[60:], W2, B2)
STUDY = {
    "dimensions": [2],
    "repeats": 1,
    "progress": False,
    "random_state": 0,
    "methods": ("cca_highest",),
    "heads": ("original",),
}

SUBSPACE = {
    "dimension_twice": ({"dimensions": [2, 2]}, ValueError, "dimensions holds 2 more than once"),
    "method_twice": ({"methods": ["pca", "pca"]}, ValueError, "methods holds 'pca' more than"),
    "methods_string": ({"methods": "cca_highest"}, TypeError, "methods must be a list"),
    "heads_string": ({"heads": "original"}, TypeError, "heads must be a list"),
    "n_jobs_float": ({"n_jobs": 1.5}, TypeError, "n_jobs must be an int"),
    "n_jobs_text": ({"n_jobs": "2"}, TypeError, "n_jobs must be an int"),
    "n_jobs_zero": ({"n_jobs": 0}, ValueError, "n_jobs must be a positive"),
    "seed_negative": ({"random_state": -1}, ValueError, "random_state must be at least 0"),
    "seed_float": ({"random_state": 1.5}, TypeError, "random_state must be an int"),
    "seed_text": ({"random_state": "x"}, TypeError, "random_state must be an int"),
    "labels_not_mappings": ({"labels": [1]}, TypeError, r"labels\[0\] must be a mapping"),
    "labels_a_study_column": ({"labels": [{"pair": 3}]}, ValueError, r"labels\[0\] names"),
    "labels_method": ({"labels": [{"method": "x"}]}, ValueError, r"labels\[0\] names"),
    "labels_count": ({"labels": [{"a": 1}, {"a": 2}]}, ValueError, "one mapping per pair"),
    "head_unknown": ({"head_params": {"zz": 1}}, ValueError, r"head_params has \['zz'\]"),
    "head_value": ({"head_params": {"weight_decay": -1}}, ValueError, "weight_decay"),
    "head_not_mapping": ({"head_params": 3}, TypeError, "head_params must be a mapping"),
    "head_given_layer": ({"head_params": {"coef": 1}}, ValueError, r"head_params has \['coef'\]"),
    "cache_int": ({"cache": 3}, TypeError, "cache must be a TaskCache"),
}


@pytest.mark.parametrize("case", sorted(SUBSPACE))
def test_subspace_study_options(case):
    changes, error, match = SUBSPACE[case]
    with pytest.raises(error, match=match):
        subspace_study(NET, PARTNER, Y[:60], Y[60:], **(STUDY | changes))


def test_subspace_study_cache_under_a_file(tmp_path):
    (tmp_path / "file").write_text("x")
    for cache in (tmp_path / "file", tmp_path / "file" / "tasks"):
        with pytest.raises(ValueError, match="is a file"):
            subspace_study(NET, PARTNER, Y[:60], Y[60:], cache=cache, **STUDY)
    assert [p.name for p in tmp_path.iterdir()] == ["file"]


def test_subspace_study_accepts_numpy_counts():
    table = subspace_study(
        NET, PARTNER, Y[:60], Y[60:], **(STUDY | {"dimensions": np.array([1, 2])})
    )
    assert table["n"].tolist() == [1, 2]
    assert all(type(n) is int for n in table["n"].tolist())


@pytest.mark.parametrize(
    "n_pairs, error",
    [(2.5, TypeError), ("1", TypeError), (True, TypeError), (0, ValueError)],
    ids=["float", "text", "bool", "zero"],
)
def test_cross_sensor_study_n_pairs(n_pairs, error):
    params = {k: v for k, v in STUDY.items() if k != "heads"}
    with pytest.raises(error, match="n_pairs"):
        cross_sensor_study({"a": [NET, PARTNER]}, Y[:60], Y[60:], n_pairs=n_pairs, **params)


@pytest.mark.parametrize(
    "n_classes, n_features, match",
    [
        (2.5, 10, "n_classes must be an int"),
        ("3", 10, "n_classes must be an int"),
        (3, True, "n_features must be an int"),
        (3, 4.0, "n_features must be an int"),
    ],
)
def test_default_dimensions_types(n_classes, n_features, match):
    with pytest.raises(TypeError, match=match):
        default_dimensions(n_classes, n_features)


def test_default_dimensions_numpy_ints_give_python_ints():
    dims = default_dimensions(np.int64(3), np.int64(10))
    assert dims == [1, 2, 3, 4, 5, 6, 8, 10] and all(type(d) is int for d in dims)


@pytest.mark.parametrize(
    "params", [{"n_samples": 10**12}, {"n_samples": 50, "n_features": (20, 10**10)}]
)
def test_make_planted_features_beyond_memory(params):
    with pytest.raises(ValueError, match="GiB, more than this machine's"):
        make_planted_features(**params, n_classes=3, n_nuisance=1)


def test_summarize_study_refuses_missing_scores():
    table = pd.DataFrame(
        {"method": ["pca", "pca"], "n": [1, 1], "head": ["original"] * 2, "score": [0.5, np.nan]}
    )
    with pytest.raises(ValueError, match="score.*NaN"):
        summarize_study(table)


# ---- streamed similarity ------------------------------------------------------------------

_XA, _XB = _RNG.normal(size=(40, 4)), _RNG.normal(size=(40, 3))


def _moments(*batches):
    from sklearn_ccafusion.similarity import PairMoments

    moments = PairMoments()
    for first, second in batches:
        moments.update(first, second)
    return moments


PAIR_MOMENTS = {
    "text": (lambda: _moments((_XA.astype(str), _XB)), TypeError, "features_1 must hold real"),
    "complex": (lambda: _moments((_XA + 1j, _XB)), TypeError, "features_1 must hold real"),
    "none": (lambda: _moments((_XA, None)), TypeError, "features_2 must be an array"),
    "3d": (lambda: _moments((_XA[:, :, None], _XB)), ValueError, "features_1 must be 2-D"),
    "no_width": (lambda: _moments((_XA[:, :0], _XB)), ValueError, "at least 1 feature"),
    "keep_zero": (lambda: _moments((_XA, _XB)).svcca(keep=0), ValueError, "keep as a number"),
    "keep_nan": (lambda: _moments((_XA, _XB)).svcca(keep=float("nan")), ValueError, "keep as a"),
    "keep_text": (lambda: _moments((_XA, _XB)).pwcca(keep="0.9"), TypeError, "keep must be"),
    "keep_fraction": (lambda: _moments((_XA, _XB)).svcca(keep=2.5), ValueError, "keep as a"),
    "keep_negative": (
        lambda: _moments((_XA, _XB)).canonical_correlations(keep=-1),
        ValueError,
        "keep as a number",
    ),
    "debiased_text": (
        lambda: _moments((_XA, _XB)).linear_cka(debiased="yes"),
        TypeError,
        "debiased must be True or False",
    ),
}


@pytest.mark.parametrize("case", sorted(PAIR_MOMENTS))
def test_pair_moments_arguments(case):
    call, error, match = PAIR_MOMENTS[case]
    with pytest.raises(error, match=match):
        call()


def test_pair_moments_numbers_of_any_real_dtype_are_the_float64_ones():
    from sklearn_ccafusion.similarity import linear_cka

    ints = (_XA * 10).astype(np.int32), (_XB * 10).astype(np.int16)
    value = _moments(ints).linear_cka()
    assert value == pytest.approx(linear_cka(*(a.astype(float) for a in ints)), abs=1e-10)


torch = pytest.importorskip("torch")
_MODEL_1 = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.ReLU(), torch.nn.Linear(5, 3))
_MODEL_2 = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.ReLU(), torch.nn.Linear(6, 3))
_BATCHES = [torch.as_tensor(_XA[i : i + 10], dtype=torch.float32) for i in range(0, 40, 10)]
STREAM = {
    "layers_int": ({"layers_1": 0}, TypeError, "layers_1 must be a layer name"),
    "layers_empty": ({"layers_1": []}, ValueError, "layers_1 is empty"),
    "layers_twice": ({"layers_1": ["0", "0"]}, ValueError, "more than once"),
    "loader_none": ({"loader": None}, TypeError, "loader must be an iterable"),
    "loader_text": ({"loader": "batches"}, TypeError, "loader must be an iterable"),
    "loader_of_text": ({"loader": [np.array([["a"] * 4] * 3)]}, TypeError, "dtype <U1"),
    "measures_string": ({"measures": "svcca"}, TypeError, "measures must be a list"),
    "measures_empty": ({"measures": []}, ValueError, "measures is empty"),
    "measures_twice": ({"measures": ["cka", "cka"]}, ValueError, "more than once"),
    "pairs_malformed": ({"pairs": [("0",)]}, ValueError, "pairs must hold"),
    "pairs_number": ({"pairs": 3}, TypeError, "pairs must be"),
    "pooling": ({"pooling": "max"}, ValueError, "pooling must be one of"),
    "n_top_zero": ({"n_top": 0}, ValueError, "n_top must be at least 1"),
    "n_top_float": ({"n_top": 2.5}, TypeError, "n_top must be an int"),
    "svcca_keep": ({"svcca_keep": 0}, ValueError, "svcca_keep as a number"),
    "inputs_text": ({"inputs": "x"}, ValueError, "inputs must be two positions"),
    "inputs_three": ({"inputs": (0, 0, 0)}, ValueError, "inputs must be two positions"),
    "whitener": ({"whitener": 3}, TypeError, "whitener must be a PCAWhitener"),
    "wrong_width": (
        {"loader": [torch.zeros(10, 7)]},
        ValueError,
        r"Sequential cannot run on a batch of shape \(10, 7\)",
    ),
}


@pytest.mark.parametrize("case", sorted(STREAM))
def test_stream_layer_similarity_arguments(case):
    from sklearn_ccafusion.similarity import stream_layer_similarity

    changes, error, match = STREAM[case]
    params = {"loader": _BATCHES, "layers_1": ["0", "2"], "progress": False} | changes
    with pytest.raises(error, match=match):
        stream_layer_similarity(_MODEL_1, _MODEL_2, **params)


def test_stream_layer_similarity_numpy_batches_equal_tensor_batches():
    from sklearn_ccafusion.similarity import stream_layer_similarity

    arrays = [b.numpy() for b in _BATCHES]
    tables = [
        stream_layer_similarity(_MODEL_1, _MODEL_2, loader, ["0"], progress=False)
        for loader in (_BATCHES, arrays)
    ]
    np.testing.assert_allclose(tables[0]["value"], tables[1]["value"], atol=1e-12)


@pytest.mark.parametrize("confidence", ["0.9", None, True], ids=["text", "none", "bool"])
def test_bootstrap_scores_confidence_type(confidence):
    from sklearn_ccafusion.study import bootstrap_scores

    with pytest.raises(TypeError, match="confidence must be a number"):
        bootstrap_scores(Y[60:], {"a": Y[60:]}, confidence=confidence, progress=False)


# ---- the features file's head -------------------------------------------------------------


def _features_file(path, **extra):
    arrays = {"y_train": np.array([0, 1, 0, 1, 0, 1]), "y_validation": np.array([1, 0])}
    for k in range(2):
        rng = np.random.default_rng(k)
        arrays |= {
            f"acc.{k}.train": rng.normal(size=(6, 3)),
            f"acc.{k}.validation": rng.normal(size=(2, 3)),
            f"acc.{k}.coef": rng.normal(size=(2, 3)),
            f"acc.{k}.intercept": np.zeros(2),
        }
    np.savez(path, **arrays, **extra)
    return path


@pytest.mark.parametrize(
    "key, value",
    [
        ("head.weight_decay", np.array(-1.0)),
        ("head.weight_decay", np.array("big")),
        ("head.class_weight", np.array("heavy")),
        ("head.max_iter", np.array(0)),
    ],
    ids=["negative", "text", "unknown_choice", "zero_iterations"],
)
def test_features_file_head_values_named_with_the_file(tmp_path, key, value):
    from sklearn_ccafusion.runs import read_features_file

    path = _features_file(tmp_path / "features.npz", **{key: value})
    with pytest.raises(ValueError, match=rf"features\.npz: 1 problem: {re.escape(key)}: "):
        read_features_file(path)


def test_features_file_valid_head_is_read(tmp_path):
    from sklearn_ccafusion.runs import read_features_file

    path = _features_file(tmp_path / "features.npz", **{"head.weight_decay": np.array(0.5)})
    assert read_features_file(path)["head_params"] == {"weight_decay": 0.5}


# ---- saving figures -----------------------------------------------------------------------


def _figure():
    from matplotlib.figure import Figure

    figure = Figure()
    figure.subplots().plot([1, 2], [0.5, 0.9])
    return figure


@pytest.mark.parametrize(
    "name, error, match",
    [
        (".", ValueError, "is a folder"),
        ("x.pdf", ValueError, "asks for PDF"),
        ("f/x.png", ValueError, "is a file, not a folder"),
        ("", ValueError, "empty string"),
        (3, TypeError, "path must be a file name"),
    ],
    ids=["folder", "pdf", "under_a_file", "empty", "int"],
)
def test_save_figure_refuses_paths_it_would_misuse(tmp_path, name, error, match):
    from sklearn_ccafusion.plotting import save_figure

    (tmp_path / "f").write_text("a file")
    os.chdir(tmp_path)
    with pytest.raises(error, match=match):
        save_figure(_figure(), tmp_path / name if isinstance(name, str) and name else name)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f"]
    assert not tmp_path.with_suffix(".png").exists()  # never beside the folder


def test_save_figure_keeps_a_dotted_name_whole(tmp_path):
    from sklearn_ccafusion.plotting import save_figure

    path = save_figure(_figure(), tmp_path / "curve.v2", data=pd.DataFrame({"n": [1, 2]}))
    assert path.name == "curve.v2.png"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["curve.v2.csv", "curve.v2.png"]


def test_parser_limits_are_the_runs_limits():
    from sklearn_ccafusion import _cli_checks
    from sklearn_ccafusion.runs import _run_checks

    assert (_cli_checks._MAX_PAIRS, _cli_checks._MAX_REPEATS) == (
        _run_checks.MAX_PAIRS,
        _run_checks.MAX_REPEATS,
    )


@pytest.mark.parametrize(
    "changes, error, match",
    [
        ({"out": 3}, TypeError, "out must be a folder name"),
        ({"out": ""}, ValueError, "out must name a folder"),
        ({"quick": "yes"}, TypeError, "quick must be True or False"),
        ({"stream": "yes"}, TypeError, "stream must be True or False"),
        ({"progress": "x"}, TypeError, "progress must be True or False"),
        ({"seed": "0"}, TypeError, "seed must be an int"),
        ({"seed": 2**40}, ValueError, "seed must be at most"),
        ({"n_permutations": 2.5}, TypeError, "n_permutations must be an int"),
        ({"n_permutations": 10**9}, ValueError, "n_permutations must be at most"),
        ({"device": 3}, TypeError, "device must be a string"),
    ],
    ids=lambda v: "-".join(map(str, v)) if isinstance(v, dict) else None,
)
def test_run_layer_study_parameters_before_training(tmp_path, changes, error, match):
    from sklearn_ccafusion.runs import run_layer_study

    os.chdir(tmp_path)
    params = {"out": tmp_path / "o", "quick": True, "progress": False} | changes
    with pytest.raises(error, match=match):
        run_layer_study("digits", **params)
    assert list(tmp_path.iterdir()) == []
