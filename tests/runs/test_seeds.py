"""Named seed streams: independent, and the numbers of earlier versions."""

from __future__ import annotations

import numpy as np
import pytest

from sklearn_ccafusion.runs._seeds import stream_seed


def _earlier(seed, sensor, word):
    """How earlier versions drew a seed: SeedSequence([seed, sensor, word])."""
    return int(np.random.SeedSequence([seed, sensor, word]).generate_state(1)[0] % (2**31))


@pytest.mark.parametrize("seed", [0, 7])
def test_streams_keep_the_earlier_numbers(seed):
    for sensor in range(3):
        for index in range(6):
            got = stream_seed(seed, "networks", sensor=sensor, index=index)
            assert got == _earlier(seed, sensor, index)
        got = stream_seed(seed, "subspace study", sensor=sensor)
        assert got == _earlier(seed, sensor, 10_000)
    assert stream_seed(seed, "cross-sensor study") == _earlier(seed, 0, 20_000)


def test_streams_do_not_overlap():
    drawn = {
        stream_seed(0, stream, sensor=s, index=i)
        for stream in ("networks", "subspace study", "cross-sensor study")
        for s in range(3)
        for i in range(4)
    }
    assert len(drawn) == 3 * 3 * 4


def test_bad_stream_or_index():
    with pytest.raises(ValueError, match="seed stream"):
        stream_seed(0, "fusion")
    with pytest.raises(ValueError, match="index"):
        stream_seed(0, "networks", index=10_000)
