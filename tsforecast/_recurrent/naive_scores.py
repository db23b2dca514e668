"""The naive forecasters a fitted network must beat, scored on the validation data.

`baseline_scores`: the validation MAE of the network, persistence, seasonal naive and the
least-squares line, per horizon step, on the same rows; `losing_steps` and `losing_message`
say where the network does not beat the best of them, `score_table` prints them.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import torch

from tsforecast._recurrent.naive_start import SELECTION_VALUES, Start, apply_linear, masked_mae
from tsforecast._recurrent.network import RecurrentNet
from tsforecast._recurrent.paths import added_to_bases
from tsforecast._recurrent.problem import TrainingProblem

__all__ = [
    "BASELINES",
    "NOISE_MARGIN",
    "baseline_scores",
    "losing_message",
    "losing_overall",
    "losing_steps",
    "score_table",
    "unscored_steps",
    "warn_if_forecast_unscored",
    "warn_if_unscored",
]

# On fewer than `SELECTION_VALUES` validation values a step, two forecasters' errors 10%
# apart are not told apart (`naive_start`): a network whose summed MAE is within this
# factor of a naive forecaster's is not said to lose to it. (AirPassengers, fitted as
# `bench_classic` fits it, was told to forecast with least squares, 9.7 against 9.45, while
# it forecast the test years at MASE 0.58 against seasonal naive's 1.52.)
NOISE_MARGIN = 1.1

BASELINES = ("persistence", "seasonal_naive", "linear")


def baseline_scores(
    outputs: torch.Tensor,
    module: RecurrentNet,
    problem: TrainingProblem,
    rows: np.ndarray,
    truth: np.ndarray,
    weight: np.ndarray,
    offsets: np.ndarray,
    start: Start,
    season: int | None,
    levels: np.ndarray | None = None,
    level_observed: np.ndarray | None = None,
    lag: int = 0,
) -> tuple[dict[str, list[float | None]], np.ndarray]:
    """Score the network and the naive forecasters on the validation data: MAE per step.

    Autoregressive models only. Errors are in standardised units (each target's error divided
    by its training standard deviation), averaged over the observed targets, so that several
    targets add up; for one target, multiply by its scale for the data's units. Every
    forecaster is scored on the same rows: with a season, only the rows with a full season of
    history in their series count (when at least one has).

    For targets forecast as their changes (``lag`` > 0: a target transform's difference),
    persistence and seasonal naive are those of the data, not of the changes (persistence of
    a seasonal change is seasonal naive with last season's change), and every forecaster's
    error is that of the level its changes add up to: the data's (its log for a log
    transform; divided by each series' scale with per-series scales), in standard deviations
    of the changes. Monthly El Nino temperatures forecast as seasonal changes: seasonal naive
    scored 1.48 as "last year's change repeated", 1.01 as the data's.

    Parameters
    ----------
    outputs : Tensor of shape (n, horizon, n_quantiles, n_targets)
        The network's outputs at ``rows``.
    module : RecurrentNet
        The network (its point forecast is the median level).
    problem : TrainingProblem
    rows : ndarray of shape (n,)
        The rows forecast from (the last row seen).
    truth, weight : ndarrays of shape (n, horizon, n_targets)
        The standardised truth and which of it counts.
    offsets : ndarray
        Series offsets of the rows.
    start : Start
        The least-squares line among the baselines.
    season : int or None
        Rows per season of the seasonal naive forecaster (None: not scored).
    levels : ndarray of shape (n_rows, n_targets), optional
        What the changes are taken of, at every row (`TargetTransform.levels`); with ``lag``.
    level_observed : bool ndarray of shape (n_rows, n_targets), optional
        Where the data's targets were observed (a level error counts there).
    lag : int
        Rows between a value and the one its change is taken from (0: targets as they are).

    Returns
    -------
    scores : dict
        ``{"model": [...], "persistence": [...], "seasonal_naive": [...], "linear": [...]}``,
        one MAE per step (None where nothing was scored).
    counts : ndarray of shape (horizon, n_targets)
        The values scored at each step.
    """
    horizon = truth.shape[1]
    columns = list(problem.target_columns)
    scaler = problem.inputs.columns(columns)
    inputs = problem.inputs.transform(problem.readable[rows])
    forecasts = {
        "model": module.point(outputs).cpu().numpy(),
        "persistence": np.broadcast_to(inputs[:, None, columns], truth.shape),
        "seasonal_naive": None,
        "linear": None if start.linear is None else apply_linear(start.linear, inputs),
    }
    counts = weight
    at = np.searchsorted(offsets, rows, side="right") - 1
    series_start, series_stop = offsets[at], offsets[at + 1]
    source = None
    if season is not None:
        # Step h from origin o = row + 1 repeats row o - season + (h mod season).
        source = rows[:, None] + 1 - season + np.arange(horizon) % season
        has_season = source >= series_start[:, None]
        if has_season.any():
            picked = (np.maximum(source, 0)[..., None], np.asarray(columns)[None, None, :])
            forecasts["seasonal_naive"] = scaler.transform(problem.readable[picked])
            counts = weight & has_season[..., None]
        else:
            source = None
    if levels is not None and lag:
        return _level_scores(
            forecasts, scaler, (levels, level_observed), rows, (series_start, series_stop),
            source, lag,
        )  # fmt: skip
    scores = {}
    for name, forecast in forecasts.items():
        if forecast is None:
            scores[name] = [None] * horizon
            continue
        mae = masked_mae(forecast - truth, counts, (0, 2))
        scores[name] = [None if np.isnan(v) else float(v) for v in mae]
    return scores, counts.sum(axis=0)


def _level_scores(
    forecasts: dict[str, np.ndarray | None],
    scaler: Any,
    data_levels: tuple[np.ndarray, np.ndarray | None],
    rows: np.ndarray,
    bounds: tuple[np.ndarray, np.ndarray],
    source: np.ndarray | None,
    lag: int,
) -> tuple[dict[str, list[float | None]], np.ndarray]:
    """Score forecasts of changes on the levels they add up to, beside the data's naive ones.

    ``forecasts``: the network's and the line's standardised changes; ``data_levels``: what
    the changes are taken of and where the data was observed; ``bounds``: the first and stop
    rows of each origin's series; ``source``: the rows seasonal naive repeats (None: not
    scored). A level error counts where the data is observed at that step (its own series)
    and, up to step ``lag``, the history value the change is added to lies in the series.
    Errors are in standard deviations of the changes.
    """
    levels, observed = data_levels
    horizon = next(f for f in forecasts.values() if f is not None).shape[1]
    ahead = rows[:, None] + 1 + np.arange(horizon)  # (n, horizon)
    base_rows = ahead - lag
    counts = (ahead < bounds[1][:, None]) & (
        (base_rows >= bounds[0][:, None]) | (base_rows > rows[:, None])
    )
    ahead = np.minimum(ahead, len(levels) - 1)
    counts = counts[..., None] & np.isfinite(levels[ahead])
    if observed is not None:
        counts &= observed[ahead]
    truth = levels[ahead]
    # the history each change up to step `lag` is added to (before the series: not counted)
    known = levels[np.maximum(rows[:, None] + 1 + np.arange(min(horizon, lag)) - lag, 0)]
    predicted = {
        "persistence": np.broadcast_to(levels[rows][:, None, :], truth.shape),
        "seasonal_naive": None if source is None else levels[np.maximum(source, 0)],
    }
    for name in ("model", "linear"):
        changes = forecasts[name]
        predicted[name] = None if changes is None else added_to_bases(
            scaler.inverse(changes), known, lag
        )  # fmt: skip
    if source is not None:
        counts &= (source >= bounds[0][:, None])[..., None]
    scores = {}
    for name in forecasts:
        if predicted[name] is None:
            scores[name] = [None] * horizon
            continue
        mae = masked_mae((predicted[name] - truth) / scaler.scale, counts, (0, 2))
        scores[name] = [None if np.isnan(v) else float(v) for v in mae]
    return scores, counts.sum(axis=0)


def losing_steps(
    scores: dict[str, list[float | None]], margin: float = 1.0
) -> list[tuple[int, str, float, float]]:
    """Find the steps where the network does not beat the best naive forecaster.

    ``margin``: found losing only where it errs more than ``margin`` times the best (1: any
    loss, or a tie above 0 error).

    Returns
    -------
    list of (step, baseline, model MAE, baseline MAE)
        Steps counted from 1; the best baseline at that step.
    """
    losing = []
    for h, model in enumerate(scores["model"]):
        candidates = [(scores[name][h], name) for name in BASELINES if scores[name][h] is not None]
        if model is None or not candidates:
            continue
        best, name = min(candidates)
        if model > margin * best or (margin == 1 and model == best > 0):  # 0 = 0: both exact
            losing.append((h + 1, name, model, best))
    return losing


def score_table(scores: dict[str, list[float | None]], transform: str | None = None) -> str:
    """Format the scores as a table: one row per step, with the ratio to the best baseline.

    ``transform``: the target transform of the network scored, said in the title (a fit that
    chooses among transforms prints a table for each).
    """
    names = ["model", *BASELINES]
    of = f", target_transform={transform!r}" if transform else ""
    lines = [
        f"validation MAE per step ahead (standard deviations of the target, or of its changes{of})",
        "step " + " ".join(f"{name:>14}" for name in [*names, "model/best"]),
    ]
    horizon = len(scores["model"])
    reached = [h for h in range(horizon) if any(scores[n][h] is not None for n in names)]
    shown = reached[-1] + 1 if reached else 0  # steps past the last scored: one line
    for h in range(shown):
        cells = [scores[name][h] for name in names]
        known = [v for v in cells[1:] if v is not None]
        ratio = cells[0] / min(known) if known and cells[0] is not None and min(known) > 0 else None
        lines.append(
            f"{h + 1:>4} "
            + " ".join(f"{'-' if v is None else f'{v:.4f}':>14}" for v in [*cells, ratio])
        )
    if shown < horizon:
        steps = f"steps {shown + 1}-{horizon}" if shown + 1 < horizon else f"step {horizon}"
        lines.append(f"{steps}: no validation row that far ahead (not scored)")
    return "\n".join(lines)


# What a step validation never reached lacks, as warnings say it.
UNCHECKED = (
    "so their forecasts were not checked against the naive forecasters and their intervals "
    "were not calibrated on any outcome (they take the margins of the nearest step "
    "calibrated, if any)"
)


def unscored_steps(scores: dict[str, list[float | None]] | None) -> list[int]:
    """Return the horizon steps (from 1) no validation truth reached: never checked.

    Examples
    --------
    >>> unscored_steps({"model": [0.5, 0.7, None, None]})
    [3, 4]
    """
    if scores is None:
        return []
    return [step for step, value in enumerate(scores["model"], start=1) if value is None]


def warn_if_unscored(scores: dict[str, list[float | None]]) -> None:
    """Warn when some steps of the horizon ``fit`` was given have no validation truth.

    Forecasts that far ahead were not compared with the naive forecasters, and their
    intervals were calibrated on no outcome: say so, rather than trust them silently.
    (`warn_if_forecast_unscored` says it where a forecast reaches them.)
    """
    unscored = unscored_steps(scores)
    if unscored:
        scored = len(scores["model"]) - len(unscored)
        checked = f" The other {scored} steps were checked." if scored else ""
        warnings.warn(
            f"LSTMForecaster: {len(unscored)} of the {len(scores['model'])} horizon steps "
            f"(steps {unscored[0]} to {unscored[-1]}) have no validation row that far ahead, "
            f"{UNCHECKED}.{checked} To check them, hold out more of each series "
            "(validation_fraction); a shorter horizon only hides them (trained on fewer "
            "steps ahead, the short series measured forecast worse).",
            RuntimeWarning,
            stacklevel=5,
        )


def warn_if_forecast_unscored(
    scores: dict[str, list[float | None]] | None, steps: int, owner: str, stacklevel: int
) -> None:
    """Warn where forecasts of ``steps`` steps reach steps no validation truth reached.

    The horizon="auto" of a short series holds such steps (`hyperparameters.AUTO_HORIZON`):
    a forecast that stays within the checked steps is not warned about; one that reaches
    beyond is, naming the steps (``stacklevel``: the user's call). Steps past the horizon
    (point forecasts fed back) were never checked either.
    """
    if scores is None:
        return
    horizon = len(scores["model"])  # past it, points fed back: never checked either
    unscored = [s for s in unscored_steps(scores) if s <= steps] + list(
        range(horizon + 1, steps + 1)
    )
    if not unscored:
        return
    scored = unscored[0] - 1
    checked = f"only the first {scored} were" if scored else "none was"
    shorter = f", or forecast at most {scored} steps" if scored else ""
    one = unscored[0] == steps
    which = f"step {steps}" if one else f"steps {unscored[0]} to {steps}"
    where = "further ahead than any validation row reached at fit"
    fix = "refit holding out more of each series (validation_fraction)"
    if unscored[0] > horizon:  # every step of the horizon checked: only the ones past it
        where, fix = f"past horizon_={horizon} (forecasts fed back)", f"refit with horizon={steps}"
    warnings.warn(
        f"{owner}: {which} of these {steps}-step forecasts {'lies' if one else 'lie'} {where}, "
        f"{UNCHECKED}; {checked} checked. To check them, {fix}{shorter}.",
        RuntimeWarning,
        stacklevel=stacklevel,
    )


def losing_overall(
    scores: dict[str, list[float | None]], margin: float = 1.0
) -> tuple[str, float, float, int] | None:
    """Find the naive forecaster the network errs most against over all steps, if any.

    Each baseline is compared on the steps that score it and the network, by the MAE summed
    over them. Returns (baseline, model sum, baseline sum, steps) of the largest ratio above
    ``margin``, or None where the network errs no more than ``margin`` times each baseline.
    """
    found, worst = None, margin
    for name in BASELINES:
        steps = [h for h, value in enumerate(scores[name])
                 if value is not None and scores["model"][h] is not None]  # fmt: skip
        if not steps:
            continue
        model = sum(scores["model"][h] for h in steps)
        baseline = sum(scores[name][h] for h in steps)
        ratio = model / baseline if baseline > 0 else (np.inf if model > 0 else 1.0)
        if ratio > worst:
            found, worst = (name, model, baseline, len(steps)), ratio
    return found


def losing_message(
    scores: dict[str, list[float | None]],
    horizon: int,
    counts: np.ndarray | None = None,
    kept_start: bool = False,
) -> str | None:
    """Say where the network does not beat the best naive forecaster at some step, if it does not.

    ``counts``: the held-out values per step (the fewest of any target). Where some scored
    step has fewer than `SELECTION_VALUES` (a short series' validation), the best naive
    forecaster of a step is picked from noise, and the network would be found losing at some
    step almost always: it is then judged over all steps, against each baseline's MAE summed
    over the steps that score both (as the start is chosen, `naive_start.start_weights`),
    and found losing where it errs more than `NOISE_MARGIN` times a baseline's.
    ``kept_start``: no epoch improved on the start, which the model keeps; fit has said so.
    The start is the best naive forecaster per step and target, its median offset by that
    forecaster's median residual and chosen on a sample: within `NOISE_MARGIN` of the best
    at a step it is that forecaster, and found losing only beyond.
    Returns the warning's text, or None where the network wins. `fit` warns with it unless
    the forecasts it gives are not the network's alone (``seasonal_average``), which it
    judges instead (`combined_check`).
    """
    scored = [h for h, value in enumerate(scores["model"]) if value is not None]
    fewest = None if counts is None or not scored else int(np.min(np.asarray(counts)[scored]))
    if fewest is not None and fewest < SELECTION_VALUES:
        found = losing_overall(scores, NOISE_MARGIN)
        if not found:
            return None
        name, model, best, steps = found
        return (
            f"LSTMForecaster: on the validation data the network does not beat the best "
            f"naive forecaster over the {steps} steps that score both: its MAE summed "
            f"over them is {model:.4g} against {best:.4g} for {name} (in standard "
            f"deviations; as few as {fewest} held-out value(s) at a step, too few to judge "
            "step by step or to tell apart errors within 10%). See baseline_scores_; "
            "more data or epochs may help, or forecast with the baseline."
        )
    losing = losing_steps(scores, NOISE_MARGIN if kept_start else 1.0)
    if not losing:
        return None
    step, name, model, best = max(losing, key=lambda item: item[2] - item[3])
    what = (
        "the starting forecaster the model keeps (no epoch improved on it) errs more than "
        f"{NOISE_MARGIN - 1:.0%} above the best naive forecaster"
        if kept_start
        else "the network does not beat the best naive forecaster"
    )
    return (
        f"LSTMForecaster: on the validation data {what} at {len(losing)} of {horizon} steps "
        f"ahead; worst at step {step}, where its MAE is {model:.4g} against {best:.4g} for "
        f"{name} (in standard deviations). See baseline_scores_; more data, another "
        "context_length or more epochs may help, or forecast with the baseline."
    )
