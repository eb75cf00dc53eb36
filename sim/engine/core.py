"""The event loop: arrivals, FCFS queues, agents on duty per interval, skill-based routing.

Built on SimPy's event loop with plain callbacks instead of a process per contact: a run
schedules one event per arrival, one per contact handled (its end, after wrap) and one
per interval boundary, and nothing else. Abandonment is lazy: a caller's deadline
(enqueue + patience) is read when an agent reaches them, and callers whose deadline has
passed are logged as abandoned at that deadline. For FCFS queues this is exact, and it
saves scheduling a timer for every caller who is answered in time. Consequence for later
rules: the live deques also hold callers who have already hung up.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from typing import Callable

import numpy as np
import simpy

from sim.engine.arrivals import Customers
from sim.scenario import DAY_S, Scenario

OFFLINE, AVAILABLE, BUSY = 0, 1, 2
Progress = Callable[[float], None]


class At(simpy.events.Event):
    """Fires at an exact time with one callback: a Timeout without its extra bookkeeping.

    The exact time rides on the event because env.now + (t - env.now) may round.
    """

    def __init__(self, env: simpy.Environment, time_s: float, callback, payload=None):
        self.env = env
        self.callbacks = [callback]
        self._value = payload
        self._ok = True
        self.time_s = time_s
        env.schedule(self, simpy.events.NORMAL, time_s - env.now)


class AgentPool:
    """Agents of every group; agent k of a group is on duty while the group's staffing > k."""

    def __init__(self, staffing_by_group: list[np.ndarray]):
        sizes = [int(table.max(initial=0)) for table in staffing_by_group]
        self.members = []  # members[g][k] = agent index
        self.group = []  # group index of each agent
        for g, size in enumerate(sizes):
            self.members.append(list(range(len(self.group), len(self.group) + size)))
            self.group += [g] * size
        count = len(self.group)
        self.rank = [k for size in sizes for k in range(size)]
        self.scheduled = [False] * count
        self.state = [OFFLINE] * count
        self.since_s = [0.0] * count
        self.idle = [OrderedDict() for _ in sizes]  # longest idle first
        # Spells the loop records (available, offline); busy and wrap come from the contacts.
        self.spell_agent: list[int] = []
        self.spell_state: list[int] = []
        self.spell_start_s: list[float] = []
        self.spell_end_s: list[float] = []

    def enter(self, agent: int, state: int, now: float) -> None:
        """Close the agent's current spell at `now` and start `state`."""
        since = self.since_s[agent]
        if now > since and self.state[agent] != BUSY:
            self.spell_agent.append(agent)
            self.spell_state.append(self.state[agent])
            self.spell_start_s.append(since)
            self.spell_end_s.append(now)
        self.state[agent] = state
        self.since_s[agent] = now


class Run:
    """One simulation of a scenario over pre-drawn customers."""

    def __init__(self, scenario: Scenario, customers: Customers, progress: Progress | None):
        self.env = simpy.Environment()
        self.progress = progress
        self.arrival_s = customers.arrival_s.tolist()
        self.queue_idx = customers.queue_idx.tolist()
        self.handle_s = customers.handle_s.tolist()
        self.wrap_s = customers.wrap_s.tolist()
        self.deadline_s = (customers.arrival_s + customers.patience_s).tolist()
        count = len(customers)
        self.answer_s = [np.nan] * count
        self.abandon_s = [np.nan] * count
        self.agent_of = [-1] * count
        self.next_arrival = 0

        names = scenario.queue_names
        self.serves = [[names.index(q) for q in g.serves] for g in scenario.agent_groups]
        self.groups_for_queue = [
            sorted(
                (g for g, served in enumerate(self.serves) if q in served),
                key=lambda g: (self.serves[g].index(q), g),
            )
            for q in range(len(names))
        ]
        self.waiting = [deque() for _ in names]
        staffing = [scenario.staffing(g) for g in scenario.agent_groups]
        self.agents = AgentPool(staffing)
        self.boundaries = _staffing_boundaries(scenario, staffing)
        self.end_s = self.boundaries[-1][0]

    def run(self) -> None:
        for time_s, counts in self.boundaries:
            At(self.env, time_s, self._on_boundary, counts)
        if self.arrival_s:
            At(self.env, self.arrival_s[0], self._on_arrival)
        self.env.run()
        self.end_s = max(self.end_s, self.env.now)
        self._finish()
        if self.progress:
            self.progress(1.0)

    def _on_arrival(self, event) -> None:
        now = event.time_s
        i = self.next_arrival
        self.next_arrival = i + 1
        q = self.queue_idx[i]
        for g in self.groups_for_queue[q]:
            idle = self.agents.idle[g]
            if idle:
                self._answer(i, idle.popitem(last=False)[0], now)
                break
        else:
            self.waiting[q].append(i)
        if i + 1 < len(self.arrival_s):
            At(self.env, self.arrival_s[i + 1], self._on_arrival)

    def _answer(self, i: int, agent: int, now: float) -> None:
        self.answer_s[i] = now
        self.agent_of[i] = agent
        self.agents.enter(agent, BUSY, now)
        At(self.env, now + self.handle_s[i] + self.wrap_s[i], self._on_release, agent)

    def _on_release(self, event) -> None:
        now, agent = event.time_s, event._value
        if self.agents.scheduled[agent]:
            self._seek_work(agent, now)
        else:
            self.agents.enter(agent, OFFLINE, now)

    def _seek_work(self, agent: int, now: float) -> None:
        """Take the oldest live caller of the first served queue that has one, or go idle."""
        agents = self.agents
        g = agents.group[agent]
        for q in self.serves[g]:
            waiting = self.waiting[q]
            while waiting:
                i = waiting.popleft()
                if self.deadline_s[i] < now:
                    self.abandon_s[i] = self.deadline_s[i]
                    continue
                self._answer(i, agent, now)
                return
        agents.enter(agent, AVAILABLE, now)
        agents.idle[g][agent] = None

    def _on_boundary(self, event) -> None:
        now, counts = event.time_s, event._value
        agents = self.agents
        for g, members in enumerate(agents.members):
            for agent in members:
                on_duty = agents.rank[agent] < counts[g]
                if on_duty == agents.scheduled[agent]:
                    continue
                agents.scheduled[agent] = on_duty
                if on_duty and agents.state[agent] == OFFLINE:
                    self._seek_work(agent, now)
                elif not on_duty and agents.state[agent] == AVAILABLE:
                    del agents.idle[g][agent]
                    agents.enter(agent, OFFLINE, now)
                # A busy agent finishes the contact in hand; _on_release reads `scheduled`.
        if self.progress:
            self.progress(min(now / self.end_s, 1.0))

    def _finish(self) -> None:
        """Callers still queued when no agent is left abandon at their deadline (if finite)."""
        for waiting in self.waiting:
            for i in waiting:
                if self.deadline_s[i] < np.inf:
                    self.abandon_s[i] = self.deadline_s[i]
            waiting.clear()
        agents = self.agents
        for agent in range(len(agents.group)):
            agents.enter(agent, OFFLINE, self.end_s)  # closes each agent's last spell


def _staffing_boundaries(scenario: Scenario, staffing: list[np.ndarray]) -> list[tuple]:
    """(time_s, agents on duty per group) at every interval start and at each day's close."""
    horizon = scenario.horizon
    starts = horizon.interval_starts_s()
    counts = np.stack(staffing, axis=-1)  # (days, intervals, groups)
    closed = [0] * len(staffing)
    boundaries = []
    for day in range(horizon.days):
        for start_s, row in zip(starts[day], counts[day]):
            boundaries.append((float(start_s), row.tolist()))
        boundaries.append((day * DAY_S + horizon.close_s, closed))
    return boundaries
