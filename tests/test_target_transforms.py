"""Target transforms: the log, the change and the seasonal change, undone exactly.

The undo is an identity (fed the true changes it gives back the true values), the defaults
choose a transform on short seasonal series, trends continue past the training range, a
growing seasonal swing keeps growing, panels of very different sizes come back in each
series' units, and the untrained model is seasonal naive with drift where that is the best
start.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tsforecast import LSTMForecaster, SeasonalNaive, backtest
from tsforecast._recurrent.target_transform import TRANSFORMS, TargetTransform, from_name
from tsforecast._recurrent.transform_choice import (
    COMPARED_VALUES,
    QUICK_EPOCHS,
    best_fit,
    combined_by_auto,
    contenders,
    transform_candidates,
)
from tsforecast.datasets import (
    load_air_passengers,
    load_seattle_weather,
    load_visnights,
    load_weather,
)
from tsforecast.sequences import SequenceData


@pytest.fixture(scope="module")
def passengers() -> pd.DataFrame:
    return load_air_passengers().to_frame()


@pytest.fixture(scope="module")
def passengers_model(passengers: pd.DataFrame) -> LSTMForecaster:
    """Fit the defaults on the first ten years (short training: the choice is tested)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return LSTMForecaster(random_state=0, max_epochs=30).fit(passengers.iloc[:120])


@pytest.fixture(scope="module")
def log_model(passengers: pd.DataFrame) -> LSTMForecaster:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return LSTMForecaster(
            random_state=0, max_epochs=30, target_transform="log_seasonal_difference"
        ).fit(passengers.iloc[:120])


def _panel(lengths: list[int], seed: int) -> SequenceData:
    rng = np.random.default_rng(seed)
    sizes = np.repeat(10.0 ** np.arange(len(lengths)), lengths)[:, None]  # 10, 100, 1000...
    values = np.exp(rng.normal(0.0, 0.3, size=(sum(lengths), 2))) * sizes
    groups = np.repeat(np.arange(len(lengths)), lengths)
    return SequenceData(values.astype(np.float32), groups=groups)


@settings(max_examples=30, deadline=None)
@given(
    name=st.sampled_from(sorted(TRANSFORMS)),
    lag=st.integers(1, 5),
    lengths=st.lists(st.integers(8, 30), min_size=1, max_size=3),
    steps=st.integers(1, 12),
    seed=st.integers(0, 1000),
    scaled=st.sampled_from([None, "seen", "unseen"]),
)
def test_undo_of_the_true_changes_gives_back_the_truth(name, lag, lengths, steps, seed, scaled):
    data = _panel(lengths, seed)
    transform = from_name(name, lag if "seasonal" in name else None, [1, 0])
    if scaled is not None:  # each series divided by its scale: from the data, or from other ids
        other = _panel([9, 9], seed + 1)  # other series, other ids: scaled by their own rows
        fitted_on = data if scaled == "seen" else SequenceData(other.values, groups=[7] * 18)
        transform = transform.scaled_by_series(fitted_on, "test")
        assert transform.series_scales.knows(data.series_ids) == (scaled == "seen")
    changes = transform.apply(data, "test")
    starts = data.offsets[:-1]
    first_defined = max(transform.lag - 1, 0)  # the first row whose next change is known
    lasts = np.array(
        [max(start + first_defined, stop - 1 - steps) for start, stop in data.series_bounds]
    )
    steps = int(min(steps, (data.offsets[1:] - 1 - lasts).min()))
    if steps < 1:
        return
    rows = lasts[:, None] + 1 + np.arange(steps)
    future = changes.values[rows][..., [1, 0]].astype(np.float64)
    # A series fit did not see is read at each row in the scale of its rows up to it, and
    # forecast in its origin's: the true changes in that scale.
    scales = transform._row_scales(data)
    if scaled == "unseen":
        assert not np.allclose(scales[rows], scales[lasts][:, None])  # the scale moves
    future *= scales[rows] / scales[lasts][:, None]
    truth = data.values[rows][..., [1, 0]]
    undone, levels = transform.undo_paths(data, starts, lasts, future, future[..., None] + 0.0)
    np.testing.assert_allclose(undone, truth, rtol=1e-4)
    np.testing.assert_allclose(levels[..., 0], truth, rtol=1e-4)  # a level at the point
    rows = np.arange(data.n_timesteps)
    ahead = np.minimum(rows + 1, data.n_timesteps - 1)
    nexts = transform.undo_next(
        data, changes.values[ahead][:, [1, 0]].astype(np.float64) * scales[ahead] / scales
    )
    start = np.repeat(starts, data.series_lengths)
    inside = (rows + 1 - start >= transform.lag) & np.isin(rows, data.offsets[1:] - 1, invert=True)
    np.testing.assert_allclose(nexts[inside], data.values[ahead][inside][:, [1, 0]], rtol=1e-4)


def test_apply_leaves_the_data_unchanged_and_marks_the_first_lag_rows_missing():
    data = _panel([10, 12], 0)
    before = data.values.copy()
    changes = TargetTransform("seasonal_difference", 4, (0,)).apply(data, "test")
    np.testing.assert_array_equal(data.values, before)
    assert data.mask is None
    for start in data.offsets[:-1]:
        assert not changes.mask[start : start + 4, 0].any()
        assert changes.mask[start + 4 :, 0][:6].all()
    assert changes.mask[:, 1].all()  # not a target: as it was
    np.testing.assert_array_equal(changes.values[:, 1], data.values[:, 1])


def test_quantiles_beyond_the_lag_add_up_the_spread_in_quadrature():
    data = SequenceData(np.arange(1.0, 9.0)[:, None])
    transform = TargetTransform("difference", 1, (0,))
    points = np.zeros((1, 3, 1))
    levels = np.array([-1.0, 0.0, 1.0])[None, None, None, :].repeat(3, axis=1)
    _, undone = transform.undo_paths(data, np.array([0]), np.array([7]), points, levels)
    np.testing.assert_allclose(undone[0, :, 0, 2] - 8.0, np.sqrt([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(undone[0, :, 0, 0] - 8.0, -np.sqrt([1.0, 2.0, 3.0]))


def test_defaults_choose_a_seasonal_transform_on_a_short_monthly_series(passengers_model):
    model = passengers_model
    assert model.seasonal_period_ == 12 and not model.time_gaps_
    scores = model.target_transform_scores_
    assert set(scores) == {"seasonal_difference", "log_seasonal_difference", "difference"}
    assert model.target_transform_.name == min(scores, key=scores.get)
    assert model.target_transform_.lag == 12


def test_a_trend_is_forecast_past_the_training_range(passengers, passengers_model):
    forecast = passengers_model.forecast(passengers.iloc[:120], steps=24)
    training = passengers["passengers"].iloc[:120]
    assert forecast["passengers"].max() > training.max()
    # the second year ahead lies above the first, as every year of the history does
    assert forecast["passengers"].iloc[12:].mean() > forecast["passengers"].iloc[:12].mean()


def test_a_growing_seasonal_swing_is_forecast_growing(passengers):
    def swing(year):
        return year.max() - year.min()

    # eleven years: the validation years show the growth (fitted on ten, they end in 1958's
    # slowdown, where seasonal naive, no growth, errs least and starts the log's model)
    for transform in ["log_seasonal_difference", "auto"]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            model = LSTMForecaster(random_state=0, max_epochs=30, target_transform=transform).fit(
                passengers.iloc[:132]
            )
        forecast = model.forecast(passengers.iloc[:132], steps=24)["passengers"].to_numpy()
        last_year = passengers["passengers"].iloc[120:132].to_numpy()
        assert swing(forecast[:12]) > swing(last_year), transform
        assert swing(forecast[12:]) > swing(forecast[:12]), transform


def test_a_panel_of_sizes_1000_fold_apart_is_forecast_in_each_series_units(passengers):
    big = passengers.iloc[:120]["passengers"].to_numpy()
    frame = pd.concat(
        {"small": pd.DataFrame({"v": big / 1000}, index=passengers.index[:120]),
         "large": pd.DataFrame({"v": big * 1.0}, index=passengers.index[:120])},
        names=["series", "month"],
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        model = LSTMForecaster(random_state=0, max_epochs=10).fit(frame)
    forecast = model.forecast(frame, steps=12)["v"]
    small, large = forecast.xs("small").to_numpy(), forecast.xs("large").to_numpy()
    truth = passengers["passengers"].iloc[120:132].to_numpy()
    for values, factor in ((small, 1 / 1000), (large, 1.0)):
        assert np.all(values > 0.5 * factor * big.min())
        assert np.mean(np.abs(values - truth * factor)) < 0.2 * factor * truth.mean()


def _untrained_forecast(values: np.ndarray, steps: int, **params) -> np.ndarray:
    """Forecast quarterly ``values`` with a seasonal-difference model that keeps its start."""
    stamps = pd.date_range("1998", periods=len(values), freq="QS")
    frame = pd.DataFrame({"v": values}, index=stamps)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        model = LSTMForecaster(
            random_state=0, max_epochs=1, learning_rate=1e-12,
            target_transform="seasonal_difference", quantiles=None, patience=None, **params,
        ).fit(frame)  # fmt: skip
    return model.forecast(frame, steps=steps)["v"].to_numpy()


def test_untrained_model_is_seasonal_naive_with_drift_where_that_starts_best():
    # a year of real quarterly values repeated with a trend, and a level shift in training:
    # on the validation rows seasonal naive with drift is exact (the mean change and a line
    # are pulled by the shift), so it must be the start
    first_year = load_visnights().to_frame().xs("NSWMetro", level="region")["nights"][:4]
    values = np.tile(first_year.to_numpy(), 19) + 0.05 * np.arange(76)
    values[30:] += 3.0
    forecast = _untrained_forecast(values, steps=8)
    expected = np.tile(first_year.to_numpy(), 2) + 0.05 * np.arange(76, 84) + 3.0
    np.testing.assert_allclose(forecast, expected, atol=0.01)  # the untrained LSTM adds ~1e-3


def test_refusals_say_what_to_do(passengers):
    with pytest.raises(ValueError, match="target_transform must be 'auto', one of"):
        LSTMForecaster(target_transform="boxcox").fit(passengers)
    negative = passengers - 200.0
    with pytest.raises(ValueError, match=r"must be positive.*target_transform='none'"):
        LSTMForecaster(target_transform="log", max_epochs=1).fit(negative)
    plain = passengers.reset_index(drop=True)  # no stamps: no seasonal period
    with pytest.raises(ValueError, match=r"no seasonal period.*give seasonal_period"):
        LSTMForecaster(target_transform="seasonal_difference", max_epochs=1).fit(plain)


def test_a_log_model_refuses_a_history_with_values_at_or_below_zero(log_model, passengers):
    with pytest.raises(ValueError, match="must be positive"):
        log_model.predict(passengers.iloc[:120] * 0.0)


def test_auto_is_none_with_y_or_on_many_target_values(passengers):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        supervised = LSTMForecaster(max_epochs=1, random_state=0).fit(
            passengers.iloc[:-1], passengers["passengers"].to_numpy()[1:]
        )
    assert supervised.target_transform_.name == "none"
    assert supervised.target_transform_scores_ is None
    weather = load_weather()  # 8,760 hours of 21 targets: one fit is the budget
    assert weather.n_timesteps * weather.n_features > COMPARED_VALUES
    assert transform_candidates("auto", weather, list(range(21)), 24, 0.1, True) == ["none"]
    one_column = SequenceData(weather.values[:, :1], time=weather.time)
    assert transform_candidates("auto", one_column, [0], 24, 0.1, True) == [
        "none", "seasonal_difference"  # long: the targets as they are compete too
    ]  # fmt: skip


def test_two_seasons_are_enough_for_the_seasonal_transforms(passengers):
    # The rule counts whole series, validation rows included: a 60-month series scored by
    # bench_classic's protocol fits 24 rows, and with "none" forecast at 2.4 times seasonal
    # naive's error (no season learnt from 19 training rows).
    values = passengers.to_numpy(float)
    seasonal = ["seasonal_difference", "log_seasonal_difference", "difference"]
    for rows, expected in ((24, seasonal), (23, ["none", "difference"])):
        data = SequenceData(values[:rows])
        assert transform_candidates("auto", data, [0], 12, 0.2, True) == expected
    # A missing value keeps the log among them: its observed values are all positive (one
    # empty cell dropped it for the whole panel, ausbeer MASE 0.587 to 0.63-0.65; 0.614 now).
    holes = np.ones((48, 1), bool)
    holes[[5, 30]] = False
    with_holes = SequenceData(np.where(holes, values[:48], 0.0), mask=holes)
    assert transform_candidates("auto", with_holes, [0], 12, 0.2, True) == seasonal
    negative = SequenceData(np.where(holes, values[:48], -1.0) - holes * 200.0, mask=holes)
    assert "log_seasonal_difference" not in transform_candidates(
        "auto", negative, [0], 12, 0.2, True
    )
    # but only where the training rows hold a change from one season before, to learn from:
    # none when half of 24 rows are held out, or when the first 7 months are missing
    level = ["none", "difference"]
    assert transform_candidates("auto", SequenceData(values[:24]), [0], 12, 0.5, True) == level
    first_months_missing = np.arange(24)[:, None] >= 7
    gappy = SequenceData(values[:24], mask=first_months_missing)
    assert transform_candidates("auto", gappy, [0], 12, 0.2, True) == level
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        model = LSTMForecaster(random_state=0, max_epochs=5).fit(passengers.iloc[:30])
    assert model.target_transform_.name in ("seasonal_difference", "log_seasonal_difference")
    # the next 12 months follow the last year's shape (summer peak; "none": correlation
    # 0.05, MAE 32), and err less than seasonal naive (MAE 26; the defaults 12)
    forecast = model.forecast(passengers.iloc[:30], 12)["passengers"].to_numpy()
    last_year, next_year = values[18:30, 0], values[30:42, 0]
    assert np.corrcoef(forecast, last_year)[0, 1] > 0.6
    assert np.abs(forecast - next_year).mean() < np.abs(last_year - next_year).mean()


def test_best_fit_compares_quick_fits_and_fits_only_the_best_in_full():
    calls = []
    errors = {"difference": 2.0, "seasonal_difference": 1.0, "none": 3.0}

    def fit(name, epochs):
        calls.append((name, epochs))
        return errors[name] + (10 if epochs == QUICK_EPOCHS else 0)

    kept, scores, _ = best_fit(list(errors), fit, lambda score: score, quick=True)
    assert calls == [(name, QUICK_EPOCHS) for name in errors] + [("seasonal_difference", None)]
    assert kept == 1.0 and scores == {"difference": 12.0, "seasonal_difference": 11.0, "none": 13.0}
    calls.clear()
    kept, _, _ = best_fit(["difference", "seasonal_difference"], fit, lambda score: score)
    assert calls == [("difference", None), ("seasonal_difference", None)] and kept == 1.0


def test_a_model_of_the_level_close_after_the_quick_fits_is_trained_in_full_too():
    """Quick fits favour the changes (they start at seasonal naive, the level at persistence)."""
    quick = {"none": 0.529, "seasonal_difference": 0.518, "log": 0.60}
    full = {"none": 0.449, "seasonal_difference": 0.517, "log": 0.40}
    calls = []

    def fit(name, epochs):
        calls.append((name, epochs))
        return (quick if epochs == QUICK_EPOCHS else full)[name]

    kept, scores, _ = best_fit(list(quick), fit, lambda error: error, quick=True)
    # "log" was not within 10% of the best quick error: never trained in full
    assert calls[3:] == [("seasonal_difference", None), ("none", None)]
    assert kept == 0.449 and scores == {"none": 0.449, "seasonal_difference": 0.517, "log": 0.60}
    assert contenders("none", quick) == ["none"]  # a best model of the level: nothing to redo


def test_a_long_series_keeps_the_transform_its_quick_fit_chose():
    daily = load_seattle_weather()  # 1,461 days: long, weekly season
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        auto = LSTMForecaster(random_state=0, max_epochs=3).fit(daily)
        scores = auto.target_transform_scores_
        assert set(scores) == {"none", "seasonal_difference"}  # temperatures below 0: no log
        chosen = min(scores, key=scores.get)
        alone = LSTMForecaster(random_state=0, max_epochs=3, target_transform=chosen).fit(daily)
    assert auto.target_transform_.name == chosen and auto.n_epochs_ == alone.n_epochs_
    np.testing.assert_array_equal(auto.predict(daily), alone.predict(daily))


def test_backtest_equals_forecast_with_a_transform(passengers, passengers_model):
    table = backtest(passengers_model, passengers.iloc[:132], start=120, steps=6, stride=6)
    direct = passengers_model.forecast(passengers.iloc[:120], steps=6)["passengers"]
    np.testing.assert_allclose(table["forecast"].to_numpy()[:6], direct.to_numpy(), rtol=1e-6)


def test_save_and_load_keep_the_transform(tmp_path, passengers, passengers_model):
    path = passengers_model.save(tmp_path / "model")
    loaded = LSTMForecaster.load(path)
    assert loaded.target_transform_ == passengers_model.target_transform_
    assert loaded.target_transform_scores_ == passengers_model.target_transform_scores_
    np.testing.assert_allclose(
        loaded.forecast(passengers.iloc[:120], steps=3).to_numpy(),
        passengers_model.forecast(passengers.iloc[:120], steps=3).to_numpy(),
    )


def test_intervals_come_back_in_the_data_units_and_hold_the_point(passengers, passengers_model):
    forecast = passengers_model.forecast(passengers.iloc[:120], steps=18, quantiles=True)
    low, mid, high = (forecast[f"passengers_q{q}"] for q in ("0.1", "0.5", "0.9"))
    assert (low <= mid).all() and (mid <= high).all()
    assert ((high - low) > 0).all() and mid.min() > 100
    lower, upper = passengers_model.predict_interval(passengers.iloc[:120])
    inside = (lower[:-1, 0] <= passengers["passengers"].to_numpy()[1:120]) & (
        passengers["passengers"].to_numpy()[1:120] <= upper[:-1, 0]
    )
    assert 0.5 < inside[12:].mean() <= 1.0


def test_bounds_hold_once_a_transformed_forecast_is_undone():
    panel = load_visnights().to_frame()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        model = LSTMForecaster(
            random_state=0, max_epochs=5, bounds=(0, None), target_transform="difference"
        ).fit(panel)
    assert model.target_transform_.network_bounds is None  # kept after undoing, not inside
    forecast = model.forecast(panel, steps=8, quantiles=True)
    assert forecast.to_numpy().min() >= 0
    assert model.predict_quantiles(panel).min() >= 0


def test_only_the_kept_fit_warns(passengers):
    # 36 steps: more than the validation rows reach, so that each fit has a warning to give.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = LSTMForecaster(random_state=0, max_epochs=2, horizon=36).fit(passengers[:120])
    assert len(model.target_transform_scores_) == 3
    with warnings.catch_warnings(record=True) as alone:
        warnings.simplefilter("always")
        LSTMForecaster(
            random_state=0, max_epochs=2, horizon=36, target_transform=model.target_transform_.name
        ).fit(passengers.iloc[:120])
    assert [str(w.message) for w in caught] == [str(w.message) for w in alone]
    assert caught and {w.filename for w in [*caught, *alone]} == {__file__}  # the fit line


def test_a_transform_with_y_or_without_enough_rows_is_refused(passengers):
    X, y = passengers.iloc[:-1], passengers["passengers"].to_numpy()[1:]
    with pytest.raises(ValueError, match=r"model fitted with y does not forecast"):
        LSTMForecaster(max_epochs=1, target_transform="log").fit(X, y)
    with pytest.raises(ValueError, match=r"nothing is left to train on"):
        LSTMForecaster(max_epochs=1, target_transform="seasonal_difference").fit(
            passengers.iloc[:10]
        )


def test_a_forecast_is_undone_from_the_values_given_where_missing_ones_are_filled():
    passengers = load_air_passengers()
    mask = np.ones(passengers.values.shape, bool)
    mask[-1] = False  # the last month unobserved, its value filled (as an adapter would)
    filled = SequenceData(passengers.values, time=passengers.time, mask=mask)
    unfilled = SequenceData(
        np.where(mask, passengers.values, np.nan), time=passengers.time, mask=mask
    )
    transform = TargetTransform("difference", 1, (0,))
    cut = np.array([0]), np.array([143]), np.zeros((1, 2, 1))
    np.testing.assert_allclose(transform.undo_paths(filled, *cut)[0].ravel(), 432.0)
    # a NaN has no value: the last one observed stands in
    np.testing.assert_allclose(transform.undo_paths(unfilled, *cut)[0].ravel(), 390.0)


@pytest.mark.parametrize(
    ("freq", "season"),
    [("MS", 12), ("QE", 4), ("W", 52), ("D", 7), ("h", 24), ("28D", 13), ("YS", None)],
)
def test_seasonal_period_of_calendar_stamps_alone_and_in_a_panel(freq, season):
    from tsforecast._seasons import seasonal_period

    stamps = pd.date_range("2020-01-01", periods=40, freq=freq)
    assert seasonal_period(stamps) == season
    assert seasonal_period(stamps.append(stamps)) == season  # two series of a panel
    # two series one after the other in time, with a gap: the stamps increase throughout
    later = pd.date_range(stamps[-1] + 10 * (stamps[1] - stamps[0]), periods=3, freq=freq)
    following = stamps.append(later)
    assert seasonal_period(following, np.array([0, 40, 43])) == season
    # the first series too short to read a calendar from: the next one is read
    assert seasonal_period(later.append(stamps), np.array([0, 3, 43])) == season
    # every series of 2 rows, one after the other: the stamps while they increase
    assert seasonal_period(stamps[:20], np.arange(0, 21, 2)) == season


def test_a_panel_of_series_following_each_other_in_time_is_seasonal():
    """Monthly series that end before the next starts: the season is still a year.

    Their stamps increase across the series' boundary, where the calendar has a gap: the
    season was None there, so the seasonal transforms and the seasonal-naive check were
    silently skipped.
    """
    first = pd.Series(np.arange(48.0) % 12 + 10, pd.date_range("1990-01-01", periods=48, freq="MS"))
    second = pd.Series(
        np.arange(60.0) % 12 + 50, pd.date_range("2001-07-01", periods=60, freq="MS")
    )
    panel = pd.concat({"a": first, "b": second}, names=["series", "time"]).to_frame("sales")
    model = LSTMForecaster(context_length=8, hidden_size=8, max_epochs=1, random_state=0)
    model.fit(panel)
    assert model.seasonal_period_ == 12
    assert SeasonalNaive().fit(panel).period_ == 12


def test_steps_the_validation_cannot_score_are_warned_about(passengers):
    with pytest.warns(RuntimeWarning, match=r"18 of the 24 horizon steps \(steps 7 to 24\)"):
        model = LSTMForecaster(
            horizon=24, max_epochs=2, random_state=0, validation_fraction=0.1,
            target_transform="none",
        ).fit(passengers.iloc[:60])  # fmt: skip
    assert model.baseline_scores_["model"][6:] == [None] * 18
    with pytest.warns(RuntimeWarning, match=r"steps 7 to 8 of these 8-step forecasts"):
        model.forecast(passengers.iloc[:60], 8)


@pytest.mark.parametrize(
    ("data", "context", "fraction"),
    [
        ("visnights", 16, 0.2),  # quarterly, short: four seasons
        ("passengers", 48, 0.2),  # monthly, short
        ("yearly", 16, 0.2),  # short, no season
        ("daily", 64, 0.1),  # 1,461 days: long
    ],
)
def test_the_short_series_regime_reads_four_seasons_and_holds_out_a_fifth(data, context, fraction):
    from tsforecast._boundary import check_X
    from tsforecast._recurrent.hyperparameters import resolve

    frames = {
        "visnights": lambda: load_visnights().to_frame(),
        "passengers": lambda: load_air_passengers().to_frame(),
        "yearly": lambda: pd.DataFrame(
            {"v": np.arange(100.0)}, index=pd.date_range("1900", periods=100, freq="YS")
        ),
        "daily": lambda: load_seattle_weather().to_frame(),
    }
    model = LSTMForecaster()
    X = check_X(model, frames[data](), None, reset=True)
    resolved = resolve(model.get_params(), X, autoregressive=True)
    assert (resolved.context_length, resolved.validation_fraction) == (context, fraction)
    given = resolve({**model.get_params(), "context_length": 30}, X, autoregressive=True)
    assert given.context_length == 30


def test_the_resolved_context_is_read_and_kept_by_save_and_load(tmp_path, passengers_model):
    assert passengers_model.context_length == "auto" and passengers_model.context_length_ == 48
    assert passengers_model._reader().context_length == 48
    loaded = LSTMForecaster.load(passengers_model.save(tmp_path / "model"))
    assert loaded.context_length_ == 48


def test_month_features_are_read_for_the_forecast_months(passengers):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        model = LSTMForecaster(random_state=0, max_epochs=5, time_features=["month"]).fit(
            passengers.iloc[:120]
        )
    assert model.time_features_ == ["month"]
    forecast = model.forecast(passengers.iloc[:120], steps=12)
    assert list(forecast.index.month) == list(range(1, 13)) and np.isfinite(forecast).all(None)
    with pytest.raises(ValueError, match="time stamps"):
        model.predict(passengers.iloc[:120].reset_index(drop=True))


def test_warnings_of_other_libraries_keep_the_place_they_were_raised_at():
    import sys

    def fit(name, epochs):  # not tsforecast's code: as a torch warning would be
        fit.line = sys._getframe().f_lineno + 1
        warnings.warn("from another library", DeprecationWarning, stacklevel=1)
        return 1.0

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        best_fit(["a", "b"], fit, lambda score: score)
    assert [(w.filename, w.lineno) for w in caught] == [(__file__, fit.line)]


def test_auto_combines_transforms_of_changes_leaving_a_failed_one_out():
    fitted = {  # validation errors
        "seasonal_difference": 1.0, "log_seasonal_difference": 2.5, "difference": 3.5,
        "log_difference": float("nan"), "none": 1.2,
    }  # fmt: skip
    kept, scores, others = best_fit(
        list(fitted), lambda name, epochs: name, lambda name: fitted[name], combine=True,
        keep=combined_by_auto,
    )  # fmt: skip
    # the difference errs 3.5 times as much, the log's has no score, the level is no change
    assert kept == "seasonal_difference" and others == ["log_seasonal_difference"]
    fitted["none"] = 0.5  # the best is a model of the level: combined with nothing
    best, _, others = best_fit(
        list(fitted), lambda n, e: n, fitted.get, combine=True, keep=combined_by_auto
    )
    assert best == "none" and others == []
    assert scores["difference"] == 3.5  # every error is reported, kept or not
    _, _, everything = best_fit(list(fitted), lambda n, e: n, fitted.get, combine=True)
    assert len(everything) == 4  # a list given by the user: all kept


def test_untrained_model_is_seasonal_naive_where_that_starts_best():
    # a real year of quarterly values repeated with noise, and a level shift in training: the
    # seasonal changes are noise (persistence of the last change doubles it) and the shift
    # pulls their mean and the least-squares line; on the validation rows "no seasonal
    # change" (zero, in the units the network reads) errs least, so it must be the start
    first_year = load_visnights().to_frame().xs("NSWMetro", level="region")["nights"][:4]
    rng = np.random.default_rng(0)
    values = np.tile(first_year.to_numpy(), 19) + 0.1 * rng.standard_normal(76)
    values[30:] += 30.0
    forecast = _untrained_forecast(values, steps=3, horizon=3)
    np.testing.assert_allclose(forecast, values[-4:-1], atol=0.03)  # last year's values


def test_history_shorter_than_a_season_is_warned_about(passengers, log_model):
    # From 3 to 11 months of history the value a season before each step is missing: the
    # last one stands in, and a seasonal series was forecast flat without a word.
    with pytest.warns(RuntimeWarning, match="the history holds 6 rows, fewer than the 12 that "
                      "the model's seasonal changes are taken across"):  # fmt: skip
        log_model.forecast(passengers.iloc[100:106], 3)
    panel = pd.concat(
        {"long": passengers.iloc[:40], "short": passengers.iloc[100:105]}, names=["id", "month"]
    )
    with pytest.warns(RuntimeWarning, match="the history of series 'short' holds 5 rows"):
        log_model.forecast(panel, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        log_model.forecast(passengers.iloc[100:112], 3)  # a season: no warning
