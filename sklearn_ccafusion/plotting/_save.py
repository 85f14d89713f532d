"""Saving a figure together with the numbers it shows: the package's one figure saver."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from sklearn_ccafusion.utils._files import atomic_write

__all__ = ["save_figure"]

#: Resolution of every PNG the package writes.
DPI = 120


def save_figure(figure: Figure, path: str | Path, data: pd.DataFrame | None = None) -> Path:
    """Save a figure as PNG, and the numbers it shows as CSV beside it.

    Each file is written under a temporary name and then renamed, so an
    interrupted run never leaves a truncated figure or table.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
    path : str or Path
        Target ``.png`` file; the CSV gets the same name with ``.csv``.
    data : pandas.DataFrame or None
        The numbers to save next to the figure.

    Returns
    -------
    path : Path
        The PNG written.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import pandas as pd
    >>> from matplotlib.figure import Figure
    >>> from sklearn_ccafusion.plotting import save_figure
    >>> figure = Figure()
    >>> _ = figure.subplots().plot([1, 2], [0.5, 0.9])
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> path = save_figure(figure, folder / "curve", data=pd.DataFrame({"n": [1, 2]}))
    >>> path.name, path.with_suffix(".csv").exists()
    ('curve.png', True)
    """
    if not hasattr(figure, "savefig"):
        raise TypeError(
            f"figure must be a matplotlib Figure (as the plot_* functions return), got "
            f"{type(figure).__name__}."
        )
    if data is not None and not hasattr(data, "to_csv"):
        raise TypeError(
            f"data must be a pandas DataFrame of the numbers the figure shows, or None; got "
            f"{type(data).__name__}."
        )
    path = Path(path).with_suffix(".png")
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda tmp: figure.savefig(tmp, format="png", dpi=DPI))
    if data is not None:
        atomic_write(path.with_suffix(".csv"), lambda tmp: data.to_csv(tmp, index=False))
    return path
