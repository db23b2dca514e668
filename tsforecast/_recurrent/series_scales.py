"""Per-series scales of the targets: each series divided by its own size.

With ``scale="series"`` a forecaster divides the (transformed) targets of each series by the
series' own scale before the global standardisation, and multiplies its forecasts by it
afterwards: series whose sizes differ a thousandfold share one model, the loss weighs each
series alike, and intervals calibrated in those units come out in each series' scale (a
series with small swings gets narrow intervals, one with large swings wide ones).

A series' scale is the mean absolute value of its observed targets (after the target
transform: for a seasonal difference, its typical seasonal change) over the rows the model
was fitted on, kept per series id; a series that `fit` did not see is scaled, at each row,
by its history up to that row (a forecast never reads the rows after its origin). A series
whose changes are all 0 (a constant series) takes the panel's median ratio of scale to level
at its own level (all zeros: the panel's smallest scale); one with nothing observed takes
the pooled scale of all series (1 if that is zero too).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from tsforecast._checks import Rule

__all__ = [
    "ScaleRule",
    "SeriesScales",
    "StoredId",
    "dwarfed",
    "fitted_scale",
    "id_from_key",
    "id_key",
    "running_mean_abs",
]

SCALES = ("auto", "series", "global")
# A series id seen in fit whose data changes this many times more (or less) than the series
# fit saw under that id is taken for another series, and named (`warn_if_other_series`).
MISMATCH = 10.0
# Values a series needs for its own scale to be compared with the stored one.
MIN_JUDGED = 8
# A series whose mean absolute value is below 1/DWARFED of its panel's pooled standard
# deviation is lost in global standardisation: the network would have to resolve a hundredth
# of a standard deviation to tell its values apart (`dwarfed`). The PBC patients' lab values
# (`bench_accuracy`) reach a ratio of 14 (bilirubin), the development set's five unlike
# monthly series (`bench_classic`) 20,000 (h02 beside gas).
DWARFED = 100.0
# Rows `dwarfed` reads at a time.
CHUNK_ROWS = 65_536


class ScaleRule(Rule):
    """A ``scale`` parameter: "auto", "series", "global", True (global) or False (none)."""

    def check(self, name: str, value: Any, owner: str) -> None:
        """Raise a clear error if ``value`` is not accepted."""
        if isinstance(value, (bool, np.bool_)) or (isinstance(value, str) and value in SCALES):
            return
        raise ValueError(
            f"{owner}: {name} must be 'auto', 'series', 'global', True (the same as 'global') "
            f"or False (no scaling); got {value!r}."
        )


def fitted_scale(
    scale: Any,
    autoregressive: bool = True,
    n_series: int = 1,
    transform: str = "none",
    owner: str = "LSTMForecaster",
    dwarfs_a_series: Callable[[], bool] | None = None,
) -> str:
    """Return the scaling a fit with the ``scale`` parameter uses: "series", "global" or "none".

    True and False (models of before "series") are "global" and "none". "series": each series
    divided by its own scale (autoregressive models only: ``y`` is refused). "auto": "series"
    on autoregressive panels (more than one series) whose target ``transform`` takes changes
    without a log ("difference", "seasonal_difference"), where the sizes of the series'
    changes differ as their levels do; a log already puts every series in relative units.
    Measured (`bench_classic`, seeds 0-2): the 20-region quarterly panel with every other
    region 1,000 times larger, forecast by seasonal differences, MASE 1.51 per series against
    1.52 to 2.52 with global standardisation (the small regions 1.46 against 1.59 to 3.67);
    the PBC visits forecast as they are (`bench_accuracy`), 0.510 per series against 0.445
    global (a patient's few visits give a poor scale of its own). Targets forecast as they are
    ("none") are scaled per series too when ``dwarfs_a_series()`` says the pooled scale dwarfs
    some series (asked only then; see `dwarfed`): five unlike monthly series (`bench_classic`'s
    unlike panel, seed 0) got MASE 1.37-3.82 per series against 1.68-4.36, and 253 for the
    smallest (h02, forecast at -13 where its values lie near 1). Otherwise "global".
    """
    if isinstance(scale, (bool, np.bool_)):
        return "global" if scale else "none"
    if scale == "series":
        if not autoregressive:
            raise ValueError(
                f"{owner}: scale='series' divides the target columns of each series of X by "
                "the series' own scale, and a model fitted with y forecasts y; scale y per "
                "series yourself, or use scale='global'."
            )
        return "series"
    differenced = transform in ("difference", "seasonal_difference")
    if scale == "auto" and autoregressive and n_series > 1:
        dwarfed_one = transform == "none" and dwarfs_a_series is not None and dwarfs_a_series()
        if differenced or dwarfed_one:
            return "series"
    return "global"


@dataclass(frozen=True)
class StoredId:
    """A series id read back from a model file as its `id_key` (a type not rebuilt from text).

    Its `id_key` is the one it was saved under, so it finds what the series' id found.
    """

    kind: str
    text: str


def id_key(series_id: Any) -> tuple[str, str]:
    """Return a JSON-safe key of a series id that keeps its type (``1`` and ``"1"`` differ).

    Examples
    --------
    >>> id_key(np.int64(7)), id_key("7")
    (('int', '7'), ('str', '7'))
    """
    if isinstance(series_id, StoredId):
        return series_id.kind, series_id.text
    if isinstance(series_id, np.generic):
        series_id = series_id.item()
    text = series_id if isinstance(series_id, str) else repr(series_id)
    return type(series_id).__name__, text


def id_from_key(kind: str, text: str) -> Any:
    """Return the series id an `id_key` was taken of: str, int, float or bool, else a `StoredId`.

    Examples
    --------
    >>> [id_from_key(*id_key(i)) for i in ("a", 7, 2.5, True)]
    ['a', 7, 2.5, True]
    >>> id_key(id_from_key("Timestamp", "Timestamp('2020-01-01 00:00:00')"))[0]
    'Timestamp'
    """
    readers = {"str": str, "int": int, "float": float, "bool": lambda t: t == "True"}
    if kind in readers:
        try:
            found = readers[kind](text)
        except ValueError:
            return StoredId(kind, text)
        if id_key(found) == (kind, text):
            return found
    return StoredId(kind, text)


def dwarfed(
    values: np.ndarray, columns: list[int], observed: np.ndarray | None, offsets: np.ndarray
) -> int:
    """Return how many series the pooled scale of some target column dwarfs.

    A series is dwarfed when its mean absolute value in a column of ``values[:, columns]``
    (entries ``observed``, or all finite ones) is below ``1 / DWARFED`` of the column's
    standard deviation over all series (series of zeros apart). Read `CHUNK_ROWS` rows at a
    time: no copy of the data.

    Examples
    --------
    >>> small_and_large = np.array([[1.0], [2.0], [4000.0], [9000.0]])
    >>> dwarfed(small_and_large, [0], None, np.array([0, 2, 4]))
    1
    >>> dwarfed(small_and_large[:2], [0], None, np.array([0, 1, 2]))
    0
    """
    n_series, k = len(offsets) - 1, len(columns)
    sums, counts = np.zeros((n_series, k)), np.zeros((n_series, k))
    total, squares = np.zeros(k), np.zeros(k)
    for start in range(0, len(values), CHUNK_ROWS):
        stop = min(start + CHUNK_ROWS, len(values))
        rows = np.arange(start, stop)
        part = values[start:stop, columns].astype(np.float64)  # the target columns only
        seen = np.isfinite(part)
        if observed is not None:
            seen &= observed[start:stop, columns]
        part = np.where(seen, part, 0.0)
        series = np.searchsorted(offsets, rows, side="right") - 1
        for j in range(k):
            sums[:, j] += np.bincount(series, np.abs(part[:, j]), n_series)
            counts[:, j] += np.bincount(series, seen[:, j], n_series)
        total += part.sum(axis=0)
        squares += (part**2).sum(axis=0)
    n = counts.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        own = sums / counts
        spread = np.sqrt(np.maximum(squares / n - (total / n) ** 2, 0.0))
    return int((np.isfinite(own) & (own > 0) & (own * DWARFED < spread)).any(axis=1).sum())


def mean_abs_by_series(values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Mean absolute finite value of each series and column: ``(n_series, n_columns)``.

    NaN where a series has no finite value in a column.
    """
    return _mean_abs_and_counts(values, offsets)[0]


def running_mean_abs(values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Mean absolute finite value of each series and column up to each row: ``(n_rows, ...)``.

    NaN before a series' first finite value in a column.

    Examples
    --------
    >>> running_mean_abs(np.array([[np.nan], [2.0], [-4.0], [6.0]]), np.array([0, 3, 4])).ravel()
    array([nan,  2.,  3.,  6.])
    >>> running_mean_abs(np.array([[1e12], [1.0], [2.0]]), np.array([0, 1, 3])).ravel().tolist()
    [1000000000000.0, 1.0, 1.5]
    """
    finite = np.isfinite(values)
    series = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
    # Summed within each series from its start (a running sum over the whole panel would
    # lose a small series' digits after a large one's).
    total = pd.DataFrame(np.where(finite, np.abs(values), 0.0)).groupby(series).cumsum()
    count = pd.DataFrame(finite.astype(np.float64)).groupby(series).cumsum()
    total, count = total.to_numpy(), count.to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _mean_abs_and_counts(values: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`mean_abs_by_series`, and the finite values it was taken over (same shape)."""
    finite = np.isfinite(values)
    sums = np.add.reduceat(np.where(finite, np.abs(values), 0.0), offsets[:-1], axis=0)
    counts = np.add.reduceat(finite.astype(np.int64), offsets[:-1], axis=0)
    empty = np.diff(offsets) == 0  # reduceat reads one row for an empty series
    sums[empty], counts[empty] = 0.0, 0
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan), counts


@dataclass(frozen=True)
class SeriesScales:
    """The scales of the series a model was fitted on, and how to scale any other.

    Parameters
    ----------
    scales : mapping
        `id_key` of a series id -> its scale, an array of shape (n_targets,).
    pooled : ndarray of shape (n_targets,)
        The scale of a series without a usable one of its own.

    Examples
    --------
    >>> changes = np.array([[1.0], [-3.0], [100.0], [-300.0]])
    >>> s = SeriesScales.fit(changes, np.array([0, 2, 4]), np.array(["a", "b"]))
    >>> s.of_rows(np.array(["a", "b"]), np.array([0, 2, 4])).ravel().tolist()
    [2.0, 2.0, 200.0, 200.0]
    """

    scales: Mapping[tuple[str, str], np.ndarray]
    pooled: np.ndarray

    @classmethod
    def fit(
        cls,
        targets: np.ndarray,
        offsets: np.ndarray,
        ids: np.ndarray,
        levels: np.ndarray | None = None,
    ) -> SeriesScales:
        """Scales of the series of ``targets`` (transformed; NaN where none): one per id.

        ``levels``: each series' mean absolute value before the transform ``(n_series,
        n_targets)``. A series whose changes were observed and are all 0 then takes the
        panel's median ratio of scale to level at its own level (a constant 12 beside
        series of 50 to 900 would otherwise take the pooled scale, the large series' size:
        80% intervals of -126 to 152 in a trial), or at a level of 0 (all zeros) the panel's
        smallest scale. Otherwise, and where nothing was observed, the pooled scale.
        """
        own, counts = _mean_abs_and_counts(targets, offsets)
        pooled = mean_abs_by_series(targets, np.array([0, len(targets)]))[0]  # all rows
        pooled = np.where(np.isfinite(pooled) & (pooled > 0), pooled, 1.0)
        usable = np.isfinite(own) & (own > 0)
        fallback = np.broadcast_to(pooled, own.shape)
        if levels is not None:
            still = (counts > 0) & (own == 0)  # observed, never changed
            ratios = np.where(usable & (levels > 0), own / np.where(levels > 0, levels, 1), np.nan)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # a target no series scales
                relative = np.nanmedian(ratios, axis=0)  # (n_targets,)
                smallest = np.nanmin(np.where(usable, own, np.nan), axis=0)
            at_level = np.where(levels > 0, relative * levels, smallest)
            found = still & np.isfinite(at_level) & (at_level > 0)
            fallback = np.where(found, at_level, fallback)
        own = np.where(usable, own, fallback)
        return cls({id_key(i): own[k] for k, i in enumerate(ids)}, pooled)

    def knows(self, ids: np.ndarray) -> bool:
        """Whether every series id of ``ids`` was seen in fit."""
        return all(id_key(i) in self.scales for i in ids)

    def of_rows(
        self, ids: np.ndarray, offsets: np.ndarray, targets: np.ndarray | None = None
    ) -> np.ndarray:
        """Return the scale each row of some data is read in: ``(n_rows, n_targets)``.

        A series seen in fit keeps its scale at every row. Another is scaled at each row by
        its own rows of ``targets`` up to that one (transformed, NaN where none; needed only
        then), or by the pooled scale before it has one: a forecast from a row never reads
        the rows after it, so a backtest of such a series is the forecast of its cut history.
        """
        keys = [id_key(i) for i in ids]
        lengths = np.diff(offsets)
        per_series = np.array([self.scales.get(key, self.pooled) for key in keys], np.float64)
        out = np.repeat(per_series.reshape(len(keys), len(self.pooled)), lengths, axis=0)
        unseen = np.array([key not in self.scales for key in keys], bool)
        if unseen.any():
            if targets is None:
                raise ValueError("the targets of series unseen in fit are needed")
            rows = np.repeat(unseen, lengths)  # those series' rows alone, series after series
            own = running_mean_abs(targets[rows], np.r_[0, np.cumsum(lengths[unseen])])
            out[rows] = np.where(np.isfinite(own) & (own > 0), own, self.pooled)
        return out

    def warn_if_other_series(
        self, ids: np.ndarray, offsets: np.ndarray, targets: np.ndarray, owner: str
    ) -> None:
        """Warn when a series id seen in fit now names a series of another size.

        A series is known by its id: one reused for another series (a new panel numbered
        0, 1, ... again) would be scaled as the series fit saw. ``targets``: the transformed
        targets of the data given (NaN where none); a series whose own scale differs from
        the stored one by more than `MISMATCH` times either way is named. A target with
        fewer than `MIN_JUDGED` values in a series, or only zeros, has no size to compare
        there: the series is judged by its other targets.
        """
        own, counts = _mean_abs_and_counts(targets, offsets)
        for k, series_id in enumerate(ids):
            stored = self.scales.get(id_key(series_id))
            # A target's scale of its own is judged only from enough values, not all zero.
            usable = np.isfinite(own[k]) & (own[k] > 0) & (counts[k] >= MIN_JUDGED)
            if stored is None or not usable.any():
                continue
            ratio = own[k][usable] / stored[usable]
            more, less = np.max(ratio), np.max(1.0 / ratio)
            if max(more, less) > MISMATCH:
                how = f"{more:.3g} times more" if more >= less else f"{less:.3g} times less"
                warnings.warn(
                    f"{owner}: series {series_id!r} changes {how} "
                    "than the series of that id the model was fitted on, whose scale it is "
                    "given (scale='series': each series is known by its id). If it is "
                    "another series, give it an id of its own; its scale then comes from its "
                    "own history.",
                    RuntimeWarning,
                    stacklevel=5,
                )
                return

    def to_state(self) -> dict[str, Any]:
        """Return a JSON-safe dict of the scales (`from_state` reads it back)."""
        return {
            "ids": [list(key) for key in self.scales],
            "scales": [np.asarray(v, float).tolist() for v in self.scales.values()],
            "pooled": np.asarray(self.pooled, float).tolist(),
        }

    @classmethod
    def from_state(cls, state: Any, n_targets: int) -> SeriesScales:
        """Read `to_state`'s dict back; ValueError if it is not one of ``n_targets`` targets."""
        try:
            ids = [(str(kind), str(text)) for kind, text in state["ids"]]
            values = np.asarray(state["scales"], dtype=np.float64).reshape(len(ids), n_targets)
            pooled = np.asarray(state["pooled"], dtype=np.float64).reshape(n_targets)
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"series scales {str(state)[:200]} are not readable") from error
        if not (np.isfinite(values).all() and (values > 0).all() and (pooled > 0).all()):
            raise ValueError("series scales must be finite and positive")
        return cls(dict(zip(ids, values, strict=True)), pooled)
