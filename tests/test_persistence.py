"""Saving and loading: a round trip gives the same model; damaged files give clear errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tsforecast import LSTMForecaster
from tsforecast._persistence import FORMAT_VERSION, SIMPLE_STATE


def test_save_and_load_round_trip(fitted, waves, tmp_path):
    path = fitted.save(tmp_path / "model")
    assert sorted(p.name for p in path.iterdir()) == ["params.json", "state.json", "weights.pt"]
    loaded = LSTMForecaster.load(path)
    np.testing.assert_array_equal(loaded.predict(waves), fitted.predict(waves))
    np.testing.assert_array_equal(loaded.forecast(waves, 4), fitted.forecast(waves, 4))
    assert loaded.history_ == fitted.history_ and loaded.get_params() == fitted.get_params()
    for name in SIMPLE_STATE:
        assert getattr(loaded, name) == getattr(fitted, name), name
    np.testing.assert_array_equal(loaded.input_scaler_.scale, fitted.input_scaler_.scale)
    assert loaded.module_.layout == fitted.module_.layout


def test_the_state_file_keeps_format_version_1(fitted, tmp_path):
    """Models saved before the forecaster was split into modules still load: same keys."""
    state = json.loads((fitted.save(tmp_path / "model") / "state.json").read_text())
    assert state["format_version"] == FORMAT_VERSION == 1
    for key in ("input_mean_", "input_scale_", "target_mean_", "target_scale_", "n_outputs"):
        assert key in state
    assert state["input_mean_"] == fitted.input_scaler_.mean.tolist()


def test_tampered_or_broken_model_files(fitted, tmp_path):
    path = fitted.save(tmp_path / "model")
    weights = bytearray((path / "weights.pt").read_bytes())
    weights[-10] ^= 0xFF
    (path / "weights.pt").write_bytes(bytes(weights))
    with pytest.raises(ValueError, match="does not match the checksum"):
        LSTMForecaster.load(path)
    path = fitted.save(tmp_path / "model2")
    (path / "state.json").write_text("{not json")
    with pytest.raises(ValueError, match="a JSON file is unreadable"):
        LSTMForecaster.load(path)
    path = fitted.save(tmp_path / "model3")
    (path / "params.json").write_text('{"hidden_size": -3}')
    with pytest.raises(ValueError, match="saved model is inconsistent"):
        LSTMForecaster.load(path)
    path = fitted.save(tmp_path / "model4")
    state = json.loads((path / "state.json").read_text())
    (path / "state.json").write_text(json.dumps({**state, "format_version": 99}))
    with pytest.raises(ValueError, match="unknown format"):
        LSTMForecaster.load(path)
    with pytest.raises(FileNotFoundError, match=r"has no params\.json"):
        LSTMForecaster.load(tmp_path / "nothing")
