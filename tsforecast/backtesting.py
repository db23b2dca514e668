"""Backtests: forecasts from many origins of each series, against what happened.

A backtest replays forecasting as it would have happened: at each origin the model sees the
rows before it (its own series' only) and forecasts the next ``steps`` rows, which are then
compared with the truth. `backtest` returns one tidy row per (series, origin, step, target),
ready for ``groupby`` and for the metrics of `tsforecast.metrics`.
"""

from __future__ import annotations

import numbers
import re
import warnings
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from tsforecast import _boundary, metrics
from tsforecast._checks import check_int, show
from tsforecast._columns import column_names
from tsforecast._recurrent import bounds as _bounds
from tsforecast._recurrent.naive_scores import warn_if_forecast_unscored
from tsforecast._recurrent.outputs import level_names, level_positions
from tsforecast._segments import series_starts
from tsforecast.sequences import SequenceData

__all__ = ["backtest"]

# Origins forecast per pass of the fast path (bounds the memory of one pass).
ORIGINS_PER_PASS = 4096
# A quarter written as text ("1985Q1", "1985-Q1", "1985 q1"): read as a period, which
# pandas' Timestamp parsing of such text is deprecated for.
QUARTER = re.compile(r"\s*\d{4}\s*-?\s*[Qq][1-4]\s*")


def backtest(
    model: Any,
    X: Any,
    *,
    start: Any,
    steps: int,
    stride: int = 1,
    refit: bool | int = False,
    groups: Any = None,
    quantiles: Any = None,
    season: int = 1,
) -> pd.DataFrame:
    """Forecast ``steps`` rows ahead from many origins of each series, beside the truth.

    The origins of each series are its rows ``start, start + stride, ...`` (the first row a
    forecast does not see), as long as the whole forecast fits in the series. Each forecast
    reads only the rows of its series before its origin, and the rows after it as a
    `forecast` would get them from ``future=`` (the values of known-future covariates, the
    time stamps): with ``refit=False`` the result is exactly what calling
    ``model.forecast`` on the data cut at every origin gives, computed in batches (one pass of
    the network for thousands of origins).

    Parameters
    ----------
    model : LSTMForecaster, Persistence or SeasonalNaive
        Fitted, or not (then it is fitted as ``refit`` says). Never modified: fits happen on
        clones.
    X : array-like, DataFrame or SequenceData of shape (n_timesteps, n_features)
        Rows in time order, series after series (or a DataFrame indexed by (series id, time)).
    start : int, float or time stamp
        The first row forecast in each series (at step 1, from the rows before it: the
        frame's ``origin`` holds the last of those): an int ``k`` is row ``k`` (``k`` rows of
        history; a negative ``k`` counts from the end: ``-100`` forecasts the last 100 rows);
        a float in (0, 1) that fraction of each series' rows; a time stamp (a datetime, a
        period of X's periods, a string such as ``"2023-11-01"``, or a number for numeric
        time) the first row at or after it.
    steps : int
        Rows forecast from each origin.
    stride : int, default=1
        Rows between consecutive origins (``steps``: forecasts that do not overlap).
    refit : bool or int, default=False
        False: one model for every origin (the fitted ``model`` as it is; an unfitted one is
        fitted once on the rows before each series' first origin). True: refit before every
        origin on the rows before it; an int ``k``: refit before every ``k``-th origin (the
        origins in between use the last fit).
    groups : array-like or str, optional
        Series id of each row, as for `LSTMForecaster.fit`.
    quantiles : None, True, float or list of float, default=None
        Quantile levels to forecast too (True: all the model's), calibrated as in
        `LSTMForecaster.forecast`.
    season : int, default=1
        Period of the seasonal naive forecast whose in-sample MAE (over the rows before each
        series' first origin) is the ``scale`` column, the denominator of `metrics.mase` (1:
        persistence).

    Returns
    -------
    DataFrame
        One row per series, origin, step and target, with columns: the series id (named as
        the input's series level, else ``"series"``), ``origin`` (the time stamp, or position
        in its series, of the last row seen), ``time`` (that of the forecast row), ``step``
        (1 to ``steps``), ``target``, ``truth`` (NaN where the value was not observed),
        ``forecast``, one ``q{level}`` column per quantile level, and ``scale``.

    Raises
    ------
    ValueError
        If no series has an origin with a whole forecast after it, or the model cannot make
        the forecasts asked for.

    Examples
    --------
    >>> import numpy as np
    >>> from tsforecast import Persistence, backtest
    >>> X = np.arange(10.0)[:, None]
    >>> frame = backtest(Persistence(), X, start=7, steps=2)
    >>> frame[["origin", "time", "step", "truth", "forecast"]].to_numpy().tolist()
    [[6.0, 7.0, 1.0, 7.0, 6.0], [6.0, 8.0, 2.0, 8.0, 6.0], [7.0, 8.0, 1.0, 8.0, 7.0], \
[7.0, 9.0, 2.0, 9.0, 7.0]]
    """
    owner = "backtest"
    if not hasattr(model, "_backtest_forecasts"):
        raise TypeError(
            f"backtest: {type(model).__name__} is not a tsforecast forecaster; backtest runs "
            "LSTMForecaster, Persistence and SeasonalNaive (for another model, call its "
            "forecast at each origin)."
        )
    steps = check_int("steps", steps, owner=owner)
    stride = check_int("stride", stride, owner=owner)
    season = check_int("season", season, owner=owner)
    every = _refit_every(refit)
    fitted = _is_fitted(model)
    if fitted and every is None:
        data = _boundary.check_X(model, X, groups, reset=False)
    else:
        reader = clone(model)
        data = _boundary.check_X(reader, X, groups, reset=True)
        names = column_names(getattr(reader, "feature_names_in_", None), reader.n_features_in_)
        object.__setattr__(data, "features", tuple(names))
    first = _first_origins(data, start)
    series, number, origins = _origins(data, first, start, steps, stride)
    firsts = data.offsets[series]
    lasts = firsts + origins - 1
    # Origins sharing a fit: all of them, or those numbered k * every to (k + 1) * every - 1.
    block = np.zeros(len(origins), np.int64) if every is None else number // every
    points, levels = [], []
    for fit_number in np.unique(block):
        chosen = np.flatnonzero(block == fit_number)
        forecaster = model
        if every is not None or not fitted:
            forecaster = _fit_before(model, data, first + fit_number * (every or 0) * stride)
        for part in np.array_split(chosen, max(1, len(chosen) // ORIGINS_PER_PASS)):
            # Points (n, steps, targets), levels (n, steps, targets, levels) or None.
            p, q = forecaster._backtest_forecasts(data, firsts[part], lasts[part], steps, quantiles)
            points.append((part, p))
            levels.append(q)
    order = np.concatenate([part for part, _ in points])
    point = np.empty((len(origins), steps, points[0][1].shape[2]))
    point[order] = np.concatenate([p for _, p in points])
    level = None
    if levels[0] is not None:
        level = np.empty((*point.shape, levels[0].shape[3]))
        level[order] = np.concatenate(levels)
    names = list(getattr(forecaster, "target_names_", []))
    scores = getattr(forecaster, "baseline_scores_", None)  # a naive forecaster has none
    warn_if_forecast_unscored(scores, steps, "backtest", stacklevel=3)
    judged = _bounds.judging_range(
        point, getattr(forecaster, "scale_", None), getattr(forecaster, "target_range_", None),
        data.values, data.mask, getattr(forecaster, "target_indices_", None), data.offsets,
        lasts,
    )  # fmt: skip

    def which(i: int) -> str:  # forecast i, in a warning
        named = "" if data.groups is None else f" (series {show(data.series_ids[series[i]])})"
        return f" from origin {_origin_label(data, lasts[i])}{named}"

    training_range = getattr(forecaster, "target_range_", None)
    _bounds.warn_divergence(
        point, judged, names, which, "backtest", getattr(forecaster, "horizon_", None),
        training_range,
    )  # fmt: skip
    # As `forecast` warns of the same forecasts (a count forecast below 0, without bounds).
    _bounds.warn_below_zero(
        point, training_range, getattr(forecaster, "bounds_", None), names, which, "backtest",
        judged,
    )  # fmt: skip
    if np.isnan(point).any():
        warnings.warn(
            f"backtest: {int(np.isnan(point).sum())} of {point.size} forecasts are missing "
            "(NaN): the model had nothing observed to read before them (a naive forecaster at "
            "the start of a series, or a column never observed in it); the metrics leave "
            "them out.",
            UserWarning,
            stacklevel=2,
        )
    level_names = _level_names(forecaster, quantiles)
    return _frame(data, forecaster, series, lasts, steps, point, level, names, level_names, season)


def _refit_every(refit: Any) -> int | None:
    if refit is False or refit is None:
        return None
    if refit is True:
        return 1
    if isinstance(refit, numbers.Integral) and refit >= 1:
        return int(refit)
    raise ValueError(
        f"backtest: refit must be False, True or a number of origins >= 1 between refits; "
        f"got {refit!r}."
    )


def _is_fitted(model: Any) -> bool:
    try:
        check_is_fitted(model)
    except NotFittedError:
        return False
    return True


def _first_origins(data: SequenceData, start: Any) -> np.ndarray:
    """Return the position, within each series, of its first origin (may lie past its end)."""
    lengths = data.series_lengths
    if isinstance(start, numbers.Integral) and not isinstance(start, bool):
        start = int(start)
        if start == 0:
            raise ValueError("backtest: start=0 leaves no history before the first origin.")
        return np.full(len(lengths), start) if start > 0 else np.maximum(lengths + start, 1)
    if isinstance(start, numbers.Real) and not isinstance(start, bool) and 0 < start < 1:
        return np.maximum((start * lengths).astype(np.int64), 1)
    if data.time is None:
        raise ValueError(
            f"backtest: start={start!r} is neither a row count nor a fraction in (0, 1), and "
            "X has no time stamps to read it as one; pass an int or a fraction."
        )
    if isinstance(start, numbers.Real) and np.issubdtype(data.time.dtype, np.datetime64):
        raise ValueError(
            f"backtest: start={start!r} is neither a row count (an int) nor a fraction in "
            "(0, 1), and X's time stamps are dates, which a number is not; pass an int, a "
            "fraction such as 0.8, or a date such as '2001-04-01'."
        )
    periods = data.metadata.get("periods")
    if isinstance(start, str) and QUARTER.fullmatch(start):  # pandas 4 drops "1985Q1" dates
        start = pd.Period(start.replace(" ", "").upper(), freq=periods or "Q")
    if isinstance(start, pd.Period):
        start = start.to_timestamp(how="start")  # X's periods are read as their first instants
    try:
        stamp = data._stamp(start)
    except (TypeError, ValueError):
        raise ValueError(
            f"backtest: start={start!r} is not a row count, a fraction or a time stamp like X's."
        ) from None
    after = data.time >= stamp
    firsts = data.offsets[:-1]
    # The first row at or after the stamp, per series (its length when none is).
    counts = np.add.reduceat(~after, firsts) if len(after) else np.zeros(0, np.int64)
    return np.maximum(counts, 1)


def _origins(
    data: SequenceData, first: np.ndarray, start: Any, steps: int, stride: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return, for every origin: its series, its number within the series, its position.

    ``first``: each series' first origin (`_first_origins`); ``start`` names it in messages.
    """
    lengths = data.series_lengths
    counts = np.where(first + steps <= lengths, (lengths - steps - first) // stride + 1, 0)
    if counts.sum() == 0:
        raise ValueError(
            f"backtest: no series has an origin at start={start!r} with {steps} rows after it "
            f"(series lengths {int(lengths.min())} to {int(lengths.max())}); start earlier or "
            "forecast fewer steps."
        )
    left_out = np.flatnonzero(counts == 0)
    if len(left_out):
        names = ", ".join(show(data.series_ids[i]) for i in left_out[:5])
        more = f" and {len(left_out) - 5} more" if len(left_out) > 5 else ""
        warnings.warn(
            f"backtest: {len(left_out)} of {len(lengths)} series have no origin at "
            f"start={start!r} with {steps} rows after it, and are left out of the backtest: "
            f"{names}{more} (the shortest {int(lengths[left_out].min())} rows). Start "
            "earlier or forecast fewer steps to score them.",
            UserWarning,
            stacklevel=3,
        )
    series = np.repeat(np.arange(len(lengths)), counts)
    number = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    return series, number, first[series] + number * stride


def _fit_before(model: Any, data: SequenceData, cuts: np.ndarray) -> Any:
    """Fit a clone on the rows of each series before its row ``cuts[i]`` (all, past its end)."""
    cut = np.minimum(cuts, data.series_lengths)
    rows = np.concatenate(
        [np.arange(a, a + c) for a, c in zip(data.offsets[:-1], cut, strict=True)]
    )
    return clone(model).fit(data.take(rows))


def _level_names(model: Any, quantiles: Any) -> list[str]:
    """Return the quantile columns' names, in the order the levels come (as asked)."""
    if quantiles is None:
        return []
    positions = level_positions(getattr(model, "quantiles_", None), quantiles, "backtest")
    return level_names(model.quantiles_, positions)


def _frame(
    data: SequenceData,
    model: Any,
    series: np.ndarray,
    lasts: np.ndarray,
    steps: int,
    point: np.ndarray,
    level: np.ndarray | None,
    names: list[str],
    level_names: list[str],
    season: int,
) -> pd.DataFrame:
    """Lay the forecasts out as one row per (origin, step, target)."""
    n, _, n_targets = point.shape
    columns = list(model.target_indices_)
    if not names:
        names = [str(data.features[i]) for i in columns]
    rows = lasts[:, None] + 1 + np.arange(steps)  # (n, steps)
    truth = data.values[rows][..., columns].astype(np.float64)
    if data.mask is not None:
        truth = np.where(data.mask[rows][..., columns], truth, np.nan)
    stamps = _row_stamps(data)
    first_rows = data.offsets[:-1].copy()
    seen = np.unique(series, return_index=True)
    first_rows[seen[0]] = lasts[seen[1]] + 1
    scales = metrics.naive_scales(data, columns, first_rows, season)

    def per_cell(values: np.ndarray) -> np.ndarray:  # (n, steps) -> one per row of the frame
        return np.repeat(values.ravel(), n_targets)

    group_name, _ = data.metadata.get("index_names", (None, None))
    ids = pd.Index(data.series_ids)[series]  # the ids' own dtype
    # Stamps stay an Index (datetimes keep their zone) and are repeated, never boxed one by one.
    origin = stamps[lasts].repeat(steps * n_targets)
    time = stamps[rows.ravel()].repeat(n_targets)
    frame = pd.DataFrame(
        {
            "series" if group_name is None else group_name: ids.repeat(steps * n_targets),
            "origin": origin,
            "time": time,
            "step": per_cell(np.broadcast_to(np.arange(1, steps + 1), (n, steps))),
            "target": np.tile(np.asarray(names, dtype=object), n * steps),
            "truth": truth.ravel(),
            "forecast": point.ravel(),
        }
    )
    if level is not None:
        for j, name in enumerate(level_names):
            frame[name] = level[..., j].ravel()
    frame["scale"] = np.repeat(scales[series], steps, axis=0).ravel()
    return frame


def _row_stamps(data: SequenceData) -> Any:
    """Return each row's stamp as the frame shows it, else its position in its series.

    Stamps in the kind of X's index: periods and integer years as such.
    """
    if data.local_time is not None:
        return _boundary.in_index_kind(data.local_time, data)
    if data.time is not None:
        return _boundary.in_index_kind(data.time, data)
    return np.arange(data.n_timesteps) - series_starts(data.offsets)


def _origin_label(data: SequenceData, last: int) -> str:
    """Name the origin after row ``last``: its time stamp, else its row in its series."""
    stamp = _row_stamps(data)[last]
    return str(stamp) if data.time is not None else f"row {stamp}"
