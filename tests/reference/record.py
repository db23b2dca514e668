"""Record the reference forecasts pinned by tests/test_reference.py.

Run once on the code before a behaviour-preserving change:
``python tests/reference/record.py`` writes ``tests/reference/forecasts.json``. The test then
checks that the same seeds still give the same forecasts.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cases import CASES, run

if __name__ == "__main__":
    record = {}
    for name in CASES:
        record[name] = {key: np.asarray(value).tolist() for key, value in run(name).items()}
        print(name, {key: np.asarray(value).shape for key, value in record[name].items()})
    out = Path(__file__).with_name("forecasts.json")
    out.write_text(json.dumps(record))
    print(f"wrote {out}")
