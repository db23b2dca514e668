"""Helpers shared by the benchmark scripts.

Timing, quiet Lightning-based peers, and the protocol that runs each measured system in a
process of its own: the parent re-invokes the script with ``--worker NAME ...``
(`run_worker`); the worker measures and prints its figures as one JSON line, the last line of
its standard output that starts with ``{`` (`emit`).
"""

from __future__ import annotations

import json
import logging
import os
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any


def median_seconds(function: Callable[[], Any], repeats: int, warmup: int = 0) -> float:
    """Median seconds of one call of ``function`` over ``repeats`` calls, after ``warmup``.

    Parameters
    ----------
    function : callable
        Called with no arguments.
    repeats : int
        Timed calls.
    warmup : int, default=0
        Untimed calls made first.

    Returns
    -------
    float
        The median wall-clock seconds of the timed calls.
    """
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
    """Trainer settings for a Lightning-based peer.

    CPU, no progress bar, model summary, logger or checkpoints; a wall-time budget and/or a
    number of optimiser steps.

    Parameters
    ----------
    budget : float or None
        Training seconds (Lightning's ``max_time``); None for no time limit.
    steps : int, optional
        Optimiser steps (Lightning's ``max_steps``); None for no step limit.
    callbacks : tuple, default=()
        Lightning callbacks for the trainer.

    Returns
    -------
    dict
        Keyword arguments for ``pytorch_lightning.Trainer``.
    """
    kwargs: dict[str, Any] = {
        "accelerator": "cpu", "enable_progress_bar": False, "enable_model_summary": False,
        "logger": False, "enable_checkpointing": False, "callbacks": list(callbacks),
    }  # fmt: skip
    if budget is not None:
        kwargs["max_time"] = timedelta(seconds=budget)
    if steps is not None:
        kwargs["max_steps"] = steps
    return kwargs


# ---------------------------------------------------------------------------- worker processes
def run_worker(
    script: str | Path,
    name: str,
    args: Sequence[Any] = (),
    *,
    threads: int,
    env: Mapping[str, str] | None = None,
    identity: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Run one system in a process of its own and return the figures it emits.

    The command is ``python SCRIPT --worker NAME ARGS...``, with the environment of this
    process plus thread limits (``OMP_NUM_THREADS`` and ``MKL_NUM_THREADS`` set to
    ``threads``), ``PYTHONWARNINGS=ignore`` and ``env``. The worker answers with `emit`.

    Parameters
    ----------
    script : str or Path
        The benchmark script, which handles ``--worker``.
    name : str
        The system the worker runs (the value of ``--worker``).
    args : sequence, default=()
        Further command-line arguments, converted with ``str``.
    threads : int
        Thread limit of the worker's numerical libraries.
    env : mapping of str to str, optional
        Further environment variables (they win over the defaults above).
    identity : mapping, optional
        Fields naming the run (system, setting, ...), put in the record of a failed run.

    Returns
    -------
    dict
        The dictionary the worker emitted; for a worker that failed (a non-zero exit status,
        or no JSON line), ``identity`` and ``"error"``: the last three lines of its standard
        error (or of its standard output where the error stream is empty), joined by `` | ``.
    """
    command = [sys.executable, str(script), "--worker", name, *map(str, args)]
    environment = dict(os.environ)
    environment.update(
        OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads), PYTHONWARNINGS="ignore"
    )
    environment.update(env or {})
    done = subprocess.run(command, capture_output=True, text=True, env=environment, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        return {**(identity or {}), "error": " | ".join(tail)}
    return json.loads(lines[-1])


def emit(result: Mapping[str, Any]) -> None:
    """Print a worker's figures as the one JSON line that `run_worker` reads.

    Parameters
    ----------
    result : mapping
        JSON-serialisable figures of the run.
    """
    print(json.dumps(result), flush=True)


def interval_figures(
    quantiles: Any, observed: Any, levels: Sequence[float], coverage: float = 0.8
) -> dict[str, float]:
    """Coverage and width of an interval, and the mean pinball loss over all levels.

    Parameters
    ----------
    quantiles : ndarray of shape observed.shape + (len(levels),)
        The forecasts at each level.
    observed : ndarray
        What happened.
    levels : sequence of float
        The levels along the last axis, among them ``(1 - coverage) / 2`` and
        ``(1 + coverage) / 2``.
    coverage : float, default=0.8
        The interval's nominal coverage.

    Returns
    -------
    dict
        ``coverage``, ``width`` and ``pinball``.
    """
    import numpy as np

    from tsforecast import metrics

    levels = np.asarray(levels, dtype=float)
    low = int(np.argmin(np.abs(levels - (1 - coverage) / 2)))
    high = int(np.argmin(np.abs(levels - (1 + coverage) / 2)))
    lower, upper = quantiles[..., low], quantiles[..., high]
    return {
        "coverage": metrics.interval_coverage(observed, lower, upper),
        "width": metrics.interval_width(observed, lower, upper),
        "pinball": metrics.pinball_loss(
            np.ravel(observed), np.reshape(quantiles, (-1, len(levels))), levels=levels
        ),
    }
