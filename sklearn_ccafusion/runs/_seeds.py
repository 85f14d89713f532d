"""The random streams of a run, named: every seed a run draws comes from one of them.

A run's ``seed`` feeds several independent streams: the networks' initialisations
(one per sensor and network), the subspace study's random methods (one per
sensor) and the cross-sensor study's. Each draw is a
:class:`numpy.random.SeedSequence` of ``(seed, sensor, STREAM_WIDTH * stream +
index)``: streams never overlap, and the same ``seed`` draws the numbers it drew
in every earlier version.
"""

from __future__ import annotations

import numpy as np

__all__ = ["SEED_STREAMS", "STREAM_WIDTH", "stream_seed"]

#: The streams, numbered.
SEED_STREAMS = {"networks": 0, "subspace study": 1, "cross-sensor study": 2}
#: Draws a stream holds per sensor (its indices).
STREAM_WIDTH = 10_000


def stream_seed(seed: int, stream: str, *, sensor: int = 0, index: int = 0) -> int:
    """The seed of one draw of a named stream.

    Parameters
    ----------
    seed : int
        The run's seed.
    stream : {"networks", "subspace study", "cross-sensor study"}
        Which stream.
    sensor : int, default=0
        Position of the sensor in the data set.
    index : int, default=0
        Position within the stream (the network's number).

    Returns
    -------
    seed : int
        In ``[0, 2**31)``, a valid seed for numpy, torch and scikit-learn.

    Examples
    --------
    >>> stream_seed(0, "networks", sensor=1, index=2) == stream_seed(0, "networks", sensor=1,
    ...                                                             index=2)
    True
    >>> stream_seed(0, "networks") != stream_seed(0, "subspace study")
    True
    """
    if stream not in SEED_STREAMS:
        raise ValueError(f"Unknown seed stream {stream!r}; choose one of {list(SEED_STREAMS)}.")
    if not 0 <= index < STREAM_WIDTH:
        raise ValueError(f"index must be in [0, {STREAM_WIDTH}), got {index}.")
    sequence = np.random.SeedSequence([seed, sensor, STREAM_WIDTH * SEED_STREAMS[stream] + index])
    return int(sequence.generate_state(1)[0] % (2**31))
