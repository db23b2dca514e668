"""The network's starting point: the best of persistence, the least-squares line and constants.

`start_network`: the network's skip becomes, per horizon step and target, the best of
persistence ("no change") and the least-squares line on the current row, and for targets
forecast as their changes (a target transform's difference) of zero and their mean change
too (seasonal naive and seasonal naive with drift, in the data's units), with each quantile
level offset by that forecaster's residual quantile. Judged on few validation values (a short
series), the start is instead the average of the forecasters whose error over all steps is
near the best one's (`start_weights`). The untrained network is then the best of these (or
their combination), and training (which keeps the starting weights unless an epoch beats
them on the validation data) can only improve on it. (The naive forecasters it must beat at
the end of fit are scored in `naive_scores`.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from tsforecast._recurrent.network import RecurrentNet, least_squares
from tsforecast._recurrent.problem import TrainingProblem, rows_and_futures, skip_pairs
from tsforecast._segments import Segments, stops_of
from tsforecast._warnings import ignoring

__all__ = ["Start", "apply_linear", "masked_mae", "start_network", "start_weights"]

# Rows x steps x targets read to choose the start and its quantile offsets (a random sample).
START_SAMPLE_VALUES = 1 << 16
# Values judged per step and target (validation values) from which the start is chosen step
# by step; with fewer, the forecasters within `COMBINED_WITHIN` times the best summed MAE are
# averaged (`start_weights`). The MAE of n absolute errors has a relative standard error of
# about 0.76 / sqrt(n): two of them 10% apart are told apart (2 standard errors) from about
# 230 values. The hourly weather's 876 validation rows choose step by step (with the
# combination its 24-hour MAE was 2.748 against 2.717, seed 0); on the short series of
# `bench_classic` (seeds 0-2) the combination took the development set's mean MASE from
# 1.030 to 0.996, the shorter cuts' from 1.443 to 1.269 (choosing one forecaster for all
# steps: 1.031 and 1.364), and the geometric mean of the 40 series' ratios to seasonal naive
# from 0.899 to 0.811.
SELECTION_VALUES = 250
COMBINED_WITHIN = 1.5
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
        Where persistence has a weight in the start (`start_weights`); None in supervised
        mode, where the targets are not among the inputs.
    """

    linear: torch.Tensor | None
    persistence: np.ndarray | None


def _persistence_solution(n_inputs: int, columns: list[int], horizon: int) -> torch.Tensor:
    """Coefficients that repeat each target's current value at every step."""
    solution = torch.zeros(n_inputs + 1, horizon, len(columns), dtype=torch.float64)
    for j, column in enumerate(columns):
        solution[column, :, j] = 1.0
    return solution


def apply_linear(solution: torch.Tensor, inputs: np.ndarray) -> np.ndarray:
    """Forecasts ``(n, horizon, n_targets)`` of the linear map ``solution`` on standardised rows."""
    weights = solution.cpu().numpy()
    return np.einsum("ni,iht->nht", inputs, weights[:-1]) + weights[-1]


def masked_mae(errors: np.ndarray, weight: np.ndarray, axis: Any) -> np.ndarray:
    """Mean absolute error over ``axis`` where ``weight`` is True (NaN where nothing counts)."""
    return masked_mean(np.abs(errors), weight, axis)


def masked_mean(values: np.ndarray, weight: np.ndarray, axis: Any = 0) -> np.ndarray:
    """Mean over ``axis`` where ``weight`` is True (NaN where nothing counts)."""
    count = weight.sum(axis=axis)
    total = np.where(weight, values, 0.0).sum(axis=axis)
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
    "no change" beats a line pulled toward the mean), or for targets forecast as their
    changes (``problem.changes``) zero or the mean change where theirs is lower (seasonal
    naive, or with drift: a short series' noisy changes make their persistence and a line
    fitted to them worse than either); judged on few values, an average of those near the
    best over all steps (`start_weights`). The MAE is
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
        judged, held_counts = (inputs, targets, weight), None
        if held_out is not None and held_out[2].any():
            held_rows, truth, counts = held_out
            judged = (problem.inputs.transform(problem.readable[held_rows]), truth, counts)
            held_counts = counts.sum(axis=0)  # (horizon, n_targets)
        columns = list(problem.target_columns)
        repeat = _persistence_solution(inputs.shape[1], columns, horizon)
        if problem.first_step is not None:  # and the effect of the known-future inputs
            repeat = repeat + _ahead_on_changes(problem, segments, horizon, device, keep)
        candidates = [linear, repeat]
        if problem.changes:  # zero and the mean change: seasonal naive, and with drift
            candidates += _constants(problem, columns, inputs, targets, weight)
        errors = np.stack([
            masked_mae(apply_linear(candidate, judged[0]) - judged[1], judged[2], axis=0)
            for candidate in candidates
        ])  # fmt: skip
        weights = start_weights(errors, held_counts)
        persistence = weights[1] > 0
        pairs = zip(weights, candidates, strict=True)
        chosen = sum(torch.from_numpy(w)[None] * candidate for w, candidate in pairs)
    offsets = None
    if levels is not None:
        residuals = np.where(weight, targets - apply_linear(chosen, inputs), np.nan)
        with ignoring(RuntimeWarning, "All-NaN slice"):  # a step no sampled row reaches: 0
            spread = np.nanquantile(residuals, levels, axis=0)  # (n_levels, horizon, targets)
        spread[list(levels).index(0.5) if 0.5 in levels else []] = 0.0
        offsets = torch.from_numpy(np.nan_to_num(spread).transpose(1, 0, 2).copy())
    module.set_skip(chosen.float().to(device), None if offsets is None else offsets.float())
    return Start(linear=linear, persistence=persistence)


def start_weights(errors: np.ndarray, counts: np.ndarray | None) -> np.ndarray:
    """Return each naive forecaster's weight in the start, per step and target.

    ``errors``: the forecasters' MAE, shape ``(n_forecasters, horizon, n_targets)`` (NaN
    where a forecaster was not scored at a step); ``counts``: the held-out values judged per
    step and target, or None when the errors come from training rows. A target whose every
    step has at least `SELECTION_VALUES` held-out values (or judged on training rows) takes at
    each step the forecaster of lowest MAE (the first where they tie; the first where none
    was scored). With fewer (a short series' validation rows), a step's choice would follow
    the noise: the target then weighs alike, at every step, the scored forecasters whose MAE
    summed over the steps that score them all is within `COMBINED_WITHIN` times the best
    one's (a combination, not a choice). Each target decides for itself.
    """
    n, horizon, n_targets = errors.shape
    weights = np.zeros((n, horizon, n_targets))
    best = np.nan_to_num(errors, nan=np.inf).argmin(axis=0)  # (horizon, n_targets)
    np.put_along_axis(weights, best[None], 1.0, axis=0)
    if counts is None:
        return weights
    for t in np.flatnonzero(counts.min(axis=0) < SELECTION_VALUES):
        scored = np.isfinite(errors[:, :, t]).any(axis=1)  # (n,)
        if not scored.any():
            continue  # nothing scored: the first forecaster, as above
        steps = np.isfinite(errors[scored, :, t]).all(axis=0)  # scored by every scored one
        total = np.where(steps, errors[:, :, t], 0.0).sum(axis=1)
        kept = scored & (total <= COMBINED_WITHIN * total[scored].min() + 1e-12)
        weights[:, :, t] = (kept / kept.sum())[:, None]
    return weights


def _constants(
    problem: TrainingProblem,
    columns: list[int],
    inputs: np.ndarray,
    targets: np.ndarray,
    weight: np.ndarray,
) -> list[torch.Tensor]:
    """Return the constant forecasters: each step's mean target on the training rows, and zero.

    For targets forecast as their changes (a transform's difference): the mean is the drift
    (seasonal drift; on a panel, the pooled mean change in the units the network reads: of
    each series' own scale with ``scale="series"``, relative with a log) and zero is
    persistence (seasonal naive) in the data's units. (For
    targets forecast as they are, a constant is no naive forecaster the model is held to:
    on the hourly weather these starts made the 24-hour MAE of seeds 0-2 2.66-2.87 °C
    instead of 2.70-2.72.)
    ``inputs``, ``targets``, ``weight``: a sample of training rows and their standardised
    futures.
    """
    n_inputs, (horizon, n_targets) = inputs.shape[1], targets.shape[1:]
    mean = np.nan_to_num(masked_mean(targets, weight))  # (horizon, n_targets)
    zero = -problem.inputs.mean[columns] / problem.inputs.scale[columns]  # 0, standardised
    solutions = []
    for bias in (mean, np.broadcast_to(zero, (horizon, n_targets))):
        solution = torch.zeros(n_inputs + 1, horizon, n_targets, dtype=torch.float64)
        solution[-1] = torch.from_numpy(np.asarray(bias, np.float64))
        solutions.append(solution)
    return solutions


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
