"""The season of time stamps: rows in a day, a week or a year, as `seasonal_period` reads it.

A day for sub-daily data, a week for daily data, a year for weekly, monthly and quarterly
data; read from the stamps' usual step (`tsforecast._time.usual_step`) and calendar, and from
which weekdays and hours of the day a table keeps (business days, office hours).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from tsforecast._time import calendar_offset, usual_step

__all__ = ["seasonal_period"]

# Weeks of daily or sub-daily stamps, at least, from which `seasonal_period` reads the weekdays
# or the hours of the day a table keeps (business days, office hours).
WEEKS_SEEN = 2
# Share of the whole days, at least, that must hold the same smaller number of rows for a day
# of sub-daily stamps to be read as that many rows (office hours).
KEPT_SHARE = 0.8


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
        return _rows_per_day_kept(_one_series(times, offsets), int(rows_per_day))
    days = step / pd.Timedelta("1D")
    if days == 1:
        return _weekdays_kept(_one_series(times, offsets))
    # months and quarters are not fixed steps: read the calendar of one series
    offset = calendar_offset(_one_series(times, offsets))
    kind = type(offset).__name__
    if "Semi" in kind:  # twice a month (the 15th and the month's end, or 1st and 15th)
        return 24 if 13 <= days <= 17 else None
    if days % 7 == 0 and 52 % (days // 7) == 0:
        return int(52 // (days // 7))  # weeks, or every 2 or 4 weeks
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


def _weekdays_kept(times: pd.DatetimeIndex) -> int:
    """Rows in a week of daily stamps: 7, or the weekdays kept where some are (almost) never.

    A weekday is kept when it occurs at least half as often as the most frequent one (a rare
    Saturday of trading does not make a six-day week). Judged on at least `WEEKS_SEEN`
    weeks of stamps: fewer cannot tell a weekday left out from one missing by chance.
    """
    if len(times) < WEEKS_SEEN * 7:
        return 7
    counts = np.bincount(np.asarray(times.day_of_week), minlength=7)
    kept = int((counts >= 0.5 * counts.max()).sum())
    return kept if kept >= 2 else 7


def _rows_per_day_kept(times: pd.DatetimeIndex, rows_per_day: int) -> int:
    """Rows in a day of sub-daily stamps: ``rows_per_day``, or the rows of the hours kept.

    Where most whole days (`KEPT_SHARE`) of at least `WEEKS_SEEN` weeks hold the same
    smaller number of rows (business hours: 9 of 24), a day is that many rows.
    """
    days = times.normalize()
    if len(times) < 2 or (days[-1] - days[0]) < pd.Timedelta(days=7 * WEEKS_SEEN):
        return rows_per_day
    _, counts = np.unique(days.as_unit("ns").asi8, return_counts=True)
    whole = counts[1:-1]  # the first and last days may be cut
    values, seen = np.unique(whole, return_counts=True)
    usual = int(values[np.argmax(seen)])
    if 2 <= usual < rows_per_day and seen.max() >= KEPT_SHARE * len(whole):
        return usual
    return rows_per_day


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
