"""`RowIds`: the series id of every row of an opened `SequenceData`, computed, not stored."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["RowIds"]


class RowIds:
    """The series id of every row, computed from the series offsets instead of stored.

    Behaves as a read-only 1-D array for what reads ``SequenceData.groups``: ``len``,
    indexing by slices and integer arrays, and ``numpy.asarray`` (which builds the full array,
    one id per row).
    """

    ndim = 1

    def __init__(self, offsets: np.ndarray, ids: np.ndarray) -> None:
        self.offsets, self.ids = offsets, ids

    @property
    def shape(self) -> tuple[int]:
        """``(n_timesteps,)``."""
        return (int(self.offsets[-1]),)

    @property
    def dtype(self) -> np.dtype:
        """The ids' dtype."""
        return self.ids.dtype

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, rows: Any) -> Any:
        """Return the ids of rows: a slice, integer positions (negative from the end), a mask."""
        if isinstance(rows, slice):
            positions = np.arange(*rows.indices(len(self)))  # only the rows asked for
        else:
            positions = np.asarray(rows)
            if positions.dtype == np.bool_:
                positions = np.flatnonzero(positions)
            positions = np.where(positions < 0, positions + len(self), positions)
            if positions.size and (positions.min() < 0 or positions.max() >= len(self)):
                raise IndexError(f"row index out of range for {len(self)} rows.")
        series = np.searchsorted(self.offsets, positions, side="right") - 1
        return self.ids[series]

    def __eq__(self, other: Any) -> Any:
        """Compare row by row, as the per-row array would (``groups == "a"``)."""
        return np.asarray(self) == other

    def __ne__(self, other: Any) -> Any:
        """Compare row by row, as the per-row array would."""
        return np.asarray(self) != other

    __hash__ = None  # arrays are not hashable either

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        rows = np.repeat(self.ids, np.diff(self.offsets))
        return rows if dtype is None else rows.astype(dtype)
