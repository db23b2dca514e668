"""The seasonal average, and forecasts combined with it (``seasonal_average``)."""

from __future__ import annotations

import copy
import json
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from tsforecast import LSTMForecaster, backtest
from tsforecast._recurrent.naive_start import COMBINED_WITHIN, SELECTION_VALUES
from tsforecast._recurrent.seasonal_average import (
    MAX_SEASONS,
    WEIGHTS,
    blend,
    chosen_weight,
    seasonal_average,
)
from tsforecast.datasets import load_air_passengers, load_weather

FAST = {"hidden_size": 8, "max_epochs": 3, "random_state": 0, "target_transform": "none"}


@pytest.fixture(scope="module")
def passengers() -> pd.DataFrame:
    return load_air_passengers().to_frame().astype(float)


def by_hand(y: np.ndarray, first: int, last: int, steps: int, m: int) -> np.ndarray:
    """Return the seasonal average after row ``last``, one origin at a time, by hand."""
    history = y[first : last + 1]
    n = len(history)
    seasons = [history[n - (j + 1) * m : n - j * m] for j in range(min(5, n // m))]
    if not seasons:
        return np.full(steps, np.nan)
    profile = np.nanmean([s - np.nanmean(s) for s in seasons], axis=0)
    return np.array([np.nanmean(seasons[0]) + profile[k % m] for k in range(steps)])


def test_the_seasonal_average_is_the_last_seasons_level_and_profile(passengers, monkeypatch):
    y = passengers.iloc[:, 0].to_numpy().copy()
    y[[30, 31, 77]] = np.nan  # missing values count in no mean
    values = y[:, None]
    lasts = np.array([5, 11, 12, 30, 40, 59, 60, 100, 143])
    firsts = np.zeros_like(lasts)
    found = seasonal_average(values, firsts, lasts, 30, 12)
    for i, last in enumerate(lasts):
        np.testing.assert_allclose(found[i, :, 0], by_hand(y, 0, last, 30, 12), rtol=1e-12)
    assert np.isnan(found[0]).all() and np.isfinite(found[1]).all()  # a full season needed
    # only the last MAX_SEASONS seasons count, and never rows before the series' first
    far = seasonal_average(values, np.array([0, 70, 100]), np.array([143] * 3), 12, 12)
    assert MAX_SEASONS == 5
    np.testing.assert_allclose(far[0], far[1])  # the last 5 of 12 seasons, or of 6
    np.testing.assert_allclose(far[2, :, 0], by_hand(y, 100, 143, 12, 12))
    assert not np.allclose(far[0], far[2])  # 3 whole seasons from row 100
    # gathered a few origins at a time (the memory of a long predict): the same forecasts
    monkeypatch.setattr("tsforecast._recurrent.seasonal_average.CHUNK_VALUES", 2 * 5 * 12)
    np.testing.assert_array_equal(seasonal_average(values, firsts, lasts, 30, 12), found)


def shifted(levels: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """Levels moved as the point is: every level by the point's shift."""
    return levels + shift[..., None]


def test_blend_moves_points_and_their_intervals_within_bounds():
    # The intervals move with the point, keeping the network's calibrated width: spanning the
    # network's and the moved ones held 0.86 of visnights' values for 0.80 stated, and 0.94
    # on panels simulated from its regions (`bench_panel_calibration`).
    rng = np.random.default_rng(0)
    levels = np.sort(rng.normal(size=(4, 6, 2, 3)), axis=-1).astype(np.float32)
    points = levels[..., 1].copy()  # the median level is the point
    average = rng.normal(size=(4, 6, 2)) * 3
    average[0, 0, 0] = np.nan  # no seasonal average there: the forecast stays
    kept = points.copy(), levels.copy(), average.copy()
    moved, moved_levels = blend(points, levels, average, 0.5, None)
    for given, before in zip((points, levels, average), kept, strict=True):
        np.testing.assert_array_equal(given, before)  # nothing given is modified
    assert moved.dtype == np.float32 and moved_levels.dtype == np.float32
    expected = np.where(np.isnan(average), points, (points + average) / 2)
    np.testing.assert_allclose(moved, expected, rtol=1e-6)
    np.testing.assert_allclose(moved_levels, shifted(levels, moved - points), atol=1e-5)
    np.testing.assert_allclose(moved_levels[..., 1], moved, atol=1e-5)  # the median is the point
    widths = np.diff(moved_levels, axis=-1), np.diff(levels, axis=-1)
    np.testing.assert_allclose(*widths, atol=1e-5)  # the network's widths, in order
    # only some levels asked for: each by the same shift
    upper = blend(points, levels[..., 2:], average, 0.5, None)[1]
    np.testing.assert_allclose(upper, moved_levels[..., 2:], atol=1e-6)
    bounds = np.array([[0.0, np.inf], [-np.inf, 0.5]])
    inside, inside_levels = blend(points, levels, average, 0.5, bounds)
    assert (inside[..., 0] >= 0).all() and (inside[..., 1] <= 0.5).all()
    assert inside_levels[..., 0, :].min() >= 0 and inside_levels[..., 1, :].max() <= 0.5
    assert blend(points, None, average, 0.0, None)[0].tolist() == points.tolist()


def test_the_weight_is_chosen_as_the_start_is_on_few_validation_values():
    assert WEIGHTS == (0.0, 0.5)
    many, few = SELECTION_VALUES, SELECTION_VALUES - 1
    assert chosen_weight(lambda w: 1.0, many)[0] == 0.0  # ties: the network alone
    assert chosen_weight(lambda w: 2.0 - w, many)[0] == 0.5
    assert chosen_weight(lambda w: 1.0 + w, many)[0] == 0.0  # the least error, on many
    # on few values: combined unless the network alone errs under 1 / 1.5 times as much
    assert COMBINED_WITHIN == 1.5
    assert chosen_weight(lambda w: 1.0 + w, few)[0] == 0.5  # 1.5 against 1.0
    assert chosen_weight(lambda w: 1.0 + 1.01 * w, few)[0] == 0.0
    for values in (few, many):
        assert chosen_weight(lambda w: np.nan if w else 1.0, values)[0] == 0.0  # NaN never wins
        weight, errors = chosen_weight(lambda w: np.nan if w == 0 else 3.0, values)
        assert weight == 0.5 and np.isnan(errors[0.0])
        assert chosen_weight(lambda w: np.nan, values)[0] == 0.0  # nothing scored


@pytest.fixture(scope="module")
def blended(passengers):
    """Return a model combined half and half with the seasonal average, and its network."""
    model = LSTMForecaster(**FAST, seasonal_average=0.5).fit(passengers)
    alone = copy.deepcopy(model)
    alone.seasonal_average_weight_ = 0.0
    return model, alone


def test_every_forecast_moves_half_way_to_the_seasonal_average(blended, passengers):
    model, alone = blended
    assert model.seasonal_average_weight_ == 0.5 and model.seasonal_average_scores_ is None
    y = passengers.iloc[:, 0].to_numpy()
    n = len(y)
    one_step = np.array([by_hand(y, 0, t, 1, 12)[0] for t in range(n)])
    net = alone.predict(passengers)[:, 0]
    expected = np.where(np.isnan(one_step), net, (net + one_step) / 2)
    np.testing.assert_allclose(model.predict(passengers)[:, 0], expected, rtol=1e-5)
    shift = model.predict(passengers) - alone.predict(passengers)
    np.testing.assert_allclose(
        model.predict_quantiles(passengers), shifted(alone.predict_quantiles(passengers), shift),
        rtol=1e-5,
    )  # fmt: skip
    lower, upper = model.predict_interval(passengers)
    network = alone.predict_interval(passengers)
    np.testing.assert_allclose(upper - lower, network[1] - network[0], rtol=1e-4, atol=1e-3)
    # forecast, within the horizon and beyond (the network feeds back its own forecasts)
    ahead = by_hand(y, 0, n - 1, 40, 12)
    network = alone.forecast(passengers, 40).to_numpy()[:, 0]
    forecast = model.forecast(passengers, 40)
    np.testing.assert_allclose(forecast.to_numpy()[:, 0], (network + ahead) / 2, rtol=1e-5)
    both = (
        model.forecast(passengers, 18, quantiles=True),
        alone.forecast(passengers, 18, quantiles=True),
    )
    np.testing.assert_allclose(
        both[0].to_numpy(), shifted(both[1].to_numpy(), (ahead[:18] - network[:18]) / 2),
        rtol=1e-4, atol=1e-3,
    )  # fmt: skip
    # a backtest from an origin is the forecast from that origin
    table = backtest(model, passengers, start=100, steps=12, stride=12, quantiles=True)
    at = table[table["origin"] == table["origin"].iloc[0]].sort_values("step")
    again = model.forecast(passengers.iloc[:100], 12, quantiles=True)
    np.testing.assert_allclose(at["forecast"], again["passengers_q0.5"], rtol=1e-6)
    np.testing.assert_allclose(at["q0.9"], again["passengers_q0.9"], rtol=1e-6)


def test_auto_chooses_on_the_validation_data_of_short_seasonal_series(passengers):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LSTMForecaster(**FAST).fit(passengers)
    scores = model.seasonal_average_scores_
    assert set(scores) == set(WEIGHTS) and all(np.isfinite(list(scores.values())))
    validation_rows = round(model.validation_fraction_ * len(passengers))  # under 250
    assert model.seasonal_average_weight_ == chosen_weight(scores.get, validation_rows)[0]
    # no full season before any validation origin: the errors tie, and the network stays alone
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        year = LSTMForecaster(**FAST).fit(passengers.iloc[:12])
    assert year.seasonal_period_ == 12 and year.seasonal_average_weight_ == 0.0
    assert len(set(year.seasonal_average_scores_.values())) == 1
    # a weight given is kept; 0 leaves the network alone
    assert LSTMForecaster(**FAST, seasonal_average=0).fit(passengers).seasonal_average_weight_ == 0
    # no season, or a long series: none
    flat = LSTMForecaster(**FAST, seasonal_period=None).fit(passengers)
    assert flat.seasonal_average_weight_ == 0.0 and flat.seasonal_average_scores_ is None
    weather = load_weather().to_frame().iloc[:1500][["Dry-bulb (C)"]]
    long = LSTMForecaster(**{**FAST, "max_epochs": 1}).fit(weather)
    assert long.seasonal_average_weight_ == 0.0 and long.seasonal_average_scores_ is None


@pytest.mark.parametrize(
    ("params", "fit_y", "error", "message"),
    [
        ({"seasonal_average": 0.5, "seasonal_period": None}, False, ValueError,
         r"no seasonal period \(seasonal_period_ is None\): give seasonal_period, or "
         r"seasonal_average=0\."),
        ({"seasonal_average": 0.5}, True, ValueError,
         r"learns y, not the next rows of X: fit without y, or seasonal_average=0\."),
        ({"seasonal_average": 0.5, "time_gaps": True}, False, ValueError,
         r"irregular \(time_gaps_ is True\)"),
        ({"seasonal_average": 1.5}, False, ValueError, r"must be in \[0.0, 1.0\]; got 1.5"),
        ({"seasonal_average": "half"}, False, TypeError, r"a number in \[0.0, 1.0\]; got 'half'"),
    ],
)  # fmt: skip
def test_bad_weights_are_refused_before_training(
    passengers, params, fit_y, error, message, monkeypatch
):
    def trained(*args, **kwargs):
        raise AssertionError("trained before the refusal")

    monkeypatch.setattr("tsforecast._estimator.fitting.fit_network", trained)
    y = passengers.iloc[:, 0].to_numpy() if fit_y else None
    with pytest.raises(error, match=message):
        LSTMForecaster(**FAST, **params).fit(passengers, y)


def test_forecasts_stay_within_bounds(passengers):
    # a seasonal average below the floor (a swing deeper than the level) is clipped like
    # the network's own outputs
    low = passengers - passengers.iloc[:, 0].min() + 1.0
    model = LSTMForecaster(**FAST, seasonal_average=1.0, bounds=(0, None)).fit(low)
    forecast = model.forecast(low, 24, quantiles=True)
    assert (forecast.to_numpy() >= 0).all()


def test_saved_loaded_pickled_and_cloned(blended, passengers, tmp_path):
    model, _ = blended
    expected = model.forecast(passengers, 30).to_numpy()
    path = model.save(tmp_path / "model")
    loaded = LSTMForecaster.load(path)
    assert loaded.seasonal_average_weight_ == 0.5
    np.testing.assert_array_equal(loaded.forecast(passengers, 30).to_numpy(), expected)
    assert clone(model).get_params()["seasonal_average"] == 0.5
    state = json.loads((path / "state.json").read_text())
    assert state["format_version"] == 11 and state["seasonal_average_weight_"] == 0.5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        auto = LSTMForecaster(**FAST).fit(passengers)
    again = LSTMForecaster.load(auto.save(tmp_path / "auto"))
    assert again.seasonal_average_scores_ == pytest.approx(auto.seasonal_average_scores_)


def rewritten(path, change_state, change_params=None):
    """Edit a saved model's state.json (and params.json), with checksums that match."""
    import hashlib

    for name, change in (("state.json", change_state), ("params.json", change_params)):
        if change is None:
            continue
        content = json.loads((path / name).read_text())
        change(content)
        (path / name).write_text(json.dumps(content))
    sums = json.loads((path / "checksums.json").read_text())
    for name in ("state.json", "params.json"):
        sums["sha256"][name] = hashlib.sha256((path / name).read_bytes()).hexdigest()
    (path / "checksums.json").write_text(json.dumps(sums))
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s.pop("seasonal_average_weight_"), "no seasonal_average_weight_"),
        (lambda s: s.update(seasonal_average_weight_=True), "True, not a weight in"),
        (lambda s: s.update(seasonal_average_weight_=1.5), "1.5, not a weight in"),
        (lambda s: s.update(seasonal_average_scores_=[[7, 1.0]]), r"\[\[7, 1.0\]\], not"),
    ],
)
def test_a_tampered_weight_is_refused(blended, tmp_path, change, message):
    model, _ = blended
    path = rewritten(model.save(tmp_path / "model"), change)
    with pytest.raises(ValueError, match=message):
        LSTMForecaster.load(path)


def test_models_saved_before_forecast_without_it_and_refit_without_it(
    blended, passengers, tmp_path
):
    model, alone = blended

    def older(state):
        state["format_version"] = 8
        del state["seasonal_average_weight_"], state["seasonal_average_scores_"]

    path = rewritten(model.save(tmp_path / "model"), older, lambda p: p.pop("seasonal_average"))
    loaded = LSTMForecaster.load(path)
    assert loaded.seasonal_average_weight_ == 0.0 and loaded.get_params()["seasonal_average"] == 0
    np.testing.assert_allclose(
        loaded.forecast(passengers, 12).to_numpy(), alone.forecast(passengers, 12).to_numpy()
    )
    pickled = copy.copy(model)  # a pickle from before: neither the parameter nor the weight
    state = dict(pickled.__dict__)
    for name in ("seasonal_average", "seasonal_average_weight_", "seasonal_average_scores_"):
        state.pop(name)
    restored = LSTMForecaster.__new__(LSTMForecaster)
    restored.__setstate__(state)
    assert restored.get_params()["seasonal_average"] == 0.0
    assert restored.seasonal_average_weight_ == 0.0 and restored.seasonal_average_scores_ is None


def test_series_under_two_seasons_are_said_to_teach_no_season(passengers):
    with pytest.warns(UserWarning, match=r"1 of 1 series hold fewer than two seasons of "
                      r"seasonal_period_=12 rows \(the shortest 20 rows\)") as said:  # fmt: skip
        model = LSTMForecaster(**{**FAST, "target_transform": "auto"}).fit(passengers.iloc[:20])
    assert "seasonal" not in model.target_transform_.name
    assert any(w.filename == __file__ for w in said)  # said at the caller's line
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # two seasons: nothing to say of them
        warnings.filterwarnings("ignore", "LSTMForecaster.fit: the series hold 19 row")
        LSTMForecaster(**{**FAST, "target_transform": "auto"}).fit(passengers.iloc[:24])
