"""Audio features: tables of frames (MFCCs, RMS...) and WAV files into one `SequenceData` series."""

from __future__ import annotations

import os
from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tsforecast._calendar import usual_step
from tsforecast._checks import check_int, check_real, show
from tsforecast.adapters._tables import (
    Source,
    check_column,
    check_columns,
    check_not_all_missing,
    find_column,
    numeric_columns,
    read_source,
    resolve_duplicates,
)
from tsforecast.sequences import SequenceData

__all__ = ["audio_features_from_wav", "read_audio_features"]

TIME_NAMES = (
    "time_s", "time", "seconds", "t", "start", "frame_time", "frame", "frame_index",
    "timestamp", "time_ms", "time_sec", "sec", "secs", "start_s", "start_time", "t_s", "t_sec",
    "offset", "onset",
)  # fmt: skip


def read_audio_features(
    source: Source,
    *,
    time_col: Hashable | None = None,
    columns: Sequence[Hashable] | None = None,
    tolerance: float = 0.01,
    keep: str = "error",
    na_values: Sequence[str] | None = None,
    decimal: str = ".",
    thousands: str | None = None,
) -> SequenceData:
    """Read a table of audio feature frames into one evenly spaced series.

    Parameters
    ----------
    source : path or DataFrame
        One row per frame: a time column (seconds, or a frame index) and feature columns such
        as ``mfcc_0 ... mfcc_12``, ``rms``. Never modified.
    time_col : hashable, optional
        The time column. By default the first of ``time_s``, ``time``, ``seconds``, ``t``,
        ``start``, ``frame_time``, ``frame``, ``frame_index``, ``timestamp``, ``time_ms``,
        ``time_sec``, ``sec``, ``secs``, ``start_s``, ``start_time``, ``t_s``, ``t_sec``,
        ``offset``, ``onset`` (any case, a unit after the name allowed: ``Time (s)``). With
        no such column the rows are taken as consecutive frames, numbered from 0, and a
        column whose name holds "time" is refused (name it with time_col=, or leave it out
        with columns=).
    columns : sequence of hashable, optional
        Feature columns, in order; every other column by default.
    tolerance : float, default=0.01
        Allowed deviation of each frame step from the median step, as a fraction of it (the
        times in a CSV file are rounded); in [0, 0.5), so that a dropped frame is always seen.
    keep : {"error", "first", "last", "mean"}, default="error"
        Frames sharing a time with different values: refused, or merged.
    na_values : sequence of str, optional
        Extra markers of missing values in the file.
    decimal : {".", ","}, default="."
        Decimal mark of the numbers in a file.
    thousands : {",", ".", " ", "'"}, optional
        Thousands mark of the numbers in a file (``","`` for ``1,234.5``); none by default.
        Both marks also read a DataFrame's text columns whose every value is such a number.

    Returns
    -------
    SequenceData
        ``time`` in the unit of the time column; ``metadata["frame_period"]`` is the median
        step.

    Raises
    ------
    ValueError
        If the frames are not evenly spaced (a dropped or repeated frame), with the place; if a
        feature is missing or not a number.

    Examples
    --------
    >>> import pandas as pd
    >>> frames = pd.DataFrame({"time_s": [0.0, 0.01, 0.02], "rms": [0.1, 0.3, 0.2]})
    >>> read_audio_features(frames).metadata["frame_period"]
    0.01
    """
    owner = "read_audio_features"
    tolerance = check_real("tolerance", tolerance, 0.0, 0.5, upper_open=True, owner=owner)
    frame = read_source(source, owner, na_values=na_values, decimal=decimal, thousands=thousands)
    if time_col is None:
        time_col = find_column(frame, TIME_NAMES)
        timeish = [c for c in frame.columns if "time" in str(c).lower()]
        if time_col is None and timeish and columns is None:
            raise ValueError(
                f"{owner}: column {timeish[0]!r} looks like a time column but is not one of the "
                f"names read as time ({', '.join(TIME_NAMES[:8])}...). Name it with time_col="
                f"{timeish[0]!r}, or choose the features with columns=[...]."
            )
    else:
        check_column(frame, time_col, owner, "time")
    default = [name for name in frame.columns if name != time_col]
    selected = default if columns is None else check_columns(frame, columns, owner, "feature")
    values = numeric_columns(frame, selected, owner, can_encode=False)
    check_not_all_missing(values, owner)

    if time_col is None:
        time = np.arange(len(values), dtype=np.float64)
    else:
        time_values = numeric_columns(frame, [time_col], owner, can_encode=False)[time_col]
        if time_values.isna().any():
            row = time_values.index[time_values.isna()][0]
            raise ValueError(f"{owner}: time column {time_col!r} is empty at row {show(row)}.")
        table = pd.concat([time_values.rename("__time__"), values], axis=1)
        table = table.sort_values("__time__", kind="stable")
        table = resolve_duplicates(table, ["__time__"], owner, keep, "frame time")
        time = table.pop("__time__").to_numpy(np.float64)
        values = table
    if len(values) < 2:
        raise ValueError(f"{owner}: the table has a single frame; a series needs at least 2.")
    missing = values.isna().to_numpy()
    if missing.any():
        row, col = np.argwhere(missing)[0]
        raise ValueError(
            f"{owner}: feature {values.columns[col]!r} is missing at frame {row} (time "
            f"{time[row]:g}); audio frames must be complete. Recompute the features, or fill "
            "or drop the column before reading."
        )
    period = _check_even_spacing(time, tolerance, owner)
    metadata: dict[str, Any] = {"frame_period": period}
    if not isinstance(source, pd.DataFrame):
        metadata["source"] = str(source)
    return SequenceData(
        values=values.to_numpy(np.float32),
        time=time,
        features=tuple(str(name) for name in values.columns),
        metadata=metadata,
    )


def _check_even_spacing(time: np.ndarray, tolerance: float, owner: str) -> float:
    steps = np.diff(time)
    # The nominal hop is the most common step (times in files are rounded: compare rounded
    # steps), refined as the median of the steps close to it.
    usual = usual_step(time, decimals=6)
    period = float(np.median(steps[np.abs(steps - usual) <= tolerance * abs(usual)]))
    off = np.abs(steps - period) > tolerance * period
    if off.any():
        i = int(np.flatnonzero(off)[0])
        what = "a dropped frame?" if steps[i] > period else "a repeated or extra frame?"
        raise ValueError(
            f"{owner}: frames are not evenly spaced: frame {i + 1} (time {time[i + 1]:g}) comes "
            f"{steps[i]:g} after the previous one where frames are {period:g} apart ({what}; "
            f"{int(off.sum())} uneven steps in all). Resample the features to a fixed hop."
        )
    return float(np.round(period, 9))


def audio_features_from_wav(
    path: str | os.PathLike,
    *,
    n_mfcc: int = 13,
    n_fft: int = 400,
    hop_length: int = 160,
    sr: int | None = None,
    n_mels: int = 128,
    rms: bool = True,
    center: bool = True,
) -> SequenceData:
    """MFCC (and RMS energy) frames of a WAV file, computed with librosa.

    Needs the audio extra: ``pip install "tsforecast[audio]"`` (librosa and soundfile).
    The defaults, a 25 ms window (``n_fft=400``) and a 10 ms hop (``hop_length=160``) at
    16 kHz, are the ones of the shipped ``speech_en_us_mfcc.csv``, which this reproduces.

    Parameters
    ----------
    path : path
        A sound file soundfile can read (WAV, FLAC, OGG...). Several channels are averaged.
    n_mfcc : int, default=13
        Number of MFCCs (``librosa.feature.mfcc``).
    n_fft : int, default=400
        Window length in samples; also the RMS frame length.
    hop_length : int, default=160
        Samples between frames.
    sr : int, optional
        Resample to this rate first; the file's own rate by default.
    n_mels : int, default=128
        Mel bands behind the MFCCs.
    rms : bool, default=True
        Add the RMS energy of each frame as a last feature, ``rms``.
    center : bool, default=True
        Frames centred on ``t * hop_length`` (librosa's default); ``time`` is that instant.

    Returns
    -------
    SequenceData
        Features ``mfcc_0 ... mfcc_{n_mfcc-1}`` (and ``rms``), ``time`` in seconds;
        ``metadata`` holds ``sr``, ``n_fft``, ``hop_length``, ``frame_period``.
    """
    owner = "audio_features_from_wav"
    try:
        import librosa
    except ImportError:
        raise ImportError(
            f"{owner} needs librosa and soundfile, which are optional. Install them with: "
            'pip install "tsforecast[audio]"'
        ) from None
    for name, value in (("n_mfcc", n_mfcc), ("n_fft", n_fft), ("hop_length", hop_length),
                        ("n_mels", n_mels)):  # fmt: skip
        check_int(name, value, owner=owner)
    if sr is not None:
        check_int("sr", sr, owner=owner)
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{owner}: no file at '{path}' (working directory: {Path.cwd()}).")
    _check_wav_complete(path, owner)
    try:
        signal, rate = librosa.load(path, sr=sr, mono=True)
    except Exception as error:  # soundfile/audioread raise many types for unreadable files
        raise ValueError(f"{owner}: cannot read '{path}' as audio ({error}).") from None
    if len(signal) < 2:
        raise ValueError(f"{owner}: '{path}' holds {len(signal)} samples; nothing to analyse.")
    mfcc = librosa.feature.mfcc(
        y=signal, sr=rate, n_mfcc=n_mfcc, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels,
        center=center,
    )  # fmt: skip
    features = [mfcc]
    names = [f"mfcc_{i}" for i in range(n_mfcc)]
    if rms:
        energy = librosa.feature.rms(
            y=signal, frame_length=n_fft, hop_length=hop_length, center=center
        )
        features.append(energy)
        names.append("rms")
    values = np.vstack(features).T
    time = librosa.frames_to_time(np.arange(values.shape[0]), sr=rate, hop_length=hop_length)
    return SequenceData(
        values=values.astype(np.float32),
        time=time,
        features=tuple(names),
        metadata={
            "source": str(path),
            "sr": int(rate),
            "n_fft": n_fft,
            "hop_length": hop_length,
            "n_mfcc": n_mfcc,
            "frame_period": hop_length / rate,
        },
    )


def _check_wav_complete(path: Path, owner: str) -> None:
    """Refuse a WAV file shorter than its header says (a copy or download cut short).

    Decoders read such a file up to where it stops, without a word. Files that are not
    RIFF/WAVE, and streamed WAVs whose header leaves the size open, are not checked.
    """
    size = path.stat().st_size
    with open(path, "rb") as handle:
        if handle.read(4) != b"RIFF":
            return
        handle.read(4)
        if handle.read(4) != b"WAVE":
            return
        while True:
            header = handle.read(8)
            if len(header) < 8:
                return  # no data chunk header: the decoder will say what is wrong
            name, length = header[:4], int.from_bytes(header[4:], "little")
            if name == b"data":
                if length in (0, 0xFFFFFFFF):
                    return
                present = size - handle.tell()
                if present < length:
                    raise ValueError(
                        f"{owner}: '{path}' is truncated: its header announces {length} bytes "
                        f"of audio, the file holds {present} ({present / length:.0%}). It was "
                        "cut short (an interrupted copy or download?); get the whole file."
                    )
                return
            handle.seek(length + length % 2, 1)
