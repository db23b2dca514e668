"""Same seed, same forecasts: models pinned against values recorded before a refactoring.

``tests/reference/record.py`` wrote ``forecasts.json``: on the code before the forecaster was
split into modules (issue 11), again when the defaults changed on purpose (issue 13: 24-step
quantile models, the start from persistence or least squares; then the averaged weights), and
again, unchanged in behaviour, on one pinned torch thread (issue 26) before the forecaster's
machinery moved into ``tsforecast/_recurrent``; and for two cases whose targets are forecast
as changes when their start gained seasonal naive and drift (issue 27), and for the two
whose validation values are too few to choose a start per step, which now average the naive
forecasters near the best (`naive_start.start_weights`, issue 27); and for `masked_sequence`
(short, seasonal: its "auto" now tries the change from the previous row too), and again
for it when its forecasts were combined with the seasonal average (issue 27: the network's
forecasts unchanged, checked with the weight forced to 0); and the quantiles of
`weather_frame_calendar` and `pbc_masked_groups` when adaptive conformal inference began to
narrow intervals too (issue 27: every point forecast unchanged). A
behaviour-preserving change must reproduce them bit for bit, whatever the caller's thread
setting: each case runs on one torch thread (`cases.run`), so a recording does not depend on
the machine that made it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

REFERENCE = Path(__file__).resolve().parent / "reference"
sys.path.insert(0, str(REFERENCE))
from cases import CASES, run  # noqa: E402

RECORDED = json.loads((REFERENCE / "forecasts.json").read_text())


def check_recorded(name: str) -> None:
    result = run(name)
    assert set(result) == set(RECORDED[name])
    for key, value in result.items():
        np.testing.assert_array_equal(
            np.asarray(value, dtype=float), np.asarray(RECORDED[name][key], dtype=float),
            err_msg=f"{name}: {key}",
        )  # fmt: skip


# The demo's model trains the defaults to the end on a year of hourly weather (50 s on one
# thread, a quarter of the suite): its recording is checked by `python benchmarks/check.py
# demo`, with the other checks that take minutes.
IN_THE_BENCHMARK_CHECK = ("demo_weather",)


@pytest.mark.parametrize("name", [name for name in CASES if name not in IN_THE_BENCHMARK_CHECK])
def test_same_seed_gives_the_recorded_forecasts(name):
    check_recorded(name)


def test_every_case_is_recorded_and_checked_somewhere():
    assert set(RECORDED) == set(CASES)
    check = (REFERENCE.parents[1] / "benchmarks" / "check.py").read_text()
    assert all(f'"{name}"' in check for name in IN_THE_BENCHMARK_CHECK)


@pytest.mark.parametrize("threads", [2, 4])
def test_the_recording_holds_whatever_the_callers_threads(threads):
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        check_recorded("masked_sequence")
        assert torch.get_num_threads() == threads  # the caller's setting is restored
    finally:
        torch.set_num_threads(before)
