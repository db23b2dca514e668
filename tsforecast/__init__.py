"""tsforecast: time-series forecasting with recurrent networks as scikit-learn estimators."""

from tsforecast import _legacy_modules
from tsforecast.adapters import (
    audio_features_from_wav,
    read_audio_features,
    read_ehr,
    read_weather,
    write_ehr,
    write_table,
)
from tsforecast.backtesting import backtest
from tsforecast.baselines import Persistence, SeasonalNaive
from tsforecast.forecaster import LSTMForecaster
from tsforecast.plotting import plot_forecast, plot_history, plot_panel
from tsforecast.sequences import SequenceData
from tsforecast.storage import SequenceWriter
from tsforecast.windowing import (
    Batch,
    BlockSampler,
    LagFeatures,
    make_blocks,
    make_supervised,
    one_step_examples,
)

__version__ = "0.1.0.dev0"

_legacy_modules.install()  # pickles of earlier versions name modules that have moved

__all__ = [
    "Batch",
    "BlockSampler",
    "LSTMForecaster",
    "LagFeatures",
    "Persistence",
    "SeasonalNaive",
    "SequenceData",
    "SequenceWriter",
    "__version__",
    "audio_features_from_wav",
    "backtest",
    "make_blocks",
    "make_supervised",
    "one_step_examples",
    "plot_forecast",
    "plot_history",
    "plot_panel",
    "read_audio_features",
    "read_ehr",
    "read_weather",
    "write_ehr",
    "write_table",
]
