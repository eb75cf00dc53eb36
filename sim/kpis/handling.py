"""Handling and productivity KPIs: AHT, occupancy, utilization, output per hour, transfers.

Agent time comes from the agent-state spells, clipped to each group's time span, so an
interval's occupancy counts only the seconds worked inside that interval.
"""

from __future__ import annotations

import numpy as np

from sim.kpis.context import Context, ratio


def handling_kpis(ctx: Context) -> dict:
    c, g = ctx.contacts, ctx.grouping
    handled_n = g.count(c.answered)
    work_s = ctx.agent_seconds["busy"] + ctx.agent_seconds["wrap"]
    ready_s = work_s + ctx.agent_seconds["available"]
    staffed_h = ctx.staffed_hours
    level1 = c.answered & (c.segment == 1)
    level1_n = g.count(level1)
    transfers = g.count_by_label(c.frame["transferred_to"], level1 & c.transferred)
    out = {
        "aht": ratio(g.total(c.handle + c.wrap, c.answered), handled_n),
        "occupancy": ratio(work_s, ready_s),
        "utilization": ratio(work_s / 3600.0, staffed_h),
        "handled_per_hour": ratio(handled_n, staffed_h),
        "resolved_per_hour": ratio(g.count(c.resolved), staffed_h),
        "transfer_rate": ratio(g.count(level1 & c.transferred), level1_n),
        "transfer_rate_by_destination": {to: ratio(n, level1_n) for to, n in transfers.items()},
    }
    # the issue table last: the temporaries above never sit on top of it
    issues = ctx.issues
    resolved_issue = ~np.isnan(issues.resolution_s)
    out["avg_resolution_time"] = ratio(
        g.total(issues.resolution_s, resolved_issue, issues.code),
        g.count(resolved_issue, issues.code))
    return out
