"""Forecasts after chosen rows: the core of `forecast` and of backtests.

`forecast_after` forecasts ``steps`` rows after each row ``lasts[i]`` from the rows read up
to it, in passes of at most `FORECASTS_PER_PASS` forecasts. `check_forecast` refuses the
forecasts a model cannot make; `future_values` reads the ``future=`` argument of `forecast`;
`backtest_ahead` gives a backtest's forecasts what `forecast` would read from ``future=``.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import torch

from tsforecast import _time
from tsforecast._checks import show
from tsforecast._forecast_frames import forecast_frame, future_frame
from tsforecast._recurrent.features import stamps_of
from tsforecast._recurrent.inference import NetworkReader, history_rows, roll_forward
from tsforecast._recurrent.outputs import OutputDecoder, level_names, level_positions
from tsforecast._recurrent.target_transform import TargetTransform
from tsforecast._segments import Segments
from tsforecast.sequences import SequenceData

__all__ = [
    "FORECASTS_PER_PASS",
    "backtest_ahead",
    "check_forecast",
    "forecast_after",
    "forecast_result",
    "future_values",
    "warn_if_stale",
]

# Forecasts made in one pass of the network; more are made chunk after chunk, so that memory
# does not grow with the number of series (the network's activations of a whole panel at once
# would).
FORECASTS_PER_PASS = 4096


def forecast_after(
    reader: NetworkReader,
    decoder: OutputDecoder,
    data: SequenceData,
    firsts: np.ndarray,
    lasts: np.ndarray,
    steps: int,
    ahead: np.ndarray | None,
    times: list[Any] | None,
    positions: list[int] | None,
    margins: np.ndarray | None,
    owner: str = "LSTMForecaster.forecast",
    gaps: np.ndarray | None = None,
    transform: TargetTransform | None = None,
    changes: SequenceData | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Forecast ``steps`` rows after each row ``lasts[i]`` from the rows read up to it.

    Forecast ``i`` reads the last ``context_length`` rows of ``data`` up to ``lasts[i]`` of
    its series (which starts at ``firsts[i]``), never a later one. ``ahead``: the known-future
    covariates of the forecast periods, ``(n, steps, n_future)`` or None; ``times``: their
    stamps (one per forecast) or None; ``positions``: the quantile levels asked for (None:
    points only); ``margins``: their conformal margins, ``(n, steps, n_pairs, n_targets)`` or
    None; ``gaps``: the time-gap feature of each step (time-gap models; from ``times`` when
    None).

    With a target ``transform``, the network reads the transformed data (``changes``, or
    ``transform.apply(data)``) and its forecasts are undone from the history of ``data`` (a
    ``decoder`` with a lag gives the quantiles of the paths, calibrated there).

    Returns the point forecasts ``(n, steps, n_targets)`` and, with ``positions``, the
    quantiles ``(n, steps, n_targets, len(positions))`` (else None).
    """
    if transform is not None and not transform.identity:
        points, levels = forecast_after(
            reader, decoder, transform.apply(data, owner) if changes is None else changes,
            firsts, lasts, steps, ahead, times, positions, margins, owner, gaps,
        )  # fmt: skip
        return transform.undo_paths(data, firsts, lasts, points, levels, decoder.lag > 0)
    if len(lasts) > FORECASTS_PER_PASS:
        parts = []
        for begin in range(0, len(lasts), FORECASTS_PER_PASS):
            part = slice(begin, begin + FORECASTS_PER_PASS)

            def cut(array: Any, part: slice = part) -> Any:
                return None if array is None else array[part]

            parts.append(forecast_after(
                reader, decoder, data, firsts[part], lasts[part], steps, cut(ahead), cut(times),
                positions, cut(margins), owner, cut(gaps),
            ))  # fmt: skip
        points = np.concatenate([points for points, _ in parts])
        levels = None if positions is None else np.concatenate([level for _, level in parts])
        return points, levels
    inputs, module = reader.inputs, reader.module
    if inputs.time_gaps:  # the time from each forecast step to the next, known ahead
        if gaps is None:
            gaps = inputs.future_gaps(data, lasts, times, owner)
        ahead = gaps if ahead is None else np.concatenate([ahead, gaps], axis=2)
    L, n = reader.context_length, len(lasts)
    rows, lengths = history_rows(firsts, lasts, L)  # only the rows read
    values, observed = inputs.of_data(data, rows.ravel(), owner=owner)
    if ahead is not None:  # the last row's known-future covariates of the next rows
        inputs.with_ahead(values, observed, ahead, np.arange(n) * L + lengths - 1, steps)
    recent = reader.input_scaler.transform(values, observed)
    history = torch.from_numpy(recent.reshape(n, L, -1)).to(reader.device)
    known = None
    if steps > inputs.horizon and inputs.n_inputs > len(module.layout.targets):
        raw, seen = inputs.forecast_period(data, lasts, times, ahead, steps)
        scaled = reader.input_scaler.transform(
            raw.reshape(-1, inputs.n_inputs), seen.reshape(-1, inputs.n_inputs)
        )
        known = torch.from_numpy(scaled.reshape(raw.shape))
    future_values = roll_forward(module, history, lengths, steps, L, known)
    points = decoder.in_units(module.point(future_values))
    if positions is None:
        return points, None
    levels = decoder.quantiles(future_values, margins)[:, :, positions]
    return points, levels.transpose(0, 1, 3, 2)  # levels last


def check_forecast(
    reader: NetworkReader, levels: tuple[float, ...] | None, steps: int, quantiles: Any, owner: str
) -> list[int] | None:
    """Refuse forecasts the model cannot make; return the quantile positions asked for."""
    inputs = reader.inputs
    if inputs.targets is None:
        raise ValueError(
            f"{owner} forecasts the target columns of X from their history, so it needs a "
            "model fitted without y. For a model fitted with y, predict forecasts y one "
            "step ahead."
        )
    horizon = inputs.horizon
    if reader.module.layout.past and steps > horizon:
        past = [inputs.names[i] for i in reader.module.layout.past if i < inputs.n_features]
        raise ValueError(
            f"{owner}: the model reads past covariates {past} (columns that are neither "
            f"targets nor future or static covariates), known only up to the end of X, so "
            f"it forecasts up to horizon_={horizon} steps; got steps={steps}. Fit "
            f"with horizon={steps}, pass the columns known in advance as "
            "future_covariates, or forecast them too (target=None)."
        )
    positions = None if quantiles is None else level_positions(levels, quantiles, owner)
    if positions is not None and steps > horizon:
        raise ValueError(
            f"{owner}: quantile forecasts go up to horizon_={horizon} steps (beyond, "
            f"forecasts fed back would understate the uncertainty); got steps={steps}. Fit "
            f"with horizon={steps} for quantiles that far ahead, or ask for point forecasts."
        )
    return positions


def backtest_ahead(
    reader: NetworkReader, data: SequenceData, lasts: np.ndarray, steps: int, owner: str
) -> tuple[np.ndarray | None, list[Any] | None, np.ndarray | None]:
    """Return what `forecast` would read from ``future=`` after each row ``lasts[i]``.

    The rows after each origin hold it: the known-future covariates ``(n, steps,
    n_future)``, the calendar stamps past the horizon, and the time-gap feature of each
    step (None where the model reads none of them).
    """
    inputs = reader.inputs
    ahead_rows = np.asarray(lasts)[:, None] + 1 + np.arange(steps)
    ahead = None
    if inputs.future:
        picked = (ahead_rows[..., None], np.asarray(inputs.future))
        ahead = data.values[picked]
        known = np.isfinite(ahead) if data.mask is None else data.mask[picked]
        if not known.all():
            raise ValueError(
                f"{owner}: the known-future covariates "
                f"{[inputs.names[i] for i in inputs.future]} are missing in "
                f"{int((~known).sum())} place(s) of the forecast periods; a forecast reads "
                "them over its whole period. Fill them in X, or start the backtest later."
            )
    times = gaps = None
    if inputs.time_gaps:  # the time to each row ahead, from the stamps of the rows themselves
        stamps = stamps_of(data, owner)
        within = np.diff(stamps[np.c_[lasts, ahead_rows]], axis=1)
        gaps = _time.gap_feature(within)[..., None].astype(np.float32)
    if steps > inputs.horizon and inputs.time_features:  # calendar rows past the horizon
        times = [data.local_time[row] for row in ahead_rows]
    return ahead, times, gaps


def future_values(
    future: Any, data: SequenceData, steps: int, inputs: Any, owner: str
) -> tuple[np.ndarray | None, list[Any] | None]:
    """Check ``future`` against the model's inputs (`InputRows`) and ``data``.

    Returns the known-future covariates of each series, shape ``(n_series, steps,
    n_future)`` (None for a model without them), and the future stamps of each series
    when ``future`` is a DataFrame (else None).
    """
    wanted = [inputs.names[i] for i in inputs.future]
    if not wanted and inputs.time_gaps and isinstance(future, pd.DataFrame):
        return None, future_frame(future, data, steps, [], owner)[1]  # its stamps
    if not wanted:
        if future is not None:
            raise ValueError(
                f"{owner}: this model has no known-future covariates (future_covariates="
                "None in fit), so it reads nothing from future=; leave it out."
            )
        return None, None
    shape = (data.n_series, steps, len(wanted))
    if future is None:
        raise ValueError(
            f"{owner}: this model reads the known-future covariates {wanted} over the "
            f"forecast period; pass future= with their values for the {steps} steps of each "
            f"series: a DataFrame indexed by time (by (series id, time) for several series) "
            f"with those columns, or an array of shape {shape}."
        )
    if isinstance(future, pd.DataFrame):
        return future_frame(future, data, steps, wanted, owner, regular=not inputs.time_gaps)
    if data.metadata.get("panel_index"):
        raise ValueError(
            f"{owner}: X is a panel indexed by (series id, time), whose series are read in "
            "order of their ids, so an array would be matched to them by position; pass "
            "future as a DataFrame indexed by (series id, time) instead."
        )
    try:
        values = np.asarray(future, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            f"{owner}: future must be a DataFrame or an array of numbers (the known-future "
            f"covariates {wanted}); got {type(future).__name__}."
        ) from None
    if values.ndim == 2 and data.n_series == 1:
        values = values[None]
    if values.shape != shape:
        raise ValueError(
            f"{owner}: future has shape {np.shape(future)}; expected {shape} (series, steps, "
            f"known-future covariates {wanted}), or {shape[1:]} for one series."
        )
    if not np.isfinite(values).all():
        raise ValueError(
            f"{owner}: future holds NaN or infinite values; the known-future covariates "
            f"{wanted} must be known for every forecast step."
        )
    return values.astype(np.float32), None


def forecast_result(
    points: np.ndarray,
    levels: np.ndarray | None,
    names: list[str],
    quantiles: tuple[float, ...] | None,
    positions: list[int] | None,
    times: list[Any] | None,
    data: SequenceData,
) -> Any:
    """Lay out what `forecast` returns: a frame with time stamps, else an array.

    ``points``: ``(n_series, steps, n_targets)``; ``levels``: with ``quantiles``, ``(...,
    n_levels)``, the fitted ``quantiles`` at ``positions``, named ``"{target}_q{level}"``.
    """
    if levels is None:
        values, columns = points, names
    else:
        values = levels
        asked = level_names(quantiles, positions)
        columns = [f"{name}_{level}" for name in names for level in asked]
    if times is not None:
        flat = values.reshape(*values.shape[:2], -1)
        return forecast_frame(flat, times, data, columns)
    return values if data.groups is not None else values[0]


def warn_if_stale(
    data: SequenceData,
    columns: list[int],
    names: list[Any],
    context_length: int,
    owner: str,
    stacklevel: int = 3,
) -> None:
    """Warn where a target of a series has no observed value in the rows a forecast reads.

    Forecasts start after a series' last row; a target not observed in its last
    ``context_length`` rows (a wide table whose columns end at different dates, read as
    one series) is forecast from nothing the model reads of it, silently. The first such
    target is named, with where it was last observed. Only those last rows are read (and
    the reported series' own), not the whole data.
    """
    if data.mask is None or not len(columns):
        return
    starts, stops = data.offsets[:-1], data.offsets[1:]
    full = stops - starts >= context_length  # a shorter series is read whole: never stale
    if not full.any():
        return
    windows = Segments(stops[full] - context_length, stops[full])
    observed = data.mask[windows.rows(np.arange(windows.n_rows))][:, columns]
    seen = np.logical_or.reduceat(observed, np.arange(0, windows.n_rows, context_length))
    stale = np.zeros((data.n_series, len(columns)), bool)
    stale[full] = ~seen
    if not stale.any():
        return
    series, column = np.argwhere(stale)[0]
    start, stop = int(starts[series]), int(stops[series])
    rows = np.flatnonzero(data.mask[start:stop, columns[column]])
    unread = stop - start - (int(rows[-1]) + 1 if len(rows) else 0)
    where = "" if data.n_series == 1 else f" of series {show(data.series_ids[series])}"
    if not len(rows):
        when = "never observed"
    elif data.local_time is not None:
        when = f"last at {_time.said_stamp(data.local_time[start + rows[-1]])}"
    else:
        when = f"last at row {rows[-1]}"
    warnings.warn(
        f"{owner}: target {names[column]!r}{where} has no observed value in the last "
        f"{unread} rows of X ({when}), more than the "
        f"{context_length} rows the model reads (context_length_), so its forecasts from the "
        f"end of X read nothing of it ({int(stale.sum())} such target(s) in all). Forecast "
        "each column from its own rows (a wide table of series of different spans: stack it "
        "into a (series id, time) panel, or drop the rows after the column ends).",
        RuntimeWarning,
        stacklevel=stacklevel,
    )
