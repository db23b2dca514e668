"""Forecasts of models fitted with different target transforms, combined: their median.

A forecaster fitted with several target transforms (``target_transform`` a list, or
``"auto"`` on short series) holds a model per transform; each forecasts in the data's units,
and the combination is the median of their forecasts, point by point and quantile level by
quantile level (with two models, their mean). A level's median over models keeps the levels'
order: if every model's level ``a`` lies below its level ``b``, so do the medians.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["median_forecast"]


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
