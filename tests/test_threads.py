"""n_threads: training on the cores other processes leave idle, torch's setting restored."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tsforecast import LSTMForecaster
from tsforecast._recurrent import threads

from .conftest import FAST


@pytest.fixture
def two_threads():
    """Torch set to 2 threads for the test (the suite runs on one)."""
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


def _machine(monkeypatch, cores: int, busy_cores_of_others: float) -> None:
    """Fake a machine of ``cores`` CPUs on which other work keeps some busy for the sample."""
    readings = iter([(0.0, 0.0), (busy_cores_of_others * 100.0, cores * 100.0)])
    monkeypatch.setattr(threads, "_cpu_times", lambda: next(readings))
    monkeypatch.setattr(threads.os, "cpu_count", lambda: cores)
    monkeypatch.setattr(threads.os, "sched_getaffinity", lambda pid: set(range(cores)), False)
    monkeypatch.setattr(threads.time, "sleep", lambda seconds: None)


@pytest.mark.parametrize(("cores", "busy", "idle"), [(2, 0.0, 2), (2, 1.0, 1), (2, 2.0, 1),
                                                    (8, 3.2, 5)])  # fmt: skip
def test_idle_cores_are_the_cores_other_work_leaves(monkeypatch, cores, busy, idle):
    _machine(monkeypatch, cores, busy)
    assert threads.idle_cores() == idle


def test_without_a_reading_of_the_cpu_torch_keeps_its_setting(monkeypatch, two_threads):
    monkeypatch.setattr(threads, "_cpu_times", lambda: None)
    assert threads.idle_cores() is None and threads.resolve_threads("auto") is None
    assert threads.resolve_threads(None) is None and threads.resolve_threads(3) == 3


def test_a_fit_trains_on_its_threads_and_restores_torchs_setting(monkeypatch, two_threads):
    X = np.random.default_rng(0).normal(size=(80, 1))
    before = torch.get_num_threads()
    seen = []
    monkeypatch.setattr(
        LSTMForecaster, "_fit", lambda self, *args: seen.append(torch.get_num_threads())
    )
    model = LSTMForecaster(**FAST, n_threads=1)
    model.fit(X)
    assert seen == [1] and model.n_threads_ == 1 and torch.get_num_threads() == before
    _machine(monkeypatch, 2, 1.0)  # one core busy with other work: "auto" trains on one
    auto = LSTMForecaster(**FAST).fit(X)
    assert seen[-1] == 1 and auto.n_threads_ == 1 and torch.get_num_threads() == before
    _machine(monkeypatch, 2, 0.0)  # an idle machine: torch's two threads
    assert LSTMForecaster(**FAST).fit(X).n_threads_ == 2 and seen[-1] == 2
    torch.set_num_threads(1)  # one thread already: nothing fewer to choose, no sample
    monkeypatch.setattr(threads, "idle_cores", lambda: pytest.fail("sampled"))
    assert LSTMForecaster(**FAST).fit(X).n_threads_ == 1


def test_n_threads_is_checked():
    with pytest.raises(ValueError, match="n_threads must be an integer >= 1"):
        LSTMForecaster(**FAST, n_threads=0).fit(np.zeros((20, 1)))
