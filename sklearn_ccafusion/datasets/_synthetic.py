"""Synthetic SHL-like smartphone signals for 8 modes of locomotion and transportation.

Each segment gets, per sensor (accelerometer, gyrometer, magnetometer), a motion waveform
``m(t)`` built in the frequency domain as a sum of independent components, each a Gaussian
bump on a log-frequency axis with a random-phase spectrum and a chosen RMS:

- gait: harmonics of the step frequency (walk 1.5-2.1 Hz, run 2.3-3.2 Hz) in the
  accelerometer, of the stride frequency (half of it) in the gyrometer (thigh swing of a
  phone in a trouser pocket), and the pedalling cadence for bikes;
- vehicles: engine and road vibration (class-dependent band and level), low-frequency
  accelerations and turns; magnetic disturbances from traction currents (strong for
  trains, stronger for subways) and car or bus bodies;
- everywhere: sensor noise, phone handling, slow magnetic variations along the way.

The moving part is switched off during pauses (traffic lights, stations, bus stops),
drawn per 5 s block. Every amplitude, frequency, pause, noise level, phone orientation and
the local Earth field varies from segment to segment. A sensor's axes are
``offset + direction * m(t)`` (gravity or the Earth field as offset) and its norm the
norm of that vector, so ``Acc_norm`` ~ 9.81 m/s2, ``Mag_norm`` ~ 40-55 uT.

By construction the accelerometer separates most classes, the gyrometer confuses the
vehicles, and the magnetometer mostly sees trains and subways: per-sensor classifiers come
out accelerometer best, magnetometer worst, as on the real SHL data.
"""

from __future__ import annotations

import re
from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed
from numpy.typing import NDArray
from sklearn.utils import Bunch, check_random_state
from sklearn.utils._param_validation import Interval, validate_params

from sklearn_ccafusion.datasets._shl2018 import SHL2018_CLASSES

__all__ = ["make_multisensor_classification"]

_SENSORS = ("Acc", "Gyr", "Mag")
_SIGNAL = re.compile(r"(Acc|Gyr|Mag)_(x|y|z|norm)")
_CHUNK = 256  # segments drawn together (fixed, so results do not depend on n_jobs)
_BLOCK_SECONDS = 5.0  # resolution of the pauses
# Class proportions of the 16,310 SHL 2018 train segments (middle-sample labels).
_SHL_COUNTS = np.array([2302, 2190, 686, 2101, 2475, 2083, 2520, 1953], dtype=float)
# Probability that a 5 s block is a pause, per class.
_PAUSE = (1.0, 0.15, 0.08, 0.2, 0.25, 0.4, 0.3, 0.35)
# Step frequency (Hz) of walk and run, pedalling cadence of bike; None: no gait.
_GAIT = (None, (1.5, 2.1), (2.3, 3.2), (0.9, 1.6), None, None, None, None)

# Components per sensor and class: (centre Hz, log-width, rms low, rms high, moving).
# A centre given as ("gait", h) is h times the segment's gait frequency (narrow bump).
# "moving" components stop during pauses.
_COMPONENTS = {
    "Acc": {  # m/s2
        "common": [(1.0, 0.8, 0.0, 0.15, False), ("white", None, 0.01, 0.03, False)],
        0: [(0.5, 0.6, 0.0, 0.06, False)],
        1: [
            (("gait", 1), 0.03, 1.0, 2.5, True),
            (("gait", 2), 0.03, 0.4, 1.2, True),
            (("gait", 3), 0.03, 0.2, 0.6, True),
        ],
        2: [
            (("gait", 1), 0.03, 3.0, 7.0, True),
            (("gait", 2), 0.03, 1.5, 4.0, True),
            (("gait", 3), 0.03, 0.8, 2.0, True),
        ],
        3: [(("gait", 2), 0.05, 0.3, 1.0, True), (8.0, 0.6, 0.3, 1.0, True)],
        4: [((12.0, 25.0), 0.4, 0.1, 0.4, True), (0.3, 0.8, 0.2, 0.6, True)],
        5: [((8.0, 18.0), 0.5, 0.15, 0.5, True), (0.3, 0.8, 0.3, 0.8, True)],
        6: [((3.0, 10.0), 0.6, 0.05, 0.25, True), (0.2, 0.8, 0.05, 0.2, True)],
        7: [((5.0, 15.0), 0.6, 0.1, 0.35, True), (0.2, 0.8, 0.1, 0.4, True)],
    },
    "Gyr": {  # rad/s
        "common": [(0.5, 0.8, 0.0, 0.1, False), ("white", None, 0.005, 0.02, False)],
        0: [],
        1: [
            (("gait", 0.5), 0.03, 0.5, 1.5, True),
            (("gait", 1), 0.03, 0.2, 0.6, True),
            (0.05, 1.0, 0.05, 0.3, True),
        ],
        2: [
            (("gait", 0.5), 0.03, 1.5, 3.5, True),
            (("gait", 1), 0.03, 0.7, 1.8, True),
            (0.05, 1.0, 0.05, 0.3, True),
        ],
        3: [(("gait", 1), 0.05, 0.5, 1.5, True), (0.05, 1.0, 0.05, 0.3, True)],
        4: [(0.05, 1.0, 0.05, 0.2, True), ((12.0, 25.0), 0.4, 0.01, 0.05, True)],
        5: [(0.05, 1.0, 0.03, 0.15, True), ((8.0, 18.0), 0.5, 0.01, 0.05, True)],
        6: [(0.05, 1.0, 0.01, 0.05, True), ((3.0, 10.0), 0.6, 0.005, 0.02, True)],
        7: [(0.05, 1.0, 0.02, 0.08, True), ((5.0, 15.0), 0.6, 0.01, 0.03, True)],
    },
    "Mag": {  # uT
        "common": [(0.1, 1.0, 0.2, 2.0, False), ("white", None, 0.2, 0.5, False)],
        0: [],
        1: [(("gait", 0.5), 0.05, 0.1, 1.0, True)],
        2: [(("gait", 0.5), 0.05, 0.1, 1.0, True)],
        3: [(("gait", 1), 0.05, 0.1, 1.0, True)],
        4: [((0.5, 3.0), 0.8, 0.3, 1.5, True)],
        5: [((0.3, 2.0), 0.8, 0.3, 2.0, True)],
        6: [((0.1, 1.0), 0.8, 2.0, 10.0, True)],
        7: [((0.1, 1.0), 0.8, 5.0, 20.0, True)],
    },
}
_OFFSET = {"Acc": (9.81, 9.81), "Gyr": (0.0, 0.0), "Mag": (40.0, 55.0)}

_DESCR = """\
Synthetic SHL-like multi-sensor segments
----------------------------------------
{n} segments of {length} samples at {fs:g} Hz, {n_classes} classes ({classes}), signals {signals}.
Generated by sklearn_ccafusion.datasets.make_multisensor_classification: class-dependent gait
(step, stride, pedalling) harmonics, vehicle vibration and accelerations, magnetic disturbances
of vehicles (strong for trains and subways), pauses, sensor noise and per-segment variation of
every parameter. A stand-in for the SHL 2018 challenge data, not a model of it.
"""


def _bump(log_f: NDArray, centre: NDArray, width: float) -> NDArray:
    """Gaussian bump on the log-frequency axis, one row per segment."""
    z = (log_f[None, :] - np.log(centre)[:, None]) / width
    return np.exp(-0.5 * z * z, dtype=np.float32)


def _motion(rng, target, gait, pauses, sensor, n_samples, fs) -> NDArray:
    """Motion waveform ``m(t)`` of one sensor for a chunk of segments sorted by class."""
    n = target.shape[0]
    n_bins = n_samples // 2 + 1
    freqs = np.fft.rfftfreq(n_samples, d=1.0 / fs)
    log_f = np.log(np.maximum(freqs, freqs[1] / 2))
    # Variance per bin of the moving (index 0) and steady (index 1) parts.
    variance = np.zeros((2, n, n_bins), dtype=np.float32)
    table = _COMPONENTS[sensor]
    bounds = np.searchsorted(target, np.arange(len(_PAUSE) + 1))
    for label in np.unique(target):
        rows = slice(bounds[label], bounds[label + 1])
        n_rows = rows.stop - rows.start
        for centre, width, low, high, moving in table["common"] + table[label]:
            rms = rng.uniform(low, high, size=n_rows)
            if centre == "white":
                shape = np.ones((n_rows, n_bins), dtype=np.float32)
                shape[:, 0] = 0.0
            else:
                if isinstance(centre, tuple) and centre[0] == "gait":
                    f0 = gait[rows] * centre[1]
                elif isinstance(centre, tuple):
                    f0 = rng.uniform(*centre, size=n_rows)
                else:
                    f0 = centre * rng.uniform(0.8, 1.25, size=n_rows)
                shape = _bump(log_f, f0, width)
                shape[:, 0] = 0.0
            shape *= shape
            # irfft(norm="ortho") of N(0, s_k^2) real and imaginary parts has variance
            # 4 sum(s_k^2) / n_samples: scale the bump to the drawn rms.
            total = shape.sum(axis=1, keepdims=True)
            shape *= (rms**2 * n_samples / 4.0)[:, None] / np.maximum(total, 1e-30)
            variance[0 if moving else 1, rows] += shape
    # Unit-variance real and imaginary parts; uniform draws are twice as fast as normal
    # ones, and each time sample sums many bins, so it is Gaussian all the same.
    parts = rng.random((2, n, n_bins, 2), dtype=np.float32)
    parts -= np.float32(0.5)
    parts *= np.float32(np.sqrt(12.0))
    spectrum = parts.view(np.complex64)[..., 0]
    spectrum *= np.sqrt(variance)
    moving, steady = np.fft.irfft(spectrum, n=n_samples, axis=-1, norm="ortho").astype(
        np.float32, copy=False
    )
    moving *= pauses
    moving += steady
    return moving


def _pauses(rng, target, n_samples, fs) -> NDArray:
    """On/off envelope of the moving components, 5 s blocks with linear ramps."""
    n = target.shape[0]
    n_blocks = int(np.ceil(n_samples / (_BLOCK_SECONDS * fs))) + 1
    p_pause = np.asarray(_PAUSE, dtype=float)[target]
    blocks = (rng.random((n, n_blocks)) >= p_pause[:, None]).astype(np.float32)
    position = np.arange(n_samples) / (_BLOCK_SECONDS * fs)
    left = np.minimum(position.astype(int), n_blocks - 2)
    weight = (position - left).astype(np.float32)
    return blocks[:, left] * (1 - weight) + blocks[:, left + 1] * weight


def _unit(rng, size, bias=None, spread=1.0) -> NDArray:
    v = spread * rng.standard_normal((size, 3))
    if bias is not None:
        v += bias
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _chunk(seed, target, signals, n_samples, fs) -> NDArray:
    """Signals of a chunk of segments sorted by class, shape (n, n_signals, n_samples)."""
    rng = np.random.default_rng(seed)
    n = target.shape[0]
    gait = np.ones(n)
    for label, span in enumerate(_GAIT):
        rows = target == label
        if span is not None:
            gait[rows] = rng.uniform(*span, size=int(rows.sum()))
    pauses = _pauses(rng, target, n_samples, fs)
    out = np.empty((n, len(signals), n_samples), dtype=np.float32)
    for sensor in _SENSORS:
        wanted = [(i, axis) for i, (s, axis) in enumerate(signals) if s == sensor]
        if not wanted:
            continue
        m = _motion(rng, target, gait, pauses, sensor, n_samples, fs)
        offset_dir = _unit(rng, n)
        offset = rng.uniform(*_OFFSET[sensor], size=n)[:, None] * offset_dir
        if sensor == "Acc":  # body motion mostly along gravity (vertical bounce)
            direction = _unit(rng, n, bias=offset_dir, spread=0.5)
        elif sensor == "Gyr":  # thigh swing turns the pocket phone about its y axis
            direction = _unit(rng, n, bias=np.array([0.0, 1.0, 0.0]), spread=0.3)
        else:
            direction = _unit(rng, n)
        for i, axis in wanted:
            if axis == "norm":
                dot = np.sum(offset * direction, axis=1).astype(np.float32)[:, None]
                sq = np.sum(offset * offset, axis=1).astype(np.float32)[:, None]
                value = m * (m + 2 * dot) + sq  # |offset + direction m|^2
                np.sqrt(np.maximum(value, 0, out=value), out=out[:, i])
            else:
                k = "xyz".index(axis)
                out[:, i] = offset[:, k : k + 1] + direction[:, k : k + 1] * m
    return out


def _class_counts(n_samples: int, weights: NDArray) -> NDArray:
    """Largest-remainder counts, at least one per class when possible."""
    exact = weights * n_samples
    counts = np.floor(exact).astype(int)
    if n_samples >= weights.shape[0]:
        counts = np.maximum(counts, 1)
    while counts.sum() > n_samples:
        counts[np.argmax(counts)] -= 1
    order = np.argsort(-(exact - np.floor(exact)), kind="stable")
    for k in range(n_samples - counts.sum()):
        counts[order[k % order.shape[0]]] += 1
    return counts


@validate_params(
    {
        "n_samples": [Interval(Integral, 1, None, closed="left")],
        "n_classes": [Interval(Integral, 2, len(SHL2018_CLASSES), closed="both")],
        "signals": [str, list, tuple],
        "segment_length": [Interval(Integral, 16, None, closed="left")],
        "sampling_rate": [Interval(Real, 0, None, closed="neither")],
        "weights": ["array-like", None],
        "random_state": ["random_state"],
        "n_jobs": [Integral, None],
        "return_X_y": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def make_multisensor_classification(
    n_samples=1000,
    *,
    n_classes=8,
    signals=("Acc_norm", "Gyr_y", "Mag_norm"),
    segment_length=6000,
    sampling_rate=100.0,
    weights=None,
    random_state=None,
    n_jobs=None,
    return_X_y=False,
):
    """Generate SHL-like raw smartphone signals for modes of locomotion and transportation.

    Segments of accelerometer, gyrometer and magnetometer signals for the 8 classes of the
    SHL 2018 challenge (Still, Walk, Run, Bike, Car, Bus, Train, Subway): gait harmonics
    (step frequency in the accelerometer, stride frequency in the gyrometer, pedalling for
    bikes), vehicle vibration, accelerations and turns, magnetic disturbances of vehicles
    (strong for trains and subways), pauses, sensor noise, and per-segment variation of
    every parameter (amplitudes, frequencies, phone orientation, Earth field). The output
    has the layout of :func:`load_shl2018` and feeds :class:`~sklearn_ccafusion.
    preprocessing.Spectrogram` directly, so the whole SHL pipeline runs without the data.
    Per-sensor classifiers reach different accuracies, accelerometer best and magnetometer
    worst, as on the real data.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of segments.
    n_classes : int, default=8
        Number of classes, 2..8: the first ``n_classes`` of Still, Walk, Run, Bike, Car,
        Bus, Train, Subway.
    signals : str or sequence of str, default=("Acc_norm", "Gyr_y", "Mag_norm")
        Signals, among ``<Sensor>_x``, ``_y``, ``_z`` and ``_norm`` for the sensors
        ``Acc`` (m/s2, with gravity), ``Gyr`` (rad/s) and ``Mag`` (uT).
    segment_length : int, default=6000
        Samples per segment (6,000 = 60 s at 100 Hz as SHL; shorter segments make quick
        runs, e.g. 1,000 for 10 s; :class:`Spectrogram` needs at least 510 with its
        defaults).
    sampling_rate : float, default=100.0
        Sampling rate in Hz.
    weights : array-like of shape (n_classes,) or None, default=None
        Class proportions; ``None`` uses those of the SHL 2018 train set. Counts are
        rounded deterministically (each class gets a segment when ``n_samples`` allows).
    random_state : int, RandomState instance or None, default=None
        Seed of the generator. Pass an int for reproducible output.
    n_jobs : int or None, default=None
        Threads generating chunks of 256 segments (the output does not depend on it).
    return_X_y : bool, default=False
        ``True`` returns ``(data, target)`` instead of the Bunch (scikit-learn's
        loaders' convention); the other attributes are then not returned.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with attributes ``data`` (ndarray of shape (n_samples,
        n_signals, segment_length), float32), ``target`` (int64 class indices, shuffled),
        ``target_names``, ``signal_names``, ``sampling_rate`` and ``DESCR``.
    (data, target) : tuple of ndarray
        With ``return_X_y=True``: ``data`` and ``target`` as above.

    Examples
    --------
    >>> shl = make_multisensor_classification(16, segment_length=1000, random_state=0)
    >>> shl.data.shape, shl.data.dtype
    ((16, 3, 1000), dtype('float32'))
    >>> shl.signal_names
    ['Acc_norm', 'Gyr_y', 'Mag_norm']
    >>> sorted(set(shl.target_names[shl.target])) == sorted(shl.target_names)
    True
    >>> bool(abs(shl.data[:, 0].mean() - 9.81) < 1)
    True
    """
    signal_names = [signals] if isinstance(signals, str) else list(signals)
    if not signal_names:
        raise ValueError("signals must name at least one signal.")
    parsed = []
    for name in signal_names:
        match = _SIGNAL.fullmatch(str(name))
        if match is None:
            raise ValueError(
                f"Unknown signal {name!r}: use <Sensor>_x, _y, _z or _norm with Sensor in "
                f"{', '.join(_SENSORS)}."
            )
        parsed.append((match.group(1), match.group(2)))
    if weights is None:
        weights = _SHL_COUNTS[:n_classes]
    weights = np.asarray(weights, dtype=float)
    if weights.shape != (n_classes,) or np.any(weights < 0) or weights.sum() <= 0:
        raise ValueError(
            f"weights must hold {n_classes} non-negative proportions, got {weights!r}."
        )
    weights = weights / weights.sum()

    rng = check_random_state(random_state)
    counts = _class_counts(n_samples, weights)
    target = rng.permutation(np.repeat(np.arange(n_classes), counts)).astype(np.int64)
    starts = range(0, n_samples, _CHUNK)
    seeds = np.random.SeedSequence(rng.randint(0, 2**31 - 1, size=4)).spawn(len(starts))
    data = np.empty((n_samples, len(parsed), segment_length), dtype=np.float32)

    def task(start, seed):
        order = np.argsort(target[start : start + _CHUNK], kind="stable")
        data[start + order] = _chunk(
            seed, target[start + order], parsed, segment_length, float(sampling_rate)
        )

    Parallel(n_jobs=n_jobs, require="sharedmem")(
        delayed(task)(start, seed) for start, seed in zip(starts, seeds)
    )
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        target_names=np.array(SHL2018_CLASSES[:n_classes]),
        signal_names=signal_names,
        sampling_rate=float(sampling_rate),
        DESCR=_DESCR.format(
            n=n_samples,
            length=segment_length,
            fs=float(sampling_rate),
            n_classes=n_classes,
            classes=", ".join(SHL2018_CLASSES[:n_classes]),
            signals=", ".join(signal_names),
        ),
    )
