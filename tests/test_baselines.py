"""Persistence and SeasonalNaive: estimators with the forecaster's interface."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from tsforecast import LSTMForecaster, Persistence, SeasonalNaive
from tsforecast.datasets import load_pbc, load_seattle_weather
from tsforecast.model_selection import SeriesSplit

from .conftest import FAST


# scikit-learn's estimator checks fit every regressor on (X, y) and compare predict(X) with y:
# they test supervised regressors. A naive forecaster has no supervised mode (its forecast of
# row t + 1 is a row of X, and at predict time y is unknown), so fit refuses y and those
# checks cannot apply; the contract they would check is tested here directly.
@pytest.mark.parametrize("model", [Persistence(), SeasonalNaive(period=2)])
def test_the_scikit_learn_contract(model):
    X = np.random.default_rng(0).standard_normal((30, 3)).astype(np.float32)
    kept = X.copy()
    clone_ = clone(model)
    assert clone_.get_params() == model.get_params()
    with pytest.raises(NotFittedError):
        clone_.predict(X)
    fitted = clone_.fit(X)
    assert fitted is clone_ and clone_.n_features_in_ == 3
    np.testing.assert_array_equal(X, kept)  # never modified
    again = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(again.predict(X), fitted.predict(X))
    np.testing.assert_array_equal(clone(model).fit(X).predict(X), clone_.fit(X).predict(X))
    with pytest.raises(ValueError, match="features"):
        fitted.predict(X[:, :2])
    assert fitted.predict(X).shape == (30, 3)


def test_forecasts_follow_the_definitions_on_real_daily_weather():
    data = load_seattle_weather()
    values = data.values[:, :2]
    origins = np.array([400, 800])
    persistence = values[np.repeat(origins[:, None] - 1, 10, axis=1)]
    seasonal = values[origins[:, None] - 7 + np.arange(10) % 7]  # the last week, repeated
    for model, reference in [(Persistence(), persistence), (SeasonalNaive(), seasonal)]:
        model.fit(data)
        for origin, expected in zip(origins, reference, strict=True):
            forecast = model.forecast(data.take(np.arange(origin)), 10)
            assert list(forecast.index) == list(data.local_time[origin : origin + 10])
            np.testing.assert_array_equal(forecast.to_numpy()[:, :2], expected)
    assert SeasonalNaive().fit(data).period_ == 7
    one_step = Persistence(target="temp_max").fit(data).predict(data)
    np.testing.assert_array_equal(one_step[:, 0], data.values[:, 0])


def test_panels_groups_and_scores_as_the_forecaster_takes_them():
    frame = load_pbc().to_frame().iloc[:400]
    model = Persistence(target="bili").fit(frame)
    forecast = model.forecast(frame, 2)
    assert forecast.index.names == ["id", "day"] and list(forecast.columns) == ["bili"]
    last = frame.groupby(level="id")["bili"].last()  # each patient's last visit
    first_step = forecast["bili"].groupby(level="id").first()
    np.testing.assert_array_equal(first_step[last.index].to_numpy(), last.to_numpy())
    assert -1 < model.score(frame) <= 1
    flat = frame.reset_index(level="id")
    grouped = Persistence(target="bili").fit(flat, groups="id")
    np.testing.assert_array_equal(grouped.predict(flat, groups="id"), model.predict(frame))
    with pytest.raises(ValueError, match="without y"):
        Persistence().fit(frame, frame["bili"])
    with pytest.raises(ValueError, match="period="):
        SeasonalNaive().fit(frame.to_numpy())
    with pytest.raises(ValueError, match="at least 3 rows"):
        SeasonalNaive(period=3).fit(frame).forecast(frame.iloc[:2], 1)


def test_baselines_go_where_models_go(seattle):
    X = seattle.set_index("date")[["temp_max", "temp_min"]].iloc[:500]
    X.index = pd.DatetimeIndex(X.index)
    cv = SeriesSplit(n_splits=3, test_size=30)
    search = GridSearchCV(SeasonalNaive(), {"period": [7, 30]}, cv=cv, scoring=cv.scorer("mae"))
    assert search.fit(X).best_params_["period"] in (7, 30)
    pipeline = make_pipeline(FunctionTransformer(lambda x: x), Persistence())
    scores = cross_val_score(pipeline, X, cv=cv, scoring=cv.scorer("rmse"))
    assert np.all(scores < 0)
    # Side by side with the network in one search.
    models = [Persistence(), LSTMForecaster(**FAST)]
    for model in models:
        assert np.isfinite(cross_val_score(model, X, cv=cv, scoring=cv.scorer("mae"))).all()


def test_missing_values_are_never_forecast_the_last_observed_one_is():
    from tsforecast import SequenceData, backtest

    values = np.array([10, 11, 100, 12, 13, 12, 14, 13], dtype=float)
    observed = values != 100  # 100: an adapter's fill where nothing was recorded
    data = SequenceData(values, mask=observed[:, None])
    frame = backtest(Persistence(), data, start=3, steps=1)
    assert frame["forecast"].tolist() == [11, 12, 13, 12, 14]  # row 2 stands for row 1
    seasonal = SeasonalNaive(period=2).fit(data).forecast(data.take(np.arange(4)), 2)
    assert seasonal.ravel().tolist() == [11, 12]  # rows 2 and 3: 2 missing, read as row 1


def test_future_stamps_label_the_next_steps_or_are_refused():
    daily = load_seattle_weather().to_frame()[["temp_max"]]
    model = SeasonalNaive(period=7).fit(daily)
    after = daily.index[-1] + pd.Timedelta("1D")
    right = pd.DataFrame(index=pd.date_range(after, periods=3, freq="D"))
    assert list(model.forecast(daily, 3, future=right).index) == list(right.index)
    every_other_day = pd.DataFrame(index=pd.date_range(after, periods=3, freq="2D"))
    with pytest.raises(ValueError, match=r"are not the next 3 steps.*last row\.$"):
        model.forecast(daily, 3, future=every_other_day)


def test_numeric_future_stamps_are_compared_up_to_rounding():
    from tsforecast import SequenceData

    data = SequenceData(np.sin(np.arange(60.0)), time=np.arange(60) * 0.1)
    model = Persistence().fit(data)
    next_ones = pd.DataFrame(index=pd.Index(np.arange(60, 63) * 0.1))  # 6.2 is 6.200000000000001
    assert model.forecast(data, 3, future=next_ones).shape == (3, 1)
    with pytest.raises(ValueError, match="are not the next 3 steps"):
        model.forecast(data, 3, future=pd.DataFrame(index=pd.Index(np.arange(61, 64) * 0.1)))


def test_seasonal_naive_warns_where_periods_are_missing():
    # Business days with a holiday left out: a lag of 5 rows reads another weekday for the
    # week after it (Monday's forecast read a Tuesday), without a word.
    days = pd.bdate_range("2024-01-01", periods=40).delete([20])
    sales = pd.DataFrame({"sales": 10.0 + 5 * (days.day_of_week == 0)}, index=days)
    with pytest.warns(UserWarning, match=r"'B' \(business days\) with 1 period\(s\) missing.*"
                      r"X.asfreq\('B'\)"):  # fmt: skip
        assert SeasonalNaive().fit(sales).period_ == 5
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # filled as told: nothing to say
        filled = sales.asfreq("B")
        assert SeasonalNaive().fit(filled).forecast(filled.iloc[:-2], 2).notna().all().all()
