"""The built wheel carries the datasets: the loaders work outside a source checkout."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_installs_with_its_datasets(tmp_path):
    wheels = tmp_path / "wheels"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(wheels), str(ROOT)], check=True)
    (wheel,) = wheels.glob("tsforecast-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "tsforecast/_data/seattle-weather.csv" in names
    assert "tsforecast/_data/README.md" in names

    site = tmp_path / "site"
    subprocess.run([*pip, "install", "--no-deps", "--target", str(site), str(wheel)], check=True)
    script = (
        "import tsforecast, tsforecast.datasets as d; "
        "print(tsforecast.__file__); print(d.load_seattle_weather().n_timesteps)"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,  # away from the checkout
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    module_file, n_timesteps = completed.stdout.split()
    assert module_file.startswith(str(site))
    assert n_timesteps == "1461"
