"""Summaries of the studies' tidy results: mean and spread per curve point."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sklearn_ccafusion.utils._validation import check_results_table

__all__ = ["summarize_study"]


def summarize_study(results: pd.DataFrame) -> pd.DataFrame:
    """Mean and standard deviation (``ddof=0``) over pairs and repeats, per curve point.

    Parameters
    ----------
    results : pandas.DataFrame
        Output of :func:`subspace_study` or :func:`cross_sensor_study`.

    Returns
    -------
    summary : pandas.DataFrame
        Grouped by every label column, ``method``, ``n`` and ``head``:
        ``mean``, ``std`` and ``count`` of ``score``.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_ccafusion.study import summarize_study
    >>> results = pd.DataFrame({
    ...     "pair": [0, 0, 1, 1], "method": "pca", "repeat": 0, "seed": 0, "n": [1, 2, 1, 2],
    ...     "head": "original", "metric": "accuracy", "score": [0.5, 0.9, 0.7, 0.9],
    ...     "n_iter": 0})
    >>> summarize_study(results)[["n", "mean", "std", "count"]].round(3).values.tolist()
    [[1.0, 0.6, 0.1, 2.0], [2.0, 0.9, 0.0, 2.0]]
    """
    check_results_table(results, {"method", "n", "head", "score"}, "results", "subspace_study")
    if not pd.api.types.is_numeric_dtype(results["score"]):
        raise TypeError(
            f"results['score'] must hold numbers, the scores of subspace_study; got dtype "
            f"{results['score'].dtype}."
        )
    missing = ~np.isfinite(results["score"].to_numpy(dtype=float))
    if missing.any():
        raise ValueError(
            f"results['score'] holds NaN or infinite values in {int(missing.sum())} of "
            f"{len(results)} rows (first at row {int(np.argmax(missing))}); the studies give a "
            "score to every row: drop or recompute those rows before summarising."
        )
    drop = {"pair", "repeat", "seed", "score", "n_iter", "converged", "net"}
    keys = [c for c in results.columns if c not in drop]
    grouped = results.groupby(keys, sort=False, dropna=False)["score"]
    summary = grouped.agg(mean="mean", std=lambda s: float(np.std(s, ddof=0)), count="count")
    return summary.reset_index()
