"""Checks of the arrays a `SequenceData` is built from: values, time stamps, series ids.

Plain arrays in, validated (and normalised) arrays out; nothing here knows `SequenceData`.
The errors say what is wrong and how to fix it.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tsforecast._checks import show
from tsforecast._warnings import ignoring
from tsforecast.adapters._stamps import QUARTER

__all__ = [
    "as_time",
    "as_values",
    "check_time_order",
    "in_nanoseconds",
    "refuse_dates_as_text",
    "refuse_elapsed_time",
    "refuse_misread_index",
    "refuse_time_first",
    "series_offsets",
    "warn_if_whole_numbers_rounded",
    "warn_if_years_and_months",
    "year_month_numbers",
    "year_month_stamps",
]


def series_offsets(groups: Any, n_timesteps: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Find the contiguous series in a per-row array of series ids.

    Parameters
    ----------
    groups : array-like of shape (n_timesteps,) or None
        Series id of each row. The rows of one series must be contiguous.
        ``None`` means a single series of ``n_timesteps`` rows.
    n_timesteps : int, optional
        Expected number of rows; required when ``groups`` is None.

    Returns
    -------
    offsets : ndarray of shape (n_series + 1,), int64
        Series ``i`` occupies rows ``offsets[i]:offsets[i + 1]``.
    ids : ndarray of shape (n_series,)
        The id of each series, in order of appearance.

    Raises
    ------
    ValueError
        If ``groups`` has the wrong length, holds missing ids, or one series appears in two
        separate places.

    Examples
    --------
    >>> offsets, ids = series_offsets(["a", "a", "b", "b", "b"])
    >>> offsets.tolist(), ids.tolist()
    ([0, 2, 5], ['a', 'b'])
    """
    if groups is None:
        if n_timesteps is None:
            raise ValueError("series_offsets needs n_timesteps when groups is None.")
        return np.array([0, n_timesteps], dtype=np.int64), np.array([0])
    groups = _ids_as_given(groups)
    if groups.ndim != 1:
        raise ValueError(f"groups must be 1-D (one series id per row); got shape {groups.shape}.")
    if n_timesteps is not None and len(groups) != n_timesteps:
        raise ValueError(
            f"groups has {len(groups)} entries but the data has {n_timesteps} rows; "
            "pass one series id per row."
        )
    if len(groups) == 0:
        return np.array([0], dtype=np.int64), groups[:0]
    missing = pd.isna(groups)
    if missing.any():
        row = int(np.flatnonzero(missing)[0])
        raise ValueError(f"groups has a missing series id at row {row}; every row needs an id.")
    # Runs of equal ids by comparing neighbours: no per-row codes (memory on long data).
    starts = np.flatnonzero(groups[1:] != groups[:-1]) + 1
    offsets = np.concatenate([[0], starts, [len(groups)]]).astype(np.int64)
    run_codes, _ = pd.factorize(groups[offsets[:-1]])
    if len(np.unique(run_codes)) != len(run_codes):
        seen: dict[int, int] = {}
        for run, code in enumerate(run_codes):
            if code in seen:
                first = seen[code]
                raise ValueError(
                    f"series {show(groups[offsets[run]])} is split: it occupies rows "
                    f"{offsets[first]}-{offsets[first + 1] - 1} and again from row "
                    f"{offsets[run]}. The rows of each series must be contiguous; sort the "
                    "rows by (series id, time) first."
                )
            seen[code] = run
    ids = groups[offsets[:-1]]
    if ids.dtype == object:
        _refuse_ids_alike(ids)
    return offsets, ids


def _ids_as_given(groups: Any) -> np.ndarray:
    """Return per-row series ids as an array, without turning numbers into text.

    NumPy reads ``[1, 1, "1", "1"]`` as four strings "1", one series; a sequence that mixes
    text and other ids is kept as objects (then `_refuse_ids_alike` names the clash).
    """
    array = np.asarray(groups)
    if array.dtype.kind == "U" and not isinstance(groups, np.ndarray):
        if any(not isinstance(value, str) for value in groups):
            return np.asarray(list(groups), dtype=object)
    return array


def _refuse_ids_alike(ids: np.ndarray) -> None:
    """Refuse distinct series ids that print alike (1 and "1": one series, or two?)."""
    kinds: dict[str, Any] = {}
    for value in ids:
        text = str(value).strip()
        if text in kinds and kinds[text] is not value and not _same_kind(kinds[text], value):
            first = kinds[text]
            raise ValueError(
                f"groups holds series ids that differ only in type ({first!r} "
                f"({type(first).__name__}) and {value!r} ({type(value).__name__})); are they "
                "one series or two? Make the ids one type first, e.g. "
                "groups=numpy.asarray(groups).astype(str)."
            )
        kinds.setdefault(text, value)


def _same_kind(a: Any, b: Any) -> bool:
    """Whether two ids are both text, or both numbers (1 and 1.0 are one id), or one type."""
    text = (str, np.str_)
    if isinstance(a, text) or isinstance(b, text):
        return isinstance(a, text) and isinstance(b, text)
    number = (int, float, np.number, np.bool_, bool)
    return (isinstance(a, number) and isinstance(b, number)) or type(a) is type(b)


def as_values(values: Any) -> np.ndarray:
    """Return ``values`` as a 2-D float32 array (no copy of a float32 one); 1-D is one feature.

    Raises
    ------
    TypeError
        If the values are not numeric.
    ValueError
        If they are not 1-D or 2-D, or have no row or no column.
    """
    array = np.asarray(values)
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"values must be numeric; got dtype {array.dtype}. Convert or drop the "
            "non-numeric columns first (SequenceData.from_frame(frame, columns=[...]) picks "
            "columns of a DataFrame)."
        )
    if array.ndim == 1:
        array = array[:, np.newaxis]
    if array.ndim != 2:
        raise ValueError(
            f"values must be 2-D (n_timesteps, n_features) or 1-D; got shape {array.shape}."
        )
    if array.shape[0] == 0:
        raise ValueError("values is empty: a sequence needs at least one time step.")
    if array.shape[1] == 0:
        raise ValueError("values has no features: it needs at least one column.")
    converted = array.astype(np.float32, copy=False)
    if converted is not array and array.dtype.kind in "iuf" and array.itemsize > 4:
        # warn <- as_values <- __post_init__ <- __init__ <- the caller
        warn_if_whole_numbers_rounded(array, converted, None, "SequenceData values", 5)
    return converted


def warn_if_whole_numbers_rounded(
    values: np.ndarray,
    converted: np.ndarray,
    names: list[str] | None,
    what: str,
    stacklevel: int = 4,
) -> None:
    """Warn once per column of whole numbers that float32 does not hold exactly.

    Whole numbers past 16,777,216 (ids, counts, Unix seconds such as 1704067217) are stored
    rounded to the nearest float32, up to a minute off for time stamps; say so, with the
    largest error and the fix. Measured quantities are not concerned: their rounding is far
    below their precision.
    """
    finite = np.isfinite(values)
    with np.errstate(invalid="ignore", over="ignore"):
        error = np.where(finite, np.abs(converted.astype(np.float64) - values), 0.0)
        whole = np.where(finite, values == np.round(values), True).all(axis=0)
    for column in np.flatnonzero(whole & (error.max(axis=0) > 0)):
        row = int(np.argmax(error[:, column]))
        named = f"column {column}" if names is None else f"column {names[column]!r}"
        warnings.warn(
            f"{what}: {named} holds whole numbers that float32, which tsforecast stores values "
            f"in, cannot hold exactly: {values[row, column]:.0f} becomes "
            f"{float(converted[row, column]):.0f} (the largest error, {error[row, column]:g}). "
            "Subtract an offset first (e.g. column - column.min()), or pass time stamps as "
            "the time axis (a DatetimeIndex or time=) rather than as a column.",
            UserWarning,
            stacklevel=stacklevel,
        )


def in_nanoseconds(array: np.ndarray) -> np.ndarray:
    """datetime64/timedelta64 at nanosecond resolution; a stamp that would overflow is an error.

    NumPy wraps around silently (9999-12-31 at microseconds becomes a date in 1815).
    """
    kind = "datetime64[ns]" if array.dtype.kind == "M" else "timedelta64[ns]"
    converted = array.astype(kind, copy=False)
    if converted is not array:
        with np.errstate(all="ignore"):
            lost = (converted.astype(array.dtype) != array) & ~np.isnat(array)
        if lost.any():
            row = int(np.flatnonzero(lost)[0])
            span = (
                "dates from 1677-09-21 to 2262-04-11"
                if array.dtype.kind == "M"
                else "durations up to about 292 years"
            )
            raise ValueError(
                f"time holds {array[row]} (row {row}, {int(lost.sum())} such in all), outside "
                f"what nanosecond time can hold ({span}). Replace placeholders such as "
                "9999-12-31 by missing values and drop those rows, or give time as numbers "
                "(e.g. years)."
            )
    return converted


def as_time(time: Any, n_timesteps: int) -> tuple[np.ndarray, str | None]:
    """Return time as datetime64[ns], timedelta64[ns] or float64, and its time zone."""
    time_zone = None
    if isinstance(time, (pd.Series, pd.Index)) and isinstance(time.dtype, pd.DatetimeTZDtype):
        time_zone = str(time.dtype.tz)
        time = pd.DatetimeIndex(time).tz_convert("UTC").tz_localize(None)
    array = np.asarray(time)
    if array.ndim != 1 or len(array) != n_timesteps:
        raise ValueError(
            f"time must be 1-D with one entry per row ({n_timesteps}); got shape {array.shape}."
        )
    if array.dtype.kind in "Mm":
        array = in_nanoseconds(array)
        missing = np.isnat(array)
    elif array.dtype.kind in "iuf":
        if array.dtype.kind in "iu" and len(array) and np.abs(array).max() > 2**53:
            row = int(np.argmax(np.abs(array) > 2**53))
            raise ValueError(
                f"time holds integers too large to keep exactly as float64 ({array[row]} at row "
                f"{row}; at most 2**53). Subtract an origin first, or pass datetimes (e.g. "
                "pandas.to_datetime(time, unit='ns') for nanoseconds since 1970)."
            )
        array = array.astype(np.float64, copy=False)
        missing = ~np.isfinite(array)
    else:
        example = array[0] if len(array) else None
        raise TypeError(
            f"time must hold datetimes or numbers; got dtype {array.dtype} "
            f"(e.g. {example!r}). Parse text time stamps with pandas.to_datetime first."
        )
    if missing.any():
        row = int(np.flatnonzero(missing)[0])
        raise ValueError(f"time is missing at row {row}; every row needs a time stamp.")
    return array, time_zone


def check_time_order(
    time: np.ndarray, offsets: np.ndarray, series_ids: np.ndarray, grouped: bool
) -> None:
    """Refuse time that does not increase strictly inside each series.

    Parameters
    ----------
    time : ndarray of shape (n_timesteps,)
        The stamps (datetime64, timedelta64 or float64), checked as `as_time` returns them.
    offsets, series_ids : ndarray
        The series, as `series_offsets` returns them.
    grouped : bool
        Whether the data has series ids (the error then names the series).

    Raises
    ------
    ValueError
        At the first row whose time repeats or goes back.
    """
    if len(time) < 2:
        return
    step_ok = time[1:] > time[:-1]
    step_ok[offsets[1:-1] - 1] = True  # a new series may start at any time
    if not step_ok.all():
        row = int(np.flatnonzero(~step_ok)[0]) + 1
        series = np.searchsorted(offsets, row, side="right") - 1
        where = f" in series {show(series_ids[series])}" if grouped else ""
        kind = "repeats" if time[row] == time[row - 1] else "goes back"
        raise ValueError(
            f"time {kind} at row {row}{where}: {time[row - 1]} then {time[row]}. Time must "
            "increase strictly inside each series; sort the rows by time (and series) and "
            "drop or merge duplicated time stamps first."
        )


def refuse_misread_index(index: pd.Index, owner: str) -> None:
    """Refuse an index that would be read as something else: time first, dates as text..."""
    refuse_time_first(index, owner)
    refuse_dates_as_text(index, owner)
    refuse_elapsed_time(index, owner)
    warn_if_years_and_months(index, owner)


def refuse_elapsed_time(index: pd.Index, owner: str) -> None:
    """Refuse a TimedeltaIndex, which would be read as row labels: no stamps, no season."""
    if not isinstance(index, pd.TimedeltaIndex):
        return
    raise ValueError(
        f"{owner}: X's index is a TimedeltaIndex (time elapsed), which a DataFrame's index "
        "is not read as: the rows would be forecast without stamps, season or calendar. Give "
        "it as hours, X.index = X.index / pandas.Timedelta(hours=1), or as dates, X.index = "
        "pandas.Timestamp('2024-01-01') + X.index; or pass SequenceData.from_frame(X), "
        "which reads it as time."
    )


def warn_if_years_and_months(index: pd.Index, owner: str) -> None:
    """Warn where a panel's (series id, time) look like (year, month) or (year, quarter).

    A monthly table indexed by (year, month) numbers reads as one series a year, of 12 rows
    stamped 1 to 12, and forecasts "month 13".
    """
    if not isinstance(index, pd.MultiIndex) or index.nlevels != 2 or len(index) < 24:
        return
    first, second = index.levels  # the distinct values: no pass over the rows
    if not all(pd.api.types.is_integer_dtype(level.dtype) for level in (first, second)):
        return
    seasons = set(np.asarray(second).tolist())
    if seasons not in ({*range(1, 13)}, {*range(1, 5)}) or first.nunique() < 2:
        return
    if not (1800 <= first.min() and first.max() <= 2200):
        return
    kind = "month" if len(seasons) == 12 else "quarter"
    warnings.warn(
        f"{owner}: X's index looks like (year, {kind}): its first level holds years "
        f"({first.min()} to {first.max()}) and its second the {kind}s 1 to {len(seasons)}. A "
        f"panel is indexed by (series id, time), so each year is read as a series of "
        f"{len(seasons)} rows. For one series, make the pairs dates: X.index = "
        "pandas.to_datetime(pandas.DataFrame({'year': X.index.get_level_values(0), 'month': "
        + (
            "X.index.get_level_values(1)"
            if kind == "month"
            else "3 * X.index.get_level_values(1) - 2"
        )
        + ", 'day': 1}))",
        UserWarning,
        stacklevel=_caller_level(),
    )


def _caller_level() -> int:
    """Return the ``stacklevel`` of the first frame outside the package: the user's call."""
    package = str(Path(__file__).resolve().parent)
    frame, level = sys._getframe(2), 2  # the caller of the function that warns
    while frame is not None and frame.f_code.co_filename.startswith(package):
        frame, level = frame.f_back, level + 1
    return level


def refuse_time_first(index: pd.Index, owner: str) -> None:
    """Refuse a panel indexed by (time, series id), which would be read the other way round.

    ``DataFrame.stack()`` of a wide table indexed by time gives such an index: its dates were
    read as 203 series of one row each, the stores' numbers as their time, and forecast
    without an error.
    """
    if not isinstance(index, pd.MultiIndex) or index.nlevels != 2:
        return
    first, second = (level.dtype for level in index.levels)  # no pass over the rows

    def is_time(kind: Any) -> bool:
        return pd.api.types.is_datetime64_any_dtype(kind) or isinstance(kind, pd.PeriodDtype)

    if is_time(first) and not is_time(second):
        names = [str(name) for name in index.names]
        raise ValueError(
            f"{owner}: X's index is (time, series id): its first level {names[0]!r} holds time "
            f"stamps and its second, {names[1]!r}, does not. A panel is indexed by (series "
            "id, time); read as it is, each time stamp would be a series and the series ids "
            "their time. Swap the levels: X = X.swaplevel().sort_index(). If the dates do "
            "name the series (cohorts by their start), make them text: X.index = "
            "X.index.set_levels(X.index.levels[0].astype(str), level=0)."
        )


def refuse_dates_as_text(index: pd.Index, owner: str) -> None:
    """Refuse time stamps given as text (a CSV read without parse_dates).

    Read as row labels, they gave no season, no calendar and forecasts without stamps.
    """
    time = index.get_level_values(-1) if isinstance(index, pd.MultiIndex) else index
    where = "the time level of X's index" if isinstance(index, pd.MultiIndex) else "X's index"
    level = "X.index.levels[-1]" if isinstance(index, pd.MultiIndex) else "X.index"
    _refuse_year_months_as_numbers(time, where, level, owner)
    if len(time) == 0 or not (pd.api.types.is_object_dtype(time.dtype)
                              or pd.api.types.is_string_dtype(time.dtype)):  # fmt: skip
        return
    sample = time[: min(len(time), 20)]
    _refuse_periods_as_text(sample, where, level, owner)
    if not all(isinstance(value, str) and any(c.isdigit() for c in value) for value in sample):
        return
    years = all(value.strip().isdigit() and len(value.strip()) == 4 for value in sample)
    if not years and not all(any(mark in value for mark in "-/:. ") for value in sample):
        return  # labels such as '001' or 'row1': no dates
    with ignoring(UserWarning):  # "Could not infer format": read each one
        parsed = pd.to_datetime(pd.Index(sample), errors="coerce")
    if parsed.isna().any() or not ((parsed.year >= 1600) & (parsed.year <= 2300)).all():
        return
    parse = f"{level}.astype(int)" if years else f"pandas.to_datetime({level})"
    fix = f"X.index = {parse}"
    if isinstance(index, pd.MultiIndex):
        fix = f"X.index = X.index.set_levels({parse}, level=-1)"
    what, csv = ("years", "") if years else ("dates", ", or pandas.read_csv(..., parse_dates=True)")
    raise ValueError(
        f"{owner}: {where} holds {what} as text ({sample[0]!r}, ...), which would be read as "
        f"row labels: no time stamps, no season, forecasts without dates. Parse them: {fix}"
        f"{csv}; or drop them (X.reset_index(drop=True)) to forecast rows without time."
    )


# Eurostat's months (1949M01), which pandas.to_datetime does not read (nor quarters such as
# 1990 Q1: `adapters._stamps.QUARTER`).
_MONTH_TEXT = r"\s*\d{4}M\d{2}\s*"


def _refuse_periods_as_text(sample: pd.Index, where: str, level: str, owner: str) -> None:
    """Refuse quarters or Eurostat months given as text: read as row labels, as dates are."""
    if not all(isinstance(value, str) for value in sample):
        return
    text = pd.Series(sample, dtype="string")
    if text.str.strip().str.fullmatch(QUARTER).all():
        what = "quarters"
        parse = f'pandas.PeriodIndex({level}.str.replace(" ", ""), freq="Q")'
        note = " (for text such as '1990 Q1' or '1990Q1'; periods are read as their stamps)"
    elif text.str.fullmatch(_MONTH_TEXT).all():
        what, parse, note = "months", f'pandas.to_datetime({level}, format="%YM%m")', ""
    else:
        return
    raise ValueError(
        f"{owner}: {where} holds {what} as text ({sample[0]!r}, ...), which would be read as "
        f"row labels: no time stamps, no season, forecasts without dates. Parse them: "
        f"{_index_fix(level, parse)}{note}; or drop them (X.reset_index(drop=True)) to "
        "forecast rows without time."
    )


def _index_fix(level: str, parse: str) -> str:
    """Return the assignment that puts ``parse`` (of ``level``) in place of X's time stamps."""
    if level == "X.index":
        return f"X.index = {parse}"
    return f"X.index = X.index.set_levels({parse}, level=-1)"


def year_month_numbers(values: Any) -> float | None:
    """Return 1 for years and months written as 194901, 100 for 1949.01; None for other times.

    Matched on the first 48 values: whole numbers (after the scale) of a month 1-12, whose
    steps are 1 within a year and 89 across.

    Examples
    --------
    >>> months = pd.period_range("1949-11", periods=14, freq="M")
    >>> year_month_numbers(months.year * 100 + months.month)
    1.0
    >>> year_month_numbers(months.year + months.month / 100)
    100.0
    >>> year_month_numbers(range(13)) is None
    True
    """
    values = np.asarray(values[:48], dtype=np.float64)
    if len(values) < 13:
        return None
    for scale in (1.0, 100.0):
        numbers = np.round(values * scale, 6)
        whole = np.all(numbers == np.round(numbers))
        if not whole or not np.all((numbers >= 100_001) & (numbers <= 999_912)):
            continue
        months = numbers % 100
        steps = set(np.round(np.diff(numbers)).astype(int).tolist())
        if ((months >= 1) & (months <= 12)).all() and steps == {1, 89}:
            return scale
    return None


def year_month_stamps(values: Any, scale: float) -> pd.DatetimeIndex:
    """Read years and months written as numbers (`year_month_numbers`) as month starts."""
    numbers = np.round(np.asarray(values, dtype=np.float64) * scale).astype(np.int64)
    return pd.to_datetime(pd.Index(numbers.astype(str)), format="%Y%m")


def _refuse_year_months_as_numbers(time: pd.Index, where: str, level: str, owner: str) -> None:
    """Refuse years and months written as one number (194901, or 1949.01): not a time axis.

    Read as numbers, their steps are 1 within a year and 89 across (0.01 and 0.89): the
    model found irregular time, no season, and stamped its forecasts 196013, 196014.
    """
    if not pd.api.types.is_numeric_dtype(time.dtype) or pd.api.types.is_bool_dtype(time.dtype):
        return
    scale = year_month_numbers(time)
    if scale is None:
        return
    text, form = (f"{level}.astype(int).astype(str)", '"%Y%m"') if scale == 1 else \
        (f'{level}.map("{{:.2f}}".format)', '"%Y.%m"')  # fmt: skip
    parse = f"pandas.to_datetime({text}, format={form})"
    raise ValueError(
        f"{owner}: {where} holds years and months written as numbers ({time[0]:g}, ...), "
        "which would be read as numeric time whose steps jump at each new year: no season, "
        f"forecasts stamped past month 12. Parse them: {_index_fix(level, parse)}."
    )
