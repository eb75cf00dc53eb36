"""The contacts table while a run writes it: one Python list per column.

First contacts fill the lists up front from the pre-drawn customers; follow-up contacts
(transfers, redials, recontacts) are appended as they are decided. A callback stays one
contact however many tries it takes; the failed tries are agent time, kept apart.
Plain lists because the loop reads and writes single cells, where they beat numpy.
"""

import math

import numpy as np

from sim.engine.arrivals import Customers

ANSWERED, ABANDONED, WAITING, SELF_SERVED, NO_ANSWER = range(5)
OUTCOME_LABELS = ["answered", "abandoned", "unserved", "self_served", "no_answer"]
UNKNOWN, NO, YES = -1, 0, 1  # `resolved`


class ContactRecord:
    def __init__(self, customers: Customers):
        count = len(customers)
        self.arrival_s = customers.arrival_s.tolist()
        enqueue_s = customers.arrival_s + customers.ivr_s
        served_by_ivr = customers.self_served
        self.enqueue_s = np.where(served_by_ivr, np.nan, enqueue_s).tolist()
        self.deadline_s = (enqueue_s + customers.patience_s).tolist()
        self.queue = customers.queue_idx.tolist()
        self.entry_queue = list(self.queue)  # the queue the attempt started in (before transfers)
        self.reason_pos = customers.reason_pos.tolist()
        self.handle_s = customers.handle_s.tolist()  # replaced by the handled time when answered
        self.wrap_s = customers.wrap_s.tolist()
        self.issue = list(range(count))
        self.issue_key = customers.key  # uint64 per issue (= first contact): its customer's dice
        self.customer = list(range(count))
        self.attempt = [1] * count
        self.segment = [1] * count
        self.callback = [False] * count
        self.callback_tries = [0] * count
        # Callback tries the customer did not pick up, before the last: agent time only.
        self.try_agent: list[int] = []
        self.try_start_s: list[float] = []
        self.try_end_s: list[float] = []
        self.answer_s = [math.nan] * count
        self.abandon_s = [math.nan] * count
        self.end_s = np.where(served_by_ivr, enqueue_s, np.nan).tolist()  # IVR end
        self.agent = [-1] * count
        self.outcome = np.where(served_by_ivr, SELF_SERVED, WAITING).tolist()
        self.resolved = [UNKNOWN] * count
        self.transferred_to = [-1] * count
        self.line = [-1] * count  # the line a waiting contact is in

    def __len__(self) -> int:
        return len(self.arrival_s)

    def follow_up(self, of: int, queue: int, reason_pos: int, arrival_s: float, enqueue_s: float,
                  handle_s: float, wrap_s: float, patience_s: float, attempt: int, segment: int,
                  entry_queue: int) -> int:
        """Append a contact on the same issue as contact `of`; returns its id."""
        self.arrival_s.append(arrival_s)
        self.enqueue_s.append(enqueue_s)
        self.deadline_s.append(enqueue_s + patience_s)
        self.queue.append(queue)
        self.entry_queue.append(entry_queue)
        self.reason_pos.append(reason_pos)
        self.handle_s.append(handle_s)
        self.wrap_s.append(wrap_s)
        self.issue.append(self.issue[of])
        self.customer.append(self.customer[of])
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
        return len(self.arrival_s) - 1

    def failed_try(self, agent: int, start_s: float, end_s: float) -> None:
        self.try_agent.append(agent)
        self.try_start_s.append(start_s)
        self.try_end_s.append(end_s)
