"""Backtest: does the calibrated scenario reproduce the real log, interval by interval?

The scenario is simulated `reps` times (seeds 1..reps) over the same days; each KPI is
scored per interval by the one KPI engine on the real log and on every replication. The
real value is compared with the replications' mean (absolute error) and their central
95 % band (is it inside?). With few replications the band is rough: 20 or more give a
band worth reading.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.errors import InputError
from sim.interaction_log import InteractionLog
from sim.scenario import Scenario
from sim.timefmt import time_label

KPIS = ("service_level", "asa", "abandon_rate", "occupancy")
FAR_OFF_INSIDE = 0.5


@dataclass(frozen=True)
class Backtest:
    intervals: pd.DataFrame  # per interval and KPI: real, sim_mean, sim_low, sim_high, inside
    overall: pd.DataFrame  # per KPI: real, sim_mean, sim_low, sim_high, inside
    summary: pd.DataFrame  # per KPI: intervals, mae, inside_share
    reps: int

    @property
    def far_off(self) -> bool:
        """Half the intervals or more outside the band for some KPI, or an overall real
        value beyond the band by more than half its width (one KPI of four just outside
        its 95 % band happens by chance one run in five)."""
        scored = self.summary.dropna(subset=["inside_share"])
        o = self.overall
        half = (o["sim_high"] - o["sim_low"]) / 2
        beyond = (o["real"] < o["sim_low"] - half) | (o["real"] > o["sim_high"] + half)
        return bool((scored["inside_share"] < FAR_OFF_INSIDE).any() or beyond.any())


def backtest(log: InteractionLog, scenario: Scenario, reps: int,
             progress=None) -> Backtest:
    from sim.engine import simulate
    from sim.kpis import score, score_by

    if reps < 2:
        raise InputError(f"reps: {reps} must be >= 2 (a band needs replications)")
    if log.meta.interval_s != scenario.horizon.interval_s:
        raise InputError(f"scenario: horizon.interval_min {scenario.horizon.interval_min} "
                         f"must match the log's {log.meta.interval_s / 60:g}-min intervals")
    real_by = score_by(log, "interval")
    offered = real_by["offered"].fillna(0) > 0
    real_by = real_by.loc[offered, list(KPIS)]
    real_all = score(log)
    runs, overall = [], []
    for rep in range(reps):
        sim = simulate(scenario, seed=rep + 1)
        runs.append(score_by(sim, "interval")[list(KPIS)].reindex(real_by.index))
        report = score(sim)
        overall.append([_value(report, k) for k in KPIS])
        if progress:
            progress(rep + 1)
    stack = np.stack([r.to_numpy(float) for r in runs])  # reps x intervals x kpis
    intervals = _compare(real_by.to_numpy(float), stack, _labels(real_by.index, log), KPIS)
    overall_table = _compare(np.array([[_value(real_all, k) for k in KPIS]]),
                             np.array(overall, float)[:, None, :], pd.Index(["all"]), KPIS)
    summary = intervals.groupby("kpi", sort=False).apply(_errors, include_groups=False)
    return Backtest(intervals, overall_table.droplevel("interval"), summary.reindex(KPIS),
                    reps)


def _labels(index: pd.Index, log: InteractionLog) -> pd.Index:
    """Interval numbers as the tables everywhere label them: 'Mon 2026-03-02 08:00' from
    day 0's date (the import's origin), else 'day 1 08:00'."""
    return pd.Index([time_label(i * log.meta.interval_s, log.meta.start_date)
                     for i in index.to_numpy()], name="interval")


def _value(report, kpi: str) -> float:
    value = report[kpi]
    return np.nan if value is None else float(value)


def _compare(real: np.ndarray, sims: np.ndarray, index: pd.Index, kpis) -> pd.DataFrame:
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an interval no replication scored
        mean = np.nanmean(sims, axis=0)
        low, high = np.nanpercentile(sims, [2.5, 97.5], axis=0)
    frames = []
    for k, kpi in enumerate(kpis):
        inside = ((real[:, k] >= low[:, k] - 1e-12) & (real[:, k] <= high[:, k] + 1e-12))
        known = np.isfinite(real[:, k]) & np.isfinite(mean[:, k])
        frames.append(pd.DataFrame({
            "interval": index, "kpi": kpi, "real": real[:, k], "sim_mean": mean[:, k],
            "sim_low": low[:, k], "sim_high": high[:, k],
            "inside": pd.array(np.where(known, inside, False), dtype="boolean")}))
        frames[-1].loc[~known, "inside"] = pd.NA
    return pd.concat(frames, ignore_index=True).set_index(["kpi", "interval"])


def _errors(rows: pd.DataFrame) -> pd.Series:
    known = rows["inside"].notna()
    return pd.Series({"intervals": int(known.sum()),
                      "mae": float((rows["real"] - rows["sim_mean"]).abs()[known].mean())
                      if known.any() else np.nan,
                      "inside_share": float(rows["inside"][known].astype(bool).mean())
                      if known.any() else np.nan})
