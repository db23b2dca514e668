"""Intervals of combined forecasts, widened where they cover less than stated on validation.

Each network's intervals are calibrated on its own validation forecasts (`intervals`). The
forecasts a fitted model gives may combine several: the median of the models of several
target transforms (`combination`), moved toward the seasonal average (`seasonal_average`),
the intervals moving with the point. The combination usually errs less than each network,
but not always the same way: the seasonal average has no trend, so on a trending series
its pull biases the combined point by an amount that depends on the step and the season,
and intervals moved with the point then miss on one side (a trending monthly series, 300
validation rows: 0.43 of the validation outcomes inside the 80% interval at step 13).

So `fit` forecasts the validation rows as it will forecast (combination included) and, per
step, pair of levels and target, finds the factor by which the intervals' distances from
the point must grow to hold the nominal share of the validation outcomes (split conformal
prediction on the ratio of each outcome's distance from the point to the interval's
half-width on its side; scale-free, so pooled over the series of a panel). The factor is
never below 1: the intervals only widen. Narrowing them to the combination's smaller
validation errors was measured and rejected (`bench_panel_calibration`'s "validation
factor": on visnights, whose test years rose in every region, 48% of the regions within
0.6-0.95 instead of 77%).
"""

from __future__ import annotations

import numpy as np

from tsforecast._recurrent.intervals import from_nearest_steps, level_pairs
from tsforecast._recurrent.transform_choice import validation_origins
from tsforecast._segments import Segments

__all__ = ["validation_outcomes", "widen", "widening_factors"]


def validation_outcomes(
    targets: np.ndarray, offsets: np.ndarray, held_out: Segments, steps: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return the validation origins and what followed them.

    The origins fit's other checks score (`transform_choice.validation_origins`: every row
    before a validation row of its series, at most `transform_choice.SCORED_ORIGINS`), so
    that their forecasts are made once; the outcomes are the next ``steps`` rows inside the
    validation part. ``targets``: ``(n_rows, n_targets)``, NaN where not observed. Returns
    the origins' series starts and rows ``(n,)``, the outcomes ``(n, steps, n_targets)``
    and whether each counts.

    Examples
    --------
    >>> targets = np.arange(10.0)[:, None]
    >>> firsts, lasts, truth, counted = validation_outcomes(
    ...     targets, np.array([0, 10]), Segments(np.array([7]), np.array([10])), 2)
    >>> lasts.tolist(), truth[:, :, 0].tolist(), counted[:, :, 0].tolist()
    ([6, 7, 8], [[7.0, 8.0], [8.0, 9.0], [9.0, 9.0]], [[True, True], [True, True], [True, False]])
    """
    firsts, lasts, part = validation_origins(offsets, held_out)
    rows = lasts[:, None] + 1 + np.arange(steps)
    truth = targets[np.minimum(rows, len(targets) - 1)]
    counted = (rows < held_out.stops[part][:, None])[..., None] & np.isfinite(truth)
    return firsts, lasts, truth, counted


def widening_factors(
    points: np.ndarray,
    levels: np.ndarray,
    truth: np.ndarray,
    counted: np.ndarray,
    quantiles: tuple[float, ...],
) -> np.ndarray:
    """Return each level's widening factor per step and target: ``(steps, n_levels, targets)``.

    Parameters
    ----------
    points : ndarray of shape (n, steps, n_targets)
        Combined point forecasts (the median level) at validation origins.
    levels : ndarray of shape (n, steps, n_targets, n_levels)
        Their quantile levels, sorted, at ``quantiles``.
    truth : ndarray of shape (n, steps, n_targets)
        What happened.
    counted : bool ndarray of shape (n, steps, n_targets)
        Which outcomes count (inside the validation rows, observed).
    quantiles : tuple of float
        The sorted levels.

    Returns
    -------
    ndarray
        At least 1; both levels of a pair take the pair's factor, a level in no pair (the
        median) 1. A step with fewer outcomes than the pair's nominal rank needs (``1 /
        alpha - 1``) takes the factor of the nearest step that has enough, or 1; so does one
        whose factor would be infinite (an interval of no width, at a bound, that missed:
        no factor widens it).

    Examples
    --------
    >>> points = np.zeros((9, 1, 1))
    >>> levels = np.broadcast_to(np.array([-1.0, 0.0, 1.0]), (9, 1, 1, 3))
    >>> truth = np.arange(1.0, 10.0)[:, None, None] / 3  # 1/3 ... 3: 6 of 9 beyond +-1
    >>> widening_factors(points, levels, truth, np.ones((9, 1, 1), bool), (0.1, 0.5, 0.9))
    array([[[2.66666667],
            [1.        ],
            [2.66666667]]])
    """
    _, steps, n_targets = points.shape
    factors = np.ones((steps, len(quantiles), n_targets))
    distance = truth - points
    for low, high in level_pairs(quantiles):
        alpha = 1 - (quantiles[high] - quantiles[low])
        half = np.where(distance >= 0, levels[..., high] - points, points - levels[..., low])
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(half > 0, np.abs(distance) / half, np.where(distance == 0, 0, np.inf))
        ratio = np.where(counted, ratio, np.nan)
        counts = counted.sum(axis=0)  # (steps, targets)
        ranks = np.ceil((counts + 1) * (1 - alpha) - 1e-9).astype(np.int64)
        enough = (ranks <= counts) & (counts > 0)
        ordered = np.sort(ratio, axis=0)  # NaN (not counted) last
        found = np.take_along_axis(ordered, np.clip(ranks - 1, 0, None)[None], axis=0)[0]
        found = from_nearest_steps(np.where(enough, found, np.nan), enough)
        factor = np.maximum(np.nan_to_num(found, nan=1.0, posinf=1.0), 1.0)
        factors[:, low], factors[:, high] = factor, factor
    return factors


def widen(
    points: np.ndarray, levels: np.ndarray, factors: np.ndarray, quantiles: list[float]
) -> np.ndarray:
    """Return ``levels`` moved ``factors`` times as far from ``points`` (a new array).

    ``points``: ``(..., steps, n_targets)``; ``levels``: ``(..., steps, n_targets,
    n_levels)`` at the levels ``quantiles`` (in any order); ``factors``: ``(steps,
    n_levels, n_targets)`` for those levels (the first ``steps``). The values keep the
    levels' order (an inner pair widened past an outer one that needed less takes its
    place: the values are sorted along the levels).

    Examples
    --------
    >>> widen(np.array([[2.0]]), np.array([[[4.0, 2.0, 1.0]]]),
    ...       np.array([[[2.0], [1.0], [2.0]]]), [0.9, 0.5, 0.1])
    array([[[6., 2., 0.]]])
    """
    by_level = np.moveaxis(factors[: levels.shape[-3]], 1, 2)  # (steps, targets, levels)
    widened = points[..., None] + by_level * (levels - points[..., None])
    order = np.argsort(quantiles, kind="stable")
    widened[..., order] = np.sort(widened[..., order], axis=-1)
    return widened
