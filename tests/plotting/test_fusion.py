"""The fusion figure: scores, agreement and canonical correlations, each line labelled."""

from __future__ import annotations

import pandas as pd
import pytest
from matplotlib.colors import to_hex

from sklearn_ccafusion.plotting import (
    plot_fusion,
)


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


def test_empty_table_raises_a_named_error():
    with pytest.raises(ValueError, match="df is empty"):
        plot_fusion(_fusion_table().iloc[:0])


def test_plot_fusion_of_several_pairs_draws_means_and_ranges():
    import numpy as np
    import pandas as pd

    from sklearn_ccafusion.plotting import plot_fusion

    rows = []
    for pair, shift in enumerate((0.0, 0.1)):
        rows += [
            {
                "method": "logit_average",
                "n_components": None,
                "measure": "accuracy",
                "component": None,
                "value": 0.8 + shift,
                "pair": pair,
            },
            {
                "method": "view_1",
                "n_components": None,
                "measure": "accuracy",
                "component": None,
                "value": 0.6 + shift,
                "pair": pair,
            },
        ]
        rows += [
            {
                "method": "cca_sum_svm",
                "n_components": n,
                "measure": "accuracy",
                "component": None,
                "value": 0.5 + 0.1 * i + shift,
                "pair": pair,
            }
            for i, n in enumerate((1, 2, 4 + pair))  # the pairs' sweeps end apart
        ]
    df = pd.DataFrame(rows)
    df["n_components"] = df["n_components"].astype("Int64")
    df["component"] = df["component"].astype("Int64")
    ax = plot_fusion(df).axes[0]
    line = next(line for line in ax.get_lines() if line.get_label() == "cca_sum_svm")
    x, y = line.get_data()
    assert np.all(np.diff(np.asarray(x, dtype=float)) > 0)  # no zig-zag between pairs
    assert np.allclose(y[:2], [0.55, 0.65])  # means over the pairs
    reference = next(line for line in ax.get_lines() if line.get_label() == "logit average")
    assert np.allclose(reference.get_ydata(), 0.85)  # the mean, not pair 0's
    assert ax.collections  # the range over the pairs, shaded
