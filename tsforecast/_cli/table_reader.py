"""``--kind table``: a plain CSV of one series, or of a panel with a series id column.

The command line's reader of the tables a data scientist brings first (monthly sales, one
column per measure, a row per period; a panel as a long table with a series id), where the
weather adapter's grid, gap filling and units or the EHR adapter's visit features
(``time_since_previous``, added as one more column to forecast) do not belong. It reads as
Python reads a DataFrame indexed by time (or by series id and time): the time column parsed
as dates or kept as numbers, rows sorted by series and time, empty cells missing values.
"""

from __future__ import annotations

import warnings
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
    dayfirst: bool | None = None,
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
    dayfirst : bool, optional
        Dates such as 06/01/2020 are 6 January (True) or 1 June (False); needed only where
        the column reads both ways.

    Returns
    -------
    SequenceData
        With ``groups`` for a panel; missing values (empty cells, ``na_values``) unobserved.
    """
    from tsforecast import SequenceData

    ids = None if id_col is None else {id_col: str}  # ids as text: 7 is "7" at predict too
    frame = pd.read_csv(
        path, sep=None, engine="python", decimal=decimal, na_values=na_values, dtype=ids
    )
    keys = [name for name in (id_col, time_col) if name is not None]
    if columns and set(columns) & set(keys):
        raise ValueError(
            f"{OWNER}: --columns names {sorted(set(columns) & set(keys))}, the time or id "
            "column; name the columns to read besides them."
        )
    absent = [name for name in [*keys, *(columns or [])] if name not in frame.columns]
    if absent:
        raise ValueError(
            f"{OWNER}: '{path}' has no column {absent[0]!r}; its columns are {list(frame.columns)}."
        )
    columns = list(columns) if columns else [c for c in frame.columns if c not in keys]
    if not columns:
        raise ValueError(f"{OWNER}: '{path}' holds no column besides {keys} to forecast.")
    frame = frame[[*keys, *columns]].copy()
    frame[time_col] = _stamps(frame[time_col], time_col, dayfirst)
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


def _stamps(values: pd.Series, name: str, dayfirst: bool | None = None) -> pd.Series:
    """Return the time column as numbers, or else dates read one way; refuse what is neither.

    ISO dates (2020-01-06) are read as such. Other dates are read with one format for the
    whole column, month first and day first: where only one reads every cell, or both read
    the same, that is it; where both read differently (06/01/2020: 1 June or 6 January),
    ``dayfirst`` decides, and without it the column is refused (a cell at a time, pandas'
    "mixed" format read 13/01 day first and 06/01 month first, and scrambled the periods).
    """
    if values.isna().any():
        raise ValueError(
            f"{OWNER}: the time column {name!r} is empty on {int(values.isna().sum())} row(s); "
            "every row needs its period."
        )
    if pd.api.types.is_numeric_dtype(values):
        return values
    found = _dates(values, format="ISO8601")
    if found is not None:
        return found
    ways = {first: _dates(values, dayfirst=first) for first in (False, True)}
    read = {first: way for first, way in ways.items() if way is not None}
    if not read:
        unread = pd.to_datetime(values, format="mixed", errors="coerce").isna()
        cell = values[unread].iloc[0] if unread.any() else values.iloc[0]
        raise ValueError(
            f"{OWNER}: the time column {name!r} holds {cell!r}, which is neither a date nor "
            "a number read in one format with the other rows; pass the column of periods as "
            "--time-col, with a date (one format) or a number on every row."
        )
    if len(read) == 2 and not read[False].equals(read[True]):
        if dayfirst is None:
            raise ValueError(
                f"{OWNER}: the dates of {name!r} read both month first and day first "
                f"({values.iloc[0]!r}: {read[False].iloc[0]:%Y-%m-%d} or "
                f"{read[True].iloc[0]:%Y-%m-%d}); pass --dayfirst or --no-dayfirst."
            )
        return read[dayfirst]
    if dayfirst is not None and dayfirst not in read:
        other = "month" if dayfirst else "day"
        raise ValueError(
            f"{OWNER}: the dates of {name!r} read {other} first only ({values.iloc[0]!r}), "
            f"not as --{'' if dayfirst else 'no-'}dayfirst says; leave the flag out."
        )
    return next(iter(read.values()))


def _dates(values: pd.Series, **how: Any) -> pd.Series | None:
    """Return ``values`` read as dates in one format (pandas' inferred one), or None."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "Could not infer format"
            return pd.to_datetime(values, **how)
    except (ValueError, TypeError, OverflowError):
        return None


def _numbers(values: pd.Series, name: str) -> pd.Series:
    """Return a column as floats; refuse text where numbers should be, naming a cell."""
    if pd.api.types.is_numeric_dtype(values):
        return values.astype(np.float64)
    found = pd.to_numeric(values, errors="coerce")
    text = values.notna() & found.isna()
    if text.any():
        cell = str(values[text].iloc[0])
        comma = pd.to_numeric(pd.Series([cell.replace(",", ".")]), errors="coerce").notna()[0]
        hint = " (decimal commas: pass --decimal ,)" if comma else ""
        raise ValueError(
            f"{OWNER}: column {name!r} holds text where numbers should be, such as "
            f"{cell!r} ({int(text.sum())} cell(s)){hint}; leave out the column "
            "(--columns), or mark such cells missing (--na-values)."
        )
    return found.astype(np.float64)
