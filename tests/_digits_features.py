"""Penultimate features of two small networks trained on scikit-learn's digits.

Two scikit-learn MLPs (one ReLU hidden layer, softmax output) with different
seeds stand in for two trained networks: their hidden activations are the
features, their output layer the class components. No torch needed.
"""

from __future__ import annotations

import warnings
from functools import cache

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

from sklearn_ccafusion.study import NetworkFeatures


@cache
def digits_networks(n_nets=2, hidden=64, max_iter=200):
    digits = load_digits()
    X = digits.data / 16.0
    X_train, X_val, y_train, y_val = train_test_split(
        X, digits.target, test_size=0.3, random_state=0, stratify=digits.target
    )
    nets = []
    for seed in range(n_nets):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            mlp = MLPClassifier((hidden,), max_iter=max_iter, random_state=seed, alpha=1e-3)
            mlp.fit(X_train, y_train)

        def hidden_features(X, mlp=mlp):
            return np.maximum(X @ mlp.coefs_[0] + mlp.intercepts_[0], 0.0)

        nets.append(
            NetworkFeatures(
                hidden_features(X_train),
                hidden_features(X_val),
                mlp.coefs_[1].T,
                mlp.intercepts_[1],
            )
        )
    return tuple(nets), y_train, y_val
