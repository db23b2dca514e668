"""Short monthly series: the defaults against seasonal naive on AirPassengers, in a backtest
=========================================================================================

144 months of airline passengers with a trend and a seasonal swing that grows with the level.
On short series the defaults forecast each series' seasonal change with one model and that of
its log with another, and combine them (their median), so trends continue past the training
range and forecasts come back in passengers.

Run: python examples/forecast_short_series.py   (writes forecast_short_series.png here)
"""

import matplotlib.pyplot as plt

from tsforecast import LSTMForecaster, SeasonalNaive, backtest, metrics, plot_forecast
from tsforecast.datasets import load_air_passengers

passengers = load_air_passengers().to_frame()  # a DataFrame indexed by month
train = passengers.iloc[:108]  # 1949-1957; the three years after it are forecast

model = LSTMForecaster(random_state=0).fit(train)
combined = [m.target_transform_.name for m in [model, *model.transform_members_]]
print(f"seasonal period {model.seasonal_period_}, transforms combined {combined}")
print({name: round(error, 3) for name, error in model.target_transform_scores_.items()})
# The seasonal average (a classical decomposition's forecast) beside the network: on
# validation it errs about three times as much here (trend and growing swing), so the
# forecasts are the network's alone (weight 0; on series where it errs less, 0.5).
print(f"seasonal average weight {model.seasonal_average_weight_}, validation errors "
      f"{ {w: round(e, 3) for w, e in model.seasonal_average_scores_.items()} }")  # fmt: skip

# 18 months ahead from three origins, no refit, as the acceptance checks score short series.
for name, forecaster in (("LSTMForecaster", model), ("seasonal naive", SeasonalNaive(12))):
    table = backtest(forecaster, passengers, start=108, steps=18, stride=9, season=12)
    print(f"{name:15s} MASE {metrics.mase(table):.3f}")

print(model.forecast(passengers, steps=12, quantiles=True).round(0))

# %%
# The last six years with the forecasts made from each origin and their 80% intervals: the
# swing grows with the level, and the trend goes on past the training years.
tested = backtest(model, passengers, start=108, steps=18, stride=9, quantiles=True)
ax = plot_forecast(passengers, forecasts=tested, last=72, title="Airline passengers")

# %%
# The figure is also written to a file beside the script.
ax.figure.savefig("forecast_short_series.png", dpi=80)
plt.close(ax.figure)
print("plot written to forecast_short_series.png")
