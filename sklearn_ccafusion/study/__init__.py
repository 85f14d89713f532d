"""Experiments of the study as functions returning tidy DataFrames."""

from sklearn_ccafusion.study._bootstrap import bootstrap_scores, headline_predictions
from sklearn_ccafusion.study._cache import TaskCache, fingerprint
from sklearn_ccafusion.study._features import NetworkFeatures
from sklearn_ccafusion.study._fusion import fusion_study
from sklearn_ccafusion.study._layers import SIMILARITY_MEASURES, layer_study
from sklearn_ccafusion.study._subspace import (
    CCA_METHODS,
    RANDOM_METHODS,
    cross_sensor_study,
    default_dimensions,
    subspace_study,
)
from sklearn_ccafusion.study._summary import summarize_study
from sklearn_ccafusion.study._synthetic_features import make_planted_features

__all__ = [
    "CCA_METHODS",
    "RANDOM_METHODS",
    "SIMILARITY_MEASURES",
    "NetworkFeatures",
    "bootstrap_scores",
    "TaskCache",
    "cross_sensor_study",
    "default_dimensions",
    "fingerprint",
    "fusion_study",
    "headline_predictions",
    "layer_study",
    "make_planted_features",
    "subspace_study",
    "summarize_study",
]
