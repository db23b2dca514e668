"""The naive forecasters a network is scored beside: the data's, whatever it forecasts."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from tsforecast import LSTMForecaster, backtest
from tsforecast._boundary import check_X
from tsforecast.datasets import load_air_passengers, load_visnights

TRANSFORMS = ["seasonal_difference", "log_seasonal_difference", "difference", "log_difference"]


@pytest.mark.parametrize("missing", [False, True])
@pytest.mark.parametrize("transform", TRANSFORMS)
def test_naive_scores_are_those_of_the_data_for_a_model_of_changes(transform, missing):
    # For a model of seasonal changes, "persistence" was last season's change repeated and
    # "seasonal naive" last year's change: on monthly El Nino temperatures it scored 1.48
    # where the data's seasonal naive scores 1.01. Recomputed here from the data: persistence
    # and seasonal naive of the (log) values, each step's MAE over the validation origins where
    # the value is observed, in standard deviations of the training part's changes. With
    # missing values the levels' errors were first added up from the changes' (a step then
    # needed every change before it observed: half the steps went unscored).
    frame = load_air_passengers().to_frame().astype(float)
    if missing:
        frame.iloc[[120, 121, 125, 131, 140], 0] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LSTMForecaster(
            hidden_size=4, max_epochs=2, random_state=0, target_transform=transform
        ).fit(frame)
    y = frame.iloc[:, 0].to_numpy(float)
    x = pd.Series(np.log(y) if transform.startswith("log") else y).ffill().to_numpy()
    seen = ~np.isnan(y)
    lag, n = model.target_transform_.lag, len(y)
    first = n - round(model.validation_fraction_ * n)  # the first validation row
    both = seen[lag:first] & seen[: first - lag]
    scale = (x[lag:first] - x[: first - lag])[both].std()

    def expected(error):  # error(origin rows, step) -> errors of the level at that step
        scores = []
        for h in range(1, model.horizon_ + 1):
            origins = np.arange(max(first - 1, 12), n - h)
            origins = origins[seen[origins + h]]
            scores.append(np.abs(error(origins, h)).mean() / scale)
        return scores

    persistence = expected(lambda r, h: x[r + h] - x[r])
    seasonal = expected(lambda r, h: x[r + h] - x[r + h - 12 * int(np.ceil(h / 12))])
    np.testing.assert_allclose(model.baseline_scores_["persistence"], persistence, rtol=1e-5)
    np.testing.assert_allclose(model.baseline_scores_["seasonal_naive"], seasonal, rtol=1e-5)
    assert None not in model.baseline_scores_["model"]  # every step scored


def test_naive_scores_of_a_panel_in_each_series_own_scale():
    # Two regions, one a thousand times the other, scaled per series: each series' levels are
    # divided by its own scale (the mean size of its seasonal changes), then pooled.
    from tsforecast.datasets import load_visnights

    full = load_visnights().to_frame()
    regions = list(full.index.get_level_values(0).unique()[:2])
    panel = full.loc[regions].copy()
    panel.loc[regions[1], "nights"] = (panel.loc[regions[1], "nights"] * 1000).to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LSTMForecaster(
            hidden_size=4, max_epochs=2, random_state=0, scale="series",
            target_transform="seasonal_difference",
        ).fit(panel)  # fmt: skip
    assert model.scale_ == "series"
    lag, horizon = model.target_transform_.lag, model.horizon_
    scaled, training = [], []
    for region in regions:
        x = panel.loc[region, "nights"].to_numpy(float)
        size = np.abs(x[lag:] - x[:-lag]).mean()
        first = len(x) - round(model.validation_fraction_ * len(x))
        training.append((x[lag:first] - x[: first - lag]) / size)
        scaled.append((x / size, first))
    scale = np.concatenate(training).std()

    def expected(error):
        scores = []
        for h in range(1, horizon + 1):
            errors = [
                error(x, np.arange(max(first - 1, lag - 1), len(x) - h), h)
                for x, first in scaled
            ]  # fmt: skip
            pooled = np.concatenate(errors)
            scores.append(np.abs(pooled).mean() / scale if len(pooled) else None)
        return scores

    persistence = expected(lambda x, r, h: x[r + h] - x[r])
    seasonal = expected(lambda x, r, h: x[r + h] - x[r + h - lag * int(np.ceil(h / lag))])
    for name, values in (("persistence", persistence), ("seasonal_naive", seasonal)):
        scored = [v for v in values if v is not None]
        assert [v is None for v in values] == [v is None for v in model.baseline_scores_[name]]
        got = [v for v in model.baseline_scores_[name] if v is not None]
        np.testing.assert_allclose(got, scored, rtol=1e-5)


def test_steps_validation_cannot_reach_are_named_with_those_that_were_checked():
    # 48 months: 10 validation rows score steps 1-10 of the 24; the warning names the rest,
    # and the steps that were checked: at fit where the horizon was given, and wherever a
    # forecast reaches them.
    frame = load_air_passengers().to_frame().astype(float).iloc[:48]
    with pytest.warns(RuntimeWarning, match="steps") as caught:
        model = LSTMForecaster(horizon=24, hidden_size=4, max_epochs=2, random_state=0)
        model.fit(frame)
    scored = sum(value is not None for value in model.baseline_scores_["model"])
    assert 0 < scored < model.horizon_ == 24
    [said] = [str(w.message) for w in caught if "have no validation row" in str(w.message)]
    assert f"{24 - scored} of the 24 horizon steps (steps {scored + 1} to 24)" in said
    assert f"The other {scored} steps were checked." in said and "validation_fraction" in said
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        model.forecast(frame, scored)  # within the checked steps: no word
    with pytest.warns(RuntimeWarning, match="further ahead than any validation") as caught:
        model.forecast(frame, scored + 2)
    [said] = [w for w in caught if "further ahead" in str(w.message)]
    assert said.filename == __file__
    assert str(said.message).startswith(
        f"LSTMForecaster.forecast: steps {scored + 1} to {scored + 2} of these "
        f"{scored + 2}-step forecasts"
    )
    assert f"only the first {scored} were checked" in str(said.message)
    assert f"or forecast at most {scored} steps." in str(said.message)


def test_the_default_horizon_is_warned_about_where_forecasts_reach_unchecked_steps():
    # horizon="auto" (24) on a short series: fit says nothing of the steps its validation
    # rows cannot reach (the first thing most users do); a forecast that reaches them does.
    frame = load_air_passengers().to_frame().astype(float).iloc[:48]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = LSTMForecaster(hidden_size=4, max_epochs=2, random_state=0).fit(frame)
    assert not [w for w in caught if "validation row" in str(w.message)]
    assert None in model.baseline_scores_["model"]
    with pytest.warns(RuntimeWarning, match=r"steps 11 to 24 of these 24-step forecasts"):
        model.forecast(frame, 24)
    with pytest.warns(RuntimeWarning, match=r"^backtest: steps 11 to 12 of these 12-step") as w:
        backtest(model, frame, start=36, steps=12)
    assert [x.filename for x in w if "further ahead" in str(x.message)] == [__file__]
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        backtest(model, frame, start=36, steps=10)


def test_too_few_rows_to_train_on_are_said_to_be():
    # A trial's 16 yearly values fitted on their first 4 forecast with MASE 6.6 where
    # persistence scored 2.7; 6 rows swung 63984, 61444, 66984 about a series near 61000.
    frame = load_air_passengers().to_frame().astype(float)
    with pytest.warns(UserWarning, match=r"hold 5 row\(s\) to train on before their valid") as w:
        LSTMForecaster(hidden_size=4, max_epochs=2, random_state=0).fit(frame.iloc[:6])
    assert [x.filename for x in w if "to train on" in str(x.message)] == [__file__]
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # 20 rows before validation: no word
        warnings.filterwarnings("ignore", "LSTMForecaster.fit: 1 of 1 series hold fewer")
        LSTMForecaster(hidden_size=4, max_epochs=2, random_state=0).fit(frame.iloc[:25])


def test_point_forecasts_past_the_horizon_are_said_unchecked(waves):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # 3 epochs may lose at a step
        model = LSTMForecaster(hidden_size=4, max_epochs=3, random_state=0, horizon=3)
        model.fit(waves)
    assert None not in model.baseline_scores_["model"]
    with pytest.warns(RuntimeWarning, match=r"steps 4 to 5 of these 5-step forecasts lie past "
                      r"horizon_=3 \(forecasts fed back\).*refit with horizon=5, or forecast at "
                      r"most 3 steps"):  # fmt: skip
        model.forecast(waves, 5)


def test_series_of_a_panel_that_lose_to_naive_forecasts_are_named():
    from tsforecast._recurrent.combined_check import losing_series

    visnights = load_visnights().to_frame()
    regions = visnights.index.get_level_values(0).unique()[:4]
    panel = visnights.loc[list(regions)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = LSTMForecaster(hidden_size=4, max_epochs=2, random_state=0).fit(panel)
    assert not [w for w in caught if "own validation rows" in str(w.message)]
    made = model._backtest_forecasts

    def off(data, firsts, lasts, steps, quantiles, owner="test"):  # the second region far off
        points, levels = made(data, firsts, lasts, steps, quantiles, owner)
        second = np.searchsorted(data.offsets, firsts, side="right") - 1 == 1
        return points + 100.0 * second[:, None, None], levels

    model._backtest_forecasts = off
    data = check_X(model, panel, None, reset=False)
    assert model._judged_per_series(data)
    said = model._series_losing(model._validation_contest(data), data.series_ids)
    assert said.startswith("LSTMForecaster: on their own validation rows, 1 of 4 series'")
    assert f"{regions[1]!r} (" in said and "fit such series on their own" in said
    assert losing_series(np.array([1.0, np.nan]), {"p": np.array([0.9, 0.1])}, regions) is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy warning of a division by 0
        exact = {"p": np.array([0.0, 1.0]), "s": np.array([0.0, 0.9])}  # naive exact on "a"
        assert losing_series(np.array([0.5, 1.0]), exact, regions[:2]) is None


def test_a_kept_start_is_said_to_lose_only_beyond_the_noise_of_its_choice():
    from tsforecast._recurrent.naive_scores import losing_message

    # the start is the best forecaster per step, offset by its median residual: a hair off it
    scores = {"model": [0.2451, 0.30], "persistence": [0.30, 0.31], "seasonal_naive": [None, None],
              "linear": [0.2417, 0.35]}  # fmt: skip
    many = np.array([1000, 1000])
    trained = losing_message(scores, 2, many)
    assert trained.startswith("LSTMForecaster: on the validation data the network does not beat")
    assert losing_message(scores, 2, many, kept_start=True) is None
    far = {**scores, "model": [0.30, 0.30]}  # 24% above the line at step 1
    said = losing_message(far, 2, many, kept_start=True)
    assert (
        "the starting forecaster the model keeps (no epoch improved on it) errs more than "
        "10% above the best naive forecaster at 1 of 2 steps ahead; worst at step 1" in said
    )


def test_a_fit_choosing_among_transforms_prints_a_table_named_for_each(capsys):
    months = pd.DataFrame(
        {"y": 100 + np.arange(72.0) + 10 * np.sin(np.arange(72) * np.pi / 6)},
        index=pd.date_range("2000-01-01", periods=72, freq="MS"),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LSTMForecaster(verbose=1, max_epochs=1, random_state=0).fit(months)
    titles = re.findall(r"validation MAE per step ahead .*target_transform='(\w+)'\)",
                        capsys.readouterr().out)  # fmt: skip
    chosen = {model.target_transform_.name, *(m.target_transform_.name for m in
                                               model.transform_members_)}  # fmt: skip
    assert len(titles) >= 2 and len(set(titles)) == len(titles) and chosen <= set(titles)


def test_the_score_table_ends_at_the_last_step_validation_reached():
    from tsforecast._recurrent.naive_scores import score_table

    none = [None] * 24
    scores = {"model": [0.5, 0.6, *none[2:]], "persistence": [0.6, 0.7, *none[2:]],
              "seasonal_naive": none, "linear": [0.7, 0.8, *none[2:]]}  # fmt: skip
    lines = score_table(scores, "difference").splitlines()
    assert lines[0].endswith("target_transform='difference')")
    assert len(lines) == 5 and lines[2].split()[:2] == ["1", "0.5000"]
    assert lines[-1] == "steps 3-24: no validation row that far ahead (not scored)"
    full = {name: [0.5] * 3 for name in scores}
    assert len(score_table(full).splitlines()) == 5 and "not scored" not in score_table(full)
