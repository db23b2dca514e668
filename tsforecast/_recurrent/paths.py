"""Forecast paths: the changes a differenced model forecasts, added up step after step.

A model of changes (``target_transform`` with a lag: ``z[t] = v[t] - v[t - lag]``) forecasts
``z`` at each step; its forecast of the data at step ``k`` (from 0) adds the changes of steps
``k``, ``k - lag``, ``k - 2 lag``... to the last known value a multiple of ``lag`` before
(`added_to_bases`). That sum is the *path*: the forecast of the data less a
known base, so an interval covers the data exactly when it covers the path. The network
forecasts each step's quantiles; a path's quantiles take its median as the sum of the
steps' medians and its spread about it as the steps' spreads added in quadrature
(`path_spreads`), as if the steps' errors were independent. They are not: an error in one
row's value enters the change into it and, with the opposite sign, the change out of it, so
the spreads added in quadrature overstate a path's (a level plus noise forecast by its
changes, eight steps ahead: by 2.7 times in standard deviation for the noise-to-level
variance of the regions of visnights). So the intervals are calibrated on the paths
(`quantile_paths`, `truth_paths`): conformal prediction corrects the quadrature's spread to
the errors the paths make on the validation data.
"""

from __future__ import annotations

import numpy as np

__all__ = ["added_to_bases", "path_spreads", "path_sums", "quantile_paths", "truth_paths"]


def added_to_bases(changes: np.ndarray, known: np.ndarray, lag: int) -> np.ndarray:
    """Return the levels forecast changes add up to: ``(n, steps, ...)``, float64.

    Step ``k`` (from 0) adds its change to the level ``lag`` steps before: ``known[:, k]``
    (the history's, ``(n, min(steps, lag), ...)``) up to step ``lag``, the path's own
    beyond.
    """
    path = np.empty(changes.shape, np.float64)
    for k in range(changes.shape[1]):
        path[:, k] = changes[:, k] + (known[:, k] if k < lag else path[:, k - lag])
    return path


def path_sums(changes: np.ndarray, lag: int) -> np.ndarray:
    """Return the changes added up along each path: step ``k`` plus the path at ``k - lag``.

    ``changes``: ``(n, steps, ...)``; a new float64 array of that shape (``lag`` 0: a copy):
    `added_to_bases` from bases of 0.

    Examples
    --------
    >>> path_sums(np.array([[1.0, 2.0, 3.0, 4.0, 5.0]]), 2).tolist()
    [[1.0, 2.0, 4.0, 6.0, 9.0]]
    """
    if not lag:
        return np.array(changes, dtype=np.float64)
    return added_to_bases(changes, np.zeros(changes[:, :lag].shape), lag)


def path_spreads(spread: np.ndarray, lag: int) -> np.ndarray:
    """Return the spreads about the median of each path: added in quadrature, signs kept.

    ``spread``: a quantile level's distance from the median at each step, ``(n, steps,
    ...)``; step ``k`` of the result is ``sign(spread[k]) * hypot(spread[k], result[k -
    lag])`` (the steps' errors taken as independent), on the side of ``result[k - lag]``
    where the level meets the median at step ``k``.

    Examples
    --------
    >>> path_spreads(np.array([[3.0, -4.0, 4.0]]), 1).tolist()
    [[3.0, -5.0, 6.4031242374328485]]
    >>> path_spreads(np.array([[-3.0, 0.0, -1.0]]), 1).tolist()  # a tie keeps its side
    [[-3.0, -3.0, -3.1622776601683795]]
    """
    total = np.array(spread, dtype=np.float64)
    for k in range(lag if lag else total.shape[1], total.shape[1]):
        side = np.where(total[:, k] != 0, np.sign(total[:, k]), np.sign(total[:, k - lag]))
        total[:, k] = side * np.hypot(total[:, k], total[:, k - lag])
    return total


def quantile_paths(quantiles: np.ndarray, point: int, lag: int) -> np.ndarray:
    """Return the quantiles of the paths of quantile forecasts of changes.

    ``quantiles``: ``(n, steps, n_levels, n_targets)``, the median at position ``point``.
    Each path's median is the sum of the steps' medians (`path_sums`), each level the median
    plus the level's spread added up in quadrature (`path_spreads`). The levels stay in
    order. ``lag`` 0: the quantiles as they are (a float64 copy).
    """
    quantiles = np.array(quantiles, dtype=np.float64)
    if not lag:
        return quantiles
    median = quantiles[:, :, point : point + 1]
    return path_sums(median, lag) + path_spreads(quantiles - median, lag)


def truth_paths(truth: np.ndarray, weight: np.ndarray, lag: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the paths of the true changes, and whether each counts.

    ``truth`` and ``weight``: ``(n, steps, n_targets)``; a path counts where every change it
    adds up counts (NaN or anything stands where one does not).

    Examples
    --------
    >>> paths, counts = truth_paths(np.array([[1.0, 2.0, 3.0]]), np.array([[True, False, True]]), 1)
    >>> paths[counts].tolist(), counts.tolist()
    ([1.0], [[True, False, False]])
    """
    counts = np.array(weight, dtype=bool)
    if lag:
        for k in range(lag, counts.shape[1]):
            counts[:, k] &= counts[:, k - lag]
    return path_sums(np.where(weight, truth, 0.0), lag), counts
