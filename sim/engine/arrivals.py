"""Customers of a run, drawn before the clock starts: who arrives when, and with what needs.

Drawing every first contact's arrival, reason, handle and wrap time, patience and IVR
path up front (each from its own stream, in arrival order) keeps the event loop free of
sampling and gives two scenarios with the same seed the same customers, whatever their
staffing. Each customer also gets a random 64-bit key (see `sim.engine.dice`): the
decisions and follow-up contacts of its story are drawn from it as they happen.
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


def draw_customers(scenario: Scenario, seed: int) -> Customers:
    parts = [_draw_queue(scenario, i, seed) for i in range(len(scenario.queues))]
    merged = {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}
    order = np.argsort(merged["arrival_s"], kind="stable")
    return Customers(**{name: values[order] for name, values in merged.items()})


def _draw_queue(scenario: Scenario, queue_idx: int, seed: int) -> dict[str, np.ndarray]:
    queue = scenario.queues[queue_idx]
    name = queue.name
    arrival_s = arrival_times(
        scenario.expected_arrivals(queue),
        scenario.horizon.interval_starts_s(),
        scenario.horizon.interval_s,
        queue.arrivals.day_to_day_cv,
        stream(seed, f"arrivals/{name}"),
    )
    count = len(arrival_s)
    reasons = queue_reasons(queue)
    reason_pos = stream(seed, f"reason/{name}").choice(len(reasons), count, p=reason_shares(queue))
    handle_s = queue.handle.sample(stream(seed, f"handle/{name}"), count)
    for pos, reason in enumerate(reasons):  # a reason's own handle replaces the queue's
        if reason.handle is not None:
            mine = reason_pos == pos
            handle_s[mine] = reason.handle.sample(stream(seed, f"handle/{name}/{reason.name}"), mine.sum())
    overflow_share = queue.overflow.share if queue.overflow is not None else 0.0
    return {
        "arrival_s": arrival_s,
        "queue_idx": np.full(count, queue_idx, dtype=np.int64),
        "reason_pos": reason_pos.astype(np.int64),
        "handle_s": handle_s,
        "wrap_s": queue.wrap.sample(stream(seed, f"wrap/{name}"), count),
        "patience_s": queue.patience.sample(stream(seed, f"patience/{name}"), count),
        "ivr_s": queue.ivr.time.sample(stream(seed, f"ivr/{name}"), count),
        "self_served": stream(seed, f"self_service/{name}").random(count) < queue.ivr.self_service_share,
        "overflow": stream(seed, f"overflow/{name}").random(count) < overflow_share,
        "key": stream(seed, f"customer/{name}").integers(
            np.iinfo(np.uint64).max, size=count, dtype=np.uint64, endpoint=True),
    }


def arrival_times(
    expected: np.ndarray,
    interval_starts_s: np.ndarray,
    interval_s: float,
    day_to_day_cv: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Sorted arrival times of a Poisson process whose rate is constant within each interval.

    `expected` and `interval_starts_s` have shape (days, intervals). Given the count in an
    interval, Poisson arrivals are uniform within it, which makes this sampling exact. With
    `day_to_day_cv` > 0 each day's rate is scaled by a Gamma(1/cv², cv²) factor (mean 1).
    """
    if day_to_day_cv > 0:
        shape = 1.0 / day_to_day_cv**2
        expected = expected * rng.gamma(shape, 1.0 / shape, size=(expected.shape[0], 1))
    counts = rng.poisson(expected).ravel()
    starts = np.repeat(interval_starts_s.ravel(), counts)
    # Intervals do not overlap, so sorting all times at once keeps each in its interval.
    return np.sort(starts + rng.random(len(starts)) * interval_s)
