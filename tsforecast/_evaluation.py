"""Rolling-origin evaluation against naive baselines (persistence, seasonal naive).

One definition of the baselines, shared by ``tsforecast demo``, the accuracy tests and the
peer benchmark, so that every accuracy figure the project quotes is measured the same way.

Forecasts are arrays of *paths*: ``paths[i, h]`` is the forecast made at origin ``i`` (the
first row not seen) for row ``origins[i] + h``. A one-step evaluation of rows ``r`` is the
special case ``origins = r``, ``horizon = 1``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tsforecast._validation import check_int

__all__ = [
    "mean_absolute_error",
    "persistence",
    "rolling_forecasts",
    "rolling_origins",
    "seasonal_naive",
    "truth",
]


def rolling_origins(start: int, stop: int, horizon: int, every: int | None = None) -> np.ndarray:
    """Origins ``start, start + every, ...`` whose whole horizon fits before row ``stop``.

    Parameters
    ----------
    start : int
        First origin (the first row a forecast does not see).
    stop : int
        One past the last row available as truth.
    horizon : int
        Steps forecast from each origin.
    every : int, optional
        Distance between origins; ``horizon`` by default (forecasts that do not overlap).

    Returns
    -------
    ndarray of int64

    Examples
    --------
    >>> rolling_origins(10, 20, horizon=3).tolist()
    [10, 13, 16]
    """
    horizon = check_int("horizon", horizon, owner="rolling_origins")
    every = horizon if every is None else check_int("every", every, owner="rolling_origins")
    if start < 1:
        raise ValueError(f"rolling_origins: start must be >= 1 (a history); got {start}.")
    return np.arange(start, stop - horizon + 1, every, dtype=np.int64)


def _steps(origins: Any, horizon: int) -> np.ndarray:
    origins = np.asarray(origins, dtype=np.int64)
    return origins[:, None] + np.arange(check_int("horizon", horizon))


def truth(values: np.ndarray, origins: Any, horizon: int) -> np.ndarray:
    """Return the observed paths ``values[origins[i] + h]``, of shape ``(n_origins, horizon)``."""
    return np.asarray(values)[_steps(origins, horizon)]


def persistence(values: np.ndarray, origins: Any, horizon: int) -> np.ndarray:
    """Forecast "no change": every step repeats the last value seen, ``values[origins[i] - 1]``."""
    rows = np.repeat(np.asarray(origins, dtype=np.int64)[:, None] - 1, horizon, axis=1)
    return np.asarray(values)[rows]


def seasonal_naive(values: np.ndarray, origins: Any, horizon: int, season: int) -> np.ndarray:
    """Each step repeats the value one season before it, among the rows seen.

    Step ``h`` from origin ``o`` reads row ``o - season + (h mod season)``: the last season
    seen, repeated when the horizon is longer than a season.

    Examples
    --------
    >>> seasonal_naive(np.arange(10.0), [6], horizon=4, season=3).tolist()
    [[3.0, 4.0, 5.0, 3.0]]
    """
    season = check_int("season", season, owner="seasonal_naive")
    origins = np.asarray(origins, dtype=np.int64)
    if len(origins) and origins.min() < season:
        raise ValueError(
            f"seasonal_naive: origin {origins.min()} has fewer than one season ({season} rows) "
            "of history."
        )
    rows = origins[:, None] - season + np.arange(horizon) % season
    return np.asarray(values)[rows]


def rolling_forecasts(forecast: Callable[[int], np.ndarray], origins: Any) -> np.ndarray:
    """Stack ``forecast(origin)`` (the forecast made from the rows before ``origin``)."""
    return np.stack([np.asarray(forecast(int(origin))) for origin in origins])


def mean_absolute_error(forecasts: np.ndarray, observed: np.ndarray) -> float:
    """Mean absolute difference over every origin, step and column."""
    return float(np.abs(np.asarray(forecasts) - np.asarray(observed)).mean())
