"""Waiting lines and who serves them, in priority order.

Each queue has its main line. A queue with an overflow rule also has an overflow line,
served by the overflow group only (first, since taking overflow is that group's job); a
queue whose callbacks wait `when_free` has a callback line, which its groups serve last,
after every line with live customers. Lines are numbered: main lines first (line q is
queue q's), then overflow and callback lines.
"""

from dataclasses import dataclass

from sim.scenario import Scenario


@dataclass(frozen=True)
class Lines:
    queue: list[int]  # queue of each line
    overflow_line: list[int]  # per queue, -1 if none
    callback_line: list[int]  # per queue, -1 if callbacks keep their place (or none)
    serves: list[list[int]]  # per group, the lines it takes contacts from, in priority order
    groups_for: list[list[int]]  # per line, the groups an arrival tries, in order

    def __len__(self) -> int:
        return len(self.queue)


def build_lines(scenario: Scenario) -> Lines:
    names = scenario.queue_names
    groups = [g.name for g in scenario.agent_groups]
    queue = list(range(len(names)))
    overflow_line, callback_line = [-1] * len(names), [-1] * len(names)
    for q, spec in enumerate(scenario.queues):
        if spec.overflow is not None:
            overflow_line[q] = len(queue)
            queue.append(q)
        if spec.callback is not None and spec.callback.placement == "when_free":
            callback_line[q] = len(queue)
            queue.append(q)
    serves = []
    for g, group in enumerate(scenario.agent_groups):
        main = [names.index(name) for name in group.serves]
        overflow = [overflow_line[q] for q, spec in enumerate(scenario.queues)
                    if spec.overflow is not None and groups.index(spec.overflow.to) == g]
        callbacks = [callback_line[q] for q in main if callback_line[q] >= 0]
        serves.append(overflow + main + callbacks)
    def rank(g: int, line: int) -> int:
        """A group's priority for a line: its queue's place in `serves` (the overflow
        group ranks first on the overflow line, the one line it exists for)."""
        if line == overflow_line[queue[line]]:
            return -1
        return scenario.agent_groups[g].serves.index(names[queue[line]])

    groups_for = [
        sorted((g for g, lines in enumerate(serves) if line in lines),
               key=lambda g, line=line: (rank(g, line), g))
        for line in range(len(queue))
    ]
    return Lines(queue, overflow_line, callback_line, serves, groups_for)
