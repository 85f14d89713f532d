"""The run's own parameters, checked before any file is touched or any network trained.

:func:`~sklearn_ccafusion.runs.run_study` and :func:`~sklearn_ccafusion.runs.reproduce`
take counts, a seed, a shrinkage and a device from Python code as well as from the
command line; a wrong type (``pairs=1.5``, ``seed="0"``) or value (``reg=2``,
``n_jobs=0``) is named here, in the parameter's words, before the output folder is
read or written.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from numbers import Integral, Real
from pathlib import Path
from typing import Any

from sklearn_ccafusion.runs._seeds import STREAM_WIDTH
from sklearn_ccafusion.utils._validation import check_count, check_n_jobs

__all__ = [
    "MAX_PAIRS",
    "MAX_REPEATS",
    "check_layer_run",
    "check_reproduce_parameters",
    "check_run_parameters",
    "run_parameters",
]

#: The parameters of a run that :func:`check_run_parameters` checks.
RUN_PARAMETERS = (
    "out",
    "device",
    "pairs",
    "repeats",
    "n_jobs",
    "seed",
    "quick",
    "progress",
    "overwrite",
    "reg",
)


def run_parameters(arguments: dict[str, Any]) -> dict[str, Any]:
    """The run's own parameters among a function's arguments (its ``locals()``)."""
    return {name: arguments[name] for name in RUN_PARAMETERS}


#: Pairs of networks per sensor a run can seed (``2 * pairs`` draws of its network stream).
MAX_PAIRS = STREAM_WIDTH // 2
#: Seeds of the random subspace methods a run may ask for.
MAX_REPEATS = STREAM_WIDTH


def _check_flag(value: Any, name: str) -> None:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {value!r} ({type(value).__name__}).")


def check_out(out: Any) -> Path:
    """``out`` as a Path, or a ``TypeError``/``ValueError`` naming it."""
    if not isinstance(out, (str, os.PathLike)):
        raise TypeError(
            f"out must be a folder name (str or Path), got {out!r} ({type(out).__name__})."
        )
    if not str(out).strip():
        raise ValueError("out must name a folder, got an empty string.")
    return Path(out)


def check_reg(reg: Any) -> None:
    """A CCA shrinkage: a real number in [0, 1]."""
    if isinstance(reg, bool) or not isinstance(reg, Real):
        raise TypeError(f"reg must be a number in [0, 1], got {reg!r} ({type(reg).__name__}).")
    if not (math.isfinite(reg) and 0 <= reg <= 1):
        raise ValueError(f"reg must be in [0, 1], got {reg}.")


#: The largest seed: the data sets' splits draw with numpy's RandomState, which takes no more.
MAX_SEED = 2**32 - 1


def check_seed(seed: Any) -> None:
    """A run's seed: an int in [0, 2^32 - 1] (numpy's generators refuse others)."""
    if isinstance(seed, bool) or not isinstance(seed, Integral):
        raise TypeError(f"seed must be an int, got {seed!r} ({type(seed).__name__}).")
    if seed < 0:
        raise ValueError(f"seed must be at least 0, got {seed}.")
    if seed > MAX_SEED:
        raise ValueError(f"seed must be at most 2^32 - 1 = {MAX_SEED}, got {seed}.")


def check_device(device: Any) -> None:
    """A device of the networks that this machine has (``"auto"`` always is one)."""
    if not isinstance(device, str):
        raise TypeError(
            f"device must be a string such as 'cpu', 'cuda' or 'auto', got {device!r} "
            f"({type(device).__name__})."
        )
    from sklearn_ccafusion.nets._classifier._device import check_device as check_torch_device

    check_torch_device(device)


def check_settings(settings: Any) -> None:
    """Extra settings of a run: a mapping of str to values ``settings.json`` can hold."""
    if settings is None:
        return
    if not isinstance(settings, Mapping):
        raise TypeError(
            f"settings must be a mapping of name to value or None, got {type(settings).__name__}."
        )
    for name, value in settings.items():
        if not isinstance(name, str):
            raise TypeError(f"settings' names must be strings, got {name!r}.")
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError):
            raise TypeError(
                f"settings[{name!r}] = {value!r} cannot be written to settings.json; give "
                "numbers, strings, booleans, None, or lists and mappings of them."
            ) from None


def check_run_parameters(
    *,
    data: Any = ...,
    out: Any,
    device: Any,
    pairs: Any,
    repeats: Any,
    n_jobs: Any,
    seed: Any,
    quick: Any,
    progress: Any,
    overwrite: Any,
    reg: Any,
    settings: Any = None,
) -> Path:
    """Check :func:`~sklearn_ccafusion.runs.run_study`'s own parameters; return ``out``.

    Parameters
    ----------
    data : StudyData, optional
        :func:`~sklearn_ccafusion.runs.run_study`'s data (not checked when not given).
    out, device, pairs, repeats, n_jobs, seed, quick, progress, overwrite, reg
        As :func:`~sklearn_ccafusion.runs.run_study` takes them.
    settings : mapping or None, default=None
        Extra settings to log: a mapping of names (str) to values that JSON writes
        (numbers, strings, booleans, None, lists and mappings of them).

    Returns
    -------
    out : Path

    Raises
    ------
    TypeError
        A parameter of the wrong type (``pairs=1.5``, ``seed="0"``, ``quick="no"``),
        named.
    ValueError
        A value out of range (``pairs=0``, ``reg=2``, ``n_jobs=0``, an unknown
        device), named.

    Examples
    --------
    >>> check_run_parameters(out="o", device="cpu", pairs=None, repeats=2, n_jobs=1,
    ...                      seed=0, quick=True, progress=False, overwrite=False, reg=0.0)
    PosixPath('o')
    >>> check_run_parameters(out="o", device="cpu", pairs=1.5, repeats=2, n_jobs=1,
    ...                      seed=0, quick=True, progress=False, overwrite=False, reg=0.0)
    Traceback (most recent call last):
    ...
    TypeError: pairs must be an int, got 1.5 (float).
    """
    if data is not ...:
        from sklearn_ccafusion.runs._data import StudyData

        if not isinstance(data, StudyData):
            raise TypeError(
                f"data must be a StudyData (e.g. load_study_file's), got {type(data).__name__}."
            )
    path = check_out(out)
    if pairs is not None:
        check_count(pairs, "pairs", maximum=MAX_PAIRS)
    if repeats is not None:
        check_count(repeats, "repeats", maximum=MAX_REPEATS)
    check_n_jobs(n_jobs)
    check_seed(seed)
    check_reg(reg)
    for value, name in ((quick, "quick"), (progress, "progress"), (overwrite, "overwrite")):
        _check_flag(value, name)
    check_device(device)
    check_settings(settings)
    return path


def check_reproduce_parameters(dataset: Any, data_dir: Any, validation: Any) -> None:
    """Check :func:`~sklearn_ccafusion.runs.reproduce`'s data parameters.

    Parameters
    ----------
    dataset : str
        A name of :data:`~sklearn_ccafusion.runs.DATASETS`.
    data_dir : str, Path or None
        Folder of the real data.
    validation : int, float or None
        Validation samples (an int of at least 1) or fraction (a float strictly
        between 0 and 1).

    Raises
    ------
    TypeError, ValueError
        Naming the parameter.
    """
    from sklearn_ccafusion.runs._paper import _NEEDS_DATA as NEEDS_DATA
    from sklearn_ccafusion.runs._paper import DATASETS

    if not isinstance(dataset, str):
        raise TypeError(
            f"dataset must be one of {sorted(DATASETS)}, got {dataset!r} "
            f"({type(dataset).__name__})."
        )
    if dataset not in DATASETS:
        raise ValueError(f"Unknown dataset {dataset!r}; choose one of {sorted(DATASETS)}.")
    if data_dir is not None and not isinstance(data_dir, (str, os.PathLike)):
        raise TypeError(
            f"data_dir must be a folder name (str or Path) or None, got {data_dir!r} "
            f"({type(data_dir).__name__})."
        )
    if data_dir is not None and not str(data_dir).strip():
        raise ValueError("data_dir must name a folder, got an empty string.")
    if data_dir is not None and dataset not in NEEDS_DATA:
        raise ValueError(
            f"dataset {dataset!r} reads no files, so data_dir={str(data_dir)!r} would be "
            f"ignored; data_dir is for {sorted(NEEDS_DATA)}."
        )
    if validation is None:
        return
    if isinstance(validation, bool) or not isinstance(validation, Real):
        raise TypeError(
            "validation must be a number of samples (int) or a fraction (float), got "
            f"{validation!r} ({type(validation).__name__})."
        )
    if isinstance(validation, Integral):
        if validation < 1:
            raise ValueError(f"validation must be at least 1 sample, got {validation}.")
    elif not (math.isfinite(validation) and 0 < validation < 1):
        raise ValueError(
            f"validation as a fraction must be strictly between 0 and 1, got {validation}."
        )


#: The most permutations the layer run's test takes (those of ``permutation_test``).
MAX_PERMUTATIONS = 1_000_000


def check_layer_run(
    out: Any,
    quick: Any,
    seed: Any,
    device: Any,
    n_permutations: Any,
    progress: Any,
    stream: Any,
) -> Path:
    """Check :func:`~sklearn_ccafusion.runs.run_layer_study`'s parameters; return ``out``.

    Made before the two networks are trained, so that a wrong value costs nothing.

    Raises
    ------
    TypeError, ValueError
        Naming the parameter.
    """
    path = check_out(out)
    for value, name in ((quick, "quick"), (progress, "progress")):
        _check_flag(value, name)
    if stream is not None:
        _check_flag(stream, "stream")
    check_seed(seed)
    check_count(n_permutations, "n_permutations", maximum=MAX_PERMUTATIONS)
    check_device(device)
    return path
