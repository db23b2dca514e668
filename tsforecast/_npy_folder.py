"""The files of the on-disk format: a folder of plain ``.npy`` arrays and a ``meta.json``.

`FolderWriter` writes them row block by row block, so that memory is bounded by one block, in a
hidden folder that takes the target's place only when complete; `read_folder` maps them back
without reading them. Arrays and plain records in and out: nothing here knows `SequenceData`
(`tsforecast.storage` describes the format and writes `SequenceData` with it).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "FolderArrays",
    "FolderWriter",
    "NpyAppender",
    "check_target",
    "ids_array",
    "is_mapped",
    "plain_id",
    "read_folder",
    "time_kind",
    "write_folder",
]

FORMAT = "tsforecast.SequenceData"
VERSION = 1
# Rows written at a time when saving an array that is a strided view (bounded memory).
WRITE_ROWS = 1 << 16
# The .npy header is written with room for any shape, then rewritten in place at close.
HEADER_BYTES = 256
FILES = {"meta.json", "values.npy", "offsets.npy", "ids.npy", "time.npy", "mask.npy"}


@dataclass(frozen=True, eq=False)
class FolderArrays:
    """What one folder holds: the rows, their series, and the facts of ``meta.json``.

    Parameters
    ----------
    values : ndarray of shape (n_timesteps, n_features)
        The rows, series after series (stored as float32).
    offsets : ndarray of shape (n_series + 1,)
        Series ``i`` is rows ``offsets[i]:offsets[i + 1]``.
    ids : ndarray of shape (n_series,)
        The id of each series: all numbers or all text.
    features : tuple of str
        The column names.
    grouped : bool
        Whether the series ids come from the source (else one series, id 0).
    metadata : mapping
        JSON-serialisable facts; `read_folder` adds ``"path"``.
    time : ndarray of shape (n_timesteps,), optional
        datetime64[ns], timedelta64[ns] or float64 stamps.
    mask : bool ndarray of shape (n_timesteps, n_features), optional
        True where observed.
    """

    values: np.ndarray
    offsets: np.ndarray
    ids: np.ndarray
    features: tuple[str, ...]
    grouped: bool
    metadata: Mapping[str, Any] = field(default_factory=dict)
    time: np.ndarray | None = None
    mask: np.ndarray | None = None


class NpyAppender:
    """A ``.npy`` file written row chunk after row chunk; the header gets its shape at close."""

    def __init__(self, path: Path, dtype: np.dtype, row_shape: tuple[int, ...]) -> None:
        self.path, self.dtype, self.row_shape = path, np.dtype(dtype), row_shape
        self.n_rows = 0
        self._file = open(path, "wb")  # closed in close() or abort()
        self._file.write(npy_header(self.dtype, (0, *row_shape)))

    def write(self, rows: np.ndarray) -> None:
        """Append ``rows``, `WRITE_ROWS` at a time (a strided view is never copied whole)."""
        for begin in range(0, len(rows), WRITE_ROWS):
            part = np.ascontiguousarray(rows[begin : begin + WRITE_ROWS], dtype=self.dtype)
            self._file.write(part.tobytes())
        self.n_rows += len(rows)

    def write_constant(self, value: Any, n_rows: int) -> None:
        """Append ``n_rows`` rows holding ``value`` everywhere."""
        block = np.full((min(n_rows, WRITE_ROWS), *self.row_shape), value, self.dtype)
        for begin in range(0, n_rows, WRITE_ROWS):
            self._file.write(block[: min(WRITE_ROWS, n_rows - begin)].tobytes())
        self.n_rows += n_rows

    def close(self) -> None:
        """Write the header with the number of rows written, and close the file."""
        self._file.seek(0)
        self._file.write(npy_header(self.dtype, (self.n_rows, *self.row_shape)))
        self._file.close()

    def abort(self) -> None:
        """Close the file as it is (its folder is deleted)."""
        self._file.close()


def npy_header(dtype: np.dtype, shape: tuple[int, ...]) -> bytes:
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


class FolderWriter:
    """Write one folder's files row block by row block; they take ``path``'s place at `close`.

    The rows go to a hidden folder next to ``path`` (``.NAME.writing-*``): a writer that fails
    or is stopped leaves what was at ``path`` as it was.

    Parameters
    ----------
    path : str or Path
        The folder to write; `check_target` decides whether it may be replaced.
    overwrite : bool
        Replace a folder written before in this format.
    owner : str
        The public function's name, which errors start with.
    """

    def __init__(self, path: str | Path, *, overwrite: bool, owner: str) -> None:
        self.path, self.owner = Path(path), owner
        check_target(self.path, overwrite, owner)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.work = Path(tempfile.mkdtemp(prefix=f".{self.path.name}.writing-",
                                          dir=self.path.parent))  # fmt: skip
        self.values: NpyAppender | None = None
        self.time: NpyAppender | None = None
        self.mask: NpyAppender | None = None
        self.time_kind: str | None = None
        self.lengths: list[int] = []
        self.ids: list[Any] = []

    @property
    def n_rows(self) -> int:
        """Rows written so far."""
        return 0 if self.values is None else self.values.n_rows

    def append(
        self,
        values: np.ndarray,
        *,
        time: np.ndarray | None,
        mask: np.ndarray | None,
        lengths: list[int],
        ids: list[Any],
        continues: bool,
    ) -> None:
        """Write the next rows, checked by the caller.

        Parameters
        ----------
        values : ndarray of shape (n_rows, n_features)
            The rows.
        time : ndarray of shape (n_rows,) or None
            Their stamps: with every block or with none (the first block decides).
        mask : bool ndarray of shape (n_rows, n_features) or None
            True where observed; blocks without one count as observed.
        lengths, ids : list
            The number of rows and the id of each series of these rows, in order.
        continues : bool
            Whether the first of these series goes on the last one written.
        """
        if self.values is None:
            self.values = NpyAppender(
                self.work / "values.npy", np.dtype(np.float32), (values.shape[1],)
            )
            self.time_kind = time_kind(time)
            if time is not None:
                self.time = NpyAppender(self.work / "time.npy", time.dtype, ())
        lengths, ids = list(lengths), list(ids)
        if continues:
            self.lengths[-1] += lengths.pop(0)
            ids.pop(0)
        self.ids.extend(ids)
        self.lengths.extend(lengths)
        if mask is not None and self.mask is None:
            self.mask = NpyAppender(self.work / "mask.npy", np.dtype(bool), self.values.row_shape)
            self.mask.write_constant(True, self.values.n_rows)  # earlier rows: observed
        if self.mask is not None:
            if mask is None:
                self.mask.write_constant(True, len(values))
            else:
                self.mask.write(mask)
        self.values.write(values)
        if self.time is not None:
            self.time.write(time)

    def close(
        self, features: tuple[str, ...], *, grouped: bool, metadata: Mapping[str, Any]
    ) -> None:
        """Finish the files and put the folder at ``path``; if that fails, delete it.

        Parameters
        ----------
        features : tuple of str
            The column names.
        grouped : bool
            Whether the series ids came from the source.
        metadata : mapping
            Facts to store (JSON-serialisable).
        """
        try:
            self._finish(features, grouped, metadata)
        except BaseException:
            self.abort()  # nothing half-written stays behind
            raise

    def _finish(
        self, features: tuple[str, ...], grouped: bool, metadata: Mapping[str, Any]
    ) -> None:
        for part in (self.values, self.time, self.mask):
            if part is not None:
                part.close()
        offsets = np.concatenate([[0], np.cumsum(self.lengths)]).astype(np.int64)
        np.save(self.work / "offsets.npy", offsets)
        np.save(self.work / "ids.npy", ids_array(self.ids, self.owner), allow_pickle=False)
        meta = {
            "format": FORMAT,
            "version": VERSION,
            "n_timesteps": int(offsets[-1]),
            "n_features": len(features),
            "n_series": len(self.lengths),
            "features": list(features),
            "time": self.time_kind,
            "grouped": grouped,
            "mask": self.mask is not None,
            "metadata": _jsonable(metadata, self.owner),
        }
        (self.work / "meta.json").write_text(json.dumps(meta, indent=1))
        _replace_folder(self.path, self.work)

    def abort(self) -> None:
        """Stop writing and delete what was written; what was at ``path`` stays."""
        for part in (self.values, self.time, self.mask):
            if part is not None:
                part.abort()
        shutil.rmtree(self.work, ignore_errors=True)


def write_folder(path: str | Path, arrays: FolderArrays, *, overwrite: bool, owner: str) -> Path:
    """Write ``arrays`` as a folder at ``path`` at once (with `FolderWriter`); return ``path``."""
    folder = FolderWriter(path, overwrite=overwrite, owner=owner)
    try:
        lengths = np.diff(arrays.offsets).tolist()
        folder.append(
            arrays.values, time=arrays.time, mask=arrays.mask, lengths=lengths,
            ids=list(arrays.ids), continues=False,
        )  # fmt: skip
    except BaseException:
        folder.abort()
        raise
    folder.close(arrays.features, grouped=arrays.grouped, metadata=arrays.metadata)
    return Path(path)


def read_folder(path: str | Path) -> FolderArrays:
    """Memory-map a folder written by `FolderWriter`; nothing is read yet but the small files.

    ``values``, ``time`` and ``mask`` are read-only views of the files; ``metadata`` gets the
    folder as ``"path"``.

    Raises
    ------
    FileNotFoundError
        If the folder holds no ``meta.json``.
    ValueError
        If it is in another format or version, or was never finished.
    """
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
    metadata["path"] = str(path)
    return FolderArrays(
        values,
        offsets,
        ids,
        features=tuple(meta["features"]),
        grouped=meta["grouped"],
        metadata=metadata,
        mask=mapped("mask.npy") if meta["mask"] else None,
        time=mapped("time.npy") if meta["time"] else None,
    )


def is_mapped(array: np.ndarray) -> bool:
    """Whether ``array`` is a view of a memory-mapped file (an opened `SequenceData`'s)."""
    base = array
    while base is not None:
        if isinstance(base, np.memmap):
            return True
        base = getattr(base, "base", None)
    return False


def check_target(path: Path, overwrite: bool, owner: str) -> None:
    """Refuse a file, a link, or a folder holding anything but what `FolderWriter` writes."""
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


def _replace_folder(path: Path, written: Path) -> None:
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


def time_kind(time: np.ndarray | None) -> str | None:
    """Return ``"datetime"``, ``"timedelta"``, ``"numeric"`` or None (no time), as stored."""
    if time is None:
        return None
    return {"M": "datetime", "m": "timedelta"}.get(time.dtype.kind, "numeric")


def plain_id(series_id: Any) -> Hashable:
    """Return a series id as a plain Python value (``np.int64(3)``: ``3``) to compare or hash."""
    return series_id.item() if isinstance(series_id, np.generic) else series_id


def _id_kind(series_id: Any) -> str:
    key = plain_id(series_id)
    if isinstance(key, str):
        return "text"
    if isinstance(key, (int, float)) and not isinstance(key, bool):
        return "number"
    return type(key).__name__


def ids_array(ids: list[Any], owner: str) -> np.ndarray:
    """Return the series ids as an array to store: all numbers or all text (``owner`` errs)."""
    kinds = {_id_kind(value) for value in ids}
    if len(kinds) > 1 or not kinds <= {"number", "text"}:
        raise TypeError(
            f"{owner}: series ids must all be numbers or all be text to store (as they "
            f"come back); got {sorted(kinds)}. Convert them to one kind (e.g. str) first."
        )
    array = np.asarray(ids)
    return array.astype(str) if array.dtype.kind == "O" else array


def _jsonable(value: Any, owner: str) -> Any:
    if isinstance(value, Mapping):
        return {str(key): _jsonable(item, owner) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item, owner) for item in value]
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (pd.Timestamp, pd.Timedelta, np.ndarray)):
        return str(value)
    raise TypeError(
        f"{owner}: metadata value {value!r} ({type(value).__name__}) cannot be stored as "
        "JSON; keep metadata to text, numbers, lists and mappings."
    )
