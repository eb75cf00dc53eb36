"""Calibrate and backtest times for a month of a 40-agent center (#15).

    .venv/bin/python benchmarks/bench_calibrate.py [--days 30] [--reps 10]

Simulates a two-queue center (38 agents at the peak in two groups, ~2,100 calls a day,
08:00-20:00) for `--days` days as the "real" log, then times `calibrate` (and writing the TOML) and a
`backtest` with `--reps` replications, and prints how well the backtest matched.
With `--shipped`, also simulates every scenario in scenarios/ (seed 1), calibrates it
back and backtests it, printing whether each KPI lies inside the band. Not a test: run on
demand.
"""

from __future__ import annotations

import argparse
import time

PROFILE = [2, 3, 4, 5, 6, 6, 5, 5, 4, 4, 4, 5, 5, 5, 5, 4, 4, 3, 3, 3, 2, 2, 2, 1]


def month(days: int):
    from sim.scenario import Scenario

    staffing = [max(2, round(v * 24 / 6)) for v in PROFILE]
    return Scenario.model_validate({
        "name": "40-agent month", "seed": 7,
        "horizon": {"days": days, "interval_min": 30, "open_time": "08:00",
                    "close_time": "20:00", "start_date": "2026-03-02"},
        "queues": [
            {"name": "billing", "arrivals": {"daily_volume": 1500, "profile": PROFILE,
                                             "day_to_day_cv": 0.08},
             "handle": {"dist": "lognormal", "mean_s": 280, "cv": 0.9},
             "wrap": {"dist": "gamma", "mean_s": 30, "cv": 0.5},
             "patience": {"dist": "exponential", "mean_s": 200}},
            {"name": "tech", "arrivals": {"daily_volume": 600, "profile": PROFILE,
                                          "day_to_day_cv": 0.08},
             "handle": {"dist": "lognormal", "mean_s": 420, "cv": 0.8},
             "wrap": {"dist": "gamma", "mean_s": 45, "cv": 0.5},
             "patience": {"dist": "exponential", "mean_s": 300}}],
        "agent_groups": [
            {"name": "billing team", "serves": ["billing"], "staffing": staffing},
            {"name": "tech team", "serves": ["tech"],
             "staffing": [max(1, round(v * 14 / 6)) for v in PROFILE]}],
    })


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=30, help="days of the 'real' log")
    parser.add_argument("--reps", type=int, default=10, help="backtest replications")
    parser.add_argument("--shipped", action="store_true",
                        help="also calibrate and backtest every shipped scenario")
    args = parser.parse_args()
    from sim.calibrate import backtest, calibrate, scenario_toml
    from sim.engine import simulate
    from sim.scenario import Scenario

    began = time.perf_counter()
    log = simulate(month(args.days), seed=1)
    print(f"simulated the 'real' month: {len(log.contacts):,} contacts, "
          f"{len(log.agent_states):,} agent-state spells in {time.perf_counter() - began:.1f} s")
    began = time.perf_counter()
    result = calibrate(log)
    text = scenario_toml(result)
    calibrated = Scenario.model_validate(result.scenario)
    print(f"calibrate: {time.perf_counter() - began:.1f} s ({len(text):,} characters of TOML)")
    began = time.perf_counter()
    check = backtest(log, calibrated, args.reps)
    seconds = time.perf_counter() - began
    print(f"backtest, {args.reps} replications: {seconds:.1f} s "
          f"({seconds / args.reps:.1f} s per replication)")
    print(check.summary.to_string(float_format=lambda v: f"{v:.3f}"))
    print(check.overall.to_string(float_format=lambda v: f"{v:.3f}"))
    if args.shipped:
        shipped(args.reps)


def shipped(reps: int) -> None:
    from pathlib import Path

    from sim.calibrate import backtest, calibrate
    from sim.engine import simulate
    from sim.scenario import Scenario, load_scenario

    for path in sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.toml")):
        log = simulate(load_scenario(path), seed=1)
        calibrated = Scenario.model_validate(calibrate(log).scenario)
        check = backtest(log, calibrated, reps)
        inside = check.overall["inside"].tolist()
        shares = ", ".join(f"{k} {v:.0%}" for k, v in check.summary["inside_share"].items())
        print(f"{path.stem}: overall inside {inside}; intervals inside: {shares}")


if __name__ == "__main__":
    main()
