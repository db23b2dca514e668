"""Column roles: known-future and static covariates, past covariates, and `forecast(future=)`."""

import numpy as np
import pandas as pd
import pytest

from tsforecast import LSTMForecaster

from .conftest import FAST


def dosing_panel(n_patients: int = 8, n_rows: int = 200, seed: int = 0) -> pd.DataFrame:
    """Concentrations driven by doses (each dose raises them, then they decay), per patient."""
    rng = np.random.default_rng(seed)
    frames = []
    for patient in range(n_patients):
        dose = (rng.random(n_rows) < 0.15) * rng.choice([1.0, 2.0, 3.0], n_rows)
        weight = rng.uniform(50, 100)
        conc = np.zeros(n_rows)
        for t in range(1, n_rows):
            conc[t] = 0.8 * conc[t - 1] + dose[t] * 40 / weight
        conc += rng.normal(0, 0.02, n_rows)
        frames.append(pd.DataFrame({
            "patient": patient, "hour": np.arange(n_rows) * 2.0, "conc": conc, "dose": dose,
            "weight": weight,
        }))  # fmt: skip
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def panel():
    table = dosing_panel()
    return table[["conc", "dose", "weight"]], table["patient"].to_numpy()


def forecast_array(model, X, steps, groups, future):
    """Return the forecasts as an array (n_series, steps, n_targets)."""
    frame = model.forecast(X, steps, groups=groups, future=future)
    return frame.to_numpy().reshape(-1, steps, frame.shape[1])


@pytest.fixture(scope="module")
def dosing_model(panel):
    X, groups = panel
    model = LSTMForecaster(
        future_covariates=["dose"], static_covariates="weight", horizon=6, context_length=24,
        hidden_size=16, max_epochs=40, random_state=0,
    )  # fmt: skip
    return model.fit(X, groups=groups)


def test_roles_shape_the_network(dosing_model):
    layout = dosing_model.module_.layout
    assert dosing_model.target_names_ == ["conc"]  # target=None: every column without a role
    assert (dosing_model.future_indices_, dosing_model.static_indices_) == ([1], [2])
    assert layout.targets == (0,) and layout.past == () and layout.static == (2,)
    assert layout.ahead_steps == (1, 2, 3, 4, 5, 6)


def test_a_larger_known_dose_raises_the_later_concentration(dosing_model, panel):
    X, groups = panel
    forecasts = []
    for dose in (0.0, 1.0, 3.0):
        future = np.zeros((8, 6, 1))
        future[:, 1, 0] = dose  # a dose at the second step
        forecasts.append(forecast_array(dosing_model, X, 6, groups, future)[..., 0])
    none, small, large = forecasts
    # The first step comes before the dose: unchanged (causal); every later one rises with it.
    np.testing.assert_allclose(none[:, 0], large[:, 0], rtol=1e-5, atol=1e-6)
    assert (small[:, 1:] > none[:, 1:]).all() and (large[:, 1:] > small[:, 1:]).all()


def test_a_forecast_never_reads_covariates_after_its_step(dosing_model, panel):
    X, groups = panel
    rng = np.random.default_rng(1)
    future = rng.choice([0.0, 2.0], size=(8, 6, 1))
    base = forecast_array(dosing_model, X, 6, groups, future)
    for k in range(5):
        changed = future.copy()
        changed[:, k + 1 :] += 5.0
        moved = forecast_array(dosing_model, X, 6, groups, changed)
        np.testing.assert_array_equal(base[:, : k + 1], moved[:, : k + 1])


def test_past_the_horizon_the_known_rows_are_fed_back(dosing_model, panel):
    X, groups = panel
    future = np.zeros((8, 10, 1))
    future[:, 7, 0] = 3.0  # a dose at step 8, past the horizon of 6
    quiet = forecast_array(dosing_model, X, 10, groups, np.zeros((8, 10, 1)))
    dosed = forecast_array(dosing_model, X, 10, groups, future)
    np.testing.assert_array_equal(quiet[:, :6], dosed[:, :6])  # the first pass: no dose yet
    assert (dosed[:, 7:] > quiet[:, 7:]).all()


def test_static_covariates_are_read_never_forecast(dosing_model, panel):
    X, groups = panel
    future = np.zeros((8, 12, 1))
    forecast = forecast_array(dosing_model, X, 12, groups, future)
    assert forecast.shape == (8, 12, 1)  # the target only: static columns never drift
    heavier = X.assign(weight=X["weight"] + 30 * (groups == 0))
    moved = forecast_array(dosing_model, heavier, 12, groups, future)
    assert not np.allclose(moved[0], forecast[0]) and np.allclose(moved[1:], forecast[1:])
    changing = X.assign(weight=X["weight"] + (np.arange(len(X)) == 5))
    with pytest.raises(ValueError) as error:
        dosing_model.predict(changing, groups=groups)
    weight = X["weight"].iloc[0]
    assert str(error.value) == (
        f"LSTMForecaster: static covariate 'weight' changes within series 0: {weight:g} at its "
        f"first row, {weight + 1:g} at row 5. A static covariate holds one value per series "
        "(weight, sex, site); pass a column that varies as a past covariate (leave it out of "
        "static_covariates), or fill it with one value per series."
    )


def test_predict_has_no_forecast_where_the_next_covariates_are_unknown(dosing_model, panel):
    X, groups = panel
    predictions = dosing_model.predict(X, groups=groups)
    last = np.flatnonzero(np.r_[groups[1:] != groups[:-1], True])
    assert np.isnan(predictions[last]).all() and not np.isnan(np.delete(predictions, last)).any()
    assert np.isfinite(dosing_model.score(X, groups=groups))


def test_future_as_a_frame_gives_stamps_and_the_same_values(dosing_model, panel):
    X, groups = panel
    values = np.zeros((8, 4, 1))
    values[:, 2, 0] = 2.0
    # the stamps are X's RangeIndex: each patient's next four rows follow its last one
    lasts = [X.index[groups == patient][-1] for patient in range(8)]
    stamps = [(patient, last + 1 + k) for patient, last in enumerate(lasts) for k in range(4)]
    frame = pd.DataFrame(
        {"dose": values.ravel(), "other": 1.0},  # other columns are ignored
        index=pd.MultiIndex.from_tuples(stamps, names=["patient", "hour"]),
    ).iloc[::-1]  # any row order
    out = dosing_model.forecast(X, 4, groups=groups, future=frame)
    assert isinstance(out, pd.DataFrame) and list(out.columns) == ["conc"]
    assert out.index.get_level_values(-1).tolist()[:4] == [lasts[0] + 1 + k for k in range(4)]
    array = forecast_array(dosing_model, X, 4, groups, values)
    np.testing.assert_allclose(out["conc"].to_numpy().reshape(8, 4), array[..., 0])
    # stamps that skip the first step (or step by two) would label other times: refused
    later = [(patient, hour + 1) for patient, hour in frame.index]
    skipping = frame.set_axis(pd.MultiIndex.from_tuples(later, names=frame.index.names))
    with pytest.raises(ValueError, match=r"are not the next 4 steps.*time_gaps=True"):
        dosing_model.forecast(X, 4, groups=groups, future=skipping)


def test_future_errors_say_what_to_pass(dosing_model, panel):
    X, groups = panel

    def message(**kwargs):
        with pytest.raises(ValueError) as error:
            dosing_model.forecast(X, 4, groups=groups, **kwargs)
        return str(error.value)

    assert message() == (
        "LSTMForecaster.forecast: this model reads the known-future covariates ['dose'] over "
        "the forecast period; pass future= with their values for the 4 steps of each series: "
        "a DataFrame indexed by time (by (series id, time) for several series) with those "
        "columns, or an array of shape (8, 4, 1)."
    )
    assert message(future=np.zeros((8, 3, 1))) == (
        "LSTMForecaster.forecast: future has shape (8, 3, 1); expected (8, 4, 1) (series, "
        "steps, known-future covariates ['dose']), or (4, 1) for one series."
    )
    assert message(future=np.full((8, 4, 1), np.nan)) == (
        "LSTMForecaster.forecast: future holds NaN or infinite values; the known-future "
        "covariates ['dose'] must be known for every forecast step."
    )
    index = pd.MultiIndex.from_product([range(8), range(3)])
    assert message(future=pd.DataFrame({"dose": 0.0}, index=index)) == (
        "LSTMForecaster.forecast: future has 3 rows for series 0; it needs one per forecast "
        "step, steps=4."
    )
    index = pd.MultiIndex.from_product([range(9), range(4)])
    assert message(future=pd.DataFrame({"dose": 0.0}, index=index)) == (
        "LSTMForecaster.forecast: future holds series ['8'] that X does not; give the "
        "known-future covariates of X's series [0, 1, 2, 3, 4]..."
    )
    assert message(future=pd.DataFrame({"dosage": np.zeros(32)}, index=index[:32])) == (
        "LSTMForecaster.forecast: future has no column 'dose'; it needs the known-future "
        "covariates ['dose'] (its columns: ['dosage'])."
    )
    assert message(future=pd.DataFrame({"dose": np.zeros(4)})) == (
        "LSTMForecaster.forecast: X holds 8 series, so future needs a MultiIndex (series id, "
        "time) saying which rows belong to which series."
    )
    plain = LSTMForecaster(**FAST).fit(np.c_[np.sin(np.arange(60.0))])
    with pytest.raises(ValueError) as error:
        plain.forecast(np.c_[np.sin(np.arange(60.0))], 2, future=np.zeros((2, 1)))
    assert str(error.value) == (
        "LSTMForecaster.forecast: this model has no known-future covariates (future_covariates="
        "None in fit), so it reads nothing from future=; leave it out."
    )


def test_role_errors_at_fit(panel):
    X, groups = panel

    def message(y=None, **params):
        with pytest.raises(ValueError) as error:
            LSTMForecaster(**FAST, **params).fit(X, y, groups=groups)
        return str(error.value)

    assert message(future_covariates="dose", static_covariates=["dose"]) == (
        "LSTMForecaster: column 'dose' is both a future and a static covariate; give each "
        "column one role."
    )
    assert message(future_covariates="dose", target=["conc", "dose"]) == (
        "LSTMForecaster: column 'dose' is both a target and a covariate; a forecast column "
        "cannot be an input known in advance. Give each column one role."
    )
    assert message(future_covariates=["dose", "conc"], static_covariates="weight") == (
        "LSTMForecaster: every column of X is a future or static covariate, so nothing is "
        "left to forecast; name the columns to forecast with target=, or give fewer covariates."
    )
    assert message(future_covariates="rate") == (
        "LSTMForecaster: future_covariates 'rate' is not a column of X (columns ['conc', "
        "'dose', 'weight']); pass column positions or names."
    )
    assert message(y=np.zeros(len(X)), static_covariates="weight") == (
        "LSTMForecaster: static_covariates= gives columns of X a role when y is None (X "
        "forecast from its own history); with y given, every column of X is an input already: "
        "leave static_covariates=None."
    )


def test_roles_survive_save_and_load(dosing_model, panel, tmp_path):
    X, groups = panel
    future = np.ones((8, 9, 1))
    loaded = LSTMForecaster.load(dosing_model.save(tmp_path / "model"))
    assert (loaded.future_indices_, loaded.static_indices_) == ([1], [2])
    np.testing.assert_array_equal(
        loaded.forecast(X, 9, groups=groups, future=future),
        dosing_model.forecast(X, 9, groups=groups, future=future),
    )


def test_the_start_already_reads_the_known_future_inputs(panel):
    X, groups = panel
    untrained = LSTMForecaster(
        future_covariates=["dose"], static_covariates="weight", horizon=6, context_length=24,
        hidden_size=8, max_epochs=1, learning_rate=1e-7, random_state=0,
    ).fit(X, groups=groups)  # fmt: skip
    future = np.zeros((8, 6, 1))
    none = forecast_array(untrained, X, 6, groups, future)[..., 0]
    future[:, 2, 0] = 3.0
    dosed = forecast_array(untrained, X, 6, groups, future)[..., 0]
    np.testing.assert_array_equal(none[:, :2], dosed[:, :2])  # before the dose: no change
    assert (dosed[:, 2:] > none[:, 2:] + 0.1).all()  # least squares found the dose's effect


def irregular_panel(seed: int = 0) -> pd.DataFrame:
    """Return decaying levels sampled at irregular hours: the gap decides the next value."""
    rng = np.random.default_rng(seed)
    frames = []
    for patient in range(6):
        gaps = rng.choice([1.0, 2.0, 8.0], size=150)
        hours = np.cumsum(gaps)
        level = np.empty(150)
        level[0] = 5.0
        for t in range(1, 150):
            level[t] = level[t - 1] * 0.8 ** gaps[t] + (rng.random() < 0.2) * 4.0
        frames.append(pd.DataFrame({"patient": patient, "hour": hours, "level": level}))
    return pd.concat(frames).set_index(["patient", "hour"])


def test_time_gaps_are_read_on_irregular_stamps_and_taken_from_the_future_stamps(tmp_path):
    visits = irregular_panel()
    model = LSTMForecaster(**{**FAST, "max_epochs": 30}, horizon=3).fit(visits)
    assert model.time_gaps_ and model.module_.layout.ahead_steps == (1, 2, 3)
    assert not np.isnan(model.predict(visits)).any()  # past the end: the usual gap
    last = visits.groupby(level="patient").tail(1).index.get_level_values("hour").to_numpy()
    index = pd.MultiIndex.from_arrays(
        [np.repeat(np.arange(6), 3), (last[:, None] + [1.0, 2.0, 3.0]).ravel()]
    )
    soon = model.forecast(visits, 3, future=pd.DataFrame(index=index))
    later = model.forecast(visits, 3, future=pd.DataFrame(
        index=pd.MultiIndex.from_arrays([index.get_level_values(0), index.get_level_values(1) + 20])
    ))  # fmt: skip
    assert soon.index.get_level_values(1).tolist() == index.get_level_values(1).tolist()
    # Decay: a sample taken 20 hours later is forecast lower.
    assert (later["level"].to_numpy() < soon["level"].to_numpy()).mean() > 0.8
    loaded = LSTMForecaster.load(model.save(tmp_path / "gaps"))
    assert loaded.time_gaps_
    pd.testing.assert_frame_equal(loaded.forecast(visits, 5), model.forecast(visits, 5))
    regular = LSTMForecaster(**FAST).fit(dosing_panel()[["conc", "dose"]])
    assert not regular.time_gaps_  # a RangeIndex steps by one row: regular
    with pytest.raises(ValueError) as error:
        LSTMForecaster(**FAST, time_gaps=True).fit(np.zeros((50, 1)))
    assert str(error.value) == (
        "LSTMForecaster.fit: this model reads the time between rows (time_gaps_), but X has no "
        "time stamps. Pass X with its stamps as in fit (a DataFrame with a time index, or a "
        "SequenceData with time)."
    )


def test_on_the_quinidine_study_a_planned_dose_raises_the_forecast_concentration():
    from tsforecast.datasets import load_quinidine

    visits = load_quinidine()
    static = [name for name in visits.features if name.startswith(("Height", "Race", "Ethanol"))]
    model = LSTMForecaster(
        target="conc", future_covariates=["dose"], static_covariates=static, bounds=(0, None),
        horizon=4, context_length=16, hidden_size=32, random_state=0,
    ).fit(visits)  # fmt: skip
    assert model.time_gaps_  # irregular hours
    last = visits.time[visits.offsets[1:] - 1]
    index = pd.MultiIndex.from_arrays(
        [np.repeat(visits.series_ids, 3), (last[:, None] + [8.0, 16.0, 24.0]).ravel()]
    )
    none = model.forecast(visits, 3, future=pd.DataFrame({"dose": 0.0}, index=index))
    dose = np.tile([400.0, 0.0, 0.0], visits.n_series)
    dosed = model.forecast(visits, 3, future=pd.DataFrame({"dose": dose}, index=index))
    rise = (dosed["conc"] - none["conc"]).to_numpy().reshape(-1, 3)
    assert (rise[:, :2] > 0).mean() > 0.9 and (rise[:, :2].mean(axis=0) > 0.2).all()
    assert min(none["conc"].min(), dosed["conc"].min()) >= 0  # bounds=(0, None)


def small_dose_model(X):
    return LSTMForecaster(**FAST, horizon=3, future_covariates=["dose"], quantiles=None).fit(X)


def test_a_reordered_panel_takes_future_as_a_frame_only():
    frames = [
        pd.DataFrame({"y": np.sin(np.arange(40.0) / 4) + k, "dose": 0.0},
                     index=pd.MultiIndex.from_product([[name], np.arange(40.0)]))
        for k, name in enumerate(["b", "a"])
    ]  # fmt: skip
    X = pd.concat(frames)  # series b first: read in id order (a, b)
    model = small_dose_model(X)
    with pytest.raises(ValueError, match="pass future as a DataFrame indexed by"):
        model.forecast(X, 3, future=np.zeros((2, 3, 1)))
    with pytest.raises(TypeError, match=r"future's columns \['dose'\] must hold numbers"):
        model.forecast(
            X,
            3,
            future=pd.DataFrame(
                {"dose": ["x"] * 6}, index=pd.MultiIndex.from_product([["a", "b"], [40.0, 41, 42]])
            ),
        )
    text = X.set_axis(
        pd.MultiIndex.from_arrays(
            [X.index.get_level_values(0), X.index.get_level_values(1).astype(int).astype(str)]
        ),
        axis=0,
    )
    with pytest.raises(TypeError, match=r"holds (str|object) values .* which do not sort as time"):
        small_dose_model(text)


def test_time_is_elapsed_time_across_a_clock_change_and_future_stamps_are_checked():
    from tsforecast import _time

    berlin = pd.date_range("2024-10-26", periods=72, freq="h", tz="Europe/Berlin")
    X = pd.DataFrame({"y": np.sin(np.arange(72) / 5), "dose": 0.0}, index=berlin)
    gaps = np.diff(_time.as_numbers(berlin))
    np.testing.assert_allclose(gaps, 1.0)  # the clock change is not a gap of 0 or 2 hours
    model = small_dose_model(X)
    assert not model.time_gaps_  # regular in elapsed time
    future = pd.DataFrame(
        {"dose": [1.0, 0.0, 1.0]}, index=berlin[-1] + pd.to_timedelta([1, 2, 3], unit="h")
    )
    local = model.forecast(X, 3, future=future)
    pd.testing.assert_frame_equal(local, model.forecast(X, 3, future=future.tz_convert("UTC")))
    with pytest.raises(ValueError, match="future's stamps are naive but X's are in Europe/Berlin"):
        model.forecast(X, 3, future=future.tz_localize(None))
    hours = X.set_axis(np.arange(72.0) * 2, axis=0)
    numeric = small_dose_model(hours)
    with pytest.raises(
        ValueError,
        match=r"first stamp of series 0, 100.0, is not after the end of its history in X, 142.0",
    ):
        numeric.forecast(hours, 3, future=pd.DataFrame({"dose": 0.0}, index=[100.0, 150, 160]))
    with pytest.raises(
        ValueError, match="X's time stamps are numbers, so future's time index must hold numbers"
    ):
        numeric.forecast(hours, 3, future=future)


def test_irregular_means_within_a_series():
    from tsforecast import SequenceData, _time

    two_rates = SequenceData(np.zeros((40, 1)), time=np.r_[np.arange(20.0), np.arange(20.0) * 2],
                             groups=np.repeat(["a", "b"], 20))  # fmt: skip
    assert not _time.is_irregular(two_rates)
    visits = SequenceData(np.zeros((5, 1)), time=[0.0, 1.0, 2.0, 8.0, 9.0])
    assert _time.is_irregular(visits)


def test_a_model_without_a_training_range_saves_again(dosing_model, tmp_path):
    loaded = LSTMForecaster.load(dosing_model.save(tmp_path / "a"))
    loaded.target_range_ = None  # as a model loaded from format 3
    again = LSTMForecaster.load(loaded.save(tmp_path / "b"))
    assert again.target_range_ is None
