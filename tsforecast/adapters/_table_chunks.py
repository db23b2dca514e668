"""Reading a table larger than memory chunk by chunk: CSV, Parquet or a DataFrame.

`table_chunks` yields the rows a chunk at a time, `whole_patients` chunks that end between two
series, and `stamp_reading` decides in a pass over the time column how every chunk reads its
text dates. They serve `write_table` and `write_ehr` (`tsforecast.adapters.streaming`); errors
start with the public function's name, ``owner``.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tsforecast._checks import check_int, show
from tsforecast.adapters._stamps import (
    check_date_order,
    check_offsets,
    date_order,
    merge_date_order,
    reads_whole,
    stamp_format_of,
    stamp_offsets,
)
from tsforecast.adapters._tables import (
    _separator,
    check_column,
    check_number_marks,
    csv_text_types,
    read_marked_numbers,
)
from tsforecast.storage import SORT_ADVICE

__all__ = [
    "check_together",
    "is_csv",
    "source_name",
    "stamp_reading",
    "table_chunks",
    "whole_patients",
]

PARQUET_SUFFIXES = (".parquet", ".pq")


def is_csv(source: Any) -> bool:
    """Whether ``source`` is read as a CSV file (where ``decimal`` and text parsing apply)."""
    if isinstance(source, pd.DataFrame):
        return False
    path = Path(source)
    return not (path.is_dir() or path.suffix.lower() in PARQUET_SUFFIXES)


def source_name(source: Any) -> str:
    """Return how errors name ``source``: its path, or "DataFrame"."""
    return "DataFrame" if isinstance(source, pd.DataFrame) else str(source)


def table_chunks(
    source: Any,
    chunk_rows: int,
    text_columns: Sequence[Hashable],
    owner: str,
    usecols: Sequence[Hashable] | None = None,
    na_values: Any = None,
    decimal: str = ".",
    thousands: str | None = None,
) -> Iterator[pd.DataFrame]:
    """Yield the table ``chunk_rows`` rows at a time (text columns as written, stripped)."""
    check_int("chunk_rows", chunk_rows, owner=owner)
    if na_values is not None and (
        isinstance(na_values, str) or not isinstance(na_values, Sequence)
    ):
        raise TypeError(f"{owner}: na_values must be a list of markers; got {na_values!r}.")
    check_number_marks(decimal, thousands, owner)
    if isinstance(source, pd.DataFrame):
        for name in usecols or []:
            check_column(source, name, owner, "such")
        frame = source if usecols is None else source[list(usecols)]
        for begin in range(0, len(frame), chunk_rows):
            chunk = frame.iloc[begin : begin + chunk_rows]
            chunk = chunk.replace(list(na_values), np.nan) if na_values else chunk  # as read_ehr
            if decimal != "." or thousands is not None:  # as read_source reads a DataFrame
                chunk = read_marked_numbers(chunk, decimal, thousands, text_columns)
            yield chunk
        return
    path = Path(source)
    if not path.exists():
        raise FileNotFoundError(f"{owner}: no file or folder at '{path}'.")
    if not is_csv(path):
        yield from _parquet_chunks(path, chunk_rows, owner, usecols)
        return
    separator = _separator(path, 0)
    try:
        header = pd.read_csv(path, sep=separator, nrows=0)
    except pd.errors.EmptyDataError:
        raise ValueError(
            f"{owner}: '{path}' is empty; expected a header line, then rows."
        ) from None
    for name in usecols or []:
        check_column(header, name, owner, "such")
    reader = pd.read_csv(
        path, chunksize=chunk_rows, sep=separator, usecols=usecols,
        dtype=csv_text_types(text_columns, thousands),
        na_values=na_values, decimal=decimal,
    )  # fmt: skip
    with reader:
        for chunk in reader:  # indexed by row, counted from 0 after the header, across chunks
            if not len(chunk):
                continue
            if thousands is not None:  # as read_source: marks read where numbers, not dates
                chunk = read_marked_numbers(chunk, decimal, thousands, text_columns)
            for name in text_columns:
                if name in chunk.columns:
                    chunk[name] = chunk[name].str.strip()
            yield chunk


def _parquet_chunks(
    path: Path, chunk_rows: int, owner: str, usecols: Sequence[Hashable] | None
) -> Iterator[pd.DataFrame]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise ImportError(
            f"{owner}: reading Parquet needs pyarrow: pip install pyarrow (or tsforecast[large])."
        ) from None
    files = sorted(path.glob("*.parquet")) + sorted(path.glob("*.pq")) if path.is_dir() else [path]
    if not files:
        raise ValueError(f"{owner}: the folder '{path}' holds no .parquet file.")
    row = 0
    for file in files:
        table = pq.ParquetFile(file)
        columns = None if usecols is None else list(usecols)
        for name in columns or []:
            check_column(pd.DataFrame(columns=table.schema_arrow.names), name, owner, "such")
        for batch in table.iter_batches(batch_size=chunk_rows, columns=columns):
            chunk = batch.to_pandas()
            if not len(chunk):
                continue
            chunk.index = pd.RangeIndex(row, row + len(chunk))  # rows counted over the files
            row += len(chunk)
            yield chunk


def whole_patients(
    source: Any,
    id_col: Hashable,
    chunk_rows: int,
    owner: str,
    read_options: dict[str, Any],
    text_columns: Sequence[Hashable],
) -> Iterator[pd.DataFrame]:
    """Yield the table's rows a chunk at a time, each holding all rows of its patients."""
    waiting: pd.DataFrame | None = None
    for chunk in table_chunks(source, chunk_rows, text_columns, owner, **read_options):
        check_column(chunk, id_col, owner, "id")
        if waiting is not None:
            chunk = pd.concat([waiting, chunk])  # the rows keep their numbers in the table
        check_together(chunk[id_col], owner)
        last = chunk[id_col].iloc[-1]
        held = (chunk[id_col] == last).to_numpy()
        waiting = chunk[held]
        if (~held).any():
            yield chunk[~held]
    if waiting is not None and len(waiting):
        yield waiting


def check_together(ids: pd.Series, owner: str) -> None:
    """Refuse a chunk where a series' rows are not all together (read alone, they would merge).

    Across chunks, `SequenceWriter` refuses a series that comes back, with the same advice.
    """
    if ids.isna().any():
        return  # the readers say which row has no id
    starts = ids.ne(ids.shift()).to_numpy()
    back = np.flatnonzero(starts & ids.duplicated().to_numpy())
    if len(back):
        series, row = ids.iloc[back[0]], ids.index[back[0]]
        raise ValueError(
            f"{owner}: series {show(series)} appears again after other series (row {show(row)}): "
            + SORT_ADVICE
        )


def stamp_reading(
    source: Any, time: Hashable | None, chunk_rows: int, owner: str, read_options: dict[str, Any]
) -> dict[str, Any] | None:
    """Return how every chunk reads the text dates of ``time`` (a pass over that column only).

    As `parse_datetimes` reads the whole column in memory: one format guessed from the
    column's first stamp, month first if it reads every stamp of every chunk, else day first
    if that does (``{"stamp_format": ...}``). When neither does (stamps of several shapes),
    each chunk reads them alone in the column's one day/month order (``{"dayfirst": ...}``);
    dates that read only day first in one place and only month first in another are refused.
    None when ``time`` holds numbers (as text too), datetimes or durations: the readers take
    them as they are.
    """
    if time is None:
        return None
    first, formats, numbers = None, {False: True, True: True}, True  # month first, day first
    zones: dict[str, Any] = {"with": None, "without": None}  # a stamp with a UTC offset...
    for chunk in table_chunks(source, chunk_rows, [], owner, [time], **read_options):
        column = chunk[time]
        if pd.api.types.is_datetime64_any_dtype(column.dtype) or pd.api.types.is_timedelta64_dtype(
            column.dtype
        ):
            return None  # typed stamps (a DataFrame, Parquet): nothing to guess
        if pd.api.types.is_numeric_dtype(column.dtype):
            return None  # numbers: no pass over the rest (a later chunk of dates is refused)
        stamps = _text_stamps(column)
        numbers = numbers and bool(pd.to_numeric(stamps, errors="coerce").notna().all())
        offsets = stamp_offsets(stamps).to_numpy()
        for kind, rows in (
            ("with", np.flatnonzero(offsets)),
            ("without", np.flatnonzero(~offsets)),
        ):
            if len(rows) and zones[kind] is None:
                zones[kind] = (stamps.index[rows[0]], stamps.iloc[rows[0]])
        check_offsets(zones["with"], zones["without"], owner, time)
        if first is None and len(stamps):
            first = stamps.iloc[0]
        if first is not None and formats[False]:
            formats[False] = reads_whole(stamps, False, first) is not None
    if first is None or numbers:
        return None  # numbers (as text too), read as read_ehr and from_frame read them
    if not formats[False]:  # day first, then: a second pass over the column
        for chunk in table_chunks(source, chunk_rows, [], owner, [time], **read_options):
            if reads_whole(_text_stamps(chunk[time]), True, first) is None:
                formats[True] = False
                break
    for dayfirst in (False, True):
        if formats[dayfirst]:
            return {"stamp_format": stamp_format_of(first, dayfirst)}
    # Stamps of several shapes: each chunk reads them alone, in the column's day/month order
    # (a second pass over the column, needed only here).
    order = None
    for chunk in table_chunks(source, chunk_rows, [], owner, [time], **read_options):
        order = merge_date_order(order, date_order(_text_stamps(chunk[time])))
        check_date_order(order, owner, time)
    return {"dayfirst": order is not None and order["day"] is not None}


def _text_stamps(column: pd.Series) -> pd.Series:
    """Return a chunk's time stamps as stripped text, without the missing ones."""
    return column.dropna().astype(str).str.strip()
