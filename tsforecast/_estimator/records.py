"""The records `LSTMForecaster` builds from its fitted state for the machinery.

Each method returns a small frozen record (what the network reads, how its outputs are
decoded, how intervals adapt...) that the modules of `tsforecast._recurrent` take instead
of the estimator.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import torch

from tsforecast._columns import column_names
from tsforecast._recurrent import bounds as _bounds
from tsforecast._recurrent.adaptation import Adaptation
from tsforecast._recurrent.distributed import Ranks
from tsforecast._recurrent.features import InputRows
from tsforecast._recurrent.hyperparameters import HYPERPARAMETERS
from tsforecast._recurrent.inference import NetworkReader, resolve_device
from tsforecast._recurrent.network import NetworkSpec, OutputShape
from tsforecast._recurrent.outputs import OutputDecoder
from tsforecast._recurrent.target_transform import TargetTransform

__all__ = ["FittedRecords"]


class FittedRecords:
    """`LSTMForecaster`'s records of its parameters and fitted state."""

    def _ranks(self) -> Ranks | None:
        """Return the process group a fit trains in (None: this process alone)."""
        return None if self.distributed is False else Ranks.current()

    def _resolve_device(self) -> torch.device:
        return resolve_device(self.device, "LSTMForecaster")

    # ------------------------------------------------------------------ records of the state
    def _column_names(self) -> list[str]:
        return column_names(getattr(self, "feature_names_in_", None), self.n_features_in_)

    def _input_rows(self) -> InputRows:
        """Return what the network reads: the fitted columns by role and what is added."""
        return InputRows(
            self.n_features_in_, self._column_names(), self.target_indices_, self.future_indices_,
            self.static_indices_, self.time_features_, self.time_gaps_, self.horizon_,
        )  # fmt: skip

    def _network_spec(self) -> NetworkSpec:
        """Return the shape of the network: one factory for fit and load."""
        levels, scaler = self.quantiles_, self.target_scaler_
        output = OutputShape(
            len(self.target_names_), self.horizon_, 1 if levels is None else len(levels),
            None if levels is None else levels.index(0.5),
        )  # fmt: skip
        bounds = _bounds.standardised(self._transform().network_bounds, scaler.mean, scaler.scale)
        return NetworkSpec(
            self._input_rows().layout(), output, self.hidden_size, self.num_layers, self.cell,
            self.dropout, bounds,
        )  # fmt: skip

    def _reader(self) -> NetworkReader:
        return NetworkReader(
            self.module_, self._input_rows(), self.input_scaler_, self.device_,
            self.context_length_,
        )  # fmt: skip

    def _transform(self) -> TargetTransform:
        """Return the targets' transform (none for models fitted before transforms)."""
        fitted = getattr(self, "target_transform_", None)
        fitted = fitted or TargetTransform("none", 0, tuple(self.target_indices_ or ()))
        return replace(fitted, bounds=getattr(self, "bounds_", None))

    def _decoder(self) -> OutputDecoder:
        return OutputDecoder(
            self.target_scaler_, self._transform().network_bounds, self.quantiles_,
            self.conformal_margins_, self.module_.output.point_index, self.calibration_lag_,
        )  # fmt: skip

    def _adaptation(self) -> Adaptation | None:
        """Return how the intervals adapt (None: a point model or no calibration)."""
        if self.conformal_margins_ is None:
            return None
        # Read when forecasting (a set_params after fit acts at once): checked as fit checks it.
        HYPERPARAMETERS["adaptation_rate"].check(
            "adaptation_rate", self.adaptation_rate, type(self).__name__
        )
        return Adaptation(
            self.conformal_margins_, self.quantiles_, self.adaptation_rate,
            self.target_indices_, self.target_scaler_, self.calibration_lag_,
        )  # fmt: skip

    def _members_in_step(self) -> list[Any]:
        """Return the models of the other transforms, given this model's parameters first.

        They share its parameters (those read when forecasting, such as ``adaptation_rate``
        and ``device``, included): a `set_params` after `fit` reaches them too.
        """
        members = getattr(self, "transform_members_", [])
        if members:
            params = self.get_params(deep=False)
            for member in members:
                member.__dict__.update(params)
        return members
