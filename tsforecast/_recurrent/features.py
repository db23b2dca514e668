"""The network's input rows: one place owns their layout, for rows of data and of the future.

An input row holds ``X``'s columns, the calendar features (sine and cosine of each), the time
since the previous row (with time gaps), then, for each of the next ``horizon`` rows, the
known-future covariates and the time gap to it. `InputRows` (a frozen record of the fitted
columns) builds them from a `SequenceData` (`InputRows.of_data`, `InputRows.for_training`),
for the forecast period (`InputRows.forecast_period`), and puts the forecast period's
known-future values into the last row read (`InputRows.with_ahead`); its `InputRows.layout`
is what the network is built with.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from tsforecast import _time
from tsforecast._columns import check_static
from tsforecast._npy_folder import is_mapped
from tsforecast._recurrent.network import InputLayout
from tsforecast._segments import horizon_rows, stops_of
from tsforecast._time_features import encode_time
from tsforecast.sequences import SequenceData

__all__ = ["SPILL_ROWS", "InputRows", "lead_values", "model_inputs", "spilled", "stamps_of"]

# Past this many rows of a memory-mapped data set, fit writes computed input columns to a
# temporary memory-mapped table rather than to memory.
SPILL_ROWS = 1 << 20


def stamps_of(data: SequenceData, owner: str) -> np.ndarray:
    """Return the time stamps as numbers (hours for datetimes), refusing data without."""
    stamps = _time.stamps_as_numbers(data)
    if stamps is None:
        raise ValueError(
            f"{owner}: this model reads the time between rows (time_gaps_), but X has no "
            "time stamps. Pass X with its stamps as in fit (a DataFrame with a time index, "
            "or a SequenceData with time)."
        )
    return stamps


@dataclass(frozen=True)
class InputRows:
    """What the network reads, by column role: the fitted columns of ``X`` and what is added.

    Parameters
    ----------
    n_features : int
        Columns of ``X``.
    names : tuple of str
        Their names (``x0, x1...`` without names), for messages.
    targets : tuple of int or None
        The columns forecast (None: a model fitted with ``y``).
    future, static : tuple of int
        Known-future and static covariates among ``X``'s columns.
    time_features : tuple of str
        Calendar features computed from the time stamps.
    time_gaps : bool
        Whether each row holds the time since the previous one (and the gaps ahead).
    horizon : int
        Steps ahead whose known-future values each row holds.
    """

    n_features: int
    names: tuple[str, ...]
    targets: tuple[int, ...] | None
    future: tuple[int, ...] = ()
    static: tuple[int, ...] = ()
    time_features: tuple[str, ...] = ()
    time_gaps: bool = False
    horizon: int = 1

    def __post_init__(self) -> None:
        """Hold every list of columns as a tuple (the record is frozen, lists are not)."""
        for name in ("names", "future", "static", "time_features"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if self.targets is not None:
            object.__setattr__(self, "targets", tuple(self.targets))

    def layout(self) -> InputLayout:
        """Return the network's input columns by role."""
        return InputLayout.of_columns(
            self.n_features, None if self.targets is None else list(self.targets),
            2 * len(self.time_features), future_columns=self.future, static_columns=self.static,
            horizon=self.horizon, time_gap=self.time_gaps,
        )  # fmt: skip

    @property
    def n_inputs(self) -> int:
        """Columns of an input row."""
        per_step = len(self.future) + self.time_gaps
        n_calendar = 2 * len(self.time_features)
        return self.n_features + n_calendar + self.time_gaps + self.horizon * per_step

    @property
    def first_ahead(self) -> int:
        """Position of the first known-future column of the next rows."""
        return self.n_features + 2 * len(self.time_features) + self.time_gaps

    def check_statics(self, data: SequenceData, owner: str) -> None:
        """Refuse a static covariate that changes within a series of ``data``."""
        if self.static:
            check_static(data, list(self.static), list(self.names), owner)

    def of_data(
        self,
        data: SequenceData,
        rows: np.ndarray | None = None,
        *,
        owner: str,
        check_statics: bool = True,
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Return the rows the network reads (``rows`` only, or all) and where each is known.

        The known-future covariates of the next ``horizon`` rows of the same series are
        unknown past its end; the time gaps to them are the series' usual gap there.
        """
        if check_statics:
            self.check_statics(data, owner)
        values, observed = model_inputs(data, list(self.time_features), rows, owner=owner)
        if not (self.future or self.time_gaps):
            return values, observed
        n, H = len(values), self.horizon
        leads = np.empty((n, H, 0), np.float32)
        known = np.ones(leads.shape, bool)
        if self.future:
            leads, known = lead_values(data, list(self.future), H, rows)
            leads, known = leads.reshape(n, H, -1), known.reshape(n, H, -1)
        parts, seen = [values], [np.ones(values.shape, bool) if observed is None else observed]
        if self.time_gaps:
            stamps = stamps_of(data, owner)
            gaps = _time.gap_feature(_time.gaps_of(stamps, data.offsets))
            parts.append((gaps if rows is None else gaps[rows])[:, None].astype(np.float32))
            seen.append(np.ones((n, 1), bool))
            ahead = _time.gaps_ahead(stamps, data.offsets, H, rows)
            ahead = _time.gap_feature(ahead).astype(np.float32)
            leads = np.concatenate([leads, ahead[..., None]], axis=2)
            known = np.concatenate([known, np.ones((n, H, 1), bool)], axis=2)
        parts.append(leads.reshape(n, -1))
        seen.append(known.reshape(n, -1))
        return np.concatenate(parts, axis=1), np.concatenate(seen, axis=1)

    def for_training(self, data: SequenceData, owner: str) -> tuple[np.ndarray, Any]:
        """Return the rows the network trains on (see `of_data`).

        On a memory-mapped data set larger than `SPILL_ROWS`, computed columns (calendar
        features, known-future covariates) go to a temporary memory-mapped table, chunk by
        chunk, instead of a copy of the data in memory. (Time gaps read every stamp at once:
        not spilled.)
        """
        computed = bool(self.time_features or self.future) and not self.time_gaps
        if not computed or data.n_timesteps <= SPILL_ROWS or not is_mapped(data.values):
            return self.of_data(data, owner=owner)  # checks the static covariates too
        self.check_statics(data, owner)
        return spilled(
            lambda rows: self.of_data(data, rows, owner=owner, check_statics=False),
            data.n_timesteps,
        )

    def future_gaps(
        self, data: SequenceData, lasts: np.ndarray, times: list[Any], owner: str
    ) -> np.ndarray:
        """Return the gap feature of each step forecast after rows ``lasts``: (n, steps, 1)."""
        last = stamps_of(data, owner)[lasts]
        future = np.stack([_time.as_numbers(t) for t in times])
        gaps = _time.gap_feature(np.diff(np.concatenate([last[:, None], future], axis=1), axis=1))
        return gaps[..., None].astype(np.float32)

    def with_ahead(
        self,
        values: np.ndarray,
        observed: np.ndarray,
        ahead: np.ndarray,
        last: np.ndarray,
        steps: int,
    ) -> None:
        """Put the forecast period's known-future values into the rows ``last`` (in place).

        ``values``/``observed``: input rows read up to each forecast's origin, ``last`` the
        position of each origin's row among them; ``ahead``: ``(n, steps, n_ahead)``.
        """
        within = min(steps, self.horizon)
        columns = self.first_ahead + np.arange(within * ahead.shape[2])
        values[last[:, None], columns] = ahead[:, :within].reshape(len(last), -1)
        observed[last[:, None], columns] = True

    def forecast_period(
        self,
        data: SequenceData,
        lasts: np.ndarray,
        times: list[Any] | None,
        ahead: np.ndarray | None,
        steps: int,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return the input rows of the forecast period but for the targets, and where known.

        The targets are unknown (filled with the mean, replaced when the forecasts are fed
        back); static covariates repeat the row ``lasts[i]``; known-future ones come from
        ``ahead``, calendar features from ``times``. Shapes ``(n_series, steps, n_inputs)``.
        """
        n_inputs, n_features = self.n_inputs, self.n_features
        raw = np.zeros((len(lasts), steps, n_inputs), np.float32)
        seen = np.ones(raw.shape, bool)
        seen[..., list(self.targets)] = False
        if self.static:
            raw[..., list(self.static)] = data.values[lasts][:, None, list(self.static)]
        if self.time_features:
            calendar = np.stack([encode_time(t, list(self.time_features)) for t in times])
            raw[..., n_features : n_features + calendar.shape[2]] = calendar
        if ahead is not None:
            n_covariates = len(self.future)
            raw[..., list(self.future)] = ahead[..., :n_covariates]
            if self.time_gaps:  # the row's own gap, after the calendar columns
                raw[..., self.first_ahead - 1] = ahead[..., n_covariates]
            n_future = ahead.shape[2]
            for k in range(1, self.horizon + 1):  # row s holds the covariates of row s + k
                columns = self.first_ahead + (k - 1) * n_future + np.arange(n_future)
                raw[:, : steps - k, columns] = ahead[:, k:]
                seen[:, max(steps - k, 0) :, columns] = False  # after the period: unknown
        return raw, seen


def lead_values(
    data: SequenceData, columns: list[int], horizon: int, rows: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Return the values of ``columns`` at the ``horizon`` rows after each row, and which are known.

    Returns
    -------
    values : ndarray of shape (n_rows, horizon * len(columns)), float32
        Step after step (the columns in order within a step); 0 where unknown.
    known : bool ndarray of the same shape
        False past the end of the row's series, or where the value was not observed.
    """
    rows = np.arange(data.n_timesteps) if rows is None else np.asarray(rows)
    ahead, inside = horizon_rows(rows, stops_of(rows, data.offsets[:-1], data.offsets[1:]), horizon)
    picked = (ahead[..., None], np.asarray(columns))
    known = np.broadcast_to(inside[..., None], (*inside.shape, len(columns))).copy()
    if data.mask is not None:
        known &= data.mask[picked]
    values = np.where(known, data.values[picked], 0.0).astype(np.float32)
    return values.reshape(len(rows), -1), known.reshape(len(rows), -1)


def local_time_of(data: SequenceData, rows: np.ndarray | None) -> pd.DatetimeIndex | None:
    """Return the local time of ``rows`` (all: None), converting only those rows' stamps."""
    if rows is None or data._local_time is not None:
        times = data.local_time
        return times if rows is None or times is None else times[rows]
    if data.time is None or data.time.dtype.kind != "M":
        return None
    times = pd.DatetimeIndex(data.time[rows])
    zone = data.metadata.get("time_zone")
    return times if zone is None else times.tz_localize("UTC").tz_convert(zone)


SPILL_CHUNK_ROWS = 1 << 16


def spilled(
    compute: Callable[[np.ndarray], tuple[np.ndarray, Any]], n_rows: int
) -> tuple[np.ndarray, Any]:
    """Return ``compute(rows)`` for every row, written chunk by chunk to temporary files.

    For tables computed from data larger than memory (the network's inputs of an opened
    `SequenceData`): the result is memory-mapped from a temporary file, deleted at once (the
    map keeps it alive until the array is gone), so the process's own memory holds one chunk.
    """
    tables: list[np.memmap] = []
    size = SPILL_CHUNK_ROWS
    for begin in range(0, n_rows, size):
        parts = compute(np.arange(begin, min(begin + size, n_rows)))
        if not tables:
            for part in parts:
                if part is None:
                    tables.append(None)
                    continue
                with tempfile.NamedTemporaryFile(prefix="tsforecast-inputs-") as file:
                    table = np.memmap(file.name, part.dtype, "w+", shape=(n_rows, part.shape[1]))
                tables.append(table)  # the file is unlinked; the map keeps its pages
        for table, part in zip(tables, parts, strict=True):
            if table is not None:
                table[begin : begin + len(part)] = part
    return tuple(tables)


def model_inputs(
    data: SequenceData, time_features: list[str], rows: np.ndarray | None = None, *, owner: str
) -> tuple[np.ndarray, np.ndarray | None]:
    """Return the values the network reads (of ``rows`` only, or all), and where they were observed.

    ``X``'s columns, then the calendar features computed from the time stamps.
    """
    values = data.values if rows is None else data.values[rows]
    observed = data.mask if rows is None or data.mask is None else data.mask[rows]
    if not time_features:
        return values, observed
    times = local_time_of(data, rows)
    if times is None:
        raise ValueError(
            f"{owner}: this model reads calendar features ({time_features}) computed from time "
            "stamps, but X has none. Pass X with its time stamps as in fit (a DataFrame with a "
            "DatetimeIndex, or a SequenceData), or fit with time_features=None."
        )
    calendar = encode_time(times, time_features)
    values = np.concatenate([values, calendar], axis=1)
    if observed is None:
        return values, None
    return values, np.concatenate([observed, np.ones(calendar.shape, bool)], axis=1)
