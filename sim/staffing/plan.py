"""Putting a requirement table back into a scenario ("staff to target"), so the staffing
the Erlang formulas call for can be simulated and checked against what they promise.

Each queue's required agents go to the in-house groups that list the queue first in
`serves` (its specialists), split per interval in proportion to their current staffing
(evenly where they have none), rounded so they add up to the requirement. Skills further
down a group's list are not counted, as `forecast_from_scenario` sizes each queue alone:
the simulation then shows what sharing agents across queues adds.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from sim.errors import InputError
from sim.scenario import Scenario
from sim.scenario.load import parse_scenario


def staff_to_requirement(scenario: Scenario, agents_by_queue: Mapping[str, np.ndarray]) -> Scenario:
    """`scenario` with its specialists' staffing set to the required agents per interval.

    `agents_by_queue` maps a queue name to its required agents, one per open interval of
    the horizon (days x intervals per day, day after day), as `requirements_table` gives.
    Queues it leaves out, and groups that are partners, keep their staffing.
    """
    days, width = scenario.horizon.days, scenario.horizon.intervals_per_day
    data = scenario.model_dump(mode="json")
    for queue, required in agents_by_queue.items():
        required = np.asarray(required, dtype=np.int64).reshape(-1)
        if required.size != days * width:
            raise InputError(f"staff to target: {queue}: {required.size} interval(s) given, "
                             f"the horizon has {days * width}")
        groups = [i for i, g in enumerate(scenario.agent_groups)
                  if g.serves[:1] == [queue] and not g.is_partner]
        if not groups:
            raise InputError(f"staff to target: queue {queue!r} has no in-house group that "
                             "serves it first")
        for i in groups:
            if scenario.agent_groups[i].shifts is not None:
                raise InputError(f"agent_groups[{i}].shifts: staff to target needs staffing "
                                 "per interval, not shifts")
        current = np.stack([scenario.staffing(scenario.agent_groups[i]).reshape(-1)
                            for i in groups]).astype(float)
        for i, agents in zip(groups, _split(required, current)):
            data["agent_groups"][i]["staffing"] = agents.tolist()
    return parse_scenario(data, source=f"{scenario.name} staffed to target")


def _split(required: np.ndarray, current: np.ndarray) -> np.ndarray:
    """Whole agents per group and interval adding up to `required`, shared like `current`
    (largest remainders get the leftover agents)."""
    totals = current.sum(axis=0)
    weights = np.where(totals > 0, current / np.where(totals > 0, totals, 1), 1 / len(current))
    exact = weights * required
    agents = np.floor(exact).astype(np.int64)
    short = required - agents.sum(axis=0)
    order = np.argsort(-(exact - agents), axis=0, kind="stable")
    for rank in range(len(current)):
        agents[order[rank], np.arange(required.size)] += rank < short
    return agents
