"""Synthetic penultimate features of two networks with planted classification layers.

:func:`make_planted_features` stands in for the features two trained networks would emit: two
views of non-negative, sparse ReLU features, each with a linear classification layer that
reads class logits from it exactly. The two views share their class logits (the paper's
claim holds), or, as a negative control, only a class-free nuisance factor. Tests, the fusion
study and the benchmarks use it where real network features are not at hand.
"""

from __future__ import annotations

import os
from numbers import Integral, Real

import numpy as np
from numpy.typing import NDArray
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

__all__ = ["make_planted_features"]

# standard deviation of each view's own noise on the shared nuisance (shared="nuisance"):
# the nuisance correlates at about 1 / (1 + 0.2^2) = 0.96 across views, above the classes
_NUISANCE_NOISE = 0.2


def _centred(a: NDArray) -> NDArray:
    """Remove each row's mean: the class-centred (softmax-invariant) part of logits."""
    return a - a.mean(axis=1, keepdims=True)


def _pair(value, name: str) -> tuple:
    pair = tuple(value) if isinstance(value, tuple | list) else (value, value)
    if len(pair) != 2:
        raise ValueError(f"{name} must be a scalar or a pair (one per view), got {value!r}.")
    return pair


def _relu_view(
    latent: NDArray, n_features: int, n_logits: int, rng: np.random.RandomState
) -> tuple[NDArray, NDArray, NDArray]:
    """ReLU features of ``latent`` and the layer ``(W, b)`` that reads its first columns.

    Pre-activations ``H = latent @ M + c`` (``n_features // 2`` of them) feed units in
    pairs, ``relu(H)`` and ``relu(-H)``: their difference is ``H``, so ``latent`` (hence the
    logits, its first ``n_logits`` columns) is an exact linear function of the features,
    while each unit is a genuine, sparse ReLU. An odd width gets one dead unit. The columns
    are shuffled so the pairs are not adjacent.
    """
    n_latent = latent.shape[1]
    n_pairs = n_features // 2
    if n_pairs < n_latent:
        raise ValueError(
            f"n_features={n_features} is too small: each view needs at least "
            f"2 * (n_classes + n_nuisance) = {2 * n_latent} features."
        )
    mixing = rng.standard_normal((n_latent, n_pairs)) / np.sqrt(n_latent)
    offset = 0.5 * rng.standard_normal(n_pairs)
    H = latent @ mixing + offset
    X = np.hstack([np.maximum(H, 0.0), np.maximum(-H, 0.0), np.zeros((len(H), n_features % 2))])
    # X @ P = H with P = [I; -I; 0]; latent = (H - offset) @ pinv(mixing)
    reader = np.linalg.pinv(mixing)[:, :n_logits]  # (n_pairs, n_logits)
    coef_t = np.vstack([reader, -reader, np.zeros((n_features % 2, n_logits))])
    intercept = -offset @ reader
    order = rng.permutation(n_features)
    return X[:, order], coef_t[order].T.copy(), intercept


def _check_memory(n_samples: int, widths: tuple[int, int], n_latent: int) -> None:
    """Refuse sizes whose arrays (float64, with their temporaries) exceed this machine's memory."""
    needed = 8 * 3 * n_samples * (sum(widths) + 4 * n_latent) + 8 * 2 * sum(widths) * n_latent
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, OSError, ValueError):  # no sysconf: assume a large machine
        memory = 2**40
    if needed > memory:
        raise ValueError(
            f"make_planted_features(n_samples={n_samples}, n_features={widths}) needs about "
            f"{needed / 2**30:,.1f} GiB, more than this machine's {memory / 2**30:,.1f} GiB; "
            "give fewer samples or narrower views."
        )


@validate_params(
    {
        "n_samples": [Interval(Integral, 2, None, closed="left")],
        "n_classes": [Interval(Integral, 2, None, closed="left")],
        "n_features": [Interval(Integral, 2, None, closed="left"), tuple, list],
        "n_nuisance": [Interval(Integral, 0, None, closed="left")],
        "class_sep": [Interval(Real, 0, None, closed="left")],
        "within_class": [Interval(Real, 0, None, closed="left")],
        "view_noise": [Interval(Real, 0, None, closed="left"), tuple, list],
        "shared": [StrOptions({"logits", "nuisance"})],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_planted_features(
    n_samples: int = 2000,
    *,
    n_classes: int = 8,
    n_features: int | tuple[int, int] = 128,
    n_nuisance: int = 8,
    class_sep: float = 3.5,
    within_class: float = 1.0,
    view_noise: float | tuple[float, float] = 0.5,
    shared: str = "logits",
    random_state: int | np.random.RandomState | None = None,
) -> tuple[NDArray, NDArray, NDArray, tuple[tuple[NDArray, NDArray], tuple[NDArray, NDArray]]]:
    """Two views of ReLU features sharing class logits through planted linear layers.

    Each view ``i`` has class logits ``z_i`` (class-centred, ``n_classes`` columns of rank
    ``n_classes - 1``) and ``n_nuisance`` class-free factors; its features are ReLU units
    of a random mixing of both, and its layer ``(W_i, b_i)`` reads the logits back exactly:
    ``X_i @ W_i.T + b_i = z_i + s_i 1^T``, where ``s_i`` is a per-sample shift common to all
    classes (``W_i`` has an arbitrary mean row, as a softmax layer: only the class-centred
    ``W_i - mean row`` is determined). The logits are
    ``z_i = class_sep * (e_y - 1 / K) + g_i + view_noise_i * e_i`` (all class-centred), with
    ``g_i`` the within-class variation of standard deviation ``within_class``.

    - ``shared="logits"`` (the paper's claim holds): ``g_1 = g_2`` (both networks find the
      same samples hard) and the nuisance factors are independent across views. The first
      ``n_classes - 1`` canonical directions of the views are then the class directions.
    - ``shared="nuisance"`` (negative control): ``g_1``, ``g_2`` are independent, and the
      nuisance factors are common to both views (plus a small noise of standard deviation
      0.2, so they correlate at about 0.96 across views): the most correlated
      directions carry no class information (needs ``n_nuisance >= n_classes - 1`` to fill
      the first ``n_classes - 1`` canonical pairs).

    Parameters
    ----------
    n_samples : int, default=2000
        Number of samples; the classes are balanced (up to one sample).
    n_classes : int, default=8
        Number of classes ``K`` (8 as SHL 2018).
    n_features : int or pair of int, default=128
        Width of each view (128 as the SHL network's penultimate layer); at least
        ``2 * (n_classes + n_nuisance)``.
    n_nuisance : int, default=8
        Number of class-free latent factors per view.
    class_sep : float, default=3.5
        Logit margin of the true class over the others, before noise.
    within_class : float, default=1.0
        Standard deviation of the within-class logit variation ``g``.
    view_noise : float or pair of float, default=0.5
        Standard deviation of each view's own logit noise (a pair gives views of unequal
        quality, as different sensors).
    shared : {"logits", "nuisance"}, default="logits"
        What the two views have in common beyond the class, see above.
    random_state : int, RandomState instance or None, default=None
        Seed of the draw. Pass an int for reproducible output.

    Returns
    -------
    X1 : ndarray of shape (n_samples, n_features[0])
        Non-negative features of view 1 (about half of them zero).
    X2 : ndarray of shape (n_samples, n_features[1])
        Non-negative features of view 2.
    y : ndarray of shape (n_samples,)
        Class labels ``0 .. n_classes - 1``.
    layers : tuple of two (coef, intercept) pairs
        The planted classification layers, ``coef`` of shape ``(n_classes, n_features_i)``
        and ``intercept`` of shape ``(n_classes,)``, as a network's final ``nn.Linear``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_ccafusion.study import make_planted_features
    >>> X1, X2, y, ((W1, b1), (W2, b2)) = make_planted_features(500, random_state=0)
    >>> X1.shape, W1.shape, bool(X1.min() >= 0)
    ((500, 128), (8, 128), True)
    >>> accuracy = np.mean(np.argmax(X1 @ W1.T + b1, axis=1) == y)
    >>> bool(accuracy > 0.8)
    True
    """
    rng = check_random_state(random_state)
    widths = _pair(n_features, "n_features")
    noises = _pair(view_noise, "view_noise")
    n_classes = int(n_classes)
    _check_memory(n_samples, widths, n_classes + n_nuisance)
    y = rng.permutation(np.arange(n_samples) % n_classes)
    class_part = class_sep * (np.eye(n_classes) - 1.0 / n_classes)[y]

    def draw(scale, width):
        return scale * rng.standard_normal((n_samples, width))

    common_within = _centred(draw(within_class, n_classes))
    common_nuisance = draw(1.0, n_nuisance)
    views, layers = [], []
    for width, noise in zip(widths, noises):
        if shared == "logits":
            within = common_within
            nuisance = draw(1.0, n_nuisance)
        else:
            within = _centred(draw(within_class, n_classes))
            nuisance = common_nuisance + draw(_NUISANCE_NOISE, n_nuisance)
        logits = class_part + within + _centred(draw(noise, n_classes))
        X, coef, intercept = _relu_view(np.hstack([logits, nuisance]), width, n_classes, rng)
        # a softmax layer's undetermined part: the same row added to every class
        coef = coef + rng.standard_normal(width) / np.sqrt(width)
        intercept = intercept + rng.standard_normal()
        views.append(X)
        layers.append((coef, intercept))
    return views[0], views[1], y, (layers[0], layers[1])
