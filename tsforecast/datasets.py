"""Loaders for the real datasets shipped with tsforecast (attribution in ``datasets/README.md``).

The files are installed with the package (as ``tsforecast._data``), so the loaders work from a
wheel as well as from a source checkout. Each returns the adapter's `SequenceData`, and the raw
table too with ``return_frame=True``.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

import pandas as pd

from tsforecast.adapters import read_audio_features, read_ehr, read_weather
from tsforecast.sequences import SequenceData

__all__ = [
    "data_path",
    "load_air_passengers",
    "load_pbc",
    "load_quinidine",
    "load_seattle_weather",
    "load_speech_mfcc",
    "load_visnights",
    "load_weather",
    "speech_wav_path",
]

ATTRIBUTION = {
    "tmy3_723170_greensboro.csv": "NREL National Solar Radiation Database (U.S. government "
    "data), TMY3 for Greensboro NC; also in pvlib-python's test data (BSD-3-Clause)",
    "seattle-weather.csv": "NOAA daily weather for Seattle, distributed with vega-datasets "
    "(BSD-3-Clause)",
    "pbcseq.csv": "Mayo Clinic PBC trial, Therneau & Grambsch (2000), distributed with the R "
    "package survival (LGPL >= 2)",
    "quinidine.csv": "quinidine dosing study, Verme et al. (1992), Pharmaceutical Research 9:1; "
    "distributed with the R package nlme (Pinheiro & Bates; GPL >= 2)",
    "speech_en_us.wav": "synthesized with espeak-ng for the tsforecast project; free to use",
    "speech_en_us_mfcc.csv": "MFCC/RMS frames of speech_en_us.wav, computed with librosa 0.11",
    "AirPassengers.csv": "Box & Jenkins (1976) international airline passengers, from R's "
    "datasets package, as distributed by Rdatasets",
    "visnights.csv": "Tourism Research Australia visitor nights, from the R package fpp2 "
    "(Hyndman; GPL-3), as distributed by Rdatasets",
}


def data_path(name: str) -> Path:
    """Path of a file shipped in ``datasets/`` (``"pbcseq.csv"``...), to read it yourself.

    Examples
    --------
    >>> data_path("seattle-weather.csv").name
    'seattle-weather.csv'
    """
    path = Path(str(files("tsforecast._data") / name))
    if not path.is_file():
        raise FileNotFoundError(
            f"data_path: no shipped file {name!r}; files: {sorted(ATTRIBUTION)}."
        )
    return path


def _result(
    data: SequenceData, name: str, return_frame: bool, **read_csv
) -> SequenceData | tuple[SequenceData, pd.DataFrame]:
    data.metadata["attribution"] = ATTRIBUTION[name]
    if not return_frame:
        return data
    return data, pd.read_csv(data_path(name), **read_csv)


def load_weather(*, return_frame: bool = False) -> SequenceData | tuple[SequenceData, pd.DataFrame]:
    """Hourly weather of a typical year in Greensboro, NC (NREL TMY3, station 723170).

    8,760 hours on a continuous hourly grid (each month of a typical year comes from a
    different calendar year; `read_weather` moves them all to 2001), local standard time
    (UTC-5). The 21 measured quantities without missing values, among them ``Dry-bulb (C)``
    (air temperature), ``Dew-point (C)``, ``RHum (%)``, ``Pressure (mbar)``, ``Wspd (m/s)``,
    ``GHI (W/m^2)``. Station facts are in ``metadata``.

    Parameters
    ----------
    return_frame : bool, default=False
        Also return the raw table (header line onwards).

    Returns
    -------
    SequenceData, or (SequenceData, DataFrame)

    Examples
    --------
    >>> data = load_weather()
    >>> data.n_timesteps, data.metadata["name"], data.metadata["freq"]
    (8760, 'GREENSBORO PIEDMONT TRIAD INT', 'h')
    """
    name = "tmy3_723170_greensboro.csv"
    return _result(read_weather(data_path(name)), name, return_frame, skiprows=1)


def load_seattle_weather(
    *, return_frame: bool = False
) -> SequenceData | tuple[SequenceData, pd.DataFrame]:
    """Daily weather in Seattle, 2012-01-01 to 2015-12-31 (1,461 days).

    Features: ``temp_max`` and ``temp_min`` (°C), ``precipitation`` (mm), ``wind`` (m/s). The
    raw table also has a text ``weather`` label (drizzle, rain, sun, snow, fog), left out here
    (``read_weather(..., categorical="onehot")`` encodes it).

    Parameters
    ----------
    return_frame : bool, default=False
        Also return the raw table.

    Returns
    -------
    SequenceData, or (SequenceData, DataFrame)

    Examples
    --------
    >>> data = load_seattle_weather()
    >>> data.n_timesteps, data.features
    (1461, ('temp_max', 'temp_min', 'precipitation', 'wind'))
    """
    name = "seattle-weather.csv"
    data = read_weather(data_path(name), columns=["temp_max", "temp_min", "precipitation", "wind"])
    data.metadata["units"] = {
        "temp_max": "°C",
        "temp_min": "°C",
        "precipitation": "mm",
        "wind": "m/s",
    }
    return _result(data, name, return_frame, parse_dates=["date"])


def load_speech_mfcc(
    *, return_frame: bool = False
) -> SequenceData | tuple[SequenceData, pd.DataFrame]:
    """MFCC frames of 38.6 s of English speech: 3,859 frames of 13 MFCCs and RMS, 10 ms apart.

    Parameters
    ----------
    return_frame : bool, default=False
        Also return the raw table.

    Returns
    -------
    SequenceData, or (SequenceData, DataFrame)

    Examples
    --------
    >>> data = load_speech_mfcc()
    >>> data.n_timesteps, data.n_features, data.metadata["frame_period"]
    (3859, 14, 0.01)
    """
    name = "speech_en_us_mfcc.csv"
    return _result(read_audio_features(data_path(name)), name, return_frame)


def speech_wav_path() -> Path:
    """Path of the shipped speech recording (16 kHz mono WAV), for `audio_features_from_wav`."""
    return data_path("speech_en_us.wav")


def load_pbc(
    *, static: bool = False, return_frame: bool = False
) -> SequenceData | tuple[SequenceData, pd.DataFrame]:
    """Visits of 312 patients of the Mayo Clinic PBC trial (1,945 visits, 1 to 16 each).

    One series per patient (``groups``), time in days since enrolment (irregular), the lab
    values and clinical signs that change over visits (bili, chol, albumin, alk.phos, ast,
    platelet, protime, ascites, hepato, spiders, edema, stage), ``time_since_previous`` in
    days, and ``mask`` for the missing measurements (chol is missing at 42% of visits).

    Parameters
    ----------
    static : bool, default=False
        Add the per-patient columns ``sex`` (one-hot), ``trt`` and ``age`` as constant
        features. The outcome columns (``futime``, ``status``) are never features.
    return_frame : bool, default=False
        Also return the raw table.

    Returns
    -------
    SequenceData, or (SequenceData, DataFrame)

    Examples
    --------
    >>> data = load_pbc()
    >>> data.n_series, data.n_timesteps, data.metadata["left_out"]
    (312, 1945, ['futime', 'status', 'trt', 'age', 'sex'])
    """
    name = "pbcseq.csv"
    data = read_ehr(
        data_path(name),
        id_col="id",
        time_col="day",
        static_cols=["sex", "trt", "age"] if static else None,
    )
    data.metadata["time_unit"] = "days since enrolment"
    data.metadata["units"] = {
        "bili": "mg/dl", "chol": "mg/dl", "albumin": "g/dl", "alk.phos": "U/l", "ast": "U/ml",
        "protime": "s", "time_since_previous": "days",
    }  # fmt: skip
    return _result(data, name, return_frame)


def load_quinidine(*, return_frame: bool = False) -> SequenceData | tuple[SequenceData, Any]:
    """Quinidine doses and serum concentrations of 136 hospitalised patients (1,471 records).

    One series per patient (``groups``), time in hours (irregular: a row per dose or per
    blood sample). Columns:

    - ``conc``: serum concentration (mg/L), measured at 361 of the rows (``mask``);
    - ``dose``: the dose given at that time (mg; 0 where none): an event column, known in
      advance in a dosing schedule (a known-future covariate);
    - ``glyco``: alpha-1-acid glycoprotein (g/L), a lab value recorded with every row
      (a past covariate);
    - ``time_since_previous``: hours since the patient's previous record;
    - ``Height`` (inches), ``Race=...`` and ``Ethanol=...`` (one-hot): constant for each
      patient (static covariates). Age, weight, smoking, heart failure and creatinine
      clearance change for some patients and are not read (``return_frame=True`` gives
      them).

    Parameters
    ----------
    return_frame : bool, default=False
        Also return the raw table.

    Returns
    -------
    SequenceData, or (SequenceData, DataFrame)

    Examples
    --------
    >>> data = load_quinidine()
    >>> data.n_series, data.n_timesteps, int(data.mask[:, 0].sum())
    (136, 1471, 361)
    """
    name = "quinidine.csv"
    data = read_ehr(
        data_path(name),
        id_col="Subject",
        time_col="time",
        value_cols=["conc", "dose", "glyco"],
        static_cols=["Height", "Race", "Ethanol"],
        event_cols=["dose"],
    )
    data.metadata["time_unit"] = "hours"
    data.metadata["units"] = {
        "conc": "mg/L", "dose": "mg", "glyco": "g/L", "time_since_previous": "hours",
        "Height": "inches",
    }  # fmt: skip
    return _result(data, name, return_frame)


def load_air_passengers(
    *, return_frame: bool = False
) -> SequenceData | tuple[SequenceData, pd.DataFrame]:
    """Monthly international airline passengers (thousands), 1949-01 to 1960-12 (144 months).

    The classic short series with a trend and a seasonal swing that grows with the level.
    One feature, ``passengers``, stamped with the first day of each month.

    Parameters
    ----------
    return_frame : bool, default=False
        Also return the raw table (``time`` in decimal years, as R stores it).

    Returns
    -------
    SequenceData, or (SequenceData, DataFrame)

    Examples
    --------
    >>> data = load_air_passengers()
    >>> data.n_timesteps, data.features, str(data.local_time[0].date())
    (144, ('passengers',), '1949-01-01')
    """
    name = "AirPassengers.csv"
    raw = pd.read_csv(data_path(name))
    frame = pd.DataFrame(
        {"passengers": raw["value"].to_numpy(float)},
        index=pd.date_range("1949-01-01", periods=len(raw), freq="MS", name="month"),
    )
    return _result(SequenceData.from_frame(frame), name, return_frame)


def load_visnights(
    *, return_frame: bool = False
) -> SequenceData | tuple[SequenceData, pd.DataFrame]:
    """Quarterly visitor nights (millions) in 20 regions of Australia, 1998 Q1 to 2016 Q4.

    A panel of 20 short series (76 quarters each) of very different sizes, each stamped with
    the first day of its quarter; the series ids are the region codes (``NSWMetro``...).
    One feature, ``nights``.

    Parameters
    ----------
    return_frame : bool, default=False
        Also return the raw table (one column per region).

    Returns
    -------
    SequenceData, or (SequenceData, DataFrame)

    Examples
    --------
    >>> data = load_visnights()
    >>> data.n_series, data.n_timesteps, str(data.series_ids[0])
    (20, 1520, 'NSWMetro')
    """
    name = "visnights.csv"
    raw = pd.read_csv(data_path(name)).drop(columns="rownames")
    raw.index = pd.date_range("1998-01-01", periods=len(raw), freq="QS", name="quarter")
    long = raw.melt(ignore_index=False, var_name="region", value_name="nights").reset_index()
    long["region"] = pd.Categorical(long["region"], categories=list(raw.columns))
    long = long.sort_values(["region", "quarter"]).astype({"region": str})
    data = SequenceData.from_frame(long, time="quarter", group="region", columns=["nights"])
    return _result(data, name, return_frame)
