"""A run's size before it starts: the fusion kernel ELM's solver, and memory and time estimates.

The fusion study's exact solvers are the run's super-linear stage: the kernel ELM holds
an ``n_train x n_train`` float64 kernel per fit and per worker and takes O(n_train^3) time
(20 GB and hours at 50,000 samples), libsvm's linear SVM O(n_train^2) time or more.
:func:`resolve_fusion_kernel` chooses the solvers (``"auto"``: exact up to 10,000
training samples, the Nystroem approximation and liblinear above), and
:func:`estimate_run` adds up, before any work, what each stage holds at once (the data,
the networks' features, each parallel worker's largest arrays) and about how long the
fusion fits take (the kernel ELM's and the linear SVMs'), so that a run that cannot fit
the machine is refused with a :class:`~sklearn_ccafusion.utils.MemoryBudgetError` naming
the option to change, instead of being killed hours later.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import combinations

from joblib import effective_n_jobs

from sklearn_ccafusion.fusion import _kelm
from sklearn_ccafusion.fusion._kelm import exact_kernel_bytes
from sklearn_ccafusion.fusion._kelm_nystroem import BLOCK_BYTES
from sklearn_ccafusion.runs._data import StudyData
from sklearn_ccafusion.study._fusion import _sweep
from sklearn_ccafusion.utils._memory import MemoryBudgetError, available_memory, format_bytes

__all__ = [
    "FUSION_KERNELS",
    "NYSTROEM_COMPONENTS",
    "RunEstimate",
    "estimate_run",
    "fusion_kernel_note",
    "plan_scale",
    "resolve_fusion_kernel",
    "worker_failures_named",
]

#: The choices of ``fusion_kernel`` (``--fusion-kernel``).
FUSION_KERNELS = ("auto", "exact", "nystroem")
#: Landmarks of the Nystroem kernel ELM (``KernelELMClassifier``'s ``n_components``).
NYSTROEM_COMPONENTS = 1000
#: Resident memory of one Python process with numpy, scikit-learn and torch imported.
PROCESS_BYTES = 400 * 10**6
#: Float64 multiply-adds per second of one core, for the time estimates: a one-thread
#: Cholesky factorisation ran at about 2.5e10 per CPU second on an AMD EPYC core; the
#: smaller figure leaves room for a shared machine. Times are orders of magnitude.
FLOPS_PER_CORE = 1.5e10
#: Seconds of one libsvm ``SVC(kernel="linear")`` fit per squared training sample: one fit
#: on 20,000 CCA-sum features of 10 planted classes took 9.7 s with one canonical pair
#: and 2.2 s with nine (benchmarks/bench_fusion_svm.py, one BLAS thread, 2 shared cores of
#: an AMD EPYC, 2026-12-06), 2.4e-8 and 0.6e-8 s per n^2; a fit of 50,000 samples with one
#: pair took 46 s (1.8e-8).
SVC_SECONDS_PER_SAMPLE2 = 2e-8
#: Seconds of one liblinear ``LinearSVC`` fit (the fusion study's, 10,000 passes at most)
#: per training sample and fused feature: 0.075 s for 20,000 samples of one canonical pair,
#: 0.6 s with nine (3.7e-6 and 3.3e-6; measured as above).
LINEAR_SVM_SECONDS_PER_VALUE = 3.5e-6
#: Width of the penultimate features of a network the run trains (``MLPNet``'s 128).
_DEFAULT_WIDTH = 128


def resolve_fusion_kernel(fusion_kernel: str, n_train: int) -> str:
    """The kernel ELM solver of the fusion study: ``"exact"`` or ``"nystroem"``.

    Parameters
    ----------
    fusion_kernel : {"auto", "exact", "nystroem"}
        ``"auto"``: exact up to 10,000 training samples (the kernel ELM's own
        threshold), Nystroem above.
    n_train : int
        Training samples.

    Returns
    -------
    solver : {"exact", "nystroem"}
    """
    if fusion_kernel not in FUSION_KERNELS:
        raise ValueError(
            f"fusion_kernel must be one of {', '.join(FUSION_KERNELS)}, got {fusion_kernel!r}."
        )
    if fusion_kernel != "auto":
        return fusion_kernel
    return "exact" if n_train <= _kelm.EXACT_MAX_SAMPLES else "nystroem"


def fusion_kernel_note(fusion_kernel: str, solver: str, n_train: int) -> str:
    """One sentence for the report: how the fusion's kernel ELM was solved, and why."""
    how = (
        "exactly (an n_train x n_train kernel per fit)"
        if solver == "exact"
        else f"on a Nystroem approximation of its kernel ({NYSTROEM_COMPONENTS} landmarks)"
    )
    why = (
        f"fusion_kernel='auto' with {n_train} training samples (exact up to "
        f"{_kelm.EXACT_MAX_SAMPLES})"
        if fusion_kernel == "auto"
        else f"fusion_kernel={fusion_kernel!r}"
    )
    svm = "libsvm's SVC" if solver == "exact" else "liblinear's LinearSVC"
    return f"fusion: CCA-sum + kernel ELM solved {how}, linear SVMs fitted with {svm}; {why}."


@dataclass(frozen=True)
class RunEstimate:
    """What a run will hold in memory and about how long its fusion fits take.

    Parameters
    ----------
    stages : list of (str, int, float or None)
        Per stage: its name, the bytes it holds at its peak (the data and the features
        kept throughout included, every parallel worker counted) and its estimated
        seconds (``None`` when not estimated).
    workers : int
        Parallel workers of the studies.
    fusion_solver : {"exact", "nystroem"}
        The fusion kernel ELM's solver.
    available : int or None
        Bytes of memory available when estimated (``None``: unknown).

    Examples
    --------
    >>> from sklearn_ccafusion.runs import RunEstimate
    >>> estimate = RunEstimate([("data and process", 10**9, None),
    ...                         ("fusion study (kernel ELM and SVM fits)", 3 * 10**9, 60.0)],
    ...                        workers=2, fusion_solver="exact", available=2 * 10**9)
    >>> estimate.peak_bytes, estimate.largest_stage()
    (3000000000, 'fusion study (kernel ELM and SVM fits)')
    >>> estimate.check()
    Traceback (most recent call last):
    ...
    sklearn_ccafusion.utils._memory.MemoryBudgetError: This run needs about 3.0 GB ...
    """

    stages: list[tuple[str, int, float | None]] = field(default_factory=list)
    workers: int = 1
    fusion_solver: str = "exact"
    available: int | None = None

    @property
    def peak_bytes(self) -> int:
        """The largest stage: the run's estimated peak memory."""
        return max((size for _, size, _ in self.stages), default=0)

    def largest_stage(self) -> str:
        """Name of the stage of the peak."""
        return max(self.stages, key=lambda stage: stage[1])[0]

    def __str__(self) -> str:
        lines = [
            f"estimate before the run ({self.workers} parallel worker(s), fusion kernel ELM: "
            f"{self.fusion_solver}):"
        ]
        for name, size, seconds in self.stages:
            when = "" if seconds is None else f", about {_duration(seconds)}"
            lines.append(f"  {name}: {format_bytes(size)} at its peak{when}")
        available = "unknown" if self.available is None else format_bytes(self.available)
        lines.append(
            f"  peak: about {format_bytes(self.peak_bytes)} ({self.largest_stage()}); "
            f"available now: {available}"
        )
        return "\n".join(lines)

    def check(self) -> None:
        """Raise :class:`~sklearn_ccafusion.utils.MemoryBudgetError` when the peak cannot fit.

        The message names the stage of the peak and the option that shrinks it.
        """
        if self.available is None or self.peak_bytes <= self.available:
            return
        stage = self.largest_stage()
        if stage.startswith("fusion") and self.fusion_solver == "exact":
            advice = (
                "choose the Nystroem kernel ELM (fusion_kernel='nystroem', or 'auto'), whose "
                "memory is linear in the samples"
                + (", or fewer workers (n_jobs=1)" if self.workers > 1 else "")
            )
        elif self.workers > 1 and stage != "data and process":
            advice = f"use fewer parallel workers (n_jobs=1 instead of {self.workers})"
        else:
            advice = "use fewer samples or features, or a machine with more memory"
        raise MemoryBudgetError(
            f"This run needs about {format_bytes(self.peak_bytes)} of memory at its peak "
            f"({stage}), more than the {format_bytes(self.available)} available; {advice}.\n"
            f"{self}"
        )


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _nbytes(arrays) -> int:
    return int(sum(getattr(a, "nbytes", 0) for a in arrays))


def estimate_run(
    data: StudyData,
    *,
    pairs: int,
    n_jobs: int | None = None,
    fusion_kernel: str = "auto",
    networks=None,
    available: int | None | str = "measure",
) -> RunEstimate:
    """Estimate a run's peak memory by stage, and its fusion fits' time, before it starts.

    Parameters
    ----------
    data : StudyData
        The run's data set.
    pairs : int
        Network pairs per sensor.
    n_jobs : int or None, default=None
        joblib workers of the run (``-1``: all cores): every worker holds its own
        arrays, so the per-worker terms are multiplied by their number.
    fusion_kernel : {"auto", "exact", "nystroem"}, default="auto"
        Solver of the fusion kernel ELM (``"auto"``: exact up to 10,000 training samples).
    networks : mapping or None, default=None
        Trained networks given to the run (their features' widths are used); ``None``:
        networks of 128 penultimate features, as the run's own.
    available : int, None or "measure", default="measure"
        Bytes of memory available (``"measure"``: read from the machine now).

    Returns
    -------
    estimate : RunEstimate
        Its ``str`` is a short table; :meth:`RunEstimate.check` refuses a run that
        cannot fit.

    Examples
    --------
    >>> from sklearn_ccafusion.runs import DATASETS, DataOptions, estimate_run
    >>> data = DATASETS["digits"](DataOptions(quick=True))
    >>> estimate = estimate_run(data, pairs=1, n_jobs=2, available=None)
    >>> estimate.workers, estimate.fusion_solver
    (2, 'exact')
    >>> print(estimate)  # doctest: +ELLIPSIS
    estimate before the run (2 parallel worker(s), fusion kernel ELM: exact):
      data and process: ...
    """
    n_train, n_val = len(data.y_train), len(data.y_validation)
    n_all = n_train + n_val
    sensors = list(data.sensors)
    workers = max(1, effective_n_jobs(n_jobs))  # loky starts n_jobs workers, even > cores
    solver = resolve_fusion_kernel(fusion_kernel, n_train)
    if networks is not None:
        widths = [getattr(net, "n_features", _DEFAULT_WIDTH) for nets in networks.values()
                  for net in nets]
        width = max(widths, default=_DEFAULT_WIDTH)
        n_networks = sum(len(nets) for nets in networks.values())
    else:
        width, n_networks = _DEFAULT_WIDTH, 2 * pairs * len(sensors)
    data_bytes = _nbytes(data.inputs_train.values()) + _nbytes(data.inputs_validation.values())
    base = data_bytes + PROCESS_BYTES
    features = n_networks * n_all * width * 8  # every network's features, float64, kept
    widest = max((a[0].size for a in data.inputs_train.values()), default=0)
    stages: list[tuple[str, int, float | None]] = [("data and process", base, None)]
    if networks is None:
        # each worker trains on its float32 copy of one sensor's inputs (and one batch)
        training = workers * (PROCESS_BYTES + 2 * n_all * widest * 4)
        stages.append(("networks", base + features + training, None))
    # subspace and cross-sensor studies: a worker holds a few copies of a pair's features
    study = workers * (PROCESS_BYTES + 8 * n_all * width * 8)
    stages.append(("subspace study", base + features + study, None))
    groups = max(1, len(list(combinations(sensors, 2)))) * pairs
    sweep = max(1, int(width).bit_length()) + 3  # _sweep's default: powers of 2, K - 1, K, all
    stacked = n_all * 2 * width * 8  # the two views side by side, and their CCA transforms
    if solver == "exact":
        fit_bytes = exact_kernel_bytes(n_train)
        fit_seconds = n_train**3 / 3 / FLOPS_PER_CORE + n_train**2 * width / FLOPS_PER_CORE
    else:
        m = min(NYSTROEM_COMPONENTS, n_train)
        fit_bytes = BLOCK_BYTES + 3 * m * m * 8
        fit_seconds = (n_train * m * m + n_all * m * width) / FLOPS_PER_CORE
    fusion = workers * (PROCESS_BYTES + 3 * stacked + fit_bytes)
    seconds = groups * (sweep * fit_seconds + _svm_seconds(solver, n_train, width, data)) / workers
    stages.append(("fusion study (kernel ELM and SVM fits)", base + features + fusion, seconds))
    if available == "measure":
        available = available_memory()
    return RunEstimate(stages, workers, solver, available)


def _svm_seconds(solver: str, n_train: int, width: int, data: StudyData) -> float:
    """Seconds of one group's linear SVM fits (sum and concat, every ``n_components``).

    libsvm's ``SVC`` with the exact kernel ELM (time quadratic in the samples), liblinear's
    ``LinearSVC`` with the Nystroem one (linear in the samples and the fused features:
    ``n_components`` for the sum, twice that for the concatenation).
    """
    sweep = _sweep(None, width, max(2, len(data.classes)))
    if solver == "exact":
        return 2 * len(sweep) * n_train**2 * SVC_SECONDS_PER_SAMPLE2
    return sum(3 * n for n in sweep) * n_train * LINEAR_SVM_SECONDS_PER_VALUE


def plan_scale(
    data: StudyData, *, pairs: int, n_jobs: int | None, fusion_kernel: str, networks=None
) -> tuple[str, str, RunEstimate]:
    """Before a run: its fusion solver, the report's sentence on it, and its checked estimate.

    The estimate is logged (logger ``sklearn_ccafusion.runs``, level INFO; the command
    line prints it) and :meth:`RunEstimate.check` raises before any work when the run
    cannot fit the available memory.
    """
    solver = resolve_fusion_kernel(fusion_kernel, len(data.y_train))
    estimate = estimate_run(
        data, pairs=pairs, n_jobs=n_jobs, fusion_kernel=solver, networks=networks
    )
    logging.getLogger("sklearn_ccafusion.runs").info("%s", estimate)
    estimate.check()
    return solver, fusion_kernel_note(fusion_kernel, solver, len(data.y_train)), estimate


@contextmanager
def worker_failures_named(estimate: RunEstimate | None = None) -> Iterator[None]:
    """Turn a worker killed mid-run, or a ``MemoryError``, into a named error with advice.

    The system's out-of-memory killer ends a worker process without a Python error;
    joblib then raises its ``TerminatedWorkerError``. Either way, what was finished is
    cached, and the message says how to resume with less memory.
    """
    from joblib.externals.loky.process_executor import TerminatedWorkerError

    try:
        yield
    except MemoryBudgetError:
        raise
    except (TerminatedWorkerError, MemoryError) as error:
        what = (
            "a worker process of the run was killed"
            if isinstance(error, TerminatedWorkerError)
            else "the run ran out of memory (MemoryError)"
        )
        planned = (
            "" if estimate is None else f" (estimated peak {format_bytes(estimate.peak_bytes)})"
        )
        raise MemoryBudgetError(
            f"{what}, most likely because the machine's memory ran out{planned}; finished "
            "work is cached, so the same command resumes. With less memory: fewer parallel "
            "workers (n_jobs=1), or fusion_kernel='nystroem' for the fusion study."
        ) from error
