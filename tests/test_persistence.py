"""Saving and loading: a round trip gives the same model; damaged files give clear errors."""

from __future__ import annotations

import hashlib
import json
import pickle
import random
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone

from tsforecast import LSTMForecaster
from tsforecast._recurrent.model_files import FILES, FORMAT_VERSION, SIMPLE_STATE

from .conftest import FAST

X = np.c_[np.sin(np.arange(300) / 7), np.cos(np.arange(300) / 11)]


def rewrite_checksums(path):
    """Make checksums.json match the files again (a careful tamper, or a mix-up of models)."""
    sums = {name: hashlib.sha256((path / name).read_bytes()).hexdigest() for name in FILES}
    (path / "checksums.json").write_text(
        json.dumps({"format_version": FORMAT_VERSION, "sha256": sums})
    )


def test_tuple_parameters_come_back_as_tuples(waves, tmp_path):
    # JSON writes tuples as lists: get_params() of the loaded model differed from the saved.
    model = LSTMForecaster(**{**FAST, "quantiles": (0.05, 0.5, 0.95), "bounds": (-5, None)})
    model.fit(waves)
    loaded = LSTMForecaster.load(model.save(tmp_path / "model"))
    assert loaded.get_params() == model.get_params()
    assert loaded.get_params()["quantiles"] == (0.05, 0.5, 0.95)
    per_target = LSTMForecaster(**{**FAST, "bounds": {"y": (-5, None)}})
    X = pd.DataFrame({"y": waves[:, 0]})
    loaded = LSTMForecaster.load(per_target.fit(X).save(tmp_path / "per_target"))
    assert loaded.get_params()["bounds"] == {"y": (-5, None)}


def test_save_and_load_round_trip(fitted, waves, tmp_path):
    path = fitted.save(tmp_path / "model")
    assert sorted(p.name for p in path.iterdir()) == [
        "checksums.json",
        "params.json",
        "state.json",
        "weights.pt",
    ]
    loaded = LSTMForecaster.load(path)
    assert loaded.transform_members_ == fitted.transform_members_ == []
    np.testing.assert_array_equal(loaded.predict(waves), fitted.predict(waves))
    np.testing.assert_array_equal(loaded.forecast(waves, 4), fitted.forecast(waves, 4))
    assert loaded.history_ == fitted.history_ and loaded.get_params() == fitted.get_params()
    for name in SIMPLE_STATE:
        assert getattr(loaded, name) == getattr(fitted, name), name
    np.testing.assert_array_equal(loaded.input_scaler_.scale, fitted.input_scaler_.scale)
    assert loaded.module_.layout == fitted.module_.layout


def test_save_and_load_keep_the_quantiles_and_their_calibration(waves, tmp_path):
    model = LSTMForecaster(**{**FAST, "quantiles": (0.1, 0.9), "horizon": 5})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # 3 epochs lose to the baselines
        model.fit(waves)
    assert model.quantiles_ == (0.1, 0.5, 0.9) and model.conformal_margins_.shape == (101, 5, 1, 2)
    loaded = LSTMForecaster.load(model.save(tmp_path / "model"))
    assert loaded.quantiles_ == model.quantiles_ and loaded.horizon_ == 5
    np.testing.assert_array_equal(loaded.conformal_margins_, model.conformal_margins_)
    assert loaded.baseline_scores_ == model.baseline_scores_
    np.testing.assert_array_equal(loaded.predict_quantiles(waves), model.predict_quantiles(waves))
    np.testing.assert_array_equal(
        loaded.forecast(waves, 5, quantiles=True), model.forecast(waves, 5, quantiles=True)
    )


def test_models_saved_in_formats_1_and_2_still_load(tmp_path):
    """Format 1 (no checksums.json) and 2 (no horizon or quantiles): one-step point models."""
    fitted = LSTMForecaster(**{**FAST, "horizon": 1, "quantiles": None}).fit(X)
    path = fitted.save(tmp_path / "model")
    state = json.loads((path / "state.json").read_text())
    assert state["format_version"] == FORMAT_VERSION == 11
    for key in ("input_mean_", "input_scale_", "target_mean_", "target_scale_", "n_outputs"):
        assert key in state
    assert state["input_mean_"] == fitted.input_scaler_.mean.tolist()
    # What those formats wrote: no horizon or quantiles, and discrete_targets_.
    params = json.loads((path / "params.json").read_text())
    for key in ("horizon", "quantiles", "seasonal_period", "adaptation_rate", "weight_averaging",
                "n_members"):  # fmt: skip
        del params[key]
    (path / "params.json").write_text(json.dumps(params))
    for key in ("horizon_", "quantiles_", "seasonal_period_", "baseline_scores_",
                "conformal_margins_", "n_members_"):  # fmt: skip
        del state[key]
    state.update(format_version=2, discrete_targets_=[False, False])
    (path / "state.json").write_text(json.dumps(state))
    rewrite_checksums(path)
    loaded = LSTMForecaster.load(path)
    assert loaded.horizon == loaded.horizon_ == 1 and loaded.quantiles_ is None
    assert loaded.context_length_ == fitted.context_length_ == 8  # from the parameter
    assert loaded.scale_ == "global"
    assert loaded.weight_averaging == 0.0  # they were trained without it: a refit is alike
    np.testing.assert_array_equal(loaded.predict(X), fitted.predict(X))
    # Format 1: no checksums.json, the weights' hash in state.json.
    weights = (path / "weights.pt").read_bytes()
    state.update(format_version=1, weights_sha256=hashlib.sha256(weights).hexdigest())
    (path / "state.json").write_text(json.dumps(state))
    (path / "checksums.json").unlink()
    np.testing.assert_array_equal(LSTMForecaster.load(path).predict(X), fitted.predict(X))
    (path / "weights.pt").write_bytes(weights[:-1] + bytes([weights[-1] ^ 1]))
    with pytest.raises(ValueError, match=r"weights\.pt does not match its checksum"):
        LSTMForecaster.load(path)
    del state["weights_sha256"]  # a format-1 directory without the weights' hash
    (path / "state.json").write_text(json.dumps(state))
    with pytest.raises(ValueError, match=r"format 1 has no weights_sha256.*Save the model again"):
        LSTMForecaster.load(path)


def test_saving_where_the_process_may_not_write_names_the_folder(tmp_path, monkeypatch):
    import tempfile

    def refused(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path / ".model.bk9xgzg3"))

    fitted = LSTMForecaster(**FAST).fit(X)
    monkeypatch.setattr(tempfile, "mkdtemp", refused)
    with pytest.raises(PermissionError, match=r"may not write in .*Save to a folder you can"):
        fitted.save(tmp_path / "model")
    assert not (tmp_path / "model").exists()


def test_tampered_or_broken_model_files(fitted, tmp_path):
    path = fitted.save(tmp_path / "model")
    weights = bytearray((path / "weights.pt").read_bytes())
    weights[-10] ^= 0xFF
    (path / "weights.pt").write_bytes(bytes(weights))
    with pytest.raises(ValueError, match=r"weights\.pt does not match its checksum"):
        LSTMForecaster.load(path)
    path = fitted.save(tmp_path / "model2")
    (path / "state.json").write_text("{not json")
    with pytest.raises(ValueError, match=r"state\.json does not match its checksum"):
        LSTMForecaster.load(path)
    path = fitted.save(tmp_path / "model3")
    (path / "params.json").write_text('{"hidden_size": -3}')
    with pytest.raises(ValueError, match=r"params\.json does not match its checksum"):
        LSTMForecaster.load(path)
    path = fitted.save(tmp_path / "model4")
    state = json.loads((path / "state.json").read_text())
    (path / "state.json").write_text(json.dumps({**state, "format_version": 99}))
    rewrite_checksums(path)
    with pytest.raises(ValueError, match="unknown format"):
        LSTMForecaster.load(path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        LSTMForecaster.load(tmp_path / "nothing")
    (tmp_path / "half").mkdir()
    with pytest.raises(FileNotFoundError, match=r"has no params\.json"):
        LSTMForecaster.load(tmp_path / "half")


def test_a_swapped_params_file_is_refused(tmp_path):
    """A params.json of another model is refused, with or without checksums rewritten.

    The sizes are compared with the weights before anything is allocated.
    """
    small = LSTMForecaster(**FAST).fit(X)
    other = LSTMForecaster(**{**FAST, "hidden_size": 12}).fit(X)
    a, b = small.save(tmp_path / "a"), other.save(tmp_path / "b")
    (a / "params.json").write_bytes((b / "params.json").read_bytes())
    with pytest.raises(ValueError, match=r"params\.json does not match its checksum"):
        LSTMForecaster.load(a)
    rewrite_checksums(a)
    with pytest.raises(ValueError, match=r"size 8 where params\.json says .* hidden_size=12"):
        LSTMForecaster.load(a)
    # A huge size allocates nothing: it is refused on the meta device.
    params = json.loads((a / "params.json").read_text())
    (a / "params.json").write_text(json.dumps({**params, "hidden_size": 400_000_000}))
    rewrite_checksums(a)
    with pytest.raises(ValueError, match="come from different models"):
        LSTMForecaster.load(a)


def test_state_edits_with_matching_checksums_are_caught_by_the_consistency_checks(fitted, tmp_path):
    path = fitted.save(tmp_path / "model")
    state = json.loads((path / "state.json").read_text())
    edits = {
        "NaN, infinite": {"input_mean_": [float("nan")] * len(state["input_mean_"])},
        "non-positive": {"target_scale_": [0.0] * len(state["target_scale_"])},
        "need 2 numbers": {"input_scale_": [1.0]},
        "target_indices_": {"target_indices_": [1, 0, 5]},
        "input_mean_/input_scale_ need": {"n_features_in_": 10**9},
        "time_features_": {"time_features_": ["minute"]},
        "no \\['history_'\\]": {"history_": None},
        "horizon_ is": {"horizon_": 0},
        "quantiles_ .* are not sorted": {"quantiles_": [0.1, 0.9]},
        "seasonal_period_ is": {"seasonal_period_": 1},
        "baseline_scores_ does not hold": {"baseline_scores_": {"model": [0.1]}},
        "conformal_margins_ must hold": {"conformal_margins_": [[[0.1]]]},
    }
    for message, edit in edits.items():
        changed = {k: v for k, v in {**state, **edit}.items() if k not in edit or v is not None}
        (path / "state.json").write_text(json.dumps(changed))
        rewrite_checksums(path)
        with pytest.raises(ValueError, match=message):
            LSTMForecaster.load(path)


def test_fuzzed_model_files_give_a_clear_error_never_a_wrong_model(fitted, tmp_path):
    """Flip bytes or edit numbers in each file: load refuses with an error naming the directory.

    With the checksums rewritten (a consistent tamper), an edit either fails the consistency
    checks or loads a model whose forecasts are finite: never NaN, never a huge allocation.
    """
    rng = random.Random(0)
    source = fitted.save(tmp_path / "source")
    names = [*FILES, "checksums.json"]
    for trial in range(60):
        path = tmp_path / f"trial{trial}"
        path.mkdir()
        for name in names:
            (path / name).write_bytes((source / name).read_bytes())
        name = names[trial % len(names)]
        data = bytearray((path / name).read_bytes())
        if trial % 3 == 0 or name == "weights.pt":
            for _ in range(rng.randint(1, 4)):
                data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        else:
            text = data.decode()
            digits = [i for i, char in enumerate(text) if char.isdigit()]
            at = rng.choice(digits)
            text = text[:at] + rng.choice(["9", "99999999", "-1", "1e300", "0"]) + text[at + 1 :]
            data = bytearray(text.encode())
        (path / name).write_bytes(bytes(data))
        if bytes(data) == (source / name).read_bytes():
            continue
        with pytest.raises((ValueError, FileNotFoundError), match=f"load: '{path}'"):
            LSTMForecaster.load(path)
        if name != "checksums.json":
            rewrite_checksums(path)
            try:
                loaded = LSTMForecaster.load(path)
            except (ValueError, FileNotFoundError) as error:
                assert f"load: '{path}'" in str(error)
            else:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    assert np.isfinite(loaded.predict(X)).all(), (name, trial)


def test_save_refuses_to_replace_unless_asked(fitted, tmp_path):
    path = fitted.save(tmp_path / "model")
    with pytest.raises(FileExistsError, match="already exists; pass overwrite=True"):
        fitted.save(path)
    assert fitted.save(path, overwrite=True) == path
    LSTMForecaster.load(path)
    (tmp_path / "empty").mkdir()
    fitted.save(tmp_path / "empty")  # an empty directory is fine
    other = tmp_path / "documents"
    other.mkdir()
    (other / "thesis.txt").write_text("precious")
    with pytest.raises(FileExistsError, match="holds other files than a saved model"):
        fitted.save(other, overwrite=True)
    assert (other / "thesis.txt").read_text() == "precious"
    # A model directory with something else in it is not replaced either.
    (path / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match=r"than a saved model \(\['notes.txt'\]\)"):
        fitted.save(path, overwrite=True)
    assert (path / "notes.txt").read_text() == "mine"
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "empty")
    with pytest.raises(FileExistsError, match="is a symbolic link"):
        fitted.save(link)
    (tmp_path / "file").write_text("x")
    with pytest.raises(FileExistsError, match="is a file"):
        fitted.save(tmp_path / "file")


def test_models_fitted_with_y_round_trip(tmp_path):
    for y in (X[:, 0], X):
        model = LSTMForecaster(**FAST).fit(X, y)
        loaded = LSTMForecaster.load(model.save(tmp_path / f"y{y.ndim}"))
        np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_overwrite_replaces_the_files_in_place_and_restores_them_on_failure(
    waves, tmp_path, monkeypatch
):
    combined = LSTMForecaster(**FAST, target_transform=["none", "difference"]).fit(waves)
    path = combined.save(tmp_path / "model")  # files and a folder of members

    def files():
        return {str(p.relative_to(path)): p.read_bytes() for p in path.rglob("*") if p.is_file()}

    before = files()
    other = LSTMForecaster(
        **{**FAST, "hidden_size": 6}, target_transform=["none", "difference"]
    ).fit(X)
    real = type(path).rename
    # 5 old entries move out, then the 5 new ones in: fail at each move in turn (the scratch
    # folder's own rename never comes: the target exists)
    for failing in range(1, 11):
        calls = {"n": 0}

        def fail_midway(self, target, failing=failing, calls=calls):
            calls["n"] += 1
            if calls["n"] == failing:
                raise OSError(5, "I/O error")
            return real(self, target)

        monkeypatch.setattr(type(path), "rename", fail_midway)
        with pytest.raises(OSError, match="I/O error"):
            other.save(path, overwrite=True)
        monkeypatch.undo()
        assert files() == before, failing
        assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]  # no scratch left
    other.save(path, overwrite=True)
    assert LSTMForecaster.load(path).hidden_size == 6


def test_a_failed_save_leaves_nothing_behind(fitted, tmp_path, monkeypatch):
    def full_disk(self, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(type(tmp_path), "write_bytes", full_disk)
    with pytest.raises(OSError, match="No space left"):
        fitted.save(tmp_path / "model")
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


def test_numpy_integer_hyperparameters_fit_save_and_load(tmp_path):
    """Grids built with np.arange give NumPy integers: they work everywhere a Python int does."""
    params = {**FAST, "hidden_size": np.int64(6), "context_length": np.int32(8)}
    model = LSTMForecaster(**params).fit(X)
    loaded = LSTMForecaster.load(model.save(tmp_path / "model"))
    assert loaded.hidden_size == 6 and type(loaded.hidden_size) is int
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks a machine without CUDA")
def test_a_model_pickled_for_cuda_unpickles_on_a_machine_without_it(fitted):
    model = pickle.loads(pickle.dumps(fitted))
    model.device = "cuda"  # as if it had been fitted on a GPU
    with pytest.warns(UserWarning, match="runs on the CPU"):
        moved = pickle.loads(pickle.dumps(model))
    assert moved.device_ == "cpu"
    np.testing.assert_array_equal(moved.predict(X), fitted.predict(X))


def test_a_generator_seed_is_saved_as_none_with_a_warning(tmp_path):
    model = LSTMForecaster(**{**FAST, "random_state": np.random.default_rng(0)}).fit(X)
    with pytest.warns(UserWarning, match=r"random_state is a Generator.*saved as None"):
        path = model.save(tmp_path / "model")
    loaded = LSTMForecaster.load(path)
    assert loaded.random_state is None
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_a_pickle_of_the_version_before_the_move_into_recurrent_loads(monkeypatch):
    """Pickled by 1d8d7f2, whose classes lived in tsforecast._network and tsforecast._scaling."""
    import sys
    from pathlib import Path

    from tsforecast._legacy_modules import MOVED
    from tsforecast._recurrent import intervals
    from tsforecast.datasets import load_weather

    path = Path(__file__).parent / "reference" / "model_before_issue_26.pkl"
    with path.open("rb") as file:
        saved = pickle.load(file)
    model = saved["model"]
    X = load_weather().values[:600, :3]
    np.testing.assert_allclose(model.predict(X)[::25], saved["predict"], rtol=1e-5, atol=1e-6)
    # Its intervals then adapted by widening only (the level stopped at the nominal one), and
    # a negative margin narrowed both sides by itself (CQR).
    monkeypatch.setattr(intervals, "NARROWEST", 1.0)
    monkeypatch.setattr(intervals, "calibrated_pair", lambda low, high, _, m: (low - m, high + m))
    np.testing.assert_allclose(
        model.forecast(X, 4, quantiles=True), saved["forecast"], rtol=1e-5, atol=1e-6
    )
    assert sys.modules["tsforecast._network"] is sys.modules[MOVED["tsforecast._network"]]
    # pickled before target transforms: read its targets as they are, and refits do too
    assert clone(model).get_params()["target_transform"] == "none"


def test_a_model_saved_before_n_threads_was_recorded_loads(tmp_path):
    path = LSTMForecaster(**FAST).fit(X).save(tmp_path / "model")
    state = json.loads((path / "state.json").read_text())
    del state["n_threads_"]  # as 73e86a9 wrote format 6
    (path / "state.json").write_text(json.dumps(state))
    rewrite_checksums(path)
    assert LSTMForecaster.load(path).n_threads_ is None
