"""Spectrogram: exactness against independent computations, and the scikit-learn contract."""

import pickle

import numpy as np
import pytest
import scipy.signal
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_ccafusion.preprocessing import Spectrogram
from sklearn_ccafusion.preprocessing._stft import reference_spectrogram

FS, NPERSEG, NOVERLAP = 100.0, 500, 490


def _signals(n=3, n_samples=6000, seed=0, dtype=np.float64):
    """Gravity-like offset, a drifting tone, harmonics and noise: every band has power."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_samples) / FS
    f0 = rng.uniform(1.5, 3.0, size=(n, 1))
    x = (
        9.81
        + 2.0 * np.sin(2 * np.pi * f0 * t * (1 + 0.002 * t))
        + 0.5 * np.sin(2 * np.pi * 3 * f0 * t)
    )
    x += 0.3 * rng.standard_normal((n, n_samples))
    return x.astype(dtype)


def _tukey_periodic(n, alpha):
    """Periodic Tukey window written out in NumPy (the symmetric one of n + 1 points)."""
    m = n + 1
    k = np.arange(m)
    w = np.ones(m)
    edge = alpha * (m - 1) / 2
    low = k < edge
    w[low] = 0.5 * (1 + np.cos(np.pi * (k[low] / edge - 1)))
    high = k > (m - 1) - edge
    w[high] = 0.5 * (1 + np.cos(np.pi * ((k[high] - (m - 1)) / edge + 1)))
    return w[:n]


def _direct_pixel(x, row, col, n_rows=48, n_cols=48):
    """One pixel, by hand: frames, detrend, window, numpy FFT, PSD, bilinear weights."""
    hop = NPERSEG - NOVERLAP
    n_frames = (x.shape[0] - NPERSEG) // hop + 1
    n_bins = NPERSEG // 2 + 1
    window = _tukey_periodic(NPERSEG, 0.25)

    def power(k, i):
        frame = x[i * hop : i * hop + NPERSEG].astype(np.float64)
        spectrum = np.fft.rfft((frame - frame.mean()) * window)
        scale = (1.0 if k in (0, n_bins - 1) else 2.0) / (FS * np.sum(window**2))
        return scale * abs(spectrum[k]) ** 2

    # Frequency rows: u_k = n_rows log(k + 1) / log(n_bins); time columns: v_i = n_cols i /
    # (n_frames - 1); the pixel sits at (row, col) on those axes.
    u = n_rows * np.log(np.arange(n_bins) + 1.0) / np.log(n_bins)
    k0 = int(np.searchsorted(u, row, side="right") - 1)
    wf = (row - u[k0]) / (u[k0 + 1] - u[k0])
    position = col * (n_frames - 1) / n_cols
    i0 = int(np.floor(position))
    wt = position - i0
    value = (
        (1 - wf) * (1 - wt) * power(k0, i0)
        + wf * (1 - wt) * power(k0 + 1, i0)
        + (1 - wf) * wt * power(k0, i0 + 1)
        + wf * wt * power(k0 + 1, i0 + 1)
    )
    return np.log(value + 1e-10)


def test_window_written_out_is_scipys():
    np.testing.assert_allclose(
        _tukey_periodic(NPERSEG, 0.25),
        scipy.signal.get_window(("tukey", 0.25), NPERSEG),
        atol=1e-15,
    )


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_pixels_match_a_direct_computation(dtype):
    x = _signals(2, dtype=dtype)
    images = Spectrogram().fit_transform(x)
    for segment in range(2):
        for row, col in [(0, 0), (3, 17), (6, 47), (7, 1), (20, 30), (33, 5), (47, 47)]:
            expected = _direct_pixel(x[segment].astype(np.float64), row, col)
            assert images[segment, 0, row, col] == pytest.approx(expected, abs=2e-4), (row, col)


def test_images_match_scipy_spectrogram_and_regular_grid_interpolator():
    x = _signals(4)
    got = Spectrogram().fit_transform(x)[:, 0]
    np.testing.assert_allclose(got, reference_spectrogram(x), atol=1e-4)
    # On float32 input scipy computes in float32: its DC bin is rounding noise, so rows
    # 0-6 (between 0 and 0.2 Hz) differ by that noise; the others agree to float32 level.
    x32 = x.astype(np.float32)
    got32 = Spectrogram().fit_transform(x32)[:, 0]
    np.testing.assert_allclose(got32[:, 7:], reference_spectrogram(x32)[:, 7:], atol=2e-3)
    np.testing.assert_allclose(got32, reference_spectrogram(x), atol=1e-4)


@pytest.mark.parametrize(
    "params, n_samples",
    [
        ({"out_shape": (16, 32)}, 6000),
        ({"nperseg": 256, "noverlap": 128, "window": "hann"}, 2000),
        ({"nperseg": 200, "noverlap": 150, "fs": 50.0, "out_shape": (20, 10)}, 1000),
        ({"nperseg": 101, "noverlap": 51}, 1500),  # odd nperseg: no Nyquist bin
    ],
)
def test_other_parameters_match_the_reference(params, n_samples):
    x = _signals(3, n_samples=n_samples)
    got = Spectrogram(**params).fit_transform(x)[:, 0]
    np.testing.assert_allclose(got, reference_spectrogram(x, **params), atol=1e-4)


def test_explicit_window_array():
    x = _signals(2, n_samples=1500)
    window = np.hanning(NPERSEG)
    got = Spectrogram(window=window).fit_transform(x)
    np.testing.assert_allclose(got[:, 0], reference_spectrogram(x, window=window), atol=1e-4)


def test_axes_of_the_original_and_the_coverage_fixes():
    x = _signals(1)
    original = Spectrogram().fit(x)
    assert original.frequencies_[0] == 0.0
    assert original.frequencies_[-1] == pytest.approx(0.2 * (251 ** (47 / 48) - 1), rel=1e-2)
    assert original.times_[0] == 2.5
    assert original.times_[-1] == pytest.approx(2.5 + 55 * 47 / 48)
    full = Spectrogram(full_coverage=True).fit(x)
    assert full.frequencies_[-1] == pytest.approx(50.0)
    assert full.times_[-1] == pytest.approx(57.5)
    no_dc = Spectrogram(skip_dc=True).fit(x)
    assert no_dc.frequencies_[0] == pytest.approx(0.2)
    assert np.all(np.diff(no_dc.frequencies_) > 0)
    both = Spectrogram(full_coverage=True, skip_dc=True).fit(x)
    assert both.frequencies_[0] == pytest.approx(0.2)
    assert both.frequencies_[-1] == pytest.approx(50.0)


def test_full_coverage_corner_pixels_are_the_edge_bins():
    x = _signals(1)[0]
    image = Spectrogram(full_coverage=True).fit_transform(x[None])[0, 0]
    # (row 47, column 47): Nyquist bin of the last frame; (0, 0): DC of the first frame.
    hop = NPERSEG - NOVERLAP
    window = _tukey_periodic(NPERSEG, 0.25)
    for row, col, k, i in [(47, 47, 250, 550), (0, 0, 0, 0)]:
        frame = x[i * hop : i * hop + NPERSEG]
        power = abs(np.fft.rfft((frame - frame.mean()) * window)[k]) ** 2
        expected = np.log(power / (FS * np.sum(window**2)) + 1e-10)
        assert image[row, col] == pytest.approx(expected, abs=1e-3)


def test_shapes_and_dtypes():
    x = _signals(3, n_samples=1000, dtype=np.float32)
    assert Spectrogram().fit_transform(x).shape == (3, 1, 48, 48)
    stacked = np.stack([x, 2 * x], axis=1)  # (3, 2, 1000)
    images = Spectrogram().fit_transform(stacked)
    assert images.shape == (3, 2, 48, 48) and images.dtype == np.float32
    np.testing.assert_allclose(images[:, 1] - images[:, 0], np.log(4), atol=1e-4)
    flat = Spectrogram(flatten=True, out_shape=(8, 6)).fit_transform(stacked)
    assert flat.shape == (3, 2 * 8 * 6)
    assert Spectrogram().fit_transform(x.astype(np.float64)).dtype == np.float32
    assert Spectrogram().fit_transform(x.astype(int)).dtype == np.float32
    minimal = _signals(2, n_samples=2 * NPERSEG - NOVERLAP)  # two frames
    assert np.all(np.isfinite(Spectrogram().fit_transform(minimal)))


def test_linear_power():
    x = _signals(2, n_samples=1000)
    log_images = Spectrogram().fit_transform(x)
    power = Spectrogram(log_offset=None).fit_transform(x)
    np.testing.assert_allclose(np.log(power + 1e-10), log_images, atol=1e-4)


def test_workers_do_not_change_the_result_batches_only_the_rounding():
    x = _signals(11, n_samples=1200)
    expected = Spectrogram(batch_size=4).fit_transform(x)
    for n_jobs in (2, -1):
        got = Spectrogram(batch_size=4, n_jobs=n_jobs).fit_transform(x)
        np.testing.assert_array_equal(got, expected)
    for batch_size in (1, 32):  # BLAS may sum in another order: float32 rounding only
        got = Spectrogram(batch_size=batch_size).fit_transform(x)
        np.testing.assert_allclose(got, expected, atol=1e-4)


def test_progress_bar(capsys):
    x = _signals(3, n_samples=1000)
    quiet = Spectrogram(batch_size=1).fit_transform(x)
    loud = Spectrogram(verbose=True, batch_size=1).fit_transform(x)
    np.testing.assert_array_equal(loud, quiet)
    assert "Spectrogram" in capsys.readouterr().err


@pytest.mark.parametrize(
    "x, message",
    [
        (np.full((2, 1000), np.nan), "NaN"),
        (np.full((2, 1000), np.inf), "infinity"),
        (np.zeros((2, 1, 1, 1000)), r"expects raw segments .* shape \(2, 1, 1, 1000\)"),
        (np.zeros(1000), "Expected 2D array"),
        (np.zeros((2, 509)), r"509 samples are too short.* 510 samples"),
    ],
)
def test_bad_input(x, message):
    with pytest.raises(ValueError, match=message):
        Spectrogram().fit(x)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"noverlap": 500}, "noverlap=500 must be smaller than nperseg=500"),
        ({"out_shape": (48,)}, "out_shape must be two ints"),
        ({"out_shape": (48, 1)}, "out_shape must be two ints"),
        ({"window": np.ones(10)}, "explicit window needs nperseg=500"),
        ({"signal_names": ["a", "b"]}, "signal_names has 2 names but X has 1"),
        ({"nperseg": 1}, "nperseg"),
        ({"fs": 0}, "fs"),
    ],
)
def test_bad_parameters(params, message):
    with pytest.raises(ValueError, match=message):
        Spectrogram(**params).fit(_signals(1, n_samples=1000))


def test_transform_checks_the_layout_seen_in_fit():
    spectrogram = Spectrogram()
    with pytest.raises(NotFittedError):
        spectrogram.transform(_signals(1, n_samples=1000))
    spectrogram.fit(_signals(2, n_samples=1000))
    with pytest.raises(ValueError, match=r"X has 1 signal\(s\) of 1200 samples.* 1000 samples"):
        spectrogram.transform(_signals(2, n_samples=1200))
    with pytest.raises(ValueError, match=r"X has 2 signal\(s\).* fitted on 1 signal"):
        spectrogram.transform(np.zeros((2, 2, 1000)))


def test_clone_pickle_and_params():
    spectrogram = Spectrogram(out_shape=(16, 16), flatten=True, n_jobs=2)
    cloned = clone(spectrogram)
    assert cloned.get_params() == spectrogram.get_params()
    cloned.set_params(out_shape=(8, 8), full_coverage=True)
    assert cloned.out_shape == (8, 8) and spectrogram.out_shape == (16, 16)
    x = _signals(3, n_samples=1000)
    fitted = spectrogram.fit(x)
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.transform(x), fitted.transform(x))
    assert not hasattr(clone(fitted), "segment_length_")


def test_feature_names_and_pandas_output():
    x = np.stack([_signals(2, n_samples=1000), _signals(2, n_samples=1000, seed=1)], axis=1)
    spectrogram = Spectrogram(flatten=True, out_shape=(4, 12), signal_names=("Acc", "Gyr"))
    spectrogram.fit(x)
    names = spectrogram.get_feature_names_out()
    assert names.shape == (2 * 4 * 12,)
    assert names[0] == "Acc__f00_t00" and names[13] == "Acc__f01_t01"
    assert names[-1] == "Gyr__f03_t11"
    frame = spectrogram.set_output(transform="pandas").transform(x)
    assert list(frame.columns) == list(names)
    assert Spectrogram(flatten=True).fit(x[:, 0]).get_feature_names_out()[0] == ("signal0__f00_t00")
    assert not hasattr(Spectrogram().fit(x), "get_feature_names_out")


def test_tags():
    tags = Spectrogram().__sklearn_tags__()
    assert tags.input_tags.three_d_array and tags.input_tags.two_d_array
    assert tags.transformer_tags.preserves_dtype == ["float32"]


def _labelled_segments():
    rng = np.random.default_rng(0)
    t = np.arange(1000) / FS
    y = np.repeat([0, 1], 12)
    freq = np.where(y == 0, 2.0, 8.0)[:, None] + rng.uniform(-0.3, 0.3, size=(24, 1))
    x = np.sin(2 * np.pi * freq * t) + 0.5 * rng.standard_normal((24, 1000))
    return np.stack([x, rng.standard_normal((24, 1000))], axis=1), y


def test_pipeline_and_grid_search():
    x, y = _labelled_segments()
    pipe = Pipeline(
        [
            ("spectrogram", Spectrogram(flatten=True, out_shape=(8, 4))),
            ("scale", StandardScaler()),
            ("clf", LogisticRegression(max_iter=500)),
        ]
    )
    assert pipe.fit(x, y).score(x, y) == 1.0
    search = GridSearchCV(
        pipe,
        {"spectrogram__out_shape": [(8, 4), (12, 3)], "spectrogram__skip_dc": [False, True]},
        cv=2,
    )
    search.fit(x, y)
    assert search.best_params_["spectrogram__out_shape"] in [(8, 4), (12, 3)]
    assert search.best_estimator_.named_steps["spectrogram"].segment_length_ == 1000
    assert search.predict(x).shape == (24,)
