"""Per-series scales: each series of a panel divided by its own size inside the model.

Two real quarterly regions, one made 1,000 times larger, forecast by seasonal differences:
the scales follow the sizes, forecasts and intervals come back in each series' units, a
series the model never saw is scaled by its own history, the scales survive save and load,
and the parameter's refusals say what to do.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from tsforecast import LSTMForecaster
from tsforecast._recurrent.series_scales import SeriesScales, id_key
from tsforecast.datasets import load_visnights

SETTINGS = {"random_state": 0, "max_epochs": 20, "target_transform": "seasonal_difference"}


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    """NSW's metro region as it is and Victoria's 1,000 times larger, first 64 quarters."""
    nights = load_visnights().to_frame()["nights"]
    small = nights.xs("NSWMetro", level="region").iloc[:64]
    large = nights.xs("VICMetro", level="region").iloc[:64] * 1000
    return pd.concat({"small": small, "large": large}, names=["region", "quarter"]).to_frame()


def _fit(frame: pd.DataFrame, **params) -> LSTMForecaster:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return LSTMForecaster(**{**SETTINGS, **params}).fit(frame)


@pytest.fixture(scope="module")
def model(panel: pd.DataFrame) -> LSTMForecaster:
    return _fit(panel.groupby(level="region").head(56))


def _seasonal_mae(values: np.ndarray) -> float:
    return float(np.mean(np.abs(values[4:] - values[:-4])))


def test_auto_scales_a_differenced_panel_by_series_and_the_scales_follow_the_sizes(panel, model):
    scales = model.target_transform_.series_scales
    assert scales is not None
    for region in ("small", "large"):  # the mean absolute seasonal change of the fitted rows
        values = panel.xs(region, level="region")["nights"].to_numpy()[:56]
        np.testing.assert_allclose(scales.scales[id_key(region)], _seasonal_mae(values), rtol=1e-4)


def test_forecasts_and_intervals_come_back_in_each_series_units(panel, model):
    history = panel.groupby(level="region").head(56)
    forecast = model.forecast(history, steps=8, quantiles=True)
    widths = {}
    for region in ("small", "large"):
        values = panel.xs(region, level="region")["nights"].to_numpy()
        rows = forecast.xs(region, level="region")
        mase = np.mean(np.abs(rows["nights_q0.5"].to_numpy() - values[56:])) / _seasonal_mae(
            values[:56]
        )
        assert mase < 2.0, (region, mase)
        widths[region] = float(np.mean(rows["nights_q0.9"] - rows["nights_q0.1"]))
    assert 100 < widths["large"] / widths["small"] < 10_000  # each in its own scale


def test_a_series_never_seen_is_scaled_by_its_own_history(panel, model):
    history = panel.groupby(level="region").head(56)
    large = history.xs("large", level="region", drop_level=False)
    tripled = large.rename(index={"large": "new"}) * 3.0  # another id: not in the scales
    assert not model.target_transform_.series_scales.knows(np.array(["new"]))
    known = model.forecast(large, steps=8)["nights"].to_numpy()
    unseen = model.forecast(tripled, steps=8)["nights"].to_numpy()
    np.testing.assert_allclose(unseen, 3.0 * known, rtol=1e-4)


def test_save_and_load_keep_the_series_scales(tmp_path, panel, model):
    loaded = LSTMForecaster.load(model.save(tmp_path / "model"))
    history = panel.groupby(level="region").head(56)
    assert loaded.target_transform_.series_scales.scales.keys() == (
        model.target_transform_.series_scales.scales.keys()
    )
    np.testing.assert_array_equal(loaded.forecast(history, 8), model.forecast(history, 8))


def test_global_is_the_earlier_scaling_and_a_single_series_is_never_scaled_by_series(panel):
    history = panel.groupby(level="region").head(56)
    for scale in ("global", True):
        assert _fit(history, scale=scale, max_epochs=1).target_transform_.series_scales is None
    single = history.xs("small", level="region")
    assert _fit(single, max_epochs=1).target_transform_.series_scales is None
    assert _fit(single, scale="series", max_epochs=1).target_transform_.series_scales is not None


def test_series_ids_of_different_types_keep_their_own_scales():
    scales = SeriesScales.fit(
        np.array([[1.0], [1.0], [5.0], [5.0]]), np.array([0, 2, 4]), np.array([1, "1"], object)
    )
    assert id_key(1) != id_key("1") and id_key(np.int64(1)) == id_key(1)
    found = scales.of_rows(np.array([1, "1"], object), np.array([0, 2, 4]))
    assert found.ravel().tolist() == [1.0, 1.0, 5.0, 5.0]
    with pytest.raises(ValueError, match="unseen in fit"):
        scales.of_rows(np.array([2]), np.array([0, 2]))


def test_refusals_say_what_to_do(panel):
    history = panel.groupby(level="region").head(56)
    with pytest.raises(ValueError, match=r"scale must be 'auto', 'series', 'global'"):
        LSTMForecaster(scale="per-series").fit(history)
    X = history.iloc[:-1]
    y = history["nights"].to_numpy()[1:]
    with pytest.raises(ValueError, match=r"scale='series'.*use scale='global'"):
        LSTMForecaster(scale="series", max_epochs=1).fit(X, y)


def test_backtest_equals_forecast_with_series_scales(panel, model):
    from tsforecast import backtest

    table = backtest(model, panel, start=56, steps=4, stride=4)
    for origin in (56, 60):
        cut = panel.groupby(level="region").head(origin)
        ahead = model.forecast(cut, steps=4)["nights"]
        rows = table[table["origin"] == cut.xs("small", level="region").index[-1]]
        for region in ("small", "large"):
            got = rows[rows["region"] == region].sort_values("step")["forecast"].to_numpy()
            np.testing.assert_allclose(got, ahead.xs(region, level="region").to_numpy(), rtol=1e-5)
    # A series fit did not see is scaled by its rows up to each origin: the backtest is the
    # forecast of its cut history, and the rows after a forecast's window change nothing
    # (scaled by its whole history, they moved the interval of a trial's unseen series).
    unseen = panel.xs("large", level="region", drop_level=False).rename(index={"large": "new"})
    later = unseen.copy()
    later.iloc[60:] *= 3.0
    tables = [backtest(model, frame, start=52, steps=4, stride=4, quantiles=True)
              for frame in (unseen, later)]  # fmt: skip
    first = tables[0][tables[0]["origin"] == unseen.index[51][1]]
    pd.testing.assert_frame_equal(first, tables[1].loc[first.index])
    cut = model.forecast(unseen.iloc[:52], steps=4, quantiles=True)
    np.testing.assert_allclose(first["forecast"], cut["nights_q0.5"], rtol=1e-5)
    np.testing.assert_allclose(first["q0.1"], cut["nights_q0.1"], rtol=1e-5)


def test_the_scaling_fitted_is_reported(panel, model):
    history = panel.groupby(level="region").head(56)
    assert model.scale_ == "series"
    assert _fit(history, scale=np.False_, max_epochs=1).scale_ == "none"  # as False
    unscaled = _fit(history, scale=np.False_, max_epochs=1).target_scaler_
    assert unscaled.mean.tolist() == [0.0] and unscaled.scale.tolist() == [1.0]
    assert _fit(history.xs("small", level="region"), max_epochs=1).scale_ == "global"


def test_an_id_reused_for_another_series_is_named(panel, model):
    history = panel.groupby(level="region").head(56)
    swapped = history.rename(index={"small": "large", "large": "small"}, level="region")
    with pytest.warns(RuntimeWarning, match=r"series '(small|large)' changes .* an id of its own"):
        model.forecast(swapped, steps=4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the series fit saw, under their own ids: no warning
        model.forecast(history, steps=4)


def test_a_series_whose_scale_cannot_be_judged_is_not_named(panel, model):
    history = panel.groupby(level="region").head(56)
    # "large" as a flat line: no change at all, so no scale of its own (was "1e+299 times")
    flat = history.copy()
    flat.loc["large", "nights"] = 5000.0
    # "small" with its last 10 quarters only: 6 seasonal changes, too few to judge a size by
    short = pd.concat([history.loc[["large"]], history.loc[["small"]].iloc[-10:] * 50])
    for frame in (flat, short):
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            model.forecast(frame, steps=4)
    # and the direction is said
    swapped = history.rename(index={"small": "large", "large": "small"}, level="region")
    with pytest.warns(RuntimeWarning) as caught:
        model.forecast(swapped, steps=4)
    said = str(caught[0].message)
    assert ("'small' changes" in said and "times more" in said) or (
        "'large' changes" in said and "times less" in said
    )


def test_a_flat_target_does_not_hide_another_target_of_another_size():
    t = np.arange(64.0)
    season = np.sin(2 * np.pi * t / 4) + 0.1 * np.random.default_rng(0).standard_normal(64)
    stamps = pd.date_range("2000-01-01", periods=64, freq="QS")

    def series(scale: float, second: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame({"x": scale * (10 + season), "v": second}, index=stamps)

    fitted = pd.concat(
        {"a": series(1.0, 5 + season), "b": series(1000.0, 5000 + 1000 * season)},
        names=["id", "time"],
    )
    model = _fit(fitted, scale="series", target_transform="seasonal_difference")
    # "b" again, its x a thousand times smaller and its v flat: x is judged, v is not
    other = pd.concat({"b": series(1.0, np.full(64, 7.0))}, names=["id", "time"])
    with pytest.warns(RuntimeWarning, match=r"series 'b' changes .* times less"):
        model.forecast(other, steps=4)


def test_a_constant_series_takes_the_panel_relative_change_at_its_own_level():
    # a constant 12 beside seasonal series of 50 and 900 took the pooled scale, the large
    # series' size: 80% intervals of -126 to 152 (a trial's panel)
    changes = np.array([[0.0], [0.0], [5.0], [-5.0], [90.0], [-90.0]])  # flat, small, large
    levels = np.array([[12.0], [50.0], [900.0]])
    offsets, ids = np.array([0, 2, 4, 6]), np.array(["flat", "small", "large"])

    def per_series(values: np.ndarray, levels: np.ndarray | None) -> np.ndarray:
        return SeriesScales.fit(values, offsets, ids, levels).of_rows(ids, offsets)[offsets[:-1]]

    assert per_series(changes, levels).ravel().tolist() == pytest.approx([1.2, 5.0, 90.0])
    assert per_series(changes, None)[0, 0] > 30  # pooled
    # all zeros (a discontinued product): the panel's smallest scale; nothing seen: pooled
    gone = np.array([[0.0], [np.nan], [5.0], [-5.0], [90.0], [-90.0]])
    levels[0] = 0.0
    scales = per_series(gone, levels)
    assert scales[0, 0] == 5.0
    unseen = np.array([[np.nan], [np.nan], [5.0], [-5.0], [90.0], [-90.0]])
    assert per_series(unseen, levels)[0, 0] == 47.5
    stamps = pd.date_range("2000-01-01", periods=48, freq="QS")
    season = np.tile([1.0, 1.3, 0.8, 0.9], 12)
    noise = np.exp(0.04 * np.random.default_rng(0).standard_normal((2, 48)))
    frame = pd.concat(
        {"flat": pd.Series(np.full(48, 12.0), stamps),
         "south": pd.Series(50 * season * noise[0], stamps),
         "east": pd.Series(900 * season * noise[1], stamps)},
        names=["id", "time"],
    ).to_frame("y")  # fmt: skip
    model = _fit(frame, scale="series", target_transform="seasonal_difference")
    bands = model.forecast(frame, steps=4, quantiles=True).xs("flat", level="id")
    assert ((bands["y_q0.9"] - bands["y_q0.1"]) < 6).all()  # 43 to 57 with the pooled scale


def test_bounds_hold_in_each_series_own_units(panel):
    history = panel.groupby(level="region").head(56)
    bounded = _fit(history, bounds=(0, None))
    assert bounded.scale_ == "series" and bounded.target_transform_.network_bounds is None
    forecast = bounded.forecast(history, steps=8, quantiles=True)
    for region in ("small", "large"):
        values = history.xs(region, level="region")["nights"].to_numpy()
        rows = forecast.xs(region, level="region").to_numpy()
        assert rows.min() >= 0  # kept, once undone
        assert rows.min() >= values.min() - _seasonal_mae(values) * 4  # not pulled to the pool


def test_targets_as_they_are_are_scaled_per_series_when_the_pool_dwarfs_one(panel):
    # "none" on this panel: the small region's values (about 5,000) lie far below the pooled
    # standard deviation (millions); a global scale would forecast it from a hundredth of a
    # standard deviation
    history = panel.groupby(level="region").head(56)
    model = _fit(history, target_transform="none")
    assert model.scale_ == "series" and model.target_transform_.series_scales is not None
    forecast = model.forecast(history, steps=8)["nights"]
    for region in ("small", "large"):
        values = panel.xs(region, level="region")["nights"].to_numpy()
        mase = np.mean(np.abs(forecast.xs(region, level="region").to_numpy() - values[56:]))
        assert mase / _seasonal_mae(values[:56]) < 3.0, region
    # the same regions at comparable sizes: no series is dwarfed, the global scale is kept
    alike = history.copy()
    alike.loc["large", "nights"] = alike.loc["large", "nights"].to_numpy() / 1000
    assert _fit(alike, target_transform="none").scale_ == "global"
    # an explicit scale is obeyed
    assert _fit(history, target_transform="none", scale="global").scale_ == "global"


def test_on_large_panels_a_dwarfed_series_is_warned_about_not_scaled():
    # over 100,000 rows: a scale per series would hold a scaled copy of the targets
    rng = np.random.default_rng(0)
    small = 5 + rng.standard_normal(60_000)
    large = 1e6 * rng.standard_normal(60_000)
    values = np.r_[small, large].astype(np.float32)[:, None]
    groups = np.repeat([0, 1], 60_000)
    model = LSTMForecaster(
        target_transform="none", hidden_size=4, context_length=8, max_epochs=1,
        batches_per_epoch=2, random_state=0, time_features=None,
    )  # fmt: skip
    with pytest.warns(RuntimeWarning, match=r"1 of 2 series have values below a hundredth"):
        model.fit(values, groups=groups)
    assert model.scale_ == "global"
