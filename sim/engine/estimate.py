"""How big a run will be, before it starts: expected contacts and peak memory.

A run built in memory (`simulate`) holds its whole log; a streamed run (`simulate_to`)
holds about a day of customers and a batch of finished contacts, whatever the horizon. A
scenario with too much volume for the machine would crash in numpy (daily_volume = 1e12)
or swap for minutes before failing: `check_fits` refuses such a run up front with the
estimate in the message; `allow_large=True` runs it anyway.
"""

from __future__ import annotations

import os

from sim.errors import InputError
from sim.scenario import Scenario

# Peak memory per contact above imports, rounded up: measured (benchmarks/bench_scale.py,
# 1,078,489 contacts) at 671-690 bytes for a run built in memory; a streamed run's 175 MB
# is 660 bytes per contact of a day (216,000) plus a batch (50,000). Behaviours add
# follow-up contacts, which `expected_contacts` does not count.
BYTES_PER_CONTACT = 850


def expected_contacts(scenario: Scenario) -> float:
    """Expected first contacts over the horizon, all queues (follow-ups come on top)."""
    return float(sum(scenario.expected_arrivals(queue).sum() for queue in scenario.queues))


def estimated_peak_bytes(scenario: Scenario, streamed: bool = False) -> float:
    """In memory, the whole log; streamed (`simulate_to`), the busiest day's contacts and
    a batch of finished ones waiting for the next day start."""
    if not streamed:
        return expected_contacts(scenario) * BYTES_PER_CONTACT
    from sim.engine.core import FLUSH_CONTACTS

    busiest_day = max(sum(scenario.expected_arrivals(queue)[day].sum() for queue in scenario.queues)
                      for day in range(scenario.horizon.days))
    return (busiest_day + FLUSH_CONTACTS) * BYTES_PER_CONTACT


def available_memory_bytes() -> int | None:
    """Memory the machine can give now (MemAvailable), or None when it cannot tell."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def check_fits(scenario: Scenario, streamed: bool = False) -> None:
    """Raise InputError if the run's estimated peak memory exceeds the available memory."""
    available = available_memory_bytes()
    needed = estimated_peak_bytes(scenario, streamed)
    if available is None or needed <= available:
        return
    raise InputError(
        f"scenario {scenario.name!r}: about {expected_contacts(scenario):,.0f} contacts, "
        f"about {readable_bytes(needed)} of memory: more than this machine has available "
        f"({readable_bytes(available)}); shorten the horizon or lower the volume, or allow "
        f"a large run explicitly (ccplan simulate --allow-large, or simulate(..., allow_large=True))"
    )


def readable_bytes(count: float) -> str:
    """1.1 TB, 14 GB, 230 MB: decimal units, two significant digits below 10."""
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if count >= size:
            value = count / size
            return f"{value:.1f} {unit}" if value < 10 else f"{value:,.0f} {unit}"
    return f"{count:.0f} B"
