"""The moments of two representations, summarised per batch and merged exactly.

A batch of each view is summarised about its own mean (:class:`_Side`): count,
mean, centred second moments and the per-sample squared norms' moments; two
views' summaries form a pair state (:class:`_State`), and two pair states merge by
re-centring both on the common mean in closed form (Chan et al.'s pairwise update,
carried to the moments of the squared norms). NumPy arrays stay NumPy; torch
tensors stay on their device, accumulated in float64. :class:`PairMoments` is
built on these.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.utils.validation import check_array

from sklearn_ccafusion.cca._moments import Moments, merge_moments

__all__ = ["batch_side"]

_EPS64 = float(np.finfo(np.float64).eps)


def _torch() -> Any:
    """The torch module if it is already imported (never imports it)."""
    return sys.modules.get("torch")


def _is_tensor(value: Any) -> bool:
    torch = _torch()
    return torch is not None and torch.is_tensor(value)


def _to_numpy(value: Any) -> NDArray[np.float64]:
    if _is_tensor(value):
        return value.detach().cpu().numpy()
    return np.asarray(value, dtype=np.float64)


def _check_2d(shape: tuple, name: str) -> None:
    if len(shape) != 2:
        raise ValueError(
            f"{name} must be 2-D (n_samples, n_features), got shape {tuple(shape)}; "
            "reshape or pool the features first."
        )


def _check_numbers(features: Any, name: str) -> Any:
    """``features`` as a tensor or a NumPy array of real numbers, or a named error.

    Text (even of numbers), objects, complex values and ``None`` are refused rather
    than parsed or cast: a representation is a matrix of real activations.
    """
    if _is_tensor(features):
        if features.is_complex():
            raise TypeError(f"{name} must hold real numbers, got a tensor of {features.dtype}.")
        return features
    if features is None:
        raise TypeError(f"{name} must be an array of shape (n_samples, n_features), got None.")
    array = np.asarray(features)
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"{name} must hold real numbers (bool, int or float), got dtype {array.dtype}."
        )
    _check_2d(array.shape, name)
    return array


def _as_float64(features: Any, name: str, device: Any) -> tuple[Any, float]:
    """``features`` as float64 (a tensor on ``device``, or a NumPy array), and its eps."""
    torch = _torch()
    features = _check_numbers(features, name)
    if device is not None:
        tensor = features if _is_tensor(features) else torch.as_tensor(np.asarray(features))
        _check_2d(tuple(tensor.shape), name)
        tensor = tensor.detach()
        floating = tensor.is_floating_point()
        eps = float(torch.finfo(tensor.dtype).eps) if floating else _EPS64
        return tensor.to(device=device, dtype=torch.float64), eps
    if _is_tensor(features):
        features = features.detach().cpu().numpy()
    array = check_array(
        features,
        dtype=[np.float64, np.float32],
        ensure_all_finite=False,
        ensure_min_samples=0,
        ensure_min_features=0,
        input_name=name,
    )
    return array.astype(np.float64, copy=False), float(np.finfo(array.dtype).eps)


def _concat(arrays: list, like: Any, axis: int = 1) -> Any:
    if _is_tensor(like):
        return _torch().cat(arrays, dim=axis)
    return np.concatenate(arrays, axis=axis)


def _stack(arrays: list, like: Any, axis: int = 0) -> Any:
    if _is_tensor(like):
        return _torch().stack(arrays, dim=axis)
    return np.stack(arrays, axis=axis)


@dataclass(frozen=True)
class _State:
    """Moments of the stacked pair and of the per-sample squared norms, about the mean.

    ``norms[:, 0] = sum_i a_i (z_i - mean)``, ``norms[:, 1] = sum_i b_i (z_i - mean)``,
    ``powers = (sum a_i^2, sum a_i b_i, sum b_i^2)``.
    """

    moments: Moments
    norms: Any
    powers: Any


@dataclass(frozen=True)
class _Side:
    """One representation's batch, centred at the batch mean, and its own moments.

    Computed once per layer and batch, and shared by every pair the layer is in.
    """

    mean: Any
    centred: Any
    norms: Any  # a_i, the centred squared norms
    m2: Any  # U'U
    weighted: Any  # U'a
    power: Any  # a'a
    eps: float


def _side(X: Any, eps: float) -> _Side:
    """A float64 batch ``X`` of one representation, summarised about its mean."""
    mean = X.mean(0)
    centred = X - mean
    norms = (centred * centred).sum(1)
    return _Side(mean, centred, norms, centred.T @ centred, centred.T @ norms, norms @ norms, eps)


def _pair_state(first: _Side, second: _Side) -> _State:
    """The moments of one batch of a pair, from each side's and their cross products."""
    cross = first.centred.T @ second.centred
    like = first.m2
    m2 = _concat(
        [_concat([first.m2, cross], like), _concat([cross.T, second.m2], like)], like, axis=0
    )
    along_a = _concat([first.weighted, second.centred.T @ first.norms], like, axis=0)
    along_b = _concat([first.centred.T @ second.norms, second.weighted], like, axis=0)
    powers = _stack([first.power, first.norms @ second.norms, second.power], like)
    count = int(first.centred.shape[0])
    moments = Moments(
        count, _concat([first.mean, second.mean], like, axis=0), m2, max(first.eps, second.eps)
    )
    return _State(moments, _stack([along_a, along_b], like, axis=1), powers)


def _recentred(state: _State, shift: Any, d1: int) -> tuple[Any, Any]:
    """``norms`` and ``powers`` of ``state`` about its mean plus ``shift``.

    With ``u_i`` a row's centred features, the row's norm about the new centre is
    ``a_i + 2 u_i . delta + |delta|^2`` (``delta`` the view's part of ``shift``);
    expanding the products and using ``sum u_i = 0`` leaves moments already kept.
    """
    n = state.moments.count
    m2 = state.moments.m2
    delta, epsilon = shift[:d1], shift[d1:]
    trace_a = m2[:d1, :d1].diagonal().sum()
    trace_b = m2[d1:, d1:].diagonal().sum()
    dd, ee = delta @ delta, epsilon @ epsilon
    m_delta = m2[:, :d1] @ delta
    m_epsilon = m2[:, d1:] @ epsilon
    t_a, t_b = state.norms[:, 0], state.norms[:, 1]
    new_a = t_a + trace_a * shift + 2.0 * m_delta + (n * dd) * shift
    new_b = t_b + trace_b * shift + 2.0 * m_epsilon + (n * ee) * shift
    s_aa, s_ab, s_bb = state.powers[0], state.powers[1], state.powers[2]
    new_aa = (
        s_aa + 4.0 * (delta @ t_a[:d1]) + 2.0 * dd * trace_a + 4.0 * (delta @ m_delta[:d1])
    ) + n * dd * dd
    new_bb = (
        s_bb + 4.0 * (epsilon @ t_b[d1:]) + 2.0 * ee * trace_b + 4.0 * (epsilon @ m_epsilon[d1:])
    ) + n * ee * ee
    new_ab = (
        s_ab
        + 2.0 * (epsilon @ t_a[d1:])
        + ee * trace_a
        + 2.0 * (delta @ t_b[:d1])
        + 4.0 * (delta @ m_epsilon[:d1])
        + dd * trace_b
        + n * dd * ee
    )
    return _stack([new_a, new_b], new_a, axis=1), _stack([new_aa, new_ab, new_bb], new_a)


def _merge_states(first: _State | None, second: _State, d1: int) -> _State:
    """The state of the union of two batches."""
    if first is None or first.moments.count == 0:
        return second
    if second.moments.count == 0:
        return first
    n1, n2 = first.moments.count, second.moments.count
    moments = merge_moments(first.moments, second.moments)
    delta = second.moments.mean - first.moments.mean
    norms_1, powers_1 = _recentred(first, delta * (-n2 / (n1 + n2)), d1)
    norms_2, powers_2 = _recentred(second, delta * (n1 / (n1 + n2)), d1)
    return _State(moments, norms_1 + norms_2, powers_1 + powers_2)


def _state_like(state: _State, like: Any) -> _State:
    """``state`` on the backend (and device) of the array ``like``."""
    if _is_tensor(like):
        torch = _torch()

        def move(value):
            return torch.as_tensor(value, dtype=torch.float64, device=like.device)
    else:
        move = _to_numpy
    m = state.moments
    moments = Moments(m.count, move(m.mean), move(m.m2), m.eps)
    return _State(moments, move(state.norms), move(state.powers))


def _check_finite(side: _Side) -> None:
    if not np.isfinite(_to_numpy(side.power + side.m2.sum())):
        raise ValueError(
            "This batch holds NaN or infinite values (or values whose squared norms "
            "overflow float64); nothing of it was accumulated."
        )


def batch_side(features: Any, device: Any = None) -> _Side:
    """One representation's batch as float64 on ``device`` (or NumPy), summarised.

    A layer's summary is computed once per batch and given to every
    :class:`PairMoments` of a layer map (``PairMoments._update_sides``).
    """
    X, eps = _as_float64(features, "features", device)
    side = _side(X, eps)
    _check_finite(side)
    return side
