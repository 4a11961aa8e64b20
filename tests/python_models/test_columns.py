"""Positions as columns of arrays: the per-position formulas give on a dict of arrays
what they give on a frame, and keyed look-ups give what ``reindex`` gives."""

from __future__ import annotations

import numpy as np
import pandas as pd

from python_models.book_exposures import exposure_contributions
from python_models.columns import Keyed
from python_models.greeks import greek_arrays, position_greeks
from tests.python_models.test_greeks import _positions


def test_greek_arrays_on_arrays_equal_position_greeks_on_the_frame():
    frame = _positions()
    arrays = greek_arrays({column: frame[column].to_numpy() for column in frame.columns})
    expected = position_greeks(frame)
    assert list(arrays) == list(expected.columns)
    for column in expected.columns:
        assert np.array_equal(np.asarray(arrays[column]), expected[column].to_numpy(),
                              equal_nan=column != "greeks_source"), column
    one = greek_arrays({column: frame[column].to_numpy()[3:4] for column in frame.columns})
    assert one["theta"][0] == expected["theta"].iloc[3]


def test_exposure_parts_on_one_row_are_the_frames_row():
    frame = _positions().assign(price=[50.0, 400.0, 2.5, np.nan, 1.0, 3.0, 4.0])
    parts = exposure_contributions(frame)
    row = exposure_contributions({column: frame[column].to_numpy()[2:3]
                                  for column in frame.columns})
    assert {name: float(values[2]) for name, values in parts.items()} == \
        {name: float(values[0]) for name, values in row.items()}
    assert parts["n_unpriced"].tolist() == [0, 0, 0, 1, 0, 0, 0]


def test_keyed_takes_what_reindex_gives():
    frame = pd.DataFrame({"symbol": ["A", "B", "C"], "multiplier": [1, 100, 1],
                          "strike": [np.nan, 40.0, np.nan],
                          "expiry": pd.to_datetime([None, "2027-01-15", None]),
                          "option_type": [None, "C", None]})
    keyed = Keyed(frame, "symbol")
    for keys in (["B", "A"], ["B", "X", "C"], []):
        expected = frame.set_index("symbol").reindex(keys)
        taken = keyed.take(keys, ["multiplier", "strike", "expiry", "option_type"])
        for column, values in taken.items():
            reference = expected[column].to_numpy()
            if column != "option_type":  # pandas' own string dtype: objects here
                assert values.dtype == reference.dtype, column
            assert [None if pd.isna(v) else v for v in values] == \
                [None if pd.isna(v) else v for v in reference], column
    assert keyed.rows(["C", "X"]).tolist() == [2, -1]
