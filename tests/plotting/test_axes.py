"""Figures on the caller's axes (``ax=``), and figure 4's colours and legend."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

from sklearn_ccafusion.plotting import (
    METHOD_COLORS,
    plot_cross_sensor,
    plot_fusion,
    plot_layer_depth,
    plot_layer_similarity,
    plot_subspace_study,
)


def _fake_results(sensors=("Acc_norm", "Gyr_y"), partners=None, heads=("original", "retrained")):
    """A subspace (or, with partners, cross-sensor) results table of every method."""
    rows = [
        {"sensor": sensor, "partner": partner, "pair": 0, "method": method, "repeat": repeat,
         "seed": repeat, "n": n, "head": head, "metric": "accuracy",
         "score": n / 8 - 0.01 * repeat, "n_iter": 0}
        for sensor in sensors for partner in partners or [None] for method in METHOD_COLORS
        for repeat in range(2) for n in (1, 2, 4, 8) for head in heads
    ]
    frame = pd.DataFrame(rows)
    return frame if partners else frame.drop(columns="partner")


def _fusion_table(n_classes=4):
    """A fusion_study table: references, a sweep, both kinds of correlations."""
    rows = [
        ("view_1", None, "accuracy", None, 0.8),
        ("logit_average", None, "accuracy", None, 0.85),
    ]
    for n in (1, 2, 4, 8):
        rows += [("cca_sum_svm", n, "accuracy", None, 0.6 + 0.03 * n),
                 ("cca_sum_svm", n, "agreement", None, 0.7 + 0.03 * n)]
    rows += [("view_1_vs_view_2", None, "canonical_correlation", k, 1 - 0.1 * k) for k in (1, 2)]
    rows += [("cca_sum_vs_logit_sum", n_classes - 1, "canonical_correlation", k, 0.99)
             for k in range(1, n_classes)]
    frame = pd.DataFrame(rows, columns=["method", "n_components", "measure", "component", "value"])
    return frame.astype({"n_components": "Int64", "component": "Int64"})

_LAYERS = ["conv.2", "fc"]
_SIMILARITY = pd.DataFrame(
    [
        {"layer_1": a, "depth_1": i + 1, "layer_2": b, "depth_2": j + 1, "measure": m,
         "value": (i + j) / 3}
        for i, a in enumerate(_LAYERS) for j, b in enumerate(_LAYERS) for m in ("cca_top", "cka")
    ]
)
_PROBE = pd.DataFrame(
    [
        {"layer_1": a, "depth": i + 1, "method": m, "n": 4, "metric": "accuracy",
         "score": 0.5 + 0.1 * i}
        for i, a in enumerate(_LAYERS) for m in ("full", "cca_highest")
    ]
)

# (function, its table, keyword arguments, panels as (rows, columns))
CASES = {
    "subspace": (plot_subspace_study, _fake_results(), {"n_classes": 4}, (2, 2)),
    "cross_sensor": (
        plot_cross_sensor,
        _fake_results(partners=("Acc_norm", "Gyr_y"), heads=("original",)),
        {"n_classes": 4},
        (2, 2),
    ),
    "fusion": (plot_fusion, _fusion_table(), {}, (1, 3)),
    "layer_similarity": (plot_layer_similarity, _SIMILARITY, {}, (1, 2)),
    "layer_depth": (plot_layer_depth, _PROBE, {"similarity": _SIMILARITY}, (1, 2)),
}


def _drawn(axes) -> list:
    """What each panel shows: its lines' data and its images' arrays."""
    return [
        (
            [np.asarray(line.get_xydata(), dtype=float).tolist() for line in ax.get_lines()],
            [np.asarray(image.get_array()).tolist() for image in ax.images],
            ax.get_title(),
        )
        for ax in axes
    ]


@pytest.mark.parametrize("name", sorted(CASES))
def test_given_axes_show_what_a_new_figure_shows(name):
    function, table, kwargs, (rows, columns) = CASES[name]
    own = function(table, **kwargs)
    figure = Figure()
    axes = figure.subplots(rows, columns)
    returned = function(table, ax=axes, **kwargs)
    assert returned is figure
    panels = [ax for ax in own.axes if ax.get_lines() or ax.images]
    assert _drawn(np.ravel(axes)) == _drawn(panels)
    # a flat list in row order is accepted as well
    flat = Figure().subplots(rows, columns).ravel().tolist()
    assert function(table, ax=flat, **kwargs) is flat[0].figure


@pytest.mark.parametrize("name", sorted(CASES))
def test_wrong_axes_are_named(name):
    function, table, kwargs, (rows, columns) = CASES[name]
    too_few = Figure().subplots(1, rows * columns + 1)
    with pytest.raises(ValueError, match=f"ax holds {rows * columns + 1} Axes.*{rows * columns}"):
        function(table, ax=too_few, **kwargs)
    with pytest.raises(TypeError, match="ax must be matplotlib Axes"):
        function(table, ax=["not an axes"] * (rows * columns), **kwargs)
    if rows * columns > 1:
        mixed = [Figure().subplots() for _ in range(rows * columns)]
        with pytest.raises(ValueError, match="one figure"):
            function(table, ax=mixed, **kwargs)


def test_single_panel_on_one_axes_carries_the_legend():
    results = _fake_results(sensors=("Acc_norm",), heads=("original",))
    ax = Figure().subplots()
    plot_subspace_study(results, n_classes=4, ax=ax)
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts[: len(METHOD_COLORS)] == list(METHOD_COLORS)
    assert "n = K = 4 classes" in texts
    assert any(text.startswith("band: mean ± 1 s.d.") for text in texts)


def test_figure_four_legend_names_every_line_and_the_bands():
    figure = plot_subspace_study(_fake_results(), n_classes=4)
    legend = figure.legends[0]
    texts = [t.get_text() for t in legend.get_texts()]
    drawn = {line.get_label() for ax in figure.axes for line in ax.get_lines()}
    assert drawn <= set(texts)  # every line, the dotted n = K one included
    assert texts[-1] == "band: mean ± 1 s.d. (pairs, repeats)"
    markers = {
        line.get_marker() for line in figure.axes[0].get_lines() if line.get_label() in drawn
        and line.get_label() in METHOD_COLORS
    }
    assert len(markers) == len(METHOD_COLORS)  # no curve told apart by colour alone


# Machado, Oliveira & Fernandes (2009), severity 1, on linear RGB
_DICHROMACY = {
    "normal": np.eye(3),
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                   [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                     [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                   [0.004733, 0.691367, 0.303900]],
}
_SRGB_TO_XYZ = np.array(
    [[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]
)


def _lab(linear_rgb):
    """CIELAB (D65 white) of a linear-RGB colour."""
    t = (_SRGB_TO_XYZ @ np.clip(linear_rgb, 0, 1)) / _SRGB_TO_XYZ.sum(axis=1)
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


@pytest.mark.parametrize("vision", sorted(_DICHROMACY))
def test_method_colours_stay_apart_under_colour_vision_deficiencies(vision):
    c = np.array([to_rgb(color) for color in METHOD_COLORS.values()])
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    seen = [_lab(np.asarray(_DICHROMACY[vision]) @ color) for color in linear]
    closest = min(np.linalg.norm(a - b) for a, b in itertools.combinations(seen, 2))
    # CIE76 distance: about 2.3 is just noticeable; 15 tells lines apart at a glance
    # (matplotlib's tab10 red/orange/green fall to about 5 under protanopia)
    assert closest > 15, closest
