"""`ccplan import contacts|agent-states|intervals FILE`: bring a real export into the planner.

`contacts` writes an interaction log the `kpi` command scores like a simulated one;
`agent-states` adds an agent-state export to that log (occupancy, utilisation, cost KPIs);
`intervals` scores an interval-level ACD report and writes the forecast CSV that staffing
and scenarios read.
"""

from __future__ import annotations

import argparse
import json
import sys

from sim.errors import InputError

REJECTS_SHOWN = 20
PROBLEMS_SHOWN = 20


def register(subparsers) -> None:
    parser = subparsers.add_parser("import", help="import a real contact, agent-state or "
                                   "interval export",
                                   description=__doc__.split("\n\n")[1].replace("\n", " "))
    kinds = parser.add_subparsers(dest="kind", required=True, metavar="KIND")
    contacts = kinds.add_parser(
        "contacts", help="contact-level export -> interaction log",
        description="Import a contact-level export (one row per queue visit) as an "
                    "interaction log; see docs/import_calibrate.md.")
    _common(contacts)
    contacts.add_argument("--origin", help="ISO date of day 0 (default: the first arrival's)")
    contacts.add_argument("--out", required=True, metavar="LOG_DIR",
                          help="log directory to write (replaced atomically)")
    contacts.add_argument("--format", choices=["parquet", "csv"], default="parquet",
                          help="file format of the written log (default parquet)")
    _bad_rows(contacts)
    contacts.set_defaults(func=run_contacts)
    states = kinds.add_parser(
        "agent-states", help="agent-state export -> the agent_states of an imported log",
        description="Add an agent-state export (login/logout, ready, talk, wrap, break "
                    "spells) to a log written by `import contacts`, so occupancy, "
                    "utilisation and cost KPIs become available.")
    _common(states)
    states.add_argument("--log", required=True, metavar="LOG_DIR",
                        help="the log written by `ccplan import contacts` (updated in place)")
    _bad_rows(states)
    states.set_defaults(func=run_agent_states)
    intervals = kinds.add_parser(
        "intervals", help="interval-level ACD export -> KPIs, forecast",
        description="Score an interval-level ACD report (one row per interval and queue) "
                    "and optionally write it as a forecast CSV.")
    _common(intervals)
    intervals.add_argument("--forecast-out", metavar="FORECAST.csv",
                           help="write calls and AHT per interval as a forecast CSV")
    intervals.add_argument("--by", choices=["interval", "day", "interval_of_day", "queue"],
                           help="print the KPIs per group instead of overall")
    intervals.set_defaults(func=run_intervals)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="export: .csv, .txt, .tsv or .parquet")
    parser.add_argument("--mapping", metavar="MAP.toml",
                        help="mapping file (docs/import_calibrate.md)")
    parser.add_argument("--column", action="append", metavar="FIELD=COLUMN",
                        help="map a log field to an export column (repeatable)")
    if parser.prog.endswith("contacts"):
        parser.add_argument("--outcome", action="append", metavar="LABEL=OUTCOME",
                            help="map an export label to a log outcome or skip (repeatable)")
    parser.add_argument("--time-format", help='strptime format, "iso", "epoch_s", "epoch_ms"')
    parser.add_argument("--timezone", help="time zone of the export's clock, e.g. Europe/Paris")
    parser.add_argument("--duration-unit", choices=["s", "ms", "min", "h", "hms"],
                        help="unit of duration columns (hms: [h:]mm:ss)")
    parser.add_argument("--interval-s", type=float, help="interval length in seconds")
    parser.add_argument("--delimiter", help="field separator, e.g. ';' or '\\t' "
                        "(default ',', tab for .tsv)")
    parser.add_argument("--encoding", help="text encoding, e.g. utf-8 (default), cp1252")
    parser.add_argument("--decimal", choices=[".", ","], help="decimal mark of numbers")
    parser.add_argument("--json", action="store_true", help="JSON summary on stdout")


def _bad_rows(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--skip-bad-rows", action="store_true",
                        help="leave out unreadable rows (each is reported) instead of failing")
    parser.add_argument("--max-bad-share", type=float, default=1.0, metavar="PCT",
                        help="with --skip-bad-rows, fail when more than PCT %% of the rows "
                             "are rejected (default 1)")
    parser.add_argument("--rejects", metavar="FILE.csv", help="write every rejected row here")


def _mapping(args: argparse.Namespace, kind: str):
    from sim.importers.mapping import load_mapping, pairs

    delimiter = "\t" if args.delimiter in ("\\t", "tab") else args.delimiter
    return load_mapping(args.mapping, kind, columns=pairs(args.column, "--column"),
                        outcomes=pairs(getattr(args, "outcome", None), "--outcome"),
                        time_format=args.time_format, timezone=args.timezone,
                        origin=getattr(args, "origin", None),
                        duration_unit=args.duration_unit, interval_s=args.interval_s,
                        delimiter=delimiter, encoding=args.encoding, decimal=args.decimal)


def _listing_problems(run):
    """Run an import; a failure with several problems lists them (capped) under the error."""
    def wrapped(args: argparse.Namespace) -> int:
        try:
            return run(args)
        except InputError as err:
            if len(err.problems) <= 1:
                raise
            print(f"error: {len(err.problems)} problems in {args.file}:", file=sys.stderr)
            for line in err.problems[:PROBLEMS_SHOWN]:
                print(f"  {line}", file=sys.stderr)
            if len(err.problems) > PROBLEMS_SHOWN:
                print(f"  ... and {len(err.problems) - PROBLEMS_SHOWN} more problem(s)",
                      file=sys.stderr)
            return 2
    return wrapped


def _report_rejects(rejected, args: argparse.Namespace) -> None:
    if args.rejects:
        rejected.to_csv(args.rejects, index=False)
    for row in rejected.head(REJECTS_SHOWN).itertuples():
        print(f"rejected row {row.row}: {row.column}: {row.value}: {row.reason}",
              file=sys.stderr)
    if len(rejected) > REJECTS_SHOWN:
        print(f"... {len(rejected) - REJECTS_SHOWN} more problem(s)"
              + (f", all in {args.rejects}" if args.rejects else " (use --rejects FILE)"),
              file=sys.stderr)


@_listing_problems
def run_contacts(args: argparse.Namespace) -> int:
    from sim.importers import import_contacts, patience_from_log
    from sim.interaction_log import write_log

    result = import_contacts(args.file, _mapping(args, "contacts"), args.skip_bad_rows,
                             args.max_bad_share / 100.0, progress=sys.stderr.isatty())
    out = write_log(result.log, args.out, args.format)
    _report_rejects(result.rejected, args)
    extra = result.log.meta.extra
    patience = patience_from_log(result.log)
    summary = {"log_dir": str(out), "rows_read": extra["rows_read"],
               "rows_imported": len(result.log.contacts),
               "rows_rejected": extra["rows_rejected"], "rows_skipped": result.skipped,
               "notes": result.notes, "unmapped_columns": extra["unmapped_columns"],
               "patience": _records(patience)}
    if args.json:
        print(json.dumps(summary, indent=1))
        return 0
    skipped = sum(result.skipped.values())
    print(f"imported {summary['rows_imported']:,} of {summary['rows_read']:,} rows into {out} "
          f"({summary['rows_rejected']:,} rejected, {skipped:,} skipped)")
    for label, count in result.skipped.items():
        print(f"skipped: {count:,} row(s) labelled {label!r} (mapped to skip)")
    for note in result.notes:
        print(f"note: {note}")
    if summary["unmapped_columns"]:
        print(f"not in the export (KPIs needing them are not available): "
              f"{', '.join(summary['unmapped_columns'])}")
    print(_patience_text(patience))
    return 0


@_listing_problems
def run_agent_states(args: argparse.Namespace) -> int:
    from sim.importers import import_agent_states
    from sim.interaction_log import read_log, write_log

    log = read_log(args.log)
    result = import_agent_states(args.file, _mapping(args, "agent_states"), log,
                                 args.skip_bad_rows, args.max_bad_share / 100.0,
                                 progress=sys.stderr.isatty())
    write_log(result.log, args.log, _log_format(args.log))
    _report_rejects(result.rejected, args)
    spells = result.log.agent_states
    summary = {"log_dir": args.log, "spells": len(spells),
               "agents": int(spells["agent_id"].nunique()),
               "rows_rejected": len(result.rejected["row"].unique()),
               "rows_skipped": result.skipped, "notes": result.notes}
    if args.json:
        print(json.dumps(summary, indent=1))
        return 0
    print(f"added {summary['spells']:,} agent-state spells of {summary['agents']:,} agents to "
          f"{args.log} ({summary['rows_rejected']:,} rejected)")
    for label, count in result.skipped.items():
        print(f"skipped: {count:,} row(s) labelled {label!r} (mapped to skip)")
    for note in result.notes:
        print(f"note: {note}")
    return 0


def _log_format(log_dir: str) -> str:
    """Keep the format the contact import wrote."""
    from pathlib import Path

    return "csv" if (Path(log_dir) / "contacts.csv").exists() else "parquet"


@_listing_problems
def run_intervals(args: argparse.Namespace) -> int:
    from sim.cli.kpi import format_report
    from sim.importers import (patience_from_intervals, read_intervals, score_intervals,
                               to_forecast)
    from sim.importers.intervals import NO_CONTACT_ROWS, interval_kpis, totals
    from sim.kpis import KpiReport

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


def _records(patience) -> dict:
    return json.loads(patience.to_json(orient="index"))


def _patience_text(patience) -> str:
    import pandas as pd

    lines = ["mean patience estimate:"]
    for queue, row in patience.iterrows():
        value = ("-" if pd.isna(row["mean_patience_s"])
                 else f"{row['mean_patience_s']:.1f} s")
        lines.append(f"  {queue:<12} {value:>10}  ({int(row['abandoned']):,} abandoned, "
                     f"{row['waiting_s']:,.0f} s waited)")
    lines.append(f"  method: {patience['method'].iloc[-1]}")
    return "\n".join(lines)
