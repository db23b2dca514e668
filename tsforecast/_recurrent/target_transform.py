"""Target transforms: forecast the log, the change or the seasonal change of each series.

A forecaster with a transform reads and forecasts ``z``, not the targets ``v``, series by
series:

- ``"log"``: ``z[t] = log v[t]`` (positive series whose swing grows with their level);
- ``"difference"``: ``z[t] = v[t] - v[t - 1]`` (a forecast relative to the level at its
  origin: trends continue past the training range, series of any level share one model);
- ``"seasonal_difference"``: ``z[t] = v[t] - v[t - m]`` with ``m`` the seasonal period (a
  forecast relative to the last season);
- ``"log_difference"``, ``"log_seasonal_difference"``: the change of the log (the relative
  change: series of any size share one model).

`TargetTransform.apply` turns data into the transformed data (the rows whose change is not
defined, the first ``lag`` of each series, become missing), `TargetTransform.undo_paths` and
`TargetTransform.undo_next` turn forecasts of ``z`` back into the data's units from the
history they were made from. Quantile levels invert exactly through the log and for the
first ``lag`` steps (a known value is added); further ahead a forecast adds up forecasts
(`paths`), where the intervals are calibrated.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tsforecast._checks import Rule, show
from tsforecast._recurrent.paths import added_to_bases, path_spreads, path_sums
from tsforecast._recurrent.series_scales import SeriesScales, mean_abs_by_series
from tsforecast._segments import carried_forward, series_starts
from tsforecast.sequences import SequenceData

__all__ = [
    "TRANSFORMS",
    "TargetTransform",
    "TransformRule",
    "candidates",
    "from_name",
    "warn_if_history_short",
]

# transform name -> (log, seasonal lag?) ; a lag of 1 for the plain difference.
TRANSFORMS: dict[str, tuple[bool, str | None]] = {
    "none": (False, None),
    "log": (True, None),
    "difference": (False, "one"),
    "log_difference": (True, "one"),
    "seasonal_difference": (False, "season"),
    "log_seasonal_difference": (True, "season"),
}


@dataclass(frozen=True)
class TargetTransform:
    """The transform of the target columns of a fitted forecaster.

    Parameters
    ----------
    name : str
        One of `TRANSFORMS`.
    lag : int
        Rows between a value and the one its change is taken from (0: no difference).
    columns : tuple of int
        The target columns among the data's columns, in the order of the forecasts.
    bounds : ndarray of shape (n_targets, 2), optional
        The targets' bounds, kept by the forecasts once undone (not part of equality).
    series_scales : SeriesScales, optional
        Each series' transformed targets are divided by its own scale (``scale="series"``),
        and its forecasts multiplied by it (not part of equality).

    Examples
    --------
    >>> t = TargetTransform("log_difference", 1, (0,))
    >>> data = SequenceData(np.array([[1.0], [2.0], [4.0]]))
    >>> np.round(t.apply(data, "fit").values[:, 0].astype(float), 3).tolist()
    [nan, 0.693, 0.693]
    >>> points, _ = t.undo_paths(data, np.array([0]), np.array([2]), np.log(np.full((1, 2, 1), 2)))
    >>> points.ravel().round(6).tolist()  # doubling twice after 4
    [8.0, 16.0]
    """

    name: str
    lag: int
    columns: tuple[int, ...]
    bounds: np.ndarray | None = field(default=None, compare=False, repr=False)
    series_scales: SeriesScales | None = field(default=None, compare=False, repr=False)

    @property
    def log(self) -> bool:
        """Whether the log of the targets is taken first."""
        return TRANSFORMS[self.name][0]

    @property
    def identity(self) -> bool:
        """Whether nothing is transformed (nor scaled per series)."""
        return self.name == "none" and self.series_scales is None

    @property
    def network_bounds(self) -> np.ndarray | None:
        """The bounds the network keeps: the ``bounds`` of untransformed targets, else none.

        A transformed (or per-series scaled) target's bounds are kept once its forecasts are
        undone.
        """
        return self.bounds if self.identity else None

    def scaled_by_series(self, data: SequenceData, owner: str) -> TargetTransform:
        """Return this transform, each series of ``data`` then divided by its own scale."""
        changed, seen = self._changes(data, owner)
        levels = mean_abs_by_series(data.values[:, list(self.columns)], data.offsets)
        scales = SeriesScales.fit(
            np.where(seen, changed, np.nan), data.offsets, data.series_ids, levels
        )
        return dataclasses.replace(self, series_scales=scales)

    # ------------------------------------------------------------------ forward
    def reads(self, data: SequenceData) -> bool:
        """Whether the transform can read ``data``'s targets (a log: if all are positive)."""
        if not self.log:
            return True
        values = data.values[:, list(self.columns)]
        return not (values[np.isfinite(values)] <= 0).any()

    def _logged(self, data: SequenceData, owner: str) -> np.ndarray:
        """Return the targets (log taken), NaN entries carried forward within their series.

        An entry marked missing but given a value (interpolated by an adapter) is read as
        given, as the forecaster reads its inputs, also as the base a forecast is undone
        from: a fill is the adapter's best estimate (a fill of 0 is read as 0).
        """
        values = data.values[:, list(self.columns)].astype(np.float64)
        seen = np.isfinite(values)
        if self.log:
            if (values[seen] <= 0).any():
                raise ValueError(
                    f"{owner}: the model forecasts the log of its targets (target_transform="
                    f"{self.name!r}), so they must be positive, but the data holds values "
                    f"<= 0 (smallest {values[seen].min():g}). Refit with "
                    "target_transform='none' or 'difference', or pass positive values."
                )
            with np.errstate(divide="ignore", invalid="ignore"):
                values = np.log(values)
        return carried_forward(np.where(seen, values, np.nan), data.offsets)

    def apply(self, data: SequenceData, owner: str) -> SequenceData:
        """Return ``data`` with its target columns transformed (a copy; ``data`` unchanged).

        A change is missing where its value or its base is (NaN where either has no value;
        computed from the values given where they are only marked missing); the first
        ``lag`` rows of each series have none.
        """
        if self.identity:
            return data
        changed, seen = self._changes(data, owner)
        if self.series_scales is not None:
            known = np.where(seen, changed, np.nan)
            self.series_scales.warn_if_other_series(data.series_ids, data.offsets, known, owner)
            changed = changed / self._row_scales(data, changed, seen)
        values = data.values.astype(np.float32, copy=True)
        values[:, list(self.columns)] = changed
        mask = np.ones(values.shape, bool) if data.mask is None else data.mask.copy()
        mask[:, list(self.columns)] = seen
        return SequenceData._trusted(
            values, data.offsets, data.series_ids, groups=data.groups, mask=mask,
            local_time=data._local_time, features=data.features,
            time=None if data._local_time is not None else data.time,
            metadata=data.metadata, row_order=data._row_order,
        )  # fmt: skip

    def levels(self, data: SequenceData, owner: str) -> np.ndarray:
        """Return what the changes are taken of: ``(n_rows, n_targets)``.

        The targets, log taken, carried forward, each divided by its series' scale: ``z[t] =
        levels[t] - levels[t - lag]``; the levels forecasts of ``z`` add up to, and the data's
        naive forecasts, are scored on (`naive_scores.baseline_scores`).
        """
        return self._logged(data, owner) / self._row_scales(data)

    def _changes(self, data: SequenceData, owner: str) -> tuple[np.ndarray, np.ndarray]:
        """Return the transformed targets (before any series scale) and where they are seen."""
        logged = self._logged(data, owner)
        seen = np.isfinite(data.values[:, list(self.columns)])
        if data.mask is not None:
            seen &= data.mask[:, list(self.columns)]
        changed = logged  # a new array: _logged carries values forward into a copy
        if self.lag:
            changed = np.full_like(logged, np.nan)
            changed[self.lag :] = logged[self.lag :] - logged[: -self.lag]
            starts = series_starts(data.offsets)
            rows = np.arange(len(logged))
            changed[rows - starts < self.lag] = np.nan  # its base lies in another series
            seen[self.lag :] &= seen[: -self.lag].copy()
        seen &= np.isfinite(changed)
        return changed, seen

    def _row_scales(
        self, data: SequenceData, changed: np.ndarray | None = None, seen: np.ndarray | None = None
    ) -> np.ndarray:
        """Return the scale each row is read in: ``(n_rows, n_targets)`` (1: no series scales).

        Series seen in fit keep theirs; the others are scaled at each row by their own changes
        up to it (`SeriesScales.of_rows`).
        """
        if self.series_scales is None:
            return np.ones((data.n_timesteps, len(self.columns)))
        if changed is None and not self.series_scales.knows(data.series_ids):
            changed, seen = self._changes(data, "LSTMForecaster")
        targets = None if changed is None else np.where(seen, changed, np.nan)
        return self.series_scales.of_rows(data.series_ids, data.offsets, targets)

    def check_trainable(self, changes: SequenceData, owner: str) -> None:
        """Refuse transformed data without one observed target (every series within the lag)."""
        if not self.columns:  # a model fitted with y: its targets are not columns of X
            return
        if changes.mask is not None and not changes.mask[:, list(self.columns)].any():
            raise ValueError(
                f"{owner}: with target_transform={self.name!r} every value's change is taken "
                f"from {self.lag} rows before, and no series is longer than that: nothing is "
                "left to train on. Choose target_transform='difference' or 'none', or a "
                "shorter seasonal_period."
            )

    # ------------------------------------------------------------------ inverse
    def _inverse(self, values: np.ndarray) -> np.ndarray:
        if not self.log:
            return values
        with np.errstate(over="ignore"):
            return np.exp(values)

    def undo_next(self, data: SequenceData, values: np.ndarray) -> np.ndarray:
        """One-step forecasts of ``z`` at every row of ``data``, in the data's units.

        ``values``: ``(n_rows, n_targets)``, row ``t`` forecasting row ``t + 1``, or
        ``(n_rows, n_targets, n_levels)``; clipped to the ``bounds``. A row whose base
        (``lag - 1`` rows back) lies before its series' start is forecast from its own
        value instead.
        """
        if self.identity:
            return values
        if self.series_scales is not None:
            scales = self._row_scales(data)
            values = values * scales.reshape(scales.shape + (1,) * (values.ndim - 2))
        base = self._bases(data, np.arange(data.n_timesteps), 1)[:, 0]
        base = base.reshape(base.shape + (1,) * (values.ndim - 2))
        return _within(self._inverse(values + base), self.bounds, axis=1)

    def undo_paths(
        self,
        data: SequenceData,
        firsts: np.ndarray,
        lasts: np.ndarray,
        points: np.ndarray,
        levels: np.ndarray | None = None,
        added_up: bool = False,
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Forecasts of ``z`` after rows ``lasts`` (series starting at ``firsts``) in units.

        ``points``: ``(n, steps, n_targets)``; ``levels``: ``(n, steps, n_targets,
        n_levels)`` or None; both clipped to the ``bounds``. Step ``k`` adds the value ``lag``
        rows before it: from the history up to ``k = lag`` (a base before the series' start:
        the last value), from the forecast itself beyond. The levels' spreads about the point
        add up in quadrature (`paths.path_spreads`), or with ``added_up`` the ``levels`` are
        the quantiles of the paths already (`paths.quantile_paths`: the changes added up,
        without the base).
        """
        if self.identity:
            return points, levels
        if self.series_scales is not None:
            scales = self._row_scales(data)[lasts][:, None, :]  # at the origins: (n, 1, targets)
            points = points * scales
            levels = None if levels is None else levels * scales[..., None]
        path, spread = points.astype(np.float64), None
        if levels is not None:
            spread = levels - points[..., None]
        if self.lag:
            known = self._bases(data, lasts, points.shape[1], firsts)  # (n, lag, targets)
            path = added_to_bases(points, known, self.lag)
            if levels is not None and added_up:
                spread = levels - path_sums(points, self.lag)[..., None]
            elif levels is not None:
                spread = path_spreads(spread, self.lag)
        undone = _within(self._inverse(path), self.bounds, axis=2)
        if levels is None:
            return undone, None
        return undone, _within(self._inverse(path[..., None] + spread), self.bounds, axis=2)

    def _bases(
        self, data: SequenceData, lasts: np.ndarray, steps: int, firsts: np.ndarray | None = None
    ) -> np.ndarray:
        """Return the bases (log taken) of the first ``min(steps, lag)`` steps after ``lasts``.

        Step ``k`` (from 0) after row ``last`` adds row ``last + k + 1 - lag``, or ``last``
        itself when that row lies before the series' start. Shape ``(n, min(steps, lag),
        n_targets)``.
        """
        logged = self._logged(data, "LSTMForecaster")
        if firsts is None:
            firsts = series_starts(data.offsets)[lasts]
        if not self.lag:
            return np.zeros((len(lasts), 1, len(self.columns)))
        ks = np.arange(min(steps, self.lag))
        rows = lasts[:, None] + ks[None, :] + 1 - self.lag
        rows = np.where(rows >= firsts[:, None], rows, lasts[:, None])
        return logged[rows]


def warn_if_history_short(
    transforms: list[TargetTransform], data: SequenceData, owner: str
) -> None:
    """Warn where a series' history is shorter than the lag its forecast adds changes to.

    A forecast of seasonal changes adds each step's change to the value a season before; with
    less than a season of history that value is missing and the last one stands in: the
    forecast of a seasonal series comes out flat, without a word.
    """
    lags = [transform for transform in transforms if transform.lag > 1]
    if not lags:
        return
    widest = max(lags, key=lambda transform: transform.lag)
    short = np.flatnonzero(data.series_lengths < widest.lag)
    if not len(short):
        return
    which = "" if data.groups is None else f" of series {show(data.series_ids[short[0]])}"
    others = f" (and {len(short) - 1} other series)" if len(short) > 1 else ""
    warnings.warn(
        f"{owner}: the history{which}{others} holds {int(data.series_lengths[short[0]])} rows, "
        f"fewer than the {widest.lag} that the model's seasonal changes are taken across "
        f"({widest.name!r}): where the value a season before is missing, the last one stands "
        "in, so the forecast misses the season. Give at least a season of history.",
        RuntimeWarning,
        stacklevel=3,
    )


def _within(values: np.ndarray, bounds: np.ndarray | None, axis: int) -> np.ndarray:
    """``values`` clipped to the targets' ``bounds`` (targets along ``axis``)."""
    if bounds is None:
        return values
    shape = [1] * values.ndim
    shape[axis] = len(bounds)
    return np.clip(values, bounds[:, 0].reshape(shape), bounds[:, 1].reshape(shape))


def from_name(
    name: str, season: int | None, columns: list[int] | None, owner: str = "LSTMForecaster"
) -> TargetTransform:
    """Return the transform ``name`` of the target ``columns`` (``season``: the seasonal period).

    ``columns`` None: a model fitted with ``y``, which forecasts ``y`` as it is.
    """
    if columns is None:
        if name not in ("none", "auto"):
            raise ValueError(
                f"{owner}: target_transform={name!r} transforms the target columns of X, "
                "which a model fitted with y does not forecast; transform y yourself (e.g. "
                "np.log(y), then np.exp of the forecasts), or fit without y."
            )
        return TargetTransform("none", 0, ())
    lag_kind = TRANSFORMS[name][1]
    if lag_kind == "season" and not season:
        raise ValueError(
            f"LSTMForecaster: target_transform={name!r} takes each value's change from one season "
            "before, but the model has no seasonal period (seasonal_period_ is None); give "
            "seasonal_period, or choose target_transform='difference'."
        )
    lag = {None: 0, "one": 1, "season": season}[lag_kind]
    return TargetTransform(name, int(lag or 0), tuple(int(c) for c in columns))


def candidates(
    values: np.ndarray,
    observed: np.ndarray | None,
    lengths: np.ndarray,
    season: int | None,
    short: bool = True,
    seasonal_changes: bool = True,
) -> list[str]:
    """Return the transforms ``target_transform="auto"`` tries on these targets.

    With a seasonal period two seasons of which fit in the shortest series (``lengths``:
    rows per series, validation rows included), the seasonal difference and (for targets
    whose observed values are all positive) the seasonal difference of the log, and on short series
    the change from the previous row too, on long series (``short`` False) the targets as
    they are instead: on the short seasonal series of the development set (`bench_classic`)
    one of the seasonal transforms forecast better than the targets as they are on every
    series, and a validation tail of a few rows told them apart less reliably than that
    (with "none" among them the mean MASE went from 0.998 to 1.041, hyndsight 0.816 to
    1.302). A season read from the time stamps may be weak or removed (seasonally adjusted
    data), and the change from the previous row serves those: with it the weekly wind and
    rain of the shipped Seattle weather (4 years, `bench_classic`'s protocol) scored 1.448
    and 1.375 against 1.466 and 1.586, the development set's worst ratio to seasonal naive
    went from 1.168 to 1.112 and the unlike panel from 1.327 to 1.297 (its mean from 0.998 to
    1.005, the cuts' from 1.269 to 1.266). Two seasons are enough: on 60-month cuts of the
    development set's monthly series (24 rows fitted, `bench_classic`'s protocol, medians of
    seeds 0-2) the seasonal difference scored a mean MASE of 1.30 (seasonal naive 1.36), the
    targets as they are 3.24, and 3 years of AirPassengers 0.67 against 1.14. Otherwise, or when
    the training rows hold no change from one season before (``seasonal_changes`` False),
    ``"none"`` and the difference (a trend that leaves the training range).
    """
    seen = values if observed is None else values[observed]  # missing entries aside
    positive = bool(len(seen)) and bool(np.all(np.isfinite(seen))) and bool((seen > 0).all())
    if season and season > 1 and seasonal_changes and int(lengths.min()) >= 2 * season:
        seasonal = ["seasonal_difference"] + (["log_seasonal_difference"] if positive else [])
        return [*seasonal, "difference"] if short else ["none", *seasonal]
    return ["none", "difference"]


class TransformRule(Rule):
    """A ``target_transform`` parameter: "auto", a name of `TRANSFORMS`, or a list of names.

    A list (or tuple) of distinct names is a model per transform, whose forecasts are
    combined (their median).
    """

    def check(self, name: str, value: Any, owner: str) -> None:
        """Raise a clear error if ``value`` is not accepted."""
        if isinstance(value, str) and (value == "auto" or value in TRANSFORMS):
            return
        if isinstance(value, (list, tuple)):
            names = list(value)
            if names and all(isinstance(n, str) and n in TRANSFORMS for n in names):
                if len(set(names)) == len(names):
                    return
                raise ValueError(
                    f"{owner}: {name} names a transform twice ({names}); each transform of "
                    "a list trains one model, so name each once."
                )
        raise ValueError(
            f"{owner}: {name} must be 'auto', one of {list(TRANSFORMS)}, or a list of "
            f"distinct names among them (one model each, their forecasts combined); got "
            f"{value!r}."
        )
