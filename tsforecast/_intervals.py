"""Prediction intervals from quantile outputs, calibrated by conformalised quantile regression.

A model trained on quantile levels ``(tau, ..., 1 - tau)`` gives, for each symmetric pair of
levels, an interval of nominal coverage ``1 - 2 tau``. Quantile regression alone is not
calibrated: an overfitted or underfitted network gives intervals too narrow or too wide,
more so further ahead. Conformalised quantile regression (Romano, Patterson and Candès,
2019) corrects each pair on held-out data: with the conformity scores
``s_i = max(lower_i - y_i, y_i - upper_i)`` of ``n`` held-out forecasts, the margin ``m`` is
their ``ceil((n + 1)(1 - 2 tau)) / n`` empirical quantile, and ``[lower - m, upper + m]``
covers a new value with probability at least ``1 - 2 tau`` when the held-out and new errors
are exchangeable. A margin is computed per horizon step, pair and target.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from tsforecast._validation import Rule

__all__ = ["QuantilesRule", "apply_margins", "conformal_margins", "level_pairs", "with_median"]

# Two levels pair up when they sum to 1 within this tolerance.
PAIR_TOLERANCE = 1e-9


class QuantilesRule(Rule):
    """A ``quantiles`` parameter: None, or distinct levels strictly between 0 and 1."""

    def check(self, name: str, value: Any, owner: str) -> None:
        """Raise a clear error if ``value`` is not accepted."""
        if value is None:
            return
        levels = list(value) if isinstance(value, (list, tuple, np.ndarray)) else None
        if (
            not levels
            or not all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in levels)
            or not all(0 < float(v) < 1 for v in levels)
            or len({float(v) for v in levels}) != len(levels)
        ):
            raise ValueError(
                f"{owner}: {name} must be None or a list of distinct levels strictly between 0 "
                f"and 1, such as (0.1, 0.5, 0.9); got {value!r}."
            )


def with_median(quantiles: Any) -> tuple[float, ...]:
    """Sorted levels of a ``quantiles`` parameter, 0.5 added: the median is the point forecast.

    Examples
    --------
    >>> with_median([0.9, 0.1])
    (0.1, 0.5, 0.9)
    """
    return tuple(sorted({float(level) for level in quantiles} | {0.5}))


def level_pairs(levels: tuple[float, ...]) -> list[tuple[int, int]]:
    """Positions ``(lower, upper)`` of the symmetric pairs among sorted ``levels``, widest first.

    Examples
    --------
    >>> level_pairs((0.05, 0.1, 0.5, 0.9))
    [(1, 3)]
    """
    pairs = []
    for i, low in enumerate(levels):
        if low >= 0.5:
            break
        for j in range(len(levels) - 1, i, -1):
            if abs(levels[j] + low - 1) <= PAIR_TOLERANCE:
                pairs.append((i, j))
                break
    return pairs


def conformal_margins(
    quantiles: np.ndarray, truth: np.ndarray, weight: np.ndarray, levels: tuple[float, ...]
) -> np.ndarray:
    """Margins that bring each symmetric pair of levels to its nominal coverage.

    Parameters
    ----------
    quantiles : ndarray of shape (n, horizon, n_levels, n_targets)
        Held-out quantile forecasts (sorted along the levels).
    truth : ndarray of shape (n, horizon, n_targets)
        What happened.
    weight : bool ndarray of shape (n, horizon, n_targets)
        Which truths count.
    levels : tuple of float
        The sorted quantile levels.

    Returns
    -------
    ndarray of shape (horizon, n_pairs, n_targets)
        The margin of each pair (`level_pairs` order): negative when the raw interval is too
        wide, 0 where no held-out value counts.
    """
    pairs = level_pairs(levels)
    _, horizon, _, n_targets = quantiles.shape
    margins = np.zeros((horizon, len(pairs), n_targets))
    for p, (low, high) in enumerate(pairs):
        coverage = levels[high] - levels[low]
        scores = np.maximum(quantiles[:, :, low] - truth, truth - quantiles[:, :, high])
        scores = np.sort(np.where(weight, scores, np.inf), axis=0)  # uncounted ones last
        counts = weight.sum(axis=0)  # (horizon, n_targets)
        for h in range(horizon):
            for t in range(n_targets):
                n = int(counts[h, t])
                if n == 0:
                    continue
                rank = min(n, math.ceil((n + 1) * coverage))  # 1-based; at most the largest
                margins[h, p, t] = scores[rank - 1, h, t]
    return margins


def apply_margins(
    quantiles: np.ndarray, margins: np.ndarray, levels: tuple[float, ...], point: int
) -> np.ndarray:
    """Widen (or narrow) each pair of levels by its margin, keeping the levels ordered.

    Parameters
    ----------
    quantiles : ndarray of shape (..., horizon, n_levels, n_targets)
        Quantile forecasts, in the units of ``margins``.
    margins : ndarray of shape (horizon, n_pairs, n_targets)
        From `conformal_margins`, for the same steps.
    levels : tuple of float
        The sorted levels.
    point : int
        The median's position: it never moves, and a narrowed pair stops at it.

    Returns
    -------
    ndarray
        A new array of ``quantiles``' shape, sorted along the levels.
    """
    calibrated = np.array(quantiles, dtype=np.float64)
    median = calibrated[..., point, :]
    for p, (low, high) in enumerate(level_pairs(levels)):
        margin = margins[:, p, :]
        calibrated[..., low, :] = np.minimum(calibrated[..., low, :] - margin, median)
        calibrated[..., high, :] = np.maximum(calibrated[..., high, :] + margin, median)
    return np.sort(calibrated, axis=-2)
