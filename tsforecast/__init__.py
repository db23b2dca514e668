"""tsforecast: time-series forecasting with recurrent networks as scikit-learn estimators."""

from tsforecast.data import SequenceData
from tsforecast.windowing import (
    Batch,
    BlockSampler,
    LagFeatures,
    make_blocks,
    make_supervised,
    one_step_examples,
)

__version__ = "0.1.0.dev0"

__all__ = [
    "Batch",
    "BlockSampler",
    "LagFeatures",
    "SequenceData",
    "__version__",
    "make_blocks",
    "make_supervised",
    "one_step_examples",
]
