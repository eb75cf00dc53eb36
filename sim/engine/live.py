"""The true number of callers waiting in a line, where a rule needs it.

With lazy abandonment a line's deque still holds callers who have hung up, so its length
over-counts. Lines whose queue has a callback offer or a queue-length overflow rule keep
an exact count: +1 when a caller joins, -1 when one is answered, moved or abandons; and
before the count is read, callers whose patience has run out are found with a heap of
deadlines and logged as abandoned at their deadline. Other lines pay nothing.
"""

import heapq
import math
from typing import Callable

from sim.engine.lines import Lines
from sim.engine.record import WAITING, ContactRecord
from sim.scenario import Scenario


class LiveCount:
    def __init__(self, scenario: Scenario, lines: Lines, record: ContactRecord,
                 abandon: Callable[[int], None]):
        self.record = record
        self.abandon = abandon
        self.tracked = [False] * len(lines)
        self.limit = [None] * len(scenario.queues)  # queue_length_above, per queue
        for q, queue in enumerate(scenario.queues):
            if queue.overflow is not None:
                self.limit[q] = queue.overflow.queue_length_above
            self.tracked[q] = queue.callback is not None or self.limit[q] is not None
        self.counts = [0] * len(lines)
        self.deadlines = [[] for _ in range(len(lines))]

    # joined and left are called for tracked lines only: the event loop checks `tracked`
    # first, so untracked lines cost it a list lookup and no call.

    def joined(self, line: int, c: int) -> None:
        self.counts[line] += 1
        deadline = self.record.deadline_s[c]
        if deadline < math.inf:
            heapq.heappush(self.deadlines[line], (deadline, c))

    def left(self, line: int) -> None:
        self.counts[line] -= 1

    def renumber(self, new_slot: list[int]) -> None:
        """Follow the record's renumbering (`ContactRecord.keep`); -1: the slot is gone,
        and so is its entry (it could only have been skipped)."""
        for line, heap in enumerate(self.deadlines):
            kept = [(deadline, new_slot[c]) for deadline, c in heap if new_slot[c] >= 0]
            heapq.heapify(kept)
            self.deadlines[line] = kept

    def count(self, line: int, now: float) -> int:
        """Callers still waiting in `line` at `now` (lines of queues with a rule that reads it)."""
        heap, record = self.deadlines[line], self.record
        while heap and heap[0][0] < now:
            _, c = heapq.heappop(heap)
            if record.outcome[c] == WAITING and record.line[c] == line:
                self.abandon(c)
        return self.counts[line]

    def too_long(self, q: int, now: float) -> bool:
        limit = self.limit[q]
        return limit is not None and self.count(q, now) > limit
