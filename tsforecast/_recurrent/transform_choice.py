"""``target_transform="auto"`` or a list: which target transforms a fit tries, and which it keeps.

On data of at most `COMPARED_VALUES` target values (rows times target columns) a model is
fitted with each transform that suits its targets (`target_transform.candidates`), and
their forecasts are scored on the validation data, in the data's units
(`validation_error`). On short series (`is_short`) every candidate is trained in full, and
the best is kept with those that `combined_by_auto` allows (transforms of changes, not far
worse on validation): the forecaster combines their forecasts (their median), the best one
first (`combines`). On long series (over `SHORT_ROWS` rows) the candidates are compared after
`QUICK_EPOCHS` of training, from the naive forecaster each starts at, and only the best is
trained in full and kept: a full fit each would take three times as long. On larger data
one fit is all the time allows (the 21 columns of the hourly weather take 18 s): the targets
are read as they are. A list of transforms given by the user is trained in full and kept
whatever the data's size.

Why combine rather than keep the best (`bench_classic`, medians of seeds 0-2): the
validation rows of a short series tell the transforms apart poorly (AirPassengers: the log's
seasonal difference errs half as much there, 0.38 against 0.76, and a little more on the
test years, 0.853 against 0.824), while the combination's errors partly cancel. Over the 11
series of the development set the combination of the two seasonal transforms (the
difference and that of the log) took the mean MASE from 1.037 to 1.028 (AirPassengers
0.853 to 0.595; h02 1.264 to 1.368, qcement 0.996 to 1.078), and on five unlike monthly
series fitted as one panel from 1.428 to 1.344 (wineind 1.591 to 1.286).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

import numpy as np

from tsforecast import _warnings
from tsforecast._recurrent.target_transform import TRANSFORMS, candidates
from tsforecast._segments import Segments, split_series
from tsforecast.sequences import SequenceData

__all__ = [
    "COMPARED_VALUES",
    "KEEP_WITHIN",
    "SHORT_ROWS",
    "best_fit",
    "combined_by_auto",
    "combines",
    "contenders",
    "is_short",
    "observed_targets",
    "seasonal_changes_in",
    "transform_candidates",
    "validation_error",
    "validation_origins",
    "warn_if_under_two_seasons",
]

# The package's folder: warnings raised from files inside it are tsforecast's own.
PACKAGE = Path(__file__).resolve().parents[1]
# Short series: none has more rows than this, nor all together more than `SMALL_ROWS`.
SHORT_ROWS = 1_000
SMALL_ROWS = 100_000
# target_transform="auto" compares transforms (one fit each) on data of at most this many
# target values (rows times target columns).
COMPARED_VALUES = 100_000
# Epochs of training after which long series compare the transforms (`best_fit`'s quick fits).
# A transform of changes starts from seasonal naive and "none" from persistence, so after one
# epoch the changes won on the hourly temperature alone (validation 0.519 against 0.550),
# though trained in full "none" errs less (0.447) and on the test year the changes' model
# lost to persistence an hour ahead (MAE 1.011 against 0.991; "none" 0.771). After 30 epochs
# "none" ranks first there (0.506-0.510 against 0.517-0.520, seeds 0-2), and the half-hourly
# `taylor` series of the development set keeps its ranking (log of the seasonal difference
# first, as trained in full), its fit within 5-8.5 s as before.
QUICK_EPOCHS = 30
# Validation origins scored per transform, at most (evenly spread over the validation rows).
SCORED_ORIGINS = 2_048
# The transforms are compared on forecasts from the last 40% of each series (at least its
# validation part): on the short series of the development set (`bench_classic`, seed 0) the
# final 10% alone chose the worse transform on 3 of 9 seasonal series (mean MASE ratio to
# seasonal naive 0.97), the final 40% on 2, each close (0.90).
SCORED_FRACTION = 0.4
# "auto" combines the transforms whose validation error is at most this many times the best
# one's (`combined_by_auto`): a transform that failed is left out rather than averaged in. On
# the development set the seasonal candidates' errors lay within 2.0 of each other
# (AirPassengers, where the combination helped most); a pooled "none" on a non-seasonal panel
# of unlike series erred 15 times as much as the difference, and averaged in, it forecast h02
# at MASE 68.
KEEP_WITHIN = 3.0
# After the quick fits of long series, a model of the level ("none", "log") whose error is
# within this factor of a best model of changes is trained in full too, and the one that errs
# less in full is kept (`contenders`). A model of changes starts at seasonal naive and one of
# the level at persistence, so quick fits favour the changes: with a context of 168 rows and
# 64 units on the hourly temperature alone, the seasonal difference led after 30 epochs
# (0.518 against 0.529, seed 0), but in full "none" erred less (0.449 against 0.517), and the
# kept seasonal difference lost to persistence an hour ahead on the test year (MAE 1.006
# against 0.991; "none" 0.765).
LEVEL_WITHIN = 1.1


def is_short(data: SequenceData) -> bool:
    """Whether no series of ``data`` has over `SHORT_ROWS` rows, nor all over `SMALL_ROWS`."""
    return int(data.series_lengths.max()) <= SHORT_ROWS and data.n_timesteps <= SMALL_ROWS


def transform_candidates(
    transform: str | list[str] | tuple[str, ...],
    data: SequenceData,
    target_columns: list[int] | None,
    season: int | None,
    fraction: float,
    plain_history: bool,
) -> list[str]:
    """Return the transforms a fit tries: those given, or those ``"auto"`` compares.

    A list of several is refused for models whose forecasts read more than the history.

    ``"auto"`` compares only in the autoregressive mode (``target_columns`` given), on at
    most `COMPARED_VALUES` target values with validation data, and for models whose forecasts
    read nothing but the history (``plain_history``: no known-future covariates or time
    gaps); otherwise it is ``"none"``.
    """
    if not isinstance(transform, str):
        if len(transform) > 1 and target_columns is not None and not plain_history:
            raise ValueError(
                f"LSTMForecaster.fit: target_transform lists {len(transform)} transforms, whose "
                "models are scored on forecasts from the final rows of each series; a model "
                "with known-future covariates or time gaps would need their values past the "
                "end of the series for that. Give one transform."
            )
        return list(transform)
    if transform != "auto":
        return [transform]
    if target_columns is None or not plain_history:
        return ["none"]
    if data.n_timesteps * len(target_columns) > COMPARED_VALUES:
        return ["none"]
    train, valid = split_series(data.offsets, fraction)
    if valid is None:
        return ["none"]
    observed = None if data.mask is None else data.mask[:, target_columns]
    warn_if_under_two_seasons(data.series_lengths, season)
    learnable = bool(season) and seasonal_changes_in(data, target_columns, train, int(season))
    return candidates(
        data.values[:, target_columns], observed, data.series_lengths, season,
        short=is_short(data), seasonal_changes=learnable,
    )  # fmt: skip


def warn_if_under_two_seasons(lengths: np.ndarray, season: int | None) -> None:
    """Warn where series hold fewer than two seasons: "auto" then tries no seasonal transform.

    The seasonal transforms need two seasons in every series (`target_transform.candidates`);
    one short series takes them from all, and a series of one season teaches no season (a
    trial on 48 monthly means fitted on their first 12 rows: forecasts ran out of the
    training range without a word about the season).
    """
    if not season or season < 2 or int(lengths.min()) >= 2 * season:
        return
    short = int((lengths < 2 * season).sum())
    warnings.warn(
        f"LSTMForecaster.fit: {short} of {len(lengths)} series hold fewer than two seasons "
        f"of seasonal_period_={season} rows (the shortest {int(lengths.min())} rows), so "
        "the season cannot be learnt from them: target_transform='auto' tries no seasonal "
        "transform, for every series, and the forecasts repeat no seasonal pattern. Give "
        f"each series at least {2 * season} rows (or fit the short ones apart), or pass "
        "seasonal_period=None if there is no season.",
        UserWarning,
        stacklevel=4,
    )


def seasonal_changes_in(
    data: SequenceData, columns: list[int], train: Segments, season: int
) -> bool:
    """Whether the training rows ``train`` hold a target's change from one season before.

    Both values observed, in the same series' training rows: a seasonal transform fitted on
    training rows without one would leave the network untrained (a series of two seasons
    with its first months missing, or a large validation fraction). (Observed values are
    finite: `SequenceData` refuses others.)
    """
    long_enough = train.stops - train.starts > season
    if not long_enough.any():
        return False
    if data.mask is None:
        return True
    later = Segments(train.starts[long_enough] + season, train.stops[long_enough])
    rows = later.rows(np.arange(later.n_rows))
    return bool((data.mask[rows][:, columns] & data.mask[rows - season][:, columns]).any())


def combines(
    transform: str | list[str] | tuple[str, ...], names: list[str], data: SequenceData
) -> bool:
    """Return whether a fit keeps a model per transform of ``names`` and combines them.

    A list of several given by the user, or several ``"auto"`` candidates on short series
    (`is_short`: each is trained in full to compare them, so keeping all costs no training).
    """
    return len(names) > 1 and (not isinstance(transform, str) or is_short(data))


def combined_by_auto(name: str, best: str, scores: dict[str, float]) -> bool:
    """Whether ``"auto"`` combines the transform ``name`` with the ``best`` one.

    Only transforms of changes (a difference, seasonal or not, of the targets or their log)
    are combined, and only those whose validation error is at most `KEEP_WITHIN` times the
    best's. Those of changes carry the last level forward, and differ in how (additive or
    multiplicative seasons); a model of the level ("none", "log") reverts into the training
    range, so averaged with one of changes it halves a trend: the annual totals of `gas` (38
    years, MASE against persistence, seeds 0-2) were forecast at 4.18 by the difference,
    138 by the level, 68.6 by their mean (persistence 8.95).

    Examples
    --------
    >>> scores = {"seasonal_difference": 1.0, "log_seasonal_difference": 1.6, "none": 1.1}
    >>> [combined_by_auto(name, "seasonal_difference", scores) for name in scores]
    [True, True, False]
    """
    changes = TRANSFORMS[name][1] is not None and TRANSFORMS[best][1] is not None
    return changes and bool(scores[name] <= KEEP_WITHIN * scores[best])  # NaN: never


def contenders(best: str, scores: dict[str, float]) -> list[str]:
    """Return the transforms trained in full after the quick fits of long series, ``best`` first.

    With a best model of changes, the models of the level whose quick error is at most
    `LEVEL_WITHIN` times its own: quick fits favour the changes, which start nearer their
    final forecasts (seasonal naive, against persistence for the level).

    Examples
    --------
    >>> contenders("seasonal_difference", {"none": 0.529, "seasonal_difference": 0.518})
    ['seasonal_difference', 'none']
    >>> contenders("none", {"none": 0.506, "seasonal_difference": 0.517})
    ['none']
    """
    if TRANSFORMS[best][1] is None:
        return [best]
    close = [name for name, score in scores.items()
             if TRANSFORMS[name][1] is None and score <= LEVEL_WITHIN * scores[best]]  # fmt: skip
    return [best, *close]


Fitted = TypeVar("Fitted")


def best_fit(
    names: list[str],
    fit: Callable[[str, int | None], Fitted],
    error: Callable[[Fitted], float],
    quick: bool = False,
    final: Callable[[str], Fitted] | None = None,
    combine: bool = False,
    keep: Callable[[str, str, dict[str, float]], bool] | None = None,
) -> tuple[Fitted, dict[str, float] | None, list[Fitted]]:
    """Fit with each transform of ``names``; return the best fit, the errors, the fits kept too.

    ``fit(name, epochs)`` fits with the transform ``name`` (``epochs`` None: in full). A single
    name is fitted and returned as it is (no errors: None). Of several, each is fitted in
    full, or with ``quick`` for `QUICK_EPOCHS` (and the best fitted again in full, with the
    `contenders` that came close: the one of least error in full is kept, and their full
    errors replace the quick ones). With
    ``final`` (an ensemble: the comparison fits one member), the kept fit is ``final(best)``
    instead. With ``combine`` (not ``quick``) the other fits are kept too, in the order of
    ``names`` (each ``final(name)`` with ``final``): all, or with ``keep`` those that
    ``keep(name, best, errors)`` accepts; otherwise the rest is empty. Only the best
    fit's warnings reach the caller (those of the others repeat them, or concern models
    thrown away), raised at the line that called the estimator's ``fit`` (`best_fit` is
    called by its ``_fit``). Fits in several threads take turns here (`tsforecast._warnings.LOCK`).
    """
    # Recording warnings swaps process-wide state: fits in several threads at once recorded,
    # and raised again, each other's warnings, which fed back without end (a test of two
    # threads fitting one estimator hung in 3 of 12 runs on a busy machine). One fit at a
    # time records (`tsforecast._warnings`); fits in several threads take turns.
    with _warnings.LOCK:
        return _best_fit(names, fit, error, quick, final, combine, keep)


def _best_fit(
    names: list[str],
    fit: Callable[[str, int | None], Fitted],
    error: Callable[[Fitted], float],
    quick: bool,
    final: Callable[[str], Fitted] | None,
    combine: bool,
    keep: Callable[[str, str, dict[str, float]], bool] | None,
) -> tuple[Fitted, dict[str, float] | None, list[Fitted]]:
    if combine and quick:
        raise ValueError("best_fit: combined fits are each trained in full (quick=False)")
    scores = None
    if len(names) == 1:
        best = names[0]
    else:
        fits, said = {}, {}
        for name in names:
            fits[name], said[name] = _recorded(partial(fit, name, QUICK_EPOCHS if quick else None))
        scores = {name: error(fitted) for name, fitted in fits.items()}
        best = min(scores, key=lambda name: np.nan_to_num(scores[name], nan=np.inf))
        if combine:
            kept = [name for name in names
                    if name == best or keep is None or keep(name, best, scores)]  # fmt: skip
            if final is not None:  # an ensemble of each transform
                for name in kept:
                    fits[name], said[name] = _recorded(partial(final, name))
            others = [fits[name] for name in kept if name != best]
            return _said(fits[best], said[best]), scores, others
        if not quick and final is None:
            return _said(fits[best], said[best]), scores, []
    trained = {}
    for name in contenders(best, scores) if quick and scores else [best]:
        trained[name] = _recorded(
            partial(fit, name, None) if final is None else partial(final, name)
        )
    if len(trained) > 1:  # trained in full: their full errors replace the quick ones
        scores |= {name: error(fitted) for name, (fitted, _) in trained.items()}
        best = min(trained, key=lambda name: np.nan_to_num(scores[name], nan=np.inf))
    return _said(*trained[best]), scores, []


def _recorded(fit: Callable[[], Fitted]) -> tuple[Fitted, list[warnings.WarningMessage]]:
    """Return ``fit()`` and the warnings it raised, recorded rather than shown."""
    with _warnings.recording() as caught:
        fitted = fit()
    return fitted, caught


def _said(fitted: Fitted, caught: list[warnings.WarningMessage]) -> Fitted:
    """Raise the recorded warnings again, and return ``fitted``.

    tsforecast's own are raised at the user's call of ``fit`` (the line to look at); those
    of other libraries (torch...) where they were raised, so that filters by module match.
    """
    for warning in caught:
        if Path(warning.filename).resolve().is_relative_to(PACKAGE):
            # _said <- _best_fit <- best_fit <- LSTMForecaster._fit <- LSTMForecaster.fit <- the
            # caller
            warnings.warn(warning.message, warning.category, stacklevel=6)
        else:
            warnings.warn_explicit(
                warning.message, warning.category, warning.filename, warning.lineno
            )
    return fitted


def validation_error(
    data: SequenceData,
    columns: list[int],
    fraction: float,
    horizon: int,
    season: int | None,
    forecast: Callable[[np.ndarray, np.ndarray, int], np.ndarray],
    at_least: float = SCORED_FRACTION,
) -> float:
    """Mean absolute error of forecasts from the final rows of each series, scaled per series.

    The mean over series and targets of `validation_scores` (NaN where none was scored).
    """
    scores = validation_scores(data, columns, fraction, horizon, season, forecast, at_least)
    return mean_score(scores)


def mean_score(scores: np.ndarray) -> float:
    """Return the mean of `validation_scores` over the series scored (NaN: none was)."""
    scored = scores[np.isfinite(scores).any(axis=1)]
    return float(np.nanmean(scored)) if len(scored) else float("nan")


def validation_scores(
    data: SequenceData,
    columns: list[int],
    fraction: float,
    horizon: int,
    season: int | None,
    forecast: Callable[[np.ndarray, np.ndarray, int], np.ndarray],
    at_least: float = SCORED_FRACTION,
) -> np.ndarray:
    """Scaled MAE of forecasts from the final rows of each series: ``(n_series, n_targets)``.

    Every row of the final ``max(fraction, at_least)`` of each series (by default the
    validation part and the training rows before it, `SCORED_FRACTION`: every candidate is
    scored on the same rows; ``at_least=0``: the validation part alone) is an
    origin, with the row before (at most `SCORED_ORIGINS`, evenly spread);
    ``forecast(firsts, lasts, steps)`` gives the point forecasts ``(n, steps, n_targets)``
    of the target ``columns`` in the data's units. Each step inside the series is scored
    against the truth; each series' and target's MAE is divided by its in-sample
    seasonal-naive MAE on the rows before (MASE). NaN for a series with no origin scored.
    """
    scores = np.full((data.n_series, len(columns)), np.nan)
    train, valid = split_series(data.offsets, max(fraction, at_least))
    if valid is None:
        return scores
    targets = observed_targets(data.values, data.mask, columns)
    lag = season or 1
    series_of = np.searchsorted(data.offsets, valid.starts, side="right") - 1
    firsts, lasts, owner = validation_origins(data.offsets, valid)
    points = forecast(firsts, lasts, horizon)
    rows = lasts[:, None] + 1 + np.arange(horizon)
    inside = rows < valid.stops[owner][:, None]
    truth = targets[np.minimum(rows, len(targets) - 1)]
    errors = np.where(inside[..., None], np.abs(points - truth), np.nan)
    for i, start in enumerate(valid.starts):
        if not (owner == i).any():
            continue
        begin = train.starts[np.searchsorted(train.starts, start, side="right") - 1]
        history = targets[begin:start]
        with _warnings.ignoring(RuntimeWarning, "Mean of empty slice"):  # a target not seen
            scale = np.nanmean(np.abs(history[lag:] - history[:-lag]), axis=0) \
                if len(history) > lag \
                else np.nanmean(np.abs(np.diff(history, axis=0)), axis=0)  # fmt: skip
            scale = np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)
            scores[series_of[i]] = np.nanmean(errors[owner == i], axis=(0, 1)) / scale
    return scores


def validation_origins(
    offsets: np.ndarray, valid: Segments
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the origins of the forecasts scored on the validation parts ``valid``.

    Every row before a validation row of its series is an origin (the row before the part
    included; at most `SCORED_ORIGINS`, evenly spread). Returns each origin's series' first
    row, the origin's row, and the index of its part in ``valid``.

    Examples
    --------
    >>> firsts, lasts, part = validation_origins(
    ...     np.array([0, 10]), Segments(np.array([7]), np.array([10])))
    >>> firsts.tolist(), lasts.tolist(), part.tolist()
    ([0, 0, 0], [6, 7, 8], [0, 0, 0])
    """
    series_of = np.searchsorted(offsets, valid.starts, side="right") - 1
    lasts = np.concatenate(
        [np.arange(a - 1, b - 1) for a, b in zip(valid.starts, valid.stops, strict=True)]
    )
    part = np.repeat(np.arange(len(valid.starts)), valid.stops - valid.starts)
    if len(lasts) > SCORED_ORIGINS:
        kept = np.linspace(0, len(lasts) - 1, SCORED_ORIGINS).round().astype(np.int64)
        lasts, part = lasts[kept], part[kept]
    return offsets[:-1][series_of][part], lasts, part


def observed_targets(values: np.ndarray, mask: np.ndarray | None, columns: list[int]) -> np.ndarray:
    """Return the target ``columns`` of ``values`` as float64, NaN where not observed."""
    targets = values[:, columns].astype(np.float64)
    return targets if mask is None else np.where(mask[:, columns], targets, np.nan)
