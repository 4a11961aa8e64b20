"""Columns of positions, from a DataFrame or from a dict of arrays.

The per-position formulas (:func:`python_models.greeks.greek_arrays`,
:func:`python_models.book_exposures.exposure_contributions`) read their inputs column by
column, so the batch hands them a frame of thousands of rows and a what-if request a
dict of one- or two-element arrays, without building a frame for so few rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

Columns = Mapping[Any, Any] | pd.DataFrame  # column name → one value per position


def as_floats(values: Any) -> np.ndarray:
    """A column as a float array (pandas missing values → NaN)."""
    if isinstance(values, pd.Series | pd.Index):
        return values.to_numpy(dtype=float, na_value=np.nan)
    return np.asarray(values, dtype=float)


def as_values(values: Any) -> np.ndarray:
    """A column as an array of its own values (a nullable integer column: integers and
    NA as objects, not floats)."""
    if not isinstance(values, pd.Series):
        return np.asarray(values)
    extension = isinstance(values.dtype, pd.api.extensions.ExtensionDtype)
    return values.to_numpy(dtype=object) if extension else values.to_numpy()


def as_objects(values: Any) -> np.ndarray:
    """A column as an object array (element-wise ``==`` on any dtype, even empty)."""
    return np.asarray(values, dtype=object)


class Keyed:
    """The rows of a frame by key, for a few look-ups at a time (built once per frame).

    :meth:`take` gives the columns of the rows of some keys, as ``frame.reindex(keys)``
    would: an unknown key gives a missing row (NaN, NaT), and then the columns are
    upcast the way ``reindex`` upcasts them.
    """

    def __init__(self, frame: pd.DataFrame, key: str | None = None):
        """``key``: the column of keys (unique); None = the frame's index."""
        keys = frame.index if key is None else frame[key]
        self.row_of: dict[Any, int] = {k: row for row, k in enumerate(keys)}
        frame = frame.reset_index(drop=True)
        padded = frame.reindex(range(len(frame) + 1))  # the last row: the missing one
        self._columns = {str(c): frame[c].to_numpy() for c in frame.columns}
        self._padded = {str(c): padded[c].to_numpy() for c in padded.columns}

    def rows(self, keys: Any) -> np.ndarray:
        """Row of each key, −1 where unknown."""
        return np.array([self.row_of.get(k, -1) for k in keys], dtype=int)

    def take(self, keys: Any, columns: Any = None) -> dict[str, np.ndarray]:
        """``columns`` (default all) of the rows of ``keys``, in the order of ``keys``."""
        rows = self.rows(keys)
        source = self._columns if (rows >= 0).all() else self._padded
        names = list(self._columns) if columns is None else columns
        return {name: source[name][rows] for name in names}
