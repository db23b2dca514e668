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

Time series are not exchangeable: a calm validation period gives intervals too narrow for a
stormy one. Adaptive conformal inference (Gibbs and Candès, 2021) corrects for that online:
forecasting along a series whose outcomes arrive one by one, the miscoverage level used for
the margin moves by ``gamma * (alpha - err)`` after each outcome (``err`` is 1 when it fell
outside its interval): the intervals widen where outcomes fall outside more often than
nominal and narrow where they fall inside more often. Summing the updates, the long-run share
outside exceeds the nominal one by at most ``(alpha_max + gamma) / (gamma T)`` after ``T``
outcomes, as long as the widest validation margin (used at level 0 and below; the level stops
at ``-gamma``) can hold the drift. The level rises at most to `NARROWEST` times the nominal
one, and at most halfway to 1 (``alpha_max``, `narrowest_level`): the history read may hold
rows the network was trained on, whose errors are small, and those may narrow an 80% interval
no further than the calibration's 70% interval. Where that stop holds the level, the share
outside is below the nominal one (on outcomes half as spread as the validation ones, 4%
outside an 80% interval). The margins are stored for every miscoverage
level on a grid (`ALPHAS`), not only the nominal one.

A negative margin (the raw interval wider than needed) narrows each side of the interval in
proportion to its width, never by more than the margin (`calibrated_pair`). Narrowing both
sides by the margin, as CQR does, made a side narrower than the margin collapse onto the
median while the other stayed wide: a trending weekly series, 13 steps ahead, with 0 below
the median and 86 above. The narrowed interval still holds CQR's, so its guarantee stands.

Adaptive conformal inference is online gradient descent on the pinball loss of the level,
and over outcomes that keep coming, a step decaying as ``1 / sqrt(n)`` after ``n`` outcomes
bounds its regret at every ``n`` (Zinkevich, 2003). `auto_rates` takes ``0.005 * sqrt(1000 /
n)`` (Gibbs and Candès' 0.005 from 1,000 outcomes on), at most 0.02 (the first 62
outcomes): a short series adapts within its few dozen outcomes, a long one smoothly. A step of
0.02 throughout made the hourly weather's 24-step intervals less sharp for the same coverage
(the outcome of a step-24 forecast comes in 24 rows late, so a large step overshoots); 0.005
throughout barely moved in a short quarterly panel's few dozen outcomes. The step at an
origin counts the outcomes that have come in by then (those of the earlier origins' first
steps), so a forecast from a row never depends on the rows after it.
"""

from __future__ import annotations

import numbers
from typing import Any, Literal

import numpy as np

from tsforecast._checks import Rule

__all__ = [
    "ALPHAS",
    "NARROWEST",
    "QuantilesRule",
    "adaptive_margins",
    "adaptive_margins_at_ends",
    "apply_margins",
    "auto_rates",
    "calibrated_pair",
    "conformal_margins",
    "from_nearest_steps",
    "level_pairs",
    "margins_at",
    "narrowest_level",
    "nominal_alphas",
    "nominal_margins",
    "with_median",
]

# Two levels pair up when they sum to 1 within this tolerance.
PAIR_TOLERANCE = 1e-9
# Miscoverage levels at which the conformal margins are stored (interpolated between).
ALPHAS = np.linspace(0.0, 1.0, 101)
# Adaptation raises a pair's miscoverage level (narrows its interval) at most to this many
# times the nominal one.
NARROWEST = 1.5
# The automatic step of adaptation after n outcomes: LONG_RATE * sqrt(RATE_OUTCOMES / n), at
# most FIRST_RATE, LONG_RATE from RATE_OUTCOMES outcomes on (Gibbs and Candès' step).
FIRST_RATE = 0.02
LONG_RATE = 0.005
RATE_OUTCOMES = 1000


class QuantilesRule(Rule):
    """A ``quantiles`` parameter: "auto", None, or distinct levels strictly between 0 and 1."""

    def check(self, name: str, value: Any, owner: str) -> None:
        """Raise a clear error if ``value`` is not accepted."""
        if value is None or (isinstance(value, str) and value == "auto"):
            return
        levels = list(value) if isinstance(value, (list, tuple, np.ndarray)) else None
        if (
            not levels
            or not all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in levels)
            or not all(0 < float(v) < 1 for v in levels)
            or len({float(v) for v in levels}) != len(levels)
        ):
            raise ValueError(
                f"{owner}: {name} must be 'auto', None or a list of distinct levels strictly "
                f"between 0 and 1, such as (0.1, 0.5, 0.9); got {value!r}."
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


def nominal_alphas(levels: tuple[float, ...]) -> np.ndarray:
    """Nominal miscoverage ``1 - (upper - lower)`` of each pair (`level_pairs` order)."""
    return np.array([1 - (levels[high] - levels[low]) for low, high in level_pairs(levels)])


def conformal_margins(
    quantiles: np.ndarray, truth: np.ndarray, weight: np.ndarray, levels: tuple[float, ...]
) -> np.ndarray:
    """Margins of each symmetric pair of levels for every miscoverage level in `ALPHAS`.

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
    ndarray of shape (len(ALPHAS), horizon, n_pairs, n_targets)
        ``[a, h, p, t]``: the margin that gives pair ``p`` coverage ``1 - ALPHAS[a]`` (the
        ``ceil((n + 1)(1 - alpha))``-th smallest score, at least the first); negative when
        the raw interval is wider than needed. A step with fewer than ``1 / alpha - 1``
        held-out values (none included), where CQR's margin is infinite, takes the margin
        of the nearest step that has enough, or else its own largest score, never below 0:
        too few values to narrow the raw interval on (a single held-out value that fell near
        the median would otherwise shrink the interval to the median), while a raw interval
        found too narrow at the steps before stays widened beyond them. At the pair's
        nominal miscoverage it is the CQR margin.
    """
    pairs = level_pairs(levels)
    _, horizon, _, n_targets = quantiles.shape
    margins = np.zeros((len(ALPHAS), horizon, len(pairs), n_targets))
    counts = weight.sum(axis=0)  # (horizon, n_targets)
    ranks = np.ceil((counts + 1) * (1 - ALPHAS[:, None, None]) - 1e-9).astype(np.int64)
    infinite = ranks > counts  # (alphas, horizon, n_targets): CQR's margin is infinite
    ranks = np.clip(ranks, 1, np.maximum(counts, 1))  # 1-based
    for p, (low, high) in enumerate(pairs):
        scores = np.maximum(quantiles[:, :, low] - truth, truth - quantiles[:, :, high])
        scores = np.sort(np.where(weight, scores, np.inf), axis=0)  # uncounted ones last
        found = np.take_along_axis(scores, ranks - 1, axis=0)
        margins[:, :, p] = np.where(counts[None] > 0, found, 0.0)
    for a in np.flatnonzero(infinite.any(axis=(1, 2))):  # too few values at some step
        enough = np.broadcast_to(~infinite[a][:, None, :], margins[a].shape)
        margins[a] = from_nearest_steps(margins[a], enough)
    return np.where(infinite[:, :, None, :], np.maximum(margins, 0), margins)


def from_nearest_steps(values: np.ndarray, enough: np.ndarray) -> np.ndarray:
    """Return ``values`` where each step without ``enough`` takes the nearest step's that has.

    ``values`` and ``enough`` (bool): ``(steps, ...)``, each column along the first axis on
    its own; on a tie the earlier step; a column with no step enough stays as it is.

    Examples
    --------
    >>> from_nearest_steps(np.array([1.0, 9.0, 3.0, 9.0]), np.array([1, 0, 1, 0], bool))
    array([1., 1., 3., 3.])
    """
    filled = np.array(values)
    columns, have = filled.reshape(len(filled), -1), enough.reshape(len(enough), -1)
    for j in np.flatnonzero(~have.all(axis=0)):
        steps = np.flatnonzero(have[:, j])
        for h in np.flatnonzero(~have[:, j]) if len(steps) else ():
            columns[h, j] = columns[steps[np.argmin(np.abs(steps - h))], j]
    return filled


def margins_at(table: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Margins at miscoverage levels ``alpha``, interpolated in a `conformal_margins` table.

    ``alpha`` has shape ``(..., horizon, n_pairs, n_targets)`` (the table's last three axes);
    below 0 it takes the widest margin (the largest score), above 1 the narrowest.
    """
    position = np.clip(alpha, 0.0, 1.0) * (len(ALPHAS) - 1)
    below = np.minimum(np.floor(position).astype(np.int64), len(ALPHAS) - 2)
    fraction = position - below
    by_level = table.reshape(len(ALPHAS), -1)
    cell = np.arange(by_level.shape[1]).reshape(table.shape[1:])  # broadcast over alpha
    lower, upper = by_level[below, cell], by_level[below + 1, cell]
    return lower + fraction * (upper - lower)


def narrowest_level(nominal: np.ndarray) -> np.ndarray:
    """Return the highest miscoverage adaptation may reach.

    `NARROWEST` times the nominal one, and at most halfway from it to 1.

    Examples
    --------
    >>> narrowest_level(np.array([0.1, 0.2, 0.7])).round(3).tolist()
    [0.15, 0.3, 0.85]
    """
    return np.minimum(NARROWEST * nominal, (1 + nominal) / 2)


def auto_rates(weight: np.ndarray) -> np.ndarray:
    """Step of adaptive conformal inference at each origin of each series.

    ``weight``: ``(n_series, n_origins, horizon, n_targets)``, True where an outcome counts;
    the steps come back as ``(n_series, n_origins)``. The outcomes that come in at origin
    ``k`` move the level by ``min(FIRST_RATE, LONG_RATE * sqrt(RATE_OUTCOMES / n))``, ``n``
    the outcomes that have come in by then: the origins before ``k`` whose next row (at
    most row ``k``) counts (at least 1, at most `RATE_OUTCOMES`).

    Examples
    --------
    >>> rates = auto_rates(np.ones((1, 3000, 1, 1), bool))[0]
    >>> rates[[1, 62, 100, 250, 1000, 2999]].round(4).tolist()
    [0.02, 0.02, 0.0158, 0.01, 0.005, 0.005]
    """
    arrived = weight[:, :, 0].any(axis=-1)  # origin j's next row (row j + 1) counts
    before = np.cumsum(arrived, axis=1) - arrived  # in by origin k: rows j + 1 <= k
    steps = LONG_RATE * np.sqrt(RATE_OUTCOMES / np.clip(before, 1, RATE_OUTCOMES))
    return np.minimum(steps, FIRST_RATE)


def adaptive_margins(
    table: np.ndarray,
    quantiles: np.ndarray,
    truth: np.ndarray,
    weight: np.ndarray,
    levels: tuple[float, ...],
    gamma: float | Literal["auto"],
) -> np.ndarray:
    """Margins along series by adaptive conformal inference (Gibbs and Candès, 2021).

    The forecasts at origin ``k`` (made after row ``k``; step ``h`` forecasts row
    ``k + 1 + h``) use the miscoverage level reached once the outcomes known by then have
    come in: those of origins up to ``k - 1 - h`` at step ``h``. Each outcome moves the level
    of its step, pair and target by ``gamma * (nominal - err)``, kept within
    ``[-gamma, narrowest_level(nominal)]``: the intervals widen after outcomes outside and
    narrow after outcomes inside, at most to the calibration's margin at that level.

    Parameters
    ----------
    table : ndarray of shape (len(ALPHAS), horizon, n_pairs, n_targets)
        The margins of `conformal_margins`, in the units of ``quantiles``.
    quantiles : ndarray of shape (n_series, n_origins, horizon, n_levels, n_targets)
        The raw quantile forecasts at consecutive origins of each series, in time order.
    truth : ndarray of shape (n_series, n_origins, horizon, n_targets)
        What happened (anything where ``weight`` is False).
    weight : bool ndarray of the same shape
        True where the outcome is known and counts (False for padding, missing values and
        steps past the end of the data).
    levels : tuple of float
        The sorted levels.
    gamma : float or "auto"
        The step size; 0 keeps the nominal level (static split conformal); "auto": a step
        decaying with the outcomes each series has read (`auto_rates`).

    Returns
    -------
    ndarray of shape (n_series, n_origins, horizon, n_pairs, n_targets)
        The margin of every forecast.
    """
    n_series, n_origins = quantiles.shape[:2]
    rows = np.arange(n_series * n_origins).reshape(n_series, n_origins)
    by_row = [a.reshape(-1, *a.shape[2:]) for a in (quantiles, truth, weight)]
    return _adapted(table, *_arriving(*by_row), rows, levels, gamma, every_origin=True)


def adaptive_margins_at_ends(
    table: np.ndarray,
    quantiles: np.ndarray,
    truth: np.ndarray,
    weight: np.ndarray,
    firsts: np.ndarray,
    lasts: np.ndarray,
    levels: tuple[float, ...],
    gamma: float | Literal["auto"],
) -> np.ndarray:
    """Margins at the last origin of each window of rows, by `adaptive_margins` along it.

    Window ``i`` holds rows ``firsts[i]`` to ``lasts[i]``: as ``adaptive_margins(table,
    quantiles[None, first:last + 1], ...)[0, -1]`` for each, without building the windows:
    many overlapping windows of a long history (a backtest's origins) read the rows they
    share in place, a bounded number of windows at a time, and keep only the margins the
    recursion still reads (those of the last ``horizon`` origins).

    Parameters
    ----------
    table : ndarray of shape (len(ALPHAS), horizon, n_pairs, n_targets)
        The margins of `conformal_margins`.
    quantiles : ndarray of shape (n_rows, horizon, n_levels, n_targets)
        The raw quantile forecasts made after each row.
    truth, weight : ndarray of shape (n_rows, horizon, n_targets)
        Their outcomes and where they count (finite values wherever ``weight`` is False).
    firsts, lasts : int ndarray of shape (n_windows,)
        The first and last row of each window.
    levels : tuple of float
        The sorted levels.
    gamma : float or "auto"
        The step size, as in `adaptive_margins`.

    Returns
    -------
    ndarray of shape (n_windows, horizon, n_pairs, n_targets)
    """
    arriving = _arriving(quantiles, truth, weight)  # once for all windows
    lengths = lasts + 1 - firsts
    horizon, n_targets = quantiles.shape[1], quantiles.shape[-1]
    margins = np.empty((len(lasts), horizon, len(level_pairs(levels)), n_targets))
    per_window = int(lengths.max(initial=1)) + (horizon + 1) * margins[0].size
    for chunk in np.array_split(np.arange(len(lasts)), max(1, len(lasts) * per_window // 2**22)):
        width = int(lengths[chunk].max(initial=1))
        # Position j of window i is row lasts[i] - width + 1 + j; -1 before its first row.
        rows = lasts[chunk, None] - width + 1 + np.arange(width)
        rows = np.where(rows >= firsts[chunk, None], rows, -1)
        margins[chunk] = _adapted(table, *arriving, rows, levels, gamma, every_origin=False)
    return margins


def _arriving(quantiles: np.ndarray, truth: np.ndarray, weight: np.ndarray) -> list[np.ndarray]:
    """Shift each step so that the outcomes that come in at a row are that row of each array.

    The step-h forecast whose outcome comes in at row r is the one made h rows before it.
    """
    horizon = quantiles.shape[1]
    arriving = [np.zeros_like(a) for a in (quantiles, truth, weight)]
    for h in range(min(horizon, len(quantiles))):
        for shifted, a in zip(arriving, (quantiles, truth, weight), strict=True):
            shifted[h:, h] = a[: len(a) - h, h]
    return arriving


def _adapted(
    table: np.ndarray,
    quantiles: np.ndarray,
    truth: np.ndarray,
    weight: np.ndarray,
    rows: np.ndarray,
    levels: tuple[float, ...],
    gamma: float | Literal["auto"],
    every_origin: bool,
) -> np.ndarray:
    """Run the recursion of `adaptive_margins` on the forecasts at ``rows`` (-1: none).

    ``quantiles``, ``truth``, ``weight``: by row, shifted by `_arriving`; ``rows``: runs of
    consecutive rows. Returns the margins of every origin (``every_origin``) or of the last.
    """
    n_series, n_origins = rows.shape
    horizon, n_targets = quantiles.shape[1], quantiles.shape[-1]
    if not n_origins:
        return np.zeros((n_series, 0, horizon, len(level_pairs(levels)), n_targets))
    real = rows >= 0
    first = np.argmax(real, axis=1)  # each window's first position with a row
    if isinstance(gamma, str):  # "auto" (step 0 is not shifted)
        rates = auto_rates(weight[:, :1][np.where(real, rows, 0)] & real[..., None, None])
    else:
        rates = np.full((n_series, n_origins), float(gamma))
    steps = np.arange(horizon)
    pairs = level_pairs(levels)
    nominal = nominal_alphas(levels)[None, None, :, None]  # (1, 1, pairs, 1)
    alpha = np.broadcast_to(nominal, (n_series, horizon, len(pairs), n_targets)).copy()
    highest = narrowest_level(nominal[0])  # the level stops there: (1, pairs, 1)
    kept = n_origins if every_origin else horizon + 1  # the recursion reads the last horizon
    margins = np.zeros((n_series, kept, horizon, len(pairs), n_targets))
    low, high = [p[0] for p in pairs], [p[1] for p in pairs]
    point = [levels.index(0.5)]
    for k in range(n_origins):
        # At step h, the outcome of origin k - 1 - h has just come in (row rows[:, k - 1]).
        if k and rates[:, k].any():
            rate = rates[:, k, None, None, None]  # (series, 1, 1, 1)
            at = rows[:, k - 1]
            raw, outcome = quantiles[at], truth[at][..., None, :]  # (series, steps, ...)
            lower, upper = calibrated_pair(
                raw[..., low, :], raw[..., high, :], raw[..., point, :],
                margins[:, (k - 1 - steps) % kept, steps],
            )  # fmt: skip
            outside = (outcome < lower) | (outcome > upper)
            known = steps <= k - 1 - first[:, None]  # its origin is in the window
            counted = (weight[at] & known[..., None])[..., None, :]
            update = np.where(counted, rate * (nominal[0] - outside), 0.0)
            alpha = np.clip(alpha + update, -rate, highest)
        margins[:, k % kept] = margins_at(table, alpha)
    return margins if every_origin else margins[:, (n_origins - 1) % kept]


def apply_margins(
    quantiles: np.ndarray, margins: np.ndarray, levels: tuple[float, ...], point: int
) -> np.ndarray:
    """Widen (or narrow) each pair of levels by its margin, keeping the levels ordered.

    Parameters
    ----------
    quantiles : ndarray of shape (..., horizon, n_levels, n_targets)
        Quantile forecasts, in the units of ``margins``.
    margins : ndarray broadcastable to (..., horizon, n_pairs, n_targets)
        The margin of each pair, for the same steps.
    levels : tuple of float
        The sorted levels.
    point : int
        The median's position: it never moves, and a narrowed pair stops at it.

    Returns
    -------
    ndarray
        A new array of ``quantiles``' shape, ordered along the levels.
    """
    calibrated = np.array(quantiles, dtype=np.float64)
    median = calibrated[..., point, :]
    for p, (low, high) in enumerate(level_pairs(levels)):
        calibrated[..., low, :], calibrated[..., high, :] = calibrated_pair(
            calibrated[..., low, :], calibrated[..., high, :], median, margins[..., p, :]
        )
    # Outward from the median, each level at least as far out as the one inside it: a pair
    # keeps its own calibrated bounds unless an inner pair's bounds pass them (the median
    # never moves; a narrowed pair stops at it).
    for i in range(point - 1, -1, -1):
        calibrated[..., i, :] = np.minimum(calibrated[..., i, :], calibrated[..., i + 1, :])
    for i in range(point + 1, calibrated.shape[-2]):
        calibrated[..., i, :] = np.maximum(calibrated[..., i, :], calibrated[..., i - 1, :])
    return calibrated


def calibrated_pair(
    low: np.ndarray, high: np.ndarray, point: np.ndarray, margin: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return the bounds of an interval ``[low, high]`` around ``point`` after its margin.

    A margin of 0 or more widens both sides by it (CQR). A negative margin narrows each side
    by the margin times the side's share of the mean side (``point - low`` or ``high -
    point`` over their mean), at most by the margin: a side narrower than the other keeps
    its share of the width instead of collapsing onto the point, and the interval still
    holds CQR's ``[low - margin, high + margin]``. The bounds may pass the point (as CQR's);
    `apply_margins` stops them there.

    Examples
    --------
    >>> low, high = calibrated_pair(np.array(8.0), np.array(16.0), np.array(10.0), np.array(-3.0))
    >>> float(low), float(high)
    (9.5, 13.0)
    >>> low, high = calibrated_pair(np.array(8.0), np.array(16.0), np.array(10.0), np.array(1.0))
    >>> float(low), float(high)
    (7.0, 17.0)
    """
    below, above = np.maximum(point - low, 0.0), np.maximum(high - point, 0.0)
    mean_side = (below + above) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        share_below = np.where(mean_side > 0, np.minimum(below / mean_side, 1.0), 1.0)
        share_above = np.where(mean_side > 0, np.minimum(above / mean_side, 1.0), 1.0)
    narrowing = margin < 0
    return (
        low - np.where(narrowing, margin * share_below, margin),
        high + np.where(narrowing, margin * share_above, margin),
    )


def nominal_margins(table: np.ndarray, levels: tuple[float, ...], steps: int) -> np.ndarray:
    """Return the validation margins of the first ``steps`` steps: (steps, pairs, targets).

    ``table``: a `conformal_margins` table; each pair at its nominal miscoverage.
    """
    table = table[:, :steps]
    nominal = nominal_alphas(levels)[None, :, None]
    return margins_at(table, np.broadcast_to(nominal, table.shape[1:]))
