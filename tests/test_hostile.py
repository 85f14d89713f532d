"""Hostile inputs to every public array entry point: a right answer or a named error.

Each case either checks the result against an independent computation (the same
data as a clean float64 array, an exact reference, an invariance) or expects a
``ValueError`` / ``TypeError`` whose message names the problem. Any other
exception, from deep inside numpy, scipy or torch, fails the case. The files,
tables, studies and command line are in ``test_hostile_files.py``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy import linalg
from sklearn.base import clone

from sklearn_ccafusion import (
    CCAProjector,
    CCASumFusion,
    ClassLayerClassifier,
    KernelELMClassifier,
    LogitAverageFusion,
    PCAWhitener,
    SubspaceProjector,
)
from sklearn_ccafusion import similarity as sim

RNG = np.random.default_rng(0)
Z = RNG.normal(size=(40, 2))
X = np.hstack([Z @ RNG.normal(size=(2, 3)), Z @ RNG.normal(size=(2, 3))])
X += 0.3 * RNG.normal(size=X.shape)
Y = np.arange(40) % 3
NAMED = [f"a__{i}" for i in range(3)] + [f"b__{i}" for i in range(3)]


def canonical_correlations(X1, X2):
    """Bjorck-Golub: singular values of Q1'Q2, Qi orthonormal bases of the centred views."""
    bases = []
    for V in (X1, X2):
        V = np.asarray(V, dtype=np.float64)
        u, s, _ = linalg.svd(V - V.mean(axis=0), full_matrices=False)
        bases.append(u[:, s > s[0] * 1e-10])
    return linalg.svdvals(bases[0].T @ bases[1])


def _eye_mask(shape):
    return np.eye(*shape, dtype=bool)


# name -> (input, or a callable of the clean X)
HOSTILE = {
    "nan": np.where(_eye_mask(X.shape), np.nan, X),
    "inf": np.where(_eye_mask(X.shape), np.inf, X),
    "nan_everywhere": np.full(X.shape, np.nan),
    "none_in_object": np.where(_eye_mask(X.shape), None, X.astype(object)),
    "empty": X[:0],
    "one_sample": X[:1],
    "no_columns": X[:, :0],
    "1d": X[:, 0],
    "3d": X.reshape(40, 3, 2),
    "sparse": sp.csr_matrix(X),
    "letters": np.full(X.shape, "a"),
    "categorical_frame": pd.DataFrame({i: pd.Categorical(list("ab") * 20) for i in range(6)}),
    "complex": X + 1j,
    "constant": np.ones(X.shape),
}
# the same numbers as X, in another container or type: the result of X itself
EQUIVALENT = {
    "float32": X.astype(np.float32),
    "list": X.tolist(),
    "object": X.astype(object),
    "numeric_strings": X.astype(str),
    "frame": pd.DataFrame(X),
    "named_frame": pd.DataFrame(X, columns=NAMED),
    "string_frame": pd.DataFrame(X).astype(str),
}
SCALED = {"huge": 1e150, "tiny": 1e-150, "offset": None}

MESSAGES = {
    "nan": "contains NaN",
    "inf": "contains infinity",
    "nan_everywhere": "contains NaN",
    "none_in_object": "contains NaN",
    "empty": "0 sample",
    "one_sample": "at least 2 (samples|classes)",
    "no_columns": "0 feature",
    "1d": "Expected 2D array",
    "3d": "dim 3",
    "sparse": "Sparse data was passed",
    "letters": "could not convert string to float",
    "categorical_frame": "could not convert string to float",
    "complex": "Complex data not supported",
    "constant": "no variance|every feature is constant",
}

ESTIMATORS = {
    "PCAWhitener": PCAWhitener(n_components=None),
    "CCAProjector": CCAProjector(whitener=PCAWhitener(n_components=None)),
    "SubspaceProjector_cca": SubspaceProjector("cca_highest", 2),
    "SubspaceProjector_pca": SubspaceProjector("pca", 2),
    "CCASumFusion": CCASumFusion(2),
    "LogitAverageFusion": LogitAverageFusion(),
    "KernelELMClassifier": KernelELMClassifier(),
}
SUPERVISED = {"CCASumFusion", "LogitAverageFusion", "KernelELMClassifier"}
# inputs an estimator handles by design (constant features carry no information
# but a classifier or a PCA may still be fitted; KELM's kernels take sparse X)
ACCEPTS = {
    ("SubspaceProjector_pca", "constant"),
    ("LogitAverageFusion", "constant"),
    ("KernelELMClassifier", "constant"),
    ("KernelELMClassifier", "sparse"),
}


def _fit_output(name, estimator, data):
    estimator = clone(estimator)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # uneven splits have their own cases
        if name in SUPERVISED:
            n = np.shape(data)[0] if hasattr(data, "shape") else len(data)
            estimator.fit(data, Y[:n])
            return estimator, estimator.predict(data)
        estimator.fit(data)
        return estimator, estimator.transform(data)


def _signature(name, estimator, output):
    """What must not change when the same numbers come in another form."""
    if name == "PCAWhitener":
        return np.cov(np.asarray(output, dtype=np.float64).T)  # identity: whitened
    if name in ("CCAProjector", "SubspaceProjector_cca"):
        return estimator.canonical_correlations_
    if name == "SubspaceProjector_pca":
        return np.abs(output)
    return np.asarray(output)


@pytest.mark.parametrize("case", sorted(HOSTILE))
@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_estimators_on_hostile_arrays(name, case):
    data = HOSTILE[case]
    if (name, case) in ACCEPTS:
        estimator, output = _fit_output(name, ESTIMATORS[name], data)
        assert np.all(np.isfinite(np.asarray(output, dtype=float)))
        if case == "constant" and name in SUPERVISED:  # nothing to learn: one class for all
            assert len(set(np.asarray(output).tolist())) == 1
        if case == "sparse":
            _, dense = _fit_output(name, ESTIMATORS[name], X)
            np.testing.assert_array_equal(output, dense)
        return
    with pytest.raises((ValueError, TypeError), match=MESSAGES[case]):
        _fit_output(name, ESTIMATORS[name], data)


@pytest.mark.parametrize("case", sorted(EQUIVALENT))
@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_estimators_give_the_float64_result_for_the_same_numbers(name, case):
    reference = _signature(name, *_fit_output(name, ESTIMATORS[name], X))
    result = _signature(name, *_fit_output(name, ESTIMATORS[name], EQUIVALENT[case]))
    atol = 1e-4 if case == "float32" else 1e-9
    if name in SUPERVISED:
        assert np.mean(result == reference) >= (0.95 if case == "float32" else 1.0)
    else:
        np.testing.assert_allclose(result, reference, atol=atol)


@pytest.mark.parametrize("case", sorted(SCALED))
@pytest.mark.parametrize("name", ["CCAProjector", "SubspaceProjector_cca", "PCAWhitener"])
def test_correlations_and_whitening_ignore_scale_and_offset(name, case):
    scaled = X + 1e6 if SCALED[case] is None else X * SCALED[case]
    reference = _signature(name, *_fit_output(name, ESTIMATORS[name], X))
    result = _signature(name, *_fit_output(name, ESTIMATORS[name], scaled))
    np.testing.assert_allclose(result, reference, atol=1e-6)
    if name != "PCAWhitener":
        expected = canonical_correlations(scaled[:, :3], scaled[:, 3:])
        np.testing.assert_allclose(result, expected[: result.size], atol=1e-6)


@pytest.mark.parametrize("name", ["CCAProjector", "SubspaceProjector_cca"])
def test_a_constant_column_is_no_direction(name):
    with_constant = np.hstack([X[:, :3], np.full((40, 1), 7.0), X[:, 3:]])
    estimator = clone(ESTIMATORS[name]).set_params(view_sizes=(4, 3)).fit(with_constant)
    expected = canonical_correlations(X[:, :3], X[:, 3:])
    got = estimator.canonical_correlations_
    np.testing.assert_allclose(got, expected[: got.size], atol=1e-8)


@pytest.mark.parametrize("name", sorted(SUPERVISED))
def test_mismatched_rows_of_X_and_y(name):
    estimator = clone(ESTIMATORS[name])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        estimator.fit(X, Y[:30])


# ---- views: widths, names, splits -------------------------------------------------------

VIEW_ESTIMATORS = {
    "CCAProjector": CCAProjector(),
    "SubspaceProjector": SubspaceProjector(),
    "CCASumFusion": CCASumFusion(),
    "LogitAverageFusion": LogitAverageFusion(),
}


def _fit_views(estimator, data, **params):
    estimator = clone(estimator).set_params(**params)
    if isinstance(estimator, CCASumFusion | LogitAverageFusion):
        return estimator.fit(data, Y[: np.shape(data)[0]])
    return estimator.fit(data)


@pytest.mark.parametrize("name", sorted(VIEW_ESTIMATORS))
def test_odd_width_without_view_sizes_warns(name):
    with pytest.warns(UserWarning, match=r"cannot be 2 views of equal width.*\(3, 2\)"):
        _fit_views(VIEW_ESTIMATORS[name], X[:, :5])


@pytest.mark.parametrize("name", sorted(VIEW_ESTIMATORS))
def test_named_views_of_unequal_width_split_by_name(name):
    columns = [f"left__{i}" for i in range(4)] + [f"right__{i}" for i in range(2)]
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # the names settle the split
        named = _fit_views(VIEW_ESTIMATORS[name], pd.DataFrame(X, columns=columns))
    explicit = _fit_views(VIEW_ESTIMATORS[name], X, view_sizes=(4, 2))
    if hasattr(named, "canonical_correlations_"):
        np.testing.assert_allclose(
            named.canonical_correlations_, explicit.canonical_correlations_, atol=1e-12
        )
    else:
        frame = pd.DataFrame(X, columns=columns)
        np.testing.assert_array_equal(named.predict(frame), explicit.predict(X))


BAD_VIEWS = {
    "partly_named": (
        {},
        pd.DataFrame(X, columns=["a__0", "a__1", "a__2", "a__3", "a__4", "other"]),
        ValueError,
        r"named '<view>__<feature>' and others are not \(\['other'\]\)",
    ),
    "non_contiguous_names": (
        {},
        pd.DataFrame(X, columns=["a__0", "b__0", "a__1", "b__1", "a__2", "b__2"]),
        ValueError,
        "not contiguous",
    ),
    "three_named_views": (
        {},
        pd.DataFrame(X, columns=["a__0", "a__1", "b__0", "b__1", "c__0", "c__1"]),
        ValueError,
        "exactly 2 views",
    ),
    "sizes_too_many": ({"view_sizes": (4, 4)}, X, ValueError, r"sum to 8 but X has 6"),
    "sizes_too_few": ({"view_sizes": (2, 2)}, X, ValueError, r"sum to 4 but X has 6"),
    "sizes_zero": ({"view_sizes": (6, 0)}, X, ValueError, "at least one column"),
    "sizes_negative": ({"view_sizes": (8, -2)}, X, ValueError, "at least one column"),
    "sizes_three": ({"view_sizes": (2, 2, 2)}, X, ValueError, "exactly 2 views"),
    "sizes_floats": ({"view_sizes": (3.0, 3.0)}, X, TypeError, "must contain ints"),
    "sizes_string": ({"view_sizes": "33"}, X, (TypeError, ValueError), "view_sizes"),
    "one_column": ({}, X[:, :1], ValueError, "at least 2 features"),
}


@pytest.mark.parametrize("case", sorted(BAD_VIEWS))
@pytest.mark.parametrize("name", sorted(VIEW_ESTIMATORS))
def test_bad_views(name, case):
    params, data, error, match = BAD_VIEWS[case]
    with pytest.raises(error, match=match):
        _fit_views(VIEW_ESTIMATORS[name], data, **params)


@pytest.mark.parametrize("name", ["CCAProjector", "SubspaceProjector", "CCASumFusion"])
def test_transform_checks_the_width_it_was_fitted_on(name):
    fitted = _fit_views(VIEW_ESTIMATORS[name], X)
    with pytest.raises(ValueError, match="features"):
        fitted.transform(X[:, :5])
    with pytest.raises(ValueError, match="contains NaN"):
        fitted.transform(HOSTILE["nan"])


# ---- similarity measures ----------------------------------------------------------------

A = RNG.normal(size=(40, 5))
B = A @ RNG.normal(size=(5, 4)) + 0.3 * RNG.normal(size=(40, 4))
SIMILARITIES = {
    "svcca": lambda a, b: sim.svcca(a, b),
    "pwcca": lambda a, b: sim.pwcca(a, b),
    "linear_cka": lambda a, b: sim.linear_cka(a, b),
    "linear_cka_debiased": lambda a, b: sim.linear_cka(a, b, debiased=True),
    "class_subspace_alignment": lambda a, b: sim.class_subspace_alignment(
        a, b, np.eye(3, 5), keep=None
    ),
}
PAIRS = {
    "nan": (np.where(_eye_mask(A.shape), np.nan, A), B, ValueError, "contains NaN"),
    "inf": (A, np.where(_eye_mask(B.shape), -np.inf, B), ValueError, "contains infinity"),
    "empty": (A[:0], B[:0], ValueError, "0 sample"),
    "one_sample": (A[:1], B[:1], ValueError, "at least 2 samples"),
    "rows": (A, B[:30], ValueError, r"same number of samples \(rows\), got 40 and 30"),
    "1d": (A[:, 0], B, ValueError, "Expected 2D array"),
    "3d": (A.reshape(40, 5, 1), B, ValueError, "dim 3"),
    "letters": (np.full(A.shape, "x"), B, ValueError, "could not convert string"),
    "sparse": (sp.csr_matrix(A), B, (TypeError, ValueError), "array-like"),
    "complex": (A + 1j, B, ValueError, "Complex data not supported"),
    "no_columns": (A[:, :0], B, ValueError, "0 feature"),
    "none": (None, B, (TypeError, ValueError), "features_1"),
}


@pytest.mark.parametrize("case", sorted(PAIRS))
@pytest.mark.parametrize("measure", sorted(SIMILARITIES))
def test_similarities_on_hostile_pairs(measure, case):
    a, b, error, match = PAIRS[case]
    with pytest.raises(error, match=match):
        SIMILARITIES[measure](a, b)


SAME_NUMBERS = {
    "float32": lambda a: a.astype(np.float32),
    "list": lambda a: a.tolist(),
    "frame": lambda a: pd.DataFrame(a),
    "numeric_strings": lambda a: a.astype(str),
    "int": None,
}


@pytest.mark.parametrize("case", sorted(SAME_NUMBERS))
@pytest.mark.parametrize("measure", sorted(SIMILARITIES))
def test_similarities_of_the_same_numbers_agree(measure, case):
    a, b = A, B
    if case == "int":
        a, b = np.round(A * 100), np.round(B * 100)
        converted = (a.astype(np.int64), b.astype(np.int64))
    else:
        converted = (SAME_NUMBERS[case](a), SAME_NUMBERS[case](b))
    expected = SIMILARITIES[measure](a, b)
    got = SIMILARITIES[measure](*converted)
    np.testing.assert_allclose(got, expected, atol=1e-5 if case == "float32" else 1e-10)


def _cka(a, b):
    a, b = a - a.mean(axis=0), b - b.mean(axis=0)
    return np.linalg.norm(b.T @ a) ** 2 / (np.linalg.norm(a.T @ a) * np.linalg.norm(b.T @ b))


@pytest.mark.parametrize("scale", [1e200, 1e-200, 1e30, 1e-30])
@pytest.mark.parametrize("debiased", [False, True])
def test_linear_cka_is_scale_invariant_at_any_scale(scale, debiased):
    # scaled by 1e200 the Gram products overflowed to NaN; by 1e-200 they underflowed to 0
    expected = sim.linear_cka(A, B, debiased=debiased)
    if not debiased:
        assert expected == pytest.approx(_cka(A, B), abs=1e-12)
    assert sim.linear_cka(A * scale, B, debiased=debiased) == pytest.approx(expected, abs=1e-12)
    assert sim.linear_cka(A, B / scale, debiased=debiased) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("measure", ["svcca", "pwcca"])
@pytest.mark.parametrize("scale, match", [(1e200, "overflow float64"), (1e-200, "underflows")])
def test_cca_similarities_name_unrepresentable_scales(measure, scale, match):
    with pytest.raises(ValueError, match=rf"{match}.*Rescale"):
        SIMILARITIES[measure](A * scale, B)


def test_similarity_of_a_view_with_itself():
    assert sim.svcca(A, A) == pytest.approx(1.0, abs=1e-9)
    assert sim.pwcca(A, A) == pytest.approx(1.0, abs=1e-9)
    assert sim.linear_cka(A, A) == pytest.approx(1.0, abs=1e-12)
    assert sim.linear_cka(A, -3 * A + 5, debiased=True) == pytest.approx(1.0, abs=1e-12)


CLASS_COMPONENTS = {
    "nan": (np.full((3, 5), np.nan), "class_components holds NaN"),
    "identical_rows": (np.ones((3, 5)), "identical rows"),
    "zeros": (np.zeros((3, 5)), "identical rows"),
    "one_row": (np.ones((1, 5)), "at least 2 classes"),
    "wrong_width": (np.eye(3, 4), r"shape \(n_classes, 5\)"),
    "1d": (np.ones(5), r"shape \(n_classes, 5\)"),
}


@pytest.mark.parametrize("case", sorted(CLASS_COMPONENTS))
def test_class_subspace_alignment_checks_the_layer(case):
    components, match = CLASS_COMPONENTS[case]
    with pytest.raises(ValueError, match=match):
        sim.class_subspace_alignment(A, B, components)


KEEPS = [0, -1, 1.5, 1.0, 0.0, float("nan"), "all"]


@pytest.mark.parametrize("keep", KEEPS, ids=repr)
@pytest.mark.parametrize("measure", ["svcca", "pwcca", "class_subspace_alignment"])
def test_bad_keep(measure, keep):
    function = getattr(sim, measure)
    args = (A, B, np.eye(3, 5)) if measure == "class_subspace_alignment" else (A, B)
    with pytest.raises(ValueError, match="'keep' parameter"):
        function(*args, keep=keep)


PERMUTATION = {
    "n_permutations_zero": ({"n_permutations": 0}, "'n_permutations' parameter"),
    "statistic": ({"statistic": "pillai"}, "'statistic' parameter"),
    "n_components_zero": ({"n_components": 0}, "'n_components' parameter"),
    "view_sizes": ({"view_sizes": (5, 5)}, "sum to 10 but X has 9"),
    "two_samples": ({"X": np.hstack([A, B])[:2]}, "at least 3 samples"),
    "nan": ({"X": np.hstack([PAIRS["nan"][0], B])}, "contains NaN"),
    "sparse": ({"X": sp.csr_matrix(np.hstack([A, B]))}, "array-like"),
    "n_permutations_huge": ({"n_permutations": 10**9}, "above the cap of 1,000,000"),
    "n_permutations_float": ({"n_permutations": 2.7}, "'n_permutations' parameter"),
    "n_permutations_bool": ({"n_permutations": True}, "n_permutations must be an int"),
    "n_components_bool": ({"n_components": True}, "n_components must be an int"),
}


@pytest.mark.parametrize("case", sorted(PERMUTATION))
def test_permutation_test_arguments(case):
    params, match = PERMUTATION[case]
    params = {"X": np.hstack([A, B]), "view_sizes": (5, 4), "n_permutations": 9} | params
    with pytest.raises((ValueError, TypeError), match=match):
        sim.permutation_test(**params)


# ---- the class layer ---------------------------------------------------------------------

W = RNG.normal(size=(3, 5))
LABELS = (A @ W.T).argmax(axis=1)
LAYER_PARAMS = {
    "duplicated_classes": ({"classes": [0, 0, 1]}, "3 distinct labels|rows once"),
    "classes_too_few": ({"classes": [0, 1]}, "classes has 2 labels but coef has 3"),
    "negative_weight": ({"class_weight": {0: -1.0}}, "finite (and )?non-negative"),
    "nan_weight": ({"class_weight": [1.0, np.nan, 1.0]}, "finite (and )?non-negative"),
    "all_zero_weights": ({"class_weight": {0: 0, 1: 0, 2: 0}}, "weight (of )?0"),
    "unknown_weight_label": (
        {"class_weight": {7: 1.0}},
        r"class_weight (holds|has) labels .*\[7\]",
    ),
    "weights_too_few": (
        {"class_weight": [1.0, 2.0]},
        r"3 finite non-negative|one weight per class \(3\)",
    ),
    "schedule_one_entry": ({"lr_schedule": (20,), "solver": "adam"}, "lr_schedule must be"),
    "schedule_zero_step": ({"lr_schedule": (0, 0.5), "solver": "adam"}, "lr_schedule must be"),
    "schedule_negative_gamma": (
        {"lr_schedule": (5, -1.0), "solver": "adam"},
        "lr_schedule must be",
    ),
    "intercept_length": ({"intercept": np.zeros(2)}, "intercept has 2 entries"),
    "coef_nan": ({"coef": np.full((3, 5), np.nan)}, "must be finite"),
    "intercept_nan": (
        {"intercept": np.array([0.0, np.nan, 0.0])},
        r"intercept must be finite: .* classes \[1\]",
    ),
    "coef_1d": ({"coef": np.ones(5)}, "coef must be 2-D"),
    "coef_width": ({"coef": W[:, :4]}, "reads 4 features but X has 5"),
    "negative_decay": ({"weight_decay": -1.0}, "'weight_decay' parameter"),
    "zero_batch": ({"batch_size": 0}, "'batch_size' parameter"),
    "solver": ({"solver": "sgd"}, "'solver' parameter"),
    "negative_max_iter": ({"max_iter": -1}, "'max_iter' parameter"),
}


@pytest.mark.parametrize("case", sorted(LAYER_PARAMS))
def test_class_layer_parameters(case):
    params, match = LAYER_PARAMS[case]
    layer = ClassLayerClassifier(**({"coef": W, "retrain": True} | params))
    with pytest.raises((ValueError, TypeError), match=match):
        layer.fit(A, LABELS)


def test_class_layer_max_iter_zero_never_changes_the_layer():
    # it changed the layer (accuracy 1.0 -> 0.95); refused or no iteration are both right
    try:
        layer = ClassLayerClassifier(W, np.ones(3), retrain=True, max_iter=0).fit(A, LABELS)
    except ValueError as error:
        assert "'max_iter' parameter" in str(error)
        return
    np.testing.assert_array_equal(layer.coef_, W)
    np.testing.assert_array_equal(layer.intercept_, np.ones(3))


@pytest.mark.parametrize(
    "labels, match",
    [
        (LABELS + 1, r"y holds labels the layer does not know, \[3\]"),
        (np.array(["a", "b", "c"])[LABELS], r"y holds labels the layer does not know"),
        (np.where(np.arange(40) == 0, np.nan, LABELS), "y holds labels|NaN"),
    ],
    ids=["shifted", "strings", "nan"],
)
def test_class_layer_labels_outside_its_classes(labels, match):
    with pytest.raises(ValueError, match=match):
        ClassLayerClassifier(W).fit(A, labels)


def test_class_layer_string_classes_give_the_integer_result():
    names = np.array(["bike", "bus", "run"])
    coded = ClassLayerClassifier(W, retrain=True).fit(A, LABELS)
    named = ClassLayerClassifier(W, classes=names, retrain=True).fit(A, names[LABELS])
    np.testing.assert_array_equal(names[coded.predict(A)], named.predict(A))
