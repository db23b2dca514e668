"""Helpers shared by the benchmark scripts (timing, and quiet Lightning-based peers)."""

from __future__ import annotations

import logging
import statistics
import time
import warnings
from collections.abc import Callable
from datetime import timedelta
from typing import Any


def median_seconds(function: Callable[[], Any], repeats: int, warmup: int = 0) -> float:
    """Median seconds of one call of ``function`` over ``repeats`` calls, after ``warmup``."""
    for _ in range(warmup):
        function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def quiet_lightning() -> None:
    """Silence the logging and warnings of PyTorch Lightning and the libraries built on it."""
    for name in ("pytorch_lightning", "lightning", "lightning.pytorch", "lightning_fabric",
                 "darts", "neuralforecast"):  # fmt: skip
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")


def lightning_trainer_kwargs(
    budget: float | None, steps: int | None = None, callbacks: tuple[Any, ...] = ()
) -> dict[str, Any]:
    """Trainer settings for a peer: CPU, no progress bar, summary, logger or checkpoints; a
    wall-time budget and/or a number of optimiser steps."""
    kwargs: dict[str, Any] = {
        "accelerator": "cpu", "enable_progress_bar": False, "enable_model_summary": False,
        "logger": False, "enable_checkpointing": False, "callbacks": list(callbacks),
    }  # fmt: skip
    if budget is not None:
        kwargs["max_time"] = timedelta(seconds=budget)
    if steps is not None:
        kwargs["max_steps"] = steps
    return kwargs
