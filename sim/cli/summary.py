"""`ccplan summary`: simulate a scenario and print its headline KPIs, per queue and overall.

The quickest answer to "what happens with this scenario?": one run, scored by the KPI
engine, with each figure's place against the industry reference band where one exists.
"""

import argparse
import math

from sim.cli.simulate import add_run_arguments, simulate_file
from sim.timefmt import day_label

HEADLINE = [  # (KPI id, column title, format)
    ("offered", "offered", "{:,.0f}"),
    ("answered", "answered", "{:,.0f}"),
    ("service_level", "SL", "{:.1%}"),
    ("asa", "ASA s", "{:,.1f}"),
    ("abandon_rate", "abandoned", "{:.1%}"),
    ("aht", "AHT s", "{:,.0f}"),
    ("max_wait", "max wait s", "{:,.0f}"),
]
OVERALL_ONLY = [
    ("first_response_time", "first response time (e-mail and other async channels), s", "{:,.0f}"),
    ("occupancy", "occupancy", "{:.1%}"),
    ("utilization", "utilization", "{:.1%}"),
    ("fcr", "first-contact resolution", "{:.1%}"),
    ("recontact_rate", "recontact rate", "{:.1%}"),
    ("csat", "CSAT (share satisfied)", "{:.1%}"),
    ("cost_per_contact", "cost per contact", "{:.2f}"),
]


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "summary", help="simulate a scenario and print its headline KPIs",
        description="Simulate SCENARIO once and print service level, waits, abandonment, "
        "handle time and occupancy, per queue and overall. Nothing is written.")
    add_run_arguments(parser)
    parser.add_argument("--sl-threshold", type=float, default=20.0, metavar="S",
                        help="service-level threshold in seconds (default 20)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from sim.kpis import KpiSettings, score, score_by

    settings = KpiSettings(sl_threshold_s=args.sl_threshold)  # refuse bad options before the run
    scenario, log = simulate_file(args)
    overall = score(log, settings)
    by_queue = score_by(log, "queue", settings)
    print(f"{scenario.name} — seed {log.meta.seed}, {scenario.horizon.days} day(s), "
          f"{len(log.contacts):,} contacts")
    print(f"service level: {overall.results['service_level'].variant}\n")
    rows = [[str(queue)] + [_cell(by_queue.at[queue, kpi], fmt) for kpi, _, fmt in HEADLINE]
            for queue in by_queue.index]
    rows.append(["all queues"] + [_cell(overall[kpi], fmt) for kpi, _, fmt in HEADLINE])
    print(_table(["queue"] + [title for _, title, _ in HEADLINE], rows))
    if scenario.horizon.days > 1:
        by_day = score_by(log, "day", settings)
        rows = [[day_label(day, scenario.horizon.start_date)]
                + [_cell(by_day.at[day, kpi], fmt) for kpi, _, fmt in HEADLINE]
                for day in by_day.index]
        print()
        print(_table(["day"] + [title for _, title, _ in HEADLINE], rows))
    print()
    for kpi, title, fmt in OVERALL_ONLY:
        result = overall.results[kpi]
        if result.unavailable:
            print(f"{title}: not available ({result.unavailable})")
        elif result.value is None:
            continue  # no data of that kind in this run (e.g. no e-mail, no survey)
        else:
            where = f"  [{result.position}]" if result.position else ""
            unit = f" {result.unit}" if kpi == "cost_per_contact" else ""
            print(f"{title}: {_cell(result.value, fmt)}{unit}{where}")
    return 0


def _cell(value, fmt: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return fmt.format(value)


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
    lines = [header] + rows
    return "\n".join(
        "  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(line, widths)))
        for line in lines
    )
