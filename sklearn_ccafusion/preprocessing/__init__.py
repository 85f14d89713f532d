"""Preprocessing of raw sensor signals: streams on one grid, spectrograms, windows, scaling."""

from sklearn_ccafusion.preprocessing._align import align_streams
from sklearn_ccafusion.preprocessing._channels import ChannelStandardizer
from sklearn_ccafusion.preprocessing._spectrogram import Spectrogram
from sklearn_ccafusion.preprocessing._windows import LABEL_RULES, sliding_windows

__all__ = [
    "LABEL_RULES",
    "ChannelStandardizer",
    "Spectrogram",
    "align_streams",
    "sliding_windows",
]
