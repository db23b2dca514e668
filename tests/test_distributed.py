"""Several processes: data-parallel training under torchrun (2 gloo ranks), parallel search."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import textwrap

import joblib
import numpy as np
import pytest
import torch
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

from tsforecast import LSTMForecaster
from tsforecast._recurrent.distributed import Ranks
from tsforecast._segments import Segments
from tsforecast.datasets import load_pbc

SCRIPT = textwrap.dedent(
    """
    import os, pickle, sys
    import numpy as np
    import torch
    import torch.distributed as dist
    from tsforecast import LSTMForecaster, SequenceData

    dist.init_process_group("gloo")
    rank = dist.get_rank()
    folder, mode = sys.argv[1], sys.argv[2]
    data = SequenceData.open(os.path.join(folder, "pbc"))
    if mode == "fail" and rank == 1:
        raise RuntimeError("rank 1 could not read its share of the data")
    if mode == "other-data" and rank == 1:
        data = data.head(5)
    model = LSTMForecaster(target=["bili", "albumin"], context_length=8, hidden_size=8,
                           max_epochs=4, random_state=rank, verbose=1)
    model.fit(data)
    model.save(os.path.join(folder, "model"))  # rank 0 writes; the others return at once
    if rank == 0:  # a fit and a save on one rank alone: no collective call, no hang
        solo = LSTMForecaster(target="bili", context_length=8, hidden_size=8, max_epochs=1,
                              distributed=False).fit(data)
        solo.save(os.path.join(folder, "solo"))
    dist.barrier()
    state = {name: value.clone() for name, value in model.module_.state_dict().items()}
    facts = {"history": [{k: v for k, v in row.items() if k != "seconds"}
                         for row in model.history_],
             "best_epoch": model.best_epoch_, "baselines": model.baseline_scores_,
             "margins": model.conformal_margins_, "state": state}
    with open(os.path.join(folder, f"rank{rank}.pkl"), "wb") as file:
        pickle.dump(facts, file)
    dist.destroy_process_group()
    """
)


def torchrun(tmp_path, mode: str) -> subprocess.CompletedProcess:
    (tmp_path / "script.py").write_text(SCRIPT)
    if not (tmp_path / "pbc").exists():
        load_pbc().save(tmp_path / "pbc")
    command = [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
        str(tmp_path / "script.py"), str(tmp_path), mode,
    ]  # fmt: skip
    environment = {**os.environ, "OMP_NUM_THREADS": "1"}
    # A hang would fail here, not stall the suite; generous, so that a busy machine's slowness
    # (2 ranks starting torch: seconds when idle) never reads as one.
    return subprocess.run(
        command, capture_output=True, text=True, timeout=600, env=environment, cwd=tmp_path
    )


@pytest.mark.slow  # processes start and import torch
def test_two_ranks_end_with_the_same_model_which_loads_in_one_process(tmp_path):
    run = torchrun(tmp_path, "ok")
    assert run.returncode == 0, run.stderr[-3000:]
    assert "FutureWarning" not in run.stderr and "DeprecationWarning" not in run.stderr
    ranks = [pickle.loads((tmp_path / f"rank{r}.pkl").read_bytes()) for r in range(2)]
    for name, value in ranks[0]["state"].items():
        assert torch.equal(value, ranks[1]["state"][name]), name
    for fact in ("history", "best_epoch", "baselines"):
        assert ranks[0][fact] == ranks[1][fact], fact
    np.testing.assert_array_equal(ranks[0]["margins"], ranks[1]["margins"])
    # Different random_state per rank: rank 0's seed was used everywhere.
    assert len(ranks[0]["history"]) == 4
    # Only rank 0 printed the baseline table and wrote the model.
    assert (run.stdout + run.stderr).count(
        "validation MAE per step ahead (standard deviations"
    ) == 1
    assert (tmp_path / "solo" / "weights.pt").exists()
    model = LSTMForecaster.load(tmp_path / "model")
    for name, value in model.module_.state_dict().items():
        assert torch.equal(value, ranks[0]["state"][name]), name
    data = load_pbc()
    predictions = model.predict(data)
    assert predictions.shape == (len(data), 2) and np.isfinite(predictions).all()


@pytest.mark.slow  # processes start and import torch
def test_a_rank_that_fails_fails_the_whole_run_with_its_message(tmp_path):
    run = torchrun(tmp_path, "fail")
    assert run.returncode != 0
    assert "rank 1 could not read its share of the data" in run.stderr


@pytest.mark.slow  # processes start and import torch
def test_ranks_given_different_data_are_refused(tmp_path):
    run = torchrun(tmp_path, "other-data")
    assert run.returncode != 0
    message = "the 2 processes of the distributed fit were given different data (rows differ"
    assert run.stderr.count(message) == 2  # said on both ranks


@pytest.mark.parametrize("world", [2, 3])
def test_each_rank_gets_an_equal_share_of_the_rows(world):
    """Series of 10,000 and 100 rows (and a 1-row series, no example): rows, not series."""
    segments = Segments(np.array([0, 10_000, 10_100]), np.array([10_000, 10_100, 10_101]))
    shares = [Ranks(rank, world, torch.device("cpu")).shard(segments) for rank in range(world)]
    rows = [share.n_rows for share in shares]
    assert max(rows) - min(rows) <= 2 and sum(rows) >= 10_100 - 2 * world
    covered = np.concatenate([share.rows(np.arange(share.n_rows)) for share in shares])
    assert len(np.unique(covered)) == len(covered)  # no row on two ranks
    assert covered.max() < 10_100  # the 1-row series holds no example
    for share in shares:  # every range inside one series
        series = np.searchsorted([0, 10_000, 10_100], share.starts, side="right")
        assert (series == np.searchsorted([0, 10_000, 10_100], share.stops - 1, side="right")).all()


def test_a_single_series_is_cut_into_one_piece_per_rank():
    segments = Segments(np.array([0]), np.array([101]))
    shares = [Ranks(rank, 2, torch.device("cpu")).shard(segments) for rank in range(2)]
    assert [(s.starts.tolist(), s.stops.tolist()) for s in shares] == [([0], [50]), ([50], [101])]
    with pytest.raises(ValueError, match=r"too few to share between 8 processes \(rank 0 would"):
        Ranks(3, 8, torch.device("cpu")).shard(Segments(np.array([0]), np.array([9])))


def test_without_a_process_group_there_are_no_ranks():
    assert Ranks.current() is None


class ThreadProbe(LSTMForecaster):
    """Records how many threads torch used in fit; its score is that number."""

    def fit(self, X, y=None, groups=None):
        super().fit(X, y, groups)
        self.threads_ = torch.get_num_threads()
        return self

    def score(self, X, y=None, groups=None):
        return float(self.threads_)


@pytest.mark.slow  # processes start and import torch
def test_grid_search_runs_two_workers_each_on_its_share_of_the_cores(waves):
    grid = {"hidden_size": [4, 8]}
    settings = {"context_length": 8, "max_epochs": 2, "random_state": 0}
    cv = TimeSeriesSplit(2)
    kwargs = {"cv": cv, "error_score": "raise"}
    alone = GridSearchCV(LSTMForecaster(**settings), grid, **kwargs).fit(waves)
    parallel = GridSearchCV(LSTMForecaster(**settings), grid, n_jobs=2, **kwargs).fit(waves)
    np.testing.assert_allclose(
        parallel.cv_results_["mean_test_score"], alone.cv_results_["mean_test_score"], rtol=1e-4
    )
    assert parallel.best_params_ == alone.best_params_
    # joblib's workers get cpu_count // n_jobs threads each: no oversubscription.
    threads = GridSearchCV(ThreadProbe(**settings), grid, n_jobs=2, refit=False, cv=cv).fit(waves)
    expected = max(1, joblib.cpu_count() // 2)
    assert threads.cv_results_["mean_test_score"].tolist() == [expected, expected]
