"""The machinery of `tsforecast.LSTMForecaster`, one job per module.

The estimator (`tsforecast.forecaster`) keeps the hyperparameters, the fitted state and the
public methods; each method is a short sequence of calls into these modules, which take small
frozen records built from the fitted state and plain arrays, never the estimator. See
``docs/architecture.md`` for the rooms and the arrows between them.
"""
