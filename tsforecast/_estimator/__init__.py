"""The parts `LSTMForecaster` is made of, one file per capability.

`tsforecast.forecaster` holds the class, its parameters and `fit`; the mixins here hold
the records it builds from its fitted state (`records`), the steps of a fit (`fitting`),
the methods that forecast (`forecasting`) and those that save and load it
(`persistence`). Like the estimator, they coordinate: the work is done by the modules of
`tsforecast._recurrent`, which take records and arrays.
"""
