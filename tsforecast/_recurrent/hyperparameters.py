"""The forecaster's hyperparameters: what each accepts, and what "auto" resolves to in fit.

`HYPERPARAMETERS` lists the rules `LSTMForecaster.fit` checks, in order; `loss_kind` and
`quantile_levels` resolve the loss and the levels; `resolve` reads the data-dependent
choices (calendar features, time gaps, horizon, season) into `Resolved`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

from tsforecast import _seasons, _spacing, _time
from tsforecast._checks import AutoOr, Choice, Flag, Integer, Real, Rule, show
from tsforecast._recurrent.bounds import BoundsRule
from tsforecast._recurrent.features import stamps_of
from tsforecast._recurrent.intervals import QuantilesRule, with_median
from tsforecast._recurrent.losses import LOSSES
from tsforecast._recurrent.network import CELLS
from tsforecast._recurrent.series_scales import ScaleRule
from tsforecast._recurrent.target_transform import TransformRule
from tsforecast._recurrent.transform_choice import is_short
from tsforecast._segments import split_series
from tsforecast._time_features import TimeFeaturesRule, choose_time_features
from tsforecast.sequences import SequenceData

__all__ = [
    "AUTO_CONTEXT",
    "AUTO_HORIZON",
    "AUTO_QUANTILES",
    "HYPERPARAMETERS",
    "Resolved",
    "loss_kind",
    "quantile_levels",
    "resolve",
]

# Steps forecast at once by an autoregressive model with horizon="auto". Not shortened to
# what a short series' validation rows can score: on the development set (`bench_classic`,
# seeds 0-2) horizons of 12 and 8 forecast AirPassengers, lynx and the 20-region visnights
# worse than 24 (MASE 0.621 / 0.694, 0.754 / 0.776, 1.254 / 1.263 against 0.580, 0.708,
# 1.207); the steps validation cannot reach are warned about instead, where a forecast
# reaches them (`naive_scores.warn_if_forecast_unscored`; at fit for a horizon given).
AUTO_HORIZON = 24
# context_length="auto": rows read, at most; on short series four seasons (or
# `SHORT_CONTEXT` rows without a season), up to `AUTO_CONTEXT`. On the short series of the
# development set (`bench_classic`, seeds 0-2) the quarterly ones forecast better with 16
# rows than with 64 (the 20-region panel: MASE 1.30 against 1.51), the monthly ones the same
# with 48 as with 64, the daily one with 28 (0.87 against 0.88), the yearly lynx with 16
# (0.69 against 0.74): a short series read 64 rows at a time gives few distinct blocks.
AUTO_CONTEXT, SHORT_CONTEXT, CONTEXT_SEASONS = 64, 16, 4
# Fit warns when fewer rows than this, in all series, lie before the validation rows
# (`warn_if_few_rows`): a trial's 16 yearly values, fitted on their first 4, were forecast
# with MASE 6.6 where persistence scored 2.7, and 6 rows forecast 63984, 61444, 66984 for a
# series near 61000, without a word.
MIN_TRAINING_ROWS = 20
# validation_fraction="auto": on short series (`transform_choice.is_short`), and otherwise.
SHORT_VALIDATION, LONG_VALIDATION = 0.2, 0.1
# Quantile levels of quantiles="auto" (with the pinball loss): the median and an 80% interval.
AUTO_QUANTILES = (0.1, 0.5, 0.9)

# The hyperparameters and what each accepts, checked in this order by fit.
HYPERPARAMETERS: dict[str, Rule] = {
    "context_length": AutoOr(Integer()), "horizon": AutoOr(Integer()), "hidden_size": Integer(),
    "num_layers": Integer(), "quantiles": QuantilesRule(),
    "max_epochs": Integer(), "batch_size": Integer(), "batches_per_epoch": Integer(optional=True),
    "cell": Choice(tuple(CELLS)),
    "loss": Choice((*LOSSES, "auto")), "dropout": Real(0.0, 1.0, upper_open=True),
    "learning_rate": Real(0.0, lower_open=True), "weight_decay": Real(0.0),
    "weight_averaging": Real(0.0, 1.0, upper_open=True),
    "validation_fraction": AutoOr(Real(0.0, 1.0, upper_open=True)),
    "patience": Integer(optional=True), "max_time": Real(0.0, lower_open=True, optional=True),
    "n_members": Integer(),
    "scale": ScaleRule(), "time_features": TimeFeaturesRule(),
    "seasonal_period": AutoOr(Integer(minimum=2, optional=True)),
    "seasonal_average": AutoOr(Real(0.0, 1.0)),
    "adaptation_rate": AutoOr(Real(0.0)), "bounds": BoundsRule(), "time_gaps": AutoOr(Flag()),
    "distributed": AutoOr(Flag()), "target_transform": TransformRule(),
    "n_threads": AutoOr(Integer(optional=True)),
}  # fmt: skip


def quantile_levels(quantiles: Any, loss: str) -> Any:
    """Return the ``quantiles`` parameter with "auto" resolved: levels, or None."""
    if isinstance(quantiles, str):  # "auto"
        return AUTO_QUANTILES if loss in ("auto", "pinball") else None
    return quantiles


def loss_kind(quantiles: Any, loss: str) -> str:
    """Return the loss trained: "auto" resolved, checked against ``quantiles``."""
    if quantile_levels(quantiles, loss) is not None:
        if loss not in ("auto", "pinball"):
            raise ValueError(
                f"LSTMForecaster: quantiles={quantiles!r} are trained with the pinball "
                f"loss, so loss={loss!r} cannot train them; use loss='auto' (or "
                "quantiles=None for a point forecast)."
            )
        return "pinball"
    if loss == "pinball":
        raise ValueError(
            "LSTMForecaster: loss='pinball' trains quantile levels; give them, e.g. "
            "quantiles=(0.1, 0.5, 0.9), or choose another loss."
        )
    return "mae" if loss == "auto" else loss


@dataclass(frozen=True)
class Resolved:
    """The data-dependent choices of a fit (the estimator's ``*_`` attributes of them)."""

    time_features: list[str]
    time_gaps: bool
    horizon: int
    quantiles: tuple[float, ...] | None
    seasonal_period: int | None
    validation_fraction: float
    context_length: int


def resolve(params: dict[str, Any], data: SequenceData, autoregressive: bool) -> Resolved:
    """Resolve "auto" in ``params`` (the estimator's parameters) for ``data``."""
    sample = _time.sample_times(data)  # the first rows: enough for the step and season
    time_features = choose_time_features(params["time_features"], sample)
    if params["time_gaps"] == "auto":
        time_gaps = _time.is_irregular(data)
        if time_gaps:
            warn_if_missing_periods(data)
    else:
        time_gaps = bool(params["time_gaps"])
        if time_gaps:
            stamps_of(data, "LSTMForecaster.fit")  # refuses data without time stamps
    if not time_gaps and data.n_series > 1:
        warn_if_mixed_steps(data)
    horizon = params["horizon"]
    if horizon == "auto":
        horizon = AUTO_HORIZON if autoregressive else 1
    levels = quantile_levels(params["quantiles"], params["loss"])
    season = params["seasonal_period"]
    if season == "auto":
        season = _seasons.seasonal_period(sample, data.offsets)
    short = is_short(data)
    fraction = params["validation_fraction"]
    if fraction == "auto":
        fraction = SHORT_VALIDATION if short else LONG_VALIDATION
    warn_if_few_rows(data, float(fraction))
    context = params["context_length"]
    if context == "auto":
        context = AUTO_CONTEXT
        if short:
            seasons = CONTEXT_SEASONS * season if season and season > 1 else SHORT_CONTEXT
            context = min(AUTO_CONTEXT, seasons)
    return Resolved(
        time_features=time_features,
        time_gaps=time_gaps,
        horizon=int(horizon),
        quantiles=None if levels is None else with_median(levels),
        seasonal_period=None if season is None else int(season),
        validation_fraction=float(fraction),
        context_length=int(context),
    )


def warn_if_mixed_steps(data: SequenceData) -> None:
    """Warn where the series of a panel step at different spacings (months and quarters).

    One model reads a row as one step of every series: the season, read from the first
    series, and its seasonal transforms would apply to all (a lag of 12 rows is three years of
    quarters), and which series sorts first would decide them.
    """
    found = _spacing.mixed_steps(data)
    if found is None:
        return
    (short, short_hours), (long, long_hours) = found
    warnings.warn(
        f"LSTMForecaster: the series of X step at different spacings: series {show(short)} "
        f"has rows {_spacing.duration(short_hours)} apart, series {show(long)} "
        f"{_spacing.duration(long_hours)} apart. One model reads a row as one step of every "
        "series, so the season and the seasonal transforms read from one series apply to "
        "all. Fit one model per spacing, or resample the series to one spacing.",
        UserWarning,
        stacklevel=6,  # warn <- this <- resolve <- _learn_columns <- _fit <- fit <- caller
    )


def warn_if_missing_periods(data: SequenceData) -> None:
    """Warn where calendar periods are missing from series that ``time_gaps`` reads as irregular.

    Quarter starts with two quarters missing read as an irregular series: the model reads
    the time between rows, and no season (its seasonal transforms count rows). Where those
    periods are missing values, the fix is to give them as rows of NaN.
    """
    found = _time.missing_period_advice(data)
    if found is None:
        return
    name, missing, fix = found
    warnings.warn(
        f"LSTMForecaster: X's time stamps lie on the calendar frequency {name} with "
        f"{missing} period(s) missing between them, so the model reads irregular series "
        "(time_gaps_=True), without seasonal transforms (they count rows). If those periods "
        f"are missing values, give them as rows of NaN: {fix} (a panel: each series "
        "reindexed so); the model then reads the season, and the missing values count in no "
        "loss. Pass "
        "time_gaps=True to read irregular series without this warning.",
        UserWarning,
        stacklevel=6,  # warn <- this <- resolve <- _learn_columns <- _fit <- fit <- caller
    )


def warn_if_few_rows(data: SequenceData, fraction: float) -> None:
    """Warn where the series hold fewer than `MIN_TRAINING_ROWS` rows before validation."""
    train = split_series(data.offsets, fraction)[0]
    rows = data.n_timesteps if train is None else train.n_rows
    if rows >= MIN_TRAINING_ROWS:
        return
    warnings.warn(
        f"LSTMForecaster.fit: the series hold {rows} row(s) to train on before their "
        f"validation rows ({data.n_timesteps} in all), too few to learn a forecast from: "
        "the forecasts are the starting forecaster's at best (persistence, a line) and may "
        "swing from step to step. Compare with Persistence or SeasonalNaive "
        f"(tsforecast.backtest), or give at least {MIN_TRAINING_ROWS} rows of history.",
        UserWarning,
        stacklevel=6,  # warn <- this <- resolve <- _learn_columns <- _fit <- fit <- caller
    )
