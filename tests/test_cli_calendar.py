"""The command line on tables of months: read by the calendar, forecast at the next months."""

import pandas as pd

from tsforecast.cli import main
from tsforecast.datasets import data_path


def test_fit_and_predict_a_monthly_table(tmp_path):
    # Seattle's weather as monthly means: read as months, forecast at the next month starts.
    daily = pd.read_csv(data_path("seattle-weather.csv"), parse_dates=["date"])
    monthly = daily.set_index("date")[["temp_max"]].resample("MS").mean()
    table = tmp_path / "monthly.csv"
    monthly.rename_axis("time").to_csv(table)
    model_dir, out_csv = tmp_path / "model", tmp_path / "forecast.csv"
    fitted = ["fit", str(table), "--kind", "weather", "--max-epochs", "2", "--random-state",
              "0", "--out", str(model_dir), "--quiet"]  # fmt: skip
    assert main(fitted) == 0
    assert main(["predict", str(model_dir), str(table), "--steps", "3", "--out", str(out_csv)]) == 0
    forecast = pd.read_csv(out_csv)
    assert forecast["time"].tolist() == ["2016-01-01", "2016-02-01", "2016-03-01"]
