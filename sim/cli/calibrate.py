"""`ccplan calibrate LOG_DIR --out scenario.toml`: a scenario that reproduces a log.

Arrivals per interval (per weekday over two weeks or more) with day-to-day overdispersion,
handle / wrap / IVR time fits with their goodness of fit, censored patience with a
Kaplan-Meier check, short-abandon threshold, redials, routing and staffing per interval.
Estimates, sample sizes and caveats are written as comments at the top of the file.
"""

from __future__ import annotations

import argparse


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "calibrate", help="estimate a scenario that reproduces an interaction log",
        description=__doc__.split("\n\n")[1].replace("\n", " "))
    parser.add_argument("log_dir", metavar="LOG_DIR",
                        help="log written by `ccplan import contacts` or `ccplan simulate`")
    parser.add_argument("--out", required=True, metavar="SCENARIO.toml",
                        help="scenario file to write (checked by loading it back)")
    parser.add_argument("--name", default="calibrated", help="the scenario's name")
    parser.add_argument("--quiet", action="store_true",
                        help="print only the file written, not the estimates")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import os
    import tempfile
    from pathlib import Path

    from sim.calibrate import CAVEAT, calibrate, scenario_toml
    from sim.interaction_log import read_log
    from sim.scenario import load_scenario

    result = calibrate(read_log(args.log_dir), name=args.name)
    text = scenario_toml(result)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, staging = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(handle, "w") as file:
            file.write(text)
        load_scenario(staging)  # a calibrated file that does not load is never left behind
        os.replace(staging, out)
    finally:
        Path(staging).unlink(missing_ok=True)
    if not args.quiet:
        for note in result.notes:
            print(f"- {note}")
        for caveat in result.caveats:
            print(CAVEAT.lstrip("# ") + caveat)
    print(f"wrote {out} ({len(result.scenario['queues'])} queue(s), "
          f"{len(result.scenario['agent_groups'])} agent group(s))")
    return 0
