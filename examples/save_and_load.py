"""Persistence: save a model, load it in a fresh process, predict the same numbers
===============================================================================

Run: python examples/save_and_load.py
"""

import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from tsforecast import LSTMForecaster
from tsforecast.datasets import load_speech_mfcc

frames = load_speech_mfcc()
model = LSTMForecaster(context_length=32, max_epochs=20, random_state=0).fit(frames)
expected = model.predict(frames)

with tempfile.TemporaryDirectory() as folder:
    path = model.save(Path(folder) / "speech-model")  # JSON + tensors; loading runs no code
    print("saved:", sorted(p.name for p in path.iterdir()))
    np.save(Path(folder) / "expected.npy", expected)
    fresh = f"""
import numpy as np
from tsforecast import LSTMForecaster
from tsforecast.datasets import load_speech_mfcc
model = LSTMForecaster.load({str(path)!r})
again = model.predict(load_speech_mfcc())
expected = np.load({str(Path(folder) / "expected.npy")!r})
print("same predictions in a fresh process:", np.array_equal(again, expected))
assert np.array_equal(again, expected)
"""
    subprocess.run([sys.executable, "-c", fresh], check=True)
