"""The roster's time grid and what it may choose from: shift starts, break positions,
working-day patterns, and the requirement laid on the grid.

The week is `week_days` days of `slots_per_day` slots, numbered t = day x slots_per_day +
slot; a shift running past midnight (or past the last day) continues on the next day
(the roster repeats every week, so the last day's night shift covers the first morning).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np

from sim.errors import InputError
from sim.scenario import DAY_S
from sim.staffing.rostering.requirement import Requirement
from sim.timefmt import clock as clock_label
from sim.staffing.rostering.rules import RosterRules, ShiftType


@dataclass(frozen=True)
class ShiftOption:
    """One shift type starting at one clock time: its slots and where each break may fall."""

    type_index: int
    start_slot: int  # slot of the day
    length_slots: int
    break_offsets: list[list[int]]  # per break: allowed start offsets (slots after the start)
    break_slots: list[int]  # per break: its length in slots


@dataclass(frozen=True)
class Grid:
    slot_s: float
    slots_per_day: int
    week_days: int
    required: np.ndarray  # (teams, week_days x slots_per_day) agents to cover on the floor
    options: list[ShiftOption]
    days_range: list[tuple[int, int]]  # per shift type: working days per agent, min and max
    # Per shift type: the allowed sets of working days when days off must be consecutive;
    # None when any days will do (then the MILP needs only a head count, see milp.py).
    day_patterns: list[list[tuple[int, ...]] | None]

    @property
    def week_slots(self) -> int:
        return self.week_days * self.slots_per_day

    def span(self, day: int, start_slot: int, offset: int, length: int) -> np.ndarray:
        """Week slots from `offset` slots after a start on `day`, `length` long (wrapping)."""
        first = day * self.slots_per_day + start_slot + offset
        return np.arange(first, first + length) % self.week_slots


def build_grid(requirement: Requirement, rules: RosterRules) -> Grid:
    slot_s = requirement.interval_s if rules.slot_min is None else rules.slot_min * 60.0
    if DAY_S % slot_s or requirement.interval_s % slot_s:
        raise InputError(f"slot_min: {slot_s / 60:g} min must divide a day and the requirement's "
                         f"{requirement.interval_s / 60:g}-min interval")
    week_days = rules.week.days or requirement.days
    if requirement.days > week_days:
        raise InputError(f"week.days: {week_days} is shorter than the requirement's "
                         f"{requirement.days} days")
    if rules.week.day_names is not None and len(rules.week.day_names) != week_days:
        raise InputError(f"week.day_names: {len(rules.week.day_names)} names for a "
                         f"{week_days}-day week")
    slots_per_day = int(DAY_S // slot_s)
    options = []
    for k, shift in enumerate(rules.shifts):
        options += _options(k, shift, slot_s)
    grid = Grid(slot_s, slots_per_day, week_days, _required(requirement, rules, slot_s,
                                                           slots_per_day, week_days),
                options, [_days_range(k, s, week_days) for k, s in enumerate(rules.shifts)],
                [_day_patterns(k, s, week_days) for k, s in enumerate(rules.shifts)])
    _check_reachable(grid, requirement)
    return grid


def _whole(value_s: float, slot_s: float, field: str, what: str) -> int:
    count = value_s / slot_s
    if abs(count - round(count)) > 1e-9:
        raise InputError(f"{field}: {what} is not a whole number of {slot_s / 60:g}-min slots "
                         "(set slot_min to a length that divides it)")
    return int(round(count))


def _options(k: int, shift: ShiftType, slot_s: float) -> list[ShiftOption]:
    where = f"shifts[{k}]"
    length = _whole(shift.length_h * 3600, slot_s, f"{where}.length_h", f"{shift.length_h:g} h")
    offsets, lengths = [], []
    for i, pause in enumerate(shift.breaks):
        lengths.append(_whole(pause.length_min * 60, slot_s, f"{where}.breaks[{i}].length_min",
                              f"{pause.length_min:g} min"))
        first = int(np.ceil(pause.earliest_after_h * 3600 / slot_s - 1e-9))
        last = int(np.floor(pause.latest_after_h * 3600 / slot_s + 1e-9))
        if last < first:
            raise InputError(f"{where}.breaks[{i}]: no {slot_s / 60:g}-min slot starts between "
                             f"{pause.earliest_after_h:g} h and {pause.latest_after_h:g} h")
        offsets.append(list(range(first, last + 1)))
    options = []
    for start_s in shift.start_clock_s():
        start = _whole(start_s, slot_s, f"{where}.starts", f"start {clock_label(start_s)}")
        options.append(ShiftOption(k, start, length, offsets, lengths))
    return options


def _days_range(k: int, shift: ShiftType, week_days: int) -> tuple[int, int]:
    low, high = shift.days_range(week_days)
    if high > week_days:
        raise InputError(f"shifts[{k}].days_per_week: {high} is more than the {week_days}-day week "
                         "(set week.days)")
    return low, high


def _day_patterns(k: int, shift: ShiftType, week_days: int) -> list[tuple[int, ...]] | None:
    if not shift.consecutive_days_off:
        return None
    low, high = _days_range(k, shift, week_days)
    patterns = []
    for n in range(low, high + 1):
        for days in combinations(range(week_days), n):
            if _one_block(days, week_days):
                patterns.append(days)
    return patterns


def _one_block(days: tuple[int, ...], week_days: int) -> bool:
    """The days off form one block, counting round the end of the week."""
    off = [d not in days for d in range(week_days)]
    starts_of_blocks = sum(off[d] and not off[d - 1] for d in range(week_days))
    return starts_of_blocks <= 1


def _required(requirement: Requirement, rules: RosterRules, slot_s: float, slots_per_day: int,
              week_days: int) -> np.ndarray:
    table = requirement.table
    required = np.zeros((len(requirement.queues), week_days * slots_per_day))
    per_interval = int(round(requirement.interval_s / slot_s))
    team = table["queue"].map(requirement.queues.index).to_numpy()
    first = (table["day"].to_numpy() * slots_per_day
             + np.round(table["start_s"].to_numpy() / slot_s).astype(int))
    for j in range(per_interval):
        required[team, (first + j) % required.shape[1]] = table["required"].to_numpy()
    return required / (1.0 - rules.shrinkage)


def _check_reachable(grid: Grid, requirement: Requirement) -> None:
    """Refuse a requirement no allowed shift can cover, naming the first such interval."""
    covered = np.zeros(grid.week_slots, bool)
    for option in grid.options:
        patterns = grid.day_patterns[option.type_index]
        working = range(grid.week_days) if patterns is None else {d for p in patterns for d in p}
        for day in working:
            covered[grid.span(day, option.start_slot, 0, option.length_slots)] = True
    needed = (grid.required > 0) & ~covered[None, :]
    if needed.any():
        team, t = np.argwhere(needed)[0]
        day, slot = divmod(int(t), grid.slots_per_day)
        queue = requirement.queues[team]
        raise InputError(f"requirement: {grid.required[team, t]:g} agents needed on "
                         f"{requirement.day_labels[day]} at {clock_label(slot * grid.slot_s)}"
                         + (f" for queue {queue!r}" if queue else "")
                         + " but no allowed shift covers that interval; widen the start times "
                         "or lengths in the rules")
