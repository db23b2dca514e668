"""Reading time stamps as the adapters do: any common format, one day/month order per column.

``24:00`` is the end of the day, UTC offsets are converted to UTC, ISO 8601's decimal comma in
seconds is read, quarters such as ``1998 Q1`` are each quarter's first day, and dates such as
01/02/2024 are read in the one order the column shows (`date_order`). Every helper takes the
public function's name as ``owner`` so that errors read ``read_weather: ...``.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Hashable
from typing import Any

import numpy as np
import pandas as pd

from tsforecast._checks import show
from tsforecast._warnings import ignoring

try:
    from pandas.tseries.api import guess_datetime_format
except ImportError:  # pandas < 2.2
    from pandas._libs.tslibs.parsing import guess_datetime_format

# A UTC offset after a time of day (13:00+01:00, 13:00:00Z); not the year of 13-02-2020.
_OFFSET_END = re.compile(r"(?:Z|UTC|GMT|[+-]\d\d(?::?\d\d)?)$")  # quick: 13-02-2020 too
_OFFSET = re.compile(
    r"\d:\d\d(?::\d\d(?:[.,]\d+)?)?\s*(?:[AaPp]\.?[Mm]\.?)?\s*(?:Z|UTC|GMT|[+-]\d\d(?::?\d\d)?)$"
)
# 01/02/2024, 1.2.24, 01-02-2024: day or month first (ISO dates start with the year).
_SLASHED_PARTS = r"^(\d{1,2})[/.-](\d{1,2})[/.-]\d{2,4}"
_SLASHED = re.compile(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}")  # the same, to match
# Seconds with a decimal comma (pandas 3 reads it; pandas 2 dropped the fraction).
_COMMA_SECONDS = re.compile(r"(?<=\d)(:\d{2}:\d{2}),(?=\d)")
# not 10:24:00, not 24:00:30, not 24:00:00.5 (refused: the day has no such time)
_HOUR_24 = re.compile(r"(?<![\d:])24:00(?::00)?(?![\d:.,])")
# Quarters as R's tsibble and spreadsheets write them: 1998 Q1, 1998-Q1, 1998Q1, Q1 1998
# (pandas reads none with a space, and will stop reading 1998Q1).
QUARTER = re.compile(
    r"(?:(?P<year>\d{4})\s*[-/ ]?\s*[Qq](?P<q>[1-4])|[Qq](?P<q2>[1-4])\s*[-/ ]?\s*(?P<year2>\d{4}))"
)


def _numbers_not_dates(values: pd.Series) -> bool:
    """Whether a time column holds numbers that are not dates written as digits (20240131)."""
    if not pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values):
        return False
    numbers = values.dropna().astype(float)
    # dates written as digits: YYYYMMDD, with hours, minutes and seconds (DWD's 12 digits)
    whole = numbers % 1 == 0
    digits = whole & (
        numbers.between(1_000_01_01, 9_999_12_31) | numbers.between(1e9, 9.999_12_31_2359_59e13)
    )
    return not bool(digits.all())


def parse_datetimes(
    values: pd.Series,
    owner: str,
    column: Hashable,
    dayfirst: bool | None = None,
    stamp_format: str | None = None,
) -> pd.DatetimeIndex:
    """Read time stamps in any common format; ``24:00`` is the end of the day.

    Stamps with UTC offsets are converted to UTC (so mixed offsets, as around a daylight-saving
    change, are fine); a column that mixes stamps with and without an offset is an error.
    ``dayfirst``: None reads 01/02 month first unless only day first reads every stamp; a
    bool decides. ``stamp_format`` (a ``strftime`` format) reads every stamp with it: a table
    read in chunks decides it once for the whole column (see `stamp_format_of`).
    """
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        times = pd.DatetimeIndex(values)
    elif _numbers_not_dates(values):
        first = values.iloc[:3].astype(float)
        shown = ", ".join(str(int(v)) if v.is_integer() else f"{v:g}" for v in first)
        raise ValueError(
            f"{owner}: time column {column!r} holds numbers ({shown}, ...), not dates and times; "
            "this reader needs calendar time such as '2024-01-31 13:00'. For numeric time "
            "(hours since a dose, row numbers), read the table with pandas and pass a "
            "DataFrame indexed by that column to the forecaster (or SequenceData(values, "
            "time=...)); or name the column of dates with time_col= (--time-col)."
        )
    else:
        text = values.astype("string").str.strip()
        if text.isna().any():
            row = text.index[text.isna()][0]
            raise ValueError(f"{owner}: time column {column!r} is empty at row {show(row)}.")
        if text.str.contains(",", regex=False).any():  # ISO 8601's decimal comma: 10:00:00,5
            text = text.str.replace(_COMMA_SECONDS, r"\1.", regex=True)
        has_offset = stamp_offsets(text)
        if has_offset.any() and not has_offset.all():
            with_offset = text.index[has_offset][0]
            without = text.index[~has_offset][0]
            check_offsets((with_offset, text[with_offset]), (without, text[without]), owner, column)
        as_quarters = quarters(text, owner, column)
        if as_quarters is not None:
            return as_quarters
        clock = text.str.fullmatch(r"\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?").fillna(False)
        if clock.all():
            raise ValueError(
                f"{owner}: time column {column!r} holds times of day without dates (e.g. "
                f"{str(values.iloc[0]).strip()!r}); pandas would date them all today. Join them "
                "with the date column first, e.g. frame['when'] = frame['date'] + ' ' + "
                "frame['time'], and read that."
            )
        end_of_day = _end_of_day(text)
        if end_of_day.any():
            text = text.str.replace(_HOUR_24, "00:00", regex=True)
        utc = bool(has_offset.any())
        if dayfirst is None and stamp_format is None and _no_format(text):
            # pandas would read each stamp alone, 01/03 month first next to 13/02 day first
            dayfirst = day_first(text, owner, column)
        try:
            times = _one_format(text, utc, dayfirst, stamp_format)
        except (ValueError, TypeError):
            times = None  # no one format reads every stamp
        if times is None:
            # Stamps of several shapes (with and without seconds...): each read alone, in the
            # column's one day/month order.
            if dayfirst is None:
                dayfirst = day_first(text, owner, column)
            parsed = _each_alone(text, utc, bool(dayfirst))
            if parsed.isna().any():
                row = parsed.index[parsed.isna()][0]
                raise ValueError(
                    f"{owner}: cannot read the time stamp {values[row]!r} in column {column!r} "
                    f"at row {show(row)}; expected a date and time such as '2024-01-31 13:00'. Fix "
                    "the value, or name the right column with time_col= (--time-col)."
                ) from None
            times = pd.DatetimeIndex(parsed)
        if end_of_day.any():
            times = times + pd.to_timedelta(end_of_day.to_numpy().astype(int), unit="D")
    if times.isna().any():
        row = values.index[np.flatnonzero(times.isna())[0]]
        raise ValueError(f"{owner}: time column {column!r} is empty at row {show(row)}.")
    naive = times.tz_convert(None) if times.tz is not None else times
    outside = (naive < pd.Timestamp.min) | (naive > pd.Timestamp.max)
    if outside.any():
        row = values.index[np.flatnonzero(outside)[0]]
        raise ValueError(
            f"{owner}: time column {column!r} holds {show(values[row])} at row {show(row)}, "
            "outside the dates time stamps can hold (1677-09-21 to 2262-04-11). Replace "
            "placeholder dates such as 9999-12-31 by empty cells and drop those rows first."
        )
    _warn_if_two_digit_years(values, naive, owner, column)
    return times.as_unit("ns")


def _warn_if_two_digit_years(
    values: pd.Series, times: pd.DatetimeIndex, owner: str, column: Hashable
) -> None:
    """Warn where stamps written with two-digit years were read in the future (Jan-49: 2049)."""
    future = np.flatnonzero(times.year > pd.Timestamp.now().year)
    if not len(future) or pd.api.types.is_datetime64_any_dtype(values.dtype):
        return
    four_digits = values.iloc[future].astype("string").str.contains(r"\d{4}").fillna(True)
    short = future[~four_digits.to_numpy(bool)]  # positions of stamps with two-digit years
    if not len(short):
        return
    year = times[short[0]].year
    warnings.warn(
        f"{owner}: time stamps in column {column!r} such as {values.iloc[short[0]]!r} have "
        f"two-digit years, read as {year} ({len(short)} stamp(s) in the future). If they are "
        f"{year - 100}, write the years with four digits.",
        UserWarning,
        stacklevel=4,
    )


def quarters(text: pd.Series, owner: str, column: Hashable) -> pd.DatetimeIndex | None:
    """Return each quarter's first day where the stamps are quarters (1998 Q1); else None.

    A column where only some stamps are quarters is refused, naming the first other one.

    Examples
    --------
    >>> stamps = pd.Series(["1998 Q1", "1998 Q4", "Q2 1999"])
    >>> quarters(stamps, "read", "t").strftime("%Y-%m-%d").tolist()
    ['1998-01-01', '1998-10-01', '1999-04-01']
    """
    if not text.str.contains("q", case=False, regex=False).any():
        return None  # no quarter: the common case, without a regex over every stamp
    parts = text.str.extract(f"^{QUARTER.pattern}$")
    other = parts.isna().all(axis=1)
    if not len(parts) or other.all():
        return None
    if other.any():
        row = other.index[other][0]
        raise ValueError(
            f"{owner}: cannot read the time stamp {text[row]!r} in column {column!r} at row "
            f"{show(row)}, where the other stamps are quarters such as "
            f"{text[other.index[~other][0]]!r}; write it as a quarter too (1998 Q1)."
        )
    year = parts["year"].fillna(parts["year2"]).astype(int)
    quarter = parts["q"].fillna(parts["q2"]).astype(int)
    months = pd.PeriodIndex.from_fields(year=year, month=3 * quarter - 2, freq="M")
    return months.to_timestamp().as_unit("ns")


def check_offsets(with_offset: Any, without: Any, owner: str, column: Hashable) -> None:
    """Refuse a column with a stamp with a UTC offset and one without (each ``(row, stamp)``)."""
    if with_offset is None or without is None:
        return
    raise ValueError(
        f"{owner}: time column {column!r} mixes stamps with a UTC offset (row "
        f"{show(with_offset[0])}: {with_offset[1]!r}) and without (row {show(without[0])}: "
        f"{without[1]!r}). Give every stamp an offset, or none."
    )


def stamp_offsets(text: pd.Series) -> pd.Series:
    """Whether each stamp ends with a UTC offset (a quick test first, the exact one on those)."""
    return _two_step_match(text, _OFFSET_END, _OFFSET)


def _end_of_day(text: pd.Series) -> pd.Series:
    """Whether each stamp holds the time 24:00 (a quick test first, the exact one on those)."""
    return _two_step_match(text, "24:00", _HOUR_24)


def _two_step_match(text: pd.Series, quick: str | re.Pattern, exact: re.Pattern) -> pd.Series:
    """Bool Series: the stamps holding ``quick`` (a plain string or a pattern) and ``exact``.

    Plain numpy flags, whatever the text's dtype ("string" columns give nullable booleans,
    which pandas 2 will not set into a bool Series nor index an Index with).
    """
    found = _flags(text.str.contains(quick, regex=isinstance(quick, re.Pattern)))
    if found.any():
        found[found] = _flags(text[found].str.contains(exact))
    return pd.Series(found, index=text.index)


def _flags(matches: pd.Series) -> np.ndarray:
    """Return the flags of ``str.contains`` results as bools, False where text was missing."""
    return matches.fillna(False).to_numpy(dtype=bool, copy=True)  # writable under pandas 3


def _no_format(text: pd.Series) -> bool:
    """Whether pandas guesses no format from the first stamp (and so reads each one alone)."""
    return len(text) > 0 and stamp_format_of(str(text.iloc[0]), False) is None


def day_first(text: pd.Series, owner: str, column: Hashable) -> bool | None:
    """Return whether the column's dates such as 01/02/2024 read day first; None if it has none.

    Day first when some date reads only so (13/02/2024), month first otherwise (as pandas
    reads 01/02/2024). A column with dates that read only day first and others only month
    first (13/02/2024 and 02/13/2024) keeps no one order and is refused.
    """
    evidence = date_order(text)
    check_date_order(evidence, owner, column)
    return None if evidence["none"] else evidence["day"] is not None


def date_order(text: pd.Series) -> dict[str, Any]:
    """Return the first stamp that reads only day first, and only month first, as (row, stamp).

    ``"none"`` is True when no stamp is a date such as 01/02/2024 (ISO dates start with the
    year); ``"both"`` is the first stamp that reads as two different dates (01/02/2024, not
    01/01/2024), or None. For a table read in chunks, merge the chunks' answers with
    `merge_date_order`.
    """
    parts = text.str.extract(_SLASHED_PARTS).dropna()
    found: dict[str, Any] = {"none": not len(parts), "day": None, "month": None, "both": None}
    numbers = parts.astype(int)
    possible = ((numbers[0] <= 12) | (numbers[1] <= 12)) & (numbers.max(axis=1) <= 31)
    numbers = numbers[possible]  # 13/13/2024, 01/32/2024: no date at all
    for kind, rows in (
        ("day", numbers.index[numbers[0] > 12]),
        ("month", numbers.index[numbers[1] > 12]),
        ("both", numbers.index[(numbers.max(axis=1) <= 12) & (numbers[0] != numbers[1])]),
    ):
        if len(rows):
            found[kind] = (rows[0], text[rows[0]])
    return found


def merge_date_order(before: dict[str, Any] | None, chunk: dict[str, Any]) -> dict[str, Any]:
    """Return what ``before`` and the next ``chunk`` of a column tell of its date order."""
    if before is None:
        return chunk
    return {
        "none": before["none"] and chunk["none"],
        "day": before["day"] or chunk["day"],
        "month": before["month"] or chunk["month"],
        "both": before.get("both") or chunk.get("both"),
    }


def check_date_order(evidence: dict[str, Any], owner: str, column: Hashable) -> None:
    """Refuse a column whose dates read only day first here and only month first there."""
    if evidence["day"] is None or evidence["month"] is None:
        return
    (day, day_stamp), (month, month_stamp) = evidence["day"], evidence["month"]
    raise ValueError(
        f"{owner}: the time stamps in column {column!r} do not follow one day/month order "
        f"({day_stamp!r} at row {show(day)} reads only day first, {month_stamp!r} at row "
        f"{show(month)} only month first). Write them as ISO dates (2024-02-01 13:00) or all "
        "in one order."
    )


def _one_format(
    text: pd.Series, utc: bool, dayfirst: bool | None = None, stamp_format: str | None = None
) -> pd.DatetimeIndex | None:
    """Parse with one format inferred from the stamps; day first if only that reads them all.

    None when ``dayfirst`` is set and the column mixes ISO stamps with ones such as
    01/02/2024: those are read kind by kind (`_each_alone`).
    """
    with ignoring(UserWarning):  # pandas' "could not infer format" notes
        if stamp_format is not None:
            return pd.DatetimeIndex(pd.to_datetime(text, utc=utc, format=stamp_format))
        slashed = bool(_SLASHED.match(str(text.iloc[0]))) if len(text) else False
        if dayfirst is not None:  # the order of 01/02/2024; 2024-02-01 is always year-month-day
            kinds = text.str.match(_SLASHED).fillna(False).to_numpy(bool)
            if kinds.any() and not kinds.all():
                return None  # ISO stamps and ones such as 01/02/2024: see _each_alone
            return pd.DatetimeIndex(pd.to_datetime(text, utc=utc, dayfirst=dayfirst and slashed))
        try:
            return pd.DatetimeIndex(pd.to_datetime(text, utc=utc))
        except (ValueError, TypeError):
            if not slashed:
                raise
            return pd.DatetimeIndex(pd.to_datetime(text, utc=utc, dayfirst=True))


def _each_alone(text: pd.Series, utc: bool, dayfirst: bool) -> pd.Series:
    """Read each stamp alone: dates such as 01/02/2024 in ``dayfirst``'s order, ISO ones Y-M-D.

    NaT where a stamp cannot be read. (pandas' ``dayfirst=True`` would read 2024-02-01 as
    January 2.)
    """
    slashed = text.str.match(_SLASHED).fillna(False).to_numpy(bool)
    parsed = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns, UTC]" if utc else "M8[ns]")
    for part, order in ((slashed, dayfirst), (~slashed, False)):
        if part.any():
            read = pd.to_datetime(
                text[part], utc=utc, format="mixed", dayfirst=order, errors="coerce"
            )
            parsed[part] = read.dt.as_unit("ns") if hasattr(read, "dt") else read
    return parsed


def stamp_format_of(first: str, dayfirst: bool) -> str | None:
    """Return the format pandas guesses from the stamp ``first`` (None if it guesses none).

    ``dayfirst`` orders dates such as 01/02/2024 only: ISO dates stay year-month-day.
    """
    first = _HOUR_24.sub("00:00", first.strip())
    with ignoring(UserWarning):
        return guess_datetime_format(first, dayfirst and bool(_SLASHED.match(first)))


def reads_whole(stamps: pd.Series, dayfirst: bool, first: str) -> str | None:
    """Return the format guessed from ``first`` if it reads every one of ``stamps``, else None.

    ``stamps``: text stamps, stripped, without missing ones. For a table read in chunks,
    ``first`` is the whole column's first stamp (see `stamp_format_of`).
    """
    stamp_format = stamp_format_of(first, dayfirst)
    if stamp_format is None:
        return None
    if _end_of_day(stamps).any():
        stamps = stamps.str.replace(_HOUR_24, "00:00", regex=True)
    with ignoring(UserWarning):
        try:
            pd.to_datetime(stamps, utc="%z" in stamp_format, format=stamp_format)
        except (ValueError, TypeError):
            return None
    return stamp_format
