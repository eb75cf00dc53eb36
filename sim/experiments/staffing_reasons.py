"""Why a simulated requirement differs from Erlang A's: the model features at work.

Each reason is read off the scenario and the simulated counts of that interval; they
are the usual suspects named in the staffing literature, checked one by one, so the
planner sees which one applies where, not a generic "the model is richer".
"""

from __future__ import annotations

import numpy as np

FOLLOW_UP_SHARE = 0.1  # follow-ups above this share of offered contacts are worth naming
LOAD_STEP = 1.15  # the previous interval's forecast above/below this ratio: a ramp


def reasons(scenario, sized, table) -> list[str]:
    """One text per row of the staffing table ('' where simulation agrees with Erlang A)."""
    out = []
    per_day = scenario.horizon.intervals_per_day
    n = len(table) // len(sized)
    calls = table["calls"].to_numpy(float)
    for row in range(len(table)):
        q, i = divmod(row, n)
        diff = int(table["agents_simulation"].iat[row]) - int(table["agents_erlang_a"].iat[row])
        out.append("" if diff == 0 else "; ".join(
            _reasons(scenario, sized[q], table, row, i, per_day, calls, diff)))
    return out


def _reasons(scenario, sized_pair, table, row, i, per_day, calls, diff) -> list[str]:
    q, own_group = sized_pair
    queue = scenario.queues[q]
    found = []
    offered, follow = table["offered_sim"].iat[row], table["follow_ups_sim"].iat[row]
    if offered > 0 and follow / offered >= FOLLOW_UP_SHARE:
        found.append(f"{follow / offered:.0%} of simulated contacts are transfers, redials or "
                     "recontacts, which the first-contact forecast leaves out")
    elif calls[row] > 0 and offered > LOAD_STEP * calls[row]:
        found.append(f"simulated offered {offered:,.1f} vs {calls[row]:,.1f} forecast")
    helpers = [g.name for k, g in enumerate(scenario.agent_groups)
               if k != own_group and queue.name in g.serves and _on_duty(g, i, per_day)]
    if diff < 0 and helpers:
        found.append("agents of " + ", ".join(helpers) + " also serve this queue")
    previous = calls[row - 1] if i % per_day else 0.0
    if i % per_day and diff > 0 and previous > LOAD_STEP * calls[row]:
        found.append(f"inherits the backlog of a busier interval before "
                     f"({previous:,.0f} -> {calls[row]:,.0f} calls)")
    if diff < 0 and i % per_day == 0:
        found.append("opens with an empty queue (Erlang assumes steady state)")
    elif diff < 0 and calls[row] > LOAD_STEP * previous:
        found.append("a rising load has not reached steady-state congestion")
    for what, dist in (("handle", queue.handle), ("patience", queue.patience)):
        if dist.dist not in ("exponential", "none"):
            cv = getattr(dist, "cv", None)
            found.append(f"{what} times are {dist.dist}" + (f" (CV {cv:g})" if cv is not None else "")
                         + ", Erlang assumes exponential")
    if diff > 0 and not found:
        sl, target = table["sl_erlang_a_plan"].iat[row], table.attrs.get("sl_target")
        if target is not None and np.isfinite(sl) and sl >= target:
            found.append(f"Erlang A's count gives SL {sl:.2%} in simulation: the target on "
                         "average, not at the confidence bound")
        elif target is not None and np.isfinite(sl):
            found.append(f"Erlang A's count gives SL {sl:.2%} in simulation, below the target")
    if diff < 0 and not found:
        found.append("the simulated interval does better than the steady-state formula")
    return found or ["the simulated interval differs from the steady-state formula"]


def _on_duty(group, i: int, per_day: int) -> bool:
    staffing = group.staffing
    if staffing is None:
        return True  # shifts: may be on duty
    if isinstance(staffing, int):
        return staffing > 0
    return staffing[i % len(staffing)] > 0 if len(staffing) == per_day else staffing[i] > 0
