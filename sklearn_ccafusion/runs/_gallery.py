"""The reproduction as the example gallery runs it: real data when given, else quick."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from sklearn_ccafusion.runs._pipeline import reproduce
from sklearn_ccafusion.runs._results import Reproduction

__all__ = ["gallery_run"]


def gallery_run(dataset: str, stand_in: str, data_dir_variable: str) -> Reproduction:
    """Reproduce ``dataset`` if an environment variable names its folder, else a quick stand-in.

    The real run uses the paper's settings (3 pairs, 5 repeats) on the device named
    by ``CCAFUSION_DEVICE`` (default ``cpu``); the stand-in is the quick version of
    ``stand_in`` (1 pair, 2 repeats) on CPU. Outputs and trained networks are
    cached in the temporary folder, so figures of the same data share them.

    Parameters
    ----------
    dataset : str
        The real data set, ``"shl"`` or ``"cifar10"``.
    stand_in : str
        What runs without the data: ``"digits"`` or ``"synthetic-shl"``.
    data_dir_variable : str
        Environment variable holding the data folder.

    Returns
    -------
    reproduction : Reproduction

    Examples
    --------
    Without ``CCAFUSION_SHL_DIR`` set, the quick stand-in runs (about 10 s):

    >>> from sklearn_ccafusion.runs import gallery_run
    >>> run = gallery_run("shl", "synthetic-shl", "CCAFUSION_SHL_DIR")  # doctest: +SKIP
    >>> run.dataset  # doctest: +SKIP
    'synthetic-shl'
    """
    data_dir = os.environ.get(data_dir_variable)
    name = dataset if data_dir else stand_in
    real = data_dir is not None
    return reproduce(
        name,
        data_dir=data_dir,
        device=os.environ.get("CCAFUSION_DEVICE", "cpu") if real else "cpu",
        out=Path(tempfile.gettempdir()) / "ccafusion-examples" / name,
        quick=not real,
        pairs=3 if real else 1,
        repeats=5 if real else 2,
        progress=False,
        overwrite=True,
    )
