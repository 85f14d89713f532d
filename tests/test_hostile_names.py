"""Hostile names and files: nothing leaves the output folder, every problem is named.

Names found in data (a sensor's, a network's) become file names; a user's ``.npz``
may hold members that are not arrays, forged headers, constant sensors; a cache or
a settings file may be damaged. Every case expects the right result or a
``ValueError``, ``TypeError`` or ``FileNotFoundError`` whose message names the
problem; after each one, no file exists outside the folder meant for it, and no
case may run longer than a few seconds.
"""

from __future__ import annotations

import io
import json
import os
import signal
import struct
import unicodedata
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
from numpy.lib import format as npy_format

from sklearn_ccafusion.cli import main
from sklearn_ccafusion.nets import MLPNet, NetFeatures, SensorNetClassifier
from sklearn_ccafusion.runs import (
    StudyData,
    load_features_file,
    load_study_file,
    read_features_file,
    study_from_file,
    write_features_file,
)
from sklearn_ccafusion.runs import _npz_file as npz_file
from sklearn_ccafusion.runs._networks import network_factory, train_networks
from sklearn_ccafusion.study import NetworkFeatures
from sklearn_ccafusion.utils._net_cache import write_check

NAMED_ERRORS = (ValueError, TypeError, FileNotFoundError)
CASE_SECONDS = 60


@pytest.fixture(autouse=True)
def _no_hang():
    """Fail a case that runs past ``CASE_SECONDS`` instead of waiting for it."""
    if not hasattr(signal, "setitimer"):
        yield
        return

    def stop(signum, frame):
        raise TimeoutError(f"the case ran past {CASE_SECONDS} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, CASE_SECONDS)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def arena(tmp_path):
    """``(root, out)``: a run's folder deep inside ``root``; after the case, every file
    written under ``root`` must lie in ``out`` (or in ``root/given``, the case's inputs)."""
    out = tmp_path / "deep" / "er" / "out"
    (tmp_path / "given").mkdir()
    yield tmp_path, out
    strays = [
        path
        for path in tmp_path.rglob("*")
        if not path.is_dir()
        and out not in path.parents
        and tmp_path / "given" not in path.parents
    ]
    assert strays == [], f"files written outside {out}: {strays}"


def _hostile_names(root: Path) -> list[str]:
    """Sensor and network names that would be trouble as file names."""
    return [
        "../../planted",
        "../../../../planted",
        str(root / "absolute" / "x"),  # an absolute path, inside the test's folder
        "a/../../b",
        "..",
        ".",
        "",
        "x\\..\\..\\y",
        "CON",
        "nul.txt",
        "x" * 300,
        "é" * 120,
        "new\nline",
        "-rf",
        ".hidden",
        "trailing. ",
        "\u202eevil",
        "acc-0123456789",
    ]


HOSTILE_IDS = [f"name{i}" for i in range(18)]


def _expect(run):
    """The case's result, or the named error it raised (any other exception fails)."""
    try:
        return run()
    except NAMED_ERRORS as error:
        assert str(error), "an error without a message"
        return error


# ------------------------------------------------------------------ names as files


def _tiny_data(sensors: list[str], n: int = 24) -> StudyData:
    rng = np.random.default_rng(0)
    y_train, y_validation = np.arange(n) % 2, np.arange(n // 2) % 2
    modules = {s: (MLPNet, {"n_features": 3, "n_classes": 2, "hidden": (2,)}) for s in sensors}
    recipe = {"max_epochs": 1, "batch_size": 16, "lr": 0.01}
    return StudyData(
        name="tiny",
        inputs_train={s: rng.normal(size=(n, 3)) + y_train[:, None] for s in sensors},
        inputs_validation={s: rng.normal(size=(n // 2, 3)) for s in sensors},
        y_train=y_train,
        y_validation=y_validation,
        classes=np.arange(2),
        metric="accuracy",
        make_net=network_factory(modules, recipe),
        net_settings={"module": "MLPNet", **recipe},
    )


@pytest.mark.parametrize("index", range(18), ids=HOSTILE_IDS)
def test_sensor_names_as_cache_files(arena, index):
    root, out = arena
    name = _hostile_names(root)[index]
    networks = train_networks(_tiny_data([name, "ok"]), 1, 0, "cpu", out / "cache", False, 1)
    assert list(networks) == [name, "ok"] and all(len(n) == 2 for n in networks.values())
    files = sorted(p.name for p in (out / "cache").glob("*.npz"))
    assert len(files) == 4 and all(len(f.encode()) < 200 for f in files)


def test_sensor_names_differing_by_case_keep_their_files_apart(arena):
    _, out = arena
    train_networks(_tiny_data(["Acc", "acc", "ACC"]), 1, 0, "cpu", out / "cache", False, 1)
    assert len({p.name.casefold() for p in (out / "cache").glob("*.npz")}) == 6


@pytest.mark.parametrize("index", range(18), ids=HOSTILE_IDS)
def test_sensor_names_read_from_a_file(arena, index):
    root, _ = arena
    name = _hostile_names(root)[index]
    rng = np.random.default_rng(0)
    path = root / "given" / "data.npz"
    np.savez(path, y=np.repeat(["a", "b"], 10), ok=rng.normal(size=(20, 3)),
             **{name: rng.normal(size=(20, 3))})  # fmt: skip
    with zipfile.ZipFile(path) as archive:
        member = archive.namelist()[-1]
    result = _expect(lambda: load_study_file(path))
    if name.strip():
        assert result.sensors == ["ok", member[: -len(".npy")]]  # the name as stored
    else:
        assert isinstance(result, ValueError) and "give every sensor a name" in str(result)


@pytest.mark.parametrize(
    "names",
    [("../../x", "/abs/y"), ("Left", "left"), ("CON", ".."), ("", "x" * 300)],
    ids=["traversal", "case", "reserved", "empty-long"],
)
def test_net_names_as_saved_files(arena, names):
    _, out = arena
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 4)).astype(np.float32), np.arange(30) % 2
    net = SensorNetClassifier(
        MLPNet, module__n_features=2, module__n_classes=2, module__hidden=(2,), max_epochs=1
    )
    nets = [(names[0], net), (names[1], net)]
    result = _expect(
        lambda: NetFeatures(nets, inputs={names[0]: [0, 1], names[1]: [2, 3]}).fit(X, y)
    )
    if isinstance(result, Exception):
        return  # names a NetFeatures refuses (named), so nothing to save
    result.save(out / "nets")
    loaded = NetFeatures.load(out / "nets", nets=nets)
    assert [n for n, _ in loaded.nets_] == list(names)
    np.testing.assert_array_equal(loaded.transform(X), result.transform(X))


def test_a_whole_study_keeps_every_file_in_its_folder(arena, capsys):
    root, out = arena
    names = ["../../planted", str(root / "absolute" / "x")]
    rng = np.random.default_rng(0)
    y = np.repeat(["sit", "walk"], 20)
    path = root / "given" / "data.npz"
    scales = {names[0]: 1.0, names[1]: 1e-30}  # a sensor at 1e-30 runs end to end as well
    np.savez(path, y=y, **{n: scales[n] * (rng.normal(size=(40, 3)) + (y == "sit")[:, None])
                           for n in names})  # fmt: skip
    args = ["--quick", "--quiet", "--pairs", "1", "--repeats", "1", "--n-jobs", "1"]
    code = main(["study", "--data", str(path), "--out", str(out), *args, "--epochs", "1"])
    assert code == 0, capsys.readouterr().err
    with np.load(out / "features.npz") as written:  # the tiny sensor's networks saw inputs
        trains = [written[key] for key in written.files if key.endswith(".train")]
        assert all(np.ptp(train, axis=0).max() > 0 for train in trains)
    report = (out / "report.md").read_text()
    assert all(name in report for name in names)  # the names shown as they are
    assert not (root / "deep" / "planted").exists() and not (root / "absolute").exists()


# ------------------------------------------------------------------ the user's file


def _npz(root: Path, extra=(), **arrays) -> Path:
    path = root / "given" / "data.npz"
    rng = np.random.default_rng(0)
    y = np.repeat(["a", "b"], 10)
    arrays = {"y": y, "acc": rng.normal(size=(20, 3)), "gyr": rng.normal(size=(20, 4)), **arrays}
    np.savez(path, **arrays)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a duplicate member is a case, not a mistake
        with zipfile.ZipFile(path, "a") as archive:
            for member, content in extra:
                archive.writestr(member, content)
    return path


def _header(shape, descr="<f8", fortran=False) -> bytes:
    buffer = io.BytesIO()
    npy_format.write_array_header_1_0(
        buffer, {"descr": descr, "fortran_order": fortran, "shape": shape}
    )
    return buffer.getvalue()


MEMBERS = {
    "readme": ([("README.txt", b"my recordings")], "member 'README.txt', which is not a numpy"),
    "macos-folder": ([("__MACOSX/._acc.npy", b"\0\5\26\7")], None),
    "macos-fork": ([("._acc.npy", b"\0\5\26\7")], None),
    "ds-store": ([(".DS_Store", b"Bud1")], None),
    "thumbs": ([("Thumbs.db", b"\xd0\xcf")], None),
    "folder-entry": ([("photos/", b"")], None),
    "picture-as-npy": ([("photo.npy", b"\x89PNG\r\n")], "member 'photo.npy', which is not"),
    "text-in-folder": ([("notes/a.txt", b"")], "member 'notes/a.txt'"),
    "duplicate": ([("acc.npy", _header((20, 3)) + b"\0" * 480)], "several arrays named ['acc']"),
    "empty-member": ([("empty.npy", b"")], "member 'empty.npy', which is not"),
}


@pytest.mark.parametrize("case", MEMBERS, ids=list(MEMBERS))
def test_members_that_are_not_arrays(arena, case):
    root, _ = arena
    extra, match = MEMBERS[case]
    result = _expect(lambda: load_study_file(_npz(root, extra)))
    if match is None:
        assert result.sensors == ["acc", "gyr"]
    else:
        assert isinstance(result, ValueError) and match in str(result), result


def _patched(path: Path, signature: bytes, offset: int, value: int) -> None:
    """Set a 16-bit field of every zip record starting with ``signature``."""
    content = bytearray(path.read_bytes())
    start = content.find(signature)
    while start >= 0:
        content[start + offset : start + offset + 2] = struct.pack("<H", value)
        start = content.find(signature, start + 4)
    path.write_bytes(bytes(content))


def _encrypted(path: Path) -> None:
    _patched(path, b"PK\x03\x04", 6, 1)  # local headers' flags: encrypted
    _patched(path, b"PK\x01\x02", 8, 1)  # central directory's


def _unknown_compression(path: Path) -> None:
    _patched(path, b"PK\x03\x04", 8, 99)
    _patched(path, b"PK\x01\x02", 10, 99)


def _flipped(path: Path) -> None:
    content = bytearray(path.read_bytes())
    content[len(content) // 3] ^= 0xFF  # inside an array's data: its CRC no longer matches
    path.write_bytes(bytes(content))


def _bzip2(path: Path) -> None:
    arrays = {"y": np.repeat(["a", "b"], 10), "acc": np.random.default_rng(0).normal(size=(20, 3))}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_BZIP2) as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.save(buffer, array)
            archive.writestr(f"{name}.npy", buffer.getvalue())


ARCHIVES = {
    "encrypted": (_encrypted, "is encrypted"),
    "unknown-compression": (_unknown_compression, "compression method is not supported"),
    "bad-crc": (_flipped, "is not a readable .npz file"),
    "cut": (lambda p: p.write_bytes(p.read_bytes()[:-30]), "is not an .npz file"),
    "empty": (lambda p: p.write_bytes(b""), "is not an .npz file"),
    "bzip2": (_bzip2, None),
    "compressed": (lambda p: np.savez_compressed(p, y=np.arange(20) % 2, acc=np.eye(20)), None),
}


@pytest.mark.parametrize("case", ARCHIVES, ids=list(ARCHIVES))
def test_damaged_or_unusual_archives(arena, case):
    root, _ = arena
    damage, match = ARCHIVES[case]
    path = _npz(root)
    damage(path)
    result = _expect(lambda: load_study_file(path))
    if match is None:
        assert result.sensors == ["acc"]
    else:
        assert isinstance(result, ValueError) and match in str(result), result
        assert str(path) in str(result)


HEADERS = {
    "447-gib": (_header((60, 10**9)) + b"\0" * 64, "declares shape (60, 1000000000) of float64"),
    "negative": (_header((-5, 3)), "header of the array 'bad' is damaged"),
    "short-data": (_header((20, 3)) + b"\0" * 100, "the file holds 100 B for it"),
    "object": (_header((20,), "|O"), "object array 'bad'"),
    "garbage-descr": (
        b"\x93NUMPY\x01\x00\x16\x00{'descr': 'zz9'}    \n",
        "header of the array 'bad' is damaged",
    ),
    "not-a-dict": (b"\x93NUMPY\x01\x00\x0c\x00[1, 2, 3]  \n", "header of the array 'bad' is"),
    "version-9": (b"\x93NUMPY\x09\x00" + b"\0" * 20, "header of the array 'bad' is damaged"),
}


@pytest.mark.parametrize("case", HEADERS, ids=list(HEADERS))
def test_forged_headers_are_named_before_anything_is_read(arena, case):
    root, _ = arena
    content, match = HEADERS[case]
    result = _expect(lambda: load_study_file(_npz(root, [("bad.npy", content)])))
    assert isinstance(result, ValueError) and match in str(result), result


def test_arrays_beyond_the_memory_are_named(arena, monkeypatch):
    root, _ = arena
    monkeypatch.setattr(npz_file, "available_memory", lambda: 999)
    with pytest.raises(ValueError, match=r"more than the 999 B of memory available"):
        load_study_file(_npz(root))


ARRAYS = {
    "fortran": (np.asfortranarray(np.random.default_rng(1).normal(size=(20, 3))), None),
    "big-endian": (np.random.default_rng(1).normal(size=(20, 3)).astype(">f8"), None),
    "float16": (np.random.default_rng(1).normal(size=(20, 3)).astype(np.float16), None),
    "complex": (np.ones((20, 3), complex), "is of type complex128, not numbers"),
    "datetime": (np.ones((20, 3), "datetime64[s]"), "not numbers"),
    "structured": (np.zeros((20, 2), [("a", "f8")]), "not numbers"),
    "no-features": (np.zeros((20, 0)), "no values per sample"),
    "no-time": (np.zeros((20, 3, 0)), "no values per sample"),
    "beyond-float32": (np.full((20, 3), 1e300) * np.arange(1, 4), "beyond float32's range"),
}


@pytest.mark.parametrize("case", ARRAYS, ids=list(ARRAYS))
def test_sensor_arrays_of_odd_types(arena, case):
    root, _ = arena
    array, match = ARRAYS[case]
    result = _expect(lambda: load_study_file(_npz(root, extra=(), odd=array)))
    if match is None:
        assert result.sensors[-1] == "odd" and result.inputs_train["odd"].dtype == np.float32
    else:
        assert isinstance(result, ValueError) and match in str(result), result
        assert "'odd'" in str(result)


CONSTANT = {
    "zeros": (np.zeros((20, 3)), None),
    "windows": (np.full((20, 2, 8), 3.0, np.float32), None),
    "images": (np.ones((20, 1, 4, 4)), None),
    "booleans": (np.ones((20, 3), bool), None),
    "training-side-only": (np.arange(60.0).reshape(20, 3), "split"),
    "one-feature-of-several": (np.c_[np.zeros(20), np.arange(20.0) % 3], "varies"),
}


@pytest.mark.parametrize("case", CONSTANT, ids=list(CONSTANT))
def test_constant_sensors_are_named_at_load(arena, case):
    root, _ = arena
    array, how = CONSTANT[case]
    extra = {"odd": array}
    if how == "split":  # the even rows train: constant there, varying on the other side
        extra["split"] = np.where(np.arange(20) % 2 == 0, "train", "validation")
        extra["odd"] = np.where((np.arange(20) % 2 == 0)[:, None], 1.0, array)
    result = _expect(lambda: load_study_file(_npz(root, **extra)))
    if how == "varies":
        assert result.sensors[-1] == "odd"
    else:
        assert isinstance(result, ValueError), result
        assert "Sensor 'odd' has the same values in every training sample" in str(result)


# ------------------------------------------------------------------ damaged caches


@pytest.fixture(scope="module")
def trained_cache(tmp_path_factory):
    """A cache of the tiny study's four networks, to damage a copy of."""
    folder = tmp_path_factory.mktemp("cache")
    train_networks(_tiny_data(["a", "b"]), 1, 0, "cpu", folder, False, 1)
    return folder


def _rewrite(path: Path, change) -> None:
    with np.load(path) as stored:
        arrays = {name: stored[name] for name in stored.files}
    change(arrays)
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)
    write_check(path)  # whole as written: only its content is wrong


DAMAGE = {
    "truncated": lambda p: p.write_bytes(p.read_bytes()[:80]),
    "garbage": lambda p: p.write_bytes(b"not a zip at all"),
    "empty": lambda p: p.write_bytes(b""),
    "fewer-samples": lambda p: _rewrite(p, lambda a: a.update(train=a["train"][:-1])),
    "other-classes": lambda p: _rewrite(
        p, lambda a: a.update(coef=np.tile(a["coef"], (2, 1)), intercept=np.tile(a["intercept"], 2))
    ),
    "other-widths": lambda p: _rewrite(p, lambda a: a.update(coef=a["coef"][:, :1])),
    "nan": lambda p: _rewrite(p, lambda a: a["train"].__setitem__((0, 0), np.nan)),
    "strings": lambda p: _rewrite(p, lambda a: a.update(coef=np.full(a["coef"].shape, "x"))),
    "objects": lambda p: _rewrite(p, lambda a: a.update(coef=np.array([{}], dtype=object))),
    "missing-array": lambda p: _rewrite(p, lambda a: a.pop("intercept")),
    "folder": lambda p: (p.unlink(), p.mkdir()),
}


@pytest.mark.parametrize("case", DAMAGE, ids=list(DAMAGE))
def test_damaged_network_caches_are_named(arena, trained_cache, case):
    _, out = arena
    cache = out / "cache"
    cache.mkdir(parents=True)
    for path in trained_cache.iterdir():
        (cache / path.name).write_bytes(path.read_bytes())
    damaged = sorted(cache.glob("a-0-*.npz"))[0]
    DAMAGE[case](damaged)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = _expect(
            lambda: train_networks(_tiny_data(["a", "b"]), 1, 0, "cpu", cache, False, 1)
        )
    if isinstance(result, Exception):
        assert damaged.name in str(result), result  # the cache file, not the study's inputs
        return
    messages = [str(w.message) for w in caught if damaged.name in str(w.message)]
    assert messages and "trained again" in messages[0]
    assert all(np.isfinite(n.train).all() for nets in result.values() for n in nets)


@pytest.mark.parametrize(
    "content", [b'{"data": "x', b"", b"[]", b"\xff\xfe", b"null"], ids=str
)
def test_a_damaged_settings_file_is_named(arena, content):
    root, out = arena
    out.mkdir(parents=True)
    (out / "settings.json").write_bytes(content)
    with pytest.raises(ValueError, match=r"settings\.json is damaged"):
        study_from_file(_npz(root), out=out, quick=True, max_epochs=1, progress=False)
    assert sorted(p.name for p in out.iterdir()) == ["settings.json"]


def test_a_manifest_that_points_outside_is_refused(arena):
    root, out = arena
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 2)).astype(np.float32), np.arange(30) % 2
    net = SensorNetClassifier(
        MLPNet, module__n_features=2, module__n_classes=2, module__hidden=(2,), max_epochs=1
    )
    NetFeatures([("a", net)]).fit(X, y).save(out / "nets")
    manifest = json.loads((out / "nets" / "manifest.json").read_text())
    for file_name in ("../../../given/x.pt", os.sep + "x.pt", "", 3):
        manifest["files"] = {"a": file_name}
        (out / "nets" / "manifest.json").write_text(json.dumps(manifest))
        result = _expect(lambda: NetFeatures.load(out / "nets", nets=[("a", net)]))
        assert isinstance(result, ValueError), result


# ================================================================== features files
# The features file every run writes (features.npz) names its members after the
# sensors' safe file names and holds the exact names as data; a hostile file's
# members that are paths, or names that decode to one sensor twice, are named.


def _network_arrays(n_train=12, n_validation=6, width=3, seed=0):
    rng = np.random.default_rng(seed)
    return [
        NetworkFeatures(
            rng.normal(size=(n_train, width)),
            rng.normal(size=(n_validation, width)),
            rng.normal(size=(2, width)),
            rng.normal(size=2),
        )
        for _ in range(2)
    ]


def _is_safe_member(member: str) -> bool:
    parts = member.replace("\\", "/").split("/")
    return len(parts) == 1 and member not in (".", "..") and "\0" not in member


FEATURE_NAMES_IDS = [*HOSTILE_IDS, "dotted-k", "dotted-part", "pipe", "script", "head", "nfd"]


@pytest.mark.parametrize("index", range(24), ids=FEATURE_NAMES_IDS)
def test_features_file_members_are_safe_and_names_exact(arena, index):
    root, out = arena
    extra = ["acc.1", "acc.0.train", "a|b", "<script>", "head", "acc\u00e9"]
    name = [*_hostile_names(root), *extra][index]
    # beside it "acc", or for "accé" its decomposed twin: two names, kept apart as data
    other = unicodedata.normalize("NFD", name) if name == "acc\u00e9" else "acc"
    networks = {name: _network_arrays(), other: _network_arrays(seed=1)}
    path = write_features_file(out / "features.npz", networks, [0, 1] * 6, [0, 1] * 3)
    with zipfile.ZipFile(path) as archive:
        members = archive.namelist()
        assert all(_is_safe_member(m) for m in members), members
        archive.extractall(out / "unzipped")  # the arena finds any file written outside
    contents = read_features_file(path)
    assert list(contents["networks"]) == [name, other]  # exactly, in order
    for sensor, nets in networks.items():
        for net, read in zip(nets, contents["networks"][sensor]):
            np.testing.assert_array_equal(read.train, net.train)
            np.testing.assert_array_equal(read.coef, net.coef)


def test_features_file_of_the_earlier_layout_still_reads(arena):
    root, _ = arena
    nets = _network_arrays()
    arrays = {"y_train": np.arange(12) % 2, "y_validation": np.arange(6) % 2}
    for sensor in ("left.wrist", "acc"):  # no 'sensors' array: names are the prefixes
        for k, net in enumerate(nets):
            for part in ("train", "validation", "coef", "intercept"):
                arrays[f"{sensor}.{k}.{part}"] = getattr(net, part)
    np.savez(root / "given" / "old.npz", **arrays)
    contents = read_features_file(root / "given" / "old.npz")
    assert list(contents["networks"]) == ["left.wrist", "acc"]
    np.testing.assert_array_equal(contents["networks"]["acc"][1].validation, nets[1].validation)


def _npy(array) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(array))
    return buffer.getvalue()


def _features_zip(path: Path, sensors=None, prefixes=("acc",)) -> Path:
    """A features file written member by member: any member name, any ``sensors``."""
    nets = _network_arrays()
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("y_train.npy", _npy(np.arange(12) % 2))
        archive.writestr("y_validation.npy", _npy(np.arange(6) % 2))
        if sensors is not None:
            archive.writestr("sensors.npy", _npy(sensors))
        for prefix in prefixes:
            for k, net in enumerate(nets):
                for part in ("train", "validation", "coef", "intercept"):
                    archive.writestr(f"{prefix}.{k}.{part}.npy", _npy(getattr(net, part)))
    return path


HOSTILE_FEATURES = {
    "parent": ({"prefixes": ("acc", "../../x")}, "members '../../x.0.train', '../../x.0.v"),
    "absolute": ({"prefixes": ("acc", "/tmp/x")}, "members '/tmp/x.0.train', "),
    "backslash": ({"prefixes": ("acc", "..\\x")}, "are paths, not an array's name"),
    "dot-slash-twin": ({"prefixes": ("acc", "./acc")}, "members './acc.0.train', "),
    "unicode-twins": (
        {"prefixes": ("caf\u00e9", "cafe\u0301")},
        "are one name written two ways",
    ),
    "sensors-twice": (
        {"sensors": ["acc", "acc"], "prefixes": ("acc",)},
        "'sensors' names a sensor twice: ['acc']",
    ),
    "sensors-numbers": ({"sensors": [1, 2]}, "'sensors' must hold the sensors' names"),
    "sensors-2d": ({"sensors": [["acc"]]}, "'sensors' must hold the sensors' names"),
    "sensors-empty": ({"sensors": np.zeros(0, "U1")}, "'sensors' must hold the sensors' names"),
    "sensor-without-arrays": (
        {"sensors": ["acc", "gyr"], "prefixes": ("acc",)},
        "sensor 'gyr' of 'sensors' has no network arrays",
    ),
    "arrays-of-no-sensor": (
        {"sensors": ["acc"], "prefixes": ("acc", "gyr")},
        "unknown array 'gyr.0.train'",
    ),
    "raw-name-beside-sensors": (
        {"sensors": ["a b"], "prefixes": ("a b",)},
        "unknown array 'a b.0.train'",
    ),
}


@pytest.mark.parametrize("case", HOSTILE_FEATURES, ids=list(HOSTILE_FEATURES))
def test_hostile_features_files_are_named(arena, case, capsys):
    root, out = arena
    settings, match = HOSTILE_FEATURES[case]
    path = _features_zip(root / "given" / "features.npz", **settings)
    result = _expect(lambda: read_features_file(path))
    assert isinstance(result, ValueError) and match in str(result), result
    command = ["study", "--features", str(path), "--out", str(out), "--quick", "--quiet"]
    assert main(command) == 2 and match in capsys.readouterr().err
    assert not out.exists()


def test_a_run_writes_features_that_rerun_with_the_exact_names(arena):
    root, out = arena
    names = ["../../planted", "a|b", "line\nbreak", "<script>"]
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 10)
    networks = {
        name: [
            NetworkFeatures(
                rng.normal(size=(20, 3)) + y[:, None], rng.normal(size=(6, 3)), np.eye(2, 3),
                np.zeros(2),
            )
            for _ in range(2)
        ]
        for name in names
    }
    path = write_features_file(out / "features.npz", networks, y, [0, 1] * 3, name="x")
    data, read = load_features_file(path)
    assert data.sensors == names and list(read) == names


# ================================================================== names in the report
# Names holding markdown, HTML, line breaks or matplotlib's math: report.md keeps one
# cell per name and shows it as text, the CSV files keep the exact names, the figures
# are drawn.

REPORT_SENSORS = ["a|b", "line\nbreak", "<script>$\\foo$</script>", "$\\foo$ `x` ![i](http://x)"]
REPORT_CLASSES = np.array(["c|d", "new\nline", "<b>bold</b>"])
_UNESCAPED_PIPE = r"(?<!\\)\|"


def _tables(report: str) -> list[list[str]]:
    tables, current = [], []
    for line in [*report.split("\n"), ""]:
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables.append(current)
            current = []
    return tables


def test_a_report_on_hostile_names_shows_them_as_text(arena, capsys):
    import re

    import pandas as pd

    root, out = arena
    rng = np.random.default_rng(0)
    y_train, y_validation = REPORT_CLASSES[np.arange(60) % 3], REPORT_CLASSES[np.arange(30) % 3]
    codes = np.arange(60) % 3
    networks = {
        name: [
            NetworkFeatures(
                rng.normal(size=(60, 4)) + np.eye(3, 4)[codes] * 2,
                rng.normal(size=(30, 4)) + np.eye(3, 4)[np.arange(30) % 3] * 2,
                np.eye(3, 4),
                np.zeros(3),
            )
            for _ in range(2)
        ]
        for name in REPORT_SENSORS[:3]
    }
    path = write_features_file(
        root / "given" / "features.npz",
        networks,
        y_train,
        y_validation,
        REPORT_CLASSES,
        name=REPORT_SENSORS[3],
    )
    command = ["study", "--features", str(path), "--out", str(out), "--quick", "--quiet"]
    assert main([*command, "--repeats", "1", "--n-jobs", "1"]) == 0
    printed = capsys.readouterr().out  # the verdicts, one line each
    assert "(line\\nbreak)" in printed and "\nbreak" not in printed
    report = (out / "report.md").read_text()
    for table in _tables(report):  # every row of a table has its header's cells
        widths = {len(re.split(_UNESCAPED_PIPE, row)) for row in table}
        assert len(widths) == 1, table
    assert "<script>" not in report and "<b>" not in report
    images = [line for line in report.split("\n") if re.search(r"(?<!\\)!\[", line)]
    assert all(line.startswith(("![figure", "![fusion of")) for line in images), images
    assert "\\![i](http://x)" in report  # shown, not fetched
    assert "c\\|d: 10" in report and "new\\nline: 10" in report  # the class counts
    assert "\\<script\\>" in report and "line\\nbreak" in report and "a\\|b" in report
    assert not any(line.startswith(("break", "line</")) for line in report.split("\n"))
    results = pd.read_csv(out / "results.csv", keep_default_na=False)
    assert set(results["sensor"]) == set(REPORT_SENSORS[:3])  # the exact names, quoted
    assert (out / "figure4_subspace.png").stat().st_size > 0
    assert (out / "figure5_cross_sensor.png").stat().st_size > 0


# ================================================================== sensors at any scale
# A sensor is constant when every feature's spread is within its float precision
# (largest minus smallest <= eps * largest magnitude), at any scale; a sensor that
# varies is standardised to the same inputs at 1e-30, 1 or 1e30.


def _one_ulp(value: float, dtype=np.float64) -> np.ndarray:
    array = np.full((20, 3), value, dtype)
    array[::2] = np.nextafter(array[::2], dtype(np.inf))  # the last bit only
    return array


NEAR_CONSTANT = {
    "one-ulp-at-1": _one_ulp(1.0),
    "one-ulp-at-1e-30": _one_ulp(1e-30),
    "one-ulp-at-1e30": _one_ulp(-1e30),
    "one-ulp-float32": _one_ulp(3.0, np.float32),
    "tiny-constant": np.full((20, 2, 4), 1e-300),
    "subnormal-constant": np.full((20, 3), 5e-324),
}


@pytest.mark.parametrize("case", NEAR_CONSTANT, ids=list(NEAR_CONSTANT))
def test_sensors_constant_to_their_precision_are_named(arena, case):
    root, _ = arena
    result = _expect(lambda: load_study_file(_npz(root, odd=NEAR_CONSTANT[case])))
    assert isinstance(result, ValueError), result
    assert "Sensor 'odd' has the same values in every training sample" in str(result)
    assert "to within their float precision" in str(result)


@pytest.mark.parametrize("scale", [1e-30, 1e-170, 1e30], ids=["1e-30", "1e-170", "1e30"])
def test_a_varying_sensor_gets_the_same_inputs_at_any_scale(arena, scale):
    root, _ = arena
    rng = np.random.default_rng(3)
    signal = rng.normal(size=(20, 2, 6))
    at_one = load_study_file(_npz(root, odd=signal))
    scaled = load_study_file(_npz(root, odd=scale * signal))
    for side in ("inputs_train", "inputs_validation"):
        expected, got = getattr(at_one, side)["odd"], getattr(scaled, side)["odd"]
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    per_channel = scaled.inputs_train["odd"].transpose(1, 0, 2).reshape(2, -1)
    np.testing.assert_allclose(per_channel.std(axis=1), 1.0, rtol=1e-4)


def test_features_constant_to_their_precision_are_named_at_any_scale(arena):
    root, _ = arena
    nets = _network_arrays()
    tiny = [
        NetworkFeatures(1e-30 * n.train, 1e-30 * n.validation, n.coef, n.intercept) for n in nets
    ]
    path = write_features_file(root / "given" / "tiny.npz", {"acc": tiny}, [0, 1] * 6, [0, 1] * 3)
    assert read_features_file(path)["networks"]["acc"][0].train.max() < 1e-29  # varies: kept
    jitter = np.full((12, 3), 1e-30)
    jitter[::2] = np.nextafter(jitter[::2], 1.0)  # the last bit only
    nets[0] = NetworkFeatures(jitter, nets[0].validation, nets[0].coef, nets[0].intercept)
    path = write_features_file(root / "given" / "flat.npz", {"acc": nets}, [0, 1] * 6, [0, 1] * 3)
    with pytest.raises(ValueError, match=r"acc\.0\.train is the same for every training sample"):
        read_features_file(path)
