"""write_cifar10_folder: the official python batches and archive, read back, with a class signal."""

import pickle
import pickletools
import tarfile

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_ccafusion.datasets import CIFAR10_CLASSES, load_cifar10, write_cifar10_folder

N_TRAIN, N_TEST = 1003, 300
BATCHES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]


@pytest.fixture(scope="module")
def cifar_dir(tmp_path_factory):
    return write_cifar10_folder(
        tmp_path_factory.mktemp("cifar"), N_TRAIN, N_TEST, random_state=0, progress=False
    )


def test_official_layout(cifar_dir):
    folder = cifar_dir / "cifar-10-batches-py"
    assert sorted(p.name for p in folder.iterdir()) == sorted(BATCHES + ["batches.meta"])
    sizes = []
    for name in BATCHES:
        with (folder / name).open("rb") as fh:
            batch = pickle.load(fh, encoding="bytes")  # as the CIFAR site's own reader
        assert set(batch) == {b"batch_label", b"labels", b"data", b"filenames"}
        assert batch[b"data"].dtype == np.uint8 and batch[b"data"].shape[1] == 3072
        assert len(batch[b"labels"]) == len(batch[b"filenames"]) == len(batch[b"data"])
        sizes.append(len(batch[b"labels"]))
    assert sizes == [201, 201, 201, 200, 200, N_TEST]  # train images split evenly
    assert batch[b"batch_label"] == b"testing batch 1 of 1"
    with (folder / "batches.meta").open("rb") as fh:
        meta = pickle.load(fh, encoding="bytes")
    assert meta[b"label_names"] == [name.encode() for name in CIFAR10_CLASSES]
    assert meta[b"num_vis"] == 3072


def test_pickled_like_the_original_files(cifar_dir):
    content = (cifar_dir / "cifar-10-batches-py" / "test_batch").read_bytes()
    ops = [(op.name, arg) for op, arg, _ in pickletools.genops(content)]
    assert ops[0] == ("PROTO", 2)
    globals_ = {arg for name, arg in ops if name == "GLOBAL"}
    assert globals_ == {"numpy.core.multiarray _reconstruct", "numpy ndarray", "numpy dtype"}
    # image bytes stored raw (Python 2 str), not re-encoded: the file is the pixels' size
    assert any(name == "BINSTRING" and len(arg) == N_TEST * 3072 for name, arg in ops)
    assert len(content) < N_TEST * 3072 * 1.05
    with (cifar_dir / "cifar-10-batches-py" / "test_batch").open("rb") as fh:
        latin1 = pickle.load(fh, encoding="latin1")  # the other common way to read them
    assert latin1["data"].shape == (N_TEST, 3072)


def test_reads_back_balanced(cifar_dir):
    train, test = load_cifar10(cifar_dir), load_cifar10(cifar_dir, "test")
    assert train.data.shape == (N_TRAIN, 3, 32, 32) and test.data.shape == (N_TEST, 3, 32, 32)
    assert np.bincount(train.target).tolist() == [101, 101, 101] + [100] * 7
    assert np.bincount(test.target).tolist() == [30] * 10
    assert list(test.target_names) == list(CIFAR10_CLASSES)
    assert train.data.std() > 20  # images, not constants


def test_class_signal_is_learnable(cifar_dir):
    train, test = load_cifar10(cifar_dir), load_cifar10(cifar_dir, "test")

    def pooled(images):  # 3 x 4 x 4 mean colours
        return images.reshape(len(images), 3, 4, 8, 4, 8).mean(axis=(3, 5)).reshape(
            len(images), -1
        )

    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    model.fit(pooled(train.data), train.target)
    assert model.score(pooled(test.data), test.target) > 0.4  # chance: 0.1


def test_archive(cifar_dir, tmp_path):
    folder = write_cifar10_folder(
        tmp_path, N_TRAIN, N_TEST, archive=True, random_state=0, progress=False
    )
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["ccafusion-make-data.json", "cifar-10-python.tar.gz"]  # + the marker
    with tarfile.open(folder / "cifar-10-python.tar.gz") as tar:
        members = sorted(tar.getnames())
    assert members == sorted(f"cifar-10-batches-py/{n}" for n in BATCHES + ["batches.meta"])
    for subset in ("train", "test"):
        from_archive = load_cifar10(folder, subset)
        from_folder = load_cifar10(cifar_dir, subset)
        np.testing.assert_array_equal(from_archive.data, from_folder.data)  # same seed
        np.testing.assert_array_equal(from_archive.target, from_folder.target)


def test_seeds(tmp_path):
    a = write_cifar10_folder(tmp_path / "a", 20, 10, random_state=3, progress=False)
    b = write_cifar10_folder(tmp_path / "b", 20, 10, random_state=3, progress=False)
    c = write_cifar10_folder(tmp_path / "c", 20, 10, random_state=4, progress=False)
    batch = "cifar-10-batches-py/test_batch"
    assert (a / batch).read_bytes() == (b / batch).read_bytes()
    assert (a / batch).read_bytes() != (c / batch).read_bytes()


def test_fewer_train_images_than_batches(tmp_path):
    folder = write_cifar10_folder(tmp_path, 3, 1, random_state=0, progress=False)
    assert load_cifar10(folder).data.shape == (3, 3, 32, 32)


def test_progress_bar(tmp_path, capsys):
    write_cifar10_folder(tmp_path, 10, 10, random_state=0)
    assert "CIFAR-10 batches" in capsys.readouterr().err


def test_parameter_validation(tmp_path):
    with pytest.raises(ValueError, match="n_train"):
        write_cifar10_folder(tmp_path, 0)
    with pytest.raises(ValueError, match="n_test"):
        write_cifar10_folder(tmp_path, 10, n_test=-1)
