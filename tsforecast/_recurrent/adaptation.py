"""Adaptive conformal inference: intervals that follow each series' recent outcomes.

The intervals are calibrated on the validation data (`intervals.conformal_margins`); along
the history given to `predict_quantiles` and `forecast`, each outcome outside its interval
widens the next intervals of its step and each inside narrows them back
(`intervals.adaptive_margins`). `Adaptation` (a frozen record of the fitted calibration)
computes the margins of one-step forecasts at every row (`Adaptation.along`), of the
forecasts after each series' end (`Adaptation.at_ends`) and after any rows, for backtests
(`Adaptation.at_origins`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch

from tsforecast._recurrent.inference import NetworkReader
from tsforecast._recurrent.intervals import (
    adaptive_margins,
    adaptive_margins_at_ends,
    nominal_margins,
)
from tsforecast._recurrent.paths import quantile_paths, truth_paths
from tsforecast._recurrent.scaling import Standardizer
from tsforecast._segments import horizon_rows, series_chunks
from tsforecast.sequences import SequenceData

__all__ = ["ADAPTATION_WINDOW", "Adaptation"]

# Origins at the end of each series over which `forecast` adapts its intervals.
ADAPTATION_WINDOW = 1000
# Series whose intervals adapt together in one vectorised pass.
SERIES_PER_PASS = 1024
# Rows whose outputs are computed at once when adapting the margins of the series' ends.
ADAPTATION_ROWS_PER_PASS = 1 << 16


@dataclass(frozen=True)
class Adaptation:
    """The fitted calibration and how it adapts.

    Parameters
    ----------
    table : ndarray of shape (101, horizon, n_pairs, n_targets)
        The conformal margins at every miscoverage level (``conformal_margins_``).
    levels : tuple of float
        The quantile levels.
    rate : float or "auto"
        Step size of adaptive conformal inference (0: the validation margins only; "auto":
        each series' own, from the outcomes it reads, `intervals.auto_rates`).
    target_columns : list of int or None
        Columns of the data that are the targets (None: a model fitted with ``y``, whose
        outcomes the data does not hold, so nothing adapts).
    target_scaler : Standardizer
        Means and scales of the targets.
    lag : int, default=0
        For a model of changes calibrated on their paths (``calibration_lag_``): the lag;
        the forecasts and outcomes compared are the paths' (`paths`). 0: step by step.
    """

    table: np.ndarray
    levels: tuple[float, ...]
    rate: float | Literal["auto"]
    target_columns: list[int] | None
    target_scaler: Standardizer
    lag: int = 0

    @property
    def adapts(self) -> bool:
        """Whether the margins move with the outcomes."""
        return self.target_columns is not None and self.rate != 0

    def nominal(self, n: int, steps: int) -> np.ndarray:
        """Return the validation margins of ``n`` forecasts: (n, steps, n_pairs, n_targets)."""
        margins = nominal_margins(self.table, self.levels, steps)
        return np.broadcast_to(margins, (n, *margins.shape))

    def along(
        self, outputs: torch.Tensor, data: SequenceData, rows: np.ndarray, steps: int
    ) -> np.ndarray:
        """Margins of the forecasts made at ``rows``, adapted along each series.

        ``rows``: consecutive rows of each series, series after series, in time order;
        ``outputs`` the network's outputs there. The outcomes are the next rows of ``data``.
        Returns margins of shape (len(rows), steps, n_pairs, n_targets).
        """
        table = self.table[:, :steps]
        if not self.adapts:
            return self.nominal(len(rows), steps)
        raw, series, truth, weight = self._inputs(outputs, data, rows, steps)
        # Series of similar lengths, padded to a common count of origins, run together (one
        # vectorised pass per group; sorting by length keeps the padding small).
        _, first, counts = np.unique(series, return_index=True, return_counts=True)
        margins = np.empty((len(rows), steps, *table.shape[2:]))
        by_length = np.argsort(counts, kind="stable")
        for group in np.array_split(by_length, max(1, len(counts) // SERIES_PER_PASS)):
            index = np.concatenate([np.arange(first[i], first[i] + counts[i]) for i in group])
            which = np.repeat(np.arange(len(group)), counts[group])
            position = np.arange(len(index)) - np.repeat(np.cumsum(counts[group]) - counts[group],
                                                          counts[group])  # fmt: skip
            shape = (len(group), counts[group].max())
            padded = np.zeros(shape + raw.shape[1:])
            padded[which, position] = raw[index]
            padded_truth = np.zeros(shape + truth.shape[1:])
            padded_truth[which, position] = np.where(weight[index], truth[index], 0.0)
            padded_weight = np.zeros(shape + weight.shape[1:], bool)
            padded_weight[which, position] = weight[index]
            margins[index] = adaptive_margins(
                table, padded, padded_truth, padded_weight, self.levels, self.rate
            )[which, position]
        return margins

    def _inputs(
        self, outputs: torch.Tensor, data: SequenceData, rows: np.ndarray, steps: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Return what adaptive conformal inference reads at the forecasts made after ``rows``.

        The raw quantiles in the targets' units ``(len(rows), steps, levels, targets)``, each
        row's series, and the outcomes of every step with where they count (inside the series,
        finite and observed): ``(len(rows), steps, targets)`` each; with a ``lag``, the
        quantiles and outcomes of the paths.
        """
        scaler = self.target_scaler
        raw = outputs[:, :steps].cpu().numpy().astype(np.float64) * scaler.scale + scaler.mean
        series = np.searchsorted(data.offsets, rows, side="right") - 1
        ahead, inside = horizon_rows(rows, data.offsets[series + 1], steps)
        columns = np.asarray(self.target_columns)
        truth = data.values[ahead[..., None], columns].astype(np.float64)
        weight = inside[..., None] & np.isfinite(truth)
        if data.mask is not None:
            weight &= data.mask[ahead[..., None], columns]
        if self.lag:
            raw = quantile_paths(raw, self.levels.index(0.5), self.lag)
            truth, weight = truth_paths(truth, weight, self.lag)
        return raw, series, truth, weight

    def at_ends(self, reader: NetworkReader, data: SequenceData, steps: int) -> np.ndarray:
        """Return the margins of forecasts from each series' end, adapted along its last rows."""
        if not self.adapts:
            return self.nominal(data.n_series, steps)
        stops = data.offsets[1:]
        lengths = np.minimum(np.diff(data.offsets), ADAPTATION_WINDOW)
        # Whole series' windows, a bounded number of rows at a time (memory independent of
        # the number of series).
        windows = np.r_[0, np.cumsum(lengths)]
        margins = []
        for first, stop in series_chunks(windows, ADAPTATION_ROWS_PER_PASS):
            chunk = np.arange(np.searchsorted(windows, first), np.searchsorted(windows, stop))
            # Those series alone (whole series: the same outputs), so that each pass reads
            # only their rows.
            begin, end = int(data.offsets[chunk[0]]), int(data.offsets[chunk[-1] + 1])
            part = data if (begin, end) == (0, data.n_timesteps) else data._rows(slice(begin, end))
            ends = np.cumsum(lengths[chunk])
            rows = np.arange(ends[-1]) + np.repeat(stops[chunk] - begin - ends, lengths[chunk])
            outputs = reader.outputs(part, lambda output: output[:, :steps], rows)
            margins.append(self.along(outputs, part, rows, steps)[ends - 1])
        return np.concatenate(margins)  # each series' last origin

    def at_origins(
        self,
        reader: NetworkReader,
        data: SequenceData,
        firsts: np.ndarray,
        lasts: np.ndarray,
        steps: int,
    ) -> np.ndarray:
        """Return the margins `forecast` would give after each row ``lasts[i]``, in one pass.

        As `at_ends` on the data cut after ``lasts[i]``: adaptive conformal inference along
        the last ``ADAPTATION_WINDOW`` rows up to it (from ``firsts[i]``, its series' start),
        for every origin at once. The network's outputs at the rows of all windows are
        computed once (a window's forecasts of rows after its origin are never compared with
        their outcomes); the recursions run side by side, each window front-padded with rows
        that count for nothing. Shape ``(n, steps, n_pairs, n_targets)``.
        """
        table = self.table[:, :steps]
        n = len(lasts)
        if not self.adapts:
            return self.nominal(n, steps)
        lasts = np.asarray(lasts, dtype=np.int64)
        starts = np.maximum(np.asarray(firsts, dtype=np.int64), lasts + 1 - ADAPTATION_WINDOW)
        # The rows of all windows, once each: where the count of windows covering a row is > 0.
        covering = np.zeros(data.n_timesteps + 1, np.int64)
        np.add.at(covering, starts, 1)
        np.add.at(covering, lasts + 1, -1)
        needed = np.flatnonzero(np.cumsum(covering[:-1]) > 0)
        outputs = reader.outputs(data, lambda output: output[:, :steps], needed)
        raw, _, truth, weight = self._inputs(outputs, data, needed, steps)
        truth = np.where(weight, truth, 0.0)
        # The recursions of the windows run side by side, each reading its rows in place.
        windows = np.searchsorted(needed, starts), np.searchsorted(needed, lasts)
        return adaptive_margins_at_ends(table, raw, truth, weight, *windows, self.levels, self.rate)
