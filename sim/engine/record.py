"""The contacts of a run while it writes them: one Python list per column, one slot per
contact still in play.

A day's first contacts are admitted when the clock reaches the day; follow-up contacts
(transfers, redials, recontacts) are appended as they are decided. A contact's slot is
its handle in the event loop; its log id (`contact_id`) is fixed when it is created:
first contacts are numbered in arrival order over the whole horizon, follow-ups after
them in the order they are decided. When the run hands finished contacts to the log,
`keep` drops their slots and renumbers the rest (sim/engine/core.py remaps every slot it
holds), so memory follows the contacts in play, not the horizon.

A callback stays one contact however many tries it takes; the failed tries are agent
time, kept apart. Plain lists because the loop reads and writes single cells, where they
beat numpy.
"""

import math

import numpy as np

from sim.engine.arrivals import Customers

ANSWERED, ABANDONED, WAITING, SELF_SERVED, NO_ANSWER = range(5)
OUTCOME_LABELS = ["answered", "abandoned", "unserved", "self_served", "no_answer"]
UNKNOWN, NO, YES = -1, 0, 1  # `resolved`

COLUMNS = ("contact_id", "arrival_s", "enqueue_s", "deadline_s", "queue", "entry_queue",
           "reason_pos", "handle_s", "wrap_s", "issue", "key", "attempt", "segment",
           "callback", "callback_tries", "answer_s", "abandon_s", "end_s", "agent",
           "outcome", "resolved", "transferred_to", "line")


class ContactRecord:
    def __init__(self, first_contacts: int):
        for name in COLUMNS:
            setattr(self, name, [])
        self.next_follow_up_id = first_contacts  # follow-ups are numbered after every first contact
        # Callback tries the customer did not pick up, before the last: agent time only.
        self.try_agent: list[int] = []
        self.try_start_s: list[float] = []
        self.try_end_s: list[float] = []

    def __len__(self) -> int:
        return len(self.contact_id)

    def admit(self, customers: Customers, first_id: int) -> range:
        """Add a day's first contacts (ids from `first_id`, in arrival order); returns their slots."""
        count = len(customers)
        start = len(self)
        ids = range(first_id, first_id + count)
        enqueue_s = customers.arrival_s + customers.ivr_s
        served_by_ivr = customers.self_served
        self.contact_id += ids
        self.arrival_s += customers.arrival_s.tolist()
        self.enqueue_s += np.where(served_by_ivr, np.nan, enqueue_s).tolist()
        self.deadline_s += (enqueue_s + customers.patience_s).tolist()
        queue = customers.queue_idx.tolist()
        self.queue += queue
        self.entry_queue += queue  # the queue the attempt started in (before transfers)
        self.reason_pos += customers.reason_pos.tolist()
        self.handle_s += customers.handle_s.tolist()  # replaced by the handled time when answered
        self.wrap_s += customers.wrap_s.tolist()
        self.issue += ids  # an issue (and its customer) is numbered by its first contact
        self.key += customers.key.tolist()  # the customer's dice, shared by the whole issue
        self.attempt += [1] * count
        self.segment += [1] * count
        self.callback += [False] * count
        self.callback_tries += [0] * count
        self.answer_s += [math.nan] * count
        self.abandon_s += [math.nan] * count
        self.end_s += np.where(served_by_ivr, enqueue_s, np.nan).tolist()  # IVR end
        self.agent += [-1] * count
        self.outcome += np.where(served_by_ivr, SELF_SERVED, WAITING).tolist()
        self.resolved += [UNKNOWN] * count
        self.transferred_to += [-1] * count
        self.line += [-1] * count  # the line a waiting contact is in
        return range(start, start + count)

    def follow_up(self, of: int, queue: int, reason_pos: int, arrival_s: float, enqueue_s: float,
                  handle_s: float, wrap_s: float, patience_s: float, attempt: int, segment: int,
                  entry_queue: int) -> int:
        """Append a contact on the same issue as contact `of`; returns its slot."""
        self.contact_id.append(self.next_follow_up_id)
        self.next_follow_up_id += 1
        self.arrival_s.append(arrival_s)
        self.enqueue_s.append(enqueue_s)
        self.deadline_s.append(enqueue_s + patience_s)
        self.queue.append(queue)
        self.entry_queue.append(entry_queue)
        self.reason_pos.append(reason_pos)
        self.handle_s.append(handle_s)
        self.wrap_s.append(wrap_s)
        self.issue.append(self.issue[of])
        self.key.append(self.key[of])
        self.attempt.append(attempt)
        self.segment.append(segment)
        self.callback.append(False)
        self.callback_tries.append(0)
        self.answer_s.append(math.nan)
        self.abandon_s.append(math.nan)
        self.end_s.append(math.nan)
        self.agent.append(-1)
        self.outcome.append(WAITING)
        self.resolved.append(UNKNOWN)
        self.transferred_to.append(-1)
        self.line.append(-1)
        return len(self.contact_id) - 1

    def failed_try(self, agent: int, start_s: float, end_s: float) -> None:
        self.try_agent.append(agent)
        self.try_start_s.append(start_s)
        self.try_end_s.append(end_s)

    def finished(self) -> list[int]:
        """Slots whose row is final: every outcome but waiting (a callback between tries,
        a follow-up not yet queued and a caller still in line all read WAITING)."""
        return [c for c, outcome in enumerate(self.outcome) if outcome != WAITING]

    def keep(self, slots: list[int]) -> None:
        """Keep only `slots` (ascending), renumbered 0, 1, ...; the failed tries, already
        handed out with the finished contacts, are cleared."""
        for name in COLUMNS:
            column = getattr(self, name)
            column[:] = [column[c] for c in slots]
        self.try_agent.clear()
        self.try_start_s.clear()
        self.try_end_s.clear()
