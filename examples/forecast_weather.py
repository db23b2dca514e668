"""Weather: read a weather table, fit, forecast the next 24 hours with 80% intervals, plot
=======================================================================================

Run: python examples/forecast_weather.py   (writes forecast_weather.png here)
"""

import matplotlib.pyplot as plt

from tsforecast import LSTMForecaster, plot_forecast, read_weather
from tsforecast.datasets import data_path

# A TMY3 file: the adapter finds the station line, the 24:00 stamps and the time zone.
weather = read_weather(
    data_path("tmy3_723170_greensboro.csv"),
    columns=["Dry-bulb (C)", "Dew-point (C)", "RHum (%)", "Wspd (m/s)", "GHI (W/m^2)"],
)
print(weather)

model = LSTMForecaster(context_length=72, max_time=15, random_state=0).fit(weather)
print(f"trained {model.n_epochs_} epochs in {model.fit_seconds_:.1f} s")

# The next 24 hours after the end of the data, with their time stamps (local time): the
# median and the calibrated 80% interval (levels 0.1 and 0.9) of every column.
next_day = model.forecast(weather, steps=24, quantiles=True)
print(next_day.filter(like="Dry-bulb").round(1).head(6))
print(model.baseline_scores_["model"][:3], model.baseline_scores_["persistence"][:3])

# History, one-step forecasts and intervals of the last week, and the next 24 hours.
levels = next_day.to_numpy().reshape(24, weather.n_features, len(model.quantiles_))
ax = plot_forecast(
    weather,
    feature="Dry-bulb (C)",
    one_step=model.predict(weather),
    interval=model.predict_interval(weather, coverage=0.8),
    forecasts=[(weather.n_timesteps - 1, levels)],
    quantiles=model.quantiles_,
    last=24 * 7,
    title=f"{weather.metadata['name']}: last week and the next 24 hours",
)

# %%
# The figure is also written to a file beside the script.
ax.figure.savefig("forecast_weather.png", dpi=110)
plt.close(ax.figure)
print("plot written to forecast_weather.png")
