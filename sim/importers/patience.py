"""Estimate customers' mean patience from real data, to calibrate a scenario's abandonment.

With exponential patience of rate theta, every queued customer exposes theta for as long
as they wait, whether they are answered (a censored patience time) or abandon (an observed
one). The likelihood gives the MLE theta = abandonments / total waiting time of all queued
customers, and the mean patience 1 / theta. From interval totals the same identity is the
Erlang-A relation P(abandon) = theta * E[wait of all arrivals].
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.importers.intervals import ALL_QUEUES, IntervalData, totals
from sim.interaction_log import InteractionLog

CONTACT_METHOD = ("exponential MLE: abandoned / total queue wait of answered, abandoned and "
                  "unserved contacts (live channels)")
EXACT_INTERVAL_METHOD = ("exponential MLE from interval totals: abandoned / (ASA x handled + "
                         "average abandon time x abandoned)")
APPROX_INTERVAL_METHOD = ("Erlang-A relation P(ab) = theta x E[wait], with E[wait] taken as ASA "
                          "(assumes abandoners waited as long as answered callers on average; "
                          "overstates patience when they hang up sooner)")


def patience_from_log(log: InteractionLog, async_channels=("email", "ticket", "messaging")):
    """Per queue and overall ("all"): abandoned, waiting_s, mean_patience_s, method."""
    c = log.contacts
    outcome = c["outcome"]
    live = (outcome.isin(["answered", "abandoned", "unserved"])
            & ~c["channel"].isin(list(async_channels))).to_numpy(dtype=bool, na_value=False)
    leave = c["answer_s"].fillna(c["abandon_s"]).fillna(c["end_s"])
    frame = pd.DataFrame({"queue": c["queue"], "waiting_s": leave - c["enqueue_s"],
                          "abandoned": (outcome == "abandoned").astype(float)})[live]
    per_queue = frame.groupby("queue").sum()
    per_queue.loc[ALL_QUEUES] = frame[["waiting_s", "abandoned"]].sum()
    return _estimate(per_queue["abandoned"], per_queue["waiting_s"], CONTACT_METHOD)


def patience_from_intervals(data: IntervalData) -> pd.DataFrame:
    """Per queue and overall ("all"), from ASA (and average abandon time when exported)."""
    frame = data.frame
    sums = pd.concat([totals(frame, ["queue"]), totals(frame)]) if data.has_queue else (
        totals(frame))
    exact = not (((frame["abandoned"] > 0) & frame["avg_abandon_s"].isna()).any()
                 or ((frame["handled"] > 0) & frame["asa_s"].isna()).any())
    if exact:
        waiting_s = sums["answered_wait_s"] + sums["abandoned_wait_s"]
        method = EXACT_INTERVAL_METHOD
    else:
        asa_s = sums["answered_wait_s"] / sums["handled_with_asa"]
        waiting_s = asa_s * (sums["handled"] + sums["abandoned"])
        method = APPROX_INTERVAL_METHOD
    return _estimate(sums["abandoned"], waiting_s, method)


def _estimate(abandoned: pd.Series, waiting_s: pd.Series, method: str) -> pd.DataFrame:
    usable = (abandoned > 0) & (waiting_s > 0)
    return pd.DataFrame({
        "abandoned": abandoned,
        "waiting_s": waiting_s,
        "mean_patience_s": (waiting_s / abandoned).where(usable),
        "method": np.where(usable, method, "no estimate: needs abandonments and waiting time (ASA)"),
    }).rename_axis("queue")
