"""The studies' scores: accuracy equal to scikit-learn's, its refusals kept."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score

from sklearn_ccafusion.study._metrics import score


@pytest.mark.parametrize("labels", [np.arange(5), np.array(["run", "sit", "walk"]), [1.0, 2.0]])
def test_accuracy_equals_scikit_learns(labels):
    rng = np.random.default_rng(0)
    for n in (1, 7, 450):
        y_true, y_pred = rng.choice(labels, n), rng.choice(labels, n)
        assert score("accuracy", y_true, y_pred) == accuracy_score(y_true, y_pred)
        assert score("f1_macro", y_true, y_pred) == f1_score(
            y_true, y_pred, average="macro", zero_division=0.0
        )


def test_accuracy_refuses_what_scikit_learn_refuses():
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        score("accuracy", [0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match="Mix of label input types"):
        score("accuracy", np.array(["a", "b"]), np.array([0, 1]))
    with pytest.raises(ValueError, match="continuous"):
        score("accuracy", np.array([0.5, 1.0]), np.array([0.5, 1.0]))
