"""Hostile cases of scale: runs too large for the machine are refused before any work.

The fusion study's kernel ELM chooses its solver by size, the run estimates its peak
memory (every parallel worker counted) before it starts, and a worker killed mid-run
gives a named error. Everything here runs on tiny data: thresholds and the available
memory are lowered instead of the data raised.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
from joblib import Parallel, delayed, effective_n_jobs

from sklearn_ccafusion.cli import main
from sklearn_ccafusion.fusion import KernelELMClassifier, _kelm
from sklearn_ccafusion.runs import StudyData, estimate_run, run_study
from sklearn_ccafusion.runs import _scale as scale
from sklearn_ccafusion.study import make_planted_features
from sklearn_ccafusion.utils import MemoryBudgetError

FAST = ["--quick", "--quiet", "--repeats", "1", "--n-jobs", "1"]


def _huge_data(n_train: int, width: int = 512) -> StudyData:
    """A data set of ``n_train`` rows that takes no memory (zero-stride views)."""
    rows = lambda n: np.broadcast_to(np.zeros(1, np.float32), (n, width))  # noqa: E731
    y = lambda n: np.broadcast_to(np.arange(2), (n // 2, 2)).ravel()  # noqa: E731
    return StudyData(
        name="huge",
        inputs_train={"a": rows(n_train), "b": rows(n_train)},
        inputs_validation={"a": rows(1000), "b": rows(1000)},
        y_train=y(n_train),
        y_validation=y(1000),
        classes=np.arange(2),
        metric="accuracy",
        make_net=lambda sensor, seed, device: None,
        net_settings={},
    )


def test_exact_fusion_of_a_million_samples_refused_before_any_work(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(MemoryBudgetError, match="fusion_kernel='nystroem'") as error:
        run_study(_huge_data(10**6), out=out, fusion_kernel="exact", pairs=1, progress=False)
    assert "fusion study" in str(error.value) and "TB" in str(error.value)
    assert not out.exists()  # nothing written, nothing trained


def test_absurd_data_refused_even_with_nystroem(tmp_path):
    # 10^6 rows of 10^5 float32 features per sensor: the data alone (800 GB) cannot fit
    out = tmp_path / "out"
    with pytest.raises(MemoryBudgetError, match="fewer samples"):
        run_study(_huge_data(10**6, width=100_000), out=out, pairs=1, progress=False)
    assert not out.exists()


def test_workers_multiply_the_estimate():
    data = _huge_data(40_000)
    peaks = {
        jobs: estimate_run(data, pairs=1, n_jobs=jobs, fusion_kernel="exact", available=None)
        for jobs in (1, 2, 64, -1)
    }
    assert [peaks[j].workers for j in (1, 2, 64, -1)] == [1, 2, 64, effective_n_jobs(-1)]
    fusion = {jobs: estimate.stages[-1][1] for jobs, estimate in peaks.items()}
    # linear in the workers, each holding at least its own 40,000 x 40,000 kernel
    assert fusion[64] - fusion[1] == 63 * (fusion[2] - fusion[1])
    assert fusion[2] - fusion[1] >= 8 * 40_000**2
    assert fusion[-1] == fusion[1] + (effective_n_jobs(-1) - 1) * (fusion[2] - fusion[1])


def test_too_many_jobs_refused_naming_n_jobs(monkeypatch, tmp_path):
    data = _huge_data(200_000)
    one = estimate_run(data, pairs=1, n_jobs=1, available=None)
    monkeypatch.setenv("CCAFUSION_MEMORY_BYTES", str(one.peak_bytes + 1))
    run = estimate_run(data, pairs=1, n_jobs=64)
    with pytest.raises(MemoryBudgetError, match="n_jobs=1 instead of 64"):
        run.check()
    estimate_run(data, pairs=1, n_jobs=1).check()  # one worker fits
    with pytest.raises(MemoryBudgetError, match="n_jobs=1"):
        run_study(data, out=tmp_path / "out", n_jobs=64, pairs=1, progress=False)
    assert not (tmp_path / "out").exists()


def test_cli_says_which_flag_to_change(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CCAFUSION_MEMORY_BYTES", "20000000")  # the file fits, no run does
    path = _features_file(tmp_path)
    status = main(["study", "--features", str(path), "--out", str(tmp_path / "o"), *FAST])
    captured = capsys.readouterr()
    assert status == 2
    assert "ccafusion: error: This run needs about" in captured.err
    assert "Traceback" not in captured.err
    assert "estimate before the run" in captured.out  # printed before the refusal


def test_unknown_fusion_kernel_named(tmp_path):
    with pytest.raises(ValueError, match="fusion_kernel must be one of"):
        run_study(_huge_data(100), out=tmp_path / "o", fusion_kernel="fast", progress=False)


def _features_file(tmp_path, n: int = 240):
    """A features file of two sensors, two networks each (one pair), no training needed."""
    arrays = {}
    for s_index, sensor in enumerate(("acc", "gyr")):
        X1, X2, y, layers = make_planted_features(
            n, n_classes=3, n_features=24, n_nuisance=3, random_state=s_index
        )
        for k, (X, (coef, intercept)) in enumerate(zip((X1, X2), layers)):
            arrays[f"{sensor}.{k}.train"] = X[: n * 2 // 3]
            arrays[f"{sensor}.{k}.validation"] = X[n * 2 // 3 :]
            arrays[f"{sensor}.{k}.coef"] = coef
            arrays[f"{sensor}.{k}.intercept"] = intercept
    arrays["y_train"], arrays["y_validation"] = y[: n * 2 // 3], y[n * 2 // 3 :]
    path = tmp_path / "features.npz"
    np.savez(path, **arrays)
    return path


def test_auto_takes_nystroem_above_the_threshold_and_says_so(tmp_path, monkeypatch, capsys):
    """The threshold lowered below the 160 training rows: auto must choose Nystroem."""
    monkeypatch.setattr(_kelm, "EXACT_MAX_SAMPLES", 100)
    solvers = []
    fit = KernelELMClassifier.fit

    def spy(self, X, y):
        result = fit(self, X, y)
        solvers.append((self.solver, self.solver_))
        return result

    monkeypatch.setattr(KernelELMClassifier, "fit", spy)
    path, out = _features_file(tmp_path), tmp_path / "out"
    assert main(["study", "--features", str(path), "--out", str(out), *FAST]) == 0
    assert solvers and set(solvers) == {("nystroem", "nystroem")}  # the option reached it
    settings = json.loads((out / "settings.json").read_text())
    assert settings["fusion_kernel"] == "auto" and settings["fusion_solver"] == "nystroem"
    report = (out / "report.md").read_text()
    assert "Nystroem approximation of its kernel (1000 landmarks)" in report
    assert "fusion_kernel='auto' with 160 training samples (exact up to 100)" in report
    assert "estimate before the run" in capsys.readouterr().out


def test_killed_worker_gives_a_named_error():
    with pytest.raises(MemoryBudgetError, match="worker process of the run was killed"):
        with scale.worker_failures_named():
            Parallel(n_jobs=2)(delayed(os._exit)(1) for _ in range(2))


def _allocate_too_much():
    raise MemoryError("Unable to allocate 20.0 GiB")


def test_memory_error_in_a_worker_gives_a_named_error():
    with pytest.raises(MemoryBudgetError, match="ran out of memory") as error:
        with scale.worker_failures_named():
            Parallel(n_jobs=2)(delayed(_allocate_too_much)() for _ in range(2))
    assert "fusion_kernel='nystroem'" in str(error.value)


def test_available_memory_without_proc_or_psutil(monkeypatch):
    from sklearn_ccafusion.utils import _memory

    monkeypatch.delenv("CCAFUSION_MEMORY_BYTES", raising=False)
    monkeypatch.setattr(_memory, "_meminfo_available", lambda: None)
    monkeypatch.setattr(_memory, "_sysconf_available", lambda: None)
    monkeypatch.setattr(_memory, "_psutil_available", lambda: None)
    assert _memory.available_memory() is None
    # unknown memory refuses nothing
    estimate = estimate_run(_huge_data(10**6), pairs=1, fusion_kernel="exact")
    assert estimate.available is None
    estimate.check()
    monkeypatch.setenv("CCAFUSION_MEMORY_BYTES", "lots")
    with pytest.raises(ValueError, match="CCAFUSION_MEMORY_BYTES must be a number"):
        _memory.available_memory()
