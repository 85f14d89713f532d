"""Preprocessing of raw sensor signals."""

from ._spectrogram import Spectrogram

__all__ = ["Spectrogram"]
