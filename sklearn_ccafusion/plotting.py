"""Figures of the study: tidy DataFrame in, matplotlib Figure out.

The figures are built on :class:`matplotlib.figure.Figure` directly (no pyplot
state), so they render headless and in parallel. Each method keeps one colour
across every figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from sklearn_ccafusion._plot_fusion import plot_fusion
from sklearn_ccafusion._plot_layers import plot_layer_depth, plot_layer_similarity
from sklearn_ccafusion._validation import check_results_table
from sklearn_ccafusion.study import summarize_study

__all__ = [
    "METHOD_COLORS",
    "plot_cross_sensor",
    "plot_fusion",
    "plot_layer_depth",
    "plot_layer_similarity",
    "plot_subspace_study",
    "save_figure",
]


def __dir__() -> list[str]:
    """Public names only: what ``from module import *`` gives."""
    return sorted(__all__)

#: One colour per subspace-selection method, shared by every figure.
METHOD_COLORS = {
    "cca_highest": "#d62728",
    "cca_lowest": "#1f77b4",
    "cca_random": "#9467bd",
    "pca": "#ff7f0e",
    "max_activation": "#2ca02c",
    "random_selection": "#8c564b",
    "random_projection": "#7f7f7f",
}
_METRIC_LABELS = {"accuracy": "accuracy", "f1_macro": "macro F1"}


def _draw_curves(ax, summary: pd.DataFrame, methods: Sequence[str], n_classes: int | None):
    for method in methods:
        curve = summary[summary["method"] == method].sort_values("n")
        if curve.empty:
            continue
        color = METHOD_COLORS.get(method)
        ax.plot(curve["n"], curve["mean"], marker=".", color=color, label=method, lw=1.5)
        ax.fill_between(
            curve["n"],
            curve["mean"] - curve["std"],
            curve["mean"] + curve["std"],
            color=color,
            alpha=0.2,
            lw=0,
        )
    if n_classes is not None:
        ax.axvline(n_classes, color="black", ls=":", lw=1)
    ax.set_xscale("log", base=2)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.grid(True, which="major", alpha=0.3)


def _legend(figure: Figure, ax, width_inches: float) -> None:
    handles, labels = ax.get_legend_handles_labels()
    ncols = max(1, min(len(labels), int(width_inches // 1.7)))
    figure.legend(handles, labels, loc="outside lower center", ncols=ncols)


def plot_subspace_study(
    results: pd.DataFrame,
    *,
    column: str | None = "sensor",
    n_classes: int | None = None,
    methods: Sequence[str] | None = None,
    heads: Sequence[str] = ("original", "retrained"),
) -> Figure:
    """Score against subspace dimension (the paper's figure 4 layout).

    One column per value of ``column`` (data set or sensor), the original head
    on the top row and the retrained head below, log x axis, a dotted line at
    ``n_classes``, mean +- standard deviation bands over pairs and repeats.

    Parameters
    ----------
    results : pandas.DataFrame
        Output of :func:`~sklearn_ccafusion.study.subspace_study`.
    column : str or None, default="sensor"
        Column of ``results`` that makes the figure's columns; ignored when
        absent.
    n_classes : int or None, default=None
        Where to draw the dotted line.
    methods : sequence of str or None, default=None
        Methods to draw, in legend order; ``None``: all present.
    heads : sequence of str, default=("original", "retrained")
        Heads to draw, one row each (those absent from ``results`` are skipped).

    Returns
    -------
    figure : matplotlib.figure.Figure
        Not attached to pyplot: save it with ``figure.savefig(path)``.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_ccafusion.plotting import plot_subspace_study
    >>> results = pd.DataFrame({
    ...     "pair": 0, "method": ["pca", "pca", "cca_highest", "cca_highest"], "repeat": 0,
    ...     "seed": 0, "n": [1, 2, 1, 2], "head": "original", "metric": "accuracy",
    ...     "score": [0.4, 0.9, 0.5, 0.9], "n_iter": 0})
    >>> figure = plot_subspace_study(results, n_classes=2)
    >>> len(figure.axes), figure.axes[0].get_xscale()
    (1, 'log')
    """
    check_results_table(
        results, {"method", "n", "head", "metric", "score"}, "results", "subspace_study"
    )
    summary = summarize_study(results)
    if column is None or column not in summary.columns:
        summary = summary.assign(_column="")
        column = "_column"
    panels = list(dict.fromkeys(summary[column]))
    rows = [h for h in heads if h in set(summary["head"])]
    if not rows:
        raise ValueError(
            f"results has no rows for the heads {list(heads)}; heads present: "
            f"{sorted(set(summary['head']))}. Pass heads= with some of them."
        )
    methods = (
        list(methods)
        if methods is not None
        else [m for m in METHOD_COLORS if m in set(summary["method"])]
    )
    if not set(methods) & set(summary["method"]):
        raise ValueError(
            f"results has no rows for the methods {methods}; methods present: "
            f"{sorted(set(summary['method']))}."
        )
    metric = _METRIC_LABELS.get(str(results["metric"].iloc[0]), "score")
    width = max(3.4 * len(panels), 5.0)
    figure = Figure(figsize=(width, 2.8 * len(rows) + 0.9), layout="constrained")
    axes = np.atleast_2d(figure.subplots(len(rows), len(panels), sharex=True, squeeze=False))
    for i, head in enumerate(rows):
        for j, panel in enumerate(panels):
            ax = axes[i, j]
            part = summary[(summary[column] == panel) & (summary["head"] == head)]
            _draw_curves(ax, part, methods, n_classes)
            if i == 0 and panel != "":
                ax.set_title(str(panel))
            if j == 0:
                ax.set_ylabel(f"{metric}\n({head} layer)")
            if i == len(rows) - 1:
                ax.set_xlabel("subspace dimension n")
    _legend(figure, axes[0, 0], width)
    return figure


def plot_cross_sensor(results: pd.DataFrame, *, n_classes: int | None = None) -> Figure:
    """The cross-sensor grid (the paper's figure 5): data sensor x CCA partner.

    Parameters
    ----------
    results : pandas.DataFrame
        Output of :func:`~sklearn_ccafusion.study.cross_sensor_study` (columns
        ``sensor`` and ``partner``).
    n_classes : int or None, default=None
        Where to draw the dotted line.

    Returns
    -------
    figure : matplotlib.figure.Figure
        Columns are the data sensors, rows the CCA partners.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_ccafusion.plotting import plot_cross_sensor
    >>> results = pd.DataFrame({
    ...     "sensor": ["acc", "acc", "gyr", "gyr"], "partner": ["acc", "gyr", "acc", "gyr"],
    ...     "pair": 0, "method": "cca_highest", "repeat": 0, "seed": 0, "n": 8,
    ...     "head": "original", "metric": "f1_macro", "score": [0.85, 0.84, 0.72, 0.78],
    ...     "n_iter": 0})
    >>> [ax.get_title() for ax in plot_cross_sensor(results, n_classes=8).axes]
    ['data: acc', 'data: gyr', '', '']
    """
    required = {"sensor", "partner", "method", "n", "head", "metric", "score"}
    check_results_table(results, required, "results", "cross_sensor_study")
    original = results[results["head"] == "original"]
    if original.empty:
        raise ValueError(
            "results has no rows with head == 'original' (the networks' own layers), which "
            f"plot_cross_sensor draws; heads present: {sorted(set(results['head']))}."
        )
    summary = summarize_study(original)
    sensors = list(dict.fromkeys(summary["sensor"]))
    partners = list(dict.fromkeys(summary["partner"]))
    methods = [m for m in METHOD_COLORS if m in set(summary["method"])]
    metric = _METRIC_LABELS.get(str(results["metric"].iloc[0]), "score")
    width = max(3.2 * len(sensors), 5.0)
    figure = Figure(figsize=(width, 2.6 * len(partners) + 0.6), layout="constrained")
    axes = figure.subplots(len(partners), len(sensors), sharex=True, sharey=True, squeeze=False)
    for i, partner in enumerate(partners):
        for j, sensor in enumerate(sensors):
            ax = axes[i, j]
            part = summary[(summary["sensor"] == sensor) & (summary["partner"] == partner)]
            _draw_curves(ax, part, methods, n_classes)
            if i == 0:
                ax.set_title(f"data: {sensor}")
            if j == 0:
                ax.set_ylabel(f"partner: {partner}\n{metric}")
            if i == len(partners) - 1:
                ax.set_xlabel("subspace dimension n")
    _legend(figure, axes[0, 0], width)
    return figure


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
