"""One-step forecasts at every row: points and calibrated quantiles.

What `LSTMForecaster.predict`, `predict_quantiles` and `score` return, in the data's row
order, computed on whole series a bounded number of rows at a time (`PREDICT_ROWS_PER_PASS`):
besides the answer, memory holds one chunk's work, whatever the number of series.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tsforecast._recurrent.adaptation import Adaptation
from tsforecast._recurrent.inference import NetworkReader, by_series
from tsforecast._recurrent.outputs import OutputDecoder
from tsforecast._recurrent.target_transform import TargetTransform
from tsforecast.sequences import SequenceData

__all__ = ["PREDICT_ROWS_PER_PASS", "one_step_levels", "one_step_points"]

# predict / predict_quantiles on more rows than this work on whole series a chunk at a time.
PREDICT_ROWS_PER_PASS = 1 << 18


def unknown_next(data: SequenceData, reader: NetworkReader) -> np.ndarray:
    """Rows whose next row's known-future covariates ``X`` does not hold (its series' last).

    Their one-step forecast would need them: `predict` gives NaN there, and `forecast` takes
    them from ``future=``.
    """
    if reader.inputs.future:
        return data.offsets[1:] - 1
    return np.array([], dtype=np.int64)


def one_step_points(
    reader: NetworkReader,
    decoder: OutputDecoder,
    data: SequenceData,
    transform: TargetTransform | None = None,
) -> np.ndarray:
    """Return each row's one-step point forecast in the targets' units: (n, n_targets).

    With a target ``transform``, the network reads the transformed data and its forecasts
    are undone.
    """

    def points(part: SequenceData) -> np.ndarray:
        values = decoder.in_units(reader.outputs(part, reader.module.next_step))
        values[unknown_next(part, reader)] = np.nan
        return values

    return _undone_by_series(data, points, transform, "LSTMForecaster.predict")


def one_step_levels(
    reader: NetworkReader,
    decoder: OutputDecoder,
    adaptation: Adaptation | None,
    data: SequenceData,
    positions: list[int],
    transform: TargetTransform | None = None,
) -> np.ndarray:
    """Return the levels ``positions`` of each row's one-step forecast: (n, targets, levels).

    Calibrated (with ``adaptation``: adapted along each series, row ``t`` using only the
    outcomes up to row ``t``). With a target ``transform``, calibrated and adapted on the
    transformed data, then undone.
    """

    def levels(part: SequenceData) -> np.ndarray:
        outputs = reader.outputs(part, lambda output: output[:, :1])  # the first step only
        margins = None
        if adaptation is not None:
            margins = adaptation.along(outputs, part, np.arange(part.n_timesteps), 1)
        values = decoder.quantiles(outputs, margins)[:, 0][:, positions]  # (n, levels, targets)
        values = values.transpose(0, 2, 1)
        values[unknown_next(part, reader)] = np.nan
        return values

    return _undone_by_series(data, levels, transform, "LSTMForecaster.predict_quantiles")


def _undone_by_series(
    data: SequenceData,
    per_part: Callable[[SequenceData], np.ndarray],
    transform: TargetTransform | None,
    owner: str,
) -> np.ndarray:
    """Return ``per_part`` of the (transformed) data series by series, undone into units."""
    if transform is None:
        return by_series(data, per_part, PREDICT_ROWS_PER_PASS)
    changes = transform.apply(data, owner)
    return transform.undo_next(data, by_series(changes, per_part, PREDICT_ROWS_PER_PASS))
