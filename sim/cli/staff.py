"""`ccplan staff`: agents needed for service targets, for one interval or a whole forecast."""

import argparse
import sys

from sim.cli.erlang import print_measures
from sim.cli.simulate import seed_value
from sim.errors import InputError


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "staff",
        help="smallest staffing meeting service targets (one interval or a forecast)",
        description="Smallest number of agents meeting every target given, under Erlang C "
                    "(or Erlang A with --patience-s), with shrinkage and chat concurrency.",
    )
    traffic = parser.add_mutually_exclusive_group(required=True)
    traffic.add_argument("--calls-per-hour", type=float,
                         help="offered contacts per hour: size one interval")
    traffic.add_argument("--forecast", metavar="FILE",
                         help="CSV with interval_start, calls, aht_s [, queue]")
    traffic.add_argument("--scenario", metavar="FILE",
                         help="scenario TOML: size each queue for its expected arrivals, "
                         "with its own patience (Erlang A) unless --patience-s is given")
    parser.add_argument("--aht-s", type=float, help="mean handle time, s (with --calls-per-hour)")
    parser.add_argument("--interval-min", type=float,
                        help="interval length, min (default: spacing of the forecast, or the "
                        "scenario's intervals, which it may group or split)")
    parser.add_argument("--date", action="append", metavar="YYYY-MM-DD",
                        help="only this day of a dated forecast (repeatable)")
    parser.add_argument("--weekday", action="append", metavar="DAY",
                        help="only this weekday, mon..sun, of a dated forecast (repeatable)")
    parser.add_argument("--total", action="store_true",
                        help="size all queues together as one pooled team")
    parser.add_argument("--all-intervals", action="store_true",
                        help="also list closed intervals (no calls before the day's first or "
                        "after its last contact)")
    parser.add_argument("--target-sl", type=float, help="service-level target, e.g. 0.8")
    parser.add_argument("--threshold-s", type=float, help="service-level threshold T, s")
    parser.add_argument("--target-asa-s", type=float, help="maximum ASA, s")
    parser.add_argument("--max-abandon", type=float, help="maximum abandon share (Erlang A)")
    parser.add_argument("--max-occupancy", type=float, help="maximum occupancy, e.g. 0.85")
    parser.add_argument("--patience-s", type=float,
                        help="mean caller patience, s (exponential): Erlang A")
    parser.add_argument("--shrinkage", type=float, default=0.0,
                        help="share of paid time away from contacts, [0, 1)")
    parser.add_argument("--concurrency", type=int, default=1,
                        help="contacts one agent handles at once (chat)")
    parser.add_argument("--fte-hours-per-day", type=float, default=8.0,
                        help="paid hours of one FTE per day (forecast totals)")
    parser.add_argument("--method", choices=("erlang", "simulation"), default="erlang",
                        help="erlang (default): the formulas; simulation (with --scenario): the "
                        "fewest agents whose simulated targets hold, searched from Erlang A")
    parser.add_argument("--reps", type=int, default=10,
                        help="replications per candidate staffing (--method simulation, default 10)")
    parser.add_argument("--confidence", type=float, default=0.95,
                        help="one-sided confidence that a target holds (--method simulation, "
                        "default 0.95)")
    parser.add_argument("--seed", type=seed_value, default=0,
                        help="experiment seed (--method simulation, default 0)")
    parser.add_argument("--workers", type=int,
                        help="worker processes (--method simulation, default: all cores)")
    parser.add_argument("--json", action="store_true",
                        help="one JSON object (one interval, with --calls-per-hour)")
    parser.add_argument("--csv", action="store_true", help="interval table as CSV (forecast)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from sim.staffing.requirements import Targets

    targets = Targets(service_level=args.target_sl, threshold_s=args.threshold_s,
                      asa_s=args.target_asa_s, max_abandon=args.max_abandon,
                      max_occupancy=args.max_occupancy)
    for name in ("interval_min", "fte_hours_per_day"):
        value = getattr(args, name)
        if value is not None and not (value > 0 and value < float("inf")):
            raise InputError(f"{name.replace('_', '-')}: {value:g} is not a number > 0")
    if args.method == "simulation" and args.scenario is None:
        raise InputError("--method simulation: needs --scenario (the model to simulate)")
    if args.forecast is None and args.scenario is None:
        for name in ("csv", "interval_min", "date", "weekday", "total", "all_intervals"):
            if getattr(args, name):
                raise InputError(f"--{name.replace('_', '-')}: applies to a table (--forecast or "
                                 "--scenario), not to one interval")
        return _single(args, targets)
    if args.json:
        raise InputError("--json: applies to one interval (--calls-per-hour); use --csv for a table")
    if args.method == "simulation":
        from sim.cli.staff_simulation import run_simulation

        return run_simulation(args, targets)
    if args.aht_s is not None:
        raise InputError("--aht-s: applies to --calls-per-hour; a forecast or scenario gives its own AHT")
    return _table(args, targets)


def _single(args: argparse.Namespace, targets) -> int:
    from sim.staffing.erlang import MEASURE_NAMES
    from sim.staffing.requirements import measures_at, required_agents, scheduled_fte

    if args.aht_s is None:
        raise InputError("aht_s: missing; --calls-per-hour needs --aht-s")
    agents = int(required_agents(args.calls_per_hour, args.aht_s, targets, args.patience_s,
                                 args.concurrency))
    m = measures_at(args.calls_per_hour, args.aht_s, agents, targets, args.patience_s,
                    args.concurrency)
    values = {"agents": agents,
              "scheduled_fte": float(scheduled_fte(agents, args.shrinkage))}
    values.update({name: float(getattr(m, name)) for name in MEASURE_NAMES})
    print_measures(values, args.json)
    return 0


def _table(args: argparse.Namespace, targets) -> int:
    from sim.scenario import load_scenario
    from sim.staffing.forecast import (forecast_from_scenario, open_rows, read_forecast,
                                       select_days, total_over_queues)
    from sim.staffing.requirements import requirements_table

    if args.scenario is not None:
        if args.date or args.weekday:
            raise InputError("--date/--weekday: filter a --forecast file; a scenario's days "
                             "are its horizon (horizon.days)")
        forecast = forecast_from_scenario(load_scenario(args.scenario), args.interval_min)
    else:
        forecast = read_forecast(args.forecast, args.interval_min)
    forecast = select_days(forecast, args.date, args.weekday)
    if args.total:
        forecast = total_over_queues(forecast)
    if not args.all_intervals:
        forecast = forecast[open_rows(forecast)].reset_index(drop=True)
    result = requirements_table(forecast, targets, args.patience_s, args.shrinkage,
                                args.concurrency, args.fte_hours_per_day)
    table = result.intervals
    if args.csv:
        if not table["queue"].any():
            table = table.drop(columns="queue")
        table.to_csv(sys.stdout, index=False, float_format="%.6g")
        return 0
    for queue, rows in table.groupby("queue", sort=False):
        if queue:
            print(f"queue {queue}")
        shown = rows.drop(columns="queue")
        print(shown.to_string(index=False, formatters=_FORMATS))
        totals = result.totals.loc[queue]
        print(f"total: {totals['calls']:,.0f} calls, {totals['agent_hours']:,.1f} agent-hours, "
              f"{totals['scheduled_hours']:,.1f} scheduled hours = {totals['fte']:,.2f} FTE "
              f"({args.fte_hours_per_day:g} h/day); SL {_or_na(totals['service_level'], '{:.1%}')}, "
              f"ASA {_or_na(totals['asa_s'], '{:.1f} s')}, abandon {_or_na(totals['p_abandon'], '{:.1%}')}, "
              f"occupancy {_or_na(totals['occupancy'], '{:.1%}')}")
    return 0


_FORMATS = {
    "calls": "{:,.0f}".format, "aht_s": "{:,.0f}".format, "load_erl": "{:,.2f}".format,
    "agents": "{:,d}".format, "scheduled_fte": "{:,.1f}".format, "p_wait": "{:.3f}".format,
    "p_abandon": "{:.3f}".format, "service_level": "{:.3f}".format,
    "asa_s": "{:.1f}".format, "occupancy": "{:.3f}".format,
}


def _or_na(value: float, fmt: str) -> str:
    """A queue with no calls has no service level: say n/a rather than nan%."""
    return "n/a" if value != value else fmt.format(value)
