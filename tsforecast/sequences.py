"""`SequenceData`: the ordered-array container every adapter returns and the estimator accepts.

A thin, validated view of sequential data: a float32 ``(n_timesteps, n_features)`` array whose
rows are in time order, series after series, with optional time stamps, series ids and an
"observed" mask. It never copies a float32 array it is given.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from tsforecast._checks import check_finite, show
from tsforecast._npy_folder import FolderArrays, read_folder, write_folder
from tsforecast._row_ids import RowIds
from tsforecast._sequence_checks import as_time, as_values, check_time_order, series_offsets

__all__ = ["SequenceData", "series_offsets"]


@dataclass(frozen=True, eq=False, repr=False)
class SequenceData:
    """Ordered arrays of one or many time series.

    Rows are time steps. The rows of one series are contiguous and in time order; with
    ``groups``, series follow one another. Every field is validated on construction.

    Parameters
    ----------
    values : array-like of shape (n_timesteps, n_features) or (n_timesteps,)
        The observations. Stored as float32; a C-ordered or strided float32 array is kept as
        is (no copy), other dtypes are converted once. A 1-D array is one feature.
    time : array-like of shape (n_timesteps,), optional
        Time stamp (datetime64 or timezone-aware datetimes) or numeric offset of each row.
        Must increase strictly inside each series.
    features : sequence of str, optional
        Column names; ``x0, x1, ...`` by default.
    groups : array-like of shape (n_timesteps,), optional
        Series id of each row (patient, station...). ``None`` for a single series.
    mask : array-like of bool, shape (n_timesteps, n_features), optional
        True where the value was observed, False where the source had none (the value there
        may be NaN or a fill). Non-finite values are only allowed where ``mask`` is False.
    metadata : mapping, optional
        Free-form facts about the source (station name, latitude, units...).

    Attributes
    ----------
    offsets : ndarray of shape (n_series + 1,)
        Series ``i`` occupies rows ``offsets[i]:offsets[i + 1]``.
    series_ids : ndarray of shape (n_series,)
        The id of each series (``[0]`` for a single series).

    Examples
    --------
    >>> import numpy as np
    >>> data = SequenceData(np.arange(6.0), groups=[7, 7, 7, 8, 8, 8])
    >>> data.n_timesteps, data.n_features, data.n_series
    (6, 1, 2)
    >>> data.series_bounds.tolist()
    [[0, 3], [3, 6]]
    >>> data.series(1).values.ravel().tolist()
    [3.0, 4.0, 5.0]
    """

    values: np.ndarray
    time: np.ndarray | None = None
    features: tuple[str, ...] | None = None
    groups: np.ndarray | None = None
    mask: np.ndarray | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    offsets: np.ndarray = field(init=False)
    series_ids: np.ndarray = field(init=False)
    _local_time: pd.DatetimeIndex | None = field(init=False, default=None)
    # Where each row of the caller's input went when an estimator sorted it (None: in place).
    _row_order: np.ndarray | None = field(init=False, default=None)

    @classmethod
    def _trusted(
        cls,
        values: np.ndarray,
        offsets: np.ndarray,
        series_ids: np.ndarray,
        *,
        groups: np.ndarray | None = None,
        mask: np.ndarray | None = None,
        local_time: pd.DatetimeIndex | None = None,
        features: tuple[str, ...] | None = None,
        time: np.ndarray | None = None,
        metadata: Mapping[str, Any] | None = None,
        row_order: np.ndarray | None = None,
    ) -> SequenceData:
        """Wrap rows without the constructor's checks, for the package's own use.

        An estimator validates ``X`` with scikit-learn's rules, then works on this record:
        ``values`` a 2-D float32 array, ``offsets``/``series_ids`` from `series_offsets`,
        ``local_time`` the stamps as given (a DatetimeIndex, possibly time-zone aware), or
        ``time`` numeric stamps; ``row_order[i]``: the caller's row that became row ``i``. The
        stamps' order is *not* checked here; the only such record returned to users is
        `SequenceData.open`'s, checked when it was written.
        """
        data = object.__new__(cls)
        metadata = dict(metadata or {})
        if local_time is not None:
            if local_time.tz is not None:
                metadata["time_zone"] = str(local_time.tz)
                time = local_time.tz_convert(None).to_numpy()
            else:
                time = local_time.to_numpy()  # its own unit: no overflow outside 1677-2262
        if features is None:
            features = tuple(f"x{i}" for i in range(values.shape[1]))
        for name, value in [
            ("values", values), ("time", time), ("features", features), ("groups", groups),
            ("mask", mask), ("metadata", metadata), ("offsets", offsets),
            ("series_ids", series_ids), ("_local_time", local_time), ("_row_order", row_order),
        ]:  # fmt: skip
            object.__setattr__(data, name, value)
        return data

    def __post_init__(self) -> None:
        """Validate every field (see the class docstring) and store the normalised ones."""
        values = as_values(self.values)
        n_timesteps, n_features = values.shape
        metadata = dict(self.metadata)

        features = self.features
        if features is None:
            features = tuple(f"x{i}" for i in range(n_features))
        elif isinstance(features, str):
            raise TypeError(f"features must be a sequence of names, not the string {features!r}.")
        features = tuple(str(name) for name in features)
        if len(features) != n_features:
            raise ValueError(
                f"features names {len(features)} columns but values has {n_features}: "
                f"{list(features)}."
            )
        if len(set(features)) != n_features:
            duplicated = sorted({name for name in features if features.count(name) > 1})
            raise ValueError(f"features must be unique; repeated: {duplicated}.")

        offsets, series_ids = series_offsets(self.groups, n_timesteps)
        groups = None if self.groups is None else np.asarray(self.groups)

        time = None
        if self.time is not None:
            time, time_zone = as_time(self.time, n_timesteps)
            if time_zone is not None:
                metadata.setdefault("time_zone", time_zone)
            check_time_order(time, offsets, series_ids, self.groups is not None)

        mask = None
        if self.mask is not None:
            mask = np.asarray(self.mask)
            if mask.dtype != np.bool_:
                raise TypeError(
                    f"mask must be boolean (True where observed); got dtype {mask.dtype}."
                )
            if mask.ndim == 1 and n_features == 1:
                mask = mask[:, np.newaxis]
            if mask.shape != values.shape:
                raise ValueError(
                    f"mask must have the shape of values {values.shape}; got {mask.shape}."
                )
        check_finite(
            values, mask, "values", names=features,
            fix="Fill them, or pass mask= with False where values are missing.",
        )  # fmt: skip

        for name, value in [
            ("values", values),
            ("time", time),
            ("features", features),
            ("groups", groups),
            ("mask", mask),
            ("metadata", metadata),
            ("offsets", offsets),
            ("series_ids", series_ids),
        ]:
            object.__setattr__(self, name, value)

    # ------------------------------------------------------------------ shape and series
    @property
    def n_timesteps(self) -> int:
        """Number of rows (time steps over all series)."""
        return self.values.shape[0]

    @property
    def n_features(self) -> int:
        """Number of columns."""
        return self.values.shape[1]

    @property
    def n_series(self) -> int:
        """Number of series (1 without groups)."""
        return len(self.offsets) - 1

    @property
    def series_bounds(self) -> np.ndarray:
        """``[start, stop)`` row offsets of each series, shape ``(n_series, 2)``."""
        return np.stack([self.offsets[:-1], self.offsets[1:]], axis=1)

    @property
    def series_lengths(self) -> np.ndarray:
        """Number of rows of each series."""
        return np.diff(self.offsets)

    def __len__(self) -> int:
        """Return the number of rows."""
        return self.n_timesteps

    @property
    def local_time(self) -> pd.DatetimeIndex | None:
        """Datetime ``time`` as a DatetimeIndex in ``metadata["time_zone"]`` (naive without one).

        ``time`` itself is stored in UTC when the source had a zone; this gives the stamps as
        the source wrote them. None when ``time`` is absent or numeric.
        """
        if self._local_time is not None:
            return self._local_time
        if self.time is None or self.time.dtype.kind != "M":
            return None
        index = pd.DatetimeIndex(self.time)
        zone = self.metadata.get("time_zone")
        return index if zone is None else index.tz_localize("UTC").tz_convert(zone)

    def series(self, index: int) -> SequenceData:
        """Return series number ``index`` (0-based, in order of appearance) as views.

        Parameters
        ----------
        index : int
            Position of the series; negative values count from the end.

        Returns
        -------
        SequenceData
            The rows of that series; its arrays are views of this object's arrays.
        """
        if not -self.n_series <= index < self.n_series:
            raise IndexError(f"series index {index} out of range for {self.n_series} series.")
        index %= self.n_series
        return self._rows(slice(int(self.offsets[index]), int(self.offsets[index + 1])))

    def _rows(self, rows: slice | np.ndarray) -> SequenceData:
        """Return these rows (a slice gives views) with their series, time, mask and metadata."""
        return SequenceData(
            values=self.values[rows],
            time=None if self.time is None else self.time[rows],
            features=self.features,
            groups=None if self.groups is None else self.groups[rows],
            mask=None if self.mask is None else self.mask[rows],
            metadata=self.metadata,
        )

    def iter_series(self) -> Iterator[SequenceData]:
        """Yield each series in order, as views."""
        for index in range(self.n_series):
            yield self.series(index)

    # ------------------------------------------------------------------ selections
    def take(self, rows: Any) -> SequenceData:
        """Return the given rows (positions in increasing order, a boolean mask, or a slice).

        Series, time, mask and metadata follow the rows; a series left without rows is gone.

        Raises
        ------
        ValueError
            If the positions are not increasing (rows would leave time order) or none is
            left.
        """
        if isinstance(rows, slice):
            rows = np.arange(self.n_timesteps)[rows]
        rows = np.asarray(rows)
        if rows.dtype == np.bool_:
            if rows.shape != (self.n_timesteps,):
                raise ValueError(
                    f"take: a boolean mask needs one entry per row ({self.n_timesteps}); got "
                    f"shape {rows.shape}."
                )
            rows = np.flatnonzero(rows)
        if len(rows) == 0:
            raise ValueError("take: no rows selected; a SequenceData needs at least one row.")
        if np.any(np.diff(rows) <= 0):
            raise ValueError(
                "take: the row positions must be increasing (each once), so that every series "
                "stays in time order."
            )
        return self._rows(rows)

    def _per_series(self, keep: Any) -> np.ndarray:
        """Rows ``start + keep(length)`` of each series, as one increasing array."""
        parts = [start + keep(stop - start) for start, stop in self.series_bounds]
        return np.concatenate(parts).astype(np.int64)

    def head(self, n: int = 5) -> SequenceData:
        """Return the first ``n`` rows of every series (all of a shorter one)."""
        return self.take(self._per_series(lambda length: np.arange(min(n, length))))

    def tail(self, n: int = 5) -> SequenceData:
        """Return the last ``n`` rows of every series (all of a shorter one)."""
        return self.take(self._per_series(lambda length: np.arange(max(length - n, 0), length)))

    def split(self, at: Any) -> tuple[SequenceData, SequenceData]:
        """Split into a past and a future part, per series.

        Parameters
        ----------
        at : int, float in (0, 1), or time stamp
            An int ``k``: the last ``k`` rows of every series are the second part (a
            train/test split per series; a series of ``k`` rows or fewer keeps one row in
            the first). A float: that fraction of every series' rows (rounded down, at least
            one) is the second part. A time stamp (a datetime or number like ``time``): rows at
            or after it are the second part.

        Returns
        -------
        past, future : SequenceData
            A series with no row on one side is absent from it.

        Raises
        ------
        ValueError
            If a part would be empty.
        """
        if isinstance(at, (int, np.integer)) and not isinstance(at, bool):
            if at < 1:
                raise ValueError(f"split: at={at} rows; hold out at least 1 row per series.")
            cut = self._per_series(lambda length: np.arange(max(length - at, 1), length))
        elif isinstance(at, (float, np.floating)) and 0 < at < 1:
            cut = self._per_series(
                lambda length: np.arange(length - max(int(at * length), 1), length)
                if length > 1 else np.arange(0)
            )  # fmt: skip
        else:
            if self.time is None:
                raise ValueError(
                    f"split: at={at!r} is a time stamp, but this data has no time; split by a "
                    "number of rows (an int) or a fraction instead."
                )
            cut = np.flatnonzero(self.time >= self._stamp(at))
        after = np.zeros(self.n_timesteps, bool)
        after[cut] = True
        if after.all() or not after.any():
            side = "nothing" if not after.any() else "every row"
            raise ValueError(f"split: at={at!r} leaves {side} after the split.")
        return self.take(~after), self.take(after)

    def between(self, start: Any = None, stop: Any = None) -> SequenceData:
        """Return the rows whose time lies in ``[start, stop)`` (None: open on that side)."""
        if self.time is None:
            raise ValueError("between: this data has no time; use take(rows) to select rows.")
        keep = np.ones(self.n_timesteps, bool)
        if start is not None:
            keep &= self.time >= self._stamp(start)
        if stop is not None:
            keep &= self.time < self._stamp(stop)
        if not keep.any():
            raise ValueError(f"between: no row has a time in [{start!r}, {stop!r}).")
        return self.take(keep)

    def _stamp(self, value: Any) -> Any:
        """Return a stamp comparable with ``time`` (UTC for zoned datetimes)."""
        if self.time.dtype.kind != "M":
            return float(value)
        stamp = pd.Timestamp(value)
        zone = self.metadata.get("time_zone")
        if stamp.tz is None and zone is not None:
            stamp = stamp.tz_localize(zone)
        if stamp.tz is not None:
            stamp = stamp.tz_convert("UTC").tz_localize(None)
        return np.datetime64(stamp.as_unit("ns"))

    # ------------------------------------------------------------------ on disk
    def save(self, path: Any, *, overwrite: bool = False) -> Any:
        """Write the data to a directory of plain ``.npy`` files (see `tsforecast.storage`).

        Parameters
        ----------
        path : str or Path
            The directory to create.
        overwrite : bool, default=False
            Replace a directory written earlier by `save` or `SequenceWriter`.

        Returns
        -------
        Path
            ``path``; `SequenceData.open` maps it back.
        """
        arrays = FolderArrays(
            self.values, self.offsets, self.series_ids, self.features,
            grouped=self.groups is not None, metadata=self.metadata, time=self.time, mask=self.mask,
        )  # fmt: skip
        # Written as SequenceWriter writes one chunk, and errs under its name.
        return write_folder(path, arrays, overwrite=overwrite, owner="SequenceWriter")

    @classmethod
    def open(cls, path: Any) -> SequenceData:
        """Memory-map a directory written by `save` or `SequenceWriter`; nothing is read yet.

        The arrays are views of the files: rows are read from disk when used, into the page
        cache, which the system can reclaim, not into the process's own memory. Everything that
        accepts a `SequenceData` accepts this one; it is read-only, and ``groups`` computes
        the id of a row from the series offsets instead of storing one per row.

        Parameters
        ----------
        path : str or Path
            The directory.

        Returns
        -------
        SequenceData
        """
        stored = read_folder(path)
        metadata = dict(stored.metadata)
        if "index_names" in metadata:
            metadata["index_names"] = tuple(metadata["index_names"])  # a list in JSON
        groups = RowIds(stored.offsets, stored.ids) if stored.grouped else None
        return cls._trusted(
            stored.values, stored.offsets, stored.ids, groups=groups, mask=stored.mask,
            features=stored.features, time=stored.time, metadata=metadata,
        )  # fmt: skip

    # ------------------------------------------------------------------ pandas
    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        time: Hashable | None = None,
        group: Hashable | None = None,
        columns: Sequence[Hashable] | None = None,
        allow_missing: bool = False,
        metadata: Mapping[str, Any] | None = None,
    ) -> SequenceData:
        """Build a `SequenceData` from a DataFrame whose rows are in time order.

        Parameters
        ----------
        frame : pandas.DataFrame
            One row per time step; the rows of each series contiguous and in time order. It is
            never modified.
        time : hashable, optional
            Column or index level holding the time of each row. By default a DatetimeIndex or
            TimedeltaIndex is used as time; any other index is ignored.
        group : hashable, optional
            Column or index level holding the series id of each row.
        columns : sequence of hashable, optional
            The feature columns, in order. By default every column but ``time`` and ``group``.
        allow_missing : bool, default=False
            If True, missing values (NaN/None) become False in ``mask``; otherwise they are an
            error.
        metadata : mapping, optional
            Stored as ``metadata``.

        Returns
        -------
        SequenceData

        Examples
        --------
        >>> import pandas as pd
        >>> frame = pd.DataFrame({"t": [1.0, 2.0, 3.0], "temp": [5.0, None, 7.0]})
        >>> data = SequenceData.from_frame(frame, time="t", allow_missing=True)
        >>> data.features, data.mask.ravel().tolist()
        (('temp',), [True, False, True])
        """
        if isinstance(frame, pd.Series):
            frame = frame.to_frame()
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(
                f"from_frame expects a pandas DataFrame; got {type(frame).__name__}. "
                "Use SequenceData(values, ...) for arrays."
            )
        if frame.shape[0] == 0:
            raise ValueError("from_frame: the DataFrame has no rows.")

        def lookup(name: Hashable, role: str) -> pd.Series | pd.Index:
            if name in frame.columns:
                return frame[name]
            if name in frame.index.names:
                return frame.index.get_level_values(name)
            raise ValueError(
                f"from_frame: {role} {name!r} is neither a column nor an index level. "
                f"Columns: {list(frame.columns)}; index levels: {list(frame.index.names)}."
            )

        time_values = None
        if time is not None:
            time_values = lookup(time, "time")
        elif isinstance(frame.index, (pd.DatetimeIndex, pd.TimedeltaIndex)):
            time_values = frame.index
        group_values = None if group is None else np.asarray(lookup(group, "group"))

        if columns is None:
            columns = [name for name in frame.columns if name not in (time, group)]
        else:
            columns = list(columns)
            unknown = [name for name in columns if name not in frame.columns]
            if unknown:
                raise ValueError(
                    f"from_frame: no column named {unknown}. Columns: {list(frame.columns)}."
                )
        if not columns:
            raise ValueError("from_frame: no feature column left; pass columns=[...].")
        for name in columns:
            dtype = frame[name].dtype
            if not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)):
                column = frame[name]
                bad = column[pd.to_numeric(column, errors="coerce").isna() & column.notna()]
                example = ""
                if len(bad):
                    example = f" (e.g. {show(bad.iloc[0])} at row {show(bad.index[0])})"
                raise TypeError(
                    f"from_frame: column {name!r} has non-numeric values{example}; expected "
                    "numbers. Leave it out with columns=[...] or convert it first."
                )
        values = frame[columns].to_numpy(dtype=np.float32, na_value=np.nan)
        missing = np.isnan(values)
        mask = None
        if missing.any():
            if not allow_missing:
                row, col = np.argwhere(missing)[0]
                raise ValueError(
                    f"from_frame: column {columns[col]!r} is missing a value at row "
                    f"{frame.index[row]!r} ({int(missing.sum())} missing in all). Fill them, "
                    "or pass allow_missing=True to keep them as False in mask."
                )
            mask = ~missing
        names = {"index_names": (group, time if time is not None else frame.index.name)}
        if time_values is not None and pd.api.types.is_integer_dtype(time_values.dtype):
            names["integer_time"] = True  # years: forecasts and frames keep them integers
        return cls(
            values=values,
            time=time_values,
            features=tuple(str(name) for name in columns),
            groups=group_values,
            mask=mask,
            metadata={**names, **(metadata or {})},
        )

    def to_frame(self, *, missing_as_nan: bool = False) -> pd.DataFrame:
        """Return the data as a DataFrame, one column per feature.

        The index is the time for a single series, and the pair (series id, time) with
        groups; without time, a RangeIndex or the groups. The levels keep the names the data
        came with (``metadata["index_names"]``: ``from_frame``'s columns, ``read_ehr``'s id and
        time columns), ``"group"`` and ``"time"`` otherwise.

        Parameters
        ----------
        missing_as_nan : bool, default=False
            Write NaN where ``mask`` is False instead of the stored value.

        Returns
        -------
        pandas.DataFrame
        """
        values = self.values
        if missing_as_nan and self.mask is not None:
            values = np.where(self.mask, values, np.float32(np.nan))
        index_parts = []
        group_name, time_name = self.metadata.get("index_names", (None, None))
        if self.groups is not None:
            index_parts.append(pd.Index(self.groups, name=group_name or "group"))
        if self.time is not None:
            local = self.local_time
            time = pd.Index(self.time) if local is None else local
            if local is None and self.metadata.get("integer_time"):  # years stay integers
                time = time.astype(np.int64)
            index_parts.append(time.rename(time_name or "time"))
        if not index_parts:
            index = pd.RangeIndex(self.n_timesteps)
        elif len(index_parts) == 1:
            index = index_parts[0]
        else:
            index = pd.MultiIndex.from_arrays(index_parts)
        return pd.DataFrame(values, index=index, columns=list(self.features), copy=False)

    def __repr__(self) -> str:
        """Summarise the shape, features, time span and missing values."""
        parts = [f"n_timesteps={self.n_timesteps}", f"n_features={self.n_features}"]
        if self.groups is not None:
            parts.append(f"n_series={self.n_series}")
        shown = list(self.features[:6]) + (["..."] if self.n_features > 6 else [])
        parts.append(f"features={shown}")
        if self.time is not None:  # the span of all series: the earliest to the latest stamp
            first, last = self.time.min(), self.time.max()
            local = self.local_time
            if local is not None:
                first, last = (str(t).removesuffix(" 00:00:00") for t in (local.min(), local.max()))
            parts.append(f"time={first}..{last}")
        if self.mask is not None:
            parts.append(f"missing={int((~self.mask).sum())}")
        return f"SequenceData({', '.join(parts)})"
