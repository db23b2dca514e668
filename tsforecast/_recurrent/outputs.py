"""How the network's outputs become forecasts: units, bounds, calibrated quantile levels.

The network emits standardised values, per step, quantile level and target. `OutputDecoder`
(a frozen record of the fitted scaler, bounds, levels and conformal margins) turns them into
the targets' units, clipped to their bounds, with the intervals calibrated.
`level_positions` and `interval_levels` read which of the fitted levels a caller asks for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from tsforecast._recurrent.intervals import apply_margins, nominal_margins
from tsforecast._recurrent.paths import quantile_paths
from tsforecast._recurrent.scaling import Standardizer

__all__ = ["OutputDecoder", "interval_levels", "level_names", "level_positions"]


@dataclass(frozen=True)
class OutputDecoder:
    """The fitted state that turns standardised outputs into forecasts.

    Parameters
    ----------
    target_scaler : Standardizer
        Means and scales of the targets.
    bounds : ndarray of shape (n_targets, 2) or None
        Each target's (low, high); None without bounds.
    levels : tuple of float or None
        The quantile levels forecast (None: a point model).
    margins : ndarray of shape (101, horizon, n_pairs, n_targets) or None
        The conformal calibration (None: raw quantiles).
    point_index : int
        Position of the point forecast among the levels.
    lag : int, default=0
        For a model of changes whose intervals are calibrated on their paths
        (``calibration_lag_``): the lag its changes are taken over; the quantiles come out as
        the paths' (`paths.quantile_paths`). 0: step by step.
    """

    target_scaler: Standardizer
    bounds: np.ndarray | None
    levels: tuple[float, ...] | None
    margins: np.ndarray | None
    point_index: int
    lag: int = 0

    def within_bounds(self, values: np.ndarray) -> np.ndarray:
        """Clip to the bounds (last axis: targets).

        The network's outputs are inside already (a transform in the model); this removes the
        float rounding of turning them back into units, and stops widened intervals at them.
        """
        if self.bounds is None:
            return values
        return np.clip(values, self.bounds[:, 0], self.bounds[:, 1])

    def in_units(self, outputs: torch.Tensor) -> np.ndarray:
        """Return standardised outputs in the targets' units, within their bounds."""
        return self.within_bounds(self.target_scaler.inverse(outputs))

    def nominal_margins(self, steps: int) -> np.ndarray:
        """Return the validation margins of the first ``steps`` steps: (steps, pairs, targets)."""
        return nominal_margins(self.margins, self.levels, steps)

    def quantiles(self, outputs: torch.Tensor, margins: np.ndarray | None = None) -> np.ndarray:
        """Calibrated quantiles in the targets' units, from standardised outputs.

        ``outputs``: (n, steps, n_levels, n_targets) for the first ``steps`` horizon steps;
        ``margins`` broadcastable to (n, steps, n_pairs, n_targets): the nominal conformal
        margins by default. With a ``lag``, the quantiles of the paths the changes add up to
        (`paths.quantile_paths`), where the margins were calibrated.
        """
        values = self.target_scaler.inverse(outputs.cpu().numpy())
        if self.lag:
            values = quantile_paths(values, self.point_index, self.lag)
        if self.margins is not None:
            if margins is None:
                margins = self.nominal_margins(outputs.shape[-3])
            values = apply_margins(values, margins, self.levels, self.point_index)
        return self.within_bounds(values)


def level_positions(levels: tuple[float, ...] | None, asked: Any, owner: str) -> list[int]:
    """Positions among the fitted ``levels`` of the levels ``asked`` for (True: all)."""
    if levels is None:
        raise ValueError(
            f"{owner}: this model forecasts points only; fit it with quantiles, e.g. "
            "LSTMForecaster(quantiles=(0.1, 0.5, 0.9)), for quantile forecasts."
        )
    if asked is True:
        return list(range(len(levels)))
    wanted = [asked] if isinstance(asked, (int, float)) else list(asked)
    if not wanted:
        raise ValueError(
            f"{owner}: quantiles=[] asks for no level; pass True for all of {list(levels)} "
            "or some of them (quantiles=[0.1, 0.9]); the point forecasts alone come without "
            "quantiles (predict, or quantiles=None)."
        )
    positions = []
    for level in wanted:
        matches = [i for i, q in enumerate(levels) if abs(q - float(level)) < 1e-9]
        if not matches:
            raise ValueError(
                f"{owner}: the model forecasts the quantile levels {list(levels)}; "
                f"{level!r} is not one of them (fit with it in quantiles to get it)."
            )
        positions.append(matches[0])
    return positions


def level_names(levels: tuple[float, ...], positions: list[int]) -> list[str]:
    """Return the names of the levels at ``positions`` as forecast columns use them: "q0.1"."""
    return [f"q{levels[i]:g}" for i in positions]


def interval_levels(levels: tuple[float, ...] | None, coverage: float, owner: str) -> list[int]:
    """Positions of the lower and upper levels of the interval of ``coverage``."""
    wanted = [round((1 - coverage) / 2, 12), round((1 + coverage) / 2, 12)]
    level_positions(levels, True, owner)  # a point model: a clear error
    if not all(any(abs(q - w) < 1e-9 for q in levels) for w in wanted):
        raise ValueError(
            f"{owner}: an interval of coverage {coverage:g} lies between the quantile "
            f"levels {wanted[0]:g} and {wanted[1]:g}, but the model forecasts "
            f"{list(levels)}; fit it with quantiles=({wanted[0]:g}, "
            f"{wanted[1]:g}) (with others if you like) for this coverage."
        )
    return level_positions(levels, wanted, owner)
