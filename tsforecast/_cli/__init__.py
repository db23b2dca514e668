"""The parts of the ``tsforecast`` command line (see `tsforecast.cli`), one module per job.

- `demo`: ``tsforecast demo``, a fit on embedded real data beside naive forecasts;
- `fit_predict`: ``tsforecast fit`` and ``tsforecast predict``, through a model directory;
- `backtest`: ``tsforecast backtest``, forecasts from many origins scored per step;
- `inputs`: reading a table with an adapter, the adapter flags and ``adapter.json``;
- `outputs`: checking, before any work, that the outputs can be written.
"""
