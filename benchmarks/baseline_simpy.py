"""The textbook SimPy model of one M/M/n+M queue, as a yardstick for the engine's speed.

A process per call; the agents are one `simpy.Resource`; a caller waits for an agent or
for its patience to run out, whichever comes first; every call is logged as a record.
It has no intervals, shifts or skills: agents stay until the last caller is served.
"""

from __future__ import annotations

import math
import random
from typing import NamedTuple

import simpy


class Call(NamedTuple):
    arrival_s: float
    answer_s: float  # NaN if the caller hung up
    end_s: float  # end of the call, or the hang-up


def simulate_baseline(
    agents: int,
    calls_per_min: float,
    handle_mean_s: float,
    patience_mean_s: float,
    duration_s: float,
    seed: int,
) -> list[Call]:
    """Poisson arrivals over [0, duration_s), exponential handle and patience."""
    rng = random.Random(seed)
    env = simpy.Environment()
    desk = simpy.Resource(env, capacity=agents)
    calls: list[Call] = []

    def call(arrival_s: float):
        with desk.request() as request:
            result = yield request | env.timeout(rng.expovariate(1 / patience_mean_s))
            if request not in result:
                calls.append(Call(arrival_s, math.nan, env.now))
                return
            answer_s = env.now
            yield env.timeout(rng.expovariate(1 / handle_mean_s))
            calls.append(Call(arrival_s, answer_s, env.now))

    def arrivals():
        while True:
            yield env.timeout(rng.expovariate(calls_per_min / 60))
            if env.now >= duration_s:
                return
            env.process(call(env.now))

    env.process(arrivals())
    env.run()
    return calls
