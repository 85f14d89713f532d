"""The figures and the ``report.md`` of a reproduction, with a verdict per claim."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sklearn_ccafusion.plotting import (
    plot_cross_sensor,
    plot_fusion,
    plot_subspace_study,
    save_figure,
)
from sklearn_ccafusion.runs._cache import write_text
from sklearn_ccafusion.runs._results import Reproduction
from sklearn_ccafusion.study import summarize_study

__all__ = ["key_numbers", "verdict_lines", "write_report"]

#: Tolerance of claim 1: CCA_highest at n = n_classes within this of the full score.
FULL_SCORE_TOLERANCE = 0.05
#: Claim 2: CCA-sum + SVM must agree with logit averaging on at least this share of
#: the validation predictions (with all canonical pairs, as Ahmad and Imran fuse) ...
FUSION_AGREEMENT = 0.90
#: ... and the first K-1 CCA-sum features must correlate with the summed class-centred
#: logits at least this much on average (the mechanism).
FUSION_CORRELATION = 0.90



def _at(summary: pd.DataFrame, sensor, method: str, n: int, head: str) -> float:
    rows = summary[
        (summary["sensor"] == sensor)
        & (summary["method"] == method)
        & (summary["head"] == head)
        & (summary["n"] == n)
    ]
    return float(rows["mean"].iloc[0]) if len(rows) else float("nan")


def key_numbers(results: pd.DataFrame, n_classes: int) -> pd.DataFrame:
    """Per sensor: the full-feature score and each method at ``n = n_classes``.

    Parameters
    ----------
    results : pandas.DataFrame
        Output of the subspace study, with a ``sensor`` column.
    n_classes : int

    Returns
    -------
    numbers : pandas.DataFrame
        One row per sensor: ``full`` (the score with every feature),
        ``<method>@K <head>`` and ``<method> curve`` (mean original-layer score
        over the dimensions below the full width).

    Examples
    --------
    >>> import pandas as pd
    >>> rows = [{"sensor": "acc", "pair": 0, "method": m, "repeat": 0, "seed": 0, "n": n,
    ...          "head": "original", "metric": "accuracy", "score": s}
    ...         for m, scores in {"cca_highest": (0.9, 0.95), "cca_lowest": (0.1, 0.95)}.items()
    ...         for n, s in zip((2, 4), scores)]
    >>> numbers = key_numbers(pd.DataFrame(rows), n_classes=2)
    >>> numbers.loc[0, ["full", "cca_highest@K original", "cca_lowest@K original"]].tolist()
    [0.95, 0.9, 0.1]
    """
    summary = summarize_study(results)
    rows = []
    for sensor in dict.fromkeys(summary["sensor"]):
        full_n = int(summary.loc[summary["sensor"] == sensor, "n"].max())
        row = {"sensor": sensor, "full": _at(summary, sensor, "cca_highest", full_n, "original")}
        for method in (
            "cca_highest",
            "pca",
            "random_selection",
            "random_projection",
            "max_activation",
            "cca_random",
            "cca_lowest",
        ):
            for head in ("original", "retrained"):
                row[f"{method}@K {head}"] = _at(summary, sensor, method, n_classes, head)
            curve = summary[
                (summary["sensor"] == sensor)
                & (summary["method"] == method)
                & (summary["head"] == "original")
                & (summary["n"] < full_n)
            ]
            row[f"{method} curve"] = float(curve["mean"].mean()) if len(curve) else float("nan")
        rows.append(row)
    return pd.DataFrame(rows)


def _fmt(value: float) -> str:
    return "n/a" if value is None or not np.isfinite(value) else f"{value:.3f}"


def _fusion_lines(fusion: pd.DataFrame, metric: str) -> list[str]:
    lines = []
    agreement = fusion[(fusion["measure"] == "agreement") & (fusion["method"] == "cca_sum_svm")]
    if len(agreement):
        largest = agreement["n_components"].max()
        at_all = agreement[agreement["n_components"] == largest]["value"].mean()
        best = agreement.groupby("n_components")["value"].mean()
        lines.append(
            f"- CCA-sum + SVM agrees with logit averaging on {at_all:.1%} of the validation "
            f"predictions with all {largest} canonical pairs (best: {best.max():.1%} at "
            f"{best.idxmax()} pairs)."
        )
    scores = fusion[(fusion["measure"] == metric) & fusion["n_components"].isna()]
    for method in ("view_1", "view_2", "logit_average"):
        value = scores.loc[scores["method"] == method, "value"].mean()
        lines.append(f"- {method.replace('_', ' ')}: {metric} {_fmt(value)}")
    rho = fusion[(fusion["method"] == "cca_sum_vs_logit_sum")]
    if len(rho):
        first = rho[rho["n_components"] == rho["n_components"].min()]
        values = first["value"]
        lines.append(
            "- canonical correlations between the first K-1 CCA-sum features and the summed "
            f"class-centred logits: mean {values.mean():.3f}, min {values.min():.3f}."
        )
    return lines


def fusion_verdicts(fusion: pd.DataFrame, n_classes: int) -> list[str]:
    """Verdict lines of the fusion claim: agreement at K-1 and all pairs, and the mechanism.

    Parameters
    ----------
    fusion : pandas.DataFrame
        Output of :func:`~sklearn_ccafusion.study.fusion_study` (one or several pairs).
    n_classes : int

    Returns
    -------
    lines : list of str
        Markdown list items, each starting with PASS or FAIL.
    """
    agreement = fusion[(fusion["measure"] == "agreement") & (fusion["method"] == "cca_sum_svm")]
    rho = fusion[fusion["method"] == "cca_sum_vs_logit_sum"]
    if not len(agreement) or not len(rho):
        return []
    by_n = agreement.groupby("n_components")["value"].mean()
    at_all = float(by_n.iloc[-1])
    k_minus_1 = by_n.get(n_classes - 1, float("nan"))
    mean_rho = float(rho["value"].mean())
    ok = at_all >= FUSION_AGREEMENT and mean_rho >= FUSION_CORRELATION
    return [
        f"- {'PASS' if ok else 'FAIL'}: CCA-sum fusion (+ linear SVM) is essentially logit "
        f"averaging: it agrees with it on {at_all:.1%} of the validation predictions with all "
        f"{int(by_n.index[-1])} canonical pairs (bar {FUSION_AGREEMENT:.0%}; "
        f"{_pct(k_minus_1)} with K-1 = {n_classes - 1} pairs), and the first K-1 CCA-sum "
        f"features correlate with the summed class-centred logits at {mean_rho:.3f} on "
        f"average (bar {FUSION_CORRELATION:.2f})."
    ]


def _pct(value: float) -> str:
    return "n/a" if not np.isfinite(value) else f"{value:.1%}"


def _band(bands: pd.DataFrame, sensor: str, name: str, measure: str) -> str:
    rows = bands[
        (bands["sensor"] == sensor) & (bands["name"] == name) & (bands["measure"] == measure)
    ]
    if not len(rows):
        return "n/a"
    row = rows.iloc[0]
    return f"{row['value']:.3f} [{row['low']:.3f}, {row['high']:.3f}]"


def band_lines(bands: pd.DataFrame | None, n_classes: int, metric: str) -> list[str]:
    """Markdown lines of the bootstrap bands of the headline numbers."""
    if bands is None or not len(bands):
        return []
    level = f"{bands['confidence'].iloc[0]:.0%}"
    lines = [
        "",
        f"## Uncertainty ({level} bootstrap bands over the validation samples, first pair)",
        "",
    ]
    for sensor in dict.fromkeys(bands["sensor"]):
        if (
            "+" in str(sensor)
            and (bands["sensor"] == sensor).any()
            and (bands.loc[bands["sensor"] == sensor, "name"] == "cca_sum_svm").any()
        ):
            lines.append(
                f"- {sensor}: CCA-sum + SVM agrees with logit averaging on "
                f"{_band(bands, sensor, 'cca_sum_svm', 'agreement')} of the predictions; "
                f"{metric} of logit averaging {_band(bands, sensor, 'logit_average', metric)}."
            )
            continue
        lines.append(
            f"- {sensor}: {metric} with all features "
            f"{_band(bands, sensor, 'full/original', metric)}; CCA_highest at n = {n_classes} "
            f"{_band(bands, sensor, f'cca_highest@{n_classes}/original', metric)} (original "
            f"layer), {_band(bands, sensor, f'cca_highest@{n_classes}/retrained', metric)} "
            "(retrained)."
        )
    return lines


def verdict_lines(reproduction: Reproduction) -> list[str]:
    """The verdict of each claim on a run, as the report lists them (and the CLI prints).

    Parameters
    ----------
    reproduction : Reproduction

    Returns
    -------
    lines : list of str
        Markdown list items, each starting with PASS or FAIL.
    """
    k = reproduction.data.n_classes
    verdicts = []
    for _, row in key_numbers(reproduction.results, k).iterrows():
        gap = row["full"] - row["cca_highest@K original"]
        ok = gap <= FULL_SCORE_TOLERANCE
        verdicts.append(
            f"- {'PASS' if ok else 'FAIL'} ({row['sensor']}): CCA_highest at n = {k} keeps the "
            f"full-feature score within {FULL_SCORE_TOLERANCE:.2f} (gap {gap:+.3f})."
        )
        lowest, random = row["cca_lowest curve"], row["random_selection curve"]
        ok = lowest < 0.5 * random
        verdicts.append(
            f"- {'PASS' if ok else 'FAIL'} ({row['sensor']}): CCA_lowest is far below random "
            f"selection, under half of it (mean original-layer score over the dimensions "
            f"below the full width: {_fmt(lowest)} vs {_fmt(random)})."
        )
    if reproduction.fusion is not None:
        verdicts += fusion_verdicts(reproduction.fusion, k)
    alignment = reproduction.alignment
    if len(alignment):
        same = alignment[alignment["sensor"] == alignment["partner"]]
        mean_cos = same["cosine"].mean()
        verdicts.append(
            f"- {'PASS' if mean_cos > 0.9 else 'FAIL'}: the first K-1 canonical directions span "
            f"the class-centred logits (mean cosine {mean_cos:.3f} > 0.9)."
        )
    return verdicts


def write_report(reproduction: Reproduction) -> Path:
    """Write the figures and ``report.md`` into the reproduction's folder.

    Returns
    -------
    path : Path
        The report.
    """
    out = reproduction.out
    data = reproduction.data
    k = data.n_classes
    metric = data.metric
    figures = {"figure4_subspace.png": plot_subspace_study(reproduction.results, n_classes=k)}
    if reproduction.cross_sensor is not None:
        figures["figure5_cross_sensor.png"] = plot_cross_sensor(
            reproduction.cross_sensor, n_classes=k
        )
    if reproduction.fusion is not None:
        first = reproduction.fusion
        if "view_1" in first.columns:
            pair = first[["view_1", "view_2"]].drop_duplicates().iloc[0]
            first = first[(first["view_1"] == pair["view_1"]) & (first["view_2"] == pair["view_2"])]
        figures["fusion.png"] = plot_fusion(
            first.drop(columns=["view_1", "view_2"], errors="ignore")
        )
    for name, figure in figures.items():
        save_figure(figure, out / name)

    numbers = key_numbers(reproduction.results, k)
    paper = data.reference
    lines = [
        f"# Study: {reproduction.dataset}",
        "",
        data.description,
        "",
        *[f"- {note}" for note in reproduction.notes],
        "",
        "Settings: " + ", ".join(f"{key}={value}" for key, value in reproduction.settings.items()),
        "",
        f"Metric: {metric}; K = {k} classes; scores are means over pairs and repeats, on the "
        "validation split.",
        "",
        "## Subspace projection (figure 4)",
        "",
        "![figure 4](figure4_subspace.png)",
        "",
        "| sensor | full | CCA_highest@K orig / retr | paper orig / retr | PCA@K | "
        "random selection@K | CCA_lowest@K |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for _, row in numbers.iterrows():
        ref = paper.get(row["sensor"], {}).get("cca_highest")
        ref_text = f"{ref[0]:.2f} / {ref[1]:.2f}" if ref else "n/a"
        lines.append(
            f"| {row['sensor']} | {_fmt(row['full'])} | "
            f"{_fmt(row['cca_highest@K original'])} / {_fmt(row['cca_highest@K retrained'])} | "
            f"{ref_text} | {_fmt(row['pca@K original'])} | "
            f"{_fmt(row['random_selection@K original'])} | {_fmt(row['cca_lowest@K original'])} |"
        )
    if reproduction.cross_sensor is not None:
        lines += [
            "",
            "## Across sensors (figure 5)",
            "",
            "![figure 5](figure5_cross_sensor.png)",
            "",
            "CCA_highest at n = K with the original layer (rows: data sensor, "
            "columns: CCA partner):",
            "",
        ]
        summary = summarize_study(reproduction.cross_sensor)
        table = summary[(summary["method"] == "cca_highest") & (summary["n"] == k)]
        grid = table.pivot(index="sensor", columns="partner", values="mean")
        lines.append("| data \\ partner | " + " | ".join(map(str, grid.columns)) + " |")
        lines.append("| --- " * (len(grid.columns) + 1) + "|")
        for sensor, values in grid.iterrows():
            lines.append(f"| {sensor} | " + " | ".join(_fmt(v) for v in values) + " |")
    if reproduction.fusion is not None:
        lines += ["", "## Fusion: CCA-sum against logit averaging", "", "![fusion](fusion.png)", ""]
        lines += _fusion_lines(reproduction.fusion, metric)
    alignment = reproduction.alignment
    if len(alignment):
        same = alignment[alignment["sensor"] == alignment["partner"]]
        lines += [
            "",
            "## Class-subspace alignment",
            "",
            "Cosines of the principal angles between the span of the first K-1 canonical "
            "variates and the span of the class-centred logits (1: the same subspace).",
            "",
        ]
        for sensor, group in same.groupby("sensor", sort=False):
            lines.append(
                f"- {sensor}: mean cosine {group['cosine'].mean():.3f}, "
                f"smallest {group['cosine'].min():.3f}"
            )
    lines += band_lines(reproduction.bands, k, metric)
    lines += ["", "## Verdicts", "", *verdict_lines(reproduction), "", "## Time by stage", ""]
    lines += [f"- {stage}: {seconds:.1f} s" for stage, seconds in reproduction.timings.items()]
    path = out / "report.md"
    write_text(path, "\n".join(lines) + "\n")
    return path
