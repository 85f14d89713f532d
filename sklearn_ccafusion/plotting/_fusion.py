"""Figure of the fusion study: CCA fusion against logit averaging, in three panels."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sklearn_ccafusion.plotting._axes import panel_axes
from sklearn_ccafusion.utils._validation import check_results_table

__all__ = ["plot_fusion"]

# the networks' own layers, drawn as horizontal reference lines: (label, style, colour),
# each line its own style and colour, none shared with the K - 1 marker below
_REFERENCES = {
    "view_1": ("view 1 alone", (0, (1, 1.5)), "0.45"),
    "view_2": ("view 2 alone", "-.", "0.45"),
    "logit_average": ("logit average", "--", "black"),
    "proba_average": ("probability average", (0, (5, 1, 1, 1, 1, 1)), "darkgoldenrod"),
    "independent_logit_average": ("logit average, other networks", (0, (3, 1, 1, 1)), "tab:purple"),
}
# the vertical marker at n_components = K - 1
_K_MINUS_1_STYLE = {"color": "tab:brown", "ls": (0, (2, 4)), "lw": 1.2}
_EQUIVALENCE = "cca_sum_vs_logit_sum"
_VIEWS_CCA = "view_1_vs_view_2"


def _cca_methods(df: pd.DataFrame) -> list[str]:
    swept = df[df["n_components"].notna() & (df["measure"] != "canonical_correlation")]
    return list(dict.fromkeys(swept["method"]))


def _over_pairs(part: pd.DataFrame, key: str) -> pd.DataFrame:
    """Mean, min and max over the network pairs (rows sharing ``key``), sorted by ``key``."""
    part = part.assign(**{key: part[key].astype(float)})
    return part.groupby(key)["value"].agg(["mean", "min", "max"]).reset_index()


def _sweep_panel(ax, df: pd.DataFrame, measure: str, methods: list[str], n_classes: int | None):
    for index, method in enumerate(methods):
        part = df[(df["method"] == method) & (df["measure"] == measure)]
        stats = _over_pairs(part, "n_components")
        color = f"C{index}"
        ax.plot(stats["n_components"], stats["mean"], marker="o", ms=3, color=color, label=method)
        if (stats["max"] > stats["min"]).any():
            ax.fill_between(
                stats["n_components"], stats["min"], stats["max"], color=color, alpha=0.15, lw=0
            )
    for method, (label, style, color) in _REFERENCES.items():
        value = df.loc[
            (df["method"] == method) & (df["measure"] == measure) & df["n_components"].isna(),
            "value",
        ]
        if len(value):
            ax.axhline(float(value.mean()), color=color, ls=style, lw=1, label=label)
    if n_classes is not None:
        ax.axvline(n_classes - 1, label=f"K - 1 = {n_classes - 1}", **_K_MINUS_1_STYLE)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("n_components (canonical pairs fused)")


def plot_fusion(df: pd.DataFrame, *, ax=None) -> Figure:
    """Plot the result of :func:`~sklearn_ccafusion.study.fusion_study`.

    Three panels: the validation score of each CCA fusion against ``n_components`` with the
    networks' own layers (each view alone, logit and probability averages, and the logit
    average of independently trained networks when the table has it) as horizontal
    lines; the agreement of each method with logit averaging; and the canonical
    correlations, those between the two views' features and those between the first
    ``K - 1`` CCA-sum features and the summed class-centred logits. A dashed vertical line
    marks ``n_components = K - 1``. Every line is labelled in its panel's legend, each
    reference line with its own style. A table of several network pairs (a ``pair``
    column, as the pipeline writes) is drawn as the mean over the pairs, with their range
    as a shaded band (error bars for the K - 1 correlations); reference lines are means
    over the pairs too.

    Parameters
    ----------
    df : pandas.DataFrame
        Tidy table returned by :func:`~sklearn_ccafusion.study.fusion_study`, or several
        such tables (one per network pair of the same two sensors) concatenated.
    ax : matplotlib Axes, array-like of Axes or None, default=None
        Where to draw: ``None`` makes a new figure; otherwise one Axes per panel, of
        one figure (three: score, agreement, correlations), e.g. from ``plt.subplots``.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure (not attached to pyplot: save it with ``fig.savefig(path)``).

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_ccafusion.plotting import plot_fusion
    >>> df = pd.DataFrame({
    ...     "method": ["logit_average", "cca_sum_svm", "cca_sum_svm", "cca_sum_vs_logit_sum"],
    ...     "n_components": pd.array([None, 2, 2, 2], dtype="Int64"),
    ...     "measure": ["accuracy", "accuracy", "agreement", "canonical_correlation"],
    ...     "component": pd.array([None, None, None, 1], dtype="Int64"),
    ...     "value": [0.9, 0.88, 0.97, 0.99]})
    >>> len(plot_fusion(df).axes)
    3
    """
    required = {"method", "n_components", "measure", "component", "value"}
    check_results_table(df, required, "df", "fusion_study")
    correlations = df[df["measure"] == "canonical_correlation"]
    scores = df[~df["measure"].isin(["canonical_correlation", "agreement"])]
    metric = str(scores["measure"].iloc[0]) if len(scores) else "score"
    equivalence = correlations[correlations["method"] == _EQUIVALENCE]
    n_classes = int(equivalence["n_components"].iloc[0]) + 1 if len(equivalence) else None
    methods = _cca_methods(df)

    fig, axes, _ = panel_axes(
        ax, (1, 3), figsize=(13.5, 4.0), what="score, agreement, correlations"
    )
    ax_score, ax_agree, ax_corr = axes[0]
    _sweep_panel(ax_score, df, metric, methods, n_classes)
    ax_score.set_ylabel(f"validation {metric}")
    ax_score.set_title("Fusion score")
    ax_score.legend(fontsize=7, loc="lower right")
    _sweep_panel(ax_agree, df, "agreement", methods, n_classes)
    ax_agree.set_ylabel("agreement with logit average")
    ax_agree.set_title("Same predictions as logit averaging")
    if ax_agree.get_legend_handles_labels()[0]:
        ax_agree.legend(fontsize=7, loc="lower right")

    views = _over_pairs(correlations[correlations["method"] == _VIEWS_CCA], "component")
    if len(views):
        ax_corr.plot(
            views["component"], views["mean"], color="0.4", label="view 1 vs view 2 (train)"
        )
        if (views["max"] > views["min"]).any():
            ax_corr.fill_between(
                views["component"], views["min"], views["max"], color="0.4", alpha=0.15, lw=0
            )
    if len(equivalence):
        part = _over_pairs(equivalence, "component")
        ax_corr.plot(
            part["component"],
            part["mean"],
            "o",
            ms=4,
            color="C3",
            label="CCA-sum vs logit sum (val)",
        )
        if (part["max"] > part["min"]).any():
            ax_corr.vlines(part["component"], part["min"], part["max"], color="C3", lw=1)
        ax_corr.axvline(n_classes - 1, label=f"K - 1 = {n_classes - 1}", **_K_MINUS_1_STYLE)
    ax_corr.set_xscale("log", base=2)
    ax_corr.set_ylim(0, 1.02)
    ax_corr.set_xlabel("canonical pair")
    ax_corr.set_ylabel("canonical correlation")
    ax_corr.set_title("Canonical correlations")
    if ax_corr.get_legend_handles_labels()[0]:
        ax_corr.legend(fontsize=7, loc="lower left")
    for ax in (ax_score, ax_agree):
        ax.grid(True, alpha=0.3)
    ax_corr.grid(True, alpha=0.3)
    if np.isfinite(ax_agree.get_ylim()[1]):
        ax_agree.set_ylim(top=1.005)
    return fig
