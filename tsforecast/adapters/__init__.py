"""Adapters: tables of weather, audio features and health records into `SequenceData`.

They read with pandas and never import torch. `write_table` and `write_ehr` read tables
larger than memory chunk by chunk into the on-disk format (`tsforecast.storage`).
"""

from tsforecast.adapters.audio import audio_features_from_wav, read_audio_features
from tsforecast.adapters.ehr import read_ehr
from tsforecast.adapters.streaming import write_ehr, write_table
from tsforecast.adapters.weather import read_weather

__all__ = [
    "audio_features_from_wav",
    "read_audio_features",
    "read_ehr",
    "read_weather",
    "write_ehr",
    "write_table",
]
