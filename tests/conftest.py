from __future__ import annotations

from importlib.resources import files

import pandas as pd
import pytest


@pytest.fixture(scope="session")
def seattle() -> pd.DataFrame:
    """Real daily Seattle weather 2012-2015, as shipped in ``datasets/``."""
    path = files("tsforecast._data") / "seattle-weather.csv"
    return pd.read_csv(path, parse_dates=["date"])
