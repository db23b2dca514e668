"""Forecast metrics: point errors, scaled errors, quantile and interval scores.

Every metric takes either arrays (``truth`` and ``forecast`` of the same shape, any number of
dimensions) or the frame `tsforecast.backtest` returns (columns ``truth``, ``forecast``, the
quantile columns ``q0.1``... and ``scale``), and gives one number; with a frame, ``by="step"``
(or any columns of it) gives one number per group instead, as a pandas Series.

Missing truth (NaN: a value the source did not record) is left out of every metric, never
counted as zero; so is a missing forecast (NaN: a naive forecaster with nothing observed
before in its series; `backtest` warns when it returns any). Percentage errors are
fractions (0.05 is 5%), as in scikit-learn.

Formulas, for truth ``y`` and forecast ``f`` over the ``n`` pairs kept:

- MAE ``= mean(|y - f|)``; RMSE ``= sqrt(mean((y - f)^2))``.
- MAPE ``= mean(|y - f| / |y|)`` over the pairs with ``y != 0`` only (the relative error of
  a zero is undefined); an error when every truth is zero.
- sMAPE ``= mean(2 |y - f| / (|y| + |f|))``, between 0 and 2; a pair where both are zero
  counts as 0 (a perfect forecast).
- MASE ``= mean(|y - f|) / s``, where ``s = mean(|x[t] - x[t - m]|)`` is the in-sample MAE
  of the seasonal naive forecast of period ``m`` (``m = 1``: persistence) over the history
  ``x`` the forecasts were made from (Hyndman and Koehler, 2006). Below 1: better than that
  naive forecast was in-sample. For a backtest frame the scale is per series and target (its
  ``scale`` column), and MASE is the mean of ``|y - f| / s`` over the rows.
- Pinball loss at level ``tau`` ``= mean(max(tau (y - q), (tau - 1) (y - q)))`` for the
  quantile forecast ``q``; averaged over the levels given.
- Coverage: the fraction of truths within ``[lower, upper]``; width: the mean of
  ``upper - lower``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from tsforecast._checks import check_int
from tsforecast._warnings import ignoring
from tsforecast.sequences import SequenceData

__all__ = [
    "METRICS",
    "evaluate",
    "interval_coverage",
    "interval_width",
    "mae",
    "mape",
    "mase",
    "pinball_loss",
    "rmse",
    "seasonal_naive_scale",
    "smape",
]


def _pairs(truth: Any, forecast: Any, owner: str) -> tuple[np.ndarray, np.ndarray]:
    """Return truth and forecast as float arrays of one shape, the pairs with a truth only."""
    if isinstance(truth, pd.DataFrame):
        raise TypeError(f"{owner}: internal error, a frame reached _pairs.")
    if forecast is None:
        raise TypeError(
            f"{owner}: pass truth and forecast arrays, or the frame of tsforecast.backtest alone."
        )
    y, f = np.asarray(truth, dtype=np.float64), np.asarray(forecast, dtype=np.float64)
    if y.shape != f.shape:
        raise ValueError(
            f"{owner}: truth has shape {y.shape} and forecast {f.shape}; they must match "
            "(one forecast per truth)."
        )
    if np.isinf(f).any():
        raise ValueError(
            f"{owner}: the forecast holds infinite values; a metric over them would be meaningless."
        )
    kept = np.isfinite(y) & ~np.isnan(f)  # no truth, or no forecast (NaN): left out
    if not kept.any():
        raise ValueError(f"{owner}: no pair of a truth and a forecast to compare.")
    return y[kept], f[kept]


def _per_group(
    frame: pd.DataFrame, by: Any, compute: Callable[[pd.DataFrame], float], owner: str
) -> float | pd.Series:
    """Apply ``compute`` to the whole backtest frame, or to each group of ``by``."""
    needed = {"truth", "forecast"}
    if not needed <= set(frame.columns):
        raise ValueError(
            f"{owner}: the frame has no {sorted(needed - set(frame.columns))} column; pass the "
            "frame tsforecast.backtest returns, or truth and forecast arrays."
        )
    if by is None:
        return compute(frame)

    def or_nan(part: pd.DataFrame) -> float:  # a group without a truth and forecast: NaN
        paired = np.isfinite(part["truth"].to_numpy(float)) & part["forecast"].notna()
        return compute(part) if paired.any() else np.nan

    keys = [by] if isinstance(by, str) else list(by)
    missing = [key for key in keys if key not in frame.columns]
    if missing:
        raise ValueError(
            f"{owner}: by={by!r}, but the frame has no column {missing}; its columns are "
            f"{list(frame.columns)}."
        )
    return frame.groupby(keys, sort=True)[list(frame.columns)].apply(or_nan).rename(owner)


def _metric(name: str, point: Callable[[np.ndarray, np.ndarray], float]) -> Callable[..., Any]:
    def metric(truth: Any, forecast: Any = None, *, by: Any = None) -> float | pd.Series:
        if isinstance(truth, pd.DataFrame):
            return _per_group(
                truth, by, lambda part: point(*_pairs(part["truth"], part["forecast"], name)), name
            )
        if by is not None:
            raise ValueError(f"{name}: by= groups the rows of a backtest frame; got arrays.")
        return point(*_pairs(truth, forecast, name))

    metric.__name__ = name
    return metric


def _mae(y: np.ndarray, f: np.ndarray) -> float:
    return float(np.mean(np.abs(y - f)))


def _rmse(y: np.ndarray, f: np.ndarray) -> float:
    return float(np.sqrt(np.mean((y - f) ** 2)))


def _mape(y: np.ndarray, f: np.ndarray) -> float:
    nonzero = y != 0
    if not nonzero.any():
        raise ValueError(
            "mape: every truth is zero, where a relative error is undefined; use smape or mase."
        )
    return float(np.mean(np.abs(y[nonzero] - f[nonzero]) / np.abs(y[nonzero])))


def _smape(y: np.ndarray, f: np.ndarray) -> float:
    total = np.abs(y) + np.abs(f)
    ratio = np.divide(2 * np.abs(y - f), total, out=np.zeros_like(total), where=total > 0)
    return float(np.mean(ratio))


mae = _metric("mae", _mae)
mae.__doc__ = """Mean absolute error.

Parameters
----------
truth : array-like or DataFrame
    What happened, or the frame of `tsforecast.backtest` (then leave ``forecast`` out).
forecast : array-like, optional
    The forecasts, shaped like ``truth``.
by : str or list of str, optional
    With a frame: the columns to group by (``"step"``: one value per horizon step); a group
    without a pair of a truth and a forecast gets NaN.

Returns
-------
float, or Series with ``by``

Examples
--------
>>> mae([1.0, 2.0, 4.0], [1.5, 2.0, 3.0])
0.5
"""
rmse = _metric("rmse", _rmse)
rmse.__doc__ = mae.__doc__.replace("Mean absolute error.", "Root mean squared error.").replace(
    ">>> mae([1.0, 2.0, 4.0], [1.5, 2.0, 3.0])\n0.5", ">>> rmse([0.0, 0.0], [3.0, 4.0])\n3.5355..."
)
mape = _metric("mape", _mape)
mape.__doc__ = mae.__doc__.replace(
    "Mean absolute error.",
    "Mean absolute percentage error, a fraction, over the pairs whose truth is not zero.",
).replace(
    ">>> mae([1.0, 2.0, 4.0], [1.5, 2.0, 3.0])\n0.5",
    ">>> mape([0.0, 2.0, 4.0], [1.0, 1.0, 5.0])\n0.375",
)
smape = _metric("smape", _smape)
smape.__doc__ = mae.__doc__.replace(
    "Mean absolute error.",
    "Symmetric mean absolute percentage error, between 0 and 2 (both zero counts as 0).",
).replace(
    ">>> mae([1.0, 2.0, 4.0], [1.5, 2.0, 3.0])\n0.5", ">>> smape([0.0, 1.0], [0.0, 3.0])\n0.5"
)


def seasonal_naive_scale(history: Any, period: int = 1) -> np.ndarray:
    """In-sample MAE of the seasonal naive forecast, the scale of `mase`.

    Parameters
    ----------
    history : array-like of shape (n_timesteps,) or (n_timesteps, n_targets)
        The rows the forecasts were made from, in time order (one series).
    period : int, default=1
        Rows per season; 1 is persistence ("no change").

    Returns
    -------
    float or ndarray of shape (n_targets,)
        ``mean(|x[t] - x[t - period]|)`` over the rows with both values known.

    Raises
    ------
    ValueError
        If the history has no two rows ``period`` apart, or is constant (a scale of 0).
    """
    x = np.asarray(history, dtype=np.float64)
    period = check_int("period", period, owner="seasonal_naive_scale")
    if x.shape[0] <= period:
        raise ValueError(
            f"seasonal_naive_scale: the history has {x.shape[0]} rows; the seasonal naive "
            f"forecast of period {period} needs more than {period}."
        )
    scale = _naive_mae(x, period)
    if np.any(~np.isfinite(scale)) or np.any(scale == 0):
        raise ValueError(
            "seasonal_naive_scale: the history does not change over one season (or has no "
            "known pair), so the naive forecast is perfect in-sample and MASE is undefined."
        )
    return scale


def _naive_mae(history: np.ndarray, period: int) -> np.ndarray:
    """Return ``mean(|x[t] - x[t - period]|)`` per column over the known pairs (NaN: none).

    A column observed sparsely (a value measured every few records), where fewer than half
    of the changes between consecutive observed values are between adjacent rows, is scaled,
    for ``period`` 1, by the changes between its consecutive observed values: persistence
    forecasts the last value seen (so one adjacent pair among many gaps does not set the
    scale alone).
    """
    columns = history.reshape(len(history), -1)
    differences = np.abs(columns[period:] - columns[:-period])
    with ignoring(RuntimeWarning):  # a column without a known pair: NaN, not a warning
        scale = np.nanmean(differences, axis=0)
    if period == 1:
        adjacent = np.isfinite(differences).sum(axis=0)
        for column in range(columns.shape[1]):
            seen = columns[:, column][np.isfinite(columns[:, column])]
            if len(seen) > 1 and adjacent[column] < (len(seen) - 1) / 2:
                scale[column] = np.mean(np.abs(np.diff(seen)))
    return scale.reshape(history.shape[1:])


def naive_scales(
    data: SequenceData, columns: list[int], stops: np.ndarray, period: int
) -> np.ndarray:
    """Return the MASE scale of each series, over its observed rows before row ``stops[i]``.

    The in-sample MAE of the seasonal naive forecast of ``period`` (`seasonal_naive_scale`),
    shape ``(n_series, len(columns))``; NaN where it is unknown (fewer than ``period + 1``
    rows, no known pair) or zero. Unobserved values (the mask) never count.
    """
    scales = np.full((data.n_series, len(columns)), np.nan)
    for s, (start, stop) in enumerate(zip(data.offsets[:-1], stops, strict=True)):
        stop = max(start, stop)  # no row before the series' start (never a negative slice)
        history = data.values[start:stop][:, columns].astype(np.float64)
        if data.mask is not None:  # observed values only, never an adapter's fills
            history = np.where(data.mask[start:stop][:, columns], history, np.nan)
        if len(history) > period:
            scale = _naive_mae(history, period)
            scales[s] = np.where(scale > 0, scale, np.nan)
    return scales


def mase(
    truth: Any,
    forecast: Any = None,
    *,
    history: Any = None,
    period: int = 1,
    by: Any = None,
) -> float | pd.Series:
    """Mean absolute scaled error: MAE over the in-sample MAE of the seasonal naive forecast.

    Parameters
    ----------
    truth : array-like or DataFrame
        What happened (one series), or the frame of `tsforecast.backtest`, whose ``scale``
        column holds each series' scale (then leave the other arguments out). Rows whose
        scale is unknown (NaN: fewer than ``season + 1`` observed rows before the series'
        first origin, or no change there) are left out, so MASE may cover fewer rows than
        MAE.
    forecast : array-like, optional
        The forecasts, shaped like ``truth``.
    history : array-like, optional
        With arrays: the series before the forecasts, from which the scale is computed
        (`seasonal_naive_scale`); with several targets, shape (n_timesteps, n_targets) and the
        targets on the last axis of ``truth``.
    period : int, default=1
        Season of the naive forecast in the scale (1: persistence).
    by : str or list of str, optional
        With a frame: the columns to group by.

    Returns
    -------
    float, or Series with ``by``

    Examples
    --------
    >>> round(mase([5.0, 6.0], [5.5, 5.0], history=[1.0, 2.0, 4.0]), 6)  # scale 1.5
    0.5
    """
    if isinstance(truth, pd.DataFrame):
        if "scale" not in truth.columns:
            raise ValueError(
                "mase: the frame has no 'scale' column; pass the frame of tsforecast.backtest."
            )

        def scaled(part: pd.DataFrame) -> float:
            y, f = part["truth"].to_numpy(float), part["forecast"].to_numpy(float)
            scale = part["scale"].to_numpy(float)
            if not (np.isfinite(scale) & np.isfinite(y) & ~np.isnan(f)).any():
                return np.nan  # no series with a known scale: MASE unknown, MAE may not be
            return _mae(*_pairs(y / scale, f / scale, "mase"))

        found = _per_group(truth, by, scaled, "mase")
        if np.isnan(found).all():
            warnings.warn(
                "mase: no forecast of the frame has a known scale (its series have fewer than "
                "period + 1 observed values before their first origin, or do not change "
                "there), so MASE is NaN; MAE and the other metrics do not need one.",
                RuntimeWarning,
                stacklevel=2,
            )
        return found
    if history is None:
        raise ValueError("mase: pass history= (the series the forecasts were made from).")
    scale = seasonal_naive_scale(history, period)
    y = np.asarray(truth, dtype=np.float64) / scale
    f = np.asarray(forecast, dtype=np.float64) / scale
    return _mae(*_pairs(y, f, "mase"))


def _quantile_columns(frame: pd.DataFrame) -> dict[float, str]:
    """Return the quantile columns of a backtest frame by level (``q0.1``: 0.1)."""
    found = {}
    for column in frame.columns:
        if isinstance(column, str) and column.startswith("q"):
            try:
                found[float(column[1:])] = column
            except ValueError:
                continue
    return found


def _level_columns(frame: pd.DataFrame, levels: Any, owner: str) -> list[tuple[float, str]]:
    found = _quantile_columns(frame)
    if not found:
        raise ValueError(
            f"{owner}: the frame has no quantile columns (q0.1, ...); run tsforecast.backtest "
            "with quantiles=True on a model that forecasts quantiles."
        )
    wanted = sorted(found) if levels is None else [float(level) for level in np.atleast_1d(levels)]
    missing = [level for level in wanted if level not in found]
    if missing:
        raise ValueError(f"{owner}: the frame has no quantile {missing}; it has {sorted(found)}.")
    return [(level, found[level]) for level in wanted]


def _pinball(y: np.ndarray, q: np.ndarray, level: float) -> float:
    diff = y - q
    return float(np.mean(np.maximum(level * diff, (level - 1) * diff)))


def pinball_loss(
    truth: Any, quantiles: Any = None, *, levels: Any = None, by: Any = None
) -> float | pd.Series:
    """Pinball (quantile) loss, averaged over the quantile levels.

    Parameters
    ----------
    truth : array-like or DataFrame
        What happened, shape ``(n,)``; or the frame of `tsforecast.backtest` with quantile
        columns (all of them by default).
    quantiles : array-like of shape (n, n_levels) or (n,), optional
        With arrays: the quantile forecasts, one column per level.
    levels : float or list of float
        With arrays, required: the level of each column of ``quantiles``. With a frame: which
        quantile columns to score (all by default).
    by : str or list of str, optional
        With a frame: the columns to group by.

    Returns
    -------
    float, or Series with ``by``

    Examples
    --------
    >>> pinball_loss([1.0, 3.0], [2.0, 2.0], levels=0.9)  # (0.1 * 1 + 0.9 * 1) / 2
    0.5
    """
    if isinstance(truth, pd.DataFrame):
        columns = _level_columns(truth, levels, "pinball_loss")

        def loss(part: pd.DataFrame) -> float:
            y = part["truth"].to_numpy(float)
            return float(
                np.mean([_pinball(*_pairs(y, part[c], "pinball_loss"), lvl) for lvl, c in columns])
            )

        return _per_group(truth, by, loss, "pinball_loss")
    if levels is None:
        raise ValueError("pinball_loss: pass levels= (the quantile level of each column).")
    q = np.asarray(quantiles, dtype=np.float64)
    levels = np.atleast_1d(np.asarray(levels, dtype=np.float64))
    if q.ndim == 1:
        q = q[:, None]
    y = np.asarray(truth, dtype=np.float64)
    if q.shape != (len(y), len(levels)):
        raise ValueError(
            f"pinball_loss: quantiles has shape {np.shape(quantiles)}; expected ({len(y)}, "
            f"{len(levels)}) (one column per level {levels.tolist()})."
        )
    if np.any((levels <= 0) | (levels >= 1)):
        raise ValueError(f"pinball_loss: levels must lie in (0, 1); got {levels.tolist()}.")
    return float(
        np.mean(
            [_pinball(*_pairs(y, q[:, j], "pinball_loss"), lvl) for j, lvl in enumerate(levels)]
        )
    )


def _interval(frame: pd.DataFrame, coverage: float, owner: str) -> tuple[str, str]:
    low, high = round((1 - coverage) / 2, 12), round((1 + coverage) / 2, 12)
    (_, lower), (_, upper) = _level_columns(frame, [low, high], owner)
    return lower, upper


def _bounds(truth: Any, lower: Any, upper: Any, owner: str) -> tuple[np.ndarray, ...]:
    y = np.asarray(truth, dtype=np.float64)
    lo, hi = np.asarray(lower, dtype=np.float64), np.asarray(upper, dtype=np.float64)
    if not (y.shape == lo.shape == hi.shape):
        raise ValueError(
            f"{owner}: truth {y.shape}, lower {lo.shape} and upper {hi.shape} must have one shape."
        )
    kept = np.isfinite(y)
    if not kept.any():
        raise ValueError(f"{owner}: no truth to compare with (every truth is missing).")
    return y[kept], lo[kept], hi[kept]


def _interval_metric(
    truth: Any,
    lower: Any,
    upper: Any,
    coverage: float,
    by: Any,
    reduce: Callable[[np.ndarray, np.ndarray, np.ndarray], float],
    owner: str,
) -> float | pd.Series:
    """Apply ``reduce(truth, lower, upper)`` to arrays, or to a frame's interval columns."""
    if isinstance(truth, pd.DataFrame):
        lo, hi = _interval(truth, coverage, owner)
        return _per_group(
            truth, by, lambda p: reduce(*_bounds(p["truth"], p[lo], p[hi], owner)), owner
        )
    return reduce(*_bounds(truth, lower, upper, owner))


def interval_coverage(
    truth: Any, lower: Any = None, upper: Any = None, *, coverage: float = 0.8, by: Any = None
) -> float | pd.Series:
    """Fraction of the truths inside their interval ``[lower, upper]``.

    Parameters
    ----------
    truth : array-like or DataFrame
        What happened; or the frame of `tsforecast.backtest`, whose quantile columns give
        the interval of nominal ``coverage`` (0.8: ``q0.1`` to ``q0.9``).
    lower, upper : array-like, optional
        With arrays: the interval bounds.
    coverage : float, default=0.8
        With a frame: the nominal coverage of the interval to check.
    by : str or list of str, optional
        With a frame: the columns to group by.

    Returns
    -------
    float, or Series with ``by``

    Examples
    --------
    >>> interval_coverage([1.0, 5.0], [0.0, 0.0], [2.0, 2.0])
    0.5
    """

    def inside(y: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> float:
        return float(np.mean((lo <= y) & (y <= hi)))

    return _interval_metric(truth, lower, upper, coverage, by, inside, "interval_coverage")


def interval_width(
    truth: Any, lower: Any = None, upper: Any = None, *, coverage: float = 0.8, by: Any = None
) -> float | pd.Series:
    """Mean width ``upper - lower`` of the intervals (over the rows with a truth).

    Parameters are those of `interval_coverage`.

    Examples
    --------
    >>> interval_width([1.0, 5.0], [0.0, 1.0], [2.0, 2.0])
    1.5
    """

    def width(y: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> float:
        return float(np.mean(hi - lo))

    return _interval_metric(truth, lower, upper, coverage, by, width, "interval_width")


# The metrics by name, for `evaluate`, the scorers and the command line.
METRICS: dict[str, Callable[..., Any]] = {
    "mae": mae,
    "rmse": rmse,
    "mape": mape,
    "smape": smape,
    "mase": mase,
    "pinball_loss": pinball_loss,
    "coverage": interval_coverage,
    "width": interval_width,
}


def evaluate(
    frame: pd.DataFrame, metrics: Sequence[str] | None = None, *, by: Any = "step"
) -> pd.DataFrame:
    """Table of metrics of a backtest frame: one row per group of ``by``, and ``"all"``.

    Parameters
    ----------
    frame : DataFrame
        The frame of `tsforecast.backtest`.
    metrics : list of str, optional
        Names among ``METRICS`` (``"coverage_90"``, ``"width_90"``: of the 90% interval); by
        default MAE, RMSE, sMAPE and MASE, with the pinball loss, and the coverage and width
        of each interval the quantile columns hold (80%: ``"coverage"``, ``"width"``).
    by : str, list of str or None, default="step"
        Columns to group by (``"step"``; ``["model", "step"]`` for several models...); None:
        the ``"all"`` row only.

    Returns
    -------
    DataFrame
        One column per metric; the last row, ``"all"``, over every row of the frame. A
        metric that cannot be computed (MASE of series too sparse to have a scale) is NaN,
        with a warning saying why; the others are computed all the same.
    """
    if metrics is None:
        metrics = ["mae", "rmse", "smape", "mase"]
        levels = sorted(_quantile_columns(frame))
        metrics += ["pinball_loss"] if levels else []
        for low in (level for level in levels if level < 0.5 and round(1 - level, 9) in levels):
            nominal = round(100 * (1 - 2 * low), 6)  # 80: "coverage"; 90: "coverage_90"
            metrics += [f"{name}{'' if nominal == 80 else f'_{nominal:g}'}"
                        for name in ("coverage", "width")]  # fmt: skip
    unknown = [name for name in metrics if _metric(name) is None]
    if unknown:
        raise ValueError(f"evaluate: unknown metric {unknown}; choose among {list(METRICS)}.")
    keys = [] if by is None else ([by] if isinstance(by, str) else list(by))
    missing = [key for key in keys if key not in frame.columns]
    if missing:  # the caller's mistake: said, not turned into NaN
        raise ValueError(
            f"evaluate: by={by!r}, but the frame has no column {missing}; its columns are "
            f"{list(frame.columns)}."
        )
    overall = pd.DataFrame({name: [_or_nan(name, frame)] for name in metrics}, index=["all"])
    if by is None:
        return overall
    groups = frame.groupby(keys, sort=True).size().index
    table = pd.DataFrame({name: _or_nan(name, frame, by=by) for name in metrics}, index=groups)
    overall.index = ["all"] if table.index.nlevels == 1 else [tuple(["all"] * table.index.nlevels)]
    return pd.concat([table, overall])


def _metric(name: str) -> Callable[..., Any] | None:
    """Return the metric ``name`` (``"coverage_90"``: of the 90% interval), or None."""
    kind, _, level = name.partition("_")
    if name in METRICS or kind not in ("coverage", "width") or not level.replace(".", "").isdigit():
        return METRICS.get(name)
    return lambda frame, **kwargs: METRICS[kind](frame, coverage=float(level) / 100, **kwargs)


def _or_nan(name: str, frame: pd.DataFrame, **kwargs: Any) -> Any:
    """Return the metric ``name`` of the frame, or NaN with a warning if it cannot be computed."""
    try:
        return _metric(name)(frame, **kwargs)
    except ValueError as error:
        warnings.warn(
            f"evaluate: {name} cannot be computed, so it is NaN ({error})",
            RuntimeWarning,
            stacklevel=3,
        )
        return np.nan
