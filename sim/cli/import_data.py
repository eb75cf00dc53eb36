"""`ccplan import contacts|intervals FILE`: bring a real export into the planner.

`contacts` writes an interaction log the `kpi` command scores like a simulated one;
`intervals` scores an interval-level ACD report and writes the forecast CSV that staffing
and scenarios read.
"""

from __future__ import annotations

import argparse
import json
import sys

import pandas as pd

from sim.cli.kpi import format_report
from sim.importers import (import_contacts, load_mapping, patience_from_intervals,
                           patience_from_log, read_intervals, score_intervals, to_forecast)
from sim.importers.intervals import NO_CONTACT_ROWS, interval_kpis, totals
from sim.importers.mapping import pairs
from sim.interaction_log import FORMATS, write_log
from sim.kpis import KpiReport

REJECTS_SHOWN = 20


def register(subparsers) -> None:
    parser = subparsers.add_parser("import", help="import a real contact or interval export",
                                   description=__doc__.split("\n\n")[1].replace("\n", " "))
    kinds = parser.add_subparsers(dest="kind", required=True, metavar="KIND")
    contacts = kinds.add_parser("contacts", help="contact-level export -> interaction log")
    _common(contacts)
    contacts.add_argument("--out", required=True, metavar="LOG_DIR")
    contacts.add_argument("--format", choices=FORMATS, default="parquet")
    contacts.add_argument("--skip-bad-rows", action="store_true",
                          help="leave out unreadable rows (each is reported) instead of failing")
    contacts.add_argument("--rejects", metavar="FILE.csv", help="write every rejected row here")
    contacts.set_defaults(func=run_contacts)
    intervals = kinds.add_parser("intervals", help="interval-level ACD export -> KPIs, forecast")
    _common(intervals)
    intervals.add_argument("--forecast-out", metavar="FORECAST.csv")
    intervals.add_argument("--by", choices=["interval", "day", "interval_of_day", "queue"])
    intervals.set_defaults(func=run_intervals)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="CSV or Parquet export")
    parser.add_argument("--mapping", metavar="MAP.toml", help="mapping file (docs/kpis.md)")
    parser.add_argument("--column", action="append", metavar="FIELD=COLUMN",
                        help="map a log field to an export column (repeatable)")
    parser.add_argument("--outcome", action="append", metavar="LABEL=OUTCOME",
                        help="map an export label to a log outcome (repeatable)")
    parser.add_argument("--time-format", help='strptime format, "iso", "epoch_s", "epoch_ms"')
    parser.add_argument("--timezone", help="e.g. Europe/Paris")
    parser.add_argument("--origin", help="ISO date of day 0")
    parser.add_argument("--duration-unit", choices=["s", "ms", "min", "h", "hms"])
    parser.add_argument("--interval-s", type=float)
    parser.add_argument("--json", action="store_true", help="JSON summary on stdout")


def _mapping(args: argparse.Namespace, kind: str):
    return load_mapping(args.mapping, kind, columns=pairs(args.column, "--column"),
                        outcomes=pairs(args.outcome, "--outcome"),
                        time_format=args.time_format, timezone=args.timezone,
                        origin=args.origin, duration_unit=args.duration_unit,
                        interval_s=args.interval_s)


def run_contacts(args: argparse.Namespace) -> int:
    result = import_contacts(args.file, _mapping(args, "contacts"), args.skip_bad_rows)
    out = write_log(result.log, args.out, args.format)
    if args.rejects:
        result.rejected.to_csv(args.rejects, index=False)
    for row in result.rejected.head(REJECTS_SHOWN).itertuples():
        print(f"rejected row {row.row}: {row.column}: {row.value}: {row.reason}",
              file=sys.stderr)
    if len(result.rejected) > REJECTS_SHOWN:
        print(f"... {len(result.rejected) - REJECTS_SHOWN} more problem(s)"
              + (f", all in {args.rejects}" if args.rejects else " (use --rejects FILE)"),
              file=sys.stderr)
    extra = result.log.meta.extra
    patience = patience_from_log(result.log)
    summary = {"log_dir": str(out), "rows_read": extra["rows_read"],
               "rows_imported": len(result.log.contacts),
               "rows_rejected": extra["rows_rejected"], "notes": result.notes,
               "unmapped_columns": extra["unmapped_columns"],
               "patience": _records(patience)}
    if args.json:
        print(json.dumps(summary, indent=1))
        return 0
    print(f"imported {summary['rows_imported']} of {summary['rows_read']} rows into {out} "
          f"({summary['rows_rejected']} rejected)")
    for note in result.notes:
        print(f"note: {note}")
    if summary["unmapped_columns"]:
        print(f"not in the export (KPIs needing them are not available): "
              f"{', '.join(summary['unmapped_columns'])}")
    print(_patience_text(patience))
    return 0


def run_intervals(args: argparse.Namespace) -> int:
    data = read_intervals(args.file, _mapping(args, "intervals"))
    report = score_intervals(data)
    patience = patience_from_intervals(data)
    notes = list(data.notes)
    if args.forecast_out:
        forecast, forecast_notes = to_forecast(data)
        forecast.to_csv(args.forecast_out, index=False)
        notes += forecast_notes
    if args.by:
        table = interval_kpis(totals(data.frame, [args.by]))
        if args.json:
            print(table.reset_index().to_json(orient="records", date_format="iso", indent=1))
            return 0
        print(table.to_string(float_format=lambda v: f"{v:.4g}"))
        for note in notes:
            print(f"note: {note}")
        return 0
    if args.json:
        print(json.dumps({"kpis": report.values(), "patience": _records(patience),
                          "forecast": args.forecast_out, "notes": notes}, indent=1))
        return 0
    scored = {k: r for k, r in report.results.items() if r.unavailable != NO_CONTACT_ROWS}
    sys.stdout.write(format_report(KpiReport(scored, report.settings),
                                   argparse.Namespace(json=False, csv=False, details=True)))
    print(f"other KPIs: not available ({NO_CONTACT_ROWS})")
    print(_patience_text(patience))
    if args.forecast_out:
        print(f"forecast written to {args.forecast_out}")
    for note in notes:
        print(f"note: {note}")
    return 0


def _records(patience: pd.DataFrame) -> dict:
    return json.loads(patience.to_json(orient="index"))


def _patience_text(patience: pd.DataFrame) -> str:
    lines = ["mean patience estimate:"]
    for queue, row in patience.iterrows():
        value = ("-" if pd.isna(row["mean_patience_s"])
                 else f"{row['mean_patience_s']:.1f} s")
        lines.append(f"  {queue:<12} {value:>10}  ({int(row['abandoned'])} abandoned, "
                     f"{row['waiting_s']:.0f} s waited)")
    lines.append(f"  method: {patience['method'].iloc[-1]}")
    return "\n".join(lines)
