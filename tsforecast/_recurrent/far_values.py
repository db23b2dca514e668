"""Values far from all others in a target, which leave the network unable to read the rest.

The network works in standard deviations of its targets (``scale_``). One value far from all
others (a data error: 1e6 among monthly values of 100 to 130) makes the standard deviation
thousands of times the spread of the rest, which then differ by less than the network's
noise: a trial's forecasts fell from 130 to 34, and its validation error was ten times
persistence's, while the fit only said, in those standard deviations, that it did not beat
seasonal naive (0.0126 against 0.0006). `far_value_message` finds such a value, series by
series, so that fit can name it and the fix.
"""

from __future__ import annotations

import numpy as np

from tsforecast._checks import show

__all__ = ["FAR_RATIO", "FEW_COUNT", "FEW_SHARE", "FEW_SPREADS", "MIN_VALUES", "far_value_message"]

# A series' standard deviation over this many times its robust spread (1.4826 times the median
# absolute deviation: the standard deviation of normal values) is dominated by values far from
# all others. On the shipped data and the development set the ratio is at most 136 (the
# quinidine study's time between visits: hours, with gaps of months); with one value of 1e6
# among 119 monthly values of about 110 it is over 10,000.
FAR_RATIO = 1000.0
# Values over this many robust spreads from the median are far; a series with more of them
# than `FEW_COUNT` and `FEW_SHARE` of its values holds a shift of level (70 values at
# 100 +- 0.005 then 50 at 160), not a few values far from all others, and is not named.
FEW_SPREADS = 100.0
FEW_COUNT = 2
FEW_SHARE = 0.01
# Observed values a series needs to be judged (fewer tell no spread from chance).
MIN_VALUES = 24
# Series judged, at most (the first ones): a bounded cost on panels of many series.
MAX_SERIES = 1000


def far_value_message(
    values: np.ndarray,
    observed: np.ndarray | None,
    columns: list[int],
    offsets: np.ndarray,
    series_ids: np.ndarray,
    names: list[str],
) -> str | None:
    """Say where a target's standard deviation is dominated by values far from all others.

    ``values``: the data ``(n_rows, n_features)``, read a series at a time (never copied
    whole: it may be memory-mapped); ``observed``: which are (None: all finite ones);
    ``columns``: the targets' columns, named ``names``; ``offsets``: where the series start
    (and the end). None where no
    series of at least `MIN_VALUES` observed values has a standard deviation over `FAR_RATIO`
    times its robust spread, and a few values (`FEW_COUNT`, `FEW_SHARE`) far from the rest.

    Examples
    --------
    >>> values = np.r_[np.arange(100.0, 130.0), [1e6]][:, None]
    >>> far_value_message(values, None, [0], np.array([0, 31]), np.array([0]), ["y"])[:58]
    "target 'y' holds a value far from all others: 1e+06 at row"
    >>> far_value_message(values[:30], None, [0], np.array([0, 30]), np.array([0]), ["y"]) is None
    True
    """
    found = []
    for series in range(min(len(offsets) - 1, MAX_SERIES)):
        begin, end = int(offsets[series]), int(offsets[series + 1])
        for column, index in enumerate(columns):
            own = values[begin:end, index].astype(np.float64)
            seen = np.isfinite(own)
            if observed is not None:
                seen &= observed[begin:end, index]
            if seen.sum() < MIN_VALUES:
                continue
            kept = own[seen]
            median = np.median(kept)
            spread = 1.4826 * np.median(np.abs(kept - median))
            ratio = kept.std() / spread if spread else 0.0
            if ratio <= FAR_RATIO:
                continue
            far = int((np.abs(kept - median) > FEW_SPREADS * spread).sum())
            if far > max(FEW_COUNT, FEW_SHARE * len(kept)):
                continue  # many values that far: a level shift, not a few far values
            farthest = int(np.argmax(np.where(seen, np.abs(own - median), -np.inf)))
            found.append((ratio, series, column, farthest, median, spread))
    if not found:
        return None
    ratio, series, column, row, median, spread = max(found)
    where = f"row {row}" + ("" if len(offsets) == 2 else f" of series {show(series_ids[series])}")
    value = float(values[int(offsets[series]) + row, columns[column]])
    return (
        f"target {names[column]!r} holds a value far from all others: {value:.4g} at {where}, "
        f"{abs(value - median) / spread:,.0f} times the values' robust spread ({spread:.4g}) "
        f"from their median ({median:.4g}). It makes the standard deviation the network "
        f"works in {ratio:,.0f} times that spread, so that the other values differ by less "
        "than the network can resolve and its forecasts of them are poor"
        + (f" ({len(found)} series and targets so)" if len(found) > 1 else "")
        + ". If it is an error, correct it or pass it as missing (NaN); if such values are "
        "real, forecast their log (target_transform='log') or clip them."
    )
