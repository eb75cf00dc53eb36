"""Per-interval queue measures of replications, for simulation-based staffing.

The worker (`interval_counts`) simulates one replication and returns, per queue and
interval of arrival, the counts the staffing targets need, scored by the KPI engine with
the service-level variant of the Erlang formulas (answered within T / offered, abandoned
calls counted as offered). Across replications a measure is a ratio of sums (answered
within T / offered, summed over replications): the per-call probability the Erlang
formulas give, not a mean of per-replication ratios, which small intervals would bias.
Its standard error is the ratio estimator's: √(Σ (y_r − R x_r)² / (n (n − 1))) / x̄.
"""

from __future__ import annotations

import numpy as np

# Columns of a replication's counts, per queue: one row per interval of the horizon.
COUNTS = ("offered", "within_t", "abandoned", "answered", "wait_s", "follow_ups")


def interval_counts(scenario, seed: int, threshold_s: float) -> dict[str, np.ndarray]:
    """{queue name: array (intervals, len(COUNTS))} for one replication (worker function).

    `follow_ups` counts offered visits that are transfers, redials or recontacts (segment
    or attempt above 1): load the interval forecast of first contacts does not show.
    """
    import pandas as pd

    from sim.engine import simulate
    from sim.kpis import KpiSettings, score_by

    log = simulate(scenario, seed=seed)
    settings = KpiSettings(sl_threshold_s=threshold_s, sl_variant="answered_within_t_over_offered",
                           abandon_variant="abandoned_over_offered")
    frame = score_by(log, ["interval", "queue"], settings).fillna(0.0)
    horizon = scenario.horizon
    intervals = np.rint(horizon.interval_starts_s().ravel() / horizon.interval_s).astype(np.int64)
    contacts = log.contacts
    follow_up = contacts["enqueue_s"].notna() & ((contacts["segment"] > 1) | (contacts["attempt"] > 1))
    follow_ups = (contacts[follow_up]
                  .assign(interval=(contacts["arrival_s"] // horizon.interval_s).astype(np.int64))
                  .groupby(["interval", "queue"]).size())
    out = {}
    for queue in scenario.queues:
        rows = frame[frame.index.get_level_values("queue") == queue.name]
        rows = rows.droplevel("queue").reindex(intervals, fill_value=0.0)
        offered = rows["offered"].to_numpy(float)
        answered = rows["answered"].to_numpy(float)
        extra = pd.Series(follow_ups[follow_ups.index.get_level_values("queue") == queue.name]
                          .droplevel("queue") if len(follow_ups) else [], dtype=float)
        out[queue.name] = np.column_stack([
            offered, rows["service_level"].to_numpy(float) * offered,
            rows["abandon_rate"].to_numpy(float) * offered, answered,
            rows["asa"].to_numpy(float) * answered,
            extra.reindex(intervals, fill_value=0.0).to_numpy(float),
        ])
    return out


def ratio_estimate(y: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Σy / Σx over replications (axis 0) and its standard error; NaN where Σx = 0."""
    n = y.shape[0]
    total = x.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(total > 0, y.sum(axis=0) / total, np.nan)
        resid = y - np.nan_to_num(r) * x
        se = np.sqrt((resid ** 2).sum(axis=0) / (n * (n - 1))) / (total / n)
    return r, np.where(total > 0, se, np.nan)
