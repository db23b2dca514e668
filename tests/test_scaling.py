"""Standardisation: the training rows' moments, and one Standardizer for every use."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from tsforecast._recurrent.scaling import Standardizer, moments
from tsforecast._segments import split_series


def test_moments_are_those_of_the_training_rows_observed_entries():
    rng = np.random.default_rng(0)
    values = rng.normal(5, 3, (300_000, 2)).astype(np.float32)
    observed = rng.random(values.shape) > 0.3
    values[~observed] = np.nan
    offsets = np.array([0, 1_000, 150_000, 300_000])
    train, _ = split_series(offsets, 0.2)
    rows = np.concatenate([np.arange(a, b) for a, b in zip(train.starts, train.stops, strict=True)])
    scaler = Standardizer.fit(values, observed, train)
    expected = np.ma.masked_array(values[rows].astype(np.float64), ~observed[rows])
    np.testing.assert_allclose(scaler.mean, expected.mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(scaler.scale, expected.std(axis=0), rtol=1e-6)
    # A column never observed: mean 0, scale 1; a constant column: scale 1.
    mean, std = moments(
        np.c_[values[:, :1], np.full(300_000, 4.0)],
        np.c_[observed[:, :1] & False, observed[:, 1:]],
        train,
    )
    np.testing.assert_array_equal([mean[0], std[0], mean[1], std[1]], [0, 1, 4, 1])


def scaler() -> Standardizer:
    return Standardizer(
        np.array([1.0, -2.0, 10.0], np.float32), np.array([2.0, 4.0, 0.5], np.float32)
    )


def test_transform_inverse_and_column_subsets_agree():
    s = scaler()
    values = np.array([[3.0, 2.0, 11.0], [1.0, -2.0, 9.5]], np.float32)
    scaled = s.transform(values)
    assert scaled.dtype == np.float32 and scaled.flags.c_contiguous
    np.testing.assert_allclose(scaled, [[1.0, 1.0, 2.0], [0.0, 0.0, -1.0]])
    restored = s.inverse(scaled)
    assert restored.dtype == np.float64
    np.testing.assert_allclose(restored, values)
    np.testing.assert_allclose(s.columns([2, 0]).transform(values[:, [2, 0]]), scaled[:, [2, 0]])
    np.testing.assert_allclose(s.columns(slice(1, None)).inverse(scaled[:, 1:]), values[:, 1:])
    tensor = torch.from_numpy(values)
    np.testing.assert_allclose(s.to_torch("cpu")(tensor).numpy(), scaled)
    np.testing.assert_allclose(s.inverse(torch.from_numpy(scaled)), values)  # tensors too
    assert s.n_columns == 3


def test_missing_values_read_as_the_mean_and_nothing_is_modified():
    s = scaler()
    values = np.array([[np.nan, 2.0, 11.0]], np.float32)
    observed = np.array([[False, True, True]])
    filled = s.fill_missing(values, observed)
    np.testing.assert_allclose(filled, [[1.0, 2.0, 11.0]])
    assert np.isnan(values[0, 0])  # the input is untouched
    assert s.fill_missing(values, None) is values  # nothing missing: no copy
    np.testing.assert_allclose(s.transform(values, observed), [[0.0, 1.0, 2.0]])


def test_values_filled_by_an_adapter_are_read_as_given():
    """Interpolated or carried-forward entries (observed False, but a number) are kept."""
    s = scaler()
    values = np.array([[7.5, 2.0, np.nan]], np.float32)
    observed = np.array([[False, True, False]])
    np.testing.assert_allclose(s.fill_missing(values, observed), [[7.5, 2.0, 10.0]])
    complete = values[:, :2]
    assert s.fill_missing(complete, observed[:, :2]) is complete  # nothing missing: no copy


def test_a_model_reads_the_values_read_weather_interpolated(tmp_path):
    from tsforecast import LSTMForecaster, read_weather
    from tsforecast.datasets import data_path

    table = pd.read_csv(data_path("seattle-weather.csv"))[["date", "temp_max"]][:400]
    gappy = table.drop(index=[300, 301])  # two days interpolated, False in mask
    data = read_weather(gappy)
    assert not data.mask[[300, 301], 0].any()
    # (the network's reading: the seasonal average counts observed values only)
    model = LSTMForecaster(
        context_length=8, hidden_size=4, max_epochs=1, random_state=0, seasonal_average=0
    )
    model.fit(data)
    # The forecasts from the interpolated rows are those from the same numbers given plainly.
    np.testing.assert_allclose(model.predict(data), model.predict(data.values), rtol=1e-5)


def test_identity_changes_nothing():
    values = np.array([[3.0, -7.5]], np.float32)
    identity = Standardizer.identity(2)
    np.testing.assert_array_equal(identity.transform(values), values)
    np.testing.assert_array_equal(identity.inverse(values), values)


def test_a_value_far_from_all_others_is_named_at_fit():
    # One 1e6 among monthly values of 100-130 made the standard deviation the network works
    # in thousands of times their spread: its forecasts fell to 34 for a truth of 133, and fit
    # only said it did not beat seasonal naive "by 0.0126 against 0.0006" (a trial).
    import pytest

    from tsforecast import LSTMForecaster
    from tsforecast._recurrent.far_values import far_value_message
    from tsforecast.datasets import (
        load_air_passengers,
        load_pbc,
        load_quinidine,
        load_seattle_weather,
        load_speech_mfcc,
        load_visnights,
        load_weather,
    )

    passengers = load_air_passengers().to_frame().iloc[:96]
    wrong = passengers.copy()
    wrong.iloc[60, 0] = 1e6
    fast = {"context_length": 8, "hidden_size": 8, "max_epochs": 1, "random_state": 0}
    said = r"target 'passengers' holds a value far from all others: 1e\+06 at row 60, .*NaN"
    with pytest.warns(UserWarning, match=said) as seen:
        LSTMForecaster(**fast).fit(wrong)
    assert [w.filename for w in seen if "far from" in str(w.message)] == [__file__]
    panel = pd.concat({"a": passengers, "b": wrong}, names=["id", "month"])
    with pytest.warns(UserWarning, match=r"1e\+06 at row 60 of series 'b'"):
        LSTMForecaster(**fast).fit(panel)
    # None of the shipped data sets, nor a value missing instead, is named.
    for data in (load_weather(), load_seattle_weather(), load_speech_mfcc(), load_pbc(),
                 load_quinidine(), load_air_passengers(), load_visnights()):  # fmt: skip
        names = [str(name) for name in data.features]
        columns = list(range(len(names)))
        assert far_value_message(data.values, data.mask, columns, data.offsets,
                                 data.series_ids, names) is None, data  # fmt: skip
    wrong.iloc[60, 0] = np.nan
    values = wrong.to_numpy()
    assert far_value_message(values, None, [0], np.array([0, 96]), np.array([0]), ["y"]) is None
    # a shift of level (two fifths of the values at it) is no value far from all others
    shift = np.r_[100 + np.random.default_rng(0).normal(0, 0.005, 70), np.full(50, 160.0)]
    assert (
        far_value_message(shift[:, None], None, [0], np.array([0, 120]), np.array([0]), ["y"])
        is None
    )
