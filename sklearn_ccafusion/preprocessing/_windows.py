"""Recordings to fixed-length windows: the input of a time-series network.

A recording is a ``(time, channels)`` array (one row per sample, one column per
sensor axis); :func:`sliding_windows` cuts each recording into windows of
``window`` samples every ``step`` samples, channels first, and gives each window a
label (from per-sample labels, by a rule) and a group (its recording, or the
recording's subject), so that a split can keep each group on one side.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import ArrayLike, NDArray
from sklearn.utils import Bunch

from sklearn_ccafusion.utils._labels import as_class_labels

__all__ = ["LABEL_RULES", "sliding_windows"]


def _majority(codes: NDArray, starts: NDArray, window: int, n_labels: int) -> NDArray:
    # counts of every label in every window from cumulative one-hot sums: O(time * labels)
    onehot = np.zeros((len(codes) + 1, n_labels), dtype=np.int64)
    onehot[np.arange(1, len(codes) + 1), codes] = 1
    cumulative = np.cumsum(onehot, axis=0)
    counts = cumulative[starts + window] - cumulative[starts]
    return counts.argmax(axis=1), counts.max(axis=1)


def _rule_majority(codes, starts, window, n_labels):
    return _majority(codes, starts, window, n_labels)[0], None


def _rule_pure(codes, starts, window, n_labels):
    best, count = _majority(codes, starts, window, n_labels)
    return best, count == window


def _rule_center(codes, starts, window, n_labels):
    return codes[starts + window // 2], None


def _rule_last(codes, starts, window, n_labels):
    return codes[starts + window - 1], None


#: Rules that label a window from its samples' labels: ``"majority"`` (the most
#: frequent label; a tie goes to the label that sorts first), ``"center"`` (the label
#: of sample ``window // 2``), ``"last"`` (of the last sample: what an online
#: classifier knows), ``"pure"`` (windows whose samples share one label; the others
#: are dropped).
LABEL_RULES = {
    "majority": _rule_majority,
    "center": _rule_center,
    "last": _rule_last,
    "pure": _rule_pure,
}


def _positive_int(value: Any, name: str) -> int:
    if not isinstance(value, Integral) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive int (a number of samples), got {value!r}.")
    return int(value)


def _recordings(signals: Any) -> list[NDArray]:
    """Each recording as a ``(time, channels)`` array, all with the same channels."""
    if isinstance(signals, np.ndarray) or hasattr(signals, "iloc"):
        array = np.asarray(signals)
        if array.ndim == 3:
            recordings = list(array)
        elif array.ndim in (1, 2):
            recordings = [array]
        else:
            raise ValueError(
                f"signals has shape {array.shape}; give one recording as (time, channels) "
                "or (time,), several of equal length as (n_recordings, time, channels), "
                "or a list of recordings."
            )
    elif isinstance(signals, (list, tuple)):
        if not signals:
            raise ValueError("signals is an empty list; give at least one recording.")
        recordings = [np.asarray(r) for r in signals]
    else:
        raise TypeError(
            f"signals must be an array or a list of arrays, got {type(signals).__name__}."
        )
    out = []
    for i, rec in enumerate(recordings):
        if rec.ndim == 1:
            rec = rec[:, None]
        if rec.ndim != 2:
            raise ValueError(
                f"Recording {i} has shape {rec.shape}; each recording must be (time, "
                "channels) or (time,)."
            )
        if not (np.issubdtype(rec.dtype, np.number) or rec.dtype == bool):
            raise ValueError(f"Recording {i} is not numeric (dtype {rec.dtype}).")
        out.append(rec)
    channels = {rec.shape[1] for rec in out}
    if len(channels) > 1:
        per = [rec.shape[1] for rec in out]
        raise ValueError(
            f"Recordings have different numbers of channels {per}; every recording needs "
            "the same channels, in the same order (columns of (time, channels))."
        )
    return out


def _per_recording(values: Any, n: int, name: str, single: bool) -> list[Any]:
    """``values`` as one entry per recording (one recording: the value itself)."""
    if single:
        return [values]
    scalar = _is_scalar(values)
    if scalar or len(values) != n:
        raise ValueError(
            f"{name} must have one entry per recording ({n} recordings), got "
            f"{'a scalar' if scalar else len(values)}."
        )
    return list(values)


def _is_scalar(value: Any) -> bool:
    return (
        isinstance(value, (str, bytes))
        or not hasattr(value, "__len__")
        or (isinstance(value, np.ndarray) and value.ndim == 0)
    )


def _recording_labels(labels: Any, length: int, index: int) -> NDArray:
    """Per-sample labels of one recording (a scalar labels all of it)."""
    labels = np.asarray(labels)
    if labels.ndim == 0:
        return np.full(length, labels[()], dtype=labels.dtype)
    if labels.shape != (length,):
        raise ValueError(
            f"Labels of recording {index} have shape {labels.shape} but the recording has "
            f"{length} samples; give one label per sample, or one for the recording."
        )
    return labels


def sliding_windows(
    signals: ArrayLike | Sequence[ArrayLike],
    labels: Any = None,
    *,
    window: int,
    step: int | None = None,
    label_rule: str = "majority",
    groups: Any = None,
) -> Bunch:
    """Cut recordings into ``(n_windows, channels, window)`` windows with labels and groups.

    Windows never cross recordings: each recording of ``time`` samples gives
    ``(time - window) // step + 1`` windows, starting at ``0, step, 2 * step, ...``.

    Parameters
    ----------
    signals : array-like or list of array-like
        One recording as a ``(time, channels)`` array (``(time,)``: one channel),
        several of equal length as ``(n_recordings, time, channels)``, or a list of
        recordings of any lengths (same channels).
    labels : array-like, list or None, default=None
        Per recording (for a list or 3-D ``signals``: a list with one entry per
        recording), either one label per sample, shape ``(time,)``, or a single
        label for the whole recording. Labels may be of any type (ints, strings).
        ``None``: unlabelled windows (``target`` is ``None``).
    window : int
        Window length in samples.
    step : int or None, default=None
        Samples between the starts of consecutive windows; ``None``: ``window``
        (no overlap). ``step < window`` overlaps them.
    label_rule : {"majority", "center", "last", "pure"}, default="majority"
        How a window's label comes from its samples' labels (see
        :data:`LABEL_RULES`); ``"pure"`` drops windows that straddle a change of
        label.
    groups : array-like or None, default=None
        One group per recording (e.g. the subject), given to each of its windows.
        ``None``: the recording's index.

    Returns
    -------
    windows : sklearn.utils.Bunch
        ``data``: ndarray of shape (n_windows, channels, window), the input's float
        dtype (float32 stays float32; other dtypes become float64), a copy;
        ``target``: ndarray of shape (n_windows,) of labels, or ``None``;
        ``groups``: ndarray of shape (n_windows,);
        ``recording``: ndarray of shape (n_windows,), index of each window's
        recording; ``start``: ndarray of shape (n_windows,), its first sample there.

    Raises
    ------
    ValueError
        When ``window`` is longer than a recording (naming the recordings and their
        lengths), when labels or groups do not match the recordings, or when the
        recordings differ in channels.

    See Also
    --------
    sklearn_ccafusion.nets.TimeSeriesConvNet : A network for these windows.
    sklearn_ccafusion.datasets.train_validation_split : Split windows by group.
    ChannelStandardizer : Standardise each channel on the training windows.

    Examples
    --------
    Two recordings of 3 channels, one per subject, labelled per sample:

    >>> import numpy as np
    >>> rec = [np.zeros((100, 3)), np.ones((60, 3))]
    >>> labels = [np.repeat(["walk", "run"], 50), np.full(60, "still")]
    >>> w = sliding_windows(rec, labels, window=20, step=10, groups=["ann", "bob"])
    >>> w.data.shape, w.groups[[0, -1]].tolist()
    ((14, 3, 20), ['ann', 'bob'])
    >>> w.start[2:6].tolist(), w.target[2:6].tolist()  # 40-59: a tie, "run" sorts first
    ([20, 30, 40, 50], ['walk', 'walk', 'run', 'run'])
    """
    window = _positive_int(window, "window")
    step = window if step is None else _positive_int(step, "step")
    if label_rule not in LABEL_RULES:
        raise ValueError(f"label_rule must be one of {sorted(LABEL_RULES)}, got {label_rule!r}.")
    single = hasattr(signals, "iloc") or (isinstance(signals, np.ndarray) and signals.ndim < 3)
    recordings = _recordings(signals)
    lengths = [len(rec) for rec in recordings]
    short = [(i, n) for i, n in enumerate(lengths) if n < window]
    if short:
        listed = ", ".join(f"recording {i}: {n} samples" for i, n in short[:5])
        more = f" and {len(short) - 5} more" if len(short) > 5 else ""
        raise ValueError(
            f"window={window} is longer than {len(short)} recording(s) ({listed}{more}); "
            "use a shorter window or leave those recordings out."
        )
    n_rec = len(recordings)
    if groups is None:
        group_of = np.arange(n_rec)
    elif single and _is_scalar(groups):
        group_of = np.asarray([groups])
    else:
        group_of = np.asarray(_per_recording(groups, n_rec, "groups", False))
    per_label = None
    if labels is not None:
        per_label = [
            _recording_labels(lab, n, i)
            for i, (lab, n) in enumerate(
                zip(_per_recording(labels, n_rec, "labels", single), lengths)
            )
        ]

    dtype = np.result_type(*[rec.dtype for rec in recordings])
    dtype = dtype if np.issubdtype(dtype, np.floating) else np.float64
    codes_all, names = None, None
    if per_label is not None:
        every = as_class_labels(np.concatenate(per_label), name="labels")
        names, codes_all = np.unique(every, return_inverse=True)
        bounds = np.cumsum([0, *lengths])
    data, target, rec_out, start_out = [], [], [], []
    for i, rec in enumerate(recordings):
        starts = np.arange(0, lengths[i] - window + 1, step)
        view = sliding_window_view(rec, window, axis=0)[starts]  # (n, channels, window)
        if per_label is not None:
            codes = codes_all[bounds[i] : bounds[i + 1]]
            chosen, keep = LABEL_RULES[label_rule](codes, starts, window, len(names))
            if keep is not None:
                view, chosen, starts = view[keep], chosen[keep], starts[keep]
            target.append(names[chosen])
        data.append(view.astype(dtype, order="C"))
        rec_out.append(np.full(len(starts), i))
        start_out.append(starts)
    recording = np.concatenate(rec_out)
    return Bunch(
        data=np.ascontiguousarray(np.concatenate(data)),
        target=None if per_label is None else np.concatenate(target),
        groups=group_of[recording],
        recording=recording,
        start=np.concatenate(start_out),
    )
