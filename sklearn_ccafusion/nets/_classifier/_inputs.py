"""Checks of what a network is given: its module's convention, its outputs, its inputs.

A module that cannot take an input (a width it was not built for, a dtype it does
not read) fails deep in torch (``mat1 and mat2 shapes cannot be multiplied``);
:func:`forward_errors` says instead which module could not run on which input.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch

__all__ = ["check_module_convention", "check_n_outputs", "forward_errors"]


def check_module_convention(owner: str, module: torch.nn.Module) -> None:
    """Raise a ``TypeError`` unless ``module`` has ``features(x)`` and a final ``classifier``.

    Parameters
    ----------
    owner : str
        The estimator's class name, for the message.
    module : torch.nn.Module
        The built module (unwrapped).

    Raises
    ------
    TypeError
        When the module lacks a ``features`` method or a ``torch.nn.Linear``
        named ``classifier``.
    """
    if not callable(getattr(module, "features", None)) or not isinstance(
        getattr(module, "classifier", None), torch.nn.Linear
    ):
        raise TypeError(
            f"{owner} needs a module with a features(x) method (the "
            "penultimate features) and a final torch.nn.Linear named classifier; "
            f"{type(module).__name__} lacks them (see MLPNet for the convention)."
        )


def check_n_outputs(module: torch.nn.Module, classes: Any) -> None:
    """Raise a ``ValueError`` unless the module's classifier has one output per class.

    Parameters
    ----------
    module : torch.nn.Module
        The built module (unwrapped), with a ``classifier`` layer.
    classes : array-like
        The classes the network predicts.

    Raises
    ------
    ValueError
        Naming both counts and the parameter that sets the module's outputs.
    """
    n_out = module.classifier.out_features
    if n_out != len(classes):
        raise ValueError(
            f"The module has {n_out} outputs but there are {len(classes)} classes "
            f"({classes!r}); set module__n_classes={len(classes)} or pass "
            "classes= with every label."
        )


def _describe(x: Any) -> str:
    if torch.is_tensor(x):
        return f"a batch of shape {tuple(x.shape)} ({x.dtype})"
    if isinstance(x, dict):
        return "a batch of " + ", ".join(
            f"{key}: {_describe(value)}" for key, value in x.items()
        )
    return f"a batch of type {type(x).__name__}"


@contextmanager
def forward_errors(module: torch.nn.Module, x: Any) -> Iterator[None]:
    """Run a forward pass of ``module`` on ``x``; torch's input errors become a ``ValueError``.

    Running out of memory stays torch's own error (the input may fit in
    smaller batches).

    Parameters
    ----------
    module : torch.nn.Module
        The module that runs, named in the message.
    x : tensor or dict of tensors
        Its input, whose shape and dtype the message gives.

    Raises
    ------
    ValueError
        When the forward pass raises torch's ``RuntimeError``: the module
        cannot run on this input. The message gives the input's shape and
        torch's own text.

    Examples
    --------
    >>> import torch
    >>> with forward_errors(torch.nn.Linear(4, 3), x := torch.zeros(5, 7)):
    ...     torch.nn.Linear(4, 3)(x)
    Traceback (most recent call last):
    ...
    ValueError: Linear cannot run on a batch of shape (5, 7) (torch.float32): mat1 and ...
    """
    try:
        yield
    except torch.OutOfMemoryError:
        raise
    except RuntimeError as error:
        raise ValueError(
            f"{type(module).__name__} cannot run on {_describe(x)}: {error} (check that "
            "the input has the shape and type the module was built for)."
        ) from error
