"""load_cifar10 on tiny batches written in the official python-pickle format."""

import pickle
import tarfile

import numpy as np
import pytest

from sklearn_ccafusion.datasets import CIFAR10_CLASSES, load_cifar10
from sklearn_ccafusion.datasets._cifar10_writer import _pickle_like_the_original

BATCHES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]


def _batch(index, n=3):
    rng = np.random.default_rng(index)
    return {
        b"batch_label": f"batch {index}".encode(),
        b"labels": [int(v) for v in rng.integers(0, 10, size=n)],
        b"data": rng.integers(0, 256, size=(n, 3072), dtype=np.uint8),
        b"filenames": [f"img_{index}_{i}.png".encode() for i in range(n)],
    }


@pytest.fixture
def cifar_dir(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    for i, name in enumerate(BATCHES):
        (folder / name).write_bytes(_pickle_like_the_original(_batch(i)))
    meta = {
        b"label_names": [name.encode() for name in CIFAR10_CLASSES],
        b"num_cases_per_batch": 3,
        b"num_vis": 3072,
    }
    (folder / "batches.meta").write_bytes(_pickle_like_the_original(meta))
    return tmp_path


def test_train_and_test_subsets(cifar_dir):
    train = load_cifar10(cifar_dir)
    assert train.data.shape == (15, 3, 32, 32)
    assert train.data.dtype == np.uint8
    expected = np.concatenate([_batch(i)[b"labels"] for i in range(5)])
    np.testing.assert_array_equal(train.target, expected)
    test = load_cifar10(cifar_dir, subset="test")
    assert test.data.shape == (3, 3, 32, 32)
    np.testing.assert_array_equal(test.target, _batch(5)[b"labels"])
    assert list(test.target_names) == list(CIFAR10_CLASSES)
    assert "CIFAR-10" in test.DESCR


def test_layout_is_channels_first(cifar_dir):
    raw = _batch(5)[b"data"]
    image = load_cifar10(cifar_dir, "test").data[1]
    channel, row, col = 2, 7, 30  # blue, row 7, column 30
    assert image[channel, row, col] == raw[1, channel * 1024 + row * 32 + col]


def test_data_dir_may_be_the_batches_folder(cifar_dir):
    a = load_cifar10(cifar_dir / "cifar-10-batches-py", "test")
    np.testing.assert_array_equal(a.data, load_cifar10(cifar_dir, "test").data)


def test_reads_the_archive(cifar_dir, tmp_path_factory):
    other = tmp_path_factory.mktemp("archive")
    with tarfile.open(other / "cifar-10-python.tar.gz", "w:gz") as tar:
        tar.add(cifar_dir / "cifar-10-batches-py", arcname="cifar-10-batches-py")
    from_archive = load_cifar10(other, "train")
    np.testing.assert_array_equal(from_archive.data, load_cifar10(cifar_dir, "train").data)


def test_names_without_meta(cifar_dir):
    (cifar_dir / "cifar-10-batches-py" / "batches.meta").unlink()
    assert list(load_cifar10(cifar_dir, "test").target_names) == list(CIFAR10_CLASSES)


def test_missing_directory(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        load_cifar10(tmp_path / "nowhere")
    assert str(tmp_path / "nowhere") in str(info.value)
    assert "https://www.cs.toronto.edu/~kriz/cifar.html" in str(info.value)


def test_missing_batch_is_named(cifar_dir):
    (cifar_dir / "cifar-10-batches-py" / "data_batch_4").unlink()
    with pytest.raises(FileNotFoundError) as info:
        load_cifar10(cifar_dir, "train")
    assert str(cifar_dir / "cifar-10-batches-py" / "data_batch_4") in str(info.value)
    assert "python version" in str(info.value)
    load_cifar10(cifar_dir, "test")  # the test batch is still readable


def test_empty_folder_names_the_first_batch(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"cifar-10-batches-py/data_batch_1 is missing"):
        load_cifar10(tmp_path)


class _Evil:
    def __reduce__(self):
        import os

        return (os.system, ("echo pwned",))


@pytest.mark.parametrize(
    "content, message",
    [
        (pickle.dumps({b"data": _Evil(), b"labels": [1]}, protocol=2), "is not allowed"),
        (b"not a pickle", "is not a CIFAR-10 python batch"),
        (pickle.dumps([1, 2], protocol=2), "no dict inside"),
        (pickle.dumps({b"labels": [1]}, protocol=2), "lacks 'data' or 'labels'"),
        (
            pickle.dumps({b"data": np.zeros((2, 10), np.uint8), b"labels": [1, 2]}, protocol=2),
            r"shape \(n_images, 3072\)",
        ),
        (
            pickle.dumps({b"data": np.zeros((2, 3072), np.uint8), b"labels": [1, 12]}, protocol=2),
            "class index in 0..9",
        ),
        (  # never truncated to 3
            pickle.dumps({b"data": np.zeros((2, 3072), np.uint8), b"labels": [3.7, 1]}, protocol=2),
            r"'labels' holds labels that are not whole numbers: 1 of its 2 \(e.g. 3.7, at",
        ),
        (
            pickle.dumps(
                {b"data": np.zeros((2, 3072), np.uint8), b"labels": np.array([1.0, np.nan])},
                protocol=2,
            ),
            r"'labels' has missing labels \(NaN, None or NaT\): 1 of its 2, at position 1",
        ),
        (
            pickle.dumps({b"data": np.zeros((2, 3072), np.uint8), b"labels": ["cat", "dog"]}),
            "class index in 0..9",
        ),
    ],
)
def test_bad_batches(cifar_dir, content, message):
    (cifar_dir / "cifar-10-batches-py" / "test_batch").write_bytes(content)
    with pytest.raises(ValueError, match=message):
        load_cifar10(cifar_dir, "test")


class _Opens:
    """Unpickling it creates ``marker``: proof that the file ran code."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _global_call(module, name, *arguments):
    """A protocol-0 pickle calling ``module.name(*arguments)``, as a planted file would."""
    pushed = "".join(f"V{argument}\n" for argument in arguments)
    return f"c{module}\n{name}\n({pushed}tR.".encode()


@pytest.mark.parametrize("where", ["test_batch", "batches.meta"])
@pytest.mark.parametrize(
    "planted",
    [
        lambda m: pickle.dumps({b"data": _Opens(m), b"labels": [1]}, protocol=2),
        # a call hidden inside an object array, behind NumPy's allowed rebuilders
        lambda m: pickle.dumps(
            {b"data": np.array([_Opens(m)], dtype=object), b"labels": [1]}, protocol=2
        ),
        lambda m: _global_call("builtins", "open", m, "w"),
        lambda m: _global_call("os", "system", f"touch {m}"),
        lambda m: _global_call("numpy", "load", f"{m}"),
        lambda m: _global_call("numpy.core.multiarray", "open", m, "w"),
    ],
)
def test_planted_code_never_runs(cifar_dir, tmp_path, planted, where):
    """The restricted unpickler refuses every global but NumPy's array rebuilders."""
    marker = tmp_path / "ran"
    (cifar_dir / "cifar-10-batches-py" / where).write_bytes(planted(marker))
    with pytest.raises(ValueError, match="is not allowed in a CIFAR-10 batch"):
        load_cifar10(cifar_dir, "test")
    assert not marker.exists()


def test_planted_payloads_run_under_a_plain_unpickler(tmp_path):
    """The payloads above are real: ``pickle.loads`` would have created the marker."""
    payloads = [_global_call("builtins", "open", tmp_path / "a", "w")]
    payloads.append(pickle.dumps(_Opens(tmp_path / "b"), protocol=2))
    for payload in payloads:
        pickle.loads(payload).close()
    assert (tmp_path / "a").exists() and (tmp_path / "b").exists()


def _archive(cifar_dir, folder, mode="w:gz"):
    path = folder / "cifar-10-python.tar.gz"
    with tarfile.open(path, mode) as tar:
        tar.add(cifar_dir / "cifar-10-batches-py", arcname="cifar-10-batches-py")
    return path


def test_the_archive_itself_may_be_given(cifar_dir, tmp_path_factory):
    path = _archive(cifar_dir, tmp_path_factory.mktemp("archive"))
    np.testing.assert_array_equal(
        load_cifar10(path, "test").data, load_cifar10(cifar_dir, "test").data
    )


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda raw: raw[: len(raw) // 2], "EOFError"),  # download cut in the middle
        (lambda raw: raw[:-12], "EOFError"),  # only the end of the stream lost
        (lambda raw: b"", "not a tar archive"),
        (lambda raw: b"<html>404 Not Found</html>", "not a tar archive"),
        (lambda raw: raw[:100] + bytes(len(raw) - 100), "not a tar archive"),  # zeroed body
    ],
    ids=["half", "tail", "empty", "html", "zeroed"],
)
def test_damaged_archive_is_named(cifar_dir, tmp_path_factory, damage, message):
    path = _archive(cifar_dir, tmp_path_factory.mktemp("archive"))
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(
        ValueError, match=rf"cifar-10-python\.tar\.gz is not a complete .*{message}"
    ):
        load_cifar10(path.parent, "test")


def test_uncompressed_tar_is_read(cifar_dir, tmp_path_factory):
    path = _archive(cifar_dir, tmp_path_factory.mktemp("archive"), mode="w")
    np.testing.assert_array_equal(load_cifar10(path.parent).data, load_cifar10(cifar_dir).data)


def test_archive_without_a_batch(cifar_dir, tmp_path_factory):
    (cifar_dir / "cifar-10-batches-py" / "data_batch_2").unlink()
    path = _archive(cifar_dir, tmp_path_factory.mktemp("archive"))
    with pytest.raises(ValueError, match="holds no cifar-10-batches-py/data_batch_2"):
        load_cifar10(path.parent, "train")


@pytest.mark.parametrize("cut", [0, 10, 2000])
def test_truncated_batch_is_named(cifar_dir, cut):
    path = cifar_dir / "cifar-10-batches-py" / "test_batch"
    path.write_bytes(path.read_bytes()[:cut])
    with pytest.raises(ValueError, match=r"test_batch is not a CIFAR-10 python batch"):
        load_cifar10(cifar_dir, "test")


def _archive_of(folder, archive):
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(folder, arcname="cifar-10-batches-py")


def test_newer_archive_beside_an_older_folder_is_not_shadowed(cifar_dir, tmp_path_factory):
    # a new download beside the folder extracted from an older one
    newer = tmp_path_factory.mktemp("newer") / "cifar-10-batches-py"
    newer.mkdir()
    for i, name in enumerate(BATCHES):
        (newer / name).write_bytes(_pickle_like_the_original(_batch(i + 10, n=4)))
    _archive_of(newer, cifar_dir / "cifar-10-python.tar.gz")
    with pytest.raises(
        ValueError,
        match=r"differ \(data_batch_1 differs .*the archive is the "
        r"newer.*delete .*cifar-10-batches-py",
    ):
        load_cifar10(cifar_dir, "train")


def test_folder_missing_a_batch_of_the_archive_is_named(cifar_dir):
    _archive_of(cifar_dir / "cifar-10-batches-py", cifar_dir / "cifar-10-python.tar.gz")
    (cifar_dir / "cifar-10-batches-py" / "test_batch").unlink()
    with pytest.raises(ValueError, match="test_batch is only in the archive"):
        load_cifar10(cifar_dir, "test")


def test_archive_and_its_extracted_folder_agree(cifar_dir):
    expected = load_cifar10(cifar_dir, "test")
    _archive_of(cifar_dir / "cifar-10-batches-py", cifar_dir / "cifar-10-python.tar.gz")
    both = load_cifar10(cifar_dir, "test")
    np.testing.assert_array_equal(both.data, expected.data)
    # naming one of them explicitly reads it alone
    alone = load_cifar10(cifar_dir / "cifar-10-batches-py", "test")
    np.testing.assert_array_equal(alone.data, expected.data)
