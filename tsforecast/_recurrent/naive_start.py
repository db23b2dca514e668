"""The naive forecasters a network must beat: its starting point and its final check.

- `start_network`: the network's skip becomes, per horizon step and target, the better of
  persistence ("no change") and the least-squares line on the current row, with each quantile
  level offset by that forecaster's residual quantile. The untrained network is then the best
  of these, and training (which keeps the starting weights unless an epoch beats them on the
  validation data) can only improve on it.
- `baseline_scores`: the validation MAE of the network, persistence, seasonal naive and the
  least-squares line, per horizon step, on the same rows.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from tsforecast._recurrent.network import RecurrentNet, least_squares
from tsforecast._recurrent.problem import TrainingProblem, rows_and_futures, skip_pairs
from tsforecast._segments import Segments, stops_of

__all__ = [
    "BASELINES",
    "Start",
    "baseline_scores",
    "losing_steps",
    "score_table",
    "start_network",
]

BASELINES = ("persistence", "seasonal_naive", "linear")
# Rows x steps x targets read to choose the start and its quantile offsets (a random sample).
START_SAMPLE_VALUES = 1 << 16
# The least-squares start reads every training row up to this many, a random sample of them
# beyond (on data larger than memory, a pass over all rows would cost more than the training).
LEAST_SQUARES_ROWS = 1 << 20


@dataclass(frozen=True)
class Start:
    """The naive forecaster a network started from.

    Attributes
    ----------
    linear : Tensor of shape (n_inputs + 1, horizon, n_targets), float64, or None
        The least-squares line on the current (standardised) row, per step; None when no
        training row had a target.
    persistence : bool ndarray of shape (horizon, n_targets), or None
        Where persistence was the start (it had the lower MAE on the training rows); None in
        supervised mode, where the targets are not among the inputs.
    """

    linear: torch.Tensor | None
    persistence: np.ndarray | None


def _persistence_solution(n_inputs: int, columns: list[int], horizon: int) -> torch.Tensor:
    """Coefficients that repeat each target's current value at every step."""
    solution = torch.zeros(n_inputs + 1, horizon, len(columns), dtype=torch.float64)
    for j, column in enumerate(columns):
        solution[column, :, j] = 1.0
    return solution


def _apply(solution: torch.Tensor, inputs: np.ndarray) -> np.ndarray:
    """Forecasts ``(n, horizon, n_targets)`` of the linear map ``solution`` on standardised rows."""
    weights = solution.cpu().numpy()
    return np.einsum("ni,iht->nht", inputs, weights[:-1]) + weights[-1]


def _masked_mae(errors: np.ndarray, weight: np.ndarray, axis: Any) -> np.ndarray:
    """Mean absolute error over ``axis`` where ``weight`` is True (NaN where nothing counts)."""
    count = weight.sum(axis=axis)
    total = np.where(weight, np.abs(errors), 0.0).sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def start_network(
    module: RecurrentNet,
    problem: TrainingProblem,
    segments: Segments,
    levels: tuple[float, ...] | None,
    rng: np.random.Generator,
    device: torch.device,
    held_out: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> Start:
    """Set the network's skip to the best naive forecaster of the rows in ``segments``.

    Per horizon step and target: least squares on the current row (fitted on all rows of
    ``segments`` in chunks, or on about `LEAST_SQUARES_ROWS` drawn at random from more), or
    persistence where its MAE is lower (on series that repeat their value, or shift level,
    "no change" beats a line pulled toward the mean). The MAE is
    measured on ``held_out`` (the validation forecasts: rows, standardised truth and weight,
    as `validation_targets` gives them) when given, else on a random sample of the rows. With
    quantile ``levels``, every level but the median starts at that forecaster plus the level's
    quantile of its residuals on a random sample of the rows; the median starts at the
    forecaster itself, so the untrained network's point forecast is exactly the chosen one.

    Returns
    -------
    Start
    """
    horizon = module.output.horizon
    keep = None
    if segments.n_rows > LEAST_SQUARES_ROWS:
        keep = (LEAST_SQUARES_ROWS / segments.n_rows, rng)
    linear = least_squares(
        skip_pairs(problem, segments, horizon, device, keep), horizon,
        first_step=problem.first_step,
    )  # fmt: skip
    if linear is None:
        return Start(None, None)  # nothing to fit: keep the default initialisation
    linear = linear.cpu()
    n_targets = module.output.n_targets
    rows = segments.sample(max(64, START_SAMPLE_VALUES // (horizon * n_targets)), rng)
    inputs, targets, weight = rows_and_futures(
        problem, rows, stops_of(rows, segments.starts, segments.stops), horizon
    )
    chosen, persistence = linear, None
    if problem.targets is None:  # autoregressive: persistence is a candidate
        judged = (inputs, targets, weight)
        if held_out is not None and held_out[2].any():
            held_rows, truth, counts = held_out
            judged = (problem.inputs.transform(problem.readable[held_rows]), truth, counts)
        repeat = _persistence_solution(inputs.shape[1], list(problem.target_columns), horizon)
        if problem.first_step is not None:  # and the effect of the known-future inputs
            repeat = repeat + _ahead_on_changes(problem, segments, horizon, device, keep)
        line_mae, repeat_mae = (
            _masked_mae(_apply(candidate, judged[0]) - judged[1], judged[2], axis=0)
            for candidate in (linear, repeat)
        )
        persistence = np.nan_to_num(repeat_mae, nan=np.inf) < np.nan_to_num(line_mae, nan=np.inf)
        chosen = torch.where(torch.from_numpy(persistence), repeat, linear)
    offsets = None
    if levels is not None:
        residuals = np.where(weight, targets - _apply(chosen, inputs), np.nan)
        with warnings.catch_warnings():  # a step no sampled row reaches: offset 0
            warnings.filterwarnings("ignore", "All-NaN slice", RuntimeWarning)
            spread = np.nanquantile(residuals, levels, axis=0)  # (n_levels, horizon, targets)
        spread[list(levels).index(0.5) if 0.5 in levels else []] = 0.0
        offsets = torch.from_numpy(np.nan_to_num(spread).transpose(1, 0, 2).copy())
    module.set_skip(chosen.float().to(device), None if offsets is None else offsets.float())
    return Start(linear=linear, persistence=persistence)


def _ahead_on_changes(
    problem: TrainingProblem,
    segments: Segments,
    horizon: int,
    device: torch.device,
    keep: tuple[float, np.random.Generator] | None = None,
) -> torch.Tensor:
    """Least squares of each step's change from the current value on the known-future inputs.

    Persistence plus this is "no change, but for what the known-future covariates (doses,
    schedules, time gaps) imply": the coefficients of the ``ahead`` columns (up to each
    step's own row) and an intercept; zero for every other column.
    """
    columns = list(problem.target_columns)
    first_step = np.where(problem.first_step > 0, problem.first_step, horizon + 1)

    def changes():
        for inputs, targets, weight in skip_pairs(problem, segments, horizon, device, keep):
            yield inputs, targets - inputs[:, None, columns], weight

    fitted = least_squares(changes(), horizon, first_step=first_step)
    n_inputs = len(problem.first_step)
    if fitted is None:
        return torch.zeros(n_inputs + 1, horizon, len(columns), dtype=torch.float64)
    return fitted.cpu()


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
) -> dict[str, list[float | None]]:
    """Score the network and the naive forecasters on the validation data: MAE per step.

    Autoregressive models only. Errors are in standardised units (each target's error divided
    by its training standard deviation), averaged over the observed targets, so that several
    targets add up; for one target, multiply by its scale for the data's units. Every
    forecaster is scored on the same rows: with a season, only the rows with a full season of
    history in their series count (when at least one has).

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

    Returns
    -------
    dict
        ``{"model": [...], "persistence": [...], "seasonal_naive": [...], "linear": [...]}``,
        one MAE per step (None where nothing was scored).
    """
    horizon = truth.shape[1]
    columns = list(problem.target_columns)
    scaler = problem.inputs.columns(columns)
    inputs = problem.inputs.transform(problem.readable[rows])
    forecasts = {
        "model": module.point(outputs).cpu().numpy(),
        "persistence": np.broadcast_to(inputs[:, None, columns], truth.shape),
        "seasonal_naive": None,
        "linear": None if start.linear is None else _apply(start.linear, inputs),
    }
    counts = weight
    if season is not None:
        # Step h from origin o = row + 1 repeats row o - season + (h mod season).
        source = rows[:, None] + 1 - season + np.arange(horizon) % season
        series_start = offsets[np.searchsorted(offsets, rows, side="right") - 1]
        has_season = source >= series_start[:, None]
        if has_season.any():
            picked = (np.maximum(source, 0)[..., None], np.asarray(columns)[None, None, :])
            forecasts["seasonal_naive"] = scaler.transform(problem.readable[picked])
            counts = weight & has_season[..., None]
    scores = {}
    for name, forecast in forecasts.items():
        if forecast is None:
            scores[name] = [None] * horizon
            continue
        mae = _masked_mae(forecast - truth, counts, (0, 2))
        scores[name] = [None if np.isnan(v) else float(v) for v in mae]
    return scores


def losing_steps(scores: dict[str, list[float | None]]) -> list[tuple[int, str, float, float]]:
    """Find the steps where the network does not beat the best naive forecaster.

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
        if model > best or (model == best and best > 0):  # ties at 0 error: both exact
            losing.append((h + 1, name, model, best))
    return losing


def score_table(scores: dict[str, list[float | None]]) -> str:
    """Format the scores as a table: one row per step, with the ratio to the best baseline."""
    names = ["model", *BASELINES]
    lines = [
        "validation MAE (standard deviations) per step ahead",
        "step " + " ".join(f"{name:>14}" for name in [*names, "model/best"]),
    ]
    for h in range(len(scores["model"])):
        cells = [scores[name][h] for name in names]
        known = [v for v in cells[1:] if v is not None]
        ratio = cells[0] / min(known) if known and cells[0] is not None and min(known) > 0 else None
        lines.append(
            f"{h + 1:>4} "
            + " ".join(f"{'-' if v is None else f'{v:.4f}':>14}" for v in [*cells, ratio])
        )
    return "\n".join(lines)
