"""Customers of a run, drawn day by day as the clock reaches each day: who arrives when,
and with what needs.

Every first contact's arrival, reason, handle and wrap time, patience and IVR path come
from its queue's own streams, in arrival order, before the event loop sees it. The loop
stays free of sampling, and two scenarios with the same seed get the same customers
whatever their staffing. Each customer also gets a random 64-bit key (see
`sim.engine.dice`): the decisions and follow-up contacts of its story are drawn from it.

Only the arrival counts of the whole horizon are drawn up front (one number per interval);
the customers themselves are drawn one day at a time, so a year costs the memory of a day.
Each stream is read on in the same order, so a day's customers are exactly those that
drawing the whole horizon at once would give (tests/test_engine_streaming.py checks it).
"""

from dataclasses import dataclass

import numpy as np

from sim.engine.reasons import queue_reasons, reason_shares
from sim.engine.streams import stream
from sim.scenario import Scenario


@dataclass(frozen=True)
class Customers:
    """One row per first contact, sorted by arrival time."""

    arrival_s: np.ndarray
    queue_idx: np.ndarray
    reason_pos: np.ndarray  # position in the queue's reasons
    handle_s: np.ndarray  # before the answering group's proficiency
    wrap_s: np.ndarray
    patience_s: np.ndarray
    ivr_s: np.ndarray
    self_served: np.ndarray  # contained by the IVR: never queues
    overflow: np.ndarray  # sent straight to the overflow partner (fixed share)
    key: np.ndarray  # uint64: the customer's own dice (sim.engine.dice)

    def __len__(self) -> int:
        return len(self.arrival_s)

    def rows(self, start: int, stop: int) -> "Customers":
        """Rows start .. stop - 1 (views, not copies)."""
        return Customers(**{name: values[start:stop] for name, values in vars(self).items()})


class CustomerDays:
    """A run's first contacts, handed out one day at a time, in order.

    `total` is the number of first contacts over the whole horizon; first contacts are
    numbered 0 .. total - 1 in arrival order, so `first_id(day)` is known before the day
    is drawn.
    """

    def __init__(self, scenario: Scenario, seed: int):
        self.days = scenario.horizon.days
        self._queues = [_QueueDraws(scenario, q, seed) for q in range(len(scenario.queues))]
        self._per_interval = sum(queue.counts for queue in self._queues)  # (days, intervals)
        per_day = self._per_interval.sum(axis=1)
        self._first_id = np.concatenate([[0], np.cumsum(per_day)]).tolist()
        self.total = self._first_id[-1]
        self._next_day = 0

    def first_id(self, day: int) -> int:
        return self._first_id[day]

    def interval_counts(self, day: int) -> np.ndarray:
        """First contacts arriving in each open interval of `day`, all queues."""
        return self._per_interval[day]

    def draw(self, day: int) -> Customers:
        """Day `day`'s first contacts; days must be drawn in order, each once."""
        if day != self._next_day:
            raise ValueError(f"day {day} drawn out of order (next is {self._next_day})")
        self._next_day += 1
        parts = [queue.draw(day) for queue in self._queues]
        merged = {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}
        order = np.argsort(merged["arrival_s"], kind="stable")
        return Customers(**{name: values[order] for name, values in merged.items()})


class _QueueDraws:
    """One queue's streams, read on day after day."""

    def __init__(self, scenario: Scenario, queue_idx: int, seed: int):
        queue = scenario.queues[queue_idx]
        self.queue, self.queue_idx = queue, queue_idx
        self.interval_s = scenario.horizon.interval_s
        self.interval_starts_s = scenario.horizon.interval_starts_s()
        name = queue.name
        self.arrivals = stream(seed, f"arrivals/{name}")
        self.counts = arrival_counts(scenario.expected_arrivals(queue), queue.arrivals.day_to_day_cv,
                                     self.arrivals)
        self.reasons = queue_reasons(queue)
        self.shares = reason_shares(queue)
        names = ("reason", "handle", "wrap", "patience", "ivr", "self_service", "overflow", "customer")
        self.streams = {kind: stream(seed, f"{kind}/{name}") for kind in names}
        self.reason_streams = {r.name: stream(seed, f"handle/{name}/{r.name}")
                               for r in self.reasons if r.handle is not None}

    def draw(self, day: int) -> dict[str, np.ndarray]:
        queue, streams = self.queue, self.streams
        starts = np.repeat(self.interval_starts_s[day], self.counts[day])
        # Given the count in an interval, Poisson arrivals are uniform within it (exact);
        # intervals do not overlap, so one sort keeps each arrival in its interval.
        arrival_s = np.sort(starts + self.arrivals.random(len(starts)) * self.interval_s)
        count = len(arrival_s)
        reason_pos = streams["reason"].choice(len(self.reasons), count, p=self.shares)
        handle_s = queue.handle.sample(streams["handle"], count)
        for pos, reason in enumerate(self.reasons):  # a reason's own handle replaces the queue's
            if reason.handle is not None:
                mine = reason_pos == pos
                handle_s[mine] = reason.handle.sample(self.reason_streams[reason.name], mine.sum())
        overflow_share = queue.overflow.share if queue.overflow is not None else 0.0
        return {
            "arrival_s": arrival_s,
            "queue_idx": np.full(count, self.queue_idx, dtype=np.int64),
            "reason_pos": reason_pos.astype(np.int64),
            "handle_s": handle_s,
            "wrap_s": queue.wrap.sample(streams["wrap"], count),
            "patience_s": queue.patience.sample(streams["patience"], count),
            "ivr_s": queue.ivr.time.sample(streams["ivr"], count),
            "self_served": streams["self_service"].random(count) < queue.ivr.self_service_share,
            "overflow": streams["overflow"].random(count) < overflow_share,
            "key": streams["customer"].integers(
                np.iinfo(np.uint64).max, size=count, dtype=np.uint64, endpoint=True),
        }


def arrival_counts(expected: np.ndarray, day_to_day_cv: float, rng: np.random.Generator) -> np.ndarray:
    """Poisson arrival counts per interval, shape (days, intervals) like `expected`.

    With `day_to_day_cv` > 0 each day's rate is scaled by a Gamma(1/cv², cv²) factor (mean 1).
    """
    if day_to_day_cv > 0:
        shape = 1.0 / day_to_day_cv**2
        expected = expected * rng.gamma(shape, 1.0 / shape, size=(expected.shape[0], 1))
    return rng.poisson(expected)
