"""Inference: one-step outputs over windows of the data, and multi-step roll-forward.

Also the CPU thread policy for small forward passes (`threads_for_batch`), which training
shares. The zero-copy window views of one contiguous tensor are the block sampler's
(`tsforecast._sampler`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch

from tsforecast._recurrent.features import InputRows
from tsforecast._recurrent.network import RecurrentNet
from tsforecast._recurrent.scaling import Standardizer
from tsforecast._sampler import shared_tensor, take_windows, window_view
from tsforecast._segments import series_chunks
from tsforecast.sequences import SequenceData

__all__ = [
    "NetworkReader",
    "by_series",
    "history_rows",
    "last_rows",
    "one_step",
    "resolve_device",
    "roll_forward",
    "threads_for_batch",
]

# Rows of one-step forecasts computed per forward call, times the context length.
# About 100 windows of 168: as fast per row as larger calls, in a fraction of the memory.
POSITIONS_PER_CALL = 1 << 14
# Below this many sequences x hidden units, a recurrent step is too small to share between CPU
# threads: their synchronisation at every time step costs more than the work. Measured on 2
# cores, hidden 64: one thread is 1.3-1.6x faster up to 4 sequences, even at 8, slower beyond.
SMALL_BATCH_UNITS = 512


@contextmanager
def threads_for_batch(n_sequences: int, hidden_size: int, device: torch.device) -> Iterator[None]:
    """Run a CPU forward on small batches on one thread (restoring the setting after).

    Torch's intra-op setting is per calling thread under OpenMP, so other threads keep theirs.
    """
    threads = torch.get_num_threads()
    if device.type != "cpu" or threads == 1 or n_sequences * hidden_size >= SMALL_BATCH_UNITS:
        yield
        return
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def resolve_device(device: str, owner: str) -> torch.device:
    """Return the torch device named by an estimator's ``device`` parameter ("auto": CUDA if seen).

    Raises
    ------
    ValueError
        If the name is not a device, or names CUDA where torch sees none.
    """
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(
            f"{owner}: device must be 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'; got {device!r}."
        ) from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"{owner}: device={device!r} but torch sees no CUDA device (torch "
            f"{torch.__version__}). Use device='auto' or 'cpu'."
        )
    mps = getattr(torch.backends, "mps", None)
    if resolved.type == "mps" and not (mps is not None and mps.is_available()):
        raise ValueError(
            f"{owner}: device={device!r} but torch sees no MPS device (Apple GPUs; torch "
            f"{torch.__version__}). This machine has: {', '.join(_devices_seen())}. Use "
            "device='auto' (it picks CUDA when there is one) or 'cpu'."
        )
    if resolved.type not in ("cpu", "cuda", "mps"):
        raise ValueError(
            f"{owner}: device={device!r} is a kind of device tsforecast does not run on; use "
            f"'auto', 'cpu', 'cuda', 'cuda:N' or 'mps' (this machine has: "
            f"{', '.join(_devices_seen())})."
        )
    return resolved


def _devices_seen() -> list[str]:
    """Return the devices torch sees on this machine, by the names ``device=`` takes."""
    seen = ["cpu"]
    if torch.cuda.is_available():
        seen += [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        seen.append("mps")
    return seen


# ---------------------------------------------------------------------------- forecasts
def last_rows(offsets: np.ndarray, context_length: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the rows a forecast reads: the last ``context_length`` of each series.

    Returns
    -------
    rows : ndarray of shape (n_series, context_length)
        Row numbers, left-aligned; a series shorter than ``context_length`` repeats its last
        row as padding.
    lengths : ndarray of shape (n_series,)
        Real rows of each.
    """
    return history_rows(offsets[:-1], offsets[1:] - 1, context_length)


def history_rows(
    firsts: np.ndarray, lasts: np.ndarray, context_length: int
) -> tuple[np.ndarray, np.ndarray]:
    """Return the rows read by forecasts made after rows ``lasts`` (series starting at ``firsts``).

    As `last_rows`, for any forecast origins: the last ``context_length`` rows up to each
    ``lasts[i]``, not before ``firsts[i]``; shapes ``(n, context_length)`` and ``(n,)``.
    """
    lasts = np.asarray(lasts, dtype=np.int64)
    lengths = np.minimum(lasts - np.asarray(firsts, dtype=np.int64) + 1, context_length)
    rows = (lasts + 1 - lengths)[:, None] + np.arange(context_length)
    return np.minimum(rows, lasts[:, None]), lengths


@torch.inference_mode()
def one_step(
    module: RecurrentNet,
    readable: torch.Tensor,
    offsets: np.ndarray,
    rows: np.ndarray,
    context_length: int,
    standardize: Callable[[torch.Tensor], torch.Tensor],
    select: Callable[[torch.Tensor], torch.Tensor] | None = None,
) -> torch.Tensor:
    """Return the network's output at each row in ``rows``, from its own last rows.

    Each row reads at most ``context_length`` rows of its own series, ending with itself.

    Parameters
    ----------
    module : RecurrentNet
        The network (put in evaluation mode).
    readable : Tensor of shape (n_rows, n_inputs)
        The rows as the network reads them before standardising (missing values filled);
        standardised here, window by window, so the data is never copied whole.
    offsets : ndarray of shape (n_series + 1,)
        Series ``i`` occupies rows ``offsets[i]:offsets[i + 1]``; a window never crosses them.
    rows : ndarray of int
        The rows to forecast from.
    context_length : int
        Longest history read.
    standardize : callable
        Standardises a tensor of input rows.
    select : callable, optional
        Applied to each chunk of outputs (first dimension: the rows) before it is kept, e.g.
        the first step only: memory then holds only what is kept.

    Returns
    -------
    Tensor of shape (len(rows), horizon, n_quantiles, n_targets)
        Or ``(len(rows), ...)`` as ``select`` shapes it.
    """
    L, device = context_length, readable.device
    hidden_size = module.recurrent.hidden_size
    module.eval()
    starts = offsets[np.searchsorted(offsets, rows, side="right") - 1]
    shape = module.output
    keep = (lambda full: full) if select is None else select
    sample = keep(torch.zeros(1, shape.horizon, shape.n_quantiles, shape.n_targets))
    output = torch.empty(len(rows), *sample.shape[1:], device=device)
    early = rows - starts < L
    if early.any():
        # Rows within the first L of their series: one forward over each series' first
        # rows gives all of them (right padding does not change earlier outputs).
        series_starts, inverse = np.unique(starts[early], return_inverse=True)
        stops = offsets[np.searchsorted(offsets, series_starts, side="right")]
        span = int(min(L, (stops - series_starts).max()))
        index = series_starts[:, None] + np.arange(span)
        index = np.minimum(index, (stops - 1)[:, None])
        prefixes = standardize(readable[torch.from_numpy(index).to(device)])
        with threads_for_batch(len(prefixes), hidden_size, device):
            outputs = module(prefixes)
        positions = torch.from_numpy(rows[early] - starts[early]).to(device)
        output[torch.from_numpy(np.flatnonzero(early)).to(device)] = keep(
            outputs[torch.from_numpy(inverse).to(device), positions]
        )
    late = np.flatnonzero(~early)
    if len(late):
        windows = window_view(readable, L)  # a late row exists only in a series longer than L
        chunk = max(1, POSITIONS_PER_CALL // L)
        for begin in range(0, len(late), chunk):
            part = late[begin : begin + chunk]
            first_rows = torch.from_numpy(rows[part] - L + 1).to(device)
            blocks = standardize(take_windows(windows, first_rows, L))
            with threads_for_batch(len(part), hidden_size, device):
                last = module.forward_last(blocks, None)
            output[torch.from_numpy(part).to(device)] = keep(last)
    return output


@torch.inference_mode()
def roll_forward(
    module: RecurrentNet,
    history: torch.Tensor,
    lengths: np.ndarray,
    steps: int,
    context_length: int,
    known: torch.Tensor | None = None,
) -> torch.Tensor:
    """Forecast ``steps`` rows after each series, ``horizon`` at a time.

    One forward over the history gives the next ``horizon`` steps directly; for more, their
    point forecasts become the target columns of the next rows of history (the rest of those
    rows from ``known``) and the network runs again.

    Parameters
    ----------
    module : RecurrentNet
        The network; its layout says where the targets lie in an input row.
    history : Tensor of shape (n_series, context_length, n_inputs)
        The standardised last rows of each series, the first ``lengths[i]`` real
        (left-aligned).
    lengths : ndarray of shape (n_series,)
        Real rows of each history.
    steps : int
        How far to forecast.
    context_length : int
        Longest history read.
    known : Tensor of shape (n_series, steps, n_inputs), optional
        The standardised input rows of the forecast period but for their target columns
        (known-future and static covariates, calendar features); needed past the horizon
        when the rows hold more than the targets.

    Returns
    -------
    Tensor of shape (n_series, steps, n_quantiles, n_targets)
        Standardised forecasts at every quantile level. Past the network's horizon they are
        conditional on the point forecasts fed back.
    """
    L, horizon = context_length, module.output.horizon
    if module.training:
        module.eval()
    device = history.device
    shape = module.output
    future = torch.empty(len(lengths), steps, shape.n_quantiles, shape.n_targets, device=device)
    targets = torch.tensor(module.layout.targets, device=device)
    if known is None and module.layout.targets != tuple(range(module.layout.n_inputs)):
        # Rows of targets only, in another order than the forecasts': placed by position.
        known = torch.zeros(len(lengths), steps, module.layout.n_inputs, device=device)
    if known is not None:
        known = known.to(device)
    lengths = np.asarray(lengths, dtype=np.int64)
    with threads_for_batch(len(lengths), module.recurrent.hidden_size, device):
        done = 0
        while True:
            full = lengths.min() >= L  # known on the host: no device sync
            last = torch.from_numpy(lengths).to(device)
            output = module.forward_last(history, None if full else last)
            take = min(horizon, steps - done)
            future[:, done : done + take] = output[:, :take]
            done += take
            if done == steps:
                break
            rows = module.point(output[:, :take])  # (n_series, take, n_targets)
            if known is not None:
                rows = known[:, done - take : done].index_copy(2, targets, rows)
            history, lengths = _append_rows(history, lengths, rows, L)
    return future


def _append_rows(
    history: torch.Tensor, lengths: np.ndarray, rows: torch.Tensor, context_length: int
) -> tuple[torch.Tensor, np.ndarray]:
    """Append ``rows`` after each history's real rows, keeping the last ``context_length``."""
    added = rows.shape[1]
    combined = torch.cat([history, torch.zeros_like(rows)], dim=1)
    index = torch.from_numpy(lengths[:, None] + np.arange(added)).to(history.device)
    combined.scatter_(1, index[..., None].expand(-1, -1, rows.shape[2]), rows)
    total = lengths + added
    new_lengths = np.minimum(total, context_length)
    # Left-aligned again: row k of the new history is row total - new_length + k.
    keep = (total - new_lengths)[:, None] + np.arange(context_length)
    keep = np.minimum(keep, (total - 1)[:, None])
    keep_t = torch.from_numpy(keep).to(history.device)
    gathered = combined.gather(1, keep_t[..., None].expand(-1, -1, history.shape[2]))
    return gathered, new_lengths


@dataclass(frozen=True)
class NetworkReader:
    """A fitted network with what it reads: the outputs at any rows of a `SequenceData`.

    Parameters
    ----------
    module : RecurrentNet
        The network.
    inputs : InputRows
        Its input rows.
    input_scaler : Standardizer
        Means and scales of the input columns.
    device : str
        Where the network is.
    context_length : int
        Longest history read.
    """

    module: RecurrentNet
    inputs: InputRows
    input_scaler: Standardizer
    device: str
    context_length: int

    def outputs(
        self,
        data: SequenceData,
        select: Callable[[torch.Tensor], torch.Tensor] | None = None,
        rows: np.ndarray | None = None,
        owner: str = "LSTMForecaster",
    ) -> torch.Tensor:
        """Return the standardised outputs at ``rows`` (all by default), each from its history.

        Shape (len(rows), horizon, levels, targets); ``select`` keeps part of each chunk of
        outputs (see `one_step`).
        """
        values, observed = self.inputs.of_data(data, owner=owner)
        readable = shared_tensor(self.input_scaler.fill_missing(values, observed), self.device)
        standardize = self.input_scaler.to_torch(readable.device)
        rows = np.arange(data.n_timesteps) if rows is None else rows
        return one_step(
            self.module, readable, data.offsets, rows, self.context_length, standardize, select
        )


def by_series(
    data: SequenceData, compute: Callable[[SequenceData], np.ndarray], max_rows: int
) -> np.ndarray:
    """Return ``compute(data)``, computed on whole series at most ``max_rows`` rows at a time.

    ``compute`` returns one entry per row (first axis); rows of different series never meet
    in it, so the pieces are what one call on all rows would give. A series longer than
    ``max_rows`` is one piece.
    """
    if data.n_timesteps <= max_rows or data.n_series == 1:
        return compute(data)
    result = None
    for begin, end in series_chunks(data.offsets, max_rows):
        part = compute(data._rows(slice(begin, end)))
        if result is None:
            result = np.empty((data.n_timesteps, *part.shape[1:]), part.dtype)
        result[begin:end] = part
    return result
