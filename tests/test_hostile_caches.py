"""Hostile fingerprints, cache files and keys: a right answer or a named error.

Every case expects the right result (two values that differ get two keys, a damaged
file is computed again with a warning naming it) or a ``TypeError``/``ValueError``
naming the problem; no other exception may escape, and no cache file is ever used
for what it does not claim to be.
"""

from __future__ import annotations

import functools
import io
import json
import threading
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch
from sklearn.frozen import FrozenEstimator
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.svm import SVC

from sklearn_ccafusion.study import TaskCache, fingerprint
from sklearn_ccafusion.study import _cache as task_cache
from sklearn_ccafusion.utils._net_cache import NetCache, check_path, read_arrays

MATRIX = sp.random(30, 20, density=0.2, random_state=0, format="csr")
CHANGED = MATRIX.copy()
CHANGED.data[3] += 1.0
GRID = np.arange(12.0).reshape(3, 4)


def _dok(entries):
    matrix = sp.dok_matrix((3, 3))
    for i, j in entries:
        matrix[i, j] = float(i + j)
    return matrix


def _top_level(x):
    return x


class _Local:
    pass


# ------------------------------------------------------------ fingerprint collisions
MUST_DIFFER = {
    "int vs str key": ({1: 2}, {"1": 2}),
    "int vs float": (1, 1.0),
    "int vs bool": (1, True),
    "zero signs": (0.0, -0.0),
    "list vs tuple": ([1, 2], (1, 2)),
    "str vs bytes": ("a", b"a"),
    "None vs text": (None, "None"),
    "empty list vs tuple": ([], ()),
    "set vs frozenset": ({1}, frozenset({1})),
    "string boundary": (["ab", "c"], ["a", "bc"]),
    "nesting": ([[1], 2], [[1, 2]]),
    "value vs list": ({"a": [1]}, {"a": 1}),
    "numpy vs python scalar": (np.float64(1.0), 1.0),
    "numpy int widths": (np.int64(1), np.int32(1)),
    "scalar vs 0-d array": (np.float64(1.0), np.array(1.0)),
    "sparse value": (MATRIX, CHANGED),
    "sparse format": (MATRIX, MATRIX.tocsc()),
    "sparse matrix vs array": (MATRIX, sp.csr_array(MATRIX)),
    "sparse vs dense": (MATRIX, MATRIX.toarray()),
    "object arrays": (np.array([1, "1"], dtype=object), np.array(["1", 1], dtype=object)),
    "structured names": (
        np.zeros(2, dtype=[("a", "i4"), ("b", "f4")]),
        np.zeros(2, dtype=[("c", "i4"), ("d", "f4")]),
    ),
    "structured alignment": (
        np.zeros(2, dtype=np.dtype([("a", "i1"), ("b", "f8")])),
        np.zeros(2, dtype=np.dtype([("a", "i1"), ("b", "f8")], align=True)),
    ),
    "shape": (GRID, GRID.reshape(4, 3)),
    "transpose": (GRID, GRID.T),
    "dtype": (GRID, GRID.astype(np.float32)),
    "byte order": (GRID, GRID.astype(">f8")),
    "string width": (np.array(["a"], dtype="U1"), np.array(["a"], dtype="U2")),
    "date unit": (np.array([1], dtype="M8[D]"), np.array([1], dtype="M8[s]")),
    "matrix vs array": (np.matrix(GRID), GRID),
    "class weights": (
        SVC(class_weight=dict.fromkeys(range(200), 1.0)),
        SVC(class_weight={**dict.fromkeys(range(200), 1.0), 150: 2.0}),
    ),
    "int vs float param": (SVC(C=1), SVC(C=1.0)),
    "nested estimator": (
        make_pipeline(StandardScaler(), SVC()),
        make_pipeline(StandardScaler(with_mean=False), SVC()),
    ),
    "estimator class": (SVC(), StandardScaler()),
    "functions": (np.mean, np.median),
    "partial arguments": (
        functools.partial(np.mean, axis=0),
        functools.partial(np.mean, axis=1),
    ),
    "frame column types": (pd.DataFrame({1: [1.0]}), pd.DataFrame({"1": [1.0]})),
    "frame index": (pd.DataFrame({"a": [1.0]}), pd.DataFrame({"a": [1.0]}, index=[7])),
    "categories": (
        pd.Series(pd.Categorical(["a"], categories=["a", "b"])),
        pd.Series(pd.Categorical(["a"], categories=["a", "c"])),
    ),
    "tensor vs array": (torch.zeros(2), np.zeros(2, dtype=np.float32)),
    "tensor dtype": (torch.zeros(2), torch.zeros(2, dtype=torch.float64)),
    "random states": (np.random.RandomState(0), np.random.RandomState(1)),
    "arguments split": (("ab",), ("a", "b")),
    "surrogates": ("\ud800", "\ufffd"),
    "huge ints": (10**5000, 10**5000 + 1),
    "sparse 1-d": (sp.coo_array(np.array([0.0, 1.0])), sp.coo_array(np.array([1.0, 0.0]))),
    "torch dtypes": (torch.float32, torch.float64),
    "int signs": (-1, 255),
}

MUST_AGREE = {
    "dict order": ({"a": 1, "b": 2}, {"b": 2, "a": 1}),
    "memory layout": (GRID, np.asfortranarray(GRID)),
    "strided view": (GRID[:, ::2], GRID[:, ::2].copy()),
    "copies": (MATRIX, MATRIX.copy()),
    "equal estimators": (
        make_pipeline(StandardScaler(), SVC(C=2.0)),
        make_pipeline(StandardScaler(), SVC(C=2.0)),
    ),
    "set order": ({3, 1, 2}, {2, 3, 1}),
    "NaN": (float("nan"), float(np.nan)),
    "NaN in arrays": (np.array([np.nan]), np.array([float("nan")])),
    "seeded states": (np.random.RandomState(0), np.random.RandomState(0)),
    "frames": (pd.DataFrame({"a": [1, 2]}), pd.DataFrame({"a": [1, 2]})),
    "tensors": (torch.arange(3), torch.arange(3)),
    "lil entries": (MATRIX.tolil(), MATRIX.tolil().copy()),
    "dok insertion order": (_dok([(0, 1), (2, 0)]), _dok([(2, 0), (0, 1)])),
}


@pytest.mark.parametrize("first, second", MUST_DIFFER.values(), ids=MUST_DIFFER.keys())
def test_fingerprints_of_different_values_differ(first, second):
    assert fingerprint(first) != fingerprint(second)


@pytest.mark.parametrize("first, second", MUST_AGREE.values(), ids=MUST_AGREE.keys())
def test_fingerprints_of_equal_values_agree(first, second):
    assert fingerprint(first) == fingerprint(second)


def _closure():
    scale = 2
    return lambda x: scale * x


def _cyclic_dict():
    loop: dict = {}
    loop["self"] = loop
    return loop


REFUSED = {
    "lambda": lambda: (lambda x: x),
    "closure": _closure,
    "local class": lambda: type("Local", (), {}),
    "local function": lambda: _local_function(),
    "object": object,
    "default repr": _Local,
    "masked array": lambda: np.ma.array([1.0, 2.0], mask=[0, 1]),
    "frozen model": lambda: FrozenEstimator(SVC()),
    "lambda parameter": lambda: make_pipeline(FunctionTransformer(lambda X: X), SVC()),
    "generator": lambda: (i for i in range(3)),
    "lock": threading.Lock,
    "open file": lambda: io.BytesIO(b"x"),
    "cyclic dict": _cyclic_dict,
    "bound builtin": lambda: [].append,
    "timestamp": lambda: pd.Timestamp("2021-01-01"),
    "sparse tensor": lambda: torch.zeros(2, 2).to_sparse(),
    "int subclass": lambda: type("Int", (int,), {})(3),
    "too deep": lambda: _deep(100_000),
}


def _local_function():
    def inner(x):
        return x

    return inner


@pytest.mark.parametrize("make", REFUSED.values(), ids=REFUSED.keys())
def test_what_cannot_be_hashed_faithfully_is_a_named_type_error(make):
    with pytest.raises(TypeError, match="fingerprint cannot hash"):
        fingerprint(make())


@pytest.mark.parametrize("make", REFUSED.values(), ids=REFUSED.keys())
def test_refused_values_are_refused_inside_containers_too(make):
    with pytest.raises(TypeError, match="fingerprint cannot hash"):
        fingerprint({"params": [1, (make(),)]})


def test_named_callables_are_accepted():
    assert fingerprint(_top_level) != fingerprint(_Local)
    assert fingerprint(len) != fingerprint(np.sqrt)


# ------------------------------------------------------------ task cache files
def _saved(tmp_path, rows=({"score": 0.25, "n": 3},)):
    cache = TaskCache(tmp_path)
    return cache, cache.save("k", list(rows))


def _forged(path, **changes):
    """A task file rewritten with a valid checksum over what it now claims."""
    stored = json.loads(path.read_text())
    stored.update(changes)
    stored["checksum"] = task_cache._checksum(stored["key"], stored["code"], stored["rows"])
    path.write_text(json.dumps(stored))


TAMPERED = {
    "truncated": lambda p: p.write_bytes(p.read_bytes()[:50]),
    "empty": lambda p: p.write_bytes(b""),
    "not utf-8": lambda p: p.write_bytes(b"\xff\xfe\x00garbage"),
    "json list": lambda p: p.write_text("[1, 2]"),
    "deep nesting": lambda p: p.write_text("[" * 100_000 + "]" * 100_000),
    "changed number": lambda p: p.write_text(p.read_text().replace("0.25", "0.75")),
    "changed count": lambda p: p.write_text(p.read_text().replace(", 3]", ", 4]")),
    "other code claimed": lambda p: p.write_text(
        p.read_text().replace(json.loads(p.read_text())["code"], "0" * 32)
    ),
    "checksum removed": lambda p: p.write_text(
        json.dumps({k: v for k, v in json.loads(p.read_text()).items() if k != "checksum"})
    ),
    "rows not text": lambda p: p.write_text(
        json.dumps({**json.loads(p.read_text()), "rows": [[["score", 0.25]]]})
    ),
    "previous format": lambda p: p.write_text(json.dumps({"format": 1, "rows": [{"v": 1}]})),
    "future format": lambda p: p.write_text(
        json.dumps({**json.loads(p.read_text()), "format": 3})
    ),
    "forged object array": lambda p: _forged(
        p, rows=json.dumps([[["v", ["array", "|O", [1], "AAAAAAAAAAA="]]]])
    ),
    "forged size": lambda p: _forged(p, rows=json.dumps([[["v", ["array", "<f8", [9], ""]]]])),
    "forged tag": lambda p: _forged(p, rows=json.dumps([[["v", ["pickle", "gASV"]]]])),
    "forged base64": lambda p: _forged(p, rows=json.dumps([[["v", ["bytes", "!!"]]]])),
    "forged key type": lambda p: _forged(p, rows=json.dumps([[[["list", []], 1]]])),
    "forged dtype": lambda p: _forged(p, rows=json.dumps([[["v", ["scalar", "x" * 99, ""]]]])),
    "a folder": lambda p: (p.unlink(), p.mkdir()),
}


@pytest.mark.parametrize("tamper", TAMPERED.values(), ids=TAMPERED.keys())
def test_tampered_task_files_are_recomputed_with_a_warning_naming_them(tmp_path, tamper):
    cache, path = _saved(tmp_path)
    tamper(path)
    with pytest.warns(UserWarning, match=rf"Cached task .*{path.name}.*computed again"):
        assert cache.load("k") is None
    if path.is_dir():
        path.rmdir()
    with pytest.warns(UserWarning, match=path.name) if path.exists() else warnings.catch_warnings():
        rows = cache.load_or_compute("k", lambda: [{"score": 0.25, "n": 3}])
    assert rows == [{"score": 0.25, "n": 3}]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # replaced: read back without a word
        assert cache.load("k") == [{"score": 0.25, "n": 3}]


def test_a_foreign_task_file_under_this_name_is_not_used(tmp_path):
    cache = TaskCache(tmp_path)
    cache.save("other", [{"score": 0.9}]).replace(cache.path("k"))
    with pytest.warns(UserWarning, match="another task's key"):
        assert cache.load_or_compute("k", lambda: [{"score": 0.1}]) == [{"score": 0.1}]


def test_files_of_the_previous_version_are_never_read(tmp_path):
    (tmp_path / "task-k.json").write_text(json.dumps({"format": 1, "rows": [{"v": 99}]}))
    assert TaskCache(tmp_path).load_or_compute("k", lambda: [{"v": 1}]) == [{"v": 1}]


# ------------------------------------------------------------ hostile keys and rows
@pytest.mark.parametrize(
    "key",
    ["../../planted", "/etc/passwd", "a/b/c", "..", ".", "", "\x00", "con", "x" * 5000, "\ud800"],
)
def test_any_string_key_stays_inside_the_folder_and_round_trips(tmp_path, key):
    cache = TaskCache(tmp_path / "tasks")
    cache.save(key, [{"v": 1}])
    assert [p.parent for p in tmp_path.rglob("*") if p.is_file()] == [tmp_path / "tasks"]
    assert cache.load(key) == [{"v": 1}]
    assert cache.load(key + "x") is None


@pytest.mark.parametrize("key", [3, None, b"k", ("k",), ["k"], np.str_("k")], ids=repr)
def test_keys_that_are_not_strings_are_a_named_type_error(tmp_path, key):
    cache = TaskCache(tmp_path)
    for call in (lambda: cache.save(key, [{"v": 1}]), lambda: cache.load(key)):
        with pytest.raises(TypeError, match="key must be a str"):
            call()


def _deep(n):
    value: list = []
    for _ in range(n):
        value = [value]
    return value


HOSTILE_ROWS = {
    "rows a dict": {"v": 1},
    "rows a string": "rows",
    "row a list": [[1, 2]],
    "object value": [{"v": object()}],
    "object array": [{"v": np.array([None])}],
    "structured array": [{"v": np.zeros(1, dtype=[("a", "f8")])}],
    "set value": [{"v": {1}}],
    "frame value": [{"v": pd.DataFrame({"a": [1]})}],
    "unhashable-free key": [{frozenset({1}): 1}],
    "too deep": [{"v": _deep(10_000)}],
}


@pytest.mark.parametrize("rows", HOSTILE_ROWS.values(), ids=HOSTILE_ROWS.keys())
def test_rows_that_cannot_be_stored_are_a_named_type_error(tmp_path, rows):
    with pytest.raises(TypeError, match="TaskCache|row|Row"):
        TaskCache(tmp_path).save("k", rows)
    assert not list(tmp_path.iterdir())  # nothing half written


ROUND_TRIPS = {
    "int keys": [{1: 2, 2: "b"}],
    "tuple keys": [{(1, "a"): (2.5, None)}],
    "special floats": [{"a": float("inf"), "b": -float("inf"), "c": -0.0, "d": 5e-324}],
    "big ints": [{"v": -(2**200), "w": 10**5000, "x": 10**18 - 1}],
    "numpy scalars": [{"v": np.float16(0.1), "w": np.uint8(255), "x": np.bool_(True)}],
    "arrays": [{"v": np.arange(6, dtype=">i4").reshape(3, 2), "w": np.zeros((0, 3))}],
    "strings": [{"v": "\x00\ud800é", "w": np.array(["a", "bc"], dtype="S2")}],
    "durations": [{"v": np.array([1, 2], dtype="m8[ms]")}],
    "no rows": [],
    "empty row": [{}],
}


@pytest.mark.parametrize("rows", ROUND_TRIPS.values(), ids=ROUND_TRIPS.keys())
def test_rows_round_trip_with_their_types(tmp_path, rows):
    cache = TaskCache(tmp_path)
    cache.save("k", rows)
    back = cache.load("k")
    assert len(back) == len(rows)
    for got, want in zip(back, rows):
        assert list(got) == list(want) and [type(k) for k in got] == [type(k) for k in want]
        for name, value in want.items():
            assert type(got[name]) is type(value)
            if isinstance(value, np.ndarray):
                assert got[name].dtype == value.dtype
                np.testing.assert_array_equal(got[name], value)
            elif type(value) is int:
                assert got[name] == value
            else:
                assert repr(got[name]) == repr(value)


# ------------------------------------------------------------ network cache files
NET_TAMPERED = {
    "changed numbers": lambda p: np.savez(p, coef=np.ones((2, 2))),
    "no checksum": lambda p: check_path(p).unlink(),
    "checksum a list": lambda p: check_path(p).write_text("[]"),
    "checksum not json": lambda p: check_path(p).write_bytes(b"\xff"),
    "checksum of another file": lambda p: check_path(p).write_text(
        check_path(p).read_text().replace(p.name, "net-other.npz")
    ),
    "checksum a folder": lambda p: (check_path(p).unlink(), check_path(p).mkdir()),
}


@pytest.mark.parametrize("tamper", NET_TAMPERED.values(), ids=NET_TAMPERED.keys())
def test_tampered_network_files_are_trained_again_with_a_warning(tmp_path, tamper):
    cache = NetCache(tmp_path)
    path = cache.path("net", "0123abcd", ".npz")
    cache.save_arrays(path, coef=np.eye(2))
    tamper(path)
    with pytest.warns(UserWarning, match=rf"{path.name}.*trained again"):
        assert cache.load(path, lambda p: read_arrays(p, ("coef",))) is None


def test_a_network_file_copied_from_another_key_is_not_used(tmp_path):
    cache = NetCache(tmp_path)
    source = cache.save_arrays(cache.path("net", "aaaa", ".npz"), coef=np.eye(2))
    target = cache.path("net", "bbbb", ".npz")
    target.write_bytes(source.read_bytes())
    check_path(target).write_bytes(check_path(source).read_bytes())
    with pytest.warns(UserWarning, match="written for another file"):
        assert cache.load(target, lambda p: read_arrays(p, ("coef",))) is None
