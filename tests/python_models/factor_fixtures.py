"""Seeded factor and security returns shared by the risk-model and stress tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

FACTORS = ["SPY", "MTUM", "VTV", "VUG", "QUAL", "IWM", "SPLV"]


def factor_returns(seed: int = 7, n_dates: int = 80) -> pd.DataFrame:
    """Seven collinear factor ETFs: a market return plus style noise."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2026-01-02", periods=n_dates)
    market = rng.normal(0.0004, 0.011, n_dates)
    data = {"SPY": market}
    for name in FACTORS[1:]:
        data[name] = market * rng.uniform(0.7, 1.3) + rng.normal(0, 0.005, n_dates)
    return pd.DataFrame(data, index=dates)


def security_returns(factors: pd.DataFrame, seed: int = 11, n_sec: int = 9) -> pd.DataFrame:
    """Securities from a joint factor model plus noise, with realistic holes."""
    rng = np.random.default_rng(seed)
    loadings = rng.normal(0.0, 0.6, (n_sec, len(FACTORS)))
    loadings[:, 0] += 1.0
    noise = rng.normal(0, 0.012, (len(factors), n_sec))
    values = factors.to_numpy() @ loadings.T + 0.0003 + noise
    sec = pd.DataFrame(values, index=factors.index, columns=[f"S{i}" for i in range(n_sec)])
    sec.iloc[rng.choice(len(factors), 9, replace=False), 1] = np.nan   # scattered holes
    sec.iloc[:-25, 2] = np.nan                                          # short history
    sec.iloc[:-19, 3] = np.nan                                          # 19 returns only
    sec.iloc[:, 4] = np.nan                                             # nothing at all
    return sec
