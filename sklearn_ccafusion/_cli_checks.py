"""The command line's argument types, the checks it makes before any work, and its flags.

The library's errors name its parameters (``data_dir``, ``path``); the command
line says them again with the flags that set those parameters (``--data-dir``,
``--data``).
"""

from __future__ import annotations

import argparse
import os
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

__all__ = [
    "_MAKE_DATA_FLAGS",
    "_REPRODUCE_FLAGS",
    "_STUDY_FLAGS",
    "_as_flags",
    "_check_out",
    "_check_resources",
    "_count",
    "_discard_unused_out",
    "_fraction",
    "_n_jobs",
    "_pairs",
    "_path",
    "_positive",
    "_repeats",
    "_run_out",
    "_seed",
    "_unit",
]


def _fraction(text: str) -> float:
    """argparse type: a float strictly between 0 and 1."""
    value = float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be a fraction in (0, 1), got {text}")
    return value


def _unit(text: str) -> float:
    """argparse type: a float in [0, 1]."""
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1], got {text}")
    return value


#: The most of any count an option takes (epochs, pairs, repeats, permutations, ...):
#: beyond it a run would last for years rather than fail, so it is refused at once.
_MAX_COUNT = 1_000_000
#: The most workers ``--n-jobs`` may ask for: more processes than this are never useful.
_MAX_WORKERS = 1024


def _positive(text: str) -> int:
    """argparse type: an int of at least 1 and at most a million."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    if value > _MAX_COUNT:
        raise argparse.ArgumentTypeError(
            f"must be at most {_MAX_COUNT:,} (the run would not end), got {text}"
        )
    return value


def _path(text: str) -> str:
    """argparse type: a file or folder name, never empty (``""`` would mean the current folder)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must name a file or folder, got an empty string")
    if "\0" in text:
        raise argparse.ArgumentTypeError(f"must name a file or folder, got {text!r} (a NUL byte)")
    return text


#: The most network pairs per sensor a run can seed, and the most repeats it takes
#: (the run's limits, ``runs._run_checks.MAX_PAIRS`` and ``MAX_REPEATS``, stated here
#: so that the parser imports nothing heavy).
_MAX_PAIRS, _MAX_REPEATS = 5_000, 10_000


def _pairs(text: str) -> int:
    """argparse type: network pairs per sensor, 1 to 5,000."""
    value = _positive(text)
    if value > _MAX_PAIRS:
        raise argparse.ArgumentTypeError(
            f"must be at most {_MAX_PAIRS:,} (the pairs a run can seed), got {text}"
        )
    return value


def _repeats(text: str) -> int:
    """argparse type: seeds of the random methods, 1 to 10,000."""
    value = _positive(text)
    if value > _MAX_REPEATS:
        raise argparse.ArgumentTypeError(f"must be at most {_MAX_REPEATS:,}, got {text}")
    return value


def _n_jobs(text: str) -> int:
    """argparse type: a number of workers, ``-1`` all cores, ``-2`` all but one.

    0 is named by the command's checks (:func:`_check_resources`). A negative count
    that leaves no core of this machine (``-99``) and a positive one past 1024
    workers are refused: joblib would run one worker, or start processes until
    memory runs out.
    """
    value = int(text)
    cores = os.cpu_count() or 1
    if value < -cores:
        raise argparse.ArgumentTypeError(
            f"{text} asks for all cores but {-value - 1}, and this machine has {cores}; "
            f"give -1 to -{cores}, or a positive number of workers"
        )
    if value > _MAX_WORKERS:
        raise argparse.ArgumentTypeError(f"must be at most {_MAX_WORKERS} workers, got {text}")
    return value


def _count(text: str) -> int:
    """argparse type: a whole number of at least 1, written plainly or as ``2e4``.

    ``2.5``, ``nan`` or ``inf`` are refused as not whole; counts past 10^18 (no disk
    holds that many of anything written) at once, before any arithmetic on them.
    """
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if not value.is_finite() or value != value.to_integral_value():
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text}")
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    if value.adjusted() >= 18:
        raise argparse.ArgumentTypeError(
            f"{text} is beyond any disk or memory (at least 10^18); give a count below that"
        )
    return int(value)


#: The largest seed every generator the commands use takes (numpy's legacy RandomState).
_MAX_SEED = 2**32 - 1


def _seed(text: str) -> int:
    """argparse type: a seed, an int in [0, 2^32 - 1] (numpy's generators refuse others)."""
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be at least 0, got {text}")
    if value > _MAX_SEED:
        raise argparse.ArgumentTypeError(f"must be at most 2^32 - 1 = {_MAX_SEED}, got {text}")
    return value


def _run_out(args: argparse.Namespace) -> str:
    """--out, or by default one folder per data set or file under ``ccafusion-out``.

    ``ccafusion-out/digits``, ``ccafusion-out/synthetic-shl-quick`` (``--quick``),
    ``ccafusion-out/<file's stem>`` for ``study``, ``ccafusion-out/layers-digits``:
    runs of different data sets or sizes never meet in one folder.
    """
    if args.out is not None:
        return args.out
    if args.command == "study":
        name = Path(args.data if args.data is not None else args.features).stem
    elif args.command == "layers":
        name = f"layers-{args.dataset}"
    else:
        name = args.dataset
    return str(Path("ccafusion-out") / (name + ("-quick" if args.quick else "")))


def _discard_unused_out(out: Path, existed: bool) -> None:
    """Remove ``out`` if this run created it and wrote nothing in it but its settings and record.

    A run that fails before any result leaves nothing behind; anything computed
    (a cached network, a finished task) keeps the folder, for resuming.
    """
    from sklearn_ccafusion.utils._files import remove_unused_folder

    if existed or not remove_unused_folder(out, kept=frozenset({"settings.json", "run.json"})):
        return
    parent = out.parent  # the default ccafusion-out/, when this run made it and it is empty
    if parent.name == "ccafusion-out" and not any(parent.iterdir()):
        parent.rmdir()


def _check_out(out: Path, create: bool = True) -> None:
    """--out must be a writable folder (created if missing, unless ``create`` is false)."""
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} exists and is not a folder.")
    if not create and not out.exists():
        parent = next((p for p in out.absolute().parents if p.exists()), None)
        if parent is None or not os.access(parent, os.W_OK | os.X_OK):
            raise ValueError(f"--out {out} cannot be created: {parent} is not writable.")
        return
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as error:
        raise ValueError(f"--out {out} is not writable: {error.strerror or error}") from None


def _check_resources(args: argparse.Namespace, create_out: bool = True) -> None:
    """Everything a run needs, checked before any work (``--out`` created unless told not)."""
    if getattr(args, "n_jobs", None) == 0:
        raise ValueError(
            "--n-jobs must be a positive number of workers or negative (-1: all cores), not 0."
        )
    if args.device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise ValueError(
                "--device cuda, but torch sees no CUDA device here; use --device "
                "cpu (or auto), or install a CUDA build of torch."
            )
    _check_out(Path(args.out), create=create_out)


#: The library's parameters that a command's flags set, to name the flags in its errors.
_RUN_FLAGS = {
    "overwrite=True": "--overwrite",
    "out folder": "--out folder",
    "n_jobs": "--n-jobs",
    "fusion_kernel": "--fusion-kernel",
}
_REPRODUCE_FLAGS = {**_RUN_FLAGS, "data_dir": "--data-dir", "dataset": "--dataset"}
_STUDY_FLAGS = {
    **_RUN_FLAGS,
    "path": "--data",
    "validation_fraction": "--validation-fraction",
    "max_epochs": "--epochs",
    "sensors=": "--sensors ",
}


_MAKE_DATA_FLAGS = {
    "n_segments": "--segments",
    "segment_length": "--segment-length",
    "n_jobs": "--n-jobs",
    "n_train": "--train",
    "n_test": "--test",
}


def _as_flags(message: str, flags: dict[str, str]) -> str:
    """A library error as the command line says it: parameter names become flags."""
    for name, flag in flags.items():
        end = r"(?![\w/-])" if name[-1].isalnum() or name[-1] == "_" else ""
        message = re.sub(rf"(?<![\w./-]){re.escape(name)}{end}", flag, message)
    return message
