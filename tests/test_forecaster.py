"""LSTMForecaster: the scikit-learn contract, exact one-step forecasts, persistence, bad input."""

from __future__ import annotations

import pickle
import subprocess
import sys
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from sklearn import config_context
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from tsforecast import LSTMForecaster, SequenceData, make_supervised
from tsforecast.datasets import load_seattle_weather

from .conftest import FAST


# ---------------------------------------------------------------------------- sklearn contract
@parametrize_with_checks(
    [LSTMForecaster(**FAST), LSTMForecaster(cell="gru", **FAST)],
    expected_failed_checks=lambda estimator: {
        # A forecast for row t is made from the rows before it: that is the model. Shuffling
        # the rows or predicting on a subset changes each row's history, hence its forecast.
        "check_methods_sample_order_invariance": "forecasts depend on the preceding rows",
        "check_methods_subset_invariance": "forecasts depend on the preceding rows",
    },
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_pipeline_with_scaler_and_column_transformer(waves):
    frame = pd.DataFrame(waves, columns=["a", "b"])
    pipeline = make_pipeline(StandardScaler(), LSTMForecaster(**FAST)).fit(frame)
    assert pipeline.predict(frame).shape == (600, 2)
    columns = ColumnTransformer(
        [("scaled", StandardScaler(), ["a"]), ("raw", "passthrough", ["b"])]
    )
    pipeline = make_pipeline(columns, LSTMForecaster(**FAST)).fit(frame)
    assert np.isfinite(pipeline.score(frame))


def test_a_scaler_in_front_gives_forecasts_in_its_units_as_the_readme_says(waves):
    """README: a StandardScaler in front gives the same model as scale=True.

    Its forecasts come out in standard deviations; inverse_transform converts them back.
    """
    X = np.c_[10 + 5 * waves[:, 0], 100 * waves[:, 1]]
    pipeline = make_pipeline(StandardScaler(), LSTMForecaster(**FAST)).fit(X)
    alone = LSTMForecaster(**FAST).fit(X)
    assert np.abs(pipeline.predict(X)).max() < 3  # scaled units
    converted = pipeline[:-1].inverse_transform(pipeline.predict(X))
    np.testing.assert_allclose(converted, alone.predict(X), atol=1e-3 * np.abs(X).max())
    assert pipeline.score(X) == pytest.approx(alone.score(X), abs=1e-6)
    # Pandas output keeps the DatetimeIndex, and with it the calendar features.
    frame = pd.DataFrame(X, index=pd.date_range("2024", periods=len(X), freq="h"))
    frame.columns = ["a", "b"]
    scaler = StandardScaler().set_output(transform="pandas")
    pipeline = make_pipeline(scaler, LSTMForecaster(**FAST)).fit(frame)
    assert pipeline[-1].time_features_ == ["hour"]


def test_grid_search_and_cross_validation_with_time_series_split(waves):
    search = GridSearchCV(
        LSTMForecaster(max_epochs=2, random_state=0),
        {"context_length": [4, 16], "hidden_size": [4, 8]},
        cv=TimeSeriesSplit(n_splits=2),
    ).fit(waves)
    assert set(search.best_params_) == {"context_length", "hidden_size"}
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    scores = cross_val_score(LSTMForecaster(**FAST), waves, cv=TimeSeriesSplit(n_splits=3))
    assert scores.shape == (3,) and np.isfinite(scores).all()


def test_groups_route_through_pipelines_with_metadata_routing(waves):
    groups = np.repeat([0, 1, 2], 200)
    with config_context(enable_metadata_routing=True):
        model = (
            LSTMForecaster(**FAST)
            .set_fit_request(groups=True)
            .set_predict_request(groups=True)
            .set_score_request(groups=True)
        )
        pipeline = make_pipeline(StandardScaler(), model).fit(waves, groups=groups)
        assert pipeline.predict(waves, groups=groups).shape == (600, 2)
        scores = cross_val_score(
            clone(model), waves, params={"groups": groups}, cv=TimeSeriesSplit(n_splits=2)
        )
        assert np.isfinite(scores).all()
        # The routed groups reach predict: row 200 starts a series and reads only itself.
        alone = pipeline.predict(waves[200:400], groups=groups[200:400])
        np.testing.assert_allclose(pipeline.predict(waves, groups=groups)[200], alone[0])
        with pytest.raises(ValueError, match="fitted on 3 series, but X carries no series"):
            pipeline.predict(waves, groups=None)
    # Without routing, the step parameter form reaches fit: the blocks then never cross a
    # series boundary, so the model differs from one trained on one long series.
    plain = make_pipeline(StandardScaler(), LSTMForecaster(**FAST))
    plain.fit(waves, lstmforecaster__groups=groups)
    whole = make_pipeline(StandardScaler(), LSTMForecaster(**FAST)).fit(waves)
    assert not np.allclose(plain.predict(waves, groups=groups), whole.predict(waves))


def test_clone_and_pickle_a_fitted_model(fitted, waves, tmp_path):
    copy = clone(fitted)
    assert copy.get_params() == fitted.get_params() and not hasattr(copy, "module_")
    expected = fitted.predict(waves)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(fitted)).predict(waves), expected)
    joblib.dump(fitted, tmp_path / "model.joblib")
    np.testing.assert_array_equal(joblib.load(tmp_path / "model.joblib").predict(waves), expected)


def test_same_random_state_gives_identical_predictions(waves):
    first = LSTMForecaster(**FAST).fit(waves).predict(waves)
    second = LSTMForecaster(**FAST).fit(waves).predict(waves)
    np.testing.assert_array_equal(first, second)
    other = LSTMForecaster(**{**FAST, "random_state": 1}).fit(waves).predict(waves)
    assert not np.array_equal(first, other)
    state = torch.random.get_rng_state()
    LSTMForecaster(**FAST).fit(waves)
    assert torch.equal(state, torch.random.get_rng_state())  # the global RNG is left alone


@pytest.mark.slow
def test_same_random_state_gives_identical_predictions_in_fresh_processes():
    script = (
        "import hashlib, numpy as np; from tsforecast import LSTMForecaster; "
        "X = np.sin(np.arange(500.0) / 7)[:, None]; "
        "p = LSTMForecaster(context_length=16, hidden_size=8, max_epochs=5, random_state=3)"
        ".fit(X).predict(X); print(hashlib.sha256(p.tobytes()).hexdigest())"
    )
    # The two processes side by side: each is mostly the import of torch and the package.
    runs = [
        subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    digests = {run.communicate(timeout=600)[0].strip() for run in runs}
    assert [run.returncode for run in runs] == [0, 0]
    assert len(digests) == 1 and len(digests.pop()) == 64  # one SHA-256 digest


# ---------------------------------------------------------------------------- what it computes
def test_one_step_forecast_reads_exactly_the_last_context_rows(waves):
    """predict(X)[t] == the network applied to X[max(0, t-L+1)..t], for early and late rows."""
    fitted = LSTMForecaster(**FAST, target_transform="none").fit(waves)  # one network
    L = fitted.context_length
    predictions = fitted.predict(waves)
    inputs, targets = fitted.input_scaler_, fitted.target_scaler_
    scaled = (waves - inputs.mean) / inputs.scale
    for t in [0, 1, L - 2, L - 1, L, 250, 599]:
        window = torch.tensor(scaled[max(0, t - L + 1) : t + 1], dtype=torch.float32)[None]
        with torch.no_grad():
            output = fitted.module_.next_step(fitted.module_(window))[0, -1].numpy()  # the median
        expected = output * targets.scale + targets.mean
        np.testing.assert_allclose(predictions[t], expected, rtol=1e-5, atol=1e-5)


def test_series_do_not_see_each_other(waves):
    groups = np.repeat([0, 1], 300)
    model = LSTMForecaster(**FAST).fit(waves, groups=groups)
    changed = waves.copy()
    changed[:300] = 0.0
    before = model.predict(waves, groups=groups)
    after = model.predict(changed, groups=groups)
    np.testing.assert_allclose(before[300:], after[300:], rtol=1e-6)
    alone = model.predict(waves[300:], groups=np.zeros(300))
    np.testing.assert_allclose(before[300:], alone, rtol=1e-6)
    with pytest.raises(ValueError, match="fitted on 2 series, but X carries no series ids"):
        model.predict(waves[300:])  # a panel read as one series: refused


def test_supervised_mode_with_make_supervised(waves):
    X, y = make_supervised(waves, target=0, horizon=3)
    model = LSTMForecaster(**FAST).fit(X, y)
    assert not model.autoregressive_
    predictions = model.predict(X)
    assert predictions.shape == (len(X),) and predictions.dtype == np.float64
    assert np.isfinite(model.score(X, y))
    y2 = np.c_[y, -y]
    assert LSTMForecaster(**FAST).fit(X, y2).predict(X).shape == (len(X), 2)
    with pytest.raises(ValueError, match="fitted with y; pass y"):
        model.score(X)
    with pytest.raises(ValueError, match="needs a model fitted without y"):
        model.forecast(X, 3)


def test_parameters_from_a_numpy_grid_are_accepted(waves):
    model = LSTMForecaster(**{**FAST, "cell": np.str_("gru"), "loss": np.array(["mae"])[0]})
    assert model.fit(waves).module_.recurrent.mode == "GRU"


def test_target_selects_columns_to_forecast(waves):
    frame = pd.DataFrame(waves, columns=["temp", "wind"])
    model = LSTMForecaster(target="wind", **FAST).fit(frame)
    assert model.predict(frame).shape == (600, 1) and model.target_names_ == ["wind"]
    assert model.module_.layout.past == (0,)  # temp: a past covariate
    assert model.forecast(frame, 24).shape == (24, 1)  # the target only, within the horizon
    with pytest.raises(ValueError) as error:
        model.forecast(frame, 25)
    assert str(error.value) == (
        "LSTMForecaster.forecast: the model reads past covariates ['temp'] (columns that are "
        "neither targets nor future or static covariates), known only up to the end of X, so "
        "it forecasts up to horizon_=24 steps; got steps=25. Fit with horizon=25, pass the "
        "columns known in advance as future_covariates, or forecast them too (target=None)."
    )
    with pytest.raises(ValueError, match=r"target 'rain' is not a column of X \(columns"):
        LSTMForecaster(target="rain", **FAST).fit(frame)
    # Every column a target but out of order: fed back, each forecast lands in its own column
    # (the same as forecasting 24 steps, appending them to X and forecasting again).
    swapped = LSTMForecaster(target=["wind", "temp"], target_transform="none", **FAST).fit(frame)
    assert swapped.target_names_ == ["wind", "temp"]
    assert swapped.module_.layout.targets == (1, 0)
    long = swapped.forecast(frame, 30).to_numpy()
    first = swapped.forecast(frame, 24).to_numpy()
    extended = pd.DataFrame(np.vstack([waves, first[:, ::-1]]), columns=["temp", "wind"])
    again = swapped.forecast(extended.astype(np.float32), 6).to_numpy()
    np.testing.assert_allclose(long, np.vstack([first, again]), rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="names a column twice"):
        LSTMForecaster(target=["wind", 1], **FAST).fit(frame)
    with pytest.raises(ValueError, match=r"target=\[\] names no column.*target=None"):
        LSTMForecaster(target=[], **FAST).fit(frame)


def test_forecast_shapes_and_time_stamps(waves):
    index = pd.date_range("2024-01-01", periods=600, freq="h", name="time")
    frame = pd.DataFrame(waves, columns=["a", "b"], index=index)
    # Without calendar features, so that the same model also takes plain arrays.
    model = LSTMForecaster(**FAST, time_features=None).fit(frame)
    assert model.time_features_ == []
    future = model.forecast(frame, steps=24)
    assert list(future.columns) == ["a", "b"] and len(future) == 24
    assert future.index[0] == index[-1] + pd.Timedelta("1h")
    assert model.forecast(waves, 5).shape == (5, 2)
    groups = np.repeat(["x", "y", "z"], [100, 3, 497])  # a series shorter than the context
    grouped = model.forecast(waves, 4, groups=groups)
    assert grouped.shape == (3, 4, 2)
    data = SequenceData(waves, time=index, groups=groups, features=["a", "b"])
    table = model.forecast(data, 4)
    assert table.index.names == ["group", "time"] and len(table) == 12
    # The first step of a forecast is the one-step forecast at the last row.
    np.testing.assert_allclose(
        grouped[:, 0], model.predict(waves, groups=groups)[[99, 102, 599]], rtol=1e-5
    )
    with pytest.raises(ValueError, match="forecast: a series with fewer than two time stamps"):
        model.forecast(frame.iloc[-1:], 2)


def test_history_records_speed_and_convergence(fitted):
    assert fitted.n_epochs_ == len(fitted.history_) == 3
    for entry in fitted.history_:
        assert {"epoch", "train_loss", "valid_loss", "seconds", "n_positions"} <= set(entry)
        assert entry["seconds"] > 0 and entry["n_positions"] > 0
    # Validation after the first epoch, then every k epochs (here k = 2), and after the last.
    validated = [entry["epoch"] for entry in fitted.history_ if entry["valid_loss"] is not None]
    assert validated == [1, 3]
    assert fitted.stopped_ == "max_epochs"


def test_early_stopping(waves):
    model = LSTMForecaster(context_length=8, hidden_size=8, max_epochs=500, patience=2,
                           learning_rate=0.05, random_state=0).fit(waves)  # fmt: skip
    assert model.stopped_ == "early_stopping" and model.n_epochs_ < 500
    # patience counts from the best validation, the starting weights (epoch 0) included.
    assert model.n_epochs_ - model.best_epoch_ >= 2


def test_other_cells_and_verbose_progress(waves, capsys):
    for cell in ("gru", "rnn"):
        model = LSTMForecaster(cell=cell, num_layers=2, dropout=0.1, **FAST).fit(waves)
        assert np.isfinite(model.predict(waves)).all()
    LSTMForecaster(verbose=1, **FAST).fit(waves)
    assert "LSTMForecaster" in capsys.readouterr().err


def test_masked_sequence_data_is_accepted():
    values = np.sin(np.arange(200.0) / 5)[:, None].repeat(2, axis=1)
    mask = np.ones_like(values, dtype=bool)
    values[50:55, 1] = np.nan
    mask[50:55, 1] = False
    data = SequenceData(values, mask=mask)
    model = LSTMForecaster(**FAST).fit(data)
    assert np.isfinite(model.predict(data)).all()
    with pytest.raises(ValueError, match="5 entries; the first is nan, in column 1 at row 50"):
        model.predict(values)


# ---------------------------------------------------------------------------- safety
def test_failed_fit_keeps_the_previous_model_and_inputs_are_untouched(waves):
    X = waves.copy()
    groups = np.repeat([0, 1], 300)
    model = LSTMForecaster(**FAST).fit(X, groups=groups)
    before = model.predict(X, groups=groups)
    bad = X.copy()
    bad[10, 1] = np.nan
    with pytest.raises(ValueError, match="in column 1 at row 10"):
        model.fit(bad)
    np.testing.assert_array_equal(model.predict(X, groups=groups), before)
    np.testing.assert_array_equal(X, waves)
    np.testing.assert_array_equal(groups, np.repeat([0, 1], 300))
    model.set_params(context_length=0)  # a refit refused by its parameters: the same
    with pytest.raises(ValueError, match="context_length must be"):
        model.fit(X, groups=groups)
    np.testing.assert_array_equal(model.predict(X, groups=groups), before)


def test_two_threads_fitting_one_estimator_leave_one_whole_fit():
    import threading

    X = np.random.default_rng(0).normal(size=(200, 2))
    model, failures = LSTMForecaster(**FAST), []

    def fit():
        try:
            model.fit(X)
        except Exception as error:
            failures.append(error)

    with warnings.catch_warnings(record=True) as alone:
        warnings.simplefilter("always")
        fit()
    threads = [threading.Thread(target=fit, daemon=True) for _ in range(2)]
    with warnings.catch_warnings(record=True) as together:
        warnings.simplefilter("always")
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)  # recording each other's warnings once fed back forever
    assert not any(thread.is_alive() for thread in threads)
    # each fit's warnings said once (fits take turns recording them), none lost or repeated
    assert sorted(map(str, (w.message for w in together))) == sorted(
        2 * [str(w.message) for w in alone]
    )
    assert not failures  # each fit works on its own scratch copy; the last to finish is kept
    assert len(model.history_) == model.n_epochs_ and np.isfinite(model.predict(X)).all()


def test_a_boolean_frame_is_read_as_zeros_and_ones():
    flags = pd.DataFrame(np.random.default_rng(0).random((120, 2)) > 0.5, columns=["a", "b"])
    model = LSTMForecaster(**FAST).fit(flags)
    as_numbers = LSTMForecaster(**FAST).fit(flags.astype(float))
    np.testing.assert_array_equal(model.predict(flags), as_numbers.predict(flags.astype(float)))


@pytest.mark.parametrize(
    ("params", "error", "words"),
    [
        ({"context_length": 0}, ValueError, "context_length must be an integer >= 1; got 0"),
        ({"hidden_size": 2.5}, TypeError, "hidden_size must be an integer"),
        ({"cell": "transformer"}, ValueError, r"cell must be one of \['gru', 'lstm', 'rnn'\]"),
        ({"dropout": 1.0}, ValueError, r"dropout must be in \[0.0, 1.0\); got 1.0"),
        ({"learning_rate": 0}, ValueError, r"learning_rate must be in \(0.0, inf\)"),
        ({"learning_rate": "fast"}, TypeError, "learning_rate must be a number"),
        ({"validation_fraction": 1.5}, ValueError, "validation_fraction must be in"),
        ({"patience": 0}, ValueError, "patience must be an integer >= 1"),
        ({"max_time": -1}, ValueError, "max_time must be in"),
        ({"loss": "l2"}, ValueError, r"loss must be one of \['auto', 'huber', 'mae', 'mse', 'pin"),
        ({"quantiles": (0.1, 1.0)}, ValueError, r"quantiles must be 'auto', None or a list"),
        ({"quantiles": [0.5, 0.5]}, ValueError, r"quantiles must be 'auto', None or a list"),
        ({"quantiles": (0.1, 0.9), "loss": "mse"}, ValueError, r"trained with the pinball"),
        ({"loss": "pinball", "quantiles": None}, ValueError, r"loss='pinball' trains quantile"),
        ({"horizon": 0}, ValueError, r"horizon must be .*'auto' is accepted too"),
        ({"seasonal_period": 1}, ValueError, r"seasonal_period must be .*'auto' is accepted"),
        ({"scale": "yes"}, ValueError, "scale must be 'auto', 'series', 'global'"),
        ({"device": "tpu:x"}, ValueError, "device must be 'auto', 'cpu'"),
        ({"device": "xpu"}, ValueError, r"'xpu' is a kind of device.*this machine has: cpu"),
    ],
)
def test_invalid_hyperparameters_fail_at_fit_with_a_clear_message(params, error, words, waves):
    model = LSTMForecaster(**{**FAST, **params})  # stored untouched
    assert model.get_params()[next(iter(params))] == next(iter(params.values()))
    with pytest.raises(error, match=words):
        model.fit(waves)


def test_refit_replaces_everything_learned_before(waves):
    frame = pd.DataFrame(waves, columns=["a", "b"])
    model = LSTMForecaster(**FAST).fit(frame)
    assert list(model.feature_names_in_) == ["a", "b"]
    model.fit(waves)  # an array this time: no feature names
    assert not hasattr(model, "feature_names_in_")
    assert model.predict(waves).shape == (600, 2)


def test_bad_inputs(fitted, waves):
    with pytest.raises(NotFittedError):
        LSTMForecaster().predict(waves)
    with pytest.raises(ValueError, match="X has 3 features, but LSTMForecaster is expecting 2"):
        fitted.predict(np.c_[waves, waves[:, 0]])
    with pytest.raises(ValueError, match="1 sample"):
        LSTMForecaster(**FAST).fit(waves[:1])
    with pytest.raises(ValueError, match="a series needs at least 2 time steps"):
        LSTMForecaster(**FAST).fit(waves[:4], groups=[0, 1, 2, 3])
    with pytest.raises(ValueError, match="groups has 5 entries but the data has 600 rows"):
        fitted.predict(waves, groups=[0] * 5)
    with pytest.raises(ValueError, match=r"^LSTMForecaster: series 0 is split"):
        fitted.predict(waves, groups=np.repeat([0, 1, 0], [100, 100, 400]))
    inf = waves.copy()
    inf[3, 0] = np.inf
    with pytest.raises(ValueError, match="1 entries; the first is inf, in column 0 at row 3"):
        fitted.predict(inf)
    with pytest.raises(ValueError, match="steps must be an integer >= 1"):
        fitted.forecast(waves, 0)


def test_forecast_of_a_plain_array_matches_the_validated_path(fitted, waves):
    """The fast path for float arrays gives what a DataFrame of the same values gives."""
    frame = pd.DataFrame(waves.astype(np.float64))
    np.testing.assert_allclose(fitted.forecast(waves, 3), fitted.forecast(frame, 3), rtol=1e-6)
    with pytest.raises(ValueError, match="NaN"):
        fitted.forecast(np.full((10, 2), np.nan), 1)
    with pytest.raises(ValueError, match="features"):
        fitted.forecast(waves[:, :1], 1)


def test_fit_makes_no_per_row_copies_of_the_data():
    """NumPy memory during fit grows by less than one copy of the data as the data grows.

    It was 13.6x with per-row index arrays and copies of the training rows; blocks are read
    and standardised batch by batch. Fixed-size work (the validation sample, the naive
    baselines on it) is the same at both sizes, so the difference isolates per-row memory.
    """
    import tracemalloc

    def peak_of_fit(n_series: int) -> tuple[int, int]:
        rng = np.random.default_rng(0)
        lengths = rng.integers(300, 700, n_series)
        groups = np.repeat(np.arange(len(lengths), dtype=np.int32), lengths)
        values = rng.standard_normal((len(groups), 1)).astype(np.float32).cumsum(axis=0)
        model = LSTMForecaster(
            context_length=8, hidden_size=4, max_epochs=1, batch_size=8192, random_state=0,
            time_features=None,
        )  # fmt: skip
        tracemalloc.start()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # one epoch: no better than start
                model.fit(values, groups=groups)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        return peak, values.nbytes

    peak_of_fit(20)  # torch's and the package's one-time allocations, before
    small, small_bytes = peak_of_fit(1000)
    large, large_bytes = peak_of_fit(2000)
    growth = (large - small) / (large_bytes - small_bytes)
    assert growth < 1, f"fit's peak grew by {growth:.2f}x the added data"


def test_read_only_input_is_read_in_place_without_warnings(waves):
    values = waves.astype(np.float32)
    values.flags.writeable = False
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # (3 epochs do not beat the least-squares start on these waves: a different warning.)
        warnings.filterwarnings("ignore", "No epoch of", RuntimeWarning)
        warnings.filterwarnings("ignore", ".*does not beat the best naive", RuntimeWarning)
        model = LSTMForecaster(**FAST).fit(values)
        model.predict(values)
        model.forecast(values, 2)


def test_requests_that_would_be_silently_ignored_are_refused(waves):
    with pytest.raises(ValueError, match=r"time_features=\['hour'\] computes calendar features"):
        LSTMForecaster(**{**FAST, "time_features": ["hour"]}).fit(waves)
    model = LSTMForecaster(**FAST).fit(waves)
    with pytest.raises(ValueError, match=r"fitted without y.*call score\(X\) without y"):
        model.score(waves, waves[:, 0])


def test_a_series_id_column_can_be_named_as_groups(waves):
    table = pd.DataFrame(waves, columns=["a", "b"]).assign(pid=np.repeat(["P1", "P2"], 300))
    model = LSTMForecaster(**FAST).fit(table, groups="pid")
    assert list(model.feature_names_in_) == ["a", "b"]
    by_column = model.predict(table, groups="pid")
    by_array = model.predict(table[["a", "b"]], groups=table["pid"].to_numpy())
    np.testing.assert_array_equal(by_column, by_array)
    forecast = model.forecast(table, 3, groups="pid")  # indexed by (pid, the RangeIndex's time)
    assert forecast.shape == (6, 2) and forecast.index.names == ["pid", "time"]
    assert forecast.index.tolist() == [("P1", 300), ("P1", 301), ("P1", 302), ("P2", 600),
                                       ("P2", 601), ("P2", 602)]  # fmt: skip


def test_score_takes_only_observed_values_as_truth():
    t = np.arange(300.0)
    values = np.c_[np.sin(t / 7), np.cos(t / 11)]
    mask = np.ones_like(values, bool)
    mask[100:140, 0] = False
    filled = values.copy()
    filled[100:140, 0] = 50.0  # a bad fill the score must not count
    data = SequenceData(filled, mask=mask)
    model = LSTMForecaster(**FAST).fit(SequenceData(values))
    clean = SequenceData(values, mask=mask)
    assert model.score(data) != pytest.approx(model.score(SequenceData(filled)))
    # The bad fill changes the forecasts near it, not the truth the score reads.
    assert model.score(clean) > 0.5


def test_odd_arguments_get_clear_errors(fitted, waves, tmp_path):
    with pytest.raises(ValueError, match=r"random_state must be an integer >= 0"):
        LSTMForecaster(**{**FAST, "random_state": -1}).fit(waves)
    with pytest.raises(TypeError, match=r"y must hold numbers .* does not classify"):
        LSTMForecaster(**FAST).fit(waves, np.array(["rain", "sun"] * 300))
    path = fitted.save(tmp_path / "model")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match=r"device='cuda' but torch sees no CUDA device"):
            LSTMForecaster.load(path, device="cuda")
        if not torch.backends.mps.is_available():
            with pytest.raises(ValueError, match=r"no MPS device.*This machine has: cpu"):
                LSTMForecaster.load(path, device="mps")


def test_nan_in_a_dataframe_is_missing_as_a_mask_says():
    """NaN in a DataFrame's targets and covariates is unobserved, as a SequenceData mask says."""
    frame = load_seattle_weather().to_frame().iloc[:300]
    holes = frame.mask(np.random.default_rng(0).random(frame.shape) < 0.1)
    masked = SequenceData(
        holes.to_numpy(), time=holes.index, mask=holes.notna().to_numpy(),
        features=list(holes.columns),
    )  # fmt: skip
    settings = {**FAST, "target_transform": "none", "time_features": None}
    by_frame = LSTMForecaster(**settings).fit(holes)
    by_mask = LSTMForecaster(**settings).fit(masked)
    np.testing.assert_array_equal(by_frame.predict(holes), by_mask.predict(masked))
    np.testing.assert_array_equal(
        by_frame.forecast(holes, 3).to_numpy(), by_mask.forecast(masked, 3).to_numpy()
    )
    assert holes.isna().to_numpy().sum() > 0 and np.isfinite(by_frame.predict(holes)).all()
    with pytest.raises(ValueError, match=r"NaN or inf.*the first is inf"):
        by_frame.predict(holes.fillna(np.inf))  # infinity is no missing value
    with pytest.raises(ValueError, match="NaN"):  # arrays have no NaN-as-missing reading
        by_frame.predict(holes.to_numpy())


def test_missing_values_in_a_frame_keep_the_other_checks():
    rng = np.random.default_rng(0)
    index = pd.date_range("2024-01-01", periods=48, freq="h")
    frame = pd.DataFrame({"a": rng.normal(size=48), "big": 1e9 + rng.normal(size=48)}, index)
    frame.iloc[3, 1] = np.nan  # one missing value does not hide the lost float32 precision
    with pytest.raises(ValueError, match=r"'big' varies by about 1\.02 around values as large"):
        LSTMForecaster(**FAST).fit(frame)
    empty = frame.assign(big=np.nan)  # a target never observed: nothing to learn or forecast
    with pytest.raises(ValueError, match=r"target column 'big' has no observed value.*target="):
        LSTMForecaster(**FAST).fit(empty)
    assert LSTMForecaster(**FAST, target="a").fit(empty).predict(empty).shape == (48, 1)
    X = frame[["a"]].assign(b=rng.normal(size=48))
    X.iloc[5, 1] = np.nan  # with y: a missing input, the targets are y's
    assert LSTMForecaster(**FAST).fit(X, rng.normal(size=48)).predict(X).shape == (48,)


def test_tsforecast_in_another_thread_during_a_fit_leaves_the_warning_filters_as_they_were():
    """Every warnings block of tsforecast's takes one lock: none puts back another's state.

    ``catch_warnings`` is not thread-safe: a fit recording its warnings while another thread
    filtered some (a MASE scale, float64 input) left a silencing filter, or a recorder that
    swallowed every later warning, in place for the rest of the process.
    """
    import threading

    from tsforecast.metrics import seasonal_naive_scale

    filters, show = list(warnings.filters), warnings.showwarning
    X = np.random.default_rng(0).normal(size=(200, 2))
    done = threading.Event()

    def scales():
        while not done.is_set():
            seasonal_naive_scale(X, period=7)

    worker = threading.Thread(target=scales, daemon=True)
    worker.start()
    try:
        for _ in range(3):
            LSTMForecaster(**FAST).fit(X)
    finally:
        done.set()
        worker.join(timeout=60)
    assert warnings.filters == filters and warnings.showwarning is show
