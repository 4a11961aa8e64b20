"""dbt parses once per process: the demo batch and a same-day rerun, with the parsed
manifest reused (``on``) or every invocation parsing for itself (``off``); prints JSON.

Each mode runs in a fresh process on a fresh DuckDB demo warehouse. The rerun (the second
batch in the process) is where the reuse shows: stage 1 and stage 2 start without a parse.
CPU is this process's user + system time (dbt runs in-process).

Run: ``.venv/bin/python bench/bench_dbt_parse.py [--rounds 2]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script


def one_round(mode: str) -> dict:
    """Build the demo, rerun its batch; in this process (called with --mode)."""
    import flows.dbt_runner as runner
    from api.batches import run_batch_now
    from api.demo import build_demo
    from ingest.config import Settings
    from ingest.warehouse import get_warehouse

    if mode == "off":
        runner._parsed_manifest = lambda common, environment: None
    settings = Settings(data_dir=Path(tempfile.mkdtemp()))
    first = build_demo(settings)
    cpu, wall = time.process_time(), time.perf_counter()
    rerun = run_batch_now(settings, get_warehouse(settings))
    return {"mode": mode, "first_batch_wall_s": first["seconds"],
            "rerun_cpu_s": round(time.process_time() - cpu, 2),
            "rerun_wall_s": round(time.perf_counter() - wall, 2),
            "rerun_dbt_s": {k: v for k, v in rerun["timings"].items() if "dbt" in k}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--mode", choices=["on", "off"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mode:
        print(json.dumps(one_round(args.mode)))
        return
    runs = [json.loads(subprocess.run(
        [sys.executable, __file__, "--mode", mode], check=True, capture_output=True,
        text=True).stdout.strip().splitlines()[-1])
        for _ in range(args.rounds) for mode in ("on", "off")]
    cpu = {mode: sorted(r["rerun_cpu_s"] for r in runs if r["mode"] == mode)
           for mode in ("on", "off")}
    print(json.dumps({"benchmark": "dbt_parse_once", "runs": runs,
                      "rerun_cpu_median_s": {m: v[len(v) // 2] for m, v in cpu.items()}},
                     indent=2))


if __name__ == "__main__":
    main()
