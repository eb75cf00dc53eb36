"""Simulation-based staffing: per interval, the fewest agents whose simulated service
meets the targets, searched from the Erlang A requirement.

The Erlang formulas size each interval as a stationary queue fed only by first contacts.
The simulator also has transfers, redials, recontacts, callbacks, shared (multi-skill)
agents, non-exponential times and the backlog an interval inherits from the one before.
Following the iterative simulation-based staffing of Feldman, Mandelbaum, Massey & Whitt
(2008), the plan starts at the formula's answer and is corrected by simulation, here one
interval at a time in time order, so every interval is sized with the backlog the
intervals before it, already sized, leave behind:

1. Start: every sized group staffed at its queue's Erlang A requirement (Erlang C where
   callers never hang up).
2. For each interval in time order, for each sized queue: simulate `reps` replications
   (the same seeds for every candidate: common random numbers) with the candidate
   staffing in that interval, the earlier intervals at their final values and the later
   ones at Erlang A plus the correction found for this one (the load the formula misses
   persists); the search starts there too. A candidate meets the targets when each target holds at the
   one-sided `confidence` bound of its ratio estimate (e.g. the lower 95 % bound of the
   service level is at least the target). Search down from the start while the next
   lower count still meets them, or gallop up (1, 2, 4, ... agents) and bisect. A
   candidate for interval i is simulated up to the end of interval i + 1 only
   (`first_intervals`): later intervals cannot change interval i.
3. Contacts count in the interval they arrive in, as in the KPI engine and the formulas.

Sized groups: for each live (phone, chat) queue, the one group that serves only that
queue and has per-interval `staffing`. Other groups (multi-skill, partners) keep the
scenario's staffing; their help shows up as a requirement below Erlang's.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np

from sim.errors import InputError
from sim.experiments.interval_measures import COUNTS, interval_counts, ratio_estimate
from sim.experiments.runner import Task, executor_or_pool, rep_key, run_tasks
from sim.experiments.seeds import seeds_for
from sim.experiments.stats import check_confidence, check_reps
from sim.timefmt import clock

MAX_STEPS = 200  # agents searched above the start before a target is called unreachable


@dataclass
class SimulationStaffing:
    table: object  # DataFrame: queue, interval_start, calls, agents_erlang_c, agents_erlang_a,
    #                agents_simulation, simulated measures at agents_simulation and the
    #                Erlang A plan, follow_ups, reason
    plan: object  # the scenario with the simulated staffing
    method: str
    notes: list[str]


def staff_by_simulation(scenario, targets, *, reps: int = 10, confidence: float = 0.95,
                        seed: int = 0, executor: Executor | None = None,
                        progress: Callable[[int, int], None] | None = None) -> SimulationStaffing:
    """Simulation-based requirement per interval and sized queue; see the module docstring."""
    confidence = check_confidence(confidence)
    check_reps(reps, 2)
    if targets.max_occupancy is not None:
        raise InputError("max_occupancy: simulation staffing targets service level, ASA and "
                         "abandonment; leave the occupancy cap to --method erlang")
    sized = _sized_groups(scenario)
    erlang_c, erlang_a, forecast = _erlang(scenario, targets, sized)
    search = _Search(scenario, sized, targets, seeds_for(seed, reps), confidence, progress)
    with executor_or_pool(executor, reps * 2) as search.executor:
        plan = erlang_a.copy()
        per_day = scenario.horizon.intervals_per_day
        for i in range(plan.shape[1]):
            for q in range(plan.shape[0]):
                plan[q, i] = search.fewest(plan, q, i)
                # Later intervals of the day start from Erlang A plus this correction: the
                # load the formula misses (follow-ups, backlog) persists from one to the next.
                later = slice(i + 1, (i // per_day + 1) * per_day)
                plan[q, later] = np.maximum(erlang_a[q, later] + plan[q, i] - erlang_a[q, i], 0)
        final, start = search.measures(plan), search.measures(erlang_a)
    table = _table(scenario, sized, forecast, erlang_c, erlang_a, plan, final, start, targets)
    notes = [f"targets: {targets.describe()}; met at the one-sided {confidence:.0%} bound of "
             f"{reps} replications (ratio estimates over replications)"]
    sized_groups = {group for _, group in sized}
    kept = [g.name for k, g in enumerate(scenario.agent_groups) if k not in sized_groups]
    if kept:
        notes.append("groups kept as in the scenario (not sized): " + ", ".join(kept))
    return SimulationStaffing(table, search.scenario_for(plan), _METHOD, notes)


_METHOD = ("simulation-based staffing: per interval in time order, the fewest agents whose "
           "simulated targets hold at the stated confidence, searched from Erlang A "
           "(after Feldman et al. 2008)")


class _Search:
    """Evaluations of staffing plans (queues x intervals), cached, run on an executor."""

    def __init__(self, scenario, sized, targets, seeds, confidence, progress):
        from scipy.stats import t

        self.scenario, self.sized, self.targets, self.seeds = scenario, sized, targets, seeds
        self.t = float(t.ppf(confidence, len(seeds) - 1))
        self.progress = progress
        self.cache: dict[tuple[bytes, int | None], np.ndarray] = {}
        self.executor = None
        self.done = 0

    def scenario_for(self, plan: np.ndarray, keep: int | None = None):
        """The scenario staffed by `plan`, cut to its first `keep` open intervals if given."""
        from sim.scenario import with_field

        out = self.scenario
        for (_, group), row in zip(self.sized, plan):
            out = with_field(out, f"agent_groups[{group}].staffing", [int(v) for v in row])
        return out if keep is None else first_intervals(out, keep)

    def measures(self, plan: np.ndarray) -> np.ndarray:
        return self.evaluate([plan])[0]

    def evaluate(self, plans: list[np.ndarray], keep: int | None = None) -> list[np.ndarray]:
        """Counts (reps, queues, intervals, COUNTS) of each plan over its first `keep` open
        intervals (all if None); plans not yet evaluated run as one batch."""
        horizon = self.scenario.horizon
        if keep is not None and keep >= horizon.days * horizon.intervals_per_day:
            keep = None
        new = {(p.tobytes(), keep): p for p in plans if (p.tobytes(), keep) not in self.cache}
        tasks = []
        for j, plan in enumerate(new.values()):
            scenario = self.scenario_for(plan, keep)
            tasks += [Task(rep_key(f"plan-{j}", r), r, s, interval_counts,
                           (scenario, s, self.targets.threshold_s or 0.0))
                      for r, s in enumerate(self.seeds)]
        if tasks:
            outcome = run_tasks(tasks, self.executor, self._progress, done_before=self.done,
                                total=self.done + len(tasks))
            if outcome.failures:
                raise InputError(f"simulation staffing: {outcome.failures[0]}")
            self.done += len(tasks)
            for j, key in enumerate(new):
                rows = sorted((r for k, r in outcome.rows.items() if k.startswith(f"plan-{j}/")),
                              key=lambda r: r["rep"])
                self.cache[key] = np.stack([[r[self.scenario.queues[q].name] for q, _ in self.sized]
                                            for r in rows])
        return [self.cache[(p.tobytes(), keep)] for p in plans]

    def _progress(self, done: int, total: int) -> None:
        if self.progress:
            self.progress(done, total)

    def met(self, counts: np.ndarray, q: int, i: int) -> bool:
        """Whether every target holds for queue q in interval i at the confidence bound."""
        c = counts[:, q, i, :]
        col = {name: c[:, k] for k, name in enumerate(COUNTS)}
        checks = []
        if self.targets.service_level is not None:
            r, se = ratio_estimate(col["within_t"], col["offered"])
            checks.append(r - self.t * se >= self.targets.service_level)
        if self.targets.max_abandon is not None:
            r, se = ratio_estimate(col["abandoned"], col["offered"])
            checks.append(r + self.t * se <= self.targets.max_abandon)
        if self.targets.asa_s is not None:
            r, se = ratio_estimate(col["wait_s"], col["answered"])
            checks.append(r + self.t * se <= self.targets.asa_s)
        if col["offered"].sum() == 0:
            return True  # nobody arrived in any replication: nothing to serve
        return all(bool(ok) for ok in checks)  # a NaN measure (nobody answered) fails

    def fewest(self, plan: np.ndarray, q: int, i: int) -> int:
        """The fewest agents for queue q in interval i, the rest of `plan` held."""
        start = int(plan[q, i])

        def with_value(v: int) -> np.ndarray:
            p = plan.copy()
            p[q, i] = v
            return p

        keep = i + 2  # later intervals cannot matter; one more for waits across the edge

        def met_all(values: list[int]) -> list[bool]:
            counts = self.evaluate([with_value(v) for v in values], keep)
            return [self.met(c, q, i) for c in counts]

        down = [v for v in (start, start - 1) if v >= 0]
        ok = met_all(down)
        if ok[0]:  # walk down while the next lower value still meets the targets
            best = start
            while len(ok) == 2 and ok[1]:
                best -= 1
                ok = met_all([v for v in (best, best - 1) if v >= 0])
            return best
        low, step = start, 1  # low: known to miss; gallop up two candidates at a time
        while True:
            if low + 2 * step > start + MAX_STEPS:
                name = self.scenario.queues[self.sized[q][0]].name
                raise InputError(f"targets: {self.targets.describe()} not met for queue {name!r} "
                                 f"in interval {i} with up to {start + MAX_STEPS} agents")
            near, far = met_all([low + step, low + 2 * step])
            if near:
                high = low + step
                break
            if far:
                low, high = low + step, low + 2 * step
                break
            low, step = low + 2 * step, step * 2
        while high - low > 1:  # bisect: low misses, high meets
            mid = (low + high) // 2
            low, high = (low, mid) if met_all([mid])[0] else (mid, high)
        return high


def first_intervals(scenario, keep: int):
    """`scenario` cut to its first `keep` open intervals (`keep` < the horizon's).

    Within the first day the close time moves to the end of interval `keep` and arrivals
    become explicit interval volumes; beyond it (or with shifts, which are whole days)
    whole days are kept (`first_days`).
    """
    from sim.scenario import parse_scenario

    width = scenario.horizon.intervals_per_day
    if keep > width or any(g.shifts is not None for g in scenario.agent_groups):
        return first_days(scenario, -(-keep // width))
    data = scenario.model_dump(mode="json")
    close_s = scenario.horizon.open_s + keep * scenario.horizon.interval_s
    data["horizon"] |= {"days": 1, "close_time": clock(close_s)}
    for queue, spec in zip(data["queues"], scenario.queues):
        volumes = scenario.expected_arrivals(spec)[0, :keep].tolist()
        queue["arrivals"] = {"interval_volumes": volumes,
                             "day_to_day_cv": spec.arrivals.day_to_day_cv}
    for group in data["agent_groups"]:
        if isinstance(group["staffing"], list):
            group["staffing"] = group["staffing"][:keep]
    return parse_scenario(data, source=f"{scenario.name} (first {keep} intervals)")


def first_days(scenario, days: int):
    """`scenario` cut to its first `days` days: per-day and every-day lists sliced.

    Intervals of day d depend only on days up to d, so sizing them needs no later day.
    The cut run is a replication of those days in its own right (its customers are not
    the full run's: arrival streams are drawn for the whole horizon at once), and every
    candidate of one search step is cut alike, so they still share their customers.
    """
    from sim.scenario import parse_scenario

    data = scenario.model_dump(mode="json")
    total, width = scenario.horizon.days, scenario.horizon.intervals_per_day

    def cut(values, per_day_length: int):
        if isinstance(values, list) and len(values) == per_day_length * total and total > 1:
            return values[:per_day_length * days]
        return values

    data["horizon"]["days"] = days
    for queue in data["queues"]:
        arrivals = queue["arrivals"]
        arrivals["daily_volume"] = cut(arrivals["daily_volume"], 1)
        for key in ("profile", "interval_volumes"):
            arrivals[key] = cut(arrivals[key], width)
    for group in data["agent_groups"]:
        group["staffing"] = cut(group["staffing"], width)
    return parse_scenario(data, source=f"{scenario.name} (first {days} days)")


def _sized_groups(scenario) -> list[tuple[int, int]]:
    """(queue index, group index) of each live queue and its one dedicated group."""
    sized = []
    for q, queue in enumerate(scenario.queues):
        if queue.channel == "email":
            continue
        own = [g for g, group in enumerate(scenario.agent_groups) if group.serves == [queue.name]]
        if len(own) != 1:
            raise InputError(f"queues[{q}]: simulation staffing sizes one group per queue that "
                             f"serves only {queue.name!r}; {len(own)} such groups found")
        group = scenario.agent_groups[own[0]]
        if group.staffing is None:
            raise InputError(f"agent_groups[{own[0]}].shifts: simulation staffing sizes "
                             "per-interval `staffing`; give staffing instead of shifts")
        sized.append((q, own[0]))
    if not sized:
        raise InputError("queues: no phone or chat queue to size")
    return sized


def _erlang(scenario, targets, sized):
    """Erlang C and Erlang A requirements, arrays (sized queues, intervals), and the forecast."""
    from sim.staffing.forecast import forecast_from_scenario
    from sim.staffing.requirements import Targets, requirements_table

    forecast = forecast_from_scenario(scenario)
    names = [scenario.queues[q].name for q, _ in sized]
    forecast = forecast[forecast["queue"].isin(names)].reset_index(drop=True)
    n = len(forecast) // len(names)
    erlang_a = requirements_table(forecast, targets).intervals["agents"].to_numpy().reshape(len(names), n)
    if targets.service_level is None and targets.asa_s is None:
        erlang_c = np.full_like(erlang_a, -1)  # Erlang C has no abandonment to target
    else:
        without_abandon = Targets(service_level=targets.service_level, threshold_s=targets.threshold_s,
                                  asa_s=targets.asa_s)
        erlang_c = requirements_table(forecast.drop(columns="patience_s"), without_abandon) \
            .intervals["agents"].to_numpy().reshape(len(names), n)
    return erlang_c, erlang_a.astype(np.int64), forecast


def _table(scenario, sized, forecast, erlang_c, erlang_a, plan, final, start, targets):
    import pandas as pd

    from sim.experiments.staffing_reasons import reasons

    table = forecast[["queue", "interval_start", "calls"]].copy()
    table["agents_erlang_c"] = pd.Series(erlang_c.ravel(), dtype="Int64").where(erlang_c.ravel() >= 0)
    table["agents_erlang_a"] = erlang_a.ravel()
    table["agents_simulation"] = plan.ravel()
    for label, counts in (("sim", final), ("erlang_a_plan", start)):
        col = {name: counts[..., k] for k, name in enumerate(COUNTS)}
        sl, _ = ratio_estimate(col["within_t"], col["offered"])
        abandon, _ = ratio_estimate(col["abandoned"], col["offered"])
        asa, _ = ratio_estimate(col["wait_s"], col["answered"])
        table[f"sl_{label}"] = sl.ravel()
        table[f"abandon_{label}"] = abandon.ravel()
        table[f"asa_s_{label}"] = asa.ravel()
    table["offered_sim"] = final[..., COUNTS.index("offered")].mean(axis=0).ravel()
    table["follow_ups_sim"] = final[..., COUNTS.index("follow_ups")].mean(axis=0).ravel()
    table.attrs["sl_target"] = targets.service_level
    table["reason"] = reasons(scenario, sized, table)
    return table
