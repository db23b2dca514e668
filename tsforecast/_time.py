"""Time stamps as model inputs: the usual step of a series and cyclic calendar features.

Calendar features are known in advance, so a forecaster can read them for future steps too.
Each is a position in a cycle (hour of the day, day of the week, day of the year) given as a
sine and a cosine, so that 23:00 and 00:00 are neighbours.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["TIME_FEATURES", "choose_time_features", "encode_time", "usual_step"]

TIME_FEATURES = ("hour", "weekday", "yearday")
_DAY = 86_400 * 10**9  # nanoseconds


def usual_step(times: Any) -> Any:
    """Most common difference between consecutive stamps (None with fewer than two); the
    smallest of equally common ones.

    ``times`` is a numpy array (numbers or datetime64) or a DatetimeIndex; the step is a
    number or a Timedelta.
    """
    if len(times) < 2:
        return None
    if isinstance(times, pd.DatetimeIndex) and not times.hasnans:
        steps, counts = np.unique(np.diff(times.as_unit("ns").asi8), return_counts=True)
        return pd.Timedelta(int(steps[np.argmax(counts)]), unit="ns")
    return pd.Series(np.asarray(times[1:] - times[:-1])).mode().iloc[0]


def choose_time_features(spec: Any, times: pd.DatetimeIndex | None) -> list[str]:
    """The calendar features a model reads, from its ``time_features`` parameter.

    ``"auto"``: the hour of the day for series recorded more often than daily (the daily cycle
    drives weather, traffic, demand...), nothing otherwise or without time stamps. Weekday and
    yearday are left to an explicit choice: on data that does not follow them they are noise
    the model can overfit (one year of hourly weather forecasts worse with the weekday).
    """
    if spec is None or times is None:
        return []
    if isinstance(spec, str) and spec == "auto":
        step = usual_step(times)
        return ["hour"] if step is not None and pd.Timedelta(0) < step < pd.Timedelta("1D") else []
    return [spec] if isinstance(spec, str) else list(spec)


def encode_time(times: pd.DatetimeIndex, features: list[str]) -> np.ndarray:
    """Sine and cosine of each feature's place in its cycle: shape (len(times), 2 * n)."""
    if not features:
        return np.empty((len(times), 0), np.float32)
    if times.hasnans:
        raise ValueError(
            "The time stamps contain NaT, so calendar features cannot be computed; drop those "
            "rows or pass time_features=None."
        )
    # Wall-clock fields from int64 nanoseconds (pandas' field accessors cost ~50x more on
    # the few stamps of one forecast).
    wall = times.tz_localize(None) if times.tz is not None else times
    nanoseconds = wall.as_unit("ns").asi8
    days = nanoseconds // _DAY  # since 1970-01-01, a Thursday
    hours = (nanoseconds // 10**9 - days * 86_400) / 3600
    fractions = {"hour": hours / 24}
    if "weekday" in features:
        fractions["weekday"] = ((days + 3) % 7 + hours / 24) / 7
    if "yearday" in features:
        dates = days.astype("datetime64[D]")
        year_starts = dates.astype("datetime64[Y]")
        year = year_starts.astype(np.int64) + 1970
        leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
        yearday = (dates - year_starts.astype("datetime64[D]")).astype(np.int64)
        fractions["yearday"] = (yearday + hours / 24) / (365 + leap)
    columns = []
    for name in features:
        angle = 2 * np.pi * np.asarray(fractions[name], dtype=np.float64)
        columns += [np.sin(angle), np.cos(angle)]
    return np.stack(columns, axis=1).astype(np.float32)
