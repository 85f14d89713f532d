"""Fusion of two views' features: CCA-sum (early) and logit averaging (late)."""

from sklearn_ccafusion.fusion._cca_sum import CCASumFusion
from sklearn_ccafusion.fusion._logit_average import LogitAverageFusion

__all__ = ["CCASumFusion", "LogitAverageFusion"]
