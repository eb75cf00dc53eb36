"""A solved roster as tables: shifts worked, working-day patterns, named agents, coverage.

`make_roster(requirement, rules)` runs the whole chain (grid, MILP) and returns a `Roster`
whose tables are plain DataFrames, so the CLI, the app and the scenario bridge read the
same figures.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.staffing.rostering.grid import Grid, build_grid
from sim.staffing.rostering.milp import Solution, solve
from sim.staffing.rostering.requirement import Requirement
from sim.timefmt import clock as clock_label
from sim.staffing.rostering.rules import RosterRules


@dataclass(frozen=True)
class Roster:
    requirement: Requirement
    rules: RosterRules
    grid: Grid
    solution: Solution
    shifts: pd.DataFrame  # team, shift_type, day, start_slot, breaks ((offset, length) slots), count
    patterns: pd.DataFrame  # team, shift_type, days_worked (tuple), agents
    on_shift: np.ndarray  # (teams, week slots) agents on shift, breaks included
    on_break: np.ndarray  # (teams, week slots)

    @property
    def teams(self) -> list[str]:
        return self.requirement.queues

    @property
    def day_labels(self) -> list[str]:
        names = self.rules.week.day_names
        if names is not None:
            return list(names)
        known = self.requirement.day_labels
        return known + [f"day {d}" for d in range(len(known), self.grid.week_days)]

    @property
    def on_floor(self) -> np.ndarray:
        return self.on_shift - self.on_break

    @property
    def paid_hours(self) -> float:
        paid = {s.name: s.paid_h for s in self.rules.shifts}
        return float((self.shifts["shift_type"].map(paid) * self.shifts["count"]).sum())

    @property
    def fte(self) -> float:
        return self.paid_hours / self.fte_paid_hours

    @property
    def fte_paid_hours(self) -> float:
        """Paid hours of one FTE over the roster's week: given, or 8 a day up to 40."""
        return self.rules.fte_paid_hours or min(8.0 * self.grid.week_days, 40.0)

    @property
    def lower_bound_paid_hours(self) -> float | None:
        """The LP bound in paid hours, when the objective is paid hours at one rate."""
        rates = {s.cost_per_paid_hour for s in self.rules.shifts}
        if len(rates) > 1 or self.rules.under_coverage_penalty is not None:
            return None
        return self.solution.lower_bound / rates.pop()

    @property
    def gap(self) -> float:
        """(integer cost - LP bound) / integer cost: how far from the best possible at most."""
        cost = self.solution.objective
        return 0.0 if cost <= 0 else max(cost - self.solution.lower_bound, 0.0) / cost

    def coverage(self) -> pd.DataFrame:
        """One row per requirement interval: required, scheduled on the floor (agent time
        over the interval), on shift, on break, over and under."""
        table = self.requirement.table
        per = int(round(self.requirement.interval_s / self.grid.slot_s))
        first = table["day"].to_numpy() * self.grid.slots_per_day + np.round(
            table["start_s"].to_numpy() / self.grid.slot_s).astype(int)
        team = table["queue"].map(self.teams.index).to_numpy()
        slots = (first[:, None] + np.arange(per)[None, :]) % self.grid.week_slots
        floor = self.on_floor[team[:, None], slots].mean(axis=1)
        required = table["required"].to_numpy()
        return pd.DataFrame({
            "queue": table["queue"], "day": table["day"],
            "day_label": [self.day_labels[d] for d in table["day"]],
            "interval_start": [clock_label(s) for s in table["start_s"]],
            "required": required, "scheduled": floor,
            "on_shift": self.on_shift[team[:, None], slots].mean(axis=1),
            "on_break": self.on_break[team[:, None], slots].mean(axis=1),
            "over": np.maximum(floor - required, 0.0), "under": np.maximum(required - floor, 0.0),
        })

    def agents(self) -> pd.DataFrame:
        """A named agent list: each agent's working days and, per day, shift and breaks.

        Agents of one type are dealt that day's shifts in start order, so an agent keeps a
        similar start through the week."""
        rows = []
        number = 0
        for (team, type_name), patterns in self.patterns.groupby(["team", "shift_type"], sort=False):
            names, days_of = [], []
            for days, count in zip(patterns["days_worked"], patterns["agents"]):
                for _ in range(int(count)):
                    number += 1
                    names.append(f"{_team_label(team)}-{number:03d}")
                    days_of.append(days)
            mine = self.shifts[(self.shifts["team"] == team) & (self.shifts["shift_type"] == type_name)]
            for day in range(self.grid.week_days):
                today = mine[mine["day"] == day].sort_values("start_slot")
                instances = [(s, b) for s, b, c in zip(today["start_slot"], today["breaks"], today["count"])
                             for _ in range(int(c))]
                workers = [n for n, days in zip(names, days_of) if day in days]
                for name, (start, breaks) in zip(workers, instances):
                    rows.append(self._agent_day(team, name, type_name, day, start, breaks))
        return pd.DataFrame(rows, columns=["team", "agent", "shift_type", "day", "day_label",
                                           "start", "end", "breaks"])

    def _agent_day(self, team, name, type_name, day, start_slot, breaks) -> dict:
        slot_s = self.grid.slot_s
        shift = next(s for s in self.rules.shifts if s.name == type_name)
        start_s = start_slot * slot_s
        pauses = ", ".join(f"{clock_label((start_s + off * slot_s) % 86400)} {length * slot_s / 60:g} min"
                           + ("" if rule.paid else " unpaid")
                           for (off, length), rule in zip(breaks, shift.breaks))
        return {"team": team, "agent": name, "shift_type": type_name, "day": day,
                "day_label": self.day_labels[day], "start": clock_label(start_s),
                "end": clock_label((start_s + shift.length_h * 3600) % 86400), "breaks": pauses}


def _team_label(team: str) -> str:
    return (team or "agent").replace(" ", "-")


def _dealt(shifts_per_day: list[int], max_days: int, min_agents: int) -> Counter:
    """Working days of the fewest agents who can work a free-days type's shifts: deal the
    week's shifts, day after day, round the agents. No agent gets two on one day (a day
    has at most as many shifts as agents) and each gets the average rounded down or up,
    which lies within the type's days per week (the MILP's constraints)."""
    total = sum(shifts_per_day)
    agents = max(max(shifts_per_day), -(-total // max_days), min_agents)
    days_of: list[list[int]] = [[] for _ in range(agents)]
    n = 0
    for day, count in enumerate(shifts_per_day):
        for _ in range(count):
            days_of[n % agents].append(day)
            n += 1
    return Counter(tuple(days) for days in days_of)


def make_roster(requirement: Requirement, rules: RosterRules) -> Roster:
    grid = build_grid(requirement, rules)
    solution = solve(grid, rules)
    layout, values = solution.layout, solution.values
    teams = len(requirement.queues)
    on_shift = np.zeros((teams, grid.week_slots))
    on_break = np.zeros((teams, grid.week_slots))
    positions: dict[int, list[list[int]]] = {}  # x index -> per break, offsets (one per agent)
    for xi, i, j, col in layout.b:
        count = int(values[col])
        if count:
            team, o, day, _ = layout.x[xi]
            option = grid.options[o]
            offset = option.break_offsets[i][j]
            on_break[team, grid.span(day, option.start_slot, offset, option.break_slots[i])] += count
            slots = positions.setdefault(xi, [[] for _ in option.break_offsets])
            slots[i] += [offset] * count
    shift_rows = []
    for xi, (team, o, day, col) in enumerate(layout.x):
        count = int(values[col])
        if not count:
            continue
        option = grid.options[o]
        on_shift[team, grid.span(day, option.start_slot, 0, option.length_slots)] += count
        per_break = positions.get(xi, [])
        # Agent n takes the n-th position of each break, giving each a feasible day.
        combos = Counter(tuple((p[n], option.break_slots[i]) for i, p in enumerate(per_break))
                         for n in range(count))
        for breaks, n in combos.items():
            shift_rows.append({"team": requirement.queues[team],
                               "shift_type": rules.shifts[option.type_index].name, "day": day,
                               "start_slot": option.start_slot, "breaks": breaks, "count": n})
    pattern_rows = [{"team": requirement.queues[team], "shift_type": rules.shifts[k].name,
                     "days_worked": grid.day_patterns[k][p], "agents": int(values[col])}
                    for team, k, p, col in layout.w if values[col] > 0]
    for team, k, _ in layout.h:
        shifts_per_day = [0] * grid.week_days
        for (q, o, day, col) in layout.x:
            if q == team and grid.options[o].type_index == k:
                shifts_per_day[day] += int(values[col])
        for days, agents in _dealt(shifts_per_day, grid.days_range[k][1], rules.shifts[k].min_agents).items():
            pattern_rows.append({"team": requirement.queues[team], "shift_type": rules.shifts[k].name,
                                 "days_worked": days, "agents": agents})
    shifts = pd.DataFrame(shift_rows, columns=["team", "shift_type", "day", "start_slot", "breaks", "count"])
    patterns = pd.DataFrame(pattern_rows, columns=["team", "shift_type", "days_worked", "agents"])
    return Roster(requirement, rules, grid, solution, shifts, patterns, on_shift, on_break)
