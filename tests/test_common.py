"""scikit-learn's estimator checks over every public estimator of the package.

Estimators are discovered, so a new one cannot escape the checks: it is either
checked here or listed in ``EXCLUDED`` with the reason and its own tests.
"""

from __future__ import annotations

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_ccafusion.subspace import METHODS
from sklearn_ccafusion.utils import all_estimators

# Estimators whose input is not a 2-D float table; their own test files cover
# clone, pickle, Pipeline and GridSearchCV.
EXCLUDED: dict[str, str] = {
    "Spectrogram": (
        "input is raw sensor segments, (n_segments, n_samples) or (n_segments, n_signals, "
        "n_samples), each at least 2 * nperseg - noverlap (510 by default) samples long, and "
        "its output is 4-D unless flatten=True; the common checks' small 2-D tables do not "
        "fit. tests/preprocessing/test_spectrogram.py covers clone, pickle, Pipeline, "
        "GridSearchCV, set_output and parameter validation."
    ),
    "SensorNetClassifier": (
        "a torch network: it needs a module (and module__* arguments) to exist, its input "
        "is whatever that module takes (images (n, C, H, W) as well as tables), and "
        "training is stochastic; tests/nets/test_classifier.py covers clone, pickle, "
        "Pipeline, GridSearchCV, determinism, dtypes, not-fitted errors and learning."
    ),
    "AcceleratedSensorNetClassifier": (
        "needs a Hugging Face Accelerate accelerator and a module; "
        "tests/nets/test_accelerate.py trains it with a stand-in accelerator and "
        "SensorNetClassifier's tests cover the rest."
    ),
    "NetFeatures": (
        "its required nets parameter is a list of (name, network) pairs and its input is "
        "what those networks take (images or tables); tests/nets/test_features.py covers "
        "clone, pickle, nested set_params, Pipeline, GridSearchCV, pandas output, "
        "save/load and bad inputs."
    ),
    "LayerFeatures": (
        "its required module parameter is a torch network and its input is what that "
        "network takes (images or tables); tests/nets/test_layers.py covers clone of a "
        "frozen net, pickle, Pipeline, pandas output, nested layer names and bad inputs."
    ),
}

# Constructor arguments that keep the checks fast or make them applicable.
INIT_PARAMS: dict[str, dict] = {}

# Checks that cannot pass, with the reason.
EXPECTED_FAILED_CHECKS: dict[str, dict[str, str]] = {}

# Extra configurations worth checking on top of the defaults.
EXTRA_INSTANCES: dict[str, list[dict]] = {
    "CCAProjector": [{"output": "both"}, {"output": "sum"}, {"reg": 0.5}],
    "PCAWhitener": [{"whiten": False}, {"n_components": 2}],
    "SubspaceProjector": [
        {"method": method, "n_components": 1, "random_state": 0} for method in sorted(METHODS)
    ],
    "ClassLayerClassifier": [{"class_weight": "balanced"}],
    "LogitAverageFusion": [{"combine": "proba"}],
    "CCASumFusion": [{"fusion": "concat"}],
    "KernelELMClassifier": [{"solver": "nystroem", "n_components": 20, "random_state": 0}],
}


def _instances():
    for name, cls in all_estimators():
        if name in EXCLUDED:
            continue
        yield cls(**INIT_PARAMS.get(name, {}))
        for params in EXTRA_INSTANCES.get(name, []):
            yield cls(**{**INIT_PARAMS.get(name, {}), **params})


def _expected_failed_checks(estimator):
    return EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {})


# The checks' tables are mostly 3 columns wide: an odd width that the multi-view
# estimators split (2, 1) with a warning that the views may be unequal.
@pytest.mark.filterwarnings("ignore:.*no view_sizes, which cannot be:UserWarning")
@parametrize_with_checks(list(_instances()), expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def test_every_estimator_is_checked_or_excused():
    names = {name for name, _ in all_estimators()}
    assert {"CCAProjector", "PCAWhitener"} <= names
    assert set(EXCLUDED) <= names, "an excluded estimator no longer exists"
    for name, reason in EXCLUDED.items():
        assert len(reason) > 20, f"{name} is excluded without a written reason"
    assert set(INIT_PARAMS) <= names and set(EXPECTED_FAILED_CHECKS) <= names
