"""Figures of the subspace study: score against subspace dimension, per sensor and per
CCA partner (the paper's figures 4 and 5). Each method keeps one colour in both."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from sklearn_ccafusion.plotting._axes import panel_axes
from sklearn_ccafusion.study import summarize_study
from sklearn_ccafusion.utils._display_names import figure_text
from sklearn_ccafusion.utils._validation import check_results_table

__all__ = ["METHOD_COLORS", "plot_cross_sensor", "plot_subspace_study"]

#: One colour per subspace-selection method, shared by every figure: seven of the
#: Okabe & Ito colours, distinct under the common colour-vision deficiencies.
METHOD_COLORS = {
    "cca_highest": "#D55E00",  # vermillion
    "cca_lowest": "#0072B2",  # blue
    "cca_random": "#CC79A7",  # reddish purple
    "pca": "#E69F00",  # orange
    "max_activation": "#009E73",  # bluish green
    "random_selection": "#56B4E9",  # sky blue
    "random_projection": "#000000",  # black
}
# a marker per method as well, so no curve is told apart by its colour alone
_METHOD_MARKERS = {
    "cca_highest": "o",
    "cca_lowest": "v",
    "cca_random": "D",
    "pca": "s",
    "max_activation": "^",
    "random_selection": "P",
    "random_projection": "X",
}
_N_CLASSES_STYLE = {"color": "black", "ls": ":", "lw": 1}
_METRIC_LABELS = {"accuracy": "accuracy", "f1_macro": "macro F1"}


def _draw_curves(ax, summary: pd.DataFrame, methods: Sequence[str], n_classes: int | None):
    for method in methods:
        curve = summary[summary["method"] == method].sort_values("n")
        if curve.empty:
            continue
        color = METHOD_COLORS.get(method)
        marker = _METHOD_MARKERS.get(method, ".")
        ax.plot(
            curve["n"], curve["mean"], marker=marker, ms=3.5, color=color, label=method, lw=1.5
        )
        ax.fill_between(
            curve["n"],
            curve["mean"] - curve["std"],
            curve["mean"] + curve["std"],
            color=color,
            alpha=0.2,
            lw=0,
        )
    if n_classes is not None:
        ax.axvline(n_classes, label=f"n = K = {n_classes} classes", **_N_CLASSES_STYLE)
    ax.set_xscale("log", base=2)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.grid(True, which="major", alpha=0.3)


def _curve_grid(
    summary: pd.DataFrame,
    *,
    rows: tuple[str, list],
    columns: tuple[str, list],
    methods: Sequence[str],
    n_classes: int | None,
    title: Callable[[object], str],
    ylabel: Callable[[object], str],
    panel_size: tuple[float, float],
    margin: float,
    sharey: bool,
    ax=None,
) -> Figure:
    """Score curves in a grid, one panel per (row, column) value of ``summary``.

    ``rows`` and ``columns`` are (column of ``summary``, its values in order); titles on
    the top row, y labels on the first column, one legend: below a new figure's grid, in
    the first panel of given axes. The legend names every line, the ``n = K`` marker and
    what the bands are.
    """
    (row_key, row_values), (column_key, column_values) = rows, columns
    width = max(panel_size[0] * len(column_values), 5.0)
    figure, axes, created = panel_axes(
        ax,
        (len(row_values), len(column_values)),
        figsize=(width, panel_size[1] * len(row_values) + margin),
        what=f"{row_key} x {column_key}",
        sharex=True,
        sharey=sharey,
    )
    for i, row in enumerate(row_values):
        for j, column in enumerate(column_values):
            ax = axes[i, j]
            part = summary[(summary[row_key] == row) & (summary[column_key] == column)]
            _draw_curves(ax, part, methods, n_classes)
            if i == 0:
                ax.set_title(title(column))
            if j == 0:
                ax.set_ylabel(ylabel(row))
            if i == len(row_values) - 1:
                ax.set_xlabel("subspace dimension n")
    handles, labels = _legend_entries(axes)
    if not created:
        axes[0, 0].legend(handles, labels, fontsize=7)
        return figure
    ncols = max(1, min(len(labels), int(width // 2.2)))
    figure.legend(handles, labels, loc="outside lower center", ncols=ncols)
    return figure


def _legend_entries(axes) -> tuple[list, list[str]]:
    """Every method's line once (whichever panel has it), the n = K line, the bands."""
    entries: dict[str, object] = {}
    for ax in axes.ravel():
        for handle, label in zip(*ax.get_legend_handles_labels()):
            entries.setdefault(label, handle)
    marker = [label for label in entries if label.startswith("n = K")]
    labels = [label for label in entries if label not in marker] + marker
    handles = [entries[label] for label in labels]
    if labels:
        handles.append(Patch(facecolor="0.5", alpha=0.3, lw=0))
        labels.append("band: mean ± 1 s.d. (pairs, repeats)")
    return handles, labels


def plot_subspace_study(
    results: pd.DataFrame,
    *,
    column: str | None = "sensor",
    n_classes: int | None = None,
    methods: Sequence[str] | None = None,
    heads: Sequence[str] = ("original", "retrained"),
    ax=None,
) -> Figure:
    """Score against subspace dimension (the paper's figure 4 layout).

    One column per value of ``column`` (data set or sensor), the original head
    on the top row and the retrained head below, log x axis, a dotted line at
    ``n_classes``, mean +- standard deviation bands over pairs and repeats. Each
    method has its own colour-blind-safe colour and marker; the legend names every
    line, the dotted line and the bands.

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
    ax : matplotlib Axes, array-like of Axes or None, default=None
        Where to draw: ``None`` makes a new figure; otherwise one Axes per panel, of
        one figure, in row order (heads x columns), e.g. from ``plt.subplots``. The legend
        then goes in the first panel.

    Returns
    -------
    figure : matplotlib.figure.Figure
        Not attached to pyplot: save it with ``figure.savefig(path)``. With ``ax``:
        the figure of ``ax``.

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

    On axes of your own:

    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> plot_subspace_study(results, n_classes=2, heads=["original"], ax=ax) is ax.figure
    True
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
    return _curve_grid(
        summary,
        rows=("head", rows),
        columns=(column, panels),
        methods=methods,
        n_classes=n_classes,
        title=figure_text,
        ylabel=lambda head: f"{metric}\n({head} layer)",
        panel_size=(3.4, 2.8),
        margin=0.9,
        sharey=False,
        ax=ax,
    )


def plot_cross_sensor(
    results: pd.DataFrame, *, n_classes: int | None = None, ax=None
) -> Figure:
    """The cross-sensor grid (the paper's figure 5): data sensor x CCA partner.

    Parameters
    ----------
    results : pandas.DataFrame
        Output of :func:`~sklearn_ccafusion.study.cross_sensor_study` (columns
        ``sensor`` and ``partner``).
    n_classes : int or None, default=None
        Where to draw the dotted line.
    ax : matplotlib Axes, array-like of Axes or None, default=None
        Where to draw: ``None`` makes a new figure; otherwise one Axes per panel, of
        one figure, in row order (partners x sensors), e.g. from ``plt.subplots``. The legend
        then goes in the first panel.

    Returns
    -------
    figure : matplotlib.figure.Figure
        Columns are the data sensors, rows the CCA partners. With ``ax``: the figure
        of ``ax``.

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
    return _curve_grid(
        summary,
        rows=("partner", partners),
        columns=("sensor", sensors),
        methods=methods,
        n_classes=n_classes,
        title=lambda sensor: f"data: {figure_text(sensor)}",
        ylabel=lambda partner: f"partner: {figure_text(partner)}\n{metric}",
        panel_size=(3.2, 2.6),
        margin=0.6,
        sharey=True,
        ax=ax,
    )
