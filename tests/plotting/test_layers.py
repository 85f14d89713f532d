"""Layer figures: similarity heatmaps and the depth profile."""

from __future__ import annotations

import pandas as pd
import pytest

from sklearn_ccafusion.plotting import (
    save_figure,
)


def test_layer_figures_draw_every_measure_and_method(tmp_path):
    from sklearn_ccafusion.plotting import plot_layer_depth, plot_layer_similarity

    names = ["conv.2", "conv.5", "fc"]
    similarity = pd.DataFrame(
        [
            {"layer_1": a, "depth_1": i + 1, "layer_2": b, "depth_2": j + 1,
             "measure": m, "value": (i + j) / 4}
            for i, a in enumerate(names) for j, b in enumerate(names)
            for m in ("cca_top", "cka", "cka_debiased")
        ]
    )
    figure = plot_layer_similarity(similarity, measures=["cka", "cca_top"])
    heatmaps = [ax for ax in figure.axes if ax.images]
    assert [ax.get_title() for ax in heatmaps][0] == "linear CKA"
    grid = heatmaps[0].images[0].get_array()
    assert grid.shape == (3, 3) and grid[2, 0] == pytest.approx(0.5)
    with pytest.raises(ValueError, match=r"No values for measure\(s\) \['svcca'\]"):
        plot_layer_similarity(similarity, measures=["svcca"])
    probe = pd.DataFrame(
        [
            {"layer_1": a, "depth": i + 1, "method": m, "n": 10 if m != "full" else 64,
             "metric": "accuracy", "score": 0.5 + 0.1 * i}
            for i, a in enumerate(names) for m in ("full", "cca_highest", "cca_lowest")
        ]
    )
    alignment = pd.DataFrame({"layer_1": names, "depth": [1, 2, 3], "source": "probe",
                              "component": 1, "cosine": [0.3, 0.6, 0.9]})
    figure = plot_layer_depth(probe, alignment, similarity)
    assert len(figure.axes) == 2
    assert len(figure.axes[0].lines) == 3 and len(figure.axes[1].lines) == 2
    assert [t.get_text() for t in figure.axes[0].get_xticklabels()] == names
    path = save_figure(figure, tmp_path / "depth", probe)
    assert path.exists() and path.with_suffix(".csv").exists()
