"""``PairMoments``: exact streaming similarity equals the in-memory measures."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest

from sklearn_ccafusion import CCAProjector, PCAWhitener
from sklearn_ccafusion.similarity import PairMoments, linear_cka, pwcca, svcca

# What streaming guarantees against the in-memory functions, in float64, on
# well-conditioned features: the same moments up to float64 rounding.
TOL = 1e-8


def _pair(n=600, d1=12, d2=17, seed=0, dtype=np.float64):
    """Two views sharing a few directions, with offsets and unequal scales."""
    rng = np.random.default_rng(seed)
    shared = rng.normal(size=(n, 4))
    X = shared @ rng.normal(size=(4, d1)) + rng.normal(size=(n, d1)) * rng.uniform(0.3, 2, d1)
    Y = shared @ rng.normal(size=(4, d2)) + 0.7 * rng.normal(size=(n, d2))
    return (X + 3.0).astype(dtype), (Y - np.linspace(0, 5, d2)).astype(dtype)


def _stream(X, Y, edges, convert=lambda a: a):
    moments = PairMoments()
    for start, stop in zip(edges[:-1], edges[1:]):
        moments.update(convert(X[start:stop]), convert(Y[start:stop]))
    return moments


def _assert_equal_to_memory(moments, X, Y):
    X, Y = X.astype(np.float64), Y.astype(np.float64)
    reference = CCAProjector(view_sizes=(X.shape[1], Y.shape[1]), whitener=PCAWhitener(None))
    rho = reference.fit(np.hstack([X, Y])).canonical_correlations_
    np.testing.assert_allclose(moments.canonical_correlations(), rho, rtol=0, atol=TOL)
    assert moments.svcca() == pytest.approx(svcca(X, Y), abs=TOL)
    assert moments.svcca(keep=5, n_components=3) == pytest.approx(
        svcca(X, Y, keep=5, n_components=3), abs=TOL
    )
    assert moments.pwcca() == pytest.approx(pwcca(X, Y), abs=TOL)
    assert moments.pwcca(keep=0.9) == pytest.approx(pwcca(X, Y, keep=0.9), abs=TOL)
    assert moments.linear_cka() == pytest.approx(linear_cka(X, Y), abs=TOL)
    assert moments.linear_cka(debiased=True) == pytest.approx(
        linear_cka(X, Y, debiased=True), abs=TOL
    )


UNEVEN = [0, 1, 4, 37, 38, 250, 251, 599, 600]  # batches of 1, 3, 33, 1, 212, 1, 348, 1


def test_uneven_batches_equal_the_in_memory_measures():
    X, Y = _pair()
    moments = _stream(X, Y, UNEVEN)
    assert moments.n_samples_seen_ == 600 and moments.view_sizes_ == (12, 17)
    _assert_equal_to_memory(moments, X, Y)


def test_more_features_than_samples_in_every_batch():
    X, Y = _pair(n=300, d1=40, d2=25, seed=1)
    moments = _stream(X, Y, list(range(0, 300, 7)) + [300])  # 7-row batches, 40 + 25 columns
    _assert_equal_to_memory(moments, X, Y)


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_float32_batches_accumulate_in_float64(backend):
    X, Y = _pair(seed=2, dtype=np.float32)
    convert = lambda a: a  # noqa: E731
    if backend == "torch":
        torch = pytest.importorskip("torch")
        convert = torch.from_numpy
    moments = _stream(X, Y, UNEVEN, convert)
    # the reference sees the same float32 numbers, computed in float64
    _assert_equal_to_memory(moments, X, Y)


def test_debiased_cka_equals_the_unbiased_hsic_of_the_kernel_matrices():
    # Song et al.'s estimator written with n x n kernels: an independent reference
    X, Y = _pair(n=40, d1=5, d2=60, seed=3)
    n = len(X)

    def hsic(A, B):
        A, B = A - A.mean(0), B - B.mean(0)
        K, L = A @ A.T, B @ B.T
        np.fill_diagonal(K, 0.0)
        np.fill_diagonal(L, 0.0)
        one = np.ones(n)
        value = np.trace(K @ L) + one @ K @ one * (one @ L @ one) / ((n - 1) * (n - 2))
        return (value - 2.0 / (n - 2) * one @ K @ L @ one) / (n * (n - 3))

    expected = hsic(X, Y) / np.sqrt(hsic(X, X) * hsic(Y, Y))
    moments = _stream(X, Y, [0, 3, 4, 20, 40])
    assert moments.linear_cka(debiased=True) == pytest.approx(expected, abs=TOL)


def test_merge_equals_one_stream_across_backends():
    X, Y = _pair(seed=4)
    whole = _stream(X, Y, [0, 600])
    parts = [_stream(X, Y, [0, 100, 230]), _stream(X[230:], Y[230:], [0, 1, 370])]
    torch = pytest.importorskip("torch")
    parts.append(_stream(X[:0], Y[:0], [0, 0]))  # an empty accumulator
    tensors = PairMoments().update(torch.from_numpy(X[:50]), torch.from_numpy(Y[:50]))
    merged = PairMoments().merge(parts[0]).merge(parts[2]).merge(parts[1])
    assert merged.n_samples_seen_ == 600
    np.testing.assert_allclose(
        merged.canonical_correlations(), whole.canonical_correlations(), atol=1e-12
    )
    assert merged.linear_cka(True) == pytest.approx(whole.linear_cka(True), abs=1e-12)
    # a NumPy accumulator takes a torch one's moments, and the other way round
    mixed = PairMoments().update(X[50:], Y[50:]).merge(tensors)
    assert mixed.pwcca() == pytest.approx(whole.pwcca(), abs=1e-12)
    tensors.merge(_stream(X[50:], Y[50:], [0, 550]))
    assert tensors.linear_cka() == pytest.approx(whole.linear_cka(), abs=1e-12)
    restored = pickle.loads(pickle.dumps(merged))
    assert restored.svcca() == merged.svcca()


def test_rank_deficient_views_match_the_in_memory_whitening():
    X, Y = _pair(seed=5)
    X = np.hstack([X, X[:, :3], np.zeros((600, 1))])  # duplicated and dead columns
    moments = _stream(X, Y, UNEVEN)
    _assert_equal_to_memory(moments, X, Y)


def test_clear_errors():
    X, Y = _pair(n=10)
    with pytest.raises(ValueError, match="same number of samples"):
        PairMoments().update(X, Y[:5])
    moments = PairMoments().update(X, Y)
    with pytest.raises(ValueError, match="widths"):
        moments.update(X[:, :3], Y)
    bad = X.copy()
    bad[2, 1] = np.nan
    with pytest.raises(ValueError, match="NaN or infinite"):
        moments.update(bad, Y)
    assert moments.n_samples_seen_ == 10  # nothing of the bad batch was kept
    with pytest.raises(ValueError, match="call update"):
        PairMoments().linear_cka()
    with pytest.raises(ValueError, match="at least 4 samples"):
        PairMoments().update(X[:3], Y[:3]).linear_cka(debiased=True)
    with pytest.raises(ValueError, match="features_1 must be 2-D"):
        PairMoments().update(X[:, 0], Y)
    with pytest.raises(TypeError, match="PairMoments"):
        moments.merge(X)


@pytest.mark.parametrize(
    "n_components, error, match",
    [
        (50, ValueError, "n_components=50 is more than the 5 canonical pairs"),
        (2.5, TypeError, "n_components must be an int, got 2.5"),
        (True, TypeError, "n_components must be an int, got True"),
        (0, ValueError, "n_components must be at least 1"),
    ],
)
def test_svcca_components_are_checked_as_in_memory(n_components, error, match):
    X, Y = _pair(n=60)
    moments = PairMoments().update(X, Y)
    with pytest.raises(error, match=match):
        moments.svcca(keep=5, n_components=n_components)


def _ill_conditioned(n=4000, seed=0):
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(n, 4))
    X = np.hstack([base, base[:, :1] + 1e-6 * rng.normal(size=(n, 1))])  # cond ~ 1e12
    Y = base[:, :2] @ rng.normal(size=(2, 3)) + rng.normal(size=(n, 3))
    return np.hstack([X, Y])


def test_partial_fit_states_the_accuracy_it_keeps():
    Z = _ill_conditioned()
    fitted = CCAProjector(view_sizes=(5, 3), whitener=PCAWhitener(None)).fit(Z)
    streamed = CCAProjector(view_sizes=(5, 3), whitener=PCAWhitener(None))
    with pytest.warns(UserWarning, match="accurate to about eps \\* cond") as record:
        for batch in np.array_split(Z, 5):
            streamed.partial_fit(batch)
    assert len([w for w in record if "eps * cond" in str(w.message)]) == 1  # once
    cond = max(w.explained_variance_[0] / w.explained_variance_[-1] for w in streamed.whiteners_)
    error = np.abs(streamed.canonical_correlations_ - fitted.canonical_correlations_).max()
    assert error <= 10 * np.finfo(float).eps * cond  # the accuracy the warning states
    X, Y = _pair()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # well-conditioned views: no warning
        CCAProjector(view_sizes=(12, 17)).partial_fit(np.hstack([X, Y]))
        _stream(X, Y, UNEVEN).canonical_correlations()


def test_fit_refines_only_the_ill_conditioned_pairs(monkeypatch):
    from sklearn_ccafusion.cca import _cca
    from sklearn_ccafusion.cca._linalg import variate_correlations

    rng = np.random.default_rng(1)
    n = 5000
    base = rng.normal(size=(n, 6))
    # one near-collinear column pair in view 1 (cond ~ 2e7, above the 1e-9 / eps that
    # asks for a refinement); the pairs that barely use that direction need none
    X = np.hstack([base, base[:, :1] + 3e-4 * rng.normal(size=(n, 1))])
    Y = np.hstack([base[:, 2:5] + 0.5 * rng.normal(size=(n, 3)), rng.normal(size=(n, 4))])
    Z = np.hstack([X, Y])
    refined = []

    def counting(X1, X2, means, a, b):
        refined.append(a.shape[1])
        return variate_correlations(X1, X2, means, a, b)

    monkeypatch.setattr(_cca, "variate_correlations", counting)
    cca = CCAProjector(view_sizes=(7, 7), whitener=PCAWhitener(None)).fit(Z)
    assert 0 < refined[0] < cca.canonical_correlations_.size  # some pairs, not all
    full = variate_correlations(
        Z[:, :7], Z[:, 7:], cca.means_, cca.x_weights_, cca.y_weights_
    )  # every pair refined: the reference
    np.testing.assert_allclose(cca.canonical_correlations_, full, rtol=0, atol=1e-9)


def test_cuda_accumulation_equals_numpy():
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    X, Y = _pair(seed=6, dtype=np.float32)
    cpu = _stream(X, Y, UNEVEN)
    gpu = _stream(X, Y, UNEVEN, lambda a: torch.from_numpy(a).cuda())
    assert gpu._state.moments.m2.device.type == "cuda"  # accumulated on the device
    np.testing.assert_allclose(
        gpu.canonical_correlations(), cpu.canonical_correlations(), atol=1e-10
    )
    assert gpu.linear_cka(debiased=True) == pytest.approx(cpu.linear_cka(debiased=True), abs=1e-10)
    assert gpu.pwcca() == pytest.approx(cpu.pwcca(), abs=1e-10)
