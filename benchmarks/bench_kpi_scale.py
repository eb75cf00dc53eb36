"""Score logs of 1 and 10 million contacts from Parquet: seconds, contacts/s, peak RSS.

    python benchmarks/bench_kpi_scale.py                  # 1M and 10M, lean reader
    python benchmarks/bench_kpi_scale.py --whole          # also read_log (whole pandas log)
    python benchmarks/bench_kpi_scale.py --sizes 1 --workdir /tmp/kpi-scale  # logs kept

The logs are built, not stored: `scenarios/default.toml` scaled to 34,800 calls a day
(six times its volume and staffing) over 30 days is simulated once (about 1 million
contacts and 3 million agent-state spells, ~10 s), and a bigger log is that log repeated,
each copy shifted by the 30-day horizon in time and by the largest id in contact, issue
and customer ids, written in row groups of 1 million rows. Each measurement runs in a
fresh Python process (`sim.kpis.open_log` or `read_log`, then `score` or
`score_by(..., "interval")`), whose peak resident memory is `ru_maxrss`. Needs about
1.2 GB of disk per 10 million contacts under --workdir (kept there for the next run; by
default a temporary directory, removed at the end).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import tomli_w

ROOT = Path(__file__).resolve().parents[1]
SCALE, DAYS = 6, 30

MEASURE = """
import resource, sys, time
from sim.kpis import open_log, score, score_by
from sim.interaction_log import read_log
log_dir, reader, by = sys.argv[1:4]
started = time.perf_counter()
log = (open_log if reader == "lean" else read_log)(log_dir)
result = score(log) if by == "-" else score_by(log, by)
seconds = time.perf_counter() - started
print(len(log.contacts), seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def base_log(workdir: Path) -> Path:
    """The ~1M-contact log, simulated from the scaled default scenario."""
    out = workdir / "base"
    if out.exists():
        return out
    scenario = tomllib.loads((ROOT / "scenarios/default.toml").read_text())
    scenario["horizon"]["days"] = DAYS
    for queue in scenario["queues"]:
        queue["arrivals"]["daily_volume"] *= SCALE
    for group in scenario["agent_groups"]:
        group["staffing"] = [n * SCALE for n in group["staffing"]]
    path = workdir / "scale.toml"
    path.write_text(tomli_w.dumps(scenario))
    ccplan = Path(sys.executable).with_name("ccplan")
    subprocess.run([str(ccplan), "simulate", str(path), "--quiet", "--allow-large", "--out",
                    str(out)], check=True, cwd=ROOT)
    return out


def repeated(base: Path, copies: int, out: Path) -> Path:
    """`base` repeated `copies` times, shifted in time and ids (see the module doc)."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    if out.exists() or copies == 1:
        return base if copies == 1 else out
    out.mkdir()
    meta = json.loads((base / "meta.json").read_text())
    shift_s = meta["horizon_s"]
    shifted = {"contacts": (("arrival_s", "enqueue_s", "answer_s", "abandon_s", "end_s"),
                            ("contact_id", "issue_id", "customer_id")),
               "agent_states": (("start_s", "end_s"), ())}
    for name, (times, ids) in shifted.items():
        table = pq.read_table(base / f"{name}.parquet")
        id_step = {c: pc.max(table[c]).as_py() + 1 for c in ids}
        with pq.ParquetWriter(out / f"{name}.parquet", table.schema) as writer:
            for copy in range(copies):
                part = table
                for column, step in [(c, shift_s) for c in times] + list(id_step.items()):
                    index = part.schema.get_field_index(column)
                    part = part.set_column(index, column, pc.add(part[column], copy * step))
                writer.write_table(part, row_group_size=1_000_000)
    meta["horizon_s"] = shift_s * copies
    (out / "meta.json").write_text(json.dumps(meta, indent=2))
    return out


def measure(log_dir: Path, reader: str, by: str) -> tuple[int, float, float]:
    done = subprocess.run([sys.executable, "-c", MEASURE, str(log_dir), reader, by],
                          check=True, capture_output=True, text=True, cwd=ROOT)
    contacts, seconds, peak_kb = done.stdout.split()
    return int(contacts), float(seconds), int(peak_kb) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 10],
                        help="log sizes in millions of contacts (copies of the base log)")
    parser.add_argument("--whole", action="store_true",
                        help="also time read_log + score (whole pandas log; ~10 GB at 10M)")
    parser.add_argument("--workdir", type=Path,
                        help="build the logs here and keep them (default: a temporary "
                        "directory, removed at the end)")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="kpi-scale-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        base = base_log(workdir)
        print(f"{'contacts':>12} {'reader':>6} {'scoring':>18} {'seconds':>8} "
              f"{'contacts/s':>11} {'peak RSS':>11}")
        for millions in args.sizes:
            log_dir = repeated(base, millions, workdir / f"log{millions}m")
            for reader in ("lean", "whole") if args.whole else ("lean",):
                for by in ("-", "interval"):
                    contacts, seconds, peak_mb = measure(log_dir, reader, by)
                    scoring = "score" if by == "-" else f"score_by {by}"
                    print(f"{contacts:>12,} {reader:>6} {scoring:>18} {seconds:>8.1f} "
                          f"{contacts / seconds:>11,.0f} {peak_mb:>7,.0f} MiB", flush=True)
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
