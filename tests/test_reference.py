"""Same seed, same forecasts: models pinned against values recorded before a refactoring.

``tests/reference/record.py`` wrote ``forecasts.json`` on the code before the forecaster was
split into modules (issue 11), and again when the defaults changed on purpose (issue 13:
24-step quantile models, the start from persistence or least squares; then the averaged
weights, ``weight_averaging=0.98``, whose cases all matched the earlier recording with
``weight_averaging=0``); a behaviour-preserving
change must reproduce them. The tolerance allows float32 rounding from reordered arithmetic,
nothing more.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

REFERENCE = Path(__file__).resolve().parent / "reference"
sys.path.insert(0, str(REFERENCE))
from cases import CASES  # noqa: E402

RECORDED = json.loads((REFERENCE / "forecasts.json").read_text())


@pytest.mark.parametrize(
    "name",
    [pytest.param(name, marks=pytest.mark.slow) if name == "demo_weather" else name
     for name in CASES],
)  # fmt: skip
def test_same_seed_gives_the_recorded_forecasts(name):
    result = CASES[name]()
    assert set(result) == set(RECORDED[name])
    for key, value in result.items():
        np.testing.assert_allclose(
            np.asarray(value, dtype=float), np.asarray(RECORDED[name][key], dtype=float),
            rtol=1e-4, atol=1e-4, err_msg=f"{name}: {key}",
        )  # fmt: skip
