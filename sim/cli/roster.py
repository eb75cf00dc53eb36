"""`ccplan roster`: a weekly roster covering an interval requirement, optionally simulated."""

import argparse


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "roster",
        help="build a roster (shifts, breaks, days off) covering a requirement table",
        description="Choose how many agents work each allowed shift, break placement and "
                    "working-day pattern to cover REQUIREMENT (a `ccplan staff --csv` table) "
                    "at least cost (integer programme, HiGHS). With --scenario and --simulate, "
                    "put the roster into the scenario, simulate it and report service level per "
                    "interval. Rules file reference: docs/rostering.md.",
    )
    parser.add_argument("requirement", metavar="REQUIREMENT.csv",
                        help="requirement table: interval_start, agents (or scheduled_fte) [, queue]")
    parser.add_argument("--rules", required=True, metavar="RULES.toml", help="shift rules (TOML)")
    parser.add_argument("--out", metavar="DIR",
                        help="write shifts, agents, patterns, coverage, scenario fragment and summary here")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the report")
    parser.add_argument("--queue", help="roster only this queue of the requirement")
    parser.add_argument("--combine-queues", action="store_true",
                        help="add the queues' requirements and roster one team for all of them")
    parser.add_argument("--interval-min", type=float,
                        help="interval length, min (default: spacing of the table)")
    parser.add_argument("--scenario", metavar="FILE", help="scenario to put the roster into (with --simulate)")
    parser.add_argument("--simulate", action="store_true",
                        help="simulate the scenario with the roster and report SL per interval")
    parser.add_argument("--target-sl", type=float, help="service-level target for --simulate, e.g. 0.8")
    parser.add_argument("--threshold-s", type=float, help="service-level threshold T for --simulate, s")
    parser.add_argument("--seed", type=int, help="random seed for --simulate (default: the scenario's)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import json

    from sim.errors import InputError
    from sim.staffing.rostering import load_rules, make_roster, read_requirement
    from sim.staffing.rostering.output import report, summary, write_outputs

    if args.simulate and args.scenario is None:
        raise InputError("--simulate: needs --scenario FILE")
    if args.scenario is not None and not args.simulate:
        raise InputError("--scenario: only used with --simulate")
    if args.simulate:
        if args.target_sl is None or args.threshold_s is None:
            raise InputError("--simulate: needs --target-sl and --threshold-s")
        if not 0 < args.target_sl < 1:
            raise InputError(f"target_sl: {args.target_sl:g} is not in (0, 1)")
        if not args.threshold_s >= 0:
            raise InputError(f"threshold_s: {args.threshold_s:g} is not >= 0")
    if args.seed is not None and args.seed < 0:
        raise InputError(f"seed: {args.seed} is not >= 0")
    if args.queue is not None and args.combine_queues:
        raise InputError("--queue: cannot be combined with --combine-queues")
    rules = load_rules(args.rules)
    requirement = read_requirement(args.requirement, rules.cover, args.interval_min, args.queue,
                                   args.combine_queues)
    roster = make_roster(requirement, rules)
    check = None
    if args.simulate:
        from sim.experiments.roster_check import check_roster
        from sim.scenario import load_scenario

        check = check_roster(load_scenario(args.scenario), roster, args.target_sl, args.threshold_s,
                             args.seed)
    if args.out:
        out = write_outputs(roster, args.out)
        if check is not None:
            check.intervals.to_csv(out / "simulated_intervals.csv", index=False, float_format="%.6g")
    if args.json:
        result = summary(roster)
        if check is not None:
            result["simulation"] = _simulation_summary(check, args)
        print(json.dumps(result, indent=2))
        return 0
    print(report(roster))
    if check is not None:
        print()
        print(_simulation_report(check, args))
    if args.out:
        print(f"\nwrote {args.out}: shifts.csv, agents.csv, agents_week.csv, patterns.csv, coverage.csv, "
              "scenario_fragment.toml, summary.json" + (", simulated_intervals.csv" if check else ""))
    return 0


def _simulation_summary(check, args) -> dict:
    table = check.intervals
    return {
        "target_sl": args.target_sl, "threshold_s": args.threshold_s,
        "intervals_with_calls": int((table["offered"] > 0).sum()),
        "short_intervals": int(table["short"].sum()),
        "notes": check.notes,
        "intervals": [{"queue": r.queue, "day": r.day, "interval_start": r.interval_start,
                       "required": float(r.required), "scheduled": float(r.scheduled),
                       "offered": float(r.offered),
                       "service_level": None if r.service_level != r.service_level else float(r.service_level),
                       "short": bool(r.short), "why": r.why} for r in table.itertuples()],
    }


def _simulation_report(check, args) -> str:
    table = check.intervals
    with_calls = int((table["offered"] > 0).sum())
    short = check.short
    lines = [f"simulated: SL {args.target_sl:.0%} within {args.threshold_s:g} s met in "
             f"{with_calls - len(short):,} of {with_calls:,} intervals with calls"]
    lines += [f"  note: {note}" for note in check.notes]
    if not short.empty:
        lines.append(f"short intervals ({len(short)}):")
        shown = short.assign(service_level=short["service_level"].map("{:.1%}".format),
                             scheduled=short["scheduled"].map("{:g}".format),
                             required=short["required"].map("{:g}".format))
        lines.append(shown[["queue", "day", "interval_start", "required", "scheduled", "offered",
                            "service_level", "why"]].to_string(index=False))
    return "\n".join(lines)
