"""Ensembles (``n_members``): members trained with their own seeds, forecasting as the median."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
import torch

from tsforecast import LSTMForecaster
from tsforecast._recurrent.ensemble import MedianOfNetworks, member_seeds

from .conftest import FAST
from .test_persistence import rewrite_checksums

MEMBERS = {**FAST, "n_members": 3}


@pytest.fixture(scope="module")
def ensemble(waves) -> LSTMForecaster:
    """Three members of `FAST` with quantiles, on the waves."""
    return LSTMForecaster(**MEMBERS, quantiles=(0.1, 0.5, 0.9)).fit(waves)


def test_member_seeds():
    def first(random_state, n):
        return list(itertools.islice(member_seeds(random_state), n))

    assert first(None, 3) == [None, None, None]
    seeds = first(7, 4)
    assert seeds[0] == 7 and len(set(seeds)) == 4
    assert first(7, 4) == seeds  # reproducible
    assert first(np.int64(7), 4)[1:] == seeds[1:]
    # a generator is the first member's own, and drawn from only after it
    generator = np.random.default_rng(5)
    stream = member_seeds(generator)
    assert next(stream) is generator
    state = generator.bit_generator.state
    drawn = next(stream)
    assert isinstance(drawn, int) and generator.bit_generator.state != state


def test_the_ensemble_forecasts_the_median_of_its_members(ensemble, waves):
    module = ensemble.module_
    assert isinstance(module, MedianOfNetworks) and len(module.members) == 3
    inputs = torch.from_numpy(waves[None, :40].astype(np.float32))
    with torch.no_grad():
        each = torch.stack([member(inputs) for member in module.members])
        together = module(inputs)
        last = module.forward_last(inputs, None)
    assert torch.allclose(together, each.median(dim=0).values)
    assert torch.allclose(last, together[:, -1])
    # the members differ (their own seeds), and the quantile levels stay sorted
    assert not torch.allclose(each[0], each[1])
    assert (together.diff(dim=-2) >= 0).all()


def test_the_first_member_is_the_single_model_of_the_same_seed(waves):
    single = LSTMForecaster(**FAST).fit(waves)
    members = LSTMForecaster(**{**FAST, "n_members": 2}).fit(waves)
    first = members.module_.members[0]
    assert all(
        torch.equal(a, b)
        for a, b in zip(
            single.module_.state_dict().values(), first.state_dict().values(), strict=True
        )
    )
    # a fit of one member is the model fitted without the parameter
    again = LSTMForecaster(**{**FAST, "n_members": 1}).fit(waves)
    np.testing.assert_array_equal(again.predict(waves), single.predict(waves))


def test_intervals_are_calibrated_on_the_ensemble(ensemble, waves):
    single = LSTMForecaster(**FAST, quantiles=(0.1, 0.5, 0.9)).fit(waves)
    # the margins come from the ensemble's validation forecasts, not from its first member's
    assert ensemble.conformal_margins_.shape == single.conformal_margins_.shape
    assert not np.allclose(ensemble.conformal_margins_, single.conformal_margins_)
    assert ensemble.baseline_scores_["model"] != single.baseline_scores_["model"]
    lower, upper = ensemble.predict_interval(waves)
    assert lower.shape == waves.shape and (lower <= upper).all()


def test_forecasts_past_the_horizon_feed_the_median_back(waves):
    model = LSTMForecaster(**{**FAST, "n_members": 3}, horizon=4, target_transform="none").fit(
        waves
    )
    forecast = model.forecast(waves, 10)
    assert forecast.shape == (10, 2) and np.isfinite(forecast).all()
    # the first four steps are one forward pass of the ensemble
    np.testing.assert_allclose(forecast[:4], model.forecast(waves, 4), rtol=1e-6)
    # and the next ones are forecast from the history extended with them
    extended = np.vstack([waves, forecast[:4]])
    np.testing.assert_allclose(forecast[4:8], model.forecast(extended, 4), rtol=1e-5, atol=1e-6)


def test_a_generator_seed_gives_the_single_model_as_first_member(waves):
    # one transform: the generator is used by one fit only (each compared transform draws)
    one = {**FAST, "target_transform": "none"}
    single = LSTMForecaster(**{**one, "random_state": np.random.default_rng(5)}).fit(waves)
    members = LSTMForecaster(
        **{**one, "random_state": np.random.default_rng(5), "n_members": 2}
    ).fit(waves)
    weights = single.module_.state_dict().values(), members.module_.members[0].state_dict().values()
    assert all(torch.equal(a, b) for a, b in zip(*weights, strict=True))


def test_ctrl_c_stops_after_the_member_being_trained(waves, monkeypatch):
    from tsforecast._recurrent import training

    calls = []
    train = training.train

    def interrupted_second(module, sampler, **kwargs):
        calls.append(1)
        if len(calls) == 2:  # Ctrl-C at the second member's first batch

            def interrupt(*args):
                raise KeyboardInterrupt

            kwargs["split"] = interrupt
        return train(module, sampler, **kwargs)

    monkeypatch.setattr(training, "train", interrupted_second)
    with pytest.warns(RuntimeWarning, match="interrupted"):
        model = LSTMForecaster(**FAST, n_members=4, target_transform="none").fit(waves)
    assert len(calls) == 2 and model.n_members_ == 2 and model.stopped_ == "interrupted"
    assert len(model.module_.members) == 2
    assert np.isfinite(model.predict(waves)).all()


def test_transforms_are_compared_with_one_member_and_the_kept_ones_trained_with_all(
    monkeypatch,
):
    from tsforecast._recurrent import ensemble as ensemble_module

    counts = []
    fit_members = ensemble_module.fit_members

    def counted(fit_one, n_members, random_state):
        counts.append(n_members)
        return fit_members(fit_one, n_members, random_state)

    monkeypatch.setattr("tsforecast._estimator.fitting.fit_members", counted)
    t = np.arange(96.0)
    monthly = (10 + t / 12 + np.sin(2 * np.pi * t / 12))[:, None]
    model = LSTMForecaster(
        **{**FAST, "n_members": 3}, seasonal_period=12,
        target_transform=["seasonal_difference", "log_seasonal_difference"],
    ).fit(monthly)  # fmt: skip
    assert model.target_transform_scores_ is not None and len(counts) > 1
    # the transforms of a list are all kept (combined): each trained again with every member
    assert counts == [1, 1, 3, 3]
    assert model.transform_members_ and isinstance(
        model.transform_members_[0].module_, MedianOfNetworks
    )
    assert isinstance(model.module_, MedianOfNetworks)


def test_an_ensemble_saves_and_loads(ensemble, waves, tmp_path):
    path = ensemble.save(tmp_path / "ensemble")
    loaded = LSTMForecaster.load(path)
    assert isinstance(loaded.module_, MedianOfNetworks) and loaded.n_members_ == 3
    np.testing.assert_allclose(loaded.predict(waves), ensemble.predict(waves))
    # a count edited into the files is refused before any network is built
    state = json.loads((path / "state.json").read_text())
    for edited in (2, 1, 10**9):
        (path / "state.json").write_text(json.dumps({**state, "n_members_": edited}))
        rewrite_checksums(path)
        with pytest.raises(ValueError, match=f"holds 3 network.* n_members_={edited}"):
            LSTMForecaster.load(path)
    (path / "state.json").write_text(json.dumps({**state, "n_members_": 0}))
    rewrite_checksums(path)
    with pytest.raises(ValueError, match="n_members_ is 0"):
        LSTMForecaster.load(path)


def test_the_fitted_count_is_saved_not_the_parameter(ensemble, waves, tmp_path):
    from sklearn.base import clone

    changed = clone(ensemble).fit(waves).set_params(n_members=5)
    loaded = LSTMForecaster.load(changed.save(tmp_path / "m"))
    assert loaded.n_members == 5 and loaded.n_members_ == 3
    np.testing.assert_allclose(loaded.predict(waves), changed.predict(waves))


@pytest.mark.parametrize("bad", [0, -1, 1.5, "3"])
def test_a_wrong_member_count_is_refused(bad, waves):
    with pytest.raises((ValueError, TypeError), match="n_members"):
        LSTMForecaster(**{**FAST, "n_members": bad}).fit(waves)


def test_the_command_line_fits_an_ensemble(tmp_path):
    import pandas as pd

    from tsforecast.cli import main
    from tsforecast.datasets import data_path

    table = pd.read_csv(data_path("seattle-weather.csv"))[["date", "temp_max", "wind"]][:200]
    table.to_csv(tmp_path / "daily.csv", index=False)
    code = main([
        "fit", str(tmp_path / "daily.csv"), "--kind", "weather", "--max-epochs", "1",
        "--context-length", "8", "--hidden-size", "4", "--random-state", "0",
        "--n-members", "2", "--out", str(tmp_path / "model"), "--quiet",
    ])  # fmt: skip
    assert code == 0
    loaded = LSTMForecaster.load(tmp_path / "model")
    assert loaded.n_members == 2 and len(loaded.module_.members) == 2
