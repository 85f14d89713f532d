"""The subspace-study figures (the paper's figures 4 and 5): layout, curves, files, errors."""

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

