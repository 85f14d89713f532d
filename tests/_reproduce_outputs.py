"""What every run of ``ccafusion reproduce`` must write, checked on its output folder."""

from __future__ import annotations

import re

import pandas as pd

PNG = b"\x89PNG\r\n\x1a\n"


def check_run(out, sensors, n_classes):
    """Every output file is written and the report has a verdict line for each claim."""
    names = ["results.csv", "fusion.csv", "alignment.csv", "bands.csv"]
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
    verdicts = report.split("## Verdicts", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in verdicts.splitlines() if line.strip()]
    assert all(re.match(r"- (PASS|FAIL)\b", line) for line in lines), lines
    for sensor in sensors:
        claims = [line for line in lines if f"({sensor})" in line]
        assert len(claims) == 2, claims
        assert f"CCA_highest at n = {n_classes}" in claims[0] and "CCA_lowest" in claims[1]
    assert sum("CCA-sum fusion" in line for line in lines) == 1
    assert sum("canonical directions span" in line for line in lines) == 1
    assert len(lines) == 2 * len(sensors) + 2
    return report
