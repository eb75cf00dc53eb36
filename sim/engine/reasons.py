"""Contact reasons as the engine reads them: one flat table over every queue.

A queue without `reasons` has one implicit reason (its `reason` name and `handle`, no
resolution model). Follow-up contacts (transfers, redials, recontacts) keep their reason
name; in the queue they land in, that queue's reason of the same name applies, or its
first reason when it has none of that name.
"""

from dataclasses import dataclass

import numpy as np

from sim.scenario import Queue, Scenario
from sim.scenario.behaviours import Reason


@dataclass(frozen=True)
class ReasonTable:
    names: list[str]  # distinct reason names (log labels)
    by_queue: list[list[Reason]]  # reasons of each queue, in file order
    name_idx: list[list[int]]  # name index of each queue's reasons
    transfer_queue: list[list[int]]  # destination queue index per reason, -1 if none

    def lookup(self, queue_idx: int, name_idx: int) -> int:
        """Position in `queue_idx`'s reasons of reason `name_idx` (0 if it has none)."""
        names = self.name_idx[queue_idx]
        return names.index(name_idx) if name_idx in names else 0


def queue_reasons(queue: Queue) -> list[Reason]:
    if queue.reasons is not None:
        return list(queue.reasons)
    return [Reason(name=queue.reason, share=1.0)]


def reason_table(scenario: Scenario) -> ReasonTable:
    by_queue = [queue_reasons(q) for q in scenario.queues]
    names = list(dict.fromkeys(r.name for reasons in by_queue for r in reasons))
    queue_names = scenario.queue_names
    return ReasonTable(
        names=names,
        by_queue=by_queue,
        name_idx=[[names.index(r.name) for r in reasons] for reasons in by_queue],
        transfer_queue=[
            [queue_names.index(r.transfer_to) if r.transfer_to else -1 for r in reasons]
            for reasons in by_queue
        ],
    )


def reason_shares(queue: Queue) -> np.ndarray:
    shares = np.asarray([r.share for r in queue_reasons(queue)], dtype=float)
    return shares / shares.sum()
