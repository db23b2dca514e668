"""``--kind table``: a plain CSV of one series, or of a panel with a series id column.

The command line's reader of the tables a data scientist brings first (monthly sales, one
column per measure, a row per period; a panel as a long table with a series id), where the
weather adapter's grid, gap filling and units or the EHR adapter's visit features
(``time_since_previous``, added as one more column to forecast) do not belong. It reads as
Python reads a DataFrame indexed by time (or by series id and time): the time column parsed
as dates or kept as numbers, rows sorted by series and time, empty cells missing values.
Dates and numbers are read by the adapters' parsers (`tsforecast.adapters._stamps` and
`_tables`), with one rule of its own: dates that read both day first and month first need a
flag.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from tsforecast._sequence_checks import year_month_numbers, year_month_stamps
from tsforecast.adapters._stamps import (
    check_date_order,
    date_order,
    parse_datetimes,
)
from tsforecast.adapters._tables import numeric_columns, read_source

__all__ = ["read_table"]

OWNER = "--kind table"


def read_table(
    path: str,
    *,
    time_col: str,
    id_col: str | None = None,
    columns: Sequence[str] | None = None,
    decimal: str = ".",
    thousands: str | None = None,
    na_values: Sequence[str] | None = None,
    dayfirst: bool | None = None,
) -> Any:
    """Read a CSV table into a `SequenceData`: one series, or one per value of ``id_col``.

    Parameters
    ----------
    path : str
        The CSV file (comma-, semicolon- or tab-separated; UTF-8, with or without a byte
        order mark).
    time_col : str
        The column of time stamps: dates (any format pandas reads, quarters such as 1998 Q1),
        years and months written as numbers (194901 or 1949.01, read as months), or numbers.
    id_col : str, optional
        The column of series ids: a panel, each series read in time order.
    columns : sequence of str, optional
        The columns to read, in order; by default every column but the time and id.
    decimal, thousands, na_values
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

    ids = () if id_col is None else (id_col,)  # ids as text: 7 is "7" at predict too
    frame = read_source(
        path, OWNER, na_values=na_values, decimal=decimal, thousands=thousands, text_columns=ids
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
    try:
        frame[columns] = numeric_columns(
            frame, columns, OWNER, choose="--columns", can_encode=False
        )
    except TypeError as error:  # a column of text labels
        if id_col is not None:
            raise
        raise TypeError(
            f"{error} If it names the series of a long table, pass it as --id-col."
        ) from None
    frame = frame.sort_values(keys, kind="stable")
    repeated = frame.duplicated(keys)
    if repeated.any():
        row = frame.loc[repeated, keys].iloc[0].to_dict()
        raise ValueError(
            f"{OWNER}: '{path}' holds {int(repeated.sum())} repeated row(s) of the same "
            f"{' and '.join(keys)}, such as {row}; keep one row per period (or per series and "
            "period), averaging or dropping the others"
            + ("" if id_col else ", or name the column of series ids with --id-col (a panel)")
            + "."
        )
    return SequenceData.from_frame(
        frame, time=time_col, group=id_col, columns=columns, allow_missing=True
    )


def _stamps(values: pd.Series, name: str, dayfirst: bool | None = None) -> pd.Series:
    """Return the time column as numbers, or else as dates read in one day/month order.

    Dates are read as the adapters read them (`adapters._stamps.parse_datetimes`), in the
    order the column shows (a date such as 13/01/2020 reads only day first). Where every
    date such as 06/01/2020 reads both ways and they differ (1 June or 6 January), the
    column is refused without ``dayfirst`` rather than read month first (a cell at a time,
    pandas' "mixed" format read 13/01 day first and 06/01 month first, and scrambled the
    periods); a flag that contradicts the column is refused too.
    """
    if values.isna().any():
        raise ValueError(
            f"{OWNER}: the time column {name!r} is empty on {int(values.isna().sum())} row(s); "
            "every row needs its period."
        )
    if pd.api.types.is_numeric_dtype(values):
        scale = year_month_numbers(values.to_numpy())  # 194901 or 1949.01: months
        if scale is None:
            return values
        return pd.Series(year_month_stamps(values.to_numpy(), scale), index=values.index)
    evidence = date_order(values.astype("string").str.strip())
    check_date_order(evidence, OWNER, name)
    only = "day" if evidence["day"] else "month" if evidence["month"] else None
    if only is not None and dayfirst is not None and dayfirst != (only == "day"):
        raise ValueError(
            f"{OWNER}: the dates of {name!r} read {only} first only ({evidence[only][1]!r}), "
            f"not as --{'' if dayfirst else 'no-'}dayfirst says; leave the flag out."
        )
    if only is None and evidence["both"] is not None and dayfirst is None:
        stamp = evidence["both"][1]
        month, day = (pd.to_datetime(stamp, dayfirst=first) for first in (False, True))
        raise ValueError(
            f"{OWNER}: the dates of {name!r} read both month first and day first "
            f"({stamp!r}: {month:%Y-%m-%d} or {day:%Y-%m-%d}); pass --dayfirst or --no-dayfirst."
        )
    order = dayfirst if only is None else only == "day"
    return pd.Series(parse_datetimes(values, OWNER, name, dayfirst=order), index=values.index)
