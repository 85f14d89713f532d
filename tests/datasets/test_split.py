"""train_validation_split: groups disjoint, reproducible, stratified as groups allow."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from sklearn_ccafusion.datasets import train_validation_split


@pytest.fixture
def subjects():
    """30 subjects of 20-80 windows each, 4 activities in subject-specific proportions."""
    rng = np.random.default_rng(0)
    sizes = rng.integers(20, 80, size=30)
    groups = np.repeat([f"subject{i:02d}" for i in range(30)], sizes)
    y = np.concatenate(
        [
            rng.choice(["sit", "walk", "run", "bike"], n, p=rng.dirichlet(np.ones(4) * 3))
            for n in sizes
        ]
    )
    return y, groups


def test_groups_are_disjoint_and_the_split_is_a_partition(subjects):
    y, groups = subjects
    train, val = train_validation_split(y, groups, validation_fraction=0.25, random_state=0)
    assert_array_equal(np.sort(np.concatenate([train, val])), np.arange(len(y)))
    assert np.all(np.diff(train) > 0) and np.all(np.diff(val) > 0)
    assert set(groups[train]).isdisjoint(groups[val])


def test_fraction_and_class_proportions_are_close(subjects):
    y, groups = subjects
    for seed in range(3):
        train, val = train_validation_split(y, groups, validation_fraction=0.25, random_state=seed)
        assert abs(len(val) / len(y) - 0.25) < 0.03
        for label in np.unique(y):
            share = np.mean(y[val] == label) / np.mean(y == label)
            assert 0.85 < share < 1.15, (seed, label, share)


def test_reproducible_and_seed_dependent(subjects):
    y, groups = subjects
    a = train_validation_split(y, groups, random_state=3)
    b = train_validation_split(y, groups, random_state=np.random.RandomState(3))
    c = train_validation_split(y, groups, random_state=4)
    assert_array_equal(a[1], b[1])
    assert set(groups[a[1]]) != set(groups[c[1]])


def test_without_groups_each_class_is_split_by_rounding():
    y = np.repeat(["a", "b", "c"], [10, 25, 3])
    train, val = train_validation_split(y, validation_fraction=0.2, random_state=0)
    counts = {label: int(np.sum(y[val] == label)) for label in "abc"}
    assert counts == {"a": 2, "b": 5, "c": 1}  # round(0.6) = 1
    assert len(train) + len(val) == len(y)


def test_no_class_loses_its_last_training_sample():
    # one group holds all of class 2: taking it would leave training without class 2, and
    # keeping it leaves validation without it: refused, the class and its group named
    y = np.array([0, 1] * 20 + [2, 2])
    groups = np.concatenate([np.repeat(np.arange(4), 10), [9, 9]])
    with pytest.raises(
        ValueError, match=r"1 class\(es\) cannot .* class 2: 2 samples in 1 group \(9\)"
    ):
        train_validation_split(y, groups, validation_fraction=0.3, random_state=0)


def test_every_class_is_on_both_sides_with_groups():
    # class 2 lives in two groups only; the greedy pass alone would rarely hold one out
    y = np.array([0, 1] * 40 + [2, 2, 2, 2])
    groups = np.concatenate([np.repeat(np.arange(8), 10), [8, 8, 9, 9]])
    for seed in range(10):
        train, val = train_validation_split(y, groups, validation_fraction=0.2, random_state=seed)
        assert set(y[train]) == set(y[val]) == {0, 1, 2}
        assert set(groups[train]).isdisjoint(groups[val])


def test_validation_is_never_empty():
    # the fraction asks for 2 samples, the smallest group has 10: one group still goes
    y = np.arange(100) % 2
    groups = np.repeat(np.arange(10), 10)
    train, val = train_validation_split(y, groups, validation_fraction=0.02, random_state=0)
    assert len(val) == 10 and len(train) == 90
    with pytest.warns(UserWarning, match=r"2 of 2 classes .* validation holds 2 of 6 samples"):
        _, val = train_validation_split(np.arange(6) % 2, validation_fraction=0.05)
    assert len(val) == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every class has a validation sample: no warning
        train_validation_split(np.arange(20) % 2, validation_fraction=0.2, random_state=0)


def test_small_classes_each_keep_one_sample_per_side():
    # 60 classes of 2 samples: round(0.2 * 2) = 0 would leave them unscored
    y = np.repeat(np.arange(60), 2)
    with pytest.warns(UserWarning, match=r"60 of 60 classes .* 60 of 120 samples \(50%\)"):
        train, val = train_validation_split(y, validation_fraction=0.2, random_state=0)
    assert_array_equal(np.bincount(y[val]), np.ones(60))
    assert_array_equal(np.bincount(y[train]), np.ones(60))


@pytest.mark.parametrize("fraction", [0, 1, 1.5, -0.1, "0.2", True, None])
def test_fraction_out_of_range(fraction):
    with pytest.raises(ValueError, match="validation_fraction must be a number strictly"):
        train_validation_split([0, 1, 0, 1], validation_fraction=fraction)


def test_bad_input():
    with pytest.raises(ValueError, match=r"Every sample is in one group \('s1'\)"):
        train_validation_split([0, 1, 0, 1], ["s1"] * 4)
    with pytest.raises(ValueError, match=r"Label\(s\) 'rare' have a single sample.*Drop"):
        train_validation_split(["a", "a", "b", "b", "rare"])
    with pytest.raises(ValueError, match=r"groups must have one entry per sample, shape \(4,\)"):
        train_validation_split([0, 1, 0, 1], [0, 1])
    with pytest.raises(ValueError, match="y must be 1-D"):
        train_validation_split(np.zeros((4, 2)))


def test_more_stratified_than_random_groups(subjects):
    """The class counts land closer to the target than GroupShuffleSplit's do."""
    from sklearn.model_selection import GroupShuffleSplit

    y, groups = subjects
    labels = np.unique(y)

    def error(val):
        return sum(abs(np.sum(y[val] == k) - 0.25 * np.sum(y == k)) for k in labels)

    ours = [
        error(train_validation_split(y, groups, validation_fraction=0.25, random_state=s)[1])
        for s in range(5)
    ]
    splitter = GroupShuffleSplit(n_splits=20, test_size=0.25, random_state=0)
    theirs = [error(val) for _, val in splitter.split(y, y, groups)]
    assert np.median(ours) < 0.5 * np.median(theirs)
