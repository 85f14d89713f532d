"""Figures of the study: tidy DataFrame in, matplotlib Figure out.

The figures are built on :class:`matplotlib.figure.Figure` directly (no pyplot
state), so they render headless and in parallel. Each subspace-selection method
keeps one colour across the subspace-study figures.
"""

from sklearn_ccafusion.plotting._fusion import plot_fusion
from sklearn_ccafusion.plotting._layers import plot_layer_depth, plot_layer_similarity
from sklearn_ccafusion.plotting._save import save_figure
from sklearn_ccafusion.plotting._study import (
    METHOD_COLORS,
    plot_cross_sensor,
    plot_subspace_study,
)

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
