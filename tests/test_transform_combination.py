"""A model per target transform, their forecasts combined: the median of the models'.

``target_transform`` a list, or ``"auto"`` on short series; saved and loaded whole.
"""

from __future__ import annotations

import copy
import json
import pickle
import shutil

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from tsforecast import LSTMForecaster, backtest
from tsforecast._recurrent.combination import median_forecast
from tsforecast._recurrent.transform_choice import KEEP_WITHIN, combines
from tsforecast.datasets import load_air_passengers, load_weather

# The networks' combination alone (with the seasonal average: tests/test_seasonal_average.py).
FAST = {
    "context_length": 12, "hidden_size": 8, "max_epochs": 3, "random_state": 0,
    "seasonal_average": 0,
}  # fmt: skip
PAIR = ["seasonal_difference", "log_seasonal_difference"]


@pytest.fixture(scope="module")
def passengers() -> pd.DataFrame:
    return load_air_passengers().to_frame()


@pytest.fixture(scope="module")
def models(passengers):
    """Return the combination of `PAIR`, and a model fitted with each transform alone."""
    combined = LSTMForecaster(**FAST, target_transform=PAIR).fit(passengers)
    alone = {n: LSTMForecaster(**FAST, target_transform=n).fit(passengers) for n in PAIR}
    return combined, alone


def test_the_forecasts_are_the_median_of_the_models_fitted_with_each_transform(models, passengers):
    combined, alone = models
    names = [combined.target_transform_.name] + [
        m.target_transform_.name for m in combined.transform_members_
    ]
    assert sorted(names) == sorted(PAIR)  # the best on validation first
    best = min(combined.target_transform_scores_, key=combined.target_transform_scores_.get)
    assert names[0] == best

    def mean(call):
        return (call(alone[PAIR[0]]) + call(alone[PAIR[1]])) / 2  # two models: their mean

    # The combined intervals are then widened where they held less than stated on the
    # validation rows (tests/test_combined_widths.py): a factor per step and level.
    factors = combined.interval_widening_[..., 0]  # (steps, levels)

    def widened(levels, steps):  # levels (..., 3): q0.1, q0.5, q0.9 of one target
        point = levels[..., 1:2]
        return point + factors[steps] * (levels - point)

    np.testing.assert_allclose(combined.predict(passengers), mean(lambda m: m.predict(passengers)),
                               rtol=1e-6, atol=1e-6)  # fmt: skip
    quantiles = mean(lambda m: m.predict_quantiles(passengers))  # (rows, 1, levels): step 1
    np.testing.assert_allclose(combined.predict_quantiles(passengers), widened(quantiles, 0),
                               rtol=1e-6, atol=1e-6)  # fmt: skip
    paths = mean(lambda m: m.forecast(passengers, 18, quantiles=True).to_numpy())
    np.testing.assert_allclose(combined.forecast(passengers, 18, quantiles=True).to_numpy(),
                               widened(paths, np.arange(18)), rtol=1e-6, atol=1e-6)  # fmt: skip
    # beyond the horizon each model feeds its own forecasts back: the median of paths
    np.testing.assert_allclose(combined.forecast(passengers, 40).to_numpy(),
                               mean(lambda m: m.forecast(passengers, 40).to_numpy()),
                               rtol=1e-6, atol=1e-6)  # fmt: skip
    table = backtest(combined, passengers, start=100, steps=12, stride=6, quantiles=True)
    parts = [backtest(m, passengers, start=100, steps=12, stride=6, quantiles=True) for m in
             alone.values()]  # fmt: skip
    columns = ["q0.1", "forecast", "q0.9"]
    expected = (parts[0][columns].to_numpy() + parts[1][columns].to_numpy()) / 2
    expected = widened(expected, table["step"].to_numpy() - 1)
    np.testing.assert_allclose(table[columns].to_numpy(), expected, rtol=1e-6)
    lower, upper = combined.predict_interval(passengers)
    assert (lower <= upper).all()


def test_models_of_the_log_are_left_out_of_the_histories_they_cannot_read(models, passengers):
    # A trial's growth rate, positive on its 12 training rows: "auto" kept a model of the log
    # among transform_members_, and every forecast from a history holding a value <= 0 failed.
    # Each history is forecast as from it alone: the forecasts from those holding the value
    # are the other model's, the others the median (two models: the mean) of both.
    _, alone = models
    kept, logged = (copy.deepcopy(alone[name]) for name in PAIR)
    both = copy.deepcopy(kept)
    both.transform_members_ = [logged]
    history = passengers.astype(float)
    bad = len(history) - 30
    history.iloc[bad, 0] = -1.0
    said = r"the history holds target values <= 0 \(the first: row 114 of series 0\), which "
    said += r"the model\(s\) forecasting their log "
    said += r"\(log_seasonal_difference\) cannot read: the forecasts from histories holding one "
    said += r"are the median of the other models \(seasonal_difference\)"
    clean = history.drop(history.index[bad:])  # what the log model reads of it

    def mean(call):
        return (call(kept) + call(logged)) / 2

    calls = {
        "forecast": lambda m: m.forecast(history, 18, quantiles=True).to_numpy(),
        "predict": lambda m: m.predict(history),
        "predict_quantiles": lambda m: m.predict_quantiles(history),
        "predict_interval": lambda m: np.stack(m.predict_interval(history), axis=-1),
        "score": lambda m: np.array(m.score(history)),
        "backtest": lambda m: backtest(m, history, start=100, steps=6, quantiles=True)[
            ["forecast", "q0.1", "q0.9"]
        ].to_numpy(),
    }  # fmt: skip
    found = {}
    for name, call in calls.items():
        owner = "backtest" if name == "backtest" else f"LSTMForecaster.{name}"
        with pytest.warns(RuntimeWarning, match=f"{owner}: {said}") as caught:
            found[name] = call(both)
        told = [w for w in caught if "cannot read" in str(w.message)]
        assert len(told) == 1 and told[0].filename == __file__  # once, at the caller's line
    np.testing.assert_array_equal(found["forecast"], calls["forecast"](kept))
    for name in ("predict", "predict_quantiles", "predict_interval"):  # row t: rows up to t
        before = calls[name]
        expected = np.concatenate([
            ((before(kept)[:bad] + _read(logged, clean, name)) / 2), before(kept)[bad:]
        ])  # fmt: skip
        np.testing.assert_allclose(found[name], expected, rtol=1e-6)
    # a backtest from an origin is the forecast from the data cut there
    table = backtest(both, history, start=100, steps=6, stride=6)
    for origin, rows in table.groupby("origin", sort=False):
        o = history.index.get_loc(pd.Timestamp(origin)) + 1
        cut = both.forecast(history.iloc[:o], 6)["passengers"].to_numpy()
        np.testing.assert_allclose(rows.sort_values("step")["forecast"], cut, rtol=1e-6)
    # The forecaster's own model is left out too where another reads the history (a trial's
    # combination kept the log's model as its own, and refused every such history); where
    # none can, its error says why.
    logged.transform_members_ = [kept]
    with pytest.warns(RuntimeWarning, match=r"their log \(log_seasonal_difference\) cannot"):
        own_left_out = logged.forecast(history, 6, quantiles=True).to_numpy()
    np.testing.assert_array_equal(own_left_out, kept.forecast(history, 6, quantiles=True))
    logged.transform_members_ = []
    with pytest.raises(ValueError, match=r"must be positive, but the data holds values <= 0"):
        logged.forecast(history, 6)


def _read(model, clean, name):
    """One-step forecasts of ``model`` at the rows of ``clean`` (the rows before the value)."""
    if name == "predict_interval":
        return np.stack(model.predict_interval(clean), axis=-1)
    return getattr(model, name)(clean)


def test_median_of_three_keeps_the_levels_in_order():
    rng = np.random.default_rng(0)
    levels = [np.sort(rng.normal(size=(5, 3)), axis=-1) for _ in range(3)]
    combined = median_forecast(levels)
    np.testing.assert_array_equal(combined, np.median(np.stack(levels), axis=0))
    assert (np.diff(combined, axis=-1) >= 0).all()
    with pytest.raises(ValueError, match="no forecast"):
        median_forecast([])


def test_auto_combines_its_candidates_on_short_series_only(passengers):
    model = LSTMForecaster(**FAST).fit(passengers)  # target_transform="auto"
    scores = model.target_transform_scores_
    assert list(scores) == [*PAIR, "difference"]  # short and seasonal: the change too
    best = scores[model.target_transform_.name]
    assert [m.target_transform_.name for m in model.transform_members_] == [
        n for n in scores if n != model.target_transform_.name and scores[n] <= KEEP_WITHIN * best
    ]
    assert all(m.transform_members_ == [] for m in model.transform_members_)
    short, long = load_air_passengers(), load_weather()
    assert combines("auto", PAIR, short) and combines(PAIR, PAIR, long)
    assert not combines("auto", PAIR, long)  # compared after an epoch: only the best trained
    assert not combines("auto", ["none"], short) and not combines(["log"], ["log"], short)


def test_a_single_transform_has_no_members(passengers):
    model = LSTMForecaster(**FAST, target_transform="log_seasonal_difference").fit(passengers)
    assert model.transform_members_ == [] and model.target_transform_scores_ is None
    listed = LSTMForecaster(**FAST, target_transform=["log"]).fit(passengers)
    assert listed.target_transform_.name == "log" and listed.transform_members_ == []


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (["log", "log"], "names a transform twice"),
        ([], "or a list of distinct names"),
        (["log", "boxcox"], "or a list of distinct names"),
        ("log, difference", "or a list of distinct names"),
    ],
)
def test_bad_lists_are_refused_with_what_to_do(passengers, value, message):
    with pytest.raises(ValueError, match=message):
        LSTMForecaster(**FAST, target_transform=value).fit(passengers)


def test_a_list_is_a_parameter_like_any_other(models, passengers):
    combined, _ = models
    again = clone(combined)
    assert again.get_params()["target_transform"] == PAIR
    assert again.get_params()["target_transform"] is not combined.target_transform
    copy = pickle.loads(pickle.dumps(combined))
    np.testing.assert_array_equal(copy.forecast(passengers, 18), combined.forecast(passengers, 18))


def test_saved_and_loaded_whole_and_checked(models, passengers, tmp_path):
    combined, _ = models
    path = combined.save(tmp_path / "model")
    loaded = LSTMForecaster.load(path)
    expected = combined.forecast(passengers, 30, quantiles=None).to_numpy()
    np.testing.assert_array_equal(loaded.forecast(passengers, 30).to_numpy(), expected)
    assert [m.target_transform_.name for m in loaded.transform_members_] == [
        m.target_transform_.name for m in combined.transform_members_
    ]
    # a member's files altered: its own checksums refuse it
    weights = path / "transform_members" / "0" / "weights.pt"
    weights.write_bytes(weights.read_bytes()[:-8] + b"\0" * 8)
    with pytest.raises(ValueError, match=r"weights\.pt does not match its checksum"):
        LSTMForecaster.load(path)
    # a member missing: refused, not forecast with the first model alone
    path = combined.save(tmp_path / "model", overwrite=True)
    shutil.rmtree(path / "transform_members" / "0")
    with pytest.raises(ValueError, match=r"names 1 model\(s\) of other target transforms"):
        LSTMForecaster.load(path)
    # a member of another transform put in its place
    path = combined.save(tmp_path / "model", overwrite=True)
    other = LSTMForecaster(**FAST, target_transform="log").fit(passengers)
    shutil.rmtree(path / "transform_members" / "0")
    other.save(path / "transform_members" / "0")
    with pytest.raises(ValueError, match="holds a model of target_transform 'log'"):
        LSTMForecaster.load(path)


def test_a_tampered_list_of_members_is_refused(models, tmp_path):
    import hashlib

    combined, _ = models
    path = combined.save(tmp_path / "model")
    state = json.loads((path / "state.json").read_text())
    state["transform_members_"] = ["boxcox"]
    (path / "state.json").write_text(json.dumps(state))
    sums = json.loads((path / "checksums.json").read_text())
    sums["sha256"]["state.json"] = hashlib.sha256((path / "state.json").read_bytes()).hexdigest()
    (path / "checksums.json").write_text(json.dumps(sums))
    with pytest.raises(ValueError, match="transform_members_ is"):
        LSTMForecaster.load(path)


def test_set_params_after_fit_reaches_every_model(models, passengers):
    combined, alone = models
    combined.set_params(adaptation_rate=0.0)
    try:
        for model in alone.values():
            model.set_params(adaptation_rate=0.0)
        mean = sum(m.predict_quantiles(passengers) for m in alone.values()) / 2
        point = mean[..., 1:2]  # widened as the combination's step 1 is (the test above)
        expected = point + combined.interval_widening_[0, :, 0] * (mean - point)
        np.testing.assert_allclose(combined.predict_quantiles(passengers), expected, rtol=1e-6)
        assert all(m.adaptation_rate == 0.0 for m in combined.transform_members_)
    finally:
        for model in [combined, *alone.values()]:
            model.set_params(adaptation_rate="auto")


def test_a_member_fitted_apart_is_refused_on_load(models, passengers, tmp_path):
    combined, _ = models
    path = combined.save(tmp_path / "model")
    member = combined.transform_members_[0]
    stranger = LSTMForecaster(
        **{**FAST, "horizon": 6}, target_transform=member.target_transform_.name
    ).fit(passengers)
    shutil.rmtree(path / "transform_members" / "0")
    stranger.save(path / "transform_members" / "0")
    with pytest.raises(ValueError, match="has another horizon_ than the first"):
        LSTMForecaster.load(path)


def test_a_list_is_refused_for_models_reading_the_future(passengers):
    frame = passengers.assign(month=passengers.index.month.astype(float))
    with pytest.raises(ValueError, match="Give one transform"):
        LSTMForecaster(**FAST, target_transform=PAIR, future_covariates=["month"]).fit(frame)


def test_a_model_saved_for_a_gpu_loads_on_the_cpu_when_asked(models, passengers, tmp_path):
    import hashlib

    combined, _ = models
    path = combined.save(tmp_path / "model")
    for folder in [path, path / "transform_members" / "0"]:  # as if saved on a GPU machine
        params = json.loads((folder / "params.json").read_text())
        (folder / "params.json").write_text(json.dumps({**params, "device": "cuda:7"}))
        sums = json.loads((folder / "checksums.json").read_text())
        digest = hashlib.sha256((folder / "params.json").read_bytes()).hexdigest()
        sums["sha256"]["params.json"] = digest
        (folder / "checksums.json").write_text(json.dumps(sums))
    loaded = LSTMForecaster.load(path, device="cpu")
    assert loaded.device == "cpu" and loaded.transform_members_[0].device == "cpu"
    np.testing.assert_array_equal(loaded.forecast(passengers, 6), combined.forecast(passengers, 6))
