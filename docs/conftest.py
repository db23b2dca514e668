"""Run the user guide's ``>>>`` examples as doctests, cheaply and without touching the checkout.

Every page (``docs/**/*.md``, ``--doctest-glob``) is one test; each runs in a temporary folder
of its own (pages that save models or data write there), on one torch thread, with every
`LSTMForecaster` fit cut to a few epochs with no time budget, by ``tests/short_training.py``,
as for the README and the examples: what is checked is that the code runs as shown and prints
what is shown, not what it learns (the guide's outputs never depend on trained weights).
"""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.pyplot as plt
import pytest
import torch

from tsforecast import LSTMForecaster

matplotlib.use("Agg")
torch.set_num_threads(1)

# Sphinx's configuration needs the docs extra; the build and what it generates are not tests.
collect_ignore = ["conf.py"]
collect_ignore_glob = ["_build/*", "auto_examples/*", "api/generated/*", "_templates/*"]


def _short_training() -> Any:
    """Return ``tests/short_training.py`` (the README's and the examples' runner) as a module."""
    path = Path(__file__).resolve().parents[1] / "tests" / "short_training.py"
    spec = importlib.util.spec_from_file_location("_tsforecast_short_training", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SHORT_TRAINING = _short_training()


@pytest.fixture(autouse=True)
def _guide_page(tmp_path, monkeypatch):
    """Run each page in its own temporary folder with training cut short."""
    monkeypatch.setattr(LSTMForecaster, "fit", SHORT_TRAINING.short(LSTMForecaster.fit))
    # Two epochs rarely beat the naive forecasters: the warnings that say so are expected here.
    for message in (
        "LSTMForecaster: on the validation (data|rows) the (network|forecasts).* do(es)? not beat",
        "No epoch",
    ):
        warnings.filterwarnings("ignore", message=message, category=RuntimeWarning)
    monkeypatch.chdir(tmp_path)
    yield
    plt.close("all")
