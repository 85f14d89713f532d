"""Command-line front end: ``ccafusion <command>``.

It parses arguments, calls the package's API and prints or writes results; it
holds no science of its own.
"""

from __future__ import annotations

import argparse
import logging
import shlex
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from sklearn_ccafusion._cli_checks import (
    _as_flags,
    _check_out,
    _check_resources,
    _discard_unused_out,
    _run_out,
)
from sklearn_ccafusion._cli_parser import build_parser as _build_parser

__all__ = ["main"]


def __dir__() -> list[str]:
    """Public names only: what ``from module import *`` gives."""
    return sorted(__all__)


def _progress(args: argparse.Namespace) -> bool:
    """Progress bars unless ``--quiet``, and only on a terminal: a redirected log gets none."""
    return not args.quiet and sys.stderr.isatty()


@contextmanager
def _workers_end_with_parent() -> Iterator[None]:
    from sklearn_ccafusion.utils._workers import workers_end_with_parent

    with workers_end_with_parent():
        yield


def cca_command(args: argparse.Namespace) -> int:
    """Fit CCAProjector on the digits' two image halves; compare with scikit-learn's CCA."""
    from sklearn_ccafusion.cca._sklearn_comparison import digits_comparison

    print(digits_comparison(args.n_components, args.variance, args.max_iter))
    return 0


def _validation(args: argparse.Namespace) -> int | float | None:
    if getattr(args, "validation_size", None) is not None:
        return args.validation_size
    return getattr(args, "validation_fraction", None)


def _summary(run, total: float, caveats=None) -> None:
    """The run's verdicts, its caveats (printed once, formatted) and its files."""
    from sklearn_ccafusion.runs._caveats import format_caveats
    from sklearn_ccafusion.runs._report import verdict_lines

    print(f"\n{run.dataset}: {total:.0f} s; outputs in {run.out.resolve()}")
    print("\n".join(verdict_lines(run)))
    messages = caveats.messages() if caveats is not None else list(run.caveats)
    if messages:
        print(format_caveats(messages))
    out = run.out
    files = sorted(p.name for p in out.iterdir() if p.is_file() and not p.name.startswith("."))
    print("files: " + ", ".join(files))


class _PrintHandler(logging.Handler):
    """Prints each logged message on the current standard output (the run's estimate)."""

    def emit(self, record: logging.LogRecord) -> None:
        print(record.getMessage(), file=sys.stdout, flush=True)


def _print_estimates() -> None:
    """Print what the runs log (their estimate before any work) on standard output."""
    logger = logging.getLogger("sklearn_ccafusion.runs")
    if not any(isinstance(handler, _PrintHandler) for handler in logger.handlers):
        logger.addHandler(_PrintHandler(logging.INFO))
        logger.setLevel(logging.INFO)


def _run_options(args: argparse.Namespace) -> dict:
    _print_estimates()
    return {
        "out": Path(args.out),
        "device": args.device,
        "pairs": args.pairs,
        "repeats": args.repeats,
        "n_jobs": args.n_jobs,
        "seed": args.seed,
        "quick": args.quick,
        "progress": _progress(args),
        "overwrite": args.overwrite,
        "reg": args.reg,
        "fusion_kernel": args.fusion_kernel,
    }


def reproduce_command(args: argparse.Namespace) -> int:
    """Train the networks, run the studies, write CSVs, figures and report.md."""
    from sklearn_ccafusion.runs import reproduce
    from sklearn_ccafusion.runs._caveats import collect_caveats

    _check_resources(args)
    start = time.perf_counter()
    with _workers_end_with_parent(), collect_caveats() as caveats:
        run = reproduce(
            args.dataset,
            data_dir=args.data_dir,
            validation=_validation(args),
            **_run_options(args),
        )
    _summary(run, time.perf_counter() - start, caveats)
    return 0


def study_command(args: argparse.Namespace) -> int:
    """The whole study on your own data: an .npz file with y and one array per sensor.

    Or, with --features, on networks trained already: an .npz file with the labels
    and each network's features and last layer (no network is trained).
    """
    from sklearn_ccafusion.runs import study_from_file
    from sklearn_ccafusion.runs._caveats import collect_caveats

    if args.features is not None:
        return _study_features(args)
    _check_resources(args)
    start = time.perf_counter()
    with _workers_end_with_parent(), collect_caveats() as caveats:
        run = study_from_file(
            args.data,
            net=args.net,
            validation_fraction=args.validation_fraction,
            max_epochs=args.epochs,
            metric=args.metric or "accuracy",
            sensors=args.sensors,
            **_run_options(args),
        )
    _summary(run, time.perf_counter() - start, caveats)
    return 0


def _study_features(args: argparse.Namespace) -> int:
    """``ccafusion study --features FILE``: the study on given features, nothing trained."""
    from sklearn_ccafusion.runs import study_from_features
    from sklearn_ccafusion.runs._caveats import collect_caveats

    foreign = [
        flag
        for flag, given in (
            ("--net", args.net != "auto"),
            ("--validation-fraction", args.validation_fraction is not None),
            ("--epochs", args.epochs is not None),
            ("--sensors", args.sensors is not None),
        )
        if given
    ]
    if foreign:
        raise ValueError(
            f"{', '.join(foreign)}: not an option of study --features (the networks are "
            "trained and the split is the file's)."
        )
    _check_resources(args, create_out=False)  # a file refused writes nothing
    start = time.perf_counter()
    with _workers_end_with_parent(), collect_caveats() as caveats:
        run = study_from_features(args.features, metric=args.metric, **_run_options(args))
    _summary(run, time.perf_counter() - start, caveats)
    return 0


def layers_command(args: argparse.Namespace) -> int:
    """Train two networks, compare them layer by layer, write CSVs and figures."""
    from sklearn_ccafusion.runs import run_layer_study

    _check_resources(args)
    start = time.perf_counter()
    tables = run_layer_study(
        args.dataset,
        args.out,
        quick=args.quick,
        seed=args.seed,
        device=args.device,
        n_permutations=args.permutations,
        progress=_progress(args),
        stream=args.stream or None,
    )
    if "layer_probe" not in tables:  # streamed: the maps only
        print(
            f"\n{args.dataset}: {time.perf_counter() - start:.0f} s; layer maps streamed "
            f"(probes and tests need the activations in memory); outputs in "
            f"{Path(args.out).resolve()}"
        )
        return 0
    probe = tables["layer_probe"].pivot_table(
        index=["depth", "layer_1"], columns="method", values="score"
    )
    alignment = tables["layer_alignment"].pivot_table(
        index=["depth", "layer_1"], columns="source", values="cosine"
    )
    print(
        f"\n{args.dataset}: {time.perf_counter() - start:.0f} s; outputs in "
        f"{Path(args.out).resolve()}"
    )
    print("probe scores (K = most/least correlated directions, full = whole layer):")
    print(probe.round(3).to_string())
    print("class-subspace alignment (mean cosine):")
    print(alignment.round(3).to_string())
    return 0


_MAKE_DATA_OPTIONS = {
    "shl": {"segments", "segment_length", "n_jobs"},
    "cifar10": {"train", "test", "archive"},
}


def _folder_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def make_data_command(args: argparse.Namespace) -> int:
    """Write synthetic data with a class signal in the official file layout of SHL 2018 or CIFAR-10.

    The folder is read by ``ccafusion reproduce --dataset shl|cifar10 --data-dir DIR``
    as the real data would be; at the default (real) sizes it rehearses a full run.
    """
    from sklearn_ccafusion.datasets import write_cifar10_folder, write_shl2018_folder
    from sklearn_ccafusion.datasets._make_data_plan import make_data_plan

    defaults = {
        "segments": None,
        "segment_length": None,
        "n_jobs": None,
        "train": None,
        "test": None,
        "archive": False,
    }
    foreign = sorted(
        name
        for name, default in defaults.items()
        if getattr(args, name) != default and name not in _MAKE_DATA_OPTIONS[args.dataset]
    )
    if foreign:
        flags = ", ".join("--" + name.replace("_", "-") for name in foreign)
        raise ValueError(
            f"{flags}: not an option of make-data {args.dataset}; see ccafusion make-data -h."
        )
    out = Path(args.out)
    _check_out(out, create=False)  # the writer creates it, after its checks
    start = time.perf_counter()
    if args.dataset == "shl":
        n, length = args.segments or 16_310, args.segment_length or 6000
        plan = make_data_plan("shl", out, n_segments=n, segment_length=length, n_jobs=args.n_jobs)
        print(plan, flush=True)
        write_shl2018_folder(
            out,
            n,
            segment_length=length,
            random_state=args.seed,
            progress=_progress(args),
            n_jobs=args.n_jobs,
        )
        written, what = out / "train", f"{n} segments of {length} samples"
    else:
        n_train, n_test = args.train or 50_000, args.test or 10_000
        print(make_data_plan("cifar10", out, n_train=n_train, n_test=n_test), flush=True)
        write_cifar10_folder(
            out,
            n_train,
            n_test,
            archive=args.archive,
            random_state=args.seed,
            progress=_progress(args),
        )
        name = "cifar-10-python.tar.gz" if args.archive else "cifar-10-batches-py"
        written, what = out / name, f"{n_train} training and {n_test} test images"
    seconds = time.perf_counter() - start
    print(
        f"{args.dataset}: {what} in {written} ({_folder_size(written) / 1e6:.1f} MB, "
        f"{seconds:.0f} s)\nnext: ccafusion reproduce --dataset {args.dataset} --data-dir {out}"
    )
    return 0


def _interrupted(args: argparse.Namespace, argv: Sequence[str]) -> str:
    """The one line printed on Ctrl-C: how to go on."""
    again = shlex.join(["ccafusion", *argv])
    if args.command == "make-data":
        return f"\nccafusion: interrupted; partial files removed; to start again: {again}"
    if args.command == "cca":
        return "\nccafusion: interrupted"
    return (
        f"\nccafusion: interrupted; finished work is kept in {args.out}; "
        f"to resume, run the same command: {again}"
    )


#: What runs each command.
HANDLERS = {
    "cca": cca_command,
    "reproduce": reproduce_command,
    "study": study_command,
    "layers": layers_command,
    "make-data": make_data_command,
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``ccafusion``."""
    return _build_parser(HANDLERS)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ccafusion`` command.

    Parameters
    ----------
    argv : sequence of str or None, default=None
        Command-line arguments after the program name; ``None`` reads
        ``sys.argv``. With no command, ``reproduce`` runs.

    Returns
    -------
    status : int
        0 on success, 2 when the command reports an error, 130 when interrupted
        (Ctrl-C): one line then says how to resume.

    Examples
    --------
    >>> from sklearn_ccafusion.cli import main
    >>> main(["cca", "--n-components", "2"])  # doctest: +ELLIPSIS
    digits, left vs right image halves: 1797 samples; views of 32 and 32 features
    pair   kept 0.9999      all kept  sklearn CCA
       0  ...
       1  ...
    kept 0.9999: PCAWhitener(0.9999), CCAProjector's default whitener, keeps the leading
    ...
    fit time: ...
    0
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["reproduce", *argv])
    if hasattr(args, "out"):
        args.out = _run_out(args)
        existed = Path(args.out).exists()
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        print(_interrupted(args, argv), file=sys.stderr)
        return 130
    except Exception as error:
        from sklearn_ccafusion.utils._optional import MissingExtraError

        if not isinstance(error, (ValueError, OSError, MissingExtraError)):
            raise
        flags = dict(getattr(args, "flags", {}))
        if getattr(args, "features", None) is not None:
            flags["path"] = "--features"
        for option in ("validation_size", "validation_fraction"):  # the flag that was given
            if getattr(args, option, None) is not None:
                flag = "--" + option.replace("_", "-") + " "
                flags |= {"validation=": flag, "validation_size=": flag}
        message = _as_flags(str(error), flags)
        print(f"ccafusion: error: {message}", file=sys.stderr)
        return 2
    finally:
        if hasattr(args, "out"):
            _discard_unused_out(Path(args.out), existed)
