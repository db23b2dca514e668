"""Row ranges of the training/validation split: the rows they hand out, and the split itself."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tsforecast._segments import Segments, split_series


@st.composite
def segments(draw):
    """Non-empty ranges in order, with gaps of 0 to 4 rows between them."""
    lengths = draw(st.lists(st.integers(1, 20), min_size=1, max_size=12))
    gaps = draw(st.lists(st.integers(0, 4), min_size=len(lengths), max_size=len(lengths)))
    starts = np.cumsum(np.array(gaps) + np.r_[0, lengths[:-1]])
    return Segments(starts, starts + np.array(lengths))


@settings(max_examples=100, deadline=None)
@given(segments(), st.integers(1, 50), st.integers(0, 2**31))
def test_segments_hand_out_exactly_their_rows(ranges, size, seed):
    every_row = np.concatenate(
        [np.arange(a, b) for a, b in zip(ranges.starts, ranges.stops, strict=True)]
    )
    assert ranges.n_rows == len(every_row)
    chunks = list(ranges.chunks(size))
    assert all(0 < len(chunk) <= size for chunk in chunks)
    np.testing.assert_array_equal(np.concatenate(chunks), every_row)
    positions = np.random.default_rng(seed).integers(0, ranges.n_rows, 30)
    np.testing.assert_array_equal(ranges.rows(positions), every_row[positions])
    sample = ranges.sample(7, np.random.default_rng(seed))
    assert len(sample) == min(7, ranges.n_rows)
    assert len(np.unique(sample)) == len(sample) and (np.diff(sample) > 0).all()
    assert np.isin(sample, every_row).all()


def test_split_series_validates_on_the_end_of_each_series_keeping_two_rows():
    offsets = np.array([0, 100, 103, 104, 124])  # series of 100, 3, 1 and 20 rows
    train, valid = split_series(offsets, 0.2)
    np.testing.assert_array_equal(train.starts, [0, 100, 103, 104])
    np.testing.assert_array_equal(train.stops, [80, 102, 104, 120])
    np.testing.assert_array_equal(valid.starts, [80, 102, 120])
    np.testing.assert_array_equal(valid.stops, [100, 103, 124])
    # Nothing left to validate on: None.
    train, valid = split_series(np.array([0, 2, 4]), 0.3)
    assert valid is None and train.n_rows == 4
