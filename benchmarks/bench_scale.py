"""Memory and speed of long runs: a log streamed to disk stays flat in the horizon.

Run on demand: `.venv/bin/python benchmarks/bench_scale.py [--sizes 1,10] [--in-memory]`.

The system: the engine benchmark's M/M/n+M queue (mean handle 180 s, mean patience
120 s) with 500 agents open 24 h at 150 calls/min (90 % offered load), about 216,000
contacts a day; a size of N million contacts is ceil(N / 0.216) days. Each run is one
fresh subprocess: `simulate_to` writes the log to a temporary directory (Parquet, removed
afterwards); with `--in-memory`, also `simulate()` (the whole log as pandas tables) at
the smallest size. Printed per run: contacts, seconds, contacts/s, and peak resident
memory (VmHWM) above the process after its imports, which is what the run itself needed.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

AGENTS, CALLS_PER_MIN = 500, 150.0
CONTACTS_PER_DAY = CALLS_PER_MIN * 60 * 24


def scenario(days: int):
    from sim.scenario import parse_scenario

    return parse_scenario({
        "name": f"scale {days} days",
        "horizon": {"days": days, "open_time": "00:00", "close_time": "24:00"},
        "queues": [{
            "name": "q",
            "arrivals": {"daily_volume": CONTACTS_PER_DAY},
            "handle": {"dist": "exponential", "mean_s": 180.0},
            "patience": {"dist": "exponential", "mean_s": 120.0},
        }],
        "agent_groups": [{"name": "agents", "serves": ["q"], "staffing": AGENTS}],
    })


def current_rss_mib() -> float:
    with open("/proc/self/status") as status:
        return float(next(line.split()[1] for line in status if line.startswith("VmRSS:"))) / 1024


def child(days: int, mode: str) -> None:
    """In a fresh process: one run, its figures as JSON on stdout."""
    import pyarrow.parquet  # noqa: F401  (imports count as the floor, not as the run)
    from bench_engine import peak_rss_kib

    from sim.engine import simulate, simulate_to

    sc = scenario(days)
    floor_mib = current_rss_mib()
    out = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    try:
        start = time.perf_counter()
        if mode == "streamed":
            contacts = simulate_to(sc, out / "log", seed=1, allow_large=True).contacts
        else:
            contacts = len(simulate(sc, seed=1, allow_large=True).contacts)
        seconds = time.perf_counter() - start
    finally:
        shutil.rmtree(out, ignore_errors=True)
    print(json.dumps({"contacts": contacts, "seconds": seconds, "floor_mib": floor_mib,
                      "peak_mib": peak_rss_kib() / 1024}))


def run_child(days: int, mode: str) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", str(days), mode],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10", help="millions of contacts, comma-separated")
    parser.add_argument("--in-memory", action="store_true", help="also simulate() at the smallest size")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(int(args.child[0]), args.child[1])
        return
    sizes = [float(s) for s in args.sizes.split(",")]
    runs = [(size, "streamed") for size in sizes]
    if args.in_memory:
        runs.insert(0, (min(sizes), "in memory"))
    print(f"M/M/n+M, {AGENTS} agents, {CALLS_PER_MIN:g} calls/min, 24 h a day; one fresh process per run")
    print(f"{'mode':<10} {'days':>5} {'contacts':>12} {'seconds':>8} {'contacts/s':>11} "
          f"{'peak MiB above imports':>23} {'(imports)':>10}")
    for size, mode in runs:
        days = math.ceil(size * 1e6 / CONTACTS_PER_DAY)
        r = run_child(days, "streamed" if mode == "streamed" else "memory")
        print(f"{mode:<10} {days:>5} {r['contacts']:>12,} {r['seconds']:>8.1f} "
              f"{r['contacts'] / r['seconds']:>11,.0f} {r['peak_mib'] - r['floor_mib']:>23,.0f} "
              f"{r['floor_mib']:>10,.0f}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main()
