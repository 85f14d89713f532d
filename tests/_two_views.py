"""Small two-view data generators shared by the tests."""

from __future__ import annotations

import numpy as np


def make_deep_views(
    n_samples=600,
    n_features=(20, 16),
    n_shared=4,
    rng=None,
    condition=1e3,
    dead=0,
    duplicated=0,
):
    """Two views of non-negative, ill-conditioned 'deep' features sharing a latent.

    About half of the entries are zero (ReLU), a few directions are strongly
    correlated across views, column scales span ``condition``; ``dead`` zero
    columns and ``duplicated`` repeated columns are appended to each view.
    """
    rng = np.random.default_rng(rng)
    shared = rng.normal(size=(n_samples, n_shared))
    views = []
    for width in n_features:
        private = rng.normal(size=(n_samples, width))
        mix = rng.normal(size=(n_shared, width))
        pre = shared @ mix + 0.7 * private
        scales = np.logspace(0, np.log10(condition), width) / condition**0.5
        view = np.maximum(pre, 0.0) * scales
        if duplicated:
            view = np.hstack([view, view[:, :duplicated]])
        if dead:
            view = np.hstack([view, np.zeros((n_samples, dead))])
        views.append(view)
    return views
