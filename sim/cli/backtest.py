"""`ccplan backtest LOG_DIR --scenario calibrated.toml --reps N`: does it reproduce the log?

Simulates the scenario N times over the same days and compares, per interval and overall,
the real service level, ASA, abandonment and occupancy with the replications' mean and
95 % band: a table, the mean absolute error and the share of intervals whose real value
lies inside the band. When the fit is off, the scenario's caveats name the inputs to doubt.
"""

from __future__ import annotations

import argparse
import sys

PERCENT = {"service_level", "abandon_rate", "occupancy"}


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "backtest", help="compare a log with replications of its calibrated scenario",
        description=__doc__.split("\n\n")[1].replace("\n", " "))
    parser.add_argument("log_dir", metavar="LOG_DIR", help="the real (imported) log")
    parser.add_argument("--scenario", required=True, metavar="SCENARIO.toml",
                        help="scenario to test, e.g. written by `ccplan calibrate`")
    parser.add_argument("--reps", type=int, default=20,
                        help="replications (seeds 1..N; default 20, at least 2)")
    parser.add_argument("--intervals", action="store_true",
                        help="print the per-interval table too (default: overall and errors)")
    parser.add_argument("--csv", metavar="FILE.csv", help="write the per-interval table here")
    parser.add_argument("--json", action="store_true", help="JSON on stdout")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from tqdm import tqdm

    from sim.calibrate import CAVEAT, backtest
    from sim.interaction_log import read_log
    from sim.scenario import load_scenario

    scenario = load_scenario(args.scenario)
    log = read_log(args.log_dir)
    with tqdm(total=args.reps, desc="replications", disable=None, leave=False,
              file=sys.stderr) as bar:
        result = backtest(log, scenario, args.reps, progress=lambda done: bar.update(1))
    caveats = [line[len(CAVEAT):] for line in Path(args.scenario).read_text().splitlines()
               if line.startswith(CAVEAT)]
    if args.csv:
        result.intervals.reset_index().to_csv(args.csv, index=False)
    if args.json:
        print(json.dumps({"reps": result.reps, "far_off": result.far_off,
                          "overall": _records(result.overall),
                          "summary": _records(result.summary),
                          "caveats": caveats if result.far_off else []}, indent=1))
        return 0
    if args.intervals:
        print(_table(result.intervals.reset_index(), ["kpi", "interval"]))
        print()
    print(f"overall, {result.reps} replications (real vs simulated mean and 95 % band):")
    print(_table(result.overall.reset_index(), ["kpi"]))
    print()
    print("per interval: mean absolute error, share of intervals inside the band:")
    for kpi, row in result.summary.iterrows():
        if not row["intervals"]:
            print(f"  {kpi:<14} not available in the real log")
            continue
        mae = f"{row['mae']:.1%}" if kpi in PERCENT else f"{row['mae']:.1f} s"
        print(f"  {kpi:<14} MAE {mae:>8}   inside {row['inside_share']:.0%} of "
              f"{int(row['intervals']):,} intervals")
    if result.far_off:
        print("\nthe scenario does not reproduce the log well; least certain inputs:")
        for caveat in caveats or ["(the scenario file names none)"]:
            print(f"  - {caveat}")
    return 0


def _records(frame) -> dict:
    """{row: {column: value}} with NaN / NA as null."""
    import pandas as pd

    return {str(key): {column: (None if pd.isna(value) else value)
                       for column, value in row.items()}
            for key, row in frame.astype(object).to_dict(orient="index").items()}


def _table(frame, keys: list[str]) -> str:
    import pandas as pd

    def show(kpi, value):
        if pd.isna(value):
            return "-"
        return f"{value:.1%}" if kpi in PERCENT else f"{value:.1f} s"

    widths = {k: max(14, *(len(str(v)) for v in frame[k])) for k in keys}
    lines = [" ".join(f"{k:<{widths[k]}}" for k in keys) + f"{'real':>9} {'sim mean':>9} "
             f"{'95 % band':>19}  inside"]
    for row in frame.itertuples(index=False):
        row = row._asdict()
        band = f"{show(row['kpi'], row['sim_low'])} - {show(row['kpi'], row['sim_high'])}"
        inside = "-" if row["inside"] is None or row["inside"] is pd.NA else (
            "yes" if row["inside"] else "NO")
        lines.append(" ".join(f"{str(row[k]):<{widths[k]}}" for k in keys)
                     + f"{show(row['kpi'], row['real']):>9} "
                     f"{show(row['kpi'], row['sim_mean']):>9} {band:>19}  {inside}")
    return "\n".join(lines)
