"""Forecast periods as DataFrames: the ``future=`` frame read in, the forecast frame out.

`future_frame` reads the known-future covariates and stamps of each series' forecast period
from a DataFrame indexed by time or by (series id, time); `forecast_frame` lays forecasts out
as a DataFrame indexed the same way, its index levels named as the caller's.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from tsforecast._boundary import in_index_kind, periods_as_stamps, series_ids
from tsforecast._time import future_times, panel_calendar
from tsforecast.sequences import SequenceData

__all__ = ["forecast_frame", "future_frame", "index_names"]


def forecast_frame(
    values: np.ndarray, times: list[Any], data: SequenceData, names: list[str]
) -> pd.DataFrame:
    """Forecasts as a DataFrame indexed by time (and by series id when ``data`` has groups).

    ``values`` has shape ``(n_series, steps, n_targets)``; ``times`` the future stamps of
    each series. The index levels keep the names of the caller's (``"group"`` and
    ``"time"`` where it had none).
    """
    group_name, time_name = index_names(data)
    time = pd.Index(np.concatenate([np.asarray(t) for t in times]), name=time_name)
    if isinstance(times[0], pd.DatetimeIndex):
        time = pd.DatetimeIndex(time, tz=times[0].tz, name=time_name)
        if len(times) == 1:  # one series: its stamps keep their frequency (months, hours...)
            time = times[0].rename(time_name)
    time = in_index_kind(time, data)  # periods and integer years as X gave them
    index = time
    if data.groups is not None:
        ids = pd.Index(data.series_ids).repeat(len(times[0]))  # the ids' own dtype
        index = pd.MultiIndex.from_arrays([ids, time], names=[group_name, time_name])
    return pd.DataFrame(values.reshape(-1, values.shape[-1]), index=index, columns=names)


def index_names(data: SequenceData) -> tuple[Any, Any]:
    """Return the names of ``data``'s series and time index levels ("group", "time" unnamed)."""
    group_name, time_name = data.metadata.get("index_names", (None, None))
    return ("group" if group_name is None else group_name,
            "time" if time_name is None else time_name)  # fmt: skip


def future_frame(
    frame: pd.DataFrame,
    data: SequenceData,
    steps: int,
    columns: list[str],
    owner: str,
    regular: bool = False,
) -> tuple[np.ndarray, list[pd.Index]]:
    """Read the known-future covariates of each series of ``data`` from a DataFrame.

    ``frame`` is indexed by time (one series) or by (series id, time); ``columns`` are the
    covariates' names. Returns their values, shape ``(n_series, steps, len(columns))``, and
    each series' future stamps, in time order. ``regular``: the model forecasts the rows that
    follow each series at its usual step (no time gaps read), so the stamps must be those.
    """
    have = [str(c) for c in frame.columns]
    missing = [c for c in columns if c not in have]
    if missing:
        raise ValueError(
            f"{owner}: future has no column {missing[0]!r}; it needs the known-future "
            f"covariates {columns} (its columns: {have[:10]})."
        )
    frame = periods_as_stamps(frame, owner)[0]
    index = frame.index
    if isinstance(index, pd.MultiIndex):
        if index.nlevels != 2:
            raise ValueError(
                f"{owner}: future's index has {index.nlevels} levels; index it by (series id, "
                "time)."
            )
        ids, stamps = np.asarray(index.get_level_values(0)), index.get_level_values(1)
        unknown = sorted({str(i) for i in pd.unique(ids)} - {str(i) for i in data.series_ids})
        if unknown:
            raise ValueError(
                f"{owner}: future holds series {unknown[:5]} that X does not; give the known-"
                f"future covariates of X's series {series_ids(data)[:5]}..."
            )
    elif data.n_series > 1:
        raise ValueError(
            f"{owner}: X holds {data.n_series} series, so future needs a MultiIndex (series id, "
            "time) saying which rows belong to which series."
        )
    else:
        ids, stamps = None, index
    picked = frame[[frame.columns[have.index(c)] for c in columns]]
    try:
        table = picked.to_numpy(dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            f"{owner}: future's columns {columns} must hold numbers (the known-future "
            f"covariates' values); got dtypes {[str(t) for t in picked.dtypes]}."
        ) from None
    local = data.local_time
    if local is not None and not isinstance(stamps, pd.DatetimeIndex):
        raise ValueError(
            f"{owner}: X has datetime stamps, so future's time index must hold datetimes "
            f"too; got {stamps.dtype}."
        )
    if local is not None and (stamps.tz is None) != (local.tz is None):
        raise ValueError(
            f"{owner}: future's stamps are {'naive' if stamps.tz is None else 'zone-aware'} "
            f"but X's are {'naive' if local.tz is None else f'in {local.tz}'}; give both the "
            "same kind (tz_localize or tz_convert)."
        )
    if local is not None and local.tz is not None:
        stamps = stamps.tz_convert(local.tz)  # the same instants, in X's zone
    numeric = data.time if local is None else None
    if numeric is not None and not (
        pd.api.types.is_numeric_dtype(stamps.dtype) and not pd.api.types.is_bool_dtype(stamps)
    ):
        raise ValueError(
            f"{owner}: X's time stamps are numbers, so future's time index must hold numbers "
            f"too; got {stamps.dtype}."
        )
    values, times, calendar = [], [], panel_calendar(data) if regular else None
    for i, series in enumerate(series_ids(data)):
        rows = np.arange(len(frame)) if ids is None else np.flatnonzero(ids == series)
        if len(rows) != steps:
            raise ValueError(
                f"{owner}: future has {len(rows)} rows for series {series!r}; it needs one per "
                f"forecast step, steps={steps}."
            )
        own = stamps[rows]
        order = np.argsort(np.asarray(own), kind="stable")
        own = own[order]
        if not own.is_monotonic_increasing or own.has_duplicates:
            raise ValueError(f"{owner}: future repeats a time stamp of series {series!r}.")
        last = None
        if local is not None:
            last = local[data.offsets[i + 1] - 1]
        elif numeric is not None:
            last = numeric[data.offsets[i + 1] - 1]
        if last is not None:
            if own[0] <= last:
                raise ValueError(
                    f"{owner}: future's first stamp of series {series!r}, {own[0]}, is not after "
                    f"the end of its history in X, {last}; give the forecast period's rows only."
                )
        if regular and last is not None:
            _check_next_steps(own, (local if local is not None else numeric)[
                data.offsets[i] : data.offsets[i + 1]], series, owner, calendar)  # fmt: skip
        part = table[rows][order]
        if not np.isfinite(part).all():
            raise ValueError(
                f"{owner}: future holds NaN or infinite values for series {series!r}; the "
                f"known-future covariates {columns} must be known for every forecast step."
            )
        values.append(part)
        times.append(own)
    return np.stack(values).astype(np.float32), times


def _check_next_steps(
    given: Any, history: Any, series: Any, owner: str, calendar: Any = None
) -> None:
    """Refuse future stamps that are not the next steps of a regular series' history.

    ``calendar``: the panel's (`tsforecast._time.panel_calendar`), which a short series
    follows.
    """
    if len(history) < 3:  # too few stamps to know the step (a month from two dates...)
        return
    try:
        expected = future_times(history, len(given), panel=calendar)
    except ValueError:  # no step to compare with
        return
    if isinstance(given, pd.DatetimeIndex):
        if np.array_equal(given.as_unit("ns").asi8, expected.as_unit("ns").asi8):
            return
    else:  # numbers: equal up to a thousandth of a step (0.1 * 62 is 6.200000000000001)
        given_numbers = np.asarray(given, dtype=np.float64)
        expected_numbers = np.asarray(expected, dtype=np.float64)
        step = np.abs(np.diff(np.asarray(history, dtype=np.float64))).max()
        if np.allclose(given_numbers, expected_numbers, rtol=0.0, atol=1e-3 * step):
            return
    shown = ", ".join(str(t) for t in given[:3])
    wanted = ", ".join(str(t) for t in expected[:3])
    raise ValueError(
        f"{owner}: future's stamps of series {series!r} ({shown}, ...) are not the next "
        f"{len(given)} steps after its history in X ({wanted}, ...). The model forecasts the "
        "rows that follow X at its usual step, so these stamps would label forecasts of other "
        "times. Give future one row per step at the series' spacing, starting right after its "
        "last row"
        + (" (a model fitted with time_gaps=True reads irregular steps)." if owner.startswith(
            "LSTMForecaster") else ".")
    )  # fmt: skip
