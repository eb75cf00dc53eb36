"""The same M/M/n+M queue as `baseline_simpy`, modelled in Ciw: a second yardstick.

Ciw (https://ciw.readthedocs.io) is a queueing-network simulator: one node with n servers,
exponential service, and exponential patience through its reneging distributions; every
call is read back from `get_all_records()`. Like the SimPy model it has no intervals or
shifts: arrivals stop at `duration_s` and the servers stay until the last caller is done.

A benchmark peer only, never imported by the package or the tests; install it with
`.venv/bin/pip install -e '.[bench]'` (the pinned version is in pyproject.toml's `bench` extra).
"""

from __future__ import annotations

import math
import random

import ciw

from baseline_simpy import Call


class _PoissonUntil(ciw.dists.Distribution):
    """Exponential inter-arrival times while the line is open, then none: Ciw takes an
    infinite gap as 'no further arrival'."""

    def __init__(self, rate_per_s: float, duration_s: float):
        self.rate_per_s = rate_per_s
        self.duration_s = duration_s

    def sample(self, t=None, ind=None):
        gap_s = random.expovariate(self.rate_per_s)
        return gap_s if t + gap_s < self.duration_s else math.inf


def simulate_ciw(
    agents: int,
    calls_per_min: float,
    handle_mean_s: float,
    patience_mean_s: float,
    duration_s: float,
    seed: int,
) -> list[Call]:
    """Poisson arrivals over [0, duration_s), exponential handle and patience."""
    network = ciw.create_network(
        arrival_distributions=[_PoissonUntil(calls_per_min / 60, duration_s)],
        service_distributions=[ciw.dists.Exponential(1 / handle_mean_s)],
        number_of_servers=[agents],
        reneging_time_distributions=[ciw.dists.Exponential(1 / patience_mean_s)],
    )
    ciw.seed(seed)
    simulation = ciw.Simulation(network)
    # Runs until no event is left (the next one is at infinity); the limit is only a bound.
    simulation.simulate_until_max_time(duration_s + 86_400.0)
    calls = []
    for record in simulation.get_all_records():
        if record.record_type == "renege":
            calls.append(Call(record.arrival_date, math.nan, record.exit_date))
        else:
            calls.append(Call(record.arrival_date, record.service_start_date, record.service_end_date))
    return calls
