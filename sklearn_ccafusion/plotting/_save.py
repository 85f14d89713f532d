"""Saving a figure together with the numbers it shows."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

__all__ = ["save_figure"]


def save_figure(figure: Figure, path: str | Path, data: pd.DataFrame | None = None) -> Path:
    """Save a figure as PNG, and the numbers it shows as CSV beside it.

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
    figure.savefig(path, dpi=120)
    if data is not None:
        data.to_csv(path.with_suffix(".csv"), index=False)
    return path
