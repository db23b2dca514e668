"""On-disk `SequenceData`: a directory of plain ``.npy`` files, memory-mapped when opened.

The format (version 1), one directory::

    meta.json     features, row/series counts, time kind, metadata, format version
    values.npy    float32 (n_timesteps, n_features), series after series
    offsets.npy   int64 (n_series + 1,): series i is rows offsets[i]:offsets[i + 1]
    ids.npy       (n_series,): the id of each series (numbers or text)
    time.npy      optional: datetime64[ns] (UTC when the source had a zone) or float64
    mask.npy      optional: bool (n_timesteps, n_features), True where observed

Every file is a plain NumPy array: ``numpy.load`` reads it without tsforecast.

`SequenceWriter` builds such a directory chunk by chunk, so that data larger than memory never
has to be held at once; `open_sequence` (``SequenceData.open``) maps it without reading it:
rows are read from disk (into the page cache, not the process's own memory) when used.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tsforecast._checks import show
from tsforecast.data import SequenceData

__all__ = ["SequenceWriter", "open_sequence", "save_sequence"]

FORMAT = "tsforecast.SequenceData"
VERSION = 1
# Rows written at a time when saving an array that is a strided view (bounded memory).
WRITE_ROWS = 1 << 16
# What to do with a table whose series are not sorted (one series' rows scattered).
SORT_ADVICE = (
    "the rows are not sorted by series. Sort the table by (series id, time) before writing it "
    "(for a table larger than memory: an external sort, e.g. `sort -t, -k1,1 -k2,2` on a CSV, "
    "or DuckDB's COPY (SELECT * ... ORDER BY id, time) on Parquet)."
)
# The .npy header is written with room for any shape, then rewritten in place at close.
HEADER_BYTES = 256


class _NpyAppender:
    """A ``.npy`` file written row chunk after row chunk; the header gets its shape at close."""

    def __init__(self, path: Path, dtype: np.dtype, row_shape: tuple[int, ...]) -> None:
        self.path, self.dtype, self.row_shape = path, np.dtype(dtype), row_shape
        self.n_rows = 0
        self._file = open(path, "wb")  # closed in close() or abort()
        self._file.write(_npy_header(self.dtype, (0, *row_shape)))

    def write(self, rows: np.ndarray) -> None:
        for begin in range(0, len(rows), WRITE_ROWS):
            part = np.ascontiguousarray(rows[begin : begin + WRITE_ROWS], dtype=self.dtype)
            self._file.write(part.tobytes())
        self.n_rows += len(rows)

    def write_constant(self, value: Any, n_rows: int) -> None:
        block = np.full((min(n_rows, WRITE_ROWS), *self.row_shape), value, self.dtype)
        for begin in range(0, n_rows, WRITE_ROWS):
            self._file.write(block[: min(WRITE_ROWS, n_rows - begin)].tobytes())
        self.n_rows += n_rows

    def close(self) -> None:
        self._file.seek(0)
        self._file.write(_npy_header(self.dtype, (self.n_rows, *self.row_shape)))
        self._file.close()

    def abort(self) -> None:
        self._file.close()


def _npy_header(dtype: np.dtype, shape: tuple[int, ...]) -> bytes:
    """Return a version 1.0 ``.npy`` header of exactly `HEADER_BYTES` bytes, as numpy.load reads."""
    described = {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False}
    text = repr({**described, "shape": shape})
    room = HEADER_BYTES - 10 - 1  # magic (6) + version (2) + length (2); newline at the end
    return (
        b"\x93NUMPY\x01\x00"
        + (HEADER_BYTES - 10).to_bytes(2, "little")
        + text.ljust(room).encode("latin1")
        + b"\n"
    )


class SequenceWriter:
    """Write a `SequenceData` to disk chunk by chunk, with memory bounded by one chunk.

    Chunks arrive in row order: series after series, each in time order. A chunk may hold
    several series, and a series may run over several chunks (a chunk whose first series id is
    the previous chunk's last continues that series). The result opens with
    `SequenceData.open`.

    Parameters
    ----------
    path : str or Path
        The directory to write (created).
    overwrite : bool, default=False
        Replace a directory written before by `SequenceWriter` (or `SequenceData.save`).
        Without it an existing, non-empty directory is an error; a file, a symbolic link, a
        directory tsforecast did not write, or one holding other files too, is never replaced.
        The rows go to a hidden folder next to ``path`` (``.NAME.writing-*``) that takes its
        place only at `close`: a writer that fails or is stopped leaves what was at ``path``
        as it was.
    metadata : mapping, optional
        Facts to store with the data (JSON-serialisable), over the first chunk's own metadata
        (later chunks' metadata is not read). ``writer.metadata`` can be updated until
        `close`, e.g. with counts known only at the end.

    Examples
    --------
    >>> import numpy as np, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> with SequenceWriter(folder + "/data") as writer:
    ...     writer.append(np.arange(6.0), groups=["a", "a", "a", "b", "b", "b"])
    ...     writer.append(np.arange(2.0), groups=["b", "b"])  # series "b" goes on
    >>> data = SequenceData.open(folder + "/data")
    >>> data.n_timesteps, data.series_ids.tolist(), data.series_lengths.tolist()
    (8, ['a', 'b'], [3, 5])
    """

    def __init__(
        self,
        path: str | Path,
        *,
        overwrite: bool = False,
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        self.path = Path(path)
        _check_target(self.path, overwrite, "SequenceWriter")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._work = Path(tempfile.mkdtemp(prefix=f".{self.path.name}.writing-",
                                           dir=self.path.parent))  # fmt: skip
        self.metadata = dict(metadata or {})
        self._values: _NpyAppender | None = None
        self._time: _NpyAppender | None = None
        self._mask: _NpyAppender | None = None
        self._features: tuple[str, ...] | None = None
        self._time_kind: str | None = None
        self._grouped = False
        self._lengths: list[int] = []
        self._ids: list[Any] = []
        self._seen: set[Any] = set()
        self._last_time: Any = None
        self._closed = False
        self._observed_sum: np.ndarray | None = None
        self._observed_count: np.ndarray | None = None

    @property
    def n_series(self) -> int:
        """Series written so far."""
        return len(self._lengths)

    @property
    def n_timesteps(self) -> int:
        """Rows written so far."""
        return 0 if self._values is None else self._values.n_rows

    def observed_means(self) -> np.ndarray:
        """Return each column's mean over the observed, finite values written (NaN if none)."""
        if self._observed_sum is None:
            raise ValueError("SequenceWriter: nothing was appended yet.")
        with np.errstate(invalid="ignore", divide="ignore"):
            return self._observed_sum / self._observed_count

    def append(
        self, values: Any, *, groups: Any = None, time: Any = None, mask: Any = None
    ) -> None:
        """Write the next rows.

        Parameters
        ----------
        values : array-like of shape (n_rows, n_features), or SequenceData
            The rows (validated as by `SequenceData`). A `SequenceData` brings its own time,
            groups, mask, features and metadata; the other arguments must then be None.
        groups : array-like of shape (n_rows,), optional
            Series id of each row; None continues (or starts) one single series.
        time : array-like of shape (n_rows,), optional
            Time stamps; given for every chunk or for none.
        mask : bool array-like of shape (n_rows, n_features), optional
            True where observed. Rows of chunks without a mask count as observed.

        Raises
        ------
        ValueError
            If the chunk's features, time kind or series do not fit what was written: a series
            that appears again after another one (the rows are not sorted by series), or time
            that does not increase across two chunks of one series.
        """
        if self._closed:
            raise ValueError("SequenceWriter: append after close; open a new writer.")
        if isinstance(values, SequenceData):
            if groups is not None or time is not None or mask is not None:
                raise ValueError(
                    "SequenceWriter.append: values is a SequenceData, which carries its own "
                    "groups, time and mask; do not pass them as well."
                )
            chunk = values
        else:
            chunk = SequenceData(values, time=time, groups=groups, mask=mask)
        try:
            self._check_chunk(chunk)
        except (TypeError, ValueError):
            self.abort()
            raise
        self._write_chunk(chunk)

    def _check_chunk(self, chunk: SequenceData) -> None:
        owner = "SequenceWriter.append"
        if self._features is None:
            return
        if chunk.n_features != len(self._features):
            raise ValueError(
                f"{owner}: this chunk has {chunk.n_features} columns but the data written so far "
                f"has {len(self._features)} ({list(self._features)}); every chunk needs the same "
                "columns."
            )
        time_kind = _time_kind(chunk)
        if time_kind != self._time_kind:
            raise ValueError(
                f"{owner}: this chunk's time is {time_kind or 'absent'} but earlier chunks' was "
                f"{self._time_kind or 'absent'}; give every chunk time stamps of one kind, or none."
            )
        zone = chunk.metadata.get("time_zone")
        if zone != self.metadata.get("time_zone") and time_kind == "datetime":
            raise ValueError(
                f"{owner}: this chunk's time zone is {zone} but earlier chunks' was "
                f"{self.metadata.get('time_zone')}; convert every chunk to one zone."
            )
        first_id = chunk.series_ids[0]
        continues = self._ids and (chunk.groups is None or _same(first_id, self._ids[-1]))
        if (chunk.groups is None) == self._grouped and self._ids:
            raise ValueError(
                f"{owner}: {'this chunk has' if chunk.groups is not None else 'earlier chunks had'}"
                " series ids and the others not; pass groups= with every chunk, or with none."
            )
        if continues and self._last_time is not None and chunk.time[0] <= self._last_time:
            raise ValueError(
                f"{owner}: series {show(self._ids[-1])} goes on in this chunk, but its time "
                f"{chunk.time[0]} is not after the last one written ({self._last_time}). Rows "
                "of a series must come in increasing time."
            )
        new_ids = chunk.series_ids[1:] if continues else chunk.series_ids
        _ids_array([self._ids[0], *new_ids])  # one kind of id (numbers or text) throughout
        for series_id in new_ids:
            key = _key(series_id)
            if key in self._seen:
                raise ValueError(
                    f"{owner}: series {show(series_id)} appears again after other series: "
                    + SORT_ADVICE
                )

    def _write_chunk(self, chunk: SequenceData) -> None:
        if self._features is None:
            self._features = chunk.features
            self._time_kind = _time_kind(chunk)
            self._grouped = chunk.groups is not None
            self.metadata = {**chunk.metadata, **self.metadata}
            self._values = _NpyAppender(
                self._work / "values.npy", np.dtype(np.float32), (chunk.n_features,)
            )
            if chunk.time is not None:
                self._time = _NpyAppender(self._work / "time.npy", chunk.time.dtype, ())
        lengths = chunk.series_lengths.tolist()
        ids = list(chunk.series_ids)
        if self._ids and (chunk.groups is None or _same(ids[0], self._ids[-1])):
            self._lengths[-1] += lengths.pop(0)
            ids.pop(0)
        for series_id in ids:
            self._seen.add(_key(series_id))
        self._ids.extend(ids)
        self._lengths.extend(lengths)
        if chunk.mask is not None and self._mask is None:
            self._mask = _NpyAppender(
                self._work / "mask.npy", np.dtype(bool), self._values.row_shape
            )
            self._mask.write_constant(True, self._values.n_rows)  # earlier rows: observed
        if self._mask is not None:
            if chunk.mask is None:
                self._mask.write_constant(True, chunk.n_timesteps)
            else:
                self._mask.write(chunk.mask)
        self._values.write(chunk.values)
        self._count_observed(chunk)
        if self._time is not None:
            self._time.write(chunk.time)
            self._last_time = chunk.time[-1]

    def _count_observed(self, chunk: SequenceData) -> None:
        """Add the chunk's observed, finite values to the column sums (block by block)."""
        if self._observed_sum is None:
            self._observed_sum = np.zeros(chunk.n_features)
            self._observed_count = np.zeros(chunk.n_features, np.int64)
        for begin in range(0, chunk.n_timesteps, WRITE_ROWS):
            block = chunk.values[begin : begin + WRITE_ROWS]
            seen = np.isfinite(block)
            if chunk.mask is not None:
                seen &= chunk.mask[begin : begin + WRITE_ROWS]
            self._observed_sum += np.where(seen, block, 0.0).sum(axis=0)
            self._observed_count += seen.sum(axis=0)

    def close(self) -> None:
        """Finish the files; the directory then opens with `SequenceData.open`."""
        if self._closed:
            return
        if self._values is None:
            self.abort()
            raise ValueError("SequenceWriter: nothing was appended; a SequenceData needs rows.")
        try:
            self._finish()
        except BaseException:
            self.abort()  # nothing half-written stays behind
            raise

    def _finish(self) -> None:
        self._closed = True
        for part in (self._values, self._time, self._mask):
            if part is not None:
                part.close()
        offsets = np.concatenate([[0], np.cumsum(self._lengths)]).astype(np.int64)
        np.save(self._work / "offsets.npy", offsets)
        np.save(self._work / "ids.npy", _ids_array(self._ids), allow_pickle=False)
        meta = {
            "format": FORMAT,
            "version": VERSION,
            "n_timesteps": int(offsets[-1]),
            "n_features": len(self._features),
            "n_series": len(self._lengths),
            "features": list(self._features),
            "time": self._time_kind,
            "grouped": self._grouped,
            "mask": self._mask is not None,
            "metadata": _jsonable(self.metadata),
        }
        (self._work / "meta.json").write_text(json.dumps(meta, indent=1))
        _replace(self.path, self._work)

    def abort(self) -> None:
        """Stop writing and delete what was written; what was at ``path`` stays."""
        self._closed = True
        for part in (self._values, self._time, self._mask):
            if part is not None:
                part.abort()
        shutil.rmtree(self._work, ignore_errors=True)

    def __enter__(self) -> SequenceWriter:
        """Return the writer; leaving the block closes it (or deletes it after an error)."""
        return self

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None:
        """Close the writer, or abort it when the block raised."""
        if kind is None:
            self.close()
        elif not self._closed:
            self.abort()


def save_sequence(data: SequenceData, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write ``data`` in the on-disk format (see `SequenceData.save`)."""
    with SequenceWriter(path, overwrite=overwrite) as writer:
        writer._write_chunk(data)  # already valid: no second check
    return Path(path)


def open_sequence(path: str | Path) -> SequenceData:
    """Memory-map a directory written by `SequenceWriter` (see `SequenceData.open`)."""
    path = Path(path)
    meta_path = path / "meta.json"
    if not meta_path.is_file():
        raise FileNotFoundError(
            f"SequenceData.open: {path} holds no meta.json; it is not a directory written by "
            "SequenceData.save or SequenceWriter."
        )
    meta = json.loads(meta_path.read_text())
    if meta.get("format") != FORMAT or meta.get("version") != VERSION:
        raise ValueError(
            f"SequenceData.open: {path} is in format {meta.get('format')!r} version "
            f"{meta.get('version')!r}; this tsforecast reads {FORMAT!r} version {VERSION}."
        )

    def mapped(name: str) -> np.ndarray:
        # A plain ndarray over the map (not np.memmap): NumPy and torch treat it as any array.
        return np.asarray(np.load(path / name, mmap_mode="r", allow_pickle=False))

    values = mapped("values.npy")
    expected = (meta["n_timesteps"], meta["n_features"])
    if values.shape != expected:
        raise ValueError(
            f"SequenceData.open: values.npy has shape {values.shape}, meta.json says {expected}; "
            "the directory is incomplete (was the writer closed?)."
        )
    offsets = np.load(path / "offsets.npy")
    ids = np.load(path / "ids.npy", allow_pickle=False)
    metadata = dict(meta["metadata"])
    if "index_names" in metadata:
        metadata["index_names"] = tuple(metadata["index_names"])
    metadata["path"] = str(path)
    return SequenceData._trusted(
        values,
        offsets,
        ids,
        groups=RowIds(offsets, ids) if meta["grouped"] else None,
        mask=mapped("mask.npy") if meta["mask"] else None,
        features=tuple(meta["features"]),
        time=mapped("time.npy") if meta["time"] else None,
        metadata=metadata,
    )


def is_mapped(array: np.ndarray) -> bool:
    """Whether ``array`` is a view of a memory-mapped file (an opened `SequenceData`'s)."""
    base = array
    while base is not None:
        if isinstance(base, np.memmap):
            return True
        base = getattr(base, "base", None)
    return False


class RowIds:
    """The series id of every row, computed from the series offsets instead of stored.

    Behaves as a read-only 1-D array for what reads ``SequenceData.groups``: ``len``,
    indexing by slices and integer arrays, and ``numpy.asarray`` (which builds the full array,
    one id per row).
    """

    ndim = 1

    def __init__(self, offsets: np.ndarray, ids: np.ndarray) -> None:
        self.offsets, self.ids = offsets, ids

    @property
    def shape(self) -> tuple[int]:
        """``(n_timesteps,)``."""
        return (int(self.offsets[-1]),)

    @property
    def dtype(self) -> np.dtype:
        """The ids' dtype."""
        return self.ids.dtype

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, rows: Any) -> Any:
        """Return the ids of rows: a slice, integer positions (negative from the end), a mask."""
        if isinstance(rows, slice):
            positions = np.arange(*rows.indices(len(self)))  # only the rows asked for
        else:
            positions = np.asarray(rows)
            if positions.dtype == np.bool_:
                positions = np.flatnonzero(positions)
            positions = np.where(positions < 0, positions + len(self), positions)
            if positions.size and (positions.min() < 0 or positions.max() >= len(self)):
                raise IndexError(f"row index out of range for {len(self)} rows.")
        series = np.searchsorted(self.offsets, positions, side="right") - 1
        return self.ids[series]

    def __eq__(self, other: Any) -> Any:
        """Compare row by row, as the per-row array would (``groups == "a"``)."""
        return np.asarray(self) == other

    def __ne__(self, other: Any) -> Any:
        """Compare row by row, as the per-row array would."""
        return np.asarray(self) != other

    __hash__ = None  # arrays are not hashable either

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        rows = np.repeat(self.ids, np.diff(self.offsets))
        return rows if dtype is None else rows.astype(dtype)


FILES = {"meta.json", "values.npy", "offsets.npy", "ids.npy", "time.npy", "mask.npy"}


def _check_target(path: Path, overwrite: bool, owner: str) -> None:
    """Refuse a file, a link, or a folder holding anything but what `SequenceWriter` writes."""
    if path.is_symlink():
        raise FileExistsError(
            f"{owner}: {path} is a symbolic link; give the folder itself ({path.resolve()}) or a "
            "new path."
        )
    if path.exists() and not path.is_dir():
        raise FileExistsError(
            f"{owner}: {path} is a file; the on-disk format is a directory, and a file is never "
            "replaced. Choose a new path (e.g. a folder next to it)."
        )
    if not path.is_dir() or not any(path.iterdir()):
        return
    if not overwrite:
        raise FileExistsError(
            f"{owner}: {path} exists and is not empty; pass overwrite=True to replace it, "
            "or choose a new path."
        )
    others = sorted(entry.name for entry in path.iterdir() if entry.name not in FILES)
    if not _written_here(path) or others:
        held = f" (it holds {others[:3]})" if others else ""
        raise FileExistsError(
            f"{owner}: {path} is a non-empty directory that tsforecast did not write{held}; "
            "overwrite=True replaces only a directory written by SequenceWriter, with nothing "
            "else in it. Move your files out, or choose a new path."
        )


def _written_here(path: Path) -> bool:
    """Whether ``path/meta.json`` is the header of this format (not another tool's)."""
    try:
        return json.loads((path / "meta.json").read_text()).get("format") == FORMAT
    except (OSError, ValueError, AttributeError):
        return False


def _replace(path: Path, written: Path) -> None:
    """Put the finished directory ``written`` at ``path``; what was there goes only then."""
    if path.is_dir() and not any(path.iterdir()):
        path.rmdir()
    if not path.exists():
        written.rename(path)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{path.name}.old-", dir=path.parent))
    old.rmdir()
    path.rename(old)
    try:
        written.rename(path)
    except BaseException:
        old.rename(path)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _time_kind(chunk: SequenceData) -> str | None:
    if chunk.time is None:
        return None
    return {"M": "datetime", "m": "timedelta"}.get(chunk.time.dtype.kind, "numeric")


def _key(series_id: Any) -> Hashable:
    return series_id.item() if isinstance(series_id, np.generic) else series_id


def _same(a: Any, b: Any) -> bool:
    return type(_key(a)) is type(_key(b)) and _key(a) == _key(b)


def _id_kind(series_id: Any) -> str:
    key = _key(series_id)
    if isinstance(key, str):
        return "text"
    if isinstance(key, (int, float)) and not isinstance(key, bool):
        return "number"
    return type(key).__name__


def _ids_array(ids: list[Any]) -> np.ndarray:
    kinds = {_id_kind(value) for value in ids}
    if len(kinds) > 1 or not kinds <= {"number", "text"}:
        raise TypeError(
            f"SequenceWriter: series ids must all be numbers or all be text to store (as they "
            f"come back); got {sorted(kinds)}. Convert them to one kind (e.g. str) first."
        )
    array = np.asarray(ids)
    return array.astype(str) if array.dtype.kind == "O" else array


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (pd.Timestamp, pd.Timedelta, np.ndarray)):
        return str(value)
    raise TypeError(
        f"SequenceWriter: metadata value {value!r} ({type(value).__name__}) cannot be stored as "
        "JSON; keep metadata to text, numbers, lists and mappings."
    )
