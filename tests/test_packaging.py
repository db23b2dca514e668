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
    # Every module of the package must come from the wheel: an editable install of the
    # checkout in this interpreter would otherwise fill in a subpackage the wheel lacks.
    script = (
        "import sys, tsforecast, tsforecast.datasets as d; print(tsforecast.__file__); "
        "print(d.load_weather().n_timesteps + d.load_seattle_weather().n_timesteps "
        "+ d.load_pbc().n_timesteps + d.load_speech_mfcc().n_timesteps, "
        "d.speech_wav_path().is_file(), sorted(n for n, m in sys.modules.items() "
        "if n.startswith('tsforecast') and getattr(m, '__file__', None) "
        f"and not m.__file__.startswith({str(site)!r})) or 'none-elsewhere')"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,  # away from the checkout
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    module_file, n_timesteps, wav_found, elsewhere = completed.stdout.split()
    assert module_file.startswith(str(site))
    assert elsewhere == "none-elsewhere", elsewhere
    assert n_timesteps == str(8760 + 1461 + 1945 + 3859)
    assert wav_found == "True"


def test_every_package_folder_is_listed_for_the_wheel():
    """A subpackage missing from pyproject's list is left out of the wheel and of pip install."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11 and later

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
                 ["packages"])  # fmt: skip
    found = {".".join(init.parent.relative_to(ROOT).parts)
             for init in (ROOT / "tsforecast").rglob("__init__.py")}  # fmt: skip
    assert found <= listed, sorted(found - listed)
