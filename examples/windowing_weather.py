"""Windowing real data: blocks, random batches and a classical baseline on Seattle weather
=======================================================================================

Run: python examples/windowing_weather.py
"""

import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline

from tsforecast import BlockSampler, LagFeatures, make_blocks, make_supervised
from tsforecast.datasets import load_seattle_weather

data = load_seattle_weather()
print(data)

# Every block of 8 weeks as a view of the data: 56 one-step examples per block.
inputs, targets = make_blocks(data.values, context_length=56)
print(
    f"{len(inputs)} blocks, inputs {inputs.shape}, shares memory: "
    f"{np.shares_memory(inputs, data.values)}"
)

# Random training batches, reproducible with random_state.
sampler = BlockSampler(data, context_length=56, batch_size=32, random_state=0)
first = sampler.sample()
print(f"a batch: inputs {first.inputs.shape}, starts {first.starts[:5]}...")

# Classical one-day-ahead forecasters on the same idea: 14 days of lags. Before a series starts
# a lag has no value: 0 for Ridge, NaN for gradient boosting (which handles missing values).
temp_max = data.features.index("temp_max")
X, y = make_supervised(data.values, target=temp_max)
split = int(0.8 * len(X))
print(f"temp_max one day ahead, MAE on the last {len(X) - split} days:")
mae_persistence = np.abs(X[split:, temp_max] - y[split:]).mean()
print(f"  {'persistence':<36} {mae_persistence:.2f} °C")
for name, model in [
    ("LagFeatures(14, 0) + Ridge", make_pipeline(LagFeatures(14, fill_value=0.0), Ridge())),
    (
        "LagFeatures(14) + gradient boosting",
        make_pipeline(LagFeatures(14), HistGradientBoostingRegressor(random_state=0)),
    ),
]:
    model.fit(X[:split], y[:split])
    # Predict on the whole history so that each test day reads its real past.
    mae = np.abs(model.predict(X)[split:] - y[split:]).mean()
    print(f"  {name:<36} {mae:.2f} °C")
