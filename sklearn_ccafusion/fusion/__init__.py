"""Fusion of two views' features: CCA-sum (early) and logit averaging (late), and the
kernel extreme learning machine that Imran & Raman (2020) classify CCA-sum features with."""

from sklearn_ccafusion.fusion._cca_sum import CCASumFusion
from sklearn_ccafusion.fusion._kelm import KernelELMClassifier, make_nystroem_kelm
from sklearn_ccafusion.fusion._logit_average import LogitAverageFusion

__all__ = ["CCASumFusion", "KernelELMClassifier", "LogitAverageFusion", "make_nystroem_kelm"]
