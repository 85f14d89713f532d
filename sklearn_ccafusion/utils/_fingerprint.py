"""Fingerprints: a hash of arrays' content and of JSON-like values, the key of every cache.

The task cache (:class:`~sklearn_ccafusion.study.TaskCache`) and the cache of trained
networks (:mod:`sklearn_ccafusion.utils._net_cache`) name their files by it, so a
change of data or parameters can never be answered by a stale file.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["fingerprint"]


def _update_with(digest, value: Any) -> None:
    if isinstance(value, np.ndarray) or hasattr(value, "__array__"):
        array = np.ascontiguousarray(np.asarray(value))
        if array.dtype == object:
            array = np.asarray([str(v) for v in array.ravel()]).reshape(array.shape)
        digest.update(f"array{array.shape}{array.dtype.str}".encode())
        digest.update(array.tobytes())
    elif isinstance(value, Mapping):
        digest.update(b"{")
        for key in sorted(value, key=str):
            digest.update(str(key).encode() + b":")
            _update_with(digest, value[key])
        digest.update(b"}")
    elif isinstance(value, (list, tuple)):
        digest.update(b"[")
        for item in value:
            _update_with(digest, item)
        digest.update(b"]")
    else:
        digest.update(json.dumps(value, sort_keys=True, default=repr).encode())


def fingerprint(*values: Any) -> str:
    """A hash of arrays (their content, shape and dtype) and JSON-like values.

    Parameters
    ----------
    *values : array-like, mapping, sequence or scalar
        Everything that determines a result.

    Returns
    -------
    key : str
        32 hexadecimal characters; equal inputs give equal keys, and any change
        of content, shape, dtype or value gives another.

    Examples
    --------
    >>> import numpy as np
    >>> a = np.arange(6.0)
    >>> fingerprint(a, {"seed": 1}) == fingerprint(a.copy(), {"seed": 1})
    True
    >>> fingerprint(a, {"seed": 1}) == fingerprint(a.astype(np.float32), {"seed": 1})
    False
    """
    digest = hashlib.blake2b(digest_size=16)
    for value in values:
        _update_with(digest, value)
    return digest.hexdigest()
