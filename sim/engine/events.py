"""The one kind of event the engine schedules, a callback at an exact time, and the loop
that fires them (beside a feed of first contacts, which need no event each).

Both read SimPy's private schedule (`Environment._queue`, a heap of (time, priority, id,
event) tuples, and `_eid`): measured on the bench's 500-agent day, this loop instead of
`Environment.run()` and `Environment.schedule` takes ~15 % off the event loop's time.
pyproject pins simpy below 5, and tests/test_engine_edge_cases.py fails loudly if the
heap's layout changes.
"""

from heapq import heappop, heappush
from math import inf as INF

import simpy
from simpy.events import NORMAL


class At(simpy.events.Event):
    """Fires at an exact time with one callback: a Timeout without its extra bookkeeping.

    It goes on SimPy's schedule with its absolute time as the key (what
    `Environment.schedule` does with now + delay), so the clock reads exactly `time_s` when
    it fires: now + (t - now) could round.
    """

    _ok = True  # it never fails (what Environment.step reads after the callbacks)

    def __init__(self, env: simpy.Environment, time_s: float, callback, payload=None):
        if not time_s >= env._now:  # a real check: `python -O` strips asserts (NaN fails too)
            raise ValueError(f"event at {time_s} s scheduled at {env._now} s: "
                             "an event in the past would turn the clock back")
        # Only what firing it reads: an At is created per contact, so every attribute counts.
        self.callbacks = [callback]
        self._value = payload
        self.time_s = time_s
        heappush(env._queue, (time_s, NORMAL, next(env._eid), self))

    @classmethod
    def reusable(cls, callback, payload) -> "At":
        """An At not yet on the schedule, for `again`: one object for a callback that is
        never pending twice at once (an agent's release of the one contact in hand)."""
        event = cls.__new__(cls)
        event.callbacks, event._value, event.time_s = [callback], payload, 0.0
        return event

    def again(self, env: simpy.Environment, time_s: float) -> None:
        """Put this event (fired, or never scheduled) on the schedule at `time_s`: what a
        new At would do, without making one. The run's loop leaves `callbacks` in place."""
        if not time_s >= env._now:
            raise ValueError(f"event at {time_s} s scheduled at {env._now} s: "
                             "an event in the past would turn the clock back")
        self.time_s = time_s
        heappush(env._queue, (time_s, NORMAL, next(env._eid), self))


def run_until_empty(env: simpy.Environment, feed=None) -> None:
    """`env.run()` for a schedule that holds only `At` events: each has one callback and
    cannot fail, so SimPy's per-event generality (callback lists, failure and
    StopSimulation handling) is skipped.

    `feed`, if given, is a time-ordered source of work that needs no event of its own
    (the engine's first contacts): `feed.next_s` is when its next item is due (inf: none
    left), and `feed.take()` handles it, and the ones after it due before the schedule's
    next event. An event due at the same time as the feed's item fires first."""
    queue = env._queue
    if feed is None:
        while queue:
            env._now, _, _, event = heappop(queue)
            event.callbacks[0](event)
        return
    while True:
        if queue and queue[0][0] <= feed.next_s:
            env._now, _, _, event = heappop(queue)
            event.callbacks[0](event)
        elif feed.next_s < INF:
            env._now = feed.next_s
            feed.take()
        else:
            return


def renumber_payloads(env: simpy.Environment, handlers, new_slot: list[int]) -> None:
    """Follow a renumbering of contact slots in the schedule: each pending event whose
    callback is one of `handlers` carries a slot as its payload; it gets the slot's new
    number, or, if the slot is gone (a finished contact), does nothing when it fires —
    what its handler would have done for a finished contact. The times and order of the
    schedule do not change."""
    for _, _, _, event in env._queue:
        if event.callbacks[0] in handlers:
            slot = new_slot[event._value]
            if slot >= 0:
                event._value = slot
            else:
                event.callbacks[0] = _nothing


def _nothing(event) -> None:
    pass
