"""Cross-validation for forecasters: a per-series temporal splitter and forecast scorers.

scikit-learn's `TimeSeriesSplit` cuts the rows of ``X`` as one series: on a panel sorted by
(series, time) it trains on some series and tests on others. `SeriesSplit` cuts every series
at its own point in time, trains on the rows before and tests on the next ones, and hands the
test fold the history before its test rows, so they are forecast with context.

scikit-learn's string scorers (``scoring="neg_mean_absolute_error"``) compare ``predict(X)``
with ``y``; an autoregressive forecaster has no ``y`` (its truth is the next row of each
series), so they fail in scikit-learn before reaching the model. `forecast_scorer` gives
scorers that take the truth from ``X``, for every metric of `tsforecast.metrics`.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import sklearn
from sklearn.model_selection import BaseCrossValidator
from sklearn.pipeline import Pipeline
from sklearn.utils.metadata_routing import MetadataRequest

from tsforecast import _boundary, metrics
from tsforecast._checks import check_int
from tsforecast._training_rows import warn_if_scoring_training_rows
from tsforecast.sequences import SequenceData

__all__ = ["SCORERS", "ForecastScorer", "SeriesSplit", "forecast_scorer"]


class SeriesSplit(BaseCrossValidator):
    """Temporal cross-validation per series: train on each series' past, test on its future.

    Every series is cut at its own rows: fold ``k`` (of ``n_splits``) tests the rows
    ``n - (n_splits - k) * test_size`` to ``n - (n_splits - k - 1) * test_size`` of a series
    of ``n`` rows, trains on the rows before them (less ``gap``; the last ``max_train_size``
    only, for a sliding window), and puts the ``history`` rows before the test rows at the
    start of the test fold, so the model forecasts the test rows from them. Score the folds
    with ``cv.scorer(...)`` (or `forecast_scorer` with ``last=test_size``), which scores the
    forecasts of the test rows only, never those of the history. Always pass it as
    ``scoring=``: without, cross-validation calls the model's ``score``, which scores every
    row of the fold, history included (rows the model was trained on), and warns so.

    Series are told apart by ``groups`` (through ``split``'s ``groups``, or metadata routing:
    the splitter requests them), by the first level of a DataFrame indexed by (series id,
    time), or by a `SequenceData`'s groups (in your own loops: scikit-learn cannot index a
    `SequenceData`); without any, ``X`` is one series. Ids given to ``split`` only (with
    routing off, ``cross_val_score(..., groups=ids)``) reach neither fit nor the scorer: the
    splitter warns. A series too
    short for a fold (no training row before its test rows) sits that fold out.

    Parameters
    ----------
    n_splits : int, default=5
        Folds, at least 2.
    test_size : int, default=1
        Test rows of each series in each fold.
    gap : int, default=0
        Rows left out between the training rows and the test rows.
    max_train_size : int, optional
        Keep only the last rows of each series for training (a sliding window); all of them
        by default (an expanding window).
    history : int, optional
        Rows before the test rows given with them; all the rows before them by default (the
        model reads its last ``context_length``).

    Examples
    --------
    >>> import numpy as np
    >>> groups = np.repeat(["a", "b"], 5)
    >>> cv = SeriesSplit(n_splits=2, test_size=1, history=2)
    >>> for train, test in cv.split(np.zeros((10, 1)), groups=groups):
    ...     print(train.tolist(), test.tolist())
    [0, 1, 2, 5, 6, 7] [1, 2, 3, 6, 7, 8]
    [0, 1, 2, 3, 5, 6, 7, 8] [2, 3, 4, 7, 8, 9]
    """

    __metadata_request__split = {"groups": True}  # noqa: RUF012 (scikit-learn's protocol)

    def __init__(
        self,
        n_splits: int = 5,
        *,
        test_size: int = 1,
        gap: int = 0,
        max_train_size: int | None = None,
        history: int | None = None,
    ) -> None:
        self.n_splits = n_splits
        self.test_size = test_size
        self.gap = gap
        self.max_train_size = max_train_size
        self.history = history

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        """Return the number of folds."""
        return check_int("n_splits", self.n_splits, minimum=2, owner="SeriesSplit")

    def split(self, X: Any, y: Any = None, groups: Any = None) -> Any:
        """Yield the training and test rows of each fold (positions in ``X``).

        Parameters
        ----------
        X : array-like, DataFrame or SequenceData
            The data; a DataFrame indexed by (series id, time) may list its rows in any order.
        y : None
            Ignored.
        groups : array-like or str, optional
            Series id of each row (or the name of a column of ``X`` holding it).

        Yields
        ------
        train, test : ndarray of int
            Positions in ``X``, in increasing order; ``test`` holds each series' history rows
            then its test rows.
        """
        owner = "SeriesSplit"
        n_splits = self.get_n_splits()
        size = check_int("test_size", self.test_size, owner=owner)
        gap = check_int("gap", self.gap, minimum=0, owner=owner)
        window = self.max_train_size
        if window is not None:
            window = check_int("max_train_size", window, owner=owner)
        history = self.history
        if history is not None:
            history = check_int("history", history, minimum=0, owner=owner)
        series = _series_rows(X, groups)
        carries_ids = isinstance(X, SequenceData) or (
            isinstance(X, pd.DataFrame) and isinstance(X.index, pd.MultiIndex)
        )
        if (
            groups is not None
            and not carries_ids
            and not sklearn.get_config()["enable_metadata_routing"]
        ):
            warnings.warn(
                f"{owner}: the series ids reach the splitter only; without metadata routing "
                "cross_val_score and GridSearchCV give them neither to fit nor to the scorer, "
                "which would then read X as one series. Enable routing (sklearn.set_config("
                "enable_metadata_routing=True), model.set_fit_request(groups=True)."
                "set_predict_request(groups=True), params={'groups': ids}), or pass X indexed "
                "by (series id, time).",
                UserWarning,
                stacklevel=2,
            )
        for fold in range(n_splits):
            train, test = [], []
            for rows in series:
                n = len(rows)
                test_start = n - (n_splits - fold) * size
                train_stop = test_start - gap
                if train_stop < 1:
                    continue
                train_start = 0 if window is None else max(0, train_stop - window)
                context = test_start if history is None else min(history, test_start)
                train.append(rows[train_start:train_stop])
                test.append(rows[test_start - context : test_start + size])
            if not train:
                raise ValueError(
                    f"{owner}: no series is long enough for fold {fold + 1} of {n_splits} "
                    f"({n_splits} folds of {size} test rows, gap {gap}, need at least one "
                    "training row before them); use fewer folds or a smaller test_size."
                )
            yield np.sort(np.concatenate(train)), np.sort(np.concatenate(test))

    def _iter_test_indices(self, X: Any = None, y: Any = None, groups: Any = None) -> Any:
        raise NotImplementedError  # split is overridden: the test folds overlap

    def scorer(self, metric: str = "mae", **options: Any) -> ForecastScorer:
        """Return the scorer of this splitter's test rows (``last=test_size``) for ``metric``."""
        return forecast_scorer(metric, last=self.test_size, **options)


def _series_rows(X: Any, groups: Any) -> list[np.ndarray]:
    """Return the positions of each series' rows in ``X``, in time order."""
    if isinstance(X, SequenceData):
        if groups is not None:
            raise ValueError("SeriesSplit: X is a SequenceData with its own series; no groups=.")
        return [np.arange(a, b) for a, b in X.series_bounds]
    n = len(X)
    time = None
    if isinstance(groups, str):
        if not isinstance(X, pd.DataFrame) or groups not in X.columns:
            raise ValueError(f"SeriesSplit: groups={groups!r} names no column of X.")
        ids = X[groups].to_numpy()
    elif groups is not None:
        ids = np.asarray(groups)
        if len(ids) != n:
            raise ValueError(f"SeriesSplit: groups has {len(ids)} entries for {n} rows of X.")
    elif isinstance(X, pd.DataFrame) and isinstance(X.index, pd.MultiIndex):
        ids, time = X.index.get_level_values(0), X.index.get_level_values(-1)
    else:
        return [np.arange(n)]
    codes, _ = pd.factorize(ids)
    if time is None:
        order = np.argsort(codes, kind="stable")
    else:
        order = np.lexsort((pd.factorize(time, sort=True)[0], codes))
    counts = np.bincount(codes)
    return np.split(order, np.cumsum(counts)[:-1])


class ForecastScorer:
    """Score a forecaster on ``X`` by a metric of its one-step forecasts (see `forecast_scorer`).

    Called as ``scorer(estimator, X, y=None, groups=None)``, as scikit-learn calls scorers.
    """

    def __init__(self, metric: str, *, last: int | None = None, coverage: float = 0.8) -> None:
        if metric not in SCORERS:
            raise ValueError(
                f"forecast_scorer: unknown metric {metric!r}; choose among {sorted(SCORERS)}."
            )
        self.metric = metric
        self.last = None if last is None else check_int("last", last, owner="forecast_scorer")
        self.coverage = coverage
        self._request_groups = True

    def __repr__(self) -> str:
        """Show how to build this scorer again."""
        last = "" if self.last is None else f", last={self.last}"
        return f"forecast_scorer({self.metric!r}{last})"

    # scikit-learn's metadata routing: the scorer asks for groups (to tell series apart).
    def get_metadata_routing(self) -> MetadataRequest:
        """Return the metadata this scorer requests: ``groups`` (unless turned off)."""
        request = MetadataRequest(owner=type(self).__name__)
        request.score.add_request(param="groups", alias=self._request_groups)
        return request

    def set_score_request(self, *, groups: bool | None = True) -> ForecastScorer:
        """Say whether the scorer receives ``groups`` through metadata routing."""
        self._request_groups = groups
        return self

    def __call__(self, estimator: Any, X: Any, y: Any = None, groups: Any = None) -> float:
        """Return the score (greater is better: losses are negated)."""
        model, X = _final_step(estimator, X)
        sign, name = SCORERS[self.metric]
        if y is not None:
            if getattr(model, "autoregressive_", True):
                raise ValueError(
                    f"{self!r}: the model was fitted without y, so its truth is the next row "
                    "of X in each series; score without y."
                )
            data = _boundary.check_X(model, X, groups, reset=False)
            self._warn_if_training_rows(model, data)
            forecast = np.asarray(model.predict(X, groups), dtype=float)
            truth = np.asarray(y, dtype=float).reshape(forecast.shape).copy()
            if self.last is not None:  # the caller's rows of each series' last `last` rows
                rows = np.arange(data.n_timesteps)
                series = np.searchsorted(data.offsets, rows, side="right") - 1
                scored = _boundary.in_caller_order(
                    data, rows >= data.offsets[series + 1] - self.last
                )
                truth[~scored] = np.nan
            return sign * metrics.METRICS[name](truth, forecast)
        data = _boundary.check_X(model, X, groups, reset=False)
        self._warn_if_training_rows(model, data)
        rows, truth, seen = _boundary.next_row_truth(data, model.target_indices_)
        series = np.searchsorted(data.offsets, rows, side="right") - 1
        if self.last is not None:
            seen &= (rows + 1 >= data.offsets[series + 1] - self.last)[:, None]
        truth = np.where(seen, truth, np.nan)
        if name in ("mae", "rmse", "mape", "smape", "mase"):
            forecast = _boundary.in_data_order(data, model.predict(X, groups))[rows]
            forecast = np.where(seen, forecast, np.nan)
            if name != "mase":
                return sign * metrics.METRICS[name](truth, forecast)
            stops = data.offsets[1:] - (0 if self.last is None else self.last)
            scale = metrics.naive_scales(data, model.target_indices_, stops, 1)[series]
            return sign * metrics.mae(truth / scale, forecast / scale)
        quantiles = _boundary.in_data_order(data, model.predict_quantiles(X, groups))[rows]
        levels = np.asarray(model.quantiles_)
        if name == "pinball_loss":
            y_rep = np.repeat(truth[..., None], len(levels), axis=-1)
            kept = np.isfinite(y_rep)
            losses = [
                metrics.pinball_loss(
                    y_rep[..., j][kept[..., j]], quantiles[..., j][kept[..., j]], levels=level
                )
                for j, level in enumerate(levels)
            ]
            return sign * float(np.mean(losses))
        low = np.flatnonzero(np.isclose(levels, (1 - self.coverage) / 2))
        high = np.flatnonzero(np.isclose(levels, (1 + self.coverage) / 2))
        if not (len(low) and len(high)):
            raise ValueError(
                f"{self!r}: an interval of coverage {self.coverage:g} needs the quantile "
                f"levels {(1 - self.coverage) / 2:g} and {(1 + self.coverage) / 2:g}; the model "
                f"forecasts {levels.tolist()}."
            )
        lower, upper = quantiles[..., low[0]], quantiles[..., high[0]]
        return sign * metrics.METRICS[name](truth, lower, upper)

    def _warn_if_training_rows(self, model: Any, data: Any) -> None:
        """Warn where every row is scored and some are rows the model was fitted on."""
        if self.last is None:
            warn_if_scoring_training_rows(
                data, getattr(model, "_training_ends", None), repr(self),
                "Pass last= the number of new rows of each series to score (a SeriesSplit's "
                "cv.scorer(...) does).", stacklevel=3,
            )  # fmt: skip


def _final_step(estimator: Any, X: Any) -> tuple[Any, Any]:
    """Return the forecaster at the end of a pipeline, and ``X`` as it reaches it."""
    if isinstance(estimator, Pipeline):
        for _, step in estimator.steps[:-1]:
            if step is not None and step != "passthrough":
                X = step.transform(X)
        return estimator.steps[-1][1], X
    return estimator, X


# Scorer names: (sign, metric); losses are negated so that greater is better.
SCORERS: dict[str, tuple[int, str]] = {
    "mae": (-1, "mae"),
    "rmse": (-1, "rmse"),
    "mape": (-1, "mape"),
    "smape": (-1, "smape"),
    "mase": (-1, "mase"),
    "pinball_loss": (-1, "pinball_loss"),
    "coverage": (1, "coverage"),
    "width": (-1, "width"),
}
# scikit-learn's names of the same metrics, read as ours.
SKLEARN_NAMES = {
    "neg_mean_absolute_error": "mae",
    "neg_root_mean_squared_error": "rmse",
    "neg_mean_absolute_percentage_error": "mape",
    "neg_mean_pinball_loss": "pinball_loss",
    # and `tsforecast.metrics`' names of the interval metrics
    "interval_coverage": "coverage",
    "interval_width": "width",
}


def forecast_scorer(
    metric: str = "mae", *, last: int | None = None, coverage: float = 0.8
) -> ForecastScorer:
    """Return a scorer of one-step forecasts for ``scoring=`` in cross-validation.

    In autoregressive mode the truth of the forecast made at row ``t`` is row ``t + 1`` of
    the same series (observed values only), as in `LSTMForecaster.score`; with ``y`` (a model
    fitted on ``y``), it is ``y``. The score is greater for better forecasts: losses are
    negated, as scikit-learn's ``neg_...`` scorers.

    Parameters
    ----------
    metric : str, default="mae"
        One of ``"mae"``, ``"rmse"``, ``"mape"``, ``"smape"``, ``"mase"`` (scaled by the
        in-sample persistence MAE of each series over the rows before the scored ones),
        ``"pinball_loss"`` (over the model's quantile levels), ``"coverage"`` (the fraction
        inside the interval of nominal ``coverage``, not negated: report it, do not select
        by it) and ``"width"`` (of that interval); scikit-learn's names
        (``"neg_mean_absolute_error"``...) are accepted for the same metrics.
    last : int, optional
        Score only the forecasts of the last ``last`` rows of each series in ``X`` (the test
        rows of a `SeriesSplit` fold, after their history). All rows by default; it then
        warns where ``X`` holds the last rows the model was fitted on followed by later
        rows (as `LSTMForecaster.score` does): the score would be optimistic.
    coverage : float, default=0.8
        The interval of ``"coverage"`` and ``"width"``.

    Returns
    -------
    ForecastScorer

    Notes
    -----
    In a `Pipeline`, the truth is read from ``X`` as it reaches the forecaster, after the
    earlier steps, so the score is in their units (after a scaler fitted per fold, in each
    fold's own units): leave scaling to the forecaster (``scale=True``) to score in the
    data's units.

    Examples
    --------
    >>> from sklearn.model_selection import cross_val_score
    >>> from tsforecast import Persistence
    >>> from tsforecast.model_selection import SeriesSplit
    >>> import numpy as np
    >>> X = np.arange(40.0)[:, None]
    >>> cv = SeriesSplit(n_splits=2, test_size=5)
    >>> cross_val_score(Persistence(), X, cv=cv, scoring=cv.scorer("mae")).tolist()
    [-1.0, -1.0]
    """
    return ForecastScorer(SKLEARN_NAMES.get(metric, metric), last=last, coverage=coverage)
