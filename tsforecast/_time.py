"""Time stamps: a series' future stamps, its missing periods, its gaps and regular rows.

With `tsforecast._calendar` (the usual step of a series and the calendar its stamps lie
on), the place that reads time for the rest of the package: the forecaster (future stamps,
whether rows are regular), the plots (where forecasts are drawn) and the adapters (the grid
of a weather table, the hop of audio frames) all use these functions; the season of the
stamps is read in `tsforecast._seasons`, the calendar inputs a model reads in
`tsforecast._time_features`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from tsforecast._calendar import (
    WEEKS_SEEN,
    asfreq_call,
    calendar_grid,
    calendar_offset,
    daily_with_missing_days,
    most_common,
    usual_step,
)
from tsforecast._checks import show
from tsforecast._segments import horizon_rows, series_chunks

__all__ = [
    "check_regular",
    "future_times",
    "missing_period_advice",
    "missing_periods",
    "over_times_never_held",
    "panel_calendar",
    "said_stamp",
    "series_future_times",
]

# Rows read at a time (or at all, for the usual step and season) on large data.
SAMPLE_ROWS = 1 << 20
# A series of at most this many stamps follows its panel's calendar where it lies on it.
FEW_STAMPS = 10


def future_times(
    times: Any, steps: int, *, after: Any = None, fallback: Any = None, panel: Any = None
) -> Any:
    """Return the ``steps`` stamps after the last of ``times``, its usual step apart.

    Parameters
    ----------
    times : DatetimeIndex or 1-D array
        The stamps of one series, in increasing order.
    steps : int
        How many future stamps.
    after : stamp, optional
        Continue from this stamp instead of the last of ``times`` (a forecast made inside
        the series, stepping as the whole series does).
    fallback : Timedelta or number, optional
        The step of a series with a single stamp (the usual step of its panel).
    panel : DateOffset, optional
        The calendar of the series' panel (`panel_calendar`), taken by a series of at most
        `FEW_STAMPS` stamps that lie on it a period apart: too few to show their own (one
        month, three business days).

    Returns
    -------
    DatetimeIndex or ndarray
        Of the kind of ``times``.

    Raises
    ------
    ValueError
        With fewer than two (non-missing) stamps: no step to extend.
    """
    last = times[-1] if after is None else after
    calendar = panel if _fits(times, panel) else calendar_offset(times)
    if calendar is None:  # months with some missing: still months, not 91-day steps
        calendar = calendar_grid(times)
    if calendar is not None:  # months, business days...: not a fixed duration
        return pd.date_range(last, periods=steps + 1, freq=calendar)[1:]
    step = usual_step(times)
    if step is None:
        step = fallback
    if step is None:
        raise ValueError(
            "a series with fewer than two time stamps has no time step to extend; pass its "
            "values without time stamps to get an array."
        )
    if isinstance(times, pd.DatetimeIndex):
        if pd.Timestamp(last).value + pd.Timedelta(step).value * steps > pd.Timestamp.max.value:
            raise ValueError(
                f"{steps} steps of {step} after {last} go past the last date time stamps can "
                "hold (2262-04-11); forecast fewer steps, or pass the values without stamps."
            )
    future = last + step * np.arange(1, steps + 1)
    if not isinstance(times, pd.DatetimeIndex):
        return future
    try:  # the step as the index's frequency (hours...)
        return pd.DatetimeIndex(future, freq=pd.tseries.frequencies.to_offset(pd.Timedelta(step)))
    except (ValueError, TypeError):
        return pd.DatetimeIndex(future)


def _fits(times: Any, calendar: Any) -> bool:
    """Whether a few stamps lie on ``calendar`` a period apart (none missing)."""
    if calendar is None or not isinstance(times, pd.DatetimeIndex) or len(times) > FEW_STAMPS:
        return False
    grid = pd.date_range(times[0], times[-1], freq=calendar)
    return len(grid) == len(times) and bool(times.isin(grid).all())


def panel_calendar(data: Any) -> Any:
    """Return the calendar of a panel's longest series, where some series are short; or None."""
    local = data.local_time
    if local is None or data.n_series < 2 or data.series_lengths.min() > FEW_STAMPS:
        return None
    longest = int(np.argmax(data.series_lengths))
    own = local[data.offsets[longest] : data.offsets[longest + 1]]
    found = calendar_offset(own)
    return found if found is not None else calendar_grid(own)


def missing_periods(data: Any) -> tuple[Any, int] | None:
    """Return a calendar frequency and how many of its periods a series misses, or None.

    For series whose stamps all lie on one calendar frequency (`calendar_grid`; days:
    `daily_with_missing_days`) with periods missing between them: the frequency of the first
    such series and the count over all.
    """
    local = data.local_time
    if local is None or data.n_series > SAMPLE_ROWS // 8:
        return None
    # Only series that skip a step can miss a period: found for all series at once.
    skipped = skipped_steps(data, local, local)
    found, missing = None, 0
    for series in np.unique(np.searchsorted(data.offsets, skipped, side="right") - 1):
        own = local[data.offsets[series] : data.offsets[series + 1]]
        grid = calendar_grid(own) or daily_with_missing_days(own)
        if grid is None:
            continue
        gaps = len(pd.date_range(own[0], own[-1], freq=grid)) - len(own)
        if gaps:
            found = grid if found is None else found
            missing += gaps
    return None if found is None else (found, missing)


def missing_period_advice(data: Any) -> tuple[str, int, str] | None:
    """Return the calendar, the count and the fix of the periods missing from ``data``, or None.

    As `missing_periods` finds them: the calendar as a warning names it ("'QS-JAN'", "'B'
    (business days)"...), how many periods are missing, and the call that gives them as rows
    of NaN (``X.asfreq(...)``; periods: ``X.reindex(pandas.period_range(...))``).
    """
    found = missing_periods(data)
    if found is None:
        return None
    grid, missing = found
    name = repr(grid.freqstr)
    if isinstance(grid, pd.offsets.CustomBusinessDay):
        name = f"of business days {grid.weekmask}"
    elif isinstance(grid, pd.offsets.BusinessDay):
        name = "'B' (business days)"
    if type(grid) is pd.DateOffset:  # one day of every k-th month (the 15th)
        name = f"every {grid.kwds['months']} month(s) on day {data.local_time[0].day}"
    periods = data.metadata.get("periods")
    if periods is not None:  # the periods' own frequency, not their first instants' ('MS')
        name = repr(pd.Period(data.local_time[0], freq=periods).freqstr)
    return name, missing, filling_call(data, grid)


def filling_call(data: Any, grid: pd.DateOffset) -> str:
    """Return the call that gives the rows missing from ``data``'s calendar ``grid`` as NaN.

    ``X.asfreq(...)`` on stamps; on periods (which ``asfreq`` converts to another frequency
    instead of filling) ``X.reindex(pandas.period_range(...))``.
    """
    fix = asfreq_call(grid)
    if type(grid) is pd.DateOffset:  # one day of every k-th month (the 15th)
        fix = f"X.asfreq(pandas.DateOffset(months={grid.kwds['months']}))"
    if data.metadata.get("periods") is not None:  # periods: asfreq converts, not fills
        fix = "X.reindex(pandas.period_range(X.index[0], X.index[-1], freq=X.index.freq))"
        if isinstance(grid, pd.offsets.BusinessDay | pd.offsets.CustomBusinessDay):
            days = asfreq_call(grid).removeprefix("X.asfreq(").removesuffix(")")
            fix = ("X.reindex(pandas.date_range(X.index[0].to_timestamp(), "
                   f"X.index[-1].to_timestamp(), freq={days}).to_period('D'))")  # fmt: skip
    return fix


def series_future_times(data: Any, steps: int, *, owner: str) -> list[Any]:
    """Return the next ``steps`` stamps of each series of a `SequenceData` with time stamps.

    Datetimes give DatetimeIndexes, numeric stamps arrays. A series with a single stamp steps
    as its panel usually does (the most common step within the other series); a series too
    short to show its calendar follows its panel's (`panel_calendar`) where it lies on it.
    """
    local = data.local_time
    stamps = local if local is not None else data.time
    fallback = None
    if (data.series_lengths < 2).any():
        within = np.ones(len(stamps), bool)
        within[data.offsets[:-1]] = False  # a step into a new series is not a step
        numbers = local.as_unit("ns").asi8 if local is not None else np.asarray(stamps)
        steps_within = np.diff(numbers)[within[1:]]
        if len(steps_within):
            fallback = most_common(steps_within)
            if local is not None:
                fallback = pd.Timedelta(int(fallback), unit="ns")
    calendar = panel_calendar(data)
    try:
        return [
            future_times(stamps[start:stop], steps, fallback=fallback, panel=calendar)
            for start, stop in data.series_bounds
        ]
    except ValueError as error:
        raise ValueError(f"{owner}: {error}") from None


def as_numbers(stamps: Any) -> np.ndarray:
    """Return stamps as float64 numbers: hours for a DatetimeIndex, else as given.

    Zone-aware stamps count elapsed time (UTC): a clock change is not a gap of 0 or 2 hours.
    """
    if isinstance(stamps, pd.DatetimeIndex):
        return stamps.as_unit("ns").asi8 / 3.6e12  # UTC instants when zone-aware
    return np.asarray(stamps, dtype=np.float64)


def stamps_as_numbers(data: Any) -> np.ndarray | None:
    """Return a `SequenceData`'s stamps as numbers (`as_numbers`); None without stamps."""
    local = data.local_time
    if local is not None:
        return as_numbers(local)
    return None if data.time is None else as_numbers(data.time)


def gaps_of(stamps: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Return the time since the previous row of each row (0 at the start of each series)."""
    gaps = np.diff(stamps, prepend=stamps[:1])
    gaps[offsets[:-1]] = 0.0
    return gaps


def gap_feature(gaps: np.ndarray) -> np.ndarray:
    """Return what a model reads of a time gap: ``log(1 + gap)`` (hours for datetimes).

    The log keeps a rare long gap (a patient back after months) from acting as an extreme
    input on a linear path: the network reads the gap's order of magnitude.
    """
    return np.log1p(np.maximum(gaps, 0.0))


def sample_times(data: Any) -> pd.DatetimeIndex | None:
    """Return the local time of the first `SAMPLE_ROWS` rows (all rows of smaller data).

    Enough to tell the usual step and the season; on data larger than memory, the stamps of
    every row would cost 8 bytes a row.
    """
    if data.n_timesteps <= SAMPLE_ROWS:
        return data.local_time
    return data._rows(slice(0, SAMPLE_ROWS)).local_time


def is_irregular(data: Any) -> bool:
    """Whether the time between rows varies within some series (visits, events).

    Each series is compared with its own usual gap (an hourly and a two-hourly series are
    both regular); a step over times the data never holds (`_never_held`) is no gap: working
    days of any week (Sunday to Thursday, six days) are regular. False without stamps.
    Gaps within a thousandth of the usual one count as equal (rounded stamps). Large data
    is read whole series at a time (bounded memory).
    """
    if data.n_timesteps > SAMPLE_ROWS and data.n_series > 1:
        return any(
            is_irregular(data._rows(slice(begin, end)))
            for begin, end in series_chunks(data.offsets, SAMPLE_ROWS)
        )
    stamps = stamps_as_numbers(data)
    if stamps is None:
        return False
    gaps = gaps_of(stamps, data.offsets)
    usual = np.repeat(usual_gaps(stamps, data.offsets), data.series_lengths)
    within = np.ones(len(gaps), bool)
    within[data.offsets[:-1]] = False
    tolerance = 1e-3 * np.maximum(np.abs(usual), 1e-12)
    odd = np.flatnonzero(within & (np.abs(gaps - usual) > tolerance))
    local = data.local_time
    weeks = local is not None and local[-1] - local[0] >= pd.Timedelta(weeks=WEEKS_SEEN)
    if len(odd) and weeks:
        # Steps over times the data never holds (the weekend of a Sunday-to-Thursday or a
        # six-day week, the night of office hours) are no gaps, as `check_regular` reads them;
        # over fewer weeks every time of the week is held at most once (a missing hour would
        # be excused).
        odd = odd[~over_times_never_held(local, odd, gaps, usual)]
    if not len(odd):
        return False
    return not _on_calendar(data)


def check_regular(data: Any, owner: str) -> None:
    """Refuse history that skips steps, given to a model fitted on regular rows.

    Such a model (``time_gaps_=False``, found so by fit) reads each row as the next step: a
    monthly series with one month left out was forecast as if the month after the gap
    followed the one before (104.0, 113.8, 125.0 for 112.0, 122.1, 129.5), and a backtest
    scored forecasts against the truths of the following months, without a word. A step is
    skipped where the time since the previous row is over 1.5 times the series' usual one
    (months of 28 to 31 days are one step), unless every time skipped is one the history
    never holds (`_never_held`: the weekend of business days, the night of office hours).
    """
    if data.time is None:
        return
    local = data.local_time  # converted to its zone on each read: once here
    shown = data.time if local is None else local
    skipped = skipped_steps(data, shown, local)
    if not len(skipped):
        return
    row = int(skipped[0])
    series = int(np.searchsorted(data.offsets, row, side="right") - 1)
    named = "the series" if data.n_series == 1 else f"series {show(data.series_ids[series])}"
    fix = "X.asfreq(freq) on a DatetimeIndex"
    if local is not None:
        grid = calendar_grid(local[data.offsets[series] : data.offsets[series + 1]])
        if grid is not None:
            fix = filling_call(data, grid)
    period = data.metadata.get("periods")
    before, after = shown[row - 1], shown[row]
    if period is not None:  # said as the user's periods
        before, after = (
            pd.Timestamp(before).to_period(period),
            pd.Timestamp(after).to_period(period),
        )
    raise ValueError(
        f"{owner}: the rows of X skip steps: {named} goes from {said_stamp(before)} "
        f"to {said_stamp(after)} ({len(skipped)} such gap(s) in all). The model was fitted on "
        "regular rows (time_gaps_=False) and reads each row as the next step, so its "
        "forecasts after a skipped step would be of other times, and a backtest would score "
        "them against the truths of later ones. Give the missing steps as rows of NaN, which "
        f"the model reads as missing values ({fix}; a panel: each series reindexed so), or "
        "fit with time_gaps=True to read irregular series."
    )


def skipped_steps(data: Any, shown: Any, local: Any) -> np.ndarray:
    """Return the rows that follow a skipped step of their series (`check_regular`'s rule).

    A step is skipped where the time since the previous row is over 1.5 times the series'
    usual one, unless (``local``: datetime stamps) every time skipped is one the data never
    holds (`_never_held`). ``shown``: the stamps (``local``, or numeric time).
    """
    stamps = as_numbers(shown)  # as `stamps_as_numbers` reads them
    gaps = gaps_of(stamps, data.offsets)
    usual = np.repeat(usual_gaps(stamps, data.offsets), data.series_lengths)
    skipped = np.flatnonzero(gaps > 1.5 * usual)
    if len(skipped) and local is not None:
        skipped = skipped[~_never_held(local, skipped, gaps, usual)]
    return skipped


def over_times_never_held(
    local: pd.DatetimeIndex, rows: np.ndarray, gaps: np.ndarray, usual: np.ndarray
) -> np.ndarray:
    """Whether the step before each of ``rows`` passes only times the data never holds.

    A whole number (2 or more) of usual steps, every time skipped one the data never holds
    (`_never_held`): Friday to Monday of business days, the weekend of a Sunday-to-Thursday
    week.
    """
    ratio = gaps[rows] / usual[rows]
    whole = (ratio > 1.5) & (np.abs(ratio - np.rint(ratio)) <= 1e-3)
    excused = np.zeros(len(rows), bool)
    if whole.any():
        excused[whole] = _never_held(local, rows[whole], gaps, usual)
    return excused


def _never_held(
    local: pd.DatetimeIndex, rows: np.ndarray, gaps: np.ndarray, usual: np.ndarray
) -> np.ndarray:
    """Whether every time skipped before each of ``rows`` is one the history never holds.

    A time is its weekday and time of day; the steps skipped are the usual step's multiples
    between the row and the one before (at most a week of them; a month of 28 to 31 days
    skips none). Business days skip Saturdays and Sundays, which they never hold; office
    hours skip the night.
    """
    nanos = local.as_unit("ns").asi8
    held = np.unique(_week_minute(nanos))
    steps = np.rint(gaps[rows] / usual[rows]).astype(np.int64) - 1
    step_nanos = np.rint(usual[rows] * 3.6e12).astype(np.int64)
    within_week = (steps >= 1) & (steps * step_nanos <= 7 * 24 * 3600 * 10**9)
    excused = np.zeros(len(rows), bool)
    for count in np.unique(steps[within_week]):
        chosen = np.flatnonzero(within_week & (steps == count))
        ahead = np.arange(1, count + 1) * step_nanos[chosen, None]  # (n, count)
        times = _week_minute(nanos[rows[chosen] - 1, None] + ahead)
        excused[chosen] = ~np.isin(times, held).any(axis=1)
    return excused


def _week_minute(nanos: np.ndarray) -> np.ndarray:
    """Return the minute of the week (Monday 00:00 is 0) of local stamps in nanoseconds."""
    minutes = nanos // (60 * 10**9)
    return (minutes + 3 * 24 * 60) % (7 * 24 * 60)  # 1970-01-01 was a Thursday


def said_stamp(stamp: Any) -> str:
    """Say a stamp as a user wrote it: a date at midnight, else the time, or the number.

    Examples
    --------
    >>> said_stamp(pd.Timestamp("2024-03-01")), said_stamp(pd.Timestamp("2024-03-01 09:30"))
    ('2024-03-01', '2024-03-01 09:30:00')
    >>> said_stamp(np.float64(2.5)), said_stamp(pd.Period("2024-03", "M"))
    ('2.5', '2024-03')
    """
    if isinstance(stamp, pd.Period):
        return str(stamp)
    if isinstance(stamp, pd.Timestamp | np.datetime64):
        stamp = pd.Timestamp(stamp)
        return str(stamp.date() if stamp == stamp.normalize() else stamp)
    return show(stamp)


def _on_calendar(data: Any) -> bool:
    """Whether every series steps by a calendar frequency (months, quarters, years...).

    Such series are regular although their steps vary in length (a month is 28 to 31 days).
    """
    local = data.local_time
    if local is None or data.n_series > SAMPLE_ROWS // 8:
        return False
    return all(
        stop - start >= 3 and calendar_offset(local[start:stop]) is not None
        for start, stop in data.series_bounds
    )


def gaps_ahead(
    stamps: np.ndarray, offsets: np.ndarray, horizon: int, rows: np.ndarray | None = None
) -> np.ndarray:
    """Return the time from row ``t + k - 1`` to row ``t + k`` for ``k = 1..horizon``.

    Past the end of a series, each step is the series' usual gap (its panel's for a series
    of one row; 1 if none): shape ``(len(rows), horizon)``.
    """
    rows = np.arange(len(stamps)) if rows is None else np.asarray(rows)
    series = np.searchsorted(offsets, rows, side="right") - 1
    ahead, inside = horizon_rows(rows, offsets[series + 1], horizon)
    usual = usual_gaps(stamps, offsets)[series]
    return np.where(inside, gaps_of(stamps, offsets)[ahead], usual[:, None])


def usual_gaps(stamps: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Return the most common time between rows of each series (its panel's for one row).

    Ties go to the smaller gap; 1 when no series has two rows. One vectorised pass: runs of
    equal (series, gap) pairs after a sort, the longest run of each series.
    """
    gaps = gaps_of(stamps, offsets)
    lengths = np.diff(offsets)
    within = np.ones(len(gaps), bool)
    within[offsets[:-1]] = False
    if not within.any():
        return np.ones(len(lengths))
    usual = np.full(len(lengths), float(most_common(gaps[within])))
    series = np.repeat(np.arange(len(lengths)), lengths)[within]
    order = np.lexsort((gaps[within], series))
    series, values = series[order], gaps[within][order]
    starts = np.flatnonzero(np.r_[True, (series[1:] != series[:-1]) | (values[1:] != values[:-1])])
    counts = np.diff(np.r_[starts, len(series)])
    # By series, then the longest run first; the stable sort keeps the smaller gap on ties.
    best = np.lexsort((-counts, series[starts]))
    run_series = series[starts][best]
    first = np.r_[True, run_series[1:] != run_series[:-1]]
    usual[run_series[first]] = values[starts][best][first]
    return usual
