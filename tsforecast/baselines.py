"""Naive forecasters as estimators: persistence ("no change") and seasonal naive.

They take what `LSTMForecaster` takes (arrays, DataFrames, ``(series id, time)`` panels,
`SequenceData`, ``groups``) and answer as it does (`predict`, `forecast`, `score`), so they go
wherever a model goes: pipelines, grid searches, `tsforecast.backtest`, the command line. They
read the target columns only; any other column is accepted and ignored. A missing value (NaN,
or unobserved in a `SequenceData`'s mask, whose stored value is an adapter's fill) is never
forecast: the row read stands for the last value observed at or before it in its series.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from tsforecast import _boundary, _seasons, _time
from tsforecast._boundary import forecaster_tags, r2_of_next_rows
from tsforecast._checks import check_int
from tsforecast._columns import column_names, target_columns
from tsforecast._forecast_frames import forecast_frame, future_frame
from tsforecast._segments import carried_forward, repeated_rows, series_starts
from tsforecast.sequences import SequenceData

__all__ = ["Persistence", "SeasonalNaive"]


class _NaiveForecaster(RegressorMixin, BaseEstimator):
    """Shared machinery: a forecast of each step reads one earlier row of the same series."""

    def _period(self, data: SequenceData) -> int:
        raise NotImplementedError

    def fit(self, X: Any, y: Any = None, groups: Any = None) -> _NaiveForecaster:
        """Learn the columns (and the season); nothing is trained.

        Parameters
        ----------
        X : array-like, DataFrame or SequenceData of shape (n_timesteps, n_features)
            Rows in time order, series after series.
        y : None
            Not used: the truth of a naive forecast is the next row of ``X``.
        groups : array-like of shape (n_timesteps,) or str, optional
            Series id of each row (or the name of a column holding it).

        Returns
        -------
        self
        """
        owner = f"{type(self).__name__}.fit"
        if y is not None:
            raise ValueError(
                f"{owner}: a naive forecaster forecasts the next rows of X from X itself; "
                "fit(X) without y (choose the forecast columns with target=)."
            )
        data = _boundary.check_X(self, X, groups, reset=True)
        self.target_indices_ = target_columns(
            self.target, self.n_features_in_, getattr(self, "feature_names_in_", None), owner
        )
        names = column_names(getattr(self, "feature_names_in_", None), self.n_features_in_)
        self.target_names_ = [names[i] for i in self.target_indices_]
        self.period_ = self._period(data)
        self.autoregressive_ = True
        return self

    def _source_rows(self, lasts: np.ndarray, firsts: np.ndarray, steps: int) -> np.ndarray:
        """Row read for step ``h`` of the forecast made after row ``lasts[i]``: ``(n, steps)``.

        ``lasts[i] - period + 1 + (h mod period)``: the last season seen, repeated.
        """
        period = self.period_
        rows = repeated_rows(lasts, steps, period)
        too_short = rows[:, 0] < firsts
        if too_short.any():
            raise ValueError(
                f"{type(self).__name__}: a forecast needs at least {period} rows of history "
                f"(one season); a series has only {int((lasts - firsts + 1)[too_short].min())}."
            )
        return rows

    def _forecast_after(
        self, data: SequenceData, firsts: np.ndarray, lasts: np.ndarray, steps: int
    ) -> np.ndarray:
        """Forecast ``steps`` rows after each row ``lasts[i]``: ``(n, steps, n_targets)``."""
        rows = self._source_rows(np.asarray(lasts), np.asarray(firsts), steps)
        return self._observed(data)[rows]

    def _observed(self, data: SequenceData) -> np.ndarray:
        """Return the target columns, each missing value replaced by the last one observed.

        Missing: NaN, or unobserved in a `SequenceData`'s mask (whose value is an adapter's
        fill). Within each series; NaN before a series' first observed value.
        """
        values = data.values[:, self.target_indices_].astype(np.float64)
        seen = np.isfinite(values)
        if data.mask is not None:
            seen &= data.mask[:, self.target_indices_]
        if seen.all():
            return values
        return carried_forward(np.where(seen, values, np.nan), data.offsets)

    def _backtest_forecasts(
        self,
        data: SequenceData,
        firsts: np.ndarray,
        lasts: np.ndarray,
        steps: int,
        quantiles: Any,
        owner: str = "backtest",
    ) -> tuple[np.ndarray, None]:
        """Return the forecasts after each row ``lasts[i]`` (see `tsforecast.backtest`)."""
        if quantiles is not None:
            raise ValueError(
                f"{owner}: {type(self).__name__} forecasts points only; quantiles=None."
            )
        return self._forecast_after(data, firsts, lasts, steps), None

    def predict(self, X: Any, groups: Any = None) -> np.ndarray:
        """One-step forecasts: for every row ``t``, the forecast of row ``t + 1``.

        Parameters
        ----------
        X : array-like, DataFrame or SequenceData of shape (n_timesteps, n_features)
            Rows in time order.
        groups : array-like of shape (n_timesteps,), optional
            Series id of each row.

        Returns
        -------
        ndarray of shape (n_timesteps, n_targets)
            NaN where the series has less than one season of history.
        """
        check_is_fitted(self, "period_")
        data = _boundary.check_X(self, X, groups, reset=False)
        return _boundary.in_caller_order(data, self._predict(data))

    def _predict(self, data: SequenceData) -> np.ndarray:
        rows = np.arange(data.n_timesteps)
        firsts = series_starts(data.offsets)
        source = rows - self.period_ + 1
        values = self._observed(data)[np.maximum(source, 0)]
        values[source < firsts] = np.nan
        return values

    def forecast(
        self, X: Any, steps: int, groups: Any = None, quantiles: Any = None, future: Any = None
    ) -> Any:
        """Forecast the target columns ``steps`` rows after the end of each series.

        Parameters
        ----------
        X : array-like, DataFrame or SequenceData of shape (n_timesteps, n_features)
            The history, rows in time order.
        steps : int
            How far to forecast.
        groups : array-like of shape (n_timesteps,), optional
            Series id of each row; every series is forecast.
        quantiles : None
            Naive forecasts are points; passing quantile levels is an error.
        future : DataFrame, optional
            Only its time stamps are read (the forecast's index); a naive forecast reads no
            covariate.

        Returns
        -------
        DataFrame or ndarray
            As `LSTMForecaster.forecast`: a DataFrame indexed by the future time stamps (and
            series id) when the data has time stamps, else an array of shape (steps,
            n_targets), or (n_series, steps, n_targets) with groups.
        """
        check_is_fitted(self, "period_")
        owner = f"{type(self).__name__}.forecast"
        steps = check_int("steps", steps, owner=owner)
        if quantiles is not None:
            raise ValueError(f"{owner}: a naive forecaster forecasts points only; quantiles=None.")
        data = _boundary.check_X(self, X, groups, reset=False)
        times = None
        if future is not None:
            times = future_frame(future, data, steps, [], owner, regular=True)[1]
        elif data.time is not None:
            times = _time.series_future_times(data, steps, owner=owner)
        values = self._forecast_after(data, data.offsets[:-1], data.offsets[1:] - 1, steps)
        if times is not None:
            return forecast_frame(values, times, data, self.target_names_)
        return values if data.groups is not None else values[0]

    def score(self, X: Any, y: Any = None, groups: Any = None) -> float:
        """R² of the one-step forecasts against the next row of each series (as `LSTMForecaster`).

        Rows with less than one season of history are left out.
        """
        check_is_fitted(self, "period_")
        if y is not None:
            raise ValueError(f"{type(self).__name__}.score: the truth is the next row of X; no y.")
        data = _boundary.check_X(self, X, groups, reset=False)
        owner = f"{type(self).__name__}.score"
        return r2_of_next_rows(data, self._predict(data), self.target_indices_, owner)

    def __sklearn_tags__(self):
        """Return scikit-learn's tags: ``y`` optional, several targets allowed."""
        return forecaster_tags(super().__sklearn_tags__())


class Persistence(_NaiveForecaster):
    """Forecast "no change": every step repeats the last value seen.

    Parameters
    ----------
    target : int, str, list of them, or None, default=None
        The columns to forecast (all by default).

    Attributes
    ----------
    target_indices_ : list of int
        The forecast columns.
    target_names_ : list of str
        Their names.
    period_ : int
        1 (the row repeated is the last one).
    n_features_in_, feature_names_in_, n_series_in_
        What fit saw, as for `LSTMForecaster`.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.arange(10.0).reshape(5, 2)
    >>> Persistence().fit(X).forecast(X, steps=2)
    array([[8., 9.],
           [8., 9.]])
    """

    def __init__(self, target: Any = None) -> None:
        self.target = target

    def _period(self, data: SequenceData) -> int:
        return 1


class SeasonalNaive(_NaiveForecaster):
    """Forecast each step by the value one season before it, among the rows seen.

    Step ``h`` (from 1) of the forecast made after row ``t`` reads row ``t - period + 1 +
    ((h - 1) mod period)``: the last season seen, repeated when the horizon is longer.

    Parameters
    ----------
    period : int or "auto", default="auto"
        Rows in one season. "auto": a day for data recorded more often than daily, a week for
        daily data (from the time stamps, as `LSTMForecaster`'s ``seasonal_period``).
    target : int, str, list of them, or None, default=None
        The columns to forecast (all by default).

    Attributes
    ----------
    period_ : int
        Rows in one season.
    target_indices_, target_names_, n_features_in_, feature_names_in_, n_series_in_
        As for `Persistence`.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.arange(6.0)[:, None]
    >>> SeasonalNaive(period=3).fit(X).forecast(X, steps=4).ravel().tolist()
    [3.0, 4.0, 5.0, 3.0]
    """

    def __init__(self, period: Any = "auto", target: Any = None) -> None:
        self.period = period
        self.target = target

    def _period(self, data: SequenceData) -> int:
        owner = "SeasonalNaive.fit"
        if self.period != "auto":
            period = check_int("period", self.period, owner=owner)
        else:
            period = _seasons.seasonal_period(data.local_time, data.offsets)
        if period is None:
            raise ValueError(
                f"{owner}: period='auto' reads the season from datetime stamps (a day for data "
                "recorded more often than daily, a week for daily data), and X has none or "
                "another step; pass period= (rows per season)."
            )
        advice = _time.missing_period_advice(data)
        if advice is not None:
            name, missing, fix = advice
            warnings.warn(
                f"{owner}: X's time stamps lie on the calendar frequency {name} with {missing} "
                f"period(s) missing between them. A seasonal naive forecast reads the value "
                f"period_={period} rows before, so after a missing period it reads another "
                "position of the season (on business days with a holiday left out, Monday's "
                "forecast reads a Tuesday). Give the missing periods as rows of NaN: "
                f"{fix} (a panel: each series reindexed so).",
                UserWarning,
                stacklevel=3,  # warn <- _period <- fit <- caller
            )
        return period
