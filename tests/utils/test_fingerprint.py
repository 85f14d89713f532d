"""The fingerprint: injective over the types it reads, a named TypeError for the others."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch
from sklearn.frozen import FrozenEstimator
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from sklearn_ccafusion.utils._fingerprint import fingerprint


def test_sparse_matrices_are_hashed_by_their_content_not_their_repr():
    a = sp.random(200, 200, density=0.05, random_state=0, format="csr")
    b = a.copy()
    b.data[7] += 1.0
    assert repr(a) == repr(b)
    assert fingerprint(a) != fingerprint(b)
    assert fingerprint(a) == fingerprint(a.copy())


def test_object_arrays_are_hashed_element_by_element():
    assert fingerprint(np.array([1, "1"], dtype=object)) != fingerprint(
        np.array(["1", 1], dtype=object)
    )


def test_structured_dtypes_count_their_field_names():
    first = np.zeros(3, dtype=[("a", "i4"), ("b", "f4")])
    second = np.zeros(3, dtype=[("c", "i4"), ("d", "f4")])
    assert fingerprint(first) != fingerprint(second)


def test_mapping_keys_keep_their_types():
    assert fingerprint({1: 2}) != fingerprint({"1": 2})
    assert fingerprint({1: 2, 3: 4}) == fingerprint({3: 4, 1: 2})  # items, not their order


def test_estimators_count_every_parameter_nested_ones_included():
    weights = dict.fromkeys(range(200), 1.0)
    other = {**weights, 150: 2.0}
    assert repr(SVC(class_weight=weights)) == repr(SVC(class_weight=other))  # truncated
    assert fingerprint(SVC(class_weight=weights)) != fingerprint(SVC(class_weight=other))
    nested = make_pipeline(StandardScaler(), SVC(C=1.0))
    assert fingerprint(nested) == fingerprint(make_pipeline(StandardScaler(), SVC(C=1.0)))
    assert fingerprint(nested) != fingerprint(make_pipeline(StandardScaler(), SVC(C=2.0)))


def _top_level(x):
    return x


def test_callables_count_by_their_qualified_name():
    assert fingerprint(_top_level) == fingerprint(_top_level)
    assert fingerprint(np.mean) != fingerprint(np.median)
    assert fingerprint(functools.partial(np.mean, axis=0)) != fingerprint(
        functools.partial(np.mean, axis=1)
    )


@pytest.mark.parametrize(
    "value",
    [
        lambda x: x,
        functools.partial(lambda x: x),
        object(),
        np.ma.array([1.0, 2.0], mask=[0, 1]),
        FrozenEstimator(SVC()),
        SVC(kernel=lambda a, b: a @ b.T),
        {"deep": [1, {"deeper": object()}]},
    ],
    ids=["lambda", "partial", "object", "masked", "frozen", "lambda param", "nested"],
)
def test_what_cannot_be_hashed_faithfully_is_refused_by_name(value):
    with pytest.raises(TypeError, match="fingerprint cannot hash"):
        fingerprint(value)


def test_closures_are_refused():
    def outer():
        scale = 2

        def inner(x):
            return scale * x

        return inner

    with pytest.raises(TypeError, match="fingerprint cannot hash"):
        fingerprint(outer())


def test_a_container_that_holds_itself_is_refused():
    loop: list = [1]
    loop.append(loop)
    with pytest.raises(TypeError, match="contains itself"):
        fingerprint(loop)


def test_arrays_count_their_content_whatever_the_memory_layout():
    x = np.arange(12.0).reshape(3, 4)
    assert fingerprint(np.asfortranarray(x)) == fingerprint(x)
    assert fingerprint(x[:, ::2]) == fingerprint(x[:, ::2].copy())
    assert fingerprint(x) != fingerprint(x.T)


def test_pandas_and_torch_containers():
    frame = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    assert fingerprint(frame) == fingerprint(frame.copy())
    assert fingerprint(frame) != fingerprint(frame.rename(columns={"a": 1}))
    assert fingerprint(frame) != fingerprint(frame.set_axis([5, 6]))
    assert fingerprint(torch.arange(4.0)) == fingerprint(torch.arange(4.0))
    assert fingerprint(torch.arange(4.0)) != fingerprint(torch.arange(4.0).double())
    assert fingerprint(torch.arange(4.0)) != fingerprint(np.arange(4.0, dtype=np.float32))


def test_random_states_count_by_their_state():
    assert fingerprint(np.random.RandomState(0)) == fingerprint(np.random.RandomState(0))
    used = np.random.RandomState(0)
    used.rand()
    assert fingerprint(used) != fingerprint(np.random.RandomState(0))
