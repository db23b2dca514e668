"""Random batches of context blocks for training: `BlockSampler` and its `Batch`.

Public through `tsforecast.windowing` (and `tsforecast`); this module holds the sampler so
that the windowing module stays a reading of the training scheme.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from tsforecast._checks import check_int, make_rng
from tsforecast._warnings import ignoring
from tsforecast.sequences import SequenceData, series_offsets

__all__ = ["Batch", "BlockSampler", "as_2d", "shared_tensor", "take_windows", "window_view"]


def as_2d(values: Any, owner: str) -> Any:
    """Return a 2-D view of ``values`` (numpy array or torch tensor); 1-D becomes one feature."""
    if not torch.is_tensor(values):
        values = np.asarray(values)
        if values.dtype.kind not in "biuf":
            raise TypeError(f"{owner}: values must be numeric; got dtype {values.dtype}.")
    if values.ndim == 1:
        return values[:, None]
    if values.ndim != 2:
        raise ValueError(
            f"{owner}: values must be 1-D or 2-D (n_timesteps, n_features); "
            f"got shape {tuple(values.shape)}."
        )
    return values


@dataclass(frozen=True)
class Batch:
    """A batch of blocks drawn by `BlockSampler`.

    Attributes
    ----------
    inputs : array of shape (batch_size, n, n_features)
        ``x[0..n-1]`` of each block; ``n`` is the longest block's ``length - 1``.
    targets : array of shape (batch_size, n, n_features)
        ``x[1..n]`` of each block.
    target_mask : bool array of shape (batch_size, n), or None
        True at real positions, False at padding of blocks shorter than the batch; None when
        every block has full length (nothing is padded).
    observed : bool array of shape (batch_size, n, n_features), or None
        The data's ``mask`` at the targets (False where the source had no value, and at
        padding); None when the data has no mask.
    starts : ndarray of shape (batch_size,)
        Row of the data where each block starts.
    lengths : ndarray of shape (batch_size,)
        Number of points of each block (``context_length + 1`` for a full block).
    """

    inputs: Any
    targets: Any
    target_mask: Any
    observed: Any
    starts: np.ndarray
    lengths: np.ndarray

    @property
    def n_positions(self) -> int:
        """Number of real (unpadded) target positions in the batch."""
        return int((self.lengths - 1).sum())


class BlockSampler:
    """Random batches of context blocks for training, never crossing from one series to the next.

    Each batch is gathered with one indexing operation from the single contiguous array (or
    tensor) that holds all series: no per-sample Python loop and no copy of the data up front.
    A series of ``n >= context_length + 1`` points yields full blocks of ``context_length + 1``
    points starting anywhere in it; a shorter series (at least 2 points) yields one block of all
    its points, padded to the batch's length, with ``target_mask`` marking the real positions.
    Series of a single point hold no example and are left out.

    Series are drawn so that, in expectation, every target position is seen equally often
    (long series in proportion to their length, each short series as one full block's share).
    An epoch is the number of blocks for which each target position is seen about once:
    about ``n_timesteps / context_length`` blocks for long series.

    Parameters
    ----------
    data : SequenceData, ndarray or torch.Tensor
        The series, rows in time order. A `SequenceData` brings its groups and its mask (as
        ``observed``).
    context_length : int
        Longest block input; a full block spans ``context_length + 1`` points.
    batch_size : int, default=64
        Blocks per batch.
    groups : array-like of shape (n_timesteps,), optional
        Series id of each row, for array input (a `SequenceData` has its own).
    observed : bool array of shape (n_timesteps, n_features), optional
        For array input: True where a value was observed (a `SequenceData` brings its mask).
        Batches then carry it at the targets, as ``Batch.observed``.
    random_state : int, Generator, RandomState or None, default=None
        Seeds the draws; the same seed gives the same batches.
    device : str or torch.device, optional
        If given, the data is moved to this torch device once (zero-copy for float32 arrays on
        the CPU) and batches are tensors. Tensor input keeps its own device by default.
    segments : tuple of two int arrays (starts, stops), optional
        Draw blocks only from the row ranges ``[starts[i], stops[i])``, each inside one
        series, each treated as a series of its own: the training part of every series, say,
        without copying it out. Default: every series whole.

    Attributes
    ----------
    n_positions : int
        Target positions in the data (each series contributes ``length - 1``).
    blocks_per_epoch : int
        Blocks drawn in one epoch.
    n_batches : int
        Batches per epoch, ``ceil(blocks_per_epoch / batch_size)``; also ``len(sampler)``.

    Examples
    --------
    >>> import numpy as np
    >>> sampler = BlockSampler(np.arange(100.0), context_length=10, batch_size=4,
    ...                        random_state=0)
    >>> batch = sampler.sample()
    >>> batch.inputs.shape, batch.targets.shape, batch.target_mask is None
    ((4, 10, 1), (4, 10, 1), True)
    >>> bool((batch.targets[:, :-1] == batch.inputs[:, 1:]).all())
    True
    """

    def __init__(
        self,
        data: Any,
        context_length: int,
        batch_size: int = 64,
        *,
        groups: Any = None,
        observed: Any = None,
        random_state: Any = None,
        device: Any = None,
        segments: tuple[Any, Any] | None = None,
    ) -> None:
        self.context_length = check_int("context_length", context_length, owner="BlockSampler")
        self.batch_size = check_int("batch_size", batch_size, owner="BlockSampler")
        if isinstance(data, SequenceData):
            if groups is not None or observed is not None:
                raise ValueError(
                    "BlockSampler: data is a SequenceData, which carries its own groups and "
                    "mask; do not pass groups= or observed= as well."
                )
            values, offsets, observed = data.values, data.offsets, data.mask
        else:
            values = as_2d(data, "BlockSampler")
            offsets, _ = series_offsets(groups, values.shape[0])
            if observed is not None:
                observed = _check_observed(observed, values.shape)
        # Batches are gathered by torch (its index_select on a window view runs near memcpy
        # speed); NumPy input gets NumPy batches back, sharing the gathered memory.
        self._numpy_out = device is None and not torch.is_tensor(values)
        if device is None:
            device = values.device if torch.is_tensor(values) else "cpu"
        self.values = shared_tensor(values, device)
        self.observed = None if observed is None else shared_tensor(observed, device)

        starts, lengths = offsets[:-1], np.diff(offsets)
        if segments is not None:
            starts, lengths = _check_segments(segments, offsets)
        usable = lengths >= 2
        if not usable.any():
            raise ValueError(
                "BlockSampler: no series has the 2 points that one example needs "
                f"(longest: {int(lengths.max(initial=0))})."
            )
        span = self.context_length + 1
        self._series_start = starts[usable]
        self._series_length = lengths[usable]
        self._block_length = np.minimum(self._series_length, span)
        self._n_starts = np.maximum(self._series_length - self.context_length, 1)
        # Draws per series so that each target position is seen equally often in expectation.
        weights = (self._series_length - 1) / (self._block_length - 1)
        self._cumulative = np.cumsum(weights) / weights.sum()
        self.n_positions = int((self._series_length - 1).sum())
        self.blocks_per_epoch = max(1, math.ceil(weights.sum()))
        self.n_batches = math.ceil(self.blocks_per_epoch / self.batch_size)
        self._rng = make_rng(random_state)
        self._span = span
        self._all_full = bool((self._block_length == span).all())
        self._value_windows = window_view(self.values, span)
        self._observed_windows = None if self.observed is None else window_view(self.observed, span)

    def __len__(self) -> int:
        return self.n_batches

    def set_blocks_per_epoch(self, blocks: int) -> None:
        """Draw ``blocks`` blocks per epoch instead (e.g. one rank's share of a larger epoch)."""
        self.blocks_per_epoch = check_int("blocks", blocks, owner="BlockSampler")
        self.n_batches = math.ceil(self.blocks_per_epoch / self.batch_size)

    def __iter__(self) -> Iterator[Batch]:
        """Yield one epoch: ``n_batches`` batches, the last one holding the remaining blocks."""
        remaining = self.blocks_per_epoch
        while remaining > 0:
            size = min(self.batch_size, remaining)
            remaining -= size
            yield self.sample(size)

    def sample(self, batch_size: int | None = None) -> Batch:
        """Draw one batch of random blocks.

        Parameters
        ----------
        batch_size : int, optional
            Blocks to draw; the sampler's ``batch_size`` by default.

        Returns
        -------
        Batch
        """
        size = self.batch_size if batch_size is None else check_int("batch_size", batch_size)
        series = np.searchsorted(self._cumulative, self._rng.random(size), side="right")
        series = np.minimum(series, len(self._cumulative) - 1)
        shift = (self._rng.random(size) * self._n_starts[series]).astype(np.int64)
        starts = self._series_start[series] + shift
        lengths = self._block_length[series]
        return self._gather(starts, lengths)

    def _gather(self, starts: np.ndarray, lengths: np.ndarray) -> Batch:
        device = self.values.device
        span = self._span if self._all_full else int(lengths.max())
        target_mask = observed = None
        if span == self._span and (self._all_full or (lengths == span).all()):
            # Every block has full length: one index_select of whole windows.
            starts_t = torch.from_numpy(starts).to(device)
            blocks = take_windows(self._value_windows, starts_t, span)
            if self.observed is not None:
                observed = take_windows(self._observed_windows, starts_t, span)[:, 1:]
        else:
            # Some blocks are short series: gather row by row, pad with zeros.
            positions = np.arange(span)
            padded = positions >= lengths[:, None]
            index = np.where(padded, starts[:, None], starts[:, None] + positions)
            index_t = torch.from_numpy(index).to(device)
            padded_t = torch.from_numpy(padded).to(device)
            blocks = self.values[index_t].masked_fill(padded_t[..., None], 0)
            target_mask = ~padded_t[:, 1:]
            if self.observed is not None:
                observed = self.observed[index_t][:, 1:] & target_mask[..., None]
        if self._numpy_out:  # on the CPU: .numpy() shares memory
            blocks = blocks.numpy()
            target_mask = None if target_mask is None else target_mask.numpy()
            observed = None if observed is None else observed.numpy()
        return Batch(
            inputs=blocks[:, :-1],
            targets=blocks[:, 1:],
            target_mask=target_mask,
            observed=observed,
            starts=starts,
            lengths=lengths,
        )


def _check_observed(observed: Any, shape: tuple[int, ...]) -> Any:
    """``observed`` as a boolean array or tensor of the data's shape, or a clear error."""
    if not torch.is_tensor(observed):
        observed = np.asarray(observed)
        if observed.ndim == 1 and shape[1] == 1:
            observed = observed[:, None]
    boolean = observed.dtype == (torch.bool if torch.is_tensor(observed) else np.bool_)
    if not boolean or tuple(observed.shape) != shape:
        raise ValueError(
            f"BlockSampler: observed must be a boolean array of the data's shape {shape} "
            f"(True where a value was observed); got dtype {observed.dtype} and shape "
            f"{tuple(observed.shape)}."
        )
    return observed


def _check_segments(segments: Any, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return starts and lengths of ``segments`` = (starts, stops), each range inside one series."""
    try:
        starts, stops = (np.asarray(part) for part in segments)
    except (TypeError, ValueError):
        raise TypeError(
            "BlockSampler: segments must be a pair of integer arrays (starts, stops)."
        ) from None
    if (
        starts.ndim != 1
        or starts.shape != stops.shape
        or starts.dtype.kind not in "iu"
        or stops.dtype.kind not in "iu"
    ):
        raise TypeError(
            "BlockSampler: segments must be a pair of 1-D integer arrays (starts, stops) of "
            f"equal length; got shapes {starts.shape} and {stops.shape}, dtypes "
            f"{starts.dtype} and {stops.dtype}."
        )
    starts, stops = starts.astype(np.int64), stops.astype(np.int64)
    empty = stops <= starts
    outside = (starts < 0) | (stops > offsets[-1])
    series = np.searchsorted(offsets, starts, side="right")
    crossing = series != np.searchsorted(offsets, stops - 1, side="right")
    bad = np.flatnonzero(empty | outside | crossing)
    if len(bad):
        i = int(bad[0])
        if empty[i]:
            why = "is empty"
        elif outside[i]:
            why = f"lies outside the {offsets[-1]} rows of the data"
        else:
            why = f"spans two series (the first ends at row {offsets[series[i]] - 1})"
        raise ValueError(
            f"BlockSampler: segment {i} = rows [{starts[i]}, {stops[i]}) {why}; each segment "
            "must be a non-empty range of rows inside one series."
        )
    return starts, stops - starts


# ---------------------------------------------------------------------------- tensors
def shared_tensor(values: Any, device: Any) -> torch.Tensor:
    """Return ``values`` as a torch tensor on ``device``, sharing its memory where it can.

    A CPU float32 array is shared, a read-only one too, without torch's warning: what reads
    it through here never writes to it.
    """
    with ignoring(Warning, "The given NumPy array is not writable"):
        return torch.as_tensor(values, device=device)


def window_view(tensor: torch.Tensor, span: int) -> torch.Tensor | None:
    """Return a view whose row ``i`` is the window ``tensor[i:i + span]`` (None if too short).

    For a contiguous tensor the rows are the contiguous memory of each window (the flattened
    data unfolded with step ``n_features``), so gathering them is a plain block copy; other
    strides fall back to an ``(n_windows, n_features, span)`` unfold. Nothing is copied.
    """
    n_timesteps, n_features = tensor.shape
    if n_timesteps < span:
        return None
    if tensor.is_contiguous():
        return tensor.reshape(-1).unfold(0, span * n_features, n_features)
    return tensor.unfold(0, span, 1)


def take_windows(windows: torch.Tensor, starts: torch.Tensor, span: int) -> torch.Tensor:
    """Gather windows by start row as a ``(batch, span, n_features)`` tensor."""
    rows = windows.index_select(0, starts)
    if rows.dim() == 2:
        return rows.view(len(starts), span, -1)
    return rows.transpose(1, 2)
