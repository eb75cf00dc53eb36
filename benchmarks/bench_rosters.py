"""The per-run fixed cost of `sim.engine.rosters.rosters()`: who is on duty when.

Run on demand: `.venv/bin/python benchmarks/bench_rosters.py [--repeat 5]`.

Every `simulate()` pays it once, and the app runs many short replications, so a few ms
count. Cases: the `bench_engine.py` days (50 and 500 agents, 8 h, constant staffing),
`scenarios/default.toml`, and a year of a 24-hour center with 500 agents on 15-minute
intervals and absence (35,040 intervals, the scale of issue #16's 10M-contact run).
Each figure is the best of `--repeat` timings of a loop long enough to take ~0.2 s.
"""

from __future__ import annotations

import argparse
import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_engine import SIZES, queue_scenario  # noqa: E402

from sim.engine.rosters import rosters  # noqa: E402
from sim.scenario import load_scenario, parse_scenario  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def year_scenario():
    return parse_scenario({
        "name": "a year, 24 h, 500 agents, 6 % absence",
        "horizon": {"days": 365, "open_time": "00:00", "close_time": "24:00", "interval_min": 15},
        "queues": [{"name": "q", "arrivals": {"daily_volume": 216_000},
                    "handle": {"dist": "exponential", "mean_s": 180}}],
        "agent_groups": [{"name": "agents", "serves": ["q"], "staffing": 500, "absenteeism": 0.06}]})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timings per case (best counts)")
    args = parser.parse_args()
    cases = [(f"bench day, {agents} agents", queue_scenario(agents, calls_per_min)) for agents, calls_per_min in SIZES]
    cases += [("scenarios/default.toml", load_scenario(ROOT / "scenarios" / "default.toml")),
              ("year, 500 agents, absence", year_scenario())]
    print(f"{'case':<28}{'agents':>8}{'windows':>10}{'ms per call':>13}")
    for label, scenario in cases:
        agents = rosters(scenario, 1)
        timer = timeit.Timer(lambda: rosters(scenario, 1))
        number, _ = timer.autorange()
        best_s = min(timer.repeat(repeat=args.repeat, number=number)) / number
        windows = sum(len(a.windows) for a in agents)
        print(f"{label:<28}{len(agents):>8,}{windows:>10,}{1000 * best_s:>13.2f}")


if __name__ == "__main__":
    main()
