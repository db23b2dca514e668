"""Tables larger than memory into the on-disk format, chunk by chunk.

`write_table` applies `SequenceData.from_frame`'s reading, and `write_ehr` `read_ehr`'s, to a
large CSV file (read in chunks of rows), a Parquet file or a folder of Parquet files (read in
record batches with pyarrow), or a DataFrame, and write what they read with a
`tsforecast.storage.SequenceWriter`: memory is bounded by one chunk, whatever the table's size.

The rows must come sorted by series (patient, station...): all rows of a series together.
Within a series, `write_table` needs them in time order and `write_ehr` sorts them itself
(a patient's rows all fall in one chunk). The series keep the table's order (`read_ehr` in
memory sorts patients by id, which needs the whole table). A series that appears again after
another is an error that says how to sort the table first; nothing is half-written.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Sequence
from contextlib import contextmanager
from numbers import Real
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tsforecast._checks import check_int, show
from tsforecast.adapters._tables import (
    _separator,
    check_column,
    check_date_order,
    check_offsets,
    date_order,
    merge_date_order,
    parse_datetimes,
    reads_whole,
    stamp_format_of,
    stamp_offsets,
)
from tsforecast.adapters.ehr import _read_patients, check_static
from tsforecast.data import SequenceData
from tsforecast.storage import SORT_ADVICE, SequenceWriter, _check_target

__all__ = ["write_ehr", "write_table"]

CHUNK_ROWS = 1_000_000
PARQUET_SUFFIXES = (".parquet", ".pq")


def write_table(
    source: Any,
    path: str | Path,
    *,
    time: Hashable | None = None,
    group: Hashable | None = None,
    columns: Sequence[Hashable] | None = None,
    allow_missing: bool = False,
    na_values: Sequence[str] | None = None,
    decimal: str = ".",
    chunk_rows: int = CHUNK_ROWS,
    overwrite: bool = False,
) -> SequenceData:
    """Write a large wide table (one row per time step) to the on-disk format, chunk by chunk.

    `SequenceData.from_frame`'s reading, applied to each chunk: ``time``, ``group`` and
    ``columns`` mean the same. A series may run over several chunks.

    Parameters
    ----------
    source : path or DataFrame
        A CSV file (read ``chunk_rows`` rows at a time), a Parquet file or a folder of
        Parquet files (read in record batches of ``chunk_rows``, files in name order), or a
        DataFrame (for tests and small data).
    path : str or Path
        The directory to write.
    time, group : hashable, optional
        The time and series-id columns. Text time stamps are parsed as dates, day first or
        month first decided once for the whole column (a first pass over it); ids are kept
        as written (text in a CSV).
    columns : sequence of hashable, optional
        The feature columns; by default every other column of the first chunk.
    allow_missing : bool, default=False
        Keep missing values, marked False in ``mask``. They are stored as the column's mean
        over its observed values (written in a second pass over the file, in chunks), so
        that a fit reads the data in place (data with NaN there is filled in a copy at fit
        time, with the training rows' mean: close, not identical).
    na_values : sequence of str, optional
        Extra markers of missing values in a CSV file.
    decimal : {".", ","}, default="."
        Decimal mark of the numbers in a CSV file.
    chunk_rows : int, default=1_000_000
        Rows read at a time.
    overwrite : bool, default=False
        Replace a directory written before, once the new one is complete (see
        `SequenceWriter`: never a file, a link, or a folder holding other files).

    Returns
    -------
    SequenceData
        The written data, opened (memory-mapped).

    Raises
    ------
    ValueError
        If a series appears again after another one (the table is not sorted by series), or
        a chunk does not fit the ones before (see `SequenceWriter.append`).
    """
    owner = "write_table"
    _check_target(Path(path), overwrite, owner)  # before any pass over the table
    text = [] if group is None else [group]
    read_options = {"na_values": na_values, "decimal": decimal}
    reading = _stamp_reading(source, time, chunk_rows, owner, read_options)
    with SequenceWriter(path, overwrite=overwrite, metadata={"source": _name(source)}) as writer:
        for chunk in _chunks(source, chunk_rows, text, owner, **read_options):
            if group is not None and group in chunk:
                _check_together(chunk[group], owner)
            if reading is not None:
                stamps = parse_datetimes(chunk[time], owner, time, **reading)
                chunk = chunk.assign(**{time: stamps})
            data = SequenceData.from_frame(
                chunk, time=time, group=group, columns=columns, allow_missing=allow_missing
            )
            if columns is None:
                columns = [name for name in chunk.columns if name not in (time, group)]
            writer.append(data)
        _check_rows(writer.n_timesteps, source, owner)
        means = writer.observed_means()
    if allow_missing:
        _fill_unobserved(Path(path), means)
    return SequenceData.open(path)


def write_ehr(
    source: Any,
    path: str | Path,
    *,
    id_col: Hashable,
    time_col: Hashable,
    value_cols: Sequence[Hashable],
    static_cols: Sequence[Hashable] | None = None,
    leading_fill: str | float = "mean",
    chunk_rows: int = CHUNK_ROWS,
    overwrite: bool = False,
    **options: Any,
) -> SequenceData:
    """Write a large patient table to the on-disk format with `read_ehr`, patients at a time.

    The table is read ``chunk_rows`` rows at a time; the rows of the last patient of a chunk
    wait for the next one, so that `read_ehr` always reads whole patients (sorting their
    visits, merging duplicates, filling gaps as it does in memory).

    Parameters
    ----------
    source : path or DataFrame
        A CSV file, a Parquet file or folder of Parquet files, or a DataFrame, sorted by
        patient (all rows of a patient together; in any order within the patient).
    path : str or Path
        The directory to write.
    id_col, time_col : hashable
        As in `read_ehr`.
    value_cols : sequence of hashable
        The measurements (wide: columns; long: variable names). Required: the default of
        `read_ehr` (the columns that change within a patient) would depend on the chunk.
    static_cols : sequence of hashable, optional
        As in `read_ehr`; their labels are collected in a first pass over these columns, so
        that every chunk one-hot encodes the same labels.
    leading_fill : "mean", "zero" or float, default="mean"
        The value before a patient's first observation of a measurement: the mean over the
        observed values of the whole table (a second pass, in chunks), 0, or a number.
        "median" needs every value at once and is refused.
    chunk_rows : int, default=1_000_000
        Rows read at a time; a patient's rows must fit in memory.
    overwrite : bool, default=False
        Replace a directory written before, once the new one is complete (see
        `SequenceWriter`: never a file, a link, or a folder holding other files).
    **options
        `read_ehr`'s other options: ``variable_col``, ``value_col``, ``keep``,
        ``time_delta``, ``resample``, ``event_cols``, ``na_values``, ``decimal``.

    Returns
    -------
    SequenceData
        The written data, opened (memory-mapped).
    """
    owner = "write_ehr"
    _check_ehr_options(value_cols, static_cols, leading_fill, options, owner)
    _check_target(Path(path), overwrite, owner)  # before any pass over the table
    static_cols = list(static_cols or [])
    read_options = {"na_values": options.get("na_values"), "decimal": options.get("decimal", ".")}
    labels = _static_labels(source, static_cols, chunk_rows, id_col, owner, read_options)
    fill = np.nan if leading_fill == "mean" else 0.0 if leading_fill == "zero" else leading_fill
    reading = _stamp_reading(source, time_col, chunk_rows, owner, read_options)
    values = _ValuesSeen(value_cols, options.get("variable_col"), options.get("value_col"))
    statics, rows = _StaticMeans(), 0
    with SequenceWriter(path, overwrite=overwrite, metadata={"source": _name(source)}) as writer:
        for patients in _whole_patients(
            source, id_col, chunk_rows, owner, read_options, [id_col, *labels]
        ):
            if reading is not None:
                stamps = parse_datetimes(patients[time_col], owner, time_col, **reading)
                patients = patients.assign(**{time_col: stamps})
            values.note(patients)
            rows += len(patients)
            with _named_as(owner):
                patients, encoded = _encode_labels(patients, id_col, static_cols, labels)
                data = _read_patients(
                    patients, id_col=id_col, time_col=time_col, value_cols=value_cols,
                    static_cols=encoded or None, leading_fill=fill, require_values=False,
                    **options,
                )  # fmt: skip
            if data is None:
                continue  # long layout: no row of the chosen variables (read_ehr drops them)
            data = _in_table_order(data, pd.unique(patients[id_col]))
            statics.add(data, encoded)
            writer.append(data)
            features = data.features
        _check_rows(rows, source, owner)
        values.check(owner, source)
        writer.metadata["n_patients"] = writer.n_series  # the first chunk's count otherwise
        writer.metadata["static"] = [str(name) for name in static_cols]
        means = statics.over(writer.observed_means(), features)
    if leading_fill == "mean":
        _fill_unobserved(Path(path), means)
    return SequenceData.open(path)


EHR_OPTIONS = ("variable_col", "value_col", "keep", "time_delta", "resample", "event_cols",
               "na_values", "decimal")  # fmt: skip


def _check_ehr_options(
    value_cols: Any, static_cols: Any, leading_fill: Any, options: dict[str, Any], owner: str
) -> None:
    """Refuse what `write_ehr` cannot do chunk by chunk, or what `read_ehr` would not take."""
    unknown = sorted(set(options) - set(EHR_OPTIONS))
    if unknown:
        raise TypeError(
            f"{owner}: unknown option(s) {unknown}; read_ehr's other options are "
            f"{list(EHR_OPTIONS)}."
        )
    if value_cols is None:
        raise ValueError(
            f"{owner}: pass value_cols=[...]; read_ehr's default (the columns that change within "
            "a patient) depends on which patients a chunk holds."
        )
    for name, given in (("value_cols", value_cols), ("static_cols", static_cols)):
        if given is not None and (
            isinstance(given, (str, bytes)) or not isinstance(given, Sequence)
        ):
            raise TypeError(
                f"{owner}: {name} must be a list of column names, e.g. [{given!r}]; got {given!r}."
            )
    if isinstance(leading_fill, str) and leading_fill == "median":
        raise ValueError(
            f"{owner}: leading_fill='median' needs every value of a column at once; use 'mean' "
            "(computed in a pass over the written data), 'zero' or a number."
        )
    number = isinstance(leading_fill, Real) and not isinstance(leading_fill, bool)
    if not number and not (isinstance(leading_fill, str) and leading_fill in ("mean", "zero")):
        raise ValueError(
            f"{owner}: leading_fill must be 'mean', 'zero' or a number; got {leading_fill!r}."
        )


@contextmanager
def _named_as(owner: str) -> Iterator[None]:
    """Give the errors of `read_ehr`'s reading of a chunk under ``owner``'s name."""
    try:
        yield
    except (ValueError, TypeError) as error:
        message = str(error)
        if not message.startswith("read_ehr: "):
            raise
        raise type(error)(f"{owner}: {message.removeprefix('read_ehr: ')}") from error


class _ValuesSeen:
    """Which measurements the table holds a value of (raw, before any fill), chunk by chunk."""

    def __init__(self, value_cols: Sequence[Hashable], variable_col: Any, value_col: Any) -> None:
        self.names = list(value_cols)
        self.long = variable_col is not None and value_col is not None
        self.variable_col, self.value_col = variable_col, value_col
        self.named: set[Hashable] = set()  # long layout: variables with a row
        self.valued: set[Hashable] = set()

    def note(self, patients: pd.DataFrame) -> None:
        """Note which measurements the chunk holds a value of."""
        if not self.long:
            for name in self.names:
                if name in patients and patients[name].notna().any():
                    self.valued.add(name)
            return
        if self.variable_col not in patients or self.value_col not in patients:
            return  # read_ehr names the missing column
        variables = patients[self.variable_col]
        chosen = variables.isin(self.names)
        self.named.update(variables[chosen].tolist())
        self.valued.update(variables[chosen & patients[self.value_col].notna()].tolist())

    def check(self, owner: str, source: Any) -> None:
        """Refuse, as `read_ehr` does, a measurement the whole table has no value of."""
        if self.long:
            absent = [name for name in self.names if name not in self.named]
            if absent:
                raise ValueError(
                    f"{owner}: no variable {absent} in column {self.variable_col!r} of "
                    f"{_name(source)}; check value_cols=[...]."
                )
        empty = [name for name in self.names if name not in self.valued]
        if empty:
            raise ValueError(
                f"{owner}: column(s) {empty} have no values at all; leave them out with "
                "value_cols=[...]."
            )


class _StaticMeans:
    """Means of static features over patients (as `read_ehr` has them), not over rows."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.sum: np.ndarray | None = None
        self.count: np.ndarray | None = None

    def add(self, data: SequenceData, encoded: list[Hashable]) -> None:
        if not encoded:
            return
        self.names = [str(name) for name in encoded]
        columns = [data.features.index(name) for name in self.names]
        first = data.offsets[:-1]
        values = data.values[first][:, columns].astype(np.float64)
        known = np.isfinite(values)
        if data.mask is not None:
            known &= data.mask[first][:, columns]
        if self.sum is None:
            self.sum, self.count = np.zeros(len(columns)), np.zeros(len(columns), np.int64)
        self.sum += np.where(known, values, 0.0).sum(axis=0)
        self.count += known.sum(axis=0)

    def over(self, means: np.ndarray, features: Sequence[str]) -> np.ndarray:
        """Return ``means`` with the static features' means replaced by the patients' ones."""
        if self.sum is None:
            return means
        means = means.copy()
        with np.errstate(invalid="ignore", divide="ignore"):
            means[[list(features).index(name) for name in self.names]] = self.sum / self.count
        return means


def _encode_labels(
    patients: pd.DataFrame,
    id_col: Hashable,
    static_cols: list[Hashable],
    labels: dict[Hashable, list[str]],
) -> tuple[pd.DataFrame, list[Hashable]]:
    """One-hot encode the text static columns with the whole table's labels (not the chunk's).

    Returns the chunk with a ``column=label`` column (1, 0, NaN where the patient's label is
    missing) in place of each text static column, and the static columns to read.
    """
    if not labels:
        return patients, static_cols
    check_static(patients, patients[id_col], list(labels))
    patients = patients.copy()
    encoded: list[Hashable] = []
    for name in static_cols:
        if name not in labels:
            encoded.append(name)
            continue
        text = patients[name].astype("string").str.strip()
        present = (text.notna() & (text != "")).to_numpy()
        for label in labels[name]:
            column = f"{name}={label}"
            patients[column] = np.where(present, (text == label).fillna(False), np.nan)
            encoded.append(column)
        patients = patients.drop(columns=[name])
    return patients, encoded


def _check_rows(rows: int, source: Any, owner: str) -> None:
    if rows == 0:
        raise ValueError(f"{owner}: the table {_name(source)} has no rows; nothing to write.")


def _is_csv(source: Any) -> bool:
    """Whether ``source`` is read as a CSV file (where ``decimal`` and text parsing apply)."""
    if isinstance(source, pd.DataFrame):
        return False
    path = Path(source)
    return not (path.is_dir() or path.suffix.lower() in PARQUET_SUFFIXES)


def _name(source: Any) -> str:
    return "DataFrame" if isinstance(source, pd.DataFrame) else str(source)


def _chunks(
    source: Any,
    chunk_rows: int,
    text_columns: Sequence[Hashable],
    owner: str,
    usecols: Sequence[Hashable] | None = None,
    na_values: Any = None,
    decimal: str = ".",
) -> Iterator[pd.DataFrame]:
    """Yield the table ``chunk_rows`` rows at a time (text columns as written, stripped)."""
    check_int("chunk_rows", chunk_rows, owner=owner)
    if na_values is not None and (
        isinstance(na_values, str) or not isinstance(na_values, Sequence)
    ):
        raise TypeError(f"{owner}: na_values must be a list of markers; got {na_values!r}.")
    if decimal not in (".", ","):
        raise ValueError(f"{owner}: decimal must be '.' or ','; got {decimal!r}.")
    if isinstance(source, pd.DataFrame):
        for name in usecols or []:
            check_column(source, name, owner, "such")
        frame = source if usecols is None else source[list(usecols)]
        for begin in range(0, len(frame), chunk_rows):
            chunk = frame.iloc[begin : begin + chunk_rows]
            yield chunk.replace(list(na_values), np.nan) if na_values else chunk  # as read_ehr
        return
    path = Path(source)
    if not path.exists():
        raise FileNotFoundError(f"{owner}: no file or folder at '{path}'.")
    if not _is_csv(path):
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
        dtype={name: str for name in text_columns}, na_values=na_values, decimal=decimal,
    )  # fmt: skip
    with reader:
        for chunk in reader:  # indexed by row, counted from 0 after the header, across chunks
            if not len(chunk):
                continue
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


def _whole_patients(
    source: Any,
    id_col: Hashable,
    chunk_rows: int,
    owner: str,
    read_options: dict[str, Any],
    text_columns: Sequence[Hashable],
) -> Iterator[pd.DataFrame]:
    """Yield the table's rows a chunk at a time, each holding all rows of its patients."""
    waiting: pd.DataFrame | None = None
    for chunk in _chunks(source, chunk_rows, text_columns, owner, **read_options):
        check_column(chunk, id_col, owner, "id")
        if waiting is not None:
            chunk = pd.concat([waiting, chunk])  # the rows keep their numbers in the table
        _check_together(chunk[id_col], owner)
        last = chunk[id_col].iloc[-1]
        held = (chunk[id_col] == last).to_numpy()
        waiting = chunk[held]
        if (~held).any():
            yield chunk[~held]
    if waiting is not None and len(waiting):
        yield waiting


def _check_together(ids: pd.Series, owner: str) -> None:
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


def _static_labels(
    source: Any,
    static_cols: list[Hashable],
    chunk_rows: int,
    id_col: Hashable,
    owner: str,
    read_options: dict[str, Any],
) -> dict[Hashable, list[str]]:
    """Return the labels of each text static column over the whole table (a first pass)."""
    if not static_cols:
        return {}
    seen: dict[Hashable, set[str]] = {name: set() for name in static_cols}
    number: dict[Hashable, Any] = dict.fromkeys(static_cols)  # one value read as a number
    decimal = read_options.get("decimal", ".") if _is_csv(source) else "."  # as read there
    for chunk in _chunks(source, chunk_rows, [], owner, [id_col, *static_cols], **read_options):
        for name in static_cols:
            column = chunk[name].dropna()
            if pd.api.types.is_bool_dtype(column.dtype) or pd.api.types.is_numeric_dtype(
                column.dtype
            ):
                if len(column) and number[name] is None:
                    number[name] = column.iloc[0]
            else:
                flags = np.zeros(len(column), bool)
                if pd.api.types.is_object_dtype(column.dtype) and column.isin([True, False]).any():
                    flags = column.map(lambda value: isinstance(value, (bool, np.bool_)))
                    flags = flags.to_numpy(bool)  # True/False among gaps: numbers, not labels
                if flags.any() and number[name] is None:
                    number[name] = column[flags].iloc[0]
                present = column[~flags].astype(str).str.strip()
                present = present[present != ""]
                numeric = present.str.replace(",", ".", regex=False) if decimal == "," else present
                numbers = pd.to_numeric(numeric, errors="coerce").notna()
                if numbers.any() and number[name] is None:
                    number[name] = present[numbers].iloc[0]
                seen[name].update(present[~numbers].unique())
            if seen[name] and number[name] is not None:
                raise ValueError(
                    f"{owner}: static column {name!r} holds numbers ({show(number[name])}) and "
                    f"text ({sorted(seen[name])[0]!r}); read_ehr refuses such a column. Make it "
                    "all text (one-hot encoded) or all numbers first."
                )
    return {name: sorted(seen[name]) for name in static_cols if seen[name]}


def _stamps(data: SequenceData) -> Any:
    """Return the time stamps as the source gave them (zone-aware when it had a zone)."""
    return data.time if data.local_time is None else data.local_time


def _in_table_order(data: SequenceData, ids: np.ndarray) -> SequenceData:
    """Return the series in the order their ids first appear in the table (not sorted)."""
    position = {key: i for i, key in enumerate(data.series_ids.tolist())}
    order = [position[key] for key in ids.tolist() if key in position]  # long: some dropped
    if order == sorted(order):
        return data
    rows = np.concatenate([np.arange(data.offsets[i], data.offsets[i + 1]) for i in order])
    return SequenceData(
        data.values[rows], time=None if data.time is None else _stamps(data)[rows],
        features=data.features, groups=data.groups[rows],
        mask=None if data.mask is None else data.mask[rows], metadata=data.metadata,
    )  # fmt: skip


def _stamp_reading(
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
    for chunk in _chunks(source, chunk_rows, [], owner, [time], **read_options):
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
        for chunk in _chunks(source, chunk_rows, [], owner, [time], **read_options):
            if reads_whole(_text_stamps(chunk[time]), True, first) is None:
                formats[True] = False
                break
    for dayfirst in (False, True):
        if formats[dayfirst]:
            return {"stamp_format": stamp_format_of(first, dayfirst)}
    # Stamps of several shapes: each chunk reads them alone, in the column's day/month order
    # (a second pass over the column, needed only here).
    order = None
    for chunk in _chunks(source, chunk_rows, [], owner, [time], **read_options):
        order = merge_date_order(order, date_order(_text_stamps(chunk[time])))
        check_date_order(order, owner, time)
    return {"dayfirst": order is not None and order["day"] is not None}


def _text_stamps(column: pd.Series) -> pd.Series:
    """Return a chunk's time stamps as stripped text, without the missing ones."""
    return column.dropna().astype(str).str.strip()


def _fill_unobserved(path: Path, fill: np.ndarray) -> None:
    """Replace the NaN of unobserved entries on disk by ``fill`` (per column), in chunks."""
    if not (path / "mask.npy").exists():
        return
    values = np.load(path / "values.npy", mmap_mode="r+")
    mask = np.load(path / "mask.npy", mmap_mode="r")
    fill = np.nan_to_num(np.asarray(fill, np.float32), nan=0.0)  # never observed: 0
    for begin in range(0, len(values), CHUNK_ROWS):
        part = values[begin : begin + CHUNK_ROWS]
        missing = ~mask[begin : begin + CHUNK_ROWS] & np.isnan(part)
        if missing.any():
            part[missing] = np.broadcast_to(fill, part.shape)[missing]
    values.flush()
    del values
