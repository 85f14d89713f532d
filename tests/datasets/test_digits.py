"""load_digits_views: the embedded default's same-sensor and two-sensor setups."""

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.model_selection import PredefinedSplit

from sklearn_ccafusion.datasets import load_digits_views


@pytest.mark.parametrize(
    "split, names, shape, first_image_part",
    [
        ("left_right", ("left", "right"), (8, 4), lambda im: im[:, :, :4]),
        ("top_bottom", ("top", "bottom"), (4, 8), lambda im: im[:, :4, :]),
        ("interleaved", ("even", "odd"), (8, 4), lambda im: im[:, :, 0::2]),
    ],
)
def test_two_sensor_views(split, names, shape, first_image_part):
    views = load_digits_views("two_sensor", split=split, random_state=0)
    assert views.view_names == names
    first, second = (views.inputs[name] for name in names)
    assert sorted(np.concatenate([first, second]).tolist()) == list(range(64))
    assert views.view_shapes[names[0]] == shape
    images = views.images[views.train_indices]
    np.testing.assert_array_equal(
        views.data_train[:, first].reshape(-1, *shape), first_image_part(images)
    )
    assert views.split == split


def test_data_and_split():
    views = load_digits_views(random_state=0)
    digits = load_digits()
    np.testing.assert_allclose(views.data, digits.data / 16.0, rtol=1e-7)
    assert views.data.dtype == np.float32
    assert views.data.min() >= 0 and views.data.max() <= 1
    np.testing.assert_array_equal(views.target, digits.target)
    n_train, n_val = views.train_indices.size, views.validation_indices.size
    assert n_train + n_val == 1797 and n_val == 450
    assert not set(views.train_indices) & set(views.validation_indices)
    np.testing.assert_array_equal(views.data_validation, views.data[views.validation_indices])
    np.testing.assert_array_equal(views.target_train, views.target[views.train_indices])
    # stratified: every class keeps about the same share in both parts
    share = np.bincount(views.target_validation) / np.bincount(views.target)
    assert np.all(np.abs(share - 0.25) < 0.02)
    # test_fold drives a PredefinedSplit with the same parts
    ((train, val),) = PredefinedSplit(views.test_fold).split()
    np.testing.assert_array_equal(train, views.train_indices)
    np.testing.assert_array_equal(val, views.validation_indices)


def test_same_sensor():
    views = load_digits_views("same_sensor", random_state=3)
    assert views.inputs == {"init0": None, "init1": None}
    assert views.view_shapes == {"init0": (8, 8), "init1": (8, 8)}
    assert views.net_seeds["init0"] != views.net_seeds["init1"]
    assert views.split is None


def test_deterministic_and_seeded():
    a = load_digits_views(random_state=1)
    b = load_digits_views(random_state=1)
    c = load_digits_views(random_state=2)
    np.testing.assert_array_equal(a.train_indices, b.train_indices)
    assert a.net_seeds == b.net_seeds
    assert not np.array_equal(a.train_indices, c.train_indices)


def test_validation_size_as_count():
    views = load_digits_views(validation_size=100, random_state=0)
    assert views.validation_indices.size == 100


def test_bad_parameters():
    with pytest.raises(ValueError, match="setup"):
        load_digits_views("three_sensor")
    with pytest.raises(ValueError, match="split"):
        load_digits_views(split="diagonal")


@pytest.mark.parametrize("validation_size", [5, 9, 1790, 0.001, 0.999])
def test_a_share_that_cannot_hold_every_class_is_named(validation_size):
    with pytest.raises(ValueError, match="every class is on both sides"):
        load_digits_views(validation_size=validation_size)


@pytest.mark.parametrize("validation_size", [10, 1787])
def test_the_smallest_and_largest_shares_hold_every_class(validation_size):
    views = load_digits_views(validation_size=validation_size)
    assert set(views.target_train) == set(views.target_validation) == set(range(10))
