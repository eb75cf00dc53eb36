"""What happens to a contact besides waiting: handle time, resolution, transfer, recontact,
redial and callback decisions, and the follow-up contacts they create.

Every decision and every follow-up's needs are the contact's own random numbers
(`sim.engine.dice`): drawn from its customer's key, the decision's kind and the contact's
(attempt, segment), never from a stream shared in event order, so a staffing change leaves
each customer's story as it was wherever the two runs reach the same contact. A follow-up
keeps its issue and customer; a transfer is the next segment of the same attempt, a redial
or a recontact is the next attempt.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.engine.calendar import OpenHours
from sim.engine.dice import Dice, position
from sim.engine.lines import Lines
from sim.engine.needs import Quantile, quantile_function
from sim.engine.reasons import reason_table
from sim.engine.record import NO, YES, ContactRecord
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
    def __init__(self, scenario: Scenario, lines: Lines):
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
        self.dice = Dice()
        # Follow-up needs, per queue (handle per reason): quantile functions of their
        # distributions, evaluated at the contact's own uniforms.
        self.handle_need = [[quantile_function(r.handle or queue.handle) for r in self.reasons.by_queue[q]]
                            for q, queue in enumerate(scenario.queues)]
        self.ivr_need = [quantile_function(q.ivr.time) for q in scenario.queues]
        self.patience_need = [quantile_function(q.patience) for q in scenario.queues]
        self.wrap_need = [quantile_function(q.wrap) for q in scenario.queues]
        self.redial_delay = [quantile_function(q.redial.delay) for q in scenario.queues]
        self.recontact_delay = [quantile_function(q.recontact.delay) for q in scenario.queues]
        self.will_redial: set[int] = set()  # slots of callers who redial if they hang up

    def renumber(self, new_slot: list[int]) -> None:
        """Follow the record's renumbering (`ContactRecord.keep`); -1: the slot is gone."""
        self.will_redial = {new_slot[c] for c in self.will_redial if new_slot[c] >= 0}

    # --- handling ---------------------------------------------------------------------------

    def handle_s(self, record: ContactRecord, c: int, g: int, chats_held: int) -> float:
        """Handled time, stretched for a chat by the other chats the agent holds."""
        q = record.queue[c]
        stretch = 1.0 + self.groups[g].chat_slowdown * (chats_held - 1) if self.queues[q].channel == "chat" else 1.0
        return record.handle_s[c] * self.handle_scale[g][q] * stretch

    def _decide(self, kind: str, record: ContactRecord, c: int, attempt_try: int = 0) -> float:
        """The contact's own U[0, 1) for a decision of `kind`."""
        return self.dice.uniform(kind, record.key[c],
                                 position(record.attempt[c], record.segment[c], attempt_try))

    def outcome(self, record: ContactRecord, c: int, g: int, now: float, hours: OpenHours) -> int | None:
        """Resolution and transfer of an answered contact; returns a follow-up to enqueue.

        `resolution_prob` applies to the contacts not transferred: the resolved share of a
        reason is resolution x (1 - transfer). A recontact's delay starts when the talk
        ends (the customer is gone; the agent's wrap-up does not delay them)."""
        q = record.queue[c]
        reason = self.reasons.by_queue[q][record.reason_pos[c]]
        group = self.groups[g]
        destination = self.reasons.transfer_queue[q][record.reason_pos[c]]
        if (destination >= 0 and record.segment[c] < MAX_SEGMENTS
                and self._decide("transfer", record, c) < reason.transfer_prob * group.transfer_factor):
            record.resolved[c] = NO
            record.transferred_to[c] = destination
            # The customer moves on when talk ends, while this agent does the wrap-up.
            return self._follow_up(record, c, destination, now + record.handle_s[c], None, hours,
                                   ivr=False, attempt=record.attempt[c], segment=record.segment[c] + 1)
        if reason.resolution_prob is None:
            return None
        p = reason.resolution_prob * group.resolution_factor * self.resolution_scale[q]
        if self._decide("resolve", record, c) < p:
            record.resolved[c] = YES
            return None
        record.resolved[c] = NO
        # The customer comes back the way they first came: the entry queue's settings apply.
        entry = record.entry_queue[c]
        recontact = self.queues[entry].recontact
        if (recontact.share == 0 or record.attempt[c] >= MAX_ATTEMPTS
                or self._decide("recontact", record, c) >= recontact.share):
            return None
        return self._follow_up(record, c, self.recontact_queue[entry], now + record.handle_s[c],
                               self.recontact_delay[entry], hours, ivr=True, attempt=record.attempt[c] + 1,
                               segment=1)

    # --- abandonment and callbacks --------------------------------------------------------

    def redials_if_abandoning(self, record: ContactRecord, c: int) -> bool:
        """Decided when the caller starts waiting, so their hang-up can be timed exactly.

        A caller redials the number they first dialled: the queue they entered by, whose
        redial settings apply, even when they hang up in a queue they were transferred to.
        """
        q = record.entry_queue[c]
        share = self.queues[q].redial.share
        if (share == 0 or record.deadline_s[c] == float("inf") or record.attempt[c] >= MAX_ATTEMPTS
                or self._decide("redial", record, c) >= share):
            return False
        self.will_redial.add(c)
        return True

    def redial(self, record: ContactRecord, c: int, hours: OpenHours) -> int | None:
        if c not in self.will_redial:
            return None
        q = record.entry_queue[c]
        return self._follow_up(record, c, q, record.abandon_s[c], self.redial_delay[q], hours,
                               ivr=True, attempt=record.attempt[c] + 1, segment=1)

    def accepts_callback(self, record: ContactRecord, c: int) -> bool:
        return self._decide("callback", record, c) < self.queue_rules[record.queue[c]].callback.accept_share

    def reached(self, record: ContactRecord, c: int) -> bool:
        """Whether the customer picks up this try (each try is its own draw)."""
        q = record.queue[c]
        return self._decide("reach", record, c, record.callback_tries[c]) < self.queue_rules[q].callback.reach_prob

    def retry_at(self, record: ContactRecord, c: int, now: float, hours: OpenHours) -> float | None:
        """When to call again after an unanswered try: `retry_delay_s` of open time later,
        or None after the last try (or past the horizon's last close)."""
        callback = self.queue_rules[record.queue[c]].callback
        if record.callback_tries[c] >= callback.max_tries:
            return None
        return hours.after(now, callback.retry_delay_s)

    # --- follow-up contacts ----------------------------------------------------------------

    def _follow_up(self, record: ContactRecord, c: int, q: int, ready_s: float,
                   delay: Quantile | None, hours: OpenHours, ivr: bool,
                   attempt: int, segment: int) -> int | None:
        """A new contact on the same issue, queueing at `q` after `delay` of open time from
        `ready_s` (None: at once), or None if it would come after the horizon.

        Its needs, for queue `q`, are its own: each the quantile of its distribution at the
        contact's uniform for that need, so the same contact gets the same needs in any run."""
        key, at = record.key[c], position(attempt, segment)
        need = self.dice.uniform
        arrival_s = ready_s
        if delay is not None:
            arrival_s = hours.after(ready_s, delay(need("need/delay", key, at)))
            if arrival_s is None:
                return None  # would come back after the simulated period
        name = self.reasons.name_idx[record.queue[c]][record.reason_pos[c]]
        pos = self.reasons.lookup(q, name)
        enqueue_s = arrival_s + (self.ivr_need[q](need("need/ivr", key, at)) if ivr else 0.0)
        patience_s = self.patience_need[q](need("need/patience", key, at))
        handle_s = self.handle_need[q][pos](need("need/handle", key, at))
        wrap_s = self.wrap_need[q](need("need/wrap", key, at))
        entry_q = record.entry_queue[c] if segment > 1 else q  # a transfer keeps its entry queue
        return record.follow_up(c, q, pos, arrival_s, enqueue_s, handle_s, wrap_s,
                                patience_s, attempt, segment, entry_q)
