"""Forecasts of models fitted with different target transforms, combined: their median.

A forecaster fitted with several target transforms (``target_transform`` a list, or
``"auto"`` on short series) holds a model per transform; each forecasts in the data's units,
and the combination is the median of their forecasts, point by point and quantile level by
quantile level (with two models, their mean). A level's median over models keeps the levels'
order: if every model's level ``a`` lies below its level ``b``, so do the medians.

A model of the log of the targets cannot read a history holding values at or below 0, which
positive training data does not rule out (a growth rate positive on its 12 training rows):
the models that cannot (the forecaster's own, ``target_transform_``, or one of
``transform_members_``) are left out of the median of the forecasts from the histories
holding such a value, with a warning (`readings`), rather than failing every forecast: each
history alike, as a forecast from it alone. Where no model can read such a history (every one
forecasts a log), the forecaster's own error says why.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tsforecast._checks import show
from tsforecast._recurrent.target_transform import TargetTransform
from tsforecast._warnings import ignoring
from tsforecast.sequences import SequenceData

__all__ = ["Reading", "median_forecast", "readings"]


@dataclass(frozen=True)
class Reading:
    """What one model of the combination reads: the data, and which histories it can.

    ``data``: the data as given, or for a model of the log that cannot read some of its
    values (at or below 0) a copy where those are missing; ``unreadable``: the running count
    of such rows (None: it reads every history).
    """

    data: SequenceData
    unreadable: np.ndarray | None = None

    def reads(self, firsts: np.ndarray, lasts: np.ndarray) -> np.ndarray | None:
        """Whether the model reads each history from row ``firsts`` to ``lasts`` (None: all)."""
        if self.unreadable is None:
            return None
        count = self.unreadable
        before = np.where(firsts > 0, count[np.maximum(firsts - 1, 0)], 0)
        return count[lasts] - before == 0


def readings(
    transforms: Sequence[TargetTransform], data: SequenceData, owner: str, stacklevel: int
) -> list[Reading]:
    """Return what each model of ``transforms`` reads of ``data``; warn where one cannot.

    ``transforms[0]`` is the forecaster's own. Where some model reads all of ``data``, each
    one that cannot read some targets (`TargetTransform.reads`: a log, values at or below 0)
    reads them as missing, and is left out of the median of the forecasts from the histories
    that hold one (`Reading.reads`); the warning (raised ``stacklevel`` frames up: the user's
    call) names them. Where none does, every model reads ``data`` as it is: the forecaster's
    own error says what it cannot.
    """
    readable = [transform.reads(data) for transform in transforms]
    if not any(readable):
        return [Reading(data) for _ in transforms]
    found, left_out = [], []
    for transform, reads in zip(transforms, readable, strict=True):
        if reads:
            found.append(Reading(data))
            continue
        values = data.values[:, list(transform.columns)]
        bad = np.isfinite(values) & (values <= 0)
        cleaned = copy.copy(data)
        new_values = data.values.copy()
        new_values[:, list(transform.columns)] = np.where(bad, np.nan, values)
        mask = np.ones(data.values.shape, bool) if data.mask is None else data.mask.copy()
        mask[:, list(transform.columns)] &= ~bad
        object.__setattr__(cleaned, "values", new_values)
        object.__setattr__(cleaned, "mask", mask)
        found.append(Reading(cleaned, np.cumsum(bad.any(axis=1))))
        left_out.append(transform.name)
    if left_out:
        unreadable = next(r.unreadable for r in found if r.unreadable is not None)
        first = int(np.argmax(np.diff(unreadable, prepend=0) > 0))
        series = int(np.searchsorted(data.offsets, first, side="right") - 1)
        where = f"row {first - int(data.offsets[series])} of series {show(data.series_ids[series])}"
        warnings.warn(
            f"{owner}: the history holds target values <= 0 (the first: {where}), which the "
            f"model(s) forecasting their log ({', '.join(left_out)}) cannot read: the "
            "forecasts from histories holding one are the median of the other models "
            f"({', '.join(t.name for t in transforms if t.name not in left_out)}). Refit on "
            "such history to leave log transforms out (target_transform='auto' tries them on "
            "positive data only).",
            RuntimeWarning,
            stacklevel=stacklevel,
        )
    return found


def median_forecast(
    forecasts: Sequence[np.ndarray | None],
    available: Sequence[np.ndarray | None] | None = None,
) -> np.ndarray | None:
    """Return the median over models of ``forecasts`` (arrays of one shape, or all None).

    ``available``: per model, whether it forecast each origin (the first axis; None: all), as
    `Reading.reads` says; the median of an origin is over the models available there.

    Examples
    --------
    >>> median_forecast([np.array([1.0, 4.0]), np.array([3.0, 8.0])]).tolist()
    [2.0, 6.0]
    >>> median_forecast([np.array([1.0, 4.0]), np.array([3.0, 8.0]), np.array([9.0, 9.0])],
    ...                 [None, None, np.array([False, True])]).tolist()
    [2.0, 8.0]
    >>> median_forecast([None, None]) is None
    True
    """
    if len(forecasts) == 0:
        raise ValueError("median_forecast: no forecast to combine")
    if forecasts[0] is None or len(forecasts) == 1:
        return forecasts[0]
    stacked = np.stack(forecasts)
    if available is None or all(a is None or a.all() for a in available):
        return np.median(stacked, axis=0)
    shape = (-1,) + (1,) * (stacked.ndim - 2)
    for i, known in enumerate(available):
        if known is not None:
            stacked[i] = np.where(known.reshape(shape), stacked[i], np.nan)
    with ignoring(RuntimeWarning, "All-NaN slice"):
        return np.nanmedian(stacked, axis=0)
