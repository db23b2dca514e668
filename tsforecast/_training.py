"""The training loop: batches of blocks -> masked loss on every position -> step.

Early stopping on a validation loss (restoring the best weights), a wall-time budget, a stop on
a NaN loss and on Ctrl-C, each keeping the best weights seen so far.
"""

from __future__ import annotations

import copy
import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from tsforecast.windowing import BlockSampler

__all__ = ["TrainingResult", "train"]


@dataclass
class TrainingResult:
    history: list[dict[str, Any]] = field(default_factory=list)
    best_epoch: int | None = None
    stopped: str = "max_epochs"


LOSSES = {
    "mse": lambda error: error.square(),
    "mae": lambda error: error.abs(),
    "huber": lambda error: torch.nn.functional.huber_loss(
        error, torch.zeros_like(error), reduction="none"
    ),
}


def masked_loss(
    output: torch.Tensor,
    targets: torch.Tensor,
    weight: torch.Tensor | None,
    loss: str = "mse",
    discrete: torch.Tensor | None = None,
) -> torch.Tensor:
    """Mean loss over the positions where ``weight`` is True (all when None).

    ``loss="auto"`` takes the absolute error on the ``discrete`` target columns (boolean, one
    per column) and the Huber loss on the others.
    """
    difference = output - targets
    if loss == "auto":
        error = torch.where(discrete, LOSSES["mae"](difference), LOSSES["huber"](difference))
    else:
        error = LOSSES[loss](difference)
    if weight is None:
        return error.mean()
    weight = weight.expand_as(error)
    # where, not a product: a NaN at an unobserved target must not reach the sum.
    return torch.where(weight, error, 0.0).sum() / weight.sum().clamp_min(1)


def train(
    module: nn.Module,
    sampler: BlockSampler,
    *,
    split: Callable[[Any], tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]],
    learning_rate: float,
    loss: dict[str, Any],
    weight_decay: float,
    max_epochs: int,
    patience: int | None,
    max_time: float | None,
    validate: Callable[[], float] | None,
    validate_every: int = 1,
    progress: Any = None,
) -> TrainingResult:
    """Train ``module`` in place; on return it holds the best weights seen.

    ``loss`` holds the keyword arguments of `masked_loss` (``loss``, ``discrete``).
    Validation runs after epochs 1, 1 + ``validate_every``, ... and after the last one.

    ``split(batch)`` turns a sampler batch into ``(inputs, targets, weight)``. ``validate()``
    returns the validation loss (lower is better); without it the training loss decides.
    """
    optimizer = torch.optim.Adam(module.parameters(), lr=learning_rate, weight_decay=weight_decay)
    result = TrainingResult()
    # The initial weights (a least-squares linear forecaster) are the fallback if the very
    # first epoch fails.
    best_loss, best_state = math.inf, copy.deepcopy(module.state_dict())
    last_valid = None
    started = time.perf_counter()
    try:
        for epoch in range(1, max_epochs + 1):
            module.train()
            epoch_start = time.perf_counter()
            total, positions, batches = 0.0, 0, 0
            for batch in sampler:
                inputs, targets, weight = split(batch)
                value = masked_loss(module(inputs), targets, weight, **loss)
                if not torch.isfinite(value):
                    result.stopped = "nan"
                    break
                optimizer.zero_grad(set_to_none=True)
                value.backward()
                nn.utils.clip_grad_norm_(module.parameters(), max_norm=1.0)
                optimizer.step()
                n = batch.n_positions
                total += value.item() * n
                positions += n
                batches += 1
                if max_time is not None and time.perf_counter() - started > max_time:
                    result.stopped = "max_time"
                    break
            seconds = time.perf_counter() - epoch_start
            if result.stopped == "nan":
                warnings.warn(
                    f"The training loss became NaN or infinite in epoch {epoch}; training "
                    "stopped and the best weights so far are kept. Try a smaller "
                    "learning_rate, or scale=True.",
                    RuntimeWarning,
                    stacklevel=4,
                )
                break
            train_loss = total / max(positions, 1)
            last_epoch = epoch == max_epochs or result.stopped == "max_time"
            valid_loss = None
            if validate is not None and (last_epoch or (epoch - 1) % validate_every == 0):
                valid_loss = validate()
            result.history.append(
                {
                    "epoch": epoch,
                    "train_loss": train_loss,
                    "valid_loss": valid_loss,
                    "seconds": seconds,
                    "n_positions": positions,
                    "n_batches": batches,
                }
            )
            score = train_loss if validate is None else valid_loss
            if score is not None and score < best_loss:
                best_loss, best_state = score, copy.deepcopy(module.state_dict())
                result.best_epoch = epoch
            if valid_loss is not None:
                last_valid = valid_loss
            if progress is not None:
                progress.update(1)
                progress.set_postfix(
                    train=f"{train_loss:.4f}",
                    valid="-" if last_valid is None else f"{last_valid:.4f}",
                )
            if result.stopped == "max_time":
                break
            since_best = epoch - (result.best_epoch or 0)
            if patience is not None and score is not None and since_best >= patience:
                result.stopped = "early_stopping"
                break
    except KeyboardInterrupt:
        result.stopped = "interrupted"
        warnings.warn(
            "Training interrupted; the model keeps the best weights seen so far.",
            RuntimeWarning,
            stacklevel=4,
        )
    module.load_state_dict(best_state)
    module.eval()
    return result
