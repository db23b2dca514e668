"""The season of time stamps: rows in a day, a week or a year, as `seasonal_period` reads it.

A day for sub-daily data, a week for daily data, a year for weekly, monthly and quarterly
data; read from the stamps' usual step (`tsforecast._calendar.usual_step`) and calendar, and from
which weekdays and hours of the day a table keeps (business days, office hours).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from tsforecast._calendar import calendar_offset, usual_step

__all__ = ["seasonal_period"]

# Weeks of daily or sub-daily stamps, at least, from which `seasonal_period` reads the weekdays
# or the slots of the day a table keeps (business days, office hours).
WEEKS_SEEN = 2
# A weekday (or slot of the day) is kept when it occurs at least this share as often as the
# most frequent one.
KEPT_SHARE = 0.5


def seasonal_period(
    times: pd.DatetimeIndex | None, offsets: np.ndarray | None = None
) -> int | None:
    """Return the rows in one season of time stamps (a day, a week or a year).

    A day for sub-daily data, a week for daily data, a year for weekly, monthly and
    quarterly data, and for their multiples that divide it (every 2 weeks: 26; twice a
    month: 24; every 2 months: 6; half-years: 2). Data kept on some days of the week only
    (business days: Monday to Friday) has a week of those days' rows (5), and data kept at
    some hours of the day only (business hours) a day of those hours' rows: a season of 7
    business days or 24 office hours would compare each row with another weekday's or hour's.
    None without datetime stamps, for yearly or irregular data, or when a day is not a whole
    number of the usual steps. ``offsets``: where the series of a panel start (a
    `SequenceData`'s), so that months and quarters are read from one series' calendar; without
    them a series ends where the stamps stop increasing.

    Examples
    --------
    >>> seasonal_period(pd.date_range("2024-01-01", periods=48, freq="h"))
    24
    >>> seasonal_period(pd.date_range("2024-01-01", periods=20, freq="D"))
    7
    >>> seasonal_period(pd.date_range("2024-01-01", periods=20, freq="B"))  # a week: 5 rows
    5
    >>> seasonal_period(pd.date_range("2024-01-01", periods=20, freq="MS"))
    12
    >>> seasonal_period(pd.date_range("2024-01-01", periods=20, freq="QE"))
    4
    >>> seasonal_period(pd.date_range("2024-01-01", periods=20, freq="2MS"))  # every 2 months
    6
    """
    step = None if times is None else usual_step(times)
    if step is None or step <= pd.Timedelta(0):
        return None
    if step < pd.Timedelta("1D"):
        rows_per_day = pd.Timedelta("1D") / step
        if rows_per_day != round(rows_per_day):
            return None
        slots = (times - times.normalize()) // step  # each stamp's slot of the day
        return _kept(np.asarray(slots), int(rows_per_day), times)
    days = step / pd.Timedelta("1D")
    if days == 1:
        return _kept(np.asarray(times.day_of_week), 7, times)
    # months and quarters are not fixed steps: read the calendar of one series
    one = _one_series(times, offsets)
    offset = calendar_offset(one)
    kind = type(offset).__name__
    if "Semi" in kind:  # twice a month (the 15th and the month's end, or 1st and 15th)
        return 24 if 13 <= days <= 17 else None
    weeks = days / 7
    if weeks in (1, 2, 4) and len(np.unique(one.day_of_week)) == 1:
        return int(52 // weeks)  # every 1, 2 or 4 weeks, on one weekday
    months = None
    if type(offset) is pd.DateOffset:  # one day of every k-th month (the 15th)
        months = offset.kwds.get("months")
    elif "Month" in kind:
        months = offset.n
    elif "Quarter" in kind:
        months = 3 * offset.n
    if months and 12 % months == 0 and months < 12 and 28 * months <= days <= 31 * months:
        return 12 // months
    return None


def _kept(positions: np.ndarray, season: int, times: pd.DatetimeIndex) -> int:
    """Rows in a season of ``season`` positions (weekdays, slots of a day): those kept.

    A position is kept when it occurs at least `KEPT_SHARE` times as often as the most
    frequent one: Monday to Friday of business days (5), 9:00 to 17:00 of office hours (9);
    hours or days missing at random keep them all, a Saturday opened now and then (under
    every other week) is left out.
    Judged on the stamps of every series together, spanning at least `WEEKS_SEEN` weeks:
    fewer cannot tell a position left out from one missing by chance.
    """
    if len(times) < 2 or times.max() - times.min() < pd.Timedelta(days=7 * WEEKS_SEEN):
        return season
    counts = np.bincount(positions, minlength=season)
    kept = int((counts >= KEPT_SHARE * counts.max()).sum())
    return kept if 2 <= kept < season else season


def _one_series(times: pd.DatetimeIndex, offsets: np.ndarray | None) -> pd.DatetimeIndex:
    """Return the stamps of the first series of at least 3 rows among ``times``.

    Without ``offsets`` (or when no series has 3 rows), those up to the first stamp that does
    not increase (a panel's next series starts there, unless it starts later than the one
    before ends).
    """
    if offsets is None:
        backwards = np.flatnonzero(np.diff(times.as_unit("ns").asi8) <= 0)
        return times[: backwards[0] + 1] if len(backwards) else times
    for begin, stop in itertools.pairwise(offsets):
        end = min(int(stop), len(times))
        if end - begin >= 3:
            return times[int(begin) : end]
        if end == len(times):
            break
    return _one_series(times, None)  # series of 1 or 2 rows: the stamps while they increase
