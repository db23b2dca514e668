"""The on-disk SequenceData: save/open round trips, the streaming writer, and fits on a map."""

import itertools
import json

import numpy as np
import pandas as pd
import pytest

from tsforecast import LSTMForecaster, SequenceData, SequenceWriter
from tsforecast._row_ids import RowIds
from tsforecast.datasets import load_pbc, load_quinidine, load_weather

from .conftest import FAST


def assert_same_data(a: SequenceData, b: SequenceData) -> None:
    np.testing.assert_array_equal(a.values, b.values)
    np.testing.assert_array_equal(a.offsets, b.offsets)
    assert a.series_ids.tolist() == b.series_ids.tolist()
    assert a.features == b.features
    for name in ("time", "mask"):
        left, right = getattr(a, name), getattr(b, name)
        assert (left is None) == (right is None)
        if left is not None:
            np.testing.assert_array_equal(left, right)
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())


@pytest.mark.parametrize("load", [load_pbc, load_weather, load_quinidine])
def test_save_then_open_gives_the_same_data_on_real_tables(tmp_path, load):
    data = load()
    opened = SequenceData.open(data.save(tmp_path / "data"))
    assert_same_data(data, opened)
    stored = {key: value for key, value in opened.metadata.items() if key != "path"}
    assert stored.keys() == data.metadata.keys()
    assert stored.get("index_names") == data.metadata.get("index_names")
    assert opened.metadata["path"] == str(tmp_path / "data")
    # The arrays are maps of the files, read-only, not copies.
    assert not opened.values.flags.writeable
    base = opened.values
    while base is not None and not isinstance(base, np.memmap):
        base = base.base
    assert isinstance(base, np.memmap)


def test_the_files_are_plain_numpy_arrays(tmp_path):
    data = load_pbc()
    folder = data.save(tmp_path / "pbc")
    assert sorted(p.name for p in folder.iterdir()) == [
        "ids.npy", "mask.npy", "meta.json", "offsets.npy", "time.npy", "values.npy",
    ]  # fmt: skip
    np.testing.assert_array_equal(np.load(folder / "values.npy"), data.values)
    np.testing.assert_array_equal(np.load(folder / "mask.npy"), data.mask)
    meta = json.loads((folder / "meta.json").read_text())
    assert meta["n_series"] == data.n_series and meta["features"] == list(data.features)


def test_the_writer_joins_a_series_that_runs_over_two_chunks(tmp_path):
    data = load_pbc()
    cuts = [0, 7, 400, 401, 1200, data.n_timesteps]  # cuts inside patients' records
    with SequenceWriter(tmp_path / "chunks") as writer:
        for begin, end in itertools.pairwise(cuts):
            writer.append(data.take(np.arange(begin, end)))
    assert_same_data(data, SequenceData.open(tmp_path / "chunks"))


def test_a_mask_that_first_appears_in_a_later_chunk_marks_earlier_rows_observed(tmp_path):
    with SequenceWriter(tmp_path / "d") as writer:
        writer.append(np.arange(4.0), groups=[1, 1, 2, 2])
        writer.append(np.array([5.0, np.nan]), groups=[3, 3], mask=[True, False])
    opened = SequenceData.open(tmp_path / "d")
    assert opened.mask.ravel().tolist() == [True, True, True, True, True, False]
    assert opened.series_ids.tolist() == [1, 2, 3]


def test_rows_not_sorted_by_series_are_refused_with_the_fix(tmp_path):
    writer = SequenceWriter(tmp_path / "d")
    writer.append(np.arange(4.0), groups=["a", "a", "b", "b"])
    with pytest.raises(
        ValueError,
        match=r"series 'a' appears again after other series: the rows "
        r"are not sorted by series\. Sort the table by \(series id, time\)",
    ):
        writer.append(np.arange(2.0), groups=["c", "a"])
    assert not (tmp_path / "d").exists()  # a failed write leaves nothing half-written


def test_time_must_go_on_increasing_across_chunks(tmp_path):
    writer = SequenceWriter(tmp_path / "d")
    writer.append(np.arange(3.0), time=[1.0, 2.0, 3.0])
    with pytest.raises(
        ValueError,
        match=r"series 0 goes on in this chunk, but its time 3\.0 is "
        r"not after the last one written \(3\.0\)",
    ):
        writer.append(np.arange(2.0), time=[3.0, 4.0])


@pytest.mark.parametrize(
    ("second", "message"),
    [
        (
            {"values": np.ones((2, 2))},
            r"this chunk has 2 columns but the data written so far "
            r"has 1",
        ),
        (
            {"values": np.ones(2), "time": [5.0, 6.0]},
            r"this chunk's time is numeric but earlier "
            r"chunks' was absent",
        ),
        ({"values": np.ones(2), "groups": [1, 1]}, r"this chunk has series ids and the others not"),
    ],
)
def test_chunks_that_do_not_fit_are_refused(tmp_path, second, message):
    writer = SequenceWriter(tmp_path / "d")
    writer.append(np.ones(3))
    values = second.pop("values")
    with pytest.raises(ValueError, match=message):
        writer.append(values, **second)


def test_existing_paths_are_kept_unless_overwrite(tmp_path):
    data = load_quinidine()
    data.save(tmp_path / "q")
    with pytest.raises(FileExistsError, match="exists and is not empty; pass overwrite=True"):
        data.save(tmp_path / "q")
    data.head(3).save(tmp_path / "q", overwrite=True)
    assert SequenceData.open(tmp_path / "q").n_timesteps == data.head(3).n_timesteps < len(data)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(FileExistsError, match="a non-empty directory that tsforecast did not"):
        data.save(tmp_path / "mine", overwrite=True)
    assert (tmp_path / "mine" / "notes.txt").exists()


def test_a_file_is_never_replaced(tmp_path):
    table = tmp_path / "x.csv"
    table.write_text("a\n1\n")
    for overwrite in (False, True):
        with pytest.raises(FileExistsError, match=r"x\.csv is a file; the on-disk format is a "):
            SequenceWriter(table, overwrite=overwrite)
    assert table.read_text() == "a\n1\n"


def test_overwrite_replaces_only_a_folder_holding_nothing_but_our_files(tmp_path):
    data = load_quinidine().head(3)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "meta.json").write_text('{"format": "another tool"}')
    (foreign / "thesis.tex").write_text("keep me")
    ours = data.save(tmp_path / "ours")
    (ours / "notes.txt").write_text("keep me too")
    for path in (foreign, ours):
        with pytest.raises(FileExistsError, match=r"a non-empty directory that tsforecast did "):
            data.save(path, overwrite=True)
    assert (foreign / "thesis.tex").exists() and (ours / "notes.txt").exists()
    (tmp_path / "link").symlink_to(tmp_path / "ours")
    with pytest.raises(FileExistsError, match=r"link is a symbolic link; give the folder itself"):
        data.save(tmp_path / "link", overwrite=True)


def test_a_failed_or_stopped_write_leaves_the_old_data_as_it_was(tmp_path):
    load_quinidine().head(5).save(tmp_path / "q")
    before = SequenceData.open(tmp_path / "q").values.copy()
    offsets = SequenceData.open(tmp_path / "q").offsets
    shorter_rows = np.concatenate(
        [np.arange(a, min(a + 2, b)) for a, b in itertools.pairwise(offsets)]
    )
    with pytest.raises(ValueError, match="every chunk needs the same columns"):
        with SequenceWriter(tmp_path / "q", overwrite=True) as writer:
            writer.append(np.ones(3))
            writer.append(np.ones((3, 2)))
    stopped = SequenceWriter(tmp_path / "q", overwrite=True)
    stopped.append(np.ones(7))  # never closed, as by a killed process
    np.testing.assert_array_equal(SequenceData.open(tmp_path / "q").values, before)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".q.writing-")] == [
        stopped._work.name
    ]  # the failed writer cleaned up; the stopped one left only its hidden folder
    shorter = SequenceData.open(tmp_path / "q").head(2)  # still mapped from the old files
    shorter.save(tmp_path / "q", overwrite=True)
    np.testing.assert_array_equal(SequenceData.open(tmp_path / "q").values, before[shorter_rows])


def test_opening_something_else_says_what_is_wrong(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"holds no meta\.json; it is not a directory"):
        SequenceData.open(tmp_path)
    writer = SequenceWriter(tmp_path / "open")
    writer.append(np.ones(3))  # never closed: the header still says 0 rows
    writer._values._file.flush()
    unfinished = writer._work
    (unfinished / "meta.json").write_text(json.dumps({
        "format": "tsforecast.SequenceData", "version": 1, "n_timesteps": 3, "n_features": 1,
        "n_series": 1, "features": ["x0"], "time": None, "grouped": False, "mask": False,
        "metadata": {},
    }))  # fmt: skip
    np.save(unfinished / "offsets.npy", np.array([0, 3]))
    np.save(unfinished / "ids.npy", np.array([0]))
    with pytest.raises(
        ValueError,
        match=r"values\.npy has shape \(0, 1\), meta\.json says "
        r"\(3, 1\); the directory is incomplete",
    ):
        SequenceData.open(unfinished)


def test_mixed_id_kinds_are_refused(tmp_path):
    writer = SequenceWriter(tmp_path / "d")
    writer.append(np.ones(2), groups=[1, 1])
    with pytest.raises(TypeError, match=r"series ids must all be numbers or all be text"):
        writer.append(np.ones(2), groups=["b", "b"])


def test_row_ids_behave_as_the_per_row_array():
    offsets, ids = np.array([0, 2, 5]), np.array(["a", "b"])
    rows = RowIds(offsets, ids)
    assert len(rows) == 5 and rows.shape == (5,)
    assert np.asarray(rows).tolist() == ["a", "a", "b", "b", "b"]
    assert rows[1:4].tolist() == ["a", "b", "b"]
    assert rows[np.array([4, 0])].tolist() == ["b", "a"]


def test_an_opened_panel_fits_and_forecasts_as_the_data_in_memory(tmp_path):
    data = load_pbc()
    opened = SequenceData.open(data.save(tmp_path / "pbc"))
    in_memory = LSTMForecaster(**FAST).fit(data)
    mapped = LSTMForecaster(**FAST).fit(opened)
    np.testing.assert_array_equal(in_memory.predict(data), mapped.predict(opened))
    pd.testing.assert_frame_equal(in_memory.forecast(data, 3), mapped.forecast(opened, 3))
    # Selections of an opened data set are ordinary in-memory SequenceData.
    first = opened.series(0)
    assert first.n_timesteps == data.series(0).n_timesteps and first.values.flags.writeable is False


def test_forecasts_made_chunk_by_chunk_equal_those_made_at_once(monkeypatch):
    """Forecasts of many series pass through the network a bounded number at a time."""
    import tsforecast._recurrent.adaptation as adaptation
    import tsforecast._recurrent.forecasting as forecasting

    data = load_pbc()
    model = LSTMForecaster(**FAST, quantiles=(0.1, 0.5, 0.9), target=["bili", "albumin"])
    model.fit(data)
    at_once = model.forecast(data, 3, quantiles=True)
    monkeypatch.setattr(forecasting, "FORECASTS_PER_PASS", 7)
    monkeypatch.setattr(adaptation, "ADAPTATION_ROWS_PER_PASS", 50)
    in_chunks = model.forecast(data, 3, quantiles=True)
    pd.testing.assert_frame_equal(at_once, in_chunks, rtol=1e-6)


def test_the_least_squares_start_on_a_sample_is_the_fit_on_all_rows(monkeypatch):
    """Past LEAST_SQUARES_ROWS training rows, the start reads a random sample of them."""
    import tsforecast._recurrent.naive_start as naive_start

    values = load_weather().to_frame()[["Dry-bulb (C)", "Dew-point (C)"]].to_numpy()
    settings = {**FAST, "max_epochs": 1, "learning_rate": 1e-12, "horizon": 3,
                "target_transform": "none"}  # fmt: skip
    every_row = LSTMForecaster(**settings).fit(values)
    monkeypatch.setattr(naive_start, "LEAST_SQUARES_ROWS", 2000)
    sampled = LSTMForecaster(**settings).fit(values)
    full, part = (m.module_.skip.weight.detach().numpy() for m in (every_row, sampled))
    assert not np.array_equal(full, part)  # the sample was used ...
    np.testing.assert_allclose(part, full, atol=0.05)  # ... and fits the same line


@pytest.mark.parametrize("quantiles", [False, True])
def test_predictions_made_series_chunk_by_chunk_equal_those_made_at_once(monkeypatch, quantiles):
    """Past PREDICT_ROWS_PER_PASS rows, predict works on whole series a chunk at a time."""
    import tsforecast._recurrent.predicting as predicting

    data = load_quinidine()
    settings = {**FAST, "target": "conc", "future_covariates": ["dose"]}
    model = LSTMForecaster(**settings, quantiles=(0.1, 0.5, 0.9) if quantiles else None)
    model.fit(data)
    predict = model.predict_quantiles if quantiles else model.predict
    at_once = predict(data)
    monkeypatch.setattr(predicting, "PREDICT_ROWS_PER_PASS", 40)
    in_chunks = predict(data)
    np.testing.assert_allclose(in_chunks, at_once, rtol=1e-6, equal_nan=True)
    assert np.isnan(at_once).any()  # each series' last row: the next dose is not in X


def test_series_chunks_hold_whole_series_and_every_row_once():
    from tsforecast._segments import series_chunks

    offsets = np.array([0, 3, 10, 11, 30, 31])
    assert list(series_chunks(offsets, 10)) == [(0, 10), (10, 11), (11, 30), (30, 31)]
    assert list(series_chunks(offsets, 100)) == [(0, 31)]


def test_backtests_baselines_and_frames_accept_an_opened_data_set(tmp_path):
    from tsforecast import Persistence, SeasonalNaive, backtest

    data = load_weather().take(np.arange(2000))
    opened = SequenceData.open(data.save(tmp_path / "weather"))
    model = LSTMForecaster(**FAST, target="Dry-bulb (C)").fit(data)
    pd.testing.assert_frame_equal(
        backtest(model, opened, start=0.9, steps=3, stride=12, quantiles=True),
        backtest(model, data, start=0.9, steps=3, stride=12, quantiles=True),
    )
    for naive in (Persistence(), SeasonalNaive()):
        pd.testing.assert_frame_equal(naive.fit(opened).forecast(opened, 5),
                                      naive.fit(data).forecast(data, 5))  # fmt: skip
    pd.testing.assert_frame_equal(opened.to_frame(), data.to_frame())


def test_row_ids_read_only_the_rows_asked_for():
    """A slice of a large panel's ids costs the slice, not the whole data."""
    import tracemalloc

    rows = RowIds(np.array([0, 3, 8, 20_000_000]), np.array(["a", "b", "c"]))
    tracemalloc.start()
    try:
        assert rows[5:10].tolist() == ["b", "b", "b", "c", "c"]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 100_000
    assert rows[np.array([-1, -20_000_000, 3])].tolist() == ["c", "a", "b"]
    assert (RowIds(np.array([0, 2, 3]), np.array([7, 9])) == 9).tolist() == [False, False, True]
    with pytest.raises(IndexError, match="out of range"):
        rows[np.array([20_000_000])]


def test_ids_that_would_not_come_back_as_given_are_refused(tmp_path):
    stamps = pd.to_datetime(["2020-01-01", "2020-01-01", "2020-01-02"]).to_numpy(dtype=object)
    with pytest.raises(TypeError, match=r"series ids must all be numbers or all be text"):
        SequenceData(np.ones(3), groups=stamps).save(tmp_path / "stamps")
    assert not (tmp_path / "stamps").exists()
    mixed = SequenceData(np.ones(4), groups=np.array([1, 1, "a", "a"], dtype=object))
    with pytest.raises(TypeError, match=r"all be numbers or all be text"):
        mixed.save(tmp_path / "mixed")
    assert not (tmp_path / "mixed").exists()  # a failed close leaves nothing behind
    SequenceData(np.ones(4), groups=[1, 1, 2, 2]).save(tmp_path / "mixed")  # the path is free


def test_computed_inputs_of_a_large_opened_data_set_go_to_a_temporary_map(tmp_path, monkeypatch):
    """Calendar features and known-future covariates: the same model, no copy in memory."""
    import tsforecast._recurrent.features as features

    data = load_weather().take(np.arange(3000))
    opened = SequenceData.open(data.save(tmp_path / "weather"))
    settings = {**FAST, "target": "Dry-bulb (C)", "future_covariates": ["ETR (W/m^2)"],
                "time_features": ["hour", "weekday"]}  # fmt: skip
    in_memory = LSTMForecaster(**settings).fit(data)
    monkeypatch.setattr(features, "SPILL_ROWS", 1000)
    monkeypatch.setattr(features, "SPILL_CHUNK_ROWS", 700)
    made = []
    original = features.spilled
    monkeypatch.setattr(features, "spilled", lambda *a: made.append(1) or original(*a))
    spilled = LSTMForecaster(**settings).fit(opened)
    assert made  # the temporary map was used
    np.testing.assert_array_equal(spilled.predict(data), in_memory.predict(data))
