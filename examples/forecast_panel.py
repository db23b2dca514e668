"""A panel of 20 short quarterly series: one model, each series in its own scale
==============================================================================

Visitor nights in 20 regions of Australia, 76 quarters each, from a few hundred thousand to
over ten million a quarter. One `LSTMForecaster` learns from every region at once: it
forecasts each series' seasonal change, divided by the series' own scale (``scale="auto"``
chooses ``"series"`` there), so a small region and a large one weigh alike in training and
each gets forecasts and intervals of its own size. Scored beside seasonal naive (the same
quarter last year) from three origins, eight quarters ahead, and drawn for four regions.

Run: python examples/forecast_panel.py   (writes forecast_panel.png here)
"""

import matplotlib.pyplot as plt

from tsforecast import LSTMForecaster, SeasonalNaive, backtest, metrics, plot_panel
from tsforecast.datasets import load_visnights

nights = load_visnights().to_frame()  # indexed by (region, quarter)
train = nights.groupby(level="region").head(60)  # 1998-2012; the four years after it are tested

model = LSTMForecaster(random_state=0).fit(train)
print(
    f"{model.n_series_in_} series, transform {model.target_transform_.name}, "
    f"scale {model.scale_!r}, context {model.context_length_} quarters"
)
# Short seasonal series: the forecasts may move half way to the seasonal average (the last
# year's mean plus the quarters' profile over up to five years), where validation allows.
print(f"seasonal average weight {model.seasonal_average_weight_}")

# From quarters 60, 64 and 68 of every region: 8 quarters ahead, the true history before.
tested = backtest(model, nights, start=60, steps=8, stride=4, season=4, quantiles=True)
naive = backtest(SeasonalNaive(4), nights, start=60, steps=8, stride=4, season=4)
print(f"MASE {metrics.mase(tested):.3f}, seasonal naive {metrics.mase(naive):.3f}")
coverage = metrics.interval_coverage(tested, coverage=0.8, by="region")
print(
    f"80% intervals, share of each region's test quarters inside: median "
    f"{coverage.median():.2f}, {coverage.min():.2f} to {coverage.max():.2f}"
)

# %%
# Four regions of very different sizes, each in its own units, with the forecasts made from
# each origin and their 80% intervals.
figure = plot_panel(
    nights, groups=["NSWMetro", "QLDMetro", "SAUCoast", "WAUInner"], forecasts=tested, last=32
)

# %%
# The figure is also written to a file beside the script.
figure.savefig("forecast_panel.png", dpi=80)
plt.close(figure)
print("plot written to forecast_panel.png")
