"""The evidence behind the claims: resampled alignment cosines, fusion's noise floor."""

from __future__ import annotations

import numpy as np
from scipy import linalg

from sklearn_ccafusion.runs._bands import _cosines, _resampled_cosines
from sklearn_ccafusion.runs._claims import bootstrap_rows
from sklearn_ccafusion.study import fusion_study, make_planted_features


def test_resampled_cosines_equal_principal_angles_of_the_resampled_rows():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 8)) @ rng.normal(size=(8, 8))
    directions = rng.normal(size=(8, 3))
    coef = rng.normal(size=(4, 8))
    centred = coef - coef.mean(axis=0)
    rows = bootstrap_rows(120, 20, seed=1)
    fast = _resampled_cosines(X, directions, centred, rows)
    slow = [_cosines(X[r], directions, centred).mean() for r in rows]
    np.testing.assert_allclose(fast, slow, atol=1e-8)
    everything = _resampled_cosines(X, directions, centred, np.arange(120)[None])
    Xc = X - X.mean(axis=0)
    angles = linalg.subspace_angles(Xc @ directions, Xc @ centred.T)
    np.testing.assert_allclose(everything, [np.sort(np.cos(angles))[::-1][:3].mean()])


def test_fusion_study_measures_the_noise_floor_of_independent_networks():
    X1, X2, y, layers = make_planted_features(
        600, n_classes=3, n_features=12, n_nuisance=2, random_state=0
    )
    common = ((X1[:400], X2[:400]), y[:400], (X1[400:], X2[400:]), y[400:], layers)
    options = {"n_components": [2], "progress": False}
    same = fusion_study(*common, independent=((X1[400:], X2[400:]), layers), **options)
    rows = same[same["method"] == "independent_logit_average"]
    agreement = rows.loc[rows["measure"] == "agreement", "value"]
    assert agreement.tolist() == [1.0]  # the same networks: the same predictions
    own = same.query("method == 'logit_average' and measure == 'accuracy'")["value"]
    assert rows.loc[rows["measure"] == "accuracy", "value"].tolist() == own.tolist()
    flipped = [(-coef, -intercept) for coef, intercept in layers]  # argmin instead of argmax
    other = fusion_study(*common, independent=((X1[400:], X2[400:]), flipped), **options)
    floor = other.query("method == 'independent_logit_average' and measure == 'agreement'")
    assert floor["value"].iloc[0] < 0.5


def test_reg_reaches_the_alignment():
    from sklearn_ccafusion.runs._bands import _alignment_pair
    from sklearn_ccafusion.similarity import class_subspace_alignment
    from sklearn_ccafusion.study import NetworkFeatures

    X1, X2, y, layers = make_planted_features(
        300, n_classes=3, n_features=12, n_nuisance=2, random_state=1
    )
    net = NetworkFeatures(X1[:200], X1[200:], *layers[0])
    other = NetworkFeatures(X2[:200], X2[200:], *layers[1])
    rows = bootstrap_rows(100, 10)
    plain = _alignment_pair(net, other, 0.0, rows)
    shrunk = _alignment_pair(net, other, 0.5, rows)
    reference = class_subspace_alignment(X1[:200], X2[:200], layers[0][0], keep=0.9999)
    np.testing.assert_allclose(plain["train"], reference, atol=1e-10)
    assert not np.allclose(plain["train"], shrunk["train"], atol=1e-6)
    assert len(plain["replicates"]) == 10 and plain["kept"] >= 2
