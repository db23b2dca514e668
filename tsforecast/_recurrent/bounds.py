"""Output constraints: the range each target can take (``bounds``), and divergence checks.

- `BoundsRule`, `resolve`: the ``bounds`` parameter, as one (low, high) pair per target;
- `check_targets`: training targets must lie within their bounds;
- `bounded`: the network's transform keeping every output inside its bounds (a smooth
  softplus floor and ceiling, so the loss still has a gradient near a bound);
- `divergence`: where a forecast leaves the training range by a wide margin;
- `series_ranges`: each series' own range, the one to judge it by when the model scales every
  series by its own size (``scale_ == "series"``): within a panel's pooled range a series of
  values near 0.1 could be forecast at 50 without a word.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import torch

from tsforecast._checks import Rule
from tsforecast._segments import CHUNK_ROWS

__all__ = [
    "BoundsRule",
    "bounded",
    "check_targets",
    "divergence",
    "judging_range",
    "learn_range",
    "resolve",
    "series_ranges",
    "standardised",
    "value_range",
    "warn_below_zero",
    "warn_divergence",
]

# Sharpness of the softplus floor and ceiling, per standard deviation of the target: within
# about 0.05 standard deviations of a bound the output bends; further away it is unchanged.
SHARPNESS = 20.0
# A forecast diverges when it lies further outside the training range than this many times
# the range's own width; a range narrower than FLAT_WIDTH of its values' size (a constant
# series: 5 to 5), or than FLAT_FLOOR (all zeros), counts as that wide, so that a forecast of
# 5.0001 (the defaults' on a constant 5: float32 and a network's last digits) is not taken for
# a diverging one, while one of 1e6 + 1000 after 1e6 to 1e6 + 100 still is. On an all-zero
# series the defaults forecast about 1e-4 (a trial: "far outside its training range (0 to
# 0)"): the floor is ten times that.
DIVERGENCE_WIDTHS = 1.0
FLAT_WIDTH = 1e-4
FLAT_FLOOR = 1e-3
# Forecasts below 0 by less than this share of a target's largest training value, where fit
# saw zeros, are not named by `warn_below_zero`: float noise of a network near a floor of 0,
# which it rarely reaches exactly (the shipped weather's radiation, 0 at night and up to
# about 1,000 W/m^2, forecast at -1 to -3.6 W/m^2 by the examples' models; a 0/1 indicator
# at -0.002).
BELOW_ZERO_SHARE = 0.01
# Targets below 0 detailed by `warn_below_zero` beside the first (the others: named).
NAMED_BELOW = 2
# Observed values a series needs for its own range to judge its forecasts (fewer: the
# pooled training range does).
MIN_OWN_VALUES = 8


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and np.isfinite(value)


def _check_pair(pair: Any, name: str, owner: str) -> None:
    if (
        not isinstance(pair, (tuple, list))
        or len(pair) != 2
        or not all(v is None or _is_number(v) for v in pair)
    ):
        raise ValueError(
            f"{owner}: {name} must be a pair (low, high) of finite numbers or None (no bound on "
            f"that side), such as (0, None) for values that cannot be negative; got {pair!r}."
        )
    low, high = pair
    if low is not None and high is not None and not low < high:
        raise ValueError(f"{owner}: {name} = {pair!r} needs low < high.")


class BoundsRule(Rule):
    """A ``bounds`` parameter: None, a pair (low, high), or a dict of pairs by target name."""

    def check(self, name: str, value: Any, owner: str) -> None:
        """Raise a clear error if ``value`` is not accepted."""
        if value is None:
            return
        if isinstance(value, dict):
            for target, pair in value.items():
                _check_pair(pair, f"{name}[{target!r}]", owner)
            return
        _check_pair(value, name, owner)


def resolve(bounds: Any, target_names: list[str], owner: str) -> np.ndarray | None:
    """Return the bounds of each target, shape (n_targets, 2) (-inf/inf: none), or None.

    A pair applies to every target; a dict names targets (the others are unbounded).
    """
    if bounds is None:
        return None
    if isinstance(bounds, dict):
        unknown = [str(name) for name in bounds if str(name) not in target_names]
        if unknown:
            raise ValueError(
                f"{owner}: bounds names {unknown}, which the model does not forecast (its "
                f"targets: {target_names})."
            )
        pairs = [bounds.get(name, (None, None)) for name in target_names]
    else:
        pairs = [bounds] * len(target_names)
    table = np.array(
        [
            [-np.inf if low is None else low, np.inf if high is None else high]
            for low, high in pairs
        ],
        dtype=np.float64,
    )
    return None if not np.isfinite(table).any() else table


def value_range(values: np.ndarray, observed: np.ndarray | None, columns: list[int]) -> np.ndarray:
    """Return the lowest and highest observed value of each of ``columns``: (n_columns, 2).

    Read in chunks of rows: no copy of the data (NaN for a column never observed).
    """
    low = np.full(len(columns), np.inf)
    high = np.full(len(columns), -np.inf)
    for start in range(0, len(values), CHUNK_ROWS):
        part = values[start : start + CHUNK_ROWS, columns]
        if observed is not None:
            seen = observed[start : start + CHUNK_ROWS, columns]
            low = np.minimum(low, np.where(seen, part, np.inf).min(axis=0))
            high = np.maximum(high, np.where(seen, part, -np.inf).max(axis=0))
        else:
            low, high = np.minimum(low, part.min(axis=0)), np.maximum(high, part.max(axis=0))
    table = np.c_[low, high]
    table[~np.isfinite(table)] = np.nan
    return table


def check_targets(
    values: np.ndarray,
    observed: np.ndarray | None,
    columns: list[int],
    table: np.ndarray,
    names: list[str],
    owner: str,
) -> None:
    """Refuse training targets (``columns`` of ``values``) outside their bounds.

    Observed values only; ``table`` from `resolve`. Read in chunks: the targets are copied
    only when some value is outside.
    """
    found = value_range(values, observed, columns)
    if not ((found[:, 0] < table[:, 0]) | (found[:, 1] > table[:, 1])).any():
        return
    targets = values[:, columns]
    seen = np.ones(targets.shape, bool) if observed is None else observed[:, columns]
    outside = seen & ((targets < table[:, 0]) | (targets > table[:, 1]))
    row, column = (int(i[0]) for i in np.nonzero(outside))
    low, high = table[column]
    raise ValueError(
        f"{owner}: target {names[column]!r} is {targets[row, column]:g} at row {row}, outside "
        f"its bounds ({low:g}, {high:g}) ({int(outside[:, column].sum())} value(s) outside). "
        "Bounds say what values are possible: fix the data, or widen the bounds."
    )


def bounded(output: torch.Tensor, low: torch.Tensor, high: torch.Tensor) -> torch.Tensor:
    """Keep ``output`` (last axis: targets) above ``low`` and below ``high`` (-inf/inf: none).

    A softplus floor and ceiling: unchanged away from a bound, bent smoothly onto it near it.
    The bounds' own infinities never enter an expression (a NaN gradient would).
    """
    has_low, has_high = torch.isfinite(low), torch.isfinite(high)
    low = torch.where(has_low, low, 0.0)
    high = torch.where(has_high, high, 0.0)
    softplus = torch.nn.functional.softplus
    floored = low + softplus(output - low, beta=SHARPNESS)
    output = torch.where(has_low, floored, output)
    ceiled = high - softplus(high - output, beta=SHARPNESS)
    return torch.where(has_high, ceiled, output)


def divergence(
    forecasts: np.ndarray, training_range: np.ndarray | None
) -> tuple[int, int, int, float] | None:
    """Find the first forecast far outside the training range, or None.

    Parameters
    ----------
    forecasts : ndarray of shape (n_series, steps, n_targets)
    training_range : ndarray of shape (n_targets, 2) or (n_series, n_targets, 2), or None
        The lowest and highest training value of each target (None: not known, no check),
        or of each series' target (`series_ranges`).

    Returns
    -------
    (series, step, target, value) or None
        Positions (the step 1-based) of the earliest step at which some forecast lies more
        than the range's width outside it (at least `FLAT_WIDTH` of the range's size, and
        `FLAT_FLOOR`: a constant series), or is not finite.
    """
    if training_range is None:
        return None
    low, high = training_range[..., 0], training_range[..., 1]
    if training_range.ndim == 3:  # per series: (n_series, 1, n_targets) against the steps
        low, high = low[:, None, :], high[:, None, :]
    size = np.maximum(np.abs(low), np.abs(high))
    with np.errstate(invalid="ignore"):
        width = np.maximum(high - low, np.maximum(FLAT_WIDTH * size, FLAT_FLOOR))
    margin = DIVERGENCE_WIDTHS * width
    known = np.isfinite(low) & np.isfinite(high)  # a target never observed: no range
    with np.errstate(invalid="ignore"):
        outside = (forecasts < low - margin) | (forecasts > high + margin)
    far = ~np.isfinite(forecasts) | (known & outside)
    if not far.any():
        return None
    steps = np.nonzero(far)[1]
    first = np.flatnonzero(steps == steps.min())[0]
    series, step, target = (int(i[first]) for i in np.nonzero(far))
    return series, step + 1, target, float(forecasts[series, step, target])


def warn_divergence(
    forecasts: np.ndarray,
    training_range: np.ndarray | None,
    target_names: list[str],
    where: Callable[[int], str],
    owner: str,
    horizon: int | None = None,
    pooled: np.ndarray | None = None,
) -> None:
    """Warn when a forecast leaves the training range by more than the range's width.

    ``forecasts``: ``(n, steps, n_targets)``; ``training_range``: as `divergence` takes it
    (`judging_range`); ``where(i)`` says which forecast ``i`` is (" of series 'a'", " from
    origin 2001-05-01 (series 'a')", or "" for one series); ``horizon``: the steps forecast
    at once (a step beyond it reads the model's own forecasts); ``pooled``: the training
    range, to say which range a series was judged by. Call it from the public function: the
    warning points at that function's caller.
    """
    found = divergence(forecasts, training_range)
    if found is None:
        return
    row, step, target, value = found
    what = f"{owner}: the forecast{where(row)} of {target_names[target]!r}"
    if not np.isfinite(value):
        warnings.warn(
            f"{what} is {value} at step {step}: the history it was forecast from holds no "
            "observed value of it (all missing), or the model's outputs overflowed. Give "
            "history with observed values, or fit with more data or epochs.",
            RuntimeWarning,
            stacklevel=3,
        )
        return
    per_series = training_range.ndim == 3
    low, high = training_range[row, target] if per_series else training_range[target]
    named = "its training range"
    if per_series and pooled is not None:
        fitted_low, fitted_high = pooled[target]
        if low <= fitted_low and high >= fitted_high and (low, high) != (fitted_low, fitted_high):
            named = "its training range and history"
        elif (low, high) != (fitted_low, fitted_high):
            named = "the range of its series' history"
    cause = (
        "the model diverges when fed its own forecasts. Forecast fewer steps, fit with a longer "
        "horizon (direct forecasts), more data or epochs, or set bounds."
    )
    if horizon is not None and step <= horizon:
        cause = (
            "a direct forecast far from every value the model was fitted on or read. Check the "
            "history, fit with more data or epochs, or set bounds."
        )
    warnings.warn(
        f"{what} is {value:.4g} at step {step}, far outside {named} ({low:.4g} to {high:.4g}): "
        f"{cause}",
        RuntimeWarning,
        stacklevel=3,
    )


def series_ranges(
    values: np.ndarray,
    observed: np.ndarray | None,
    columns: list[int],
    offsets: np.ndarray,
    pooled: np.ndarray,
    lasts: np.ndarray | None = None,
) -> np.ndarray:
    """Return each series' lowest and highest observed target: (n_series, n_targets, 2).

    ``offsets``: the series' first rows and the end; ``pooled``: the training range
    (n_targets, 2), taken by a series with fewer than `MIN_OWN_VALUES` observed values of a
    target (too few to say what its range is), or with one value only (a constant history, as
    flat as a model fitted on other data need not forecast it). ``lasts``: the last row each
    forecast reads (a backtest's origins): the range of its series' rows up to it, one per
    origin (not the truth after it).
    """
    targets = values[:, columns].astype(np.float64)
    seen = np.isfinite(targets)
    if observed is not None:
        seen &= observed[:, columns]
    starts = offsets[:-1]
    known = np.where(seen, targets, np.nan)
    if lasts is None:
        low = np.fmin.reduceat(known, starts, axis=0)
        high = np.fmax.reduceat(known, starts, axis=0)
        count = np.add.reduceat(seen.astype(np.int64), starts, axis=0)
    else:  # running extremes within each series, read at each origin's last row
        keys = np.repeat(np.arange(len(starts)), np.diff(offsets))
        frame = pd.DataFrame(known)
        low = frame.groupby(keys).cummin().groupby(keys).ffill().to_numpy()[lasts]
        high = frame.groupby(keys).cummax().groupby(keys).ffill().to_numpy()[lasts]
        count = pd.DataFrame(seen).groupby(keys).cumsum().to_numpy()[lasts]
    few = (count < MIN_OWN_VALUES) | ~(high > low)  # or a constant: no size to judge by
    table = np.stack([low, high], axis=-1)
    table[few] = np.broadcast_to(pooled, table.shape)[few]
    return table


def judging_range(
    forecasts: np.ndarray,
    scale: str | None,
    training_range: np.ndarray | None,
    values: np.ndarray,
    observed: np.ndarray | None,
    columns: list[int] | None,
    offsets: np.ndarray,
    lasts: np.ndarray | None = None,
) -> np.ndarray | None:
    """Return the range `divergence` judges each series' ``forecasts`` by (None: no check).

    ``lasts``: the last row each forecast reads (a backtest's origins): one range per origin,
    of its series' history up to it (`series_ranges`).

    For a model that scales each series by its own size (``scale`` "series"), the series'
    own range (`series_ranges`): beside a series of 1,000, one of values near 0.1 forecast at
    50 diverges. Otherwise the training range, widened by the series' history: a trend that
    has carried the history past the training range (quarterly log money from 11.6-11.8 to
    12.0) is followed, not a divergence.
    """
    if training_range is None or columns is None:
        return training_range
    if scale != "series" and divergence(forecasts, training_range) is None:
        return training_range  # the history only widens it: no need to read it
    own = series_ranges(values, observed, columns, offsets, training_range, lasts)
    if scale == "series":
        return own
    table = np.broadcast_to(training_range, own.shape).copy()
    with np.errstate(invalid="ignore"):
        table[..., 0] = np.fmin(table[..., 0], own[..., 0])
        table[..., 1] = np.fmax(table[..., 1], own[..., 1])
    return table


def standardised(
    bounds: np.ndarray | None, mean: np.ndarray, scale: np.ndarray
) -> tuple[torch.Tensor, torch.Tensor] | None:
    """Return the bounds in the network's standardised output units (None: unbounded)."""
    if bounds is None:
        return None
    table = torch.from_numpy(((bounds - mean[:, None]) / scale[:, None]).astype(np.float32))
    return table[:, 0].contiguous(), table[:, 1].contiguous()


def learn_range(
    values: np.ndarray,
    observed: np.ndarray | None,
    columns: list[int],
    bounds: Any,
    target_names: list[str],
) -> tuple[np.ndarray, np.ndarray | None]:
    """Return each target's training range and its bounds; refuse targets outside the bounds.

    ``columns``: the targets among the columns of ``values``; ``bounds``: the ``bounds``
    parameter.
    """
    training_range = value_range(values, observed, columns)
    resolved = resolve(bounds, target_names, "LSTMForecaster")
    if resolved is not None:
        check_targets(values, observed, columns, resolved, target_names, "LSTMForecaster.fit")
    return training_range, resolved


def warn_below_zero(
    forecasts: np.ndarray,
    training_range: np.ndarray | None,
    bounds: np.ndarray | None,
    target_names: list[str],
    where: Callable[[int], str],
    owner: str,
    ranges: np.ndarray | None = None,
) -> None:
    """Warn where point forecasts fall below 0 for targets whose training values were all >= 0.

    Counts, sales and populations are forecast below 0 by a model that nothing keeps at or
    above it (lynx trappings, at least 39 a year, forecast at -62; monthly counts of 0 to 14
    at -0.36): ``bounds=(0, None)`` does. Targets with a lower bound, with a training value
    below 0, or with none above it, are not judged. Where fit saw zeros, a forecast within
    `BELOW_ZERO_SHARE` of the largest training value of 0 is not named either (solar
    radiation, 0 at night and up to 1,000 W/m², forecast at -1 W/m²; a 0/1 indicator at
    -0.002). Each target below is named with its own lowest forecast and count.
    ``forecasts``: ``(n, steps, n_targets)``; ``where(i)``: which forecast ``i`` is;
    ``ranges``: the range each forecast is judged by, ``(n, n_targets, 2)`` (`judging_range`:
    a panel's series by their own, so that a series of zeros beside one of 1,000 is held to
    its own 1%), else the training range.
    """
    if training_range is None:
        return
    positive = (training_range[:, 0] >= 0) & (training_range[:, 1] > 0)
    if bounds is not None:
        positive &= ~np.isfinite(bounds[:, 0])
    judged = training_range if ranges is None else np.asarray(ranges)
    with np.errstate(invalid="ignore"):
        noise = np.where(judged[..., 0] == 0, BELOW_ZERO_SHARE * np.fmax(judged[..., 1], 0), 0)
        noise = noise if noise.ndim == 1 else noise[:, None, :]  # per forecast: (n, 1, targets)
        below = (forecasts < -noise) & positive
    if not below.any():
        return
    first, step, target = np.argwhere(below)[0]

    def lowest(column: int) -> str:
        value = np.nanmin(np.where(below[..., column], forecasts[..., column], np.nan))
        return f"the lowest {value:.4g}, {int(below[..., column].sum())} forecast(s) in all"

    def first_of(column: int) -> int:
        return int(np.argwhere(below[..., column])[0, 0])

    columns = [c for c in np.flatnonzero(below.any(axis=(0, 1))) if c != target]
    others = "".join(
        f"; so do those of {target_names[column]!r}{where(first_of(column))} "
        f"({lowest(column)}, the least value fit saw {training_range[column, 0]:.4g})"
        for column in columns[:NAMED_BELOW]
    )
    if len(columns) > NAMED_BELOW:  # many targets (a weather table): named, not detailed
        rest = [repr(target_names[column]) for column in columns[NAMED_BELOW:]]
        others += f"; and those of {len(rest)} more: {', '.join(rest)}"
    warnings.warn(
        f"{owner}: the forecasts of {target_names[target]!r}{where(first)} fall below 0 "
        f"({forecasts[first, step, target]:.4g} at step {step + 1}; {lowest(target)}), while "
        f"no value fit saw was below 0 (the least {training_range[target, 0]:.4g}){others}. "
        "If a target cannot be negative (counts, sales, populations), fit with bounds=(0, "
        "None), or bounds={name: (0, None)} for some targets, to keep their forecasts and "
        "intervals at or above 0.",
        RuntimeWarning,
        stacklevel=3,
    )
