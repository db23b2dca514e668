"""EHR: many patients of different lengths, fit with groups, forecast each next visit
==================================================================================

Run: python examples/forecast_patients.py
"""

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
# one-visit patients are kept for prediction, unobserved values are never targets. The days
# until the next visit cannot be negative: a bound keeps their forecasts at or above 0.
model = LSTMForecaster(
    context_length=16, bounds={"time_since_previous": (0, None)}, max_time=10, random_state=0
).fit(visits)

# Each patient's next visit: lab values and the expected days until it. A DataFrame indexed
# by (patient, day); the day is the last visit's plus the patient's usual gap between visits.
next_visit = model.forecast(visits, steps=1)
for (patient, day), row in list(next_visit.iterrows())[:5]:
    print(
        f"patient {patient}: bili {row['bili']:.2f} mg/dl in about "
        f"{row['time_since_previous']:.0f} days (day {day:.0f} at the usual gap)"
    )
print(f"forecasts for {len(next_visit)} patients; mean bili {next_visit['bili'].mean():.2f}")
