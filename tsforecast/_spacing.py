"""The spacing of rows in time, and history refused at another spacing than the fit's.

A model reads each row as one step of the series it learnt. `typical_step` is the spacing
fit records (``time_step_``, hours); `check_same_step` refuses history whose series step
otherwise (quarters given to a model of months), each series judged by its own median step,
or by its least step when it has too few for a median; `mixed_steps` names a panel whose
series step differently.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from tsforecast._checks import show
from tsforecast._time import over_times_never_held, sample_times

__all__ = ["CHECKED_STEPS", "STEP_TOLERANCE", "check_same_step", "duration", "mixed_steps",
           "typical_step"]  # fmt: skip

# Median steps this far apart (relative) are the same step (months: 28 to 31 days).
STEP_TOLERANCE = 0.15
# History is judged by its median step where a series has this many steps (a few business
# days, Friday to Monday to Tuesday, would give a median of 2 days), by its least below.
CHECKED_STEPS = 5


def typical_step(data: Any, min_steps: int = 2) -> float | None:
    """Return the median time between rows, in hours, of a panel whose series share it.

    Read from the first rows (`sample_times`), each series with at least ``min_steps`` steps
    judged by its own median step. None without datetime stamps, without such a series, or
    when the series' median steps differ by more than `STEP_TOLERANCE` (a panel mixing
    frequencies). A month is about 730 hours.
    """
    found = _median_steps(_steps_within(sample_times(data), data.offsets), min_steps)
    if found is None:
        return None
    medians = found[1]
    if medians.max() > (1 + STEP_TOLERANCE) * medians.min():
        return None
    return float(np.median(medians))


def mixed_steps(data: Any, min_steps: int = CHECKED_STEPS) -> tuple[tuple[Any, float], ...] | None:
    """Return (id, median hours) of the series of shortest and longest step, where they differ.

    Among the series of the first rows (`sample_times`) with at least ``min_steps`` steps;
    None when their median steps agree within `STEP_TOLERANCE` (or none is judged).
    """
    found = _median_steps(_steps_within(sample_times(data), data.offsets), min_steps)
    if found is None:
        return None
    series, medians = found
    if medians.max() <= (1 + STEP_TOLERANCE) * medians.min():
        return None
    ids = data.series_ids
    return tuple((ids[series[i]], float(medians[i])) for i in (medians.argmin(), medians.argmax()))


Steps = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _steps_within(local: pd.DatetimeIndex | None, offsets: np.ndarray) -> Steps | None:
    """Return each step's series and hours, each series' count of steps, and its last row.

    Of the stamps ``local`` (the first rows, `sample_times`); None without them.
    """
    if local is None:
        return None
    numbers = local.as_unit("ns").asi8
    offsets = np.minimum(np.asarray(offsets), len(numbers))
    series = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
    within = series[1:] == series[:-1]
    owner = series[1:][within]
    counts = np.bincount(owner, minlength=len(offsets) - 1)
    return owner, np.diff(numbers)[within] / 3.6e12, counts, np.flatnonzero(within) + 1


def _median_steps(steps: Steps | None, min_steps: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Return the series with ``min_steps`` steps (`_steps_within`), and their median steps.

    In hours; None without stamps, or without such a series.
    """
    if steps is None:
        return None
    owner, hours, counts, _ = steps
    judged = counts[owner] >= min_steps
    if not judged.any():
        return None
    medians = pd.Series(hours[judged]).groupby(owner[judged]).median()
    return medians.index.to_numpy(), medians.to_numpy()


def _shortest_steps(
    steps: Steps | None, local: pd.DatetimeIndex, max_steps: int, fitted: float
) -> tuple[np.ndarray, np.ndarray] | None:
    """Return the series with 1 to ``max_steps - 1`` steps, and their least (`_steps_within`).

    In hours: too few steps for a median, but none is shorter than the data's spacing. A
    step of a whole number of ``fitted`` steps over times the data never holds
    (`over_times_never_held`: Friday to Monday of business days, 01:00 to 03:00 on the night
    clocks spring forward) is not judged.
    """
    if steps is None:
        return None
    owner, hours, counts, rows = steps
    judged = counts[owner] < max_steps
    if judged.any():
        gaps, usual = np.zeros(len(local)), np.full(len(local), fitted)
        gaps[rows] = hours
        excused = over_times_never_held(local, rows[judged], gaps, usual)
        judged[np.flatnonzero(judged)[excused]] = False
    if not judged.any():
        return None
    least = pd.Series(hours[judged]).groupby(owner[judged]).min()
    return least.index.to_numpy(), least.to_numpy()


def check_same_step(fitted: float | None, data: Any, owner: str) -> None:
    """Refuse history whose rows are another time apart than those the model was fitted on.

    A model fitted on months reads rows as months: given quarters, it would forecast the
    next months of a quarterly series, stamped as quarters. Each series (of the first rows)
    is judged by its own median step, or with fewer than `CHECKED_STEPS` steps by its least
    (two quarters were forecast a month on, stamped a quarter on): a monthly series in a
    panel of quarters was forecast so, without a word. ``fitted``: the fit's
    `typical_step` (None: not known, nothing checked).
    """
    if fitted is None:
        return
    local = sample_times(data)
    steps = _steps_within(local, data.offsets)  # read once, judged both ways
    found = [
        _median_steps(steps, CHECKED_STEPS),
        _shortest_steps(steps, local, CHECKED_STEPS, fitted),
    ]
    found = [f for f in found if f is not None]
    if not found:
        return
    series, medians = (np.concatenate(parts) for parts in zip(*found, strict=True))
    other = np.flatnonzero(np.abs(medians / fitted - 1) > STEP_TOLERANCE)
    if not len(other):
        return
    which = "" if data.n_series == 1 else f"of series {show(data.series_ids[series[other[0]]])} "
    if len(other) == len(series) and len(series) > 1:  # the whole panel
        which = ""
    raise ValueError(
        f"{owner}: the rows of X {which}are {duration(medians[other[0]])} apart, but the model "
        f"was fitted on rows {duration(fitted)} apart; it reads each row as one step of the "
        "series it learnt, so its forecasts would be of other times. Give the history at the "
        "fitted spacing (resample it), or fit a model on data at this one."
    )


def duration(hours: float) -> str:
    """Say ``hours`` in the unit that reads best ("about 30.5 days", "1 hour")."""

    def counted(value: float, unit: str) -> str:
        return f"{value:.4g} {unit}" + ("" if f"{value:.4g}" == "1" else "s")

    if hours >= 24 * 28:
        return "about " + counted(hours / 24, "day")
    if hours >= 24:
        return counted(hours / 24, "day")
    return counted(hours, "hour") if hours >= 1 else counted(hours * 60, "minute")
