"""The rostering integer programme, solved with `scipy.optimize.milp` (HiGHS).

Variables, per team (one per queue, or one for all queues):
- x[k, d, s]  agents of shift type k starting at start s on day d;
- b[k, d, s, i, j]  of those, agents taking break i at its j-th allowed position
  (implicit break placement, Aykin 1996: sum_j b = x; windows of one shift's breaks do
  not overlap, so any agent can take any position of each break);
- when a type's days off must be consecutive, w[k, p]  agents of type k working the
  days of pattern p, with sum_s x[k, d, s] = sum_{p containing d} w[k, p] for each day d
  (the day's shift is chosen per day, so an agent's start time may differ by day);
- when any days will do, only a head count h[k], with y_d = sum_s x[k, d, s] <= h[k] and
  min_days h[k] <= sum_d y_d <= max_days h[k]. That is exact: dealing the week's shifts
  day after day round the h agents gives each at most one a day (y_d <= h) and between
  min_days and max_days in all (roster.py deals them so). It replaces up to 127 pattern
  variables whose integrality made the search slow;
- u[t] >= 0  agents short in slot t, only with an under-coverage penalty.
Coverage, for each slot t with a requirement: agents on shift minus agents on break + u
>= required. Objective: cost per paid hour x paid hours + penalty x agent-hours short.
The LP relaxation (same model, no integrality) gives the lower bound reported with the gap.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy.optimize import LinearConstraint, milp
from scipy.sparse import coo_matrix

from sim.errors import InputError
from sim.staffing.rostering.grid import Grid
from sim.staffing.rostering.rules import RosterRules


@dataclass(frozen=True)
class Layout:
    """Where each variable lives in the vector, and what it stands for."""

    x: list[tuple[int, int, int, int]]  # (team, option index, day, first column)
    b: list[tuple[int, int, int, int]]  # (x index, break, offset index, column)
    w: list[tuple[int, int, int, int]]  # (team, shift type, pattern index, column)
    h: list[tuple[int, int, int]]  # (team, shift type, column): head count of a free-days type
    u: list[tuple[int, int, int]]  # (team, slot, column)
    size: int


@dataclass(frozen=True)
class Solution:
    values: np.ndarray  # rounded integer solution
    layout: Layout
    objective: float
    lower_bound: float  # LP relaxation
    solve_s: float
    status: str  # "optimal" or "time limit: best found"
    solver_bound: float  # HiGHS's best bound at the end (branch and bound; >= lower_bound)


def _layout(grid: Grid, teams: int) -> Layout:
    x, b, w, h, u = [], [], [], [], []
    column = 0
    for team in range(teams):
        for o, option in enumerate(grid.options):
            for day in range(grid.week_days):
                x.append((team, o, day, column))
                xi = len(x) - 1
                column += 1
                for i, offsets in enumerate(option.break_offsets):
                    for j in range(len(offsets)):
                        b.append((xi, i, j, column))
                        column += 1
        for k, patterns in enumerate(grid.day_patterns):
            if patterns is None:
                h.append((team, k, column))
                column += 1
                continue
            for p in range(len(patterns)):
                w.append((team, k, p, column))
                column += 1
    return Layout(x, b, w, h, u, column)


def solve(grid: Grid, rules: RosterRules) -> Solution:
    teams = grid.required.shape[0]
    layout = _layout(grid, teams)
    needed = np.argwhere(grid.required > 0)
    penalty = rules.under_coverage_penalty
    u = [(int(q), int(t), layout.size + n) for n, (q, t) in enumerate(needed)] if penalty else []
    layout = Layout(layout.x, layout.b, layout.w, layout.h, u, layout.size + len(u))

    cost = np.zeros(layout.size)
    integer = np.ones(layout.size)
    slot_h = grid.slot_s / 3600.0
    for team, o, day, col in layout.x:
        shift = rules.shifts[grid.options[o].type_index]
        cost[col] = shift.cost_per_paid_hour * shift.paid_h
    for _, _, col in layout.u:
        cost[col] = penalty * slot_h
        integer[col] = 0

    rows, cols, coefs, lower, upper = [], [], [], [], []

    def add(entries: list[tuple[int, float]], lo: float, hi: float) -> None:
        r = len(lower)
        for c, a in entries:
            rows.append(r)
            cols.append(c)
            coefs.append(a)
        lower.append(lo)
        upper.append(hi)

    # Coverage: one row per (team, slot) with a requirement.
    cover: dict[tuple[int, int], list[tuple[int, float]]] = {(int(q), int(t)): [] for q, t in needed}
    for team, o, day, col in layout.x:
        option = grid.options[o]
        for t in grid.span(day, option.start_slot, 0, option.length_slots):
            if (team, int(t)) in cover:
                cover[team, int(t)].append((col, 1.0))
    for xi, i, j, col in layout.b:
        team, o, day, _ = layout.x[xi]
        option = grid.options[o]
        for t in grid.span(day, option.start_slot, option.break_offsets[i][j], option.break_slots[i]):
            if (team, int(t)) in cover:
                cover[team, int(t)].append((col, -1.0))
    for team, t, col in layout.u:
        cover[team, t].append((col, 1.0))
    for (team, t), entries in cover.items():
        add(entries, grid.required[team, t], np.inf)

    # Each agent on a shift takes each break once.
    by_break: dict[tuple[int, int], list[tuple[int, float]]] = {}
    for xi, i, j, col in layout.b:
        by_break.setdefault((xi, i), [(layout.x[xi][3], -1.0)]).append((col, 1.0))
    for entries in by_break.values():
        add(entries, 0.0, 0.0)

    # Shifts worked on a day: by the agents whose pattern includes it, or at most one
    # per agent of a free-days type.
    per_day: dict[tuple[int, int, int], list[tuple[int, float]]] = {}
    for team, o, day, col in layout.x:
        per_day.setdefault((team, grid.options[o].type_index, day), []).append((col, 1.0))
    for team, k, p, col in layout.w:
        for day in grid.day_patterns[k][p]:
            per_day.setdefault((team, k, day), []).append((col, -1.0))
    free = {(team, k): col for team, k, col in layout.h}
    week: dict[tuple[int, int], list[tuple[int, float]]] = {}
    for (team, k, day), entries in per_day.items():
        if (team, k) in free:  # y_d <= h, and the week's shifts between min and max days x h
            add(entries + [(free[team, k], -1.0)], -np.inf, 0.0)
            week.setdefault((team, k), []).extend(entries)
        else:
            add(entries, 0.0, 0.0)
    for (team, k), entries in week.items():
        low, high = grid.days_range[k]
        add(entries + [(free[team, k], -float(low))], 0.0, np.inf)
        add(entries + [(free[team, k], -float(high))], -np.inf, 0.0)

    # Head count of each shift type.
    for team in range(teams):
        for k, shift in enumerate(rules.shifts):
            if shift.min_agents or shift.max_agents is not None:
                entries = [(col, 1.0) for q, kk, _, col in layout.w if q == team and kk == k]
                entries += [(col, 1.0) for q, kk, col in layout.h if q == team and kk == k]
                add(entries, shift.min_agents, np.inf if shift.max_agents is None else shift.max_agents)

    matrix = coo_matrix((coefs, (rows, cols)), shape=(len(lower), layout.size)).tocsr()
    constraints = LinearConstraint(matrix, np.array(lower), np.array(upper))
    started = time.perf_counter()
    relaxed = milp(cost, integrality=np.zeros(layout.size), constraints=constraints,
                   options={"time_limit": rules.time_limit_s})
    if relaxed.status == 2:
        raise InputError("rules: no roster can meet the requirement within the rules (check "
                         "max_agents and days_per_week, or set under_coverage_penalty to allow "
                         "under-coverage at a cost)")
    result = milp(cost, integrality=integer, constraints=constraints,
                  options={"time_limit": rules.time_limit_s})
    solve_s = time.perf_counter() - started
    if result.x is None:
        raise InputError(f"rules: the solver found no roster within time_limit_s = "
                         f"{rules.time_limit_s:g} s ({result.message}); raise time_limit_s or "
                         "offer fewer start times")
    values = np.where(integer > 0, np.round(result.x), result.x)
    status = "optimal" if result.status == 0 else "time limit: best found"
    objective = float(cost @ values)
    bound = getattr(result, "mip_dual_bound", None)
    bound = objective if result.status == 0 or bound is None else max(float(bound), float(relaxed.fun))
    return Solution(values, layout, objective, float(relaxed.fun), solve_s, status, bound)
