"""Training: the network started from the naive forecasters, then the loop.

Batches come from `batches`, the loss and the held-out check from `losses`.

- `fit_network`: the network started from the best naive forecaster (`naive_start`)
  and trained;
- `train`: batches of blocks -> masked loss on every position -> step. Early stopping on a
  validation loss (restoring the best weights), a wall-time budget, a stop on a NaN loss and
  on Ctrl-C, each keeping the best weights seen so far.
"""

from __future__ import annotations

import copy
import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from tsforecast._checks import make_rng
from tsforecast._recurrent.batches import BatchSplitter, training_batches
from tsforecast._recurrent.distributed import Ranks
from tsforecast._recurrent.losses import Loss, Validator, validation_every
from tsforecast._recurrent.naive_start import Start, start_network
from tsforecast._recurrent.problem import TrainingProblem
from tsforecast._sampler import BlockSampler
from tsforecast._segments import Segments

__all__ = [
    "FittedNetwork",
    "TrainingResult",
    "TrainingSettings",
    "WeightAverage",
    "fit_network",
    "train",
]

# The loss is checked on at most this many held-out rows (a fixed random sample).
MAX_VALIDATION_ROWS = 8192


@dataclass
class TrainingResult:
    """What `train` reports: one dict per epoch, the epoch kept, why it stopped."""

    history: list[dict[str, Any]] = field(default_factory=list)
    best_epoch: int | None = None
    stopped: str = "max_epochs"
    # The validation loss of the starting weights (epoch 0), when there is validation data.
    start_loss: float | None = None


@dataclass(frozen=True)
class TrainingSettings:
    """The estimator's hyperparameters that shape training (see `LSTMForecaster`)."""

    context_length: int
    horizon: int
    batch_size: int
    batches_per_epoch: int | None
    learning_rate: float
    weight_decay: float
    weight_averaging: float
    loss: str
    levels: tuple[float, ...] | None
    max_epochs: int
    patience: int | None
    max_time: float | None
    verbose: int
    distributed: bool | str = "auto"


@dataclass
class FittedNetwork(TrainingResult):
    """`TrainingResult`, with the trained network, its start and its validation check.

    ``start`` is the naive forecaster the network started from (`Start`); ``validator`` the
    held-out check (None without validation data); ``seconds`` the training time.
    """

    module: nn.Module | None = None
    seconds: float = 0.0
    start: Start | None = None
    validator: Validator | None = None


def fit_network(
    build: Callable[[], nn.Module],
    problem: TrainingProblem,
    offsets: np.ndarray,
    parts: tuple[Segments, Segments | None],
    settings: TrainingSettings,
    random_state: Any,
    device: torch.device,
) -> FittedNetwork:
    """Build the network, start it from the best naive forecaster, and train it on ``problem``.

    Parameters
    ----------
    build : callable
        Returns a new `RecurrentNet`; called once torch is seeded.
    problem : TrainingProblem
        What the network learns from.
    offsets : ndarray
        Series offsets of the rows (validation windows never cross them).
    parts : (Segments, Segments or None)
        The training and validation rows.
    settings : TrainingSettings
        The hyperparameters.
    random_state : int, Generator, RandomState or None
        Seeds the weights, the block draws and the validation sample: the same seed gives
        the same network (on the CPU).
    device : torch.device
        Where to train.

    Returns
    -------
    FittedNetwork
    """
    train_part, valid_part = parts
    rng = make_rng(random_state)
    # Inside a torchrun process group: data-parallel training (unless told otherwise).
    ranks = None if settings.distributed is False else Ranks.current()
    if ranks is not None:
        ranks.check_same_data(
            {"rows": len(problem.readable), "columns": problem.readable.shape[1],
             "series": len(offsets) - 1},
            "LSTMForecaster.fit",
        )  # fmt: skip
        rng = ranks.same_seed(rng)  # the same weights, validation rows and start everywhere
    seed = int(rng.integers(2**31 - 1))
    # At most a fixed random sample: each validation reads context_length rows per row, so on
    # large data the whole held-out part would cost more than the training itself.
    valid_rows = None if valid_part is None else valid_part.sample(MAX_VALIDATION_ROWS, rng)
    L, H = settings.context_length, settings.horizon
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        module = build().to(device)
        own_part, draws = train_part, rng
        if ranks is not None:  # each rank draws its own blocks from its own share of the series
            own_part = ranks.shard(train_part)
            draws = np.random.default_rng([int(rng.integers(2**31 - 1)), ranks.rank])
        sampler, split = training_batches(
            problem, own_part, L, H, settings.batch_size, draws, device
        )
        if settings.batches_per_epoch is not None:
            sampler.set_blocks_per_epoch(settings.batches_per_epoch * settings.batch_size)
        elif ranks is not None:  # as many batches on every rank, an epoch's worth in all
            sampler.set_blocks_per_epoch(ranks.blocks_per_rank(sampler.blocks_per_epoch))
        levels = settings.levels
        loss = Loss(settings.loss, None if levels is None else torch.tensor(levels, device=device))
        validate, every, held_out = None, 1, None
        if valid_rows is not None:
            validate = Validator.build(module, problem, offsets, valid_rows, loss, L, device)
            every = validation_every(len(valid_rows), sampler.blocks_per_epoch, L)
            held_out = validate.held_out()
        start = start_network(module, problem, train_part, levels, rng, device, held_out)
        checked = validate
        if ranks is not None and validate is not None:  # rank 0 validates for every rank
            checked = partial(_validated_by_first, ranks, validate)
        progress = tqdm(
            total=settings.max_epochs, desc="LSTMForecaster",
            disable=not settings.verbose or (ranks is not None and ranks.rank != 0),
        )  # fmt: skip
        started = time.perf_counter()
        try:
            result = train(
                module, sampler, split=split, learning_rate=settings.learning_rate, loss=loss,
                weight_decay=settings.weight_decay, averaging=settings.weight_averaging,
                max_epochs=settings.max_epochs,
                patience=settings.patience if validate is not None else None,
                max_time=settings.max_time, validate=checked, validate_every=every,
                progress=progress, ranks=ranks,
            )  # fmt: skip
        finally:
            progress.close()
    seconds = time.perf_counter() - started
    return FittedNetwork(
        **vars(result), module=module, seconds=seconds, start=start, validator=validate
    )


def _validated_by_first(ranks: Ranks, validate: Callable[[], float]) -> float:
    """Return rank 0's validation loss on every rank (the others do not compute one)."""
    return ranks.from_first(validate() if ranks.rank == 0 else math.nan)


class WeightAverage:
    """An exponential moving average of a module's parameters (Polyak averaging).

    After step ``t`` (from 1) the average moves toward the parameters by ``1 - d_t`` with
    ``d_t = min(decay, (1 + t) / (10 + t))``: early steps, when the parameters move most,
    weigh more (the warm-up of TensorFlow's ``ExponentialMovingAverage``), so a few steps
    are not averaged away into the starting weights. `swap` exchanges the parameters with
    the average, in place (twice restores them).

    Parameters
    ----------
    module : nn.Module
        The module whose parameters are averaged; the average starts at their values.
    decay : float
        The most the average keeps of itself per step, in (0, 1).
    """

    def __init__(self, module: nn.Module, decay: float) -> None:
        self.parameters = [parameter for parameter in module.parameters()]
        self.average = [parameter.detach().clone() for parameter in self.parameters]
        self.decay, self.steps = decay, 0

    @torch.no_grad()
    def update(self) -> None:
        """Move the average toward the current parameters, after an optimiser step."""
        self.steps += 1
        decay = min(self.decay, (1 + self.steps) / (10 + self.steps))
        for parameter, average in zip(self.parameters, self.average, strict=True):
            average.lerp_(parameter.detach(), 1 - decay)

    @torch.no_grad()
    def swap(self) -> None:
        """Exchange the module's parameters with the average."""
        for parameter, average in zip(self.parameters, self.average, strict=True):
            held = parameter.detach().clone()
            parameter.copy_(average)
            average.copy_(held)


def train(
    module: nn.Module,
    sampler: BlockSampler,
    *,
    split: BatchSplitter,
    learning_rate: float,
    loss: Loss,
    weight_decay: float,
    max_epochs: int,
    patience: int | None,
    max_time: float | None,
    validate: Callable[[], float] | None,
    validate_every: int = 1,
    progress: Any = None,
    ranks: Ranks | None = None,
    averaging: float = 0.0,
) -> TrainingResult:
    """Train ``module`` in place; on return it holds the best weights seen.

    With ``validate``, the starting weights are validated first (epoch 0) and kept unless an
    epoch beats them, with a warning when none does.

    The loss is taken on every output: each position, horizon step and quantile level.
    Validation runs after epochs 1, 1 + ``validate_every``, ... and after the last one.

    ``split(batch)`` turns a sampler batch into ``(inputs, targets, weight)``. ``validate()``
    returns the validation loss (lower is better); without it the training loss decides.

    With ``ranks`` (a process group), the steps run through ``DistributedDataParallel``; before
    each step the ranks agree on whether to stop (a NaN loss or the time budget on any rank
    stops all), and the epoch's training loss is summed over them, so that every rank takes
    the same decisions and ends with the same weights.
    """
    forward = module if ranks is None else ranks.wrap(module)
    optimizer = torch.optim.Adam(module.parameters(), lr=learning_rate, weight_decay=weight_decay)
    result = TrainingResult()
    # The starting weights (a least-squares linear forecaster) are a candidate like any epoch:
    # with validation data, the kept weights are never worse on it than the starting ones.
    best_loss, best_state = math.inf, copy.deepcopy(module.state_dict())
    if validate is not None:
        result.start_loss = validate()
        if math.isfinite(result.start_loss):
            best_loss, result.best_epoch = result.start_loss, 0
    last_valid = None
    average = WeightAverage(module, averaging) if averaging else None
    started = time.perf_counter()
    try:
        for epoch in range(1, max_epochs + 1):
            module.train()
            epoch_start = time.perf_counter()
            total, positions, batches = 0.0, 0, 0
            for batch in sampler:
                inputs, targets, weight = split(batch)
                value = loss(forward(inputs), targets, weight)
                failed, late = not bool(torch.isfinite(value)), False
                if ranks is not None:
                    elapsed = time.perf_counter() - started
                    failed, late = ranks.flags(failed, max_time is not None and elapsed > max_time)
                if failed:
                    result.stopped = "nan"
                    break
                if late:
                    result.stopped = "max_time"
                    break
                optimizer.zero_grad(set_to_none=True)
                value.backward()
                nn.utils.clip_grad_norm_(module.parameters(), max_norm=1.0)
                optimizer.step()
                if average is not None:
                    average.update()
                n = batch.n_positions
                total += value.item() * n
                positions += n
                batches += 1
                if (
                    ranks is None
                    and max_time is not None
                    and time.perf_counter() - started > max_time
                ):
                    result.stopped = "max_time"
                    break
            seconds = time.perf_counter() - epoch_start
            if ranks is not None:
                total, positions = ranks.sum(total, positions)
            if result.stopped == "nan":
                warnings.warn(
                    f"The training loss became NaN or infinite in epoch {epoch}; training "
                    "stopped and the best weights so far are kept. Try a smaller "
                    "learning_rate, or scale=True.",
                    RuntimeWarning,
                    stacklevel=5,
                )
                break
            train_loss = total / max(positions, 1)
            last_epoch = epoch == max_epochs or result.stopped == "max_time"
            valid_loss = None
            if average is not None:
                average.swap()  # validate and keep the averaged weights
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
            if average is not None:
                average.swap()  # back to the trained weights
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
            stacklevel=5,
        )
    if result.best_epoch == 0 and result.history:
        warnings.warn(
            f"No epoch of {len(result.history)} improved on the starting forecaster (the "
            "best of persistence, least squares on the current row and, for targets forecast "
            "as changes, seasonal naive with or without drift, per step; on few validation "
            "values, an average of those near the best) on the validation data, so the model "
            "keeps it and forecasts as it does. On a short or noisy series that start is often "
            "the best there is; where history_ shows the validation loss rising from the "
            "first epoch, a smaller learning_rate may help.",
            RuntimeWarning,
            stacklevel=5,
        )
    module.load_state_dict(best_state)
    module.eval()
    return result
