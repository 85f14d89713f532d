"""The study's pairing rule: network ``i`` is projected, network ``i + n_pairs`` is its partner.

A sensor's ``2 * n_pairs`` networks are split in halves, as in the original
study's code (Moreau et al. 2021, section 3): the first half are the networks
whose features are projected, the second half their CCA partners, so no network
is ever its own partner and every pair is made of two different initialisations.
Across sensors the rule is the same, network ``i`` of one sensor with network
``i + n_pairs`` of the other.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from sklearn_ccafusion.utils._validation import check_count

__all__ = ["network_pairs"]

T = TypeVar("T")


def network_pairs(
    networks: Sequence[T], partners: Sequence[T] | None = None, *, n_pairs: int
) -> list[tuple[T, T]]:
    """The ``n_pairs`` (projected network, CCA partner) pairs of the study.

    Parameters
    ----------
    networks : sequence
        The networks of the projected sensor, at least ``n_pairs`` of them.
    partners : sequence or None, default=None
        The networks of the partner sensor, at least ``2 * n_pairs`` of them;
        ``None``: ``networks`` (the same-sensor case).
    n_pairs : int
        Number of pairs, at least 1.

    Returns
    -------
    pairs : list of (network, partner)
        Pair ``i`` is ``(networks[i], partners[i + n_pairs])``.

    Examples
    --------
    >>> network_pairs(["a0", "a1", "a2", "a3"], n_pairs=2)
    [('a0', 'a2'), ('a1', 'a3')]
    >>> network_pairs(["a0", "a1"], ["b0", "b1"], n_pairs=1)
    [('a0', 'b1')]
    """
    partners = networks if partners is None else partners
    n_pairs = check_count(n_pairs, "n_pairs")
    if len(networks) < n_pairs or len(partners) < 2 * n_pairs:
        raise ValueError(
            f"{n_pairs} pairs need {n_pairs} networks and {2 * n_pairs} partners (network i "
            f"is paired with partner i + n_pairs); got {len(networks)} and {len(partners)}."
        )
    return [(networks[i], partners[i + n_pairs]) for i in range(n_pairs)]
