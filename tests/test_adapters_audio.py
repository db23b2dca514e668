"""read_audio_features and audio_features_from_wav on the real speech files and bad tables."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from tsforecast import audio_features_from_wav, read_audio_features
from tsforecast.datasets import data_path, speech_wav_path

MFCC = data_path("speech_en_us_mfcc.csv")


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return pd.read_csv(MFCC)


def test_real_mfcc_table(table):
    data = read_audio_features(MFCC)
    assert (data.n_timesteps, data.n_features) == (3859, 14)
    assert data.features == (*[f"mfcc_{i}" for i in range(13)], "rms")
    assert data.metadata["frame_period"] == 0.01
    np.testing.assert_allclose(data.time, table["time_s"])
    np.testing.assert_allclose(data.values, table.iloc[:, 1:].to_numpy(np.float32))


def test_wav_reproduces_the_shipped_table(table):
    pytest.importorskip("librosa")
    data = audio_features_from_wav(speech_wav_path())
    assert data.features == tuple(table.columns[1:])
    assert data.metadata["sr"] == 16000 and data.metadata["frame_period"] == 0.01
    np.testing.assert_allclose(data.time, table["time_s"], atol=1e-9)
    # The table is rounded to 5 decimals; float32 MFCCs of magnitude up to ~700.
    np.testing.assert_allclose(data.values, table.iloc[:, 1:].to_numpy(np.float32), atol=2e-4)


def test_other_speech_and_settings(tmp_path):
    """Another recording (a 22.05 kHz stereo excerpt) with other librosa settings."""
    pytest.importorskip("librosa")
    import soundfile

    signal, rate = soundfile.read(speech_wav_path())
    excerpt = signal[rate * 5 : rate * 15]
    stereo = np.stack([excerpt, 0.5 * excerpt], axis=1)
    other = tmp_path / "excerpt.wav"
    soundfile.write(other, stereo, rate)
    data = audio_features_from_wav(other, sr=22050, n_mfcc=20, n_fft=1024, hop_length=256)
    assert data.n_features == 21 and data.features[-1] == "rms"
    assert data.n_timesteps == 1 + (10 * 22050) // 256
    assert data.metadata["frame_period"] == pytest.approx(256 / 22050)
    assert np.isfinite(data.values).all()
    no_rms = audio_features_from_wav(other, n_mfcc=5, rms=False)
    assert no_rms.features == tuple(f"mfcc_{i}" for i in range(5))


def test_frame_index_and_no_time_column(table):
    frames = table.drop(columns="time_s").assign(frame=np.arange(len(table)))
    assert read_audio_features(frames).metadata["frame_period"] == 1.0
    plain = table.drop(columns="time_s")
    data = read_audio_features(plain)
    assert data.time[:3].tolist() == [0.0, 1.0, 2.0] and data.n_features == 14


def test_unsorted_frames_are_sorted_and_input_untouched(table):
    shuffled = table.sample(frac=1.0, random_state=0)
    before = shuffled.copy()
    data = read_audio_features(shuffled)
    pd.testing.assert_frame_equal(shuffled, before)
    np.testing.assert_allclose(data.values, table.iloc[:, 1:].to_numpy(np.float32))


def small(**columns):
    return pd.DataFrame({"time_s": [0.0, 0.01, 0.02, 0.03], **columns})


@pytest.mark.parametrize(
    ("source", "kwargs", "error", "words"),
    [
        ("missing.csv", {}, FileNotFoundError, "no file at 'missing.csv'"),
        (small(rms=[1.0, 2, 3, 4]).iloc[:0], {}, ValueError, "has no rows"),
        (small(rms=[1.0, 2, 3, 4]), {"columns": ["mfcc_0"]}, ValueError,
         r"no feature column 'mfcc_0'. Columns: \['time_s', 'rms'\]"),
        (small(rms=[1.0, 2, 3, 4]), {"time_col": "start_s"}, ValueError,
         "no time column 'start_s'"),
        (small(rms=[1.0, 2, 3, 4]).drop(index=2), {}, ValueError,
         r"not evenly spaced: frame 2 \(time 0.03\) comes 0.02 after .* dropped frame"),
        (small(rms=[1.0, 2, "loud", 4]), {}, ValueError,
         r"column 'rms' has non-numeric values \(e.g. 'loud' at row 2"),
        (small(rms=[1.0, 2, None, 4]), {}, ValueError, r"feature 'rms' is missing at frame 2"),
        (small(rms=[1.0, 2, 3, 4], label=["a", "b", "c", "d"]), {}, TypeError,
         "column 'label' holds text"),
        (small(rms=[None] * 4), {}, ValueError, r"\['rms'\] have no values at all"),
        (small(rms=[1.0, 2, 3, 4]).iloc[:1], {}, ValueError, "single frame"),
        (pd.concat([small(rms=[1.0, 2, 3, 4]), small(rms=[9.0, 2, 3, 4]).iloc[:1]]), {},
         ValueError, r"2 rows share the frame time \(0.0\)"),
        (small(rms=[1.0, 2, 3, 4]).assign(time_s=[0.0, None, 0.02, 0.03]), {}, ValueError,
         "time column 'time_s' is empty at row 1"),
    ],
)  # fmt: skip
def test_bad_tables_get_clear_errors(source, kwargs, error, words):
    with pytest.raises(error, match=words):
        read_audio_features(source, **kwargs)


@pytest.mark.slow
def test_tsforecast_works_without_the_audio_extra():
    script = (
        "import sys; sys.modules['librosa'] = None; sys.modules['soundfile'] = None; "
        "import tsforecast; from tsforecast.datasets import load_speech_mfcc; "
        "print(load_speech_mfcc().n_timesteps)"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert completed.stdout.strip() == "3859"


def test_wav_errors(tmp_path, monkeypatch):
    pytest.importorskip("librosa")
    with pytest.raises(FileNotFoundError, match="no file at"):
        audio_features_from_wav(tmp_path / "none.wav")
    text = tmp_path / "notes.wav"
    text.write_text("not audio")
    with pytest.raises(ValueError, match=r"cannot read .* as audio"):
        audio_features_from_wav(text)
    monkeypatch.setitem(sys.modules, "librosa", None)
    with pytest.raises(ImportError, match=r'pip install "tsforecast\[audio\]"'):
        audio_features_from_wav(speech_wav_path())


def test_a_truncated_wav_is_refused(tmp_path):
    pytest.importorskip("librosa")
    whole = speech_wav_path().read_bytes()
    cut = tmp_path / "cut.wav"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ValueError, match=r"is truncated: its header announces \d+ bytes"):
        audio_features_from_wav(cut)


def test_a_time_column_with_a_unit_is_the_time_and_tolerance_is_checked():
    frames = pd.DataFrame({"Time (s)": [0.0, 0.01, 0.02, 0.05], "rms": [0.1, 0.3, 0.2, 0.1]})
    with pytest.raises(ValueError, match="not evenly spaced"):
        read_audio_features(frames)
    data = read_audio_features(frames.iloc[:3])
    assert data.features == ("rms",) and data.metadata["frame_period"] == 0.01
    for tolerance in (-1, 0.5, float("nan"), "x"):
        with pytest.raises((TypeError, ValueError), match=r"tolerance must be"):
            read_audio_features(frames, tolerance=tolerance)


@pytest.mark.parametrize("name", ["timestamp", "time_ms", "sec", "start_s", "t_sec", "offset"])
def test_common_time_column_names_are_read_as_time(name):
    frames = pd.DataFrame({name: [0.02, 0.0, 0.01], "rms": [0.3, 0.1, 0.2]})
    data = read_audio_features(frames)
    assert data.features == ("rms",) and data.values[:, 0].tolist() == pytest.approx(
        [0.1, 0.2, 0.3]
    )
    odd = frames.rename(columns={name: "time_of_frame"})
    with pytest.raises(ValueError, match=r"'time_of_frame' looks like a time column.*time_col="):
        read_audio_features(odd)
