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

from tsforecast._checks import show
from tsforecast._npy_folder import check_target
from tsforecast.adapters._stamps import parse_datetimes
from tsforecast.adapters._table_chunks import (
    check_together,
    source_name,
    stamp_reading,
    table_chunks,
    whole_patients,
)
from tsforecast.adapters._tables import without_marks
from tsforecast.adapters.ehr import _read_patients, check_static
from tsforecast.sequences import SequenceData
from tsforecast.storage import SequenceWriter

__all__ = ["write_ehr", "write_table"]

CHUNK_ROWS = 1_000_000


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
    thousands: str | None = None,
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
    thousands : {",", ".", " ", "'"}, optional
        Thousands mark of the numbers in a CSV file (``","`` for ``1,234.5``); none by default.
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
    check_target(Path(path), overwrite, owner)  # before any pass over the table
    text = [] if group is None else [group]
    read_options = {"na_values": na_values, "decimal": decimal, "thousands": thousands}
    reading = stamp_reading(source, time, chunk_rows, owner, read_options)
    with SequenceWriter(
        path, overwrite=overwrite, metadata={"source": source_name(source)}
    ) as writer:
        for chunk in table_chunks(source, chunk_rows, text, owner, **read_options):
            if group is not None and group in chunk:
                check_together(chunk[group], owner)
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
        ``time_delta``, ``resample``, ``event_cols``, ``na_values``, ``decimal``,
        ``thousands``.

    Returns
    -------
    SequenceData
        The written data, opened (memory-mapped).
    """
    owner = "write_ehr"
    _check_ehr_options(value_cols, static_cols, leading_fill, options, owner)
    check_target(Path(path), overwrite, owner)  # before any pass over the table
    static_cols = list(static_cols or [])
    read_options = {name: options.get(name) for name in ("na_values", "decimal", "thousands")}
    read_options["decimal"] = read_options["decimal"] or "."
    labels = _static_labels(source, static_cols, chunk_rows, id_col, owner, read_options)
    fill = np.nan if leading_fill == "mean" else 0.0 if leading_fill == "zero" else leading_fill
    reading = stamp_reading(source, time_col, chunk_rows, owner, read_options)
    values = _ValuesSeen(value_cols, options.get("variable_col"), options.get("value_col"))
    statics, rows = _StaticMeans(), 0
    with SequenceWriter(
        path, overwrite=overwrite, metadata={"source": source_name(source)}
    ) as writer:
        for patients in whole_patients(
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
               "na_values", "decimal", "thousands")  # fmt: skip


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
                    f"{source_name(source)}; check value_cols=[...]."
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
        raise ValueError(f"{owner}: the table {source_name(source)} has no rows; nothing to write.")


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
    decimal = read_options.get("decimal") or "."  # as read there (a file or a DataFrame)
    thousands = read_options.get("thousands")
    for chunk in table_chunks(
        source, chunk_rows, [], owner, [id_col, *static_cols], **read_options
    ):
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
                numeric = without_marks(present, decimal, thousands)
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
