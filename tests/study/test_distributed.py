"""The study and joint training on a real dask.distributed cluster of worker processes.

``joblib.parallel_config(backend="dask")`` sends the same joblib tasks to the
cluster's workers; the results must equal those computed in this process.
"""

from __future__ import annotations

import joblib
import numpy as np
import pytest
from numpy.testing import assert_allclose

from tests._digits_features import digits_networks

distributed = pytest.importorskip("distributed")

KEYS = ["pair", "method", "n", "repeat", "head", "metric"]


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    with cluster, distributed.Client(cluster) as client:
        yield client


def test_subspace_study_on_a_dask_cluster(client):
    from sklearn_ccafusion.study import subspace_study

    (net, partner), y_train, y_val = digits_networks()
    kwargs = {
        "methods": ["cca_highest", "random_projection"],
        "dimensions": [1, 10],
        "repeats": 2,
        "random_state": 0,
        "progress": False,
    }
    local = subspace_study(net, partner, y_train, y_val, n_jobs=1, **kwargs)
    with joblib.parallel_config(backend="dask"):
        remote = subspace_study(net, partner, y_train, y_val, n_jobs=2, **kwargs)
    workers = set(client.run(lambda: 1))
    assert len(workers) == 2
    local = local.sort_values(KEYS).reset_index(drop=True)
    remote = remote.sort_values(KEYS).reset_index(drop=True)
    assert local[KEYS].equals(remote[KEYS])
    assert_allclose(remote["score"], local["score"], rtol=1e-9, atol=1e-12)


@pytest.mark.slow  # each worker imports torch
def test_groups_of_nets_on_a_dask_cluster(client):
    """Two groups of jointly trained nets as two tasks on the cluster's workers."""
    from sklearn.datasets import load_digits

    from sklearn_ccafusion.nets import MLPNet, SensorNetClassifier, fit_jointly

    X, y = load_digits(return_X_y=True)
    X, y = X[:400] / 16, y[:400]

    def nets():
        return [
            SensorNetClassifier(
                MLPNet,
                module__n_features=64,
                module__n_classes=10,
                module__hidden=16,
                max_epochs=2,
                random_state=seed,
            )
            for seed in range(4)
        ]

    local = fit_jointly(nets(), X, y)
    with joblib.parallel_config(backend="dask"):
        remote = fit_jointly(nets(), X, y, max_group_size=2, n_jobs=2)
    for a, b in zip(remote, local):
        assert_allclose(a.transform(X), b.transform(X), rtol=1e-5, atol=1e-5)
    assert np.abs(remote[0].class_components_ - remote[1].class_components_).max() > 1e-3
