"""Covariates by role on hourly weather: forecast the temperature alone, 24 hours ahead
====================================================================================

The other weather columns are past covariates: the model reads them up to the forecast
origin and never forecasts them. The hour of the day is a known-future input (computed from
the time stamps). Scored on the last 20% of the year beside the all-columns model and the
seasonal naive forecaster (yesterday's temperature at the same hour).

Run: python examples/forecast_with_covariates.py
"""

import numpy as np

from tsforecast import LSTMForecaster
from tsforecast.datasets import load_weather

frame = load_weather().to_frame()  # 21 columns, indexed by local time
split = int(0.8 * len(frame))
train, target = frame.iloc[:split], "Dry-bulb (C)"

roles = LSTMForecaster(target=target, max_epochs=60, random_state=0).fit(train)
print("past covariates:", len(roles.module_.layout.past), "columns; forecast:", roles.target_names_)

# One forecast from the end of the training year: a DataFrame of the temperature only.
next_day = roles.forecast(train, steps=24)
print(next_day.round(1).head(4))

# Every 24 hours of the held-out period: the 24-hour forecast from the true history.
# Forecasting every column: those never below 0 (light, cloud, wind...) are kept at or above 0.
floors = {column: (0, None) for column in train if train[column].min() >= 0}
everything = LSTMForecaster(bounds=floors, max_epochs=60, random_state=0).fit(train)
origins = np.arange(split, len(frame) - 24, 24)
truth = np.stack([frame[target].to_numpy()[o : o + 24] for o in origins])
errors = {}
for name, model in [("temperature alone", roles), ("all 21 columns", everything)]:
    paths = np.stack([model.forecast(frame.iloc[:o], 24)[target].to_numpy() for o in origins])
    errors[name] = np.abs(paths - truth).mean()
seasonal = np.stack([frame[target].to_numpy()[o - 24 : o] for o in origins])
errors["seasonal naive"] = np.abs(seasonal - truth).mean()
for name, error in errors.items():
    print(f"24-hour MAE, {name}: {error:.2f} °C")
