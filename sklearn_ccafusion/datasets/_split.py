"""One train/validation split that keeps each group (subject, recording) on one side.

Windows of one recording, or of one subject, are not independent: a random split
puts near-copies of validation windows into training and overstates every score.
:func:`train_validation_split` assigns whole groups to the validation side until
it holds about ``validation_fraction`` of the samples, with the class proportions
of the whole data as far as whole groups allow.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.utils import check_random_state

__all__ = ["train_validation_split"]

# greedy passes over the groups in random orders; the best one is kept
_MAX_PASSES = 20
_WORK = 20_000  # passes x groups


def _check_inputs(y: Any, groups: Any, validation_fraction: Any) -> tuple[NDArray, Any]:
    fraction_ok = isinstance(validation_fraction, (int, float, np.number)) and not isinstance(
        validation_fraction, bool
    )
    if not fraction_ok or not 0.0 < float(validation_fraction) < 1.0:
        raise ValueError(
            f"validation_fraction must be a number strictly between 0 and 1 (the share of "
            f"samples for validation), got {validation_fraction!r}."
        )
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D labels, one per sample, got shape {y.shape}.")
    if len(y) < 2:
        raise ValueError(f"A train/validation split needs at least 2 samples, got {len(y)}.")
    if groups is not None:
        groups = np.asarray(groups)
        if groups.shape != y.shape:
            raise ValueError(
                f"groups must have one entry per sample, shape {y.shape}, got {groups.shape}."
            )
    return y, groups


def _check_single_samples(names: NDArray, counts: NDArray) -> None:
    single = names[counts < 2]
    if len(single):
        shown = ", ".join(repr(v) for v in single[:10].tolist())
        raise ValueError(
            f"Label(s) {shown} have a single sample; a train/validation split cannot put "
            "a class on both sides with one sample. Drop those samples or merge the label "
            "with another."
        )


def _greedy(counts: NDArray, target: NDArray, order: NDArray, totals: NDArray) -> NDArray:
    """Groups (rows of ``counts``) to validation, visited in ``order``, L1 to ``target``."""
    taken = np.zeros(len(counts), dtype=bool)
    current = np.zeros_like(target)
    for g in order:
        proposal = current + counts[g]
        # never take a class's last training sample
        if np.any((proposal >= totals) & (counts[g] > 0)):
            continue
        if np.abs(proposal - target).sum() < np.abs(current - target).sum():
            taken[g] = True
            current = proposal
    return taken


def _split_groups(
    codes: NDArray, group_codes: NDArray, n_groups: int, fraction: float, rng: Any
) -> NDArray:
    """Boolean mask over groups: which go to validation."""
    n_classes = int(codes.max()) + 1
    counts = np.zeros((n_groups, n_classes))
    np.add.at(counts, (group_codes, codes), 1)
    totals = counts.sum(axis=0)
    target = fraction * totals
    best, best_cost = None, np.inf
    for _ in range(max(1, min(_MAX_PASSES, _WORK // n_groups))):
        taken = _greedy(counts, target, rng.permutation(n_groups), totals)
        cost = np.abs(counts[taken].sum(axis=0) - target).sum()
        if cost < best_cost:
            best, best_cost = taken, cost
    if not best.any():
        # whole groups are too large for the fraction: the group closest to it
        sizes = counts.sum(axis=1)
        whole_class = np.any((counts >= totals) & (counts > 0), axis=1)
        candidates = np.flatnonzero(~whole_class)
        if not len(candidates):
            candidates = np.arange(n_groups)
        gaps = np.abs(sizes[candidates] - fraction * sizes.sum())
        best[candidates[np.argmin(gaps + rng.random(len(candidates)) * 1e-9)]] = True
    return best


def train_validation_split(
    y: ArrayLike,
    groups: ArrayLike | None = None,
    *,
    validation_fraction: float = 0.2,
    random_state: Any = None,
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Indices of a seeded train/validation split that keeps every group on one side.

    With ``groups``, whole groups go to validation, chosen (over a few random
    orders of the groups, the best kept) to bring each class's validation count
    closest to ``validation_fraction`` of its total: class proportions are kept as
    far as whole groups allow. Without ``groups``, each class is split on its own
    (stratified): ``round(validation_fraction * count)`` random samples of it go to
    validation. Both sides are never empty, and no class loses its last training
    sample to validation; a class may still be missing from validation when its
    groups are too few (a warning names it).

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class labels, any type.
    groups : array-like of shape (n_samples,) or None, default=None
        Group of each sample (subject, recording), any type; ``None``: every
        sample is its own group.
    validation_fraction : float, default=0.2
        Target share of samples on the validation side, in (0, 1).
    random_state : int, RandomState instance or None, default=None
        Seed of the choice; the same seed gives the same split.

    Returns
    -------
    train : ndarray of int
        Sorted indices of the training samples.
    validation : ndarray of int
        Sorted indices of the validation samples.

    Raises
    ------
    ValueError
        If ``validation_fraction`` is not in (0, 1), if a label has a single
        sample (it cannot be on both sides; drop or merge it), if ``groups`` does
        not match ``y``, or if one group holds every sample (nothing could be held
        out without splitting it).

    See Also
    --------
    sklearn.model_selection.GroupShuffleSplit : Group-aware, without stratification.
    sklearn.model_selection.StratifiedGroupKFold : Folds rather than one fraction.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([0, 1] * 10)
    >>> subject = np.repeat(np.arange(5), 4)
    >>> train, val = train_validation_split(y, subject, random_state=0)
    >>> len(val), set(subject[train]).isdisjoint(subject[val])
    (4, True)
    """
    y, groups = _check_inputs(y, groups, validation_fraction)
    fraction = float(validation_fraction)
    rng = check_random_state(random_state)
    names, codes, counts = np.unique(y, return_inverse=True, return_counts=True)
    _check_single_samples(names, counts)
    n = len(y)
    if groups is None:
        validation = np.zeros(n, dtype=bool)
        for k, count in enumerate(counts):
            members = np.flatnonzero(codes == k)
            n_val = min(int(np.floor(fraction * count + 0.5)), count - 1)
            validation[rng.choice(members, n_val, replace=False)] = True
        if not validation.any():
            # every class rounds to 0: one sample of the largest class
            validation[rng.choice(np.flatnonzero(codes == np.argmax(counts)))] = True
    else:
        group_names, group_codes = np.unique(groups, return_inverse=True)
        if len(group_names) < 2:
            raise ValueError(
                f"Every sample is in one group ({group_names[0].item()!r}), so no group can "
                "be held out for validation; give finer groups (one per subject or recording) or "
                "groups=None for a split of samples."
            )
        taken = _split_groups(codes, group_codes, len(group_names), fraction, rng)
        validation = taken[group_codes]
    missing = names[np.bincount(codes[validation], minlength=len(names)) == 0]
    if len(missing):
        shown = ", ".join(repr(v) for v in missing[:10].tolist())
        warnings.warn(
            f"Label(s) {shown} have no validation sample: too few samples or groups for "
            f"validation_fraction={fraction}. Scores per class are undefined for them; a "
            "larger fraction (or finer groups) gives them some.",
            UserWarning,
            stacklevel=2,
        )
    return np.flatnonzero(~validation), np.flatnonzero(validation)
