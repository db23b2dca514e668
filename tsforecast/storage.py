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

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from tsforecast._checks import show
from tsforecast._npy_folder import (
    WRITE_ROWS,
    FolderWriter,
    NpyAppender,
    ids_array,
    plain_id,
    time_kind,
)
from tsforecast.sequences import SequenceData

__all__ = ["SequenceWriter", "open_sequence", "save_sequence"]

# What to do with a table whose series are not sorted (one series' rows scattered).
SORT_ADVICE = (
    "the rows are not sorted by series. Sort the table by (series id, time) before writing it "
    "(for a table larger than memory: an external sort that keeps the header first, e.g. "
    "`(head -n 1 in.csv; tail -n +2 in.csv | LC_ALL=C sort -t, -k1,1 -k2,2g) > sorted.csv` "
    "for ids in column 1 and numeric times in column 2 (-k2,2 for ISO dates; no quoted "
    "commas), or DuckDB's "
    "COPY (SELECT * ... ORDER BY id, time) on Parquet)."
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
        self._folder = FolderWriter(path, overwrite=overwrite, owner="SequenceWriter")
        self.path = self._folder.path
        self.metadata = dict(metadata or {})
        self._features: tuple[str, ...] | None = None
        self._grouped = False
        self._seen: set[Any] = set()
        self._last_time: Any = None
        self._closed = False
        self._observed_sum: np.ndarray | None = None
        self._observed_count: np.ndarray | None = None

    @property
    def n_series(self) -> int:
        """Series written so far."""
        return len(self._folder.lengths)

    @property
    def n_timesteps(self) -> int:
        """Rows written so far."""
        return self._folder.n_rows

    # The hidden folder being written, and its values file (tests stop a writer half-way).
    @property
    def _work(self) -> Path:
        return self._folder.work

    @property
    def _values(self) -> NpyAppender | None:
        return self._folder.values

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
        kind, written = time_kind(chunk.time), self._folder.time_kind
        if kind != written:
            raise ValueError(
                f"{owner}: this chunk's time is {kind or 'absent'} but earlier chunks' was "
                f"{written or 'absent'}; give every chunk time stamps of one kind, or none."
            )
        zone = chunk.metadata.get("time_zone")
        if zone != self.metadata.get("time_zone") and kind == "datetime":
            raise ValueError(
                f"{owner}: this chunk's time zone is {zone} but earlier chunks' was "
                f"{self.metadata.get('time_zone')}; convert every chunk to one zone."
            )
        written_ids = self._folder.ids
        continues = self._continues(chunk)
        if (chunk.groups is None) == self._grouped and written_ids:
            raise ValueError(
                f"{owner}: {'this chunk has' if chunk.groups is not None else 'earlier chunks had'}"
                " series ids and the others not; pass groups= with every chunk, or with none."
            )
        if continues and self._last_time is not None and chunk.time[0] <= self._last_time:
            raise ValueError(
                f"{owner}: series {show(written_ids[-1])} goes on in this chunk, but its time "
                f"{chunk.time[0]} is not after the last one written ({self._last_time}). Rows "
                "of a series must come in increasing time."
            )
        new_ids = chunk.series_ids[1:] if continues else chunk.series_ids
        ids_array([written_ids[0], *new_ids], "SequenceWriter")  # one kind of id throughout
        for series_id in new_ids:
            key = plain_id(series_id)
            if key in self._seen:
                raise ValueError(
                    f"{owner}: series {show(series_id)} appears again after other series: "
                    + SORT_ADVICE
                )

    def _continues(self, chunk: SequenceData) -> bool:
        """Whether the chunk's first series goes on the last one written."""
        ids = self._folder.ids
        return bool(ids) and (chunk.groups is None or _same(chunk.series_ids[0], ids[-1]))

    def _write_chunk(self, chunk: SequenceData) -> None:
        if self._features is None:
            self._features = chunk.features
            self._grouped = chunk.groups is not None
            self.metadata = {**chunk.metadata, **self.metadata}
        n_series = self.n_series
        self._folder.append(
            chunk.values, time=chunk.time, mask=chunk.mask, lengths=chunk.series_lengths.tolist(),
            ids=list(chunk.series_ids), continues=self._continues(chunk),
        )  # fmt: skip
        self._seen.update(plain_id(series_id) for series_id in self._folder.ids[n_series:])
        self._count_observed(chunk)
        if self._folder.time is not None:
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
        if self._folder.values is None:
            self.abort()
            raise ValueError("SequenceWriter: nothing was appended; a SequenceData needs rows.")
        self._closed = True
        self._folder.close(self._features, grouped=self._grouped, metadata=self.metadata)

    def abort(self) -> None:
        """Stop writing and delete what was written; what was at ``path`` stays."""
        self._closed = True
        self._folder.abort()

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
    return data.save(path, overwrite=overwrite)


def open_sequence(path: str | Path) -> SequenceData:
    """Memory-map a directory written by `SequenceWriter` (see `SequenceData.open`)."""
    return SequenceData.open(path)


def _same(a: Any, b: Any) -> bool:
    return type(plain_id(a)) is type(plain_id(b)) and plain_id(a) == plain_id(b)
