"""Run the user guide's ``>>>`` examples as doctests, cheaply and without touching the checkout.

Every page (``docs/**/*.md``, ``--doctest-glob``) is one test; each runs in a temporary folder
of its own (pages that save models or data write there), on one torch thread, with every
`LSTMForecaster` fit cut to ``EPOCHS`` epochs and no time budget, as ``tests/short_training.py``
does for the README and the examples: what is checked is that the code runs as shown and prints
what is shown, not what it learns (the guide's outputs never depend on trained weights).
"""

from __future__ import annotations

import warnings

import matplotlib
import matplotlib.pyplot as plt
import pytest
import torch

from tsforecast import LSTMForecaster

matplotlib.use("Agg")
torch.set_num_threads(1)

EPOCHS = 2

# Sphinx's configuration needs the docs extra; the build and what it generates are not tests.
collect_ignore = ["conf.py"]
collect_ignore_glob = ["_build/*", "auto_examples/*", "api/generated/*", "_templates/*"]


@pytest.fixture(autouse=True)
def _guide_page(tmp_path, monkeypatch):
    """Run each page in its own temporary folder with training cut short."""
    fit = LSTMForecaster.fit

    def short_fit(self, *args, **kwargs):
        asked = {"max_epochs": self.max_epochs, "max_time": self.max_time}
        self.max_epochs, self.max_time = min(self.max_epochs, EPOCHS), None
        try:
            return fit(self, *args, **kwargs)
        finally:
            self.set_params(**asked)

    monkeypatch.setattr(LSTMForecaster, "fit", short_fit)
    # Two epochs rarely beat the naive forecasters: the warnings that say so are expected here.
    for message in ("LSTMForecaster: on the validation data the network does not beat", "No epoch"):
        warnings.filterwarnings("ignore", message=message, category=RuntimeWarning)
    monkeypatch.chdir(tmp_path)
    yield
    plt.close("all")
