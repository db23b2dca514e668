"""`LSTMForecaster`'s forecasting methods: predict, quantiles, intervals, forecast, score."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from sklearn.metrics import r2_score
from sklearn.utils.validation import check_is_fitted

from tsforecast import _time
from tsforecast._boundary import (
    check_X,
    check_y,
    in_caller_order,
    r2_of_next_rows,
    series_ids,
)
from tsforecast._checks import check_int, check_real, show
from tsforecast._recurrent import bounds as _bounds
from tsforecast._recurrent.combination import Reading, median_forecast, readings
from tsforecast._recurrent.combined_widths import widen
from tsforecast._recurrent.forecasting import (
    backtest_ahead,
    check_forecast,
    forecast_after,
    forecast_result,
    future_values,
    warn_if_stale,
)
from tsforecast._recurrent.naive_scores import warn_if_forecast_unscored
from tsforecast._recurrent.outputs import interval_levels, level_positions
from tsforecast._recurrent.predicting import one_step_levels, one_step_points
from tsforecast._recurrent.seasonal_average import (
    blend,
    seasonal_average,
    seen_in_fit,
    weights_of,
)
from tsforecast._recurrent.target_transform import warn_if_history_short
from tsforecast._recurrent.transform_choice import observed_targets
from tsforecast._segments import series_starts
from tsforecast._training_rows import warn_if_scoring_training_rows
from tsforecast.sequences import SequenceData

__all__ = ["ForecastingMethods"]


class ForecastingMethods:
    """The public methods of a fitted `LSTMForecaster` that forecast and score."""

    def predict(self, X: Any, groups: Any = None) -> np.ndarray:
        """One-step forecasts: for every row ``t``, the forecast made from the rows up to ``t``.

        Parameters
        ----------
        X : array-like, DataFrame or SequenceData of shape (n_timesteps, n_features)
            Rows in time order; the same columns as in `fit`.
        groups : array-like of shape (n_timesteps,), optional
            Series id of each row; each row reads only its own series.

        Returns
        -------
        ndarray of shape (n_timesteps,) or (n_timesteps, n_targets)
            Autoregressive: row ``t`` forecasts row ``t + 1`` of the target columns (2-D).
            Supervised: forecasts of ``y[t]``, 1-D when ``y`` was 1-D.
        """
        check_is_fitted(self, "module_")
        data = check_X(self, X, groups, reset=False)
        return in_caller_order(data, self._predict(data, "LSTMForecaster.predict"))

    def _models(
        self, data: SequenceData, owner: str, stacklevel: int = 4
    ) -> list[tuple[Any, Reading]]:
        """Return this model and those of the other transforms it combines, with what they read.

        Their forecasts are combined: the median (`combination.median_forecast`), over the
        models that read each history (`combination.readings`, which warns where one cannot;
        ``stacklevel``: its frames up to the user's call).
        """
        own = getattr(self, "seasonal_average_weights_", None)
        if own and not seen_in_fit(data.series_ids, own):
            warnings.warn(
                f"{owner}: none of the {data.n_series} series ids of X was seen in fit (such "
                f"as {show(data.series_ids[0])}, where fit saw {show(next(iter(own)))}), so "
                "each takes the pooled weight of the seasonal average "
                f"({self.seasonal_average_weight_:g}), not a weight of its own "
                "(seasonal_average_weights_). Ids of another type are other series: 7 and '7' "
                "differ.",
                RuntimeWarning,
                stacklevel=stacklevel - 1,
            )
        models = [self, *self._members_in_step()]
        if len(models) == 1:
            return [(self, Reading(data))]
        transforms = [model._transform() for model in models]
        return list(zip(models, readings(transforms, data, owner, stacklevel), strict=True))

    def _network_points(self, data: SequenceData, models: list[tuple[Any, Reading]]) -> np.ndarray:
        """Return the networks' one-step point forecasts (the median of ``models``), 2-D."""
        rows = series_starts(data.offsets), np.arange(data.n_timesteps)  # each row an origin
        return median_forecast(
            [one_step_points(m._reader(), m._decoder(), r.data, m._transform()) for m, r in models],
            [reading.reads(*rows) for _, reading in models],
        )  # fmt: skip

    def _predict(self, data: SequenceData, owner: str) -> np.ndarray:
        """`predict` and `score`'s forecasts (``owner``: the method called, for warnings)."""
        models = self._models(data, owner, 5)  # readings <- _models <- this <- method <- user
        predictions = self._network_points(data, models)
        if self._average_weight():
            predictions = self._one_step_blend(data, predictions, None)[0]
        return predictions[:, 0] if self.y_ndim_ == 1 else predictions

    def _average_weight(self) -> float:
        """Return the seasonal average's largest weight in the forecasts (0.0: none at all).

        0.0 for models fitted before the average; with a weight per series, the largest.
        """
        own = getattr(self, "seasonal_average_weights_", None) or {}
        return max([getattr(self, "seasonal_average_weight_", 0.0), *own.values()])

    def _combined(
        self,
        data: SequenceData,
        firsts: np.ndarray,
        lasts: np.ndarray,
        points: np.ndarray,
        levels: np.ndarray | None,
        positions: list[int] | None = None,
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Combine the forecasts after the rows ``lasts`` with the seasonal average's.

        ``points`` ``(n, steps, n_targets)`` and ``levels`` (or None) as the networks gave
        them, the levels moved with the points; unchanged when the weights are 0
        (`seasonal_average.blend`). Each origin takes its series' weight
        (``seasonal_average_weights_``; a series fit did not see, the pooled one,
        ``seasonal_average_weight_``). Then the levels (the fitted ones at ``positions``;
        None: all) widen by ``interval_widening_``, if any (`combined_widths.widen`).
        """
        if self._average_weight():
            points, levels = self._blended(data, firsts, lasts, points, levels)
        factors = getattr(self, "interval_widening_", None)
        if levels is None or factors is None:
            return points, levels
        positions = list(range(len(self.quantiles_))) if positions is None else positions
        chosen = [self.quantiles_[i] for i in positions]
        levels = widen(points, levels, factors[:, positions], chosen)
        bounds = getattr(self, "bounds_", None)
        if bounds is not None:  # stopped at the bounds, as the network's own levels are
            levels = np.clip(levels, bounds[:, None, 0], bounds[:, None, 1])
        return points, levels

    def _blended(
        self,
        data: SequenceData,
        firsts: np.ndarray,
        lasts: np.ndarray,
        points: np.ndarray,
        levels: np.ndarray | None,
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Move the forecasts toward the seasonal average, as `_combined` does (`blend`)."""
        values = observed_targets(data.values, data.mask, self.target_indices_)
        average = seasonal_average(
            values, firsts, lasts, points.shape[1], self.seasonal_period_,
            self.target_transform_.log,
        )  # fmt: skip
        by_series = weights_of(
            data.series_ids, getattr(self, "seasonal_average_weights_", None),
            self.seasonal_average_weight_,
        )  # fmt: skip
        weight = by_series[np.searchsorted(data.offsets, firsts, side="right") - 1, None, None]
        return blend(points, levels, average, weight, self.bounds_)

    def _one_step_blend(
        self,
        data: SequenceData,
        points: np.ndarray,
        levels: np.ndarray | None,
        positions: list[int] | None = None,
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Return `_combined` of the one-step forecasts of every row (``(n_rows, n_targets)``)."""
        firsts, lasts = series_starts(data.offsets), np.arange(data.n_timesteps)
        moved, shifted = self._combined(
            data, firsts, lasts, points[:, None],
            None if levels is None else levels[:, None], positions,
        )  # fmt: skip
        return moved[:, 0], None if shifted is None else shifted[:, 0]

    def predict_quantiles(self, X: Any, groups: Any = None, quantiles: Any = True) -> np.ndarray:
        """One-step quantile forecasts for every row, calibrated.

        Calibrated on the validation data (``conformal_margins_``) and, for a model fitted
        without ``y``, adapted along each series of ``X`` to the outcomes seen so far
        (``adaptation_rate``): row ``t`` uses only the outcomes up to row ``t``.

        Parameters
        ----------
        X : array-like, DataFrame or SequenceData of shape (n_timesteps, n_features)
            Rows in time order; the same columns as in `fit`.
        groups : array-like of shape (n_timesteps,), optional
            Series id of each row.
        quantiles : True, float or list of float, default=True
            The levels to return, among ``quantiles_``; True: all.

        Returns
        -------
        ndarray of shape (n_timesteps, n_targets, n_levels)
            Row ``t``: the forecast made from the rows up to ``t``, as for `predict`; the
            levels in increasing order along the last axis (they never cross).
            ``(n_timesteps, n_levels)`` when ``y`` was 1-D.
        """
        return self._predict_quantiles(X, groups, quantiles, "LSTMForecaster.predict_quantiles")

    def _predict_quantiles(self, X: Any, groups: Any, quantiles: Any, owner: str) -> np.ndarray:
        """`predict_quantiles` for the public method ``owner`` (called by the user)."""
        check_is_fitted(self, "module_")
        positions = level_positions(self.quantiles_, quantiles, owner)
        data = check_X(self, X, groups, reset=False)
        models = self._models(data, owner, 5)  # readings <- _models <- this <- method <- user
        rows = series_starts(data.offsets), np.arange(data.n_timesteps)  # each row an origin
        values = median_forecast(
            [
                one_step_levels(
                    model._reader(), model._decoder(), model._adaptation(), reading.data,
                    positions, model._transform(),
                )
                for model, reading in models
            ],
            [reading.reads(*rows) for _, reading in models],
        )  # fmt: skip
        if self._average_weight() or getattr(self, "interval_widening_", None) is not None:
            points = self._network_points(data, models)  # the levels move with them, widen
            values = self._one_step_blend(data, points, values, positions)[1]  # type: ignore
        values = in_caller_order(data, values)
        return values[:, 0] if self.y_ndim_ == 1 else values

    def predict_interval(
        self, X: Any, groups: Any = None, coverage: float = 0.8
    ) -> tuple[np.ndarray, np.ndarray]:
        """One-step prediction intervals: the calibrated pair of quantiles around the median.

        The interval of coverage ``c`` lies between the levels ``(1 - c) / 2`` and
        ``(1 + c) / 2``, which the model must forecast (``quantiles=(0.1, 0.9)`` gives 0.8).
        Calibrated on the validation data by conformalised quantile regression: over new data
        like the validation data, a fraction ``c`` of the values fall inside.

        Parameters
        ----------
        X : array-like, DataFrame or SequenceData of shape (n_timesteps, n_features)
            Rows in time order.
        groups : array-like of shape (n_timesteps,), optional
            Series id of each row.
        coverage : float, default=0.8
            The probability the interval should hold the next value.

        Returns
        -------
        lower, upper : ndarrays shaped like `predict`'s output
        """
        check_is_fitted(self, "module_")
        owner = "LSTMForecaster.predict_interval"
        coverage = check_real("coverage", coverage, 0, 1, lower_open=True, upper_open=True,
                              owner=owner)  # fmt: skip
        levels = interval_levels(self.quantiles_, coverage, owner)
        quantiles = self._predict_quantiles(X, groups, True, owner)
        return quantiles[..., levels[0]], quantiles[..., levels[1]]

    def forecast(
        self, X: Any, steps: int, groups: Any = None, quantiles: Any = None, future: Any = None
    ) -> Any:
        """Forecast the target columns ``steps`` rows after the end of each series.

        Up to ``horizon_`` steps are read directly from one pass over the history (the last
        ``context_length`` rows); further steps repeat this from the point forecasts fed back
        as history, ``horizon_`` at a time (a model combining several target transforms,
        ``transform_members_``: each model feeds back its own, and the forecast is the median
        of their paths). Calendar features are computed for the future time stamps.
        Covariates by role:

        - **known-future** (``future_covariates``): their values over the forecast period come
          from ``future``; the forecast of step ``k`` reads them up to step ``k``;
        - **static** (``static_covariates``): each series' value, unchanged;
        - **past** (every other column that is not a target): read up to the end of ``X``
          only. The direct outputs need nothing after it, so forecasts go up to ``horizon_``
          steps; further ahead they would need past covariates that nobody knows yet, so
          ``steps > horizon_`` is refused (rather than forecasting the covariates, which the
          model was not trained to do): fit with a longer ``horizon``.

        Parameters
        ----------
        X : array-like, DataFrame or SequenceData of shape (n_timesteps, n_features)
            The history, rows in time order.
        steps : int
            How far to forecast.
        groups : array-like of shape (n_timesteps,), optional
            Series id of each row; every series is forecast.
        quantiles : None, True, float or list of float, default=None
            Quantile levels to forecast too (among ``quantiles_``; True: all), calibrated as
            in `predict_interval`. Only up to ``horizon_`` steps: further ahead, forecasts fed
            back would understate the uncertainty.
        future : DataFrame or array-like, optional
            The known-future covariates over the forecast period, needed when the model has
            ``future_covariates``. A DataFrame with those columns (others are ignored) and
            ``steps`` rows per series, in time order: indexed by time for one series, or by
            (series id, time) (a ``MultiIndex``) for several; its stamps become the
            forecast's. Or an array of shape ``(n_series, steps, n_future)`` (``(steps,
            n_future)`` for one series), the series in the order of ``X``.

        Returns
        -------
        DataFrame or ndarray
            With time stamps (a DataFrame with any time index: datetimes, numbers such as
            hours since a dose, or a RangeIndex; a SequenceData with time; or a ``future``
            DataFrame): a DataFrame indexed by the future time stamps (and the series id),
            the index levels named as the input's, one column per target, or with
            ``quantiles`` one per target and level named ``"{target}_q{level}"``. Otherwise
            (arrays) an array of shape (steps, n_targets), or (n_series, steps, n_targets)
            with groups; with ``quantiles`` a last axis of levels is added.

        Notes
        -----
        The future time stamps are those of ``future`` when it is a DataFrame; otherwise each
        series continues by its usual step (the most common time between its rows). For
        irregular series (visits, samples) that is an assumption: pass the planned times as
        ``future`` (a DataFrame indexed by them, with no columns if the model has no
        known-future covariates), and a model with ``time_gaps_`` forecasts for those times.
        """
        check_is_fitted(self, "module_")
        owner = "LSTMForecaster.forecast"
        steps = check_int("steps", steps, owner=owner)
        reader = self._reader()
        positions = check_forecast(reader, self.quantiles_, steps, quantiles, owner)
        data = check_X(self, X, groups, reset=False)
        if self.target_indices_ is not None:
            warn_if_stale(
                data, self.target_indices_, self.target_names_, self.context_length_, owner
            )
        models = self._models(data, owner)
        transforms = [getattr(model, "target_transform_", None) for model, _ in models]
        warn_if_history_short([t for t in transforms if t is not None], data, owner)
        ahead, times = future_values(future, data, steps, reader.inputs, owner)
        if times is None and data.time is not None:
            times = _time.series_future_times(data, steps, owner=owner)
        ends = data.offsets[:-1], data.offsets[1:] - 1
        forecasts = [
            model._forecasts_after(
                reading.data, *ends, steps, ahead, times, positions, owner, None, True
            )
            for model, reading in models
        ]
        available = [reading.reads(*ends) for _, reading in models]
        points, levels = (median_forecast(part, available) for part in zip(*forecasts, strict=True))
        points, levels = self._combined(data, *ends, points, levels, positions)
        judged = _bounds.judging_range(
            points, getattr(self, "scale_", None), getattr(self, "target_range_", None),
            data.values, data.mask, self.target_indices_, data.offsets,
        )  # fmt: skip

        def which(i: int) -> str:  # the series of forecast i, in a warning
            return "" if data.groups is None else f" of series {show(series_ids(data)[i])}"

        _bounds.warn_divergence(
            points, judged, self.target_names_, which, owner, self.horizon_,
            getattr(self, "target_range_", None),
        )  # fmt: skip
        _bounds.warn_below_zero(
            points, getattr(self, "target_range_", None), getattr(self, "bounds_", None),
            self.target_names_, which, owner, judged,
        )  # fmt: skip
        warn_if_forecast_unscored(self.baseline_scores_, steps, owner, stacklevel=3)
        return forecast_result(
            points, levels, self.target_names_, self.quantiles_, positions, times, data
        )

    def _backtest_forecasts(
        self,
        data: SequenceData,
        firsts: np.ndarray,
        lasts: np.ndarray,
        steps: int,
        quantiles: Any,
        owner: str = "backtest",
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Return what `forecast` would give after each row ``lasts[i]``, all in one pass.

        The data cut after ``lasts[i]``, with the rows after it as ``future`` (their
        known-future covariates and time stamps): points ``(n, steps, n_targets)`` and, with
        ``quantiles``, the levels ``(n, steps, n_targets, n_levels)``.
        """
        reader = self._reader()
        positions = check_forecast(reader, self.quantiles_, steps, quantiles, owner)
        ahead, times, gaps = backtest_ahead(reader, data, lasts, steps, owner)
        models = self._models(data, owner, 5)  # readings <- _models <- this <- backtest <- user
        forecasts = [
            model._forecasts_after(
                reading.data, firsts, lasts, steps, ahead, times, positions, owner, gaps, False
            )
            for model, reading in models
        ]
        available = [reading.reads(firsts, lasts) for _, reading in models]
        points, levels = (median_forecast(part, available) for part in zip(*forecasts, strict=True))
        return self._combined(data, firsts, lasts, points, levels, positions)

    def _forecasts_after(
        self,
        data: SequenceData,
        firsts: np.ndarray,
        lasts: np.ndarray,
        steps: int,
        ahead: Any,
        times: Any,
        positions: Any,
        owner: str,
        gaps: Any,
        at_ends: bool,
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Return this model's forecasts after the rows ``lasts`` (its transform alone).

        ``ahead``, ``times``, ``positions`` and ``gaps`` as `forecasting.forecast_after`
        takes them; the intervals adapted along each series from ``firsts`` up to ``lasts``,
        or (``at_ends``: ``lasts`` are the series' ends) along the whole series.
        """
        reader, adaptation, transform = self._reader(), self._adaptation(), self._transform()
        changes = transform.apply(data, owner)
        margins = None
        if positions is not None and adaptation is not None:
            if at_ends:
                margins = adaptation.at_ends(reader, changes, steps)
            else:
                margins = adaptation.at_origins(reader, changes, firsts, lasts, steps)
        return forecast_after(
            reader, self._decoder(), data, firsts, lasts, steps, ahead, times, positions,
            margins, owner, gaps, transform, changes,
        )  # fmt: skip

    def score(self, X: Any, y: Any = None, groups: Any = None) -> float:
        """R² of the one-step forecasts (so cross_val_score and GridSearchCV need no scorer).

        Parameters
        ----------
        X : array-like, DataFrame or SequenceData
            Rows in time order.
        y : array-like, optional
            Supervised mode: the truth for every row. Autoregressive mode: leave None; the
            truth is the next row of ``X`` in the same series (its observed values only, when
            ``X`` is a `SequenceData` with a mask).
        groups : array-like, optional
            Series id of each row.

        Returns
        -------
        float
            R² averaged over the targets.

        Warns
        -----
        RuntimeWarning
            Where ``X`` holds the last rows fit read of a series followed by later rows (a
            `SeriesSplit` test fold, which begins with its history): the rows up to them
            are forecast in-sample, so the score is optimistic; score such folds with
            ``scoring=cv.scorer("r2")``. Found by their time stamps and values, within the
            fit-then-score of cross-validation (a loaded model does not know them); rows
            without stamps (arrays) are not judged.
        """
        check_is_fitted(self, "module_")
        if not self.autoregressive_ and y is None:
            raise ValueError("LSTMForecaster.score: this model was fitted with y; pass y.")
        if self.autoregressive_ and y is not None:
            raise ValueError(
                "LSTMForecaster.score: this model was fitted without y, so its truth is the next "
                "row of X in the same series; call score(X) without y (or fit with y to learn y)."
            )
        data = check_X(self, X, groups, reset=False)
        warn_if_scoring_training_rows(
            data, getattr(self, "_training_ends", None), "LSTMForecaster.score",
            "To score only the rows after them (cross-validation with SeriesSplit, whose test "
            "folds begin with their history), pass scoring=cv.scorer('r2').",
        )  # fmt: skip
        predictions = self._predict(data, "LSTMForecaster.score")
        if not self.autoregressive_:
            return float(r2_score(check_y(y, data), predictions))
        return r2_of_next_rows(data, predictions, self.target_indices_, "LSTMForecaster.score")
