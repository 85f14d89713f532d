"""Figures: layout, curves and files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sklearn_ccafusion.plotting import (
    METHOD_COLORS,
    plot_cross_sensor,
    plot_subspace_study,
    save_figure,
)


def _fake_results(sensors=("Acc_norm", "Gyr_y"), partners=None, heads=("original", "retrained")):
    rows = []
    for sensor in sensors:
        for partner in partners or [None]:
            for method in METHOD_COLORS:
                for repeat in range(2):
                    for n in (1, 2, 4, 8):
                        for head in heads:
                            rows.append(
                                {
                                    "sensor": sensor,
                                    "partner": partner,
                                    "pair": 0,
                                    "method": method,
                                    "repeat": repeat,
                                    "seed": repeat,
                                    "n": n,
                                    "head": head,
                                    "metric": "f1_macro",
                                    "score": n / 8 - 0.01 * repeat,
                                    "n_iter": 0,
                                }
                            )
    frame = pd.DataFrame(rows)
    return frame if partners else frame.drop(columns="partner")


def test_figure_four_layout():
    figure = plot_subspace_study(_fake_results(), n_classes=4)
    axes = figure.get_axes()
    assert len(axes) == 4  # 2 sensors x 2 heads
    assert axes[0].get_title() == "Acc_norm"
    assert "macro F1" in axes[0].get_ylabel()
    first = axes[0]
    assert len(first.get_lines()) == len(METHOD_COLORS) + 1  # curves + dotted n_classes line
    highest = next(line for line in first.get_lines() if line.get_label() == "cca_highest")
    assert np.allclose(highest.get_ydata(), np.array([1, 2, 4, 8]) / 8 - 0.005)
    assert first.get_xscale() == "log"


def test_figure_five_grid():
    frame = _fake_results(sensors=("a", "b", "c"), partners=("a", "b", "c"), heads=("original",))
    figure = plot_cross_sensor(frame[frame["method"].str.startswith("cca")])
    assert len(figure.get_axes()) == 9
    assert figure.get_axes()[0].get_title() == "data: a"


def test_save_writes_png_and_numbers(tmp_path):
    frame = _fake_results()
    path = save_figure(plot_subspace_study(frame), tmp_path / "figure4", frame)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(pd.read_csv(path.with_suffix(".csv"))) == len(frame)


@pytest.mark.parametrize("column", [None, "missing"])
def test_single_panel_without_column(column):
    figure = plot_subspace_study(_fake_results(sensors=("x",)), column=column)
    assert len(figure.get_axes()) == 2


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
