"""A network's last linear layer as a scikit-learn classifier, applied or retrained.

:class:`ClassLayerClassifier` applies a trained layer as it is (the study's
"original head") or retrains it on exactly the training objective, class-weighted
mean cross-entropy plus coupled weight decay, by class-block preconditioned
L-BFGS (the private solvers of this subpackage).
"""

from sklearn_ccafusion.head._class_layer import ClassLayerClassifier

__all__ = ["ClassLayerClassifier"]
