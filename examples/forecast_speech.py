"""Audio: MFCC frames from the speech WAV (or the shipped table), forecast the next frames
=======================================================================================

Run: python examples/forecast_speech.py   (the WAV needs pip install "tsforecast[audio]")
"""

import numpy as np

from tsforecast import LSTMForecaster, audio_features_from_wav, read_audio_features
from tsforecast.datasets import data_path, speech_wav_path

try:  # MFCC + RMS frames: 25 ms windows, 10 ms hop, as librosa names the settings
    frames = audio_features_from_wav(speech_wav_path(), n_mfcc=13, n_fft=400, hop_length=160)
except ImportError as missing:
    print(missing, "- using the shipped feature table instead")
    frames = read_audio_features(data_path("speech_en_us_mfcc.csv"))
print(frames)

split = int(0.8 * frames.n_timesteps)
model = LSTMForecaster(context_length=64, max_time=10, random_state=0)
model.fit(frames.values[:split])

# One-step forecasts on the held-out 20%, against repeating the last frame.
X = frames.values
rows = np.arange(split - 1, len(X) - 1)
mae = np.abs(model.predict(X)[rows] - X[rows + 1]).mean()
persistence = np.abs(X[rows] - X[rows + 1]).mean()
print(f"next-frame MAE over 14 features: {mae:.2f} (repeat last frame: {persistence:.2f})")

# The next 20 frames (0.2 s) after the end of the recording.
future = model.forecast(X, steps=20)
print("next 20 frames of mfcc_0:", np.round(future[:, 0], 1))
