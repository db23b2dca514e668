"""scikit-learn: a Pipeline, GridSearchCV with TimeSeriesSplit, and a classical baseline
=====================================================================================

Run: python examples/sklearn_integration.py
"""

import numpy as np
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit, cross_val_score
from sklearn.pipeline import make_pipeline

from tsforecast import LagFeatures, LSTMForecaster, make_supervised
from tsforecast.datasets import load_weather

weather = load_weather()
columns = [weather.features.index(name) for name in ("Dry-bulb (C)", "RHum (%)", "Wspd (m/s)")]
X = weather.values[-3000:, columns]  # the last 3000 hours, 3 measurements
cv = TimeSeriesSplit(n_splits=3)

# 1. The forecaster tuned like any regressor. score() is the R² of the one-step forecasts of
#    the next row, so no custom scorer is needed. No scaler in front: the model standardises
#    by itself (scale=True) and forecasts in the data's units; a StandardScaler in a Pipeline
#    would make its forecasts come out in standard deviations.
search = GridSearchCV(
    LSTMForecaster(max_epochs=40, patience=None, random_state=0),
    {"context_length": [24, 48], "hidden_size": [16, 32]},
    cv=cv,
)
search.fit(X)
print("best:", search.best_params_, f"R² {search.best_score_:.3f}")

# 2. The classical baseline on the same split: 24 lags of every column, Ridge regression on
#    the next temperature.
Xs, y = make_supervised(X, target=0)
baseline = make_pipeline(LagFeatures(24, fill_value=0.0), Ridge())
ridge_scores = cross_val_score(baseline, Xs, y, cv=cv)
lstm_scores = cross_val_score(
    LSTMForecaster(context_length=48, hidden_size=32, max_epochs=40, random_state=0),
    Xs, y, cv=cv,
)  # fmt: skip
print(f"next-hour temperature R², LagFeatures + Ridge: {np.mean(ridge_scores):.3f}")
print(f"next-hour temperature R², LSTMForecaster:      {np.mean(lstm_scores):.3f}")
