"""The seasonal average: a statistical forecast the network's is combined with on short series.

From the history up to a row, the forecast of step ``k`` is the mean of the last full season
(the level) plus the seasonal profile at that step's position: each position's deviation from
its season's mean, averaged over the last full seasons (at most `MAX_SEASONS`), as a
classical decomposition reads a season. Seasonal naive repeats one season, noise and all;
the average of several seasons' profile carries less of it. For a model of a log transform
the logs are averaged (``relative``): a seasonal swing in proportion to the level.

A forecaster combines its network's forecasts with it (``seasonal_average``): the point
forecast moves ``weight`` of the way to the seasonal average, and the intervals move with it
(`blend`). ``"auto"`` chooses the
weight among `WEIGHTS` on the validation data of short seasonal series (`chosen_weight`), and
on a panel each series' own (`series_weights`): one model for unlike series that would take
half the seasonal average for all forecast AirPassengers at MASE 1.065 where the network
alone gives 0.821 (`bench_classic`'s unlike panel, seeds 0-2: the panel's mean 1.218 against
1.169 with a weight per series, AirPassengers 0.823); the 20 regions of visnights chose 0.5
each, as pooled.
Why (`bench_classic`, seeds 0-2): the seasonal average alone beats seasonal naive on the
development set's nine seasonal series and their 29 shorter cuts (geometric mean of the
ratios 0.88 and 0.93) but is far worse than the network where a trend or a growing swing
dominates (AirPassengers 1.53 against 0.58); half and half with the network, their errors
partly cancel. With the weight chosen as below, the development set's mean MASE went from
1.005 to 0.911 (every series now beating seasonal naive, 8 of 11 before), the cuts' from
1.266 to 1.117 (26 of 29 beating it, 16 before; the worst ratio to it 1.79 to 1.23), and the
five unlike monthly series as one panel from 1.297 to 1.218. Choosing the weight of least
validation error instead scored 0.939, 1.213 and 1.297 (a short series' few validation
values favour the network, whose training stopped on them); half and half always 0.935 and
1.122, at the cost of AirPassengers (0.839) and its cuts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from tsforecast._recurrent.naive_start import COMBINED_WITHIN, SELECTION_VALUES
from tsforecast._recurrent.series_scales import id_key
from tsforecast._recurrent.transform_choice import mean_score
from tsforecast._segments import Segments
from tsforecast._warnings import ignoring

__all__ = [
    "MAX_SEASONS",
    "WEIGHTS",
    "blend",
    "chosen_weight",
    "chosen_weights",
    "seasonal_average",
    "seen_in_fit",
    "series_weights",
    "weights_of",
]

# Full seasons, at most, whose profile the seasonal average reads.
MAX_SEASONS = 5
# The weights "auto" chooses among: the network alone, or half and half.
WEIGHTS = (0.0, 0.5)
# Values gathered at once (origins x seasons x season length x targets): bounds the memory
# of a long `predict` (about 64 MB of float64 per array).
CHUNK_VALUES = 1 << 23


def seasonal_average(
    values: np.ndarray,
    firsts: np.ndarray,
    lasts: np.ndarray,
    steps: int,
    season: int,
    relative: bool = False,
) -> np.ndarray:
    """Return the seasonal average's forecasts of ``steps`` steps after each row of ``lasts``.

    Parameters
    ----------
    values : ndarray of shape (n_rows, n_targets)
        The targets, float, NaN where not observed.
    firsts, lasts : int ndarrays of shape (n,)
        The first row of each origin's series, and the origin (its last row of history).
    steps : int
        Steps forecast after each origin.
    season : int
        The seasonal period, in rows (at least 2).
    relative : bool, default=False
        Average the logs and return the exponential (a seasonal swing in proportion to the
        level, as a log transform models it); values at or below 0 then count as missing.

    Returns
    -------
    ndarray of shape (n, steps, n_targets), float64
        NaN where the history holds no full season, and at a step whose position no season
        observed.

    Examples
    --------
    >>> year = np.array([1.0, 3.0, 2.0, 6.0])
    >>> values = np.concatenate([year, year + 4])[:, None]  # two seasons, the level up by 4
    >>> seasonal_average(values, np.array([0]), np.array([7]), 5, 4)[0, :, 0].tolist()
    [5.0, 7.0, 6.0, 10.0, 5.0]
    """
    if relative:
        with np.errstate(divide="ignore", invalid="ignore"):
            values = np.where(values > 0, np.log(np.where(values > 0, values, 1.0)), np.nan)
    out = np.empty((len(lasts), steps, values.shape[1]))
    per_chunk = max(1, CHUNK_VALUES // (MAX_SEASONS * season * values.shape[1]))
    for begin in range(0, len(lasts), per_chunk):
        chunk = slice(begin, begin + per_chunk)
        out[chunk] = _averaged(values, firsts[chunk], lasts[chunk], steps, season)
    return np.exp(out) if relative else out


def _averaged(
    values: np.ndarray, firsts: np.ndarray, lasts: np.ndarray, steps: int, season: int
) -> np.ndarray:
    # rows[i, j, p]: position p of the j-th season back from origin i (j = 0: the last one)
    back = np.arange(MAX_SEASONS)[None, :, None] * season
    rows = lasts[:, None, None] - back - (season - 1) + np.arange(season)[None, None, :]
    inside = rows[:, :, :1] >= firsts[:, None, None]  # the whole season in the series
    seasons = np.where(
        inside[..., None], values[np.maximum(rows, 0)].astype(np.float64), np.nan
    )  # (n, MAX_SEASONS, season, n_targets)
    with ignoring(RuntimeWarning, "Mean of empty slice"):
        means = np.nanmean(seasons, axis=2, keepdims=True)
        profile = np.nanmean(seasons - means, axis=1)  # (n, season, n_targets)
    level = means[:, 0, 0]  # (n, n_targets): NaN without a full season
    return level[:, None, :] + profile[:, np.arange(steps) % season]


def blend(
    points: np.ndarray,
    levels: np.ndarray | None,
    average: np.ndarray,
    weight: float | np.ndarray,
    bounds: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Move ``points`` ``weight`` of the way to ``average``, and ``levels`` with them.

    ``points`` and ``average``: shape ``(..., n_targets)``; ``levels``: ``(..., n_targets,
    n_levels)``, or None; ``weight``: one for all, or an array broadcast against ``points``
    (each series' own). Every level moves as the point does: the intervals keep the width
    the network's were calibrated to on its validation errors, which the combination's errors
    are smaller than (spanning both the network's intervals and the moved ones, as before,
    held 0.86 of visnights' values from 17 origins and 0.94 on panels simulated from its
    regions, for 0.80 stated: `bench_panel_calibration`; moved, 0.85 and 0.93; both before
    the intervals of changes were calibrated on their paths, `paths`). Where
    ``average`` is NaN the forecasts stay as they are. With ``bounds`` (``(n_targets, 2)``,
    infinite where a side has none) the results are clipped to them, as the network's own
    outputs are. New arrays; the inputs are not modified.

    Examples
    --------
    >>> points, levels = np.array([[2.0]]), np.array([[[1.0, 2.0, 4.0]]])
    >>> moved, shifted = blend(points, levels, np.array([[4.0]]), 0.5, None)
    >>> moved.tolist(), shifted.tolist()
    ([[3.0]], [[[2.0, 3.0, 5.0]]])
    """
    shift = np.where(np.isfinite(average), weight * (average - points), 0.0)
    moved = (points + shift).astype(points.dtype)
    shifted = None if levels is None else (levels + shift[..., None]).astype(levels.dtype)
    if bounds is not None:
        low, high = bounds[:, 0], bounds[:, 1]
        moved = np.clip(moved, low, high)
        shifted = None if shifted is None else np.clip(shifted, low[:, None], high[:, None])
    return moved, shifted


def chosen_weight(
    error: Callable[[float], float], validation_values: int
) -> tuple[float, dict[float, float]]:
    """Return the weight of `WEIGHTS` the forecasts take, and every weight's validation error.

    ``error(weight)``: the validation error of the forecasts combined with that weight (NaN
    where it could not be scored); ``validation_values``: the values each step is scored on
    (the validation rows). Judged on at least `SELECTION_VALUES` values, the weight of least
    error (the first where they tie); on fewer (a short series), the largest weight whose
    error is within `COMBINED_WITHIN` times the least one's, as the network's start averages
    the naive forecasters near the best (`naive_start.start_weights`): on so few values the
    network, whose training stopped on them, looks better than it forecasts. NaN never wins.

    Examples
    --------
    >>> chosen_weight(lambda w: {0.0: 1.0, 0.5: 0.8}[w], 1000)
    (0.5, {0.0: 1.0, 0.5: 0.8})
    >>> chosen_weight(lambda w: {0.0: 1.0, 0.5: 1.2}[w], 1000)[0]
    0.0
    >>> chosen_weight(lambda w: {0.0: 1.0, 0.5: 1.2}[w], 40)[0]
    0.5
    """
    errors = {weight: float(error(weight)) for weight in WEIGHTS}
    finite = {w: e for w, e in errors.items() if np.isfinite(e)}
    if not finite:
        return WEIGHTS[0], errors
    least = min(finite.values())
    if validation_values >= SELECTION_VALUES:
        return min(finite, key=finite.__getitem__), errors
    return max(w for w, e in finite.items() if e <= COMBINED_WITHIN * least + 1e-12), errors


def series_weights(
    errors: dict[float, np.ndarray], rows: np.ndarray, evidence: np.ndarray, pooled: float
) -> np.ndarray:
    """Return each series' weight of `WEIGHTS`, chosen on its own validation errors.

    ``errors[weight]``: each series' validation error with that weight, ``(n_series,)`` (NaN
    where not scored); ``rows``: each series' validation rows (`chosen_weight`'s values);
    ``evidence``: whether the seasonal average was known at one of the series' validation
    origins (without, the weights' errors tie). A series not scored, or without evidence,
    takes the ``pooled`` weight (chosen on every series').

    Examples
    --------
    >>> errors = {0.0: np.array([1.0, 1.0, np.nan]), 0.5: np.array([2.0, 0.9, np.nan])}
    >>> series_weights(errors, np.array([12, 12, 0]), np.array([True, True, False]), 0.5)
    array([0. , 0.5, 0.5])
    """
    weights = np.full(len(rows), float(pooled))
    for i in np.flatnonzero(evidence):
        own = {weight: float(errors[weight][i]) for weight in WEIGHTS}
        if any(np.isfinite(error) for error in own.values()):
            weights[i] = chosen_weight(own.__getitem__, int(rows[i]))[0]
    return weights


def weights_of(ids: np.ndarray, by_series: Mapping[Any, float] | None, pooled: float) -> np.ndarray:
    """Return the weight of each series id of ``ids``: its own in ``by_series``, else ``pooled``.

    Ids are matched by `series_scales.id_key` (``1`` and ``"1"`` differ; a model file's ids
    find the same series); a series ``by_series`` does not hold (fit did not see it) takes
    the pooled weight.

    Examples
    --------
    >>> weights_of(np.array(["a", "b", "c"]), {"a": 0.0, "b": 0.5}, 0.5).tolist()
    [0.0, 0.5, 0.5]
    """
    if not by_series:
        return np.full(len(ids), float(pooled))
    table = {id_key(series_id): float(weight) for series_id, weight in by_series.items()}
    return np.array([table.get(id_key(series_id), float(pooled)) for series_id in ids])


def chosen_weights(
    scores: dict[float, np.ndarray],
    held_out: Segments,
    offsets: np.ndarray,
    firsts: np.ndarray,
    average: np.ndarray,
) -> tuple[float, dict[float, float], np.ndarray | None]:
    """Return the pooled weight, every weight's pooled error, and each series' weight.

    ``scores[weight]``: `transform_choice.validation_scores` of the forecasts combined with
    that weight, ``(n_series, n_targets)``; ``held_out``: the validation parts of the series
    (`chosen_weight` counts their rows); ``offsets``: the series' first rows (and the end);
    ``firsts`` and ``average``: the first row of each validation origin's series and the
    seasonal average there. The pooled weight is `chosen_weight`'s on the mean errors, 0.0
    where the seasonal average was known at no origin (the weights' errors tie: no
    evidence). Each series' weight (None for a single series) is `series_weights`'s.
    """
    errors = {weight: mean_score(found) for weight, found in scores.items()}
    weight, errors = chosen_weight(errors.__getitem__, held_out.n_rows)
    known = np.isfinite(average).any(axis=tuple(range(1, average.ndim)))  # per origin
    if not known.any():
        weight = 0.0
    n_series = len(offsets) - 1
    if n_series == 1:
        return weight, errors, None
    rows = np.zeros(n_series, np.int64)
    rows[np.searchsorted(offsets, held_out.starts, side="right") - 1] = (
        held_out.stops - held_out.starts
    )
    evidence = np.zeros(n_series, bool)
    evidence[np.searchsorted(offsets, firsts[known], side="right") - 1] = True
    with ignoring(RuntimeWarning, "Mean of empty slice"):
        own = {w: np.nanmean(found, axis=1) for w, found in scores.items()}
    return weight, errors, series_weights(own, rows, evidence, weight)


def seen_in_fit(ids: np.ndarray, by_series: Mapping[Any, float]) -> bool:
    """Whether some id of ``ids`` has a weight of its own in ``by_series`` (`id_key` match).

    Examples
    --------
    >>> seen_in_fit(np.array([7, 8]), {"7": 0.5}), seen_in_fit(np.array(["7"]), {"7": 0.5})
    (False, True)
    """
    keys = {id_key(series_id) for series_id in by_series}
    return any(id_key(series_id) in keys for series_id in ids)
