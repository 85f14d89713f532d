"""The figures and the ``report.md`` of a run: it formats the run's tables, claims included.

The verdicts come from ``claims.csv`` (:mod:`~sklearn_ccafusion.runs._claims`);
the report judges nothing itself. Its caveats are the warnings raised during
the run (:mod:`~sklearn_ccafusion.runs._caveats`).
"""

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
from sklearn_ccafusion.runs._claims import chance_levels
from sklearn_ccafusion.runs._results import Reproduction
from sklearn_ccafusion.runs._training import training_lines
from sklearn_ccafusion.study import summarize_study
from sklearn_ccafusion.utils._display_names import markdown_prose, markdown_text, visible_text
from sklearn_ccafusion.utils._file_names import file_in, joined_file_names

__all__ = ["key_numbers", "report_file_names", "verdict_lines", "write_report"]

#: How every note of a ``make-data`` rehearsal folder begins (it opens the report).
REHEARSAL = "REHEARSAL"

#: The report's two kinds of band, each written one way only.
READING = (
    "Two kinds of band: (a-b) is the range over the network pairs (smallest-largest "
    "pair); [a, b] is a 95 % bootstrap interval over the validation samples, of one "
    "network pair's number (bands.csv), or of a claim's value (claims.csv)."
)


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


def _spread(values: pd.Series) -> str:
    """Mean over pairs, with the range when there are several."""
    values = values.dropna()
    if not len(values):
        return "n/a"
    if len(values) == 1 or values.min() == values.max():
        return f"{values.mean():.3f}"
    return f"{values.mean():.3f} ({values.min():.3f}-{values.max():.3f})"


def _fusion_groups(fusion: pd.DataFrame) -> list[tuple[str, str, pd.DataFrame]]:
    if "view_1" not in fusion.columns:
        return [("view 1", "view 2", fusion)]
    names = fusion[["view_1", "view_2"]].drop_duplicates().itertuples(index=False)
    return [(a, b, fusion[(fusion["view_1"] == a) & (fusion["view_2"] == b)]) for a, b in names]


def _per_pair(part: pd.DataFrame, method: str, measure: str) -> pd.Series:
    """One method's value (no ``n_components``) per network pair."""
    rows = part[(part["method"] == method) & (part["measure"] == measure)]
    return rows[rows["n_components"].isna()].groupby("pair")["value"].mean()


def _band(bands: pd.DataFrame, name: str, measure: str) -> str:
    """One number with its 95 % bootstrap interval, ``value [low, high]``."""
    row = bands[(bands["name"] == name) & (bands["measure"] == measure)]
    if not len(row):
        return "n/a"
    value, low, high = row[["value", "low", "high"]].iloc[0]
    return f"{_fmt(value)} [{_fmt(low)}, {_fmt(high)}]"


def _fusion_band_lines(
    bands: pd.DataFrame | None, sensor: str, metric: str, n_validation: int
) -> list[str]:
    """Per network pair: CCA-sum's own score beside logit averaging's, each with its band."""
    if bands is None or not len(bands) or "sensor" not in bands.columns:
        return []
    ours = bands[bands["sensor"] == sensor]
    if not len(ours):
        return []
    lines = [
        "CCA-sum + SVM (all its canonical pairs) beside logit averaging, per network pair; "
        f"[a, b]: the 95 % bootstrap interval over the {n_validation} validation samples "
        "(bands.csv).",
        "",
        f"| pair | logit averaging, {metric} | CCA-sum + SVM, {metric} | "
        "CCA-sum + SVM, agreement with logit averaging |",
        "| --- | --- | --- | --- |",
    ]
    for pair, rows in ours.groupby("pair", sort=True):
        lines.append(
            f"| {pair} | {_band(rows, 'logit_average', metric)} | "
            f"{_band(rows, 'cca_sum_svm', metric)} | {_band(rows, 'cca_sum_svm', 'agreement')} |"
        )
    return lines


def _fusion_lines(
    fusion: pd.DataFrame,
    metric: str,
    n_classes: int,
    bands: pd.DataFrame | None = None,
    n_validation: int = 0,
) -> list[str]:
    """Per sensor pair: scores and agreements, mean over network pairs (range), then bands."""
    lines = []
    names = _fusion_figures_names(fusion)
    for figure, (a, b, part) in zip(names, _fusion_groups(fusion)):
        a_text, b_text = markdown_text(a), markdown_text(b)
        first, second = (
            (a_text, b_text)
            if a != b
            else (f"{a_text} (first network)", f"{a_text} (second network)")
        )
        n_pairs = part["pair"].nunique() if "pair" in part.columns else 1
        if "pair" not in part.columns:
            part = part.assign(pair=0)
        swept = part[(part["method"] == "cca_sum_svm") & part["n_components"].notna()]
        largest = swept.groupby("pair")["n_components"].transform("max")
        at_all = swept[swept["n_components"] == largest]
        lines += [
            f"### {a_text} + {b_text}",
            "",
            f"![fusion of {a_text} and {b_text}]({figure})",
            "",
            f"Each cell: the mean over {n_pairs} network pair(s), with the range over the "
            "pairs (smallest-largest) in parentheses; agreement: the share of the validation "
            "predictions equal to logit averaging's.",
            "",
            f"| method | {metric} | agreement with logit averaging |",
            "| --- | --- | --- |",
        ]
        for method, label in (
            ("view_1", f"{first} alone"),
            ("view_2", f"{second} alone"),
            ("logit_average", "logit averaging"),
            ("proba_average", "probability averaging"),
            ("independent_logit_average", "logit averaging of two other networks"),
        ):
            scores = _per_pair(part, method, metric)
            if not len(scores):
                continue
            agree = (
                "1 (itself)"
                if method == "logit_average"
                else _spread(_per_pair(part, method, "agreement"))
            )
            lines.append(f"| {label} | {_spread(scores)} | {agree} |")
        k_1 = part[(part["method"] == "cca_sum_svm") & (part["n_components"] == n_classes - 1)]
        for label, rows in ((f"K - 1 = {n_classes - 1} pairs", k_1), ("all pairs", at_all)):
            if not len(rows):
                continue
            if label == "all pairs":
                counts = sorted(set(rows["n_components"].astype(int)))
                label = f"all pairs ({', '.join(map(str, counts))})"
            own = _spread(rows[rows["measure"] == metric].groupby("pair")["value"].mean())
            agree = _spread(rows[rows["measure"] == "agreement"].groupby("pair")["value"].mean())
            lines.append(f"| CCA-sum + SVM, {label} | {own} | {agree} |")
        rho = part[part["method"] == "cca_sum_vs_logit_sum"]
        if len(rho):
            lines += [
                "",
                "Canonical correlations between the first K - 1 CCA-sum features and the "
                "summed class-centred logits, over the K - 1 directions of every network "
                f"pair: mean {rho['value'].mean():.3f}, smallest {rho['value'].min():.3f}.",
            ]
        lines += ["", *_fusion_band_lines(bands, f"{a}+{b}", metric, n_validation)]
        lines.append("")
    return lines


def _alignment_lines(alignment: pd.DataFrame) -> list[str]:
    lines = []
    for (sensor, partner), group in alignment.groupby(["sensor", "partner"], sort=False):
        with_whom = (
            "a second network of the same sensor" if sensor == partner else markdown_text(partner)
        )
        per_pair = group.groupby("pair")["cosine"]
        lines.append(
            f"- {markdown_text(sensor)}, CCA with {with_whom}: mean cosine "
            f"{_spread(per_pair.mean())}, smallest {group['cosine'].min():.3f}"
        )
    return lines


def _chance_lines(data, metric: str) -> list[str]:
    levels = chance_levels(data.y_validation, data.classes, metric)
    counts = ", ".join(f"{markdown_text(c)}: {n}" for c, n in levels["counts"].items())
    return [
        f"Chance on the {len(data.y_validation)} validation samples: 1/K = "
        f"{levels['uniform']:.3f}, majority share {levels['majority']:.3f}; the best {metric} "
        f"of a guess that ignores the input is {levels['chance']:.3f}. Class counts: {counts}.",
    ]


def _verdict_lines(claims: pd.DataFrame | None, quick: bool) -> list[str]:
    if claims is None or not len(claims):
        return ["No claim could be judged."]
    lines = []
    if quick:
        lines += [
            "**Indicative only**: a quick run (fewer samples, epochs, pairs and dimensions).",
            "",
        ]
    summary = claims[claims["pair"].astype(str) == "all"]
    for row in summary.itertuples(index=False):
        lines.append(
            f"- {markdown_text(row.verdict)} ({markdown_text(row.sensor)}) "
            f"{markdown_text(row.claim)}: {markdown_prose(row.reason)}"
        )
    lines += [
        "",
        "### Per network pair",
        "",
        "| claim | sensor | pair | value | 95 % interval | reference | threshold | verdict |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in claims.itertuples(index=False):
        lines.append(
            f"| {markdown_text(row.claim)} | {markdown_text(row.sensor)} | "
            f"{markdown_text(row.pair)} | {_fmt(row.value)} | "
            f"[{_fmt(row.ci_low)}, {_fmt(row.ci_high)}] | {_fmt(row.reference)} | "
            f"{_fmt(row.threshold)} | {markdown_text(row.verdict)} |"
        )
    return lines


def _caveat_lines(caveats: list[str]) -> list[str]:
    if not caveats:
        return ["None: no warning was raised during the run."]
    return [f"- {markdown_prose(message)}" for message in caveats]


def _fusion_figures_names(fusion: pd.DataFrame) -> list[str]:
    """``fusion.png``, then ``fusion_<a>_<b>.png`` with the sensors' safe file names."""
    stems = joined_file_names([(str(a), str(b)) for a, b, _ in _fusion_groups(fusion)])
    return ["fusion.png" if i == 0 else f"fusion_{stem}.png" for i, stem in enumerate(stems)]


def _fusion_figures(fusion: pd.DataFrame) -> dict[str, object]:
    names = _fusion_figures_names(fusion)
    return {
        name: plot_fusion(part.drop(columns=["view_1", "view_2"], errors="ignore"))
        for name, (_, _, part) in zip(names, _fusion_groups(fusion))
    }


def report_file_names(reproduction: Reproduction) -> list[str]:
    """The files :func:`write_report` writes: the figures, then ``report.md``.

    Parameters
    ----------
    reproduction : Reproduction
        A run.

    Returns
    -------
    names : list of str
        File names in the run's folder.
    """
    names = ["figure4_subspace.png"]
    if reproduction.cross_sensor is not None:
        names.append("figure5_cross_sensor.png")
    if reproduction.fusion is not None:
        names += _fusion_figures_names(reproduction.fusion)
    return [*names, "report.md"]


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
        figures.update(_fusion_figures(reproduction.fusion))
    for name, figure in figures.items():
        save_figure(figure, file_in(out, name))

    numbers = key_numbers(reproduction.results, k)
    paper = data.reference
    rehearsal = [note for note in reproduction.notes if note.startswith(REHEARSAL)]
    notes = [note for note in reproduction.notes if not note.startswith(REHEARSAL)]
    lines = [
        f"# Study: {markdown_text(reproduction.dataset)}",
        "",
        # make-data's synthetic folder: said before any number
        *[line for note in rehearsal for line in (f"**{markdown_prose(note)}**", "")],
        markdown_prose(data.description),
        "",
        *[f"- {markdown_prose(note)}" for note in notes],
        "",
        # an option left to None follows the data set's own rule, which the notes state
        "Settings: "
        + markdown_prose(
            ", ".join(
                f"{key}={value}"
                for key, value in reproduction.settings.items()
                if value is not None
            )
        ),
        "",
        *map(markdown_prose, training_lines(reproduction.training, data.head_params)),
        "",
        f"Metric: {metric}; K = {k} classes; scores are means over network pairs and repeats, "
        f"on the {len(data.y_validation)} validation samples. {READING}",
        "",
        *_chance_lines(data, metric),
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
            f"| {markdown_text(row['sensor'])} | {_fmt(row['full'])} | "
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
        lines.append("| data \\ partner | " + " | ".join(map(markdown_text, grid.columns)) + " |")
        lines.append("| --- " * (len(grid.columns) + 1) + "|")
        for sensor, values in grid.iterrows():
            lines.append(
                f"| {markdown_text(sensor)} | " + " | ".join(_fmt(v) for v in values) + " |"
            )
    if reproduction.fusion is not None:
        lines += ["", "## Fusion: CCA-sum against logit averaging", ""]
        lines += _fusion_lines(
            reproduction.fusion, metric, k, reproduction.bands, len(data.y_validation)
        )
    alignment = reproduction.alignment
    if len(alignment):
        lines += [
            "",
            "## Class-subspace alignment",
            "",
            "Cosines of the principal angles between the span of the first K-1 canonical "
            "variates and the span of the class-centred logits on the training samples (1: the "
            "same subspace): for each network pair the mean over the K - 1 directions, then "
            "the mean over the pairs with their range (smallest-largest pair) in parentheses; "
            "smallest: the smallest cosine of any direction and pair.",
            "",
            *_alignment_lines(alignment),
        ]
    quick = bool(reproduction.settings.get("quick", False))
    lines += ["", "## Verdicts", "", *_verdict_lines(reproduction.claims, quick)]
    lines += ["", "## Caveats", "", *_caveat_lines(reproduction.caveats)]
    lines += ["", "## Time by stage", ""]
    lines += [f"- {stage}: {seconds:.1f} s" for stage, seconds in reproduction.timings.items()]
    path = out / "report.md"
    write_text(path, "\n".join(lines) + "\n")
    return path


def verdict_lines(reproduction: Reproduction) -> list[str]:
    """The per-sensor verdicts of a run's claims, one line each (what the CLI prints).

    Parameters
    ----------
    reproduction : Reproduction
        A run; its ``claims`` table (``claims.csv``) is formatted, not judged.

    Returns
    -------
    lines : list of str
        ``"<VERDICT> <claim> (<sensor>): <reason>"`` for every summary row.
    """
    claims = reproduction.claims
    if claims is None or not len(claims):
        return ["No claim could be judged."]
    summary = claims[claims["pair"].astype(str) == "all"]
    return [
        visible_text(f"{row.verdict:<12} {row.claim} ({row.sensor}): {row.reason}")
        for row in summary.itertuples(index=False)
    ]
