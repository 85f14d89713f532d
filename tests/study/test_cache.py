"""The task cache's load-or-compute and the network key."""

from __future__ import annotations

import numpy as np
import pytest

from sklearn_ccafusion.study import NetworkFeatures, TaskCache, fingerprint
from sklearn_ccafusion.study._cache import load_or_compute, network_key


def test_load_or_compute_computes_only_what_is_missing(tmp_path):
    cache = TaskCache(tmp_path)
    cache.save("b", [{"v": 2}])
    asked = []

    def compute(todo):
        asked.append(list(todo))
        for position in reversed(todo):  # any order
            yield position, [{"v": position}]

    got = dict(load_or_compute(cache, ["a", "b", None, "d"], compute))
    assert asked == [[0, 2, 3]]
    assert got == {0: [{"v": 0}], 1: [{"v": 2}], 2: [{"v": 2}], 3: [{"v": 3}]}
    assert cache.load("a") == [{"v": 0}] and cache.load("d") == [{"v": 3}]
    assert len(cache) == 3  # the task without a key is not stored
    # rows the caller refuses are computed again
    again = dict(load_or_compute(cache, ["a"], compute, accept=lambda rows: rows[0]["v"] > 0))
    assert asked[-1] == [0] and again == {0: [{"v": 0}]}


def test_single_task(tmp_path):
    cache = TaskCache(tmp_path)
    calls = []
    compute = lambda: calls.append(1) or [{"n": 1}]  # noqa: E731
    assert cache.load_or_compute("k", compute) == [{"n": 1}]
    assert cache.load_or_compute("k", compute) == [{"n": 1}]
    assert len(calls) == 1


def test_network_key_hashes_the_classes():
    rng = np.random.default_rng(0)
    parts = rng.normal(size=(4, 3)), rng.normal(size=(2, 3)), rng.normal(size=(2, 3)), np.zeros(2)
    codes = NetworkFeatures(*parts)
    labels = NetworkFeatures(*parts, classes=np.array(["sit", "walk"]))
    assert network_key(codes) == network_key(NetworkFeatures(*parts))
    assert network_key(codes) != network_key(labels)


def test_rows_keep_their_types(tmp_path):
    cache = TaskCache(tmp_path)
    rows = [
        {1: 0.5, (2, "a"): [1, (2, 3)], "s": "x", None: True, 2.5: -0.0, "n": float("nan")},
        {
            "i": np.int64(3),
            "f": np.float32(0.1),
            "a": np.arange(6, dtype=np.int16).reshape(2, 3),
            "u": np.array(["sit", "walk"]),
            "d": {"nested": np.array([1.5, np.inf])},
            "c": 1 + 2j,
            "b": b"\x00\xff",
            "t": np.datetime64("2021-03-04", "D"),
            "big": 2**100,
        },
    ]
    cache.save("k", rows)
    back = cache.load("k")
    assert [list(r) for r in back] == [list(r) for r in rows]  # keys, with types and order
    for got, want in zip(back, rows):
        for name in want:
            assert type(got[name]) is type(want[name]), name
    assert np.isnan(back[0]["n"]) and str(back[0][2.5]) == "-0.0"
    assert back[1]["f"] == np.float32(0.1) and back[1]["a"].dtype == np.int16
    np.testing.assert_array_equal(back[1]["a"], rows[1]["a"])
    np.testing.assert_array_equal(back[1]["u"], rows[1]["u"])
    assert back[0][(2, "a")] == [1, (2, 3)] and back[1]["big"] == 2**100


@pytest.mark.parametrize(
    "value",
    [object(), np.array([1, "a"], dtype=object), np.zeros(2, dtype=[("a", "i4")]), {1, 2}],
    ids=["object", "object array", "structured array", "set"],
)
def test_what_cannot_be_stored_is_a_named_type_error(tmp_path, value):
    with pytest.raises(TypeError, match="Row 0, column 'v': TaskCache"):
        TaskCache(tmp_path).save("k", [{"v": value}])
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("key", ["../../planted", "/abs/path", "a/b", "", "\x00", "é" * 300])
def test_any_key_is_a_file_inside_the_folder(tmp_path, key):
    cache = TaskCache(tmp_path / "cache")
    path = cache.save(key, [{"v": 1}])
    assert path.parent == tmp_path / "cache" and path.name.startswith("task-")
    assert cache.load(key) == [{"v": 1}]
    assert [p.name for p in tmp_path.iterdir()] == ["cache"]


def test_keys_must_be_strings(tmp_path):
    with pytest.raises(TypeError, match="key must be a str"):
        TaskCache(tmp_path).save(3, [{"v": 1}])


def _tamper(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_changed_numbers_are_recomputed_with_a_warning(tmp_path):
    cache = TaskCache(tmp_path)
    path = cache.save("k", [{"score": 0.25}])
    _tamper(path, "0.25", "0.75")  # still valid JSON, still the right key
    calls = []
    with pytest.warns(UserWarning, match=rf"{path.name} fails its checksum"):
        rows = cache.load_or_compute("k", lambda: calls.append(1) or [{"score": 0.25}])
    assert rows == [{"score": 0.25}] and calls == [1]
    assert cache.load("k") == [{"score": 0.25}]  # the file was replaced


def test_a_file_under_another_key_is_not_used(tmp_path):
    cache = TaskCache(tmp_path)
    cache.save("a", [{"v": 1}]).rename(cache.path("b"))
    with pytest.warns(UserWarning, match="another task's key"):
        assert cache.load("b") is None


def test_previous_format_files_are_recomputed(tmp_path):
    import json

    cache = TaskCache(tmp_path)
    old = {"format": 1, "rows": [{"v": 1}]}  # what the previous version wrote
    (tmp_path / "task-k.json").write_text(json.dumps(old))  # its name: the bare key
    assert cache.load("k") is None  # never looked up under the new names
    cache.path("k").write_text(json.dumps(old))
    with pytest.warns(UserWarning, match="not a task file of this version's format"):
        assert cache.load("k") is None


def test_files_of_other_code_are_recomputed_quietly(tmp_path, monkeypatch):
    import warnings

    from sklearn_ccafusion.study import _cache

    cache = TaskCache(tmp_path)
    cache.save("k", [{"v": 1}])
    monkeypatch.setattr(_cache, "code_identity", lambda: "edited")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cache.load("k") is None
        cache.save("k", [{"v": 2}])
        assert cache.load("k") == [{"v": 2}]


def test_shared_key_warns_and_gives_none_for_what_it_cannot_hash(tmp_path):
    from sklearn_ccafusion.study._cache import shared_key

    cache = TaskCache(tmp_path)
    assert shared_key(None, "a study", 1) is None
    assert shared_key(cache, "a study", {"reg": 0.5}) == fingerprint("a study", {"reg": 0.5})
    with pytest.warns(UserWarning, match="a study caches no task: .*lambda"):
        assert shared_key(cache, "a study", {"f": lambda x: x}) is None
