"""The Scenario page's levers as edits of a scenario's plain data (as dumped to JSON).

Each function changes one part of `data` in place and leaves validation to
`parse_scenario`, so an impossible combination comes back as the scenario's own message.
"""

from __future__ import annotations

import math


def scale_volume(queue: dict, factor: float) -> None:
    """Multiply a queue's expected contacts (daily volumes or interval volumes) by `factor`."""
    arrivals = queue["arrivals"]
    for name in ("daily_volume", "interval_volumes"):
        value = arrivals.get(name)
        if isinstance(value, list):
            arrivals[name] = [v * factor for v in value]
        elif value is not None:
            arrivals[name] = value * factor


def set_mean(distribution: dict, mean_s: float) -> None:
    """Set the mean of a handle, wrap or patience distribution (an empirical one is rescaled)."""
    if distribution["dist"] == "empirical":
        values = distribution["values_s"]
        old = sum(values) / len(values) if values else 0.0
        distribution["values_s"] = [v * mean_s / old for v in values] if old else values
    elif distribution["dist"] != "none":
        distribution["mean_s"] = mean_s


def scale_staffing(group: dict, factor: float, add_agents: int) -> None:
    """Agents on duty x factor + add_agents per interval (or per shift), never below 0.

    Rounded to the nearest whole agent: a factor of 1 and 0 added keep the plan exactly.
    """
    def changed(count: int) -> int:
        return max(0, int(math.floor(count * factor + 0.5)) + add_agents)

    if group.get("shifts"):
        for shift in group["shifts"]:
            shift["count"] = changed(shift["count"])
    elif isinstance(group.get("staffing"), list):
        group["staffing"] = [changed(n) for n in group["staffing"]]
    elif group.get("staffing") is not None:
        group["staffing"] = changed(group["staffing"])
