"""Representation similarity measures, and the class-subspace alignment.

All functions take two arrays of shape (n_samples, n_features_i), with the
same samples in the same order and any widths, and return similarities
(higher means more alike).

References
----------
Raghu, Gilmer, Yosinski and Sohl-Dickstein (2017), "SVCCA: Singular Vector
Canonical Correlation Analysis for Deep Learning Dynamics and Interpretability".
Morcos, Raghu and Bengio (2018), "Insights on representational similarity in
neural networks with canonical correlation" (PWCCA).
Kornblith, Norouzi, Lee and Hinton (2019), "Similarity of Neural Network
Representations Revisited" (CKA).
Winkler, Renaud, Smith and Nichols (2020), "Permutation inference for canonical
correlation analysis" (the sequential permutation test).
Moreau, Vassilev and Chen (2021), "When Neural Networks Using Different Sensors
Create Similar Features".
"""

from sklearn_ccafusion.similarity._measures import (
    class_subspace_alignment,
    linear_cka,
    pwcca,
    svcca,
)
from sklearn_ccafusion.similarity._pair_moments import PairMoments
from sklearn_ccafusion.similarity._permutation_test import permutation_test
from sklearn_ccafusion.similarity._streaming import stream_layer_similarity

__all__ = [
    "PairMoments",
    "class_subspace_alignment",
    "linear_cka",
    "permutation_test",
    "pwcca",
    "stream_layer_similarity",
    "svcca",
]
