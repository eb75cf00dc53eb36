"""`ccplan experiment`: replications with confidence intervals, paired comparisons, sweeps.

    ccplan experiment replicate SCENARIO --reps 20 [--kpis service_level,asa] [--out DIR] [--json]
    ccplan experiment compare A.toml B.toml --reps 20 [--json]
    ccplan experiment sweep SCENARIO --set 'queues[0].handle.mean_s=300,330' --reps 10 --out DIR

Runs on a local process pool (`--workers N`, all cores by default) or Dask
(`--scheduler ADDRESS`, `--dask-local N`). With `--out DIR` every replication is written as
it completes, and a rerun in the same directory runs only the missing ones.
"""

from __future__ import annotations

import argparse
import json
import math
import sys

from sim.cli.simulate import seed_value
from sim.cli.summary import _table
from sim.errors import InputError

DEFAULT_KPIS = "service_level,asa,abandon_rate,occupancy,cost_per_contact"
FORMATS = {"service_level": "{:.2%}", "abandon_rate": "{:.2%}", "occupancy": "{:.2%}",
           "answer_rate": "{:.2%}", "utilization": "{:.2%}", "fcr": "{:.2%}"}


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "experiment", help="replications with confidence intervals, comparisons, sweeps",
        description="Run a scenario many times on independent seeds and report each KPI's "
        "mean with a t confidence interval; compare two scenarios on common random numbers; "
        "sweep fields over values.")
    commands = parser.add_subparsers(dest="experiment", required=True, metavar="KIND")

    rep = commands.add_parser("replicate", help="N replications of one scenario, with intervals",
                              description="N independent replications of SCENARIO; mean and "
                              "confidence interval of each KPI.")
    rep.add_argument("scenario", help="scenario TOML file")
    _common(rep, out_required=False)
    rep.add_argument("--target-half-width", type=float, metavar="X",
                     help="add replications until every KPI's interval half-width is <= X "
                     "(in the KPI's unit: 0.01 = 1 point of a share)")
    rep.add_argument("--max-reps", type=int, metavar="N",
                     help="cap on replications with --target-half-width (default 10 x --reps)")
    rep.set_defaults(func=run)

    cmp = commands.add_parser("compare", help="scenario B against A, paired on common random numbers",
                              description="Replication i of A and of B run with the same seed; "
                              "the interval is on the paired differences B - A.")
    cmp.add_argument("a", metavar="A", help="scenario TOML file (the base)")
    cmp.add_argument("b", metavar="B", help="scenario TOML file (the alternative)")
    _common(cmp, out_required=False)
    cmp.set_defaults(func=run)

    swp = commands.add_parser("sweep", help="every combination of field values, N replications each",
                              description="Every combination of the --set values, N replications "
                              "each, on the same seeds; writes DIR/table.parquet and DIR/summary.csv.")
    swp.add_argument("scenario", help="scenario TOML file")
    swp.add_argument("--set", action="append", required=True, metavar="FIELD=V1,V2",
                     help="a field path and its values, e.g. 'queues[0].handle.mean_s=300,330' or "
                     "'agent_groups[1].staffing=10,12' (values are TOML; repeatable)")
    _common(swp, out_required=True)
    swp.set_defaults(func=run)


def _common(parser: argparse.ArgumentParser, out_required: bool) -> None:
    parser.add_argument("--reps", type=int, required=True, help="replications (>= 2)")
    parser.add_argument("--kpis", default=DEFAULT_KPIS,
                        help=f"comma-separated KPI ids (default {DEFAULT_KPIS})")
    parser.add_argument("--seed", type=seed_value, default=0,
                        help="experiment seed; replication seeds are spawned from it (default 0)")
    parser.add_argument("--confidence", type=float, default=0.95,
                        help="confidence level of the intervals (default 0.95)")
    parser.add_argument("--sl-threshold", type=float, default=20.0, metavar="S",
                        help="service-level threshold in seconds (default 20)")
    parser.add_argument("--out", required=out_required, metavar="DIR",
                        help="keep each replication in DIR as it completes; rerunning resumes")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, metavar="N",
                       help="local worker processes (default: all cores)")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="run on an existing Dask cluster, e.g. tcp://10.0.0.5:8786")
    where.add_argument("--dask-local", type=int, metavar="N",
                       help="start a local Dask cluster of N worker processes (127.0.0.1)")


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from sim.experiments import compare, open_executor, replicate, sweep
    from sim.experiments.worker import check_kpis
    from sim.kpis import KpiSettings
    from sim.scenario import load_scenario

    kpis = check_kpis(args.kpis)
    settings = KpiSettings(sl_threshold_s=args.sl_threshold)
    options = dict(kpis=kpis, settings=settings, seed=args.seed, confidence=args.confidence,
                   out=args.out)
    if args.experiment == "replicate":
        scenarios = [load_scenario(args.scenario)]
        if args.target_half_width is not None:
            options |= dict(target_half_width=args.target_half_width, max_reps=args.max_reps)
        elif args.max_reps is not None:
            raise InputError("--max-reps: applies with --target-half-width")
    elif args.experiment == "compare":
        scenarios = [load_scenario(args.a), load_scenario(args.b)]
    else:
        scenarios = [load_scenario(args.scenario)]
        grid = parse_sets(args.set)
    with tqdm(total=args.reps, unit="rep", desc=args.experiment, disable=args.quiet or None,
              leave=False, file=sys.stderr) as bar:
        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        try:
            with open_executor(args.workers, args.scheduler, args.dask_local) as executor:
                options |= dict(executor=executor, progress=progress)
                if args.experiment == "replicate":
                    result = replicate(scenarios[0], args.reps, **options)
                elif args.experiment == "compare":
                    result = compare(*scenarios, args.reps, **options)
                else:
                    result = sweep(scenarios[0], grid, args.reps, **options)
        except KeyboardInterrupt:
            if args.out is None:
                raise
            print(f"interrupted: finished replications are kept in {args.out}; run the same "
                  "command again to run only the missing ones", file=sys.stderr)
            return 130
    if args.out is not None:
        _write_results(args.out, result)
    {"replicate": _print_replicate, "compare": _print_compare,
     "sweep": _print_sweep}[args.experiment](result, args)
    for failure in result.failures:
        print(f"warning: {failure}", file=sys.stderr)
    return 1 if result.failures else 0


def parse_sets(sets: list[str]) -> dict[str, list]:
    """'FIELD=v1,v2' → {FIELD: [v1, v2]}; values are read as TOML (bare words as text)."""
    import tomllib

    grid: dict[str, list] = {}
    for item in sets:
        path, sep, text = item.partition("=")
        path = path.strip()
        if not sep or not path or not text.strip():
            raise InputError(f"--set: {item!r} is not FIELD=V1,V2,...")
        if path in grid:
            raise InputError(f"--set: {path} is given twice")
        try:
            values = tomllib.loads(f"v = [{text}]")["v"]
        except tomllib.TOMLDecodeError:
            values = [v.strip() for v in text.split(",")]
        if not values or any(v == "" for v in values):
            raise InputError(f"--set: {item!r} has an empty value")
        grid[path] = values
    return grid


def _write_results(out: str, result) -> None:
    from sim.experiments.store import write_frame

    write_frame(out, "table.parquet", result.table)
    write_frame(out, "summary.csv", result.summary)


def _json_number(value):
    return None if value is None or (isinstance(value, float) and not math.isfinite(value)) else value


def _print_replicate(result, args) -> None:
    s = result.summary
    if args.json:
        print(json.dumps({
            "reps": len(result.table),
            "kpis": {k: {c: _json_number(float(s.at[k, c])) for c in ("mean", "ci_low", "ci_high", "se")}
                     for k in s.index},
            "method": result.method,
            "failures": [str(f) for f in result.failures],
        }))
        return
    print(f"{len(result.table):,} replications; {result.method}")
    if result.target_met is not None:
        print("target half-width " + ("reached" if result.target_met else "NOT reached (cap hit)"))
    rows = [[k, _fmt(k, s.at[k, "mean"]), "± " + _fmt(k, s.at[k, "half_width"]),
             f"[{_fmt(k, s.at[k, 'ci_low'])}, {_fmt(k, s.at[k, 'ci_high'])}]", f"{int(s.at[k, 'n']):,}"]
            for k in s.index]
    print(_table(["kpi", "mean", "half-width", "interval", "n"], rows))


def _print_compare(result, args) -> None:
    s = result.summary
    if args.json:
        print(json.dumps({
            "reps": len(result.table),
            "kpis": {k: {c: _json_number(float(s.at[k, c]))
                         for c in ("a_mean", "b_mean", "diff", "ci_low", "ci_high", "variance_ratio")}
                     for k in s.index},
            "method": result.method,
            "crn": result.crn_note,
            "failures": [str(f) for f in result.failures],
        }))
        return
    print(f"{len(result.table):,} paired replications; {result.method}")
    print(result.crn_note)
    rows = [[k, _fmt(k, s.at[k, "a_mean"]), _fmt(k, s.at[k, "b_mean"]),
             _fmt(k, s.at[k, "diff"], signed=True) + " ± " + _fmt(k, s.at[k, "half_width"], signed=True)[1:],
             f"[{_fmt(k, s.at[k, 'ci_low'], signed=True)}, {_fmt(k, s.at[k, 'ci_high'], signed=True)}]",
             _ratio(s.at[k, "variance_ratio"])]
            for k in s.index]
    print(_table(["kpi", "A", "B", "B - A", "interval", "variance cut by CRN"], rows))


def _print_sweep(result, args) -> None:
    s = result.summary
    if args.json:
        print(json.dumps({
            "reps": int(result.table.groupby(result.fields, sort=False).size().max()),
            "points": [{"fields": {f: row[f] for f in result.fields}, "kpi": row["kpi"],
                        **{c: _json_number(float(row[c])) for c in ("mean", "ci_low", "ci_high", "se")}}
                       for _, row in s.iterrows()],
            "method": result.method,
            "failures": [str(f) for f in result.failures],
        }, default=str))
        return
    print(f"{len(result.table):,} runs; {result.method}; wrote {args.out}/table.parquet, summary.csv")
    rows = [[*(str(row[f]) for f in result.fields), row["kpi"], _fmt(row["kpi"], row["mean"]),
             "± " + _fmt(row["kpi"], row["half_width"])] for _, row in s.iterrows()]
    print(_table([*result.fields, "kpi", "mean", "half-width"], rows))


def _fmt(kpi: str, value: float, signed: bool = False) -> str:
    """A KPI value in its unit; `signed` for differences (shares become points)."""
    if value is None or not math.isfinite(value):
        return "—"
    fmt = FORMATS.get(kpi.split(".")[0], "{:,.2f}")
    if not signed:
        return fmt.format(value)
    if "%" in fmt:
        return f"{100 * value:+.2f} pts"
    return fmt.replace("{:", "{:+").format(value)


def _ratio(variance_ratio: float) -> str:
    """'4.8x'; identical runs (no paired variance at all) read 'all', not 'infx'."""
    if variance_ratio != variance_ratio:
        return "-"
    return "all" if variance_ratio == float("inf") else f"{variance_ratio:,.1f}x"
