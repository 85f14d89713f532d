"""Binary copies keyed by the content of their sources."""

from __future__ import annotations

import hashlib
import json
import os

import numpy as np
import pytest

from sklearn_ccafusion.datasets import _npy_cache
from sklearn_ccafusion.datasets._npy_cache import load_cached_npy, save_cached_npy


def _load(npy, sources, dtype=np.float32):
    return load_cached_npy(npy, sources, dtype=dtype, ndim=2)


def test_copy_used_while_content_unchanged(tmp_path):
    source = tmp_path / "m.txt"
    source.write_text("1 2\n")
    npy = tmp_path / "m.npy"
    array, fingerprint = _load(npy, [source])
    assert array is None  # missing
    save_cached_npy(npy, np.array([[1.0, 2.0]], dtype=np.float32), fingerprint)
    cached, _ = _load(npy, [source])
    assert isinstance(cached, np.memmap)
    np.testing.assert_array_equal(cached, [[1.0, 2.0]])
    assert _load(npy, [source], dtype=np.float64)[0] is None  # another dtype asked


def test_same_size_change_with_older_time_is_detected(tmp_path):
    source = tmp_path / "m.txt"
    source.write_text("1 2\n")
    npy = tmp_path / "m.npy"
    save_cached_npy(npy, np.array([[1.0, 2.0]], dtype=np.float32), _load(npy, [source])[1])
    before = source.stat()
    source.write_text("3 4\n")
    os.utime(source, ns=(before.st_atime_ns, before.st_mtime_ns - 10**10))
    assert _load(npy, [source])[0] is None


def test_unchanged_stat_skips_hashing_and_touched_file_is_rehashed_once(tmp_path, monkeypatch):
    source = tmp_path / "m.txt"
    source.write_text("1 2\n")
    npy = tmp_path / "m.npy"
    save_cached_npy(npy, np.ones((1, 2), np.float32), _load(npy, [source])[1])
    calls = []
    real = _npy_cache._digest
    monkeypatch.setattr(_npy_cache, "_digest", lambda path: calls.append(path) or real(path))
    assert _load(npy, [source])[0] is not None and calls == []
    os.utime(source, ns=(1, 1))  # same bytes, other times: hashed, copy kept
    assert _load(npy, [source])[0] is not None and calls == [source]
    assert _load(npy, [source])[0] is not None and calls == [source]  # key updated


@pytest.mark.parametrize(
    "damage",
    [
        lambda npy: npy.write_bytes(b"garbage"),
        lambda npy: npy.write_bytes(npy.read_bytes()[:60]),
        lambda npy: np.save(npy, np.ones((2, 2), np.float32)),  # shape differs from key
        lambda npy: np.save(npy, np.array([[{"a": 1}]], dtype=object), allow_pickle=True),
        lambda npy: npy.with_suffix(".json").write_text("[]"),
        lambda npy: npy.with_suffix(".json").unlink(),
        lambda npy: npy.unlink(),
    ],
)
def test_damaged_copy_or_key_is_not_used(tmp_path, damage):
    source = tmp_path / "m.txt"
    source.write_text("1 2\n")
    npy = tmp_path / "m.npy"
    save_cached_npy(npy, np.ones((1, 2), np.float32), _load(npy, [source])[1])
    damage(npy)
    assert _load(npy, [source])[0] is None


def test_key_records_content(tmp_path):
    source = tmp_path / "m.txt"
    source.write_text("1 2\n")
    npy = tmp_path / "m.npy"
    save_cached_npy(npy, np.ones((1, 2), np.float32), _load(npy, [source])[1])
    key = json.loads(npy.with_suffix(".json").read_text())
    assert key["shape"] == [1, 2] and key["dtype"] == "<f4"
    expected = hashlib.sha256(b"1 2\n").hexdigest()
    assert [(e["name"], e["size"], e["sha256"]) for e in key["sources"]] == [
        ("m.txt", 4, expected)
    ]


def test_unwritable_cache_warns(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError("read-only")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.warns(UserWarning, match="Could not write the cache"):
        save_cached_npy(tmp_path / "m.npy", np.zeros((1, 3)), [])
    assert not list(tmp_path.iterdir())  # no temporary file left behind
