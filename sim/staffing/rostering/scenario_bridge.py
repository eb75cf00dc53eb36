"""From a roster to scenario agent groups, so the roster can be simulated as it is.

The scenario format repeats `shifts` every day and has no days off, so:
- a one-day roster becomes `shifts` with their breaks (exact: the engine times each break
  and delays it until the contact in hand ends);
- a roster of several days (days off differ by agent) becomes `staffing`, one value per
  open interval of every day: the agents on the floor (on shift and not on break), the
  roster's week repeated over the horizon. A break shorter than the scenario's interval
  would give a fraction of an agent; it is rounded down (reported), never up.
Breaks as staffing dips end at the interval's edge even when the agent was busy when it
started (a shift break would be delayed by that contact): a small optimism, named in docs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.errors import InputError
from sim.scenario import DAY_S, Scenario, parse_scenario
from sim.timefmt import clock as clock_label
from sim.staffing.rostering.roster import Roster


@dataclass(frozen=True)
class Window:
    """The open hours to express staffing for: days, open and close (s), interval (s)."""

    days: int
    open_s: float
    close_s: float
    interval_s: float


def requirement_window(roster: Roster) -> Window:
    """The requirement's own opening hours, the same every day."""
    table = roster.requirement.table
    return Window(roster.grid.week_days, float(table["start_s"].min()),
                  float(table["start_s"].max() + roster.requirement.interval_s),
                  roster.requirement.interval_s)


def team_groups(roster: Roster, window: Window, serves: dict[str, list[str]],
                names: dict[str, str] | None = None) -> tuple[list[dict], int]:
    """One agent group (as scenario data) per team, and how many interval values were
    rounded down because a break covered part of an interval."""
    groups, rounded = [], 0
    for team_index, team in enumerate(roster.teams):
        group = {"name": (names or {}).get(team, f"{team or 'roster'} team"), "serves": serves[team]}
        if roster.grid.week_days == 1:
            group["shifts"] = _shifts(roster, team)
        else:
            staffing, fractional = _staffing(roster, team_index, window)
            group["staffing"] = staffing
            rounded += fractional
        groups.append(group)
    return groups, rounded


def _shifts(roster: Roster, team: str) -> list[dict]:
    slot_h = roster.grid.slot_s / 3600.0
    lengths = {s.name: s.length_h for s in roster.rules.shifts}
    rows = roster.shifts[roster.shifts["team"] == team]
    return [{"start": clock_label(start * roster.grid.slot_s), "length_h": lengths[kind], "count": int(count),
             "breaks": [{"after_h": off * slot_h, "length_min": length * slot_h * 60} for off, length in breaks]}
            for kind, start, breaks, count in zip(rows["shift_type"], rows["start_slot"], rows["breaks"],
                                                  rows["count"])]


def _staffing(roster: Roster, team_index: int, window: Window) -> tuple[list[int], int]:
    grid = roster.grid
    n = int(round((window.close_s - window.open_s) / window.interval_s))
    starts = (np.arange(window.days)[:, None] * DAY_S + window.open_s
              + np.arange(n)[None, :] * window.interval_s).ravel()
    first = np.floor(starts / grid.slot_s + 1e-9).astype(int)
    last = np.ceil((starts + window.interval_s) / grid.slot_s - 1e-9).astype(int)
    floor = roster.on_floor[team_index]
    means = np.array([floor[np.arange(a, b) % grid.week_slots].mean() for a, b in zip(first, last)])
    counts = np.floor(means + 1e-9)
    return [int(c) for c in counts], int((means - counts > 1e-9).sum())


def fragment_toml(roster: Roster) -> str:
    """The roster's agent groups as a TOML fragment to paste into a scenario."""
    import tomli_w

    window = requirement_window(roster)
    serves = {team: [team] if team else [] for team in roster.teams}
    groups, rounded = team_groups(roster, window, serves)
    if roster.grid.week_days == 1:
        note = "# One-day roster: shifts with their breaks, the same every day.\n"
    else:
        note = (f"# {roster.grid.week_days}-day roster: agents on the floor per {window.interval_s / 60:g}-min "
                f"interval from {clock_label(window.open_s)} to {clock_label(window.close_s)}, day after day\n"
                "# (the scenario format has no days off; breaks are deducted"
                + (f", {rounded} value(s) rounded down" if rounded else "") + ").\n"
                "# Set [horizon] open_time, close_time, interval_min and days to match.\n")
    if any(not g["serves"] for g in groups):
        note += "# The requirement names no queue: fill in `serves`.\n"
    return note + tomli_w.dumps({"agent_groups": groups})


def put_into_scenario(scenario: Scenario, roster: Roster) -> tuple[Scenario, list[str]]:
    """`scenario` with the roster's teams in place of the in-house groups that serve only
    rostered queues; returns notes on what was replaced, kept or rounded."""
    known = scenario.queue_names
    serves = {}
    for team in roster.teams:
        if team in known:
            serves[team] = [team]
        elif team in ("", "all queues"):
            serves[team] = known
        else:
            raise InputError(f"requirement: queue {team!r} is not a queue of scenario "
                             f"{scenario.name!r} ({', '.join(known)})")
    data = scenario.model_dump(mode="json", exclude_none=True)
    horizon = scenario.horizon
    window = Window(horizon.days, horizon.open_s, horizon.close_s, horizon.interval_s)
    notes, names, templates = [], {}, {}
    kept = []
    for group, dumped in zip(scenario.agent_groups, data["agent_groups"]):
        owner = next((t for t in roster.teams if group.serves and not group.is_partner
                      and set(group.serves) <= set(serves[t])), None)
        if owner is None:
            kept.append(dumped)
            if set(group.serves) & {q for s in serves.values() for q in s}:
                notes.append(f"group {group.name!r} kept: it also serves rostered queues, so its "
                             "agents add to the roster's")
        elif owner not in templates:
            templates[owner], names[owner] = dumped, group.name
            notes.append(f"group {group.name!r} replaced by the roster")
        else:
            notes.append(f"group {group.name!r} removed: the roster of {owner!r} covers its queues")
    groups, rounded = team_groups(roster, window, serves, names)
    for team, group in zip(roster.teams, groups):
        base = {k: v for k, v in templates.get(team, {}).items() if k not in ("staffing", "shifts")}
        kept.append(base | group)
    if rounded:
        notes.append(f"{rounded} interval value(s) rounded down: breaks shorter than the "
                     f"{horizon.interval_min}-min interval (give slot_min = {horizon.interval_min} "
                     "or shorter intervals to avoid it)")
    data["agent_groups"] = kept
    return parse_scenario(data, source=f"{scenario.name} with the roster"), notes
