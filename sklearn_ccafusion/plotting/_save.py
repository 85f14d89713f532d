"""Saving a figure together with the numbers it shows: the package's one figure saver."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from sklearn_ccafusion.utils._files import atomic_write

__all__ = ["save_figure"]

#: Resolution of every PNG the package writes.
DPI = 120


def _png_path(figure: Figure, path: str | Path) -> Path:
    """``path`` as the PNG to write: ``.png`` added unless given, other formats refused."""
    import os

    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            f"path must be a file name (str or Path), got {path!r} ({type(path).__name__})."
        )
    if not str(path).strip():
        raise ValueError("path must name a .png file, got an empty string.")
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"path {path} is a folder; give a file name in it, e.g. {path / 'x.png'}.")
    suffix = path.suffix.lower()
    formats = figure.canvas.get_supported_filetypes() if hasattr(figure, "canvas") else {}
    if suffix != ".png" and suffix[1:] in formats:
        raise ValueError(
            f"path {path} asks for {suffix[1:].upper()}, but figures are saved as PNG (with "
            "their numbers as CSV beside them); give a name ending in .png."
        )
    if suffix != ".png":  # no suffix, or a dot in the name ("curve.v2"): kept whole
        path = path.with_name(path.name + ".png")
    blocking = next((p for p in path.parents if p.exists()), None)
    if blocking is not None and not blocking.is_dir():
        raise ValueError(f"path {path} cannot be written: {blocking} is a file, not a folder.")
    return path


def save_figure(figure: Figure, path: str | Path, data: pd.DataFrame | None = None) -> Path:
    """Save a figure as PNG, and the numbers it shows as CSV beside it.

    Each file is written under a temporary name and then renamed, so an
    interrupted run never leaves a truncated figure or table.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
    path : str or Path
        Target ``.png`` file (``.png`` is added to a name without it; another
        image format, such as ``.pdf``, is refused); the CSV gets the same name
        with ``.csv``.
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
    path = _png_path(figure, path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda tmp: figure.savefig(tmp, format="png", dpi=DPI))
    if data is not None:
        atomic_write(path.with_suffix(".csv"), lambda tmp: data.to_csv(tmp, index=False))
    return path
