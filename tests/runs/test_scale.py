"""The run's fusion solver choice and its estimate before any work."""

from __future__ import annotations

import numpy as np
import pytest

from sklearn_ccafusion.fusion import _kelm
from sklearn_ccafusion.runs import RunEstimate, StudyData, estimate_run
from sklearn_ccafusion.runs._scale import fusion_kernel_note, resolve_fusion_kernel
from sklearn_ccafusion.utils import MemoryBudgetError


def _data(n_train: int, width: int = 512, sensors=("a", "b")) -> StudyData:
    rows = lambda n: np.broadcast_to(np.zeros(1, np.float32), (n, width))  # noqa: E731
    y = lambda n: np.arange(n) % 2  # noqa: E731
    return StudyData(
        name="x",
        inputs_train={s: rows(n_train) for s in sensors},
        inputs_validation={s: rows(100) for s in sensors},
        y_train=y(n_train),
        y_validation=y(100),
        classes=np.arange(2),
        metric="accuracy",
        make_net=None,
        net_settings={},
    )


def test_resolve_fusion_kernel_threshold():
    limit = _kelm.EXACT_MAX_SAMPLES
    assert limit == 10_000
    assert resolve_fusion_kernel("auto", limit) == "exact"
    assert resolve_fusion_kernel("auto", limit + 1) == "nystroem"
    assert resolve_fusion_kernel("exact", 10**6) == "exact"
    assert resolve_fusion_kernel("nystroem", 10) == "nystroem"
    with pytest.raises(ValueError, match="fusion_kernel must be one of auto, exact, nystroem"):
        resolve_fusion_kernel("Nystroem", 10)


def test_notes_say_solver_and_reason():
    assert "exactly" in fusion_kernel_note("auto", "exact", 500)
    note = fusion_kernel_note("nystroem", "nystroem", 500)
    assert "1000 landmarks" in note and "fusion_kernel='nystroem'" in note


def test_exact_kernel_dominates_and_scales_as_n_squared():
    small = estimate_run(_data(20_000), pairs=1, n_jobs=1, fusion_kernel="exact", available=None)
    large = estimate_run(_data(40_000), pairs=1, n_jobs=1, fusion_kernel="exact", available=None)
    assert small.largest_stage().startswith("fusion")
    # the 20,000^2 float64 kernel alone is 3.2 GB; doubling n multiplies it by 4
    kernel = lambda e: e.stages[-1][1] - e.stages[-2][1]  # noqa: E731, fusion minus study
    assert 3.2e9 < small.peak_bytes and kernel(large) > 3.5 * kernel(small)
    # and its time grows as n^3
    seconds = small.stages[-1][2], large.stages[-1][2]
    assert 7 < seconds[1] / seconds[0] < 8.5


def test_nystroem_estimate_is_linear_in_n():
    a = estimate_run(_data(50_000), pairs=1, n_jobs=2, fusion_kernel="nystroem", available=None)
    b = estimate_run(_data(100_000), pairs=1, n_jobs=2, fusion_kernel="nystroem", available=None)
    assert a.fusion_solver == "nystroem" and a.peak_bytes < 8e9
    assert b.peak_bytes < 2.2 * a.peak_bytes
    assert b.stages[-1][2] < 2.2 * a.stages[-1][2]


def test_check_and_table():
    estimate = RunEstimate(
        [("data and process", 10, None), ("fusion study (kernel ELM fits)", 100, 120.0)],
        workers=2,
        fusion_solver="exact",
        available=50,
    )
    text = str(estimate)
    assert "2 parallel worker(s)" in text and "about 2 min" in text and "available now" in text
    with pytest.raises(MemoryBudgetError, match="fusion_kernel='nystroem'.*n_jobs=1"):
        estimate.check()
    RunEstimate(estimate.stages, 2, "exact", available=100).check()
    RunEstimate(estimate.stages, 2, "exact", available=None).check()


@pytest.mark.parametrize(
    ("fusion_kernel", "constant"),
    [("exact", "SVC_SECONDS_PER_SAMPLE2"), ("nystroem", "LINEAR_SVM_SECONDS_PER_VALUE")],
)
def test_estimate_counts_the_svm_fits(fusion_kernel, constant, monkeypatch):
    from sklearn_ccafusion.runs import _scale

    n = 30_000
    measured = getattr(_scale, constant)

    def seconds(value: float) -> float:
        monkeypatch.setattr(_scale, constant, value)
        estimate = estimate_run(
            _data(n), pairs=1, n_jobs=1, fusion_kernel=fusion_kernel, available=None
        )
        return estimate.stages[-1][2]

    added = seconds(1.0) - seconds(0.0)
    # one group (two sensors, one pair), 128 features, 2 classes: n_components 1, 2, ..., 128
    sweep = [1, 2, 4, 8, 16, 32, 64, 128]
    if fusion_kernel == "exact":  # SVC: quadratic in the samples, two fits per n_components
        expected = 2 * len(sweep) * n**2
    else:  # LinearSVC: linear in samples x fused features (sum: n, concat: 2n)
        expected = 3 * sum(sweep) * n
    assert added == pytest.approx(expected)
    assert seconds(measured) > seconds(0.0)
