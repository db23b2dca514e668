"""What fit learns from the held-out (validation) rows after training.

`check_held_out` calibrates the quantile intervals on the held-out forecasts (conformalised
quantile regression) and scores the network beside the naive forecasters there, saying
(`HeldOutCheck.losing`) when it loses to them.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from tsforecast._recurrent.intervals import conformal_margins
from tsforecast._recurrent.naive_scores import (
    baseline_scores,
    losing_message,
    score_table,
    warn_if_unscored,
)
from tsforecast._recurrent.paths import quantile_paths, truth_paths
from tsforecast._recurrent.pooled_calibration import Domination, dominating_series
from tsforecast._recurrent.problem import TrainingProblem
from tsforecast._recurrent.training import FittedNetwork

__all__ = ["HeldOutCheck", "check_held_out"]


@dataclass(frozen=True)
class HeldOutCheck:
    """The calibration and the naive scores of a fitted network.

    See ``LSTMForecaster.conformal_margins_`` and ``baseline_scores_``; None where there is
    nothing to calibrate or score. ``losing``: the warning to give where the network does
    not beat the naive forecasters (`naive_scores.losing_message`), None where it does;
    `fit` gives it once it knows whether its forecasts are the network's alone.
    ``dominating``: the series of a panel whose validation errors set every series'
    intervals (`pooled_calibration.dominating_series`).
    """

    conformal_margins: np.ndarray | None
    baseline_scores: dict[str, list[float | None]] | None
    losing: str | None = None
    dominating: tuple[Domination, ...] = ()


def check_held_out(
    fitted: FittedNetwork,
    problem: TrainingProblem,
    offsets: np.ndarray,
    levels: tuple[float, ...] | None,
    target_scale: np.ndarray,
    season: int | None,
    *,
    autoregressive: bool,
    verbose: bool,
    changes_of: tuple[np.ndarray, np.ndarray | None, int] | None = None,
    lag: int = 0,
    warn_unscored: bool = True,
    transform: str | None = None,
) -> HeldOutCheck:
    """Calibrate the intervals and score the naive baselines on the validation data.

    ``levels``: the quantile levels (None: a point model); ``target_scale``: the targets'
    training scales (the margins come back in their units); ``season``: the seasonal naive
    baseline's period; ``verbose``: print the score table; ``changes_of``: for targets
    forecast as their changes, what the changes are taken of, where the data was observed,
    and the lag (`baseline_scores`); ``lag``: for targets forecast as their changes, the
    lag they are taken over: the intervals are calibrated on the paths the changes add up
    to (`paths`), as forecasts give them; ``warn_unscored``: warn of the horizon's steps
    no validation truth reached (a horizon the user chose; with horizon="auto" a forecast
    warns where it reaches them, `naive_scores.warn_if_forecast_unscored`); ``transform``:
    the network's target transform, named in the printed table.
    """
    validator = fitted.validator
    if validator is None:
        if levels is not None:
            warnings.warn(
                "LSTMForecaster: validation_fraction=0 leaves no held-out data to calibrate "
                "the quantile intervals; they are the raw quantiles, often too narrow. "
                "Keep validation_fraction > 0 for calibrated intervals.",
                UserWarning,
                stacklevel=4,
            )
        return HeldOutCheck(None, None)
    outputs = validator.outputs()
    rows, truth, weight = validator.held_out()
    margins, dominating = None, ()
    if levels is not None:
        quantiles, outcomes, counted = outputs.cpu().numpy(), truth, weight
        if lag:  # forecasts of changes: calibrated on the paths they add up
            quantiles = quantile_paths(quantiles, levels.index(0.5), lag)
            outcomes, counted = truth_paths(truth, weight, lag)
        table = conformal_margins(quantiles, outcomes, counted, levels)
        margins = table * target_scale
        series = np.searchsorted(offsets, rows, side="right") - 1
        dominating = tuple(dominating_series(quantiles, outcomes, counted, levels, series, table))
    if not autoregressive:
        return HeldOutCheck(margins, None, dominating=dominating)
    scores, counts = baseline_scores(
        outputs, fitted.module, problem, rows, truth, weight, offsets, fitted.start, season,
        *(changes_of or (None, None, 0)),
    )  # fmt: skip
    if verbose:
        print(score_table(scores, transform))
    if warn_unscored:
        warn_if_unscored(scores)
    kept_start = fitted.best_epoch == 0  # fit said so; the start is within noise of the best
    losing = losing_message(scores, len(scores["model"]), counts.min(axis=-1), kept_start)
    return HeldOutCheck(margins, scores, losing, dominating)
