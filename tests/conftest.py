from __future__ import annotations

import pandas as pd
import pytest

from tsforecast.datasets import load_seattle_weather


@pytest.fixture(scope="session")
def seattle() -> pd.DataFrame:
    """Real daily Seattle weather 2012-2015, the raw table shipped in ``datasets/``."""
    return load_seattle_weather(return_frame=True)[1]
