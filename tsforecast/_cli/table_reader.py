"""``--kind table``: a plain CSV of one series, or of a panel with a series id column.

The command line's reader of the tables a data scientist brings first (monthly sales, one
column per measure, a row per period; a panel as a long table with a series id), where the
weather adapter's grid, gap filling and units or the EHR adapter's visit features
(``time_since_previous``, added as one more column to forecast) do not belong. It reads as
Python reads a DataFrame indexed by time (or by series id and time): the time column parsed
as dates or kept as numbers, rows sorted by series and time, empty cells missing values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["read_table"]

OWNER = "--kind table"


def read_table(
    path: str,
    *,
    time_col: str,
    id_col: str | None = None,
    columns: Sequence[str] | None = None,
    decimal: str = ".",
    na_values: Sequence[str] | None = None,
) -> Any:
    """Read a CSV table into a `SequenceData`: one series, or one per value of ``id_col``.

    Parameters
    ----------
    path : str
        The CSV file (comma- or semicolon-separated).
    time_col : str
        The column of time stamps: dates (any format pandas reads), or numbers.
    id_col : str, optional
        The column of series ids: a panel, each series read in time order.
    columns : sequence of str, optional
        The columns to read, in order; by default every column but the time and id.
    decimal, na_values
        As `pandas.read_csv` takes them.

    Returns
    -------
    SequenceData
        With ``groups`` for a panel; missing values (empty cells, ``na_values``) unobserved.
    """
    from tsforecast import SequenceData

    frame = pd.read_csv(path, sep=None, engine="python", decimal=decimal, na_values=na_values)
    keys = [name for name in (id_col, time_col) if name is not None]
    absent = [name for name in [*keys, *(columns or [])] if name not in frame.columns]
    if absent:
        raise ValueError(
            f"{OWNER}: '{path}' has no column {absent[0]!r}; its columns are {list(frame.columns)}."
        )
    columns = list(columns) if columns else [c for c in frame.columns if c not in keys]
    if not columns:
        raise ValueError(f"{OWNER}: '{path}' holds no column besides {keys} to forecast.")
    frame = frame[[*keys, *columns]].copy()
    frame[time_col] = _stamps(frame[time_col], time_col)
    for name in columns:
        frame[name] = _numbers(frame[name], name)
    frame = frame.sort_values(keys, kind="stable")
    repeated = frame.duplicated(keys)
    if repeated.any():
        row = frame.loc[repeated, keys].iloc[0].to_dict()
        raise ValueError(
            f"{OWNER}: '{path}' holds {int(repeated.sum())} repeated row(s) of the same "
            f"{' and '.join(keys)}, such as {row}; keep one row per period (or per series and "
            "period), averaging or dropping the others."
        )
    return SequenceData.from_frame(
        frame, time=time_col, group=id_col, columns=columns, allow_missing=True
    )


def _stamps(values: pd.Series, name: str) -> pd.Series:
    """Return the time column as numbers, or else dates; refuse what is neither."""
    if values.isna().any():
        raise ValueError(
            f"{OWNER}: the time column {name!r} is empty on {int(values.isna().sum())} row(s); "
            "every row needs its period."
        )
    if pd.api.types.is_numeric_dtype(values):
        return values
    found = pd.to_datetime(values, format="mixed", errors="coerce")
    unread = found.isna()
    if unread.any():
        raise ValueError(
            f"{OWNER}: the time column {name!r} holds {values[unread].iloc[0]!r} "
            f"({int(unread.sum())} row(s)), which is neither a date nor a number; pass the "
            "column of periods as --time-col, with a date or number on every row."
        )
    return found


def _numbers(values: pd.Series, name: str) -> pd.Series:
    """Return a column as floats; refuse text where numbers should be, naming a cell."""
    if pd.api.types.is_numeric_dtype(values):
        return values.astype(np.float64)
    found = pd.to_numeric(values, errors="coerce")
    text = values.notna() & found.isna()
    if text.any():
        raise ValueError(
            f"{OWNER}: column {name!r} holds text where numbers should be, such as "
            f"{values[text].iloc[0]!r} ({int(text.sum())} cell(s)); leave out the column "
            "(--columns), or mark such cells missing (--na-values)."
        )
    return found.astype(np.float64)
