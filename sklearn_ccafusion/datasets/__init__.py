"""Data sets of the study: SHL 2018, CIFAR-10, a synthetic SHL-like generator, digits.

Nothing is downloaded: the real data sets are read from files the user already has, and
the synthetic and digits data work everywhere.
"""

from ._shl2018 import SHL2018_CLASSES, load_shl2018

__all__ = ["SHL2018_CLASSES", "load_shl2018"]
