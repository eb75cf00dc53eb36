"""Who is on duty when: every agent's duty windows and breaks over the horizon.

Both ways of giving staffing end up here as per-agent windows, so the event loop has one
mechanism for shifts, per-interval staffing and absence. With per-interval staffing,
agent k of a group is on duty in the intervals where the group's staffing is above k.
Back-to-back windows merge into one stretch on duty. With shifts, each shift brings `count`
agents every day. Absenteeism removes each agent-day independently with its probability.

A shift is on duty during opening hours: at the close agents finish the contact in hand and
log off, like per-interval staffing. A group that serves an e-mail queue (a deferred
channel) stays on duty for the rest of its shift, and before the open, working e-mail only
(`Run` answers no live contact while the center is closed); no shift runs past the
horizon's last close.
"""

from dataclasses import dataclass, field

import numpy as np

from sim.engine.calendar import OpenHours
from sim.engine.streams import stream
from sim.scenario import DAY_S, AgentGroup, Scenario
from sim.scenario.clock import clock_s


@dataclass
class AgentRoster:
    group_idx: int
    rank: int  # 0-based within the group; the agent's name ends in rank + 1
    windows: list[tuple[float, float]] = field(default_factory=list)  # on duty [start, end)
    breaks: list[tuple[float, float]] = field(default_factory=list)  # inside windows


def rosters(scenario: Scenario, seed: int) -> list[AgentRoster]:
    agents = []
    for g, group in enumerate(scenario.agent_groups):
        absence = stream(seed, f"absence/{group.name}") if group.absenteeism > 0 else None
        if group.shifts is None:
            agents += _interval_rosters(scenario, g, group, absence)
            continue
        group_agents = _shift_rosters(scenario, g, group)
        if absence is not None:
            _remove_absent_days(group_agents, group.absenteeism, absence)
        _fit_to_hours(scenario, group, group_agents)
        for agent in group_agents:  # back-to-back windows are one stretch on duty
            agent.windows = _merged(agent.windows)
        agents += group_agents
    return agents


def _interval_rosters(scenario: Scenario, g: int, group: AgentGroup,
                      absence: np.random.Generator | None) -> list[AgentRoster]:
    """Agent `rank` is on duty in the intervals whose staffing is above `rank`, less the
    days `absence` draws, back-to-back intervals joined. In arrays: a year of 15-minute
    intervals for hundreds of agents is millions of them, and the app reruns short days
    many times. Without absence, ranks on duty in the same intervals share one row."""
    staffing = scenario.staffing(group).ravel()
    starts = scenario.horizon.interval_starts_s().ravel()
    ends = starts + scenario.horizon.interval_s
    count = int(staffing.max(initial=0))
    if absence is None:  # rank r is on where staffing > r: one row per staffing level
        levels = np.unique(staffing[staffing > 0])
        rank_row = np.searchsorted(levels, np.arange(count), side="right")
        on = staffing[None, :] >= levels[:, None]
    else:
        rank_row = np.arange(count)
        day = (starts // DAY_S).astype(np.int64)  # the day a window starts
        days = 1 + int(day[staffing > 0].max(initial=0))  # drawn up to the last day staffed
        absent = _absent_days(count, days, group.absenteeism, absence)
        on = (staffing[None, :] > rank_row[:, None]) & ~absent[:, np.minimum(day, days - 1)]
    row_windows = _joined_windows(on, starts, ends)
    return [AgentRoster(g, rank, list(row_windows[row])) for rank, row in enumerate(rank_row.tolist())]


def _joined_windows(on: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> list[list[tuple[float, float]]]:
    """Per row of `on` (rows x intervals), its on-duty intervals with back-to-back ones
    (an interval ending where the next starts, as across midnight in a 24-hour center)
    joined into one window, as `_merged` does."""
    joins = np.zeros((on.shape[0], on.shape[1] + 1), dtype=bool)  # column i: interval i joins i - 1
    joins[:, 1:-1] = on[:, 1:] & on[:, :-1] & (ends[:-1] == starts[1:])
    rows, firsts = np.nonzero(on & ~joins[:, :-1])
    _, lasts = np.nonzero(on & ~joins[:, 1:])
    windows = list(zip(starts[firsts].tolist(), ends[lasts].tolist()))
    bounds = np.searchsorted(rows, np.arange(on.shape[0] + 1)).tolist()
    return [windows[a:b] for a, b in zip(bounds[:-1], bounds[1:])]


def _shift_rosters(scenario: Scenario, g: int, group: AgentGroup) -> list[AgentRoster]:
    """Each shift every day; a shift that runs past midnight also covers the first hours
    of day 1, as the night crew that started the evening before the horizon."""
    agents = []
    for shift in group.shifts:
        for _ in range(shift.count):
            roster = AgentRoster(g, len(agents))
            for day in range(-1, scenario.horizon.days):
                start = day * DAY_S + clock_s(shift.start)
                end = start + shift.length_h * 3600.0
                if end <= 0:
                    continue
                roster.windows.append((max(start, 0.0), end))
                for pause in shift.breaks:
                    pause_s = start + pause.after_h * 3600.0
                    if pause_s >= 0:
                        roster.breaks.append((pause_s, pause_s + pause.length_min * 60.0))
            agents.append(roster)
    return agents


def _remove_absent_days(agents: list[AgentRoster], share: float, rng: np.random.Generator) -> None:
    """Drop each agent's windows (and their breaks) on the days the agent is absent.

    Windows are still one shift occurrence here, so a day is the day a window starts,
    even for a night shift (per-interval staffing applies the same rule in arrays)."""
    days = 1 + max((int(w[0] // DAY_S) for a in agents for w in a.windows), default=0)
    absent = _absent_days(len(agents), days, share, rng)
    for agent, absent_days in zip(agents, absent):
        agent.windows = [w for w in agent.windows if not absent_days[int(w[0] // DAY_S)]]
        _keep_breaks_on_duty(agent)


def _absent_days(agents: int, days: int, share: float, rng: np.random.Generator) -> np.ndarray:
    """(agents, days): True where the agent is absent that day, each with probability `share`."""
    return rng.random((agents, days)) < share


def works_after_hours(scenario: Scenario, group: AgentGroup) -> bool:
    """A group on shifts that serves an e-mail queue works it outside opening hours."""
    emails = {q.name for q in scenario.queues if q.channel == "email"}
    return group.shifts is not None and bool(emails.intersection(group.serves))


def _fit_to_hours(scenario: Scenario, group: AgentGroup, agents: list[AgentRoster]) -> None:
    """Shift windows cut to opening hours, or for an e-mail group to the last close only."""
    hours = OpenHours(scenario.horizon)
    after_hours = works_after_hours(scenario, group)
    for agent in agents:
        if after_hours:
            agent.windows = [(s, min(e, hours.last_close_s)) for s, e in agent.windows if s < hours.last_close_s]
        else:
            agent.windows = [part for s, e in agent.windows for part in hours.within(s, e)]
        _keep_breaks_on_duty(agent)


def _keep_breaks_on_duty(agent: AgentRoster) -> None:
    agent.breaks = [b for b in agent.breaks if any(s <= b[0] < e for s, e in agent.windows)]


def _merged(windows: list[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    for start, end in windows:
        if merged and merged[-1][1] == start:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged
