"""`ccplan staff --scenario FILE --method simulation`: the simulated requirement beside
Erlang C and Erlang A, with the reason for the largest disagreements (imported by
`staff.run` only when asked for)."""

from __future__ import annotations

import argparse
import sys

from sim.errors import InputError

# Options of the formula method that have no meaning here: the scenario is the model.
FORMULA_ONLY = {"patience_s": None, "concurrency": 1, "total": False, "interval_min": None,
                "all_intervals": False, "shrinkage": 0.0, "date": None, "weekday": None}
SHOWN = ["queue", "interval_start", "calls", "agents_erlang_c", "agents_erlang_a",
         "agents_simulation", "sl_sim", "abandon_sim", "asa_s_sim", "sl_erlang_a_plan"]
LARGEST = 5  # disagreements explained below the table


def run_simulation(args: argparse.Namespace, targets) -> int:
    from tqdm import tqdm

    from sim.experiments import open_executor
    from sim.experiments.staffing import staff_by_simulation
    from sim.scenario import load_scenario

    for name, default in FORMULA_ONLY.items():
        if getattr(args, name) != default:
            raise InputError(f"--{name.replace('_', '-')}: applies to --method erlang; with "
                             "--method simulation the scenario is the model")
    scenario = load_scenario(args.scenario)
    with tqdm(unit="run", desc="simulating", leave=False, file=sys.stderr, disable=None) as bar, \
            open_executor(args.workers) as executor:
        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        result = staff_by_simulation(scenario, targets, reps=args.reps, confidence=args.confidence,
                                     seed=args.seed, executor=executor, progress=progress)
    table = result.table
    if args.csv:
        table.to_csv(sys.stdout, index=False, float_format="%.6g")
        return 0
    print(result.method)
    for note in result.notes:
        print(note)
    formats = {"calls": "{:,.1f}".format, "sl_sim": "{:.3f}".format, "abandon_sim": "{:.3f}".format,
               "asa_s_sim": "{:.1f}".format, "sl_erlang_a_plan": "{:.3f}".format}
    print(table[SHOWN].to_string(index=False, formatters=formats, na_rep="-"))
    diff = (table["agents_simulation"] - table["agents_erlang_a"]).abs()
    largest = table[diff > 0].assign(diff=diff).sort_values("diff", ascending=False, kind="stable")
    if largest.empty:
        print("simulation agrees with Erlang A in every interval")
    else:
        print("largest disagreements with Erlang A:")
        for _, row in largest.head(LARGEST).iterrows():
            print(f"  {row['queue']} {row['interval_start']}: {row['agents_erlang_a']} -> "
                  f"{row['agents_simulation']} agents: {row['reason']}")
    totals = table.groupby("queue", sort=False)[["agents_erlang_a", "agents_simulation"]].sum()
    hours = scenario.horizon.interval_s / 3600.0
    for queue, row in totals.iterrows():
        print(f"total {queue}: {row['agents_erlang_a'] * hours:,.1f} agent-hours by Erlang A, "
              f"{row['agents_simulation'] * hours:,.1f} by simulation")
    return 0
