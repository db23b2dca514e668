"""The naive forecasters a network is scored beside: the data's, whatever it forecasts."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from tsforecast import LSTMForecaster
from tsforecast.datasets import load_air_passengers


@pytest.mark.parametrize(
    "transform", ["seasonal_difference", "log_seasonal_difference", "difference", "log_difference"]
)
def test_naive_scores_are_those_of_the_data_for_a_model_of_changes(transform):
    # For a model of seasonal changes, "persistence" was last season's change repeated and
    # "seasonal naive" last year's change: on monthly El Nino temperatures it scored 1.48
    # where the data's seasonal naive scores 1.01. Recomputed here from the data: persistence
    # and seasonal naive of the (log) values, each step's MAE over the validation origins, in
    # standard deviations of the training part's changes.
    frame = load_air_passengers().to_frame()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LSTMForecaster(
            hidden_size=4, max_epochs=2, random_state=0, target_transform=transform
        ).fit(frame)
    y = frame.iloc[:, 0].to_numpy(float)
    x = np.log(y) if transform.startswith("log") else y
    lag, n = model.target_transform_.lag, len(y)
    first = n - round(model.validation_fraction_ * n)  # the first validation row
    changes = x[lag:first] - x[: first - lag]
    scale = changes.std()

    def expected(error):  # error(origin rows, step) -> errors of the level at that step
        origins = [np.arange(max(first - 1, 12), n - h) for h in range(1, model.horizon_ + 1)]
        return [np.abs(error(r, h)).mean() / scale for h, r in enumerate(origins, start=1)]

    persistence = expected(lambda r, h: x[r + h] - x[r])
    seasonal = expected(lambda r, h: x[r + h] - x[r + h - 12 * int(np.ceil(h / 12))])
    np.testing.assert_allclose(model.baseline_scores_["persistence"], persistence, rtol=1e-5)
    np.testing.assert_allclose(model.baseline_scores_["seasonal_naive"], seasonal, rtol=1e-5)
