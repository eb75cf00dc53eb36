"""Import speed and peak memory of `import_contacts` on a large generated CSV export (#15).

    .venv/bin/python benchmarks/bench_import.py [--rows 10000000] [--path /tmp/big.csv]

Writes a contact export of `--rows` rows (ISO stamps, wait/talk/ACW seconds, 4 queues,
200 agents, ~3 % abandoned) unless the file exists, then imports it in a fresh process
and prints rows/s and the peak resident memory of that process. Not a test: run on demand.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

CHUNK_ROWS = 1_000_000


def generate(path: Path, rows: int, seed: int = 1) -> None:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2026-01-05")
    days = max(1, rows // 20_000)
    with open(path, "w") as out:
        out.write("id,start,queue,result,wait,talk,acw,agent\n")
        for first in range(0, rows, CHUNK_ROWS):
            n = min(CHUNK_ROWS, rows - first)
            ids = np.arange(first + 1, first + n + 1)
            day = (ids - 1) * days // rows
            seconds = day * 86400 + 8 * 3600 + rng.integers(0, 12 * 3600, n)
            abandoned = rng.random(n) < 0.03
            frame = pd.DataFrame({
                "id": ids,
                "start": (start + pd.to_timedelta(seconds, unit="s")).strftime(
                    "%Y-%m-%dT%H:%M:%S"),
                "queue": np.array(["billing", "tech", "sales", "vip"])[rng.integers(0, 4, n)],
                "result": np.where(abandoned, "ABANDON", "ANSWER"),
                "wait": rng.integers(0, 120, n),
                "talk": np.where(abandoned, "", rng.integers(30, 900, n).astype(str)),
                "acw": np.where(abandoned, "", rng.integers(0, 60, n).astype(str)),
                "agent": np.where(abandoned, "", np.char.add(
                    "A", rng.integers(0, 200, n).astype(str))),
            })
            frame.to_csv(out, header=False, index=False)


def run_import(path: Path) -> None:
    from sim.importers import import_contacts, load_mapping

    mapping = load_mapping(None, "contacts", columns={
        "contact_id": "id", "arrival_s": "start", "queue": "queue", "outcome": "result",
        "wait_s": "wait", "handle_s": "talk", "wrap_s": "acw", "agent_id": "agent"},
        outcomes={"ANSWER": "answered", "ABANDON": "abandoned"}, defaults={"channel": "phone"})
    began = time.perf_counter()
    result = import_contacts(path, mapping)
    seconds = time.perf_counter() - began
    rows = len(result.log.contacts)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size_mb = path.stat().st_size / 2**20
    print(f"imported {rows:,} rows ({size_mb:,.0f} MB) in {seconds:,.1f} s: "
          f"{rows / seconds:,.0f} rows/s, peak memory {peak_mb:,.0f} MB "
          f"({peak_mb / size_mb:.2f} x the file)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="rows to generate")
    parser.add_argument("--path", type=Path, default=Path("/tmp/ccplan_bench_import.csv"),
                        help="where the export is written (reused if it exists)")
    parser.add_argument("--import-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.import_only:
        run_import(args.path)
        return
    if not args.path.exists():
        began = time.perf_counter()
        generate(args.path, args.rows)
        print(f"generated {args.rows:,} rows in {time.perf_counter() - began:,.1f} s")
    subprocess.run([sys.executable, __file__, "--import-only", "--path", str(args.path)],
                   check=True)


if __name__ == "__main__":
    main()
