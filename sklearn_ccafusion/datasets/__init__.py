"""Data sets of the study: SHL 2018, CIFAR-10, a synthetic SHL-like generator, digits.

Nothing is downloaded: the real data sets are read from files the user already has
(:func:`load_shl2018`, :func:`load_cifar10`); the synthetic generator
(:func:`make_multisensor_classification`) and scikit-learn's digits
(:func:`load_digits_views`) work everywhere. :func:`write_shl2018_folder` and
:func:`write_cifar10_folder` write synthetic data with a class signal in the official
file layouts of the real data sets, at any size, to rehearse a real run.
:func:`train_validation_split` holds out whole groups (subjects, recordings) for
validation.
"""

from sklearn_ccafusion.datasets._cifar10 import CIFAR10_CLASSES, load_cifar10
from sklearn_ccafusion.datasets._cifar10_writer import write_cifar10_folder
from sklearn_ccafusion.datasets._digits import load_digits_views
from sklearn_ccafusion.datasets._shl2018 import SHL2018_CLASSES, load_shl2018
from sklearn_ccafusion.datasets._shl2018_writer import write_shl2018_folder
from sklearn_ccafusion.datasets._split import train_validation_split
from sklearn_ccafusion.datasets._synthetic import make_multisensor_classification

__all__ = [
    "CIFAR10_CLASSES",
    "SHL2018_CLASSES",
    "load_cifar10",
    "load_digits_views",
    "load_shl2018",
    "make_multisensor_classification",
    "train_validation_split",
    "write_cifar10_folder",
    "write_shl2018_folder",
]
