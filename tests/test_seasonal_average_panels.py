"""A weight of the seasonal average per series of a panel (``seasonal_average_weights_``)."""

from __future__ import annotations

import copy
import json
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest

from tsforecast import LSTMForecaster, backtest
from tsforecast._boundary import check_X
from tsforecast._recurrent.seasonal_average import (
    WEIGHTS,
    chosen_weight,
    chosen_weights,
    seasonal_average,
)
from tsforecast._recurrent.series_scales import StoredId, id_from_key, id_key
from tsforecast._recurrent.transform_choice import validation_scores
from tsforecast._segments import split_series
from tsforecast.datasets import data_path, load_air_passengers

from .test_seasonal_average import rewritten


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    """Return AirPassengers (144 months, a trend) and Seattle's monthly mean highs (48)."""
    passengers = load_air_passengers().to_frame().astype(float).set_axis(["value"], axis=1)
    daily = pd.read_csv(data_path("seattle-weather.csv"), parse_dates=["date"])
    seattle = daily.set_index("date")[["temp_max"]].resample("MS").mean()
    parts = {"passengers": passengers, "seattle": seattle.set_axis(["value"], axis=1)}
    for part in parts.values():
        part.index.name = "time"
    return pd.concat(parts, names=["series", "time"])


@pytest.fixture(scope="module")
def fitted(panel) -> LSTMForecaster:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return LSTMForecaster(random_state=0).fit(panel)


def test_each_series_weight_is_chosen_on_its_own_validation_errors(fitted, panel):
    # Half the seasonal average for both would forecast the passengers' trend worse, as
    # AirPassengers in the development set's unlike panel (MASE 1.065 against 0.821).
    assert fitted.seasonal_average_weight_ == 0.5  # pooled: for series fit did not see
    assert fitted.seasonal_average_weights_ == {"passengers": 0.0, "seattle": 0.5}
    data = check_X(fitted, panel, None, reset=False)
    alone = copy.deepcopy(fitted)
    alone.seasonal_average_weights_ = None
    scores = {}
    for weight in WEIGHTS:  # recomputed as fit does, each weight for every series
        alone.seasonal_average_weight_ = weight
        scores[weight] = validation_scores(
            data, [0], fitted.validation_fraction_, fitted.horizon_, 12,
            lambda f, l, s: alone._backtest_forecasts(data, f, l, s, None)[0],  # noqa: E741
        )[:, 0]  # fmt: skip
    held_out = split_series(data.offsets, fitted.validation_fraction_)[1]
    rows = held_out.stops - held_out.starts
    for i, name in enumerate(["passengers", "seattle"]):
        own = chosen_weight(lambda w, i=i: scores[w][i], int(rows[i]))[0]
        assert fitted.seasonal_average_weights_[name] == own


def test_chosen_weights_keep_the_pooled_one_where_a_series_has_no_evidence():
    offsets = np.array([0, 50, 100, 130])
    held_out = split_series(offsets, 0.2)[1]
    scores = {0.0: np.array([[1.0], [1.0], [np.nan]]), 0.5: np.array([[2.0], [0.8], [np.nan]])}
    firsts = np.array([0, 0, 50, 100])
    average = np.array([[[1.0]], [[1.0]], [[np.nan]], [[1.0]]])  # none known for series 1
    weight, errors, own = chosen_weights(scores, held_out, offsets, firsts, average)
    assert errors == {0.0: 1.0, 0.5: 1.4} and weight == 0.5  # within 1.5 of the least
    assert own.tolist() == [0.0, 0.5, 0.5]  # series 1: no evidence; series 2: not scored
    one = chosen_weights({w: s[:1] for w, s in scores.items()}, held_out, offsets[:2],
                         firsts[:2], average[:2])  # fmt: skip
    assert one[2] is None  # a single series: one weight


def test_every_forecast_takes_its_series_weight(fitted, panel):
    alone = copy.deepcopy(fitted)
    alone.seasonal_average_weight_, alone.seasonal_average_weights_ = 0.0, None
    y = panel.xs("seattle", level="series")["value"].to_numpy()
    ahead = seasonal_average(y[:, None], np.array([0]), np.array([len(y) - 1]), 12, 12)[0, :, 0]
    found, network = fitted.forecast(panel, 12), alone.forecast(panel, 12)
    np.testing.assert_allclose(found.loc["passengers"], network.loc["passengers"], rtol=1e-6)
    np.testing.assert_allclose(
        found.loc["seattle"]["value"], (network.loc["seattle"]["value"] + ahead) / 2, rtol=1e-5
    )
    rows = panel.index.get_level_values("series") == "passengers"
    np.testing.assert_allclose(fitted.predict(panel)[rows], alone.predict(panel)[rows])
    assert not np.allclose(fitted.predict(panel)[~rows], alone.predict(panel)[~rows])
    table = backtest(fitted, panel, start=-12, steps=6, stride=6)
    again = backtest(alone, panel, start=-12, steps=6, stride=6)
    same = table["series"] == "passengers"
    np.testing.assert_allclose(table["forecast"][same], again["forecast"][same], rtol=1e-6)
    # a series fit did not see takes the pooled weight (0.5)
    other = panel.loc[["seattle"]].rename(index={"seattle": "portland"}, level="series")
    np.testing.assert_allclose(
        fitted.forecast(other, 12)["value"],
        (alone.forecast(other, 12)["value"] + ahead) / 2,
        rtol=1e-5,
    )


def test_saved_loaded_and_pickled_with_their_ids(fitted, panel, tmp_path):
    path = fitted.save(tmp_path / "model")
    state = json.loads((path / "state.json").read_text())
    assert state["seasonal_average_weights_"] == [
        ["str", "passengers", 0.0], ["str", "seattle", 0.5]
    ]  # fmt: skip
    for loaded in (LSTMForecaster.load(path), pickle.loads(pickle.dumps(fitted))):
        assert loaded.seasonal_average_weights_ == fitted.seasonal_average_weights_
        pd.testing.assert_frame_equal(loaded.forecast(panel, 6), fitted.forecast(panel, 6))
    # ids of any type find their series again; a type not rebuilt from its text keeps its key
    assert [id_from_key(*id_key(i)) for i in (3, "3", 2.5)] == [3, "3", 2.5]
    stamp = pd.Timestamp("2020-01-01")
    assert id_key(id_from_key(*id_key(stamp))) == id_key(stamp)
    assert isinstance(id_from_key(*id_key(stamp)), StoredId)


@pytest.mark.parametrize(
    ("triples", "message"),
    [([["str", "seattle", 1.5]], "not \\[kind, id, weight\\]s"),
     ([["str", "seattle"]], "not \\[kind, id, weight\\]s"), ("seattle", "not \\[kind, id")],
)  # fmt: skip
def test_tampered_weights_are_refused(fitted, tmp_path, triples, message):
    path = rewritten(
        fitted.save(tmp_path / "model"), lambda s: s.update(seasonal_average_weights_=triples)
    )
    with pytest.raises(ValueError, match=message):
        LSTMForecaster.load(path)


def test_format_9_files_forecast_with_the_pooled_weight(fitted, panel, tmp_path):
    def older(state):
        state["format_version"] = 9
        del state["seasonal_average_weights_"]

    loaded = LSTMForecaster.load(rewritten(fitted.save(tmp_path / "model"), older))
    assert loaded.seasonal_average_weights_ is None and loaded.seasonal_average_weight_ == 0.5
    pooled = copy.deepcopy(fitted)
    pooled.seasonal_average_weights_ = None
    pd.testing.assert_frame_equal(loaded.forecast(panel, 6), pooled.forecast(panel, 6))


def test_a_panel_of_ids_fit_never_saw_is_said_to_take_the_pooled_weight(fitted, panel):
    # Ids of another type (the CLI read numbers, then text) matched none of fit's, and every
    # series took the pooled weight without a word.
    renamed = panel.rename(index={"passengers": 1, "seattle": 2}, level="series")
    with pytest.warns(RuntimeWarning, match=r"forecast: none of the 2 series ids of X was seen "
                      r"in fit \(such as 1, where fit saw 'passengers'\)") as said:  # fmt: skip
        fitted.forecast(renamed, 6)
    assert [w.filename for w in said if "was seen in fit" in str(w.message)] == [__file__]
    one_new = panel.rename(index={"seattle": "portland"}, level="series")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # a new series beside known ones
        fitted.forecast(one_new, 6)
