"""Where a figure function draws: new axes on a new Figure, or the caller's ``ax``.

scikit-learn's displays draw on a given ``ax`` when there is one; the figure functions
here do the same, for every panel they draw.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = ["panel_axes"]


def panel_axes(
    ax,
    shape: tuple[int, int],
    *,
    figsize: tuple[float, float],
    what: str,
    **subplots_kw,
) -> tuple[Figure, np.ndarray, bool]:
    """The figure and a (rows, columns) array of Axes to draw ``shape`` panels on.

    Parameters
    ----------
    ax : matplotlib Axes, array-like of Axes or None
        ``None``: a new :class:`~matplotlib.figure.Figure` (constrained layout) and
        its subplots. Otherwise exactly ``rows * columns`` Axes of one figure, in row
        order (a single Axes when there is one panel).
    shape : tuple of int
        Rows and columns of panels.
    figsize : tuple of float
        Size of a new figure.
    what : str
        What the panels are, for the error message.
    **subplots_kw
        Passed to :meth:`~matplotlib.figure.Figure.subplots` for a new figure.

    Returns
    -------
    figure : matplotlib.figure.Figure or matplotlib.figure.SubFigure
        The figure the panels belong to.
    axes : ndarray of Axes, of shape ``shape``
    created : bool
        Whether the figure is new (the function may then place its legend outside
        the panels).
    """
    rows, columns = shape
    if ax is None:
        figure = Figure(figsize=figsize, layout="constrained")
        axes = figure.subplots(rows, columns, squeeze=False, **subplots_kw)
        return figure, axes, True
    given = np.array(ax, dtype=object).reshape(-1) if not isinstance(ax, Axes) else [ax]
    given = list(given)
    bad = [type(a).__name__ for a in given if not isinstance(a, Axes)]
    if bad:
        raise TypeError(f"ax must be matplotlib Axes (or an array of them), got {bad[0]}.")
    if len(given) != rows * columns:
        raise ValueError(
            f"ax holds {len(given)} Axes, but the figure draws {rows * columns} panels "
            f"({rows} x {columns}: {what}); pass that many, in row order, or ax=None."
        )
    figures = {id(a.figure) for a in given}
    if len(figures) != 1:
        raise ValueError("ax must hold Axes of one figure.")
    axes = np.empty((rows, columns), dtype=object)
    axes.ravel()[:] = given
    return given[0].figure, axes, False
