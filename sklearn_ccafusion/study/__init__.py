"""Experiments of the study as functions returning tidy DataFrames."""

from sklearn_ccafusion.study._features import NetworkFeatures
from sklearn_ccafusion.study._subspace import (
    CCA_METHODS,
    RANDOM_METHODS,
    cross_sensor_study,
    default_dimensions,
    subspace_study,
    summarize_study,
)

__all__ = [
    "CCA_METHODS",
    "RANDOM_METHODS",
    "NetworkFeatures",
    "cross_sensor_study",
    "default_dimensions",
    "subspace_study",
    "summarize_study",
]
