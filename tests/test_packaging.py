"""The built wheel carries the datasets: the loaders work outside a source checkout."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def source_copy(folder: Path) -> Path:
    """Copy what the wheel is built from into ``folder``.

    pip builds in the source tree, and setuptools writes ``build/`` and ``*.egg-info`` there:
    building a copy leaves the checkout as it was.
    """
    source = folder / "source"
    junk = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build", "dist")
    for name in ("tsforecast", "datasets"):
        shutil.copytree(ROOT / name, source / name, ignore=junk)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    return source


@pytest.mark.slow
def test_wheel_installs_with_its_datasets(tmp_path):
    wheels = tmp_path / "wheels"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    before = sorted(path.name for path in ROOT.iterdir())
    source = source_copy(tmp_path)
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(wheels), str(source)], check=True)
    assert sorted(path.name for path in ROOT.iterdir()) == before  # no build/ in the checkout
    (wheel,) = wheels.glob("tsforecast-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for name in [
        "seattle-weather.csv",
        "tmy3_723170_greensboro.csv",
        "pbcseq.csv",
        "speech_en_us.wav",
        "speech_en_us_mfcc.csv",
        "README.md",
    ]:
        assert f"tsforecast/_data/{name}" in names

    site = tmp_path / "site"
    subprocess.run([*pip, "install", "--no-deps", "--target", str(site), str(wheel)], check=True)
    script = (
        "import tsforecast, tsforecast.datasets as d; print(tsforecast.__file__); "
        "print(d.load_weather().n_timesteps + d.load_seattle_weather().n_timesteps "
        "+ d.load_pbc().n_timesteps + d.load_speech_mfcc().n_timesteps, "
        "d.speech_wav_path().is_file())"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,  # away from the checkout
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    module_file, n_timesteps, wav_found = completed.stdout.split()
    assert module_file.startswith(str(site))
    assert n_timesteps == str(8760 + 1461 + 1945 + 3859)
    assert wav_found == "True"
