"""The time stamps of a DataFrame's index, as the estimators read them.

A DatetimeIndex gives datetime stamps (refused with missing stamps, or out of order within a
series); a numeric index that rises within every series gives numeric time (hours, days
since entry, years), and one that does not is row labels. A numeric index that would rise
but for missing stamps (NaN, as a CSV's empty cell gives) is refused: read as row labels,
its time, gaps and stamps were dropped without a word.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from tsforecast.sequences import check_time_order

__all__ = ["check_stamps", "datetime_stamps", "integer_stamps", "numeric_stamps"]


def datetime_stamps(X: Any) -> pd.DatetimeIndex | None:
    """Return the time stamps of a DataFrame with a DatetimeIndex; None for anything else."""
    stamped = isinstance(X, pd.DataFrame) and isinstance(X.index, pd.DatetimeIndex)
    return X.index if stamped else None


def numeric_stamps(
    X: Any, offsets: np.ndarray, owner: str, rows: np.ndarray | None = None
) -> np.ndarray | None:
    """Return a DataFrame's numeric index as time stamps, when it increases within every series.

    ``rows``: the caller's row of each row (a sorted panel), said in messages.

    Raises
    ------
    ValueError
        If the index holds missing stamps (NaN) and its other stamps rise within every series.
    """
    if not isinstance(X, pd.DataFrame) or not pd.api.types.is_numeric_dtype(X.index.dtype):
        return None
    if pd.api.types.is_bool_dtype(X.index.dtype):
        return None
    stamps = X.index.to_numpy(dtype=np.float64)
    finite = np.isfinite(stamps)
    series = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))[finite]
    known = stamps[finite]
    rising = (np.diff(known) > 0) | (series[1:] != series[:-1])  # a new series is no step
    if not rising.all():
        return None
    if not finite.all():
        row = int(np.flatnonzero(~finite)[0])
        start = offsets[np.searchsorted(offsets, row, side="right") - 1]
        after = f", after {X.index[row - 1]}" if row > start else ""  # in its own series
        raise ValueError(
            f"{owner}: the time index of X has missing stamps ({int((~finite).sum())} NaN or "
            f"inf; the first at row {row if rows is None else rows[row]}{after}), so its rows "
            "cannot be placed in time. Fill them, or drop those rows (X[X.index.notna()])."
        )
    return stamps


def integer_stamps(X: Any, numeric: np.ndarray | None) -> bool:
    """Whether ``X``'s numeric time stamps are integers (years): forecasts keep them so."""
    return numeric is not None and pd.api.types.is_integer_dtype(X.index.dtype)


def check_stamps(
    times: pd.DatetimeIndex | None, offsets: np.ndarray, ids: np.ndarray, grouped: bool, owner: str
) -> None:
    """Refuse a DatetimeIndex that is missing stamps or not increasing within a series."""
    if times is None:
        return
    if times.hasnans:
        raise ValueError(f"{owner}: the DatetimeIndex of X has missing stamps (NaT); fill them.")
    stamps = (times.tz_convert(None) if times.tz is not None else times).to_numpy()
    try:
        check_time_order(stamps, offsets, ids, grouped)
    except ValueError as error:
        raise ValueError(
            f"{owner}: the DatetimeIndex of X is not in time order: {error} (X.sort_index() "
            "sorts one series.)"
        ) from None
