"""Preprocessing of raw sensor signals: spectrograms, windows, per-channel scaling."""

from ._channels import ChannelStandardizer
from ._spectrogram import Spectrogram
from ._windows import LABEL_RULES, sliding_windows

__all__ = ["LABEL_RULES", "ChannelStandardizer", "Spectrogram", "sliding_windows"]
