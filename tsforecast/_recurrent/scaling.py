"""Standardisation of model inputs and targets: one frozen `Standardizer` for every use.

A forecaster standardises the columns it reads (its inputs, calendar features included) and
the values it forecasts with the means and standard deviations of the training rows, and turns
forecasts back into the data's units. Each of those is a method of one object, on NumPy arrays
or, moved to a device once, on torch tensors batch by batch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from tsforecast._segments import CHUNK_ROWS, Segments

__all__ = ["Standardizer", "fit_scalers", "moments"]


@dataclass(frozen=True, eq=False)
class Standardizer:
    """``(x - mean) / scale`` per column, and its inverse.

    Parameters
    ----------
    mean, scale : ndarray of shape (n_columns,), float32
        The columns' means and scales (scale 1 for a constant or unseen column).

    Examples
    --------
    >>> s = Standardizer(np.array([1.0, 10.0], np.float32), np.array([2.0, 5.0], np.float32))
    >>> s.transform(np.array([[3.0, 0.0]])).tolist()
    [[1.0, -2.0]]
    >>> s.columns([1]).inverse(np.array([[-2.0]])).tolist()
    [[0.0]]
    """

    mean: np.ndarray
    scale: np.ndarray

    @classmethod
    def identity(cls, n_columns: int) -> Standardizer:
        """Mean 0 and scale 1: no change (a model fitted with ``scale=False``)."""
        return cls(np.zeros(n_columns, np.float32), np.ones(n_columns, np.float32))

    @classmethod
    def fit(
        cls, values: np.ndarray, observed: np.ndarray | None, segments: Segments
    ) -> Standardizer:
        """Means and scales of the rows in ``segments`` (observed entries only); see `moments`."""
        return cls(*moments(values, observed, segments))

    @property
    def n_columns(self) -> int:
        """Number of columns."""
        return len(self.mean)

    def columns(self, index: Any) -> Standardizer:
        """Return the standardizer of some columns (a list of positions or a slice)."""
        return Standardizer(self.mean[index], self.scale[index])

    def fill_missing(self, values: np.ndarray, observed: np.ndarray | None) -> np.ndarray:
        """``values`` with the missing entries (not observed, and NaN) set to the mean.

        An entry not observed but given a value (interpolated or carried forward by an
        adapter) is read as given: the fill is the adapter's best estimate, the mean is not.
        ``values`` itself, not a copy, when ``observed`` is None or nothing is missing.
        """
        if observed is None:
            return values
        # Looked for block by block: no data-sized temporaries when nothing is missing (the
        # usual case of data written by an adapter, which fills what it marks missing).
        blocks = range(0, len(values), CHUNK_ROWS)
        if not any(
            (~observed[b : b + CHUNK_ROWS] & ~np.isfinite(values[b : b + CHUNK_ROWS])).any()
            for b in blocks
        ):
            return values
        missing = ~observed & ~np.isfinite(values)
        return np.where(missing, self.mean, values).astype(np.float32, copy=False)

    def transform(self, values: np.ndarray, observed: np.ndarray | None = None) -> np.ndarray:
        """Return a new C-contiguous float32 array of standardised values (0 where not observed)."""
        scaled = np.subtract(values, self.mean, dtype=np.float32)
        scaled /= self.scale
        if observed is not None:
            scaled[~observed] = 0.0
        return scaled

    def inverse(self, values: Any) -> np.ndarray:
        """Standardised values (array or tensor) back in the data's units, as float64."""
        if isinstance(values, torch.Tensor):
            values = values.cpu().numpy()
        return np.asarray(values, dtype=np.float64) * self.scale + self.mean

    def to_torch(self, device: Any) -> Callable[[torch.Tensor], torch.Tensor]:
        """Return a function standardising tensors (last dimension: the columns) on ``device``.

        The means and scales are moved to the device once, not at every call.
        """
        mean = torch.from_numpy(np.ascontiguousarray(self.mean)).to(device)
        scale = torch.from_numpy(np.ascontiguousarray(self.scale)).to(device)
        return lambda inputs: (inputs - mean) / scale


def moments(
    values: np.ndarray, observed: np.ndarray | None, segments: Segments
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of each column over the rows of ``segments``.

    Only observed entries count. The rows are read chunk by chunk with Chan et al.'s pairwise
    update in float64, so nothing is copied. A column with no observed entry gets mean 0 and
    scale 1; a constant one scale 1.

    Parameters
    ----------
    values : ndarray of shape (n_rows, n_columns)
        The data.
    observed : bool ndarray of the same shape, or None
        True where a value was observed (None: all).
    segments : Segments
        The rows to read.

    Returns
    -------
    mean, scale : ndarray of shape (n_columns,), float32
    """
    n_columns = values.shape[1]
    count, mean, m2 = np.zeros(n_columns), np.zeros(n_columns), np.zeros(n_columns)
    for rows in segments.chunks():
        chunk = values[rows].astype(np.float64)
        seen = None if observed is None else observed[rows]
        if seen is None:
            chunk_count = np.full(n_columns, float(len(rows)))
            chunk_mean = chunk.mean(axis=0)
            chunk_m2 = np.square(chunk - chunk_mean).sum(axis=0)
        else:
            chunk_count = seen.sum(axis=0).astype(np.float64)
            chunk_mean = np.where(seen, chunk, 0.0).sum(axis=0) / np.maximum(chunk_count, 1)
            chunk_m2 = np.where(seen, np.square(chunk - chunk_mean), 0.0).sum(axis=0)
        total = count + chunk_count
        share = np.divide(chunk_count, total, out=np.zeros(n_columns), where=total > 0)
        delta = chunk_mean - mean
        mean = mean + delta * share
        m2 = m2 + chunk_m2 + np.square(delta) * count * share
        count = total
    std = np.sqrt(np.divide(m2, count, out=np.ones(n_columns), where=count > 0))
    std = np.where(std > 1e-8 * np.maximum(np.abs(mean), 1.0), std, 1.0)
    return mean.astype(np.float32), std.astype(np.float32)


def fit_scalers(
    values: np.ndarray,
    targets: np.ndarray | None,
    observed: np.ndarray | None,
    train_part: Segments,
    target_columns: list[int] | None,
    scale: bool,
) -> tuple[Standardizer, Standardizer]:
    """Return the standardizers of the inputs and targets, from the training rows.

    ``targets``: ``y`` (None: the targets are the ``target_columns`` of the inputs);
    ``scale=False``: mean 0 and scale 1 (no change).
    """

    def fit(table: np.ndarray, seen: np.ndarray | None) -> Standardizer:
        if not scale:
            return Standardizer.identity(table.shape[1])
        return Standardizer.fit(table, seen, train_part)

    inputs = fit(values, observed)
    if targets is None:
        return inputs, inputs.columns(target_columns)
    return inputs, fit(targets, None)
