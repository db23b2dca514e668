"""Row ranges inside series, without per-row index arrays over the whole data.

The forecaster trains on the first part of each series and validates on the rest. Holding
those parts as index arrays costs 8 bytes per row and copying the rows costs a second copy of
the data; `Segments` holds two numbers per series instead, and hands out the rows of a few
ranges at a time (`chunks`) or at chosen positions (`rows`).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

CHUNK_ROWS = 1 << 16


class Segments:
    """Row ranges ``[starts[i], stops[i])`` of one array, in order, none empty.

    Parameters
    ----------
    starts, stops : array-like of int
        First row and one past the last row of each range.
    """

    def __init__(self, starts: np.ndarray, stops: np.ndarray) -> None:
        self.starts = np.asarray(starts, dtype=np.int64)
        self.stops = np.asarray(stops, dtype=np.int64)
        self.lengths = self.stops - self.starts
        self._ends = np.cumsum(self.lengths)  # position (over all ranges) after each range
        self.n_rows = int(self._ends[-1]) if len(self._ends) else 0

    def rows(self, positions: np.ndarray) -> np.ndarray:
        """Row numbers of ``positions`` (0 to ``n_rows - 1``) counted over all the ranges."""
        positions = np.asarray(positions, dtype=np.int64)
        which = np.searchsorted(self._ends, positions, side="right")
        return self.starts[which] + positions - (self._ends[which] - self.lengths[which])

    def chunks(self, size: int = CHUNK_ROWS) -> Iterator[np.ndarray]:
        """All rows of the ranges, in order, as index arrays of at most ``size`` rows."""
        shift = self.starts - (self._ends - self.lengths)  # row = position + shift of its range
        for begin in range(0, self.n_rows, size):
            end = min(begin + size, self.n_rows)
            first, last = np.searchsorted(self._ends, [begin, end - 1], side="right")
            ends = np.minimum(self._ends[first : last + 1], end)
            counts = np.diff(ends, prepend=begin)
            yield np.arange(begin, end) + np.repeat(shift[first : last + 1], counts)

    def sample(self, size: int, rng: np.random.Generator) -> np.ndarray:
        """``size`` distinct rows drawn at random (all rows when there are fewer), sorted."""
        if self.n_rows <= size:
            return self.rows(np.arange(self.n_rows))
        return np.sort(self.rows(rng.choice(self.n_rows, size, replace=False)))


def split_series(offsets: np.ndarray, fraction: float) -> tuple[Segments, Segments | None]:
    """Training and validation ranges: the final ``fraction`` of each series validates.

    A series keeps at least 2 rows to train on (one to read, one to forecast); a series too
    short for that keeps all its rows for training. Validation is None when no row is left
    for it.
    """
    offsets = np.asarray(offsets, dtype=np.int64)
    starts, stops = offsets[:-1], offsets[1:]
    lengths = stops - starts
    n_valid = np.floor(fraction * lengths + 0.5).astype(np.int64)
    n_valid = np.where(lengths - n_valid >= 2, n_valid, 0)
    train = Segments(starts, stops - n_valid)
    held = n_valid > 0
    if not held.any():
        return train, None
    return train, Segments((stops - n_valid)[held], stops[held])


def series_chunks(offsets: np.ndarray, max_rows: int) -> Iterator[tuple[int, int]]:
    """Yield ``[begin, end)`` row ranges of whole consecutive series, each of at most ``max_rows``.

    A series longer than ``max_rows`` is a range of its own.
    """
    offsets = np.asarray(offsets, dtype=np.int64)
    begin = 0
    while begin < len(offsets) - 1:
        # The last series boundary within max_rows of this chunk's start (at least one series).
        end = int(np.searchsorted(offsets, offsets[begin] + max_rows, side="right")) - 1
        end = max(end, begin + 1)
        yield int(offsets[begin]), int(offsets[end])
        begin = end


def horizon_rows(
    rows: np.ndarray, stops: np.ndarray, horizon: int, first_step: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Rows ``rows + first_step + h`` for ``h < horizon``, and which lie before ``stops``.

    Returns
    -------
    ahead : ndarray of shape (len(rows), horizon)
        The rows, clipped to ``stops - 1`` where they would pass it.
    inside : bool ndarray of the same shape
        True where the row lies before its stop (the same series or segment).
    """
    ahead = rows[:, None] + first_step + np.arange(horizon)
    inside = ahead < stops[:, None]
    return np.minimum(ahead, (stops - 1)[:, None]), inside


def stops_of(rows: np.ndarray, starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """Return the stop of the range (``starts``/``stops``, sorted) holding each row."""
    return stops[np.searchsorted(starts, rows, side="right") - 1]


def series_starts(offsets: np.ndarray) -> np.ndarray:
    """Return the first row of each row's series (``offsets[i]`` over series ``i``'s rows).

    Examples
    --------
    >>> series_starts(np.array([0, 2, 5])).tolist()
    [0, 0, 2, 2, 2]
    """
    return np.repeat(offsets[:-1], np.diff(offsets))


def repeated_rows(lasts: np.ndarray, steps: int, period: int) -> np.ndarray:
    """Rows a forecast repeating the last ``period`` rows reads, ``steps`` after each of ``lasts``.

    Step ``k`` (from 0) reads row ``lasts - period + 1 + (k mod period)``: the last row for
    ``period`` 1 (persistence), the last season for a seasonal period. ``(n, steps)``; a row
    before its series' first is the caller's to check.

    Examples
    --------
    >>> repeated_rows(np.array([5]), 3, 2).tolist()
    [[4, 5, 4]]
    """
    return lasts[:, None] - period + 1 + np.arange(steps) % period


def carried_forward(values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Each NaN replaced by the last finite value before it in its series (NaN if none)."""
    rows = np.arange(len(values))[:, None]
    known = np.where(np.isfinite(values), rows, -1)
    starts = series_starts(offsets)[:, None]
    known = np.where(known >= starts, known, -1)
    # the last known row so far, but not one of an earlier series
    latest = np.maximum.accumulate(known, axis=0)
    latest = np.where(latest >= starts, latest, -1)
    filled = np.take_along_axis(values, np.maximum(latest, 0), axis=0)
    return np.where(latest >= 0, filled, np.nan)
