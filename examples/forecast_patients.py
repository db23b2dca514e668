"""EHR: many patients of different lengths, fit with groups, forecast each next visit.

Run: python examples/forecast_patients.py
"""

import numpy as np

from tsforecast import LSTMForecaster, read_ehr
from tsforecast.datasets import data_path

# One series per patient; missing labs are masked and carried forward; sex as a feature.
visits = read_ehr(
    data_path("pbcseq.csv"),
    id_col="id",
    time_col="day",
    value_cols=["bili", "albumin", "alk.phos", "ast", "platelet", "protime"],
    static_cols=["sex"],
)
print(visits, f"{visits.series_lengths.min()} to {visits.series_lengths.max()} visits each")

# A SequenceData brings its groups (patients) and mask: blocks never mix two patients,
# one-visit patients are kept for prediction, unobserved values are never targets.
model = LSTMForecaster(context_length=16, max_time=10, random_state=0).fit(visits)

# Each patient's next visit: lab values and the expected days until it.
next_visit = model.forecast(visits, steps=1)[:, 0]  # (n_patients, n_features)
bili = visits.features.index("bili")
gap = visits.features.index("time_since_previous")
for patient, row in list(zip(visits.series_ids, next_visit, strict=True))[:5]:
    print(f"patient {patient}: bili {row[bili]:.2f} mg/dl in about {row[gap]:.0f} days")
print(f"forecasts for {len(next_visit)} patients; mean bili {np.mean(next_visit[:, bili]):.2f}")
