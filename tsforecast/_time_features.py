"""Calendar features: the hour of the day, day of the week... as inputs of a model.

Calendar features are known in advance, so a forecaster can read them for future steps too.
Each is a position in a cycle (hour of the day, day of the week, day of the year) given as a
sine and a cosine, so that 23:00 and 00:00 are neighbours.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from tsforecast._calendar import usual_step
from tsforecast._checks import Rule

__all__ = ["TIME_FEATURES", "TimeFeaturesRule", "choose_time_features", "encode_time"]

TIME_FEATURES = ("hour", "weekday", "yearday", "month", "quarter")
_DAY = 86_400 * 10**9  # nanoseconds


def choose_time_features(
    spec: Any, times: pd.DatetimeIndex | None, owner: str = "LSTMForecaster"
) -> list[str]:
    """Return the calendar features a model reads, from its ``time_features`` parameter.

    ``"auto"``: the hour of the day for series recorded more often than daily (the daily cycle
    drives weather, traffic, demand...), nothing otherwise or without time stamps. Weekday,
    yearday, month and quarter are left to an explicit choice: on data that does not follow
    them they are noise the model can overfit (one year of hourly weather forecasts worse with
    the weekday). Month and quarter on the monthly and quarterly series of the development
    set (`bench_classic`, seeds 0-2): mean MASE 1.240 against 1.270 without, but the seeds
    spread far more (AirPassengers 0.69 to 1.22, against 0.85 to 0.85) and the 80% intervals
    of the 20-region panel held 60-95% of the test values in 50% of the regions, against 75%.
    """
    auto = isinstance(spec, str) and spec == "auto"
    if spec is None or (times is None and auto):
        return []
    if times is None:
        raise ValueError(
            f"{owner}: time_features={spec!r} computes calendar features from time stamps, "
            "but X has none. Pass a DataFrame with a DatetimeIndex (or a SequenceData with "
            "time), or time_features=None."
        )
    if auto:
        step = usual_step(times)
        return ["hour"] if step is not None and pd.Timedelta(0) < step < pd.Timedelta("1D") else []
    return list(_listed(spec))


def _listed(spec: Any) -> Any:
    return [spec] if isinstance(spec, str) else spec


class TimeFeaturesRule(Rule):
    """A ``time_features`` parameter: "auto", None, or distinct names from `TIME_FEATURES`."""

    def check(self, name: str, value: Any, owner: str) -> None:
        """Raise a clear error if ``value`` is not accepted."""
        if value is None or (isinstance(value, str) and value == "auto"):
            return
        names = _listed(value)
        if (
            not isinstance(names, (list, tuple))
            or any(item not in TIME_FEATURES for item in names)
            or len(set(names)) != len(names)
        ):
            raise ValueError(
                f"{owner}: {name} must be 'auto', None or a list of distinct names from "
                f"{list(TIME_FEATURES)}; got {value!r}."
            )


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
    if "month" in features or "quarter" in features:
        months = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12
        fractions["month"] = months / 12  # January 0, December 11/12: one place per month
        fractions["quarter"] = (months // 3) / 4
    columns = []
    for name in features:
        angle = 2 * np.pi * np.asarray(fractions[name], dtype=np.float64)
        columns += [np.sin(angle), np.cos(angle)]
    return np.stack(columns, axis=1).astype(np.float32)
