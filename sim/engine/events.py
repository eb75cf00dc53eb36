"""The one kind of event the engine schedules: a callback at an exact time."""

from heapq import heappush

import simpy
from simpy.events import NORMAL


class At(simpy.events.Event):
    """Fires at an exact time with one callback: a Timeout without its extra bookkeeping.

    It goes on SimPy's schedule with its absolute time as the key (what
    `Environment.schedule` does with now + delay), so the clock reads exactly `time_s` when
    it fires: now + (t - now) could round. This reads SimPy's `_queue` and `_eid`, which is
    why pyproject pins simpy below 5.
    """

    def __init__(self, env: simpy.Environment, time_s: float, callback, payload=None):
        if not time_s >= env.now:  # a real check: `python -O` strips asserts (NaN fails too)
            raise ValueError(f"event at {time_s} s scheduled at {env.now} s: "
                             "an event in the past would turn the clock back")
        self.env = env
        self.callbacks = [callback]
        self._value = payload
        self._ok = True
        self.time_s = time_s
        heappush(env._queue, (time_s, NORMAL, next(env._eid), self))
