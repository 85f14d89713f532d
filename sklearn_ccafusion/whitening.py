"""PCA whitening from mergeable moments: :class:`PCAWhitener`.

Kept as a public path; the estimator lives in :mod:`sklearn_ccafusion.cca`.
"""

from sklearn_ccafusion.cca._whitening import PCAWhitener

__all__ = ["PCAWhitener"]
