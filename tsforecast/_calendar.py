"""Calendars of time stamps: their usual step, and the calendar frequency they lie on.

The usual step of a series (`usual_step`) and the calendar that steps of varying length
follow: months, quarters and years (`calendar_offset`, named by pandas or read from the
stamps; `calendar_grid`, with periods missing), weeks, and business days. Business days
(Monday to Friday) whose holidays are left out are not a fixed step of a day, and
`pandas.infer_freq` names no frequency for them: their future stamps stepped a day at a
time, and a forecast after a Friday was stamped Saturday and Sunday. `weekday_calendar`
names the calendar such stamps lie on (``BDay``, or a ``CustomBusinessDay`` for other weeks:
Sunday to Thursday), so that their future stamps skip the days the data never holds and the
missing holidays are reported as missing periods (`tsforecast._time.missing_periods`), as
are days missing from daily data (`daily_with_missing_days`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from tsforecast._warnings import ignoring

__all__ = [
    "asfreq_call",
    "calendar_grid",
    "calendar_offset",
    "daily_with_missing_days",
    "most_common",
    "usual_step",
    "weekday_calendar",
]

# `calendar_grid` refuses a grid of over this many times as many dates as stamps (events).
GRID_SPAN = 2

# Daily stamps are read as days with some missing where the days they span are at most this
# many times as many as the stamps.
DAYS_SPAN = 2

# Weeks the stamps must span before the weekdays they skip are read as never held; a weekday
# is held where it occurs in at least `HELD_SHARE` of those weeks (two missing Wednesdays of
# 15 days are missing values, not a week without Wednesdays).
WEEKS_SEEN = 4
HELD_SHARE = 0.5
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _wall_clock(times: Any) -> Any:
    """Return stamps as their local wall-clock times, zone dropped (a day stays 24 hours)."""
    if not isinstance(times, pd.DatetimeIndex) or len(times) < 3:
        return None
    return times if times.tz is None else times.tz_localize(None)


def _daily_stamps(times: pd.DatetimeIndex) -> bool:
    """Whether wall-clock ``times`` are one stamp a day, mostly a day apart, over some weeks."""
    if times[-1] - times[0] < pd.Timedelta(weeks=WEEKS_SEEN):
        return False
    midnights = times.normalize()
    if len(np.unique(np.asarray(times - midnights))) > 1:
        return False  # several times of day: not one stamp a day
    days = np.diff(midnights.as_unit("ns").asi8) // (24 * 3600 * 10**9)
    return bool(most_common(days) == 1)


def daily_with_missing_days(times: Any) -> Any:
    """Return ``Day()`` for daily stamps on every weekday with some days missing, else None.

    Stamps at one time of day, mostly a day apart, over at least `WEEKS_SEEN` weeks, that
    skip some days but cover at least ``1 / DAYS_SPAN`` of those they span: a daily series
    with missing values left out, which `fit` reads as irregular (no seasonal transforms).

    Examples
    --------
    >>> weekday_calendar(pd.date_range("2024-01-01", periods=40).delete([3, 12])) is None
    True
    >>> daily_with_missing_days(pd.date_range("2024-01-01", periods=40).delete([3, 12]))
    <Day>
    """
    local = _wall_clock(times)
    if local is None or not _daily_stamps(local) or len(_held(local)) < 7:
        return None  # business days (holidays missing) are `weekday_calendar`'s
    spanned = (local[-1].normalize() - local[0].normalize()).days + 1
    return pd.offsets.Day() if len(local) < spanned <= DAYS_SPAN * len(local) else None


def weekday_calendar(times: Any) -> Any:
    """Return the business-day calendar of daily stamps that skip some weekdays, or None.

    Stamps at one time of day, mostly a day apart, spanning at least `WEEKS_SEEN` weeks,
    on fewer than 7 (and more than 1) days of the week, each held in at least `HELD_SHARE`
    of the weeks: ``BDay()`` for Monday to Friday, else ``CustomBusinessDay(weekmask=...)``
    of the weekdays held. None where a stamp falls on a weekday not held (a Saturday opened
    once: the calendar is not read from it). Whether the stamps fill it (missing days
    allowed) is the caller's to judge.

    Examples
    --------
    >>> days = pd.bdate_range("2024-01-01", periods=40).delete([0, 10])  # two holidays
    >>> weekday_calendar(days)
    <BusinessDay>
    >>> weekday_calendar(pd.date_range("2024-01-01", periods=40, freq="D")) is None
    True
    """
    local = _wall_clock(times)
    if local is None or not _daily_stamps(local):
        return None
    return _weekdays_held(local)


def _held(local: pd.DatetimeIndex) -> np.ndarray:
    """Return the weekdays daily ``local`` stamps hold: in `HELD_SHARE` of their weeks."""
    weeks = (local[-1] - local[0]) / pd.Timedelta(weeks=1)
    counts = np.bincount(np.asarray(local.day_of_week), minlength=7)
    return np.flatnonzero(counts >= HELD_SHARE * weeks)


def _weekdays_held(local: pd.DatetimeIndex) -> Any:
    """Return the business-day calendar of the weekdays ``local`` stamps hold, or None."""
    held = _held(local)
    if not 1 < len(held) < 7 or not np.isin(np.asarray(local.day_of_week), held).all():
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


def usual_step(times: Any, *, decimals: int | None = None) -> Any:
    """Most common difference between consecutive stamps; the smallest of equally common ones.

    Parameters
    ----------
    times : DatetimeIndex or 1-D array of numbers, datetime64 or timedelta64
        Stamps in increasing order.
    decimals : int, optional
        Numeric stamps: compare the differences rounded to this many decimals (stamps in
        files are rounded, so equal steps differ in the last digits).

    Returns
    -------
    Timedelta, number or None
        A Timedelta for datetime stamps, a number otherwise; None with fewer than two stamps
        (missing stamps do not count).

    Examples
    --------
    >>> float(usual_step(np.array([0.0, 1.0, 2.0, 4.0])))
    1.0
    """
    if len(times) < 2:
        return None
    if isinstance(times, pd.DatetimeIndex):
        times = times.as_unit("ns").asi8.view("M8[ns]")
    steps = np.diff(np.asarray(times))
    steps = steps[~(np.isnat(steps) if steps.dtype.kind == "m" else np.isnan(steps))]
    if decimals is not None:
        steps = np.round(steps, decimals)
    if len(steps) == 0:
        return None
    step = most_common(steps)
    return pd.Timedelta(step) if steps.dtype.kind == "m" else step


def most_common(steps: np.ndarray) -> Any:
    """Return the most common of ``steps`` (not empty); the smallest of equally common ones."""
    distinct, counts = np.unique(steps, return_counts=True)
    return distinct[np.argmax(counts)]  # np.unique sorts: ties go to the smaller step


def calendar_offset(times: Any) -> Any:
    """Return the index's calendar frequency (month starts, business days...), or None.

    Fixed steps (hours, days) return None: they are extended by the usual step.
    """
    if not isinstance(times, pd.DatetimeIndex) or len(times) < 2:
        return None
    if times[1] - times[0] < pd.Timedelta(days=1):
        return None  # sub-daily: fixed steps (and no inference to pay for)
    if len(times) == 2 and times.freq is None:  # too few for pandas to infer a frequency
        return _same_day_months(times) or _month_ends(times)  # else a fixed step (weeks)
    freq = times.freq
    if freq is None:
        try:
            # pandas 3 announces an offset instead of a str
            with ignoring(Warning, "A future version of pandas will return"):
                freq = pd.infer_freq(times)
        except (TypeError, ValueError):
            return None
    if freq is None:
        return _same_day_months(times)
    offset = pd.tseries.frequencies.to_offset(freq)
    return None if isinstance(offset, pd.offsets.Tick) else offset


def _same_day_months(times: pd.DatetimeIndex, missing: bool = False) -> Any:
    """Return ``DateOffset(months=k)`` for stamps on one day of every k-th month, or None.

    Monthly, quarterly or yearly data stamped mid-period (the 15th), which `pandas.infer_freq`
    does not name: extended by days they drifted (2009-03-18 after 2009-02-15) and lost their
    season. Days after the 28th are month ends (`MonthEnd`); ``missing``: periods may be
    missing (every step a multiple of k).
    """
    if not (times.day == times[0].day).all() or times[0].day > 28:
        return None
    if len(set(zip(times.hour, times.minute, times.second, strict=True))) > 1:
        return None
    months = np.diff(np.asarray(times.year) * 12 + np.asarray(times.month))
    for k in (1, 3, 12):
        if (months == k).all() or (missing and (months > 0).all() and (months % k == 0).all()
                                   and (months == k).mean() >= 0.5):  # fmt: skip
            return pd.DateOffset(months=k)
    return None


def _month_ends(times: pd.DatetimeIndex) -> Any:
    """Return ``MonthEnd(k)`` for month-end stamps every k-th month (k of 1, 3, 12), or None.

    For two stamps, which `pandas.infer_freq` cannot name (three or more it names "ME").
    """
    if not times.is_month_end.all() or (times != times.normalize()).any():
        return None
    months = np.diff(np.asarray(times.year) * 12 + np.asarray(times.month))
    for k in (1, 3, 12):
        if (months == k).all():
            return pd.offsets.MonthEnd(k)
    return None


def calendar_grid(times: Any) -> Any:
    """Return the calendar frequency whose dates hold all of ``times``, missing ones allowed.

    Month or quarter starts with a few months missing are still a monthly or quarterly
    series, with missing periods, which `pandas.infer_freq` does not see. The candidates
    follow the usual step: months (28-31 days: month starts or ends), quarters (89-92 days),
    years (365-366 days), weeks (7 days, on the first stamp's weekday), business days (daily
    stamps that skip some weekdays, `weekday_calendar`: holidays missing); None for other
    steps (daily and finer data steps by fixed durations), or when no candidate holds every
    stamp.

    Examples
    --------
    >>> quarters = pd.date_range("2020-01-01", periods=8, freq="QS").delete([4, 5])
    >>> calendar_grid(quarters)
    <QuarterBegin: startingMonth=1>
    >>> calendar_grid(pd.DatetimeIndex(["2020-01-01", "2020-02-01", "2020-03-01", "2020-03-15"]))
    """
    if not isinstance(times, pd.DatetimeIndex) or len(times) < 3:
        return None
    first = times[0]
    candidates: list[Any] = []
    if times[1] - times[0] < pd.Timedelta(days=1):
        return None  # finer than daily: fixed steps (and nothing to pay for)
    days = usual_step(times) / pd.Timedelta(days=1)
    anchor = (first.month - 1) % 3 + 1
    if days == 1:
        business = weekday_calendar(times)
        candidates = [] if business is None else [business]
    elif 28 <= days <= 31:
        candidates = [pd.offsets.MonthBegin(), pd.offsets.MonthEnd()]
    elif 89 <= days <= 92:
        candidates = [pd.offsets.QuarterBegin(startingMonth=anchor),
                      pd.offsets.QuarterEnd(startingMonth=anchor)]  # fmt: skip
    elif 365 <= days <= 366:
        candidates = [
            pd.offsets.YearBegin(month=first.month),
            pd.offsets.YearEnd(month=first.month),
        ]
    elif days == 7:
        candidates = [pd.offsets.Week(weekday=first.weekday())]
    same_day = None if days < 7 else _same_day_months(times, missing=True)
    if same_day is not None:
        candidates.append(same_day)
    for offset in candidates:
        if not offset.is_on_offset(first):
            continue
        grid = pd.date_range(first, times[-1], freq=offset)
        if len(grid) <= GRID_SPAN * len(times) and times.isin(grid).all():
            return offset
    return None
