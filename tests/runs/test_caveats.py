"""Warnings of a run become its caveats, from this process and from joblib's workers."""

from __future__ import annotations

import warnings

from joblib import Parallel, delayed

from sklearn_ccafusion.runs._caveats import (
    collect_caveats,
    current_caveats,
    format_caveats,
    records_caveats,
)
from sklearn_ccafusion.utils._workers import workers_end_with_parent


def _warn(i):
    warnings.warn(f"task warning {i % 2}", UserWarning)
    return i


@records_caveats
def _run():
    Parallel(n_jobs=2)(delayed(_warn)(i) for i in range(4))
    return current_caveats()


def test_worker_and_parent_warnings_are_collected_once(capfd):
    with collect_caveats() as caveats:
        warnings.warn("while loading")
        with workers_end_with_parent():
            inside = _run()
    expected = [
        "UserWarning: while loading",
        "UserWarning: task warning 0",
        "UserWarning: task warning 1",
    ]
    assert sorted(inside) == sorted(expected)
    assert sorted(caveats.messages()) == sorted(expected)
    assert "task warning" not in capfd.readouterr().err  # nothing raw on stderr


def test_sequential_runs_and_formatting():
    with collect_caveats() as caveats:
        Parallel(n_jobs=1)(delayed(_warn)(i) for i in range(3))
        warnings.warn("multi\n  line", RuntimeWarning)
    assert caveats.messages() == [
        "UserWarning: task warning 0",
        "UserWarning: task warning 1",
        "RuntimeWarning: multi line",
    ]
    assert current_caveats() == []  # nothing active any more
    text = format_caveats(caveats.messages())
    assert text.splitlines()[0].startswith("Caveats") and "  3. RuntimeWarning" in text
    assert format_caveats([]) == ""
