"""Daily stamps kept on some days of the week only: business days, with holidays missing.

Business days (Monday to Friday) whose holidays are left out are not a fixed step of a day,
and `pandas.infer_freq` names no frequency for them: their future stamps stepped a day at a
time, and a forecast after a Friday was stamped Saturday and Sunday. `weekday_calendar`
names the calendar such stamps lie on (``BDay``, or a ``CustomBusinessDay`` for other weeks:
Sunday to Thursday), so that their future stamps skip the days the data never holds and the
missing holidays are reported as missing periods (`tsforecast._time.calendar_grid`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["asfreq_call", "weekday_calendar"]

# Weeks the stamps must span before the weekdays they skip are read as never held.
WEEKS_SEEN = 2
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def weekday_calendar(times: pd.DatetimeIndex) -> Any:
    """Return the business-day calendar of daily stamps that skip some weekdays, or None.

    Stamps at one time of day, mostly a day apart, spanning at least `WEEKS_SEEN` weeks,
    on fewer than 7 (and more than 1) days of the week: ``BDay()`` for Monday to Friday,
    else ``CustomBusinessDay(weekmask=...)`` of the weekdays they hold. Whether the stamps
    fill it (missing days allowed) is the caller's to judge.

    Examples
    --------
    >>> days = pd.bdate_range("2024-01-01", periods=30).delete([0, 10])  # two holidays
    >>> weekday_calendar(days)
    <BusinessDay>
    >>> weekday_calendar(pd.date_range("2024-01-01", periods=30, freq="D")) is None
    True
    """
    if not isinstance(times, pd.DatetimeIndex) or len(times) < 3:
        return None
    if times[-1] - times[0] < pd.Timedelta(weeks=WEEKS_SEEN):
        return None
    midnights = times.normalize()
    if len(np.unique(np.asarray(times - midnights))) > 1:
        return None  # several times of day: not one stamp a day
    days = np.diff(midnights.as_unit("ns").asi8) // (24 * 3600 * 10**9)
    values, counts = np.unique(days, return_counts=True)
    if values[np.argmax(counts)] != 1:
        return None  # not daily
    held = np.unique(np.asarray(times.day_of_week))
    if not 1 < len(held) < 7:
        return None
    if held.tolist() == [0, 1, 2, 3, 4]:
        return pd.offsets.BDay()
    return pd.offsets.CustomBusinessDay(weekmask=" ".join(DAY_NAMES[day] for day in held))


def asfreq_call(offset: Any) -> str:
    """Return the ``X.asfreq(...)`` call that gives ``offset``'s missing periods as rows.

    Examples
    --------
    >>> asfreq_call(pd.offsets.BDay())
    "X.asfreq('B')"
    >>> asfreq_call(pd.offsets.CustomBusinessDay(weekmask="Mon Tue Wed Thu Sun"))
    "X.asfreq(pandas.offsets.CustomBusinessDay(weekmask='Mon Tue Wed Thu Sun'))"
    """
    if isinstance(offset, pd.offsets.CustomBusinessDay):
        return f"X.asfreq(pandas.offsets.CustomBusinessDay(weekmask={offset.weekmask!r}))"
    return f"X.asfreq({offset.freqstr!r})"
