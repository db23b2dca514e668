"""Training batches: blocks of rows cut into standardised inputs, targets and weights.

`training_batches` builds a `BlockSampler` over the training rows and a `BatchSplitter`
that turns each batch of blocks into the network's inputs, the targets of every horizon
step at every position, and which of them count.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from tsforecast._recurrent.problem import TrainingProblem
from tsforecast._sampler import Batch, BlockSampler
from tsforecast._segments import Segments

__all__ = ["BatchSplitter", "training_batches"]


@dataclass(frozen=True)
class BatchSplitter:
    """Turns a batch of blocks into standardised inputs, ``horizon``-step targets and a weight.

    Built by `training_batches`; called on each `Batch` of its sampler. A block of ``n + H``
    points gives ``n`` positions, each with the ``H`` rows after it as targets (a horizon step
    past the block's end, or past a short series' end, does not count).
    """

    n_inputs: int
    context_length: int
    horizon: int
    standardize: Callable[[torch.Tensor], torch.Tensor]
    target_columns: torch.Tensor
    target_slice: slice | None
    standardize_targets: Callable[[torch.Tensor], torch.Tensor] | None

    def __call__(self, batch: Batch) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """Return ``(inputs, targets, weight)``.

        Shapes ``(batch, n, n_inputs)``, ``(batch, n, horizon, n_targets)`` and the targets'
        (bool), ``weight`` None when every target counts.
        """
        positions = min(self.context_length, batch.inputs.shape[1])
        inputs = self.standardize(batch.inputs[:, :positions, : self.n_inputs])
        if self.target_slice is not None:
            targets = batch.targets[..., self.target_slice]
        else:
            targets = batch.targets.index_select(-1, self.target_columns)
        if self.standardize_targets is not None:
            targets = self.standardize_targets(targets)
        weight = None
        if batch.target_mask is not None:
            weight = batch.target_mask[..., None].expand_as(targets)
        if batch.observed is not None:
            seen = batch.observed.index_select(-1, self.target_columns)
            weight = seen if weight is None else weight & seen
        # Target of position p, step h: row p + h of the targets (x[p + 1 + h]).
        span = positions + self.horizon - 1
        missing = span - targets.shape[1]
        if missing > 0:  # a batch of short series: steps past their ends never count
            if weight is None:
                weight = torch.ones(targets.shape, dtype=torch.bool, device=targets.device)
            targets = torch.nn.functional.pad(targets, (0, 0, 0, missing))
            weight = torch.nn.functional.pad(weight, (0, 0, 0, missing), value=False)
        targets = targets[:, :span].unfold(1, self.horizon, 1).transpose(-1, -2)
        if weight is not None:
            weight = weight[:, :span].unfold(1, self.horizon, 1).transpose(-1, -2)
        return inputs, targets, weight


def training_batches(
    problem: TrainingProblem,
    segments: Segments,
    context_length: int,
    horizon: int,
    batch_size: int,
    rng: np.random.Generator,
    device: torch.device,
) -> tuple[BlockSampler, BatchSplitter]:
    """Return a sampler of blocks from the rows in ``segments``, and how to split its batches.

    Blocks span ``context_length + horizon`` rows: ``context_length`` positions to read, each
    forecasting the ``horizon`` rows after it. Autoregressive: blocks of the rows themselves,
    drawn in place; the targets are the target columns of the following rows. Supervised:
    blocks of a table of rows ``[x_t, y_{t-1}]`` with one extra row per segment, so that the
    sampler's shift by one pairs the input ``x[s]`` with the targets ``y[s..s+H-1]``.
    """
    n_inputs = problem.readable.shape[1]
    standardize_targets = None  # supervised targets come standardised
    if problem.targets is None:
        table, observed = problem.readable, problem.observed
        target_columns = list(problem.target_columns)
        standardize_targets = problem.inputs.columns(target_columns).to_torch(device)
    else:
        observed = None
        if problem.observed is not None:  # y is always observed; padding rows never count
            everywhere = np.ones((len(problem.observed), problem.targets.shape[1]), bool)
            observed, _ = _shifted_table(problem.observed, everywhere, segments)
        table, segments = _shifted_table(problem.readable, problem.targets, segments)
        target_columns = list(range(n_inputs, table.shape[1]))
    sampler = BlockSampler(
        table,
        context_length + horizon - 1,
        batch_size,
        observed=observed,
        random_state=rng,
        device=device,
        segments=(segments.starts, segments.stops),
    )
    first = target_columns[0]
    contiguous = target_columns == list(range(first, first + len(target_columns)))
    splitter = BatchSplitter(
        n_inputs=n_inputs,
        context_length=context_length,
        horizon=horizon,
        standardize=problem.inputs.to_torch(device),
        target_columns=torch.as_tensor(target_columns, device=device),
        target_slice=slice(first, target_columns[-1] + 1) if contiguous else None,
        standardize_targets=standardize_targets,
    )
    return sampler, splitter


def _shifted_table(
    inputs: np.ndarray, targets: np.ndarray, segments: Segments
) -> tuple[np.ndarray, Segments]:
    """Return the rows ``[x_t, y_{t-1}]`` of each segment and the table's own segments.

    Each segment gets one extra row at its end, so that blocks pair ``x`` with ``y``.
    """
    rows = segments.rows(np.arange(segments.n_rows))
    lengths = segments.lengths
    position = np.arange(len(rows)) + np.repeat(np.arange(len(lengths)), lengths)
    table = np.zeros((len(rows) + len(lengths), inputs.shape[1] + targets.shape[1]), inputs.dtype)
    table[position, : inputs.shape[1]] = inputs[rows]
    table[position + 1, inputs.shape[1] :] = targets[rows]
    stops = np.cumsum(lengths + 1)
    return table, Segments(stops - lengths - 1, stops)
