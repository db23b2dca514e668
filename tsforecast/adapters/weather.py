"""Weather tables (generic CSVs and NREL TMY3 files) into one regular `SequenceData` series."""

from __future__ import annotations

import csv
import io
import os
import warnings
from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tsforecast._calendar import calendar_grid, usual_step
from tsforecast._checks import check_choice
from tsforecast.adapters._stamps import parse_datetimes
from tsforecast.adapters._tables import (
    KEEP_CHOICES,
    Source,
    check_column,
    check_columns,
    check_not_all_missing,
    find_column,
    nan_runs,
    numeric_columns,
    read_source,
    resolve_duplicates,
)
from tsforecast.sequences import SequenceData

__all__ = ["read_weather"]

OWNER = "read_weather"
TIME_NAMES = ("time", "timestamp", "datetime", "date_time", "date", "valid_time", "dt")

# The measured quantities of a TMY3 file (each followed by "source" and "uncert" flag columns).
TMY3_DATE, TMY3_TIME = "Date (MM/DD/YYYY)", "Time (HH:MM)"
TMY3_FIELDS = (
    "ETR (W/m^2)", "ETRN (W/m^2)", "GHI (W/m^2)", "DNI (W/m^2)", "DHI (W/m^2)",
    "GH illum (lx)", "DN illum (lx)", "DH illum (lx)", "Zenith lum (cd/m^2)",
    "TotCld (tenths)", "OpqCld (tenths)", "Dry-bulb (C)", "Dew-point (C)", "RHum (%)",
    "Pressure (mbar)", "Wdir (degrees)", "Wspd (m/s)", "Hvis (m)", "CeilHgt (m)", "Pwat (cm)",
    "AOD (unitless)", "Alb (unitless)", "Lprecip depth (mm)",
)  # fmt: skip
TMY3_MISSING = -9900  # the TMY3 manual's code for a missing value
TMY3_STATION = ("usaf", "name", "state", "utc_offset_hours", "latitude", "longitude", "elevation_m")


def read_weather(
    source: Source,
    *,
    time_col: Hashable | None = None,
    columns: Sequence[Hashable] | None = None,
    freq: str | pd.Timedelta | None = None,
    keep: str = "error",
    max_gap: int = 3,
    long_gaps: str = "error",
    categorical: str = "error",
    na_values: Sequence[str] | None = None,
    tmy_year: int = 2001,
    decimal: str = ".",
    thousands: str | None = None,
) -> SequenceData:
    """Read a weather table into one series on a regular time grid.

    Accepts a generic CSV file or DataFrame with a time column, and the NREL TMY3 layout
    (station line, header line, ``Date (MM/DD/YYYY)`` and ``Time (HH:MM)`` in local standard
    time, ``24:00`` the end of the day), which is detected from the file itself.

    What happens to the rows, in order:

    1. time stamps are parsed (any common format; ``24:00`` is midnight of the next day; stamps
       with UTC offsets become UTC, and a mix of stamps with and without offset is an error);
    2. rows are sorted by time (unsorted input is sorted, not refused);
    3. exact duplicate rows are dropped; rows with the same time and different values follow
       ``keep``;
    4. the rows are put on a regular grid: the most common spacing (months, quarters or years
       where every stamp lies on one such calendar), or ``freq`` if given (then the values
       are averaged within each step, so finer or irregular data is resampled; ``"MS"`` or
       ``"QS"`` average within each month or quarter);
    5. missing values (absent rows, empty cells, TMY3 values flagged missing) are filled by
       time interpolation where the gap is at most ``max_gap`` steps and marked False in
       ``mask``; longer gaps follow ``long_gaps``.

    Parameters
    ----------
    source : path or DataFrame
        A CSV file or a DataFrame (never modified). A DataFrame with TMY3 columns is read as
        TMY3 too (without the station line).
    time_col : hashable, optional
        Time column. By default the first of ``time``, ``timestamp``, ``datetime``,
        ``date_time``, ``date``, ``valid_time``, ``dt`` (any case, a unit after the name
        allowed: ``Time (UTC)``); TMY3 files need none.
    columns : sequence of hashable, optional
        The measurement columns, in order. By default every column but the time; for TMY3 the
        23 measured quantities minus those with values flagged missing (``?``) in this file
        (AOD and albedo, typically); name them to get them anyway, gaps and all.
    freq : str or Timedelta, optional
        Grid spacing such as ``"1h"``, ``"1D"`` or ``"MS"`` (month starts); inferred by default.
    keep : {"error", "first", "last", "mean"}, default="error"
        What to do with rows sharing a time stamp but not their values.
    max_gap : int, default=3
        Longest run of missing steps (per column) filled by interpolation.
    long_gaps : {"error", "warn"}, default="error"
        Longer gaps are an error listing them, or (``"warn"``) interpolated too, with a warning;
        either way they are False in ``mask``.
    categorical : {"error", "drop", "onehot"}, default="error"
        Text columns (a ``weather`` label, say): refused, left out, or one 0/1 column per label.
    na_values : sequence of str, optional
        Extra markers of missing values in the file (``"M"``, ``"-9999"``...).
    tmy_year : int, default=2001
        TMY3 only: a typical year takes each month from a different year; all rows are moved to
        this year (keep it a non-leap year) so that the months form one continuous series.
    decimal : {".", ","}, default="."
        Decimal mark of the numbers in a file (``","`` for ``1,5``); semicolon-separated files
        are detected by themselves.
    thousands : {",", ".", " ", "'"}, optional
        Thousands mark of the numbers in a file (``","`` for ``1,234.5``); none by default.
        Both marks also read a DataFrame's text columns whose every value is such a number.

    Returns
    -------
    SequenceData
        One series; ``time`` as datetime64 (UTC when the source had offsets; for TMY3 local
        standard time is kept in ``metadata["time_zone"]``); ``metadata`` holds ``freq``,
        ``units`` (from names such as ``Dry-bulb (C)``), ``n_filled`` per column and, for TMY3,
        the station (``name``, ``state``, ``latitude``, ``longitude``, ``elevation_m``,
        ``usaf``, ``utc_offset_hours``).

    Raises
    ------
    FileNotFoundError, ValueError, TypeError
        With what was wrong and how to fix it: unknown columns (the existing ones are listed),
        unreadable time stamps (the row is shown), text in numeric columns, empty columns,
        conflicting duplicates, long gaps.

    Notes
    -----
    TMY3 values flagged ``?`` in their source column, or coded -9900, are missing. TMY3
    codes ``CeilHgt (m)`` 77777 for an unlimited cloud ceiling; it is kept as is.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"time": ["2024-01-01 23:00", "2024-01-01 21:00",
    ...                                "2024-01-01 24:00", "2024-01-02 02:00"],
    ...                       "temp": [3.0, 1.0, 4.0, 6.0]})
    >>> data = read_weather(table)  # sorted; 24:00 is midnight; 22:00 and 01:00 filled
    >>> data.values.ravel().tolist(), data.mask.ravel().tolist()
    ([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [True, False, True, True, False, True])
    >>> str(data.time[3])
    '2024-01-02T00:00:00.000000000'
    """
    check_choice("keep", keep, KEEP_CHOICES, OWNER)
    check_choice("long_gaps", long_gaps, ("error", "warn"), OWNER)
    check_choice("categorical", categorical, ("error", "drop", "onehot"), OWNER)
    if isinstance(max_gap, bool) or not isinstance(max_gap, (int, np.integer)) or max_gap < 0:
        raise ValueError(f"{OWNER}: max_gap must be an integer >= 0 (steps); got {max_gap!r}.")

    station = _tmy3_station(source)
    read_kwargs: dict[str, Any] = {
        "na_values": na_values,
        "decimal": decimal,
        "thousands": thousands,
    }
    if station is not None:
        read_kwargs["skiprows"] = 1
    frame = read_source(source, OWNER, **read_kwargs)
    metadata: dict[str, Any] = {}
    flagged = None
    is_tmy3 = TMY3_DATE in frame.columns and TMY3_TIME in frame.columns and time_col is None
    if is_tmy3:
        times, default_columns, flagged = _tmy3_times_and_flags(frame, tmy_year, station)
        metadata.update(station or {})
        metadata["layout"] = "TMY3"
    else:
        if time_col is None:
            time_col = find_column(frame, TIME_NAMES)
            if time_col is None:
                raise ValueError(
                    f"{OWNER}: no time column found (looked for {list(TIME_NAMES)}). Name it "
                    "with time_col= (--time-col on the command line). Columns: "
                    f"{list(frame.columns)}."
                )
        check_column(frame, time_col, OWNER, "time")
        times = parse_datetimes(frame[time_col], OWNER, time_col)
        default_columns = [name for name in frame.columns if name != time_col]

    selected = default_columns if columns is None else check_columns(frame, columns, OWNER, "")
    values = numeric_columns(frame, selected, OWNER, categorical=categorical)
    if flagged is not None:
        for name in values.columns:
            if name in flagged:
                values[name] = values[name].mask(flagged[name])
    check_not_all_missing(values, OWNER)
    rows = values.index  # the table's, as errors name them
    values.index = times

    order = pd.Series(np.arange(len(values)), index=times).sort_index(kind="stable").to_numpy()
    values = _merge_duplicates(values.iloc[order], keep, rows[order])
    if len(values) < 2:
        raise ValueError(f"{OWNER}: the table has a single time step; a series needs at least 2.")
    values, step = _on_regular_grid(values, freq)
    metadata["freq"] = _freq_string(step)
    observed = values.notna()
    metadata["n_filled"] = {str(k): int(v) for k, v in (~observed).sum().items() if v}
    values = _fill_gaps(values, observed, max_gap, long_gaps)
    metadata["units"] = _units(values.columns)
    if not isinstance(source, pd.DataFrame):
        metadata["source"] = str(source)

    time = values.index
    if is_tmy3 and station is not None:
        offset = pd.Timedelta(hours=float(station["utc_offset_hours"]))
        time = time.tz_localize(_fixed_zone(offset))
    return SequenceData(
        values=values.to_numpy(np.float32),
        time=time,
        features=tuple(str(name) for name in values.columns),
        mask=observed.to_numpy() if not observed.to_numpy().all() else None,
        metadata=metadata,
    )


def _tmy3_station(source: Source) -> dict[str, Any] | None:
    """Return the station line of a TMY3 file, or None when the file is not TMY3."""
    if not isinstance(source, (str, os.PathLike)) or not Path(source).is_file():
        return None
    with open(source, newline="", encoding="utf-8", errors="replace") as handle:
        head = handle.readline(), handle.readline()
    if not head[1].startswith(TMY3_DATE):
        return None
    fields = next(csv.reader(io.StringIO(head[0])))
    if len(fields) != len(TMY3_STATION):
        raise ValueError(
            f"{OWNER}: '{source}' looks like TMY3 but its station line has {len(fields)} "
            f"fields, not {len(TMY3_STATION)} ({', '.join(TMY3_STATION)}): {head[0].strip()!r}."
        )
    station: dict[str, Any] = dict(zip(TMY3_STATION, fields, strict=True))
    for key in ("utc_offset_hours", "latitude", "longitude", "elevation_m"):
        try:
            station[key] = float(station[key])
        except ValueError:
            raise ValueError(
                f"{OWNER}: TMY3 station line of '{source}': {key} is {station[key]!r}, "
                "not a number."
            ) from None
    return station


def _tmy3_times_and_flags(
    frame: pd.DataFrame, tmy_year: int, station: dict[str, Any] | None
) -> tuple[pd.DatetimeIndex, list[str], pd.DataFrame]:
    stamps = frame[TMY3_DATE].astype("string") + " " + frame[TMY3_TIME].astype("string")
    times = parse_datetimes(stamps, OWNER, f"{TMY3_DATE} + {TMY3_TIME}")
    # Move every month to one year. Shift back one hour first so that "24:00" (midnight of
    # the next day) stays with its own day, e.g. Dec 31 24:00 -> Jan 1 of tmy_year + 1.
    shifted = times - pd.Timedelta(hours=1)
    try:
        times = pd.DatetimeIndex(
            pd.to_datetime(
                {
                    "year": np.full(len(shifted), tmy_year),
                    "month": shifted.month,
                    "day": shifted.day,
                    "hour": shifted.hour,
                    "minute": shifted.minute,
                }
            )
        ) + pd.Timedelta(hours=1)
    except ValueError:
        raise ValueError(
            f"{OWNER}: TMY3 rows include February 29, which does not exist in tmy_year="
            f"{tmy_year}; pass a leap year as tmy_year."
        ) from None
    fields = [name for name in TMY3_FIELDS if name in frame.columns]
    flagged = pd.DataFrame({name: _tmy3_missing(frame, name) for name in fields}, index=frame.index)
    complete = [name for name in fields if not flagged[name].any()]
    return times, complete, flagged


def _tmy3_missing(frame: pd.DataFrame, name: str) -> np.ndarray:
    """Where a TMY3 field is missing: its source flag is ``?`` or its value the code -9900.

    The flag is the first ``... source`` column after the field and before the next field
    (``Lprecip depth (mm)`` is followed by ``Lprecip quantity (hr)``, then ``Lprecip source``;
    ``ETR`` and ``ETRN`` have none).
    """
    missing = pd.to_numeric(frame[name], errors="coerce").to_numpy() == TMY3_MISSING
    columns = list(frame.columns)
    for flag in columns[columns.index(name) + 1 :]:
        if flag in TMY3_FIELDS:
            break  # the next field: this one has no flag of its own (ETR, ETRN)
        if str(flag).endswith("source"):
            flags = frame[flag].astype("string").str.strip()
            missing |= (flags == "?").fillna(True).to_numpy(bool)  # no flag: not vouched for
            break
    return missing


def _merge_duplicates(values: pd.DataFrame, keep: str, rows: pd.Index) -> pd.DataFrame:
    """Merge rows of one time stamp per ``keep``; ``rows``: the table's row of each."""
    if not values.index.has_duplicates:
        return values
    table = values.rename_axis("__time__").reset_index().set_axis(rows)
    table = resolve_duplicates(table, ["__time__"], OWNER, keep, "time stamp")
    return table.set_index("__time__").rename_axis(None)


def _on_regular_grid(values: pd.DataFrame, freq: Any) -> tuple[pd.DataFrame, Any]:
    """Return the values on a regular grid and its step (a Timedelta, or a calendar offset).

    Months, quarters and years are calendar steps, not fixed ones: given as ``freq`` ("MS",
    "QS"...) the values are averaged within each period, labelled as pandas' ``resample``
    labels them (by the start for "MS" and "QS", by the end for "ME" and weeks), a first or
    last period that the rows cover only in part missing (`PARTIAL_PERIOD`); read off
    stamps that all lie on one such calendar (missing periods allowed), they are kept, with
    the missing periods as gaps.
    """
    times = values.index.as_unit("ns")  # pandas may infer seconds; asi8 below is in ns
    values = values.set_axis(times)
    if freq is not None:
        try:
            offset = pd.tseries.frequencies.to_offset(freq)
        except ValueError:
            raise ValueError(
                f"{OWNER}: freq {freq!r} is not a time step; use e.g. '1h', '30min', '1D', "
                "or 'MS' (months), 'QS' (quarters)."
            ) from None
        if not isinstance(offset, pd.offsets.Tick):  # months, quarters...: by the calendar
            periods = values.resample(offset)
            grid = periods.mean()
            # A first or last period the rows cover only in part (data from 10 March, by
            # quarter) is no quarter's average: missing, as a gap (False in mask).
            rows = periods.size().to_numpy()
            partial = rows < PARTIAL_PERIOD * np.median(rows)
            grid.iloc[[i for i in (0, len(grid) - 1) if partial[i]]] = np.nan
            return grid.set_axis(grid.index.as_unit("ns")), offset
        step = pd.Timedelta(offset)
        _check_grid_size(times, step, len(values))
        grid = values.resample(step, origin="start").mean()
        return grid, step
    most = usual_step(times)
    calendar = calendar_grid(times) if most >= pd.Timedelta(days=28) else None
    if calendar is not None:  # month starts (or ends...), some missing: those are the gaps
        return values.reindex(pd.date_range(times[0], times[-1], freq=calendar)), calendar
    steps = np.diff(times.asi8)
    # Missing rows leave steps that are multiples of the true one: the grid steps by their
    # common divisor. Unless a few stamps lie off the usual spacing (one stray 12:00 row in
    # daily data): they would halve the step and make the grid mostly interpolated.
    step_ns = int(np.gcd.reduce(steps))
    off_grid = (times.asi8 - times.asi8[0]) % most.value != 0
    invented = (times.asi8[-1] - times.asi8[0]) // step_ns + 1 > 2 * len(times) + 10
    if step_ns != most.value and (invented or off_grid.sum() <= 0.1 * len(times)):
        usual = _freq_string(most)
        row = int(np.flatnonzero(off_grid)[0])  # never 0: the grid starts at the first stamp
        raise ValueError(
            f"{OWNER}: time stamps are not on a regular grid: most are {usual} apart, "
            f"but {times[row]} comes {pd.Timedelta(int(steps[row - 1]))} after {times[row - 1]} "
            f"({int(off_grid.sum())} stamp(s) off the {usual} grid). Pass freq= (e.g. "
            f"freq='{'MS' if most >= pd.Timedelta(days=28) else usual}') to average the values "
            "onto a regular grid, or drop those rows."
        )
    step = pd.Timedelta(step_ns, unit="ns")
    _check_grid_size(times, step, len(values))  # rows missing for long: the gaps say so next
    grid = pd.date_range(times[0], times[-1], freq=step)
    return values.reindex(grid), step


# With freq a calendar step, a first or last period holding fewer rows than this share of
# the median period's is partial, and missing (February holds 28 days of 31: 0.9).
PARTIAL_PERIOD = 0.8
# A regular grid larger than this, and than 100 rows per row read, is refused.
MAX_GRID_ROWS = 10_000_000


def _check_grid_size(times: pd.DatetimeIndex, step: pd.Timedelta, n_rows: int) -> None:
    size = (times[-1] - times[0]) / step + 1
    if size > max(MAX_GRID_ROWS, 100 * n_rows):
        raise ValueError(
            f"{OWNER}: a regular grid every {step} from {times[0]} to {times[-1]} would have "
            f"{size:.3g} rows for {n_rows} rows read; choose a coarser freq, or check the "
            "time stamps (a stray date far from the others?)."
        )


def _fill_gaps(
    values: pd.DataFrame, observed: pd.DataFrame, max_gap: int, long_gaps: str
) -> pd.DataFrame:
    long = []
    for name in values.columns:
        for start, stop in nan_runs(~observed[name].to_numpy()):
            if stop - start > max_gap:
                long.append((name, start, stop))
    if long:
        name, start, stop = max(long, key=lambda gap: gap[2] - gap[1])
        index = values.index
        summary = (
            f"{len(long)} gap(s) longer than max_gap={max_gap} steps; the longest: column "
            f"{name!r} misses {stop - start} steps from {index[start]} to {index[stop - 1]}"
        )
        if long_gaps == "error":
            raise ValueError(
                f"{OWNER}: {summary}. Pass long_gaps='warn' to interpolate them anyway (they stay "
                "False in mask), a larger max_gap, or leave the column out with columns=[...]."
            )
        warnings.warn(f"{OWNER}: interpolated {summary}.", UserWarning, stacklevel=3)
    return values.interpolate(method="time", limit_direction="both")


def _freq_string(step: Any) -> str:
    """'D', '7D', 'h', '30min'...: whole days as days, not '24h'; 'MS', 'QS-JAN'... as such."""
    if not isinstance(step, pd.Timedelta):
        return step.freqstr
    days, rest = divmod(step, pd.Timedelta(days=1))
    if not rest:
        return "D" if days == 1 else f"{days}D"
    return pd.tseries.frequencies.to_offset(step).freqstr


def _units(columns: Sequence[Hashable]) -> dict[str, str]:
    units = {}
    for name in map(str, columns):
        if name.endswith(")") and " (" in name:
            units[name] = name.rsplit(" (", 1)[1][:-1]
    return units


def _fixed_zone(offset: pd.Timedelta) -> Any:
    import datetime

    return datetime.timezone(offset.to_pytimedelta())
