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
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tsforecast.adapters._tables import _separator, needs_dayfirst, parse_datetimes
from tsforecast.adapters.ehr import read_ehr
from tsforecast.data import SequenceData
from tsforecast.storage import SequenceWriter

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
        Replace a directory written before.

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
    text = [] if group is None else [group]
    read_options = {"na_values": na_values, "decimal": decimal}
    dayfirst = _dayfirst(source, time, chunk_rows, owner, read_options)
    with SequenceWriter(path, overwrite=overwrite, metadata={"source": _name(source)}) as writer:
        for chunk in _chunks(source, chunk_rows, text, owner, **read_options):
            if dayfirst is not None:
                chunk = chunk.assign(**{time: parse_datetimes(chunk[time], owner, time, dayfirst)})
            data = SequenceData.from_frame(
                chunk, time=time, group=group, columns=columns, allow_missing=allow_missing
            )
            if columns is None:
                columns = [name for name in chunk.columns if name not in (time, group)]
            writer.append(data)
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
        Replace a directory written before.
    **options
        `read_ehr`'s other options: ``variable_col``, ``value_col``, ``keep``,
        ``time_delta``, ``resample``, ``event_cols``, ``na_values``, ``decimal``.

    Returns
    -------
    SequenceData
        The written data, opened (memory-mapped).
    """
    owner = "write_ehr"
    if value_cols is None:
        raise ValueError(
            f"{owner}: pass value_cols=[...]; read_ehr's default (the columns that change within "
            "a patient) depends on which patients a chunk holds."
        )
    if leading_fill == "median":
        raise ValueError(
            f"{owner}: leading_fill='median' needs every value of a column at once; use 'mean' "
            "(computed in a pass over the written data), 'zero' or a number."
        )
    if leading_fill not in ("mean", "zero") and not isinstance(leading_fill, (int, float)):
        raise ValueError(f"{owner}: leading_fill must be 'mean', 'zero' or a number; got "
                         f"{leading_fill!r}.")  # fmt: skip
    static_cols = list(static_cols or [])
    read_options = {"na_values": options.get("na_values"), "decimal": options.get("decimal", ".")}
    labels = _static_labels(source, static_cols, chunk_rows, id_col, owner, read_options)
    fill = np.nan if leading_fill == "mean" else 0.0 if leading_fill == "zero" else leading_fill
    dayfirst = _dayfirst(source, time_col, chunk_rows, owner, read_options)
    with SequenceWriter(path, overwrite=overwrite, metadata={"source": _name(source)}) as writer:
        for patients in _whole_patients(source, id_col, chunk_rows, owner, read_options):
            if dayfirst is not None:
                stamps = parse_datetimes(patients[time_col], owner, time_col, dayfirst)
                patients = patients.assign(**{time_col: stamps})
            data = read_ehr(
                patients, id_col=id_col, time_col=time_col, value_cols=value_cols,
                static_cols=static_cols or None, leading_fill=fill, **options,
            )  # fmt: skip
            data = _in_table_order(data, pd.unique(patients[id_col]))
            writer.append(_with_labels(data, labels, static_cols))
        writer.metadata["n_patients"] = writer.n_series  # the first chunk's count otherwise
        means = writer.observed_means()
    if leading_fill == "mean":
        _fill_unobserved(Path(path), means)
    return SequenceData.open(path)


def _is_time(column: pd.Series) -> bool:
    """Whether ``column`` holds numbers or datetimes already (not text to parse)."""
    dtype = column.dtype
    return pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_datetime64_any_dtype(dtype)


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
    if isinstance(source, pd.DataFrame):
        frame = source if usecols is None else source[list(usecols)]
        for begin in range(0, len(frame), chunk_rows):
            yield frame.iloc[begin : begin + chunk_rows]
        return
    path = Path(source)
    if not path.exists():
        raise FileNotFoundError(f"{owner}: no file or folder at '{path}'.")
    if path.is_dir() or path.suffix.lower() in PARQUET_SUFFIXES:
        yield from _parquet_chunks(path, chunk_rows, owner, usecols)
        return
    reader = pd.read_csv(
        path, chunksize=chunk_rows, sep=_separator(path, 0), usecols=usecols,
        dtype={name: str for name in text_columns}, na_values=na_values, decimal=decimal,
    )  # fmt: skip
    with reader:
        for chunk in reader:
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
    for file in files:
        table = pq.ParquetFile(file)
        columns = None if usecols is None else list(usecols)
        for batch in table.iter_batches(batch_size=chunk_rows, columns=columns):
            yield batch.to_pandas()


def _whole_patients(
    source: Any, id_col: Hashable, chunk_rows: int, owner: str, read_options: dict[str, Any]
) -> Iterator[pd.DataFrame]:
    """Yield the table's rows a chunk at a time, each holding all rows of its patients."""
    waiting: pd.DataFrame | None = None
    for chunk in _chunks(source, chunk_rows, [id_col], owner, **read_options):
        if id_col not in chunk.columns:
            raise ValueError(f"{owner}: no column {id_col!r}; columns: {list(chunk.columns)}.")
        if waiting is not None:
            chunk = pd.concat([waiting, chunk], ignore_index=True)
        last = chunk[id_col].iloc[-1]
        held = (chunk[id_col] == last).to_numpy()
        waiting = chunk[held]
        if (~held).any():
            yield chunk[~held]
    if waiting is not None and len(waiting):
        yield waiting


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
    numeric = dict.fromkeys(static_cols, True)
    for chunk in _chunks(source, chunk_rows, static_cols, owner, [id_col, *static_cols],
                         **read_options):  # fmt: skip
        for name in static_cols:
            column = chunk[name]
            if pd.api.types.is_numeric_dtype(column.dtype):
                continue
            present = column.dropna().astype(str).str.strip()
            present = present[present != ""]
            seen[name].update(present.unique())
            numeric[name] &= bool(pd.to_numeric(present, errors="coerce").notna().all())
    return {name: sorted(seen[name]) for name in static_cols if not numeric[name]}


def _with_labels(
    data: SequenceData, labels: dict[Hashable, list[str]], static_cols: list[Hashable]
) -> SequenceData:
    """Give the chunk a one-hot column for every label of the table (0 for labels it lacks).

    The columns come in `read_ehr`'s order: the measurements (and the time since the previous
    visit), then each static column in ``static_cols``' order, a text one as its labels.
    """
    if not labels:
        return data
    statics = {str(name) for name in static_cols}

    def static_part(name: str) -> bool:
        return name in statics or any(name.startswith(f"{static}=") for static in labels)

    expected = [name for name in data.features if not static_part(name)]
    for static in static_cols:
        if static in labels:
            expected.extend(f"{static}={label}" for label in labels[static])
        else:
            expected.append(str(static))
    if list(data.features) == expected:
        return data
    frame = pd.DataFrame(data.values, columns=list(data.features))
    observed = pd.DataFrame(
        np.ones(data.values.shape, bool) if data.mask is None else data.mask,
        columns=list(data.features),
    )
    for static in labels:
        ours = [name for name in data.features if name.startswith(f"{static}=")]
        known = observed[ours].any(axis=1) if ours else pd.Series(False, index=frame.index)
        for name in (f"{static}={label}" for label in labels[static]):
            if name not in frame:
                frame[name] = np.where(known, 0.0, np.nan)
                observed[name] = known
    return SequenceData(
        frame[expected].to_numpy(np.float32), time=_stamps(data), features=expected,
        groups=data.groups, mask=observed[expected].to_numpy(), metadata=data.metadata,
    )  # fmt: skip


def _stamps(data: SequenceData) -> Any:
    """Return the time stamps as the source gave them (zone-aware when it had a zone)."""
    return data.time if data.local_time is None else data.local_time


def _in_table_order(data: SequenceData, ids: np.ndarray) -> SequenceData:
    """Return the series in the order their ids first appear in the table (not sorted)."""
    position = {key: i for i, key in enumerate(data.series_ids.tolist())}
    order = [position[key] for key in ids.tolist()]
    if order == sorted(order):
        return data
    rows = np.concatenate([np.arange(data.offsets[i], data.offsets[i + 1]) for i in order])
    return SequenceData(
        data.values[rows], time=None if data.time is None else _stamps(data)[rows],
        features=data.features, groups=data.groups[rows],
        mask=None if data.mask is None else data.mask[rows], metadata=data.metadata,
    )  # fmt: skip


def _dayfirst(
    source: Any, time: Hashable | None, chunk_rows: int, owner: str, read_options: dict[str, Any]
) -> bool | None:
    """Return whether text dates of ``time`` read day first (a pass over that column only).

    None when ``time`` is not a column of text (numbers and datetimes are read as they are).
    """
    if time is None:
        return None
    text, dayfirst = False, False
    for chunk in _chunks(source, chunk_rows, [], owner, [time], **read_options):
        if time not in chunk.columns or _is_time(chunk[time]):
            return None
        text = True
        dayfirst = dayfirst or needs_dayfirst(chunk[time])
    return dayfirst if text else None


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
