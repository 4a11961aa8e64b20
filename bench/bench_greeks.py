"""Vectorised Greeks for 100,000 options vs a mibian loop; prints JSON.

mibian (GPL, dev dependency) is timed on a random subsample and extrapolated per call.
Run: ``.venv/bin/python bench/bench_greeks.py [--n 100000] [--sample 2000]``
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script

import mibian  # noqa: E402
import numpy as np  # noqa: E402

from python_models.greeks import bs_greeks  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    n = args.n
    spot = rng.uniform(20, 500, n)
    strike = spot * rng.uniform(0.5, 1.5, n)
    days = rng.integers(1, 730, n).astype(float)
    rate = rng.uniform(0.0, 0.08, n)
    vol = rng.uniform(0.05, 1.2, n)
    is_call = rng.random(n) < 0.5

    bs_greeks(spot, strike, days / 365, rate, vol, is_call)  # warm-up
    timings = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        ours = bs_greeks(spot, strike, days / 365, rate, vol, is_call)
        timings.append(time.perf_counter() - started)
    vectorised = float(np.median(timings))

    idx = rng.choice(n, args.sample, replace=False)
    started = time.perf_counter()
    worst = 0.0
    for i in idx:
        ref = mibian.BS([spot[i], strike[i], rate[i] * 100, days[i]], volatility=vol[i] * 100)
        side = "call" if is_call[i] else "put"
        want = getattr(ref, f"{side}Delta")
        worst = max(worst, abs(ours["delta"][i] - want) / max(abs(want), 1e-300))
    per_call = (time.perf_counter() - started) / args.sample
    mibian_total = per_call * n
    print(json.dumps({
        "options": n,
        "vectorised_seconds_median": round(vectorised, 6),
        "vectorised_ms": round(vectorised * 1e3, 3),
        "mibian_seconds_per_call": per_call,
        "mibian_sample": args.sample,
        "mibian_extrapolated_seconds": round(mibian_total, 3),
        "speedup": round(mibian_total / vectorised, 1),
        "target": {"speedup_min": 5000, "vectorised_ms_max": 10},
        "max_rel_delta_diff_on_sample": worst,
    }, indent=2))


if __name__ == "__main__":
    main()
