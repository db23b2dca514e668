"""Output constraints (``bounds``) and the divergence warning."""

import warnings

import numpy as np
import pandas as pd
import pytest
import torch

from tsforecast import LSTMForecaster, backtest
from tsforecast._recurrent.bounds import bounded, divergence, series_ranges, warn_divergence
from tsforecast.datasets import load_pbc, load_speech_mfcc

from .conftest import FAST


@pytest.fixture(scope="module")
def pbc():
    return load_pbc()


def test_bounded_outputs_stay_inside_and_unchanged_away_from_the_bounds():
    output = torch.linspace(-5, 5, 101, requires_grad=True)[:, None].expand(-1, 3)
    low = torch.tensor([0.0, -np.inf, -1.0])
    high = torch.tensor([np.inf, 1.0, 1.0])
    inside = bounded(output, low, high)
    assert (inside[:, 0] >= 0).all() and (inside[:, 1] <= 1).all()
    assert ((inside[:, 2] >= -1) & (inside[:, 2] <= 1)).all()
    far = (output[:, 0] > 1).detach()  # a standard deviation away: unchanged
    torch.testing.assert_close(inside[far, 0], output[far, 0])
    inside.sum().backward()  # the infinite bounds never reach the gradient
    grad = output.grad if output.grad is not None else None
    assert grad is None or torch.isfinite(grad).all()


def test_no_forecast_leaves_the_bounds_on_ehr_data(pbc):
    # Six steps at once (not 24): 30-step forecasts feed them back four times.
    params = {"context_length": 8, "hidden_size": 16, "max_epochs": 6, "horizon": 6,
              "random_state": 0}  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        free = LSTMForecaster(**params).fit(pbc)
        assert free.forecast(pbc, 30).to_numpy().min() < 0  # lab values cannot be negative
    model = LSTMForecaster(**params, bounds=(0, None)).fit(pbc)
    assert model.bounds_.tolist() == [[0.0, np.inf]] * pbc.n_features
    assert model.forecast(pbc, 30).to_numpy().min() >= 0
    assert model.forecast(pbc, 5, quantiles=True).to_numpy().min() >= 0
    assert model.predict(pbc).min() >= 0 and model.predict_quantiles(pbc).min() >= 0
    assert model.predict_interval(pbc)[0].min() >= 0


@pytest.fixture(scope="module")
def by_target(pbc):
    """`FAST` fitted on the PBC visits with bounds on two of its targets."""
    return LSTMForecaster(**FAST, bounds={"bili": (0, None), "stage": (1, 4)}).fit(pbc)


def test_bounds_by_target_and_their_errors(pbc, by_target):
    model = by_target
    table = dict(zip(model.target_names_, model.bounds_.tolist(), strict=True))
    assert table["bili"] == [0.0, np.inf] and table["stage"] == [1.0, 4.0]
    assert table["albumin"] == [-np.inf, np.inf]
    assert (model.predict(pbc)[:, model.target_names_.index("stage")] <= 4).all()

    def message(bounds, data=pbc):
        with pytest.raises(ValueError) as error:
            LSTMForecaster(**FAST, bounds=bounds).fit(data)
        return str(error.value)

    assert message((0, 2)) == (
        "LSTMForecaster.fit: target 'bili' is 14.5 at row 0, outside its bounds (0, 2) (764 "
        "value(s) outside). Bounds say what values are possible: fix the data, or widen the "
        "bounds."
    )
    assert message((1, 1)) == "LSTMForecaster: bounds = (1, 1) needs low < high."
    assert message(0) == (
        "LSTMForecaster: bounds must be a pair (low, high) of finite numbers or None (no bound "
        "on that side), such as (0, None) for values that cannot be negative; got 0."
    )
    assert message({"bilirubin": (0, None)}) == (
        f"LSTMForecaster: bounds names ['bilirubin'], which the model does not forecast (its "
        f"targets: {list(pbc.features)})."
    )


def test_bounds_survive_save_and_load(pbc, by_target, tmp_path):
    model = by_target
    loaded = LSTMForecaster.load(model.save(tmp_path / "model"))
    np.testing.assert_array_equal(loaded.bounds_, model.bounds_)
    np.testing.assert_array_equal(loaded.target_range_, model.target_range_)
    np.testing.assert_array_equal(loaded.predict(pbc), model.predict(pbc))


def test_divergence_warns_on_a_tiny_undertrained_model():
    X = load_speech_mfcc().values[:3000]
    tiny = LSTMForecaster(
        hidden_size=2, horizon=1, context_length=16, max_epochs=2, learning_rate=0.05,
        quantiles=None, validation_fraction=0.0, weight_averaging=0.0, random_state=0,
    ).fit(X)  # fmt: skip
    with pytest.warns(RuntimeWarning) as record:
        tiny.forecast(X, 200)
    messages = [str(w.message) for w in record if "diverges" in str(w.message)]
    assert messages == [
        "LSTMForecaster.forecast: the forecast of 'x1' is 563.8 at step 61, far outside its "
        "training range (-141.9 to 205.2): the model diverges when fed its own forecasts. "
        "Forecast fewer steps, fit with a longer horizon (direct forecasts), more data or "
        "epochs, or set bounds."
    ]


def test_divergence_finds_the_earliest_far_step():
    training = np.array([[0.0, 1.0], [10.0, 20.0]])
    forecasts = np.tile([0.5, 15.0], (2, 5, 1))
    assert divergence(forecasts, training) is None
    forecasts[1, 3, 1] = 31.0  # 11 above a range 10 wide: far
    forecasts[0, 4, 0] = np.nan
    assert divergence(forecasts, training) == (1, 4, 1, 31.0)
    forecasts[1, 3, 1] = 29.0  # within one width: not far
    assert divergence(forecasts, training)[:3] == (0, 5, 0)
    assert divergence(forecasts, None) is None


def test_a_constant_series_forecast_at_its_value_does_not_diverge():
    # A range of no width (5 to 5) is as wide as a ten-thousandth of its values: the
    # defaults' forecast of a constant 5 was once reported as diverging, "far outside 5 to 5".
    training = np.array([[5.0, 5.0], [0.0, 0.0], [1e6, 1e6 + 100]])
    assert divergence(np.array([[[5.0002, 0.0, 1e6]]]), training) is None
    assert divergence(np.array([[[5.1, 0.0, 1e6]]]), training) == (0, 1, 0, 5.1)
    # all zeros: the defaults forecast 1e-4 there (a trial was told it diverged)
    assert divergence(np.array([[[5.0, 1e-4, 1e6]]]), training) is None
    assert divergence(np.array([[[5.0, 1e-2, 1e6]]]), training) == (0, 1, 1, 1e-2)
    assert divergence(np.array([[[5.0, 0.0, 1e6 + 1000]]]), training)[:3] == (0, 1, 2)
    constant = pd.DataFrame(
        {"level": np.full(40, 5.0)}, index=pd.date_range("2000-01-01", periods=40, freq="QS")
    )
    model = LSTMForecaster(random_state=0).fit(constant)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        forecast = model.forecast(constant, 8)
    np.testing.assert_allclose(forecast["level"], 5.0, rtol=1e-2)


def test_series_ranges_are_each_series_own_and_pooled_for_a_short_one():
    values = np.r_[np.arange(10.0), 100 + np.arange(10.0), [7.0, 9.0], np.full(9, 50.0)]
    observed = np.ones((len(values), 1), bool)
    observed[0] = False  # the first series' 0 is not observed
    pooled = np.array([[-1.0, 200.0]])
    offsets = np.array([0, 10, 20, 22, 31])
    table = series_ranges(values[:, None], observed, [0], offsets, pooled)
    # short (2 values) and constant (9 times 50): the pooled range
    np.testing.assert_array_equal(table[:, 0], [[1, 9], [100, 109], [-1, 200], [-1, 200]])
    # Judged by its own range, the first series at 20 diverges; by the pooled one it did not.
    forecasts = np.array([[[5.0]], [[105.0]], [[150.0]], [[49.0]]])
    assert divergence(forecasts, table) is None
    forecasts[0, 0, 0] = 20.0
    assert divergence(forecasts, table) == (0, 1, 0, 20.0)
    assert divergence(forecasts, pooled) is None
    # a backtest's origin reads its series up to its last row: not the truth after it
    upto = series_ranges(values[:, None], observed, [0], offsets, pooled, np.array([8, 19]))
    np.testing.assert_array_equal(upto[:, 0], [[1, 8], [100, 109]])


def test_a_small_series_of_a_panel_is_judged_by_its_own_range():
    # Values near 0.1 beside a sine of 1,000 in one model that scales each series by its own
    # size: an undertrained model fed its own forecasts took the small one to 0.55 (its
    # history: -0.14 to 0.21) without a word, well inside the pooled range of -1,000 to 1,000.
    small = load_speech_mfcc().values[:1500, 1] / 1000
    big = 1000 * np.sin(np.arange(1500) / 5)
    index = pd.MultiIndex.from_arrays(
        [np.repeat(["big", "small"], 1500), np.tile(np.arange(1500), 2)], names=["id", "t"]
    )
    X = pd.DataFrame({"v": np.r_[big, small]}, index=index)
    tiny = LSTMForecaster(
        hidden_size=2, horizon=1, context_length=16, max_epochs=2, learning_rate=0.05,
        quantiles=None, validation_fraction=0.0, weight_averaging=0.0, random_state=1,
        scale="series", target_transform="none",
    ).fit(X)  # fmt: skip
    with pytest.warns(RuntimeWarning, match="of series 'small' of 'v' is .* far outside the "
                      r"range of its series' history \(-0.1419 to 0.2052\)"):  # fmt: skip
        points = tiny.forecast(X, 200)
    small_forecast = points.loc["small"].to_numpy()[None]  # (1 series, 200 steps, 1 target)
    assert divergence(small_forecast, tiny.target_range_) is None  # by the pooled range
    with pytest.warns(RuntimeWarning, match=r"origin 1\d\d\d \(series 'small'\) .* range of its"):
        backtest(tiny, X, start=-200, steps=100, stride=100)


def test_a_trend_past_the_training_range_is_followed_not_taken_for_divergence():
    # A trending series' history had left its training range (about 4 to 43) when forecast:
    # step 1 at about 104 "diverged when fed its own forecasts" though it followed the history.
    t = np.arange(100.0)
    trend = pd.DataFrame(
        {"level": 4 + t + np.sin(t)}, index=pd.date_range("2000-01-01", periods=100, freq="QS")
    )
    model = LSTMForecaster(**FAST).fit(trend.iloc[:40])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        forecast = model.forecast(trend, 2)
        backtest(model, trend, start=90, steps=2)
    assert forecast["level"].iloc[0] > 44 + 40  # past the range by its width: the old check warned
    # judged by a range wider than the training range: both named, as is a direct step
    pooled = np.array([[4.0, 43.0]])
    widened = np.array([[[4.0, 58.0]]])
    with pytest.warns(RuntimeWarning) as seen:
        warn_divergence(np.array([[[200.0]]]), widened, ["level"], lambda i: "", "f", 4, pooled)
        warn_divergence(np.array([[[5.0], [200.0]]]), pooled, ["level"], lambda i: "", "f", 1)
    direct, fed = (str(w.message) for w in seen)
    assert "far outside its training range and history (4 to 58): a direct forecast" in direct
    assert "at step 2, far outside its training range (4 to 43): the model diverges" in fed


def test_a_forecast_from_history_without_values_says_so():
    # It was "nan ... far outside its training range: the model diverges".
    history = pd.DataFrame(
        {"x": load_speech_mfcc().values[:400, 1]},
        index=pd.date_range("2000-01-01", periods=400, freq="h"),
    )
    model = LSTMForecaster(**FAST).fit(history)
    with pytest.warns(RuntimeWarning, match=r"is nan at step 1: the history it was forecast "
                      "from holds no observed value"):  # fmt: skip
        model.forecast(history.iloc[:30] * np.nan, 2)


# Not on the defaults: tests/test_accuracy.py checks that no forecast of the defaults, from
# every 24-hour origin of the held-out weather, warns of divergence.


def test_a_backtest_warns_of_forecasts_below_zero_as_forecast_does():
    # A stock run down to 2 is forecast below 0 from there; forecast warned, backtest did not.
    stock = pd.DataFrame({"stock": np.linspace(100, -20, 61)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LSTMForecaster(**FAST).fit(stock.iloc[:40])
    said = r"forecasts of 'stock' from origin 49 fall below 0 .*no value fit saw was below 0"
    with pytest.warns(RuntimeWarning, match=said):
        table = backtest(model, stock, start=50, steps=5, stride=5)
    with pytest.warns(RuntimeWarning, match="fall below 0"):
        cut = model.forecast(stock.iloc[:50], 5)
    np.testing.assert_allclose(table["forecast"][:5], cut["stock"], rtol=1e-6)
    floored = LSTMForecaster(**FAST, bounds=(0, None))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        floored.fit(stock.iloc[:40])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a floor given: nothing to say
        backtest(floored, stock, start=50, steps=5, stride=5)


def test_forecasts_below_zero_of_a_positive_target_are_named():
    # lynx trappings (at least 39 a year) were forecast at -62 without a word (a trial).
    from tsforecast._recurrent.bounds import warn_below_zero

    forecasts = np.array([[[50.0, -3.0], [-62.0, -5.0]]])  # 1 series, 2 steps, 2 targets
    training = np.array([[39.0, 6991.0], [-10.0, 10.0]])  # the second can be negative
    with pytest.warns(RuntimeWarning, match=r"forecasts of 'lynx' fall below 0 \(-62 at step "
                      r"2; the lowest -62, 1 forecast\(s\) in all\), while no value fit saw "
                      r"was below 0 \(the least 39\).*bounds=\(0, None\)"):  # fmt: skip
        warn_below_zero(forecasts, training, None, ["lynx", "change"], lambda i: "", "forecast")
    # Many targets below 0 (a weather table's radiation columns): two detailed, the rest named.
    many = np.full((1, 1, 6), -50.0)
    ranges = np.tile([0.0, 1000.0], (6, 1))
    names = [f"r{i}" for i in range(6)]
    with pytest.warns(RuntimeWarning) as seen:
        warn_below_zero(many, ranges, None, names, lambda i: "", "backtest")
    said = str(seen[0].message)
    assert "so do those of 'r1'" in said and "so do those of 'r2'" in said
    assert "and those of 3 more: 'r3', 'r4', 'r5'" in said and "'r3' (" not in said
    # counts with zeros among them (0 to 14 a month, forecast at -0.36 in a trial) are too
    counts = np.array([[0.0, 14.0], [-10.0, 10.0]])
    with pytest.warns(RuntimeWarning, match=r"no value fit saw was below 0 \(the least 0\)"):
        warn_below_zero(forecasts, counts, None, ["pbs", "change"], lambda i: "", "forecast")
    zeros = np.array([[0.0, 0.0], [-10.0, 10.0]])  # all zero: nothing says it is a count
    floor = np.array([[0.0, np.inf], [-np.inf, np.inf]])  # a floor given: not judged
    no_floor = np.array([[-np.inf, np.inf], [-np.inf, np.inf]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warn_below_zero(forecasts, training, floor, ["lynx", "change"], lambda i: "", "forecast")
        warn_below_zero(np.abs(forecasts), training, no_floor, ["a", "b"], lambda i: "", "f")
        warn_below_zero(forecasts, None, None, ["lynx", "change"], lambda i: "", "forecast")
        warn_below_zero(forecasts, zeros, None, ["zero", "change"], lambda i: "", "forecast")
        # zeros seen, and within a hundredth of the largest training value of 0: float noise
        near = np.array([[[-0.002, -9.0]]])  # a 0/1 indicator; radiation up to 1,000 W/m2
        warn_below_zero(near, np.array([[0.0, 1.0], [0.0, 1000.0]]), None, ["a", "b"],
                        lambda i: "", "f")  # fmt: skip
    # Each target below is named with its own figures (a trial's warning named one target
    # with another's lowest forecast and the count of both).
    both = np.array([[[-0.5, 3.0], [1.0, -3.0]], [[0.5, -185.0], [1.0, 2.0]]])  # 2 series
    ranges = np.array([[0.0, 1.0], [0.0, 500.0]])
    with pytest.warns(RuntimeWarning) as seen:
        warn_below_zero(both, ranges, None, ["sex=m", "days"], lambda i: f" of series {i}", "f")
    [said] = [str(w.message) for w in seen]
    assert (
        "forecasts of 'sex=m' of series 0 fall below 0 (-0.5 at step 1; the lowest -0.5, "
        "1 forecast(s) in all)" in said
    )
    assert (
        "so do those of 'days' of series 1 (the lowest -185, 1 forecast(s) in all, the least "
        "value fit saw 0)" in said
    )
    # A panel's series judged by its own range: a discontinued product (zeros, up to 39)
    # forecast at -6 beside a series of 1,100 was float noise to the pooled range (a trial).
    pooled = np.array([[0.0, 1100.0]])
    panel = np.array([[[-6.0]], [[-6.0]]])  # the product; the large series
    own = np.array([[[0.0, 39.0]], [[0.0, 1100.0]]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warn_below_zero(panel, pooled, None, ["y"], lambda i: f" of series {i}", "f")
    with pytest.warns(RuntimeWarning, match=r"'y' of series 0 fall below 0 \(-6 at step 1; the "
                      r"lowest -6, 1 forecast\(s\) in all\)"):  # fmt: skip
        warn_below_zero(panel, pooled, None, ["y"], lambda i: f" of series {i}", "f", own)
