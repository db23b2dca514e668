"""Loaders for the real datasets shipped with tsforecast (see ``datasets/README.md``).

The files are installed with the package (as ``tsforecast._data``), so the loaders work from a
wheel as well as from a source checkout.
"""

from __future__ import annotations

from importlib.resources import as_file, files

import pandas as pd

from tsforecast.data import SequenceData

__all__ = ["load_seattle_weather"]

ATTRIBUTION = {
    "seattle-weather.csv": "NOAA daily weather for Seattle, distributed with vega-datasets "
    "(BSD-3-Clause)",
}


def _read_csv(name: str, **kwargs) -> pd.DataFrame:
    with as_file(files("tsforecast._data") / name) as path:
        return pd.read_csv(path, **kwargs)


def load_seattle_weather(
    *, return_frame: bool = False
) -> SequenceData | tuple[SequenceData, pd.DataFrame]:
    """Daily weather in Seattle, 2012-01-01 to 2015-12-31 (1,461 days).

    Features: ``temp_max`` and ``temp_min`` (°C), ``precipitation`` (mm), ``wind`` (m/s). The
    raw table also has a text ``weather`` label (drizzle, rain, sun, snow, fog), left out of the
    numeric data. Source: NOAA, distributed with vega-datasets (BSD-3-Clause).

    Parameters
    ----------
    return_frame : bool, default=False
        Also return the raw table as read from the CSV file.

    Returns
    -------
    data : SequenceData
        One series with daily time stamps.
    frame : pandas.DataFrame
        Only with ``return_frame=True``.

    Examples
    --------
    >>> data = load_seattle_weather()
    >>> data.n_timesteps, data.features
    (1461, ('temp_max', 'temp_min', 'precipitation', 'wind'))
    """
    frame = _read_csv("seattle-weather.csv", parse_dates=["date"])
    data = SequenceData.from_frame(
        frame,
        time="date",
        columns=["temp_max", "temp_min", "precipitation", "wind"],
        metadata={
            "name": "Seattle daily weather",
            "units": {"temp_max": "°C", "temp_min": "°C", "precipitation": "mm", "wind": "m/s"},
            "source": ATTRIBUTION["seattle-weather.csv"],
        },
    )
    return (data, frame) if return_frame else data
