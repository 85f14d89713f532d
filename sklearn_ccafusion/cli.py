"""Command-line front end: ``ccafusion <command>``.

It parses arguments, calls the package's API and prints or writes results; it
holds no science of its own.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from sklearn_ccafusion._cli_checks import (
    _check_out,
    _check_resources,
    _fraction,
    _positive,
    _seed,
    _unit,
)
from sklearn_ccafusion.utils._optional import MissingExtraError
from sklearn_ccafusion.utils._workers import workers_end_with_parent

__all__ = ["main"]


def __dir__() -> list[str]:
    """Public names only: what ``from module import *`` gives."""
    return sorted(__all__)


def cca_command(args: argparse.Namespace) -> int:
    """Fit CCAProjector on the digits' two image halves; compare with scikit-learn's CCA."""
    from sklearn_ccafusion.cca._sklearn_comparison import digits_comparison

    print(digits_comparison(args.n_components, args.variance, args.max_iter))
    return 0


def _names(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",")]
    if not all(names):
        raise argparse.ArgumentTypeError(f"expected names separated by commas, got {text!r}")
    return names


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


def _run_options(args: argparse.Namespace) -> dict:
    return {
        "out": Path(args.out),
        "device": args.device,
        "pairs": args.pairs,
        "repeats": args.repeats,
        "n_jobs": args.n_jobs,
        "seed": args.seed,
        "quick": args.quick,
        "progress": not args.quiet,
        "overwrite": args.overwrite,
        "reg": args.reg,
    }


def reproduce_command(args: argparse.Namespace) -> int:
    """Train the networks, run the studies, write CSVs, figures and report.md."""
    from sklearn_ccafusion.runs import reproduce
    from sklearn_ccafusion.runs._caveats import collect_caveats

    _check_resources(args)
    start = time.perf_counter()
    with workers_end_with_parent(), collect_caveats() as caveats:
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
    with workers_end_with_parent(), collect_caveats() as caveats:
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


#: The library's parameters that a command's flags set, to name the flags in its errors.
_RUN_FLAGS = {
    "overwrite=True": "--overwrite",
    "out folder": "--out folder",
    "n_jobs": "--n-jobs",
}
_REPRODUCE_FLAGS = {**_RUN_FLAGS, "data_dir": "--data-dir", "dataset": "--dataset"}
_STUDY_FLAGS = {
    **_RUN_FLAGS,
    "path": "--data",
    "validation_fraction": "--validation-fraction",
    "max_epochs": "--epochs",
}


def _as_flags(message: str, flags: dict[str, str]) -> str:
    """A library error as the command line says it: parameter names become flags."""
    for name, flag in flags.items():
        message = re.sub(rf"(?<![\w./-]){re.escape(name)}(?![\w/-])", flag, message)
    return message


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
    with workers_end_with_parent(), collect_caveats() as caveats:
        run = study_from_features(args.features, metric=args.metric, **_run_options(args))
    _summary(run, time.perf_counter() - start, caveats)
    return 0


def _add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """Options shared by ``reproduce`` and ``study``."""
    parser.add_argument("--device", choices=["cpu", "cuda", "auto"], default="cpu")
    parser.add_argument("--out", default="ccafusion-out", help="output folder (ccafusion-out)")
    parser.add_argument(
        "--pairs", type=_positive, default=None, help="network pairs per sensor (3; 1 with --quick)"
    )
    parser.add_argument(
        "--repeats",
        type=_positive,
        default=None,
        help="seeds of random methods (5; 2 with --quick)",
    )
    parser.add_argument(
        "--n-jobs", type=int, default=-1, help="joblib workers of the studies (-1: all cores)"
    )
    parser.add_argument("--seed", type=_seed, default=0, help="seed of every random choice (0)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small and fast (fewer samples, epochs; the report says what)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.add_argument(
        "--reg",
        type=_unit,
        default=0.0,
        help="shrinkage of the CCA covariances, in [0, 1] (0: plain CCA; 0.1 when the "
        "training rows are few for the features' width)",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace another run's results in --out (and drop its cache)",
    )


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
        progress=not args.quiet,
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
    _check_out(out)
    start = time.perf_counter()
    if args.dataset == "shl":
        n, length = args.segments or 16_310, args.segment_length or 6000
        print(make_data_plan("shl", out, n_segments=n, segment_length=length), flush=True)
        write_shl2018_folder(
            out,
            n,
            segment_length=length,
            random_state=args.seed,
            progress=not args.quiet,
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
            progress=not args.quiet,
        )
        name = "cifar-10-python.tar.gz" if args.archive else "cifar-10-batches-py"
        written, what = out / name, f"{n_train} training and {n_test} test images"
    seconds = time.perf_counter() - start
    print(
        f"{args.dataset}: {what} in {written} ({_folder_size(written) / 1e6:.1f} MB, "
        f"{seconds:.0f} s)\nnext: ccafusion reproduce --dataset {args.dataset} --data-dir {out}"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``ccafusion``."""
    parser = argparse.ArgumentParser(
        prog="ccafusion",
        description="Canonical correlation analysis of neural-network features.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    cca = commands.add_parser(
        "cca",
        help="exact CCA of scikit-learn's digits, left vs right image halves",
        description=cca_command.__doc__,
    )
    cca.add_argument("--n-components", type=_positive, default=10, help="pairs to print (10)")
    cca.add_argument(
        "--variance",
        type=_fraction,
        default=0.9999,
        help="fraction of each view's variance the whitener keeps (0.9999)",
    )
    cca.add_argument(
        "--max-iter", type=_positive, default=500, help="iterations of scikit-learn's CCA (500)"
    )
    cca.set_defaults(handler=cca_command)

    rep = commands.add_parser(
        "reproduce",
        help="reproduce the paper: train networks, run the studies, write figures and report",
        description=reproduce_command.__doc__,
    )
    rep.add_argument(
        "--dataset",
        choices=["digits", "synthetic-shl", "shl", "cifar10"],
        default="digits",
        help="digits (embedded, default) and synthetic-shl run anywhere; shl and cifar10 "
        "read the real files from --data-dir",
    )
    rep.add_argument("--data-dir", default=None, help="folder of the real data (shl, cifar10)")
    split = rep.add_mutually_exclusive_group()
    split.add_argument(
        "--validation-size",
        type=_positive,
        default=None,
        help="validation samples (default: the data set's own split)",
    )
    split.add_argument(
        "--validation-fraction",
        type=_fraction,
        default=None,
        help="validation share, in (0, 1) (SHL default: 3310/16310)",
    )
    _add_run_arguments(rep)
    rep.set_defaults(handler=reproduce_command, flags=_REPRODUCE_FLAGS)

    study = commands.add_parser(
        "study",
        help="the whole study on your own data (.npz: y, optional groups/split, one array "
        "per sensor) or on trained networks' features (--features)",
        description=study_command.__doc__,
    )
    source = study.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", help="the .npz file of labels and sensor arrays")
    source.add_argument(
        "--features",
        help="an .npz file of trained networks' features and last layers (y_train, "
        "y_validation, <sensor>.<k>.train/.validation/.coef/.intercept): no training",
    )
    study.add_argument(
        "--net",
        default="auto",
        choices=["auto", "mlp", "conv1d", "image"],
        help="network of every sensor (auto: from the array's shape)",
    )
    study.add_argument(
        "--validation-fraction",
        type=_fraction,
        default=None,
        help="validation share when the file has no split (0.2)",
    )
    study.add_argument(
        "--epochs", type=_positive, default=None, help="training epochs (30; 5 with --quick)"
    )
    study.add_argument(
        "--metric",
        choices=["accuracy", "f1_macro"],
        default=None,
        help="score of the study (accuracy; with --features, the file's metric if it has one)",
    )
    study.add_argument(
        "--sensors",
        type=_names,
        default=None,
        help="the sensor arrays, comma-separated (a,b,c); default: the file's 'sensors' array, "
        "else every array besides y, groups and split",
    )
    _add_run_arguments(study)
    study.set_defaults(handler=study_command, flags=_STUDY_FLAGS)

    lay = commands.add_parser(
        "layers",
        help="compare two networks layer by layer: CCA similarity maps, probes, statistics",
        description=layers_command.__doc__,
    )
    lay.add_argument("--dataset", choices=["digits", "synthetic-shl"], default="digits")
    lay.add_argument("--device", choices=["cpu", "cuda", "auto"], default="cpu")
    lay.add_argument("--out", default="ccafusion-layers", help="output folder (ccafusion-layers)")
    lay.add_argument("--seed", type=_seed, default=0, help="seed of every random choice (0)")
    lay.add_argument(
        "--permutations", type=_positive, default=199, help="permutations of the test (199)"
    )
    lay.add_argument("--quick", action="store_true", help="small and fast (fewer epochs)")
    lay.add_argument(
        "--stream",
        action="store_true",
        help="stream the layer maps over the inputs (exact, memory independent of the "
        "sample count; chosen anyway when the activations would not fit)",
    )
    lay.add_argument("--quiet", action="store_true", help="no progress bars")
    lay.set_defaults(handler=layers_command)

    make = commands.add_parser(
        "make-data",
        help="write synthetic SHL 2018 or CIFAR-10 files in the official layout, any size",
        description=make_data_command.__doc__,
    )
    make.add_argument("dataset", choices=["shl", "cifar10"])
    make.add_argument("--out", required=True, help="folder to write into")
    make.add_argument(
        "--segments", type=_positive, default=None, help="shl: segments (16310, the real count)"
    )
    make.add_argument(
        "--segment-length",
        type=_positive,
        default=None,
        help="shl: samples per segment (6000 = 60 s at 100 Hz; the spectrograms need 500)",
    )
    make.add_argument("--n-jobs", type=int, default=None, help="shl: writing threads (1)")
    make.add_argument(
        "--train", type=_positive, default=None, help="cifar10: training images (50000)"
    )
    make.add_argument("--test", type=_positive, default=None, help="cifar10: test images (10000)")
    make.add_argument(
        "--archive",
        action="store_true",
        help="cifar10: write cifar-10-python.tar.gz, as downloaded, instead of the folder",
    )
    make.add_argument("--seed", type=int, default=0, help="seed of the files (0)")
    make.add_argument("--quiet", action="store_true", help="no progress bar")
    make.set_defaults(handler=make_data_command)
    return parser


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
        0 on success, 2 when the command reports an error.

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
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["reproduce", *(argv or [])])
    try:
        return args.handler(args)
    except (ValueError, OSError, MissingExtraError) as error:
        flags = dict(getattr(args, "flags", {}))
        if getattr(args, "features", None) is not None:
            flags["path"] = "--features"
        message = _as_flags(str(error), flags)
        print(f"ccafusion: error: {message}", file=sys.stderr)
        return 2
