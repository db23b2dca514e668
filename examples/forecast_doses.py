"""Doses known in advance: quinidine concentrations forecast from a planned dosing schedule
========================================================================================

136 hospitalised patients, a row per dose or blood sample at irregular hours. Roles:
``conc`` is forecast; ``dose`` is a known-future covariate (the schedule is planned); height,
race and alcohol use are static covariates (one value per patient, never forecast); the
glycoprotein lab value is a past covariate. The time between rows is read automatically
(``time_gaps``: the data is irregular), and ``bounds=(0, None)`` keeps every concentration
forecast at or above zero.

Run: python examples/forecast_doses.py
"""

import numpy as np
import pandas as pd

from tsforecast import LSTMForecaster
from tsforecast.datasets import load_quinidine

visits = load_quinidine()
print(visits)
static = [name for name in visits.features if name.startswith(("Height", "Race", "Ethanol"))]
model = LSTMForecaster(
    target="conc",
    future_covariates=["dose"],
    static_covariates=static,
    bounds=(0, None),
    horizon=4,
    context_length=16,
    hidden_size=32,
    random_state=0,
).fit(visits)
print(f"time gaps read: {model.time_gaps_}; trained {model.n_epochs_} epochs")

# The next three records of every patient, 8, 16 and 24 hours after their last one, under two
# schedules: no more quinidine, or 400 mg at the first of them. The future frame is indexed
# like the forecast, by (patient, hour); its stamps give the time gaps.
last_hour = visits.time[visits.offsets[1:] - 1]
hours = last_hour[:, None] + np.array([8.0, 16.0, 24.0])
index = pd.MultiIndex.from_arrays(
    [np.repeat(visits.series_ids, 3), hours.ravel()], names=["patient", "hour"]
)
no_dose = pd.DataFrame({"dose": 0.0}, index=index)
dosed = no_dose.assign(dose=np.tile([400.0, 0.0, 0.0], visits.n_series))
without = model.forecast(visits, 3, future=no_dose)
with_dose = model.forecast(visits, 3, future=dosed)
print(pd.concat({"no dose": without["conc"], "400 mg": with_dose["conc"]}, axis=1).head(6))
rise = (with_dose["conc"] - without["conc"]).to_numpy().reshape(-1, 3)
print(f"a 400 mg dose raises the forecast concentration by {rise.mean(axis=0).round(2)} mg/L")
print(f"lowest forecast: {min(without['conc'].min(), with_dose['conc'].min()):.3f} mg/L")
