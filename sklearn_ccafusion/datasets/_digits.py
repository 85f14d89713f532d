"""The embedded default: scikit-learn's digits as one or two "sensors".

Two setups mirror the two experiments of the study on data that ships with
scikit-learn (1,797 images of 8 x 8 pixels, 10 classes):

- ``"same_sensor"``: two networks see the whole image and differ only by their random
  initialisation (the CIFAR-10 experiment);
- ``"two_sensor"``: each network sees one part of the image, e.g. the left and the right
  halves, as two sensors observing the same event (the SHL experiment).
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.utils import Bunch, check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

__all__ = ["load_digits_views"]

_SIDE = 8
_SPLITS = {
    # name: (view names, mask of the first view on the 8 x 8 grid)
    "left_right": (("left", "right"), np.arange(_SIDE)[None, :] < _SIDE // 2),
    "top_bottom": (("top", "bottom"), np.arange(_SIDE)[:, None] < _SIDE // 2),
    "interleaved": (("even", "odd"), np.arange(_SIDE)[None, :] % 2 == 0),
}

_DESCR = """\
Digits as views (scikit-learn's optical recognition of handwritten digits)
--------------------------------------------------------------------------
1,797 images of 8 x 8 pixels, 10 classes, pixel values scaled to [0, 1]. Setup: {setup}.
{views}
Stratified split: {n_train} train and {n_val} validation images.
"""


def _view_columns(split: str) -> tuple[tuple[str, str], list[np.ndarray], list[tuple]]:
    names, first = _SPLITS[split]
    first = np.broadcast_to(first, (_SIDE, _SIDE))
    columns = [np.flatnonzero(first.ravel()), np.flatnonzero(~first.ravel())]
    rows = [np.unique(np.nonzero(mask)[0]).size for mask in (first, ~first)]
    shapes = [(r, c.size // r) for r, c in zip(rows, columns)]
    return names, columns, shapes


def _check_stratified_share(validation_size: float | int, target: np.ndarray) -> None:
    """Refuse a validation share that cannot hold every class on both sides."""
    n_samples, n_classes = target.shape[0], np.unique(target).size
    if isinstance(validation_size, Integral):
        count = int(validation_size)
    else:
        count = int(np.ceil(validation_size * n_samples))
    if not n_classes <= count <= n_samples - n_classes:
        raise ValueError(
            f"validation_size={validation_size!r} gives {count} validation images of "
            f"{n_samples}; a stratified split of the {n_classes} digit classes needs between "
            f"{n_classes} and {n_samples - n_classes}, so that every class is on both sides."
        )


@validate_params(
    {
        "setup": [StrOptions({"same_sensor", "two_sensor"})],
        "split": [StrOptions(set(_SPLITS))],
        "validation_size": [
            Interval(Real, 0, 1, closed="neither"),
            Interval(Integral, 1, None, closed="left"),
        ],
        "random_state": ["random_state"],
        "return_X_y": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def load_digits_views(
    setup="two_sensor",
    *,
    split="left_right",
    validation_size=0.25,
    random_state=0,
    return_X_y=False,
):
    """Load scikit-learn's digits prepared for two networks, with a train/validation split.

    Parameters
    ----------
    setup : {"two_sensor", "same_sensor"}, default="two_sensor"
        ``"two_sensor"``: the two networks see complementary parts of the image (see
        ``split``); ``"same_sensor"``: both see the whole image and differ only by their
        initialisation seed.
    split : {"left_right", "top_bottom", "interleaved"}, default="left_right"
        Parts of the image for ``"two_sensor"``: left and right halves (8 x 4 each), top
        and bottom halves (4 x 8), or even and odd columns (8 x 4). Ignored for
        ``"same_sensor"``.
    validation_size : float or int, default=0.25
        Fraction (float) or number (int) of validation images; stratified split.
    random_state : int, RandomState instance or None, default=0
        Seed of the split and of the two networks' initialisation seeds.
    return_X_y : bool, default=False
        ``True`` returns ``(data, target)``, all 1797 images and their labels, instead
        of the Bunch (scikit-learn's loaders' convention); the split and the views'
        columns are then not returned.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with attributes:

        - ``data``: ndarray of shape (1797, 64), float32 pixels in [0, 1], flat, for an
          MLP; ``images``: the same as (1797, 8, 8); ``target``, ``target_names``;
        - ``data_train``, ``target_train``, ``data_validation``, ``target_validation``,
          and ``train_indices``, ``validation_indices`` (rows of ``data``) and
          ``test_fold`` (-1 train, 0 validation, for
          :class:`~sklearn.model_selection.PredefinedSplit`);
        - ``view_names``: the two networks' names; ``inputs``: dict name -> column
          indices of ``data`` that network sees (``None``: all, the same-sensor case),
          the ``inputs`` of :class:`~sklearn_ccafusion.nets.NetFeatures`;
          ``view_shapes``: dict name -> image shape of that view; ``net_seeds``: dict
          name -> an int seed for that network's initialisation;
        - ``setup``, ``split``, ``DESCR``.
    (data, target) : tuple of ndarray
        With ``return_X_y=True``: ``data`` and ``target`` as above.

    Examples
    --------
    >>> views = load_digits_views("two_sensor", split="left_right", random_state=0)
    >>> views.view_names, views.view_shapes["left"]
    (('left', 'right'), (8, 4))
    >>> left = views.data_train[:, views.inputs["left"]]
    >>> left.shape, views.data_validation.shape
    ((1347, 32), (450, 64))
    >>> same = load_digits_views("same_sensor", random_state=0)
    >>> same.inputs
    {'init0': None, 'init1': None}
    >>> same.net_seeds["init0"] != same.net_seeds["init1"]
    True
    >>> X, y = load_digits_views(return_X_y=True)
    >>> X.shape, y.shape
    ((1797, 64), (1797,))
    """
    digits = load_digits()
    data = (digits.data / 16.0).astype(np.float32)
    target = digits.target.astype(np.int64)
    if return_X_y:
        return data, target
    _check_stratified_share(validation_size, target)
    rng = check_random_state(random_state)
    indices = np.arange(target.shape[0])
    train_idx, val_idx = train_test_split(
        indices,
        test_size=validation_size,
        stratify=target,
        random_state=rng.randint(np.iinfo(np.int32).max),
    )
    train_idx, val_idx = np.sort(train_idx), np.sort(val_idx)
    test_fold = np.full(target.shape[0], -1, dtype=np.int64)
    test_fold[val_idx] = 0

    if setup == "same_sensor":
        names = ("init0", "init1")
        inputs = dict.fromkeys(names)
        shapes = dict.fromkeys(names, (_SIDE, _SIDE))
        views_text = "Two networks on the whole 8 x 8 image, different initialisation seeds."
        split_used = None
    else:
        names, columns, view_shapes = _view_columns(split)
        inputs = dict(zip(names, columns))
        shapes = dict(zip(names, view_shapes))
        views_text = (
            f"Two 'sensors': {names[0]} ({view_shapes[0][0]} x {view_shapes[0][1]} pixels) "
            f"and {names[1]} ({view_shapes[1][0]} x {view_shapes[1][1]}), split {split!r}."
        )
        split_used = split
    first = rng.randint(np.iinfo(np.int32).max - 1)
    seeds = (first, first + 1 + rng.randint(np.iinfo(np.int32).max - 1 - first))
    return Bunch(
        data=data,
        images=data.reshape(-1, _SIDE, _SIDE),
        target=target,
        target_names=np.arange(10),
        data_train=data[train_idx],
        target_train=target[train_idx],
        data_validation=data[val_idx],
        target_validation=target[val_idx],
        train_indices=train_idx,
        validation_indices=val_idx,
        test_fold=test_fold,
        view_names=names,
        inputs=inputs,
        view_shapes=shapes,
        net_seeds={name: int(seed) for name, seed in zip(names, seeds)},
        setup=setup,
        split=split_used,
        DESCR=_DESCR.format(
            setup=setup, views=views_text, n_train=train_idx.size, n_val=val_idx.size
        ),
    )
