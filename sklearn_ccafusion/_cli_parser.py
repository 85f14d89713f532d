"""The ``ccafusion`` command's argument parser: its commands, their options and help.

Building it imports nothing heavy (no numpy, torch or pandas), so that
``ccafusion --help`` answers at once; the commands import what they need when they run.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping

from sklearn_ccafusion import __version__
from sklearn_ccafusion._cli_checks import (
    _MAKE_DATA_FLAGS,
    _REPRODUCE_FLAGS,
    _STUDY_FLAGS,
    _count,
    _fraction,
    _n_jobs,
    _pairs,
    _path,
    _positive,
    _repeats,
    _seed,
    _unit,
)

__all__ = ["build_parser"]

_DEVICE_HELP = "device of the networks: cpu (default), cuda, or auto (cuda when available)"
_OUT_HELP = (
    "output folder (default: ccafusion-out/{what}, with -quick added for a --quick "
    "run: one folder per data set and size)"
)


def _names(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",")]
    if not all(names):
        raise argparse.ArgumentTypeError(f"expected names separated by commas, got {text!r}")
    return names


def _add_run_arguments(parser: argparse.ArgumentParser, what: str) -> None:
    """Options shared by ``reproduce`` and ``study`` (``what`` names the default folder)."""
    parser.add_argument(
        "--device", choices=["cpu", "cuda", "auto"], default="cpu", help=_DEVICE_HELP
    )
    parser.add_argument("--out", type=_path, default=None, help=_OUT_HELP.format(what=what))
    parser.add_argument(
        "--pairs", type=_pairs, default=None, help="network pairs per sensor (3; 1 with --quick)"
    )
    parser.add_argument(
        "--repeats",
        type=_repeats,
        default=None,
        help="seeds of random methods (5; 2 with --quick)",
    )
    parser.add_argument(
        "--n-jobs", type=_n_jobs, default=-1, help="joblib workers of the studies (-1: all cores)"
    )
    parser.add_argument("--seed", type=_seed, default=0, help="seed of every random choice (0)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small and fast (fewer samples, epochs; the report says what)",
    )
    parser.add_argument(
        "--quiet",
        action="store_true",
        help="no progress bars (none either when stderr is not a terminal)",
    )
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
        help="replace a run of other settings in --out: its outputs and cache (other files stay)",
    )
    parser.add_argument(
        "--fusion-kernel",
        choices=["auto", "exact", "nystroem"],
        default="auto",
        help="solver of the fusion study's kernel ELM: exact (an n_train x n_train kernel "
        "per fit and worker), nystroem (1000 landmarks, linear in the samples), or auto "
        "(default: exact up to 10000 training samples)",
    )


def build_parser(
    handlers: Mapping[str, Callable[[argparse.Namespace], int]],
) -> argparse.ArgumentParser:
    """The argument parser of ``ccafusion``; ``handlers`` run each command (by its name)."""
    parser = argparse.ArgumentParser(
        prog="ccafusion",
        description="Canonical correlation analysis of neural-network features.",
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"%(prog)s {__version__}",
        help="print the version and exit",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    cca = commands.add_parser(
        "cca",
        help="exact CCA of scikit-learn's digits, left vs right image halves",
        description=handlers["cca"].__doc__,
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
    cca.set_defaults(handler=handlers["cca"])

    rep = commands.add_parser(
        "reproduce",
        help="reproduce the paper: train networks, run the studies, write figures and report",
        description=handlers["reproduce"].__doc__,
    )
    rep.add_argument(
        "--dataset",
        choices=["digits", "synthetic-shl", "shl", "cifar10"],
        default="digits",
        help="digits (embedded, default) and synthetic-shl run anywhere; shl and cifar10 "
        "read the real files from --data-dir",
    )
    rep.add_argument(
        "--data-dir", type=_path, default=None, help="folder of the real data (shl, cifar10)"
    )
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
    _add_run_arguments(rep, "DATASET")
    rep.set_defaults(handler=handlers["reproduce"], flags=_REPRODUCE_FLAGS)

    study = commands.add_parser(
        "study",
        help="the whole study on your own data (.npz: y, optional groups/split, one array "
        "per sensor) or on trained networks' features (--features)",
        description=handlers["study"].__doc__,
    )
    source = study.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", type=_path, help="the .npz file of labels and sensor arrays")
    source.add_argument(
        "--features",
        type=_path,
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
    _add_run_arguments(study, "STEM, STEM the --data or --features file's name")
    study.set_defaults(handler=handlers["study"], flags=_STUDY_FLAGS)

    lay = commands.add_parser(
        "layers",
        help="compare two networks layer by layer: CCA similarity maps, probes, statistics",
        description=handlers["layers"].__doc__,
    )
    lay.add_argument(
        "--dataset",
        choices=["digits", "synthetic-shl"],
        default="digits",
        help="data set of the two networks (digits)",
    )
    lay.add_argument("--device", choices=["cpu", "cuda", "auto"], default="cpu", help=_DEVICE_HELP)
    lay.add_argument(
        "--out", type=_path, default=None, help=_OUT_HELP.format(what="layers-DATASET")
    )
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
    lay.add_argument(
        "--quiet",
        action="store_true",
        help="no progress bars (none either when stderr is not a terminal)",
    )
    lay.set_defaults(handler=handlers["layers"])

    make = commands.add_parser(
        "make-data",
        help="write synthetic SHL 2018 or CIFAR-10 files in the official layout, any size",
        description=handlers["make-data"].__doc__,
    )
    make.add_argument("dataset", choices=["shl", "cifar10"], help="layout to write: shl or cifar10")
    make.add_argument(
        "--out",
        type=_path,
        required=True,
        help="folder to write into: new, empty, or written by make-data before (only files "
        "its manifest records, unchanged, are replaced)",
    )
    make.add_argument(
        "--segments", type=_count, default=None, help="shl: segments (16310, the real count)"
    )
    make.add_argument(
        "--segment-length",
        type=_count,
        default=None,
        help="shl: samples per segment (6000 = 60 s at 100 Hz; the spectrograms need 500)",
    )
    make.add_argument("--n-jobs", type=_n_jobs, default=None, help="shl: writing threads (1)")
    make.add_argument("--train", type=_count, default=None, help="cifar10: training images (50000)")
    make.add_argument("--test", type=_count, default=None, help="cifar10: test images (10000)")
    make.add_argument(
        "--archive",
        action="store_true",
        help="cifar10: write cifar-10-python.tar.gz, as downloaded, instead of the folder",
    )
    make.add_argument("--seed", type=_seed, default=0, help="seed of the files (0)")
    make.add_argument(
        "--quiet",
        action="store_true",
        help="no progress bar (none either when stderr is not a terminal)",
    )
    make.set_defaults(handler=handlers["make-data"], flags=_MAKE_DATA_FLAGS)
    return parser
