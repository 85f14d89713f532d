"""Studies of two networks' features, each returning a tidy DataFrame."""

from sklearn_ccafusion.study._fusion import fusion_study
from sklearn_ccafusion.study._synthetic_features import make_planted_features

__all__ = ["fusion_study", "make_planted_features"]
