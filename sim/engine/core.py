"""The event loop: contacts queue in lines, agents on duty take them, outcomes follow.

Built on SimPy's event loop with plain callbacks instead of a process per contact. A plain
inbound run schedules one event per contact handled (its end, after wrap), two per agent
duty window, one per interval (admitting its arrivals, passing finished contacts to the
log) and one per day (its duty events), and nothing else: first contacts are a feed the
loop reads beside the schedule (`take`). Abandonment is lazy: a caller's deadline
(enqueue + patience) is read when an agent reaches them, and callers whose deadline has
passed are logged as abandoned at that deadline — exact for FCFS lines, and no timer for
the callers who are answered in time. Rules that need the true live line (callback offers,
overflow on queue length) count it through `LiveCount`; callers who will redial get a
timer, since their redial must start at the moment they hang up.
"""

from __future__ import annotations

from collections import deque
from math import inf as INF
from typing import Callable

import numpy as np
import simpy

from sim.engine.agents import AVAILABLE, BUSY, OFFLINE, AgentPool
from sim.engine.arrivals import CustomerDays
from sim.engine.behaviour import Behaviour
from sim.engine.duty import AgentDuty
from sim.engine.events import At, renumber_payloads, run_until_empty
from sim.engine.calendar import OpenHours
from sim.engine.lines import build_lines
from sim.engine.live import LiveCount
from sim.engine.log_builder import Batch, LogBuilder
from sim.engine.record import ABANDONED, ANSWERED, NO_ANSWER, WAITING, ContactRecord
from sim.engine.rosters import AgentRoster, works_after_hours
from sim.scenario import DAY_S, Scenario

Progress = Callable[[float], None]
# Finished contacts are handed to the log at the first interval start after this many
# contacts have joined the run: what a run holds stays near this, and a log's row groups too.
FLUSH_CONTACTS = 50_000


class Run(AgentDuty):
    """One simulation of a scenario over its customers, drawn day by day, and rosters.

    The log leaves the run in batches, handed to `emit` as they are done: finished contacts
    at interval starts once FLUSH_CONTACTS more have joined (see `_flush`), the rest at the end.
    """

    def __init__(self, scenario: Scenario, customers: CustomerDays, rosters: list[AgentRoster],
                 progress: Progress | None, emit: Callable[[Batch], None]):
        self.env = simpy.Environment()
        self.progress = progress
        self.customers = customers
        self.emit = emit
        self.flush_contacts = FLUSH_CONTACTS  # read here, so a test can lower it
        self.flush_at = self.flush_contacts  # record size at which finished contacts leave
        self.intervals_per_day = scenario.horizon.intervals_per_day
        self.record = ContactRecord(customers.total)
        self.hours = OpenHours(scenario.horizon)
        self.end_s = self.hours.last_close_s
        self.lines = build_lines(scenario)
        self.waiting = [deque() for _ in range(len(self.lines))]
        self.live = LiveCount(scenario, self.lines, self.record, self._abandon)
        self.agents = AgentPool(rosters, len(scenario.agent_groups),
                                [g.max_chats for g in scenario.agent_groups])
        self.rosters = rosters
        self.do = Behaviour(scenario, self.lines)
        self.is_chat = [scenario.queues[q].channel == "chat" for q in self.lines.queue]
        self.is_live = [scenario.queues[q].channel != "email" for q in self.lines.queue]
        # Groups on shifts that serve e-mail work it outside opening hours (see rosters);
        # then no live contact may be answered while the center is closed.
        self.after_hours_groups = [g for g, group in enumerate(scenario.agent_groups)
                                   if works_after_hours(scenario, group)]
        self.after_hours = bool(self.after_hours_groups)
        self.chat_lines = [[line for line in lines if self.is_chat[line]] for lines in self.lines.serves]
        self.interval_starts_s = scenario.horizon.interval_starts_s().ravel().tolist()
        # First contacts drawn but not yet queued, in enqueue order, and whether each goes
        # straight to the overflow partner; the first `next_first` have been queued.
        self.first_contacts: list[int] = []
        self.first_overflow: list[bool] = []
        self.next_first = 0
        self.next_s = INF  # enqueue time of the next first contact (run_until_empty's feed)
        self.today = None  # the current day's customers (Customers), admitted interval by interval
        self.today_rows: list[int] = []  # where each of its intervals starts in it
        self.roster_days: list[list[tuple]] = []  # duty events not yet scheduled, by day
        # Fast lanes for the plain inbound case: no rule at arrival, nothing but handle time.
        self.plain_queue = [r.overflow_line < 0 and r.callback is None for r in self.do.queue_rules]
        self.plain_handling = [not (self.is_chat[q] or self.do.queue_rules[q].callback or self.do.models_outcome[q])
                               for q in range(len(scenario.queues))]
        self.handle_scale = self.do.handle_scale
        self.redials = [q.redial.share > 0 for q in scenario.queues]
        # Queues no group serves: every contact goes to the overflow partner.
        self.overflow_only = [not any(q.name in g.serves for g in scenario.agent_groups)
                              for q in scenario.queues]
        self.overflow_queues = [[q for q, spec in enumerate(scenario.queues)
                                 if spec.overflow is not None and spec.overflow.to == group.name]
                                for group in scenario.agent_groups]
        self.blocked = [[] for _ in scenario.queues]  # overflow due, partner away
        self.release = self._on_release  # bound once: scheduled for every contact answered
        # An agent holding one contact (not chats) has one release pending at a time: its
        # event is made once and put back on the schedule for each contact (see `_answer`).
        self.releases = [At.reusable(self.release, agent) for agent in range(len(self.agents))]
        self.groups_for = self.lines.groups_for  # read once per contact
        follow_ups = (any(self.redials) or any(self.do.models_outcome)
                      or any(rules.callback for rules in self.do.queue_rules))
        self.log = LogBuilder(scenario, self.agents, follow_ups)

    # --- running ---------------------------------------------------------------------------

    def run(self) -> None:
        env = self.env
        self.roster_days = self._roster_events_by_day()
        At(env, 0.0, self._on_midnight, 0)
        if self.interval_starts_s:
            At(env, self.interval_starts_s[0], self._on_interval, 0)
        if self.after_hours:
            for day in range(self.hours.days):
                At(env, day * DAY_S + self.hours.open_s, self._on_open)
        run_until_empty(env, feed=self)
        self.end_s = max(self.end_s, env.now)
        self._finish()
        if self.progress:
            self.progress(1.0)

    def _roster_events_by_day(self) -> list[list[tuple]]:
        """Duty starts and ends and breaks, as (time, handler, payload), by the day they
        fall in: scheduled a day at a time, so the schedule holds a day of them, not a year."""
        days = [[] for _ in range(self.hours.days)]
        last = self.hours.days - 1

        def add(time_s: float, handler, payload) -> None:
            days[min(int(time_s // DAY_S), last)].append((time_s, handler, payload))

        for agent, roster in enumerate(self.rosters):
            for start_s, end_s in roster.windows:
                add(start_s, self._on_duty_start, agent)
                add(end_s, self._on_duty_end, agent)
            for start_s, end_s in roster.breaks:
                add(start_s, self._on_break_due, (agent, end_s - start_s))
        return days

    def _on_midnight(self, event) -> None:
        day = event._value
        if day + 1 < len(self.roster_days):
            At(self.env, (day + 1) * DAY_S, self._on_midnight, day + 1)
        events, self.roster_days[day] = self.roster_days[day], []
        for time_s, handler, payload in events:
            At(self.env, time_s, handler, payload)

    def _finish(self) -> None:
        """Callers still queued when no agent is left abandon at their deadline if it is
        finite; the others stay unserved, observed until the run's end."""
        record = self.record
        unserved = []
        for line, waiting in enumerate(self.waiting):
            for c in waiting:
                if record.outcome[c] == WAITING and record.line[c] == line:
                    if record.deadline_s[c] < float("inf"):
                        self._abandon(c)
                        self.end_s = max(self.end_s, record.abandon_s[c])  # the run covers it
                    else:
                        unserved.append(c)
        for c in unserved:
            record.end_s[c] = self.end_s
        for agent in range(len(self.agents)):
            self.agents.enter(agent, OFFLINE, self.end_s)  # closes each agent's last spell
        self.emit(self.log.batch(record, range(len(record)), self.end_s, last=True))

    # --- the log leaving the run -----------------------------------------------------------

    def _flush(self, finished: list[int], now: float) -> None:
        """Hand the finished contacts (and the agent spells closed so far) to the log, and
        renumber the slots still in play everywhere one is held: lines, overflow waits,
        live counts, redial decisions, first contacts not yet queued, pending events.

        Only at interval starts, between events, so no handler holds a slot while it runs.
        """
        record = self.record
        self.emit(self.log.batch(record, finished, now, last=False))
        keep = [c for c, outcome in enumerate(record.outcome) if outcome == WAITING]
        new_slot = [-1] * len(record)
        for slot, c in enumerate(keep):
            new_slot[c] = slot
        record.keep(keep)
        self.waiting = [deque(new_slot[c] for c in line if new_slot[c] >= 0) for line in self.waiting]
        self.blocked = [[new_slot[c] for c in cs if new_slot[c] >= 0] for cs in self.blocked]
        self.live.renumber(new_slot)
        self.do.renumber(new_slot)
        pending = range(self.next_first, len(self.first_contacts))
        self.first_contacts = [new_slot[self.first_contacts[i]] for i in pending]
        self.first_overflow = [self.first_overflow[i] for i in pending]
        self.next_first = 0
        renumber_payloads(self.env, {self._on_follow_up, self._on_overflow_due,
                                     self._on_patience_out, self._on_callback_retry}, new_slot)

    # --- contacts arriving -----------------------------------------------------------------

    def _on_interval(self, event) -> None:
        """Admit the first contacts arriving in this interval (a day's are drawn at its
        first interval) and merge those who queue into the first contacts waiting to queue
        (a caller still in the IVR among them), in enqueue order, ties by id. Before that,
        finished contacts leave for the log if enough joined since the last time."""
        k, record, customers = event._value, self.record, self.customers
        if k + 1 < len(self.interval_starts_s):
            At(self.env, self.interval_starts_s[k + 1], self._on_interval, k + 1)
        if self.progress:
            self.progress(min(event.time_s / self.end_s, 1.0))
        if len(record) >= self.flush_at:
            self._flush(record.finished(), event.time_s)
            self.flush_at = len(record) + self.flush_contacts
        day, i = divmod(k, self.intervals_per_day)
        if i == 0:
            self.today = customers.draw(day)
            self.today_rows = [0, *np.cumsum(customers.interval_counts(day)).tolist()]
        lo, hi = self.today_rows[i], self.today_rows[i + 1]
        if lo == hi:
            return
        block = self.today.rows(lo, hi)
        slots = record.admit(block, customers.first_id(day) + lo)
        queued = np.flatnonzero(~block.self_served)
        # The block's rows are in id order: a stable sort by enqueue time breaks ties by id.
        rows = queued[np.argsort((block.arrival_s + block.ivr_s)[queued], kind="stable")]
        first = (slots.start + rows).tolist()
        overflow = block.overflow[rows].tolist()
        left = self.first_contacts[self.next_first:]  # still in the IVR: ids below the block's
        if left:
            first, overflow = left + first, self.first_overflow[self.next_first:] + overflow
            order = sorted(range(len(first)), key=lambda j: (record.enqueue_s[first[j]], j))
            first, overflow = [first[j] for j in order], [overflow[j] for j in order]
        self.first_contacts, self.first_overflow = first, overflow
        self.next_first = 0
        self.next_s = record.enqueue_s[self.first_contacts[0]] if self.first_contacts else INF

    def take(self) -> None:
        """Enqueue the next first contact, and the ones after it that come before the next
        scheduled event: first contacts need no event of their own (the loop compares
        `next_s` with the schedule; env.now lags behind within a run of them, which nothing
        reads)."""
        first, enqueue_s, queue = self.first_contacts, self.record.enqueue_s, self.record.queue
        schedule = self.env._queue  # read directly: env.peek() is a call per contact
        i, now = self.next_first, self.next_s
        while True:
            c = first[i]
            if self.plain_queue[queue[c]]:
                self._route(c, queue[c], now)
            else:
                self._enqueue(c, now, self.first_overflow[i])
            i += 1
            if i == len(first):
                now = INF
                break
            now = enqueue_s[first[i]]
            if schedule and now >= schedule[0][0]:
                break
        self.next_first, self.next_s = i, now

    def _on_follow_up(self, event) -> None:
        self._enqueue(event._value, event.time_s, False)

    def _enqueue(self, c: int, now: float, to_partner: bool) -> None:
        """A contact joins its queue: decide its line (overflow, callback), then route it."""
        q = self.record.queue[c]
        line = q
        rules = self.do.queue_rules[q]
        if rules.overflow_line >= 0 and (
                self.overflow_only[q] or self._partner_on_duty(q) and (to_partner or self.live.too_long(q, now))):
            line = rules.overflow_line
        elif rules.callback is not None:
            if not self.record.callback[c]:
                line = self._maybe_callback(c, q, now)
        self._route(c, line, now)
        if self.record.line[c] == q and rules.after_wait_s is not None:
            At(self.env, now + rules.after_wait_s, self._on_overflow_due, c)

    def _maybe_callback(self, c: int, q: int, now: float) -> int:
        """Offer a callback when the expected wait is long; returns the line to join.

        Everyone ahead in the queue's line counts: live callers and `keep_place` callbacks
        (`when_free` callbacks wait in a line of their own, served after it)."""
        serving = sum(self.agents.on_duty[g] for g in self.lines.groups_for[q])
        ahead = self.live.count(q, now)
        expected_wait_s = ahead * self.do.service_s[q] / serving if serving else float("inf")
        callback = self.do.queue_rules[q].callback
        if expected_wait_s <= callback.offer_above_wait_s or not self.do.accepts_callback(self.record, c):
            return q
        self.record.callback[c] = True
        self.record.deadline_s[c] = float("inf")  # the caller hangs up and waits for the call
        return self.lines.callback_line[q] if self.lines.callback_line[q] >= 0 else q

    def _route(self, c: int, line: int, now: float, first_time: bool = True) -> None:
        """Give the contact to an idle agent of the first group that has one, or queue it.

        `first_time` is False for a contact moved from one line to another: whether it
        will redial was decided when it first started waiting."""
        agents = self.agents
        chat = self.is_chat[line]
        if not (self.after_hours and self.is_live[line] and not self.hours.is_open(now)):
            for g in self.groups_for[line]:
                idle = agents.idle[g]
                if idle:
                    self._answer(c, idle.popitem(last=False)[0], now)
                    return
                if chat and agents.chatting[g]:
                    self._answer(c, next(iter(agents.chatting[g])), now)
                    return
        self.record.line[c] = line
        self.waiting[line].append(c)
        if self.live.tracked[line]:
            self.live.joined(line, c)
        if first_time and self.redials[self.record.entry_queue[c]] and self.do.redials_if_abandoning(self.record, c):
            At(self.env, self.record.deadline_s[c], self._on_patience_out, c)

    def _on_overflow_due(self, event) -> None:
        self._overflow(event._value, event.time_s)

    def _overflow(self, c: int, now: float) -> None:
        """A caller still waiting in-house past the overflow delay moves to the partner's
        line, or waits for a partner agent to come on duty."""
        record = self.record
        q = record.queue[c]
        if record.outcome[c] != WAITING or record.line[c] != q:
            return
        if record.deadline_s[c] < now:
            self._abandon(c)
        elif self._partner_on_duty(q):
            if self.live.tracked[q]:
                self.live.left(q)
            record.line[c] = -1  # its entry in the in-house line is now stale
            self._route(c, self.lines.overflow_line[q], now, first_time=False)
        else:
            self.blocked[q].append(c)

    def _partner_on_duty(self, q: int) -> bool:
        return any(self.agents.on_duty[g] for g in self.lines.groups_for[self.lines.overflow_line[q]])

    def _partner_arrived(self, g: int, now: float) -> None:
        """Callers whose overflow delay passed while the partner was away move now."""
        for q in self.overflow_queues[g]:
            blocked, self.blocked[q] = self.blocked[q], []
            for c in blocked:
                self._overflow(c, now)

    def _on_patience_out(self, event) -> None:
        c = event._value
        if self.record.outcome[c] == WAITING and self.record.line[c] >= 0:
            self._abandon(c)

    def _abandon(self, c: int) -> None:
        record = self.record
        record.outcome[c] = ABANDONED
        record.abandon_s[c] = record.end_s[c] = record.deadline_s[c]
        line = record.line[c]
        if line >= 0 and self.live.tracked[line]:
            self.live.left(line)
        record.line[c] = -1
        if self.redials[record.entry_queue[c]]:
            follow_up = self.do.redial(record, c, self.hours)
            if follow_up is not None:
                At(self.env, record.enqueue_s[follow_up], self._on_follow_up, follow_up)

    # --- agents taking contacts ------------------------------------------------------------

    def _answer(self, c: int, agent: int, now: float) -> None:
        agents, record = self.agents, self.record
        state = agents.state
        if state[agent] != BUSY:  # not straight from the previous contact: close the spell
            # AgentPool.enter(agent, BUSY, now), inlined: this runs once per contact (~5 %).
            since = agents.since_s[agent]
            if now > since:
                agents.spells += (agent, state[agent], since, now)
            state[agent] = BUSY
            agents.since_s[agent] = now
        load = agents.load[agent] = agents.load[agent] + 1
        record.agent[c] = agent
        record.answer_s[c] = now
        q = record.queue[c]
        if self.plain_handling[q]:
            record.outcome[c] = ANSWERED
            handle = record.handle_s
            handle_s = handle[c] = handle[c] * self.handle_scale[agents.group[agent]][q]
            end_s = record.end_s[c] = now + handle_s + record.wrap_s[c]
            self.releases[agent].again(self.env, end_s)  # not a chat: the only one pending
        else:
            end_s = self._answer_with_behaviours(c, agent, q, load, now)
            At(self.env, end_s, self.release, agent)

    def _answer_with_behaviours(self, c: int, agent: int, q: int, load: int, now: float) -> float:
        """Chats held at once, callback tries, resolution and transfers."""
        agents, record = self.agents, self.record
        g = agents.group[agent]
        if self.is_chat[q] and agents.capacity[agent] > 1:
            agents.chats_held[agent] += 1
            chatting = agents.chatting[g]
            if load < agents.capacity[agent]:
                chatting[agent] = None
            else:
                chatting.pop(agent, None)
        if record.callback[c]:
            record.callback_tries[c] += 1
            if not self.do.reached(record, c):
                return self._no_answer(c, now)
        return self._handle(c, g, load, now)

    def _handle(self, c: int, g: int, load: int, now: float) -> float:
        record = self.record
        record.outcome[c] = ANSWERED
        handle_s = self.do.handle_s(record, c, g, load)
        record.handle_s[c] = handle_s
        end_s = record.end_s[c] = now + handle_s + record.wrap_s[c]
        if self.do.models_outcome[record.queue[c]]:
            follow_up = self.do.outcome(record, c, g, now, self.hours)
            if follow_up is not None:
                At(self.env, record.enqueue_s[follow_up], self._on_follow_up, follow_up)
        return end_s

    def _no_answer(self, c: int, now: float) -> float:
        """The customer does not pick up the callback: the try costs the agent time, and
        the same contact is called again later, or ends `no_answer` after the last try."""
        record = self.record
        no_answer_s = self.do.queue_rules[record.queue[c]].callback.no_answer_s
        end_s = now + no_answer_s
        again_s = self.do.retry_at(record, c, now, self.hours)
        if again_s is None:
            record.outcome[c] = NO_ANSWER
            record.handle_s[c] = no_answer_s
            record.wrap_s[c] = 0.0
            record.end_s[c] = end_s
        else:
            record.failed_try(record.agent[c], now, end_s)
            record.agent[c] = -1
            record.answer_s[c] = float("nan")
            At(self.env, again_s, self._on_callback_retry, c)
        return end_s

    def _on_callback_retry(self, event) -> None:
        c, now = event._value, event.time_s
        q = self.record.queue[c]
        line = self.lines.callback_line[q] if self.lines.callback_line[q] >= 0 else q
        self._route(c, line, now, first_time=False)

    def _on_release(self, event) -> None:
        agent, now = event._value, event.time_s
        agents = self.agents
        load = agents.load[agent] = agents.load[agent] - 1
        if agents.chats_held[agent]:  # it holds chats only, so this was one
            agents.chats_held[agent] -= 1
        if load == 0:
            if agents.capacity[agent] > 1:
                agents.chatting[agents.group[agent]].pop(agent, None)
                self._free(agent, now)
            elif agents.scheduled[agent] and not agents.break_due_s[agent]:
                # The common case, without calls through _free and _seek_work: take the
                # next contact, or go idle (from busy, which leaves no spell to record).
                g = agents.group[agent]
                if not self._seek(agent, self.lines.serves[g], now):
                    agents.state[agent] = AVAILABLE
                    agents.since_s[agent] = now
                    agents.idle[g][agent] = None
            else:
                self._free(agent, now)
        elif agents.scheduled[agent] and not agents.break_due_s[agent]:
            if not self._seek(agent, self.chat_lines[agents.group[agent]], now):
                agents.chatting[agents.group[agent]][agent] = None  # room for another chat

    def _seek_work(self, agent: int, now: float) -> None:
        """Take the oldest live contact of the first served line that has one, or go idle."""
        agents = self.agents
        g = agents.group[agent]
        if self._seek(agent, self.lines.serves[g], now):
            if agents.capacity[agent] > 1:
                self._fill_chats(agent, now)
        else:
            agents.enter(agent, AVAILABLE, now)
            agents.idle[g][agent] = None

    def _fill_chats(self, agent: int, now: float) -> None:
        """An agent holding chats takes waiting chats until full or none wait, so that an
        agent with room for a chat means no chat waits in its lines (what _route relies on)."""
        g = self.agents.group[agent]
        chatting, lines = self.agents.chatting[g], self.chat_lines[g]
        while agent in chatting and self._seek(agent, lines, now):
            pass

    def _seek(self, agent: int, lines: list[int], now: float) -> bool:
        """Answer the oldest live contact of the first of `lines` that has one.

        Entries of contacts answered, abandoned or moved meanwhile are dropped on the way,
        and callers found past their deadline are logged as abandoned at it. While the
        center is closed only e-mail is taken.
        """
        all_waiting = self.waiting
        for line in lines:
            waiting = all_waiting[line]
            if not waiting:
                continue  # the common case after a release: looked at before anything else
            if self.after_hours and self.is_live[line] and not self.hours.is_open(now):
                continue
            record = self.record
            outcome, on_line, deadline_s = record.outcome, record.line, record.deadline_s
            while waiting:
                c = waiting.popleft()
                if outcome[c] != WAITING or on_line[c] != line:
                    continue
                if deadline_s[c] < now:
                    self._abandon(c)
                    continue
                if self.live.tracked[line]:
                    self.live.left(line)
                on_line[c] = -1
                self._answer(c, agent, now)
                return True
        return False
