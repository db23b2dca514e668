"""Telling the rows a model was fitted on among the rows it is scored on.

A score over rows the model was trained on rates in-sample forecasts: optimistic. That is
what cross-validation does when a test fold begins with its history (`SeriesSplit`: the rows
before the test rows, which the training fold holds too) and is scored by every row
(``scoring=None``, the model's ``score``; a `forecast_scorer` without ``last``).
`TrainingEnds` remembers, for each series fit saw, a key of its last row (a hash of the
row's bytes and time stamp; without stamps, of its last `WINDOW` rows, so that arrays are
recognised too); `rows_seen_before` finds, in the rows scored, each series' copy of those
rows, and counts the rows up to them where rows after them are scored too.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tsforecast.sequences import SequenceData

__all__ = ["TrainingEnds", "rows_seen_before", "warn_if_scoring_training_rows"]

# Odd 64-bit multipliers of the hash (Fibonacci hashing's golden ratio), and the base of the
# polynomial hash of consecutive rows.
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_BASE = np.uint64(0x100000001B3)
CHUNK_ROWS = 1 << 16
# Rows of a series that must all match, in order, where the data has no time stamps (with
# them, the stamp makes one row its own): a count of 5 recurs, eight counts in a row seldom.
WINDOW = 8


def row_keys(values: np.ndarray, time: np.ndarray | None = None) -> np.ndarray:
    """Return a 64-bit key per row of ``values`` ``(n, n_features)``, from its float32 bytes.

    With ``time`` (the rows' stamps), the stamp is part of the key. Equal rows (the same
    float32 values, NaN included) have equal keys; integer overflow wraps around, as a
    hash's does. Read `CHUNK_ROWS` rows at a time (the data may be large).
    """
    weights = np.arange(1, values.shape[1] + 1, dtype=np.uint64) * _GOLDEN | np.uint64(1)
    keys = np.empty(len(values), np.uint64)
    with np.errstate(over="ignore"):
        for begin in range(0, len(values), CHUNK_ROWS):
            chunk = np.ascontiguousarray(values[begin : begin + CHUNK_ROWS], dtype=np.float32)
            bits = chunk.view(np.uint32).astype(np.uint64)
            keys[begin : begin + CHUNK_ROWS] = (bits * weights).sum(axis=1, dtype=np.uint64)
        if time is not None:
            stamps = np.ascontiguousarray(time).view(np.int64).astype(np.uint64)
            keys ^= stamps * _BASE
    return keys


def _window_keys(data: SequenceData, widths: np.ndarray) -> np.ndarray:
    """Return the key of the ``widths[s]`` rows of series ``s`` ending at each row.

    Rows of the series only: 0 where fewer than that many of its rows end there.
    """
    time = data.time if data.time is not None and data.time.dtype.kind in "fmM" else None
    keys = row_keys(data.values, time)
    lengths = np.diff(data.offsets)
    local = np.arange(data.n_timesteps) - np.repeat(data.offsets[:-1], lengths)
    width = np.repeat(widths, lengths)
    window = keys.copy()
    result = np.where(width == 1, window, np.uint64(0))
    with np.errstate(over="ignore"):
        for k in range(1, int(widths.max(initial=1))):
            earlier = np.concatenate([np.zeros(k, np.uint64), keys[:-k]])
            window = window * _BASE + earlier  # the rows k back, first multiplied least
            done = (width == k + 1) & (local >= k)
            result[done] = window[done]
    return result


@dataclass(frozen=True)
class TrainingEnds:
    """The key of the last rows of each series a model was fitted on.

    Attributes
    ----------
    ids : ndarray or None
        The series' ids (None: one series without an id).
    widths : ndarray of int
        Rows each key covers: 1 where the data has time stamps, else up to `WINDOW`.
    keys : ndarray of uint64
        The key of each series' last ``widths`` rows.
    """

    ids: np.ndarray | None
    widths: np.ndarray
    keys: np.ndarray

    @classmethod
    def of(cls, data: SequenceData) -> TrainingEnds:
        """Return the ends of the series of ``data`` (the rows fit read)."""
        lengths = np.diff(data.offsets)
        stamped = data.time is not None and data.time.dtype.kind in "fmM"
        widths = np.ones_like(lengths) if stamped else np.minimum(lengths, WINDOW)
        # only the last rows of each series are read (the data may be larger than memory)
        first = np.repeat(np.cumsum(widths) - widths, widths)
        position = np.arange(int(widths.sum())) - first  # 0: the oldest row of the window
        take = np.repeat(data.offsets[1:] - widths, widths) + position
        keys = row_keys(data.values[take], data.time[take] if stamped else None)
        powers = np.ones(WINDOW, np.uint64)
        with np.errstate(over="ignore"):
            for k in range(1, WINDOW):
                powers[k] = powers[k - 1] * _BASE
            ends = np.add.reduceat(keys * powers[position], np.cumsum(widths) - widths)
        ids = None if data.groups is None else np.asarray(data.series_ids)
        return cls(ids, widths, ends.astype(np.uint64))


def rows_seen_before(data: SequenceData, ends: TrainingEnds) -> tuple[int, int]:
    """Count the rows of ``data`` at or before the last row fit read of their series.

    Only series that hold those rows followed by rows fit did not read count (a score of
    training rows alone is an in-sample score, asked for as such). Returns the count and the
    number of series it comes from.
    """
    if ends.ids is None:
        fitted = np.zeros(data.n_series, np.int64) if data.n_series == 1 else None
    else:
        ids = None if data.groups is None else np.asarray(data.series_ids)
        fitted = None if ids is None else pd.Index(ends.ids).get_indexer(ids)
    if fitted is None or not (fitted >= 0).any():
        return 0, 0
    known = fitted >= 0
    lengths = np.diff(data.offsets)
    widths = np.where(known, ends.widths[np.maximum(fitted, 0)], 1)
    expected = np.repeat(np.where(known, ends.keys[np.maximum(fitted, 0)], 0), lengths)
    match = np.repeat(known, lengths) & (_window_keys(data, widths) == expected)
    local = np.arange(data.n_timesteps) - np.repeat(data.offsets[:-1], lengths)
    last = np.maximum.reduceat(np.where(match, local, -1), data.offsets[:-1])
    straddles = (last >= 0) & (last < lengths - 1)  # rows after it are scored too
    return int((last[straddles] + 1).sum()), int(straddles.sum())


def warn_if_scoring_training_rows(
    data: SequenceData, ends: TrainingEnds | None, owner: str, advice: str
) -> None:
    """Warn where a score rates rows the model was fitted on beside rows it was not.

    ``ends``: the model's `TrainingEnds` (None: not known, as after `load`); ``advice``: how
    to score the new rows only.
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
            stacklevel=3,
        )
