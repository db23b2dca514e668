"""Telling the rows a model was fitted on among the rows it is scored on.

A score over rows the model was trained on rates in-sample forecasts: optimistic. That is
what cross-validation does when a test fold begins with its history (`SeriesSplit`: the rows
before the test rows, which the training fold holds too) and is scored by every row
(``scoring=None``, the model's ``score``; a `forecast_scorer` without ``last``).
`TrainingEnds` remembers the time stamp of each series' last training row and a key of its
values; `rows_seen_before` finds that row among the rows scored (by its stamp, then its
values), and counts the rows up to it where rows after it are scored too. Data without time
stamps (plain arrays) is not judged: values alone recur (counts, zeros) and would be taken
for training rows.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tsforecast.sequences import SequenceData

__all__ = ["TrainingEnds", "rows_seen_before", "warn_if_scoring_training_rows"]

# Odd 64-bit multipliers of the hash of a row (Fibonacci hashing's golden ratio).
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def row_keys(values: np.ndarray) -> np.ndarray:
    """Return a 64-bit key per row of ``values`` ``(n, n_features)``, from its float32 bytes.

    Equal rows (the same float32 values, NaN included) have equal keys; integer overflow
    wraps around, as a hash's does.
    """
    weights = np.arange(1, values.shape[1] + 1, dtype=np.uint64) * _GOLDEN | np.uint64(1)
    bits = np.ascontiguousarray(values, dtype=np.float32).view(np.uint32).astype(np.uint64)
    with np.errstate(over="ignore"):
        return (bits * weights).sum(axis=1, dtype=np.uint64)


def _stamps(data: SequenceData) -> np.ndarray | None:
    """Return the rows' time stamps, or None (no stamps: not judged)."""
    if data.time is None or data.time.dtype.kind not in "fmM":
        return None
    return np.asarray(data.time)


@dataclass(frozen=True)
class TrainingEnds:
    """The last row of each series a model was fitted on: its stamp and a key of its values.

    Attributes
    ----------
    ids : ndarray or None
        The series' ids (None: one series without an id).
    stamps : ndarray
        The time stamp of each series' last row.
    keys : ndarray of uint64
        `row_keys` of each series' last row.
    """

    ids: np.ndarray | None
    stamps: np.ndarray
    keys: np.ndarray

    @classmethod
    def of(cls, data: SequenceData) -> TrainingEnds | None:
        """Return the ends of the series of ``data`` (None: rows without time stamps)."""
        stamps = _stamps(data)
        if stamps is None:
            return None
        last = data.offsets[1:] - 1
        ids = None if data.groups is None else np.asarray(data.series_ids)
        return cls(ids, stamps[last], row_keys(data.values[last]))


def rows_seen_before(data: SequenceData, ends: TrainingEnds) -> tuple[int, int]:
    """Count the rows of ``data`` at or before the last row fit read of their series.

    That row is found by its stamp and values. Only series that hold it followed by rows fit
    did not read count (a score of training rows alone is an in-sample score, asked for as
    such). Returns the count and the number of series it comes from.
    """
    stamps = _stamps(data)
    if stamps is None or stamps.dtype.kind != ends.stamps.dtype.kind:
        return 0, 0
    if ends.ids is None:
        fitted = np.zeros(data.n_series, np.int64) if data.n_series == 1 else None
    else:
        ids = None if data.groups is None else np.asarray(data.series_ids)
        fitted = None if ids is None else pd.Index(ends.ids).get_indexer(ids)
    if fitted is None:
        return 0, 0
    counted = series = 0
    for s in np.flatnonzero(fitted >= 0):  # stamps rise within a series: a binary search
        start, stop = data.offsets[s], data.offsets[s + 1]
        stamp = ends.stamps[fitted[s]]
        at = start + int(np.searchsorted(stamps[start:stop], stamp))
        if at >= stop - 1 or stamps[at] != stamp:  # absent, or the last row scored
            continue
        if row_keys(data.values[at : at + 1])[0] == ends.keys[fitted[s]]:
            counted, series = counted + at - start + 1, series + 1
    return counted, series


def warn_if_scoring_training_rows(
    data: SequenceData,
    ends: TrainingEnds | None,
    owner: str,
    advice: str,
    stacklevel: int = 2,
) -> None:
    """Warn where a score rates rows the model was fitted on beside rows it was not.

    ``ends``: the model's `TrainingEnds` (None: not known, as after `load`, or data without
    time stamps); ``advice``: how to score the new rows only; ``stacklevel``: as
    `warnings.warn` takes it, from the function that calls this one (2: its caller).
    """
    if ends is None:
        return
    counted, series = rows_seen_before(data, ends)
    if counted:
        warnings.warn(
            f"{owner}: {counted} of the {data.n_timesteps} rows scored (in {series} series) "
            "are rows the model was fitted on (each series' rows up to the last one fit "
            "read), so the score mixes in-sample forecasts with those of the rows after "
            f"them, and is optimistic. {advice}",
            RuntimeWarning,
            stacklevel=stacklevel + 1,
        )
