"""Figures: layout, curves and files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

from sklearn_ccafusion.plotting import (
    METHOD_COLORS,
    plot_cross_sensor,
    plot_fusion,
    plot_subspace_study,
    save_figure,
)
from sklearn_ccafusion.study import summarize_study


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


def _fusion_table(n_classes=4):
    rows = [
        ("view_1", None, "accuracy", None, 0.80),
        ("view_2", None, "accuracy", None, 0.70),
        ("logit_average", None, "accuracy", None, 0.85),
        ("proba_average", None, "accuracy", None, 0.84),
    ]
    for n in (1, 2, 4, 8):
        rows += [
            ("cca_sum_svm", n, "accuracy", None, 0.6 + 0.03 * n),
            ("cca_sum_svm", n, "agreement", None, 0.7 + 0.03 * n),
        ]
    rows += [("view_1_vs_view_2", None, "canonical_correlation", k, 1 - 0.1 * k) for k in (1, 2)]
    rows += [
        ("cca_sum_vs_logit_sum", n_classes - 1, "canonical_correlation", k, 0.99)
        for k in range(1, n_classes)
    ]
    frame = pd.DataFrame(rows, columns=["method", "n_components", "measure", "component", "value"])
    return frame.astype({"n_components": "Int64", "component": "Int64"})


def test_plot_fusion_lines_are_labelled_and_distinct():
    figure = plot_fusion(_fusion_table())
    for ax in figure.axes:
        lines = ax.get_lines()
        labels = [line.get_label() for line in lines]
        assert not [label for label in labels if label.startswith("_")], labels
        styles = [(line.get_linestyle(), to_hex(line.get_color())) for line in lines]
        assert len(set(styles)) == len(styles), styles
    score_labels = [line.get_label() for line in figure.axes[0].get_lines()]
    assert {"view 1 alone", "logit average", "K - 1 = 3"} <= set(score_labels)
    # every labelled line reaches the legend of its panel
    for ax in figure.axes:
        legend = ax.get_legend()
        assert legend is not None
        assert [t.get_text() for t in legend.get_texts()] == [
            line.get_label() for line in ax.get_lines()
        ]


def _empty(frame):
    return frame.iloc[:0]


@pytest.mark.parametrize(
    "function, table, match",
    [
        (summarize_study, _empty(_fake_results()), "results is empty"),
        (summarize_study, pd.DataFrame(), r"lacks the column\(s\) \['head', 'method'"),
        (plot_subspace_study, _empty(_fake_results()), "results is empty"),
        (plot_subspace_study, _fake_results().drop(columns="metric"), r"lacks .*'metric'"),
        (plot_cross_sensor, _empty(_fake_results(partners=("a",))), "results is empty"),
        (plot_cross_sensor, _fake_results(), r"table of cross_sensor_study.*'partner'"),
        (
            plot_cross_sensor,
            _fake_results(partners=("a",), heads=("retrained",)),
            "no rows with head == 'original'",
        ),
        (plot_fusion, _empty(_fusion_table()), "df is empty"),
    ],
)
def test_empty_or_foreign_tables_raise_named_errors(function, table, match):
    with pytest.raises(ValueError, match=match):
        function(table)


def test_no_requested_head_or_method_raises():
    with pytest.raises(ValueError, match=r"no rows for the heads \['other'\]"):
        plot_subspace_study(_fake_results(), heads=("other",))
    with pytest.raises(ValueError, match=r"no rows for the methods \['cca'\]"):
        plot_subspace_study(_fake_results(), methods=["cca"])


def test_not_a_table_raises_type_error():
    with pytest.raises(TypeError, match="must be a pandas DataFrame"):
        summarize_study(np.zeros((3, 3)))

