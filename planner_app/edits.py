"""The Scenario page's levers as edits of a scenario's plain data (as dumped to JSON).

Each function changes one part of `data` in place and leaves validation to
`parse_scenario`, so an impossible combination comes back as the scenario's own message.
"""

from __future__ import annotations

import math

from sim.timefmt import clock


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


def staffing_table(scenario) -> "pd.DataFrame":
    """One day's agents on duty per interval (rows, clock labels) for each group given by
    `staffing` for one day or as one number (columns); groups with shifts or a different
    plan per day are left out (their shifts or days are edited in the file)."""
    import pandas as pd

    horizon = scenario.horizon
    starts = horizon.interval_starts_s()[0]
    labels = [clock(s) for s in starts]
    columns = {}
    for group in scenario.agent_groups:
        staffing = group.staffing
        if isinstance(staffing, int) or (isinstance(staffing, list)
                                         and len(staffing) == horizon.intervals_per_day):
            columns[group.name] = scenario.staffing(group)[0]
    return pd.DataFrame(columns, index=pd.Index(labels, name="interval start"))


def set_staffing(data: dict, table) -> None:
    """Write an edited `staffing_table` back into the scenario data, column by column
    (a blank cell counts as 0 agents; negative counts are left for validation to refuse)."""
    names = [g["name"] for g in data["agent_groups"]]
    for column in table.columns:
        values = table[column].fillna(0)
        data["agent_groups"][names.index(column)]["staffing"] = [int(v) for v in values]
