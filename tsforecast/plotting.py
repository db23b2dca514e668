"""Plots of forecasts and of training histories (matplotlib, the optional ``[plot]`` extra)."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from tsforecast._boundary import periods_as_stamps, series_ids
from tsforecast._recurrent.intervals import level_pairs
from tsforecast._time import future_times, panel_calendar
from tsforecast.sequences import SequenceData

__all__ = ["plot_forecast", "plot_history", "plot_panel"]


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt  # without a screen matplotlib renders with Agg
    except ImportError:
        raise ImportError(
            "Plotting needs matplotlib, which is optional. Install it with: pip install "
            '"tsforecast[plot]"'
        ) from None
    return plt


def plot_forecast(
    data: SequenceData | pd.DataFrame,
    *,
    feature: Hashable = 0,
    one_step: np.ndarray | None = None,
    forecasts: Sequence[tuple[int, np.ndarray]] | pd.DataFrame | None = None,
    interval: tuple[np.ndarray, np.ndarray] | None = None,
    quantiles: Sequence[float] | None = None,
    group: Hashable | None = None,
    last: int | None = None,
    ax: Any = None,
    title: str | None = None,
    units: str | None = None,
) -> Any:
    """Draw one feature of a series with its forecasts, time on the x-axis.

    Parameters
    ----------
    data : SequenceData or DataFrame
        The observed rows (history and truth): a `SequenceData`, or a DataFrame indexed by
        time, or by (series id, time).
    feature : int or str, default=0
        The feature to draw, by position or name.
    one_step : ndarray of shape (n_timesteps, n_features) or (n_timesteps,), optional
        One-step forecasts as returned by `LSTMForecaster.predict`: row ``t`` forecasts row
        ``t + 1``, so it is drawn at the time of row ``t + 1``.
    forecasts : DataFrame, or sequence of (row, ndarray), optional
        Multi-step forecasts, as a DataFrame: the frame of `tsforecast.backtest` (every
        origin of the series drawn, its quantile columns shaded), or what
        `LSTMForecaster.forecast` returns with time stamps (its ``_q{level}`` columns
        shaded). Or a sequence: each starts after ``row`` (a row number of ``data``) and holds
        ``(steps, n_features)`` values, as from `LSTMForecaster.forecast` on ``data`` up to
        that row. Drawn as dashed lines. Quantile forecasts, ``(steps, n_features,
        n_levels)`` as from ``forecast(..., quantiles=True)``, draw the median as the line and
        shade a band between each symmetric pair of levels (outer pairs lighter).
    quantiles : sequence of float, optional
        The levels along the last axis of quantile forecasts (the model's ``quantiles_``);
        by default levels symmetric around a median in the middle, such as (0.1, 0.5, 0.9).
    interval : (ndarray, ndarray), optional
        One-step intervals ``(lower, upper)`` as from `LSTMForecaster.predict_interval`,
        aligned like ``one_step``; shaded around it.
    group : hashable, optional
        With several series, the id of the series to draw (the first by default).
    last : int, optional
        Draw only the last ``last`` rows of the series (and the forecasts that start in them).
    ax : matplotlib Axes, optional
        Where to draw; a new figure by default.
    title, units : str, optional
        Title, and the unit for the y-axis label (``metadata["units"]`` by default).

    Returns
    -------
    matplotlib Axes
    """
    plt = _pyplot()
    data = as_sequence_data(data)
    column = _feature_index(data, feature)
    if data.n_series > 1 or data.groups is not None:
        ids = list(data.series_ids)
        chosen = ids[0] if group is None else group
        if chosen not in ids:
            alike = [i for i in series_ids(data) if str(i) == str(chosen)]  # 2 for "2"
            kind = "text" if alike and isinstance(alike[0], str) else "numbers"
            hint = f" (the ids are {kind}: group={alike[0]!r})" if alike else ""
            raise ValueError(
                f"plot_forecast: no series {chosen!r}; series ids start {ids[:5]}{hint}."
            )
        index = ids.index(chosen)
    else:
        index = 0
    start, stop = int(data.offsets[index]), int(data.offsets[index + 1])
    shown_start = start if last is None else max(start, stop - last)
    time = _time_axis(data)
    if ax is None:
        _, ax = plt.subplots(figsize=(11, 4.2), layout="constrained")
    name = data.features[column]
    rows = slice(shown_start, stop)
    ax.plot(time[rows], data.values[rows, column], color="black", lw=1.4, label="observed")
    if data.mask is not None:
        missing = ~data.mask[rows, column]
        if missing.any():
            ax.scatter(time[rows][missing], data.values[rows, column][missing], s=12,
                       facecolors="none", edgecolors="grey", label="filled (missing)")  # fmt: skip
    if one_step is not None:
        values = np.asarray(one_step)
        values = values[:, column] if values.ndim == 2 else values
        if len(values) != data.n_timesteps:
            raise ValueError(
                f"plot_forecast: one_step has {len(values)} rows; data has {data.n_timesteps}."
            )
        drawn = slice(max(shown_start - 1, start), stop - 1)  # forecast at t is for t + 1
        ax.plot(time[drawn.start + 1 : drawn.stop + 1], values[drawn], color="tab:blue", lw=1.1,
                label="one-step forecast")  # fmt: skip
        if interval is not None:
            lower, upper = (_column(np.asarray(bound), column) for bound in interval)
            if len(lower) != data.n_timesteps or len(upper) != data.n_timesteps:
                raise ValueError(
                    "plot_forecast: interval must be (lower, upper) with a row per row of data, "
                    "as predict_interval returns them."
                )
            ax.fill_between(time[drawn.start + 1 : drawn.stop + 1], lower[drawn], upper[drawn],
                            color="tab:blue", alpha=0.2, lw=0,
                            label="one-step interval")  # fmt: skip
    labelled = False
    if isinstance(forecasts, pd.DataFrame):
        for origin, when, point, bands in _frame_paths(forecasts, data, index, column):
            if when[-1] < time[shown_start]:
                continue
            path_time, path = when, point
            if origin is not None:
                path_time, path = np.concatenate([[origin[0]], when]), np.r_[origin[1], point]
            ax.plot(path_time, path, color="tab:orange", lw=1.6, ls="--",
                    label=None if labelled else f"{len(point)}-step forecasts")  # fmt: skip
            for rank, (low, high) in enumerate(bands):
                label = None if labelled or rank else "forecast intervals"
                if len(when) == 1:  # one step: a bar, as a band of one point has no width
                    ax.vlines(when, low, high, color="tab:orange", alpha=0.3 + 0.2 * rank,
                              lw=3, label=label)  # fmt: skip
                    continue
                ax.fill_between(when, low, high, color="tab:orange", alpha=0.12 + 0.12 * rank,
                                lw=0, label=label)  # fmt: skip
            labelled = True
        forecasts = None
    calendar = panel_calendar(data) if forecasts else None  # a short series follows it
    for row, values in forecasts or []:
        if not max(shown_start - 1, start) <= row < stop:
            continue  # not drawn, or made in another series
        values = np.asarray(values)
        levels = values[:, column] if values.ndim == 3 else None  # (steps, n_levels)
        if levels is not None:
            median, pairs = _level_roles(quantiles, levels.shape[1])
            values = levels[:, median]
        else:
            values = values[:, column] if values.ndim == 2 else values
        if data.time is None:  # the x-axis counts rows
            future = row + np.arange(1, len(values) + 1)
        else:  # the series' usual step (all of it: a forecast from its first row has none)
            try:
                future = future_times(time[start:stop], len(values), after=time[row],
                                      panel=calendar)  # fmt: skip
            except ValueError:
                raise ValueError(
                    "plot_forecast: the series has a single time stamp, so its forecasts have "
                    "no time step to be drawn at."
                ) from None
        path_time = np.concatenate([[time[row]], future])
        path = np.concatenate([[data.values[row, column]], values])
        ax.plot(path_time, path, color="tab:orange", lw=1.6, ls="--",
                label=None if labelled else f"{len(values)}-step forecasts")  # fmt: skip
        if levels is not None:
            for rank, (low, high) in enumerate(pairs):  # widest first, lighter
                label = None if labelled or rank else "forecast intervals"
                ax.fill_between(future, levels[:, low], levels[:, high], color="tab:orange",
                                alpha=0.12 + 0.12 * rank, lw=0, label=label)  # fmt: skip
        labelled = True
    unit = units if units is not None else data.metadata.get("units", {}).get(name)
    ax.set_ylabel(f"{name} ({unit})" if unit and f"({unit})" not in name else name)
    ax.set_xlabel(_time_label(data))
    if title is None and (data.n_series > 1 or data.groups is not None):
        group_name = data.metadata.get("index_names", (None, None))[0] or "series"
        title = f"{group_name} {data.series_ids[index]}"
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles, strict=True))
    ax.legend(unique.values(), unique.keys(), loc="best", fontsize=9)
    if np.issubdtype(np.asarray(time).dtype, np.datetime64):
        ax.figure.autofmt_xdate()
    return ax


def as_sequence_data(data: Any) -> SequenceData:
    """Return ``data`` as a `SequenceData`: a DataFrame indexed by time or (series id, time)."""
    if isinstance(data, SequenceData):
        return data
    if not isinstance(data, pd.DataFrame):
        raise TypeError(
            f"plot_forecast: data must be a SequenceData or a DataFrame indexed by time or by "
            f"(series id, time); got {type(data).__name__}."
        )
    data = periods_as_stamps(data, "plot_forecast")[0]  # periods: at their first instants
    if isinstance(data.index, pd.MultiIndex):
        group_name, time_name = (
            name if name is not None else default
            for name, default in zip(data.index.names[:2], ("series", "time"), strict=True)
        )
        frame = data.rename_axis([group_name, time_name]).sort_index()
        result = SequenceData.from_frame(
            frame, group=group_name, time=time_name, allow_missing=True
        )
    elif isinstance(data.index, pd.DatetimeIndex) or data.index.name is None:
        result = SequenceData.from_frame(data, allow_missing=True)  # a time index, or none
    else:  # a named index (hours since a dose, days): numeric time
        result = SequenceData.from_frame(data, time=data.index.name, allow_missing=True)
    return result


def _frame_paths(
    frame: pd.DataFrame, data: SequenceData, index: int, column: int
) -> list[tuple[Any, np.ndarray, np.ndarray, list[tuple[np.ndarray, np.ndarray]]]]:
    """Forecast paths of one series and feature in a backtest frame or a forecast frame.

    Each: (origin (time, observed value) or None, times, point forecasts, bands from the
    widest pair of levels inward).
    """
    name = data.features[column]
    series_id = data.series_ids[index]
    start, stop = int(data.offsets[index]), int(data.offsets[index + 1])
    axis = _time_axis(data)[start:stop]
    if {"origin", "time", "step", "forecast"} <= set(frame.columns):  # a backtest
        rows = frame[frame["target"].astype(str) == str(name)]
        if data.groups is not None:
            rows = rows[rows.iloc[:, 0].astype(str) == str(series_id)]
        levels = sorted(
            (float(c[1:]), c) for c in frame.columns if isinstance(c, str) and c[:2] == "q0"
        )
        paths = []
        for origin, part in rows.groupby("origin", sort=True):
            when = _on_axis(part["time"], data, start)
            at = _on_axis(pd.Series([origin]), data, start)[0]
            position = np.searchsorted(axis, at)
            observed = None
            if position < len(axis) and axis[position] == at:
                observed = (at, data.values[start + position, column])
            bands = _bands([(level, part[c].to_numpy()) for level, c in levels])
            paths.append((observed, when, part["forecast"].to_numpy(), bands))
        return paths
    # A forecast: indexed by time or (series id, time); columns "name" or "name_q{level}".
    part = frame
    if isinstance(frame.index, pd.MultiIndex):
        ids = frame.index.get_level_values(0)
        part = frame[ids.astype(str) == str(series_id)]
        when = _on_axis(part.index.get_level_values(-1).to_series(), data, start)
    else:
        when = _on_axis(part.index.to_series(), data, start)
    prefix = f"{name}_q"
    levels = sorted((float(c[len(prefix) :]), c) for c in part.columns if str(c).startswith(prefix))
    if str(name) in map(str, part.columns):
        point = part[name].to_numpy()
    elif levels and any(level == 0.5 for level, _ in levels):
        point = part[f"{prefix}0.5"].to_numpy()
    else:
        raise ValueError(f"plot_forecast: the forecasts have no column for {name!r}.")
    # The forecast starts from the last row before its first stamp (its origin): data may run
    # on past it (forecasts drawn against what happened).
    before = int(np.searchsorted(axis, when[0])) - 1 if len(when) else len(axis) - 1
    origin = None if before < 0 else (axis[before], data.values[start + before, column])
    return [(origin, when, point, _bands([(level, part[c].to_numpy()) for level, c in levels]))]


def _bands(levels: list[tuple[float, np.ndarray]]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Symmetric pairs of quantile levels, widest first."""
    by_level = dict(levels)
    return [
        (by_level[low], by_level[round(1 - low, 12)])
        for low in sorted(by_level)
        if low < 0.5 and round(1 - low, 12) in by_level
    ]


def _on_axis(times: pd.Series, data: SequenceData, start: int) -> np.ndarray:
    """Return stamps of a frame as positions on the plot's time axis."""
    if isinstance(times.dtype, pd.PeriodDtype):  # forecasts of periods: their first instants
        times = times.dt.to_timestamp(how="start")
    if data.time is None:  # positions within the series: rows of data
        return start + np.asarray(times, dtype=np.int64)
    if data.local_time is not None:
        stamps = pd.DatetimeIndex(times)
        if stamps.tz is not None:
            stamps = stamps.tz_localize(None)
        return stamps.to_numpy()
    return np.asarray(times, dtype=float)


def plot_panel(
    data: SequenceData | pd.DataFrame,
    groups: Sequence[Hashable] | None = None,
    *,
    max_series: int = 6,
    ncols: int = 2,
    **options: Any,
) -> Any:
    """Draw several series, one panel each, in one figure (a grid): `plot_forecast` per series.

    Parameters
    ----------
    data : SequenceData or DataFrame
        Several series (a DataFrame indexed by (series id, time)).
    groups : sequence of hashable, optional
        The series to draw; the first ``max_series`` by default.
    max_series : int, default=6
        How many series at most, without ``groups``.
    ncols : int, default=2
        Panels per row.
    **options
        Passed to `plot_forecast` for every series (``feature``, ``forecasts`` as a
        backtest or forecast DataFrame, ``one_step``, ``last``...). Each panel's title is
        its series id.

    Returns
    -------
    matplotlib Figure
    """
    plt = _pyplot()
    data = as_sequence_data(data)
    ids = list(data.series_ids)
    chosen = ids[:max_series] if groups is None else list(groups)
    nrows = -(-len(chosen) // ncols)
    figure, axes = plt.subplots(
        nrows, min(ncols, len(chosen)), figsize=(6 * min(ncols, len(chosen)), 3.2 * nrows),
        layout="constrained", squeeze=False,
    )  # fmt: skip
    for ax, group in zip(axes.ravel(), chosen, strict=False):
        plot_forecast(data, group=group, ax=ax, **options)
    for ax in axes.ravel()[len(chosen) :]:
        ax.set_visible(False)
    return figure


def _level_roles(
    quantiles: Sequence[float] | None, n_levels: int
) -> tuple[int, list[tuple[int, int]]]:
    """Position of the median and the symmetric pairs among the levels of quantile forecasts.

    Without ``quantiles``: levels symmetric around a median in the middle, (0.1, 0.5, 0.9).
    """
    if quantiles is None:
        return n_levels // 2, [(i, n_levels - 1 - i) for i in range(n_levels // 2)]
    levels = [float(q) for q in quantiles]
    if len(levels) != n_levels or 0.5 not in levels:
        raise ValueError(
            f"plot_forecast: quantiles must name the {n_levels} levels of the forecasts, 0.5 "
            f"among them (the model's quantiles_, or those asked for); got {list(quantiles)}."
        )
    return levels.index(0.5), level_pairs(tuple(levels))


def _column(values: np.ndarray, column: int) -> np.ndarray:
    return values[:, column] if values.ndim == 2 else values


def plot_history(model_or_history: Any, *, ax: Any = None, title: str | None = None) -> Any:
    """Training and validation loss per epoch, with the epoch whose weights were kept.

    Parameters
    ----------
    model_or_history : LSTMForecaster or list of dict
        A fitted model, or its ``history_``.
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib Axes
    """
    plt = _pyplot()
    history = getattr(model_or_history, "history_", model_or_history)
    if hasattr(history, "get_params"):
        raise ValueError("plot_history: the model is not fitted yet (it has no history_).")
    if not history:
        raise ValueError("plot_history: the history is empty (was the model fitted?).")
    best = getattr(model_or_history, "best_epoch_", None)
    frame = pd.DataFrame(history)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4), layout="constrained")
    ax.plot(frame["epoch"], frame["train_loss"], label="training loss", color="tab:blue")
    validated = frame[frame["valid_loss"].notna()]
    if len(validated):
        ax.plot(validated["epoch"], validated["valid_loss"], label="validation loss",
                color="tab:orange", marker="o", ms=3)  # fmt: skip
    if best is not None:
        ax.axvline(best, color="grey", ls=":", label=f"kept: epoch {best}")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss (scaled units)")
    ax.set_yscale("log")
    seconds = frame["seconds"].sum()
    ax.set_title(title or f"Training: {len(frame)} epochs, {seconds:.1f} s")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=9)
    return ax


def _feature_index(data: SequenceData, feature: Hashable) -> int:
    if isinstance(feature, (int, np.integer)) and not isinstance(feature, bool):
        if not -data.n_features <= feature < data.n_features:
            raise ValueError(f"plot_forecast: feature {feature} out of range ({data.n_features}).")
        return int(feature) % data.n_features
    if feature in data.features:
        return data.features.index(feature)
    raise ValueError(f"plot_forecast: no feature {feature!r}; features: {list(data.features)}.")


def _time_axis(data: SequenceData) -> np.ndarray:
    if data.time is None:
        return np.arange(data.n_timesteps)
    local = data.local_time
    if local is None:
        return data.time
    return local.tz_localize(None).to_numpy()  # local time, as naive stamps for matplotlib


def _time_label(data: SequenceData) -> str:
    if data.time is None:
        return "row"
    if data.time.dtype.kind == "M":
        zone = data.metadata.get("time_zone")
        return f"time ({zone})" if zone else "time"
    unit = data.metadata.get("time_unit")
    if "frame_period" in data.metadata:
        return "time (s)"
    if unit:
        return f"time ({unit})"
    time_name = data.metadata.get("index_names", (None, None))[1]
    return str(time_name) if time_name not in (None, "time") else "time"
