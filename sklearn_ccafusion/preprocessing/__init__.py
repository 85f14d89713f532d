"""Preprocessing of raw sensor signals: spectrograms, windows, per-channel scaling."""

from sklearn_ccafusion.preprocessing._channels import ChannelStandardizer
from sklearn_ccafusion.preprocessing._spectrogram import Spectrogram
from sklearn_ccafusion.preprocessing._windows import LABEL_RULES, sliding_windows

__all__ = ["LABEL_RULES", "ChannelStandardizer", "Spectrogram", "sliding_windows"]
