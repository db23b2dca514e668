"""The shipped datasets load through the adapters, with their attribution."""

from __future__ import annotations

import pandas as pd
import pytest

from tsforecast import datasets


@pytest.mark.parametrize(
    ("loader", "shape", "n_series"),
    [
        (datasets.load_weather, (8760, 21), 1),
        (datasets.load_seattle_weather, (1461, 4), 1),
        (datasets.load_speech_mfcc, (3859, 14), 1),
        (datasets.load_pbc, (1945, 13), 312),
        (datasets.load_quinidine, (1471, 11), 136),
    ],
)
def test_loaders(loader, shape, n_series):
    data, frame = loader(return_frame=True)
    assert (data.n_timesteps, data.n_features) == shape
    assert data.n_series == n_series
    assert isinstance(frame, pd.DataFrame) and len(frame) == shape[0]
    assert data.metadata["attribution"]


def test_pbc_static_and_wav():
    assert datasets.load_pbc(static=True).n_features == 13 + 4  # sex=f, sex=m, trt, age
    path = datasets.speech_wav_path()
    assert path.is_file() and path.stat().st_size == 1234728


def test_quinidine_roles_are_what_the_docstring_says():
    data = datasets.load_quinidine()
    assert list(data.features) == [
        "conc", "dose", "glyco", "time_since_previous", "Height", "Race=Black",
        "Race=Caucasian", "Race=Latin", "Ethanol=current", "Ethanol=former", "Ethanol=none",
    ]  # fmt: skip
    dose = data.features.index("dose")
    assert data.mask[:, dose].all() and (data.values[:, dose] == 0).sum() == 1471 - 1028
    assert data.mask[:, 0].sum() == 361  # concentrations measured
    for column in data.features[4:]:  # static: one value per patient
        values = data.values[:, data.features.index(column)]
        assert all(len(set(values[a:b])) == 1 for a, b in data.series_bounds)
