"""Real data shipped with tsforecast (installed as ``tsforecast._data``); see README.md here."""
