"""One train/validation split that keeps each group (subject, recording) on one side.

Windows of one recording, or of one subject, are not independent: a random split
puts near-copies of validation windows into training and overstates every score.
:func:`train_validation_split` assigns whole groups to the validation side until
it holds about ``validation_fraction`` of the samples, with the class proportions
of the whole data as far as whole groups allow. Every class gets at least one
sample on each side (the networks learn every class, every class is scored), or
the split names the classes that cannot and why, before any work.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.utils import check_random_state

from sklearn_ccafusion.utils._labels import as_class_labels

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
    if np.ndim(y) != 1:
        raise ValueError(f"y must be 1-D labels, one per sample, got shape {np.shape(y)}.")
    y = as_class_labels(y, name="y")
    if len(y) < 2:
        raise ValueError(f"A train/validation split needs at least 2 samples, got {len(y)}.")
    if groups is not None:
        if np.shape(groups) != y.shape:
            raise ValueError(
                f"groups must have one entry per sample, shape {y.shape}, got {np.shape(groups)}."
            )
        groups = as_class_labels(groups, name="groups", what="group ids")
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


def _stratified(codes: NDArray, counts: NDArray, fraction: float, rng: Any) -> NDArray:
    """Per class, ``round(fraction * count)`` samples to validation, kept in 1..count - 1."""
    validation = np.zeros(len(codes), dtype=bool)
    for k, count in enumerate(counts):
        members = np.flatnonzero(codes == k)
        n_val = min(max(int(np.floor(fraction * count + 0.5)), 1), count - 1)
        validation[rng.choice(members, n_val, replace=False)] = True
    return validation


def _warn_raised_share(names: NDArray, counts: NDArray, fraction: float, n_val: int) -> None:
    """Say when classes too small for the fraction got one validation sample each."""
    raised = np.floor(fraction * counts + 0.5) < 1
    if raised.any():
        shown = ", ".join(repr(v) for v in names[raised][:10].tolist())
        more = f" and {int(raised.sum()) - 10} more" if raised.sum() > 10 else ""
        warnings.warn(
            f"{int(raised.sum())} of {len(names)} classes ({shown}{more}) have too few samples "
            f"(fewest: {int(counts.min())}) for validation_fraction={fraction} to give them a "
            f"validation sample; each got one, so validation holds {n_val} of "
            f"{int(counts.sum())} samples ({n_val / counts.sum():.0%}).",
            UserWarning,
            stacklevel=3,
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


def _cover(counts: NDArray, taken: NDArray, target: NDArray, totals: NDArray, rng: Any) -> None:
    """Add groups to validation (in place) until every class has a validation sample.

    Each class without one gets the group, among those holding it, that brings the
    counts closest to ``target`` without taking any class's last training sample;
    a class may stay without one when no such group is left.
    """
    current = counts[taken].sum(axis=0)
    missing = np.flatnonzero(current == 0)
    if not len(missing):  # the usual case: the seed's split is the greedy pass's
        return
    for k in rng.permutation(missing):
        if current[k] > 0:  # covered by a group taken for another class
            continue
        holders = np.flatnonzero(~taken & (counts[:, k] > 0))
        proposals = current + counts[holders]
        allowed = ~np.any((proposals >= totals) & (counts[holders] > 0), axis=1)
        if not allowed.any():
            continue
        costs = np.abs(proposals[allowed] - target).sum(axis=1)
        best = np.flatnonzero(allowed)[np.argmin(costs)]
        g = holders[best]
        taken[g] = True
        current = proposals[best]


def _split_groups(
    codes: NDArray, group_codes: NDArray, n_groups: int, fraction: float, rng: Any
) -> NDArray:
    """Boolean mask over groups (which go to validation), every class on both sides if it can."""
    n_classes = int(codes.max()) + 1
    counts = np.zeros((n_groups, n_classes))
    np.add.at(counts, (group_codes, codes), 1)
    totals = counts.sum(axis=0)
    target = fraction * totals
    best, best_cost = None, (np.inf, np.inf)
    for _ in range(max(1, min(_MAX_PASSES, _WORK // n_groups))):
        taken = _greedy(counts, target, rng.permutation(n_groups), totals)
        _cover(counts, taken, target, totals, rng)
        uncovered = int(np.sum(counts[taken].sum(axis=0) == 0))
        cost = (uncovered, np.abs(counts[taken].sum(axis=0) - target).sum())
        if cost < best_cost:
            best, best_cost = taken, cost
    return best


def _refuse_uncovered(
    names: NDArray, codes: NDArray, group_names: NDArray, group_codes: NDArray, missing: NDArray
) -> None:
    """Say, in classes and groups, why some classes cannot be on both sides."""
    lines = []
    for k in np.flatnonzero(missing)[:10]:
        holders = np.unique(group_codes[codes == k])
        shown = ", ".join(repr(v) for v in group_names[holders][:3].tolist())
        more = ", ..." if len(holders) > 3 else ""
        lines.append(
            f"class {names[k].item()!r}: {int(np.sum(codes == k))} samples in {len(holders)} "
            f"group{'s' if len(holders) > 1 else ''} ({shown}{more})"
        )
    raise ValueError(
        f"{int(missing.sum())} class(es) cannot have samples on both sides of a split that keeps "
        f"each of the {len(group_names)} groups whole: {'; '.join(lines)}. A class needs "
        "samples in at least two groups, and groups that can go to validation without taking "
        "another class's last training samples; give finer groups (one per recording rather "
        "than per subject), more data, or drop those classes."
    )


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
    validation, at least one and never all.

    Every class has at least one sample on each side: the training side, so that
    the networks learn it, and the validation side, so that it is scored. A class
    too small for the fraction gets one validation sample all the same (a warning
    says how far the validation share then grows); a split that cannot give every
    class both sides (a class with one sample, or held by one group) is refused
    with the classes and groups named.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class labels: integers of any width, floats that are whole numbers,
        strings, bytes, booleans, dates or durations.
    groups : array-like of shape (n_samples,) or None, default=None
        Group of each sample (subject, recording), of the same types; ``None``:
        every sample is its own group.
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
        not match ``y``, if one group holds every sample (nothing could be held
        out without splitting it), if whole groups cannot give every class a
        sample on both sides (the classes and their groups are named), or if the
        labels or groups are missing (NaN, None) or not class labels (continuous
        or complex numbers).
    TypeError
        If the labels or groups mix types or hold other objects.

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
    if groups is None:
        validation = _stratified(codes, counts, fraction, rng)
        _warn_raised_share(names, counts, fraction, int(validation.sum()))
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
        missing = np.bincount(codes[validation], minlength=len(names)) == 0
        if missing.any():
            _refuse_uncovered(names, codes, group_names, group_codes, missing)
    return np.flatnonzero(~validation), np.flatnonzero(validation)
