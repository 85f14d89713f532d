"""Figures of the layer study: layer x layer similarity maps, and scores along the depth."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sklearn_ccafusion.plotting._axes import panel_axes
from sklearn_ccafusion.plotting._study import METHOD_COLORS
from sklearn_ccafusion.utils._validation import check_results_table

__all__ = ["plot_layer_depth", "plot_layer_similarity"]

_MEASURE_LABELS = {
    "cca_top": "mean of the first K\ncanonical correlations",
    "svcca": "SVCCA",
    "pwcca": "PWCCA",
    "cka": "linear CKA",
    "cka_debiased": "linear CKA (debiased)",
}
_PROBE_STYLES = {
    "full": ("whole layer", "black", "-"),
    "cca_highest": ("K most correlated directions", METHOD_COLORS["cca_highest"], "-"),
    "cca_lowest": ("K least correlated directions", METHOD_COLORS["cca_lowest"], "-"),
}


def plot_layer_similarity(
    similarity: pd.DataFrame, *, measures: Sequence[str] | None = None, ax=None
) -> Figure:
    """Layer x layer heatmaps of the similarity measures, one panel per measure.

    Parameters
    ----------
    similarity : pandas.DataFrame
        ``similarity`` of :func:`sklearn_ccafusion.study.layer_study`.
    measures : sequence of str or None, default=None
        Panels, in order; ``None``: every measure present.
    ax : matplotlib Axes, array-like of Axes or None, default=None
        Where to draw: ``None`` makes a new figure; otherwise one Axes per panel, of
        one figure (one per measure), e.g. from ``plt.subplots``.

    Returns
    -------
    figure : matplotlib.figure.Figure
        Rows of a panel are network 1's layers (shallow at the top), columns
        network 2's; each cell shows its value. With ``ax``: the figure of ``ax``.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_ccafusion.plotting import plot_layer_similarity
    >>> df = pd.DataFrame({"layer_1": ["a", "a", "b", "b"], "depth_1": [1, 1, 2, 2],
    ...                    "layer_2": ["a", "b", "a", "b"], "depth_2": [1, 2, 1, 2],
    ...                    "measure": "cka", "value": [0.9, 0.5, 0.5, 0.8]})
    >>> len(plot_layer_similarity(df).axes)
    2
    """
    check_results_table(
        similarity,
        {"measure", "layer_1", "layer_2", "depth_1", "depth_2", "value"},
        "similarity",
        "layer_study (its similarity table)",
    )
    measures = list(dict.fromkeys(similarity["measure"])) if measures is None else list(measures)
    unknown = sorted(set(measures) - set(similarity["measure"]))
    if unknown:
        raise ValueError(
            f"No values for measure(s) {unknown}; the data have "
            f"{sorted(set(similarity['measure']))}."
        )
    rows = similarity.drop_duplicates("layer_1").sort_values("depth_1")["layer_1"].tolist()
    cols = similarity.drop_duplicates("layer_2").sort_values("depth_2")["layer_2"].tolist()
    size = max(2.2, 0.45 * max(len(rows), len(cols)) + 1.2)
    figure, axes, _ = panel_axes(
        ax,
        (1, len(measures)),
        figsize=(size * len(measures) + 0.8, size + 0.6),
        what="one per measure: " + ", ".join(map(str, measures)),
    )
    axes = axes[0]
    image = None
    for ax, measure in zip(axes, measures):
        grid = (
            similarity[similarity["measure"] == measure]
            .pivot_table(index="layer_1", columns="layer_2", values="value")
            .reindex(index=rows, columns=cols)
        )
        image = ax.imshow(grid.to_numpy(), vmin=0, vmax=1, cmap="viridis", aspect="auto")
        for (i, j), value in np.ndenumerate(grid.to_numpy()):
            if np.isfinite(value):
                ax.text(
                    j,
                    i,
                    f"{value:.2f}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if value < 0.6 else "black",
                )
        ax.set_xticks(range(len(cols)), cols, rotation=45, ha="right", fontsize=7)
        ax.set_yticks(range(len(rows)), rows if ax is axes[0] else [], fontsize=7)
        ax.set_title(_MEASURE_LABELS.get(measure, measure), fontsize=9)
        ax.set_xlabel("network 2 layer", fontsize=8)
    axes[0].set_ylabel("network 1 layer", fontsize=8)
    if image is not None:
        figure.colorbar(image, ax=list(axes), shrink=0.8)
    return figure


def plot_layer_depth(
    probe: pd.DataFrame,
    alignment: pd.DataFrame | None = None,
    similarity: pd.DataFrame | None = None,
    *,
    ax=None,
) -> Figure:
    """Scores along the depth: the probes, and how class-aligned the top CCA directions are.

    Parameters
    ----------
    probe : pandas.DataFrame
        ``probe`` of :func:`sklearn_ccafusion.study.layer_study`: one line per
        method (``full``: the whole layer).
    alignment : pandas.DataFrame or None, default=None
        ``alignment`` of the same study: the mean cosine per depth and source
        (a second panel).
    similarity : pandas.DataFrame or None, default=None
        ``similarity`` of the same study: the paired layers' mean top-K
        canonical correlation (``cca_top``) is drawn in the second panel.
    ax : matplotlib Axes, array-like of Axes or None, default=None
        Where to draw: ``None`` makes a new figure; otherwise one Axes per panel, of
        one figure (two with ``alignment`` or ``similarity``, else one), e.g. from ``plt.subplots``.

    Returns
    -------
    figure : matplotlib.figure.Figure
        With ``ax``: the figure of ``ax``.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_ccafusion.plotting import plot_layer_depth
    >>> probe = pd.DataFrame({"layer_1": ["a", "b"] * 2, "depth": [1, 2] * 2,
    ...                       "method": ["full", "full", "cca_highest", "cca_highest"],
    ...                       "n": [8, 8, 3, 3], "metric": "accuracy",
    ...                       "score": [0.9, 0.95, 0.6, 0.94]})
    >>> len(plot_layer_depth(probe).axes)
    1
    """
    check_results_table(
        probe, {"method", "depth", "layer_1", "n", "score", "metric"}, "probe",
        "layer_study (its probe table)",
    )
    if alignment is not None and len(alignment):  # no class layer: no alignment rows
        check_results_table(
            alignment, {"source", "depth", "cosine"}, "alignment",
            "layer_study (its alignment table)",
        )
    if similarity is not None:
        check_results_table(
            similarity, {"measure", "layer_1", "depth_1", "depth_2", "value"}, "similarity",
            "layer_study (its similarity table)",
        )
    second = alignment is not None or similarity is not None
    figure, axes, _ = panel_axes(
        ax,
        (1, 2 if second else 1),
        figsize=(9.0 if second else 4.8, 3.6),
        what="the probes" + (", then the alignment" if second else ""),
    )
    axes = axes[0]
    names = probe.drop_duplicates("depth").sort_values("depth")
    ticks, labels = names["depth"].to_numpy(), names["layer_1"].tolist()
    ax = axes[0]
    for method in dict.fromkeys(probe["method"]):
        part = probe[probe["method"] == method].sort_values("depth")
        label, color, style = _PROBE_STYLES.get(method, (method, None, "--"))
        if method != "full":
            label = f"{label} (K = {int(part['n'].iloc[0])})"
        ax.plot(part["depth"], part["score"], marker="o", ms=4, color=color, ls=style, label=label)
    ax.set_ylabel(f"probe {probe['metric'].iloc[0]} (validation)")
    ax.set_title("linear probe of network 1's layers", fontsize=9)
    ax.legend(fontsize=7)
    if second:
        ax = axes[1]
        if alignment is not None and len(alignment):
            mean = alignment.groupby(["source", "depth"])["cosine"].mean().reset_index()
            for source, part in mean.groupby("source"):
                ax.plot(
                    part["depth"],
                    part["cosine"],
                    marker="s",
                    ms=4,
                    ls="-" if source == "probe" else "none",
                    label=f"class alignment ({source}'s class directions)",
                )
        if similarity is not None:
            top = similarity[
                (similarity["measure"] == "cca_top") & similarity["layer_1"].isin(labels)
            ]
            paired = top[top["depth_1"] == top["depth_2"]].sort_values("depth_1")
            ax.plot(
                paired["depth_1"],
                paired["value"],
                marker="^",
                ms=4,
                color="0.4",
                ls=":",
                label="mean top-K canonical correlation",
            )
        ax.set_ylim(top=1.02)
        ax.set_ylabel("cosine / correlation")
        ax.set_title("are the most correlated directions the class ones?", fontsize=9)
        ax.legend(fontsize=7)
    for ax in axes:
        ax.set_xticks(ticks, labels, rotation=30, ha="right", fontsize=7)
        ax.set_xlabel("network 1 layer (depth)")
        ax.grid(True, alpha=0.3)
    return figure
