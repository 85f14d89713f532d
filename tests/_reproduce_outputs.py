"""What every run of ``ccafusion reproduce`` must write, checked on its output folder."""

from __future__ import annotations

import re

import pandas as pd

from sklearn_ccafusion.runs._claims import COLUMNS

PNG = b"\x89PNG\r\n\x1a\n"


def check_run(out, sensors, n_classes):
    """Every output file is written, claims.csv judges every claim, the report formats it."""
    names = ["results.csv", "fusion.csv", "alignment.csv", "bands.csv", "claims.csv"]
    figures = ["figure4_subspace.png", "fusion.png"]
    if len(sensors) > 1:
        names.append("cross_sensor.csv")
        figures.append("figure5_cross_sensor.png")
    else:
        assert not (out / "cross_sensor.csv").exists()
    tables = {name: pd.read_csv(out / name) for name in names}
    assert all(len(table) for table in tables.values()), names
    assert set(tables["results.csv"]["sensor"]) == set(sensors)
    assert tables["results.csv"]["score"].between(0, 1).all()
    for name in figures:
        assert (out / name).read_bytes()[:8] == PNG, name
    assert (out / "settings.json").stat().st_size > 0
    report = (out / "report.md").read_text()
    claims = tables["claims.csv"]
    assert list(claims.columns) == COLUMNS
    assert set(claims["verdict"]) <= {"PASS", "FAIL", "INCONCLUSIVE"}
    assert claims["reason"].str.len().gt(0).all()
    summary = claims[claims["pair"].astype(str) == "all"]
    for sensor in sensors:
        judged = set(summary.loc[summary["sensor"] == sensor, "claim"])
        assert {"most_correlated_keep_score", "least_correlated_at_chance"} <= judged, judged
    assert (summary["claim"] == "fusion_equals_logit_average").sum() == max(
        1, len(sensors) * (len(sensors) - 1) // 2
    )
    verdicts = report.split("## Verdicts", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in verdicts.splitlines() if line.startswith("- ")]
    assert len(lines) == len(summary)
    assert all(re.match(r"- (PASS|FAIL|INCONCLUSIVE) \(", line) for line in lines), lines
    assert "## Caveats" in report
    assert f"K = {n_classes} classes" in report
    return report
