"""Forecasts of models fitted with different target transforms, combined: their median.

A forecaster fitted with several target transforms (``target_transform`` a list, or
``"auto"`` on short series) holds a model per transform; each forecasts in the data's units,
and the combination is the median of their forecasts, point by point and quantile level by
quantile level (with two models, their mean). A level's median over models keeps the levels'
order: if every model's level ``a`` lies below its level ``b``, so do the medians.

A model of the log of the targets cannot read a history holding values at or below 0, which
positive training data does not rule out (a growth rate positive on its 12 training rows):
the other transforms' models (``transform_members_``) that cannot are left out of the median,
with a warning (`readable`), rather than failing every forecast from that history. The model
kept as the forecaster's own (``target_transform_``) is never left out: if it cannot read the
history, its error says so.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from tsforecast._recurrent.target_transform import TargetTransform
from tsforecast.sequences import SequenceData

__all__ = ["median_forecast", "readable"]


def readable(
    transforms: Sequence[TargetTransform], data: SequenceData, owner: str, stacklevel: int
) -> list[int]:
    """Return the positions of ``transforms`` whose models can read ``data``; warn of others.

    ``transforms[0]`` is the forecaster's own, always kept; each other one is kept where it
    can read the targets of ``data`` (`TargetTransform.reads`), and the warning (raised
    ``stacklevel`` frames up: the user's call) names those left out.
    """
    kept = [0, *(i for i in range(1, len(transforms)) if transforms[i].reads(data))]
    if len(kept) < len(transforms):
        names = [transforms[i].name for i in range(len(transforms)) if i not in kept]
        warnings.warn(
            f"{owner}: the history holds target values <= 0, which the model(s) of "
            f"transform_members_ forecasting their log ({', '.join(names)}) cannot read: "
            f"the forecasts are the median of the other {len(kept)} model(s) "
            f"({', '.join(transforms[i].name for i in kept)}). Refit on such history to "
            "leave log transforms out (target_transform='auto' tries them on positive "
            "data only).",
            RuntimeWarning,
            stacklevel=stacklevel,
        )
    return kept


def median_forecast(
    forecasts: Sequence[np.ndarray | None],
) -> np.ndarray | None:
    """Return the median over models of ``forecasts`` (arrays of one shape, or all None).

    Examples
    --------
    >>> median_forecast([np.array([1.0, 4.0]), np.array([3.0, 8.0])]).tolist()
    [2.0, 6.0]
    >>> median_forecast([None, None]) is None
    True
    """
    if len(forecasts) == 0:
        raise ValueError("median_forecast: no forecast to combine")
    if forecasts[0] is None or len(forecasts) == 1:
        return forecasts[0]
    return np.median(np.stack(forecasts), axis=0)
