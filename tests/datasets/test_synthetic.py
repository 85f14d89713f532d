"""make_multisensor_classification: layout, determinism, physics and sensor ranking."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_ccafusion.datasets import SHL2018_CLASSES, make_multisensor_classification
from sklearn_ccafusion.preprocessing import Spectrogram


def test_layout():
    shl = make_multisensor_classification(40, segment_length=700, random_state=0)
    assert shl.data.shape == (40, 3, 700)
    assert shl.data.dtype == np.float32
    assert shl.target.shape == (40,) and shl.target.dtype == np.int64
    assert shl.signal_names == ["Acc_norm", "Gyr_y", "Mag_norm"]
    assert list(shl.target_names) == list(SHL2018_CLASSES)
    assert shl.sampling_rate == 100.0
    assert np.all(np.isfinite(shl.data))
    assert "Synthetic" in shl.DESCR


def test_physical_ranges():
    shl = make_multisensor_classification(64, segment_length=1000, random_state=1)
    acc, gyr, mag = shl.data[:, 0], shl.data[:, 1], shl.data[:, 2]
    assert abs(np.median(acc) - 9.81) < 0.5  # gravity
    assert abs(gyr.mean()) < 0.1 and np.abs(gyr).max() < 20  # rad/s, around 0
    assert np.all((np.median(mag, axis=1) > 30) & (np.median(mag, axis=1) < 65))  # uT
    still = shl.target == 0
    walk_or_run = np.isin(shl.target, [1, 2])
    assert 5 * np.median(acc[still].std(axis=1)) < np.median(acc[walk_or_run].std(axis=1))


def test_norms_are_the_norms_of_the_axes():
    for sensor in ("Acc", "Gyr", "Mag"):
        names = [f"{sensor}_{axis}" for axis in ("x", "y", "z", "norm")]
        shl = make_multisensor_classification(12, signals=names, segment_length=600, random_state=2)
        axes = shl.data[:, :3].astype(np.float64)
        np.testing.assert_allclose(
            shl.data[:, 3], np.sqrt((axes**2).sum(axis=1)), rtol=1e-4, atol=1e-4
        )


def test_gait_frequencies_by_class():
    shl = make_multisensor_classification(
        300, signals="Acc_norm", segment_length=6000, random_state=3
    )
    x = shl.data[:, 0] - shl.data[:, 0].mean(axis=1, keepdims=True)
    spectrum = np.abs(np.fft.rfft(x, axis=1))
    freqs = np.fft.rfftfreq(6000, d=0.01)

    def peak(rows, low, high):
        band = (freqs > low) & (freqs < high)
        return freqs[band][np.argmax(spectrum[rows][:, band], axis=1)]

    # The step frequency (fundamental) is the strongest line of its band.
    walk = peak(shl.target == 1, 1.0, 2.25)
    run = peak(shl.target == 2, 2.25, 3.5)
    assert walk.size and run.size
    assert np.all((walk >= 1.45) & (walk <= 2.15)), walk
    assert np.all((run >= 2.25) & (run <= 3.25)), run


def test_deterministic_given_random_state():
    a = make_multisensor_classification(300, segment_length=600, random_state=7)
    b = make_multisensor_classification(300, segment_length=600, random_state=7, n_jobs=2)
    c = make_multisensor_classification(300, segment_length=600, random_state=8)
    np.testing.assert_array_equal(a.data, b.data)
    np.testing.assert_array_equal(a.target, b.target)
    assert not np.array_equal(a.data, c.data)
    rng = np.random.RandomState(7)
    d = make_multisensor_classification(300, segment_length=600, random_state=rng)
    np.testing.assert_array_equal(a.data, d.data)


def test_class_counts():
    shl = make_multisensor_classification(16310, segment_length=16, random_state=0)
    np.testing.assert_array_equal(
        np.bincount(shl.target), [2302, 2190, 686, 2101, 2475, 2083, 2520, 1953]
    )
    small = make_multisensor_classification(10, segment_length=16, random_state=0)
    assert set(small.target) == set(range(8))  # every class present when possible
    balanced = make_multisensor_classification(
        30, n_classes=3, weights=[1, 1, 1], segment_length=16, random_state=0
    )
    np.testing.assert_array_equal(np.bincount(balanced.target), [10, 10, 10])
    assert list(balanced.target_names) == ["Still", "Walk", "Run"]


def test_short_segments_feed_the_spectrogram():
    shl = make_multisensor_classification(8, segment_length=1000, random_state=0)
    images = Spectrogram().fit_transform(shl.data)
    assert images.shape == (8, 3, 48, 48)
    assert np.all(np.isfinite(images))


def test_sensor_ranking_accelerometer_best_magnetometer_worst():
    """As on SHL: per-sensor classifiers rank Acc_norm > Gyr_y > Mag_norm."""
    shl = make_multisensor_classification(450, segment_length=3000, random_state=0)
    images = Spectrogram().fit_transform(shl.data)
    # Per frequency row: mean and spread over time, a small summary for a quick classifier.
    features = np.concatenate([images.mean(axis=3), images.std(axis=3)], axis=2)
    scores = []
    for s in range(3):
        model = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=2000))
        scores.append(cross_val_score(model, features[:, s], shl.target, cv=3).mean())
    acc, gyr, mag = scores
    assert acc > gyr + 0.05 > mag + 0.1, scores
    assert acc < 0.97 and mag > 0.3, scores  # realistic, neither trivial nor chance


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"signals": ("Acc_w",)}, "Unknown signal 'Acc_w'"),
        ({"signals": ("Pressure",)}, "Unknown signal"),
        ({"signals": ()}, "at least one signal"),
        ({"weights": [1, 2]}, "weights must hold 8"),
        ({"weights": [-1, 1, 1, 1, 1, 1, 1, 1]}, "non-negative"),
        ({"n_classes": 9}, "n_classes"),
    ],
)
def test_bad_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_multisensor_classification(10, segment_length=100, **kwargs)
