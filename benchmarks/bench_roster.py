"""Rostering benchmark: paid hours and solve time against pyworkforce, and a week with breaks.

1. pyworkforce's problem (`MinRequiredResources`, OR-Tools CP-SAT): each day on its own,
   no breaks, cost per shift = its paid hours, so both minimise paid hours. On the
   retail-bank week (scenarios/retail_bank_week.toml, 80 % in 20 s: 5 days, 15-min
   intervals; 8-h shifts starting 08:00-09:00 and 4-h shifts 08:30-12:00, every 15 min)
   and on the two-queue week of 2. (8-h shifts 07:00-12:00, 4-h 08:00-16:00, every 30 min;
   pyworkforce solves one queue at a time, its times are added).
2. A 7-day, 30-min-interval, 2-queue week (scenarios/default.toml's queues over seven
   days, weekend at 60 % of the weekday volume) with breaks and days off: full-time 8 h
   (30-min unpaid lunch, two paid 15-min breaks, 5 days with 2 consecutive days off) and
   part-time 4 h (one 15-min break, 2 to 5 days), on a 15-min grid.

Run on demand: `.venv/bin/python benchmarks/bench_roster.py`. The pyworkforce part runs
when it is installed: `.venv/bin/pip install pyworkforce` (it brings ortools and
downgrades protobuf; `.venv/bin/pip install -r requirements.lock` puts the pinned one
back). It is never a dependency of the package or the tests.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from sim.errors import InputError
from sim.scenario import load_scenario, with_field
from sim.staffing.forecast import forecast_from_scenario
from sim.staffing.requirements import Targets, requirements_table
from sim.staffing.rostering import make_roster, parse_rules, read_requirement

ROOT = Path(__file__).resolve().parent.parent
TARGETS = Targets(service_level=0.8, threshold_s=20)


def requirement_file(scenario, folder: Path, name: str) -> Path:
    table = requirements_table(forecast_from_scenario(scenario), TARGETS).intervals
    path = folder / name
    table.to_csv(path, index=False)
    return path


def compare_with_pyworkforce(label: str, requirement, shifts: list[dict]) -> None:
    """Each day on its own, no breaks (pyworkforce's model): same optimum, solve times."""
    days = requirement.days
    rules = parse_rules({"shifts": [s | {"days_per_week": [1, days]} for s in shifts]})
    started = time.perf_counter()
    roster = make_roster(requirement, rules)
    ours_s = time.perf_counter() - started
    print(f"{label}: ccplan (HiGHS) {roster.paid_hours:,.0f} paid hours, "
          f"LP bound {roster.lower_bound_paid_hours:,.1f}, solve {roster.solution.solve_s:.2f} s "
          f"({ours_s:.2f} s with model building)")
    try:
        from pyworkforce.scheduling import MinRequiredResources
    except ImportError:
        print("pyworkforce not installed: skipped (pip install pyworkforce)")
        return
    total_hours, total_s, statuses = 0.0, 0.0, set()
    for team in range(len(requirement.queues)):  # pyworkforce takes one requirement at a time
        hours, seconds, status = _pyworkforce(MinRequiredResources, roster, rules, team)
        total_hours, total_s = total_hours + hours, total_s + seconds
        statuses.add(status)
    print(f"{label}: pyworkforce (CP-SAT, 2 workers) {total_hours:,.0f} paid hours, "
          f"status {', '.join(sorted(statuses))}, solve {total_s:.2f} s")


def _pyworkforce(MinRequiredResources, roster, rules, team: int) -> tuple[float, float, str]:
    periods = roster.grid.slots_per_day  # periods of the whole day, as ours
    required = roster.grid.required[team].reshape(roster.grid.week_days, periods)
    coverage, cost = {}, {}
    for option in roster.grid.options:
        shift = rules.shifts[option.type_index]
        row = np.zeros(periods, dtype=int)
        row[option.start_slot:option.start_slot + option.length_slots] = 1  # day shifts only
        name = f"{shift.name}@{option.start_slot}"
        coverage[name], cost[name] = row.tolist(), int(shift.paid_h)
    started = time.perf_counter()
    solution = MinRequiredResources(num_days=roster.grid.week_days, periods=periods,
                                    shifts_coverage=coverage,
                                    required_resources=np.ceil(required).astype(int).tolist(),
                                    max_period_concurrency=1000, max_shift_concurrency=1000,
                                    cost_dict=cost, max_search_time=120.0, num_search_workers=2).solve()
    return float(solution["cost"]), time.perf_counter() - started, solution["status"]


BANK_SHIFTS = [{"name": "8h", "length_h": 8, "starts": {"first": "08:00", "last": "09:00", "every_min": 15}},
               {"name": "4h", "length_h": 4, "starts": {"first": "08:30", "last": "12:00", "every_min": 15}}]
WEEK_SHIFTS = [{"name": "8h", "length_h": 8, "starts": {"first": "07:00", "last": "12:00", "every_min": 30}},
               {"name": "4h", "length_h": 4, "starts": {"first": "08:00", "last": "16:00", "every_min": 30}}]


def two_queue_week(folder: Path):
    """The default scenario's two queues over seven days, the weekend at 60 %."""
    scenario = with_field(load_scenario(ROOT / "scenarios/default.toml"), "horizon.days", 7)
    for q, queue in enumerate(scenario.queues):
        volume = queue.arrivals.daily_volume
        scenario = with_field(scenario, f"queues[{q}].arrivals.daily_volume", [volume] * 5 + [0.6 * volume] * 2)
    return read_requirement(requirement_file(scenario, folder, "week.csv"))


def week_with_breaks(requirement, time_limit_s: float) -> None:
    rules = parse_rules({
        "slot_min": 15, "week": {"days": 7}, "time_limit_s": time_limit_s,
        "shifts": [
            {"name": "full-time", "length_h": 8, "days_per_week": 5, "consecutive_days_off": True,
             "starts": {"first": "07:00", "last": "12:00", "every_min": 30},
             "breaks": [{"length_min": 15, "earliest_after_h": 1.5, "latest_after_h": 2.5},
                        {"length_min": 30, "paid": False, "earliest_after_h": 3.25, "latest_after_h": 4.5},
                        {"length_min": 15, "earliest_after_h": 5.25, "latest_after_h": 6.5}]},
            {"name": "part-time", "length_h": 4, "days_per_week": [2, 5],
             "starts": {"first": "08:00", "last": "16:00", "every_min": 30},
             "breaks": [{"length_min": 15, "earliest_after_h": 1.5, "latest_after_h": 2.5}]},
        ]})
    started = time.perf_counter()
    try:
        roster = make_roster(requirement, rules)
    except InputError as err:  # no integer roster found within the limit on a busy machine
        print(f"7-day, 30-min, 2-queue week with breaks, time limit {time_limit_s:g} s: {err}")
        return
    total_s = time.perf_counter() - started
    layout = roster.solution.layout
    print(f"7-day, 30-min, 2-queue week with breaks, time limit {time_limit_s:g} s: "
          f"{len(requirement.table):,} requirement intervals, "
          f"{layout.size:,} variables; {roster.patterns['agents'].sum():,} agents, "
          f"{roster.paid_hours:,.1f} paid hours, LP bound {roster.lower_bound_paid_hours:,.1f} "
          f"(gap {roster.gap:.2%}), solver bound {roster.solution.solver_bound:,.1f}, "
          f"{roster.solution.status}; solve {roster.solution.solve_s:.2f} s, "
          f"{total_s:.2f} s with model building")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        bank = load_scenario(ROOT / "scenarios/retail_bank_week.toml")
        compare_with_pyworkforce("retail-bank week, 15-min, no breaks",
                                 read_requirement(requirement_file(bank, Path(tmp), "bank.csv")), BANK_SHIFTS)
        week = two_queue_week(Path(tmp))
        compare_with_pyworkforce("7-day 2-queue week, 30-min, no breaks", week, WEEK_SHIFTS)
        for limit_s in (10, 60):
            week_with_breaks(week, limit_s)
