"""Comparing two sets of risk-step tables: which figures are bit for bit, which within 1e-12.

The per-security and per-position tables (betas, Greeks, factor exposures) of a sharded
run are the same numbers as those of the all-at-once run, bit for bit. The per-portfolio
return metrics and VaR go through reductions and a matrix product over all portfolios
of a shard at once, whose sums NumPy/BLAS group by the shard's shape: they agree within
1e-12 relative (measured: ≤ 1e-13); a marginal VaR that cancels to near zero has that
accuracy relative to its table's scale, so the bound is ``1e-12 · max(|a|, |column|∞)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

KEYS = {"position_greeks": ["position_id"], "factor_betas": ["symbol", "factor"],
        "position_factor_exposures": ["position_id", "factor"],
        "portfolio_factor_exposures": ["portfolio_id", "factor"],
        "portfolio_risk_metrics": ["portfolio_id"],
        "var_components": ["portfolio_id", "component_key"]}
EXACT_TABLES = ("factor_betas", "position_greeks", "position_factor_exposures",
                "portfolio_factor_exposures")
RELATIVE = 1e-12
#: positions in the computation's own arrays (portfolio_var's row and column numbers)
#: and the write's timestamp: not figures
IGNORED = {"p", "j", "computed_at"}


def table_differences(expected: dict[str, pd.DataFrame], actual: dict[str, pd.DataFrame],
                      tables=tuple(KEYS)) -> dict[str, float]:
    """Per table: 0.0 when every figure is bit for bit equal, else the largest
    difference relative to ``max(|expected|, column scale)``. Asserts that rows, keys,
    text, NULLs and the exact tables match."""
    out = {}
    for table in tables:
        keys = KEYS[table]
        left = expected[table].sort_values(keys).reset_index(drop=True)
        right = actual[table].sort_values(keys).reset_index(drop=True)
        assert len(left) == len(right), table
        worst = 0.0
        for column in sorted(set(left.columns) - IGNORED):
            a, b = left[column], right[column]
            if pd.api.types.is_float_dtype(a) and pd.api.types.is_float_dtype(b):
                x, y = a.to_numpy(float), b.to_numpy(float)
                assert (np.isnan(x) == np.isnan(y)).all(), (table, column)
                scale = np.maximum(np.abs(x), np.nanmax(np.abs(x), initial=0.0))
                seen = ~np.isnan(x) & (x != y)
                if seen.any():
                    worst = max(worst, float((np.abs(x - y)[seen] / scale[seen]).max()))
                    assert table not in EXACT_TABLES, (table, column)
            else:
                assert [None if pd.isna(v) else str(v) for v in a] == \
                    [None if pd.isna(v) else str(v) for v in b], (table, column)
        out[table] = worst
    return out


def assert_same_tables(expected: dict[str, pd.DataFrame], actual: dict[str, pd.DataFrame],
                       tables=tuple(KEYS)) -> dict[str, float]:
    """:func:`table_differences`, each within :data:`RELATIVE`; returns them."""
    differences = table_differences(expected, actual, tables)
    assert all(value <= RELATIVE for value in differences.values()), differences
    return differences
