"""Smallest staffing that meets service targets, vectorised over intervals, plus the
conversions planners apply to it: chat concurrency, shrinkage, an interval table.

Targets (any combination; every one given must hold):
- service_level at threshold_s: share of offered calls answered within threshold_s >= target;
- asa_s: mean wait of answered calls <= target;
- max_abandon: share of offered calls that abandon <= target (Erlang A only);
- max_occupancy: carried load / agents <= target.
Each measure improves as agents are added, so the smallest N is found per interval by
galloping up from a lower bound and then bisecting, each step one vectorised evaluation.
Erlang C staffing is always stable (N > load).

Chat concurrency k (an agent works k chats at once) is approximated by treating each
agent as k independent servers ("slots") whose handle time is the chat handle time
measured under concurrency: N agents = k N servers in M/M/kN(+M). This ignores that
chats slow down when an agent holds more of them at once and assumes any free slot of
any agent can take the next chat; occupancy is then the share of busy slots.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.staffing.erlang import (MEASURE_NAMES, Measures, broadcast_shape, checked, load_erlangs, measures,
                        positive)
from sim.errors import InputError

MAX_AGENTS = 1_000_000


@dataclass(frozen=True)
class Targets:
    """What "enough agents" means; None leaves a target out."""

    service_level: float | None = None
    threshold_s: float | None = None
    asa_s: float | None = None
    max_abandon: float | None = None
    max_occupancy: float | None = None

    def __post_init__(self):
        given = [self.service_level, self.asa_s, self.max_abandon, self.max_occupancy]
        if all(target is None for target in given):
            raise InputError(
                "targets: none given; set a service level, ASA, abandonment or occupancy"
            )
        if self.service_level is not None and self.threshold_s is None:
            raise InputError("threshold_s: missing; a service-level target needs one")
        rules = {  # field: (name in messages, acceptable, rule)
            "threshold_s": ("threshold_s", lambda v: (v >= 0) & np.isfinite(v), ">= 0"),
            "service_level": ("target_sl", lambda v: (v > 0) & (v < 1),
                              "in (0, 1): a share, and 1 (every call answered within the "
                              "threshold) is unreachable with any number of agents"),
            "asa_s": ("target_asa_s", lambda v: (v > 0) & np.isfinite(v), "> 0: some calls always wait"),
            "max_abandon": ("max_abandon", lambda v: (v > 0) & (v < 1),
                            "in (0, 1): some callers always abandon"),
            "max_occupancy": ("max_occupancy", lambda v: (v > 0) & (v <= 1), "in (0, 1]"),
        }
        for field_name, (name, ok, rule) in rules.items():
            value = getattr(self, field_name)
            if value is None:
                continue
            if np.ndim(value) != 0:
                raise InputError(f"{name}: {value!r} is not a single number")
            # Keep the checked float, so a text like "0.8" cannot reach the comparisons.
            object.__setattr__(self, field_name, float(checked(name, value, ok, rule)))

    def describe(self) -> str:
        parts = []
        if self.service_level is not None:
            parts.append(f"service level {self.service_level:g} within {self.threshold_s:g} s")
        if self.asa_s is not None:
            parts.append(f"ASA <= {self.asa_s:g} s")
        if self.max_abandon is not None:
            parts.append(f"abandonment <= {self.max_abandon:g}")
        if self.max_occupancy is not None:
            parts.append(f"occupancy <= {self.max_occupancy:g}")
        return ", ".join(parts)

    def met(self, m: Measures) -> np.ndarray:
        ok = np.ones(np.shape(m.p_wait), dtype=bool)
        if self.service_level is not None:
            ok &= m.service_level >= self.service_level
        if self.asa_s is not None:
            ok &= m.asa_s <= self.asa_s
        if self.max_abandon is not None:
            ok &= m.p_abandon <= self.max_abandon
        if self.max_occupancy is not None:
            ok &= m.occupancy <= self.max_occupancy
        return ok


def _concurrency(value) -> np.ndarray:
    return checked("concurrency", value, lambda v: (v >= 1) & np.isfinite(v) & (v == np.floor(v)),
                   "a whole number >= 1")


def measures_at(calls_per_hour, aht_s, agents, targets: Targets, patience_s=None,
                concurrency=1) -> Measures:
    """Measures with `agents` agents each serving `concurrency` contacts at once, SL at
    the targets' threshold_s (0 s if they have none).

    Intervals with no agents (0 staffed, so 0 calls) report nothing waiting: p_wait 0,
    service_level 1, asa_s 0, occupancy 0.
    """
    agents = checked("agents", agents, lambda v: (v >= 0) & np.isfinite(v) & (v == np.floor(v)),
                     "a whole number >= 0")
    n = agents * _concurrency(concurrency)
    threshold = 0.0 if targets.threshold_s is None else targets.threshold_s
    shape = broadcast_shape(calls_per_hour, aht_s, n)
    staffed = np.broadcast_to(n, shape) > 0
    unstaffed_calls = ~staffed & (np.broadcast_to(np.asarray(calls_per_hour, dtype=float), shape) > 0)
    if unstaffed_calls.any():
        where = tuple(int(i) for i in np.argwhere(unstaffed_calls)[0])
        raise InputError(f"agents: 0 where calls arrive (interval {where if len(where) > 1 else where[0]}"
                         "): nobody would answer them" if where else
                         "agents: 0 while calls arrive: nobody would answer them")
    out = Measures(*(np.zeros(shape) for _ in MEASURE_NAMES))
    out.service_level[...] = 1.0
    if staffed.any():
        def pick(x):
            return np.broadcast_to(x, shape)[staffed]

        m = measures(pick(calls_per_hour), pick(aht_s), pick(n), threshold,
                     None if patience_s is None else pick(patience_s))
        for name in MEASURE_NAMES:
            getattr(out, name)[staffed] = getattr(m, name)
    return out


def required_agents(calls_per_hour, aht_s, targets: Targets, patience_s=None,
                    concurrency=1) -> np.ndarray:
    """Smallest whole number of agents per interval meeting every target (0 with no calls).

    Every target is reachable with enough agents (Targets rejects the others), so the
    only failure is a requirement beyond MAX_AGENTS, usually a unit mistake.
    """
    if targets.max_abandon is not None and patience_s is None:
        raise InputError("max_abandon: needs patience_s; without abandonment (Erlang C) "
                         "nobody abandons")
    k = _concurrency(concurrency)
    load = load_erlangs(calls_per_hour, aht_s)
    aht = positive("aht_s", aht_s)
    if patience_s is not None:
        positive("patience_s", patience_s)
    shape = broadcast_shape(load, aht, patience_s, k)
    load, aht, k = (np.broadcast_to(x, shape).ravel() for x in (load, aht, k))
    patience = None if patience_s is None else np.broadcast_to(patience_s, shape).ravel()

    def feasible(idx, agents):
        m = measures_at(load[idx] * 3600.0 / aht[idx], aht[idx], agents, targets,
                        None if patience is None else patience[idx], k[idx])
        return targets.met(m)

    # lo is known infeasible, hi is the candidate; Erlang C needs k N > load.
    lo = np.floor(load / k) if patience is None else np.zeros_like(load)
    lo = np.where(load > 0, lo, -1.0)
    hi = np.maximum(np.ceil((load + np.sqrt(load)) / k), lo + 1)
    step = np.maximum(np.ceil(np.sqrt(load) / k), 1.0)
    todo = np.flatnonzero(load > 0)
    while todo.size:  # gallop: double the step until the candidate is feasible
        if (hi[todo] > MAX_AGENTS).any():
            interval = int(todo[hi[todo] > MAX_AGENTS][0])
            raise InputError(f"targets: {targets.describe()} unreachable with up to {MAX_AGENTS:,} "
                             f"agents in interval {interval} (load {load[interval]:.4g} Erlangs); "
                             "check the targets, and the volume and AHT units")
        ok = feasible(todo, hi[todo])
        bad = todo[~ok]
        lo[bad], hi[bad] = hi[bad], hi[bad] + step[bad]
        step[bad] *= 2
        todo = bad
    todo = np.flatnonzero(hi - lo > 1)
    while todo.size:  # bisect (lo infeasible, hi feasible)
        mid = np.floor((lo[todo] + hi[todo]) / 2)
        ok = feasible(todo, mid)
        hi[todo[ok]], lo[todo[~ok]] = mid[ok], mid[~ok]
        todo = todo[hi[todo] - lo[todo] > 1]
    return np.where(load > 0, hi, 0).astype(np.int64).reshape(shape)


def scheduled_fte(agents, shrinkage) -> np.ndarray:
    """Agents to schedule so that `agents` are available: agents / (1 - shrinkage).

    Shrinkage is the share of paid time not available for contacts (breaks, training,
    meetings, absence), in [0, 1).
    """
    s = checked("shrinkage", shrinkage, lambda v: (v >= 0) & (v < 1), "in [0, 1)")
    return np.asarray(agents, dtype=float) / (1.0 - s)


@dataclass(frozen=True)
class Requirements:
    """Per-interval requirement (`intervals`) and one row of totals per queue (`totals`)."""

    intervals: pd.DataFrame
    totals: pd.DataFrame


def requirements_table(forecast: pd.DataFrame, targets: Targets, patience_s=None,
                       shrinkage=0.0, concurrency=1, fte_hours_per_day=8.0) -> Requirements:
    """Required agents and the measures they give, for a forecast from `sim.staffing.forecast`.

    `patience_s` (mean, exponential) applies Erlang A to every row; left out, a forecast
    with its own `patience_s` column (a scenario's) sizes each row with its queue's
    patience: Erlang A where callers hang up (non-exponential patience is approximated by
    its mean), Erlang C where they never do (inf).

    Totals per queue: agent_hours (required agents x interval length), scheduled_hours
    (with shrinkage), fte = scheduled_hours / (fte_hours_per_day x days in the forecast),
    and averages weighted as the measures are defined: SL and abandonment by offered
    calls, ASA by answered calls, occupancy by agent-hours.
    """
    fte_day = positive("fte_hours_per_day", fte_hours_per_day)
    calls = forecast["calls"].to_numpy(float)
    interval_h = forecast["interval_s"].to_numpy(float) / 3600.0
    aht = np.where(calls > 0, forecast["aht_s"].to_numpy(float), 1.0)  # unused when no calls
    calls_per_hour = calls / interval_h
    if patience_s is None and "patience_s" in forecast.columns:
        agents, m = _sized_per_patience(forecast, calls_per_hour, aht, targets, concurrency)
    else:
        agents = required_agents(calls_per_hour, aht, targets, patience_s, concurrency)
        m = measures_at(calls_per_hour, aht, agents, targets, patience_s, concurrency)
    table = forecast[["queue", "interval_start"]].copy()
    table["calls"] = calls
    table["aht_s"] = forecast["aht_s"].to_numpy(float)
    table["load_erl"] = np.where(calls > 0, calls_per_hour / 3600.0 * aht, 0.0)
    table["agents"] = agents
    table["scheduled_fte"] = scheduled_fte(agents, shrinkage)
    for name in MEASURE_NAMES:
        table[name] = getattr(m, name)

    days = np.floor(forecast["start_s"].to_numpy(float) / 86400.0)
    work = table.assign(
        day=days,
        agent_hours=agents * interval_h,
        scheduled_hours=table["scheduled_fte"] * interval_h,
        sl_calls=calls * m.service_level,
        abandoned=calls * m.p_abandon,
        answered=calls * (1 - m.p_abandon),
        wait_s=calls * (1 - m.p_abandon) * m.asa_s,
        busy_hours=m.occupancy * agents * interval_h,
    )
    g = work.groupby("queue", sort=False)
    sums = g[["calls", "agent_hours", "scheduled_hours", "sl_calls", "abandoned",
              "answered", "wait_s", "busy_hours"]].sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        totals = pd.DataFrame({
            "calls": sums["calls"],
            "agent_hours": sums["agent_hours"],
            "scheduled_hours": sums["scheduled_hours"],
            "fte": sums["scheduled_hours"] / (fte_day * g["day"].nunique()),
            "service_level": sums["sl_calls"] / sums["calls"],
            "asa_s": sums["wait_s"] / sums["answered"],
            "p_abandon": sums["abandoned"] / sums["calls"],
            "occupancy": sums["busy_hours"] / sums["agent_hours"],
        })
    return Requirements(table, totals)


def _sized_per_patience(forecast: pd.DataFrame, calls_per_hour: np.ndarray, aht: np.ndarray,
                        targets: Targets, concurrency) -> tuple[np.ndarray, Measures]:
    """Rows with a finite `patience_s` sized by Erlang A, the others by Erlang C."""
    patience = forecast["patience_s"].to_numpy(float)
    finite = np.isfinite(patience)
    if targets.max_abandon is not None and not finite.all():
        queue = forecast["queue"].to_numpy()[~finite][0]
        raise InputError(f"max_abandon: queue {queue!r} has no patience (its callers never hang "
                         "up), so its abandonment cannot be targeted; give --patience-s")
    agents = np.zeros(len(forecast), dtype=np.int64)
    parts = {name: np.zeros(len(forecast)) for name in MEASURE_NAMES}
    for rows, rows_patience in ((finite, patience[finite]), (~finite, None)):
        if rows.any():
            agents[rows] = required_agents(calls_per_hour[rows], aht[rows], targets,
                                           rows_patience, concurrency)
            m = measures_at(calls_per_hour[rows], aht[rows], agents[rows], targets,
                            rows_patience, concurrency)
            for name in MEASURE_NAMES:
                parts[name][rows] = getattr(m, name)
    return agents, Measures(**parts)
