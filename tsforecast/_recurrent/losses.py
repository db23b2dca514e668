"""The loss: masked on every position and step, and its check on the held-out rows.

- `masked_loss` and `Loss`: the training and validation loss over the entries that count
  (observed targets inside their series), for a point loss or the pinball loss of quantiles;
- `Validator`: the held-out check, every horizon step (rows from `problem`), and
  `validation_every`, how often it runs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from tsforecast._recurrent.inference import one_step
from tsforecast._recurrent.problem import TrainingProblem, validation_targets
from tsforecast._sampler import shared_tensor

__all__ = ["LOSSES", "Loss", "Validator", "masked_loss", "validation_every"]


LOSSES = {
    "mae": lambda error: error.abs(),
    "mse": lambda error: error.square(),
    "huber": lambda error: torch.nn.functional.huber_loss(
        error, torch.zeros_like(error), reduction="none"
    ),
    "pinball": None,  # needs the quantile levels: see `masked_loss`
}


def masked_loss(
    output: torch.Tensor,
    targets: torch.Tensor,
    weight: torch.Tensor | None,
    loss: str = "mae",
    levels: torch.Tensor | None = None,
) -> torch.Tensor:
    """Mean loss over the entries where ``weight`` is True (all when None).

    Parameters
    ----------
    output : Tensor of shape (..., horizon, n_quantiles, n_targets)
        The network's forecasts.
    targets : Tensor of shape (..., horizon, n_targets)
        The truth; NaN allowed where ``weight`` is False.
    weight : bool Tensor broadcastable to ``targets``, or None
        Which truths count.
    loss : {"mae", "mse", "huber", "pinball"}
        The pinball (quantile) loss of level ``tau`` is ``max(tau * e, (tau - 1) * e)`` for
        the error ``e = truth - forecast``; at 0.5 it is half the absolute error.
    levels : Tensor of shape (n_quantiles,), optional
        The quantile levels, for ``loss="pinball"``.
    """
    difference = targets.unsqueeze(-2) - output
    if loss == "pinball":
        # tau * e above the truth's quantile, (tau - 1) * e below: one product (cheaper than a
        # maximum of two, forward and backward).
        error = difference * (levels[:, None] - (difference < 0).to(difference.dtype))
    else:
        error = LOSSES[loss](difference)
    if weight is None:
        return error.mean()
    weight = weight.unsqueeze(-2).expand_as(error)
    # where, not a product: a NaN at an unobserved target must not reach the sum.
    return torch.where(weight, error, 0.0).sum() / weight.sum().clamp_min(1)


@dataclass(frozen=True)
class Loss:
    """The training and validation loss: `masked_loss` with its kind and quantile levels.

    Parameters
    ----------
    kind : {"mae", "mse", "huber", "pinball"}
        The loss.
    levels : Tensor of shape (n_quantiles,), optional
        The quantile levels of the pinball loss.
    """

    kind: str
    levels: torch.Tensor | None = None

    def __call__(
        self, output: torch.Tensor, targets: torch.Tensor, weight: torch.Tensor | None
    ) -> torch.Tensor:
        """Mean loss over the entries where ``weight`` is True (all when None)."""
        return masked_loss(output, targets, weight, self.kind, self.levels)


def validation_every(n_valid_rows: int, blocks_per_epoch: int, context_length: int) -> int:
    """Epochs between validations, so that validating costs at most a quarter of training.

    A validation forward reads ``context_length`` rows per held-out row, at about a third of
    the cost of a training position. Counts, not clocks: runs stay reproducible.
    """
    valid_positions = n_valid_rows * context_length
    epoch_positions = blocks_per_epoch * context_length
    return max(1, math.ceil(4 * valid_positions / (3 * epoch_positions)))


@dataclass(frozen=True)
class Validator:
    """The validation loss: forecasts from held-out rows against their truth, every step.

    Built once per fit (`build`); each call runs the network over the held-out rows' windows
    and returns the loss of the current weights.
    """

    module: nn.Module
    readable: torch.Tensor
    offsets: np.ndarray
    rows: np.ndarray
    truth: torch.Tensor
    weight: torch.Tensor | None
    loss: Loss
    context_length: int
    standardize: Callable[[torch.Tensor], torch.Tensor]

    @classmethod
    def build(
        cls,
        module: nn.Module,
        problem: TrainingProblem,
        offsets: np.ndarray,
        valid_rows: np.ndarray,
        loss: Loss,
        context_length: int,
        device: torch.device,
    ) -> Validator:
        """Move what validation reads to ``device`` once."""
        horizon = module.output.horizon
        rows, truth, weight = validation_targets(problem, valid_rows, offsets, horizon)
        return cls(
            module=module,
            readable=shared_tensor(problem.readable, device),
            offsets=offsets,
            rows=rows,
            truth=torch.from_numpy(truth).to(device),
            weight=None if weight.all() else torch.from_numpy(weight).to(device),
            loss=loss,
            context_length=context_length,
            standardize=problem.inputs.to_torch(device),
        )

    def held_out(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return the rows forecast from, the standardised truth and which of it counts."""
        truth = self.truth.cpu().numpy()
        weight = np.ones(truth.shape, bool) if self.weight is None else self.weight.cpu().numpy()
        return self.rows, truth, weight

    def outputs(self) -> torch.Tensor:
        """Return the network's outputs at the rows: (n, horizon, n_quantiles, n_targets)."""
        return one_step(
            self.module, self.readable, self.offsets, self.rows, self.context_length,
            self.standardize,
        )  # fmt: skip

    def __call__(self) -> float:
        """Return the validation loss of the current weights."""
        return float(self.loss(self.outputs(), self.truth, self.weight))
