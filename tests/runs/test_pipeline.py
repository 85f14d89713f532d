"""``ccafusion reproduce`` end to end on digits (quick), resumption, determinism, errors."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from sklearn_ccafusion.cli import main
from sklearn_ccafusion.runs import _networks
from sklearn_ccafusion.study import _subspace
from sklearn_ccafusion.subspace import METHODS

QUICK = ["reproduce", "--quick", "--quiet", "--pairs", "1", "--repeats", "1", "--n-jobs", "1"]
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    assert main([*QUICK, "--out", str(out)]) == 0
    return out


def test_writes_every_output(run_dir):
    for name in (
        "results.csv",
        "cross_sensor.csv",
        "fusion.csv",
        "alignment.csv",
        "bands.csv",
        "report.md",
        "settings.json",
    ):
        assert (run_dir / name).stat().st_size > 0, name
    for name in ("figure4_subspace.png", "figure5_cross_sensor.png", "fusion.png"):
        assert (run_dir / name).read_bytes()[:8] == PNG, name
    results = pd.read_csv(run_dir / "results.csv")
    assert {"sensor", "pair", "method", "n", "repeat", "seed", "head", "metric", "score"} <= set(
        results.columns
    )
    assert set(results["method"]) == set(METHODS)
    assert set(results["head"]) == {"original", "retrained"}
    assert {"sensor", "partner"} <= set(pd.read_csv(run_dir / "cross_sensor.csv").columns)
    assert {"method", "measure", "value"} <= set(pd.read_csv(run_dir / "fusion.csv").columns)
    assert {"sensor", "cosine"} <= set(pd.read_csv(run_dir / "alignment.csv").columns)
    report = (run_dir / "report.md").read_text()
    assert "## Verdicts" in report and "figure4_subspace.png" in report
    assert "seed=0" in report
    verdicts = report.split("## Verdicts")[1]
    assert "fusion_equals_logit_average" in verdicts and "logit averaging" in verdicts
    bands = pd.read_csv(run_dir / "bands.csv")
    assert ((bands["low"] <= bands["value"]) & (bands["value"] <= bands["high"])).all()
    claims = pd.read_csv(run_dir / "claims.csv")
    assert ((claims["ci_low"] <= claims["value"] + 1e-12) | claims["value"].isna()).all()
    assert "Indicative only" in verdicts  # a quick run
    assert "Chance on the" in report and "Class counts" in report


def test_every_table_names_its_network_pair(run_dir):
    tables = sorted(run_dir.glob("*.csv"))
    assert {p.name for p in tables} >= {"results.csv", "fusion.csv", "bands.csv", "claims.csv"}
    for path in tables:
        assert "pair" in pd.read_csv(path).columns, path.name


def test_report_shows_cca_sum_beside_logit_averaging_with_their_bands(run_dir):
    report = (run_dir / "report.md").read_text()
    bands = pd.read_csv(run_dir / "bands.csv")
    fusion = bands[bands["sensor"] == "left+right"].set_index(["name", "measure"])

    def band(name, measure):
        value, low, high = fusion.loc[(name, measure), ["value", "low", "high"]]
        return f"{value:.3f} [{low:.3f}, {high:.3f}]"

    row = f"| 0 | {band('logit_average', 'accuracy')} | {band('cca_sum_svm', 'accuracy')} | "
    assert row + f"{band('cca_sum_svm', 'agreement')} |" in report
    # every band is named: ranges over pairs in parentheses, bootstrap intervals in brackets
    assert "(a-b) is the range over the network pairs" in report
    assert "[a, b] is a 95 % bootstrap interval over the validation samples" in report
    # the resolved training settings, before any number of the study
    head = report.split("## Subspace", 1)[0]
    assert "epochs 10, batch size 64" in head and "weight decay 0 (the optimiser's default)" in head
    assert "None" not in head.split("Training settings", 1)[1]


def test_same_seed_same_results(run_dir, tmp_path):
    assert main([*QUICK, "--out", str(tmp_path)]) == 0
    for name in ("results.csv", "cross_sensor.csv", "fusion.csv", "alignment.csv"):
        assert (tmp_path / name).read_text() == (run_dir / name).read_text(), name


def test_resumes_a_run_killed_during_the_subspace_study(run_dir, tmp_path, monkeypatch):
    real_evaluate = _subspace._evaluate
    calls = []

    def crash_after_four(*args, **kwargs):
        if len(calls) == 4:
            raise RuntimeError("simulated kill during the subspace study")
        calls.append(args[3])
        return real_evaluate(*args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(_subspace, "_evaluate", crash_after_four)
        with pytest.raises(RuntimeError, match="simulated kill"):
            main([*QUICK, "--out", str(tmp_path)])
    assert len(list((tmp_path / "cache").glob("*.npz"))) == 4  # 2 sensors x 2 networks
    assert len(list((tmp_path / "cache" / "tasks").glob("task-*.json"))) == 4
    assert not (tmp_path / "results.csv").exists()

    def no_training(*args, **kwargs):
        raise AssertionError("a cached network was trained again")

    redone = []

    def count(*args, **kwargs):
        redone.append(args[3])
        return real_evaluate(*args, **kwargs)

    monkeypatch.setattr(_networks, "_fit_group", no_training)
    monkeypatch.setattr(_subspace, "_evaluate", count)
    assert main([*QUICK, "--out", str(tmp_path)]) == 0
    n_tasks = len(
        pd.read_csv(run_dir / "results.csv")[["sensor", "method", "repeat"]].drop_duplicates()
    ) + len(
        pd.read_csv(run_dir / "cross_sensor.csv")[
            ["sensor", "partner", "method", "repeat"]
        ].drop_duplicates()
    )
    assert len(redone) == n_tasks - 4
    for name in ("results.csv", "cross_sensor.csv", "fusion.csv", "alignment.csv"):
        assert (tmp_path / name).read_bytes() == (run_dir / name).read_bytes(), name


def test_damaged_cache_files_are_recomputed(run_dir, tmp_path, capsys):
    assert main([*QUICK, "--out", str(tmp_path)]) == 0
    damaged = [*(tmp_path / "cache").glob("*.npz"), *(tmp_path / "cache" / "tasks").glob("*")][:6]
    for path in damaged:
        path.write_bytes(path.read_bytes()[:40])
    capsys.readouterr()
    assert main([*QUICK, "--out", str(tmp_path)]) == 0
    caveats = capsys.readouterr().out.split("Caveats")[1]
    for path in damaged:  # a damaged network is named in the run's caveats
        assert path.suffix != ".npz" or f"{path.name} fails its checksum" in caveats
    assert "trained again" in caveats
    for name in ("results.csv", "fusion.csv"):
        assert (tmp_path / name).read_bytes() == (run_dir / name).read_bytes(), name


def test_refuses_to_mix_runs(run_dir, capsys):
    assert main([*QUICK, "--seed", "1", "--out", str(run_dir)]) == 2
    assert "other settings" in capsys.readouterr().err


def _cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "sklearn_ccafusion", *args], capture_output=True, text=True
    )


def test_unknown_dataset():
    result = _cli("reproduce", "--dataset", "mnist")
    assert result.returncode == 2 and "invalid choice" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_data_dir(tmp_path):
    result = _cli("reproduce", "--dataset", "shl", "--out", str(tmp_path))
    assert result.returncode == 2 and "--data-dir" in result.stderr
    assert "Traceback" not in result.stderr


def test_unwritable_out(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = _cli("reproduce", "--out", str(blocker / "sub"))
    assert result.returncode == 2 and "--out" in result.stderr
    assert "Traceback" not in result.stderr


def test_data_dir_without_files(tmp_path):
    result = _cli(
        "reproduce",
        "--dataset",
        "cifar10",
        "--data-dir",
        str(tmp_path),
        "--out",
        str(tmp_path / "out"),
    )
    assert result.returncode == 2
    assert "cifar" in result.stderr.lower() and "Traceback" not in result.stderr


def test_n_jobs_zero_rejected_before_any_work(tmp_path):
    result = _cli("reproduce", "--n-jobs", "0", "--out", str(tmp_path))
    assert result.returncode == 2 and "--n-jobs" in result.stderr
    assert "Traceback" not in result.stderr and not any(tmp_path.iterdir())


def test_cuda_without_cuda_rejected(tmp_path):
    import torch

    if torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    result = _cli("reproduce", "--device", "cuda", "--out", str(tmp_path))
    assert result.returncode == 2 and "CUDA" in result.stderr
    assert "Traceback" not in result.stderr


def test_out_is_a_file(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = _cli("reproduce", "--out", str(blocker))
    assert result.returncode == 2 and "not a folder" in result.stderr


def test_progress_bars_change_no_byte(run_dir, tmp_path, capsys):
    """Named bars for every stage (progress on) write the same files as --quiet."""
    from sklearn_ccafusion.runs import reproduce

    reproduce("digits", out=tmp_path, quick=True, pairs=1, repeats=1, n_jobs=1, progress=True)
    err = capsys.readouterr().err
    assert "subspace study: left" in err and "fusion: left + right, pair 0" in err
    assert "task" in err and "it/s" not in err
    names = sorted(p.name for p in run_dir.glob("*.csv"))
    assert "results.csv" in names and "fusion.csv" in names
    for name in names:
        assert (tmp_path / name).read_bytes() == (run_dir / name).read_bytes(), name


def test_other_settings_refused_before_loading_the_data(run_dir, monkeypatch):
    from sklearn_ccafusion.runs import _pipeline

    def no_loading(*args, **kwargs):
        raise AssertionError("the data was loaded before the settings were checked")

    monkeypatch.setattr(_pipeline, "prepare", no_loading)
    with pytest.raises(ValueError, match="other settings"):
        _pipeline.reproduce("digits", out=run_dir, quick=True, pairs=1, repeats=1, seed=1)
    with pytest.raises(AssertionError, match="loaded"):  # same settings: no refusal
        _pipeline.reproduce("digits", out=run_dir, quick=True, pairs=1, repeats=1)


def test_failed_run_leaves_no_folder(tmp_path, monkeypatch):
    from sklearn_ccafusion.runs import _pipeline

    def failing(*args, **kwargs):
        raise RuntimeError("training failed")

    monkeypatch.setattr(_pipeline, "train_networks", failing)
    with pytest.raises(RuntimeError, match="training failed"):
        _pipeline.reproduce("digits", out=tmp_path / "new", quick=True, progress=False)
    assert not (tmp_path / "new").exists()


@pytest.mark.parametrize("content", ['{"dataset": "dig', "", "[1, 2]", "\udcff"])
def test_a_damaged_settings_file_is_named(tmp_path, monkeypatch, capsys, content):
    from sklearn_ccafusion.runs import _pipeline

    def no_loading(*args, **kwargs):
        raise AssertionError("the data was loaded")

    monkeypatch.setattr(_pipeline, "prepare", no_loading)
    settings = tmp_path / "settings.json"
    settings.write_bytes(content.encode("utf-8", "surrogateescape"))
    with pytest.raises(ValueError, match=rf"{settings} is damaged .*overwrite=True"):
        _pipeline.reproduce("digits", out=tmp_path, quick=True, pairs=1, repeats=1)
    assert main([*QUICK, "--out", str(tmp_path)]) == 2
    assert "settings.json is damaged" in capsys.readouterr().err
    with pytest.raises(AssertionError, match="loaded"):  # replaced on request
        _pipeline.reproduce("digits", out=tmp_path, quick=True, pairs=1, repeats=1, overwrite=True)


def test_fusion_solver_recorded_and_reported(run_dir):
    import json

    settings = json.loads((run_dir / "settings.json").read_text())
    assert settings["fusion_kernel"] == "auto" and settings["fusion_solver"] == "exact"
    report = (run_dir / "report.md").read_text()
    assert "CCA-sum + kernel ELM solved exactly" in report
    assert "fusion_kernel='auto' with" in report and "(exact up to 10000)" in report
