"""What happens to a contact besides waiting: handle time, resolution, transfer, recontact,
redial and callback decisions, and the follow-up contacts they create.

Every decision draws from its own stream ("decide/resolve", "decide/transfer", ...) and
every follow-up's needs from streams per queue, so behaviours switched off draw nothing
and leave the numbers of the others unchanged. A follow-up keeps its issue and customer;
a transfer is the next segment of the same attempt, a redial or a recontact is the next
attempt.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.engine.calendar import OpenHours
from sim.engine.lines import Lines
from sim.engine.reasons import reason_table
from sim.engine.record import NO, YES, ContactRecord
from sim.engine.sampling import Draws, uniforms
from sim.engine.streams import stream
from sim.scenario.behaviours import Callback
from sim.scenario import Scenario

MAX_SEGMENTS = 5  # at most four transfers per attempt: a guard against transfer loops
MAX_ATTEMPTS = 10  # at most nine redials or recontacts per issue


@dataclass(frozen=True)
class QueueRules:
    overflow_line: int  # -1 without an overflow rule
    after_wait_s: float | None
    callback: Callback | None


class Behaviour:
    def __init__(self, scenario: Scenario, lines: Lines, seed: int):
        self.queues = scenario.queues
        self.groups = scenario.agent_groups
        self.reasons = reason_table(scenario)
        self.queue_rules = [
            QueueRules(lines.overflow_line[q], q_.overflow.after_wait_s if q_.overflow else None, q_.callback)
            for q, q_ in enumerate(scenario.queues)
        ]
        self.service_s = [q.mean_handle_s + q.wrap.mean_s for q in scenario.queues]
        # Handled time = the customer's need x group speed x (1 - the queue's handle cut).
        self.handle_scale = [[g.handle_factor * (1.0 - q.handle_cut) for q in scenario.queues]
                             for g in scenario.agent_groups]
        self.resolution_scale = [1.0 - q.resolution_loss * q.handle_cut for q in scenario.queues]
        self.models_outcome = [
            any(r.resolution_prob is not None or r.transfer_prob > 0 for r in reasons)
            for reasons in self.reasons.by_queue
        ]
        self.recontact_queue = [
            scenario.queue_names.index(q.recontact.queue) if q.recontact.queue else i
            for i, q in enumerate(scenario.queues)
        ]
        # One stream per decision and queue: switching a behaviour on in one queue leaves
        # the draws of every other queue's decisions as they were (common random numbers).
        self._decide = [
            {name: uniforms(stream(seed, f"decide/{name}/{queue.name}"))
             for name in ("resolve", "transfer", "recontact", "redial", "callback", "reach")}
            for queue in scenario.queues
        ]
        self._draw = _FollowUpDraws(scenario, seed)
        self.will_redial: set[int] = set()

    # --- handling ---------------------------------------------------------------------------

    def handle_s(self, record: ContactRecord, c: int, g: int, chats_held: int) -> float:
        """Handled time, stretched for a chat by the other chats the agent holds."""
        q = record.queue[c]
        stretch = 1.0 + self.groups[g].chat_slowdown * (chats_held - 1) if self.queues[q].channel == "chat" else 1.0
        return record.handle_s[c] * self.handle_scale[g][q] * stretch

    def outcome(self, record: ContactRecord, c: int, g: int, now: float, hours: OpenHours) -> int | None:
        """Resolution and transfer of an answered contact; returns a follow-up to enqueue."""
        q = record.queue[c]
        reason = self.reasons.by_queue[q][record.reason_pos[c]]
        group = self.groups[g]
        destination = self.reasons.transfer_queue[q][record.reason_pos[c]]
        if (destination >= 0 and record.segment[c] < MAX_SEGMENTS
                and self._decide[q]["transfer"]() < reason.transfer_prob * group.transfer_factor):
            record.resolved[c] = NO
            record.transferred_to[c] = destination
            # The customer moves on when talk ends, while this agent does the wrap-up.
            return self._follow_up(record, c, destination, now + record.handle_s[c],
                                   ivr=False, attempt=record.attempt[c], segment=record.segment[c] + 1)
        if reason.resolution_prob is None:
            return None
        p = reason.resolution_prob * group.resolution_factor * self.resolution_scale[q]
        if self._decide[q]["resolve"]() < p:
            record.resolved[c] = YES
            return None
        record.resolved[c] = NO
        # The customer comes back the way they first came: the entry queue's settings apply.
        entry = record.entry_queue[c]
        recontact = self.queues[entry].recontact
        if (recontact.share == 0 or record.attempt[c] >= MAX_ATTEMPTS
                or self._decide[entry]["recontact"]() >= recontact.share):
            return None
        back_s = hours.after(now + record.handle_s[c], self._draw.recontact_delay[entry]())
        if back_s is None:
            return None  # would come back after the simulated period
        return self._follow_up(record, c, self.recontact_queue[entry], back_s, ivr=True,
                               attempt=record.attempt[c] + 1, segment=1)

    # --- abandonment and callbacks --------------------------------------------------------

    def redials_if_abandoning(self, record: ContactRecord, c: int) -> bool:
        """Decided when the caller starts waiting, so their hang-up can be timed exactly.

        A caller redials the number they first dialled: the queue they entered by, whose
        redial settings apply, even when they hang up in a queue they were transferred to.
        """
        q = record.entry_queue[c]
        share = self.queues[q].redial.share
        if (share == 0 or record.deadline_s[c] == float("inf") or record.attempt[c] >= MAX_ATTEMPTS
                or self._decide[q]["redial"]() >= share):
            return False
        self.will_redial.add(c)
        return True

    def redial(self, record: ContactRecord, c: int, hours: OpenHours) -> int | None:
        if c not in self.will_redial:
            return None
        q = record.entry_queue[c]
        again_s = hours.after(record.abandon_s[c], self._draw.redial_delay[q]())
        if again_s is None:
            return None
        return self._follow_up(record, c, q, again_s, ivr=True, attempt=record.attempt[c] + 1, segment=1)

    def accepts_callback(self, q: int) -> bool:
        return self._decide[q]["callback"]() < self.queue_rules[q].callback.accept_share

    def reached(self, record: ContactRecord, c: int) -> bool:
        q = record.queue[c]
        return self._decide[q]["reach"]() < self.queue_rules[q].callback.reach_prob

    def retry_at(self, record: ContactRecord, c: int, now: float, hours: OpenHours) -> float | None:
        """When to call again after an unanswered try: `retry_delay_s` of open time later,
        or None after the last try (or past the horizon's last close)."""
        callback = self.queue_rules[record.queue[c]].callback
        if record.callback_tries[c] >= callback.max_tries:
            return None
        return hours.after(now, callback.retry_delay_s)

    # --- follow-up contacts ----------------------------------------------------------------

    def _follow_up(self, record: ContactRecord, c: int, q: int, arrival_s: float, ivr: bool,
                   attempt: int, segment: int) -> int:
        """A new contact on the same issue, queueing at `q`, with needs drawn for that queue."""
        name = self.reasons.name_idx[record.queue[c]][record.reason_pos[c]]
        pos = self.reasons.lookup(q, name)
        draw = self._draw
        enqueue_s = arrival_s + (draw.ivr[q]() if ivr else 0.0)
        patience_s = draw.patience[q]()
        entry_q = record.entry_queue[c] if segment > 1 else q  # a transfer keeps its entry queue
        return record.follow_up(c, q, pos, arrival_s, enqueue_s, draw.handle[q][pos](), draw.wrap[q](),
                                patience_s, attempt, segment, entry_q)


class _FollowUpDraws:
    """Needs of follow-up contacts, one stream per queue (and reason) and purpose."""

    def __init__(self, scenario: Scenario, seed: int):
        def draws(dist, name):
            return Draws(dist.sample, stream(seed, f"follow-up/{name}"))

        self.handle, self.wrap, self.patience, self.ivr = [], [], [], []
        self.redial_delay, self.recontact_delay = [], []
        reasons = reason_table(scenario)
        for q, queue in enumerate(scenario.queues):
            self.handle.append([draws(r.handle or queue.handle, f"handle/{queue.name}/{r.name}")
                                for r in reasons.by_queue[q]])
            self.wrap.append(draws(queue.wrap, f"wrap/{queue.name}"))
            self.patience.append(draws(queue.patience, f"patience/{queue.name}"))
            self.ivr.append(draws(queue.ivr.time, f"ivr/{queue.name}"))
            self.redial_delay.append(draws(queue.redial.delay, f"redial/{queue.name}"))
            self.recontact_delay.append(draws(queue.recontact.delay, f"recontact/{queue.name}"))
