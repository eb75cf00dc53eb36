"""`ccplan kpi LOG_DIR`: score a log directory with every KPI, overall or per group."""

from __future__ import annotations

import argparse
import json
import math
import sys
import tomllib
from dataclasses import asdict, replace
from pathlib import Path

from sim.errors import InputError
from sim.kpis.keys import KEYS
from sim.kpis.settings import ABANDON_VARIANTS, SL_VARIANTS, KpiSettings, default_costs_used


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "kpi", help="score an interaction log with every KPI",
        description="Score LOG_DIR (written by `simulate` or `import contacts`). Without "
        "--by: one line per KPI. With --json and no --by: one JSON object {kpi id: value}; "
        "with --json and --by: {\"rows\": [...], \"unavailable\": {kpi id: reason}}. "
        "Notes on how the log was read (e.g. no meta.json, placeholder cost rates) go to "
        "stderr as `note: ...` lines, so stdout keeps these shapes.")
    parser.add_argument("log_dir", metavar="LOG_DIR",
                        help="log directory: contacts and agent_states (.parquet or .csv) "
                        "and meta.json")
    parser.add_argument("--by", metavar="KEY[,KEY]",
                        help=f"group by one or more of: {', '.join(KEYS)}")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="JSON on stdout")
    output.add_argument("--csv", action="store_true", help="CSV on stdout")
    parser.add_argument("--details", action="store_true",
                        help="also name, unit, variant, band position, reason (not with --by)")
    parser.add_argument("--settings", metavar="KPI.toml",
                        help="KPI settings file (TOML); its [costs] keys overlay the log's rates")
    parser.add_argument("--sl-threshold", type=float, metavar="S", dest="sl_threshold_s",
                        help="service level: answered within S seconds (default 20)")
    parser.add_argument("--sl-variant", choices=list(SL_VARIANTS),
                        help="service-level denominator (default: offered minus short abandons)")
    parser.add_argument("--short-abandon", type=float, metavar="S", dest="short_abandon_s",
                        help="abandons within S seconds are short, in every queue (default: "
                        "each queue's short_abandon_s from the log, else 5)")
    parser.add_argument("--abandon-variant", choices=list(ABANDON_VARIANTS),
                        help="abandon-rate definition (default: abandoned / offered)")
    parser.add_argument("--recontact-window-days", type=float, metavar="D",
                        help="a contact within D days of an issue's first one is a recontact "
                        "(default 7)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--all-intervals", action="store_true",
                        help="with --by and text output: also list intervals and days where "
                        "nothing happened (closed); JSON and CSV always list every group")
    parser.set_defaults(func=run)


def settings_from_args(args: argparse.Namespace) -> KpiSettings:
    """Settings file first, then the options given on the command line. The file's [costs]
    stays a table of the keys given, so the engine lays it over a log's own rates."""
    settings = KpiSettings()
    if args.settings:
        try:
            settings = KpiSettings.from_dict(tomllib.loads(Path(args.settings).read_text()))
        except (OSError, tomllib.TOMLDecodeError) as err:
            raise InputError(f"settings: {args.settings} cannot be read ({err})") from None
    options = {name: getattr(args, name) for name in
               ("sl_threshold_s", "sl_variant", "short_abandon_s", "abandon_variant")}
    if args.recontact_window_days is not None:
        options["recontact_window_s"] = args.recontact_window_days * 86400.0
    return replace(settings, **{k: v for k, v in options.items() if v is not None})


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from sim.kpis import score, score_by
    from sim.kpis.log_reader import open_log

    if args.details and args.by:
        raise InputError("--details: not available with --by (one column per KPI); the "
                         "reasons a KPI is not available are in the --json output")
    settings = settings_from_args(args)
    # on a terminal only (disable=None), cleared when done; reading shows from the start
    with tqdm(total=100, unit="%", desc="reading", disable=args.quiet or None, leave=False,
              file=sys.stderr) as bar:
        log = open_log(args.log_dir)  # Parquet: only the columns scored, text coded
        bar.set_description("scoring")
        bar.update(READ_SHARE - bar.n)

        def progress(fraction: float) -> None:
            bar.update(round(READ_SHARE + (100 - READ_SHARE) * fraction) - bar.n)

        if args.by:
            keys = [key.strip() for key in args.by.split(",")]
            body = format_frame(score_by(log, keys, settings, progress=progress), args, log.meta)
        else:
            body = format_report(score(log, settings, progress=progress), args)
    sys.stdout.write(body)
    sys.stdout.flush()  # the notes follow the figures on a terminal
    for note in log_notes(args.log_dir, log, settings):
        print(f"note: {note}", file=sys.stderr)
    return 0


READ_SHARE = 30  # percent of the bar for reading the log (Parquet decoding, validation)


def log_notes(log_dir: str, log, settings: KpiSettings) -> list[str]:
    """What a person should know about how the log was read: defaults stood in."""
    notes = []
    if not (Path(log_dir) / "meta.json").exists():
        notes.append(f"{log_dir} has no meta.json: read with {log.meta.interval_s / 60:g}-min "
                     "intervals up to the last event, no calendar date, no per-queue "
                     "short-abandon grace, no cost rates of its own")
    if default_costs_used(settings, log.meta.extra):
        rates = settings.costs
        notes.append(f"cost KPIs use built-in placeholder rates ({rates.in_house_hourly:g} "
                     f"{rates.currency}/h in-house, {rates.partner_default.per_staffed_hour:g} "
                     f"{rates.currency}/staffed h for vendors, "
                     f"{rates.telephony_per_minute:g} {rates.currency}/min telephony): set "
                     "yours in a --settings file's [costs] table")
    return notes


def format_frame(frame, args: argparse.Namespace, meta=None) -> str:
    import pandas as pd

    if args.csv:
        return frame.to_csv()
    if args.json:
        records = json.loads(frame.reset_index().to_json(orient="records"))
        body = {"rows": records, "unavailable": frame.attrs["unavailable"]}
        return json.dumps(body, indent=1) + "\n"
    if not args.all_intervals:  # closed: nothing arrived, waited or was staffed
        frame = frame[(frame.fillna(0) != 0).any(axis=1)]
    if meta is not None:
        frame = frame.set_axis(_labelled(frame.index, meta), axis=0)
    few_groups = len(frame) <= 12  # then KPIs as rows reads better than 40 columns
    with pd.option_context("display.max_columns", None, "display.width", 200):
        shown = frame.T if few_groups else frame
        return shown.to_string(float_format=_plain) + "\n"


def _labelled(index, meta):
    """Time keys as people read them: 'Mon 2026-11-23 08:30', 'day 2', '08:30'."""
    import pandas as pd

    from sim.timefmt import clock, day_label, time_label

    interval_s = float(meta.interval_s)
    label = {
        "interval": lambda i: time_label(i * interval_s, meta.start_date),
        "day": lambda d: day_label(int(d), meta.start_date),
        "interval_of_day": lambda i: clock(i * interval_s),
    }
    if isinstance(index, pd.MultiIndex):
        levels = [index.get_level_values(n).map(label[n]) if n in label
                  else index.get_level_values(n) for n in index.names]
        return pd.MultiIndex.from_arrays(levels, names=index.names)
    return index.map(label[index.name]) if index.name in label else index


def format_report(report, args: argparse.Namespace) -> str:
    if args.json:
        body = ([_jsonable(asdict(r)) for r in report.results.values()] if args.details
                else report.values())
        return json.dumps(body, indent=1) + "\n"
    if args.csv:
        return _flat_frame(report).to_csv()
    lines = []
    for r in report.results.values():
        note = r.unavailable and f"not available: {r.unavailable}"
        note = note or ", ".join(x for x in (r.position, args.details and r.variant) if x)
        lines.append(f"{r.id:<29} {_show(r.value, r.unit):>22}  {note}".rstrip())
    return "\n".join(lines) + "\n"


def _flat_frame(report):
    """report.to_frame() with a dict-valued KPI as one row per label (`channel_mix.phone`),
    as score_by names its columns, so a CSV cell never holds a Python dict."""
    rows = []
    for r in report.results.values():
        labelled = r.value.items() if isinstance(r.value, dict) else [(None, r.value)]
        rows += [{"id": r.id if label is None else f"{r.id}.{label}", "name": r.name,
                  "value": value, "unit": r.unit, "variant": r.variant,
                  "position": r.position, "unavailable": r.unavailable}
                 for label, value in labelled]
    import pandas as pd

    return pd.DataFrame(rows).set_index("id")


def _show(value, unit: str) -> str:
    if value is None:
        return "-"
    if isinstance(value, dict):
        return " ".join(f"{k}={_show(v, unit)}" for k, v in value.items())
    if unit == "share":
        return f"{100 * value:.1f} %"
    if unit == "s":
        return f"{value:,.1f} s"
    if unit.startswith("score"):
        return _plain(value)
    return f"{_plain(value)} {unit}"


def _plain(value: float) -> str:
    """Plain digits, never scientific notation: 23,740 / 4.167 / 0.003721."""
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 0.01 or value == 0:
        return f"{value:,.4g}" if magnitude >= 1 else f"{value:.4f}".rstrip("0").rstrip(".")
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, float) and math.isinf(value):
        return None
    return value
