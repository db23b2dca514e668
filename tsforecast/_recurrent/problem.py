"""What the network learns from: the rows as it reads them, and what follows each row.

`TrainingProblem` holds the data in place (no standardised copy); `rows_and_futures` pairs
rows with the ``horizon`` values after them, for the least-squares start (`skip_pairs`), the
held-out check (`validation_targets`) and the naive baselines (`tsforecast._recurrent.naive_start`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch

from tsforecast._recurrent.scaling import Standardizer
from tsforecast._segments import CHUNK_ROWS, Segments, horizon_rows, stops_of

__all__ = [
    "TrainingProblem",
    "rows_and_futures",
    "skip_pairs",
    "validation_targets",
]


@dataclass(frozen=True)
class TrainingProblem:
    """What the network learns from, read in place (no standardised copy of the data).

    Parameters
    ----------
    readable : ndarray of shape (n_rows, n_inputs), float32
        The input rows as the network reads them before standardising (missing entries set
        to the mean).
    observed : bool ndarray of the same shape, or None
        True where a value was observed (None: all).
    inputs : Standardizer
        Standardises the input columns.
    target_columns : list of int, optional
        Autoregressive: the columns of ``readable`` forecast (the next row's).
    targets : ndarray of shape (n_rows, n_targets), optional
        Supervised: the standardised value to forecast having read each row.
    first_step : ndarray of shape (n_inputs,), optional
        For each column of ``readable``, the first horizon step whose forecast may read it:
        0 for the row's own values, ``k`` for a known-future value of row ``t + k``
        (`tsforecast._recurrent.network.InputLayout.ahead`). None: every column, every step.
    changes : bool, default=False
        Autoregressive: the target columns are changes (a target transform's difference,
        seasonal or not), so that zero and their mean are the naive forecasters "seasonal
        naive" and "with drift" in the data's units (`naive_start`).
    """

    readable: np.ndarray
    observed: np.ndarray | None
    inputs: Standardizer
    target_columns: list[int] | None = None
    targets: np.ndarray | None = None
    first_step: np.ndarray | None = None
    changes: bool = False


def rows_and_futures(
    problem: TrainingProblem, rows: np.ndarray, stops: np.ndarray, horizon: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Standardised rows, what follows each ``horizon`` steps ahead, and which of it counts.

    Parameters
    ----------
    problem : TrainingProblem
    rows : ndarray of int
        The rows forecast from.
    stops : ndarray of int
        One past the last row each row's forecast may read (its series' or segment's end).
    horizon : int

    Returns
    -------
    inputs : ndarray of shape (n, n_inputs)
    targets : ndarray of shape (n, horizon, n_targets)
        Standardised; autoregressive: the target columns of rows ``r + 1 .. r + horizon``;
        supervised: ``y[r .. r + horizon - 1]``.
    weight : bool ndarray of the targets' shape
        True where the target lies before the stop and was observed.
    """
    inputs = problem.inputs.transform(problem.readable[rows])
    if problem.targets is not None:
        ahead, inside = horizon_rows(rows, stops, horizon, first_step=0)
        targets = problem.targets[ahead]
        return inputs, targets, np.broadcast_to(inside[..., None], targets.shape).copy()
    columns = problem.target_columns
    ahead, inside = horizon_rows(rows, stops, horizon)
    picked = (ahead[..., None], np.asarray(columns)[None, None, :])  # (n, horizon, n_targets)
    targets = problem.inputs.columns(columns).transform(problem.readable[picked])
    weight = np.broadcast_to(inside[..., None], targets.shape).copy()
    if problem.observed is not None:
        weight &= problem.observed[picked]
    return inputs, targets, weight


def skip_pairs(
    problem: TrainingProblem,
    segments: Segments,
    horizon: int,
    device: torch.device,
    keep: tuple[float, np.random.Generator] | None = None,
) -> Iterator[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    """Yield (standardised rows, targets, weight) of the rows in ``segments``, in chunks.

    For the network's least-squares start (`network.least_squares`): the weight
    is True where a target counts (inside the segment, observed). Targets never reach past
    the row's segment. ``keep = (fraction, rng)``: each row only with that probability (a
    random sample read chunk by chunk: memory bounded by a chunk); default every row.
    """
    for rows in segments.chunks(max(1024, CHUNK_ROWS // horizon)):
        if keep is not None:
            rows = rows[keep[1].random(len(rows)) < keep[0]]
            if not len(rows):
                continue
        stops = stops_of(rows, segments.starts, segments.stops)
        inputs, targets, weight = rows_and_futures(problem, rows, stops, horizon)
        yield (
            torch.from_numpy(inputs).to(device),
            torch.from_numpy(np.where(weight, targets, 0.0).astype(np.float32)).to(device),
            torch.from_numpy(weight).to(device),
        )


def validation_targets(
    problem: TrainingProblem, valid_rows: np.ndarray, offsets: np.ndarray, horizon: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows to forecast from, the standardised truth ``horizon`` steps ahead, and what counts.

    ``valid_rows`` are held-out rows: autoregressive forecasts are made one row before each
    (so step 1 is the held-out row itself), supervised ones at the row. Steps past the end of
    the series do not count.
    """
    offsets = np.asarray(offsets, dtype=np.int64)
    rows = valid_rows if problem.targets is not None else valid_rows - 1
    stops = stops_of(rows, offsets[:-1], offsets[1:])
    _, truth, weight = rows_and_futures(problem, rows, stops, horizon)
    return rows, np.ascontiguousarray(truth), weight
