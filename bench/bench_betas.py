"""Vectorised betas for 5,000 securities × 7 factor ETFs vs a statsmodels loop; prints JSON.

statsmodels OLS is timed on a subsample of pairs and extrapolated to all 35,000.
Run: ``.venv/bin/python bench/bench_betas.py [--securities 5000] [--sample 300]``
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import statsmodels.api as sm  # noqa: E402

from python_models.betas import ols_betas  # noqa: E402
from python_models.conventions import FACTORS  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--securities", type=int, default=5_000)
    parser.add_argument("--sample", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    dates = pd.bdate_range("2026-01-02", periods=60)
    market = rng.normal(0.0004, 0.01, 60)
    factors = pd.DataFrame({f: market * rng.uniform(0.6, 1.3) + rng.normal(0, 0.004, 60)
                            for f in FACTORS}, index=dates)
    loadings = rng.uniform(-0.5, 2.0, args.securities)
    values = market[:, None] * loadings + rng.normal(0, 0.015, (60, args.securities))
    values[rng.random(values.shape) < 0.03] = np.nan  # 3 % missing closes
    securities = pd.DataFrame(values, index=dates,
                              columns=[f"S{i}" for i in range(args.securities)])

    ols_betas(securities, factors)
    timings = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        out = ols_betas(securities, factors)
        timings.append(time.perf_counter() - started)
    vectorised = float(np.median(timings))

    lookup = out.set_index(["symbol", "factor"])
    pairs = [(f"S{rng.integers(args.securities)}", FACTORS_LIST[rng.integers(7)])
             for _ in range(args.sample)]
    worst = 0.0
    started = time.perf_counter()
    for symbol, factor in pairs:
        pair = pd.concat([securities[symbol], factors[factor]], axis=1).dropna()
        fit = sm.OLS(pair.iloc[:, 0].to_numpy(), sm.add_constant(pair.iloc[:, 1].to_numpy())
                     ).fit()
        worst = max(worst, abs(lookup.loc[(symbol, factor)].beta - fit.params[1])
                    / abs(fit.params[1]))
    per_pair = (time.perf_counter() - started) / args.sample
    loop_total = per_pair * args.securities * len(FACTORS)
    print(json.dumps({
        "securities": args.securities, "factors": len(FACTORS),
        "vectorised_seconds_median": round(vectorised, 4),
        "statsmodels_seconds_per_pair": per_pair,
        "statsmodels_extrapolated_seconds": round(loop_total, 2),
        "speedup": round(loop_total / vectorised, 1),
        "target": {"vectorised_seconds_max": 0.2},
        "max_rel_beta_diff_on_sample": worst,
    }, indent=2))


FACTORS_LIST = list(FACTORS)

if __name__ == "__main__":
    main()
